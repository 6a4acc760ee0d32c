// Runs the vitest example (client-tests/examples/vitest) for real, as a user would: npx vitest run --config ….
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

test('the vitest example passes', () => {
  const run = spawnSync('npx', ['vitest', 'run', '--config', 'client-tests/examples/vitest/vitest.config.ts', '--reporter', 'verbose'], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.match(output, /Tests\s+4 passed \(4\)/, output);
  for (const name of ['the role reads reports/*', "and is denied elsewhere, with AWS's message", 'routed commands get real policy decisions', 'unrouted commands keep their mock']) {
    assert.ok(output.includes(name), `${name} did not run:\n${output}`);
  }
});
