// STS federation with boto3 (client-tests/boto3-federation/federation.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: AssumeRoleWithWebIdentity, GetFederationToken, session tags, DecodeAuthorizationMessage', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-federation/federation.py', 20);
});
