// Concurrency (npm run concurrency [-- --seconds 60 --clients 64]): many clients at once doing mixed reads and writes
// against one server on a database file. Only the AWS errors the workload provokes on purpose are allowed (name
// races: EntityAlreadyExists, NoSuchEntity, LimitExceeded, NoSuchKey...); no 5xx, no SQLITE_BUSY, no transport
// errors. Afterwards the state must be consistent: policy versions <= 5 with the default among them, no duplicate
// names, object and user counts matching what the clients were told.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { codeOf, integrityCheck, queryCall, s3Call, send, spawnServer, type Answer, type RawRequest } from './lib/harness.ts';

const ACCOUNT = '123456789012';
const POLICIES = ['cc-p0', 'cc-p1', 'cc-p2', 'cc-p3'];
const BUCKET = 'cc-bucket';
/** Errors a racing workload is expected to get (two clients creating, deleting or versioning the same thing). */
const EXPECTED = new Set(['EntityAlreadyExists', 'NoSuchEntity', 'LimitExceeded', 'DeleteConflict', 'NoSuchKey', 'NoSuchBucket', 'BucketNotEmpty']);

export interface ConcurrencyResult {
  seconds: number; clients: number; ops: number; opsPerSecond: number; byOp: Record<string, number>; expectedErrors: Record<string, number>;
  failures: string[]; p50: number; p99: number;
}

/**
 * Runs `clients` clients for `seconds`; with `minOps`, goes on past that (up to 10× the time) until that many operations
 * were answered, so that a slow or busy machine still exercises enough races rather than failing a count.
 */
export async function runConcurrency(seconds: number, clients: number, minOps = 0): Promise<ConcurrencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-cc-'));
  const dbPath = join(dir, 'cc.sqlite');
  const server = await spawnServer(['--db', dbPath, '--log-level', 'error']);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const byOp: Record<string, number> = {};
  const expectedErrors: Record<string, number> = {};
  const failures: string[] = [];
  const latencies: number[] = [];
  // What clients were told: users whose creation and deletion were acknowledged; objects put and deleted.
  const users = new Map<string, number>();
  const objects = new Map<string, number>();
  let ops = 0;
  try {
    const doc = (tag: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/${tag}` }] });
    await send(server.url, s3Call(server.host, 'PUT', `/${BUCKET}`));
    for (const p of POLICIES) await send(server.url, queryCall(server.host, 'iam', { Action: 'CreatePolicy', PolicyName: p, PolicyDocument: doc('x') }));

    const call = async (op: string, req: RawRequest): Promise<Answer | undefined> => {
      ops++;
      byOp[op] = (byOp[op] ?? 0) + 1;
      try {
        const a = await send(server.url, req, agent, 30_000);
        latencies.push(a.ms);
        const text = a.status >= 300 ? a.body.toString() : '';
        const code = codeOf(text);
        // Random request and host ids can spell "busy" too: look at the rest of the answer.
        const meaningful = text.replace(/<(RequestId|HostId)>[^<]*<\/\1>/g, '');
        if (a.status >= 500 || /SQLITE|busy|locked/i.test(meaningful)) failures.push(`${op}: ${a.status} ${text.slice(0, 300)}`);
        else if (a.status >= 300 && !(code && EXPECTED.has(code))) failures.push(`${op}: unexpected ${a.status} ${code ?? ''} ${text.slice(0, 200)}`);
        else if (code) expectedErrors[code] = (expectedErrors[code] ?? 0) + 1;
        return a;
      } catch (error) {
        failures.push(`${op}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    };
    const host = server.host;
    const startedAt = performance.now();
    const deadline = startedAt + seconds * 1000;
    const hardDeadline = startedAt + seconds * 10_000;
    const goOn = (): boolean => {
      const now = performance.now();
      return now < deadline || (ops < minOps && now < hardDeadline);
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
    await Promise.all(Array.from({ length: clients }, async () => {
      while (goOn()) {
        const roll = Math.random();
        // Names from a small pool, so that clients race on the same users, keys and policies.
        const user = `cc-u${Math.floor(Math.random() * 50)}`;
        const key = `k${Math.floor(Math.random() * 200)}`;
        const policy = pick(POLICIES);
        const arn = `arn:aws:iam::${ACCOUNT}:policy/${policy}`;
        if (roll < 0.1) {
          const a = await call('CreateUser', queryCall(host, 'iam', { Action: 'CreateUser', UserName: user }));
          if (a?.status === 200) users.set(user, (users.get(user) ?? 0) + 1);
        } else if (roll < 0.15) {
          const a = await call('DeleteUser', queryCall(host, 'iam', { Action: 'DeleteUser', UserName: user }));
          if (a?.status === 200) users.set(user, (users.get(user) ?? 0) - 1);
        } else if (roll < 0.25) {
          await call('GetUser', queryCall(host, 'iam', { Action: 'GetUser', UserName: user }));
        } else if (roll < 0.3) {
          await call('ListUsers', queryCall(host, 'iam', { Action: 'ListUsers' }));
        } else if (roll < 0.4) {
          await call('CreatePolicyVersion', queryCall(host, 'iam', { Action: 'CreatePolicyVersion', PolicyArn: arn, PolicyDocument: doc(randomBytes(4).toString('hex')), SetAsDefault: String(Math.random() < 0.5) }));
        } else if (roll < 0.45) {
          const list = await call('ListPolicyVersions', queryCall(host, 'iam', { Action: 'ListPolicyVersions', PolicyArn: arn }));
          const text = list?.body.toString() ?? '';
          const victims = [...text.matchAll(/<member>([\s\S]*?)<\/member>/g)]
            .filter((m) => m[1]!.includes('<IsDefaultVersion>false</IsDefaultVersion>'))
            .map((m) => /<VersionId>(v\d+)<\/VersionId>/.exec(m[1]!)?.[1])
            .filter((v): v is string => v !== undefined);
          if (victims.length) await call('DeletePolicyVersion', queryCall(host, 'iam', { Action: 'DeletePolicyVersion', PolicyArn: arn, VersionId: pick(victims) }));
        } else if (roll < 0.5) {
          await call('GetPolicy', queryCall(host, 'iam', { Action: 'GetPolicy', PolicyArn: arn }));
        } else if (roll < 0.55) {
          await call('GetCallerIdentity', queryCall(host, 'sts', { Action: 'GetCallerIdentity' }));
        } else if (roll < 0.7) {
          const a = await call('PutObject', s3Call(host, 'PUT', `/${BUCKET}/${key}`, randomBytes(Math.floor(Math.random() * 4096))));
          if (a?.status === 200) objects.set(key, 1);
        } else if (roll < 0.8) {
          await call('GetObject', s3Call(host, 'GET', `/${BUCKET}/${key}`));
        } else if (roll < 0.85) {
          await call('DeleteObject', s3Call(host, 'DELETE', `/${BUCKET}/${key}`));
        } else if (roll < 0.95) {
          await call('ListObjectsV2', s3Call(host, 'GET', `/${BUCKET}`, '', {}, 'list-type=2&max-keys=100'));
        } else {
          await call('CopyObject', s3Call(host, 'PUT', `/${BUCKET}/${key}-copy`, '', { 'x-amz-copy-source': `${BUCKET}/${key}` }));
        }
      }
    }));
    const elapsed = (performance.now() - startedAt) / 1000;

    // Consistency: what the server holds against itself and against what clients were told.
    const state = JSON.parse((await send(server.url, { method: 'GET', path: '/_iamlocal/state', headers: {} }, undefined, 60_000)).body.toString()) as {
      users: { name: string }[]; policies: { name: string; defaultVersion: string; versions: { id: string }[] }[]; buckets: { name: string; objects: { key: string }[] }[];
    };
    const names = state.users.map((u) => u.name.toLowerCase());
    if (new Set(names).size !== names.length) failures.push('duplicate user names in the state');
    for (const [name, n] of users) {
      // Each user's acknowledged creates and deletes alternate, so their difference is 0 or 1: whether it exists now.
      if (n !== 0 && n !== 1) failures.push(`user ${name}: ${n} more acknowledged creates than deletes`);
      if ((n === 1) !== names.includes(name)) failures.push(`user ${name}: acknowledged net ${n}, state ${names.includes(name) ? 'has' : 'lacks'} it`);
    }
    for (const p of state.policies.filter((x) => POLICIES.includes(x.name))) {
      if (p.versions.length > 5) failures.push(`policy ${p.name} has ${p.versions.length} versions`);
      if (!p.versions.some((v) => v.id === p.defaultVersion)) failures.push(`policy ${p.name}: default ${p.defaultVersion} is not one of its versions`);
      if (new Set(p.versions.map((v) => v.id)).size !== p.versions.length) failures.push(`policy ${p.name}: duplicate version ids`);
    }
    const listed = await send(server.url, s3Call(server.host, 'GET', `/${BUCKET}`, '', {}, 'list-type=2'));
    const keyCount = Number(/<KeyCount>(\d+)<\/KeyCount>/.exec(listed.body.toString())?.[1] ?? -1);
    const stateObjects = state.buckets.find((b) => b.name === BUCKET)?.objects.length ?? 0;
    if (keyCount !== stateObjects) failures.push(`ListObjectsV2 KeyCount ${keyCount} but the state holds ${stateObjects} objects`);
    const healthy = await send(server.url, { method: 'GET', path: '/_iamlocal/health', headers: {} });
    if (healthy.status !== 200) failures.push(`health ${healthy.status}`);
    agent.destroy();
    const output = server.output();
    const code = await server.stop('SIGTERM');
    if (code !== 0) failures.push(`SIGTERM exit code ${code}`);
    if (/internal error|unhandled error|SQLITE_BUSY/.test(output)) failures.push(`server log shows errors:\n${output.slice(0, 2000)}`);
    const integrity = await integrityCheck(dbPath);
    if (integrity !== 'ok') failures.push(`integrity_check: ${integrity}`);
    latencies.sort((a, b) => a - b);
    return {
      seconds: elapsed, clients, ops, opsPerSecond: Math.round(ops / elapsed), byOp, expectedErrors, failures,
      p50: latencies[Math.floor(latencies.length / 2)] ?? 0, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    };
  } finally {
    agent.destroy();
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string' }, clients: { type: 'string' } } });
  const r = await runConcurrency(Number(values.seconds ?? 60), Number(values.clients ?? 64));
  console.log(`${r.clients} clients for ${r.seconds.toFixed(1)} s: ${r.ops} operations, ${r.opsPerSecond} ops/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`);
  console.log('by operation:', Object.entries(r.byOp).map(([k, v]) => `${k}=${v}`).join(' '));
  console.log('expected AWS errors (races on purpose):', Object.entries(r.expectedErrors).map(([k, v]) => `${k}=${v}`).join(' ') || 'none');
  console.log(`failures: ${r.failures.length}`);
  for (const f of r.failures.slice(0, 30)) console.log(` - ${f}`);
  process.exit(r.failures.length ? 1 : 0);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) void main();
