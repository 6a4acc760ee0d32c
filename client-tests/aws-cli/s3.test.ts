// `aws s3` high-level commands against iamlocal: sync, ls, multipart cp, presign (SigV2, the CLI's default), rm,
// and a denial for a role limited to its own bucket.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';

const run = promisify(execFile);
let server: RunningServer;
let home: string;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-s3-'));
  writeFileSync(join(home, 'config'), [
    '[default]', 'region = us-east-1', 'aws_access_key_id = test', 'aws_secret_access_key = test', '',
    '[profile saml]', 'region = us-east-1', 'aws_access_key_id = ASIAEXAMPLESAMLLOGIN', 'aws_secret_access_key = saml-login-secret-access-key-example0000',
    'aws_session_token = saml-login-session-token-example', '',
    '[profile role]', 'region = us-east-1', 'role_arn = arn:aws:iam::123456789012:role/kjh-s3-encryption-test1-role', 'source_profile = saml', '',
  ].join('\n'));
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(args: string[], profile = 'default'): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_PROFILE: profile, AWS_ENDPOINT_URL: server.url, AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' };
  try {
    const { stdout, stderr } = await run('aws', args, { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { code: 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('sync, ls, multipart cp, presign, rm', async () => {
  assert.equal((await aws(['s3', 'mb', 's3://cli-bucket'])).code, 0);
  const dir = join(home, 'tree');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'a.txt'), 'a');
  writeFileSync(join(dir, 'sub', 'b c+d.txt'), 'bcd');
  writeFileSync(join(dir, 'sub', 'é✓.txt'), 'unicode');
  const sync = await aws(['s3', 'sync', dir, 's3://cli-bucket/tree/']);
  assert.equal(sync.code, 0, sync.stderr);
  const ls = await aws(['s3', 'ls', 's3://cli-bucket/tree/', '--recursive']);
  for (const key of ['tree/a.txt', 'tree/sub/b c+d.txt', 'tree/sub/é✓.txt']) assert.ok(ls.stdout.includes(key), `${key} in ${ls.stdout}`);
  const again = await aws(['s3', 'sync', dir, 's3://cli-bucket/tree/']);
  assert.equal(again.stdout.trim(), '', 'a second sync uploads nothing');

  const big = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 1024) big.writeUInt32BE(i, i);
  writeFileSync(join(home, 'big.bin'), big);
  assert.equal((await aws(['s3', 'cp', join(home, 'big.bin'), 's3://cli-bucket/big.bin'])).code, 0);
  const head = JSON.parse((await aws(['s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'big.bin'])).stdout) as { ETag: string; ContentLength: number };
  assert.match(head.ETag, /-3"$/);
  assert.equal(head.ContentLength, big.length);
  assert.equal((await aws(['s3', 'cp', 's3://cli-bucket/big.bin', join(home, 'back.bin')])).code, 0);
  assert.ok(readFileSync(join(home, 'back.bin')).equals(big));

  const url = (await aws(['s3', 'presign', 's3://cli-bucket/tree/a.txt', '--expires-in', '60'])).stdout.trim();
  assert.match(url, /AWSAccessKeyId=test&Signature=/);
  assert.equal(await (await fetch(url)).text(), 'a');
  assert.equal((await fetch(url.replace('tree/a.txt', 'tree/sub/b%20c%2Bd.txt'))).status, 403);

  assert.equal((await aws(['s3', 'rm', 's3://cli-bucket/tree/', '--recursive'])).code, 0);
  assert.equal((await aws(['s3', 'ls', 's3://cli-bucket/tree/', '--recursive'])).stdout.trim(), '');
});

test('the story role may not copy into a bucket it has no grant on', async () => {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com' } }] };
  assert.equal((await aws(['iam', 'update-assume-role-policy', '--role-name', 'kjh-s3-encryption-test1-role', '--policy-document', JSON.stringify(trust)], 'saml')).code, 0);
  writeFileSync(join(home, 'x.txt'), 'x');
  const denied = await aws(['s3', 'cp', join(home, 'x.txt'), 's3://cli-bucket/x.txt'], 'role');
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /AccessDenied.*is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::cli-bucket\/x.txt" because no identity-based policy allows the s3:PutObject action/);
});
