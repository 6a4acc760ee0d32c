// The acceptance story with boto3 (client-tests/boto3-story/story.py) against a live server.
import { after, before, test } from 'node:test';
import { runPythonChecks } from '../support/python-checks.ts';
import { startServer, type RunningServer } from '../../server/src/server.ts';

let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
});
after(async () => {
  await server.close();
});

test('boto3 runs the whole story', async () => {
  await runPythonChecks('client-tests/boto3-story/story.py', server.url, 15);
});
