// `aws s3` high-level commands against iamlocal: sync, ls, multipart cp, presign (SigV2, the CLI's default), rm,
// and a denial for a role limited to its own bucket.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { runAwsCli, type CliResult } from '../support/aws-cli.ts';

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

async function aws(args: string[], profile = 'default'): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, profile });
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

test('SSE-C with aws s3 cp (multipart and copy) and aws s3api; storage class and conditional writes', async () => {
  assert.equal((await aws(['s3', 'mb', 's3://cli-ssec'])).code, 0);
  const key = join(home, 'sse-c.key');
  writeFileSync(key, Buffer.from('0123456789abcdef0123456789abcdef'));
  const other = join(home, 'other.key');
  writeFileSync(other, Buffer.from('fedcba9876543210fedcba9876543210'));
  const big = Buffer.alloc(9 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
  writeFileSync(join(home, 'secret.bin'), big);
  // 9 MiB: the CLI uploads in parts, each sent with the SSE-C headers.
  const up = await aws(['s3', 'cp', join(home, 'secret.bin'), 's3://cli-ssec/secret.bin', '--sse-c', 'AES256', '--sse-c-key', `fileb://${key}`, '--storage-class', 'STANDARD_IA']);
  assert.equal(up.code, 0, up.stderr);
  const noKey = await aws(['s3', 'cp', 's3://cli-ssec/secret.bin', join(home, 'nokey.bin')]);
  assert.notEqual(noKey.code, 0);
  const down = await aws(['s3', 'cp', 's3://cli-ssec/secret.bin', join(home, 'back.bin'), '--sse-c', 'AES256', '--sse-c-key', `fileb://${key}`]);
  assert.equal(down.code, 0, down.stderr);
  assert.ok(readFileSync(join(home, 'back.bin')).equals(big));
  // s3 -> s3 copy: decrypted with the source key, encrypted with the other.
  const copy = await aws(['s3', 'cp', 's3://cli-ssec/secret.bin', 's3://cli-ssec/rekeyed.bin', '--sse-c-copy-source', 'AES256', '--sse-c-copy-source-key', `fileb://${key}`,
    '--sse-c', 'AES256', '--sse-c-key', `fileb://${other}`]);
  assert.equal(copy.code, 0, copy.stderr);
  const head = await aws(['s3api', 'head-object', '--bucket', 'cli-ssec', '--key', 'rekeyed.bin', '--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${other}`]);
  assert.equal(head.code, 0, head.stderr);
  assert.equal((JSON.parse(head.stdout) as { ContentLength: number }).ContentLength, big.length);
  const wrong = await aws(['s3api', 'get-object', '--bucket', 'cli-ssec', '--key', 'rekeyed.bin', '--sse-customer-algorithm', 'AES256', '--sse-customer-key', `fileb://${key}`, join(home, 'x.bin')]);
  assert.match(wrong.stderr, /AccessDenied.*must provide the correct secret key/);
  const listed = JSON.parse((await aws(['s3api', 'list-objects-v2', '--bucket', 'cli-ssec'])).stdout) as { Contents: { Key: string; StorageClass: string }[] };
  assert.deepEqual(listed.Contents.map((c) => [c.Key, c.StorageClass]), [['rekeyed.bin', 'STANDARD'], ['secret.bin', 'STANDARD_IA']]);
  writeFileSync(join(home, 'small.txt'), 'small');
  const again = await aws(['s3api', 'put-object', '--bucket', 'cli-ssec', '--key', 'secret.bin', '--body', join(home, 'small.txt'), '--if-none-match', '*']);
  assert.match(again.stderr, /PreconditionFailed/);
});

// The CLI paginates list-buckets itself: --page-size becomes max-buckets, and it follows ContinuationToken to the end.
test('aws s3api list-buckets --prefix --page-size walks every page; get-object-attributes', async () => {
  for (const b of ['cli-lb-1', 'cli-lb-2', 'cli-lb-3']) assert.equal((await aws(['s3api', 'create-bucket', '--bucket', b])).code, 0);
  const listed = await aws(['s3api', 'list-buckets', '--prefix', 'cli-lb-', '--page-size', '1', '--output', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  const out = JSON.parse(listed.stdout) as { Buckets: { Name: string }[]; Prefix?: string };
  assert.deepEqual(out.Buckets.map((b) => b.Name), ['cli-lb-1', 'cli-lb-2', 'cli-lb-3']);
  // GetObjectAttributes (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html).
  const file = join(home, 'attrs.txt');
  writeFileSync(file, 'twelve bytes');
  assert.equal((await aws(['s3api', 'put-object', '--bucket', 'cli-lb-1', '--key', 'a.txt', '--body', file, '--storage-class', 'STANDARD_IA'])).code, 0);
  const attrs = await aws(['s3api', 'get-object-attributes', '--bucket', 'cli-lb-1', '--key', 'a.txt', '--object-attributes', 'ETag', 'ObjectSize', 'StorageClass', '--output', 'json']);
  assert.equal(attrs.code, 0, attrs.stderr);
  const got = JSON.parse(attrs.stdout) as { ETag: string; ObjectSize: number; StorageClass: string; LastModified: string };
  assert.deepEqual([got.ETag, got.ObjectSize, got.StorageClass], [createHash('md5').update('twelve bytes').digest('hex'), 12, 'STANDARD_IA']);
});
