// Short versions of the load scripts (npm run concurrency: 64 clients for 60 s; npm run crash-loop: 20 SIGKILLs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runConcurrency } from '../../scripts/concurrency.ts';
import { runCrashLoop } from '../../scripts/crash-loop.ts';

test('concurrency: 64 clients, mixed reads and writes for 5 s (and at least 1,500 operations) — only the expected AWS errors, consistent state', { timeout: 60_000 }, async () => {
  const r = await runConcurrency(5, 64, 1500);
  assert.deepEqual(r.failures, []);
  assert.ok(r.ops > 1000, `${r.ops} operations`);
  assert.ok((r.byOp.CreatePolicyVersion ?? 0) > 50 && (r.byOp.PutObject ?? 0) > 50);
});

test('crash loop: SIGKILL during a write load, twice — every acknowledged write survives, nothing half-done', { timeout: 90_000 }, async () => {
  const r = await runCrashLoop(2);
  assert.deepEqual(r.failures, []);
  assert.ok(r.acknowledged > 50, `${r.acknowledged} acknowledged writes`);
});
