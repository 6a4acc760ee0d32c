// KMS with the AWS SDK for JavaScript v3: keys, aliases, real cryptography, key policies, grants, enforced.
// AWS references: KMS Developer Guide "Key policies" (default key policy, delegation to IAM), "Grants in AWS KMS",
// "Key states of AWS KMS keys", "Encryption context", and the KMS API Reference for each operation's errors.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import { CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand, SimulatePrincipalPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CancelKeyDeletionCommand, CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, DisableKeyCommand,
  EnableKeyCommand, EncryptCommand, GenerateDataKeyCommand, GenerateDataKeyPairCommand, GenerateDataKeyWithoutPlaintextCommand, GenerateMacCommand,
  GenerateRandomCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, GetPublicKeyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand,
  ListKeysCommand, ListResourceTagsCommand, PutKeyPolicyCommand, ReEncryptCommand, RetireGrantCommand, RevokeGrantCommand, RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand, SignCommand, TagResourceCommand, UpdateAliasCommand, VerifyCommand, VerifyMacCommand, EnableKeyRotationCommand,
} from '@aws-sdk/client-kms';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

const ACCOUNT = '123456789012';
let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const kms = (principal: 'root' | { user: string } = 'root'): KMSClient => new KMSClient(local.clientConfig(principal));
const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (value: Uint8Array | undefined): string => Buffer.from(value ?? []).toString('utf8');

async function user(name: string, statements?: object[]): Promise<KMSClient> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  if (statements) {
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'kms', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  }
  return kms({ user: name });
}

async function symmetricKey(client = kms(), extra: Record<string, unknown> = {}): Promise<{ id: string; arn: string }> {
  const created = await client.send(new CreateKeyCommand({ Description: 'test key', ...extra }));
  return { id: created.KeyMetadata!.KeyId!, arn: created.KeyMetadata!.Arn! };
}

test('CreateKey gives the default key policy; Encrypt/Decrypt round-trip, Decrypt needs no KeyId, context is bound', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  assert.match(key.arn, new RegExp(`^arn:aws:kms:us-east-1:${ACCOUNT}:key/[0-9a-f-]{36}$`));
  const policy = JSON.parse((await root.send(new GetKeyPolicyCommand({ KeyId: key.id }))).Policy!) as { Statement: Array<{ Principal: { AWS: string }; Action: string }> };
  assert.deepEqual(policy.Statement[0]!.Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
  assert.equal(policy.Statement[0]!.Action, 'kms:*');

  const context = { purpose: 'test', bucket: 'b' };
  const encrypted = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('The quick brown fox'), EncryptionContext: context }));
  assert.equal(encrypted.KeyId, key.arn);
  assert.equal(encrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  // Context order does not matter; Decrypt finds the key from the blob.
  const decrypted = await root.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { bucket: 'b', purpose: 'test' } }));
  assert.equal(text(decrypted.Plaintext), 'The quick brown fox');
  assert.equal(decrypted.KeyId, key.arn);

  const wrongContext = await rejection(root.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'other', bucket: 'b' } })));
  assert.equal(wrongContext.name, 'InvalidCiphertextException');
  const noContext = await rejection(root.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })));
  assert.equal(noContext.name, 'InvalidCiphertextException');
  const garbage = await rejection(root.send(new DecryptCommand({ CiphertextBlob: bytes('not a ciphertext blob at all, really not') })));
  assert.equal(garbage.name, 'InvalidCiphertextException');

  // A KeyId naming another key than the blob's: IncorrectKeyException.
  const other = await symmetricKey(root);
  const incorrect = await rejection(root.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context, KeyId: other.id })));
  assert.equal(incorrect.name, 'IncorrectKeyException');

  // ReEncrypt moves it under the other key.
  const moved = await root.send(new ReEncryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: other.arn }));
  assert.equal(moved.SourceKeyId, key.arn);
  assert.equal(moved.KeyId, other.arn);
  assert.equal(text((await root.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }))).Plaintext), 'The quick brown fox');
});

test('aliases name keys wherever AWS accepts them; unknown keys and aliases are NotFoundException with AWS texts', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  await root.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: key.id }));
  const exists = await rejection(root.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: key.id })));
  assert.equal(exists.name, 'AlreadyExistsException');
  assert.equal(exists.message, `An alias with the name arn:aws:kms:us-east-1:${ACCOUNT}:alias/app already exists`);
  for (const ref of ['alias/app', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`, key.arn, key.id]) {
    assert.equal((await root.send(new DescribeKeyCommand({ KeyId: ref }))).KeyMetadata?.KeyId, key.id, ref);
  }
  const encrypted = await root.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: bytes('x') }));
  assert.equal(encrypted.KeyId, key.arn);
  const other = await symmetricKey(root);
  await root.send(new UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: other.id }));
  const aliases = await root.send(new ListAliasesCommand({ KeyId: other.id }));
  assert.deepEqual(aliases.Aliases?.map((a) => [a.AliasName, a.TargetKeyId]), [['alias/app', other.id]]);

  const missingAlias = await rejection(root.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })));
  assert.deepEqual([missingAlias.name, missingAlias.message], ['NotFoundException', `Alias arn:aws:kms:us-east-1:${ACCOUNT}:alias/nope is not found.`]);
  const missingKey = await rejection(root.send(new DescribeKeyCommand({ KeyId: '11111111-2222-3333-4444-555555555555' })));
  assert.deepEqual([missingKey.name, missingKey.message], ['NotFoundException', `Key 'arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555' does not exist`]);
  const badAlias = await rejection(root.send(new CreateAliasCommand({ AliasName: 'app2', TargetKeyId: key.id })));
  assert.equal(badAlias.name, 'ValidationException');

  // The AWS managed key for S3 exists from its first use.
  const managed = await root.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }));
  assert.equal(managed.KeyMetadata?.KeyManager, 'AWS');
});

test('key states: Disabled refuses cryptography (DisabledException), PendingDeletion (KMSInvalidStateException), cancel leaves it Disabled', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  await root.send(new DisableKeyCommand({ KeyId: key.id }));
  const disabled = await rejection(root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x') })));
  assert.deepEqual([disabled.name, disabled.message], ['DisabledException', `${key.arn} is disabled.`]);
  await root.send(new EnableKeyCommand({ KeyId: key.id }));
  const tooSoon = await rejection(root.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 3 })));
  assert.equal(tooSoon.name, 'ValidationException');
  const scheduled = await root.send(new ScheduleKeyDeletionCommand({ KeyId: key.id, PendingWindowInDays: 7 }));
  assert.equal(scheduled.KeyState, 'PendingDeletion');
  assert.equal(scheduled.PendingWindowInDays, 7);
  const pending = await rejection(root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x') })));
  assert.deepEqual([pending.name, pending.message], ['KMSInvalidStateException', `${key.arn} is pending deletion.`]);
  const enable = await rejection(root.send(new EnableKeyCommand({ KeyId: key.id })));
  assert.equal(enable.name, 'KMSInvalidStateException');
  await root.send(new CancelKeyDeletionCommand({ KeyId: key.id }));
  assert.equal((await root.send(new DescribeKeyCommand({ KeyId: key.id }))).KeyMetadata?.KeyState, 'Disabled');
});

test('rotation: RotateKeyOnDemand adds key material; old ciphertexts still decrypt', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  const before = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('before rotation') }));
  await root.send(new EnableKeyRotationCommand({ KeyId: key.id, RotationPeriodInDays: 90 }));
  const status = await root.send(new GetKeyRotationStatusCommand({ KeyId: key.id }));
  assert.equal(status.KeyRotationEnabled, true);
  assert.equal(status.RotationPeriodInDays, 90);
  await root.send(new RotateKeyOnDemandCommand({ KeyId: key.id }));
  const after = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('after rotation') }));
  assert.notDeepEqual(Buffer.from(before.CiphertextBlob!).subarray(0, 42), Buffer.from(after.CiphertextBlob!).subarray(0, 42));
  assert.equal(text((await root.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext), 'before rotation');
  assert.equal(text((await root.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }))).Plaintext), 'after rotation');
});

test('asymmetric and HMAC keys: Sign verifies with node:crypto from GetPublicKey, RSA OAEP, HMAC, data keys, random', async () => {
  const root = kms();
  const ec = await root.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
  const ecId = ec.KeyMetadata!.KeyId!;
  assert.deepEqual(ec.KeyMetadata?.SigningAlgorithms, ['ECDSA_SHA_256']);
  const message = bytes('sign me');
  const signed = await root.send(new SignCommand({ KeyId: ecId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' }));
  const publicKey = await root.send(new GetPublicKeyCommand({ KeyId: ecId }));
  const pem = createPublicKey({ key: Buffer.from(publicKey.PublicKey!), format: 'der', type: 'spki' });
  assert.equal(verify('sha256', message, pem, Buffer.from(signed.Signature!)), true);
  assert.equal((await root.send(new VerifyCommand({ KeyId: ecId, Message: message, Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))).SignatureValid, true);
  const forged = await rejection(root.send(new VerifyCommand({ KeyId: ecId, Message: bytes('other'), Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' })));
  assert.equal(forged.name, 'KMSInvalidSignatureException');
  const wrongUsage = await rejection(root.send(new EncryptCommand({ KeyId: ecId, Plaintext: message })));
  assert.equal(wrongUsage.name, 'InvalidKeyUsageException');

  const rsa = await root.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }));
  const rsaId = rsa.KeyMetadata!.KeyId!;
  const sealed = await root.send(new EncryptCommand({ KeyId: rsaId, Plaintext: message, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
  assert.equal(text((await root.send(new DecryptCommand({ KeyId: rsaId, CiphertextBlob: sealed.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }))).Plaintext), 'sign me');

  const mac = await root.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
  const macId = mac.KeyMetadata!.KeyId!;
  const tag = await root.send(new GenerateMacCommand({ KeyId: macId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
  assert.equal(Buffer.from(tag.Mac!).length, 32);
  assert.equal((await root.send(new VerifyMacCommand({ KeyId: macId, Message: message, Mac: tag.Mac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid, true);
  const badMac = await rejection(root.send(new VerifyMacCommand({ KeyId: macId, Message: bytes('x'), Mac: tag.Mac, MacAlgorithm: 'HMAC_SHA_256' })));
  assert.equal(badMac.name, 'KMSInvalidMacException');

  const key = await symmetricKey(root);
  const dataKey = await root.send(new GenerateDataKeyCommand({ KeyId: key.id, KeySpec: 'AES_256', EncryptionContext: { k: 'v' } }));
  assert.equal(Buffer.from(dataKey.Plaintext!).length, 32);
  assert.deepEqual(Buffer.from((await root.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { k: 'v' } }))).Plaintext!), Buffer.from(dataKey.Plaintext!));
  const withoutPlaintext = await root.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.id, NumberOfBytes: 16 }));
  assert.equal(withoutPlaintext.$metadata.httpStatusCode, 200);
  assert.equal((withoutPlaintext as { Plaintext?: unknown }).Plaintext, undefined);
  const neither = await rejection(root.send(new GenerateDataKeyCommand({ KeyId: key.id })));
  assert.deepEqual([neither.name, neither.message], ['ValidationException', 'Please specify either number of bytes or key spec.']);
  const pair = await root.send(new GenerateDataKeyPairCommand({ KeyId: key.id, KeyPairSpec: 'ECC_NIST_P256' }));
  const privateKey = await root.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }));
  assert.deepEqual(Buffer.from(privateKey.Plaintext!), Buffer.from(pair.PrivateKeyPlaintext!));
  assert.equal(Buffer.from((await root.send(new GenerateRandomCommand({ NumberOfBytes: 64 }))).Plaintext!).length, 64);
  const tooMany = await rejection(root.send(new GenerateRandomCommand({ NumberOfBytes: 2048 })));
  assert.deepEqual([tooMany.name, tooMany.message], ['ValidationException',
    "1 validation error detected: Value '2048' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"]);
});

test('enforcement: the default key policy delegates to IAM; without delegation IAM policies grant nothing; denies win', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  const sealed = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('secret') }));

  // No identity policy: denied, and the text says which policy is missing.
  const nobody = await user('nobody');
  const denied = await rejection(nobody.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })));
  assert.equal(denied.name, 'AccessDeniedException');
  assert.equal(denied.message, `User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: kms:Decrypt on resource: ${key.arn} because no identity-based policy allows the kms:Decrypt action`);

  // An identity policy allows through the default key policy's delegation.
  const reader = await user('reader', [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:PutKeyPolicy'], Resource: key.arn }]);
  assert.equal(text((await reader.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'secret');
  const encryptDenied = await rejection(reader.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x') })));
  assert.equal(encryptDenied.name, 'AccessDeniedException');

  // A key policy that names only another principal (the lockout check bypassed): the identity policy now grants nothing.
  const nonDelegating = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'only nobody', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/nobody` }, Action: 'kms:*', Resource: '*' }],
  });
  const ghost = await rejection(root.send(new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: 'default', BypassPolicyLockoutSafetyCheck: true,
    Policy: nonDelegating.replace('user/nobody', 'user/ghost') })));
  assert.deepEqual([ghost.name, ghost.message], ['MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.']);
  const lockout = await rejection(root.send(new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: 'default', Policy: nonDelegating })));
  assert.deepEqual([lockout.name, lockout.message], ['MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.']);
  await root.send(new PutKeyPolicyCommand({ KeyId: key.id, PolicyName: 'default', Policy: nonDelegating, BypassPolicyLockoutSafetyCheck: true }));
  const noDelegation = await rejection(reader.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })));
  assert.equal(noDelegation.message, `User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: kms:Decrypt on resource: ${key.arn} because no resource-based policy allows the kms:Decrypt action`);
  // Named in the key policy itself, nobody needs no identity policy at all.
  assert.equal(text((await nobody.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'secret');
  // Even the account's root user is refused by a key policy that does not name the account.
  const rootDenied = await rejection(root.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })));
  assert.equal(rootDenied.name, 'AccessDeniedException');

  // An explicit deny in an identity policy beats the key policy's allow.
  await iam.send(new PutUserPolicyCommand({ UserName: 'nobody', PolicyName: 'deny', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }] }) }));
  const explicit = await rejection(nobody.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })));
  assert.equal(explicit.message, `User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: kms:Decrypt on resource: ${key.arn} with an explicit deny in an identity-based policy`);
});

test('condition keys: kms:EncryptionContext:*, kms:RequestAlias, kms:CallerAccount; CreateKey and ListKeys need IAM allows', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  await root.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: key.id }));
  const app = await user('app', [
    { Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme', 'kms:CallerAccount': ACCOUNT } } },
    { Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/orders' } } },
  ]);
  await app.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x'), EncryptionContext: { tenant: 'acme' } }));
  const otherTenant = await rejection(app.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x'), EncryptionContext: { tenant: 'evil' } })));
  assert.equal(otherTenant.name, 'AccessDeniedException');
  assert.equal((await app.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }))).KeyMetadata?.KeyId, key.id);
  const byId = await rejection(app.send(new DescribeKeyCommand({ KeyId: key.id })));
  assert.equal(byId.name, 'AccessDeniedException');
  const createKey = await rejection(app.send(new CreateKeyCommand({})));
  assert.equal(createKey.message, `User: arn:aws:iam::${ACCOUNT}:user/app is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action`);
  const listKeys = await rejection(app.send(new ListKeysCommand({})));
  assert.equal(listKeys.name, 'AccessDeniedException');
});

test('grants allow what no policy does, within their encryption-context constraints, until retired', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  const context = { job: 'nightly' };
  const sealed = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('granted'), EncryptionContext: context }));
  const sealedOther = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('other'), EncryptionContext: { job: 'adhoc' } }));
  const worker = await user('worker');
  const before = await rejection(worker.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context })));
  assert.equal(before.name, 'AccessDeniedException');
  const grant = await root.send(new CreateGrantCommand({
    KeyId: key.id, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/worker`, Operations: ['Decrypt', 'RetireGrant'], Constraints: { EncryptionContextSubset: context }, Name: 'nightly',
  }));
  assert.ok(grant.GrantToken && grant.GrantId);
  assert.equal(text((await worker.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context, GrantTokens: [grant.GrantToken] }))).Plaintext), 'granted');
  const outside = await rejection(worker.send(new DecryptCommand({ CiphertextBlob: sealedOther.CiphertextBlob, EncryptionContext: { job: 'adhoc' } })));
  assert.equal(outside.name, 'AccessDeniedException');
  const listed = await root.send(new ListGrantsCommand({ KeyId: key.id }));
  assert.deepEqual(listed.Grants?.map((g) => [g.GrantId, g.Operations, g.Constraints?.EncryptionContextSubset]), [[grant.GrantId, ['Decrypt', 'RetireGrant'], context]]);
  // kms:GrantOperations limits what a delegated grant-maker may hand out.
  const granter = await user('granter', [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: key.arn, Condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] } } }]);
  await granter.send(new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/worker`, Operations: ['Decrypt'] }));
  const tooMuch = await rejection(granter.send(new CreateGrantCommand({ KeyId: key.id, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/worker`, Operations: ['Decrypt', 'Encrypt'] })));
  assert.equal(tooMuch.name, 'AccessDeniedException');
  const viaAlias = await rejection(root.send(new CreateGrantCommand({ KeyId: 'alias/aws/s3', GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/worker`, Operations: ['Decrypt'] })));
  assert.deepEqual([viaAlias.name, viaAlias.message], ['InvalidArnException', 'Key Aliases are not supported for this operation.']);
  await worker.send(new RetireGrantCommand({ GrantToken: grant.GrantToken }));
  // The granter's unconstrained Decrypt grant remains; revoked, nothing is left.
  const remaining = (await root.send(new ListGrantsCommand({ KeyId: key.id }))).Grants ?? [];
  assert.equal(remaining.length, 1);
  await root.send(new RevokeGrantCommand({ KeyId: key.id, GrantId: remaining[0]!.GrantId }));
  const after = await rejection(worker.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context })));
  assert.equal(after.name, 'AccessDeniedException');
});

test('ListKeys pages with Limit/Marker; tags; validation errors have AWS texts', async () => {
  const root = kms();
  const ids = new Set<string>();
  for (let i = 0; i < 3; i++) ids.add((await symmetricKey(root)).id);
  const first = await root.send(new ListKeysCommand({ Limit: 2 }));
  assert.equal(first.Keys?.length, 2);
  assert.equal(first.Truncated, true);
  const second = await root.send(new ListKeysCommand({ Limit: 2, Marker: first.NextMarker }));
  assert.equal(second.Truncated, false);
  assert.deepEqual(new Set([...first.Keys!, ...second.Keys!].map((k) => k.KeyId)), ids);

  const [id] = [...ids];
  await root.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: 'team', TagValue: 'a' }, { TagKey: 'env', TagValue: 'dev' }] }));
  await root.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: 'team', TagValue: 'b' }] }));
  assert.deepEqual((await root.send(new ListResourceTagsCommand({ KeyId: id }))).Tags, [{ TagKey: 'team', TagValue: 'b' }, { TagKey: 'env', TagValue: 'dev' }]);

  const invalid = await rejection(root.send(new DescribeKeyCommand({ KeyId: 'not-a-key' })));
  assert.equal(invalid.name, 'NotFoundException');
  const badUsage = await rejection(root.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCRYPT_DECRYPT' })));
  assert.equal(badUsage.name, 'ValidationException');
});

test('SimulatePrincipalPolicy with a key policy as ResourcePolicy evaluates it the KMS way', async () => {
  await user('sim', [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]);
  const keyArnText = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const simulate = async (policy: object): Promise<string | undefined> => (await iam.send(new SimulatePrincipalPolicyCommand({
    PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/sim`, ActionNames: ['kms:Decrypt'], ResourceArns: [keyArnText], ResourcePolicy: JSON.stringify(policy),
  }))).EvaluationResults?.[0]?.EvalDecision;
  const statement = (principal: string): object => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'kms:*', Resource: '*' }] });
  assert.equal(await simulate(statement(`arn:aws:iam::${ACCOUNT}:root`)), 'allowed');
  assert.equal(await simulate(statement(`arn:aws:iam::${ACCOUNT}:user/other`)), 'implicitDeny');
});

test('audit → advise → apply covers KMS: the advised policy names the kms: actions on the key ARN', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  const app = await user('advised');
  const admin = async (method: string, path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${local.endpoint}/_iamlocal${path}`, { method });
    return { status: res.status, text: await res.text() };
  };
  const principal = encodeURIComponent(`arn:aws:iam::${ACCOUNT}:user/advised`);
  assert.equal((await admin('POST', '/enforce?mode=audit')).status, 200);
  try {
    // Audit mode records the would-be denial and lets the call through.
    const sealed = await app.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('audited') }));
    await app.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
    const advice = JSON.parse((await admin('GET', `/advice?principal=${principal}`)).text) as { policy: { Statement: Array<{ Action: string[]; Resource: string[] }> } };
    assert.deepEqual(advice.policy.Statement, [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: [key.arn] }]);
    assert.equal((await admin('POST', `/advice/apply?principal=${principal}`)).status, 200);
  } finally {
    assert.equal((await admin('POST', '/enforce?mode=on')).status, 200);
  }
  const sealed = await app.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('enforced') }));
  assert.equal(text((await app.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'enforced');
  assert.equal((await rejection(app.send(new GenerateDataKeyCommand({ KeyId: key.id, NumberOfBytes: 32 })))).name, 'AccessDeniedException');
});

test('permissions boundaries and session policies filter what the key policy delegates', async () => {
  const root = kms();
  const key = await symmetricKey(root);
  const sealed = await root.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('filtered') }));
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
  const both = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' }] });
  const decryptOnly = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] });
  const boundary = await iam.send(new CreatePolicyCommand({ PolicyName: 'decrypt-only', PolicyDocument: decryptOnly }));
  for (const [name, permissionsBoundary] of [['bounded', boundary.Policy!.Arn], ['free', undefined]] as const) {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, PermissionsBoundary: permissionsBoundary }));
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'kms', PolicyDocument: both }));
  }

  const bounded = new KMSClient(local.clientConfig({ role: 'bounded', session: 's' }));
  assert.equal(text((await bounded.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'filtered');
  const boundaryDenied = await rejection(bounded.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x') })));
  assert.equal(boundaryDenied.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/bounded/s is not authorized to perform: kms:Encrypt on resource: ${key.arn} because no permissions boundary allows the kms:Encrypt action`);

  await user('assumer', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]);
  const assumed = await new STSClient(local.clientConfig({ user: 'assumer' })).send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/free`, RoleSessionName: 'narrow', Policy: decryptOnly,
  }));
  const narrow = new KMSClient({ ...local.clientConfig(), credentials: {
    accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken!,
  } });
  assert.equal(text((await narrow.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }))).Plaintext), 'filtered');
  const sessionDenied = await rejection(narrow.send(new EncryptCommand({ KeyId: key.id, Plaintext: bytes('x') })));
  assert.equal(sessionDenied.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/free/narrow is not authorized to perform: kms:Encrypt on resource: ${key.arn} because no session policy allows the kms:Encrypt action`);
});
