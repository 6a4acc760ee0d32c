// Fixtures and state export for bucket lifecycle configurations. Stored: the Rule elements of the XML document
// (Transition, Tag, … repeated) as JSON; fixtures and the export use GetBucketLifecycleConfiguration's shape (Rules,
// Transitions, Tags, …), as the SDKs and the AWS CLI show it.
import type { Reader } from './fixture-reader.ts';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
/** Element name in the XML document → member name in the API shape (lists are named in the plural). */
const TO_API: Record<string, string> = { Rule: 'Rules', Transition: 'Transitions', NoncurrentVersionTransition: 'NoncurrentVersionTransitions', Tag: 'Tags' };
const TO_XML = Object.fromEntries(Object.entries(TO_API).map(([x, a]) => [a, x]));
const MIN_SIZE_VALUES = ['all_storage_classes_128K', 'varies_by_storage_class'];

/** Renames members recursively; a Tag directly under Filter is one tag (not a list) in both shapes. */
function rename(value: Json, names: Record<string, string>, parent = ''): Json {
  if (Array.isArray(value)) return value.map((v) => rename(v, names, parent));
  if (value === null || typeof value !== 'object') return value;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) {
    const single = (k === 'Tag' || k === 'Tags') && parent === 'Filter';
    out[single ? k : (names[k] ?? k)] = rename(v, names, k);
  }
  return out;
}

export function exportLifecycle(stored: string): Json {
  const config = JSON.parse(stored) as { rules: Json[]; minimumObjectSize: string };
  return { Rules: config.rules.map((r) => rename(r, TO_API)), TransitionDefaultMinimumObjectSize: config.minimumObjectSize };
}

/**
 * buckets[].lifecycle: { Rules, TransitionDefaultMinimumObjectSize? } as GetBucketLifecycleConfiguration shows them,
 * checked for what PutBucketLifecycleConfiguration refuses most often: 1 to 1,000 rules, Status, Filter or Prefix (not
 * both), an action, unique IDs of at most 255 characters, Days positive, Dates at midnight UTC.
 */
export function bucketLifecycleOf(r: Reader, raw: unknown, path: string): string {
  const doc = r.object(raw, path, ['Rules', 'TransitionDefaultMinimumObjectSize']);
  const minimumObjectSize = r.optString(doc.TransitionDefaultMinimumObjectSize, `${path}.TransitionDefaultMinimumObjectSize`) ?? 'all_storage_classes_128K';
  if (!MIN_SIZE_VALUES.includes(minimumObjectSize)) r.fail(`${path}.TransitionDefaultMinimumObjectSize`, `expected one of ${MIN_SIZE_VALUES.join(', ')}`);
  const rules = r.list(doc.Rules, `${path}.Rules`);
  if (rules.length === 0 || rules.length > 1000) r.fail(`${path}.Rules`, 'expected 1 to 1000 rules');
  const ids = new Set<string>();
  const stored = rules.map((value, i) => {
    const rpath = `${path}.Rules[${i}]`;
    // A copy: the Date fields below are normalized in place, and a cached fixture document is frozen (shared by resets).
    const rule = r.object(value === undefined ? value : JSON.parse(JSON.stringify(value)) as unknown, rpath, ['ID', 'Prefix', 'Filter', 'Status', 'Expiration', 'Transitions', 'NoncurrentVersionTransitions',
      'NoncurrentVersionExpiration', 'AbortIncompleteMultipartUpload']);
    const id = r.optString(rule.ID, `${rpath}.ID`);
    if (id !== undefined && (id.length > 255 || ids.has(id))) r.fail(`${rpath}.ID`, 'expected a unique ID of at most 255 characters');
    if (id) ids.add(id);
    if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled') r.fail(`${rpath}.Status`, 'expected Enabled or Disabled');
    if ((rule.Filter === undefined) === (rule.Prefix === undefined)) r.fail(rpath, 'expected Filter or Prefix (not both)');
    if (!['Expiration', 'Transitions', 'NoncurrentVersionTransitions', 'NoncurrentVersionExpiration', 'AbortIncompleteMultipartUpload'].some((k) => rule[k] !== undefined)) {
      r.fail(rpath, 'expected at least one action');
    }
    for (const [field, action] of [['Expiration', rule.Expiration], ...r.list(rule.Transitions, `${rpath}.Transitions`).map((t, j) => [`Transitions[${j}]`, t])] as [string, unknown][]) {
      if (action === undefined) continue;
      const a = r.object(action, `${rpath}.${field}`, ['Days', 'Date', 'ExpiredObjectDeleteMarker', 'StorageClass']);
      const days = r.integer(a.Days, `${rpath}.${field}.Days`);
      if (days !== undefined && days <= 0 && field === 'Expiration') r.fail(`${rpath}.${field}.Days`, 'expected a positive integer');
      const date = r.date(a.Date, `${rpath}.${field}.Date`);
      if (date && date.getTime() % 86_400_000 !== 0) r.fail(`${rpath}.${field}.Date`, 'expected midnight UTC');
      if (date) (a as Record<string, unknown>).Date = date.toISOString();
    }
    return rename(rule as Json, TO_XML);
  });
  return JSON.stringify({ rules: stored, minimumObjectSize });
}
