// SSE-S3 at rest with the AWS SDK for JavaScript v3: objects with ServerSideEncryption AES256 (AWS's default since
// January 2023) are stored encrypted under a per-object data key wrapped by the server's own key, and read back in the
// clear. AWS references: S3 User Guide "Using server-side encryption with Amazon S3 managed keys (SSE-S3)" and
// "Setting default server-side encryption behavior" (every new object is encrypted); the ETag of an SSE-S3 object is
// the MD5 of its data (API Reference, Object: "Objects created by the PUT Object, POST Object, or Copy operation ...
// that are encrypted by SSE-S3 or plaintext, have ETags that are an MD5 digest of their object data").
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, S3Client,
  UploadPartCommand, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { exportState } from '../../server/src/store/state.ts';
import { iamlocalPerFile } from './support.ts';

let local: Iamlocal;
iamlocalPerFile((started) => ({ local } = started));

const s3 = (): S3Client => new S3Client(local.clientConfig() as S3ClientConfig);
const stored = (bucket: string, key: string): Buffer => local.ctx.s3.blobBytes(local.ctx.s3.object(bucket, key)!.blob_id);
const md5 = (data: Buffer | string): string => `"${createHash('md5').update(data).digest('hex')}"`;

test('SSE-S3 objects (by default and asked for) are ciphertext at rest, plaintext to readers, with MD5 ETags; ranges, copies, multipart', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'plain' }));
  const text = 'the quick brown fox jumps over the lazy dog '.repeat(100);
  const put = await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'default', Body: text }));
  assert.equal(put.ServerSideEncryption, 'AES256');
  assert.equal(put.ETag, md5(text));
  await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'asked', Body: text, ServerSideEncryption: 'AES256' }));
  const big = randomBytes(200 * 1024); // past the inline-blob size: a file on disk
  await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'big', Body: big }));
  for (const key of ['default', 'asked', 'big']) {
    const bytes = stored('plain', key);
    assert.ok(!bytes.includes(Buffer.from('quick brown')) && !bytes.equals(big), `${key} is not stored in the clear`);
    const record = JSON.parse(local.ctx.s3.object('plain', key)!.sse_kms!) as { sseS3?: boolean; dataKey: string; keyArn: string };
    assert.equal(record.sseS3, true);
    assert.equal(record.keyArn, '');
  }
  const got = await root.send(new GetObjectCommand({ Bucket: 'plain', Key: 'default' }));
  assert.equal(got.ServerSideEncryption, 'AES256');
  assert.equal(got.ETag, md5(text));
  assert.equal(await got.Body!.transformToString(), text);
  const range = await root.send(new GetObjectCommand({ Bucket: 'plain', Key: 'big', Range: 'bytes=100000-100099' }));
  assert.deepEqual(Buffer.from(await range.Body!.transformToByteArray()), big.subarray(100000, 100100));

  const copy = await root.send(new CopyObjectCommand({ Bucket: 'plain', Key: 'copy', CopySource: 'plain/big' }));
  assert.equal(copy.CopyObjectResult?.ETag, md5(big));
  assert.ok(!stored('plain', 'copy').equals(big));
  assert.deepEqual(Buffer.from(await (await root.send(new GetObjectCommand({ Bucket: 'plain', Key: 'copy' }))).Body!.transformToByteArray()), big);

  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(3000)];
  const { UploadId } = await root.send(new CreateMultipartUploadCommand({ Bucket: 'plain', Key: 'mp' }));
  const etags: string[] = [];
  for (const [i, Body] of parts.entries()) etags.push((await root.send(new UploadPartCommand({ Bucket: 'plain', Key: 'mp', UploadId, PartNumber: i + 1, Body }))).ETag!);
  assert.deepEqual(etags, parts.map((p) => md5(p)));
  const done = await root.send(new CompleteMultipartUploadCommand({ Bucket: 'plain', Key: 'mp', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
  const whole = createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex');
  assert.equal(done.ETag, `"${whole}-2"`);
  assert.ok(!stored('plain', 'mp').subarray(0, 1000).equals(parts[0]!.subarray(0, 1000)));
  const back = Buffer.from(await (await root.send(new GetObjectCommand({ Bucket: 'plain', Key: 'mp', Range: 'bytes=5242000-5243999' }))).Body!.transformToByteArray());
  assert.deepEqual(back, Buffer.concat(parts).subarray(5242000, 5244000));

  // The state export carries the data in the clear (the server's key stays with its database) and no wrapped key.
  const state = exportState(local.ctx) as { buckets: { name: string; objects: { key: string; contentBase64: string; sseKms?: unknown; serverSideEncryption?: string }[] }[] };
  const exported = state.buckets.find((b) => b.name === 'plain')!.objects.find((o) => o.key === 'default')!;
  assert.equal(Buffer.from(exported.contentBase64, 'base64').toString(), text);
  assert.equal(exported.sseKms, undefined);
  assert.equal(exported.serverSideEncryption, 'AES256');
  root.destroy();
});
