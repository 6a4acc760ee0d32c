import type { Decision, RequestContext } from '../policy/index.ts';
import type { Db } from './db.ts';

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

export interface DecisionFilter { principal?: string; principalPrefix?: string; action?: string; decision?: 'allow' | 'deny'; since?: string; limit: number }

function toEntry(r: DecisionRow): DecisionEntry {
  return {
    id: r.id, at: r.at, principal: r.principal, action: r.action, resource: r.resource, decision: r.allowed ? 'allow' : 'deny',
    proceeded: r.allowed === 1 || r.mode !== 'on', mode: r.mode, reason: r.reason,
    statements: JSON.parse(r.statements) as StatementRef[], context: JSON.parse(r.context) as Record<string, string[]>,
  };
}

/** How long recorded decisions may wait to be written together. */
const FLUSH_DELAY_MS = 25;
/** Rows per multi-row INSERT: one statement for many rows costs a fraction of a statement each. */
const ROWS_PER_INSERT = 25;
const COLUMNS = '(at, principal, action, resource, allowed, reason, statements, context, mode)';
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** JSON for a string without escaping work when it needs none (ARNs, keys, addresses, dates nearly always). */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (value: string): string => (PLAIN_JSON_STRING.test(value) ? `"${value}"` : JSON.stringify(value));

/** The request context as a JSON object of arrays: JSON.stringify(Object.fromEntries(context)) at half the cost. */
function contextJson(context: RequestContext): string {
  let out = '{';
  for (const [key, values] of context) {
    if (out.length > 1) out += ',';
    out += `${jsonString(key)}:[`;
    for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + jsonString(values[i]!);
    out += ']';
  }
  return `${out}}`;
}

/** Keeps the most recent decisions only; older rows are pruned in batches so inserts stay cheap. */
export class DecisionLog {
  private readonly insertOne;
  private readonly insertMany;
  private readonly prune;
  private readonly query;
  private inserted = 0;
  /** Recorded but not yet written: rows are inserted together, in one transaction, every FLUSH_DELAY_MS. */
  private pending: unknown[][] = [];
  private scheduled = false;
  private readonly insertAll;

  constructor(private readonly db: Db, readonly capacity = 100_000) {
    this.insertOne = db.prepare(`INSERT INTO decisions ${COLUMNS} VALUES ${ROW_PLACEHOLDERS}`);
    this.insertMany = db.prepare(`INSERT INTO decisions ${COLUMNS} VALUES ${Array<string>(ROWS_PER_INSERT).fill(ROW_PLACEHOLDERS).join(', ')}`);
    this.prune = db.prepare('DELETE FROM decisions WHERE id <= (SELECT max(id) FROM decisions) - ?');
    this.query = db.prepare<unknown[], DecisionRow>(`SELECT * FROM decisions
      WHERE (@principal IS NULL OR principal = @principal) AND (@prefix IS NULL OR substr(principal, 1, length(@prefix)) = @prefix)
      AND (@action IS NULL OR lower(action) = lower(@action)) AND (@allowed IS NULL OR allowed = @allowed) AND (@since IS NULL OR at >= @since)
      ORDER BY id DESC LIMIT @limit`);
    this.insertAll = db.transaction((rows: unknown[][]) => {
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) this.insertMany.run(rows.slice(i, i + ROWS_PER_INSERT).flat());
      for (; i < rows.length; i++) this.insertOne.run(rows[i]);
      const before = this.inserted;
      this.inserted += rows.length;
      if (Math.floor(before / 1000) !== Math.floor(this.inserted / 1000)) this.prune.run(this.capacity);
    });
  }

  /** Writes recorded decisions now (reads, resets, snapshots and shutdown call this first). */
  flush(): void {
    // Inside a request's transaction the rows would share its fate; a denial rolls back, and its decision must stay.
    if (this.pending.length === 0 || this.db.inTransaction) return;
    const rows = this.pending;
    this.pending = [];
    if (!this.db.open) return;
    this.insertAll(rows);
  }

  record(at: Date, principal: string, action: string, resource: string, decision: Decision, context: RequestContext, mode: EnforceMode = 'on'): void {
    if (this.capacity === 0) return;
    let statements = '[';
    for (const s of decision.statements) {
      const ref: StatementRef = { policy: s.source.id, kind: s.source.kind, versionId: s.source.versionId, sid: s.sid, index: s.index, effect: s.effect };
      statements += (statements.length > 1 ? ',' : '') + JSON.stringify(ref);
    }
    this.pending.push([at.toISOString(), principal, action, resource, decision.allowed ? 1 : 0, decision.reason ?? null, `${statements}]`, contextJson(context), mode]);
    if (this.pending.length >= 1000 && !this.db.inTransaction) this.flush();
    else if (!this.scheduled) {
      // A commit costs far more than a row: write every FLUSH_DELAY_MS at most. Readers of the log flush first.
      this.scheduled = true;
      setTimeout(() => {
        this.scheduled = false;
        try {
          this.flush();
        } catch {
          // The database was closed under us (shutdown): nothing left to record into.
        }
      }, FLUSH_DELAY_MS).unref();
    }
  }

  list(filter: DecisionFilter): DecisionEntry[] {
    this.flush();
    const allowed = filter.decision === undefined ? null : filter.decision === 'allow' ? 1 : 0;
    return this.query.all({
      principal: filter.principal ?? null, prefix: filter.principalPrefix ?? null, action: filter.action ?? null, allowed, since: filter.since ?? null, limit: filter.limit,
    }).map(toEntry);
  }
}
