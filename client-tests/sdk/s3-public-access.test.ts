// Anonymous requests, Block Public Access, Object Ownership and ACLs through SDK v3 (signed calls) and plain HTTP
// (anonymous calls, as a browser or curl makes them). AWS docs pinned here: S3 User Guide "Blocking public access to
// your Amazon S3 storage" (the four settings, "The meaning of public", new buckets' defaults since April 2023),
// "Controlling ownership of objects and disabling ACLs for your bucket" (BucketOwnerEnforced default,
// AccessControlListNotSupported), "Access control list (ACL) overview" (canned ACLs, grantee groups), and
// "Policy evaluation logic" (anonymous callers are allowed only by resource-based grants).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketOwnershipControlsCommand, DeleteObjectCommand, DeletePublicAccessBlockCommand, GetBucketAclCommand, GetBucketOwnershipControlsCommand,
  GetBucketPolicyStatusCommand, GetObjectAclCommand, GetObjectCommand, GetPublicAccessBlockCommand, PutBucketAclCommand, PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand, PutObjectAclCommand, PutObjectCommand, PutPublicAccessBlockCommand, S3Client, UploadPartCommand, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { applyFixtures } from '../../server/src/store/fixtures.ts';
import { rejection } from './support.ts';

const OTHER = '210987654321';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
let local: Iamlocal;
let s3: S3Client;
let other: S3Client;
let otherRoot: S3Client;

before(async () => {
  local = await startIamlocal();
  // A second account whose user may read any bucket (its own account's side of a cross-account grant).
  applyFixtures(local.ctx, {
    accounts: [{ id: OTHER, rootAccessKeyId: 'AKIAOTHERROOTEXAMPLE', rootSecretAccessKey: 'other-root-secret' }],
    users: [{ name: 'reader', account: OTHER, inlinePolicies: { read: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } } }],
  }, 'test');
  s3 = new S3Client(local.clientConfig() as S3ClientConfig);
  other = new S3Client(local.clientConfig({ user: 'reader', account: OTHER }) as S3ClientConfig);
  otherRoot = new S3Client({ ...local.clientConfig(), credentials: { accessKeyId: 'AKIAOTHERROOTEXAMPLE', secretAccessKey: 'other-root-secret' } } as S3ClientConfig);
});
after(async () => {
  s3.destroy();
  other.destroy();
  otherRoot.destroy();
  await local.stop();
});

/** An unsigned request, as anyone on the internet would send it. */
const anonymous = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${local.endpoint}${path}`, init);
const codeOf = (xml: string): string | undefined => /<Code>([^<]+)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string): string | undefined => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
const publicRead = (bucket: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] });

test('new buckets: all four Block Public Access settings on and BucketOwnerEnforced; a public policy is refused with AWS text', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'pab-new' }));
  const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-new' }));
  assert.deepEqual(pab.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
  const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'pab-new' }));
  assert.deepEqual(ownership.OwnershipControls?.Rules, [{ ObjectOwnership: 'BucketOwnerEnforced' }]);
  const refused = await rejection(s3.send(new PutBucketPolicyCommand({ Bucket: 'pab-new', Policy: publicRead('pab-new') })));
  assert.equal(refused.name, 'AccessDenied');
  assert.equal(refused.message, 'User: arn:aws:iam::123456789012:root is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::pab-new" '
    + 'because public policies are blocked by the BlockPublicPolicy block public access setting.');
  // Not public: everyone, but only from fixed CIDRs ("The meaning of public").
  const fromOffice = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab-new/*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }] });
  await s3.send(new PutBucketPolicyCommand({ Bucket: 'pab-new', Policy: fromOffice }));
  assert.equal((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'pab-new' }))).PolicyStatus?.IsPublic, false);
  const noPab = await rejection(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-new-missing' })));
  assert.equal(noPab.name, 'NoSuchBucket');
});

test('anonymous requests: allowed by a public bucket policy once Block Public Access allows it; denied otherwise with "Access Denied"', async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'pab-anon' }));
  await s3.send(new PutObjectCommand({ Bucket: 'pab-anon', Key: 'hello.txt', Body: 'hello' }));
  let res = await anonymous('/pab-anon/hello.txt');
  assert.equal(res.status, 403);
  const body = await res.text();
  assert.equal(codeOf(body), 'AccessDenied');
  assert.equal(messageOf(body), 'Access Denied');

  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'pab-anon' }));
  assert.equal((await rejection(s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-anon' })))).name, 'NoSuchPublicAccessBlockConfiguration');
  await s3.send(new PutBucketPolicyCommand({
    Bucket: 'pab-anon',
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab-anon/*' },
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab-anon/secret/*' },
    ] }),
  }));
  assert.equal((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: 'pab-anon' }))).PolicyStatus?.IsPublic, true);
  res = await anonymous('/pab-anon/hello.txt');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'hello');
  // Only what the policy grants: no listing, no writes, and its Deny holds.
  assert.equal((await anonymous('/pab-anon')).status, 403);
  assert.equal((await anonymous('/pab-anon/new.txt', { method: 'PUT', body: 'x' })).status, 403);
  await s3.send(new PutObjectCommand({ Bucket: 'pab-anon', Key: 'secret/a.txt', Body: 'no' }));
  assert.equal((await anonymous('/pab-anon/secret/a.txt')).status, 403);

  // A policy granting everyone s3:GetBucketPolicy still leaves the policy to the owner's account: 405, not 200.
  await s3.send(new PutBucketPolicyCommand({
    Bucket: 'pab-anon',
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:GetBucketPolicy'], Resource: ['arn:aws:s3:::pab-anon/*', 'arn:aws:s3:::pab-anon'] },
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab-anon/secret/*' },
    ] }),
  }));
  const policyRead = await anonymous('/pab-anon?policy');
  assert.equal(policyRead.status, 405);
  assert.equal(codeOf(await policyRead.text()), 'MethodNotAllowed');

  // RestrictPublicBuckets: a public policy then grants only within the bucket owner's account.
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'pab-anon', PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
  assert.deepEqual((await s3.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-anon' }))).PublicAccessBlockConfiguration,
    { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: true });
  assert.equal((await anonymous('/pab-anon/hello.txt')).status, 403);
  assert.equal((await rejection(other.send(new GetObjectCommand({ Bucket: 'pab-anon', Key: 'hello.txt' })))).name, 'AccessDenied');

  // The account-level setting (S3 Control's, here through the admin API) combines with the bucket's.
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'pab-anon' }));
  assert.equal((await anonymous('/pab-anon/hello.txt')).status, 200);
  assert.equal(await (await other.send(new GetObjectCommand({ Bucket: 'pab-anon', Key: 'hello.txt' }))).Body!.transformToString(), 'hello');
  const admin = await anonymous('/_iamlocal/s3/public-access-block?account=123456789012', { method: 'PUT', body: JSON.stringify({ RestrictPublicBuckets: true }) });
  assert.equal(admin.status, 200);
  assert.equal((await anonymous('/pab-anon/hello.txt')).status, 403);
  assert.equal((await anonymous('/_iamlocal/s3/public-access-block?account=123456789012', { method: 'DELETE' })).status, 204);
  assert.equal((await anonymous('/pab-anon/hello.txt')).status, 200);
});

test('ownership controls and ACLs: disabled under BucketOwnerEnforced, stored, returned and enforced under ObjectWriter', async () => {
  // BucketOwnerEnforced (the default): ACLs refused except the bucket owner's full control.
  await s3.send(new CreateBucketCommand({ Bucket: 'acl-enforced' }));
  const refused = await rejection(s3.send(new PutObjectCommand({ Bucket: 'acl-enforced', Key: 'a', Body: 'a', ACL: 'public-read' })));
  assert.equal(refused.name, 'AccessControlListNotSupported');
  assert.equal(refused.message, 'The bucket does not allow ACLs');
  await s3.send(new PutObjectCommand({ Bucket: 'acl-enforced', Key: 'a', Body: 'a', ACL: 'bucket-owner-full-control' }));
  await s3.send(new PutBucketAclCommand({ Bucket: 'acl-enforced', ACL: 'private' }));
  const logDelivery = 'uri="http://acs.amazonaws.com/groups/s3/LogDelivery"';
  assert.equal((await rejection(s3.send(new PutBucketAclCommand({ Bucket: 'acl-enforced', GrantWrite: logDelivery })))).name, 'AccessControlListNotSupported');
  const withAcl = await rejection(s3.send(new CreateBucketCommand({ Bucket: 'acl-create', GrantWrite: logDelivery })));
  assert.equal(withAcl.name, 'InvalidBucketAclWithObjectOwnership');
  assert.equal(withAcl.message, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting");

  // ObjectWriter: ACLs apply. BlockPublicAcls (on for a new bucket) refuses a public one with AWS's text.
  await s3.send(new CreateBucketCommand({ Bucket: 'acl-writer', ObjectOwnership: 'ObjectWriter' }));
  await s3.send(new PutObjectCommand({ Bucket: 'acl-writer', Key: 'pub.txt', Body: 'public' }));
  const blocked = await rejection(s3.send(new PutObjectAclCommand({ Bucket: 'acl-writer', Key: 'pub.txt', ACL: 'public-read' })));
  assert.equal(blocked.name, 'AccessDenied');
  assert.equal(blocked.message, 'User: arn:aws:iam::123456789012:root is not authorized to perform: s3:PutObjectAcl on resource: "arn:aws:s3:::acl-writer/pub.txt" '
    + 'because public access control lists (ACLs) are blocked by the BlockPublicAcls block public access setting.');
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'acl-writer', PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
  await s3.send(new PutObjectAclCommand({ Bucket: 'acl-writer', Key: 'pub.txt', ACL: 'public-read' }));
  const acl = await s3.send(new GetObjectAclCommand({ Bucket: 'acl-writer', Key: 'pub.txt' }));
  assert.deepEqual(acl.Grants?.map((g) => [g.Grantee?.Type, g.Grantee?.URI ?? g.Grantee?.ID, g.Permission]), [
    ['CanonicalUser', acl.Owner?.ID, 'FULL_CONTROL'], ['Group', ALL_USERS, 'READ'],
  ]);
  // IgnorePublicAcls: the grant is kept but does nothing; without it, anyone may read.
  assert.equal((await anonymous('/acl-writer/pub.txt')).status, 403);
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket: 'acl-writer' }));
  const read = await anonymous('/acl-writer/pub.txt');
  assert.equal(read.status, 200);
  assert.equal(await read.text(), 'public');
  assert.equal((await anonymous('/acl-writer/pub.txt', { method: 'PUT', body: 'overwrite' })).status, 403);
  // An overwrite without an ACL resets it to private.
  await s3.send(new PutObjectCommand({ Bucket: 'acl-writer', Key: 'pub.txt', Body: 'private now' }));
  assert.equal((await anonymous('/acl-writer/pub.txt')).status, 403);

  // A copy takes the ACL its request names, not its source's.
  await s3.send(new CopyObjectCommand({ Bucket: 'acl-writer', Key: 'copy.txt', CopySource: 'acl-enforced/a', ACL: 'public-read' }));
  assert.equal(await (await anonymous('/acl-writer/copy.txt')).text(), 'a');
  await s3.send(new CopyObjectCommand({ Bucket: 'acl-writer', Key: 'copy2.txt', CopySource: 'acl-writer/copy.txt' }));
  assert.equal((await anonymous('/acl-writer/copy2.txt')).status, 403);
  assert.equal((await rejection(s3.send(new CopyObjectCommand({ Bucket: 'acl-enforced', Key: 'b', CopySource: 'acl-writer/copy.txt', ACL: 'public-read' })))).name,
    'AccessControlListNotSupported');

  // A multipart upload's ACL is the completed object's.
  const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'acl-writer', Key: 'multi.txt', ACL: 'public-read' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: 'acl-writer', Key: 'multi.txt', UploadId: upload.UploadId, PartNumber: 1, Body: 'multi' }));
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'acl-writer', Key: 'multi.txt', UploadId: upload.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  assert.equal((await anonymous('/acl-writer/multi.txt', { method: 'HEAD' })).status, 200);

  // authenticated-read: any signed caller whose own account allows it, never anonymous ones.
  await s3.send(new PutObjectCommand({ Bucket: 'acl-writer', Key: 'auth.txt', Body: 'signed only', ACL: 'authenticated-read' }));
  assert.equal((await anonymous('/acl-writer/auth.txt')).status, 403);
  assert.equal(await (await other.send(new GetObjectCommand({ Bucket: 'acl-writer', Key: 'auth.txt' }))).Body!.transformToString(), 'signed only');

  // A grant to another account's canonical id; a grant to an unknown id is refused.
  await s3.send(new PutObjectCommand({ Bucket: 'acl-writer', Key: 'shared.txt', Body: 'shared' }));
  assert.equal((await rejection(other.send(new GetObjectCommand({ Bucket: 'acl-writer', Key: 'shared.txt' })))).name, 'AccessDenied');
  const otherId = local.ctx.iam.account(OTHER)!.canonical_id;
  await s3.send(new PutObjectAclCommand({ Bucket: 'acl-writer', Key: 'shared.txt', GrantRead: `id="${otherId}"`, GrantFullControl: `id="${acl.Owner?.ID}"` }));
  assert.equal(await (await other.send(new GetObjectCommand({ Bucket: 'acl-writer', Key: 'shared.txt' }))).Body!.transformToString(), 'shared');
  const unknown = await rejection(s3.send(new PutObjectAclCommand({ Bucket: 'acl-writer', Key: 'shared.txt', GrantRead: `id="${'0'.repeat(64)}"` })));
  assert.equal(unknown.name, 'InvalidArgument');
  assert.equal(unknown.status, 400);

  // Bucket ACL through an AccessControlPolicy body: an AllUsers grant comes back as a Group grant.
  await s3.send(new PutBucketAclCommand({
    Bucket: 'acl-writer',
    AccessControlPolicy: { Owner: { ID: acl.Owner?.ID }, Grants: [
      { Grantee: { Type: 'CanonicalUser', ID: acl.Owner?.ID }, Permission: 'FULL_CONTROL' }, { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
    ] },
  }));
  const bucketAcl = await s3.send(new GetBucketAclCommand({ Bucket: 'acl-writer' }));
  assert.deepEqual(bucketAcl.Grants?.map((g) => [g.Grantee?.Type, g.Permission]), [['CanonicalUser', 'FULL_CONTROL'], ['Group', 'READ']]);
  const listing = await anonymous('/acl-writer?list-type=2');
  assert.equal(listing.status, 200);
  assert.match(await listing.text(), /<Key>pub.txt<\/Key>/);

  // ACLs can be disabled only once the bucket ACL is private again; then object ACLs read as the owner's full control
  // and grant nothing.
  const enforce = new PutBucketOwnershipControlsCommand({ Bucket: 'acl-writer', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
  assert.equal((await rejection(s3.send(enforce))).name, 'InvalidBucketAclWithObjectOwnership');
  await s3.send(new PutBucketAclCommand({ Bucket: 'acl-writer', ACL: 'private' }));
  await s3.send(enforce);
  assert.equal((await anonymous('/acl-writer/multi.txt')).status, 403);
  assert.equal((await s3.send(new GetObjectAclCommand({ Bucket: 'acl-writer', Key: 'multi.txt' }))).Grants?.length, 1);
  assert.equal((await anonymous('/acl-writer?list-type=2')).status, 403);
  assert.equal((await s3.send(new GetBucketAclCommand({ Bucket: 'acl-writer' }))).Grants?.length, 1);
  await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'acl-writer' }));
  assert.equal((await rejection(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acl-writer' })))).name, 'OwnershipControlsNotFoundError');
});

test("another account's uploads under ObjectWriter are its own: the bucket owner reads them only if their ACL says so", async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'acl-foreign', ObjectOwnership: 'ObjectWriter' }));
  await s3.send(new PutBucketPolicyCommand({
    Bucket: 'acl-foreign',
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::acl-foreign/*' }] }),
  }));
  await otherRoot.send(new PutObjectCommand({ Bucket: 'acl-foreign', Key: 'theirs.txt', Body: 'theirs' }));
  assert.equal((await rejection(s3.send(new GetObjectCommand({ Bucket: 'acl-foreign', Key: 'theirs.txt' })))).name, 'AccessDenied');
  assert.equal((await rejection(s3.send(new GetObjectAclCommand({ Bucket: 'acl-foreign', Key: 'theirs.txt' })))).name, 'AccessDenied');
  // The writer owns it (the bucket policy does not grant it reads, its ownership does).
  assert.equal(await (await otherRoot.send(new GetObjectCommand({ Bucket: 'acl-foreign', Key: 'theirs.txt' }))).Body!.transformToString(), 'theirs');
  await otherRoot.send(new PutObjectCommand({ Bucket: 'acl-foreign', Key: 'shared.txt', Body: 'shared', ACL: 'bucket-owner-read' }));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'acl-foreign', Key: 'shared.txt' }))).Body!.transformToString(), 'shared');
  // Deleting is the bucket's WRITE permission: the bucket owner may.
  await s3.send(new DeleteObjectCommand({ Bucket: 'acl-foreign', Key: 'theirs.txt' }));
  // BucketOwnerPreferred: bucket-owner-full-control hands the object to the bucket owner.
  await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: 'acl-foreign', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
  await otherRoot.send(new PutObjectCommand({ Bucket: 'acl-foreign', Key: 'handed.txt', Body: 'handed', ACL: 'bucket-owner-full-control' }));
  const handed = await s3.send(new GetObjectAclCommand({ Bucket: 'acl-foreign', Key: 'handed.txt' }));
  assert.equal(handed.Owner?.ID, local.ctx.iam.account('123456789012')!.canonical_id);
});
