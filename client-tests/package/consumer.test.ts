// iamlocal as someone else's dependency, end to end: `npm pack` (its prepack builds dist/), the tarball installed
// with @aws-sdk/client-s3 into a new project from the local npm cache (--prefer-offline: the registry is asked only
// for what the cache lacks), then, in that project: the examples of client-tests/examples/consumer (plain Node ESM,
// CommonJS, node:test, vitest, Jest with ts-jest, each one allowed and one denied call), the project's own
// `tsc --noEmit` with skipLibCheck false (and iamlocal's declarations alone, without @types/node), and
// `npx iamlocal serve` stopped by `kill` (TERM and KILL) of npx's pid and by Ctrl-C (SIGINT to the process group),
// leaving no process.
// Two things are not fetched again, to keep this test fast: better-sqlite3's native addon is copied from this
// checkout's build (a consumer's npm downloads or compiles the same file), and the test runners (vitest, jest, ts-jest,
// typescript, @types/node) are linked from this checkout instead of installed.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const EXAMPLES = join(REPO, 'client-tests/examples/consumer');
const dir = mkdtempSync(join(tmpdir(), 'iamlocal-consumer-'));
const project = join(dir, 'project');

interface Result { code: number; stdout: string; stderr: string }

async function sh(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Result> {
  try {
    // NODE_TEST_CONTEXT would make the example's `node --test` think it runs inside this test, and skip its files.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const { stdout, stderr } = await run(file, args, { cwd: options.cwd ?? project, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env }, timeout: options.timeout ?? 60_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}${typeof e.code === 'string' ? ` (${e.code})` : ''}` };
  }
}

const ok = (r: Result, what: string): string => {
  assert.equal(r.code, 0, `${what} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
};

before(async () => {
  const packed = ok(await sh('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO, timeout: 120_000 }), 'npm pack');
  const [info] = JSON.parse(packed.slice(packed.indexOf('['), packed.lastIndexOf(']') + 1)) as [{ filename: string; entryCount: number; size: number }];
  assert.ok(info.entryCount <= 60, `the tarball has ${info.entryCount} files`);
  mkdirSync(project);
  const sdk = (await import('@aws-sdk/client-s3/package.json', { with: { type: 'json' } })).default.version;
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  ok(await sh('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--save-dev', join(dir, info.filename), `@aws-sdk/client-s3@${sdk}`], { timeout: 180_000 }), 'npm install');
  const addon = 'node_modules/better-sqlite3/build/Release';
  mkdirSync(join(project, addon), { recursive: true });
  copyFileSync(join(REPO, addon, 'better_sqlite3.node'), join(project, addon, 'better_sqlite3.node'));
  for (const tool of ['vitest', 'jest', 'ts-jest', 'typescript', '@types/node']) {
    mkdirSync(join(project, 'node_modules', tool, '..'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules', tool), join(project, 'node_modules', tool), 'dir');
  }
  for (const file of readdirSync(EXAMPLES)) cpSync(join(EXAMPLES, file), join(project, file));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('plain Node: ESM import and CommonJS require', async () => {
  assert.match(ok(await sh(process.execPath, ['esm.mjs']), 'esm.mjs'), /esm: allowed and denied as expected \(http:\/\/127\.0\.0\.1:\d+\)/);
  assert.match(ok(await sh(process.execPath, ['cjs.cjs']), 'cjs.cjs'), /cjs: allowed and denied as expected \(http:\/\/iamlocal\.internal\)/);
});

test('node:test, vitest and Jest run their examples', async () => {
  assert.match(ok(await sh(process.execPath, ['--test', 'node-test.example.mjs']), 'node --test'), /# pass 2\n# fail 0/);
  assert.match(ok(await sh(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.mjs'], { env: { CI: '1' } }), 'vitest'), /Tests\s+2 passed \(2\)/);
  assert.match(ok(await sh(process.execPath, [join(REPO, 'node_modules/jest/bin/jest.js'), '--ci', '--config', 'jest.config.cjs']), 'jest'), /Tests:\s+2 passed, 2 total/);
});

test('TypeScript: the consumer\'s tsc --noEmit with skipLibCheck false, and the declarations alone without @types/node', async () => {
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
  ok(await sh(process.execPath, [tsc, '-p', 'tsconfig.json']), 'tsc (ESM and CommonJS declarations)');
  writeFileSync(join(project, 'bare.mts'), "import { startIamlocal, type StartOptions } from 'iamlocal';\nconst options: StartOptions = { listen: false };\nexport const started = startIamlocal(options);\n");
  writeFileSync(join(project, 'tsconfig.bare.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['bare.mts'] }));
  ok(await sh(process.execPath, [tsc, '-p', 'tsconfig.bare.json']), 'tsc (declarations alone)');
});

/** Starts `npx iamlocal serve` as a job of its own process group; resolves with its pid, URL and exit. */
async function npxServe(): Promise<{ pid: number; url: string; exited: Promise<void> }> {
  const child = spawn('npx', ['iamlocal', 'serve', '--port', '0', '--db', ':memory:', '--log-level', 'silent'], { cwd: project, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const first = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (first) done(first[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    void exited.then(() => fail(new Error(`npx iamlocal serve exited before ready: ${out}`)));
  });
  return { pid: child.pid!, url, exited };
}

/** The processes of a process group still alive (zombies excluded). */
async function groupMembers(pgid: number): Promise<string[]> {
  const ps = await sh('ps', ['-e', '-o', 'pid=,pgid=,stat=,args=']);
  return ps.stdout.split('\n').filter((line) => {
    const [, group, stat] = line.trim().split(/\s+/);
    return Number(group) === pgid && !stat!.startsWith('Z');
  });
}

async function stoppedCompletely(pgid: number, url: string): Promise<void> {
  for (let i = 0; i < 40 && (await groupMembers(pgid)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await groupMembers(pgid), [], 'a process of npx iamlocal serve is still running');
  await assert.rejects(fetch(`${url}/_iamlocal/health`), 'the port still answers');
}

test('npx iamlocal serve: `kill <pid of npx>`, `kill -9 <pid of npx>` and Ctrl-C stop the server; no process is left', async () => {
  const killed = await npxServe();
  assert.equal((await fetch(`${killed.url}/_iamlocal/health`)).status, 200);
  process.kill(killed.pid, 'SIGTERM'); // what `npx iamlocal serve & ... kill $!` does: npx's pid only
  await stoppedCompletely(killed.pid, killed.url);

  const killed9 = await npxServe();
  process.kill(killed9.pid, 'SIGKILL'); // npx cannot pass this one on: the server notices that npm is gone
  await stoppedCompletely(killed9.pid, killed9.url);

  const interrupted = await npxServe();
  process.kill(-interrupted.pid, 'SIGINT'); // Ctrl-C: the terminal signals the whole foreground process group
  await stoppedCompletely(interrupted.pid, interrupted.url);
});
