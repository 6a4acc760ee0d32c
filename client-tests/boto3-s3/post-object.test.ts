// Browser POST uploads with boto3's generate_presigned_post and requests (client-tests/boto3-s3/post_object.py).
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: generate_presigned_post forms (SigV4, SigV2, session), statuses, redirects, policy refusals, IAM', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/post_object.py', 32);
});
