// The story's encryption half with the AWS CLI: `aws kms encrypt --plaintext fileb://QBF.txt` under the story's key
// (alias/kjh-s3-encryption-test1, whose default key policy delegates to IAM), the ciphertext uploaded to
// cli-s3api-kms/QBF.txt.enc, downloaded and `aws kms decrypt`ed back. The role is denied until its policy grants the
// kms: actions (KMS Developer Guide, "Default key policy": the root principal's kms:* lets IAM policies grant access).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { runAwsCli, type CliResult } from '../support/aws-cli.ts';

const ACCOUNT = '123456789012';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/cli-kms`;
const SAML_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com`;
const QBF = 'The quick brown fox jumps over the lazy dog.\n';
let server: RunningServer;
let home: string;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-kms-'));
  writeFileSync(join(home, 'config'), [
    '[profile saml]', 'region = us-east-1', 'aws_access_key_id = ASIAEXAMPLESAMLLOGIN', 'aws_secret_access_key = saml-login-secret-access-key-example0000',
    'aws_session_token = saml-login-session-token-example', '',
    '[profile role]', 'region = us-east-1', 'role_arn = arn:aws:iam::123456789012:role/kjh-s3-encryption-test1-role', 'source_profile = saml',
    'role_session_name = cli-kms', '',
  ].join('\n'));
  writeFileSync(join(home, 'QBF.txt'), QBF);
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(args: string[], profile: string): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, profile, cwd: home });
}

const denial = (operation: string, action: string): string =>
  `An error occurred (AccessDeniedException) when calling the ${operation} operation: User: ${ROLE_SESSION} is not authorized to perform: ${action} on resource: ${KEY_ARN} because no identity-based policy allows the ${action} action`;

test('the story with the AWS CLI: kms encrypt → s3api put-object → get-object → kms decrypt, the role denied until its policy allows', async () => {
  // The story's trust step: the SAML session may assume the role.
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: SAML_ARN }, Action: 'sts:AssumeRole' }] });
  const updated = await aws(['iam', 'update-assume-role-policy', '--role-name', 'kjh-s3-encryption-test1-role', '--policy-document', trust], 'saml');
  assert.equal(updated.code, 0, updated.stderr);

  // The role's policy allows S3 only: the key policy delegates, but no identity policy allows kms:Encrypt.
  const encryptArgs = ['kms', 'encrypt', '--key-id', 'alias/kjh-s3-encryption-test1', '--plaintext', 'fileb://QBF.txt', '--encryption-context', 'purpose=story',
    '--output', 'text', '--query', 'CiphertextBlob'];
  const denied = await aws(encryptArgs, 'role');
  assert.equal(denied.code, 1);
  assert.equal(denied.stderr.trim(), denial('Encrypt', 'kms:Encrypt'));

  // v5 of the role's policy adds the KMS actions on the key's ARN.
  const v5 = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::kjh-encryption-test1/*'], Effect: 'Allow' },
      { Action: ['kms:Encrypt'], Resource: [KEY_ARN], Effect: 'Allow' },
    ],
  });
  const version = await aws(['iam', 'create-policy-version', '--policy-arn', `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`, '--policy-document', v5, '--set-as-default'], 'saml');
  assert.equal(version.code, 0, version.stderr);

  const encrypted = await aws(encryptArgs, 'role');
  assert.equal(encrypted.code, 0, encrypted.stderr);
  writeFileSync(join(home, 'QBF.txt.enc'), Buffer.from(encrypted.stdout.trim(), 'base64'));
  const put = await aws(['s3api', 'put-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/QBF.txt.enc', '--body', 'QBF.txt.enc'], 'role');
  assert.equal(put.code, 0, put.stderr);
  const got = await aws(['s3api', 'get-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/QBF.txt.enc', 'downloaded.enc'], 'role');
  assert.equal(got.code, 0, got.stderr);

  // kms:Decrypt is still not allowed to the role.
  const decryptArgs = ['kms', 'decrypt', '--ciphertext-blob', 'fileb://downloaded.enc', '--encryption-context', 'purpose=story', '--output', 'text', '--query', 'Plaintext'];
  const decryptDenied = await aws(decryptArgs, 'role');
  assert.equal(decryptDenied.stderr.trim(), denial('Decrypt', 'kms:Decrypt'));

  // PowerUser (NotAction iam:*) may decrypt through the key policy's delegation; a wrong context fails to decrypt.
  const decrypted = await aws(decryptArgs, 'saml');
  assert.equal(decrypted.code, 0, decrypted.stderr);
  assert.equal(Buffer.from(decrypted.stdout.trim(), 'base64').toString('utf8'), QBF);
  const wrongContext = await aws(['kms', 'decrypt', '--ciphertext-blob', 'fileb://downloaded.enc', '--encryption-context', 'purpose=other'], 'saml');
  assert.match(wrongContext.stderr, /InvalidCiphertextException/);
  assert.equal(readFileSync(join(home, 'downloaded.enc')).equals(readFileSync(join(home, 'QBF.txt.enc'))), true);
});

// SSE-KMS, the story continued: S3 encrypts under the story's key on the role's behalf. The role needs
// kms:GenerateDataKey to upload with --server-side-encryption aws:kms and kms:Decrypt to download (S3 User Guide,
// "Using server-side encryption with AWS KMS keys (SSE-KMS)", Permissions); S3 answers a KMS denial with 403
// AccessDenied carrying KMS's text.
test('the story with SSE-KMS: s3api put-object --server-side-encryption aws:kms and s3 cp --sse aws:kms, enforced by the role\'s kms: actions', async () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: SAML_ARN }, Action: 'sts:AssumeRole' }] });
  assert.equal((await aws(['iam', 'update-assume-role-policy', '--role-name', 'kjh-s3-encryption-test1-role', '--policy-document', trust], 'saml')).code, 0);
  const setPolicy = async (kmsActions: string[]): Promise<void> => {
    const statements: object[] = [{ Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::kjh-encryption-test1/*'], Effect: 'Allow' }];
    if (kmsActions.length) statements.push({ Action: kmsActions, Resource: [KEY_ARN], Effect: 'Allow' });
    const done = await aws(['iam', 'create-policy-version', '--policy-arn', `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`,
      '--policy-document', JSON.stringify({ Version: '2012-10-17', Statement: statements }), '--set-as-default'], 'saml');
    // A managed policy keeps at most five versions: drop the oldest non-default ones as the story goes on.
    if (done.code !== 0 && /LimitExceeded/.test(done.stderr)) {
      const listed = JSON.parse((await aws(['iam', 'list-policy-versions', '--policy-arn', `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`], 'saml')).stdout) as { Versions: Array<{ VersionId: string; IsDefaultVersion: boolean }> };
      for (const v of listed.Versions.filter((x) => !x.IsDefaultVersion)) {
        await aws(['iam', 'delete-policy-version', '--policy-arn', `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`, '--version-id', v.VersionId], 'saml');
      }
      return setPolicy(kmsActions);
    }
    assert.equal(done.code, 0, done.stderr);
  };
  const s3Denial = (operation: string, action: string): string =>
    `An error occurred (AccessDenied) when calling the ${operation} operation: User: ${ROLE_SESSION} is not authorized to perform: ${action} on resource: ${KEY_ARN} because no identity-based policy allows the ${action} action`;
  const putArgs = ['s3api', 'put-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/QBF.txt', '--body', 'QBF.txt',
    '--server-side-encryption', 'aws:kms', '--ssekms-key-id', 'alias/kjh-s3-encryption-test1'];

  // The role's policy (as the first test left it) allows no kms:GenerateDataKey.
  const denied = await aws(putArgs, 'role');
  assert.equal(denied.code, 1);
  assert.equal(denied.stderr.trim(), s3Denial('PutObject', 'kms:GenerateDataKey'));

  await setPolicy(['kms:GenerateDataKey']);
  const put = await aws(putArgs, 'role');
  assert.equal(put.code, 0, put.stderr);
  const putOut = JSON.parse(put.stdout) as { ServerSideEncryption: string; SSEKMSKeyId: string };
  assert.equal(putOut.ServerSideEncryption, 'aws:kms');
  assert.equal(putOut.SSEKMSKeyId, KEY_ARN);
  const cp = await aws(['s3', 'cp', 'QBF.txt', 's3://kjh-encryption-test1/cli-s3api-kms/QBF-cp.txt', '--sse', 'aws:kms', '--sse-kms-key-id', 'alias/kjh-s3-encryption-test1'], 'role');
  assert.equal(cp.code, 0, cp.stderr);
  // Written, but not readable back without kms:Decrypt.
  const getDenied = await aws(['s3api', 'get-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/QBF.txt', 'got.txt'], 'role');
  assert.equal(getDenied.stderr.trim(), s3Denial('GetObject', 'kms:Decrypt'));
  const cpDenied = await aws(['s3', 'cp', 's3://kjh-encryption-test1/cli-s3api-kms/QBF-cp.txt', 'cp-got.txt'], 'role');
  assert.equal(cpDenied.code, 1);
  assert.match(cpDenied.stderr, /An error occurred \(403\) when calling the HeadObject operation|AccessDenied/);

  await setPolicy(['kms:GenerateDataKey', 'kms:Decrypt']);
  const got = await aws(['s3api', 'get-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/QBF.txt', 'got.txt'], 'role');
  assert.equal(got.code, 0, got.stderr);
  assert.equal((JSON.parse(got.stdout) as { SSEKMSKeyId: string }).SSEKMSKeyId, KEY_ARN);
  assert.equal(readFileSync(join(home, 'got.txt'), 'utf8'), QBF);
  const cpGot = await aws(['s3', 'cp', 's3://kjh-encryption-test1/cli-s3api-kms/QBF-cp.txt', 'cp-got.txt'], 'role');
  assert.equal(cpGot.code, 0, cpGot.stderr);
  assert.equal(readFileSync(join(home, 'cp-got.txt'), 'utf8'), QBF);
});
