// S3 Object Lock with boto3 and the AWS CLI (client-tests/boto3-s3/object_lock.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3 + aws cli: object lock configuration, retention, legal hold, locked deletes, governance bypass, checksum requirement', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/object_lock.py', 14);
});
