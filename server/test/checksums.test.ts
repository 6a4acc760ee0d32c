// S3 flexible checksums against the published check values for "123456789" and node:crypto.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { createChecksum, type ChecksumAlgorithm } from '../src/auth/checksums.ts';

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
