// S3 SSE-KMS, enforced end to end, and bucket default encryption, with the AWS SDK for JavaScript v3.
// AWS references: S3 User Guide "Using server-side encryption with AWS KMS keys (SSE-KMS)" (the caller needs
// kms:GenerateDataKey to write and kms:Decrypt to read; encryption context {"aws:s3:arn": object ARN}),
// "Reducing the cost of SSE-KMS with Amazon S3 Bucket Keys" (context = bucket ARN), "Multipart upload and permissions"
// (kms:Decrypt for parts), "Setting default server-side encryption behavior for Amazon S3 buckets" (SSE-S3 by default
// since January 2023) and the API Reference of PutObject, GetObject, CopyObject, Put/Get/DeleteBucketEncryption.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreatePolicyVersionCommand, CreateUserCommand, DeletePolicyVersionCommand, ListPolicyVersionsCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DecryptCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketEncryptionCommand, GetBucketEncryptionCommand,
  GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

const ACCOUNT = '123456789012';
let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);
const kms = (): KMSClient => new KMSClient(local.clientConfig());
const QBF = 'The quick brown fox jumps over the lazy dog.\n';

async function setup(): Promise<{ root: S3Client; keyArn: string; keyId: string }> {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'enc' }));
  const key = (await kms().send(new CreateKeyCommand({ Description: 'sse-kms' }))).KeyMetadata!;
  await kms().send(new CreateAliasCommand({ AliasName: 'alias/sse', TargetKeyId: key.KeyId! }));
  return { root, keyArn: key.Arn!, keyId: key.KeyId! };
}

async function user(name: string, statements: object[]): Promise<S3Client> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  return s3({ user: name });
}

/** The object's bytes as iamlocal stores them. */
function stored(bucket: string, key: string): Buffer {
  const row = local.ctx.s3.object(bucket, key)!;
  return local.ctx.s3.blobBytes(row.blob_id);
}

test('SSE-KMS PutObject/GetObject: stored encrypted under a KMS data key, ranges decrypt, headers as AWS sends them', async () => {
  const { root, keyArn } = await setup();
  const put = await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'a.txt', Body: QBF, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/sse' }));
  assert.equal(put.ServerSideEncryption, 'aws:kms');
  assert.equal(put.SSEKMSKeyId, keyArn);
  // Actually encrypted: the stored bytes are not the plaintext, and the record holds only the KMS-encrypted data key.
  assert.notEqual(stored('enc', 'a.txt').toString('utf8'), QBF);
  assert.equal(stored('enc', 'a.txt').length, QBF.length);
  const record = JSON.parse(local.ctx.s3.object('enc', 'a.txt')!.sse_kms!) as { dataKey: string; context: Record<string, string> };
  assert.deepEqual(record.context, { 'aws:s3:arn': 'arn:aws:s3:::enc/a.txt' });
  // The data key is a KMS ciphertext under that context: the account's root can decrypt it with KMS directly.
  const dataKey = await kms().send(new DecryptCommand({ CiphertextBlob: Buffer.from(record.dataKey, 'base64'), EncryptionContext: record.context }));
  assert.equal(dataKey.KeyId, keyArn);

  const got = await root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'a.txt' }));
  assert.equal(await got.Body!.transformToString(), QBF);
  assert.equal(got.ServerSideEncryption, 'aws:kms');
  assert.equal(got.SSEKMSKeyId, keyArn);
  const range = await root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'a.txt', Range: 'bytes=4-18' }));
  assert.equal(await range.Body!.transformToString(), QBF.slice(4, 19));
  const head = await root.send(new HeadObjectCommand({ Bucket: 'enc', Key: 'a.txt' }));
  assert.equal(head.SSEKMSKeyId, keyArn);

  // No key id: the AWS managed key aws/s3, created on first use. A caller's context is merged in and echoed.
  const context = Buffer.from(JSON.stringify({ team: 'story' })).toString('base64');
  const managed = await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'b.txt', Body: 'b', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: context }));
  assert.match(managed.SSEKMSKeyId!, new RegExp(`^arn:aws:kms:us-east-1:${ACCOUNT}:key/`));
  assert.notEqual(managed.SSEKMSKeyId, keyArn);
  assert.deepEqual(JSON.parse(Buffer.from(managed.SSEKMSEncryptionContext!, 'base64').toString('utf8')), { team: 'story', 'aws:s3:arn': 'arn:aws:s3:::enc/b.txt' });
  const badContext = await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'c', Body: 'c', ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'not json' })));
  assert.equal(badContext.name, 'InvalidArgument');
  const unknownKey = await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'c', Body: 'c', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/none' })));
  assert.equal(unknownKey.name, 'KMS.NotFoundException');
});

test('kms:GenerateDataKey to write, kms:Decrypt to read (GET, copy source, multipart parts); HEAD needs neither; denials carry KMS\'s text', async () => {
  const { root, keyArn } = await setup();
  await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'secret', Body: QBF, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
  const s3Only = { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::enc/*' };
  const writer = await user('writer', [s3Only, { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: keyArn }]);
  const reader = await user('reader', [s3Only]);
  const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`;
  const denied = (name: string, action: string): string =>
    `User: ${userArn(name)} is not authorized to perform: ${action} on resource: ${keyArn} because no identity-based policy allows the ${action} action`;

  const noGenerate = await rejection(reader.send(new PutObjectCommand({ Bucket: 'enc', Key: 'r', Body: 'r', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/sse' })));
  assert.deepEqual(noGenerate, { name: 'AccessDenied', message: denied('reader', 'kms:GenerateDataKey'), status: 403 });
  assert.equal(local.ctx.s3.object('enc', 'r'), undefined);
  const noDecrypt = await rejection(reader.send(new GetObjectCommand({ Bucket: 'enc', Key: 'secret' })));
  assert.deepEqual(noDecrypt, { name: 'AccessDenied', message: denied('reader', 'kms:Decrypt'), status: 403 });
  // HeadObject returns no bytes and needs s3:GetObject only (HeadObject, Permissions).
  assert.equal((await reader.send(new HeadObjectCommand({ Bucket: 'enc', Key: 'secret' }))).ServerSideEncryption, 'aws:kms');
  // A copy reads its source through kms:Decrypt.
  const copy = await rejection(reader.send(new CopyObjectCommand({ Bucket: 'enc', Key: 'copy', CopySource: 'enc/secret' })));
  assert.equal(copy.message, denied('reader', 'kms:Decrypt'));

  // The writer may put, but not read back; a multipart upload's parts need kms:Decrypt too.
  await writer.send(new PutObjectCommand({ Bucket: 'enc', Key: 'w', Body: 'w', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/sse' }));
  assert.equal((await rejection(writer.send(new GetObjectCommand({ Bucket: 'enc', Key: 'w' })))).message, denied('writer', 'kms:Decrypt'));
  const upload = await writer.send(new CreateMultipartUploadCommand({ Bucket: 'enc', Key: 'mp', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
  assert.equal(upload.SSEKMSKeyId, keyArn);
  const part = await rejection(writer.send(new UploadPartCommand({ Bucket: 'enc', Key: 'mp', UploadId: upload.UploadId, PartNumber: 1, Body: 'x' })));
  assert.equal(part.message, denied('writer', 'kms:Decrypt'));

  // Root (through the default key policy) uploads two parts, each encrypted under the upload's data key.
  const mp = await root.send(new CreateMultipartUploadCommand({ Bucket: 'enc', Key: 'mp2', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn, BucketKeyEnabled: true }));
  assert.equal(mp.BucketKeyEnabled, true);
  const first = 'a'.repeat(5 * 1024 * 1024);
  const p1 = await root.send(new UploadPartCommand({ Bucket: 'enc', Key: 'mp2', UploadId: mp.UploadId, PartNumber: 1, Body: first }));
  const p2 = await root.send(new UploadPartCommand({ Bucket: 'enc', Key: 'mp2', UploadId: mp.UploadId, PartNumber: 2, Body: 'tail' }));
  assert.equal(p2.SSEKMSKeyId, keyArn);
  assert.equal(p2.BucketKeyEnabled, true);
  const done = await root.send(new CompleteMultipartUploadCommand({ Bucket: 'enc', Key: 'mp2', UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
  assert.equal(done.SSEKMSKeyId, keyArn);
  assert.equal(done.BucketKeyEnabled, true);
  assert.equal(stored('enc', 'mp2').subarray(0, 4).toString('utf8') === 'aaaa', false);
  const across = await root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'mp2', Range: `bytes=${first.length - 2}-${first.length + 3}` }));
  assert.equal(await across.Body!.transformToString(), 'aatail');
  // With a Bucket Key, the context is the bucket's ARN.
  assert.deepEqual((JSON.parse(local.ctx.s3.object('enc', 'mp2')!.sse_kms!) as { context: object }).context, { 'aws:s3:arn': 'arn:aws:s3:::enc' });

  // A copy to SSE-KMS is re-encrypted under a new data key and reads back.
  await root.send(new CopyObjectCommand({ Bucket: 'enc', Key: 'copied', CopySource: 'enc/secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/sse' }));
  assert.equal(await (await root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'copied' }))).Body!.transformToString(), QBF);
  // UploadPartCopy from an SSE-KMS source into a DSSE-KMS upload: decrypted from the source's key, encrypted anew.
  const dsse = await root.send(new CreateMultipartUploadCommand({ Bucket: 'enc', Key: 'dsse', ServerSideEncryption: 'aws:kms:dsse', SSEKMSKeyId: 'alias/sse' }));
  assert.equal(dsse.ServerSideEncryption, 'aws:kms:dsse');
  const copiedPart = await root.send(new UploadPartCopyCommand({ Bucket: 'enc', Key: 'dsse', UploadId: dsse.UploadId, PartNumber: 1, CopySource: 'enc/secret', CopySourceRange: 'bytes=4-18' }));
  assert.equal(copiedPart.SSEKMSKeyId, keyArn);
  await root.send(new CompleteMultipartUploadCommand({ Bucket: 'enc', Key: 'dsse', UploadId: dsse.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copiedPart.CopyPartResult!.ETag }] } }));
  const dsseGot = await root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'dsse' }));
  assert.equal(dsseGot.ServerSideEncryption, 'aws:kms:dsse');
  assert.equal(await dsseGot.Body!.transformToString(), QBF.slice(4, 19));
  assert.notEqual(stored('enc', 'dsse').toString('utf8'), QBF.slice(4, 19));
});

test('a disabled key or one pending deletion: S3 answers KMS.DisabledException / KMS.KMSInvalidStateException', async () => {
  const { root, keyId } = await setup();
  await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'k', Body: QBF, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId }));
  await kms().send(new DisableKeyCommand({ KeyId: keyId }));
  const disabled = await rejection(root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'k' })));
  assert.equal(disabled.name, 'KMS.DisabledException');
  assert.equal(disabled.status, 400);
  assert.equal((await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'k2', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId })))).name, 'KMS.DisabledException');
  await kms().send(new EnableKeyCommand({ KeyId: keyId }));
  await kms().send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
  const pending = await rejection(root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'k' })));
  assert.equal(pending.name, 'KMS.KMSInvalidStateException');
});

test('bucket default encryption: SSE-S3 by default, SSE-KMS when configured (kms:GenerateDataKey still needed), Delete resets', async () => {
  const { root, keyArn } = await setup();
  const initial = await root.send(new GetBucketEncryptionCommand({ Bucket: 'enc' }));
  assert.deepEqual(initial.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault, { SSEAlgorithm: 'AES256' });
  assert.equal((await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'plain', Body: 'p' }))).ServerSideEncryption, 'AES256');

  await root.send(new PutBucketEncryptionCommand({
    Bucket: 'enc', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/sse' }, BucketKeyEnabled: true }] },
  }));
  const rule = (await root.send(new GetBucketEncryptionCommand({ Bucket: 'enc' }))).ServerSideEncryptionConfiguration!.Rules![0]!;
  assert.deepEqual(rule, { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/sse' }, BucketKeyEnabled: true });
  const put = await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'defaulted', Body: QBF }));
  assert.equal(put.ServerSideEncryption, 'aws:kms');
  assert.equal(put.SSEKMSKeyId, keyArn);
  assert.equal(put.BucketKeyEnabled, true);
  assert.notEqual(stored('enc', 'defaulted').toString('utf8'), QBF);
  // The default does not lift the KMS permission: a user allowed s3:PutObject only is denied by KMS.
  const s3Only = await user('s3only', [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: 'arn:aws:s3:::enc/*' }]);
  const denied = await rejection(s3Only.send(new PutObjectCommand({ Bucket: 'enc', Key: 'x', Body: 'x' })));
  assert.equal(denied.message, `User: arn:aws:iam::${ACCOUNT}:user/s3only is not authorized to perform: kms:GenerateDataKey on resource: ${keyArn} because no identity-based policy allows the kms:GenerateDataKey action`);
  // Nor may that user change the configuration.
  const noPut = await rejection(s3Only.send(new DeleteBucketEncryptionCommand({ Bucket: 'enc' })));
  assert.equal(noPut.message, `User: arn:aws:iam::${ACCOUNT}:user/s3only is not authorized to perform: s3:PutEncryptionConfiguration on resource: "arn:aws:s3:::enc" because no identity-based policy allows the s3:PutEncryptionConfiguration action`);

  const invalid = await rejection(root.send(new PutBucketEncryptionCommand({
    Bucket: 'enc', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: keyArn } }] },
  })));
  assert.equal(invalid.name, 'InvalidArgument');
  await root.send(new DeleteBucketEncryptionCommand({ Bucket: 'enc' }));
  assert.equal((await root.send(new GetBucketEncryptionCommand({ Bucket: 'enc' }))).ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'AES256');
});

test('the classic "deny unencrypted uploads" bucket policy: the condition keys see the request headers only', async () => {
  const { root, keyArn } = await setup();
  await root.send(new PutBucketPolicyCommand({
    Bucket: 'enc', Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DenyNotKms', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::enc/*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
        { Sid: 'DenyOtherKey', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::enc/*', Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } } },
      ],
    }),
  }));
  // Even with SSE-KMS as the bucket default, a request without the header is denied (the key reflects the request).
  await root.send(new PutBucketEncryptionCommand({ Bucket: 'enc', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] } }));
  const plain = await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'p', Body: 'p' })));
  assert.equal(plain.name, 'AccessDenied');
  assert.match(plain.message, /with an explicit deny in a resource-based policy$/);
  const aes = await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'p', Body: 'p', ServerSideEncryption: 'AES256' })));
  assert.equal(aes.name, 'AccessDenied');
  const otherKey = await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'p', Body: 'p', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/sse' })));
  assert.equal(otherKey.name, 'AccessDenied');
  await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'p', Body: 'p', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
  // …IfExists is true when the key is absent (IAM User Guide, "...IfExists condition operators"): no key id, denied.
  assert.equal((await rejection(root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'q', Body: 'q', ServerSideEncryption: 'aws:kms' })))).name, 'AccessDenied');
});

test('state export keeps SSE-KMS records and bucket default encryption; an object never reads back as ciphertext', async () => {
  const { root, keyArn } = await setup();
  await root.send(new PutBucketEncryptionCommand({ Bucket: 'enc', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }] } }));
  await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'kept', Body: QBF }));
  const { exportState } = await import('../../server/src/store/state.ts');
  const { applyFixtures } = await import('../../server/src/store/fixtures.ts');
  const exported = exportState(local.ctx);
  const bucket = (exported.buckets as Array<{ name: string; encryption?: object; objects: Array<{ key: string; sseKms?: { keyArn: string } }> }>).find((b) => b.name === 'enc')!;
  assert.deepEqual(bucket.encryption, { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn, BucketKeyEnabled: false });
  assert.equal(bucket.objects.find((o) => o.key === 'kept')!.sseKms!.keyArn, keyArn);
  local.reset('empty');
  applyFixtures(local.ctx, exported, 'exported state');
  assert.equal((await root.send(new GetBucketEncryptionCommand({ Bucket: 'enc' }))).ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!.KMSMasterKeyID, keyArn);
  // The export carries no key material: the re-created key cannot open the old data key, and S3 says so.
  const read = await rejection(root.send(new GetObjectCommand({ Bucket: 'enc', Key: 'kept' })));
  assert.equal(read.name, 'KMS.InvalidCiphertextException');
});

test('the story with SDK v3: the role writes SSE-KMS under alias/kjh-s3-encryption-test1 once allowed kms:GenerateDataKey, reads once allowed kms:Decrypt', async () => {
  const { loadFixtures } = await import('../../server/src/store/fixtures.ts');
  loadFixtures(local.ctx, 'db/fixtures/seed-story.yaml');
  const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const role = new S3Client(local.clientConfig({ role: 'kjh-s3-encryption-test1-role' }) as S3ClientConfig);
  const setPolicy = async (kmsActions: string[]): Promise<void> => {
    const statements: object[] = [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::kjh-encryption-test1/*' }];
    if (kmsActions.length) statements.push({ Effect: 'Allow', Action: kmsActions, Resource: keyArn });
    const arn = `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`;
    for (const v of (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? []) {
      if (!v.IsDefaultVersion) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId }));
    }
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, SetAsDefault: true, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  };
  const denial = (action: string): RegExp =>
    new RegExp(`^User: arn:aws:sts::${ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/[^ ]+ is not authorized to perform: ${action} on resource: ${keyArn} because no identity-based policy allows the ${action} action$`);
  const put = () => role.send(new PutObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'cli-s3api-kms/sdk.txt', Body: QBF, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/kjh-s3-encryption-test1' }));

  await setPolicy([]);
  const denied = await rejection(put());
  assert.equal(denied.status, 403);
  assert.match(denied.message, denial('kms:GenerateDataKey'));
  // The seed's own object is declared SSE-KMS under the story's key: reading it takes kms:Decrypt too.
  assert.match((await rejection(role.send(new GetObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'cli-s3api-kms/QBF.txt.enc' })))).message, denial('kms:Decrypt'));

  await setPolicy(['kms:GenerateDataKey']);
  assert.equal((await put()).SSEKMSKeyId, keyArn);
  assert.match((await rejection(role.send(new GetObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'cli-s3api-kms/sdk.txt' })))).message, denial('kms:Decrypt'));

  await setPolicy(['kms:GenerateDataKey', 'kms:Decrypt']);
  assert.equal(await (await role.send(new GetObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'cli-s3api-kms/sdk.txt' }))).Body!.transformToString(), QBF);
  assert.equal(await (await role.send(new GetObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'cli-s3api-kms/QBF.txt.enc' }))).Body!.transformToString(), QBF);
});

test('kms:ViaService and kms:EncryptionContext:aws:s3:arn are set as S3 sets them: a key usable only through S3, for one prefix', async () => {
  const { root, keyArn } = await setup();
  const scoped = await user('scoped', [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::enc/*' },
    {
      Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn,
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::enc/team/*' } },
    },
  ]);
  await root.send(new PutObjectCommand({ Bucket: 'enc', Key: 'other/x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
  await scoped.send(new PutObjectCommand({ Bucket: 'enc', Key: 'team/a', Body: QBF, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }));
  assert.equal(await (await scoped.send(new GetObjectCommand({ Bucket: 'enc', Key: 'team/a' }))).Body!.transformToString(), QBF);
  const outside = await rejection(scoped.send(new PutObjectCommand({ Bucket: 'enc', Key: 'other/a', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn })));
  assert.equal(outside.name, 'AccessDenied');
  assert.match(outside.message, /kms:GenerateDataKey/);
  assert.match((await rejection(scoped.send(new GetObjectCommand({ Bucket: 'enc', Key: 'other/x' })))).message, /kms:Decrypt/);
  // The same user calling KMS directly is not "via S3".
  const direct = await rejection(new KMSClient(local.clientConfig({ user: 'scoped' })).send(new DecryptCommand({
    CiphertextBlob: Buffer.from((JSON.parse(local.ctx.s3.object('enc', 'team/a')!.sse_kms!) as { dataKey: string }).dataKey, 'base64'),
    EncryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::enc/team/a' },
  })));
  assert.equal(direct.name, 'AccessDeniedException');
});
