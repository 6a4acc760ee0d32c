// In-process mode and the admin API, driven the way an integration suite would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateRoleCommand, CreateUserCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from 'iamlocal';

let local: Iamlocal;
before(async () => {
  local = await startIamlocal({ fixtures: ['db/fixtures/seed-story.yaml'] });
});
after(async () => {
  await local.stop();
});

const admin = async (method: string, path: string, body?: string) => {
  const res = await fetch(`${local.endpoint}/_iamlocal${path}`, { method, body, headers: body ? { 'content-type': 'application/yaml' } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('clientConfig makes ready SDK clients for root, users and role sessions', async () => {
  assert.equal((await new STSClient(local.clientConfig()).send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::123456789012:root');
  await new IAMClient(local.clientConfig()).send(new CreateUserCommand({ UserName: 'carol' }));
  assert.equal((await new STSClient(local.clientConfig({ user: 'carol' })).send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::123456789012:user/carol');
  const session = await new STSClient(local.clientConfig({ role: 'kjh-s3-encryption-test1-role', session: 'unit' })).send(new GetCallerIdentityCommand({}));
  assert.equal(session.Arn, 'arn:aws:sts::123456789012:assumed-role/kjh-s3-encryption-test1-role/unit');
});

test('fixtures over HTTP: bad documents are rejected whole with a path; good ones load', async () => {
  const bad = await admin('POST', '/fixtures', 'users:\n  - name: dave\nroles:\n  - name: broken\n    trustPolicy: { Version: "2012-10-17", Statement: [{ Effect: Allow, Action: "sts:AssumeRole" }] }\n');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'request body: roles[0].trustPolicy: MalformedPolicyDocument: Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!');
  const iam = new IAMClient(local.clientConfig());
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: 'broken' })), { name: 'NoSuchEntityException' });
  const users = await admin('GET', '/state');
  assert.ok(!(users.body.users as { name: string }[]).some((u) => u.name === 'dave'), 'nothing half-loaded');
  const good = await admin('POST', '/fixtures', 'users:\n  - name: erin\n');
  assert.equal(good.status, 200);
});

test('snapshot, change, restore; state export round-trips through reset and fixtures', async () => {
  const s3 = new S3Client(local.clientConfig());
  assert.equal((await admin('POST', '/snapshots/before')).status, 200);
  await s3.send(new PutObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'later.txt', Body: 'later' }));
  await new IAMClient(local.clientConfig()).send(new CreateRoleCommand({ RoleName: 'temp', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
  assert.equal((await admin('POST', '/snapshots/before/restore')).status, 200);
  const keys = (await s3.send(new ListObjectsV2Command({ Bucket: 'kjh-encryption-test1' }))).Contents?.map((c) => c.Key);
  assert.deepEqual(keys, ['cli-s3api-kms/QBF.txt.enc']);
  assert.equal((await admin('POST', '/snapshots/nope/restore')).status, 404);

  const exported = (await admin('GET', '/state')).body;
  assert.equal((await admin('POST', '/reset?to=empty')).status, 200);
  assert.deepEqual((await admin('GET', '/state')).body.roles, []);
  assert.equal((await admin('POST', '/fixtures', JSON.stringify(exported))).status, 200);
  assert.deepEqual((await admin('GET', '/state')).body, exported);
  // The story's session still works after the round trip.
  const saml = { accessKeyId: 'ASIAEXAMPLESAMLLOGIN', secretAccessKey: 'saml-login-secret-access-key-example0000', sessionToken: 'saml-login-session-token-example' };
  const me = await new STSClient({ ...local.clientConfig(), credentials: saml }).send(new GetCallerIdentityCommand({}));
  assert.equal(me.Arn, 'arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com');
});
