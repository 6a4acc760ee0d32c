// The iamlocal command line's contract: `--help` on every subcommand lists every flag and the environment variables
// the CLI reads; exit status 0 done, 1 runtime failure, 2 usage error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);

async function iamlocal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['bin/iamlocal.mjs', ...args], { env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('--help on every subcommand lists each of its flags; together they name every environment variable the CLI reads', async () => {
  const overview = await iamlocal(['--help']);
  assert.equal(overview.code, 0);
  const commands = [...overview.stdout.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]!);
  assert.ok(commands.includes('serve') && commands.includes('advise') && commands.includes('login'), overview.stdout);
  let allHelp = overview.stdout;
  for (const command of commands) {
    const help = await iamlocal([command, '--help']);
    assert.equal(help.code, 0, `${command} --help: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^Usage: iamlocal ${command} `));
    assert.match(help.stdout, /Exit status: 0 done.*1 runtime failure; 2 usage error/);
    // Each flag of the synopsis is described (the parser and the help come from one table, so each described flag is
    // also accepted).
    const described = [...help.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1]!);
    for (const flag of help.stdout.split('\n')[0]!.matchAll(/--([a-z-]+)/g)) assert.ok(described.includes(flag[1]!), `${command}: --${flag[1]} is not described`);
    allHelp += help.stdout;
  }
  assert.equal((await iamlocal(['serve', '-h'])).stdout, (await iamlocal(['help', 'serve'])).stdout);
  assert.match(allHelp, /--log-level LEVEL +Request log on stdout: silent, error, warn, info, debug \(default info\)\. \[env IAMLOCAL_LOG_LEVEL\]/);
  // Every IAMLOCAL_*/AWS_* variable read in the CLI's sources is documented in some --help.
  const sources = ['server/src/cli.ts', ...readdirSync('server/src/cli').map((f) => join('server/src/cli', f))].map((f) => readFileSync(f, 'utf8')).join('\n');
  const read = new Set([...sources.matchAll(/env(?:\.|\['|: ')((?:IAMLOCAL|AWS)_[A-Z0-9_]+)/g)].map((m) => m[1]!));
  assert.ok(read.has('IAMLOCAL_PORT') && read.has('IAMLOCAL_LOG_LEVEL'));
  for (const variable of read) assert.ok(allHelp.includes(variable), `${variable} is read but no --help names it`);
});

test('exit status: usage errors 2, runtime failures 1', async () => {
  const none = await iamlocal([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: iamlocal COMMAND/);
  const unknown = await iamlocal(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badFlag = await iamlocal(['serve', '--bogus']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /iamlocal serve: Unknown option '--bogus'\n\(iamlocal serve --help lists the options\)/);
  assert.equal((await iamlocal(['serve', '--log-level', 'loud'])).code, 2);
  assert.equal((await iamlocal(['serve'], { IAMLOCAL_ENFORCE: 'sometimes' })).code, 2, 'a bad environment variable is a usage error too');
  assert.equal((await iamlocal(['advise'])).code, 2, 'missing --principal');
  assert.equal((await iamlocal(['serve', 'extra'])).code, 2, 'a stray argument');

  // Runtime: the port is taken; no server to ask.
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  try {
    const port = (blocker.address() as { port: number }).port;
    const inUse = await iamlocal(['serve', '--port', String(port), '--db', ':memory:']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, new RegExp(`iamlocal serve: port ${port} on 127.0.0.1 is already in use`));
    const unreachable = await iamlocal(['unused', '--principal', 'arn:aws:iam::123456789012:user/x', '--endpoint', 'http://127.0.0.1:1']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /iamlocal unused: cannot reach http:\/\/127\.0\.0\.1:1/);
  } finally {
    blocker.close();
  }
});
