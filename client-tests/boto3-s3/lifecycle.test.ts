// Bucket lifecycle configuration with boto3 (client-tests/boto3-s3/lifecycle.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: put/get/delete_bucket_lifecycle_configuration, refusals, IAM actions, lifecycle run', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/lifecycle.py', 11);
});
