// Crash loop (npm run crash-loop [-- --iterations N]): a server on a database file takes a mixed write load
// (CreateUser, DeleteUser, CreatePolicyVersion, DeletePolicyVersion, PutObject, DeleteObject) and is killed with
// SIGKILL at a random moment; restarted on the same file, every acknowledged write must be there (objects with their
// exact bytes), nothing half-done may be visible (policy versions <= 5, every object row has its blob), and
// PRAGMA integrity_check must answer ok. A write in flight at the kill may have happened or not, never half.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { codeOf, integrityCheck, queryCall, s3Call, send, spawnServer, type SpawnedServer } from './lib/harness.ts';

const ACCOUNT = '123456789012';
const POLICIES = ['crash-p0', 'crash-p1', 'crash-p2'];
const BUCKET = 'crash-bucket';
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

/** What the database must show for one entity: `value` once acknowledged; `pending` a write that may or may not have landed. */
interface Slot<T> { value: T | undefined; pending: (T | undefined)[] }

interface Model {
  users: Map<string, Slot<true>>;
  objects: Map<string, Slot<string>>; // md5 of the bytes
  versions: Map<string, Map<string, Slot<string>>>; // policy → version id → document
}

export interface CrashLoopResult { iterations: number; acknowledged: number; inFlightAtKill: number; failures: string[]; orphanBlobs: number; elapsedMs: number }

export async function runCrashLoop(iterations: number, log: (line: string) => void = () => undefined): Promise<CrashLoopResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-crash-'));
  const dbPath = join(dir, 'crash.sqlite');
  const model: Model = { users: new Map(), objects: new Map(), versions: new Map(POLICIES.map((p) => [p, new Map()])) };
  const failures: string[] = [];
  let acknowledged = 0;
  let inFlightAtKill = 0;
  let orphanBlobs = 0;
  let userCounter = 0;
  const started = performance.now();
  try {
    // Set-up: the bucket and the policies (v1 each), acknowledged before the first kill.
    {
      const server = await spawnServer(['--db', dbPath, '--log-level', 'silent']);
      const doc = policyDoc('setup');
      await send(server.url, s3Call(server.host, 'PUT', `/${BUCKET}`));
      for (const p of POLICIES) {
        const a = await send(server.url, queryCall(server.host, 'iam', { Action: 'CreatePolicy', PolicyName: p, PolicyDocument: doc }));
        if (a.status !== 200) throw new Error(`setup CreatePolicy: ${a.status} ${a.body.toString()}`);
        model.versions.get(p)!.set('v1', { value: doc, pending: [] });
      }
      await server.stop('SIGTERM');
    }
    for (let i = 0; i < iterations; i++) {
      const server = await spawnServer(['--db', dbPath, '--log-level', 'error']);
      const agent = new Agent({ keepAlive: true, maxSockets: 16 });
      let killed = false;
      const workers: Promise<void>[] = [];
      // Each worker owns its entities (one user stream, one policy, a set of keys), so per-entity order is known.
      for (let w = 0; w < 8; w++) workers.push(worker(server, agent, w, () => killed));
      // Killed after a random number of acknowledged writes (not a random time), so a slow machine still has work in
      // flight at the kill; the time cap only stops a stalled server from hanging the loop.
      const killAt = acknowledged + 40 + Math.floor(Math.random() * 160);
      const cap = performance.now() + 20_000;
      while (acknowledged < killAt && performance.now() < cap) await new Promise((r) => setTimeout(r, 5));
      killed = true;
      server.child.kill('SIGKILL');
      await server.exited;
      await Promise.allSettled(workers);
      agent.destroy();
      const leftovers = server.output().match(/internal error|unhandled error/g)?.length ?? 0;
      if (leftovers) failures.push(`iteration ${i}: server logged internal errors before the kill:\n${server.output().slice(0, 2000)}`);

      // The file as the crash left it: integrity, and every object row has its blob.
      const integrity = await integrityCheckAfterRecovery(dbPath);
      if (integrity !== 'ok') failures.push(`iteration ${i}: integrity_check: ${integrity}`);
      const blobCheck = checkBlobs(dbPath);
      orphanBlobs += blobCheck.orphans;
      failures.push(...blobCheck.problems.map((p) => `iteration ${i}: ${p}`));

      // Restart on the same file (the dead server's lock is taken over) and compare with the model.
      const restarted = await spawnServer(['--db', dbPath, '--log-level', 'error']);
      const state = JSON.parse((await send(restarted.url, { method: 'GET', path: '/_iamlocal/state', headers: {} }, undefined, 60_000)).body.toString()) as ExportedState;
      const problems = verify(model, state);
      failures.push(...problems.map((p) => `iteration ${i}: ${p}`));
      for (const [key, slot] of model.objects) {
        if (slot.value === undefined) continue;
        const a = await send(restarted.url, s3Call(restarted.host, 'GET', `/${BUCKET}/${key}`));
        if (a.status !== 200 || md5(a.body) !== slot.value) failures.push(`iteration ${i}: GET ${key} answered ${a.status} with different bytes`);
      }
      await restarted.stop('SIGTERM');
      const afterRestart = checkBlobs(dbPath);
      if (afterRestart.orphans) failures.push(`iteration ${i}: ${afterRestart.orphans} orphan blob files survived the restart`);
      log(`iteration ${i + 1}/${iterations}: killed after ${acknowledged} acknowledged writes in total; ${problems.length} problems; integrity ${integrity}`);
    }
    const finalIntegrity = await integrityCheck(dbPath);
    if (finalIntegrity !== 'ok') failures.push(`final integrity_check: ${finalIntegrity}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { iterations, acknowledged, inFlightAtKill, failures, orphanBlobs, elapsedMs: performance.now() - started };

  async function worker(server: SpawnedServer, agent: Agent, w: number, stopped: () => boolean): Promise<void> {
    const policy = POLICIES[w % POLICIES.length]!;
    const ownsPolicy = w < POLICIES.length;
    while (!stopped()) {
      const roll = Math.random();
      try {
        if (roll < 0.25) {
          const name = `crash-u${w}-${userCounter++}`;
          const slot: Slot<true> = { value: undefined, pending: [true] };
          model.users.set(name, slot);
          const a = await call(queryCall(server.host, 'iam', { Action: 'CreateUser', UserName: name }));
          settle(slot, a.status === 200, true);
        } else if (roll < 0.35) {
          const mine = [...model.users].filter(([n, s]) => n.startsWith(`crash-u${w}-`) && s.value && s.pending.length === 0);
          if (!mine.length) continue;
          const [name, slot] = mine[Math.floor(Math.random() * mine.length)]!;
          slot.pending.push(undefined);
          const a = await call(queryCall(server.host, 'iam', { Action: 'DeleteUser', UserName: name }));
          settle(slot, a.status === 200, undefined);
        } else if (roll < 0.55 && ownsPolicy) {
          const versions = model.versions.get(policy)!;
          const live = [...versions].filter(([, s]) => s.value !== undefined);
          if (live.length >= 5) {
            // Keep within the limit: delete the oldest version that is not the default (the newest is).
            const [id, slot] = live.sort((a, b) => Number(a[0].slice(1)) - Number(b[0].slice(1)))[0]!;
            slot.pending.push(undefined);
            const a = await call(queryCall(server.host, 'iam', { Action: 'DeletePolicyVersion', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/${policy}`, VersionId: id }));
            settle(slot, a.status === 200, undefined);
            if (a.status !== 200) throw new Error(`DeletePolicyVersion ${policy} ${id}: ${a.status} ${codeOf(a.body.toString())}`);
            continue;
          }
          const doc = policyDoc(randomBytes(6).toString('hex'));
          const next = `v${Math.max(...[...versions.keys()].map((v) => Number(v.slice(1)))) + 1}`;
          const slot: Slot<string> = { value: undefined, pending: [doc] };
          versions.set(next, slot);
          const a = await call(queryCall(server.host, 'iam', { Action: 'CreatePolicyVersion', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/${policy}`, PolicyDocument: doc, SetAsDefault: 'true' }));
          if (a.status === 200) {
            const id = /<VersionId>(v\d+)<\/VersionId>/.exec(a.body.toString())?.[1];
            if (id !== next) throw new Error(`CreatePolicyVersion answered ${id}, expected ${next}`);
          }
          settle(slot, a.status === 200, doc);
        } else if (roll < 0.85) {
          const key = `w${w}/k${Math.floor(Math.random() * 40)}`;
          const slot = model.objects.get(key) ?? { value: undefined, pending: [] };
          if (slot.pending.length) continue;
          model.objects.set(key, slot);
          const bytes = randomBytes(Math.random() < 0.1 ? 256 * 1024 + Math.floor(Math.random() * 1024 * 1024) : Math.floor(Math.random() * 8192));
          slot.pending.push(md5(bytes));
          const a = await call(s3Call(server.host, 'PUT', `/${BUCKET}/${key}`, bytes));
          settle(slot, a.status === 200, md5(bytes));
        } else {
          const existing = [...model.objects].filter(([k, s]) => k.startsWith(`w${w}/`) && s.value && !s.pending.length);
          if (!existing.length) continue;
          const [key, slot] = existing[Math.floor(Math.random() * existing.length)]!;
          slot.pending.push(undefined);
          const a = await call(s3Call(server.host, 'DELETE', `/${BUCKET}/${key}`));
          settle(slot, a.status === 204, undefined);
        }
      } catch (error) {
        if (!stopped()) failures.push(`worker ${w}: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }

    async function call(req: Parameters<typeof send>[1]) {
      try {
        const a = await send(server.url, req, agent, 30_000);
        if (a.status >= 300) throw new Error(`${req.method} ${req.path} answered ${a.status} ${codeOf(a.body.toString()) ?? ''}`);
        return a;
      } catch (error) {
        // The kill: this write is in flight, and may or may not have landed.
        if (stopped()) { inFlightAtKill++; throw error; }
        throw error;
      }
    }
  }

  function settle<T>(slot: Slot<T>, ok: boolean, value: T | undefined): void {
    if (!ok) return;
    slot.pending.pop();
    slot.value = value;
    acknowledged++;
  }
}

const policyDoc = (tag: string): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: `s${tag}`, Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/${tag}/*` }] });

interface ExportedState {
  users: { name: string }[];
  policies: { name: string; defaultVersion: string; versions: { id: string; document: string }[] }[];
  buckets: { name: string; objects: { key: string; contentBase64: string }[] }[];
}

/** Compares the recovered state with the model; resolves in-flight writes to whatever the database shows. */
function verify(model: Model, state: ExportedState): string[] {
  const problems: string[] = [];
  const check = <T>(what: string, slot: Slot<T>, actual: T | undefined): void => {
    const allowed = [slot.value, ...slot.pending];
    if (!allowed.some((v) => v === actual)) problems.push(`${what}: found ${JSON.stringify(actual)?.slice(0, 80)}, acknowledged ${JSON.stringify(slot.value)?.slice(0, 80)}`);
    slot.value = actual;
    slot.pending = [];
  };
  const users = new Set(state.users.map((u) => u.name));
  for (const [name, slot] of model.users) check(`user ${name}`, slot, users.has(name) ? true : undefined);
  for (const [name, versions] of model.versions) {
    const p = state.policies.find((x) => x.name === name);
    if (!p) { problems.push(`policy ${name} is missing`); continue; }
    if (p.versions.length > 5) problems.push(`policy ${name} has ${p.versions.length} versions`);
    if (!p.versions.some((v) => v.id === p.defaultVersion)) problems.push(`policy ${name}: default ${p.defaultVersion} is not among its versions`);
    const docs = new Map(p.versions.map((v) => [v.id, v.document]));
    for (const [id, slot] of versions) check(`policy ${name} ${id}`, slot, docs.get(id));
    for (const id of docs.keys()) if (!versions.has(id)) problems.push(`policy ${name} has ${id}, never written`);
    for (const [id, slot] of [...versions]) if (slot.value === undefined) versions.delete(id);
  }
  const objects = new Map((state.buckets.find((b) => b.name === BUCKET)?.objects ?? []).map((o) => [o.key, md5(Buffer.from(o.contentBase64, 'base64'))]));
  for (const [key, slot] of model.objects) check(`object ${key}`, slot, objects.get(key));
  for (const key of objects.keys()) if (!model.objects.has(key)) problems.push(`object ${key} exists but was never written`);
  return problems;
}

/** integrity_check on the file as the crash left it (the WAL is recovered by opening it read-write, as a restart would). */
async function integrityCheckAfterRecovery(dbPath: string): Promise<string> {
  const db = new Database(dbPath);
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/**
 * Every object row and part has its blob (a file, or an inline_blobs row for small bodies); blobs no row references
 * (orphans: files, or inline rows, which must never happen since they are written in the object's transaction) are
 * counted.
 */
function checkBlobs(dbPath: string): { problems: string[]; orphans: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const blobDir = `${dbPath}.blobs`;
    const referenced = new Set<string>([
      ...db.prepare<[], { blob_id: string }>('SELECT blob_id FROM objects').all().map((r) => r.blob_id),
      ...db.prepare<[], { blob_id: string }>('SELECT blob_id FROM multipart_parts').all().map((r) => r.blob_id),
    ]);
    const inline = new Set(db.prepare<[], string>('SELECT blob_id FROM inline_blobs').pluck().all());
    const problems = [...referenced].filter((id) => !inline.has(id) && !existsSync(join(blobDir, id))).map((id) => `row references missing blob ${id}`);
    const inlineOrphans = [...inline].filter((id) => !referenced.has(id));
    problems.push(...inlineOrphans.map((id) => `inline blob ${id} is referenced by no row`));
    const orphans = readdirSync(blobDir).filter((f) => !referenced.has(f)).length;
    return { problems, orphans };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { iterations: { type: 'string' } } });
  const iterations = Number(values.iterations ?? 20);
  const r = await runCrashLoop(iterations, (l) => console.error(l));
  console.log(`\ncrash loop: ${r.iterations} SIGKILLs in ${(r.elapsedMs / 1000).toFixed(1)} s; ${r.acknowledged} acknowledged writes verified after restarts; ${r.inFlightAtKill} writes in flight at the kills (landed or not, never half)`);
  console.log(`blob files left by the kills before their row committed: ${r.orphanBlobs} (all removed by the next start)`);
  console.log(`failures: ${r.failures.length}`);
  for (const f of r.failures.slice(0, 30)) console.log(` - ${f}`);
  process.exit(r.failures.length ? 1 : 0);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) void main();
