// Credential bindings over HTTP: the container credentials endpoint (token rules, JSON), the instance metadata listener
// (IMDSv2 token rules from https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html,
// documents from …/instancedata-data-retrieval.html) and the trust the role needs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startServer, type RunningServer } from '../src/server.ts';

let server: RunningServer;
let clock = 0;

const trust = (service: string): unknown => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', now: () => new Date(Date.now() + clock) });
  const res = await fetch(`${server.url}/_iamlocal/fixtures`, {
    method: 'POST',
    body: JSON.stringify({
      roles: [
        { name: 'web', trustPolicy: trust('ec2.amazonaws.com') },
        { name: 'task', trustPolicy: trust('ecs-tasks.amazonaws.com'), inlinePolicies: { data: { Version: '2012-10-17', Statement: [
          { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] },
        ] } } },
        { name: 'lambda-only', trustPolicy: trust('lambda.amazonaws.com') },
      ],
      instanceProfiles: [{ name: 'web-profile', roles: ['web'] }],
      buckets: [{ name: 'data' }],
    }),
  });
  assert.equal(res.status, 200, await res.text());
});
after(() => server.close());

async function bind(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${server.url}/_iamlocal/credential-bindings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { method, headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

test('bindings: the role must exist and trust the service; durations from 15 minutes unless test-only', async () => {
  assert.equal((await bind({ role: 'nobody', kind: 'ecs' })).status, 404);
  const refused = await bind({ role: 'lambda-only', kind: 'ecs' });
  assert.equal(refused.status, 403);
  assert.match(refused.json.error!, /^Role lambda-only cannot be used as an ECS task role: its trust policy does not allow the service principal ecs-tasks\.amazonaws\.com to perform sts:AssumeRole\./);
  const eks = await bind({ role: 'task', kind: 'eks' });
  assert.match(eks.json.error!, /pods\.eks\.amazonaws\.com to perform sts:AssumeRole/);
  // auto: the service the role trusts; a role trusting none of them is refused naming ECS.
  assert.equal((await bind({ role: 'task' })).json.kind, 'ecs');
  assert.equal((await bind({ role: 'lambda-only' })).status, 403);
  assert.match((await bind({ role: 'task', durationSeconds: 899 })).json.error!, /durationSeconds must be from 900 \(15 minutes, as on AWS\)/);
  assert.equal((await bind({ role: 'task', testOnlyDurationSeconds: 5 })).json.testOnlyDuration as unknown, true);
  assert.match((await bind({ role: 'task', policy: '{"Statement":[]}' })).json.code!, /MalformedPolicyDocument/);
  assert.match((await bind({ role: 'task', kind: 'lambda' })).json.error!, /kind must be one of ecs, eks, imds or auto/);
  // A token chosen in advance (for docker compose), unique.
  assert.equal((await bind({ role: 'task', token: 'compose-app-token-0001' })).json.token, 'compose-app-token-0001');
  assert.equal((await bind({ role: 'task', token: 'compose-app-token-0001' })).status, 409);
  assert.equal((await bind({ role: 'task', token: 'short' })).status, 400);
});

test('container endpoint: 401 without a token, 403 with an unknown one, the SDKs\' JSON with the right one', async () => {
  const binding = (await bind({ role: 'task', kind: 'ecs', sessionName: 'my-task' })).json;
  const uri = binding.credentialsUri!;
  assert.equal(uri, `${server.url}/_iamlocal/credentials`);
  const none = await get(uri);
  assert.equal(none.status, 401);
  assert.equal((JSON.parse(none.text) as { Code: string }).Code, 'MissingAuthorizationToken');
  assert.equal((await get(uri, { authorization: 'not-a-token' })).status, 403);
  assert.equal((await get(uri, { authorization: binding.token! }, 'POST')).status, 405);
  const ok = await get(uri, { authorization: binding.token! });
  assert.equal(ok.status, 200);
  const creds = JSON.parse(ok.text) as Record<string, string>;
  assert.deepEqual(Object.keys(creds), ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration', 'RoleArn', 'AccountId']);
  assert.match(creds.AccessKeyId!, /^ASIA/);
  assert.match(creds.Expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(creds.RoleArn, 'arn:aws:iam::123456789012:role/task');
  assert.equal(creds.AccountId, '123456789012');
  // The same session until it nears expiry.
  assert.equal((JSON.parse((await get(uri, { authorization: binding.token! })).text) as Record<string, string>).AccessKeyId, creds.AccessKeyId);
  // A deleted binding's token no longer works.
  assert.equal((await fetch(`${server.url}/_iamlocal/credential-bindings/${binding.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await get(uri, { authorization: binding.token! })).status, 403);
});

test('a session policy given to the binding limits its sessions', async () => {
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] });
  const binding = (await bind({ role: 'task', kind: 'ecs', sessionName: 'limited', policy })).json;
  const creds = JSON.parse((await get(binding.credentialsUri!, { authorization: binding.token! })).text) as Record<string, string>;
  const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.Token! } });
  await assert.rejects(s3.send(new ListObjectsV2Command({ Bucket: 'data' })), (e: Error) => e.name === 'AccessDenied' && e.message
    === 'User: arn:aws:sts::123456789012:assumed-role/task/limited is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::data" because no session policy allows the s3:ListBucket action');
  s3.destroy();
});

test('EKS Pod Identity sessions carry its six transitive session tags', async () => {
  await fetch(`${server.url}/_iamlocal/fixtures`, { method: 'POST', body: JSON.stringify({ roles: [{ name: 'pod', trustPolicy: { Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] } }] }) });
  const binding = (await bind({ role: 'pod', kind: 'eks', sessionName: 'web-7d9f', eks: { cluster: 'dev', namespace: 'shop' } })).json;
  const creds = JSON.parse((await get(binding.credentialsUri!, { authorization: binding.token! })).text) as Record<string, string>;
  const session = server.ctx.iam.session(creds.AccessKeyId!);
  const tags = JSON.parse(session?.tags ?? '{}') as Record<string, string>;
  assert.deepEqual({ ...tags, 'kubernetes-pod-uid': 'uid' }, {
    'eks-cluster-arn': 'arn:aws:eks:us-east-1:123456789012:cluster/dev', 'eks-cluster-name': 'dev', 'kubernetes-namespace': 'shop',
    'kubernetes-service-account': 'default', 'kubernetes-pod-name': 'web-7d9f', 'kubernetes-pod-uid': 'uid',
  });
  assert.match(tags['kubernetes-pod-uid']!, /^[0-9a-f-]{36}$/);
  assert.deepEqual(JSON.parse(session?.transitive_tag_keys ?? '[]'), Object.keys(tags));
});

test('instance metadata: IMDSv2 tokens, v1 unless HttpTokens is required, documents, 404s', async () => {
  const binding = (await bind({ role: 'web', kind: 'imds' })).json;
  const base = binding.imdsEndpoint!;
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(base, server.url);
  // PUT /latest/api/token needs a TTL of 1 to 21600 seconds, and no X-Forwarded-For.
  assert.equal((await get(`${base}/latest/api/token`, {}, 'PUT')).status, 400);
  assert.equal((await get(`${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '21601' }, 'PUT')).status, 400);
  assert.equal((await get(`${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1' }, 'PUT')).status, 403);
  assert.equal((await get(`${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '60' })).status, 405);
  const issued = await get(`${base}/latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '2' }, 'PUT');
  assert.equal(issued.status, 200);
  assert.equal(issued.headers.get('x-aws-ec2-metadata-token-ttl-seconds'), '2');
  const token = { 'x-aws-ec2-metadata-token': issued.text };
  assert.equal((await get(`${base}/latest/meta-data/iam/security-credentials/`, { 'x-aws-ec2-metadata-token': 'forged' })).status, 401);
  assert.equal((await get(`${base}/latest/meta-data/iam/security-credentials/`, token)).text, 'web');
  // IMDSv1 (no token) works unless HttpTokens is required.
  assert.equal((await get(`${base}/latest/meta-data/iam/security-credentials/`)).text, 'web');
  const creds = JSON.parse((await get(`${base}/latest/meta-data/iam/security-credentials/web`, token)).text) as Record<string, string>;
  assert.deepEqual(Object.keys(creds), ['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
  assert.equal(creds.Code, 'Success');
  assert.equal(creds.Type, 'AWS-HMAC');
  assert.match(creds.Expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal((await get(`${base}/latest/meta-data/iam/security-credentials/other`, token)).status, 404);
  const info = JSON.parse((await get(`${base}/latest/meta-data/iam/info`, token)).text) as Record<string, string>;
  assert.equal(info.InstanceProfileArn, 'arn:aws:iam::123456789012:instance-profile/web-profile');
  assert.match(info.InstanceProfileId!, /^AIPA/);
  const doc = JSON.parse((await get(`${base}/latest/dynamic/instance-identity/document`, token)).text) as Record<string, string>;
  assert.equal(doc.accountId, '123456789012');
  assert.equal(doc.region, 'us-east-1');
  assert.equal(doc.instanceId, binding.instanceId);
  assert.equal((await get(`${base}/latest/meta-data/instance-id`, token)).text, binding.instanceId);
  assert.equal((await get(`${base}/latest/meta-data/no-such-thing`, token)).status, 404);
  // The token expires after its TTL.
  clock += 3000;
  assert.equal((await get(`${base}/latest/meta-data/iam/security-credentials/`, token)).status, 401);
  // HttpTokens=required: no IMDSv1.
  const required = (await bind({ role: 'web', kind: 'imds', httpTokens: 'required' })).json;
  assert.equal((await get(`${required.imdsEndpoint}/latest/meta-data/iam/security-credentials/`)).status, 401);
  // Deleting the binding stops its listener.
  await fetch(`${server.url}/_iamlocal/credential-bindings/${binding.id}`, { method: 'DELETE' });
  await assert.rejects(fetch(`${base}/latest/meta-data/`));
});

test('an instance profile made over the IAM API serves its role; a role in no profile is refused', async () => {
  await fetch(`${server.url}/_iamlocal/fixtures`, { method: 'POST', body: JSON.stringify({ roles: [{ name: 'batch', trustPolicy: trust('ec2.amazonaws.com') }] }) });
  assert.match((await bind({ role: 'batch', kind: 'imds' })).json.error!, /^Role batch is in no instance profile/);
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'batch-profile', Path: '/jobs/' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'batch-profile', RoleName: 'batch' }));
  iam.destroy();
  const binding = (await bind({ role: 'batch', kind: 'imds' })).json;
  const info = JSON.parse((await get(`${binding.imdsEndpoint}/latest/meta-data/iam/info`)).text) as Record<string, string>;
  assert.equal(info.InstanceProfileArn, 'arn:aws:iam::123456789012:instance-profile/jobs/batch-profile');
  assert.equal((await get(`${binding.imdsEndpoint}/latest/meta-data/iam/security-credentials/`)).text, 'batch');
});

test('instance metadata refuses a role that stopped trusting EC2, as IMDS does', async () => {
  const binding = (await bind({ role: 'web', kind: 'imds' })).json;
  // The role's trust changes after the instance was launched.
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'web', PolicyDocument: JSON.stringify(trust('lambda.amazonaws.com')) }));
  iam.destroy();
  const answer = JSON.parse((await get(`${binding.imdsEndpoint}/latest/meta-data/iam/security-credentials/web`)).text) as Record<string, string>;
  assert.equal(answer.Code, 'AssumeRoleUnauthorizedAccess');
  assert.match(answer.Message!, /^EC2 cannot assume the role web\. {2}Please see documentation at /);
  const denied = (await (await fetch(`${server.url}/_iamlocal/decisions?principal=ec2.amazonaws.com&decision=deny`)).json()) as { decisions: { context: Record<string, string[]> }[] };
  assert.deepEqual(denied.decisions[0]?.context['iamlocal:credentialsource'], ['imds']);
});

test('a bucket named latest still works on the main port: IMDS has its own', async () => {
  const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await s3.send(new CreateBucketCommand({ Bucket: 'latest' }));
  await s3.send(new PutObjectCommand({ Bucket: 'latest', Key: 'api/token', Body: 'not a token' }));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'latest', Key: 'api/token' }))).Body?.transformToString(), 'not a token');
  s3.destroy();
});
