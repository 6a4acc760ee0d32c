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

/** Keeps the most recent decisions only; older rows are pruned in batches so inserts stay cheap. */
export class DecisionLog {
  private readonly insert;
  private readonly prune;
  private readonly query;
  private inserted = 0;
  /** Recorded but not yet written: rows are inserted in one transaction per tick rather than one each. */
  private pending: unknown[][] = [];
  private scheduled = false;
  private readonly insertAll;

  constructor(private readonly db: Db, readonly capacity = 100_000) {
    this.insert = db.prepare('INSERT INTO decisions (at, principal, action, resource, allowed, reason, statements, context, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.prune = db.prepare('DELETE FROM decisions WHERE id <= (SELECT max(id) FROM decisions) - ?');
    this.query = db.prepare<unknown[], DecisionRow>(`SELECT * FROM decisions
      WHERE (@principal IS NULL OR principal = @principal) AND (@prefix IS NULL OR substr(principal, 1, length(@prefix)) = @prefix)
      AND (@action IS NULL OR lower(action) = lower(@action)) AND (@allowed IS NULL OR allowed = @allowed) AND (@since IS NULL OR at >= @since)
      ORDER BY id DESC LIMIT @limit`);
    this.insertAll = db.transaction((rows: unknown[][]) => {
      for (const row of rows) {
        this.insert.run(...row);
        if (++this.inserted % 1000 === 0) this.prune.run(this.capacity);
      }
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
    const statements: StatementRef[] = decision.statements.map((s) => ({ policy: s.source.id, kind: s.source.kind, versionId: s.source.versionId, sid: s.sid, index: s.index, effect: s.effect }));
    this.pending.push([at.toISOString(), principal, action, resource, decision.allowed ? 1 : 0, decision.reason ?? null, JSON.stringify(statements), JSON.stringify(Object.fromEntries(context)), mode]);
    if (this.pending.length >= 1000 && !this.db.inTransaction) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        try {
          this.flush();
        } catch {
          // The database was closed under us (shutdown): nothing left to record into.
        }
      });
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
