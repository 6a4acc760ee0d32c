// S3 flexible checksums against the published check values for "123456789" and node:crypto.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { combineCrc, compositeChecksum, createChecksum, fullObjectChecksum, type ChecksumAlgorithm } from '../src/auth/checksums.ts';

const hex = (algorithm: ChecksumAlgorithm, data: string, split = false): string => {
  const c = createChecksum(algorithm);
  const bytes = Buffer.from(data);
  if (split) {
    c.update(bytes.subarray(0, 4));
    c.update(bytes.subarray(4));
  } else c.update(bytes);
  return Buffer.from(c.digestBase64(), 'base64').toString('hex');
};

test('CRC check values (the CRC catalogue\'s "123456789")', () => {
  assert.equal(hex('CRC32', '123456789'), 'cbf43926');
  assert.equal(hex('CRC32C', '123456789'), 'e3069283');
  assert.equal(hex('CRC64NVME', '123456789'), 'ae8b14860a799888');
  assert.equal(hex('CRC64NVME', '123456789', true), 'ae8b14860a799888');
  assert.equal(hex('CRC32', ''), '00000000');
});

test('SHA digests match node:crypto', () => {
  assert.equal(hex('SHA256', 'abc'), createHash('sha256').update('abc').digest('hex'));
  assert.equal(hex('SHA1', 'abc'), createHash('sha1').update('abc').digest('hex'));
});

const b64 = (algorithm: ChecksumAlgorithm, ...chunks: Buffer[]): string => {
  const c = createChecksum(algorithm);
  for (const chunk of chunks) c.update(chunk);
  return c.digestBase64();
};

test('multipart: CRCs of parts combine into the CRC of the whole (FULL_OBJECT), empty parts included', () => {
  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    const parts = [randomBytes(1000), randomBytes(0), randomBytes(4099), randomBytes(7)];
    // An empty chunk in the middle leaves the running CRC alone (zlib.crc32 of an empty buffer once answered 0).
    assert.equal(b64(algorithm, ...parts), b64(algorithm, Buffer.concat(parts)), algorithm);
    assert.equal(fullObjectChecksum(algorithm, parts.map((p) => ({ value: b64(algorithm, p), size: p.length }))), b64(algorithm, Buffer.concat(parts)), algorithm);
    assert.equal(combineCrc(algorithm, b64(algorithm, parts[0]!), b64(algorithm, parts[2]!), parts[2]!.length), b64(algorithm, parts[0]!, parts[2]!));
  }
  assert.throws(() => combineCrc('SHA256', '', '', 1));
});

test('multipart: a COMPOSITE checksum is the checksum of the raw part checksums, with -N', () => {
  const parts = ['AAAAAQ==', 'AAAAAg=='];
  assert.equal(compositeChecksum('CRC32', parts), `${b64('CRC32', Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]))}-2`);
});
