// Organizations guardrails with boto3 (client-tests/boto3-organizations/organizations.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: the Organizations API fits botocore\'s model; the SCP and the RCP deny with AWS\'s texts; the management account is unaffected', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-organizations/organizations.py', 26, { fixtures: ['db/fixtures/organization-guardrails.yaml'] });
});
