// IAM's credential surface with SDK v3: virtual MFA devices (real RFC 6238 codes), MFA in STS and in policy conditions,
// SSH public keys, server and signing certificates, service-specific credentials, STS preferences, organization features,
// and DeleteUser's conflicts while any of these remain.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateAccessKeyCommand, CreateRoleCommand, CreateServiceSpecificCredentialCommand, CreateUserCommand, CreateVirtualMFADeviceCommand, DeactivateMFADeviceCommand,
  DeleteServerCertificateCommand, DeleteServiceSpecificCredentialCommand, DeleteSigningCertificateCommand, DeleteSSHPublicKeyCommand, DeleteUserCommand,
  DeleteVirtualMFADeviceCommand, EnableMFADeviceCommand, GetAccountSummaryCommand, GetMFADeviceCommand, GetServerCertificateCommand, GetSSHPublicKeyCommand,
  GetUserCommand, IAMClient, ListMFADevicesCommand, ListMFADeviceTagsCommand, ListOrganizationsFeaturesCommand, ListServerCertificatesCommand,
  ListServerCertificateTagsCommand, ListServiceSpecificCredentialsCommand, ListSigningCertificatesCommand, ListSSHPublicKeysCommand, ListUsersCommand,
  ListVirtualMFADevicesCommand, PutRolePolicyCommand, PutUserPolicyCommand, ResetServiceSpecificCredentialCommand, ResyncMFADeviceCommand,
  SetSecurityTokenServicePreferencesCommand, TagMFADeviceCommand, TagServerCertificateCommand, UntagMFADeviceCommand, UntagServerCertificateCommand,
  UpdateServerCertificateCommand, UpdateServiceSpecificCredentialCommand, UpdateSigningCertificateCommand, UpdateSSHPublicKeyCommand, UpdateUserCommand,
  UploadServerCertificateCommand, UploadSigningCertificateCommand, UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { totp } from '../../server/src/auth/totp.ts';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';
import { CA_CERT, CERT_A, CERT_B, CERT_C, KEY_A, KEY_B, LEAF_CERT, LEAF_KEY } from './test-certificates.ts';

const ACCOUNT = '123456789012';
const STEP_MS = 30_000;

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

const iamAs = (credentials: Creds): IAMClient => new IAMClient({ ...local.clientConfig(), credentials });
const stsAs = (credentials: Creds): STSClient => new STSClient({ ...local.clientConfig(), credentials });

async function userWithKey(name: string): Promise<Creds> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

/** A virtual MFA device enabled for `user`: its serial number and base32 seed. */
async function enabledDevice(user: string, name = `${user}-mfa`): Promise<{ serial: string; seed: string }> {
  const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }))).VirtualMFADevice!;
  const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
  const now = Date.now();
  await iam.send(new EnableMFADeviceCommand({
    UserName: user, SerialNumber: device.SerialNumber, AuthenticationCode1: totp(seed, now - STEP_MS), AuthenticationCode2: totp(seed, now),
  }));
  return { serial: device.SerialNumber!, seed };
}

const wrongCode = (seed: string): string => {
  const valid = new Set([-1, 0, 1].map((i) => totp(seed, Date.now() + i * STEP_MS)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
};

test('virtual MFA devices: create, enable with two consecutive codes, list, get, tags, resync, deactivate, delete', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  const created = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone', Path: '/team/', Tags: [{ Key: 'kind', Value: 'app' }] }))).VirtualMFADevice!;
  const serial = `arn:aws:iam::${ACCOUNT}:mfa/team/alice-phone`;
  assert.equal(created.SerialNumber, serial);
  const seed = Buffer.from(created.Base32StringSeed!).toString('ascii');
  assert.match(seed, /^[A-Z2-7]{64}$/);
  assert.deepEqual(created.Tags, [{ Key: 'kind', Value: 'app' }]);
  // QRCodePNG is a PNG of the otpauth:// URI; where zbarimg is installed, it is decoded too.
  const png = Buffer.from(created.QRCodePNG!);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const uri = `otpauth://totp/Amazon%20Web%20Services%3Aalice-phone%40${ACCOUNT}?secret=${seed}&issuer=Amazon%20Web%20Services`;
  if (spawnSync('zbarimg', ['--version']).status === 0) {
    const file = join(mkdtempSync(join(tmpdir(), 'iamlocal-qr-')), 'qr.png');
    writeFileSync(file, png);
    assert.equal(execFileSync('zbarimg', ['-q', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(), uri);
  }
  const dup = await rejection(iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone', Path: '/team/' })));
  // AWS's recorded answer (LocalStack AWS-validated test_iam_mfa create-duplicate-error).
  assert.deepEqual([dup.name, dup.message], ['EntityAlreadyExistsException', 'MFA device already exists.']);

  const unassigned = await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }));
  assert.deepEqual(unassigned.VirtualMFADevices?.map((d) => d.SerialNumber), [serial]);

  // Two codes that are not consecutive (or not codes of this seed at all) are refused.
  const now = Date.now();
  const bad = await rejection(iam.send(new EnableMFADeviceCommand({
    UserName: 'alice', SerialNumber: serial, AuthenticationCode1: totp(seed, now), AuthenticationCode2: totp(seed, now),
  })));
  assert.deepEqual([bad.name, bad.message, bad.status], ['InvalidAuthenticationCodeException', 'Authentication code for device is not valid.', 403]);
  const missing = await rejection(iam.send(new EnableMFADeviceCommand({
    UserName: 'alice', SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/nothing`, AuthenticationCode1: '123456', AuthenticationCode2: '654321',
  })));
  assert.deepEqual([missing.name, missing.message], ['NoSuchEntityException', `VirtualMFADevice with serial number arn:aws:iam::${ACCOUNT}:mfa/nothing doesn't exist.`]);
  await iam.send(new EnableMFADeviceCommand({
    UserName: 'alice', SerialNumber: serial, AuthenticationCode1: totp(seed, now - STEP_MS), AuthenticationCode2: totp(seed, now),
  }));
  await iam.send(new CreateUserCommand({ UserName: 'bob' }));
  const inUse = await rejection(iam.send(new EnableMFADeviceCommand({
    UserName: 'bob', SerialNumber: serial, AuthenticationCode1: totp(seed, now - STEP_MS), AuthenticationCode2: totp(seed, now),
  })));
  assert.equal(inUse.name, 'EntityAlreadyExistsException');

  const listed = (await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices!;
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.SerialNumber, serial);
  assert.equal(listed[0]!.UserName, 'alice');
  assert.ok(listed[0]!.EnableDate instanceof Date);
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'bob' }))).MFADevices, []);
  const assigned = (await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Assigned' }))).VirtualMFADevices!;
  assert.deepEqual(assigned.map((d) => [d.SerialNumber, d.User?.UserName]), [[serial, 'alice']]);
  assert.equal(assigned[0]!.Base32StringSeed, undefined, 'listings never repeat the seed');
  assert.deepEqual((await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))).VirtualMFADevices, []);
  const got = await iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'alice' }));
  assert.deepEqual([got.UserName, got.SerialNumber], ['alice', serial]);
  assert.equal((await rejection(iam.send(new GetMFADeviceCommand({ SerialNumber: serial, UserName: 'bob' })))).name, 'NoSuchEntityException');

  await iam.send(new TagMFADeviceCommand({ SerialNumber: serial, Tags: [{ Key: 'owner', Value: 'alice' }] }));
  await iam.send(new UntagMFADeviceCommand({ SerialNumber: serial, TagKeys: ['kind'] }));
  assert.deepEqual((await iam.send(new ListMFADeviceTagsCommand({ SerialNumber: serial }))).Tags, [{ Key: 'owner', Value: 'alice' }]);

  // A device still assigned cannot be deleted, nor can its user.
  const conflict = await rejection(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
  assert.deepEqual([conflict.name, conflict.status], ['DeleteConflictException', 409]);
  const userConflict = await rejection(iam.send(new DeleteUserCommand({ UserName: 'alice' })));
  assert.deepEqual([userConflict.name, userConflict.message], ['DeleteConflictException', 'Cannot delete entity, must delete MFA device first.']);

  // Resync learns a clock that runs 5 steps ahead: afterwards STS accepts that device's codes, not the real-time ones.
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  const sts = stsAs({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
  const ahead = Date.now() + 5 * STEP_MS;
  assert.equal((await rejection(iam.send(new ResyncMFADeviceCommand({
    UserName: 'alice', SerialNumber: serial, AuthenticationCode1: wrongCode(seed), AuthenticationCode2: wrongCode(seed),
  })))).name, 'InvalidAuthenticationCodeException');
  await iam.send(new ResyncMFADeviceCommand({
    UserName: 'alice', SerialNumber: serial, AuthenticationCode1: totp(seed, ahead - STEP_MS), AuthenticationCode2: totp(seed, ahead),
  }));
  assert.ok((await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totp(seed, ahead) }))).Credentials?.AccessKeyId);

  await iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices, []);
  const again = await rejection(iam.send(new DeactivateMFADeviceCommand({ UserName: 'alice', SerialNumber: serial })));
  assert.equal(again.name, 'NoSuchEntityException');
  await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial }));
  assert.deepEqual((await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices, []);
  const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(summary.MFADevices, 0);
});

const MFA_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
    { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
    // AWS's documented pattern: deny without MFA, long-term keys (no key at all) included.
    { Effect: 'Deny', Action: 'iam:GetUser', Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } },
    { Effect: 'Allow', Action: 'iam:GetAccountSummary', Resource: '*', Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '300' } } },
  ],
});

test('MFA in STS and policies: GetSessionToken with a TOTP code makes aws:MultiFactorAuthPresent true', async () => {
  const longTerm = await userWithKey('mfa-user');
  await iam.send(new PutUserPolicyCommand({ UserName: 'mfa-user', PolicyName: 'mfa', PolicyDocument: MFA_POLICY }));
  const { serial, seed } = await enabledDevice('mfa-user');

  // Long-term keys: no MFA key in the context, so Bool fails and BoolIfExists denies.
  const plain = iamAs(longTerm);
  assert.equal((await rejection(plain.send(new ListUsersCommand({})))).name, 'AccessDenied');
  assert.equal((await rejection(plain.send(new GetUserCommand({ UserName: 'mfa-user' })))).name, 'AccessDenied');

  // A session without MFA cannot call IAM at all: "You cannot call any IAM API operations unless MFA authentication
  // information is included in the request" (STS API Reference, GetSessionToken); IAM answers InvalidClientTokenId.
  const sts = stsAs(longTerm);
  const noMfa = (await sts.send(new GetSessionTokenCommand({}))).Credentials!;
  const noMfaIam = iamAs({ accessKeyId: noMfa.AccessKeyId!, secretAccessKey: noMfa.SecretAccessKey!, sessionToken: noMfa.SessionToken! });
  const noMfaList = await rejection(noMfaIam.send(new ListUsersCommand({})));
  assert.deepEqual([noMfaList.name, noMfaList.message, noMfaList.status], ['InvalidClientTokenId', 'The security token included in the request is invalid', 403]);
  assert.equal((await rejection(noMfaIam.send(new GetUserCommand({ UserName: 'mfa-user' })))).name, 'InvalidClientTokenId');

  // Wrong code, wrong device: AWS's two AccessDenied texts.
  const wrong = await rejection(sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: wrongCode(seed) })));
  assert.deepEqual([wrong.name, wrong.message, wrong.status], ['AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.', 403]);
  const unknown = await rejection(sts.send(new GetSessionTokenCommand({ SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/other`, TokenCode: totp(seed) })));
  assert.deepEqual([unknown.name, unknown.message], [
    'AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.',
  ]);

  const withMfa = (await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totp(seed), DurationSeconds: 900 }))).Credentials!;
  const mfaIam = iamAs({ accessKeyId: withMfa.AccessKeyId!, secretAccessKey: withMfa.SecretAccessKey!, sessionToken: withMfa.SessionToken! });
  assert.ok((await mfaIam.send(new ListUsersCommand({}))).Users?.some((u) => u.UserName === 'mfa-user'));
  assert.equal((await mfaIam.send(new GetUserCommand({ UserName: 'mfa-user' }))).User?.UserName, 'mfa-user');
  // aws:MultiFactorAuthAge counts seconds since the code was checked.
  assert.ok((await mfaIam.send(new GetAccountSummaryCommand({}))).SummaryMap);
  assert.equal((await rejection(noMfaIam.send(new GetAccountSummaryCommand({})))).name, 'InvalidClientTokenId');
});

test('MFA in AssumeRole: a trust policy requiring MFA, and sessions that carry it', async () => {
  const longTerm = await userWithKey('operator');
  const { serial, seed } = await enabledDevice('operator');
  await iam.send(new CreateRoleCommand({
    RoleName: 'admin', AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/operator` }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }],
    }),
  }));
  await iam.send(new PutRolePolicyCommand({
    RoleName: 'admin', PolicyName: 'mfa', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }],
    }),
  }));
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/admin`;
  const sts = stsAs(longTerm);
  assert.equal((await rejection(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'no-mfa' })))).name, 'AccessDenied');
  const bad = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'bad', SerialNumber: serial, TokenCode: wrongCode(seed) })));
  assert.equal(bad.message, 'MultiFactorAuthentication failed with invalid MFA one time pass code.');

  const assumed = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'mfa', SerialNumber: serial, TokenCode: totp(seed) }))).Credentials!;
  const roleIam = iamAs({ accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken! });
  assert.ok((await roleIam.send(new ListUsersCommand({}))).Users);

  // An MFA session from GetSessionToken satisfies the trust policy without a new code, and its role session keeps MFA.
  const mfaSession = (await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totp(seed) }))).Credentials!;
  const chained = stsAs({ accessKeyId: mfaSession.AccessKeyId!, secretAccessKey: mfaSession.SecretAccessKey!, sessionToken: mfaSession.SessionToken! });
  const viaSession = (await chained.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'via-session' }))).Credentials!;
  const viaIam = iamAs({ accessKeyId: viaSession.AccessKeyId!, secretAccessKey: viaSession.SecretAccessKey!, sessionToken: viaSession.SessionToken! });
  assert.ok((await viaIam.send(new ListUsersCommand({}))).Users);
});

/** An RSA public key in OpenSSH's one-line form, and its MD5 fingerprint as ssh-keygen -E md5 prints it. */
function sshPublicKey(key: KeyObject): { line: string; fingerprint: string } {
  const jwk = key.export({ format: 'jwk' });
  const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, (b.length >> 8) & 255, b.length & 255]), b]);
  const mpint = (b64: string): Buffer => {
    const raw = Buffer.from(b64, 'base64url');
    return field(raw[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]);
  return { line: `ssh-rsa ${blob.toString('base64')} someone@example`, fingerprint: createHash('md5').update(blob).digest('hex').match(/../g)!.join(':') };
}

test('SSH public keys: upload (SSH or PEM), encodings, fingerprint, duplicates, status, delete', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'dev' }));
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ssh = sshPublicKey(publicKey);
  const uploaded = (await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: ssh.line }))).SSHPublicKey!;
  assert.match(uploaded.SSHPublicKeyId!, /^APKA[A-Z2-7]{16}$/);
  assert.equal(uploaded.Fingerprint, ssh.fingerprint);
  assert.equal(uploaded.Status, 'Active');
  const pem = String(publicKey.export({ type: 'spki', format: 'pem' }));
  const dup = await rejection(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: pem })));
  assert.equal(dup.name, 'DuplicateSSHPublicKeyException');
  const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const edLine = `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), ed]).toString('base64')}`;
  assert.equal((await rejection(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: edLine })))).name, 'UnrecognizedPublicKeyEncodingException');
  const small = sshPublicKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
  assert.equal((await rejection(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyBody: small.line })))).name, 'InvalidPublicKeyException');
  assert.equal((await rejection(iam.send(new UploadSSHPublicKeyCommand({ UserName: 'nobody', SSHPublicKeyBody: ssh.line })))).name, 'NoSuchEntityException');

  const asPem = (await iam.send(new GetSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyId: uploaded.SSHPublicKeyId, Encoding: 'PEM' }))).SSHPublicKey!;
  assert.equal(asPem.SSHPublicKeyBody, pem.trim());
  assert.equal(asPem.Fingerprint, ssh.fingerprint);
  const asSsh = (await iam.send(new GetSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyId: uploaded.SSHPublicKeyId, Encoding: 'SSH' }))).SSHPublicKey!;
  assert.equal(asSsh.SSHPublicKeyBody, ssh.line);

  await iam.send(new UpdateSSHPublicKeyCommand({ UserName: 'dev', SSHPublicKeyId: uploaded.SSHPublicKeyId, Status: 'Inactive' }));
  const listed = (await iam.send(new ListSSHPublicKeysCommand({ UserName: 'dev' }))).SSHPublicKeys!;
  assert.deepEqual(listed.map((k) => [k.SSHPublicKeyId, k.Status]), [[uploaded.SSHPublicKeyId, 'Inactive']]);

  const conflict = await rejection(iam.send(new DeleteUserCommand({ UserName: 'dev' })));
  assert.deepEqual([conflict.name, conflict.message], ['DeleteConflictException', 'Cannot delete entity, must remove referenced objects first.']);
  // Renaming the user carries the key along.
  await iam.send(new UpdateUserCommand({ UserName: 'dev', NewUserName: 'developer' }));
  assert.equal((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'developer' }))).SSHPublicKeys?.length, 1);
  await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'developer', SSHPublicKeyId: uploaded.SSHPublicKeyId }));
  assert.equal((await rejection(iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'developer', SSHPublicKeyId: uploaded.SSHPublicKeyId })))).name, 'NoSuchEntityException');
  await iam.send(new DeleteUserCommand({ UserName: 'developer' }));
});

test('server certificates: upload with key check, get, list by path, rename, tags, delete', async () => {
  const malformed = await rejection(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'web', CertificateBody: 'not a certificate', PrivateKey: KEY_A })));
  assert.deepEqual([malformed.name, malformed.message], ['MalformedCertificateException', 'Unable to parse certificate. Please ensure the certificate is in PEM format.']);
  const mismatch = await rejection(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'web', CertificateBody: CERT_A, PrivateKey: KEY_B })));
  assert.equal(mismatch.name, 'KeyPairMismatchException');
  const badChain = await rejection(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'web', CertificateBody: LEAF_CERT, PrivateKey: LEAF_KEY, CertificateChain: CERT_B })));
  assert.equal(badChain.name, 'MalformedCertificateException');
  assert.match(badChain.message, /^Unable to validate certificate chain\. .* The index within the chain of the invalid certificate is: 1$/);
  const uploaded = await iam.send(new UploadServerCertificateCommand({
    ServerCertificateName: 'web', Path: '/cloudfront/', CertificateBody: LEAF_CERT, PrivateKey: LEAF_KEY, CertificateChain: CA_CERT, Tags: [{ Key: 'env', Value: 'test' }],
  }));
  const meta = uploaded.ServerCertificateMetadata!;
  assert.equal(meta.Arn, `arn:aws:iam::${ACCOUNT}:server-certificate/cloudfront/web`);
  assert.match(meta.ServerCertificateId!, /^ASCA[A-Z2-7]{17}$/);
  assert.ok(meta.Expiration!.getUTCFullYear() >= 2120, 'expiration read from the certificate');
  assert.deepEqual(uploaded.Tags, [{ Key: 'env', Value: 'test' }]);
  assert.equal((await rejection(iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'web', CertificateBody: CERT_A, PrivateKey: KEY_A })))).name,
    'EntityAlreadyExistsException');

  const got = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'web' }))).ServerCertificate!;
  assert.equal(got.CertificateBody, LEAF_CERT);
  assert.equal(got.CertificateChain, CA_CERT);
  assert.equal(got.ServerCertificateMetadata?.ServerCertificateId, meta.ServerCertificateId);
  assert.deepEqual((await iam.send(new ListServerCertificatesCommand({ PathPrefix: '/cloudfront/' }))).ServerCertificateMetadataList?.map((c) => c.ServerCertificateName), ['web']);
  assert.deepEqual((await iam.send(new ListServerCertificatesCommand({ PathPrefix: '/elb/' }))).ServerCertificateMetadataList, []);

  await iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'web', NewServerCertificateName: 'www', NewPath: '/elb/' }));
  const missing = await rejection(iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'web' })));
  assert.deepEqual([missing.name, missing.message], ['NoSuchEntityException', 'The Server Certificate with name web cannot be found.']);
  assert.equal((await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' }))).ServerCertificate?.ServerCertificateMetadata?.Path, '/elb/');

  await iam.send(new TagServerCertificateCommand({ ServerCertificateName: 'www', Tags: [{ Key: 'team', Value: 'edge' }] }));
  await iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'www', TagKeys: ['env'] }));
  assert.deepEqual((await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'www' }))).Tags, [{ Key: 'team', Value: 'edge' }]);
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.ServerCertificates, 1);
  await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'www' }));
  assert.deepEqual((await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList, []);
});

test('signing certificates: upload, duplicates, quota, status, DeleteUser conflict, delete', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'signer' }));
  assert.equal((await rejection(iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: 'garbage' })))).name, 'MalformedCertificateException');
  // The body comes back exactly as uploaded, trailing newline included (the same certificate without it is a duplicate).
  const uploaded = `${CERT_A.trim()}\n`;
  const first = (await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: uploaded }))).Certificate!;
  assert.equal(first.CertificateBody, uploaded);
  assert.equal(first.UserName, 'signer');
  assert.equal(first.Status, 'Active');
  assert.ok(first.CertificateId!.length >= 24);
  assert.equal((await rejection(iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERT_A.trim() })))).name, 'DuplicateCertificateException');
  await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERT_B }));
  const quota = await rejection(iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: CERT_C })));
  assert.equal(quota.name, 'LimitExceededException');
  await iam.send(new UpdateSigningCertificateCommand({ UserName: 'signer', CertificateId: first.CertificateId, Status: 'Inactive' }));
  const listed = (await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' }))).Certificates!;
  assert.deepEqual(listed.map((c) => c.Status), ['Inactive', 'Active']);
  assert.equal(listed[0]!.CertificateBody, uploaded);
  const conflict = await rejection(iam.send(new DeleteUserCommand({ UserName: 'signer' })));
  assert.deepEqual([conflict.name, conflict.message], ['DeleteConflictException', 'Cannot delete entity, must delete certificates first.']);
  for (const c of listed) await iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: c.CertificateId }));
  const gone = await rejection(iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: first.CertificateId })));
  assert.deepEqual([gone.name, gone.message], ['NoSuchEntityException', `The Certificate with id ${first.CertificateId} cannot be found.`]);
  await iam.send(new DeleteUserCommand({ UserName: 'signer' }));
});

test('service-specific credentials: create, unsupported service, reset, status, list, DeleteUser conflict, delete', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'coder' }));
  const created = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'coder', ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredential!;
  assert.equal(created.ServiceUserName, `coder-at-${ACCOUNT}`);
  assert.ok(created.ServicePassword && created.ServicePassword.length >= 40);
  assert.match(created.ServiceSpecificCredentialId!, /^ACCA[A-Z2-7]{17}$/);
  assert.equal(created.Status, 'Active');
  const unsupported = await rejection(iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'coder', ServiceName: 'ec2.amazonaws.com' })));
  assert.deepEqual([unsupported.name, unsupported.status], ['ServiceNotSupportedException', 404]);
  const bedrock = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'coder', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 30 }))).ServiceSpecificCredential!;
  assert.ok(bedrock.ServiceCredentialAlias && bedrock.ServiceCredentialSecret && bedrock.ExpirationDate);

  const reset = (await iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId }))).ServiceSpecificCredential!;
  assert.notEqual(reset.ServicePassword, created.ServicePassword);
  await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: 'Inactive' }));
  const listed = (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'coder', ServiceName: 'codecommit.amazonaws.com' }))).ServiceSpecificCredentials!;
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.Status, 'Inactive');
  assert.ok(!('ServicePassword' in listed[0]!), 'listings never repeat the password');
  assert.equal((await iam.send(new ListServiceSpecificCredentialsCommand({ AllUsers: true }))).ServiceSpecificCredentials?.length, 2);

  const conflict = await rejection(iam.send(new DeleteUserCommand({ UserName: 'coder' })));
  assert.equal(conflict.name, 'DeleteConflictException');
  for (const c of [created, bedrock]) await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: c.ServiceSpecificCredentialId }));
  assert.equal((await rejection(iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'coder', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId })))).name,
    'NoSuchEntityException');
  await iam.send(new DeleteUserCommand({ UserName: 'coder' }));
});

test('MFA device listings page with MaxItems and Marker', async () => {
  for (const name of ['d1', 'd2', 'd3']) await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: name }));
  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 2, Marker: marker }));
    seen.push(...page.VirtualMFADevices!.map((d) => d.SerialNumber!));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  assert.deepEqual(seen, ['d1', 'd2', 'd3'].map((n) => `arn:aws:iam::${ACCOUNT}:mfa/${n}`));
});

test('STS preferences show in the account summary; no organization features outside an organization', async () => {
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.GlobalEndpointTokenVersion, 1);
  await iam.send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v2Token' }));
  assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.GlobalEndpointTokenVersion, 2);
  const org = await rejection(iam.send(new ListOrganizationsFeaturesCommand({})));
  assert.equal(org.name, 'OrganizationNotFoundException');
});

test('fixtures: a virtual MFA device with a known seed, enabled for a user, works in STS and round-trips through the export', async () => {
  const { applyFixtures, FixtureError } = await import('../../server/src/store/fixtures.ts');
  const { exportState } = await import('../../server/src/store/state.ts');
  const seed = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  applyFixtures(local.ctx, {
    users: [{ name: 'fixture-user', accessKeys: [{ id: 'AKIAFIXTUREMFAUSER01', secret: 'fixture-user-secret-key-0000000000000000' }] }],
    virtualMfaDevices: [{ name: 'fixture-phone', path: '/devices/', seed, user: 'fixture-user', tags: { source: 'fixture' } }, { name: 'spare', seed }],
  }, 'inline fixture');
  const serial = `arn:aws:iam::${ACCOUNT}:mfa/devices/fixture-phone`;
  assert.deepEqual((await iam.send(new ListMFADevicesCommand({ UserName: 'fixture-user' }))).MFADevices?.map((d) => d.SerialNumber), [serial]);
  assert.deepEqual((await iam.send(new ListVirtualMFADevicesCommand({ AssignmentStatus: 'Unassigned' }))).VirtualMFADevices?.map((d) => d.SerialNumber),
    [`arn:aws:iam::${ACCOUNT}:mfa/spare`]);
  const sts = stsAs({ accessKeyId: 'AKIAFIXTUREMFAUSER01', secretAccessKey: 'fixture-user-secret-key-0000000000000000' });
  assert.ok((await sts.send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totp(seed) }))).Credentials?.SessionToken);

  const exported = JSON.parse(JSON.stringify(exportState(local.ctx))) as Record<string, unknown>;
  assert.equal((exported.virtualMfaDevices as unknown[]).length, 2);
  local.reset('empty');
  applyFixtures(local.ctx, exported, 'exported state');
  assert.deepEqual(JSON.parse(JSON.stringify(exportState(local.ctx))), exported);

  assert.throws(() => applyFixtures(local.ctx, { virtualMfaDevices: [{ name: 'x', seed: 'not base32!' }] }, 'bad'), (e: unknown) =>
    e instanceof FixtureError && e.message.startsWith('bad: virtualMfaDevices[0].seed:'));
  assert.throws(() => applyFixtures(local.ctx, { virtualMfaDevices: [{ name: 'y', seed, user: 'nobody' }] }, 'bad'), (e: unknown) =>
    e instanceof FixtureError && e.message === 'bad: virtualMfaDevices[0].user: no user nobody');
});
