// S3 object features through SDK v3: SSE-C (stored encrypted, key never stored), conditional writes (concurrent
// If-None-Match: * with one winner), storage classes, IAM condition keys of those headers, non-ASCII metadata, SigV2
// with x-amz-date, and an empty continuation-token.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Upload } from '@aws-sdk/lib-storage';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectAttributesCommand, GetObjectCommand, UploadPartCommand, HeadObjectCommand, ListBucketsCommand, ListObjectsV2Command, paginateListBuckets, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { rejection } from './support.ts';

const BUCKET = 'sdk-objects';
let local: Iamlocal;
let s3: S3Client;

before(async () => {
  local = await startIamlocal({ fixtures: ['db/fixtures/seed-story.yaml'] });
  s3 = new S3Client(local.clientConfig() as S3ClientConfig);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
after(async () => {
  await local.stop();
});

const KEY = randomBytes(32);
const sseC = (key: Buffer = KEY) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') as string | undefined });

test('SSE-C: the object is stored encrypted under the customer key, which is never stored; reads need the key', async () => {
  const plaintext = Buffer.from('the launch codes are 0000');
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'codes.txt', Body: plaintext, ...sseC() }));
  assert.equal(put.SSECustomerKeyMD5, createHash('md5').update(KEY).digest('base64'));
  const row = local.ctx.s3.object(BUCKET, 'codes.txt')!;
  const stored = local.ctx.s3.blobBytes(row.blob_id);
  assert.equal(stored.length, plaintext.length);
  assert.ok(!stored.equals(plaintext), 'stored bytes are not the plaintext');
  assert.ok(!(row.sse_customer ?? '').includes(KEY.toString('base64')) && !(row.sse_customer ?? '').includes(KEY.toString('hex')), 'the key is not stored');
  // AWS: "ETags … not an MD5 digest of their object data" for SSE-C objects.
  assert.notEqual(put.ETag, `"${createHash('md5').update(plaintext).digest('hex')}"`);

  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'codes.txt', ...sseC() }));
  assert.equal(await got.Body!.transformToString(), plaintext.toString());
  assert.equal(got.SSECustomerAlgorithm, 'AES256');
  const noKey = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'codes.txt' })));
  assert.deepEqual([noKey.name, noKey.status], ['InvalidRequest', 400]);
  const wrong = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'codes.txt', ...sseC(randomBytes(32)) })));
  assert.deepEqual([wrong.name, wrong.status], ['AccessDenied', 403]);
  assert.equal((await rejection(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'codes.txt' })))).status, 400);
});

test('SSE-C multipart through lib-storage (parts encrypted each under its own IV) reads back whole and by range', async () => {
  const body = randomBytes(11 * 1024 * 1024);
  await new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'big-secret.bin', Body: body, ...sseC() }, partSize: 5 * 1024 * 1024 }).done();
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big-secret.bin', ...sseC() }));
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
  const start = 5 * 1024 * 1024 - 10;
  const range = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big-secret.bin', Range: `bytes=${start}-${start + 99}`, ...sseC() }));
  assert.ok(Buffer.from(await range.Body!.transformToByteArray()).equals(body.subarray(start, start + 100)));
  // A copy to a plain object decrypts with the copy-source key.
  await s3.send(new CopyObjectCommand({
    Bucket: BUCKET, Key: 'big-plain.bin', CopySource: `${BUCKET}/big-secret.bin`,
    CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: KEY.toString('base64'),
  }));
  const plain = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big-plain.bin' }));
  assert.ok(Buffer.from(await plain.Body!.transformToByteArray()).equals(body));
});

test('concurrent If-None-Match: * writes of one key: exactly one wins, the others get 412', async () => {
  // Bodies big enough to stream in over several turns of the event loop, so that all six pass the first check.
  const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'leader', Body: Buffer.alloc(512 * 1024, i), IfNoneMatch: '*' }))));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { name: string }).name, 'PreconditionFailed');
});

test('IAM: a role may put only with SSE-C, STANDARD_IA and If-None-Match; If-Match needs s3:GetObject too', async () => {
  await new IAMClient(local.clientConfig()).send(new PutRolePolicyCommand({
    RoleName: 'kjh-s3-encryption-test1-role', PolicyName: 'ssec-only',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{
        Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/role/*`,
        Condition: {
          StringEquals: { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256', 's3:x-amz-storage-class': 'STANDARD_IA' },
          Null: { 's3:if-none-match': 'false' },
        },
      }, { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/cas/*` }],
    }),
  }));
  const role = new S3Client(local.clientConfig({ role: 'kjh-s3-encryption-test1-role' }) as S3ClientConfig);
  const denied = await rejection(role.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'role/a', Body: 'x', StorageClass: 'STANDARD_IA', IfNoneMatch: '*' })));
  assert.equal(denied.name, 'AccessDenied');
  await role.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'role/a', Body: 'x', StorageClass: 'STANDARD_IA', IfNoneMatch: '*', ...sseC() }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'role/a', ...sseC() }));
  assert.equal(head.StorageClass, 'STANDARD_IA');
  // "To perform a conditional write with the HTTP If-Match header, you must have the s3:PutObject and s3:GetObject
  // permissions" (User Guide, conditional writes).
  const written = await role.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas/x', Body: 'v1' }));
  const cas = await rejection(role.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cas/x', Body: 'v2', IfMatch: written.ETag })));
  assert.equal(cas.name, 'AccessDenied');
  assert.match(cas.message, /not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::sdk-objects\/cas\/x"/);
});

test('non-ASCII metadata, sent by SDK v3 as UTF-8, verifies and comes back byte for byte', async () => {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'meta.txt', Body: 'x', Metadata: { city: 'Zürich' } }));
  const res = await fetch(`${local.endpoint}/${BUCKET}/meta.txt`, { method: 'HEAD', headers: await presignedHead('meta.txt') });
  assert.equal(res.status, 200);
  // fetch reads header bytes as ISO-8859-1: the UTF-8 bytes of "Zürich" arrive unchanged.
  assert.equal(Buffer.from(res.headers.get('x-amz-meta-city') ?? '', 'latin1').toString('utf8'), 'Zürich');
});

/** A SigV2 Authorization header whose date travels in x-amz-date: the Date line of the string to sign is then empty. */
async function presignedHead(key: string): Promise<Record<string, string>> {
  const date = new Date().toUTCString();
  const toSign = `HEAD\n\n\n\nx-amz-date:${date}\n/${BUCKET}/${key}`;
  return { 'x-amz-date': date, authorization: `AWS test:${createHmac('sha1', 'test').update(toSign).digest('base64')}` };
}

test('SigV2 with x-amz-date verifies; ListObjectsV2 with an empty continuation-token lists the first page', async () => {
  const res = await fetch(`${local.endpoint}/${BUCKET}/codes.txt`, { method: 'HEAD', headers: await presignedHead('codes.txt') });
  // Verified (then refused for want of the SSE-C key), not SignatureDoesNotMatch (403).
  assert.equal(res.status, 400);
  const first = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 2 }));
  const date = new Date().toUTCString();
  const toSign = `GET\n\n\n\nx-amz-date:${date}\n/${BUCKET}/`;
  const empty = await fetch(`${local.endpoint}/${BUCKET}/?list-type=2&max-keys=2&continuation-token=`, {
    headers: { 'x-amz-date': date, authorization: `AWS test:${createHmac('sha1', 'test').update(toSign).digest('base64')}` },
  });
  const xml = await empty.text();
  assert.equal(empty.status, 200, xml);
  const keys = [...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
  assert.deepEqual(keys, first.Contents?.map((c) => c.Key));
});

test('state export and fixtures keep SSE-C objects (ciphertext and sealed key) and storage classes', async () => {
  const { exportState } = await import('../../server/src/store/state.ts');
  const { applyFixtures } = await import('../../server/src/store/fixtures.ts');
  const exported = exportState(local.ctx);
  local.reset('empty');
  applyFixtures(local.ctx, exported, 'exported state');
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'codes.txt', ...sseC() }));
  assert.equal(await got.Body!.transformToString(), 'the launch codes are 0000');
  assert.equal((await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'codes.txt' })))).name, 'InvalidRequest');
  assert.equal((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'role/a', ...sseC() }))).StorageClass, 'STANDARD_IA');
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html: Prefix, MaxBuckets (1..10000),
// ContinuationToken (opaque, present only when more buckets remain), BucketRegion.
test('ListBuckets pages with max-buckets and continuation-token; paginateListBuckets walks all pages', async () => {
  const names = ['lb-page-a', 'lb-page-b', 'lb-page-c'];
  for (const Bucket of names) await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: 'lb-page-west', CreateBucketConfiguration: { LocationConstraint: 'us-west-2' } }));
  const first = await s3.send(new ListBucketsCommand({ Prefix: 'lb-page-', MaxBuckets: 2 }));
  assert.deepEqual(first.Buckets?.map((b) => b.Name), ['lb-page-a', 'lb-page-b']);
  assert.equal(first.Prefix, 'lb-page-');
  assert.ok(first.ContinuationToken);
  const pages: string[][] = [];
  for await (const page of paginateListBuckets({ client: s3, pageSize: 1 }, { Prefix: 'lb-page-' })) pages.push((page.Buckets ?? []).map((b) => b.Name!));
  assert.deepEqual(pages, [['lb-page-a'], ['lb-page-b'], ['lb-page-c'], ['lb-page-west']]);
  const last = await s3.send(new ListBucketsCommand({ Prefix: 'lb-page-', MaxBuckets: 4 }));
  assert.equal(last.ContinuationToken, undefined);
  const west = await s3.send(new ListBucketsCommand({ Prefix: 'lb-page-', BucketRegion: 'us-west-2' }));
  assert.deepEqual(west.Buckets?.map((b) => [b.Name, b.BucketRegion]), [['lb-page-west', 'us-west-2']]);
  for (const MaxBuckets of [0, 10001]) {
    const bad = await rejection(s3.send(new ListBucketsCommand({ MaxBuckets })));
    assert.deepEqual([bad.name, bad.status, bad.message], ['InvalidArgument', 400, 'Argument max-buckets must be an integer between 1 and 10000']);
  }
  const forged = await rejection(s3.send(new ListBucketsCommand({ ContinuationToken: 'bm90LWEtdG9rZW4=' })));
  assert.deepEqual([forged.name, forged.status], ['InvalidArgument', 400]);
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (PartNumber): "Effectively performs a 'ranged'
// GET request for the part specified"; x-amz-mp-parts-count is the object's part count. A non-multipart object is one part.
test('GET/HEAD with partNumber: the part\'s bytes (206, Content-Range, PartsCount), SSE-C and SSE-KMS parts decrypt, refusals', async () => {
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1000)];
  const upload = async (Key: string, sse: object) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key, ...sse }));
    const done = [];
    for (const [i, Body] of parts.entries()) {
      const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: i + 1, Body, ...sse }));
      done.push({ ETag, PartNumber: i + 1 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, MultipartUpload: { Parts: done }, ...sse }));
  };
  await upload('parts.bin', {});
  await upload('parts-sse-c.bin', sseC());
  await upload('parts-kms.bin', { ServerSideEncryption: 'aws:kms' });
  assert.ok(local.ctx.s3.object(BUCKET, 'parts-kms.bin')!.sse_kms, 'the SSE-KMS object is stored encrypted');
  const size = parts[0]!.length + parts[1]!.length;
  for (const [Key, sse] of [['parts.bin', {}], ['parts-sse-c.bin', sseC()], ['parts-kms.bin', {}]] as const) {
    const second = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key, PartNumber: 2, ...sse }));
    assert.ok(Buffer.from(await second.Body!.transformToByteArray()).equals(parts[1]!), Key);
    assert.deepEqual([second.$metadata.httpStatusCode, second.ContentRange, second.PartsCount, second.ContentLength],
      [206, `bytes ${parts[0]!.length}-${size - 1}/${size}`, 2, 1000]);
  }
  const first = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'parts.bin', PartNumber: 1 }));
  assert.deepEqual([first.ContentLength, first.PartsCount, first.ContentRange], [parts[0]!.length, 2, `bytes 0-${parts[0]!.length - 1}/${size}`]);
  const beyond = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts.bin', PartNumber: 3 })));
  assert.deepEqual([beyond.name, beyond.status, beyond.message], ['InvalidPartNumber', 416, 'The requested partnumber is not satisfiable']);
  const both = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts.bin', PartNumber: 1, Range: 'bytes=0-1' })));
  assert.deepEqual([both.name, both.status], ['InvalidRequest', 400]);
  const zero = await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'parts.bin', PartNumber: 0 })));
  assert.deepEqual([zero.name, zero.status], ['InvalidArgument', 400]);

  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'single.txt', Body: 'one part' }));
  const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'single.txt', PartNumber: 1 }));
  assert.equal(await whole.Body!.transformToString(), 'one part');
  assert.equal(whole.PartsCount, undefined);
  assert.equal((await rejection(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'single.txt', PartNumber: 2 })))).name, 'InvalidPartNumber');
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html: "If you do not pass a version ID in your
// request, you need the s3:GetObject and s3:GetObjectAttributes permissions." ObjectParts only for a multipart object.
test('GetObjectAttributes: ETag, Checksum, ObjectParts paging, StorageClass, ObjectSize; needs s3:GetObject and s3:GetObjectAttributes', async () => {
  const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'attr/ok', Body: 'attributes', ChecksumAlgorithm: 'CRC32', StorageClass: 'STANDARD_IA' }));
  const all = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
  const got = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attr/ok', ObjectAttributes: [...all] }));
  assert.equal(got.ETag, put.ETag!.replace(/"/g, ''));
  assert.deepEqual([got.Checksum?.ChecksumCRC32, got.Checksum?.ChecksumType, got.StorageClass, got.ObjectSize, got.ObjectParts],
    [put.ChecksumCRC32, 'FULL_OBJECT', 'STANDARD_IA', 10, undefined]);
  assert.ok(got.LastModified instanceof Date);
  const parts = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'parts.bin', ObjectAttributes: ['ObjectParts', 'ObjectSize'], MaxParts: 1 }));
  assert.deepEqual([parts.ObjectParts?.TotalPartsCount, parts.ObjectParts?.IsTruncated, parts.ObjectParts?.NextPartNumberMarker, parts.ObjectParts?.MaxParts, parts.ETag],
    [2, true, '1', 1, undefined]);
  const rest = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'parts.bin', ObjectAttributes: ['ObjectParts'], PartNumberMarker: '1' }));
  assert.deepEqual([rest.ObjectParts?.IsTruncated, rest.ObjectParts?.PartNumberMarker, rest.ObjectParts?.NextPartNumberMarker], [false, '1', '2']);
  const sealed = await rejection(s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'parts-sse-c.bin', ObjectAttributes: ['ObjectSize'] })));
  assert.deepEqual([sealed.name, sealed.status], ['InvalidRequest', 400]);
  assert.equal((await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'parts-sse-c.bin', ObjectAttributes: ['ObjectSize'], ...sseC() }))).ObjectSize,
    5 * 1024 * 1024 + 1000);
  const bad = await rejection(s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attr/ok', ObjectAttributes: ['Owner' as 'ETag'] })));
  assert.deepEqual([bad.name, bad.message], ['InvalidArgument', 'Invalid attribute name specified.']);
  const none = await rejection(s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attr/ok', ObjectAttributes: [] })));
  assert.deepEqual([none.name, none.status], ['InvalidRequest', 400]);
  assert.equal((await rejection(s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attr/missing', ObjectAttributes: ['ETag'] })))).name, 'NoSuchKey');

  await new IAMClient(local.clientConfig()).send(new PutRolePolicyCommand({
    RoleName: 'kjh-s3-encryption-test1-role', PolicyName: 'attributes',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/attr/*` },
        { Effect: 'Allow', Action: 's3:GetObjectAttributes', Resource: [`arn:aws:s3:::${BUCKET}/attr/ok`, `arn:aws:s3:::${BUCKET}/cas/*`] },
      ],
    }),
  }));
  const role = new S3Client(local.clientConfig({ role: 'kjh-s3-encryption-test1-role' }) as S3ClientConfig);
  assert.equal((await role.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attr/ok', ObjectAttributes: ['ObjectSize'] }))).ObjectSize, 10);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'attr/other', Body: 'x' }));
  const noAttributes = await rejection(role.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'attr/other', ObjectAttributes: ['ObjectSize'] })));
  assert.match(noAttributes.message, /not authorized to perform: s3:GetObjectAttributes on resource: "arn:aws:s3:::sdk-objects\/attr\/other"/);
  const noGet = await rejection(role.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'cas/x', ObjectAttributes: ['ObjectSize'] })));
  assert.match(noGet.message, /not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::sdk-objects\/cas\/x"/);
});
