// KMS with boto3 (client-tests/boto3-kms/kms.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: keys, cryptography checked with the cryptography package, key policies and grants enforced', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-kms/kms.py', 30);
});
