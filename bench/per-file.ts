// What a user's test suite pays per test file (issue 26): a server started in the test process with the story's
// fixtures and no port, its first signed call, reset() of a small and of a 1,000-entity world, and N test files run
// in one vitest run, each in a process of its own (vitest's default forks pool, isolated), each starting its own
// server, against the same files answering the same call with aws-sdk-client-mock instead (what a user would
// otherwise write). vitest loads iamlocal as a consumer's project does: a package under node_modules (dist/ copied
// from this checkout, built by `prebench`), externalized by vite-node, not transformed. CPU is the user + system time
// of the whole runner and its workers (bash's `times` after the run), steadier than wall-clock on a shared machine.
// The same files as `node --test` files are the second, cheaper measure (--node-test; off in the full bench's
// default rounds, on with options.nodeTest).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

/** One run of a suite: wall-clock and CPU (user + system of the runner and every worker), ms. */
export interface SuiteRun { wallMs: number; cpuMs: number }
/** A suite's rounds, with and without a server, alternated so both see the same machine; medians. */
export interface SuiteCosts { with: SuiteRun; without: SuiteRun; perFileMs: number; perFileCpuMs: number; rounds: number }

export interface PerFileCosts {
  startToFirstCallMs: number;
  resetStoryMs: number;
  resetThousandMs: number;
  resetStoryCpuMs: number;
  resetThousandCpuMs: number;
  files: number;
  /** One vitest run of `files` files (forks pool, 2 workers). */
  vitest: SuiteCosts;
  /** The same as `node --test` files (2 at a time), when asked for. */
  nodeTest?: SuiteCosts;
}

/** Runs `command` under bash and answers its wall-clock and the CPU its children used (bash's `times`). */
function timed(command: string[], cwd: string): SuiteRun {
  const quoted = command.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const started = performance.now();
  const run = spawnSync('bash', ['-c', `${quoted} >/tmp/iamlocal-per-file-out.$$ 2>&1; s=$?; times; [ $s = 0 ] || tail -c 2000 /tmp/iamlocal-per-file-out.$$; rm -f /tmp/iamlocal-per-file-out.$$; exit $s`], { cwd, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`test files failed: ${run.stdout.slice(-2000)} ${run.stderr.slice(-500)}`);
  // `times`: the shell's user and system time, then its children's: "0m1.234s 0m0.567s".
  const children = run.stdout.trim().split('\n').at(-1)!.match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
  if (!children) throw new Error(`no times in ${run.stdout}`);
  const cpuMs = (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
  return { wallMs, cpuMs };
}

/**
 * A consumer's project: node_modules/iamlocal holds a copy of this checkout's dist/ (and links to db/, bin/ and the
 * decision-log writer), every other package is a link to this checkout's node_modules.
 */
function consumerProject(dir: string): string {
  const project = join(dir, 'project');
  const modules = join(project, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const entry of readdirSync('node_modules')) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      mkdirSync(join(modules, entry));
      for (const scoped of readdirSync(join('node_modules', entry))) symlinkSync(resolve('node_modules', entry, scoped), join(modules, entry, scoped), 'dir');
    } else symlinkSync(resolve('node_modules', entry), join(modules, entry), 'dir');
  }
  const pkg = join(modules, 'iamlocal');
  mkdirSync(join(pkg, 'server', 'src', 'store'), { recursive: true });
  cpSync('package.json', join(pkg, 'package.json'));
  cpSync('dist', join(pkg, 'dist'), { recursive: true });
  symlinkSync(resolve('db'), join(pkg, 'db'), 'dir');
  symlinkSync(resolve('bin'), join(pkg, 'bin'), 'dir');
  symlinkSync(resolve('server/ui'), join(pkg, 'server', 'ui'), 'dir');
  cpSync('server/src/store/decision-writer.cjs', join(pkg, 'server', 'src', 'store', 'decision-writer.cjs'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'per-file', private: true, type: 'module' }));
  return project;
}

const WITH_SERVER = (test: string): string => `${test}import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startIamlocal } from 'iamlocal';
test('caller', async () => {
  const local = await startIamlocal({ listen: false, fixtures: [${JSON.stringify(STORY)}] });
  const client = new STSClient(local.clientConfig('root'));
  const { Account } = await client.send(new GetCallerIdentityCommand({}));
  if (Account !== '123456789012') throw new Error(Account);
  await local.stop();
});
`;
const WITHOUT_SERVER = (test: string): string => `${test}import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
test('caller', async () => {
  const mock = mockClient(STSClient);
  mock.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:root', UserId: '123456789012' });
  const client = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const { Account } = await client.send(new GetCallerIdentityCommand({}));
  if (Account !== '123456789012') throw new Error(Account);
  mock.restore();
});
`;

function suiteCosts(project: string, files: number, rounds: number, runner: 'vitest' | 'node-test'): SuiteCosts {
  const dirs = { with: join(project, `${runner}-with`), without: join(project, `${runner}-without`) };
  const header = runner === 'vitest' ? "import { test } from 'vitest';\n" : "import { test } from 'node:test';\n";
  for (const [kind, dir] of Object.entries(dirs)) {
    mkdirSync(dir);
    for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.test.mjs`), kind === 'with' ? WITH_SERVER(header) : WITHOUT_SERVER(header));
  }
  const vitest = resolve('node_modules/vitest/vitest.mjs');
  const command = (dir: string): string[] => runner === 'vitest'
    // Forks pool, isolated (vitest's defaults: a process per file), two at a time as on a 2-CPU machine.
    ? [process.execPath, vitest, 'run', '--root', dir, '--pool', 'forks', '--maxWorkers', '2', '--minWorkers', '1', '--reporter', 'dot']
    : [process.execPath, '--test', '--test-concurrency=2', '--test-reporter=dot', ...Array.from({ length: files }, (_, i) => join(dir, `f${i}.test.mjs`))];
  // A first run of each, not timed: vitest's and the OS's caches, and iamlocal's per-user caches (YAML, code).
  timed(command(dirs.without), project);
  timed(command(dirs.with), project);
  const withRuns: SuiteRun[] = [];
  const withoutRuns: SuiteRun[] = [];
  for (let i = 0; i < rounds; i++) {
    withoutRuns.push(timed(command(dirs.without), project));
    withRuns.push(timed(command(dirs.with), project));
  }
  const med = (runs: SuiteRun[]): SuiteRun => ({ wallMs: median(runs.map((r) => r.wallMs)), cpuMs: median(runs.map((r) => r.cpuMs)) });
  const w = med(withRuns);
  const wo = med(withoutRuns);
  return { with: w, without: wo, perFileMs: (w.wallMs - wo.wallMs) / files, perFileCpuMs: (w.cpuMs - wo.cpuMs) / files, rounds };
}

export async function perFileCosts(options: { runs: number; files: number; rounds?: number; nodeTest?: boolean; suitesOnly?: boolean }): Promise<PerFileCosts> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-per-file-'));
  try {
    let startToFirstCallMs = Number.NaN;
    let resetStoryMs = Number.NaN;
    let resetThousandMs = Number.NaN;
    let resetStoryCpuMs = Number.NaN;
    let resetThousandCpuMs = Number.NaN;
    if (!options.suitesOnly) {
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
      startToFirstCallMs = median(starts);

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
      [resetStoryMs, resetStoryCpuMs] = await timeResets([STORY]);
      const thousand = join(dir, 'thousand.json');
      writeFileSync(thousand, entityFixture(1000));
      [resetThousandMs, resetThousandCpuMs] = await timeResets([thousand]);
    }

    const project = consumerProject(dir);
    const rounds = options.rounds ?? 3;
    const vitest = suiteCosts(project, options.files, rounds, 'vitest');
    const nodeTest = options.nodeTest ? suiteCosts(project, options.files, rounds, 'node-test') : undefined;
    return { startToFirstCallMs, resetStoryMs, resetThousandMs, resetStoryCpuMs, resetThousandCpuMs, files: options.files, vitest, nodeTest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report's lines for a suite. */
export function describeSuite(name: string, files: number, s: SuiteCosts): string {
  const sign = (x: number): string => (x >= 0 ? '+' : '');
  return `${files} ${name} files with a server each ${(s.with.wallMs / 1000).toFixed(1)} s (CPU ${(s.with.cpuMs / 1000).toFixed(1)} s) vs with aws-sdk-client-mock ` +
    `${(s.without.wallMs / 1000).toFixed(1)} s (CPU ${(s.without.cpuMs / 1000).toFixed(1)} s): ${sign(s.perFileMs)}${s.perFileMs.toFixed(0)} ms a file, ` +
    `CPU ${sign(s.perFileCpuMs)}${s.perFileCpuMs.toFixed(0)} ms a file (median of ${s.rounds} alternating rounds)`;
}

// node --import tsx bench/per-file.ts [FILES] [--rounds N] [--node-test] [--suites-only]
if (process.argv[1]?.endsWith('per-file.ts')) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const files = Number(args.find((a, i) => /^\d+$/.test(a) && !args[i - 1]?.startsWith('--')) ?? 20);
  const costs = await perFileCosts({ runs: 10, files, rounds: Number(flag('--rounds') ?? 3), nodeTest: args.includes('--node-test'), suitesOnly: args.includes('--suites-only') });
  console.log(JSON.stringify(costs, null, 2));
  console.log(describeSuite('vitest', files, costs.vitest));
  if (costs.nodeTest) console.log(describeSuite('node --test', files, costs.nodeTest));
}
