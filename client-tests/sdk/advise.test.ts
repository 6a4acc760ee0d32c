// Least privilege, proven with the story: audit a broad policy, advise from what the calls used, apply, enforce.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { CreatePolicyVersionCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteBucketCommand, GetObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';

const run = promisify(execFile);
const ROLE_ARN = 'arn:aws:iam::123456789012:role/kjh-s3-encryption-test1-role';
const POLICY_ARN = 'arn:aws:iam::123456789012:policy/kjh-s3-encryption-test1';
const BUCKET = 'kjh-encryption-test1';
let local: Iamlocal;

before(async () => {
  local = await startIamlocal({ fixtures: ['db/fixtures/seed-story.yaml'] });
  const broad = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Broad', Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  await new IAMClient(local.clientConfig()).send(new CreatePolicyVersionCommand({ PolicyArn: POLICY_ARN, PolicyDocument: broad, SetAsDefault: true }));
  await new S3Client(local.clientConfig() as S3ClientConfig).send(new CreateBucketCommand({ Bucket: 'someone-elses-bucket' }));
});
after(async () => {
  await local.stop();
});

const admin = async (method: string, path: string) => {
  const res = await fetch(`${local.endpoint}/_iamlocal${path}`, { method });
  return { status: res.status, text: await res.text() };
};

async function storyCalls(s3: S3Client): Promise<void> {
  const listed = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: 'cli-s3api-kms/' }));
  assert.ok((listed.Contents?.length ?? 0) >= 1);
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cli-s3api-kms/new.txt.enc', Body: 'x' }));
  await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'cli-s3api-kms/QBF.txt.enc' }))).Body?.transformToString();
}

test('empty log and unknown principals get explicit answers', async () => {
  const empty = await admin('GET', `/advice?principal=${encodeURIComponent(ROLE_ARN)}`);
  assert.equal(empty.status, 200);
  assert.deepEqual(JSON.parse(empty.text), { principal: ROLE_ARN, calls: 0, policy: null, message: 'no recorded calls for this principal' });
  const unknown = await admin('GET', `/advice?principal=${encodeURIComponent('arn:aws:iam::123456789012:role/nobody')}`);
  assert.equal(unknown.status, 404);
  assert.equal((await admin('GET', '/advice?principal=bogus')).status, 400);
});

test('audit → advise → apply → enforce', async () => {
  assert.equal((await admin('POST', '/enforce?mode=audit')).status, 200);
  const role = new S3Client(local.clientConfig({ role: 'kjh-s3-encryption-test1-role', session: 'audited' }) as S3ClientConfig);
  await storyCalls(role);

  const exact = JSON.parse((await admin('GET', `/advice?principal=${encodeURIComponent(ROLE_ARN)}`)).text) as { policy: { Statement: unknown[] } };
  // The story's object is SSE-KMS under the story's key: reading it used kms:Decrypt on the key, through S3.
  assert.deepEqual(exact.policy.Statement, [
    { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'] },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${BUCKET}`], Condition: { StringEquals: { 's3:prefix': ['cli-s3api-kms/'] } } },
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectAcl'], Resource: [`arn:aws:s3:::${BUCKET}/cli-s3api-kms/QBF.txt.enc`] },
    { Effect: 'Allow', Action: ['s3:PutObject'], Resource: [`arn:aws:s3:::${BUCKET}/cli-s3api-kms/new.txt.enc`] },
  ]);

  const unused = JSON.parse((await admin('GET', `/unused?principal=${encodeURIComponent(ROLE_ARN)}`)).text) as { statements: { sid?: string; usedActions: Record<string, string[]>; neverMatched: boolean }[] };
  assert.deepEqual(unused.statements[0]?.usedActions, { 's3:*': ['s3:GetObject', 's3:GetObjectAcl', 's3:ListBucket', 's3:PutObject'] });
  assert.equal(unused.statements[0]?.neverMatched, false);

  const cli = await run(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', 'advise', '--principal', ROLE_ARN, '--granularity', 'bucket', '--format', 'terraform', '--endpoint', local.endpoint]);
  assert.match(cli.stdout, /data "aws_iam_policy_document" "advised" \{/);
  assert.match(cli.stdout, /resources = \["arn:aws:s3:::kjh-encryption-test1\/\*"\]/);

  const applied = await admin('POST', `/advice/apply?principal=${encodeURIComponent(ROLE_ARN)}&granularity=bucket`);
  assert.equal(applied.status, 200);
  assert.match(JSON.parse(applied.text).applied, /^arn:aws:iam::123456789012:policy\/kjh-s3-encryption-test1 v\d+ \(default\)$/);
  assert.equal((await admin('POST', '/enforce?mode=on')).status, 200);

  const enforced = new S3Client(local.clientConfig({ role: 'kjh-s3-encryption-test1-role', session: 'enforced' }) as S3ClientConfig);
  await storyCalls(enforced);
  await assert.rejects(enforced.send(new DeleteBucketCommand({ Bucket: BUCKET })), {
    name: 'AccessDenied',
    message: `User: arn:aws:sts::123456789012:assumed-role/kjh-s3-encryption-test1-role/enforced is not authorized to perform: s3:DeleteBucket on resource: "arn:aws:s3:::${BUCKET}" because no identity-based policy allows the s3:DeleteBucket action`,
  });
  await assert.rejects(enforced.send(new ListObjectsCommand({ Bucket: 'someone-elses-bucket' })), { name: 'AccessDenied' });
  await assert.rejects(enforced.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: 'elsewhere/' })), { name: 'AccessDenied' });
});
