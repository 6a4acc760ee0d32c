// Virtual MFA and MFA-protected GetSessionToken with boto3 (client-tests/boto3-credentials/mfa.py) against a live server.
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

test('boto3 creates and enables a virtual MFA device and gets an MFA session that a policy requires', async () => {
  let stdout = '';
  try {
    ({ stdout } = await run('python3', ['client-tests/boto3-credentials/mfa.py', server.url], { env: { PATH: process.env.PATH, HOME: process.env.HOME } }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    assert.fail(`mfa.py failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { check?: string; ok?: boolean; done?: boolean });
  assert.ok(lines.length >= 12, stdout);
  assert.ok(lines.every((l) => l.ok !== false), stdout);
  assert.equal(lines.at(-1)?.done, true, stdout);
});
