// `iamlocal serve` as users run it: bin/iamlocal.mjs runs the compiled CLI (dist/cli.mjs) in its own process, prints
// the URL once ready, finds db/ (migrations, AWS managed policies) from dist/, serves the AWS CLI, honours
// --decision-log-size and exits 0 on SIGTERM and SIGINT. (npx and the installed package: client-tests/package/.)
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { promisify } from 'node:util';
import { test } from 'node:test';

const run = promisify(execFile);

interface Served { child: ChildProcess; url: string; exited: Promise<number | null> }

async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const db = args.includes('--db') ? [] : ['--db', ':memory:'];
  const child = spawn(process.execPath, ['bin/iamlocal.mjs', 'serve', '--port', '0', ...db, '--log-level', 'silent', ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The URL is the first line, alone, so scripts can read it.
      const first = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (first) resolve(first[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    void exited.then((code) => reject(new Error(`iamlocal exited (${code}) before ready: ${out}`)));
  });
  return { child, url, exited };
}

async function stop(s: Served): Promise<void> {
  s.child.kill('SIGTERM');
  assert.equal(await s.exited, 0);
}

async function aws(url: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: url, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
  try {
    const { stdout, stderr } = await run('aws', [...args, '--output', 'json'], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function decisionsFor(url: string, principal: string): Promise<unknown[]> {
  const res = await fetch(`${url}/_iamlocal/decisions?principal=${encodeURIComponent(principal)}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { decisions: unknown[] }).decisions;
}

test('from dist/: ready line, health, AWS managed policies from db/, denials logged, SIGTERM → exit 0', async () => {
  const s = await serve(['--fixtures', 'db/fixtures/seed-story.yaml']);
  try {
    const health = await fetch(`${s.url}/_iamlocal/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const managed = await aws(s.url, ['iam', 'get-policy', '--policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess']);
    assert.equal(managed.code, 0, managed.stderr);
    assert.equal((JSON.parse(managed.stdout) as { Policy: { PolicyName: string } }).Policy.PolicyName, 'ReadOnlyAccess');
    // The story's first denial, and its record in the decision log.
    const created = await aws(s.url, ['iam', 'create-user', '--user-name', 'nobody']);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse((await aws(s.url, ['iam', 'create-access-key', '--user-name', 'nobody'])).stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    const denied = await run('aws', ['iam', 'list-roles'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: key.AccessKey.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.AccessKey.SecretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: s.url, AWS_MAX_ATTEMPTS: '1' },
    }).then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(denied, /AccessDenied.*arn:aws:iam::123456789012:user\/nobody is not authorized to perform: iam:ListRoles/);
    assert.equal((await decisionsFor(s.url, 'arn:aws:iam::123456789012:user/nobody')).length, 1);
  } finally {
    await stop(s);
  }
});

test('--decision-log-size 0 keeps no decisions; enforcement is unchanged', async () => {
  const s = await serve(['--decision-log-size', '0']);
  try {
    await aws(s.url, ['iam', 'create-user', '--user-name', 'nobody']);
    const key = JSON.parse((await aws(s.url, ['iam', 'create-access-key', '--user-name', 'nobody'])).stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    const denied = await run('aws', ['s3api', 'list-buckets'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: key.AccessKey.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.AccessKey.SecretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: s.url, AWS_MAX_ATTEMPTS: '1' },
    }).then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(denied, /AccessDenied/);
    assert.deepEqual(await decisionsFor(s.url, 'arn:aws:iam::123456789012:user/nobody'), []);
  } finally {
    await stop(s);
  }
  const bad = await run(process.execPath, ['bin/iamlocal.mjs', 'serve', '--decision-log-size', 'lots']).then(() => 0, (e: { code: number; stderr: string }) => {
    assert.match(e.stderr, /--decision-log-size must be a whole number, got 'lots'/);
    return e.code;
  });
  assert.equal(bad, 2);
});

test('SIGINT (Ctrl-C) stops it as SIGTERM does: exit 0, the port closed', async () => {
  const s = await serve([]);
  s.child.kill('SIGINT');
  assert.equal(await s.exited, 0);
  await assert.rejects(fetch(`${s.url}/_iamlocal/health`));
});

test('the decision log: its own file beside the database, every decision visible to the next read, exactly bounded, kept across restarts, emptied by a reset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-decisions-'));
  const db = join(dir, 'state.sqlite');
  const args = ['--db', db, '--decision-log-size', '40'];
  const nobody = 'arn:aws:iam::123456789012:user/nobody';
  try {
    let s = await serve(args);
    let newest: { id: number; action: string; resource: string; principal: string }[];
    try {
      assert.equal((await aws(s.url, ['iam', 'create-user', '--user-name', 'nobody'])).code, 0);
      const key = JSON.parse((await aws(s.url, ['iam', 'create-access-key', '--user-name', 'nobody'])).stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
      const iam = new IAMClient({ endpoint: s.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: key.AccessKey.AccessKeyId, secretAccessKey: key.AccessKey.SecretAccessKey } });
      // 60 denials, 20 at a time: the log keeps the last 40, and a read right after the last answer sees it.
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => iam.send(new GetUserCommand({ UserName: `u${round * 20 + i}` })).then(() => assert.fail('allowed'), (e: Error) => assert.equal(e.name, 'AccessDenied'))));
      }
      iam.destroy();
      const res = await fetch(`${s.url}/_iamlocal/decisions?limit=1000`);
      newest = ((await res.json()) as { decisions: { id: number; action: string; resource: string; principal: string }[] }).decisions;
      assert.equal(newest.length, 40);
      assert.ok(newest.every((d) => d.principal === nobody && d.action === 'iam:GetUser'));
      // Rounds run one after another, so the last 40 are exactly rounds two and three.
      assert.deepEqual(newest.map((d) => d.resource).sort(), Array.from({ length: 40 }, (_, i) => `arn:aws:iam::123456789012:user/u${i + 20}`).sort());
      assert.ok(existsSync(`${db}.decisions`), 'the log is in <db>.decisions');
    } finally {
      await stop(s);
    }
    s = await serve(args);
    try {
      assert.deepEqual((await decisionsFor(s.url, nobody)).map((d) => (d as { id: number }).id), newest.map((d) => d.id).slice(0, 100));
      assert.equal((await fetch(`${s.url}/_iamlocal/reset`, { method: 'POST' })).status, 200);
      assert.deepEqual(await decisionsFor(s.url, nobody), []);
    } finally {
      await stop(s);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the AWS CLI\'s cached role credentials meet a fresh :memory: server: AWS\'s InvalidClientTokenId, and the log says why', async () => {
  // The AWS CLI caches role_arn credentials in ~/.aws/cli/cache and reuses them until they expire
  // (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-role.html); a new :memory: server never issued them.
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-cli-cache-'));
  const fixtures = join(dir, 'fixtures.json');
  writeFileSync(fixtures, JSON.stringify({
    users: [{ name: 'dev', accessKeys: [{ id: 'AKIAEXAMPLEDEVKEY001', secret: 'dev-secret-access-key-example-0000000000' }], inlinePolicies: { assume: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } } }],
    roles: [{ name: 'deployer', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }] } }],
  }));
  writeFileSync(join(dir, 'config'), '[profile dev]\nregion = us-east-1\n\n[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = dev\nregion = us-east-1\n');
  writeFileSync(join(dir, 'credentials'), '[dev]\naws_access_key_id = AKIAEXAMPLEDEVKEY001\naws_secret_access_key = dev-secret-access-key-example-0000000000\n');
  const callerIdentity = (url: string): Promise<{ code: number; stdout: string; stderr: string }> => run('aws', ['sts', 'get-caller-identity', '--profile', 'deployer', '--output', 'json'], {
    env: { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_ENDPOINT_URL: url, AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '' },
  }).then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
  try {
    let s = await serve(['--fixtures', fixtures]);
    try {
      const first = await callerIdentity(s.url);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /assumed-role\/deployer\//);
      assert.ok(readdirSync(join(dir, '.aws/cli/cache')).length > 0, 'the CLI cached the role credentials');
    } finally {
      await stop(s);
    }
    s = await serve(['--fixtures', fixtures, '--log-level', 'warn']);
    let log = '';
    s.child.stdout!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
    try {
      const second = await callerIdentity(s.url);
      assert.notEqual(second.code, 0);
      assert.match(second.stderr, /An error occurred \(InvalidClientTokenId\) when calling the GetCallerIdentity operation: The security token included in the request is invalid\./);
      for (let i = 0; i < 200 && !log.includes('unknown temporary access key'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(log, /unknown temporary access key ASIA[A-Z0-9]+: this iamlocal never issued it.*~\/\.aws\/cli\/cache/);
    } finally {
      await stop(s);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the request log: one JSON line per request on stdout; POST /_iamlocal/log-level changes the level of the running server', async () => {
  const s = await serve(['--log-level', 'info']);
  let log = '';
  s.child.stdout!.on('data', (chunk: Buffer) => { log += chunk.toString(); });
  const lines = (): Array<Record<string, unknown>> => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitFor = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && lines().length < n; i++) await new Promise((r) => setTimeout(r, 25));
  };
  const level = async (method: 'GET' | 'POST', query = ''): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${s.url}/_iamlocal/log-level${query}`, { method });
    return { status: res.status, body: await res.json() };
  };
  try {
    assert.deepEqual(await level('GET'), { status: 200, body: { level: 'info' } });
    const caller = await aws(s.url, ['sts', 'get-caller-identity']);
    assert.equal(caller.code, 0, caller.stderr);
    const missing = await aws(s.url, ['iam', 'get-role', '--role-name', 'nope']);
    assert.notEqual(missing.code, 0);
    await waitFor(2);
    const [first, second] = lines().filter((l) => l.service !== 'admin');
    assert.deepEqual({ ...first, time: 0, ms: 0 }, { level: 30, time: 0, service: 'sts', operation: 'GetCallerIdentity', principal: 'arn:aws:iam::123456789012:root', status: 200, ms: 0 });
    assert.equal(typeof first!.time, 'number');
    assert.ok(Math.abs((first!.time as number) - Date.now()) < 60_000);
    assert.deepEqual({ ...second, time: 0, ms: 0 }, { level: 30, time: 0, service: 'iam', operation: 'GetRole', principal: 'arn:aws:iam::123456789012:root', status: 404, errorCode: 'NoSuchEntity', ms: 0 });

    // silent: no line; a level that is not one is refused, the level unchanged.
    assert.deepEqual(await level('POST', '?level=silent'), { status: 200, body: { level: 'silent' } });
    const before = lines().length;
    assert.equal((await aws(s.url, ['sts', 'get-caller-identity'])).code, 0);
    assert.deepEqual(await level('POST', '?level=verbose'), { status: 400, body: { error: 'level must be one of silent, error, warn, info, debug' } });
    assert.deepEqual(await level('POST'), { status: 400, body: { error: 'level must be one of silent, error, warn, info, debug' } });
    assert.deepEqual(await level('GET'), { status: 200, body: { level: 'silent' } });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(lines().length, before);

    // Back to info: lines again.
    assert.deepEqual(await level('POST', '?level=info'), { status: 200, body: { level: 'info' } });
    assert.equal((await aws(s.url, ['iam', 'list-roles'])).code, 0);
    await waitFor(before + 1);
    assert.deepEqual(lines().slice(before).filter((l) => l.service !== 'admin').map((l) => l.operation), ['ListRoles']);
  } finally {
    await stop(s);
  }
});
