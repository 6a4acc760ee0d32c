// Server-level behaviour on bad input, over HTTP with supertest: AWS's error codes and envelopes, never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import type { App } from '../src/http/app.ts';
import { createApp } from '../src/http/app.ts';
import { createContext } from '../src/server.ts';
import type { ServerContext } from '../src/context.ts';
import { form, signedHeaders, ROOT, type Credentials } from './support/sign.ts';

const HOST = '127.0.0.1:4577';
let ctx: ServerContext;
let app: App;

before(() => {
  ctx = createContext({ db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  app = createApp(ctx);
});
after(() => {
  ctx.s3.close();
  ctx.db.close();
});

async function query(service: 'sts' | 'iam', params: Record<string, string>, credentials: Credentials = ROOT) {
  const body = form({ Version: service === 'sts' ? '2011-06-15' : '2010-05-08', ...params });
  const headers = await signedHeaders(service, HOST, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body }, credentials);
  return request(app).post('/').set(headers).send(body);
}

async function s3(method: string, path: string, body = '', extra: Record<string, string> = {}, credentials: Credentials = ROOT, queryParams: Record<string, string> = {}) {
  const headers = await signedHeaders('s3', HOST, { method, path, body, query: queryParams, headers: extra }, credentials);
  const qs = new URLSearchParams(queryParams).toString().replace(/\+/g, '%20');
  const url = qs ? `${path}?${qs}` : path;
  const r = request(app)[method.toLowerCase() as 'get' | 'put' | 'post' | 'delete'](url).set(headers);
  return body ? r.send(body) : r;
}

const codeOf = (text: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
const unescapeXml = (text: string): string =>
  text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const messageOf = (text: string): string | undefined => {
  const m = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return m === undefined ? undefined : unescapeXml(m);
};

describe('admin routes', () => {
  test('health', async () => {
    const res = await request(app).get('/_iamlocal/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });
});

describe('query protocol (STS/IAM)', () => {
  test('unsigned request → MissingAuthenticationToken', async () => {
    const res = await request(app).post('/').type('form').send('Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(res.status, 403);
    assert.equal(codeOf(res.text), 'MissingAuthenticationToken');
    assert.match(res.text, /<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    assert.match(res.headers['x-amzn-requestid'] ?? '', /^[0-9a-f-]{36}$/);
  });

  test('unknown action → InvalidAction', async () => {
    const res = await query('iam', { Action: 'MakeMeAdmin' });
    assert.equal(res.status, 400);
    assert.equal(codeOf(res.text), 'InvalidAction');
  });

  test('missing and invalid parameters → ValidationError with AWS text', async () => {
    const missing = await query('iam', { Action: 'CreateRole', RoleName: 'r' });
    assert.equal(codeOf(missing.text), 'ValidationError');
    assert.equal(messageOf(missing.text), "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null");
    const bad = await query('sts', { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/x', RoleSessionName: 'has space' });
    assert.equal(codeOf(bad.text), 'ValidationError');
    assert.equal(messageOf(bad.text), "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
    const duration = await query('sts', { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/x', RoleSessionName: 'ok', DurationSeconds: '60' });
    assert.match(messageOf(duration.text) ?? '', /Member must have value greater than or equal to 900/);
  });

  test('malformed policy JSON → MalformedPolicyDocument, nothing stored', async () => {
    const res = await query('iam', { Action: 'CreatePolicy', PolicyName: 'broken', PolicyDocument: '{"Version":"2012-10-17","Statement":[' });
    assert.equal(res.status, 400);
    assert.equal(codeOf(res.text), 'MalformedPolicyDocument');
    assert.equal(messageOf(res.text), 'Syntax errors in policy.');
    assert.equal(ctx.iam.policy('arn:aws:iam::123456789012:policy/broken'), undefined);
  });

  test('trust policy with an unknown principal → MalformedPolicyDocument, role not created', async () => {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::123456789012:user/nobody' } }] });
    const res = await query('iam', { Action: 'CreateRole', RoleName: 'ghost-trust', AssumeRolePolicyDocument: trust });
    assert.equal(codeOf(res.text), 'MalformedPolicyDocument');
    assert.equal(messageOf(res.text), 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/nobody"');
    assert.equal(ctx.iam.role('123456789012', 'ghost-trust'), undefined);
  });

  test('wrong secret → SignatureDoesNotMatch; unknown key → InvalidClientTokenId', async () => {
    const wrong = await query('sts', { Action: 'GetCallerIdentity' }, { accessKeyId: 'test', secretAccessKey: 'nope' });
    assert.equal(wrong.status, 403);
    assert.equal(codeOf(wrong.text), 'SignatureDoesNotMatch');
    const unknown = await query('sts', { Action: 'GetCallerIdentity' }, { accessKeyId: 'AKIANOTAREALKEY00000', secretAccessKey: 'x' });
    assert.equal(codeOf(unknown.text), 'InvalidClientTokenId');
    assert.equal(messageOf(unknown.text), 'The security token included in the request is invalid.');
  });

  test('IAM AccessDenied names the action, resource and reason', async () => {
    const saml = { accessKeyId: 'ASIAEXAMPLESAMLLOGIN', secretAccessKey: 'saml-login-secret-access-key-example0000', sessionToken: 'saml-login-session-token-example' };
    const res = await query('iam', { Action: 'CreateUser', UserName: 'mallory' }, saml);
    assert.equal(res.status, 403);
    assert.equal(codeOf(res.text), 'AccessDenied');
    assert.equal(messageOf(res.text), 'User: arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/mallory because no identity-based policy allows the iam:CreateUser action');
  });

  test('policy versions: sixth version → LimitExceeded; default cannot be deleted', async () => {
    const arn = 'arn:aws:iam::123456789012:policy/kjh-s3-encryption-test1';
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    for (let i = 0; i < 4; i++) assert.equal((await query('iam', { Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: doc })).status, 200);
    const sixth = await query('iam', { Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: doc });
    assert.equal(codeOf(sixth.text), 'LimitExceeded');
    const del = await query('iam', { Action: 'DeletePolicyVersion', PolicyArn: arn, VersionId: 'v4' });
    assert.equal(codeOf(del.text), 'DeleteConflict');
    for (const v of ['v5', 'v6', 'v7', 'v8']) assert.equal((await query('iam', { Action: 'DeletePolicyVersion', PolicyArn: arn, VersionId: v })).status, 200);
  });
});

describe('S3 (rest-xml)', () => {
  test('anonymous listing → AccessDenied "Access Denied"', async () => {
    const res = await request(app).get('/kjh-encryption-test1');
    assert.equal(res.status, 403);
    assert.equal(codeOf(res.text), 'AccessDenied');
    assert.equal(messageOf(res.text), 'Access Denied');
    assert.match(res.headers['x-amz-request-id'] ?? '', /^[0-9A-F]{16}$/);
  });

  test('bad bucket name → InvalidBucketName', async () => {
    const res = await s3('PUT', '/Bad_Bucket');
    assert.equal(res.status, 400);
    assert.equal(codeOf(res.text), 'InvalidBucketName');
  });

  test('malformed CreateBucketConfiguration → MalformedXML, bucket not created', async () => {
    const res = await s3('PUT', '/half-made-bucket', '<CreateBucketConfiguration><LocationConstraint>');
    assert.equal(codeOf(res.text), 'MalformedXML');
    assert.equal(ctx.s3.bucket('half-made-bucket'), undefined);
  });

  test('NoSuchBucket names the bucket', async () => {
    const res = await s3('GET', '/no-such-bucket-here');
    assert.equal(res.status, 404);
    assert.equal(codeOf(res.text), 'NoSuchBucket');
    assert.match(res.text, /<BucketName>no-such-bucket-here<\/BucketName>/);
  });

  test('bad max-keys and encoding-type → InvalidArgument', async () => {
    const keys = await s3('GET', '/kjh-encryption-test1', '', {}, ROOT, { 'max-keys': 'lots' });
    assert.equal(codeOf(keys.text), 'InvalidArgument');
    const enc = await s3('GET', '/kjh-encryption-test1', '', {}, ROOT, { 'encoding-type': 'base64' });
    assert.equal(codeOf(enc.text), 'InvalidArgument');
  });

  test('a body that does not match x-amz-content-sha256 is rejected and not stored', async () => {
    const headers = await signedHeaders('s3', HOST, { method: 'PUT', path: '/kjh-encryption-test1/tampered', body: 'original' });
    const res = await request(app).put('/kjh-encryption-test1/tampered').set(headers).send('tampered');
    assert.equal(res.status, 400);
    assert.equal(codeOf(res.text), 'XAmzContentSHA256Mismatch');
    assert.equal(ctx.s3.object('kjh-encryption-test1', 'tampered'), undefined);
  });

  test('ListObjects with delimiter, markers and url encoding', async () => {
    for (const key of ['a/1', 'a/2', 'b c/1', 'top', 'z+plus']) assert.equal((await s3('PUT', `/kjh-encryption-test1/${encodeURIComponent(key).replace(/%2F/g, '/')}`, 'x')).status, 200);
    const res = await s3('GET', '/kjh-encryption-test1', '', {}, ROOT, { delimiter: '/', 'max-keys': '2', 'encoding-type': 'url' });
    assert.equal(res.status, 200);
    // encoding-type=url percent-encodes a space as %20 (ceph s3-tests' test_bucket_listv2_encoding_basic expects
    // `quux%20ab/`, and botocore decodes with unquote_plus, which reads %20 as well).
    assert.match(res.text, /<CommonPrefixes><Prefix>a\/<\/Prefix><\/CommonPrefixes><CommonPrefixes><Prefix>b%20c\/<\/Prefix><\/CommonPrefixes>/);
    assert.match(res.text, /<IsTruncated>true<\/IsTruncated>/);
    assert.match(res.text, /<NextMarker>b%20c\/<\/NextMarker>/);
    const next = await s3('GET', '/kjh-encryption-test1', '', {}, ROOT, { delimiter: '/', marker: 'b c/' });
    assert.match(next.text, /<CommonPrefixes><Prefix>cli-s3api-kms\/<\/Prefix><\/CommonPrefixes>/);
    assert.match(next.text, /<Key>top<\/Key>.*<Key>z\+plus<\/Key>/s);
    assert.doesNotMatch(next.text, /<Prefix>b c\/<\/Prefix>/);
  });
});

describe('S3 bucket policies', () => {
  const put = (policy: string) => s3('PUT', '/kjh-encryption-test1', policy, {}, ROOT, { policy: '' });
  test('S3 MalformedPolicy texts', async () => {
    const cases: [string, string][] = [
      ['not json', "Policies must be valid JSON and the first byte must be '{'"],
      ['{"Version":"2012-10-17","Statement":[', 'This policy contains invalid Json'],
      ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::kjh-encryption-test1/*"}]}', 'Missing required field Principal'],
      ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::another-bucket/*"}]}', 'Policy has invalid resource'],
    ];
    for (const [policy, message] of cases) {
      const res = await put(policy);
      assert.equal(res.status, 400, policy);
      assert.equal(codeOf(res.text), 'MalformedPolicy');
      assert.equal(messageOf(res.text), message);
    }
    const ok = await put('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::kjh-encryption-test1/*"}]}');
    assert.equal(ok.status, 204);
  });
});

describe('S3 virtual-hosted-style requests', () => {
  test('bucket from the Host header; keys with spaces, plus and unicode round-trip', async () => {
    const host = 'kjh-encryption-test1.s3.localhost:4577';
    const key = '/vhost/a b+c é.txt';
    const path = key.split('/').map((p) => encodeURIComponent(p)).join('/');
    const put = await signedHeaders('s3', host, { method: 'PUT', path, body: 'virtual' });
    assert.equal((await request(app).put(path).set(put).send('virtual')).status, 200);
    const get = await signedHeaders('s3', host, { method: 'GET', path });
    const res = await request(app).get(path).set(get);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'virtual');
    assert.ok(ctx.s3.object('kjh-encryption-test1', 'vhost/a b+c é.txt'));
    const list = await signedHeaders('s3', host, { method: 'GET', path: '/', query: { prefix: 'vhost/' } });
    const listed = await request(app).get('/?prefix=vhost%2F').set(list);
    assert.match(listed.text, /<Key>vhost\/a b\+c é.txt<\/Key>/);
  });
});
