// Bucket CORS with boto3 (client-tests/boto3-s3/cors.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: put/get/delete_bucket_cors, refusals, IAM actions, preflights', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/cors.py', 10);
});
