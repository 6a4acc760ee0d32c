import type { ServerContext } from '../../context.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { ObjectRow } from '../../store/s3-store.ts';
import { restoreStore, type RestoreRow } from '../../store/s3-restore-store.ts';
import { isArchived } from './preconditions.ts';

// The state of an archived object's restore (RestoreObject, restore.ts) as GET/HEAD and the listings show it.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Completion plus the days, rounded up to the next midnight UTC. */
export function expiryAfter(completed: Date, days: number): Date {
  const expiry = new Date(completed.getTime() + days * 24 * HOUR);
  if (expiry.getUTCHours() || expiry.getUTCMinutes() || expiry.getUTCSeconds() || expiry.getUTCMilliseconds()) {
    expiry.setUTCHours(24, 0, 0, 0);
  }
  return expiry;
}

interface RestoreState { row: RestoreRow; ongoing: boolean; expiry?: Date }

/** The restore of this object as of `now`: ongoing, restored until an expiry, or none (never asked, or expired). */
export function restoreState(ctx: ServerContext, object: ObjectRow, now: Date): RestoreState | undefined {
  if (!isArchived(object)) return undefined;
  const row = restoreStore(ctx.db).get(object.blob_id);
  if (!row || row.bucket_name !== object.bucket_name || row.object_key !== object.object_key) return undefined;
  const completed = row.completed_at ?? (Date.parse(row.completes_at) <= now.getTime() ? row.completes_at : null);
  if (completed === null) return { row, ongoing: true };
  const expiry = row.expires_at ? new Date(row.expires_at) : expiryAfter(new Date(completed), row.days);
  return expiry.getTime() > now.getTime() ? { row, ongoing: false, expiry } : undefined;
}

/** True while a restored copy of an archived object can be read (GetObject, CopyObject's source). */
export const isRestored = (ctx: ServerContext, object: ObjectRow, now: Date): boolean => restoreState(ctx, object, now)?.ongoing === false;

/** The x-amz-restore header of GET/HEAD for an archived object with a restore. */
export function restoreHeader(ctx: ServerContext, object: ObjectRow, now: Date): Record<string, string> {
  const state = restoreState(ctx, object, now);
  if (!state) return {};
  return { 'x-amz-restore': state.ongoing ? 'ongoing-request="true"' : `ongoing-request="false", expiry-date="${state.expiry!.toUTCString()}"` };
}

/**
 * RestoreStatus of a listed object (ListObjects/V2, ListObjectVersions with x-amz-optional-object-attributes:
 * RestoreStatus): IsRestoreInProgress, and RestoreExpiryDate once restored; none for an object without a restore.
 */
export function restoreStatusXml(ctx: ServerContext, object: ObjectRow, now: Date): XmlObject | undefined {
  const state = restoreState(ctx, object, now);
  if (!state) return undefined;
  return state.ongoing ? { IsRestoreInProgress: true } : { IsRestoreInProgress: false, RestoreExpiryDate: state.expiry!.toISOString() };
}
