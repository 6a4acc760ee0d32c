// S3 versioning with the AWS SDK for JavaScript v3. AWS references: S3 User Guide "Using versioning in S3 buckets"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html: version ids on every write in an Enabled
// bucket, the null version in unversioned and suspended buckets, delete markers, "Deleting object versions",
// "Working with objects in a versioning-suspended bucket"); API Reference PutBucketVersioning, GetBucketVersioning,
// ListObjectVersions (key-marker / version-id-marker paging), GetObject (a current delete marker: 404 NoSuchKey with
// x-amz-delete-marker; a delete marker by version id: 405 MethodNotAllowed), DeleteObject, DeleteObjects (DeleteMarker,
// DeleteMarkerVersionId), CopyObject (x-amz-copy-source-version-id); Service Authorization Reference (s3:GetObjectVersion,
// s3:DeleteObjectVersion, s3:ListBucketVersions, s3:PutBucketVersioning, s3:GetBucketVersioning, …).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateUserCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand,
  DeleteObjectsCommand, DeletePublicAccessBlockCommand, GetBucketVersioningCommand, GetObjectAclCommand, GetObjectAttributesCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand,
  ListObjectVersionsCommand, ListObjectsV2Command, PutBucketLifecycleConfigurationCommand, PutBucketVersioningCommand, PutObjectAclCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { applyFixtures, FixtureError } from '../../server/src/store/fixtures.ts';
import { exportState } from '../../server/src/store/state.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);
const text = async (r: { Body?: { transformToString(): Promise<string> } }): Promise<string> => (await r.Body!.transformToString());

/** The raw error of a rejected call, with its HTTP headers. */
async function rawRejection(promise: Promise<unknown>): Promise<{ name: string; status?: number; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number }; $response?: { headers: Record<string, string> } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, headers: e.$response?.headers ?? {} };
  }
  return assert.fail('expected the call to be rejected');
}

test('versioning state: empty until set, Enabled, Suspended; never back to unversioned; MfaDelete refused', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'ver' }));
  const none = await root.send(new GetBucketVersioningCommand({ Bucket: 'ver' }));
  assert.equal(none.Status, undefined);
  await root.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }));
  assert.equal((await root.send(new GetBucketVersioningCommand({ Bucket: 'ver' }))).Status, 'Enabled');
  await root.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Suspended' } }));
  assert.equal((await root.send(new GetBucketVersioningCommand({ Bucket: 'ver' }))).Status, 'Suspended');
  // Status is Enabled or Suspended only: there is no way back to an unversioned bucket.
  const bad = await rejection(root.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Disabled' as 'Enabled' } })));
  assert.equal(bad.name, 'MalformedXML');
  // MFA delete needs the root user's MFA code on S3 requests, which iamlocal does not check: refused, never silently on.
  const mfa = await rejection(root.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled', MFADelete: 'Enabled' } })));
  assert.deepEqual(mfa, { name: 'AccessDenied', message: 'Mfa Authentication must be used for this request', status: 403 });
});

test('versions, delete markers, GET/HEAD/DELETE by versionId, ListObjectVersions, DeleteBucket', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'ver' }));
  // Written before versioning: the null version.
  await root.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'v0' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = await root.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'v1' }));
  const v2 = await root.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'v2' }));
  assert.match(v1.VersionId!, /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(v1.VersionId, v2.VersionId);
  const current = await root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' }));
  assert.equal(current.VersionId, v2.VersionId);
  assert.equal(await text(current), 'v2');
  assert.equal(await text(await root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: v1.VersionId }))), 'v1');
  assert.equal(await text(await root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: 'null' }))), 'v0');
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: v1.VersionId }))).ContentLength, 2);
  const missing = await rejection(root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: 'A'.repeat(32) })));
  assert.deepEqual(missing, { name: 'NoSuchVersion', message: 'The specified version does not exist.', status: 404 });
  const invalid = await rejection(root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: 'nope' })));
  assert.deepEqual(invalid, { name: 'InvalidArgument', message: 'Invalid version id specified', status: 400 });

  // A delete without a version id adds a delete marker; the key then reads as missing, with the marker's headers.
  const del = await root.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k' }));
  assert.equal(del.DeleteMarker, true);
  assert.match(del.VersionId!, /^[A-Za-z0-9_-]{32}$/);
  const gone = await rawRejection(root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' })));
  assert.equal(gone.name, 'NoSuchKey');
  assert.equal(gone.headers['x-amz-delete-marker'], 'true');
  assert.equal(gone.headers['x-amz-version-id'], del.VersionId);
  const onMarker = await rawRejection(root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: del.VersionId })));
  assert.equal(onMarker.status, 405);
  assert.equal(onMarker.headers['x-amz-delete-marker'], 'true');
  assert.deepEqual((await root.send(new ListObjectsV2Command({ Bucket: 'ver' }))).Contents, undefined);

  const listed = await root.send(new ListObjectVersionsCommand({ Bucket: 'ver' }));
  assert.deepEqual(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size]), [[v2.VersionId, false, 2], [v1.VersionId, false, 2], ['null', false, 2]]);
  assert.deepEqual(listed.DeleteMarkers?.map((m) => [m.Key, m.VersionId, m.IsLatest]), [['k', del.VersionId, true]]);

  // Paging one version at a time with the key and version markers visits every version once, newest first.
  const seen: string[] = [];
  let page = await root.send(new ListObjectVersionsCommand({ Bucket: 'ver', MaxKeys: 1 }));
  for (;;) {
    seen.push(...(page.Versions ?? []).map((v) => v.VersionId!), ...(page.DeleteMarkers ?? []).map((m) => m.VersionId!));
    if (!page.IsTruncated) break;
    page = await root.send(new ListObjectVersionsCommand({ Bucket: 'ver', MaxKeys: 1, KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker }));
  }
  assert.deepEqual(seen, [del.VersionId, v2.VersionId, v1.VersionId, 'null']);

  // Deleting the marker by version id brings the newest version back.
  const undelete = await root.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: del.VersionId }));
  assert.equal(undelete.DeleteMarker, true);
  assert.equal(await text(await root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' }))), 'v2');
  // Deleting the current version for good: the previous one becomes current.
  await root.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: v2.VersionId }));
  const back = await root.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' }));
  assert.equal(back.VersionId, v1.VersionId);
  assert.equal(await text(back), 'v1');

  // A bucket with versions left is not empty; DeleteObjects by version empties it.
  assert.equal((await rejection(root.send(new DeleteBucketCommand({ Bucket: 'ver' })))).name, 'BucketNotEmpty');
  await root.send(new DeleteObjectCommand({ Bucket: 'ver', Key: 'k' }));
  const all = await root.send(new ListObjectVersionsCommand({ Bucket: 'ver' }));
  const objects = [...(all.Versions ?? []), ...(all.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
  assert.equal(objects.length, 3);
  const result = await root.send(new DeleteObjectsCommand({ Bucket: 'ver', Delete: { Objects: objects } }));
  assert.equal(result.Deleted?.length, 3);
  assert.deepEqual(result.Deleted?.filter((d) => d.DeleteMarker).map((d) => d.DeleteMarkerVersionId), [objects.find((o) => !['null', v1.VersionId].includes(o.VersionId))!.VersionId]);
  assert.deepEqual(await root.send(new ListObjectVersionsCommand({ Bucket: 'ver' })).then((r) => [r.Versions, r.DeleteMarkers]), [undefined, undefined]);
  await root.send(new DeleteBucketCommand({ Bucket: 'ver' }));
});

test('suspended and unversioned buckets: the null version; DeleteObjects adds markers; copy and multipart get version ids', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'plain' }));
  await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'a/1', Body: 'x' }));
  // ListObjectVersions on an unversioned bucket: every object is its null version.
  const plain = await root.send(new ListObjectVersionsCommand({ Bucket: 'plain' }));
  assert.deepEqual(plain.Versions?.map((v) => [v.Key, v.VersionId, v.IsLatest]), [['a/1', 'null', true]]);
  assert.equal((await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'a/2', Body: 'y' }))).VersionId, undefined);
  await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'b c', Body: 'z' }));
  const delimited = await root.send(new ListObjectVersionsCommand({ Bucket: 'plain', Delimiter: '/', EncodingType: 'url' }));
  assert.deepEqual(delimited.CommonPrefixes, [{ Prefix: 'a/' }]);
  assert.deepEqual(delimited.Versions?.map((v) => v.Key), ['b%20c']);
  assert.deepEqual((await root.send(new ListObjectVersionsCommand({ Bucket: 'plain', Prefix: 'a/', KeyMarker: 'a/1' }))).Versions?.map((v) => v.Key), ['a/2']);
  // A page that ends on a common prefix: the next one starts after everything the prefix rolls up.
  const first = await root.send(new ListObjectVersionsCommand({ Bucket: 'plain', Delimiter: '/', MaxKeys: 1 }));
  assert.deepEqual([first.CommonPrefixes, first.IsTruncated, first.NextKeyMarker, first.NextVersionIdMarker], [[{ Prefix: 'a/' }], true, 'a/', undefined]);
  const second = await root.send(new ListObjectVersionsCommand({ Bucket: 'plain', Delimiter: '/', MaxKeys: 1, KeyMarker: first.NextKeyMarker }));
  assert.deepEqual([second.Versions?.map((v) => v.Key), second.CommonPrefixes, second.IsTruncated], [['b c'], undefined, false]);

  await root.send(new CreateBucketCommand({ Bucket: 'susp' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'susp', VersioningConfiguration: { Status: 'Enabled' } }));
  const kept = await root.send(new PutObjectCommand({ Bucket: 'susp', Key: 'k', Body: 'kept' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'susp', VersioningConfiguration: { Status: 'Suspended' } }));
  // Suspended: writes are the null version, each replacing the last. The write answers without x-amz-version-id (PutObject
  // API reference, the "Versioning suspended" sample response); a read of the object shows "null".
  assert.equal((await root.send(new PutObjectCommand({ Bucket: 'susp', Key: 'k', Body: 'n1' }))).VersionId, undefined);
  assert.equal((await root.send(new PutObjectCommand({ Bucket: 'susp', Key: 'k', Body: 'n2' }))).VersionId, undefined);
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'susp', Key: 'k' }))).VersionId, 'null');
  let versions = await root.send(new ListObjectVersionsCommand({ Bucket: 'susp' }));
  assert.deepEqual(versions.Versions?.map((v) => [v.VersionId, v.IsLatest]), [['null', true], [kept.VersionId, false]]);
  // A delete is a null delete marker, replacing the null version.
  const deleted = await root.send(new DeleteObjectsCommand({ Bucket: 'susp', Delete: { Objects: [{ Key: 'k' }] } }));
  assert.deepEqual(deleted.Deleted, [{ Key: 'k', DeleteMarker: true, DeleteMarkerVersionId: 'null' }]);
  versions = await root.send(new ListObjectVersionsCommand({ Bucket: 'susp' }));
  assert.deepEqual(versions.Versions?.map((v) => v.VersionId), [kept.VersionId]);
  assert.deepEqual(versions.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest]), [['null', true]]);

  // CopyObject from a named version; UploadPartCopy too; CompleteMultipartUpload reports the new version.
  await root.send(new PutBucketVersioningCommand({ Bucket: 'susp', VersioningConfiguration: { Status: 'Enabled' } }));
  const copy = await root.send(new CopyObjectCommand({ Bucket: 'susp', Key: 'copy', CopySource: `susp/k?versionId=${kept.VersionId}` }));
  assert.equal(copy.CopySourceVersionId, kept.VersionId);
  assert.match(copy.VersionId!, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(await text(await root.send(new GetObjectCommand({ Bucket: 'susp', Key: 'copy' }))), 'kept');
  const upload = await root.send(new CreateMultipartUploadCommand({ Bucket: 'susp', Key: 'mp' }));
  const part = await root.send(new UploadPartCommand({ Bucket: 'susp', Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: 'part' }));
  const done = await root.send(new CompleteMultipartUploadCommand({ Bucket: 'susp', Key: 'mp', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.match(done.VersionId!, /^[A-Za-z0-9_-]{32}$/);
  // A retried Complete (an SDK that missed the answer) gets the same version id again.
  const retried = await root.send(new CompleteMultipartUploadCommand({ Bucket: 'susp', Key: 'mp', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.equal(retried.VersionId, done.VersionId);

  // Restoring a previous version: a copy of it onto its own key becomes the current version.
  const restored = await root.send(new CopyObjectCommand({ Bucket: 'susp', Key: 'copy', CopySource: `susp/copy?versionId=${copy.VersionId}` }));
  assert.notEqual(restored.VersionId, copy.VersionId);
  // UploadPartCopy from a named version; GetObjectAttributes of a named version.
  const upload2 = await root.send(new CreateMultipartUploadCommand({ Bucket: 'susp', Key: 'mp2' }));
  const copied = await root.send(new UploadPartCopyCommand({ Bucket: 'susp', Key: 'mp2', UploadId: upload2.UploadId, PartNumber: 1, CopySource: `susp/k?versionId=${kept.VersionId}` }));
  assert.equal(copied.CopySourceVersionId, kept.VersionId);
  const attributes = await root.send(new GetObjectAttributesCommand({ Bucket: 'susp', Key: 'k', VersionId: kept.VersionId, ObjectAttributes: ['ObjectSize'] }));
  assert.deepEqual([attributes.VersionId, attributes.ObjectSize], [kept.VersionId, 4]);

  // Tags and ACLs belong to a version.
  await root.send(new PutObjectTaggingCommand({ Bucket: 'susp', Key: 'k', VersionId: kept.VersionId, Tagging: { TagSet: [{ Key: 'old', Value: 'yes' }] } }));
  const tags = await root.send(new GetObjectTaggingCommand({ Bucket: 'susp', Key: 'k', VersionId: kept.VersionId }));
  assert.deepEqual([tags.VersionId, tags.TagSet], [kept.VersionId, [{ Key: 'old', Value: 'yes' }]]);
  const acl = await root.send(new GetObjectAclCommand({ Bucket: 'susp', Key: 'k', VersionId: kept.VersionId }));
  assert.equal(acl.Grants?.[0]?.Permission, 'FULL_CONTROL');
});

test('IAM: a version id takes the …Version actions; listing versions takes s3:ListBucketVersions', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'ver' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }));
  const v = await root.send(new PutObjectCommand({ Bucket: 'ver', Key: 'k', Body: 'x' }));
  await iam.send(new CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket', 's3:DeleteObject'], Resource: ['arn:aws:s3:::ver', 'arn:aws:s3:::ver/*'] }] }) }));
  const reader = s3({ user: 'reader' });
  assert.equal(await text(await reader.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k' }))), 'x');
  const denied = await rejection(reader.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: v.VersionId })));
  assert.deepEqual(denied, {
    name: 'AccessDenied', status: 403,
    message: 'User: arn:aws:iam::123456789012:user/reader is not authorized to perform: s3:GetObjectVersion on resource: "arn:aws:s3:::ver/k" because no identity-based policy allows the s3:GetObjectVersion action',
  });
  const list = await rejection(reader.send(new ListObjectVersionsCommand({ Bucket: 'ver' })));
  assert.equal(list.message, 'User: arn:aws:iam::123456789012:user/reader is not authorized to perform: s3:ListBucketVersions on resource: "arn:aws:s3:::ver" because no identity-based policy allows the s3:ListBucketVersions action');
  // DeleteObjects reports a version it may not delete per key (s3:DeleteObjectVersion), and deletes what it may.
  const result = await reader.send(new DeleteObjectsCommand({ Bucket: 'ver', Delete: { Objects: [{ Key: 'k', VersionId: v.VersionId }, { Key: 'k' }] } }));
  assert.deepEqual(result.Errors?.map((e) => [e.Key, e.VersionId, e.Code]), [['k', v.VersionId, 'AccessDenied']]);
  assert.equal(result.Deleted?.[0]?.DeleteMarker, true);
  // s3:versionid narrows a grant to one version.
  await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'one', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 's3:GetObjectVersion', Resource: 'arn:aws:s3:::ver/*', Condition: { StringEquals: { 's3:versionid': v.VersionId } } }] }) }));
  assert.equal(await text(await reader.send(new GetObjectCommand({ Bucket: 'ver', Key: 'k', VersionId: v.VersionId }))), 'x');
});

test('lifecycle run on a versioned bucket: Expiration adds a delete marker; NoncurrentVersionExpiration, ExpiredObjectDeleteMarker', async () => {
  // User Guide "Expiring objects": in a versioning-enabled bucket, Expiration of the current version adds a delete marker;
  // NoncurrentVersionExpiration removes versions NoncurrentDays after they became noncurrent, keeping the
  // NewerNoncurrentVersions newest; ExpiredObjectDeleteMarker removes a delete marker that is the key's only version.
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'lc-bucket' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'lc-bucket', VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = await root.send(new PutObjectCommand({ Bucket: 'lc-bucket', Key: 'k', Body: '1' }));
  const v2 = await root.send(new PutObjectCommand({ Bucket: 'lc-bucket', Key: 'k', Body: '2' }));
  await root.send(new PutObjectCommand({ Bucket: 'lc-bucket', Key: 'k', Body: '3' }));
  const g = await root.send(new PutObjectCommand({ Bucket: 'lc-bucket', Key: 'gone', Body: 'g' }));
  const marker = await root.send(new DeleteObjectCommand({ Bucket: 'lc-bucket', Key: 'gone' }));
  await root.send(new DeleteObjectCommand({ Bucket: 'lc-bucket', Key: 'gone', VersionId: g.VersionId }));
  await root.send(new PutObjectCommand({ Bucket: 'lc-bucket', Key: 'old/x', Body: 'x' }));
  await root.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'lc-bucket', LifecycleConfiguration: { Rules: [
    { ID: 'cleanup', Filter: {}, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 }, Expiration: { ExpiredObjectDeleteMarker: true } },
    { ID: 'old', Filter: { Prefix: 'old/' }, Status: 'Enabled', Expiration: { Days: 1 } },
    { ID: 'cold', Filter: { ObjectSizeGreaterThan: 0 }, Status: 'Enabled', NoncurrentVersionTransitions: [{ NoncurrentDays: 1, StorageClass: 'GLACIER' }] },
  ] } }));
  const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const res = await fetch(`${local.endpoint}/_iamlocal/s3/lifecycle/run?now=${encodeURIComponent(later)}`, { method: 'POST' });
  const run = await res.json() as { expired: { key: string; deleteMarkerVersionId?: string }[]; noncurrentExpired: unknown[]; deleteMarkersRemoved: unknown[]; noncurrentTransitioned: unknown[] };
  assert.deepEqual(run.expired.map((e) => e.key), ['old/x']);
  assert.match(run.expired[0]!.deleteMarkerVersionId!, /^[A-Za-z0-9_-]{32}$/);
  assert.deepEqual(run.noncurrentExpired, [{ bucket: 'lc-bucket', key: 'k', versionId: v1.VersionId, rule: 'cleanup' }]);
  assert.deepEqual(run.deleteMarkersRemoved, [{ bucket: 'lc-bucket', key: 'gone', versionId: marker.VersionId, rule: 'cleanup' }]);
  const left = await root.send(new ListObjectVersionsCommand({ Bucket: 'lc-bucket' }));
  assert.deepEqual(left.Versions?.map((v) => [v.Key, v.IsLatest]), [['k', true], ['k', false], ['old/x', false]]);
  assert.equal(left.Versions?.[1]?.VersionId, v2.VersionId);
  // The version kept by NewerNoncurrentVersions is old enough for NoncurrentVersionTransition.
  assert.deepEqual(run.noncurrentTransitioned, [{ bucket: 'lc-bucket', key: 'k', versionId: v2.VersionId, storageClass: 'GLACIER', rule: 'cold' }]);
  assert.deepEqual(left.Versions?.map((v) => v.StorageClass), ['STANDARD', 'GLACIER', 'STANDARD']);
  assert.deepEqual(left.DeleteMarkers?.map((m) => [m.Key, m.VersionId]), [['old/x', run.expired[0]!.deleteMarkerVersionId]]);
});

test('emptying a versioned bucket page by page: the next page resumes after a version-id-marker that was just deleted', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'loop' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'loop', VersioningConfiguration: { Status: 'Enabled' } }));
  for (const body of ['1', '2', '3']) await root.send(new PutObjectCommand({ Bucket: 'loop', Key: 'k', Body: body }));
  await root.send(new DeleteObjectCommand({ Bucket: 'loop', Key: 'k' }));
  await root.send(new PutObjectCommand({ Bucket: 'loop', Key: 'z', Body: 'z' }));
  let markers: { KeyMarker?: string | undefined; VersionIdMarker?: string | undefined } = {};
  let pages = 0;
  for (;;) {
    const page = await root.send(new ListObjectVersionsCommand({ Bucket: 'loop', MaxKeys: 2, ...markers }));
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
    if (entries.length) await root.send(new DeleteObjectsCommand({ Bucket: 'loop', Delete: { Objects: entries } }));
    pages++;
    if (!page.IsTruncated) break;
    markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
  assert.equal(pages, 3);
  await root.send(new DeleteBucketCommand({ Bucket: 'loop' }));
});

test('object ACLs are per version: a public-read old version is public by its version id, the private current one is not', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'acl-ver', ObjectOwnership: 'ObjectWriter' }));
  await root.send(new DeletePublicAccessBlockCommand({ Bucket: 'acl-ver' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'acl-ver', VersioningConfiguration: { Status: 'Enabled' } }));
  const old = await root.send(new PutObjectCommand({ Bucket: 'acl-ver', Key: 'k', Body: 'old', ACL: 'public-read' }));
  const current = await root.send(new PutObjectCommand({ Bucket: 'acl-ver', Key: 'k', Body: 'new' }));
  const anonymous = (query: string): Promise<Response> => fetch(`${local.endpoint}/acl-ver/k${query}`);
  assert.equal((await anonymous(`?versionId=${old.VersionId}`)).status, 200);
  assert.equal((await anonymous('')).status, 403);
  assert.equal((await anonymous(`?versionId=${current.VersionId}`)).status, 403);
  // PutObjectAcl on a named version changes that version only.
  await root.send(new PutObjectAclCommand({ Bucket: 'acl-ver', Key: 'k', VersionId: old.VersionId, ACL: 'private' }));
  assert.equal((await anonymous(`?versionId=${old.VersionId}`)).status, 403);
  await root.send(new PutObjectAclCommand({ Bucket: 'acl-ver', Key: 'k', ACL: 'public-read' }));
  assert.equal(await (await anonymous('')).text(), 'new');
  assert.equal((await root.send(new GetObjectAclCommand({ Bucket: 'acl-ver', Key: 'k', VersionId: old.VersionId }))).Grants?.length, 1);
});

test('fixtures and state export: an exported versioned bucket re-loads with all its versions, delete markers and version ids', async () => {
  // What ListObjectVersions shows (S3 User Guide "Using versioning in S3 buckets"): every version and delete marker with
  // its id, IsLatest, ETag, size and LastModified; GetObject by versionId reads each version's bytes.
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'history' }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'c', Body: 'null version' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'history', VersioningConfiguration: { Status: 'Enabled' } }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'a', Body: 'a1', Tagging: 'v=1' }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'a', Body: 'a2 is longer', ContentType: 'text/plain', Metadata: { note: 'kept' }, CacheControl: 'no-cache', ChecksumAlgorithm: 'SHA256' }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'b', Body: 'b1' }));
  await root.send(new DeleteObjectCommand({ Bucket: 'history', Key: 'b' }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'c', Body: 'c2' }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'big', Body: Buffer.alloc(70_000, 7) }));
  await root.send(new PutObjectCommand({ Bucket: 'history', Key: 'big', Body: 'small now' }));
  await root.send(new CreateBucketCommand({ Bucket: 'history-suspended' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'history-suspended', VersioningConfiguration: { Status: 'Enabled' } }));
  await root.send(new PutObjectCommand({ Bucket: 'history-suspended', Key: 'k', Body: 'kept' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'history-suspended', VersioningConfiguration: { Status: 'Suspended' } }));
  await root.send(new DeleteObjectCommand({ Bucket: 'history-suspended', Key: 'k' }));

  const listing = async (client: S3Client, bucket: string): Promise<unknown> => {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    return {
      versions: (out.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest, v.ETag, v.Size, v.LastModified?.toISOString(), v.Owner?.ID]),
      markers: (out.DeleteMarkers ?? []).map((m) => [m.Key, m.VersionId, m.IsLatest, m.LastModified?.toISOString()]),
    };
  };
  const before = { history: await listing(root, 'history'), suspended: await listing(root, 'history-suspended') };
  const exported = exportState(local.ctx);
  const history = (exported.buckets as { name: string; versions?: { key: string; versionId: string; deleteMarker?: boolean }[] }[]).find((b) => b.name === 'history')!;
  assert.deepEqual(history.versions!.map((v) => [v.key, v.versionId === 'null' ? 'null' : 'id', v.deleteMarker ?? false]),
    [['a', 'id', false], ['b', 'id', true], ['b', 'id', false], ['big', 'id', false], ['c', 'null', false]]);

  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-versions-'));
  writeFileSync(join(dir, 'state.json'), JSON.stringify(exported));
  const other = await startIamlocal({ fixtures: [join(dir, 'state.json')] });
  try {
    const client = new S3Client(other.clientConfig() as S3ClientConfig);
    assert.deepEqual({ history: await listing(client, 'history'), suspended: await listing(client, 'history-suspended') }, before);
    const versions = (await client.send(new ListObjectVersionsCommand({ Bucket: 'history' }))).Versions!;
    const bodies = await Promise.all(versions.map(async (v) => [v.Key, (await text(await client.send(new GetObjectCommand({ Bucket: 'history', Key: v.Key, VersionId: v.VersionId })))).slice(0, 12)]));
    assert.deepEqual(bodies, [['a', 'a2 is longer'], ['a', 'a1'], ['b', 'b1'], ['big', 'small now'], ['big', '\x07'.repeat(12)], ['c', 'c2'], ['c', 'null version']]);
    // Metadata, stored content headers and the checksum go with each version.
    const headA = await client.send(new HeadObjectCommand({ Bucket: 'history', Key: 'a', ChecksumMode: 'ENABLED' }));
    assert.deepEqual([headA.Metadata, headA.CacheControl, headA.ChecksumSHA256, headA.ContentType], [{ note: 'kept' }, 'no-cache', (await root.send(new HeadObjectCommand({ Bucket: 'history', Key: 'a', ChecksumMode: 'ENABLED' }))).ChecksumSHA256, 'text/plain']);
    assert.ok(headA.ChecksumSHA256);
    const oldA = versions.find((v) => v.Key === 'a' && !v.IsLatest)!;
    assert.deepEqual((await client.send(new GetObjectTaggingCommand({ Bucket: 'history', Key: 'a', VersionId: oldA.VersionId }))).TagSet, [{ Key: 'v', Value: '1' }]);
    // The current delete marker still hides b; writing on goes on from the loaded versions.
    assert.equal((await rawRejection(client.send(new GetObjectCommand({ Bucket: 'history', Key: 'b' })))).headers['x-amz-delete-marker'], 'true');
    await client.send(new PutObjectCommand({ Bucket: 'history', Key: 'b', Body: 'b3' }));
    const b = (await client.send(new ListObjectVersionsCommand({ Bucket: 'history', Prefix: 'b', Delimiter: '/' })));
    assert.deepEqual([b.Versions!.filter((v) => v.Key === 'b').map((v) => v.IsLatest), b.DeleteMarkers!.map((m) => m.IsLatest)], [[true, false], [false]]);
    // The export of the loaded server is the export it was loaded from (the bucket part).
    const again = exportState(other.ctx).buckets as { name: string }[];
    assert.deepEqual(again.find((x) => x.name === 'history-suspended'), (exported.buckets as { name: string }[]).find((x) => x.name === 'history-suspended'));
    client.destroy();
  } finally {
    await other.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  root.destroy();
});

test('fixtures: versions are refused where a bucket has no versioning, and version ids are checked', () => {
  const bad = (bucket: Record<string, unknown>): string => {
    try {
      applyFixtures(local.ctx, { buckets: [{ name: 'bad-versions', ...bucket }] }, 'bad.yaml');
    } catch (error) {
      assert.ok(error instanceof FixtureError);
      return error.message;
    }
    return assert.fail('expected a FixtureError');
  };
  assert.match(bad({ versions: [{ key: 'k', versionId: 'null' }] }), /buckets\[0\]\.versions: versions need the bucket's versioning/);
  assert.match(bad({ versioning: 'Enabled', objects: [{ key: 'k', versionId: 'short' }] }), /buckets\[0\]\.objects\[0\]\.versionId: expected "null" or a version id/);
  assert.match(bad({ versioning: 'Enabled', objects: [{ key: 'k', versionId: 'null' }], versions: [{ key: 'k', versionId: 'null' }] }), /version null of k is declared twice/);
  assert.match(bad({ versioning: 'Enabled', versions: [{ key: 'k', versionId: 'null', deleteMarker: true, content: 'x' }] }), /versions\[0\]\.content: a delete marker has no content/);
  assert.match(bad({ objects: [{ key: 'k', content: 'abc', parts: [1, 1] }] }), /objects\[0\]\.parts: expected part sizes summing to the content's size/);
  assert.match(bad({ objects: [{ key: 'k', checksum: 'MD5:abc' }] }), /objects\[0\]\.checksum: expected ALGORITHM:base64 value/);
  assert.match(bad({ objects: [{ key: 'k', metadata: { 'x-custom': 'v' } }] }), /objects\[0\]\.metadata\.x-custom: expected x-amz-meta-\* or a stored content header/);
});

test('fixtures: an object\'s metadata, checksum and parts as a state export writes them (GET ?partNumber reads a part)', async () => {
  applyFixtures(local.ctx, { buckets: [{ name: 'fixture-parts', objects: [{
    key: 'mp', content: 'abcde', parts: [3, 2], metadata: { 'x-amz-meta-origin': 'fixture', 'content-language': 'en' }, checksum: 'CRC32:AAAAAA==-2',
  }] }] }, 'parts.yaml');
  const root = s3();
  const part = await root.send(new GetObjectCommand({ Bucket: 'fixture-parts', Key: 'mp', PartNumber: 2 }));
  assert.deepEqual([await text(part), part.PartsCount, part.Metadata, part.ContentLanguage], ['de', 2, { origin: 'fixture' }, 'en']);
  const head = await root.send(new HeadObjectCommand({ Bucket: 'fixture-parts', Key: 'mp', ChecksumMode: 'ENABLED' }));
  assert.deepEqual([head.ChecksumCRC32, head.ChecksumType], ['AAAAAA==-2', 'COMPOSITE']);
  root.destroy();
});
