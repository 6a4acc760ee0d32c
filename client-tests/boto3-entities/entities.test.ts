// The new IAM surface with boto3 and the AWS CLI (client-tests/boto3-entities/entities.py) against a live server,
// including `aws iam get-account-authorization-details` checked against the botocore model's output shape.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';

const run = promisify(execFile);
let server: RunningServer;
before(async () => {
  server = await startServer({ port: 0, db: ':memory:' });
});
after(async () => {
  await server.close();
});

test('boto3 and the AWS CLI drive instance profiles, OIDC, login profiles and account details', async () => {
  let stdout = '';
  try {
    ({ stdout } = await run('python3', ['client-tests/boto3-entities/entities.py', server.url], { env: { PATH: process.env.PATH, HOME: process.env.HOME } }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    assert.fail(`entities.py failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { check?: string; ok?: boolean; done?: boolean });
  assert.ok(lines.length >= 25, stdout);
  assert.ok(lines.every((l) => l.ok !== false), stdout);
  assert.equal(lines.at(-1)?.done, true, stdout);
});
