import { createRequire } from 'node:module';
import type { MessagePort, Worker } from 'node:worker_threads';
import { dbAsset, PROJECT_ROOT } from '../paths.ts';
import { lazyDependency } from '../lazy-dependency.ts';
import type { Decision, RequestContext } from '../policy/index.ts';
import { join } from 'node:path';

// node:worker_threads is loaded with the writer, on the first decision: a test file's server that makes none (or the
// CLI before its first request) does without it (~2–9 ms of a process's start).
const requireHere = createRequire(import.meta.url);
const workerThreads = lazyDependency<typeof import('node:worker_threads')>('node:worker_threads');

/** on: denials are enforced; audit: denials are recorded but the request proceeds; off: no enforcement. */
export type EnforceMode = 'on' | 'audit' | 'off';
export const ENFORCE_MODES: readonly EnforceMode[] = ['on', 'audit', 'off'];

export interface StatementRef { policy: string; kind: string; versionId?: string; sid?: string; index: number; effect: string }

export interface DecisionEntry {
  id: number;
  at: string;
  principal: string;
  action: string;
  resource: string;
  decision: 'allow' | 'deny';
  /** Whether the request went ahead (an allow, or a deny under audit/off). */
  proceeded: boolean;
  mode: EnforceMode;
  reason: string | null;
  statements: StatementRef[];
  context: Record<string, string[]>;
}

interface DecisionRow {
  id: number; at: string; principal: string; action: string; resource: string; allowed: number; reason: string | null; statements: string; context: string; mode: EnforceMode;
}

export interface DecisionFilter {
  principal?: string; principalPrefix?: string; action?: string; decision?: 'allow' | 'deny'; since?: string;
  /** An action prefix (`s3` for s3:*), a case-blind substring of principal, action or resource, and id bounds (paging). */
  service?: string; text?: string; beforeId?: number; afterId?: number;
  limit: number;
}

type Control = { op: 'flush' | 'clear' | 'close' } | { op: 'list'; filter: DecisionFilter };

function toEntry(r: DecisionRow): DecisionEntry {
  return {
    id: r.id, at: r.at, principal: r.principal, action: r.action, resource: r.resource, decision: r.allowed ? 'allow' : 'deny',
    proceeded: r.allowed === 1 || r.mode !== 'on', mode: r.mode, reason: r.reason,
    statements: JSON.parse(r.statements) as StatementRef[], context: JSON.parse(r.context) as Record<string, string[]>,
  };
}

/** Decisions per posted batch; a partial batch is posted after BATCH_DELAY_MS. */
const BATCH_DECISIONS = 64;
const BATCH_DELAY_MS = 25;
/** How long a read of the log waits for the writer before giving up (it answers in milliseconds). */
const WRITER_TIMEOUT_MS = 30_000;
const WRITER = join(PROJECT_ROOT, 'server', 'src', 'store', 'decision-writer.cjs');

/** The decision log's file: beside the state database, or in memory when the state is. */
export const decisionLogPath = (dbPath: string): string => (dbPath === ':memory:' ? ':memory:' : `${dbPath}.decisions`);

/**
 * Keeps the most recent decisions, in their own SQLite database written by a worker thread (decision-writer.cjs).
 * record() appends a decision's fields to a flat array, which costs a request about a microsecond; the writer builds
 * the rows. Reads (list, clear, flush) post a request behind the batches and wait for the writer's answer, so they
 * see every decision recorded before them. The writer starts with the first decision or read: a server nobody calls
 * pays neither its start-up nor its memory.
 */
export class DecisionLog {
  private worker: Worker | undefined;
  private replies: MessagePort | undefined;
  private signal: Int32Array | undefined;
  private batch: unknown[] = [];
  private decisionsInBatch = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Decisions recorded so far: a live view polls the log only when this moved (see http/console.ts). */
  recorded = 0;
  /** Nothing to clear: an in-memory log before its first decision, or since the last clear (a file may hold old ones). */
  private empty: boolean;

  constructor(private readonly path: string, readonly capacity = 100_000) {
    this.empty = path === ':memory:';
  }

  private writer(): Worker {
    if (this.worker) return this.worker;
    const signal = new SharedArrayBuffer(4);
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WRITER, {
      workerData: { sqlite: requireHere.resolve('better-sqlite3'), schema: dbAsset('decision-log.sql'), path: this.path, capacity: this.capacity, signal, replies: port2 },
      transferList: [port2],
      // The writer only moves rows into SQLite: a small heap is plenty, and keeps the server's footprint small.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 },
      stdout: false, stderr: false,
    });
    worker.unref();
    worker.on('error', () => {
      // The writer died (it never should): drop it; the next decision or read starts another.
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    this.replies = port1;
    this.signal = new Int32Array(signal);
    return worker;
  }

  /** Hands the decisions recorded so far to the writer. */
  private post(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.decisionsInBatch === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.decisionsInBatch = 0;
    this.writer().postMessage(batch);
  }

  /** Asks the writer something after every batch posted so far, and waits for its answer. */
  private ask(control: Control): unknown {
    this.post();
    const worker = this.writer();
    const signal = this.signal!;
    Atomics.store(signal, 0, 0);
    worker.postMessage(control);
    Atomics.wait(signal, 0, 0, WRITER_TIMEOUT_MS);
    const reply = workerThreads().receiveMessageOnPort(this.replies!)?.message as { value?: unknown; error?: string } | undefined;
    if (!reply) throw new Error('the decision log writer did not answer');
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.value;
  }

  /** Waits until every decision recorded so far is in the database (snapshots and shutdown call this first). */
  flush(): void {
    if (this.closed || (!this.worker && this.decisionsInBatch === 0)) return;
    this.ask({ op: 'flush' });
  }

  /**
   * Layout of one decision in a batch: at (ms), principal, action, resource, allowed (1/0), reason|null, mode index,
   * statement count, then per statement policy, kind, versionId|null, sid|null, index, effect; context key count, then
   * per key the key, its value count and the values.
   */
  record(at: Date, principal: string, action: string, resource: string, decision: Decision, context: RequestContext, mode: EnforceMode = 'on'): void {
    if (this.capacity === 0 || this.closed) return;
    this.recorded++;
    this.empty = false;
    const b = this.batch;
    b.push(at.getTime(), principal, action, resource, decision.allowed ? 1 : 0, decision.reason ?? null, ENFORCE_MODES.indexOf(mode), decision.statements.length);
    for (const s of decision.statements) b.push(s.source.id, s.source.kind, s.source.versionId ?? null, s.sid ?? null, s.index, s.effect);
    b.push(context.size);
    for (const [key, values] of context) {
      b.push(key, values.length);
      for (const value of values) b.push(value);
    }
    if (++this.decisionsInBatch >= BATCH_DECISIONS) this.post();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.post(), BATCH_DELAY_MS);
      this.timer.unref();
    }
  }

  list(filter: DecisionFilter): DecisionEntry[] {
    if (this.capacity === 0) return [];
    return (this.ask({ op: 'list', filter }) as DecisionRow[]).map(toEntry);
  }

  /** Forgets every decision (a reset). */
  clear(): void {
    // A reset with no decision since the last one (a test file's reset before any call) neither starts the writer
    // nor waits for it.
    if (this.capacity === 0 || this.empty) return;
    this.batch = [];
    this.decisionsInBatch = 0;
    this.ask({ op: 'clear' });
    this.empty = true;
  }

  /** Writes what is pending, closes the log's database and stops the writer. */
  close(): void {
    if (this.closed) return;
    if (this.worker) {
      try {
        this.ask({ op: 'close' });
      } catch {
        // Nothing more can be saved; stopping the writer is all that is left.
      }
      void this.worker.terminate();
      this.replies?.close();
    }
    if (this.timer) clearTimeout(this.timer);
    this.closed = true;
  }
}
