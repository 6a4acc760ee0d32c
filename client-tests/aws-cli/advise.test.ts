// Least privilege with the AWS CLI: an account in audit mode (from fixtures), the story's S3 calls through a
// role_arn profile, then `iamlocal advise`, `--apply`, and enforcement back on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { runAwsCli, type CliResult } from '../support/aws-cli.ts';

const run = promisify(execFile);
const ROLE_ARN = 'arn:aws:iam::123456789012:role/kjh-s3-encryption-test1-role';
let server: RunningServer;
let home: string;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-advise-'));
  const broad = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  writeFileSync(join(home, 'audit.yaml'), `accounts:\n  - id: "123456789012"\n    enforce: audit\npolicies:\n  - name: broad-s3\n    document: '${broad}'\n`);
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml', join(home, 'audit.yaml')] });
  writeFileSync(join(home, 'config'), [
    '[profile saml]', 'region = us-east-1', 'aws_access_key_id = ASIAEXAMPLESAMLLOGIN', 'aws_secret_access_key = saml-login-secret-access-key-example0000',
    'aws_session_token = saml-login-session-token-example', '', '[profile role]', 'region = us-east-1', `role_arn = ${ROLE_ARN}`, 'source_profile = saml', '',
  ].join('\n'));
  writeFileSync(join(home, 'body.txt'), 'new object\n');
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(profile: string, args: string[]): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, profile, json: true });
}

async function iamlocal(...args: string[]): Promise<string> {
  return (await run(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', ...args, '--endpoint', server.url])).stdout;
}

async function storyCalls(): Promise<void> {
  assert.equal((await aws('role', ['s3api', 'list-objects', '--bucket', 'kjh-encryption-test1', '--prefix', 'cli-s3api-kms/'])).code, 0);
  assert.equal((await aws('role', ['s3api', 'put-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/new.txt', '--body', join(home, 'body.txt')])).code, 0);
  assert.equal((await aws('role', ['s3api', 'get-object', '--bucket', 'kjh-encryption-test1', '--key', 'cli-s3api-kms/QBF.txt.enc', join(home, 'out.bin')])).code, 0);
}

test('audit with the CLI, advise, apply, enforce', async () => {
  // The role starts with a broad policy; the account audits instead of enforcing.
  assert.equal((await aws('saml', ['iam', 'attach-role-policy', '--role-name', 'kjh-s3-encryption-test1-role', '--policy-arn', 'arn:aws:iam::123456789012:policy/broad-s3'])).code, 0);
  assert.equal((await aws('saml', ['iam', 'detach-role-policy', '--role-name', 'kjh-s3-encryption-test1-role', '--policy-arn', 'arn:aws:iam::123456789012:policy/kjh-s3-encryption-test1'])).code, 0);
  await storyCalls();
  const advice = JSON.parse(await iamlocal('advise', '--principal', ROLE_ARN, '--granularity', 'bucket')) as { policy: { Statement: { Action: string[]; Resource: string[] }[] } };
  // The story's object is SSE-KMS under the story's key: reading it used kms:Decrypt on the key, through S3.
  assert.deepEqual(advice.policy.Statement.map((s) => [s.Action, s.Resource]), [
    [['kms:Decrypt'], ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab']],
    [['s3:ListBucket'], ['arn:aws:s3:::kjh-encryption-test1']],
    [['s3:GetObject', 's3:GetObjectAcl', 's3:PutObject'], ['arn:aws:s3:::kjh-encryption-test1/*']],
  ]);
  const unused = JSON.parse(await iamlocal('unused', '--principal', ROLE_ARN)) as { statements: { policy: string; usedActions: Record<string, string[]> }[] };
  assert.deepEqual(unused.statements.find((s) => s.policy.endsWith('/broad-s3'))?.usedActions, { 's3:*': ['s3:GetObject', 's3:GetObjectAcl', 's3:ListBucket', 's3:PutObject'] });
  const applied = JSON.parse(await iamlocal('advise', '--principal', ROLE_ARN, '--granularity', 'bucket', '--apply')) as { applied: string };
  assert.match(applied.applied, /policy\/broad-s3 v2 \(default\)/);
  await fetch(`${server.url}/_iamlocal/enforce?mode=on&account=123456789012`, { method: 'POST' });
  await storyCalls();
  const denied = await aws('role', ['s3api', 'delete-bucket', '--bucket', 'kjh-encryption-test1']);
  assert.match(denied.stderr, /\(AccessDenied\) when calling the DeleteBucket operation: User: arn:aws:sts::123456789012:assumed-role\/kjh-s3-encryption-test1-role\/[^ ]+ is not authorized to perform: s3:DeleteBucket on resource: "arn:aws:s3:::kjh-encryption-test1" because no identity-based policy allows the s3:DeleteBucket action/);
});
