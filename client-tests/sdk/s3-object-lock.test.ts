// S3 Object Lock with the AWS SDK for JavaScript v3. AWS references: S3 User Guide "Locking objects with Object Lock"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html: retention modes, legal holds, bypassing
// governance mode with s3:BypassGovernanceRetention, default retention; a delete without a version id only adds a
// delete marker); API Reference CreateBucket (ObjectLockEnabledForBucket, which needs s3:PutBucketObjectLockConfiguration
// and s3:PutBucketVersioning), PutObjectLockConfiguration, GetObjectLockConfiguration, PutObjectRetention,
// GetObjectRetention, PutObjectLegalHold, GetObjectLegalHold, PutObject (x-amz-object-lock-*, Content-MD5 or a checksum
// required with them), DeleteObject, DeleteObjects.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateUserCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketVersioningCommand, GetObjectCommand, GetObjectLegalHoldCommand, GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand, HeadObjectCommand, PutBucketVersioningCommand, PutObjectCommand, PutObjectLegalHoldCommand, PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand, S3Client, type S3ClientConfig, CopyObjectCommand, CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { exportState } from '../../server/src/store/state.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);
const inDays = (days: number): Date => new Date(Math.floor(Date.now() / 1000) * 1000 + days * 86_400_000);
const PROTECTED = { name: 'AccessDenied', message: 'Access Denied because object protected by object lock.', status: 403 };

test('bucket configuration: at creation (versioning on), default retention, refusals', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
  assert.equal((await root.send(new GetBucketVersioningCommand({ Bucket: 'locked' }))).Status, 'Enabled');
  assert.deepEqual((await root.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }))).ObjectLockConfiguration, { ObjectLockEnabled: 'Enabled' });
  // Versioning cannot be suspended while Object Lock is on.
  const suspend = await rejection(root.send(new PutBucketVersioningCommand({ Bucket: 'locked', VersioningConfiguration: { Status: 'Suspended' } })));
  assert.deepEqual(suspend, { name: 'InvalidBucketState', message: 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.', status: 409 });
  await root.send(new PutObjectLockConfigurationCommand({ Bucket: 'locked', ObjectLockConfiguration: {
    ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } } }));
  assert.deepEqual((await root.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }))).ObjectLockConfiguration,
    { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } });
  const zero = await rejection(root.send(new PutObjectLockConfigurationCommand({ Bucket: 'locked', ObjectLockConfiguration: {
    ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 0 } } } })));
  assert.deepEqual(zero, { name: 'InvalidArgument', message: 'Default retention period must be a positive integer value', status: 400 });
  // The default retention applies to new versions.
  const v = await root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'k', Body: 'x' }));
  const retention = await root.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'k', VersionId: v.VersionId }));
  assert.equal(retention.Retention?.Mode, 'GOVERNANCE');
  assert.ok(Math.abs(retention.Retention!.RetainUntilDate!.getTime() - (Date.now() + 86_400_000)) < 60_000);

  // Without Object Lock: GetObjectLockConfiguration 404; object-level lock requests refused.
  await root.send(new CreateBucketCommand({ Bucket: 'plain' }));
  const none = await rejection(root.send(new GetObjectLockConfigurationCommand({ Bucket: 'plain' })));
  assert.deepEqual(none, { name: 'ObjectLockConfigurationNotFoundError', message: 'Object Lock configuration does not exist for this bucket', status: 404 });
  await root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x' }));
  const missing = { name: 'InvalidRequest', message: 'Bucket is missing Object Lock Configuration', status: 400 };
  assert.deepEqual(await rejection(root.send(new GetObjectRetentionCommand({ Bucket: 'plain', Key: 'k' }))), missing);
  assert.deepEqual(await rejection(root.send(new PutObjectCommand({ Bucket: 'plain', Key: 'j', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) }))), missing);
  // Enabling Object Lock on an existing bucket takes versioning Enabled first.
  const unversioned = await rejection(root.send(new PutObjectLockConfigurationCommand({ Bucket: 'plain', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })));
  assert.deepEqual(unversioned, { name: 'InvalidBucketState', message: "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", status: 409 });
  await root.send(new PutBucketVersioningCommand({ Bucket: 'plain', VersioningConfiguration: { Status: 'Enabled' } }));
  await root.send(new PutObjectLockConfigurationCommand({ Bucket: 'plain', ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
  assert.equal((await root.send(new GetObjectLockConfigurationCommand({ Bucket: 'plain' }))).ObjectLockConfiguration?.ObjectLockEnabled, 'Enabled');
});

test('retention: GOVERNANCE gives way to the bypass, COMPLIANCE never; legal hold; delete markers still allowed', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
  const govUntil = inDays(2);
  const gov = await root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'gov', Body: 'g', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: govUntil }));
  const comp = await root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'comp', Body: 'c', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: inDays(2) }));
  const head = await root.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'gov' }));
  assert.deepEqual([head.ObjectLockMode, head.ObjectLockRetainUntilDate?.getTime()], ['GOVERNANCE', govUntil.getTime()]);
  // Refusals of the lock headers.
  const past = await rejection(root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'x', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(-1) })));
  assert.deepEqual(past, { name: 'InvalidArgument', message: 'The retain until date must be in the future!', status: 400 });
  const half = await rejection(root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'x', Body: 'x', ObjectLockMode: 'GOVERNANCE' })));
  assert.deepEqual(half, { name: 'InvalidArgument', message: 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied', status: 400 });

  // A version under retention cannot be deleted; a delete without a version id adds a marker.
  assert.deepEqual(await rejection(root.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'gov', VersionId: gov.VersionId }))), PROTECTED);
  assert.deepEqual(await rejection(root.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'comp', VersionId: comp.VersionId, BypassGovernanceRetention: true }))), PROTECTED);
  assert.equal((await root.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'comp' }))).DeleteMarker, true);
  // Shortening: GOVERNANCE with the bypass only; COMPLIANCE never. Extending is always allowed.
  assert.deepEqual(await rejection(root.send(new PutObjectRetentionCommand({ Bucket: 'locked', Key: 'gov', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) } }))), PROTECTED);
  await root.send(new PutObjectRetentionCommand({ Bucket: 'locked', Key: 'gov', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(1) }, BypassGovernanceRetention: true }));
  const compUntil = inDays(3);
  await root.send(new PutObjectRetentionCommand({ Bucket: 'locked', Key: 'comp', VersionId: comp.VersionId, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: compUntil } }));
  assert.deepEqual(await rejection(root.send(new PutObjectRetentionCommand({
    Bucket: 'locked', Key: 'comp', VersionId: comp.VersionId, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(5) }, BypassGovernanceRetention: true }))), PROTECTED);
  assert.equal((await root.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'comp', VersionId: comp.VersionId }))).Retention?.RetainUntilDate?.getTime(), compUntil.getTime());
  // The bypass lets a GOVERNANCE version be deleted (DeleteObjects reports the refusal per key without it).
  const batch = await root.send(new DeleteObjectsCommand({ Bucket: 'locked', Delete: { Objects: [{ Key: 'gov', VersionId: gov.VersionId }, { Key: 'comp', VersionId: comp.VersionId }] } }));
  assert.deepEqual(batch.Errors?.map((e) => [e.Key, e.Code, e.Message]), [['gov', 'AccessDenied', PROTECTED.message], ['comp', 'AccessDenied', PROTECTED.message]]);
  await root.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'gov', VersionId: gov.VersionId, BypassGovernanceRetention: true }));

  // Legal hold: no expiry, no bypass.
  const held = await root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'held', Body: 'h', ObjectLockLegalHoldStatus: 'ON' }));
  assert.equal((await root.send(new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: 'held' }))).LegalHold?.Status, 'ON');
  assert.deepEqual(await rejection(root.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId, BypassGovernanceRetention: true }))), PROTECTED);
  assert.deepEqual(await rejection(root.send(new GetObjectRetentionCommand({ Bucket: 'locked', Key: 'held' }))),
    { name: 'NoSuchObjectLockConfiguration', message: 'The specified object does not have a ObjectLock configuration', status: 404 });
  await root.send(new PutObjectLegalHoldCommand({ Bucket: 'locked', Key: 'held', LegalHold: { Status: 'OFF' } }));
  await root.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'held', VersionId: held.VersionId }));

  // CopyObject and multipart uploads take the lock headers too.
  const copy = await root.send(new CopyObjectCommand({ Bucket: 'locked', Key: 'copy', CopySource: 'locked/comp?versionId=' + comp.VersionId, ObjectLockLegalHoldStatus: 'ON' }));
  assert.equal((await root.send(new GetObjectLegalHoldCommand({ Bucket: 'locked', Key: 'copy', VersionId: copy.VersionId }))).LegalHold?.Status, 'ON');
  const upload = await root.send(new CreateMultipartUploadCommand({ Bucket: 'locked', Key: 'mp', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) }));
  const part = await root.send(new UploadPartCommand({ Bucket: 'locked', Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: 'p' }));
  await root.send(new CompleteMultipartUploadCommand({ Bucket: 'locked', Key: 'mp', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.equal((await root.send(new GetObjectCommand({ Bucket: 'locked', Key: 'mp' }))).ObjectLockMode, 'GOVERNANCE');
});

test('IAM: the bypass takes s3:BypassGovernanceRetention; retention and legal hold their own actions; headers need them to show', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
  const v = await root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) }));
  await iam.send(new CreateUserCommand({ UserName: 'ops' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObjectVersion', 's3:PutObject'], Resource: 'arn:aws:s3:::locked/*' }] }) }));
  const ops = s3({ user: 'ops' });
  const got = await ops.send(new GetObjectCommand({ Bucket: 'locked', Key: 'k' }));
  assert.equal(got.ObjectLockMode, undefined, 'no s3:GetObjectRetention: no lock headers');
  const bypass = await rejection(ops.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'k', VersionId: v.VersionId, BypassGovernanceRetention: true })));
  assert.equal(bypass.message, 'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: s3:BypassGovernanceRetention on resource: "arn:aws:s3:::locked/k" because no identity-based policy allows the s3:BypassGovernanceRetention action');
  const retention = await rejection(ops.send(new PutObjectCommand({ Bucket: 'locked', Key: 'j', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: inDays(1) })));
  assert.equal(retention.message, 'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: s3:PutObjectRetention on resource: "arn:aws:s3:::locked/j" because no identity-based policy allows the s3:PutObjectRetention action');
  const config = await rejection(ops.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' })));
  assert.equal(config.message, 'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: s3:GetBucketObjectLockConfiguration on resource: "arn:aws:s3:::locked" because no identity-based policy allows the s3:GetBucketObjectLockConfiguration action');
  // s3:object-lock-remaining-retention-days caps how long a retention may be set.
  await iam.send(new PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'cap', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: ['s3:PutObjectRetention', 's3:BypassGovernanceRetention', 's3:GetObjectRetention'], Resource: 'arn:aws:s3:::locked/*',
      Condition: { NumericLessThanEquals: { 's3:object-lock-remaining-retention-days': '10' } } }] }) }));
  await ops.send(new PutObjectRetentionCommand({ Bucket: 'locked', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(5) } }));
  assert.equal((await rejection(ops.send(new PutObjectRetentionCommand({ Bucket: 'locked', Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: inDays(30) } })))).name, 'AccessDenied');
  assert.equal((await ops.send(new GetObjectCommand({ Bucket: 'locked', Key: 'k' }))).ObjectLockMode, 'GOVERNANCE');
  await ops.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'k', VersionId: v.VersionId, BypassGovernanceRetention: true }));
});

test('fixtures and state export: buckets[].versioning, buckets[].objectLock, objects[].objectLock round-trip', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
  await root.send(new PutObjectLockConfigurationCommand({ Bucket: 'locked', ObjectLockConfiguration: {
    ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } } }));
  const until = inDays(3);
  await root.send(new PutObjectCommand({ Bucket: 'locked', Key: 'k', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until, ObjectLockLegalHoldStatus: 'ON' }));
  await root.send(new CreateBucketCommand({ Bucket: 'suspended' }));
  await root.send(new PutBucketVersioningCommand({ Bucket: 'suspended', VersioningConfiguration: { Status: 'Suspended' } }));
  const exported = exportState(local.ctx);
  const buckets = exported.buckets as { name: string; versioning?: string; objectLock?: unknown; objects: { objectLock?: unknown }[] }[];
  const locked = buckets.find((b) => b.name === 'locked')!;
  assert.deepEqual([locked.versioning, locked.objectLock], ['Enabled', { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } }]);
  assert.deepEqual(JSON.parse(JSON.stringify(locked.objects[0]!.objectLock)),
    { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until.toISOString(), ObjectLockLegalHoldStatus: 'ON' });
  assert.equal(buckets.find((b) => b.name === 'suspended')!.versioning, 'Suspended');
  // Loaded into a new server, the export gives the same configuration and lock.
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-lock-'));
  writeFileSync(join(dir, 'state.json'), JSON.stringify(exported));
  const other = await startIamlocal({ fixtures: [join(dir, 'state.json')] });
  try {
    const client = new S3Client(other.clientConfig() as S3ClientConfig);
    assert.equal((await client.send(new GetObjectLockConfigurationCommand({ Bucket: 'locked' }))).ObjectLockConfiguration?.Rule?.DefaultRetention?.Years, 1);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'locked', Key: 'k' }));
    assert.deepEqual([head.ObjectLockMode, head.ObjectLockLegalHoldStatus, typeof head.VersionId], ['GOVERNANCE', 'ON', 'string']);
    assert.deepEqual(await rejection(client.send(new DeleteObjectCommand({ Bucket: 'locked', Key: 'k', VersionId: head.VersionId }))), PROTECTED);
  } finally {
    await other.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
