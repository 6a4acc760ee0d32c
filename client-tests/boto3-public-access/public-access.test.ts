// Block Public Access (bucket and account, through s3control), Object Ownership, ACLs and anonymous requests with
// boto3 and the AWS CLI (client-tests/boto3-public-access/public_access.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3, boto3 s3control and the AWS CLI: Block Public Access, ownership controls, ACLs, anonymous access', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-public-access/public_access.py', 25);
});
