// Secrets stay secret: a server at --log-level debug goes through a session of calls (successes and errors, long-term
// and temporary credentials, presigned URLs) and no secret access key or session token may appear in its output or in
// an error message. Also over HTTP: presigned URLs are limited to 7 days, expired and tampered credentials are refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { codeOf, presignQuery, queryCall, s3Call, send, spawnServer, type Answer, type Credentials, type SpawnedServer } from '../../scripts/lib/harness.ts';

const ROOT_SECRET = 'root-secret-never-logged-0001';
const ROOT: Credentials = { accessKeyId: 'AKIAROOTSECURITY0001', secretAccessKey: ROOT_SECRET };
const EXPIRED: Credentials = { accessKeyId: 'ASIAEXPIREDSESSION01', secretAccessKey: 'expired-secret-never-logged-0002', sessionToken: 'expired-token-never-logged-0003' };
const messageOf = (a: Answer): string => /<Message>([^<]*)<\/Message>/.exec(a.body.toString())?.[1] ?? '';

let server: SpawnedServer;
/** Every response body that is not one of the few answers whose job is to hand out a secret. */
const errorBodies: string[] = [];
const secrets: string[] = [ROOT_SECRET, EXPIRED.secretAccessKey, EXPIRED.sessionToken!];

before(async () => {
  server = await spawnServer(['--db', ':memory:', '--log-level', 'debug', '--root-access-key-id', ROOT.accessKeyId, '--root-secret-access-key', ROOT_SECRET]);
});
after(async () => {
  await server.stop();
});

async function call(req: Parameters<typeof send>[1], handsOutSecrets = false): Promise<Answer> {
  const a = await send(server.url, req);
  if (!handsOutSecrets) errorBodies.push(a.body.toString());
  return a;
}

test('a session of calls with long-term and temporary credentials, including failures', async () => {
  const h = server.host;
  const iam = (params: Record<string, string>, creds = ROOT, handsOut = false) => call(queryCall(h, 'iam', params, creds), handsOut);
  assert.equal((await iam({ Action: 'CreateUser', UserName: 'sec-user' })).status, 200);
  const key = await iam({ Action: 'CreateAccessKey', UserName: 'sec-user' }, ROOT, true);
  const user: Credentials = {
    accessKeyId: /<AccessKeyId>([^<]+)</.exec(key.body.toString())![1]!, secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(key.body.toString())![1]!,
  };
  secrets.push(user.secretAccessKey);
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/sec-user' }, Action: 'sts:AssumeRole' }] });
  assert.equal((await iam({ Action: 'CreateRole', RoleName: 'sec-role', AssumeRolePolicyDocument: trust })).status, 200);
  await iam({ Action: 'PutUserPolicy', UserName: 'sec-user', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) });
  await iam({ Action: 'PutRolePolicy', RoleName: 'sec-role', PolicyName: 's3', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) });
  const assumed = await call(queryCall(h, 'sts', { Action: 'AssumeRole', RoleArn: 'arn:aws:iam::123456789012:role/sec-role', RoleSessionName: 'sec' }, user), true);
  assert.equal(assumed.status, 200, assumed.body.toString());
  const temp: Credentials = {
    accessKeyId: /<AccessKeyId>([^<]+)</.exec(assumed.body.toString())![1]!, secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(assumed.body.toString())![1]!,
    sessionToken: /<SessionToken>([^<]+)</.exec(assumed.body.toString())![1]!,
  };
  secrets.push(temp.secretAccessKey, temp.sessionToken!);

  assert.equal((await call(queryCall(h, 'sts', { Action: 'GetCallerIdentity' }, temp))).status, 200);
  assert.equal((await call(s3Call(h, 'PUT', '/sec-bucket', '', {}, '', temp))).status, 200);
  assert.equal((await call(s3Call(h, 'PUT', '/sec-bucket/k', 'data', {}, '', temp))).status, 200);
  // Failures: wrong secret, tampered and missing session tokens, denied calls.
  assert.equal(codeOf((await call(queryCall(h, 'sts', { Action: 'GetCallerIdentity' }, { ...temp, secretAccessKey: `${temp.secretAccessKey}x` }))).body.toString()), 'SignatureDoesNotMatch');
  const tampered = { ...temp, sessionToken: `${temp.sessionToken!.slice(0, -1)}${temp.sessionToken!.endsWith('A') ? 'B' : 'A'}` };
  const badToken = await call(queryCall(h, 'sts', { Action: 'GetCallerIdentity' }, tampered));
  assert.equal(badToken.status, 403);
  assert.equal(codeOf(badToken.body.toString()), 'InvalidClientTokenId');
  const badTokenS3 = await call(s3Call(h, 'GET', '/sec-bucket/k', '', {}, '', tampered));
  assert.equal(badTokenS3.status, 400);
  assert.equal(codeOf(badTokenS3.body.toString()), 'InvalidToken');
  assert.equal(messageOf(badTokenS3), 'The provided token is malformed or otherwise invalid.');
  const noToken = await call(s3Call(h, 'GET', '/sec-bucket/k', '', {}, '', { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey }));
  assert.equal(noToken.status, 403);
  assert.equal(codeOf((await call(queryCall(h, 'iam', { Action: 'CreateUser', UserName: 'nope' }, temp))).body.toString()), 'AccessDenied');
  assert.equal(codeOf((await call(s3Call(h, 'GET', '/sec-bucket/k', '', {}, '', { ...user, secretAccessKey: 'guess' }))).body.toString()), 'SignatureDoesNotMatch');
});

test('presigned URLs: up to 7 days; X-Amz-Expires 604801 → AuthorizationQueryParametersError with AWS\'s text', async () => {
  const h = server.host;
  const ok = await call({ method: 'GET', path: '/sec-bucket/k', query: presignQuery({ method: 'GET', path: '/sec-bucket/k' }, { service: 's3', host: h, credentials: ROOT, expires: '604800' }), headers: { host: h } });
  assert.equal(ok.status, 200);
  const tooLong = await call({ method: 'GET', path: '/sec-bucket/k', query: presignQuery({ method: 'GET', path: '/sec-bucket/k' }, { service: 's3', host: h, credentials: ROOT, expires: '604801' }), headers: { host: h } });
  assert.equal(tooLong.status, 400);
  assert.equal(codeOf(tooLong.body.toString()), 'AuthorizationQueryParametersError');
  assert.equal(messageOf(tooLong), 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  const expired = await call({ method: 'GET', path: '/sec-bucket/k', query: presignQuery({ method: 'GET', path: '/sec-bucket/k' }, { service: 's3', host: h, credentials: ROOT, expires: '60', date: new Date(Date.now() - 120_000) }), headers: { host: h } });
  assert.equal(expired.status, 403);
  assert.equal(messageOf(expired), 'Request has expired');
});

test('expired temporary credentials → ExpiredToken (STS/IAM and S3 texts)', async () => {
  const fixture = {
    roles: [{ name: 'sec-expired-role', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] } }],
    sessions: [{ role: 'sec-expired-role', sessionName: 'old', ...EXPIRED, expiresAt: '2020-01-01T00:00:00Z' }],
  };
  const loaded = await send(server.url, { method: 'POST', path: '/_iamlocal/fixtures', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(fixture)) });
  assert.equal(loaded.status, 200, loaded.body.toString());
  const q = await call(queryCall(server.host, 'sts', { Action: 'GetCallerIdentity' }, EXPIRED));
  assert.equal(q.status, 400);
  assert.equal(codeOf(q.body.toString()), 'ExpiredToken');
  assert.equal(messageOf(q), 'The security token included in the request is expired');
  const s = await call(s3Call(server.host, 'GET', '/sec-bucket/k', '', {}, '', EXPIRED));
  assert.equal(codeOf(s.body.toString()), 'ExpiredToken');
  assert.equal(messageOf(s), 'The provided token has expired.');
});

test('no secret access key or session token appears in the debug log or in any error message', async () => {
  const output = server.output();
  assert.match(output, /"level":20|"level":30/, 'the debug log has request lines');
  // The start-up banner prints the root credentials on purpose (how to call the server); everything after is the log.
  const log = output.split('\n').filter((line) => !/^(iamlocal ready|\s+root credentials|\s+try:|\s+\(profiles|http:\/\/)/.test(line)).join('\n');
  assert.ok(secrets.length >= 6);
  for (const secret of secrets) {
    assert.equal(log.includes(secret), false, `the log contains a secret: ${secret}`);
    for (const body of errorBodies) assert.equal(body.includes(secret), false, `a response contains a secret: ${secret} in ${body.slice(0, 300)}`);
  }
});
