// Virtual MFA and MFA-protected GetSessionToken with boto3 (client-tests/boto3-credentials/mfa.py) against a live server.
import { after, before, test } from 'node:test';
import { runPythonChecks } from '../support/python-checks.ts';
import { startServer, type RunningServer } from '../../server/src/server.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
after(async () => {
  await server.close();
});

test('boto3 creates and enables a virtual MFA device and gets an MFA session that a policy requires', async () => {
  await runPythonChecks('client-tests/boto3-credentials/mfa.py', server.url, 12);
});
