import { randomUUID } from 'node:crypto';
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { ServerContext } from '../../context.ts';
import type { BucketRow, ObjectVersion } from '../../store/s3-store.ts';
import { authorize, bucketArn, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';
import { requireIntegrityHeader } from './cors.ts';
import { lockedAt } from './object-lock.ts';

/**
 * Bucket lifecycle configuration (Put/Get/DeleteBucketLifecycleConfiguration): API Reference
 * PutBucketLifecycleConfiguration and the User Guide "Lifecycle configuration elements"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html). Rules are stored in the element
 * shape GetBucketLifecycleConfiguration returns.
 */
export type LifecycleRule = XmlObject;
export interface LifecycleConfiguration {
  rules: LifecycleRule[];
  /** x-amz-transition-default-minimum-object-size. */
  minimumObjectSize: string;
}

/** "An Amazon S3 Lifecycle configuration can have up to 1,000 rules. This limit is not adjustable." */
export const MAX_LIFECYCLE_RULES = 1000;
/** 1,000 rules, each with a filter of up to 1,024-byte prefix and tags, pass the 64 KiB other S3 documents are held to. */
const MAX_LIFECYCLE_BODY = 4 * 1024 * 1024;
const MIN_SIZE_VALUES = ['all_storage_classes_128K', 'varies_by_storage_class'];
/** AWS's default since September 2024 when the header is absent. */
const DEFAULT_MIN_SIZE = 'all_storage_classes_128K';
const STORAGE_CLASSES = ['GLACIER', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'DEEP_ARCHIVE', 'GLACIER_IR'];

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });

const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** An element that must be an object (an empty element parses as ''), with only the given children. */
function element(v: unknown, fields: string[]): Record<string, unknown> {
  if (v === '') return {};
  const r = record(v);
  if (!r || Object.keys(r).some((k) => !fields.includes(k))) throw malformed();
  return r;
}
function text(v: unknown): string {
  if (typeof v !== 'string') throw malformed();
  return v;
}
function integer(v: unknown): number {
  const s = text(v);
  if (!/^-?\d{1,10}$/.test(s)) throw malformed();
  const n = Number(s);
  if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw malformed();
  return n;
}
function long(v: unknown): number {
  const s = text(v);
  if (!/^-?\d{1,19}$/.test(s)) throw malformed();
  return Number(s);
}
/** Date: ISO 8601, and "The date value must conform to the ISO 8601 format. The time is always midnight UTC." */
function midnight(v: unknown): Date {
  const s = text(v);
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) throw malformed();
  if (d.getTime() % 86_400_000 !== 0) throw invalidArgument("'Date' must be at midnight GMT", 'Date', s);
  return d;
}
function tag(v: unknown): XmlObject {
  const t = element(v, ['Key', 'Value']);
  if (t.Key === undefined) throw malformed();
  return { Key: text(t.Key), Value: t.Value === undefined ? '' : text(t.Value) };
}

/** Filter: empty (every object), or exactly one of Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan, And. */
function filter(v: unknown): XmlObject {
  const f = element(v, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And']);
  const keys = Object.keys(f);
  if (keys.length > 1) throw malformed();
  if (f.Prefix !== undefined) return { Prefix: f.Prefix === '' ? '' : text(f.Prefix) };
  if (f.Tag !== undefined) return { Tag: tag(f.Tag) };
  if (f.ObjectSizeGreaterThan !== undefined) return { ObjectSizeGreaterThan: long(f.ObjectSizeGreaterThan) };
  if (f.ObjectSizeLessThan !== undefined) return { ObjectSizeLessThan: long(f.ObjectSizeLessThan) };
  if (f.And !== undefined) {
    const a = element(f.And, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
    const tags = list(a.Tag).map(tag);
    if (new Set(tags.map((t) => t.Key)).size !== tags.length) throw new AwsError('InvalidRequest', 'Duplicate Tag Keys are not allowed.', 400);
    const out: XmlObject = {};
    if (a.Prefix !== undefined) out.Prefix = a.Prefix === '' ? '' : text(a.Prefix);
    if (tags.length) out.Tag = tags;
    if (a.ObjectSizeGreaterThan !== undefined) out.ObjectSizeGreaterThan = long(a.ObjectSizeGreaterThan);
    if (a.ObjectSizeLessThan !== undefined) out.ObjectSizeLessThan = long(a.ObjectSizeLessThan);
    return { And: out };
  }
  return {};
}

const RULE_FIELDS = ['ID', 'Prefix', 'Filter', 'Status', 'Expiration', 'Transition', 'NoncurrentVersionTransition', 'NoncurrentVersionExpiration',
  'AbortIncompleteMultipartUpload'];

function rule(raw: unknown): LifecycleRule {
  const r = element(raw, RULE_FIELDS);
  const out: LifecycleRule = {};
  if (r.ID !== undefined) {
    const id = r.ID === '' ? '' : text(r.ID);
    if (id.length > 255) throw invalidArgument('ID length should not exceed allowed limit of 255', 'ID', id);
    out.ID = id;
  }
  // Exactly one of Filter and (the deprecated) Prefix.
  if ((r.Filter === undefined) === (r.Prefix === undefined)) throw malformed();
  if (r.Prefix !== undefined) out.Prefix = r.Prefix === '' ? '' : text(r.Prefix);
  else out.Filter = filter(r.Filter);
  if (r.Status !== 'Enabled' && r.Status !== 'Disabled') throw malformed();
  out.Status = r.Status;
  if (r.Expiration !== undefined) {
    const e = element(r.Expiration, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
    const given = ['Days', 'Date', 'ExpiredObjectDeleteMarker'].filter((k) => e[k] !== undefined);
    if (given.length !== 1) throw malformed();
    if (e.Days !== undefined) {
      const days = integer(e.Days);
      if (days <= 0) throw invalidArgument("'Days' for Expiration action must be a positive integer", 'Days', String(days));
      out.Expiration = { Days: days };
    } else if (e.Date !== undefined) {
      out.Expiration = { Date: midnight(e.Date).toISOString() };
    } else {
      if (e.ExpiredObjectDeleteMarker !== 'true' && e.ExpiredObjectDeleteMarker !== 'false') throw malformed();
      out.Expiration = { ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker === 'true' };
    }
  }
  const transitions = list(r.Transition).map((raw): XmlObject => {
    const t = element(raw, ['Days', 'Date', 'StorageClass']);
    if ((t.Days === undefined) === (t.Date === undefined) || !STORAGE_CLASSES.includes(text(t.StorageClass))) throw malformed();
    if (t.Days !== undefined) {
      const days = integer(t.Days);
      if (days < 0) throw invalidArgument("'Days' for Transition action must be a positive integer", 'Days', String(days));
      // Objects stay 30 days in STANDARD before an infrequent-access class (User Guide, "Transitioning objects").
      if (days < 30 && (t.StorageClass === 'STANDARD_IA' || t.StorageClass === 'ONEZONE_IA')) {
        throw invalidArgument(`'Days' in Transition action must be greater than or equal to 30 for storageClass '${t.StorageClass}'`, 'Days', String(days));
      }
      return { Days: days, StorageClass: t.StorageClass as string };
    }
    return { Date: midnight(t.Date).toISOString(), StorageClass: t.StorageClass as string };
  });
  if (new Set(transitions.map((t) => t.StorageClass)).size !== transitions.length) {
    throw invalidArgument("'StorageClass' must be different for 'Transition' actions in same 'Rule'", 'StorageClass', String(transitions[0]!.StorageClass));
  }
  if (transitions.length) out.Transition = transitions;
  const noncurrentTransitions = list(r.NoncurrentVersionTransition).map((raw): XmlObject => {
    const t = element(raw, ['NoncurrentDays', 'StorageClass', 'NewerNoncurrentVersions']);
    if (t.NoncurrentDays === undefined || !STORAGE_CLASSES.includes(text(t.StorageClass))) throw malformed();
    return {
      NoncurrentDays: integer(t.NoncurrentDays), StorageClass: t.StorageClass as string,
      NewerNoncurrentVersions: t.NewerNoncurrentVersions === undefined ? undefined : integer(t.NewerNoncurrentVersions),
    };
  });
  if (noncurrentTransitions.length) out.NoncurrentVersionTransition = noncurrentTransitions;
  if (r.NoncurrentVersionExpiration !== undefined) {
    const e = element(r.NoncurrentVersionExpiration, ['NoncurrentDays', 'NewerNoncurrentVersions']);
    if (e.NoncurrentDays === undefined) throw malformed();
    const days = integer(e.NoncurrentDays);
    if (days <= 0) throw invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer", 'NoncurrentDays', String(days));
    out.NoncurrentVersionExpiration = {
      NoncurrentDays: days, NewerNoncurrentVersions: e.NewerNoncurrentVersions === undefined ? undefined : integer(e.NewerNoncurrentVersions),
    };
  }
  if (r.AbortIncompleteMultipartUpload !== undefined) {
    const a = element(r.AbortIncompleteMultipartUpload, ['DaysAfterInitiation']);
    if (a.DaysAfterInitiation === undefined) throw malformed();
    const days = integer(a.DaysAfterInitiation);
    if (days <= 0) {
      throw invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", 'DaysAfterInitiation', String(days));
    }
    out.AbortIncompleteMultipartUpload = { DaysAfterInitiation: days };
  }
  if (out.AbortIncompleteMultipartUpload !== undefined && out.Filter !== undefined) {
    const f = out.Filter as XmlObject;
    const conditions = (f.And ?? f) as XmlObject;
    if (conditions.Tag !== undefined) throw new AwsError('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with Tags.', 400);
    if (conditions.ObjectSizeGreaterThan !== undefined || conditions.ObjectSizeLessThan !== undefined) {
      throw new AwsError('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with Object Size', 400);
    }
  }
  if (!['Expiration', 'Transition', 'NoncurrentVersionTransition', 'NoncurrentVersionExpiration', 'AbortIncompleteMultipartUpload'].some((k) => out[k] !== undefined)) {
    throw new AwsError('InvalidRequest', 'At least one action needs to be specified in a rule', 400);
  }
  return out;
}

/** A LifecycleConfiguration body: 1 to 1000 Rule elements, IDs unique. */
export function parseLifecycleConfiguration(body: Buffer): LifecycleRule[] {
  const doc = parseXmlBody(body, 'LifecycleConfiguration');
  if (Object.keys(doc).some((k) => k !== 'Rule')) throw malformed();
  const raw = list(doc.Rule);
  if (raw.length === 0 || raw.length > MAX_LIFECYCLE_RULES) throw malformed();
  const rules = raw.map(rule);
  const seen = new Set<string>();
  for (const r of rules) {
    if (typeof r.ID !== 'string' || r.ID === '') continue;
    if (seen.has(r.ID)) throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', r.ID);
    seen.add(r.ID);
  }
  // A rule without an ID gets one, as on AWS ("If you don't provide one, Amazon S3 will assign an ID"): unique, 48
  // characters, the form AWS's assigned IDs take (the base64 of a UUID).
  for (const r of rules) {
    if (typeof r.ID !== 'string' || r.ID === '') r.ID = Buffer.from(randomUUID()).toString('base64');
  }
  return rules;
}

export function bucketLifecycle(bucket: BucketRow): LifecycleConfiguration | undefined {
  return bucket.lifecycle ? (JSON.parse(bucket.lifecycle) as LifecycleConfiguration) : undefined;
}

/** PutBucketLifecycleConfiguration: replaces the whole configuration; Content-MD5 or a checksum required (model's requestChecksumRequired). */
export async function putBucketLifecycleConfiguration(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutLifecycleConfiguration', bucketArn(bucket.bucket_name));
  requireIntegrityHeader(call.headers);
  const header = call.headers['x-amz-transition-default-minimum-object-size'];
  const minimumObjectSize = typeof header === 'string' && header !== '' ? header : DEFAULT_MIN_SIZE;
  if (!MIN_SIZE_VALUES.includes(minimumObjectSize)) {
    throw invalidArgument(`Invalid value for x-amz-transition-default-minimum-object-size: ${minimumObjectSize}`, 'x-amz-transition-default-minimum-object-size', minimumObjectSize);
  }
  const rules = parseLifecycleConfiguration(await call.readBody(MAX_LIFECYCLE_BODY));
  const config: LifecycleConfiguration = { rules, minimumObjectSize };
  call.ctx.s3.setBucketLifecycle(bucket.bucket_name, JSON.stringify(config));
  return { headers: { 'x-amz-transition-default-minimum-object-size': minimumObjectSize } };
}

export const getBucketLifecycleConfiguration: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetLifecycleConfiguration', bucketArn(bucket.bucket_name));
  const config = bucketLifecycle(bucket);
  if (!config) throw new AwsError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', 404, { BucketName: bucket.bucket_name });
  return {
    headers: { 'x-amz-transition-default-minimum-object-size': config.minimumObjectSize },
    body: restXmlDocument('LifecycleConfiguration', { Rule: config.rules }),
  };
};

/** DeleteBucketLifecycle is authorized as s3:PutLifecycleConfiguration (Service Authorization Reference); 204 with or without one. */
export const deleteBucketLifecycle: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutLifecycleConfiguration', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketLifecycle(bucket.bucket_name, null);
  return { status: 204 };
};

/**
 * Applying lifecycle rules. AWS does this asynchronously (once a day); iamlocal does it when asked, through the admin
 * API, as of `now`. "Lifecycle rules: Based on an object's age"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecyclemgmt-expiration.html and intro-lifecycle-rules.html):
 * a Days action is due when the object's creation time plus the days, rounded up to the next midnight UTC, has passed;
 * a Date action is due on that date for every object the rule's filter matches. In a versioning-enabled or suspended
 * bucket, Expiration adds a delete marker instead of removing the object; NoncurrentVersionExpiration removes
 * noncurrent versions NoncurrentDays after they became noncurrent, keeping the NewerNoncurrentVersions newest ones;
 * ExpiredObjectDeleteMarker removes a delete marker that is a key's only version ("Expiring objects", "Removing
 * expired object delete markers"); NoncurrentVersionTransition moves noncurrent versions down the storage classes as
 * Transition does current ones.
 */
export interface LifecycleRun {
  now: string;
  /** deleteMarkerVersionId: the delete marker an expiration added in a versioned bucket. */
  expired: { bucket: string; key: string; rule: string; deleteMarkerVersionId?: string }[];
  /** Noncurrent versions removed (NoncurrentVersionExpiration) and expired object delete markers removed. */
  noncurrentExpired: { bucket: string; key: string; versionId: string; rule: string }[];
  deleteMarkersRemoved: { bucket: string; key: string; versionId: string; rule: string }[];
  noncurrentTransitioned: { bucket: string; key: string; versionId: string; storageClass: string; rule: string }[];
  transitioned: { bucket: string; key: string; storageClass: string; rule: string }[];
  aborted: { bucket: string; key: string; uploadId: string; rule: string }[];
}

const DAY_MS = 86_400_000;
/** Creation time plus days, rounded up to the next midnight UTC. */
function dueAfterDays(created: string, days: number): number {
  const t = Date.parse(created) + days * DAY_MS;
  return Math.ceil(t / DAY_MS) * DAY_MS;
}
function due(action: XmlObject, created: string, now: number): boolean {
  if (typeof action.Days === 'number') return dueAfterDays(created, action.Days) <= now;
  if (typeof action.Date === 'string') return Date.parse(action.Date) <= now;
  return false;
}

interface Candidate { key: string; size: number; tags: Record<string, string> }

function matches(rule: LifecycleRule, o: Candidate): boolean {
  if (typeof rule.Prefix === 'string') return o.key.startsWith(rule.Prefix);
  const f = (rule.Filter ?? {}) as XmlObject;
  const conditions = (f.And ?? f) as XmlObject;
  if (typeof conditions.Prefix === 'string' && !o.key.startsWith(conditions.Prefix)) return false;
  const tags = (conditions.Tag === undefined ? [] : Array.isArray(conditions.Tag) ? conditions.Tag : [conditions.Tag]) as XmlObject[];
  if (tags.some((t) => o.tags[t.Key as string] !== t.Value)) return false;
  if (typeof conditions.ObjectSizeGreaterThan === 'number' && !(o.size > conditions.ObjectSizeGreaterThan)) return false;
  if (typeof conditions.ObjectSizeLessThan === 'number' && !(o.size < conditions.ObjectSizeLessThan)) return false;
  return true;
}

/** A rule whose filter is on the key alone (Prefix, or none): the only rules that apply to multipart uploads. */
function keyOnly(rule: LifecycleRule): boolean {
  const f = (rule.Filter ?? {}) as XmlObject;
  const conditions = (f.And ?? f) as XmlObject;
  return Object.keys(conditions).every((k) => k === 'Prefix');
}

/**
 * "Starting September 2024, the default behavior prevents objects smaller than 128 KB from being transitioned to any
 * storage class"; varies_by_storage_class lets them go to GLACIER and DEEP_ARCHIVE; a rule with an object size filter
 * sets its own minimum (User Guide, "Transitioning objects", minimum object size).
 */
function transitionsAtSize(rule: LifecycleRule, storageClass: string, size: number, minimumObjectSize: string): boolean {
  if (size >= 128 * 1024) return true;
  const f = (rule.Filter ?? {}) as XmlObject;
  const conditions = (f.And ?? f) as XmlObject;
  if (conditions.ObjectSizeGreaterThan !== undefined || conditions.ObjectSizeLessThan !== undefined) return true;
  return minimumObjectSize === 'varies_by_storage_class' && (storageClass === 'GLACIER' || storageClass === 'DEEP_ARCHIVE');
}

const WATERFALL = ['STANDARD', 'INTELLIGENT_TIERING', 'STANDARD_IA', 'ONEZONE_IA', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE'];
/** REDUCED_REDUNDANCY (and anything unknown) counts as STANDARD. */
const rank = (storageClass: string): number => Math.max(0, WATERFALL.indexOf(storageClass));

/** NoncurrentVersionExpiration, NoncurrentVersionTransition and ExpiredObjectDeleteMarker over a versioned bucket's noncurrent versions and markers. */
function expireVersions(ctx: ServerContext, bucket: BucketRow, rules: LifecycleRule[], minimumObjectSize: string, at: number, run: LifecycleRun): void {
  const s3 = ctx.s3;
  const ruleId = (r: LifecycleRule): string => (typeof r.ID === 'string' ? r.ID : '');
  const byKey = new Map<string, ObjectVersion[]>();
  for (const v of s3.lifecycleVersions(bucket.bucket_name)) {
    const list = byKey.get(v.row.object_key);
    if (list) list.push(v);
    else byKey.set(v.row.object_key, [v]);
  }
  for (const [key, versions] of byKey) {
    const current = s3.object(bucket.bucket_name, key);
    // When a version became noncurrent: when the next newer version was written.
    let newerWritten = current?.last_modified;
    let noncurrentSeen = 0;
    const remaining: ObjectVersion[] = [];
    for (const v of versions) {
      const since = newerWritten;
      newerWritten = v.row.last_modified;
      if (v.deleteMarker || since === undefined) {
        remaining.push(v);
        continue;
      }
      noncurrentSeen++;
      const seen = noncurrentSeen;
      const o: Candidate = { key, size: v.row.size, tags: v.row.tags ? (JSON.parse(v.row.tags) as Record<string, string>) : {} };
      // NewerNoncurrentVersions: that many newer noncurrent versions are kept whatever their age.
      const beyondNewest = (action: XmlObject): boolean => typeof action.NewerNoncurrentVersions !== 'number' || seen > action.NewerNoncurrentVersions;
      // A version under a legal hold or an unexpired retention stays (Object Lock protects it from lifecycle too).
      const rule = lockedAt(v.row, new Date(at)) ? undefined : rules.find((r) => {
        const e = r.NoncurrentVersionExpiration as XmlObject | undefined;
        return e !== undefined && matches(r, o) && dueAfterDays(since, e.NoncurrentDays as number) <= at && beyondNewest(e);
      });
      if (rule) {
        const removed = ctx.db.transaction(() => s3.deleteVersion(bucket.bucket_name, key, v.versionId))();
        s3.removeBlob(removed?.blob);
        run.noncurrentExpired.push({ bucket: bucket.bucket_name, key, versionId: v.versionId, rule: ruleId(rule) });
        continue;
      }
      remaining.push(v);
      // NoncurrentVersionTransition: the due transition furthest along, down the waterfall only.
      let target: { storageClass: string; days: number; rule: string } | undefined;
      for (const r of rules) {
        if (!matches(r, o)) continue;
        for (const t of (r.NoncurrentVersionTransition ?? []) as XmlObject[]) {
          const days = t.NoncurrentDays as number;
          if (dueAfterDays(since, days) > at || !beyondNewest(t) || !transitionsAtSize(r, t.StorageClass as string, v.row.size, minimumObjectSize)) continue;
          if (!target || days > target.days) target = { storageClass: t.StorageClass as string, days, rule: ruleId(r) };
        }
      }
      if (target && rank(target.storageClass) > rank(v.row.storage_class ?? 'STANDARD')) {
        s3.updateVersion(bucket.bucket_name, key, v.versionId, { storageClass: target.storageClass });
        run.noncurrentTransitioned.push({ bucket: bucket.bucket_name, key, versionId: v.versionId, storageClass: target.storageClass, rule: target.rule });
      }
    }
    // An expired object delete marker: the key's only version left is a (current) delete marker.
    const only = remaining.length === 1 && !current ? remaining[0]! : undefined;
    if (!only?.deleteMarker) continue;
    const rule = rules.find((r) => (r.Expiration as XmlObject | undefined)?.ExpiredObjectDeleteMarker === true && matches(r, { key, size: 0, tags: {} }));
    if (!rule) continue;
    ctx.db.transaction(() => s3.deleteVersion(bucket.bucket_name, key, only.versionId))();
    run.deleteMarkersRemoved.push({ bucket: bucket.bucket_name, key, versionId: only.versionId, rule: ruleId(rule) });
  }
}

export function runLifecycle(ctx: ServerContext, now: Date): LifecycleRun {
  const at = now.getTime();
  const run: LifecycleRun = { now: now.toISOString(), expired: [], noncurrentExpired: [], deleteMarkersRemoved: [], noncurrentTransitioned: [], transitioned: [], aborted: [] };
  const s3 = ctx.s3;
  for (const bucket of s3.lifecycleBuckets()) {
    const config = bucketLifecycle(bucket)!;
    const rules = config.rules.filter((r) => r.Status === 'Enabled');
    const ruleId = (r: LifecycleRule): string => (typeof r.ID === 'string' ? r.ID : '');
    for (const row of s3.lifecycleObjects(bucket.bucket_name)) {
      const o: Candidate = { key: row.object_key, size: row.size, tags: row.tags ? (JSON.parse(row.tags) as Record<string, string>) : {} };
      const applicable = rules.filter((r) => matches(r, o));
      const expiring = applicable.find((r) => r.Expiration !== undefined && due(r.Expiration as XmlObject, row.last_modified, at));
      if (expiring) {
        const { blob, markerVersionId } = ctx.db.transaction(() => s3.deleteKey(bucket.bucket_name, row.object_key, run.now, bucket.account_id))();
        s3.removeBlob(blob);
        run.expired.push({ bucket: bucket.bucket_name, key: row.object_key, rule: ruleId(expiring), ...(markerVersionId ? { deleteMarkerVersionId: markerVersionId } : {}) });
        continue;
      }
      // The due transition furthest along (latest) decides the storage class.
      let target: { storageClass: string; when: number; rule: string } | undefined;
      for (const r of applicable) {
        for (const t of (r.Transition ?? []) as XmlObject[]) {
          if (!due(t, row.last_modified, at) || !transitionsAtSize(r, t.StorageClass as string, row.size, config.minimumObjectSize)) continue;
          const when = typeof t.Days === 'number' ? dueAfterDays(row.last_modified, t.Days) : Date.parse(t.Date as string);
          if (!target || when > target.when) target = { storageClass: t.StorageClass as string, when, rule: ruleId(r) };
        }
      }
      // Transitions only go down the waterfall (User Guide, "Transitioning objects"): never back to a warmer class.
      if (target && rank(target.storageClass) > rank(row.storage_class ?? 'STANDARD')) {
        s3.setObjectStorageClass(bucket.bucket_name, row.object_key, target.storageClass);
        run.transitioned.push({ bucket: bucket.bucket_name, key: row.object_key, storageClass: target.storageClass, rule: target.rule });
      }
    }
    if (bucket.versioning) expireVersions(ctx, bucket, rules, config.minimumObjectSize, at, run);
    const abortRules = rules.filter((r) => r.AbortIncompleteMultipartUpload !== undefined && keyOnly(r));
    for (const upload of s3.lifecycleUploads(bucket.bucket_name)) {
      const o: Candidate = { key: upload.object_key, size: 0, tags: {} };
      const rule = abortRules.find((r) => matches(r, o)
        && dueAfterDays(upload.initiated_at, (r.AbortIncompleteMultipartUpload as XmlObject).DaysAfterInitiation as number) <= at);
      if (!rule) continue;
      const blobs = ctx.db.transaction(() => s3.deleteUpload(upload.upload_id))();
      for (const blob of blobs) s3.removeBlob(blob);
      run.aborted.push({ bucket: bucket.bucket_name, key: upload.object_key, uploadId: upload.upload_id, rule: ruleId(rule) });
    }
  }
  return run;
}
