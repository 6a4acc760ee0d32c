// npm run bench [-- --quick] [--scale [--scale-cap S]] [--duration S] [--concurrency N] [--no-moto] [--json] [--objects N] [--moto-objects N] [--only REGEX] [--profile DIR] [--leak N]
// --only REGEX: only the rows (and sections) whose name matches, e.g. --only "GetRole|ListObjectsV2".
// --files N: test files in the per-file section (one vitest run of N files with a server each, against N with
// aws-sdk-client-mock; 3 alternating rounds); --node-test: the same files under `node --test` too. --no-table: only the
// cold start, idle RSS and (unless --only leaves it out) the per-file section.
// Measures iamlocal over HTTP with requests signed once (SigV4, reused inside the 15-minute window) on keep-alive
// connections, against moto_server and a bare node:http server on the same machine in the same run. The load comes from
// bench/generator.ts, a process of its own writing the pre-signed requests on raw sockets; the ceiling of each row is
// bench/ceiling.mjs, a bare node:http server answering the same bytes the operation answered, from memory.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signedHeaders, type Credentials } from '../server/test/support/sign.ts';
import { benchAuthorization } from './policy.ts';
import { cpuSeconds, type LoadJob, type LoadResult } from './generator.ts';
import { describeSuite, perFileCosts, type PerFileCosts } from './per-file.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' }, duration: { type: 'string' }, concurrency: { type: 'string' }, 'no-moto': { type: 'boolean' }, json: { type: 'boolean' },
    objects: { type: 'string' }, files: { type: 'string' }, 'moto-objects': { type: 'string' }, only: { type: 'string' }, 'node-test': { type: 'boolean' }, 'no-table': { type: 'boolean' }, profile: { type: 'string' }, leak: { type: 'string' },
    scale: { type: 'boolean' }, 'scale-cap': { type: 'string' },
  },
});
const QUICK = values.quick ?? false;
const DURATION_MS = Number(values.duration ?? (QUICK ? 0.5 : 4)) * 1000;
const CONCURRENCY = Number(values.concurrency ?? 16);
/** Unmeasured load before each measurement: both JITs (the generator's and the server's) settle in about a second. */
const WARMUP_MS = Math.min(1000, DURATION_MS / 4);
const OBJECTS = Number(values.objects ?? (QUICK ? 1000 : 100_000));
/** moto is seeded by PutObject at a few hundred a second: 2,000 by default (its listings sort every key, so fewer flatters it). */
const MOTO_OBJECTS = Number(values['moto-objects'] ?? Math.min(OBJECTS, QUICK ? 1000 : 2000));
/** Test files in the per-file measurement (each run with and without a server). */
const FILES = Number(values.files ?? (QUICK ? 10 : 100));
const ONLY = values.only ? new RegExp(values.only, 'i') : undefined;
/** --profile DIR: the measured iamlocal runs with --cpu-prof (written to DIR when it exits). */
const PROFILE_ARGS = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];
/** --leak N: after the table, N more mixed requests; RSS after a warm-up tenth is compared with RSS at the end. */
const LEAK_REQUESTS = Number(values.leak ?? 0);
const ROOT: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Target { name: string; host: string; port: number; pid?: number }
interface Req { method: string; path: string; headers: Record<string, string>; body?: string }
interface Ceiling { rps: number; p50: number; p99: number; cpuUs?: number; bytes: number }
interface Result {
  op: string; target: string; rps: number; p50: number; p99: number; errors: number; rssAfterMb?: number; cpuUs?: number;
  /** The generator's own CPU: a share of one core near 100% would mean it, not the server, set the pace. */
  generatorCorePercent?: number; bytes?: number; ceiling?: Ceiling;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(t: Target, r: Req): Promise<{ status: number; body: string; raw: Buffer; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: t.host, port: t.port, method: r.method, path: r.path, headers: r.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: raw.toString(), raw, contentType: String(res.headers['content-type'] ?? 'application/octet-stream') });
      });
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

async function signed(t: Target, service: 'sts' | 'iam' | 's3' | 'kms', method: string, path: string, opts: { query?: Record<string, string>; body?: string; headers?: Record<string, string> } = {}, creds = ROOT): Promise<Req> {
  const host = `${t.host}:${t.port}`;
  const headers = await signedHeaders(service, host, { method, path, query: opts.query, headers: opts.headers, body: opts.body }, creds);
  const qs = new URLSearchParams(opts.query ?? {}).toString().replace(/\+/g, '%20');
  return { method, path: qs ? `${path}?${qs}` : path, headers: { ...headers, ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}) }, body: opts.body };
}

const form = (service: 'sts' | 'iam', params: Record<string, string>): string =>
  new URLSearchParams({ Version: service === 'sts' ? '2011-06-15' : '2010-05-08', ...params }).toString();

async function query(t: Target, service: 'sts' | 'iam', params: Record<string, string>, creds = ROOT): Promise<Req> {
  return signed(t, service, 'POST', '/', { body: form(service, params), headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } }, creds);
}

async function must(t: Target, r: Req): Promise<string> {
  const res = await send(t, r);
  if (res.status >= 300) throw new Error(`${t.name}: ${r.method} ${r.path} → ${res.status} ${res.body.slice(0, 300)}`);
  return res.body;
}

/** The request as it goes on the wire: head and body, built once per measurement. */
function wire(t: Target, r: Req): string {
  const headers: Record<string, string> = { host: `${t.host}:${t.port}`, ...r.headers };
  return `${r.method} ${r.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${r.body ?? ''}`;
}

let generator: ChildProcess | undefined;
function generate(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve) => {
    generator!.once('message', (m) => resolve(m as LoadResult));
    generator!.send(job);
  });
}

/**
 * Waits (up to 30 s) until the server uses less than 10% of a core: a slow server (moto's 1,000-key listings take it
 * seconds each) keeps working on the requests of the previous row after their connections are gone, and the next row
 * would measure that backlog.
 */
async function quiesce(pid: number | undefined): Promise<void> {
  if (!pid) return;
  for (let i = 0; i < 150; i++) {
    const before = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, 200));
    if (cpuSeconds(pid) - before < 0.02) return;
  }
}

/** CONCURRENCY keep-alive connections, one request in flight on each, for DURATION_MS after a warm-up. */
async function load(t: Target, op: string, r: Req, always = false): Promise<Result> {
  if (ONLY && !always && !ONLY.test(op)) return { op, target: t.name, rps: 0, p50: 0, p99: 0, errors: 0 };
  await quiesce(t.pid);
  const g = await generate({ host: t.host, port: t.port, request: wire(t, r), connections: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: DURATION_MS, serverPid: t.pid });
  if (g.errors) console.error(`${t.name} ${op}: ${g.errors} errors (statuses ${g.badStatuses.join(', ')})`);
  return { op, target: t.name, rps: g.rps, p50: g.p50, p99: g.p99, errors: g.errors, rssAfterMb: rssMb(t.pid)?.rss, cpuUs: g.serverCpuUs, generatorCorePercent: g.generatorCorePercent, bytes: g.responseBytes };
}

interface CeilingServer { target: Target; child: ChildProcess }
let ceilingServer: CeilingServer | undefined;

async function startCeiling(): Promise<CeilingServer> {
  const child = fork('bench/ceiling.mjs', [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
  return { target: { name: 'node:http', host: '127.0.0.1', port, pid: child.pid }, child };
}

/**
 * One row: the operation on `t`, then (on iamlocal) the ceiling answering the very bytes the operation answers (one
 * probe request's status, content type and body), loaded with the same request.
 */
async function measure(t: Target, op: string, r: Req): Promise<Result> {
  const result = await load(t, op, r);
  if (t.name !== 'iamlocal' || !ceilingServer || result.rps === 0) return result;
  const probe = await send(t, r);
  const { child, target } = ceilingServer;
  await new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ status: probe.status, contentType: probe.contentType, body: probe.raw.toString('base64') });
  });
  const c = await load(target, op, r, true);
  result.ceiling = { rps: c.rps, p50: c.p50, p99: c.p99, cpuUs: c.cpuUs, bytes: c.bytes ?? 0 };
  return result;
}

function rssMb(pid: number | undefined): { rss: number; peak: number } | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString();
      const m = pattern.exec(buffer);
      if (m) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(m[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before ready: ${buffer.slice(-500)}`)));
  });
}

async function startIamlocal(dir: string, extraArgs: string[] = [], file = 'bench.sqlite'): Promise<{ target: Target; child: ChildProcess; startMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...PROFILE_ARGS, BIN, 'serve', '--port', '0', '--db', join(dir, file), ...(extraArgs.includes('--log-level') ? [] : ['--log-level', 'silent']), ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new URL(await waitForLine(child, /http:\/\/[\d.]+:\d+/));
  // Drained, so a server that logs never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return { target: { name: 'iamlocal', host: url.hostname, port: Number(url.port), pid: child.pid }, child, startMs: performance.now() - started };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A bare node:http server started the way iamlocal is: its URL on stdout, then 200 on any path. */
const BARE_SERVER = `require('http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log('http://127.0.0.1:' + this.address().port); });`;

/** CPU time (ms) a process has used so far, every thread, from the schedstat of each of /proc/PID/task/ (ns, not ticks). */
function cpuMsOf(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1e6;
}

/** What `npx iamlocal` runs: package.json's bin. */
const BIN = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }).bin.iamlocal!;

/** Cold start: median wall-clock and CPU (all threads, until health answered 200) of each, ms. */
export interface ColdStart { iamlocalMs: number; bareMs: number; iamlocalCpuMs: number; bareCpuMs: number }

/**
 * Spawn → first 200 from /_iamlocal/health, median of `runs`, for iamlocal (what `npx iamlocal serve` runs) and for a
 * bare `node -e http.createServer(…)` measured the same way, alternately, so both see the same machine. The CPU each
 * process used up to that 200 is read from /proc before it is stopped: steadier than wall-clock on a shared machine.
 */
async function coldStart(runs: number): Promise<ColdStart> {
  // A warm-up start of each (caches of the OS and of Node, iamlocal's code cache), not timed.
  const once = async (args: string[]): Promise<{ ms: number; cpuMs: number }> => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
    const url = new URL(await waitForLine(child, /http:\/\/[\d.]+:\d+/));
    const t: Target = { name: 'cold', host: url.hostname, port: Number(url.port) };
    while ((await send(t, { method: 'GET', path: '/_iamlocal/health', headers: {} }).catch(() => ({ status: 0 }))).status !== 200);
    const ms = performance.now() - started;
    const cpuMs = cpuMsOf(child.pid!);
    await stopChild(child);
    return { ms, cpuMs };
  };
  const IAMLOCAL = [BIN, 'serve', '--port', '0', '--db', ':memory:', '--log-level', 'silent'];
  await once(IAMLOCAL);
  await once(['-e', BARE_SERVER]);
  const iamlocal: Array<{ ms: number; cpuMs: number }> = [];
  const bare: Array<{ ms: number; cpuMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    iamlocal.push(await once(IAMLOCAL));
    bare.push(await once(['-e', BARE_SERVER]));
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return {
    iamlocalMs: median(iamlocal.map((r) => r.ms)), bareMs: median(bare.map((r) => r.ms)),
    iamlocalCpuMs: median(iamlocal.map((r) => r.cpuMs)), bareCpuMs: median(bare.map((r) => r.cpuMs)),
  };
}

async function startMoto(): Promise<{ target: Target; child: ChildProcess } | undefined> {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const child = spawn('moto_server', ['-p', String(port), '-H', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = await Promise.race([
    waitForLine(child, /Running on|Serving/).then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), 15000)),
  ]);
  if (!ready) {
    child.kill();
    return undefined;
  }
  return { target: { name: 'moto', host: '127.0.0.1', port, pid: child.pid }, child };
}

const xmlValue = (xml: string, tag: string): string => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1] ?? '';

interface World { user: Credentials; session: Credentials; roleArn: string; policyArn: string; objects: number }

const BODY_1KIB = 'x'.repeat(1024);
const objectKey = (i: number): string => `data/${String(i).padStart(6, '0')}.bin`;

/** Loads a fixture document through the admin API; answers the seconds it took. */
async function loadFixtures(t: Target, text: string): Promise<number> {
  const started = performance.now();
  await must(t, { method: 'POST', path: '/_iamlocal/fixtures', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }, body: text });
  return (performance.now() - started) / 1000;
}

/** The same objects PutObject would store, as one fixture document (iamlocal only: moto has no such API). */
function objectFixture(objects: number): string {
  const list = Array.from({ length: objects }, (_, i) => ({ key: objectKey(i), content: BODY_1KIB }));
  return JSON.stringify({ buckets: [{ name: 'bench-bucket', objects: list }] });
}

/**
 * Same world on every target: a user allowed to assume a role that may list/read/write a bucket of `objects` keys.
 * Objects are PUT one by one, or (iamlocal) loaded as fixtures, whose duration is reported.
 */
async function seed(t: Target, objects: number, objectsVia: 'put' | 'fixtures'): Promise<World & { fixtureSeconds?: number }> {
  const account = '123456789012';
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/bench` }, Action: 'sts:AssumeRole' }] });
  await must(t, await query(t, 'iam', { Action: 'CreateUser', UserName: 'bench' }));
  await must(t, await query(t, 'iam', { Action: 'PutUserPolicy', UserName: 'bench', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  const key = await must(t, await query(t, 'iam', { Action: 'CreateAccessKey', UserName: 'bench' }));
  const user = { accessKeyId: xmlValue(key, 'AccessKeyId'), secretAccessKey: xmlValue(key, 'SecretAccessKey') };
  await must(t, await query(t, 'iam', { Action: 'CreateRole', RoleName: 'bench-role', AssumeRolePolicyDocument: trust }));
  const statements = Array.from({ length: 10 }, (_, i) => ({ Effect: 'Allow', Action: [`s3:Get*`, 's3:PutObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::bench-bucket${i === 0 ? '' : `-${i}`}`, `arn:aws:s3:::bench-bucket${i === 0 ? '' : `-${i}`}/*`], Condition: { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } } }));
  await must(t, await query(t, 'iam', { Action: 'PutRolePolicy', RoleName: 'bench-role', PolicyName: 's3', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const roleArn = `arn:aws:iam::${account}:role/bench-role`;
  const assumed = await must(t, await query(t, 'sts', { Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: 'bench' }, user));
  const session = { accessKeyId: xmlValue(assumed, 'AccessKeyId'), secretAccessKey: xmlValue(assumed, 'SecretAccessKey'), sessionToken: xmlValue(assumed, 'SessionToken') };
  const managed = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const created = await must(t, await query(t, 'iam', { Action: 'CreatePolicy', PolicyName: 'bench-managed', PolicyDocument: managed }));
  const policyArn = xmlValue(created, 'Arn');
  if (objectsVia === 'fixtures') {
    const fixtureSeconds = await loadFixtures(t, objectFixture(objects));
    return { user, session, roleArn, policyArn, objects, fixtureSeconds };
  }
  await must(t, await signed(t, 's3', 'PUT', '/bench-bucket'));
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < objects) {
      const i = next++;
      await must(t, await signed(t, 's3', 'PUT', `/bench-bucket/${objectKey(i)}`, { body: BODY_1KIB }));
    }
  }));
  return { user, session, roleArn, policyArn, objects };
}

async function scenarios(t: Target, world: World, moto: boolean): Promise<Result[]> {
  const out: Result[] = [];
  const gci = await query(t, 'sts', { Action: 'GetCallerIdentity' });
  out.push(await measure(t, 'sts:GetCallerIdentity', gci));
  const assume = await query(t, 'sts', { Action: 'AssumeRole', RoleArn: world.roleArn, RoleSessionName: 'load' }, world.user);
  out.push(await measure(t, 'sts:AssumeRole', assume));
  const getRole = await query(t, 'iam', { Action: 'GetRole', RoleName: 'bench-role' });
  out.push(await measure(t, 'iam:GetRole', getRole));
  const getVersion = await query(t, 'iam', { Action: 'GetPolicyVersion', PolicyArn: world.policyArn, VersionId: 'v1' });
  out.push(await measure(t, 'iam:GetPolicyVersion', getVersion));
  const creds = moto ? ROOT : world.session;
  // A marker with a full 1,000-key page after it, in the middle of the bucket when it is large enough.
  const marker = objectKey(Math.max(0, Math.min(Math.floor(world.objects / 2), world.objects - 1001)));
  const list1 = await signed(t, 's3', 'GET', '/bench-bucket', { query: { prefix: 'data/', 'max-keys': '1000', marker } }, creds);
  out.push(await measure(t, 's3:ListObjects 1000', list1));
  const list2 = await signed(t, 's3', 'GET', '/bench-bucket', { query: { 'list-type': '2', prefix: 'data/', 'start-after': marker, 'fetch-owner': 'true' } }, creds);
  out.push(await measure(t, 's3:ListObjectsV2 1000', list2));
  const put = await signed(t, 's3', 'PUT', '/bench-bucket/put/one.bin', { body: 'y'.repeat(1024) }, creds);
  out.push(await measure(t, 's3:PutObject 1KiB', put));
  const get = await signed(t, 's3', 'GET', '/bench-bucket/data/000001.bin', {}, creds);
  out.push(await measure(t, 's3:GetObject 1KiB', get));
  if (!ONLY || KMS_OPS.some((op) => ONLY.test(op))) out.push(...(await kmsScenarios(t, world, moto)));
  return out;
}

const KMS_OPS = ['kms:Encrypt', 'kms:Decrypt', 's3:PutObject 1KiB SSE-KMS', 's3:GetObject 1KiB SSE-KMS'];

async function kms(t: Target, operation: string, input: Record<string, unknown>, creds = ROOT): Promise<Req> {
  return signed(t, 'kms', 'POST', '/', { body: JSON.stringify(input), headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}` } }, creds);
}

/**
 * A symmetric key (default key policy: the account delegates to IAM) and, on iamlocal, a second role with the bench
 * role's S3 statements plus kms:Encrypt/Decrypt/GenerateDataKey on that key (moto enforces nothing: root signs).
 * Its own role, so the other rows' policies stay as they were.
 */
async function kmsScenarios(t: Target, world: World, moto: boolean): Promise<Result[]> {
  const key = JSON.parse(await must(t, await kms(t, 'CreateKey', { Description: 'bench' }))) as { KeyMetadata: { KeyId: string; Arn: string } };
  const { KeyId: keyId, Arn: keyArn } = key.KeyMetadata;
  let creds = ROOT;
  if (!moto) {
    const account = '123456789012';
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:user/bench` }, Action: 'sts:AssumeRole' }] });
    await must(t, await query(t, 'iam', { Action: 'CreateRole', RoleName: 'bench-kms-role', AssumeRolePolicyDocument: trust }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:Get*', 's3:PutObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::bench-bucket', 'arn:aws:s3:::bench-bucket/*'], Condition: { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } } },
        { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn },
      ],
    };
    await must(t, await query(t, 'iam', { Action: 'PutRolePolicy', RoleName: 'bench-kms-role', PolicyName: 's3-kms', PolicyDocument: JSON.stringify(policy) }));
    const assumed = await must(t, await query(t, 'sts', { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${account}:role/bench-kms-role`, RoleSessionName: 'bench-kms' }, world.user));
    creds = { accessKeyId: xmlValue(assumed, 'AccessKeyId'), secretAccessKey: xmlValue(assumed, 'SecretAccessKey'), sessionToken: xmlValue(assumed, 'SessionToken') };
  }
  const out: Result[] = [];
  const encrypt = await kms(t, 'Encrypt', { KeyId: keyId, Plaintext: Buffer.from('bench plaintext: 32 bytes long..').toString('base64') }, creds);
  out.push(await measure(t, 'kms:Encrypt', encrypt));
  const { CiphertextBlob: blob } = JSON.parse(await must(t, encrypt)) as { CiphertextBlob: string };
  const decrypt = await kms(t, 'Decrypt', { CiphertextBlob: blob }, creds);
  out.push(await measure(t, 'kms:Decrypt', decrypt));
  const sse = { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': keyId };
  const put = await signed(t, 's3', 'PUT', '/bench-bucket/put/kms.bin', { body: 'k'.repeat(1024), headers: sse }, creds);
  out.push(await measure(t, 's3:PutObject 1KiB SSE-KMS', put));
  await must(t, await signed(t, 's3', 'PUT', '/bench-bucket/kms/000001.bin', { body: BODY_1KIB, headers: sse }, creds));
  const get = await signed(t, 's3', 'GET', '/bench-bucket/kms/000001.bin', {}, creds);
  const probe = await send(t, get);
  // Fail loudly rather than measure a GetObject that did not go through KMS.
  if (probe.status !== 200 || probe.body !== BODY_1KIB) throw new Error(`${t.name}: SSE-KMS GetObject → ${probe.status} ${probe.body.slice(0, 300)}`);
  out.push(await measure(t, 's3:GetObject 1KiB SSE-KMS', get));
  return out;
}

/**
 * What the decision log costs: two servers with the same world, one logging every decision (the default) and one
 * logging none (--decision-log-size 0), measured operation by operation, alternately. Three rounds, the order swapped
 * each round so neither side always runs second; the cost is from the median throughput of each side.
 */
interface LogCost { op: string; logged: number; unlogged: number; costPercent: number; loggedCpuUs: number; unloggedCpuUs: number }

async function decisionLogCost(dir: string): Promise<LogCost[]> {
  const logged = await startIamlocal(dir, [], 'decision-logged.sqlite');
  const unlogged = await startIamlocal(dir, ['--decision-log-size', '0'], 'decision-unlogged.sqlite');
  const rounds = QUICK ? 1 : 3;
  try {
    const worlds = [await seed(logged.target, 100, 'fixtures'), await seed(unlogged.target, 100, 'fixtures')];
    const requests = async (t: Target, w: World): Promise<[string, Req][]> => [
      ['sts:AssumeRole', await query(t, 'sts', { Action: 'AssumeRole', RoleArn: w.roleArn, RoleSessionName: 'cost' }, w.user)],
      ['iam:GetRole', await query(t, 'iam', { Action: 'GetRole', RoleName: 'bench-role' })],
      ['s3:GetObject 1KiB', await signed(t, 's3', 'GET', '/bench-bucket/data/000001.bin', {}, w.session)],
      ['s3:PutObject 1KiB', await signed(t, 's3', 'PUT', '/bench-bucket/put/cost.bin', { body: 'y'.repeat(1024) }, w.session)],
    ];
    const a = await requests(logged.target, worlds[0]!);
    const b = await requests(unlogged.target, worlds[1]!);
    const out = [];
    for (let i = 0; i < a.length; i++) {
      const [op, req] = a[i]!;
      const withLog: number[] = [];
      const withoutLog: number[] = [];
      // Server CPU per request (every thread, the log's writer included): far less noisy than throughput.
      const cpu = { logged: [] as number[], unlogged: [] as number[] };
      const measure = async (side: 'logged' | 'unlogged'): Promise<void> => {
        const server = side === 'logged' ? logged : unlogged;
        const r = await load(server.target, op, side === 'logged' ? req : b[i]![1], true);
        cpu[side].push(r.cpuUs ?? 0);
        (side === 'logged' ? withLog : withoutLog).push(r.rps);
      };
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) { await measure('logged'); await measure('unlogged'); } else { await measure('unlogged'); await measure('logged'); }
      }
      const [l, u] = [median(withLog), median(withoutLog)];
      out.push({
        op, logged: l, unlogged: u, costPercent: (1 - l / u) * 100,
        loggedCpuUs: median(cpu.logged), unloggedCpuUs: median(cpu.unlogged),
      });
    }
    return out;
  } finally {
    logged.child.kill('SIGTERM');
    unlogged.child.kill('SIGTERM');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface RequestLogCost extends LogCost { rounds: number; pairedPercent: number; pairedRangePercent: [number, number] }

/**
 * What the request log costs (the CLI's default, --log-level info: one JSON line per request on stdout, a pipe the bench
 * drains), on ONE server process whose level is switched between rounds through POST /_iamlocal/log-level: two server
 * processes on this machine differ by ~10% in CPU per request on their own, more than the cost being measured. Rounds
 * alternate (info, silent, silent, info, …); the cost is the median over rounds of each round's logged/silent ratio
 * (neighbouring measurements see the same machine), with the medians of each side for reference.
 */
async function requestLogCost(dir: string): Promise<RequestLogCost[]> {
  const server = await startIamlocal(dir, ['--log-level', 'info'], 'request-log.sqlite');
  const rounds = QUICK ? 2 : 7;
  const setLevel = async (level: 'info' | 'silent'): Promise<void> => {
    const res = await send(server.target, { method: 'POST', path: `/_iamlocal/log-level?level=${level}`, headers: {} });
    if (res.status !== 200 || (JSON.parse(res.body) as { level: string }).level !== level) throw new Error(`log-level ${level}: ${res.status} ${res.body}`);
  };
  try {
    await seed(server.target, 100, 'fixtures');
    const t = server.target;
    const requests: [string, Req][] = [
      ['sts:GetCallerIdentity', await query(t, 'sts', { Action: 'GetCallerIdentity' })],
      ['iam:GetRole', await query(t, 'iam', { Action: 'GetRole', RoleName: 'bench-role' })],
    ];
    const out: RequestLogCost[] = [];
    for (const [op, req] of requests) {
      const side = { info: { rps: [] as number[], cpu: [] as number[] }, silent: { rps: [] as number[], cpu: [] as number[] } };
      const ratios: number[] = [];
      // One unmeasured load first: the server's first seconds of an operation run cold code (the first measured round
      // was twice the others), and would count against whichever level came first.
      await load(t, op, req, true);
      for (let round = 0; round < rounds; round++) {
        const order: Array<'info' | 'silent'> = round % 2 === 0 ? ['info', 'silent'] : ['silent', 'info'];
        for (const level of order) {
          await setLevel(level);
          const r = await load(t, op, req, true);
          side[level].rps.push(r.rps);
          side[level].cpu.push(r.cpuUs ?? 0);
        }
        ratios.push(side.info.cpu[round]! / side.silent.cpu[round]!);
      }
      const [l, u] = [median(side.info.rps), median(side.silent.rps)];
      out.push({
        op, rounds, logged: l, unlogged: u, costPercent: (1 - l / u) * 100,
        loggedCpuUs: median(side.info.cpu), unloggedCpuUs: median(side.silent.cpu), pairedPercent: (median(ratios) - 1) * 100,
        pairedRangePercent: [(Math.min(...ratios) - 1) * 100, (Math.max(...ratios) - 1) * 100],
      });
    }
    await setLevel('info');
    return out;
  } finally {
    server.child.kill('SIGTERM');
  }
}

/** One client, one request at a time: the latency of a single call without queueing behind 15 others. */
async function singleClientP50(t: Target, r: Req): Promise<number> {
  const latencies: number[] = [];
  const end = performance.now() + Math.min(DURATION_MS, 2000);
  while (performance.now() < end || latencies.length < 5) {
    const start = performance.now();
    const res = await send(t, r);
    if (res.status >= 300) throw new Error(`single-client request failed: ${res.status} ${res.body.slice(0, 200)}`);
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  return latencies[Math.floor(latencies.length / 2)]!;
}

/** N mixed reads and writes at the bench's concurrency; RSS is sampled once a tenth of them are done and at the end. */
async function leakRun(t: Target, world: World, total: number): Promise<{ requests: number; errors: number; seconds: number; warmRssMb: number; endRssMb: number; growthPercent: number; peakRssMb: number }> {
  const mix: Req[] = [
    await query(t, 'sts', { Action: 'GetCallerIdentity' }, world.session),
    await query(t, 'sts', { Action: 'AssumeRole', RoleArn: world.roleArn, RoleSessionName: 'leak' }, world.user),
    await query(t, 'iam', { Action: 'GetRole', RoleName: 'bench-role' }),
    await query(t, 'iam', { Action: 'GetPolicyVersion', PolicyArn: world.policyArn, VersionId: 'v1' }),
    await signed(t, 's3', 'GET', '/bench-bucket', { query: { 'list-type': '2', prefix: 'data/', 'max-keys': '50', 'fetch-owner': 'true' } }, world.session),
    await signed(t, 's3', 'PUT', '/bench-bucket/leak/one.bin', { body: 'z'.repeat(1024) }, world.session),
    await signed(t, 's3', 'GET', '/bench-bucket/data/000002.bin', {}, world.session),
  ];
  let sent = 0;
  let errors = 0;
  let warmRssMb = 0;
  const warmAt = Math.floor(total / 10);
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (sent < total) {
      const i = sent++;
      if (i === warmAt) warmRssMb = rssMb(t.pid)?.rss ?? 0;
      const res = await send(t, mix[i % mix.length]!);
      if (res.status >= 300) errors++;
    }
  }));
  const end = rssMb(t.pid);
  const endRssMb = end?.rss ?? 0;
  return { requests: total, errors, seconds: (performance.now() - started) / 1000, warmRssMb, endRssMb, growthPercent: ((endRssMb - warmRssMb) / warmRssMb) * 100, peakRssMb: end?.peak ?? 0 };
}

/** Cold start, idle RSS and the per-file costs: what a user of the CLI and of the package feels at start. */
function printStartCosts(report: Record<string, unknown>): void {
  const cold = report.coldStart as ColdStart;
  console.log(`cold start (spawn of ${BIN} serve → health 200, median): iamlocal ${cold.iamlocalMs.toFixed(0)} ms, bare node:http ${cold.bareMs.toFixed(0)} ms (${(cold.iamlocalMs / cold.bareMs).toFixed(2)}×); CPU until then ${cold.iamlocalCpuMs.toFixed(1)} vs ${cold.bareCpuMs.toFixed(1)} ms (${(cold.iamlocalCpuMs / cold.bareCpuMs).toFixed(2)}×); idle RSS ${Number(report.idleRssMb).toFixed(0)} MB${report.peakRssMb === undefined ? '' : `; peak RSS ${Number(report.peakRssMb).toFixed(0)} MB`}`);
  if (report.perFile) {
    const f = report.perFile as PerFileCosts;
    console.log(`per test file: startIamlocal({ listen: false, fixtures: [story] }) → first signed call ${f.startToFirstCallMs.toFixed(1)} ms (warm, median); reset() story ${f.resetStoryMs.toFixed(1)} ms (CPU ${f.resetStoryCpuMs.toFixed(1)}), 1,000 entities ${f.resetThousandMs.toFixed(1)} ms (CPU ${f.resetThousandCpuMs.toFixed(1)})`);
    console.log(`  ${describeSuite('vitest', f.files, f.vitest)}`);
    if (f.nodeTest) console.log(`  ${describeSuite('node --test', f.files, f.nodeTest)}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-bench-'));
  const report: Record<string, unknown> = { node: process.version, cpus: cpus().length, concurrency: CONCURRENCY, durationSeconds: DURATION_MS / 1000, objects: OBJECTS };
  try {
    report.authorization = benchAuthorization(QUICK ? 20_000 : 200_000);
    report.coldStart = await coldStart(QUICK ? 3 : 10);
    if (values['no-table']) {
      // Only what a user of the CLI and of the package feels at start: cold start, idle RSS, per test file.
      const iam = await startIamlocal(dir);
      await new Promise((resolve) => setTimeout(resolve, 500));
      report.idleRssMb = rssMb(iam.target.pid)?.rss;
      await stopChild(iam.child);
      if (!ONLY || ONLY.test('per file')) report.perFile = await perFileCosts({ runs: QUICK ? 3 : 10, files: FILES, rounds: QUICK ? 1 : 3, nodeTest: values['node-test'] ?? false });
      if (values.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      printStartCosts(report);
      return;
    }
    generator = fork('bench/generator.ts', [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    ceilingServer = await startCeiling();
    let iam = await startIamlocal(dir);
    report.idleRssMb = rssMb(iam.target.pid)?.rss;
    report.storyFixtureSeconds = await loadFixtures(iam.target, readFileSync('db/fixtures/seed-story.yaml', 'utf8'));
    const seedStart = performance.now();
    const world = await seed(iam.target, OBJECTS, 'fixtures');
    report.seedSeconds = (performance.now() - seedStart) / 1000;
    report.objectFixtureSeconds = world.fixtureSeconds;
    report.fixturePeakRssMb = rssMb(iam.target.pid)?.peak;
    // Loading 100 MB of fixtures leaves a big heap behind: measure from a fresh process on the same database.
    await stopChild(iam.child);
    iam = await startIamlocal(dir);
    const results = await scenarios(iam.target, world, false);
    if (!ONLY || ONLY.test('s3:ListObjectsV2 1000')) report.singleClientListV2P50Ms = await singleClientP50(iam.target, await signed(iam.target, 's3', 'GET', '/bench-bucket', { query: { 'list-type': '2', prefix: 'data/', 'start-after': objectKey(Math.floor(OBJECTS / 2)), 'fetch-owner': 'true' } }, world.session));
    report.peakRssMb = rssMb(iam.target.pid)?.peak;
    if (LEAK_REQUESTS > 0) report.leak = await leakRun(iam.target, world, LEAK_REQUESTS);
    await stopChild(iam.child);

    if (!ONLY || ONLY.test('decision log')) report.decisionLogCost = await decisionLogCost(dir);
    if (!ONLY || ONLY.test('request log')) report.requestLogCost = await requestLogCost(dir);
    if (!ONLY || ONLY.test('per file')) report.perFile = await perFileCosts({ runs: QUICK ? 3 : 10, files: FILES, rounds: QUICK ? 1 : 3, nodeTest: values['node-test'] ?? false });

    if (!values['no-moto']) {
      const moto = await startMoto();
      if (!moto) report.moto = 'moto_server not available: skipped';
      else {
        try {
          const motoWorld = await seed(moto.target, MOTO_OBJECTS, 'put');
          results.push(...(await scenarios(moto.target, motoWorld, true)));
        } finally {
          moto.child.kill('SIGTERM');
        }
      }
    }
    report.results = results;
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    console.log(`iamlocal bench — node ${report.node}, ${report.cpus} CPUs, concurrency ${CONCURRENCY}, ${DURATION_MS / 1000}s per operation, ${OBJECTS} objects seeded in ${Number(report.seedSeconds).toFixed(1)}s`);
    const auth = report.authorization as ReturnType<typeof benchAuthorization>;
    console.log(`authorization (10 policies × 10 statements): p50 ${auth.p50us.toFixed(2)} µs, p99 ${auth.p99us.toFixed(2)} µs, ${auth.decisionsPerSecond.toFixed(0)} decisions/s, ${auth.allocatedBytesPerDecision.toFixed(0)} bytes allocated per decision`);
    printStartCosts(report);
    console.log(`fixtures: story world ${(Number(report.storyFixtureSeconds) * 1000).toFixed(0)} ms; ${OBJECTS} objects of 1 KiB in one document ${Number(report.objectFixtureSeconds).toFixed(2)} s (server peak RSS ${Number(report.fixturePeakRssMb).toFixed(0)} MB; the table below is from a fresh server on that database)`);
    if (report.singleClientListV2P50Ms !== undefined) console.log(`ListObjectsV2 1,000-key page with Owner checks, one client: p50 ${Number(report.singleClientListV2P50Ms).toFixed(2)} ms`);
    if (report.leak) {
      const leak = report.leak as Awaited<ReturnType<typeof leakRun>>;
      console.log(`leak check: ${leak.requests} mixed requests (${leak.errors} errors) in ${leak.seconds.toFixed(0)} s; RSS after warm-up ${leak.warmRssMb.toFixed(0)} MB, at end ${leak.endRssMb.toFixed(0)} MB (${leak.growthPercent >= 0 ? '+' : ''}${leak.growthPercent.toFixed(1)}%), peak ${leak.peakRssMb.toFixed(0)} MB`);
    }
    // Per row: iamlocal, then the ceiling (bare node:http answering the same bytes, right after), then moto.
    const cols: Array<[string, number]> = [['operation', 26], ['req/s', 7], ['p50 ms', 7], ['p99 ms', 7], ['CPU µs', 7], ['ceil req/s', 10], ['ceil CPU µs', 11], ['% ceil', 6], ['CPU ×ceil', 9], ['moto req/s', 10], ['moto CPU µs', 11], ['× moto', 6], ['bytes', 7], ['gen CPU', 7]];
    console.log(cols.map(([h, w], i) => (i === 0 ? h.padEnd(w) : h.padStart(w))).join(' '));
    const fmt = (x: number | undefined, digits = 0): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));
    for (const r of results.filter((x) => x.target === 'iamlocal' && (!ONLY || ONLY.test(x.op)))) {
      const m = results.find((x) => x.target === 'moto' && x.op === r.op);
      const c = r.ceiling;
      const cells = [r.op, fmt(r.rps), fmt(r.p50, 2), fmt(r.p99, 2), fmt(r.cpuUs), fmt(c?.rps), fmt(c?.cpuUs), c ? `${fmt((r.rps / c.rps) * 100)}%` : '-', c?.cpuUs && r.cpuUs ? fmt(r.cpuUs / c.cpuUs, 2) : '-', fmt(m?.rps), fmt(m?.cpuUs), m ? fmt(r.rps / m.rps, 1) : '-', fmt(r.bytes), `${fmt(r.generatorCorePercent)}%`];
      console.log(cells.map((x, i) => (i === 0 ? x.padEnd(cols[i]![1]) : x.padStart(cols[i]![1]))).join(' ') + (r.errors ? `  (${r.errors} errors!)` : ''));
    }
    if (report.decisionLogCost) {
      const rows = report.decisionLogCost as LogCost[];
      console.log(`decision log cost (median req/s logging every decision vs none): ${rows.map((r) => `${r.op} ${r.logged.toFixed(0)} vs ${r.unlogged.toFixed(0)} (${r.costPercent >= 0 ? '-' : '+'}${Math.abs(r.costPercent).toFixed(1)}%)`).join('; ')}`);
      console.log(`decision log cost (server CPU per request, all threads, logged vs not): ${rows.map((r) => `${r.op} ${r.loggedCpuUs.toFixed(1)} vs ${r.unloggedCpuUs.toFixed(1)} µs (+${(r.loggedCpuUs - r.unloggedCpuUs).toFixed(1)} µs)`).join('; ')}`);
    }
    if (report.requestLogCost) {
      const rows = report.requestLogCost as RequestLogCost[];
      console.log(`request log cost (--log-level info, one JSON line per request to a drained pipe, vs silent, switched on one server process; server CPU per request, median of ${rows[0]?.rounds ?? 0} alternating rounds): ${rows.map((r) => `${r.op} ${r.loggedCpuUs.toFixed(1)} vs ${r.unloggedCpuUs.toFixed(1)} µs (paired ${r.pairedPercent >= 0 ? '+' : ''}${r.pairedPercent.toFixed(1)}%, rounds ${r.pairedRangePercent.map((x) => `${x >= 0 ? '+' : ''}${x.toFixed(0)}`).join('..')}%), req/s ${r.logged.toFixed(0)} vs ${r.unlogged.toFixed(0)}`).join('; ')}`);
    }
    if (report.moto) console.log(report.moto);
    else if (!values['no-moto']) console.log(`moto seeded with ${MOTO_OBJECTS} objects by PutObject (iamlocal: ${OBJECTS} by fixtures)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    agent.destroy();
    generator?.disconnect();
    ceilingServer?.child.disconnect();
  }
}

await main();

// --scale: the scale tables in the same run (issue 26 asks for one run reporting everything): the IAM scale bench
// (10,000 roles and policies, 1,000,000 decisions) and the S3 one (a 5 GiB multipart upload, 1,000,000 objects), each
// a script of its own (bench/scale.ts, bench/s3-scale.ts) with a time cap a step (--scale-cap S).
if (values.scale) {
  const cap = ['--cap', values['scale-cap'] ?? '240'];
  for (const script of ['bench/scale.ts', 'bench/s3-scale.ts']) {
    console.log(`\n${script}:`);
    const run = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', script, ...cap], { stdio: 'inherit' });
    if (run.status !== 0) process.exitCode = run.status ?? 1;
  }
}
