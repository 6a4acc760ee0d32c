// Smaller S3 features with boto3 (client-tests/boto3-s3/s3_misc.py): multipart checksums, logging/website/notification configurations, RestoreObject.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: multipart checksums (composite, full-object), copy checksums, logging/website/notification configurations, restore_object', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/s3_misc.py', 29);
});
