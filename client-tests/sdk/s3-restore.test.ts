// RestoreObject of archived objects with the AWS SDK for JavaScript v3, and the admin route that completes restores.
// AWS references: API Reference RestoreObject (202 Accepted when a restore starts, 200 OK when the object is already
// restored, 409 RestoreAlreadyInProgress, 403 InvalidObjectState for other storage classes), HeadObject's Restore
// (x-amz-restore: ongoing-request, expiry-date), GetObject (InvalidObjectState until restored), S3 User Guide
// "Restoring an archived object" (expiry: completion plus Days, rounded to the next midnight UTC; retrieval times per
// tier), Service Authorization Reference (s3:RestoreObject).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateUserCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  PutBucketVersioningCommand, PutObjectCommand, RestoreObjectCommand, S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);

async function runRestores(now?: string): Promise<{ restored: { bucket: string; key: string; expiryDate: string }[] }> {
  const res = await fetch(`${local.endpoint}/_iamlocal/s3/restore/run${now ? `?now=${encodeURIComponent(now)}` : ''}`, { method: 'POST' });
  assert.equal(res.status, 200);
  return await res.json() as { restored: { bucket: string; key: string; expiryDate: string }[] };
}

test('a GLACIER object: refused before restore, 202 then 409 while it runs, readable once restored, 200 extends it', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'cold' }));
  await root.send(new PutObjectCommand({ Bucket: 'cold', Key: 'old.log', Body: 'archived bytes', StorageClass: 'GLACIER' }));
  await root.send(new PutObjectCommand({ Bucket: 'cold', Key: 'warm.log', Body: 'x' }));
  const before = await rejection(root.send(new GetObjectCommand({ Bucket: 'cold', Key: 'old.log' })));
  assert.deepEqual([before.name, before.status], ['InvalidObjectState', 403]);
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'old.log' }))).Restore, undefined);

  const started = await root.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'old.log', RestoreRequest: { Days: 2, GlacierJobParameters: { Tier: 'Bulk' } } }));
  assert.equal(started.$metadata.httpStatusCode, 202);
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'old.log' }))).Restore, 'ongoing-request="true"');
  const again = await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'old.log', RestoreRequest: { Days: 2 } })));
  assert.deepEqual([again.name, again.status, again.message], ['RestoreAlreadyInProgress', 409, 'Object restore is already in progress']);
  assert.equal((await rejection(root.send(new GetObjectCommand({ Bucket: 'cold', Key: 'old.log' })))).name, 'InvalidObjectState');

  // Bulk takes up to 12 hours: a run as of an hour later completes nothing; the admin route without a time completes it now.
  assert.deepEqual((await runRestores(new Date(Date.now() + 3_600_000).toISOString())).restored, []);
  const ran = await runRestores();
  assert.deepEqual(ran.restored.map((r) => [r.bucket, r.key]), [['cold', 'old.log']]);
  const expiry = new Date(ran.restored[0]!.expiryDate);
  assert.equal(expiry.getUTCHours() + expiry.getUTCMinutes() + expiry.getUTCSeconds(), 0, 'rounded to midnight UTC');
  const head = await root.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'old.log' }));
  assert.equal(head.Restore, `ongoing-request="false", expiry-date="${expiry.toUTCString()}"`);
  assert.equal(head.StorageClass, 'GLACIER');
  assert.equal(await (await root.send(new GetObjectCommand({ Bucket: 'cold', Key: 'old.log' }))).Body!.transformToString(), 'archived bytes');
  await root.send(new CopyObjectCommand({ Bucket: 'cold', Key: 'thawed.log', CopySource: 'cold/old.log' }));

  const extended = await root.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'old.log', RestoreRequest: { Days: 10 } }));
  assert.equal(extended.$metadata.httpStatusCode, 200);
  const later = (await root.send(new HeadObjectCommand({ Bucket: 'cold', Key: 'old.log' }))).Restore ?? '';
  assert.ok(Date.parse(/expiry-date="([^"]+)"/.exec(later)![1]!) > expiry.getTime(), later);

  const warm = await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'warm.log', RestoreRequest: { Days: 1 } })));
  assert.deepEqual([warm.name, warm.message], ['InvalidObjectState', "Restore is not allowed for the object's current storage class"]);
  assert.equal((await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold', Key: 'nothing', RestoreRequest: { Days: 1 } })))).name, 'NoSuchKey');
  root.destroy();
});

test('a restore is done once its tier\'s retrieval time has passed; overwriting the object forgets it; s3:RestoreObject', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'deep' }));
  await root.send(new PutObjectCommand({ Bucket: 'deep', Key: 'a', Body: 'a', StorageClass: 'DEEP_ARCHIVE' }));
  const expedited = await rejection(root.send(new RestoreObjectCommand({ Bucket: 'deep', Key: 'a', RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: 'Expedited' } } })));
  assert.equal(expedited.name, 'InvalidArgument');
  await root.send(new RestoreObjectCommand({ Bucket: 'deep', Key: 'a', RestoreRequest: { Days: 1 } }));
  // Standard from DEEP_ARCHIVE: within 12 hours. As of 13 hours later the run finds it done.
  const ran = await runRestores(new Date(Date.now() + 13 * 3_600_000).toISOString());
  assert.deepEqual(ran.restored.map((r) => r.key), ['a']);
  await root.send(new PutObjectCommand({ Bucket: 'deep', Key: 'a', Body: 'new', StorageClass: 'DEEP_ARCHIVE' }));
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'deep', Key: 'a' }))).Restore, undefined);

  await iam.send(new CreateUserCommand({ UserName: 'reader' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::deep/*' }],
  }) }));
  const reader = s3({ user: 'reader' });
  const denied = await rejection(reader.send(new RestoreObjectCommand({ Bucket: 'deep', Key: 'a', RestoreRequest: { Days: 1 } })));
  assert.equal(denied.message, 'User: arn:aws:iam::123456789012:user/reader is not authorized to perform: s3:RestoreObject on resource: "arn:aws:s3:::deep/a" because no identity-based policy allows the s3:RestoreObject action');
  root.destroy();
  reader.destroy();
});

test('RestoreObject with VersionId restores that version only; NoSuchVersion for an unknown one, 405 for a delete marker; s3:versionid', async () => {
  // API Reference RestoreObject (VersionId: "VersionId used to reference a specific version of the object");
  // GetObject (a noncurrent archived version is read by versionId once restored); NoSuchVersion as GetObject answers it.
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'cold-versions' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'cold-versions', VersioningConfiguration: { Status: 'Enabled' } }));
  const v1 = (await root.send(new PutObjectCommand({ Bucket: 'cold-versions', Key: 'k', Body: 'first', StorageClass: 'GLACIER' }))).VersionId!;
  const v2 = (await root.send(new PutObjectCommand({ Bucket: 'cold-versions', Key: 'k', Body: 'second', StorageClass: 'GLACIER' }))).VersionId!;
  const started = await root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v1, RestoreRequest: { Days: 1 } }));
  assert.equal(started.$metadata.httpStatusCode, 202);
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v1 }))).Restore, 'ongoing-request="true"');
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'cold-versions', Key: 'k' }))).Restore, undefined, 'the current version is not being restored');
  await runRestores();
  const old = await root.send(new GetObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v1 }));
  assert.equal(await old.Body!.transformToString(), 'first');
  assert.equal((await rejection(root.send(new GetObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v2 })))).name, 'InvalidObjectState');
  assert.equal((await root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v1, RestoreRequest: { Days: 3 } }))).$metadata.httpStatusCode, 200);

  const unknown = await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: 'A'.repeat(32), RestoreRequest: { Days: 1 } })));
  assert.deepEqual([unknown.name, unknown.status, unknown.message], ['NoSuchVersion', 404, 'The specified version does not exist.']);
  const malformed = await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: 'bad', RestoreRequest: { Days: 1 } })));
  assert.deepEqual([malformed.name, malformed.status], ['InvalidArgument', 400]);
  const marker = (await root.send(new DeleteObjectCommand({ Bucket: 'cold-versions', Key: 'k' }))).VersionId!;
  const onMarker = await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: marker, RestoreRequest: { Days: 1 } })));
  assert.deepEqual([onMarker.name, onMarker.status], ['MethodNotAllowed', 405]);
  // Behind a delete marker the key has no current version; the named version still restores.
  assert.equal((await rejection(root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', RestoreRequest: { Days: 1 } })))).name, 'NoSuchKey');
  assert.equal((await root.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v2, RestoreRequest: { Days: 1 } }))).$metadata.httpStatusCode, 202);

  // s3:versionid lets a policy name the version a restore may touch.
  await iam.send(new CreateUserCommand({ UserName: 'thawer' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'thawer', PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:RestoreObject', Resource: 'arn:aws:s3:::cold-versions/*', Condition: { StringEquals: { 's3:versionid': v1 } } }],
  }) }));
  const thawer = s3({ user: 'thawer' });
  assert.equal((await thawer.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v1, RestoreRequest: { Days: 1 } }))).$metadata.httpStatusCode, 200);
  assert.equal((await rejection(thawer.send(new RestoreObjectCommand({ Bucket: 'cold-versions', Key: 'k', VersionId: v2, RestoreRequest: { Days: 1 } })))).name, 'AccessDenied');
  root.destroy();
  thawer.destroy();
});

test('listings: RestoreStatus when x-amz-optional-object-attributes asks for it, ChecksumAlgorithm / ChecksumType for checksummed objects', async () => {
  // botocore's s3 model (Object, ObjectVersion: ChecksumAlgorithm list, ChecksumType, RestoreStatus{IsRestoreInProgress,
  // RestoreExpiryDate}); API Reference ListObjectsV2 / ListObjects / ListObjectVersions, OptionalObjectAttributes.
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'listed-restores' }));
  await root.send(new PutObjectCommand({ Bucket: 'listed-restores', Key: 'a-ongoing', Body: 'a', StorageClass: 'GLACIER' }));
  await root.send(new PutObjectCommand({ Bucket: 'listed-restores', Key: 'b-restored', Body: 'b', StorageClass: 'DEEP_ARCHIVE' }));
  await root.send(new PutObjectCommand({ Bucket: 'listed-restores', Key: 'c-cold', Body: 'c', StorageClass: 'GLACIER', ChecksumAlgorithm: 'SHA256' }));
  await root.send(new PutObjectCommand({ Bucket: 'listed-restores', Key: 'd-plain', Body: 'd' }));
  await root.send(new RestoreObjectCommand({ Bucket: 'listed-restores', Key: 'b-restored', RestoreRequest: { Days: 1 } }));
  const ran = await runRestores();
  await root.send(new RestoreObjectCommand({ Bucket: 'listed-restores', Key: 'a-ongoing', RestoreRequest: { Days: 1 } }));
  const expiry = new Date(ran.restored[0]!.expiryDate);

  const plain = (await root.send(new ListObjectsV2Command({ Bucket: 'listed-restores' }))).Contents!;
  assert.deepEqual(plain.map((o) => o.RestoreStatus), [undefined, undefined, undefined, undefined], 'not asked: no RestoreStatus');
  // SDK v3 sends a CRC32 of every upload unless told another algorithm; S3 stores and lists it.
  assert.deepEqual(plain.map((o) => [o.ChecksumAlgorithm, o.ChecksumType]), [[['CRC32'], 'FULL_OBJECT'], [['CRC32'], 'FULL_OBJECT'], [['SHA256'], 'FULL_OBJECT'], [['CRC32'], 'FULL_OBJECT']]);
  const expected = [{ IsRestoreInProgress: true }, { IsRestoreInProgress: false, RestoreExpiryDate: expiry }, undefined, undefined];
  const v2 = (await root.send(new ListObjectsV2Command({ Bucket: 'listed-restores', OptionalObjectAttributes: ['RestoreStatus'] }))).Contents!;
  assert.deepEqual(v2.map((o) => o.RestoreStatus), expected);
  const v1 = (await root.send(new ListObjectsCommand({ Bucket: 'listed-restores', OptionalObjectAttributes: ['RestoreStatus'] }))).Contents!;
  assert.deepEqual(v1.map((o) => o.RestoreStatus), expected);
  const versions = (await root.send(new ListObjectVersionsCommand({ Bucket: 'listed-restores', OptionalObjectAttributes: ['RestoreStatus'] }))).Versions!;
  assert.deepEqual(versions.map((o) => o.RestoreStatus), expected);
  assert.deepEqual(versions.map((o) => o.ChecksumAlgorithm), [['CRC32'], ['CRC32'], ['SHA256'], ['CRC32']]);

  // Only RestoreStatus is an optional attribute.
  const bad = await fetch(`${local.endpoint}/listed-restores?list-type=2`, { headers: { 'x-amz-optional-object-attributes': 'Owner' } });
  assert.equal(bad.status, 403, 'unsigned: refused before the header is read');
  root.middlewareStack.add((next) => async (args) => {
    (args.request as { headers: Record<string, string> }).headers['x-amz-optional-object-attributes'] = 'Bogus';
    return next(args);
  }, { step: 'build' });
  const invalid = await rejection(root.send(new ListObjectsV2Command({ Bucket: 'listed-restores' })));
  assert.deepEqual([invalid.name, invalid.status, invalid.message], ['InvalidArgument', 400, 'Invalid attribute name specified.']);
  root.destroy();
});
