// The internal KMS API other services call for their caller (S3's SSE-KMS): generateDataKeyFor / decryptFor, with
// kms:ViaService set as AWS sets it ("s3.REGION.amazonaws.com"), the AWS managed key aws/s3 created on first use, and
// the same key policy / IAM / grant evaluation as a direct call (KMS Developer Guide, "kms:ViaService" and
// "AWS managed keys": the aws/s3 key policy allows use only through S3 by principals of the account).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, DecryptCommand, DisableKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { lookupCredentials, type Caller, type RequestFacts } from '../src/auth/caller.ts';
import { startIamlocal, type Iamlocal } from '../src/in-process.ts';
import { decryptFor, generateDataKeyFor, runKms } from '../src/services/kms/kms.ts';
import { exportState } from '../src/store/state.ts';

const ACCOUNT = '123456789012';
const VIA_S3 = 's3.us-east-1.amazonaws.com';
let local: Iamlocal;

before(async () => {
  local = await startIamlocal({ listen: false });
  const iam = new IAMClient(local.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: 'uploader' }));
  await iam.send(new PutUserPolicyCommand({
    UserName: 'uploader', PolicyName: 'kms',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' }] }),
  }));
});
after(async () => {
  await local.stop();
});

function callerOf(principal: 'root' | { user: string }): Caller {
  const { accessKeyId } = local.credentials(principal);
  const found = lookupCredentials(local.ctx.iam, accessKeyId);
  assert.ok(found);
  return found.resolve();
}
const facts = (): RequestFacts => ({ sourceIp: '127.0.0.1', now: local.ctx.now(), region: 'us-east-1', secureTransport: true });
const objectContext = { 'aws:s3:arn': 'arn:aws:s3:::bucket/key' };

test('aws/s3: created on first use, usable through S3, not directly; the encryption context is bound', async () => {
  const uploader = callerOf({ user: 'uploader' });
  const dataKey = generateDataKeyFor(local.ctx, uploader, facts(), undefined, objectContext, VIA_S3);
  assert.match(dataKey.keyArn, new RegExp(`^arn:aws:kms:us-east-1:${ACCOUNT}:key/`));
  assert.equal(dataKey.plaintext.length, 32);
  assert.deepEqual(decryptFor(local.ctx, uploader, facts(), dataKey.ciphertext, objectContext, VIA_S3).plaintext, dataKey.plaintext);
  assert.throws(() => decryptFor(local.ctx, uploader, facts(), dataKey.ciphertext, { 'aws:s3:arn': 'arn:aws:s3:::bucket/other' }, VIA_S3),
    { code: 'InvalidCiphertextException' });

  // Directly (no kms:ViaService), the aws/s3 key policy allows nothing to use it, whatever IAM says.
  const kms = new KMSClient(local.clientConfig({ user: 'uploader' }));
  const direct = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.ciphertext, EncryptionContext: objectContext })).then(() => undefined, (e: Error) => e);
  assert.equal(direct?.name, 'AccessDeniedException');
  assert.equal(direct?.message, `User: arn:aws:iam::${ACCOUNT}:user/uploader is not authorized to perform: kms:Decrypt on resource: ${dataKey.keyArn} because no resource-based policy allows the kms:Decrypt action`);
  // Through another service the condition does not hold either.
  assert.throws(() => decryptFor(local.ctx, uploader, facts(), dataKey.ciphertext, objectContext, 'sqs.us-east-1.amazonaws.com'), { code: 'AccessDeniedException' });
});

test('customer keys: the key policy, IAM and key state decide as for a direct call', async () => {
  const root = new KMSClient(local.clientConfig());
  const viaOnly = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'not outside S3', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:ViaService': VIA_S3 } } },
    ],
  });
  const key = (await root.send(new CreateKeyCommand({ Policy: viaOnly }))).KeyMetadata!;
  const uploader = callerOf({ user: 'uploader' });
  const dataKey = generateDataKeyFor(local.ctx, uploader, facts(), key.KeyId, objectContext, VIA_S3);
  assert.equal(dataKey.keyArn, key.Arn);
  assert.deepEqual(decryptFor(local.ctx, uploader, facts(), dataKey.ciphertext, objectContext, VIA_S3).plaintext, dataKey.plaintext);
  const direct = await new KMSClient(local.clientConfig({ user: 'uploader' })).send(new DecryptCommand({ CiphertextBlob: dataKey.ciphertext, EncryptionContext: objectContext }))
    .then(() => undefined, (e: Error) => e);
  assert.equal(direct?.message, `User: arn:aws:iam::${ACCOUNT}:user/uploader is not authorized to perform: kms:Decrypt on resource: ${key.Arn} with an explicit deny in a resource-based policy`);

  await root.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  assert.throws(() => decryptFor(local.ctx, uploader, facts(), dataKey.ciphertext, objectContext, VIA_S3), { code: 'DisabledException', message: `${key.Arn} is disabled.` });
  assert.throws(() => generateDataKeyFor(local.ctx, callerOf('root'), facts(), 'alias/missing', objectContext, VIA_S3), { code: 'NotFoundException' });
});

test('a key pending deletion is gone once its date passes: DescribeKey NotFoundException, ListKeys without it', async () => {
  const root = callerOf('root');
  const at = (days: number): RequestFacts => ({ ...facts(), now: new Date(local.ctx.now().getTime() + days * 86400_000) });
  const created = await runKms(local.ctx, root, facts(), 'CreateKey', '{}') as { KeyMetadata: { KeyId: string; Arn: string } };
  const keyId = created.KeyMetadata.KeyId;
  const sealed = await runKms(local.ctx, root, facts(), 'Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from('gone').toString('base64') }));
  await runKms(local.ctx, root, facts(), 'ScheduleKeyDeletion', JSON.stringify({ KeyId: keyId, PendingWindowInDays: 7 }));
  const listed = (days: number): Promise<string[]> => Promise.resolve(runKms(local.ctx, root, at(days), 'ListKeys', '{}'))
    .then((out) => (out.Keys as Array<{ KeyId: string }>).map((k) => k.KeyId));
  assert.ok((await listed(6)).includes(keyId));
  assert.equal(((await runKms(local.ctx, root, at(6), 'DescribeKey', JSON.stringify({ KeyId: keyId }))).KeyMetadata as { KeyState: string }).KeyState, 'PendingDeletion');
  assert.ok(!(await listed(8)).includes(keyId));
  await assert.rejects(Promise.resolve().then(() => runKms(local.ctx, root, at(8), 'DescribeKey', JSON.stringify({ KeyId: keyId }))),
    { code: 'NotFoundException', message: `Key '${created.KeyMetadata.Arn}' does not exist` });
  // Its ciphertexts are lost with it: AWS's Decrypt answer for a key that does not exist.
  await assert.rejects(Promise.resolve().then(() => runKms(local.ctx, root, at(8), 'Decrypt', JSON.stringify({ CiphertextBlob: sealed.CiphertextBlob }))), {
    code: 'AccessDeniedException', message: 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
  });
});

test('fixtures pin key ids and material: a ciphertext from one server decrypts on another; the state export lists keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-kms-fixtures-'));
  const file = join(dir, 'kms.yaml');
  const id = '0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6';
  writeFileSync(file, [
    'kmsKeys:', `  - id: ${id}`, `    material: ${randomBytes(32).toString('base64')}`, '    aliases: [alias/pinned]', '    tags: { team: qa }', '',
  ].join('\n'));
  const servers = [await startIamlocal({ listen: false, fixtures: [file] }), await startIamlocal({ listen: false, fixtures: [file] })];
  try {
    const [a, b] = servers.map((s) => new KMSClient(s.clientConfig()));
    const sealed = await a!.send(new EncryptCommand({ KeyId: 'alias/pinned', Plaintext: Buffer.from('across runs') }));
    const opened = await b!.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
    assert.equal(Buffer.from(opened.Plaintext!).toString(), 'across runs');
    assert.equal(opened.KeyId, `arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}`);
    const exported = exportState(servers[0]!.ctx).kmsKeys as Array<Record<string, unknown>>;
    assert.equal(exported.length, 1);
    assert.deepEqual([exported[0]!.id, exported[0]!.aliases, exported[0]!.tags, exported[0]!.enabled], [id, ['alias/pinned'], { team: 'qa' }, true]);
    assert.equal('material' in exported[0]!, false);
  } finally {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
