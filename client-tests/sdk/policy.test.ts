// Policy enforcement end to end with SDK v3: simulator APIs, permission boundaries, session policies,
// bucket policies and cross-account AssumeRole, plus the decision log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  AttachRolePolicyCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand, CreateUserCommand, GetContextKeysForCustomPolicyCommand, IAMClient,
  PutRolePermissionsBoundaryCommand, PutRolePolicyCommand, PutUserPolicyCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { rejection } from './support.ts';

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
const ROOT: Creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const OTHER_ROOT: Creds = { accessKeyId: 'AKIAOTHERACCOUNTROOT', secretAccessKey: 'other-account-root-secret' };
const A = '123456789012';
const B = '210987654321';

let server: RunningServer;
let fixtureDir: string;
const config = (credentials: Creds) => ({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const iam = (c: Creds) => new IAMClient(config(c));
const sts = (c: Creds) => new STSClient(config(c));
const s3 = (c: Creds) => new S3Client({ ...config(c), forcePathStyle: true });
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

before(async () => {
  fixtureDir = mkdtempSync(join(tmpdir(), 'iamlocal-policy-'));
  const fixture = join(fixtureDir, 'accounts.yaml');
  writeFileSync(fixture, `accounts:\n  - id: "${B}"\n    displayName: other\n    rootAccessKeyId: ${OTHER_ROOT.accessKeyId}\n    rootSecretAccessKey: ${OTHER_ROOT.secretAccessKey}\n`);
  server = await startServer({ port: 0, db: ':memory:', fixtures: [fixture] });
});
after(async () => {
  await server.close();
  rmSync(fixtureDir, { recursive: true, force: true });
});

/** A role in account A that root's users may assume, with the given policies; returns session credentials. */
async function roleSession(name: string, setup: (roleName: string) => Promise<void>, assume: { Policy?: string } = {}): Promise<Creds> {
  await iam(ROOT).send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
  await setup(name);
  // Root cannot assume roles; a user with sts:AssumeRole does it.
  const { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } = await import('@aws-sdk/client-iam');
  await iam(ROOT).send(new CreateUserCommand({ UserName: `${name}-user` }));
  await iam(ROOT).send(new PutUserPolicyCommand({ UserName: `${name}-user`, PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  const key = await iam(ROOT).send(new CreateAccessKeyCommand({ UserName: `${name}-user` }));
  const user = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const out = await sts(user).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/${name}`, RoleSessionName: 's1', ...assume }));
  return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken };
}

test('SimulateCustomPolicy: allowed, explicitDeny, implicitDeny with matched statements and missing context', async () => {
  const policy = doc(
    { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'blue' } } },
    { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::data/secret/*' },
  );
  const out = await iam(ROOT).send(new SimulateCustomPolicyCommand({
    PolicyInputList: [policy], ActionNames: ['s3:GetObject', 's3:PutObject'], ResourceArns: ['arn:aws:s3:::data/a.txt', 'arn:aws:s3:::data/secret/b'],
    ContextEntries: [{ ContextKeyName: 'aws:PrincipalTag/team', ContextKeyValues: ['blue'], ContextKeyType: 'string' }],
  }));
  const byPair = new Map(out.EvaluationResults?.map((r) => [`${r.EvalActionName} ${r.EvalResourceName}`, r]));
  assert.equal(byPair.get('s3:GetObject arn:aws:s3:::data/a.txt')?.EvalDecision, 'allowed');
  assert.equal(byPair.get('s3:GetObject arn:aws:s3:::data/a.txt')?.MatchedStatements?.[0]?.SourcePolicyId, 'PolicyInputList.1');
  assert.equal(byPair.get('s3:GetObject arn:aws:s3:::data/secret/b')?.EvalDecision, 'explicitDeny');
  assert.equal(byPair.get('s3:PutObject arn:aws:s3:::data/a.txt')?.EvalDecision, 'implicitDeny');
  const without = await iam(ROOT).send(new SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: ['s3:GetObject'], ResourceArns: ['arn:aws:s3:::data/a.txt'] }));
  assert.equal(without.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
  assert.deepEqual(without.EvaluationResults?.[0]?.MissingContextValues, ['aws:PrincipalTag/team']);
  const keys = await iam(ROOT).send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [policy] }));
  assert.deepEqual(keys.ContextKeyNames, ['aws:PrincipalTag/team']);
  const bad = await rejection(iam(ROOT).send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{"Statement": 5}'], ActionNames: ['s3:GetObject'] })));
  assert.equal(bad.name, 'MalformedPolicyDocumentException');
});

// Every place a policy enters validates it with IAM's staged rules and texts (the full table with AWS's recorded
// answers is server/test/policy-validation.test.ts; these pin that each operation applies it).
test('policy documents are validated as IAM does at every entry point', async () => {
  const client = iam(ROOT);
  const message = async (p: Promise<unknown>): Promise<string> => {
    const e = await rejection(p);
    assert.equal(e.name, 'MalformedPolicyDocumentException');
    return e.message;
  };
  const noVersion = JSON.stringify({ Statement: { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' } });
  const legacy = doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3::b' });
  assert.equal(await message(client.send(new CreatePolicyCommand({ PolicyName: 'v0', PolicyDocument: noVersion }))), 'Policy document must be version 2012-10-17 or greater.');
  assert.equal(await message(client.send(new CreatePolicyCommand({ PolicyName: 'v0', PolicyDocument: legacy }))), 'The policy failed legacy parsing');
  // Accepted quirks: null inside a Resource list, an ARN IAM cannot split into six parts, a Date of "01T".
  const quirky = await client.send(new CreatePolicyCommand({ PolicyName: 'quirky', PolicyDocument: doc(
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: ['arn:aws:s3:::b', null] },
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:fdsasf', Condition: { DateGreaterThan: { 'aws:CurrentTime': '01T' } } },
  ) }));
  assert.ok(quirky.Policy?.Arn);
  assert.equal(await message(client.send(new CreatePolicyVersionCommand({ PolicyArn: quirky.Policy.Arn, PolicyDocument: doc({ Effect: 'denY', Action: '*', Resource: '*' }) }))), 'The policy failed legacy parsing');
  await client.send(new CreateUserCommand({ UserName: 'validated' }));
  assert.equal(await message(client.send(new PutUserPolicyCommand({ UserName: 'validated', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:List:Bucket', Resource: '*' }) }))), 'Actions/Condition can contain only one colon.');
  // Trust policies: a different front end, with its own texts.
  assert.equal(await message(client.send(new CreateRoleCommand({ RoleName: 'bad-trust', AssumeRolePolicyDocument: '{"Statement": [,]}' }))), 'This policy contains invalid Json');
  const trust = (extra: object) => doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', ...extra });
  await client.send(new CreateRoleCommand({ RoleName: 'validated-role', AssumeRolePolicyDocument: trust({}) }));
  assert.equal(await message(client.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'validated-role', PolicyDocument: trust({ Resource: '*' }) }))), 'Has prohibited field Resource');
  assert.equal(await message(client.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'validated-role', PolicyDocument: trust({ Action: 'sts:InvalidAction' }) }))), 'AssumeRole policy may only specify STS AssumeRole actions.');
  assert.equal(await message(client.send(new PutRolePolicyCommand({ RoleName: 'validated-role', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: 'arn:aws:iam:::bucket' }) }))),
    'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.');
  // Session policies (AssumeRole's Policy) follow the identity-policy rules.
  const session = roleSession('validated-session', async () => undefined, { Policy: doc({ Effect: 'Allow', Action: 's3:GetObject' }) });
  assert.equal(await message(session), 'Policy statement must contain resources.');
});

test('iam:PassRole limited by iam:PassedToService: no iamlocal service takes roles, so the simulator supplies the key', async () => {
  // AWS's own pattern: a role may be passed to EC2 only. The key is set by the service a role is passed to.
  const policy = doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${A}:role/app-*`, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } });
  const passTo = async (service: string | undefined) => (await iam(ROOT).send(new SimulateCustomPolicyCommand({
    PolicyInputList: [policy], ActionNames: ['iam:PassRole'], ResourceArns: [`arn:aws:iam::${A}:role/app-web`],
    ContextEntries: service ? [{ ContextKeyName: 'iam:PassedToService', ContextKeyValues: [service], ContextKeyType: 'string' }] : undefined,
  }))).EvaluationResults?.[0];
  assert.equal((await passTo('ec2.amazonaws.com'))?.EvalDecision, 'allowed');
  assert.equal((await passTo('lambda.amazonaws.com'))?.EvalDecision, 'implicitDeny');
  const missing = await passTo(undefined);
  assert.equal(missing?.EvalDecision, 'implicitDeny');
  assert.deepEqual(missing?.MissingContextValues, ['iam:PassedToService']);
  const keys = await iam(ROOT).send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [policy] }));
  assert.deepEqual(keys.ContextKeyNames, ['iam:PassedToService']);
});

test('permission boundary limits a role; the simulator agrees with the real request', async () => {
  const bucket = 'boundary-bucket';
  await s3(ROOT).send(new CreateBucketCommand({ Bucket: bucket }));
  const boundary = await iam(ROOT).send(new CreatePolicyCommand({ PolicyName: 'only-list', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }) }));
  const session = await roleSession('bounded', async (role) => {
    await iam(ROOT).send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 's3', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await iam(ROOT).send(new PutRolePermissionsBoundaryCommand({ RoleName: role, PermissionsBoundary: boundary.Policy!.Arn! }));
  });
  await s3(session).send(new ListObjectsV2Command({ Bucket: bucket }));
  const denied = await rejection(s3(session).send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' })));
  assert.equal(denied.name, 'AccessDenied');
  assert.equal(denied.message, `User: arn:aws:sts::${A}:assumed-role/bounded/s1 is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${bucket}/k" because no permissions boundary allows the s3:PutObject action`);
  const sim = await iam(ROOT).send(new SimulatePrincipalPolicyCommand({
    PolicySourceArn: `arn:aws:iam::${A}:role/bounded`, ActionNames: ['s3:ListBucket', 's3:PutObject'], ResourceArns: [`arn:aws:s3:::${bucket}/k`],
  }));
  assert.deepEqual(sim.EvaluationResults?.map((r) => r.EvalDecision), ['allowed', 'implicitDeny']);
  assert.equal(sim.EvaluationResults?.[1]?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary, false);
});

test('a session policy narrows what the role may do', async () => {
  const bucket = 'session-policy-bucket';
  await s3(ROOT).send(new CreateBucketCommand({ Bucket: bucket }));
  const policyArn = (await iam(ROOT).send(new CreatePolicyCommand({ PolicyName: 's3-all', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }))).Policy!.Arn!;
  const session = await roleSession('narrowed', async (role) => {
    await iam(ROOT).send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: policyArn }));
  }, { Policy: doc({ Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/in/*` }) });
  await s3(session).send(new PutObjectCommand({ Bucket: bucket, Key: 'in/ok', Body: 'v' }));
  const denied = await rejection(s3(session).send(new PutObjectCommand({ Bucket: bucket, Key: 'out/no', Body: 'v' })));
  assert.match(denied.message, /because no session policy allows the s3:PutObject action$/);
});

test('cross-account: a bucket policy naming the other account still needs its identity policy; AssumeRole needs both sides', async () => {
  const bucket = 'shared-across-accounts';
  await s3(ROOT).send(new CreateBucketCommand({ Bucket: bucket }));
  await s3(ROOT).send(new PutObjectCommand({ Bucket: bucket, Key: 'report.csv', Body: 'a,b' }));
  // Account B's root is not constrained by identity policies, so the bucket policy alone decides for it.
  const before = await rejection(s3(OTHER_ROOT).send(new GetObjectCommand({ Bucket: bucket, Key: 'report.csv' })));
  assert.equal(before.name, 'AccessDenied');
  await s3(ROOT).send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }) }));
  const got = await s3(OTHER_ROOT).send(new GetObjectCommand({ Bucket: bucket, Key: 'report.csv' }));
  assert.equal(await got.Body?.transformToString(), 'a,b');
  const other = await rejection(s3(OTHER_ROOT).send(new PutObjectCommand({ Bucket: bucket, Key: 'x', Body: 'no' })));
  assert.equal(other.name, 'AccessDenied');

  await iam(ROOT).send(new CreateRoleCommand({ RoleName: 'for-account-b', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: B }, Action: 'sts:AssumeRole' }) }));
  const { CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } = await import('@aws-sdk/client-iam');
  await iam(OTHER_ROOT).send(new CreateUserCommand({ UserName: 'bob' }));
  const key = await iam(OTHER_ROOT).send(new CreateAccessKeyCommand({ UserName: 'bob' }));
  const bob = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
  const roleArn = `arn:aws:iam::${A}:role/for-account-b`;
  const noIdentity = await rejection(sts(bob).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'bob' })));
  assert.equal(noIdentity.message, `User: arn:aws:iam::${B}:user/bob is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  await iam(OTHER_ROOT).send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn }) }));
  const assumed = await sts(bob).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'bob' }));
  assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${A}:assumed-role/for-account-b/bob`);
});

test('the decision log records who was denied what, and why', async () => {
  const res = await fetch(`${server.url}/_iamlocal/decisions?decision=deny&action=s3:PutObject&limit=5`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { decisions: { principal: string; action: string; resource: string; reason: string }[] };
  assert.ok(body.decisions.length >= 2);
  assert.ok(body.decisions.every((d) => d.action === 's3:PutObject'));
  assert.ok(body.decisions.some((d) => d.reason === 'no-boundary' && d.principal === `arn:aws:sts::${A}:assumed-role/bounded/s1`));
});
