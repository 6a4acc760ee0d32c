// The new IAM surface with boto3 and the AWS CLI (client-tests/boto3-entities/entities.py) against a live server,
// including `aws iam get-account-authorization-details` checked against the botocore model's output shape.
import { after, before, test } from 'node:test';
import { runPythonChecks } from '../support/python-checks.ts';
import { startServer, type RunningServer } from '../../server/src/server.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
after(async () => {
  await server.close();
});

test('boto3 and the AWS CLI drive instance profiles, OIDC, login profiles and account details', async () => {
  await runPythonChecks('client-tests/boto3-entities/entities.py', server.url, 25);
});
