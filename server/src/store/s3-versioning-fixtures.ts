// Fixtures and state export for bucket versioning and Object Lock, in the shapes the SDKs and the AWS CLI show:
// buckets[].versioning ("Enabled" | "Suspended", GetBucketVersioning's Status), buckets[].objectLock
// (GetObjectLockConfiguration's ObjectLockConfiguration), buckets[].objects[].objectLock (the current version's
// ObjectLockMode / ObjectLockRetainUntilDate / ObjectLockLegalHoldStatus, as GetObject shows them),
// buckets[].objects[].versionId (the current version's id) and buckets[].versions (noncurrent versions and delete
// markers, each key's newest first, as ListObjectVersions lists them), so that an export re-loads with every version.
import type { Reader } from './fixture-reader.ts';
import { NULL_VERSION, type BucketRow, type ObjectRow } from './s3-store.ts';

/** "null", or a version id as iamlocal makes them (32 URL-safe characters). */
export const isVersionId = (id: string): boolean => id === NULL_VERSION || /^[A-Za-z0-9_-]{32}$/.test(id);

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };
const MODES = ['GOVERNANCE', 'COMPLIANCE'];

/** buckets[].versioning and buckets[].objectLock → the stored columns (Object Lock needs versioning Enabled, as on AWS). */
export function bucketVersioningOf(r: Reader, b: Record<string, unknown>, path: string): { versioning: string | null; objectLock: string | null } {
  const versioning = r.optString(b.versioning, `${path}.versioning`) ?? null;
  if (versioning !== null && versioning !== 'Enabled' && versioning !== 'Suspended') r.fail(`${path}.versioning`, 'expected Enabled or Suspended');
  if (b.objectLock === undefined || b.objectLock === null) return { versioning, objectLock: null };
  const lock = r.object(b.objectLock, `${path}.objectLock`, ['ObjectLockEnabled', 'Rule']);
  if (lock.ObjectLockEnabled !== 'Enabled') r.fail(`${path}.objectLock.ObjectLockEnabled`, 'expected Enabled');
  if (versioning === 'Suspended') r.fail(`${path}.versioning`, 'Object Lock needs versioning Enabled');
  if (lock.Rule === undefined) return { versioning: 'Enabled', objectLock: '{}' };
  const rule = r.object(r.object(lock.Rule, `${path}.objectLock.Rule`, ['DefaultRetention']).DefaultRetention, `${path}.objectLock.Rule.DefaultRetention`, ['Mode', 'Days', 'Years']);
  const mode = r.string(rule.Mode, `${path}.objectLock.Rule.DefaultRetention.Mode`);
  if (!MODES.includes(mode)) r.fail(`${path}.objectLock.Rule.DefaultRetention.Mode`, 'expected GOVERNANCE or COMPLIANCE');
  const days = r.integer(rule.Days, `${path}.objectLock.Rule.DefaultRetention.Days`);
  const years = r.integer(rule.Years, `${path}.objectLock.Rule.DefaultRetention.Years`);
  if ((days === undefined) === (years === undefined) || (days ?? years ?? 0) <= 0 || (days ?? 0) > 36500 || (years ?? 0) > 100) {
    r.fail(`${path}.objectLock.Rule.DefaultRetention`, 'expected Days (1 to 36500) or Years (1 to 100), one of them');
  }
  return { versioning: 'Enabled', objectLock: JSON.stringify({ rule: { mode, ...(days !== undefined ? { days } : { years }) } }) };
}

/** buckets[].objects[].objectLock → the stored retention / legal hold (null: none). */
export function objectLockOf(r: Reader, raw: unknown, path: string): string | null {
  if (raw === undefined || raw === null) return null;
  const o = r.object(raw, path, ['ObjectLockMode', 'ObjectLockRetainUntilDate', 'ObjectLockLegalHoldStatus']);
  const mode = r.optString(o.ObjectLockMode, `${path}.ObjectLockMode`);
  const until = r.date(o.ObjectLockRetainUntilDate, `${path}.ObjectLockRetainUntilDate`);
  const legalHold = r.optString(o.ObjectLockLegalHoldStatus, `${path}.ObjectLockLegalHoldStatus`);
  if ((mode === undefined) !== (until === undefined)) r.fail(path, 'ObjectLockMode and ObjectLockRetainUntilDate go together');
  if (mode !== undefined && !MODES.includes(mode)) r.fail(`${path}.ObjectLockMode`, 'expected GOVERNANCE or COMPLIANCE');
  if (legalHold !== undefined && legalHold !== 'ON' && legalHold !== 'OFF') r.fail(`${path}.ObjectLockLegalHoldStatus`, 'expected ON or OFF');
  return JSON.stringify({ ...(mode ? { mode, until: until!.toISOString() } : {}), ...(legalHold ? { legalHold } : {}) });
}

export function exportBucketVersioning(b: BucketRow): { versioning?: Json; objectLock?: Json } {
  const out: { versioning?: Json; objectLock?: Json } = {};
  if (b.versioning) out.versioning = b.versioning;
  if (b.object_lock) {
    const rule = (JSON.parse(b.object_lock) as { rule?: { mode: string; days?: number; years?: number } }).rule;
    const period = rule?.days !== undefined ? { Days: rule.days } : { Years: rule?.years };
    out.objectLock = { ObjectLockEnabled: 'Enabled', ...(rule ? { Rule: { DefaultRetention: { Mode: rule.mode, ...period } } } : {}) };
  }
  return out;
}

export function exportObjectLock(o: ObjectRow): Json {
  if (!o.object_lock) return undefined;
  const lock = JSON.parse(o.object_lock) as { mode?: string; until?: string; legalHold?: string };
  return {
    ...(lock.mode ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: lock.until } : {}), ...(lock.legalHold ? { ObjectLockLegalHoldStatus: lock.legalHold } : {}),
  };
}
