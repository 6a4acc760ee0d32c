// The acceptance story with the real AWS CLI: a temp config with a SAML-session profile and a role_arn +
// source_profile profile; the CLI's own AssumeRole reaches iamlocal through AWS_ENDPOINT_URL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/kjh-s3-encryption-test1-role`;
const POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`;
const SAML_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com`;

let server: RunningServer;
let home: string;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-'));
  writeFileSync(join(home, 'config'), [
    '[profile saml]', 'region = us-east-1', 'aws_access_key_id = ASIAEXAMPLESAMLLOGIN',
    'aws_secret_access_key = saml-login-secret-access-key-example0000', 'aws_session_token = saml-login-session-token-example', '',
    '[profile kjh-s3-encryption-test1-role]', 'region = us-east-1', `role_arn = ${ROLE_ARN}`, 'source_profile = saml', '',
    '[profile role-with-endpoint]', 'region = us-east-1', `role_arn = ${ROLE_ARN}`, 'source_profile = saml', `endpoint_url = ${server.url}`, '',
  ].join('\n'));
  writeFileSync(join(home, 'credentials'), '');
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `aws` with the temp config; HOME is temp too, so the CLI's assume-role cache starts empty. */
async function aws(args: string[], options: { profile?: string; endpointEnv?: boolean } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_PROFILE: options.profile ?? 'saml', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1',
  };
  if (options.endpointEnv !== false) env.AWS_ENDPOINT_URL = server.url;
  try {
    const { stdout, stderr } = await run('aws', [...args, '--output', 'json'], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') assert.fail('the AWS CLI (`aws`) is not installed: pip install awscli');
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const json = <T>(r: CliResult): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

interface Listed { Contents: { Key: string; Size: number; StorageClass: string; ETag: string; LastModified: string; Owner?: { ID: string; DisplayName: string } }[] }
const listObjects = (profile: string, endpointEnv = true) =>
  aws(['s3api', 'list-objects', '--bucket', 'kjh-encryption-test1', '--prefix', 'cli-s3api-kms/'], { profile, endpointEnv });

test('the story with the AWS CLI', async (t) => {
  await t.test('assume-role is denied with the exact message', async () => {
    const r = await aws(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'cli-kjh-s3-encryption-test1-role']);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(`An error occurred (AccessDenied) when calling the AssumeRole operation: User: ${SAML_ARN} is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`), r.stderr);
  });

  await t.test('get-role, update-assume-role-policy, and assume-role succeeds', async () => {
    const before = json<{ Role: { AssumeRolePolicyDocument: { Statement: unknown[] }; CreateDate: string; Path: string; Arn: string } }>(
      await aws(['iam', 'get-role', '--role-name', 'kjh-s3-encryption-test1-role']));
    assert.deepEqual(before.Role.AssumeRolePolicyDocument.Statement, [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }]);
    assert.equal(before.Role.Arn, ROLE_ARN);
    assert.match(before.Role.CreateDate, /^2016-08-13T16:31:08(Z|\+00:00)$/);
    const trust = { Version: '2012-10-17', Statement: [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: SAML_ARN } },
    ] };
    const updated = await aws(['iam', 'update-assume-role-policy', '--role-name', 'kjh-s3-encryption-test1-role', '--policy-document', JSON.stringify(trust)]);
    assert.equal(updated.code, 0, updated.stderr);
    const after = json<{ Role: { AssumeRolePolicyDocument: unknown } }>(await aws(['iam', 'get-role', '--role-name', 'kjh-s3-encryption-test1-role']));
    assert.deepEqual(after.Role.AssumeRolePolicyDocument, trust);
    const assumed = json<{ AssumedRoleUser: { AssumedRoleId: string; Arn: string }; Credentials: { AccessKeyId: string; Expiration: string } }>(
      await aws(['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'cli-kjh-s3-encryption-test1-role']));
    assert.match(assumed.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z2-7]{17}:cli-kjh-s3-encryption-test1-role$/);
    assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/cli-kjh-s3-encryption-test1-role`);
    assert.match(assumed.Credentials.AccessKeyId, /^ASIA/);
    const expiresIn = Date.parse(assumed.Credentials.Expiration) - Date.now();
    assert.ok(expiresIn > 3500_000 && expiresIn <= 3601_000, `expires in ${expiresIn}`);
  });

  await t.test('the role profile lists without Owner; the saml profile with Owner', async () => {
    const asRole = json<Listed>(await listObjects('kjh-s3-encryption-test1-role'));
    assert.equal(asRole.Contents.length, 1);
    const o = asRole.Contents[0]!;
    assert.equal(o.Key, 'cli-s3api-kms/QBF.txt.enc');
    assert.equal(o.Size, 45);
    assert.equal(o.StorageClass, 'STANDARD');
    assert.match(o.ETag, /^"[0-9a-f]{32}"$/);
    assert.match(o.LastModified, /^2016-12-06T21:02:16(\.000Z|\+00:00)$/);
    assert.equal(o.Owner, undefined);
    const asSaml = json<Listed>(await listObjects('saml'));
    assert.equal(asSaml.Contents[0]!.Owner?.DisplayName, 'redacted');
    // Same answer when the endpoint comes from the profile's endpoint_url instead of the environment.
    assert.equal(json<Listed>(await listObjects('role-with-endpoint', false)).Contents[0]!.Owner, undefined);
  });

  await t.test('a new default policy version with s3:GetObjectAcl shows Owner to the role', async () => {
    const v5 = { Version: '2012-10-17', Statement: [
      { Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject', 's3:GetObjectAcl'], Resource: ['arn:aws:s3:::kjh-encryption-test1/*'], Effect: 'Allow' },
      { Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::kjh-encryption-test1'], Effect: 'Allow' },
    ] };
    const created = json<{ PolicyVersion: { VersionId: string; IsDefaultVersion: boolean } }>(
      await aws(['iam', 'create-policy-version', '--policy-arn', POLICY_ARN, '--policy-document', JSON.stringify(v5), '--set-as-default']));
    assert.deepEqual([created.PolicyVersion.VersionId, created.PolicyVersion.IsDefaultVersion], ['v5', true]);
    assert.equal(json<Listed>(await listObjects('kjh-s3-encryption-test1-role')).Contents[0]!.Owner?.DisplayName, 'redacted');
    const policy = json<{ Policy: Record<string, unknown> }>(await aws(['iam', 'get-policy', '--policy-arn', POLICY_ARN]));
    assert.equal(policy.Policy.DefaultVersionId, 'v5');
    assert.equal(policy.Policy.AttachmentCount, 1);
    assert.equal(policy.Policy.IsAttachable, true);
    assert.equal(policy.Policy.Document, undefined);
    const version = json<{ PolicyVersion: { Document: unknown; IsDefaultVersion: boolean; VersionId: string } }>(
      await aws(['iam', 'get-policy-version', '--policy-arn', POLICY_ARN, '--version-id', 'v5']));
    assert.deepEqual(version.PolicyVersion.Document, v5);
    assert.equal(version.PolicyVersion.IsDefaultVersion, true);
  });

  await t.test('errors the CLI shows: malformed policy, version limit, denied bucket, bad secret', async () => {
    const bad = await aws(['iam', 'create-policy-version', '--policy-arn', POLICY_ARN, '--policy-document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}']);
    assert.ok(bad.stderr.includes('An error occurred (MalformedPolicyDocument) when calling the CreatePolicyVersion operation: Policy statement must contain resources.'), bad.stderr);
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    // v4 and v5 exist; three more fill the five slots, the next is refused.
    for (let i = 0; i < 3; i++) assert.equal((await aws(['iam', 'create-policy-version', '--policy-arn', POLICY_ARN, '--policy-document', doc])).code, 0);
    const sixth = await aws(['iam', 'create-policy-version', '--policy-arn', POLICY_ARN, '--policy-document', doc]);
    assert.ok(sixth.stderr.includes('(LimitExceeded)'), sixth.stderr);
    assert.equal((await aws(['s3api', 'create-bucket', '--bucket', 'other-team-bucket'])).code, 0);
    const denied = await aws(['s3api', 'list-objects', '--bucket', 'other-team-bucket'], { profile: 'kjh-s3-encryption-test1-role' });
    assert.match(denied.stderr, /An error occurred \(AccessDenied\) when calling the ListObjects operation: User: arn:aws:sts::123456789012:assumed-role\/kjh-s3-encryption-test1-role\/[\w.@=,+-]+ is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::other-team-bucket" because no identity-based policy allows the s3:ListBucket action/);
    writeFileSync(join(home, 'credentials'), '[wrong]\naws_access_key_id = test\naws_secret_access_key = not-the-secret\nregion = us-east-1\n');
    const sig = await aws(['sts', 'get-caller-identity'], { profile: 'wrong' });
    assert.ok(sig.stderr.includes('(SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'), sig.stderr);
    const s3sig = await aws(['s3api', 'list-buckets'], { profile: 'wrong' });
    assert.ok(s3sig.stderr.includes('(SignatureDoesNotMatch) when calling the ListBuckets operation: The request signature we calculated does not match the signature you provided. Check your key and signing method.'), s3sig.stderr);
  });

  await t.test('aws s3 cp / ls / rm as the role', async () => {
    const file = join(home, 'upload.txt');
    writeFileSync(file, 'uploaded by the CLI\n');
    const cp = await aws(['s3', 'cp', file, 's3://kjh-encryption-test1/cli-s3api-kms/upload.txt'], { profile: 'kjh-s3-encryption-test1-role' });
    assert.equal(cp.code, 0, cp.stderr);
    const ls = await aws(['s3', 'ls', 's3://kjh-encryption-test1/cli-s3api-kms/'], { profile: 'kjh-s3-encryption-test1-role' });
    assert.match(ls.stdout, /20 upload\.txt/);
    assert.equal((await aws(['s3', 'rm', 's3://kjh-encryption-test1/cli-s3api-kms/upload.txt'], { profile: 'kjh-s3-encryption-test1-role' })).code, 0);
  });
});
