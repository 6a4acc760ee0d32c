import type { Decision, RequestContext } from '../policy/index.ts';
import type { Db } from './db.ts';

export interface DecisionEntry {
  id: number;
  at: string;
  principal: string;
  action: string;
  resource: string;
  decision: 'allow' | 'deny';
  reason: string | null;
  statements: unknown[];
  context: Record<string, string[]>;
}

interface DecisionRow { id: number; at: string; principal: string; action: string; resource: string; allowed: number; reason: string | null; statements: string; context: string }

export interface DecisionFilter { principal?: string; action?: string; decision?: 'allow' | 'deny'; since?: string; limit: number }

/** Keeps the most recent decisions only; older rows are pruned in batches so inserts stay cheap. */
export class DecisionLog {
  private readonly insert;
  private readonly prune;
  private readonly recent;
  private inserted = 0;

  constructor(private readonly db: Db, private readonly capacity = 10_000) {
    this.insert = db.prepare('INSERT INTO decisions (at, principal, action, resource, allowed, reason, statements, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.prune = db.prepare('DELETE FROM decisions WHERE id <= (SELECT max(id) FROM decisions) - ?');
    this.recent = db.prepare<unknown[], DecisionRow>(`SELECT * FROM decisions WHERE (@principal IS NULL OR principal = @principal) AND (@action IS NULL OR lower(action) = lower(@action))
      AND (@allowed IS NULL OR allowed = @allowed) AND (@since IS NULL OR at >= @since) ORDER BY id DESC LIMIT @limit`);
  }

  record(at: Date, principal: string, action: string, resource: string, decision: Decision, context: RequestContext): void {
    const statements = decision.statements.map((s) => ({ policy: s.source.id, kind: s.source.kind, versionId: s.source.versionId, sid: s.sid, index: s.index, effect: s.effect }));
    this.insert.run(at.toISOString(), principal, action, resource, decision.allowed ? 1 : 0, decision.reason ?? null, JSON.stringify(statements), JSON.stringify(Object.fromEntries(context)));
    if (++this.inserted % 1000 === 0) this.prune.run(this.capacity);
  }

  list(filter: DecisionFilter): DecisionEntry[] {
    const allowed = filter.decision === undefined ? null : filter.decision === 'allow' ? 1 : 0;
    return this.recent.all({ principal: filter.principal ?? null, action: filter.action ?? null, allowed, since: filter.since ?? null, limit: filter.limit }).map((r) => ({
      id: r.id, at: r.at, principal: r.principal, action: r.action, resource: r.resource, decision: r.allowed ? 'allow' : 'deny', reason: r.reason,
      statements: JSON.parse(r.statements) as unknown[], context: JSON.parse(r.context) as Record<string, string[]>,
    }));
  }
}
