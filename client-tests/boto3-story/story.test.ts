// The acceptance story with boto3 (client-tests/boto3-story/story.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3 runs the whole story', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-story/story.py', 15, { fixtures: ['db/fixtures/seed-story.yaml'] });
});
