// Example: iamlocal in-process with vitest. Each test file starts its own iamlocal (no port), so files run in
// parallel without sharing state; every request is still SigV4-verified and policy-checked.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { routeThroughIamlocal, startIamlocal, type Iamlocal } from 'iamlocal';

const ROLE = 'report-reader';
const DENIED = 'User: arn:aws:sts::123456789012:assumed-role/report-reader/iamlocal-test is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::example-data/private/salaries.csv" because no identity-based policy allows the s3:GetObject action';
let local: Iamlocal;

beforeAll(async () => {
  local = await startIamlocal({ listen: false, fixtures: ['client-tests/examples/fixtures.yaml'] });
});
afterAll(async () => {
  await local.stop();
});

beforeEach(async () => {
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
  local.reset();
});

describe('least privilege', () => {
  test('the role reads reports/*', async () => {
    const s3 = new S3Client(local.clientConfig({ role: ROLE }));
    const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
    expect(await report.Body!.transformToString()).toBe('region,total\neu,42\nus,17\n');
  });

  test('and is denied elsewhere, with AWS\'s message', async () => {
    const s3 = new S3Client(local.clientConfig({ role: ROLE }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })))
      .rejects.toMatchObject({ name: 'AccessDenied', message: DENIED, $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'example-data', Key: 'reports/new.csv', Body: 'x' })))
      .rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('with aws-sdk-client-mock', () => {
  // Mocking S3Client's prototype affects every S3Client: do it when this block runs, not when the file is collected.
  let s3Mock: AwsClientStub<S3Client>;
  beforeAll(() => {
    s3Mock = mockClient(S3Client);
  });
  beforeEach(() => {
    s3Mock.reset(); // reset() drops every behaviour, the routes too: set them up again
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'from-the-mock' }] });
    routeThroughIamlocal(s3Mock, local, { principal: { role: ROLE }, commands: [GetObjectCommand, PutObjectCommand] });
  });
  afterAll(() => {
    s3Mock.restore();
  });

  test('routed commands get real policy decisions', async () => {
    const s3 = new S3Client({ region: 'eu-west-1' }); // what the code under test would build
    const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
    expect(await report.Body!.transformToString()).toMatch(/^region,total/);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })))
      .rejects.toMatchObject({ name: 'AccessDenied', message: DENIED });
  });

  test('unrouted commands keep their mock', async () => {
    const s3 = new S3Client({ region: 'eu-west-1' });
    expect((await s3.send(new ListBucketsCommand({}))).Buckets).toEqual([{ Name: 'from-the-mock' }]);
    expect(s3Mock.commandCalls(ListBucketsCommand)).toHaveLength(1);
  });
});
