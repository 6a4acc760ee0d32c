// The pure parts of S3 public access: "public" as S3 defines it (policy/public.ts), anonymous callers in the policy
// engine, and the fixtures/state export of Block Public Access, Object Ownership and ACLs.
// AWS docs: S3 User Guide "Blocking public access to your Amazon S3 storage" > "The meaning of public";
// IAM User Guide "Policy evaluation logic" (an anonymous request is allowed only by a resource-based policy).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { evaluate, isPublicPolicy, parsePolicy, type BoundPolicy, type CallerPrincipal } from '../src/policy/index.ts';
import { startIamlocal } from '../src/in-process.ts';
import { applyFixtures } from '../src/store/fixtures.ts';
import { exportState } from '../src/store/state.ts';
import { restoreSnapshot, takeSnapshot } from '../src/store/snapshots.ts';
import type { ServerContext } from '../src/context.ts';
import { createApp, type App } from '../src/http/app.ts';
import { createContext } from '../src/server.ts';
import { signedHeaders } from './support/sign.ts';

const doc = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allow = (principal: unknown, condition?: object): object =>
  ({ Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', ...(condition ? { Condition: condition } : {}) });

describe('the meaning of public', () => {
  const cases: [string, string, boolean][] = [
    ['Principal "*"', doc(allow('*')), true],
    ['{"AWS":"*"}', doc(allow({ AWS: '*' })), true],
    ['a fixed account', doc(allow({ AWS: '210987654321' })), false],
    ['a service principal', doc(allow({ Service: 'cloudfront.amazonaws.com' })), false],
    ['"*" from a set of CIDRs', doc(allow('*', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.7/32'] } })), false],
    ['"*" from 0.0.0.0/0', doc(allow('*', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })), true],
    ['"*" with a fixed aws:SourceArn', doc(allow('*', { ArnEquals: { 'aws:SourceArn': 'arn:aws:cloudfront::123456789012:distribution/E1' } })), false],
    ['"*" with a wildcard aws:SourceArn', doc(allow('*', { ArnLike: { 'aws:SourceArn': 'arn:aws:cloudfront::*:distribution/*' } })), true],
    ['"*" with a fixed aws:PrincipalOrgID', doc(allow('*', { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } })), false],
    ['"*" with a negated aws:PrincipalOrgID', doc(allow('*', { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abc123' } })), true],
    ['"*" with a fixed aws:SourceVpce', doc(allow('*', { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } })), false],
    ['"*" with aws:userid of any session of a role', doc(allow('*', { StringLike: { 'aws:userid': 'AROAEXAMPLEID:*' } })), true],
    ['"*" with an unrelated condition', doc(allow('*', { Bool: { 'aws:SecureTransport': 'true' } })), true],
    ['a Deny to "*"', doc({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }), false],
    ['Allow with NotPrincipal', doc({ Effect: 'Allow', NotPrincipal: { AWS: '210987654321' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }), true],
  ];
  for (const [name, text, expected] of cases) test(`${name} → ${expected ? 'public' : 'not public'}`, () => assert.equal(isPublicPolicy(text), expected));
});

describe('anonymous callers in the policy engine', () => {
  const ANONYMOUS: CallerPrincipal = { kind: 'anonymous', accountId: '', arn: 'anonymous' };
  const bucketPolicy = (text: string): BoundPolicy => ({ source: { id: 'bucket/b', kind: 'resource' }, policy: parsePolicy(text, 'resource') });
  const decide = (text: string, context: Map<string, string[]> = new Map()) => evaluate({
    principal: ANONYMOUS, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourceAccount: '123456789012', context,
    identityPolicies: [], resourcePolicy: bucketPolicy(text),
  });
  test('Principal "*" allows an anonymous request', () => assert.equal(decide(doc(allow('*'))).allowed, true));
  test('a policy naming an account or the account root does not', () => {
    assert.deepEqual(decide(doc(allow({ AWS: '123456789012' }))), { allowed: false, reason: 'no-resource', statements: [] });
    assert.equal(decide(doc(allow({ AWS: 'arn:aws:iam::123456789012:root' }))).allowed, false);
  });
  test('an explicit deny wins', () => {
    const decision = decide(doc(allow('*'), { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/k' }));
    assert.equal(decision.reason, 'explicit-resource');
  });
  test('conditions on principal keys fail: anonymous requests carry no aws:PrincipalAccount', () => {
    assert.equal(decide(doc(allow('*', { StringEquals: { 'aws:PrincipalAccount': '123456789012' } }))).allowed, false);
  });
});

test('fixtures: Block Public Access and Object Ownership default by creation date; state export round-trips them with ACLs', async () => {
  const local = await startIamlocal({ listen: false });
  try {
    applyFixtures(local.ctx, {
      accounts: [{ id: '123456789012', s3PublicAccessBlock: { BlockPublicPolicy: true } }],
      buckets: [
        { name: 'legacy', createDate: '2019-05-01T00:00:00Z', objects: [{ key: 'o', content: 'x', acl: 'public-read' }] },
        { name: 'modern', createDate: '2024-05-01T00:00:00Z' },
        { name: 'custom', publicAccessBlock: null, objectOwnership: 'ObjectWriter', acl: 'authenticated-read' },
      ],
    }, 'test');
    const legacy = local.ctx.s3.bucket('legacy')!;
    assert.equal(legacy.public_access_block, null);
    assert.equal(legacy.object_ownership, null);
    const modern = local.ctx.s3.bucket('modern')!;
    assert.deepEqual(JSON.parse(modern.public_access_block!), { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    assert.equal(modern.object_ownership, 'BucketOwnerEnforced');
    const exported = exportState(local.ctx);
    local.reset('empty');
    applyFixtures(local.ctx, exported, 'export');
    assert.deepEqual(exportState(local.ctx), exported);
    const custom = (exported.buckets as { name: string; acl?: { uri?: string }[] }[]).find((b) => b.name === 'custom');
    assert.equal(custom?.acl?.[1]?.uri, 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers');
    assert.match(local.ctx.s3.objectAcl('legacy', 'o') ?? '', /AllUsers/);
    assert.deepEqual(JSON.parse(local.ctx.s3.accountPublicAccessBlock('123456789012')!).BlockPublicPolicy, true);
  } finally {
    await local.stop();
  }
});

describe('bad input to the public access operations: AWS error codes, never a 500', () => {
  const HOST = '127.0.0.1:4577';
  let ctx: ServerContext;
  let app: App;
  before(() => {
    ctx = createContext({ db: ':memory:' });
    app = createApp(ctx);
  });
  after(() => {
    ctx.s3.close();
    ctx.db.close();
  });
  async function s3(method: string, path: string, query: Record<string, string>, body = '', headers: Record<string, string> = {}) {
    const signed = await signedHeaders('s3', HOST, { method, path, body, query, headers });
    const qs = new URLSearchParams(query).toString();
    const r = request(app)[method.toLowerCase() as 'get' | 'put' | 'delete'](qs ? `${path}?${qs}` : path).set(signed);
    return body ? r.send(body) : r;
  }
  const codeOf = (text: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  test('each refusal', async () => {
    assert.equal((await s3('PUT', '/bad-input', {})).status, 200);
    const cases: [string, Promise<{ status: number; text: string }>, number, string][] = [
      ['PAB without a body', s3('PUT', '/bad-input', { publicAccessBlock: '' }), 400, 'MalformedXML'],
      ['PAB with an unknown element', s3('PUT', '/bad-input', { publicAccessBlock: '' }, '<PublicAccessBlockConfiguration><BlockEverything>true</BlockEverything></PublicAccessBlockConfiguration>'), 400, 'MalformedXML'],
      ['PAB with a non-boolean', s3('PUT', '/bad-input', { publicAccessBlock: '' }, '<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>'), 400, 'MalformedXML'],
      ['an unknown ObjectOwnership', s3('PUT', '/bad-input', { ownershipControls: '' }, '<OwnershipControls><Rule><ObjectOwnership>Everyone</ObjectOwnership></Rule></OwnershipControls>'), 400, 'MalformedXML'],
      ['CreateBucket with an unknown x-amz-object-ownership', s3('PUT', '/bad-input-2', {}, '', { 'x-amz-object-ownership': 'Everyone' }), 400, 'InvalidArgument'],
      ['PutBucketAcl with neither headers nor body', s3('PUT', '/bad-input', { acl: '' }), 400, 'MissingSecurityHeader'],
      ['PutBucketAcl with an unknown canned ACL', s3('PUT', '/bad-input', { acl: '' }, '', { 'x-amz-acl': 'everyone' }), 400, 'InvalidArgument'],
      ['a malformed grant header', s3('PUT', '/bad-input', { acl: '' }, '', { 'x-amz-grant-read': 'everyone' }), 400, 'InvalidArgument'],
      ['an unknown group', s3('PUT', '/bad-input', { acl: '' }, '', { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/Everyone"' }), 400, 'InvalidArgument'],
      ['a grant without a grantee', s3('PUT', '/bad-input', { acl: '' }, '<AccessControlPolicy><AccessControlList><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>'), 400, 'MalformedACLError'],
      ['an unknown permission', s3('PUT', '/bad-input', { acl: '' }, '<AccessControlPolicy><AccessControlList><Grant><Grantee><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>'), 400, 'MalformedACLError'],
      ['headers and a body', s3('PUT', '/bad-input', { acl: '' }, '<AccessControlPolicy/>', { 'x-amz-acl': 'private' }), 400, 'UnexpectedContent'],
      ['S3 Control without x-amz-account-id', s3('GET', '/v20180820/configuration/publicAccessBlock', {}), 400, 'InvalidRequest'],
      ['S3 Control with a bad account id', s3('GET', '/v20180820/configuration/publicAccessBlock', {}, '', { 'x-amz-account-id': '12' }), 400, 'InvalidAccountId'],
      ['no ownership controls', s3('DELETE', '/bad-input', { ownershipControls: '' }).then(() => s3('GET', '/bad-input', { ownershipControls: '' })), 404, 'OwnershipControlsNotFoundError'],
    ];
    // The SDKs' S3 Control host: the account id in front of the endpoint's.
    const prefixedHost = '123456789012.localhost:4577';
    const signed = await signedHeaders('s3', prefixedHost, { method: 'GET', path: '/v20180820/configuration/publicAccessBlock', headers: { 'x-amz-account-id': '123456789012' } });
    cases.push(['S3 Control through the account-prefixed host', request(app).get('/v20180820/configuration/publicAccessBlock').set(signed).then((r) => r), 404, 'NoSuchPublicAccessBlockConfiguration']);
    for (const [name, pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.status, status, `${name}: ${res.text}`);
      assert.equal(codeOf(res.text), code, name);
    }
  });
});

test('a snapshot taken before the public access columns existed still restores (they take their defaults)', async () => {
  const local = await startIamlocal({ listen: false });
  try {
    applyFixtures(local.ctx, { buckets: [{ name: 'old-snapshot', createDate: '2024-01-01T00:00:00Z', objectOwnership: 'ObjectWriter', acl: 'public-read' }] }, 'test');
    await takeSnapshot(local.ctx, 'before-015');
    const file = join(local.ctx.s3.scratchDir!, 'snapshots', 'before-015.sqlite');
    const old = new Database(file);
    for (const column of ['public_access_block', 'object_ownership', 'acl']) old.exec(`ALTER TABLE buckets DROP COLUMN ${column}`);
    old.exec('DROP TABLE object_acls');
    old.close();
    local.reset('empty');
    restoreSnapshot(local.ctx, 'before-015');
    const bucket = local.ctx.s3.bucket('old-snapshot');
    assert.equal(bucket?.account_id, '123456789012');
    assert.equal(bucket?.object_ownership, null);
    assert.equal(bucket?.acl, null);
  } finally {
    await local.stop();
  }
});
