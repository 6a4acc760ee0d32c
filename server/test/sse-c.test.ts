// SSE-C's storage format: segments (one per PutObject, or per part) each AES-256-CTR under its own IV; any byte range
// decrypts from any offset, in any chunking, including IVs whose 128-bit counter wraps.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { decrypted, encryptor, keyForRead, sealKey, type CustomerKey, type ObjectCustomerKey } from '../../server/src/services/s3/encryption.ts';

function encryptObject(key: CustomerKey, sizes: number[], ivs: Buffer[]): { plain: Buffer; stored: Buffer; sealed: ObjectCustomerKey } {
  const plain = randomBytes(sizes.reduce((a, b) => a + b, 0));
  const parts: Buffer[] = [];
  let at = 0;
  sizes.forEach((size, i) => {
    const cipher = encryptor(key, ivs[i]!);
    parts.push(Buffer.concat([cipher.update(plain.subarray(at, at + size)), cipher.final()]));
    at += size;
  });
  const sealed = { ...sealKey(key), segments: sizes.map((size, i) => ({ size, iv: ivs[i]!.toString('base64') })) };
  return { plain, stored: Buffer.concat(parts), sealed };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('ranges of a multi-segment object decrypt, from buffers and from streams of odd chunk sizes', async () => {
  const key = { key: randomBytes(32), keyMd5: '' };
  // Sizes that are not multiples of the AES block; one IV about to wrap its counter.
  const sizes = [37, 1000, 16, 5, 333];
  const ivs = sizes.map(() => randomBytes(16));
  ivs[1] = Buffer.from('ffffffffffffffffffffffffffffffff', 'hex');
  const { plain, stored, sealed } = encryptObject(key, sizes, ivs);
  assert.ok(!stored.equals(plain));
  assert.ok((decrypted(stored, key, sealed) as Buffer).equals(plain));
  for (let i = 0; i < 60; i++) {
    const start = randomInt(plain.length);
    const end = randomInt(start, plain.length);
    const slice = stored.subarray(start, end + 1);
    assert.ok((decrypted(slice, key, sealed, start) as Buffer).equals(plain.subarray(start, end + 1)), `buffer ${start}-${end}`);
    const chunks: Buffer[] = [];
    for (let at = 0; at < slice.length;) {
      const n = randomInt(1, 50);
      chunks.push(slice.subarray(at, at + n));
      at += n;
    }
    const streamed = await collect(decrypted(Readable.from(chunks), key, sealed, start) as Readable);
    assert.ok(streamed.equals(plain.subarray(start, end + 1)), `stream ${start}-${end}`);
  }
});

test('the sealed key recognises its key only, and a read must bring a key exactly when the object has one', () => {
  const key = { key: randomBytes(32), keyMd5: 'md5' };
  const stored = JSON.stringify({ ...sealKey(key), segments: [] });
  assert.ok(!stored.includes(key.key.toString('base64')) && !stored.includes(key.key.toString('hex')));
  assert.ok(keyForRead(stored, key));
  assert.throws(() => keyForRead(stored, { key: randomBytes(32), keyMd5: 'md5' }), { code: 'AccessDenied' });
  assert.throws(() => keyForRead(stored, undefined), { code: 'InvalidRequest' });
  assert.throws(() => keyForRead(null, key), { code: 'InvalidRequest' });
  assert.equal(keyForRead(null, undefined), undefined);
});
