import type { ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import { parseXmlBody } from '../../protocol/rest-xml.ts';
import { restoreStore } from '../../store/s3-restore-store.ts';
import { authorize, checkKey, MAX_XML_BODY, objectArn, requireBucket, type S3Call, type S3Result } from './common.ts';
import { isArchived } from './preconditions.ts';
import { expiryAfter, HOUR, MINUTE, restoreState } from './restore-state.ts';
import { requestedVersionId, versionContext, versionToRead } from './versioning.ts';

export { isRestored, restoreHeader } from './restore-state.ts';

/**
 * RestoreObject for GLACIER and DEEP_ARCHIVE objects (S3 API reference, RestoreObject; S3 User Guide "Restoring an
 * archived object"). A restore completes after its tier's retrieval time on the server's clock, or at once when asked
 * through the admin API (POST /_iamlocal/s3/restore/run); the restored copy is readable until its expiry: completion
 * plus Days, rounded up to the next midnight UTC.
 */

const TIERS = ['Expedited', 'Standard', 'Bulk'] as const;
type Tier = (typeof TIERS)[number];
/** The upper end of each tier's documented retrieval time ("Archive retrieval options"). */
const RETRIEVAL_MS: Record<'GLACIER' | 'DEEP_ARCHIVE', Partial<Record<Tier, number>>> = {
  GLACIER: { Expedited: 5 * MINUTE, Standard: 5 * HOUR, Bulk: 12 * HOUR },
  DEEP_ARCHIVE: { Standard: 12 * HOUR, Bulk: 48 * HOUR },
};

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

function parseRestoreRequest(body: Buffer): { days: number; tier: Tier } {
  const doc = body.length ? parseXmlBody(body, 'RestoreRequest') : {};
  if (doc.Type !== undefined || doc.SelectParameters !== undefined || doc.OutputLocation !== undefined) {
    throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  }
  if (Object.keys(doc).some((k) => !['Days', 'GlacierJobParameters', 'Tier', 'Description'].includes(k))) throw malformed();
  // Days is required for GLACIER and DEEP_ARCHIVE objects (it is optional only for Intelligent-Tiering archives).
  if (typeof doc.Days !== 'string' || !/^\d{1,9}$/.test(doc.Days) || Number(doc.Days) < 1) throw malformed();
  const job = doc.GlacierJobParameters;
  const jobTier = typeof job === 'object' && job !== null ? (job as Record<string, unknown>).Tier : undefined;
  const tier = jobTier ?? doc.Tier ?? 'Standard';
  if (typeof tier !== 'string' || !(TIERS as readonly string[]).includes(tier)) throw malformed();
  return { days: Number(doc.Days), tier: tier as Tier };
}

/**
 * RestoreObject: 202 when a restore starts, 200 when the object is already restored (the expiry moves to Days from
 * now), 409 RestoreAlreadyInProgress while one runs; an object in another storage class: 403 InvalidObjectState.
 */
export async function restoreObject(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  // versionId restores that version (API Reference, RestoreObject); s3:RestoreObject has no …Version action, the
  // s3:versionid condition key tells the version (Service Authorization Reference).
  const versionId = requestedVersionId(call);
  authorize(call, bucket, 's3:RestoreObject', objectArn(bucket.bucket_name, key), versionContext(versionId));
  const request = parseRestoreRequest(await call.readBody(MAX_XML_BODY));
  // An unknown version: 404 NoSuchVersion; a delete marker: 405 MethodNotAllowed; no current version: 404 NoSuchKey.
  const object = versionToRead(call, bucket, key, versionId).row;
  if (!isArchived(object)) {
    throw new AwsError('InvalidObjectState', "Restore is not allowed for the object's current storage class", 403, { StorageClass: object.storage_class ?? 'STANDARD' });
  }
  const storageClass = object.storage_class as 'GLACIER' | 'DEEP_ARCHIVE';
  const retrieval = RETRIEVAL_MS[storageClass][request.tier];
  if (retrieval === undefined) {
    throw new AwsError('InvalidArgument', `The ${request.tier} retrieval tier is not supported for the ${storageClass} storage class`, 400, { ArgumentName: 'Tier', ArgumentValue: request.tier });
  }
  const now = call.facts.now;
  const store = restoreStore(call.ctx.db);
  const state = restoreState(call.ctx, object, now);
  if (state?.ongoing) throw new AwsError('RestoreAlreadyInProgress', 'Object restore is already in progress', 409);
  const base = { blob_id: object.blob_id, bucket_name: bucket.bucket_name, object_key: key, tier: request.tier, days: request.days, requested_at: now.toISOString() };
  if (state) {
    // Already restored: the restored copy's expiry is reset to Days from now.
    store.put({ ...base, completes_at: state.row.completes_at, completed_at: state.row.completed_at ?? state.row.completes_at, expires_at: expiryAfter(now, request.days).toISOString() });
    return { status: 200 };
  }
  store.put({ ...base, completes_at: new Date(now.getTime() + retrieval).toISOString(), completed_at: null, expires_at: null });
  return { status: 202 };
}

/** The admin route's restore run: every ongoing restore due by `now` (all of them when no time is given) completes then. */
export function runRestores(ctx: ServerContext, now: Date, all: boolean): { now: string; restored: { bucket: string; key: string; expiryDate: string }[] } {
  const store = restoreStore(ctx.db);
  const restored: { bucket: string; key: string; expiryDate: string }[] = [];
  ctx.db.transaction(() => {
    store.prune();
    for (const row of store.ongoing()) {
      const due = Date.parse(row.completes_at);
      if (!all && due > now.getTime()) continue;
      const completed = all ? now : new Date(Math.min(due, now.getTime()));
      const expiry = expiryAfter(completed, row.days);
      store.put({ ...row, completed_at: completed.toISOString(), expires_at: expiry.toISOString() });
      restored.push({ bucket: row.bucket_name, key: row.object_key, expiryDate: expiry.toISOString() });
    }
  })();
  return { now: now.toISOString(), restored };
}
