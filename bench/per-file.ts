// What a user's test suite pays per test file (issue 26): a server started in the test process with the story's
// fixtures and no port, its first signed call, reset() of a small and of a 1,000-entity world, and N test files run
// by a test runner (node --test, one process per file, as vitest's forks pool does) each starting their own server,
// against the same files without one. Uses dist/ (what users import), built by `prebench`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startIamlocal } from '../dist/index.mjs';

const STORY = resolve('db/fixtures/seed-story.yaml');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A world of `n` entities: users and roles (half each), every one with an inline policy. */
function entityFixture(n: number): string {
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] };
  const users = Array.from({ length: n / 2 }, (_, i) => ({ name: `user-${i}`, inlinePolicies: { p: policy } }));
  const roles = Array.from({ length: n / 2 }, (_, i) => ({ name: `role-${i}`, trustPolicy: trust, inlinePolicies: { p: policy } }));
  return JSON.stringify({ users, roles });
}

export interface PerFileCosts {
  startToFirstCallMs: number;
  resetStoryMs: number;
  resetThousandMs: number;
  resetStoryCpuMs: number;
  resetThousandCpuMs: number;
  files: number;
  suiteWithServerMs: number;
  suiteWithoutServerMs: number;
  perFileOverheadMs: number;
}

export async function perFileCosts(options: { runs: number; files: number }): Promise<PerFileCosts> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-per-file-'));
  try {
    // Warm: the module is loaded and the JIT has seen one start before the measured ones.
    const starts: number[] = [];
    for (let i = 0; i <= options.runs; i++) {
      const started = performance.now();
      const local = await startIamlocal({ listen: false, fixtures: [STORY] });
      const sts = new STSClient(local.clientConfig('root'));
      await sts.send(new GetCallerIdentityCommand({}));
      if (i > 0) starts.push(performance.now() - started);
      sts.destroy();
      await local.stop();
    }

    // Wall time, and the process's CPU time (steadier on a shared machine, where a reset is often descheduled).
    const timeResets = async (fixtures: string[]): Promise<[number, number]> => {
      const local = await startIamlocal({ listen: false, fixtures });
      const times: number[] = [];
      const cpu: number[] = [];
      // Three times the starts' runs: a reset is cheap, and its median on a loaded machine needs more of them.
      for (let i = 0; i <= options.runs * 3; i++) {
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        local.reset();
        const used = process.cpuUsage(cpuBefore);
        if (i > 0) {
          times.push(performance.now() - started);
          cpu.push((used.user + used.system) / 1000);
        }
      }
      await local.stop();
      return [median(times), median(cpu)];
    };
    const [resetStoryMs, resetStoryCpuMs] = await timeResets([STORY]);
    const thousand = join(dir, 'thousand.json');
    writeFileSync(thousand, entityFixture(1000));
    const [resetThousandMs, resetThousandCpuMs] = await timeResets([thousand]);

    // N files, one process each (node --test's isolation, like vitest's default forks pool), two at a time.
    const index = resolve('dist/index.mjs');
    const sdk = resolve('node_modules/@aws-sdk/client-sts/dist-cjs/index.js');
    const suite = (withServer: boolean): number => {
      const sub = join(dir, withServer ? 'with' : 'without');
      rmSync(sub, { recursive: true, force: true });
      spawnSync('mkdir', ['-p', sub]);
      for (let i = 0; i < options.files; i++) {
        writeFileSync(join(sub, `f${i}.test.mjs`), withServer
          ? `import { test } from 'node:test';\nimport { startIamlocal } from ${JSON.stringify(index)};\nimport sts from ${JSON.stringify(sdk)};\n` +
            `test('caller', async () => {\n  const local = await startIamlocal({ listen: false, fixtures: [${JSON.stringify(STORY)}] });\n` +
            `  const client = new sts.STSClient(local.clientConfig('root'));\n  await client.send(new sts.GetCallerIdentityCommand({}));\n  await local.stop();\n});\n`
          : `import { test } from 'node:test';\nimport sts from ${JSON.stringify(sdk)};\n` +
            `test('caller', async () => {\n  const client = new sts.STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });\n  void client;\n});\n`);
      }
      const files = Array.from({ length: options.files }, (_, i) => join(sub, `f${i}.test.mjs`));
      const started = performance.now();
      const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=dot', ...files], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`test files failed: ${run.stdout.slice(-500)} ${run.stderr.slice(-500)}`);
      return performance.now() - started;
    };
    const suiteWithoutServerMs = suite(false);
    const suiteWithServerMs = suite(true);
    return {
      startToFirstCallMs: median(starts), resetStoryMs, resetThousandMs, resetStoryCpuMs, resetThousandCpuMs, files: options.files, suiteWithServerMs, suiteWithoutServerMs,
      perFileOverheadMs: (suiteWithServerMs - suiteWithoutServerMs) / options.files,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('per-file.ts')) {
  console.log(await perFileCosts({ runs: 10, files: Number(process.argv[2] ?? 20) }));
}
