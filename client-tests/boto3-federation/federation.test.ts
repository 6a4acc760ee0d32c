// STS federation with boto3 (client-tests/boto3-federation/federation.py) against a live server.
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

test('boto3: AssumeRoleWithWebIdentity, GetFederationToken, session tags, DecodeAuthorizationMessage', async () => {
  await runPythonChecks('client-tests/boto3-federation/federation.py', server.url, 20);
});
