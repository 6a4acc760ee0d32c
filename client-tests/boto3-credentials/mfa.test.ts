// Virtual MFA and MFA-protected GetSessionToken with boto3 (client-tests/boto3-credentials/mfa.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3 creates and enables a virtual MFA device and gets an MFA session that a policy requires', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-credentials/mfa.py', 12);
});
