import type { ServerContext } from '../context.ts';
import type { Db } from './db.ts';
import type { SessionRow } from './iam-store.ts';
import { iamEntities } from './iam-entities-store.ts';
import { isoSeconds } from './ids.ts';

/** Last-used data is approximate on AWS too: one write per credential per minute keeps authentication cheap. */
const WRITE_INTERVAL_MS = 60_000;
const lastWrites = new WeakMap<Db, Map<string, number>>();

function due(db: Db, key: string, now: number): boolean {
  let writes = lastWrites.get(db);
  if (!writes) {
    writes = new Map();
    lastWrites.set(db, writes);
  }
  const last = writes.get(key);
  if (last !== undefined && now - last < WRITE_INTERVAL_MS && now >= last) return false;
  if (writes.size > 10_000) writes.clear();
  writes.set(key, now);
  return true;
}

/**
 * Records that an authenticated request used the caller's credentials: an access key's last use (date, service,
 * region) for GetAccessKeyLastUsed, and a role session's for GetRole's RoleLastUsed.
 */
export function recordCredentialUse(ctx: ServerContext, caller: { accessKeyId: string; session?: SessionRow }, service: string, region: string): void {
  const now = ctx.now();
  const session = caller.session;
  try {
    if (session && (session.principal_type ?? 'role') === 'role') {
      if (due(ctx.db, `role\n${session.account_id}\n${session.role_name}`, now.getTime())) {
        iamEntities(ctx.db).touchRole(session.account_id, session.role_name, session.role_id, isoSeconds(now), region);
        // GetRole's RoleLastUsed is read from the role's row, which IamStore caches with the IAM state.
        ctx.iam.invalidate();
      }
    } else if (!session && caller.accessKeyId && due(ctx.db, `key\n${caller.accessKeyId}`, now.getTime())) {
      iamEntities(ctx.db).touchAccessKey(caller.accessKeyId, isoSeconds(now), service.toLowerCase(), region);
    }
  } catch (error) {
    // Bookkeeping must never fail a request (a busy database, say).
    ctx.log.warn({ err: error }, 'could not record credential use');
  }
}
