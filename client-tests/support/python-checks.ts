import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type ServeOptions } from '../../server/src/server.ts';

const run = promisify(execFile);

/**
 * Runs a boto3 check script (python3 SCRIPT URL) that prints one JSON line per check and `{"done": true}` last, and
 * fails the test on a non-zero exit, a failed check, fewer checks than expected, or a missing end marker.
 */
export async function runPythonChecks(script: string, url: string, minChecks: number): Promise<void> {
  let stdout = '';
  try {
    // PYTHONPATH lets the scripts import client-tests/support/checks.py.
    ({ stdout } = await run('python3', [script, url], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONPATH: 'client-tests/support' } }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    assert.fail(`${script} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { check?: string; ok?: boolean; done?: boolean });
  assert.ok(lines.length >= minChecks, stdout);
  assert.ok(lines.every((l) => l.ok !== false), stdout);
  assert.equal(lines.at(-1)?.done, true, stdout);
}

/** runPythonChecks against a fresh in-memory server (started with `options`), stopped afterwards whatever happens. */
export async function runPythonChecksOnNewServer(script: string, minChecks: number, options: ServeOptions = {}): Promise<void> {
  const server = await startServer({ port: 0, db: ':memory:', ...options });
  try {
    await runPythonChecks(script, server.url, minChecks);
  } finally {
    await server.close();
  }
}
