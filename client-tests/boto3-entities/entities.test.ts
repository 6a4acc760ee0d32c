// The new IAM surface with boto3 and the AWS CLI (client-tests/boto3-entities/entities.py) against a live server,
// including `aws iam get-account-authorization-details` checked against the botocore model's output shape.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3 and the AWS CLI drive instance profiles, OIDC, login profiles and account details', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-entities/entities.py', 39);
});
