// Example: iamlocal in-process with node:test. No port, no Docker: the SDK clients' requests are carried through
// memory into iamlocal, which still verifies every SigV4 signature and evaluates every IAM policy.
// Run alone with: node --import tsx --test client-tests/examples/node-test.example.test.ts
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { routeThroughIamlocal, startIamlocal, type Iamlocal } from 'iamlocal';

const ROLE = 'report-reader';
let local: Iamlocal;

before(async () => {
  // listen: false binds no port; clients get the in-process handler from clientConfig().
  local = await startIamlocal({ listen: false, fixtures: ['client-tests/examples/fixtures.yaml'] });
});
after(async () => {
  await local.stop();
});

beforeEach(async () => {
  // A role with a least-privilege policy: it may read reports/* and nothing else.
  const iam = new IAMClient(local.clientConfig());
  await iam.send(new CreateRoleCommand({
    RoleName: ROLE,
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] }),
  }));
  await iam.send(new PutRolePolicyCommand({
    RoleName: ROLE, PolicyName: 'read-reports',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-data/reports/*' }] }),
  }));
});
afterEach(() => {
  local.reset(); // back to the fixtures: the role is gone, the objects are as loaded
});

async function accessDenied(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(() => assert.fail('expected AccessDenied'), (e: unknown) => e);
  assert.ok(error instanceof S3ServiceException);
  assert.equal(error.name, 'AccessDenied');
  return error;
}

test('the role reads reports/* and is denied elsewhere', async () => {
  const s3 = new S3Client(local.clientConfig({ role: ROLE }));
  const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
  assert.equal(await report.Body!.transformToString(), 'region,total\neu,42\nus,17\n');

  const denied = await accessDenied(s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })));
  assert.equal(denied.message, 'User: arn:aws:sts::123456789012:assumed-role/report-reader/iamlocal-test is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::example-data/private/salaries.csv" because no identity-based policy allows the s3:GetObject action');
  await accessDenied(s3.send(new PutObjectCommand({ Bucket: 'example-data', Key: 'reports/new.csv', Body: 'x' })));
});

test('with aws-sdk-client-mock: routed commands get real decisions, the rest stays mocked', async () => {
  const s3Mock = mockClient(S3Client);
  try {
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'from-the-mock' }] });
    routeThroughIamlocal(s3Mock, local, { principal: { role: ROLE }, commands: [GetObjectCommand, PutObjectCommand] });

    // The code under test makes its own client; the mock intercepts it.
    const s3 = new S3Client({ region: 'eu-west-1' });
    const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
    assert.match(await report.Body!.transformToString(), /^region,total/);
    await accessDenied(s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })));
    assert.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets, [{ Name: 'from-the-mock' }]);
    assert.equal(s3Mock.commandCalls(GetObjectCommand).length, 2);
  } finally {
    s3Mock.restore();
  }
});

test('reset between tests: the previous test\'s writes are gone', async () => {
  const root = new S3Client(local.clientConfig());
  await root.send(new PutObjectCommand({ Bucket: 'example-data', Key: 'reports/scratch.csv', Body: 'temp' }));
  local.reset();
  const gone = await root.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/scratch.csv' })).then(() => 'found', (e: unknown) => (e as Error).name);
  assert.equal(gone, 'NoSuchKey');
});
