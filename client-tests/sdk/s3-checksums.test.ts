// Multipart upload checksums with the AWS SDK for JavaScript v3. AWS reference: S3 User Guide "Checking object
// integrity" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html: composite
// checksums are the checksum of the part checksums with "-N"; full-object checksums are CRC32, CRC32C or CRC64NVME of
// the whole object; CRC64NVME is FULL_OBJECT only, SHA1/SHA256 COMPOSITE only), API Reference CreateMultipartUpload
// (x-amz-checksum-algorithm, x-amz-checksum-type echoed), UploadPart, CompleteMultipartUpload (ChecksumType),
// GetObjectAttributes (ObjectParts.Parts with each part's checksum), CopyObject (x-amz-checksum-algorithm).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { test } from 'node:test';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand, GetObjectCommand,
  HeadObjectCommand, ListPartsCommand, S3Client, UploadPartCommand, type ChecksumAlgorithm, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createChecksum } from '../../server/src/auth/checksums.ts';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
iamlocalPerFile((started) => ({ local } = started));

const s3 = (): S3Client => new S3Client(local.clientConfig() as S3ClientConfig);
const crc32b64 = (data: Buffer): string => { const b = Buffer.alloc(4); b.writeUInt32BE(crc32(data) >>> 0); return b.toString('base64'); };
const PARTS = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
const WHOLE = Buffer.concat(PARTS);

async function upload(client: S3Client, key: string, algorithm: ChecksumAlgorithm, type?: 'COMPOSITE' | 'FULL_OBJECT') {
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: 'sums', Key: key, ChecksumAlgorithm: algorithm, ChecksumType: type }));
  const parts = [];
  for (const [i, body] of PARTS.entries()) {
    const part = await client.send(new UploadPartCommand({ Bucket: 'sums', Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body, ChecksumAlgorithm: algorithm }));
    const member = `Checksum${algorithm}` as 'ChecksumCRC32';
    parts.push({ PartNumber: i + 1, ETag: part.ETag, [member]: part[member] });
  }
  return { created, parts };
}

test('COMPOSITE CRC32: echoed at creation, parts kept, the -N checksum of the part checksums, returned by HEAD, GetObjectAttributes, ListParts', async () => {
  const client = s3();
  await client.send(new CreateBucketCommand({ Bucket: 'sums' }));
  const { created, parts } = await upload(client, 'composite', 'CRC32');
  assert.equal(created.ChecksumAlgorithm, 'CRC32');
  assert.equal(created.ChecksumType, 'COMPOSITE');
  assert.deepEqual(parts.map((p) => p.ChecksumCRC32), PARTS.map(crc32b64));
  const listed = await client.send(new ListPartsCommand({ Bucket: 'sums', Key: 'composite', UploadId: created.UploadId }));
  assert.equal(listed.ChecksumAlgorithm, 'CRC32');
  assert.deepEqual(listed.Parts?.map((p) => p.ChecksumCRC32), PARTS.map(crc32b64));

  // A part's checksum that is not the part's: InvalidPart; one left out of a COMPOSITE upload: InvalidRequest.
  const wrong = await rejection(client.send(new CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'composite', UploadId: created.UploadId,
    MultipartUpload: { Parts: [parts[0]!, { ...parts[1]!, ChecksumCRC32: 'AAAAAA==' }] } })));
  assert.equal(wrong.name, 'InvalidPart');
  const missing = await rejection(client.send(new CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'composite', UploadId: created.UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: parts[0]!.ETag }, parts[1]!] } })));
  assert.equal(missing.message, 'The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.');

  const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'sums', Key: 'composite', UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));
  const expected = `${crc32b64(Buffer.concat(PARTS.map((p) => Buffer.from(crc32b64(p), 'base64'))))}-2`;
  assert.equal(done.ChecksumCRC32, expected);
  assert.equal(done.ChecksumType, 'COMPOSITE');
  const head = await client.send(new HeadObjectCommand({ Bucket: 'sums', Key: 'composite', ChecksumMode: 'ENABLED' }));
  assert.equal(head.ChecksumCRC32, expected);
  assert.equal(head.ChecksumType, 'COMPOSITE');
  // A part's own checksum, by partNumber with checksum mode.
  const part2 = await client.send(new HeadObjectCommand({ Bucket: 'sums', Key: 'composite', PartNumber: 2, ChecksumMode: 'ENABLED' }));
  assert.deepEqual([part2.ChecksumCRC32, part2.ChecksumType, part2.ContentLength], [crc32b64(PARTS[1]!), 'COMPOSITE', PARTS[1]!.length]);
  const attributes = await client.send(new GetObjectAttributesCommand({ Bucket: 'sums', Key: 'composite', ObjectAttributes: ['Checksum', 'ObjectParts'] }));
  assert.deepEqual(attributes.Checksum, { ChecksumCRC32: expected, ChecksumType: 'COMPOSITE' });
  assert.deepEqual(attributes.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32]), PARTS.map((p, i) => [i + 1, p.length, crc32b64(p)]));

  // CopyObject with x-amz-checksum-algorithm: a FULL_OBJECT checksum of the copy's bytes.
  const copy = await client.send(new CopyObjectCommand({ Bucket: 'sums', Key: 'copy', CopySource: 'sums/composite', ChecksumAlgorithm: 'SHA256' }));
  const sha = createHash('sha256').update(WHOLE).digest('base64');
  assert.equal(copy.CopyObjectResult?.ChecksumSHA256, sha);
  assert.equal(copy.CopyObjectResult?.ChecksumType, 'FULL_OBJECT');
  assert.equal((await client.send(new HeadObjectCommand({ Bucket: 'sums', Key: 'copy', ChecksumMode: 'ENABLED' }))).ChecksumSHA256, sha);
  client.destroy();
});

test('FULL_OBJECT CRC32 and CRC64NVME: the whole object\'s CRC, which GetObject\'s checksum validation accepts; the refused combinations', async () => {
  const client = s3();
  await client.send(new CreateBucketCommand({ Bucket: 'sums' }));
  for (const algorithm of ['CRC32', 'CRC64NVME'] as const) {
    const { created, parts } = await upload(client, `full-${algorithm}`, algorithm, algorithm === 'CRC32' ? 'FULL_OBJECT' : undefined);
    assert.equal(created.ChecksumType, 'FULL_OBJECT');
    const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: 'sums', Key: `full-${algorithm}`, UploadId: created.UploadId,
      MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) } }));
    assert.equal(done.ChecksumType, 'FULL_OBJECT');
    if (algorithm === 'CRC32') assert.equal(done.ChecksumCRC32, crc32b64(WHOLE));
    else {
      // Combined from the parts' CRCs, it is the CRC-64/NVME of the whole object computed in one pass.
      const direct = createChecksum('CRC64NVME');
      direct.update(WHOLE);
      assert.equal(done.ChecksumCRC64NVME, direct.digestBase64());
    }
    // The SDK checks a FULL_OBJECT checksum against the bytes it reads: a wrong value would fail the read.
    const got = await client.send(new GetObjectCommand({ Bucket: 'sums', Key: `full-${algorithm}`, ChecksumMode: 'ENABLED' }));
    assert.equal(got.ChecksumType, 'FULL_OBJECT');
    assert.equal(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), WHOLE), 0);
  }
  const refused: [ChecksumAlgorithm, 'COMPOSITE' | 'FULL_OBJECT', string][] = [
    ['CRC64NVME', 'COMPOSITE', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.'],
    ['SHA256', 'FULL_OBJECT', 'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.'],
  ];
  for (const [algorithm, type, message] of refused) {
    const e = await rejection(client.send(new CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'x', ChecksumAlgorithm: algorithm, ChecksumType: type })));
    assert.equal(e.name, 'InvalidRequest');
    assert.equal(e.message, message);
  }
  // A part sent with another algorithm than the upload's.
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: 'sums', Key: 'mixed', ChecksumAlgorithm: 'SHA1' }));
  const e = await rejection(client.send(new UploadPartCommand({ Bucket: 'sums', Key: 'mixed', UploadId: created.UploadId, PartNumber: 1, Body: 'x', ChecksumAlgorithm: 'CRC32' })));
  assert.equal(e.message, 'Checksum Type mismatch occurred, expected checksum Type: sha1, actual checksum Type: crc32');
  client.destroy();
});
