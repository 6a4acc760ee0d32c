// S3 object features with boto3 (client-tests/boto3-s3/s3_objects.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: SSE-C, conditional writes, storage classes, multipart retries, listing edge cases, SigV2 path style', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/s3_objects.py', 50);
});
