// Regressions of the hostile review (issue 18): each test is a request AWS refuses that iamlocal once let through, or
// answered with the wrong fault. SDK v3 where a client can say it, raw signed requests where only an attacker would.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startIamlocal, type Iamlocal, type PrincipalRef } from '../../server/src/in-process.ts';
import { codeOf, queryCall, s3Call, send, signRequest, type RawRequest } from '../../scripts/lib/harness.ts';
import { rejection } from './support.ts';
import { runPythonChecks } from '../support/python-checks.ts';

const A = '123456789012';
const BUCKET = 'hostile-regressions';
let local: Iamlocal;
let host: string;
const clients: S3Client[] = [];
const s3As = (who: PrincipalRef = 'root'): S3Client => {
  const client = new S3Client(local.clientConfig(who) as S3ClientConfig);
  clients.push(client);
  return client;
};
const s3Policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
const denyAllBut = (arns: string[]): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: arns }, Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }],
});

before(async () => {
  local = await startIamlocal();
  host = new URL(local.endpoint).host;
  const iam = new IAMClient(local.clientConfig());
  for (const user of ['alice', 'bob']) {
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 's3', PolicyDocument: s3Policy }));
  }
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }] });
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 's3', PolicyDocument: s3Policy }));
  iam.destroy();
  const root = s3As();
  await root.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await root.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'secret.txt', Body: 'top secret' }));
});
after(async () => {
  for (const client of clients) client.destroy();
  await local.stop();
});

// "AWS JSON policy elements: NotPrincipal" (IAM User Guide): Deny + NotPrincipal spares only the exact principal, and
// only when its account (and for a session, its role) is listed too.
describe('Deny + NotPrincipal', () => {
  const root = (): S3Client => s3As();
  const read = (who: PrincipalRef) => s3As(who).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'secret.txt' }));

  test('listing the account root exempts the account principal, not its other users', async () => {
    await root().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denyAllBut([`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:root`]) }));
    const denied = await rejection(read({ user: 'bob' }));
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, /^User: arn:aws:iam::123456789012:user\/bob is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::hostile-regressions\/secret.txt" with an explicit deny in a resource-based policy$/);
    assert.equal((await read({ user: 'alice' })).$metadata.httpStatusCode, 200);
    assert.equal((await read('root')).$metadata.httpStatusCode, 200);
  });

  test('listing a role ARN does not exempt its sessions; the session ARN with its role and account does', async () => {
    const session = `arn:aws:sts::${A}:assumed-role/app/listed`;
    await root().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denyAllBut([`arn:aws:iam::${A}:role/app`, `arn:aws:iam::${A}:root`]) }));
    assert.equal((await rejection(read({ role: 'app', session: 'listed' }))).name, 'AccessDenied');
    await root().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denyAllBut([session, `arn:aws:iam::${A}:role/app`, `arn:aws:iam::${A}:root`]) }));
    assert.equal((await read({ role: 'app', session: 'listed' })).$metadata.httpStatusCode, 200);
    assert.equal((await rejection(read({ role: 'app', session: 'other' }))).name, 'AccessDenied');
  });

  after(async () => {
    await root().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: denyAllBut([`arn:aws:iam::${A}:root`, A]) }));
  });
});

// S3 API reference, "Authenticating Requests (AWS Signature Version 4)": every x-amz-* header sent must be signed;
// AWS answers 403 AccessDenied "There were headers present in the request which were not signed".
describe('unsigned and missing signed headers', () => {
  const presignedPut = async (key: string): Promise<URL> =>
    new URL(await getSignedUrl(s3As(), new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 }));
  const sendUrl = (url: URL, method: string, headers: Record<string, string>, body = ''): ReturnType<typeof send> =>
    send(local.endpoint, { method, path: url.pathname, query: url.search.slice(1), headers, body: Buffer.from(body) });

  test('a presigned PUT URL plus an unsigned x-amz-copy-source does not become a CopyObject', async () => {
    const url = await presignedPut('upload/stolen.txt');
    const answer = await sendUrl(url, 'PUT', { 'x-amz-copy-source': `/${BUCKET}/secret.txt` });
    assert.equal(answer.status, 403);
    assert.equal(codeOf(answer.body.toString()), 'AccessDenied');
    assert.match(answer.body.toString(), /<Message>There were headers present in the request which were not signed<\/Message><HeadersNotSigned>x-amz-copy-source<\/HeadersNotSigned>/);
    assert.equal((await rejection(s3As().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'upload/stolen.txt' })))).name, 'NoSuchKey');
    // The URL itself still works for what it was made for.
    assert.equal((await sendUrl(url, 'PUT', {}, 'uploaded')).status, 200);
  });

  test('unsigned metadata, ACL, tagging and SSE headers on a presigned PUT are refused', async () => {
    const url = await presignedPut('upload/meta.txt');
    for (const [name, value] of [['x-amz-meta-owner', 'mallory'], ['x-amz-acl', 'public-read'], ['x-amz-tagging', 'a=b'], ['x-amz-server-side-encryption', 'AES256']]) {
      const answer = await sendUrl(url, 'PUT', { [name]: value }, 'x');
      assert.equal(answer.status, 403, name);
      assert.match(answer.body.toString(), new RegExp(`<HeadersNotSigned>${name}</HeadersNotSigned>`));
    }
  });

  test('an x-amz-* header added after signing a header-authenticated request is refused', async () => {
    const req: RawRequest = { method: 'PUT', path: `/${BUCKET}/header-signed.txt`, headers: {}, body: Buffer.from('x') };
    const headers = signRequest(req, { service: 's3', host }).headers;
    const answer = await send(local.endpoint, { ...req, headers: { ...headers, 'x-amz-meta-added': 'later', 'x-amz-tagging': 'k=v' } });
    assert.equal(answer.status, 403);
    assert.match(answer.body.toString(), /<HeadersNotSigned>x-amz-meta-added, x-amz-tagging<\/HeadersNotSigned>/);
    assert.equal((await send(local.endpoint, { ...req, headers })).status, 200);
  });
  // A header that was signed but is missing or differs (a presigned PUT signed with a Content-Type): boto3's part below.
});

// S3 API reference, "Signing and authenticating REST requests" (SigV2), time stamp requirement: a request more than
// 15 minutes from the server's time is refused with RequestTimeTooSkewed.
describe('SigV2 header authentication', () => {
  const sigV2Get = (date: Date, dateHeader: 'date' | 'x-amz-date' = 'date'): RawRequest => {
    const stamp = date.toUTCString();
    const dateLine = dateHeader === 'date' ? stamp : '';
    const amz = dateHeader === 'x-amz-date' ? `x-amz-date:${stamp}\n` : '';
    const signature = createHmac('sha1', 'test').update(`GET\n\n\n${dateLine}\n${amz}/${BUCKET}/secret.txt`).digest('base64');
    return { method: 'GET', path: `/${BUCKET}/secret.txt`, headers: { host, [dateHeader]: stamp, authorization: `AWS test:${signature}` } };
  };

  test('a correctly signed request with a day-old Date is refused; a current one is served', async () => {
    const stale = await send(local.endpoint, sigV2Get(new Date(Date.now() - 86_400_000)));
    assert.equal(stale.status, 403);
    assert.equal(codeOf(stale.body.toString()), 'RequestTimeTooSkewed');
    assert.match(stale.body.toString(), /<MaxAllowedSkewMilliseconds>900000<\/MaxAllowedSkewMilliseconds>/);
    assert.equal((await send(local.endpoint, sigV2Get(new Date()))).status, 200);
  });

  test('x-amz-date takes the place of Date, and is held to the same window', async () => {
    assert.equal((await send(local.endpoint, sigV2Get(new Date(), 'x-amz-date'))).status, 200);
    const ahead = await send(local.endpoint, sigV2Get(new Date(Date.now() + 20 * 60_000), 'x-amz-date'));
    assert.equal(codeOf(ahead.body.toString()), 'RequestTimeTooSkewed');
  });
});

// AWS's query services (IAM, STS) know one API version each; any other finds no operation: 400 InvalidAction.
test('Version=1999-01-01 on IAM and STS → 400 InvalidAction', async () => {
  for (const [service, action] of [['iam', 'ListUsers'], ['sts', 'GetCallerIdentity']] as const) {
    const answer = await send(local.endpoint, queryCall(host, service, { Action: action, Version: '1999-01-01' }));
    assert.equal(answer.status, 400, service);
    assert.equal(codeOf(answer.body.toString()), 'InvalidAction');
    assert.match(answer.body.toString(), new RegExp(`<Message>Could not find operation ${action} for version 1999-01-01</Message>`));
    assert.equal((await send(local.endpoint, queryCall(host, service, { Action: action }))).status, 200);
  }
});

// A disk that refuses a write is the server's fault: 500 InternalError (SDKs retry it), logged at error level,
// nothing half stored — never 400 IncompleteBody, which blames the client.
test('a blob directory that cannot be written → 500 InternalError, logged, nothing stored', async () => {
  const blobDir = local.ctx.s3.blobDir;
  const logged: unknown[] = [];
  const log = local.ctx.log;
  const original = log.error.bind(log);
  log.error = ((...args: unknown[]) => { logged.push(args[0]); }) as typeof log.error;
  renameSync(blobDir, `${blobDir}.aside`);
  writeFileSync(blobDir, 'not a directory');
  try {
    const answer = await send(local.endpoint, s3Call(host, 'PUT', `/${BUCKET}/large.bin`, Buffer.alloc(200_000, 1)));
    assert.equal(answer.status, 500);
    assert.equal(codeOf(answer.body.toString()), 'InternalError');
    assert.match(answer.body.toString(), /<Message>We encountered an internal error. Please try again.<\/Message>/);
    assert.ok(logged.some((entry) => typeof entry === 'object' && entry !== null && 'err' in entry && /ENOTDIR/.test(String((entry as { err: unknown }).err))));
  } finally {
    log.error = original;
    rmSync(blobDir);
    renameSync(`${blobDir}.aside`, blobDir);
  }
  assert.equal((await rejection(s3As().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'large.bin' })))).name, 'NoSuchKey');
  assert.equal((await send(local.endpoint, s3Call(host, 'PUT', `/${BUCKET}/large.bin`, Buffer.alloc(200_000, 1)))).status, 200);
});

test('boto3: presigned URLs with signed Content-Type, unsigned headers, SigV2 clients', async () => {
  await runPythonChecks('client-tests/boto3-security/hostile.py', local.endpoint, 8);
});
