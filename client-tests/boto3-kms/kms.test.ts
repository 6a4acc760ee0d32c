// KMS with boto3 (client-tests/boto3-kms/kms.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: keys, cryptography checked with the cryptography package, key policies and grants enforced', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-kms/kms.py', 30);
});

test('boto3: S3 SSE-KMS in the story\'s world (the role needs kms:GenerateDataKey and kms:Decrypt), bucket default encryption', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-kms/sse_kms.py', 11, { fixtures: ['db/fixtures/seed-story.yaml'] });
});
