// S3 Object Lock: the bucket's lock configuration (default retention), each version's retention (GOVERNANCE or
// COMPLIANCE until a date) and legal hold, and what they refuse. S3 User Guide "Locking objects with Object Lock"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html, "Object Lock considerations": bypassing
// governance mode, required permissions); API Reference PutObjectLockConfiguration, GetObjectLockConfiguration,
// PutObjectRetention, GetObjectRetention, PutObjectLegalHold, GetObjectLegalHold, PutObject (x-amz-object-lock-*;
// "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any request to upload an object with a
// retention period configured using Amazon S3 Object Lock"), DeleteObject.
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { BucketRow, ObjectRow } from '../../store/s3-store.ts';
import { authorize, bucketArn, checkKey, decide, invalidArgument, MAX_XML_BODY, objectArn, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';
import { requireIntegrityHeader } from './cors.ts';
import { requestedVersionId, versionContext, versionHeaders, versionToRead } from './versioning.ts';

/** A version's lock as stored (ObjectRow.object_lock). */
export interface ObjectLock { mode?: 'GOVERNANCE' | 'COMPLIANCE'; until?: string; legalHold?: 'ON' | 'OFF' }
/** A bucket's lock configuration as stored (BucketRow.object_lock): Object Lock on, with an optional default retention. */
interface BucketLock { rule?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days?: number; years?: number } }

const MODES = new Set(['GOVERNANCE', 'COMPLIANCE']);
const DAY_MS = 86_400_000;

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
const missingLockConfiguration = (): AwsError => new AwsError('InvalidRequest', 'Bucket is missing Object Lock Configuration', 400);
const protectedByLock = (): AwsError => new AwsError('AccessDenied', 'Access Denied because object protected by object lock.', 403);
const noObjectLockConfiguration = (): AwsError => new AwsError('NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration', 404);
const inTheFuture = (): AwsError => new AwsError('InvalidArgument', 'The retain until date must be in the future!', 400);

export const parseLock = (json: string | null | undefined): ObjectLock => (json ? (JSON.parse(json) as ObjectLock) : {});
const bucketLock = (bucket: BucketRow): BucketLock | undefined => (bucket.object_lock ? (JSON.parse(bucket.object_lock) as BucketLock) : undefined);
const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** A retention that still protects the version at `now`. */
const retained = (lock: ObjectLock, now: Date): boolean => lock.until !== undefined && Date.parse(lock.until) > now.getTime();

/** x-amz-bypass-governance-retention: true, which also takes s3:BypassGovernanceRetention. */
function bypassesGovernance(call: S3Call, bucket: BucketRow, key: string, lock: ObjectLock): boolean {
  if (header(call.headers, 'x-amz-bypass-governance-retention')?.toLowerCase() !== 'true') return false;
  authorize(call, bucket, 's3:BypassGovernanceRetention', objectArn(bucket.bucket_name, key), lockContext(lock, call.facts.now));
  return true;
}

/** s3:object-lock-* condition keys of a retention and legal hold (Service Authorization Reference for Amazon S3). */
function lockContext(lock: ObjectLock, now: Date): Record<string, string> {
  const context: Record<string, string> = {};
  if (lock.mode) context['s3:object-lock-mode'] = lock.mode;
  if (lock.until) {
    context['s3:object-lock-retain-until-date'] = lock.until;
    context['s3:object-lock-remaining-retention-days'] = String(Math.max(0, Math.ceil((Date.parse(lock.until) - now.getTime()) / DAY_MS)));
  }
  if (lock.legalHold) context['s3:object-lock-legal-hold'] = lock.legalHold;
  return context;
}

/**
 * The check before a version is deleted for good (DeleteObject or DeleteObjects with a version id): a legal hold, or a
 * retention that has not expired, refuses it; GOVERNANCE gives way to x-amz-bypass-governance-retention with
 * s3:BypassGovernanceRetention. A delete without a version id only adds a delete marker and is never refused.
 */
export function checkVersionDelete(call: S3Call, bucket: BucketRow, version: ObjectRow): void {
  if (!version.object_lock) return;
  const lock = parseLock(version.object_lock);
  if (lock.legalHold === 'ON') throw protectedByLock();
  if (!retained(lock, call.facts.now)) return;
  if (lock.mode === 'GOVERNANCE' && bypassesGovernance(call, bucket, version.object_key, lock)) return;
  throw protectedByLock();
}

function parseDate(raw: string, name: string): string {
  // ISO 8601 date-time, as the SDKs send it.
  const t = /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(t)) throw invalidArgument('The retain until date must be provided in ISO 8601 format', name, raw);
  return new Date(t).toISOString();
}

/** PutObject with a retention or legal hold: "Content-MD5 or x-amz-sdk-checksum-algorithm … is required". */
function requireLockChecksum(headers: IncomingHttpHeaders): void {
  try {
    requireIntegrityHeader(headers);
  } catch {
    throw new AwsError('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', 400);
  }
}

/**
 * The lock a new version gets (PutObject, CopyObject, CreateMultipartUpload): from x-amz-object-lock-mode,
 * -retain-until-date and -legal-hold, else the bucket's default retention. Headers on a bucket without Object Lock
 * are refused (authorizeLockHeaders checks the permissions they take). Returns the stored JSON (null: no lock) and the
 * condition keys of the headers.
 */
export function lockForWrite(call: S3Call, bucket: BucketRow, key: string, checksummed: boolean): { lock: string | null; context: Record<string, string> } {
  const mode = header(call.headers, 'x-amz-object-lock-mode');
  const until = header(call.headers, 'x-amz-object-lock-retain-until-date');
  const legalHold = header(call.headers, 'x-amz-object-lock-legal-hold');
  const config = bucketLock(bucket);
  if (mode === undefined && until === undefined && legalHold === undefined) {
    const rule = config?.rule;
    if (!rule) return { lock: null, context: {} };
    // A bucket's default retention is a retention too: a PutObject body needs its checksum (seen on AWS, where a
    // presigned PUT without one starts failing once a default retention rule is set).
    if (checksummed) requireLockChecksum(call.headers);
    const days = rule.days ?? 0;
    const end = new Date(call.facts.now.getTime());
    if (rule.years) end.setUTCFullYear(end.getUTCFullYear() + rule.years);
    const lock: ObjectLock = { mode: rule.mode, until: new Date(end.getTime() + days * DAY_MS).toISOString() };
    return { lock: JSON.stringify(lock), context: {} };
  }
  if (!config) throw missingLockConfiguration();
  if ((mode === undefined) !== (until === undefined)) {
    throw new AwsError('InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied', 400);
  }
  if (mode !== undefined && !MODES.has(mode)) throw invalidArgument('Unknown wormMode directive.', 'x-amz-object-lock-mode', mode);
  if (legalHold !== undefined && legalHold !== 'ON' && legalHold !== 'OFF') {
    throw invalidArgument("Legal Hold must be either of 'ON' or 'OFF'", 'x-amz-object-lock-legal-hold', legalHold);
  }
  const lock: ObjectLock = {};
  if (mode !== undefined && until !== undefined) {
    lock.mode = mode as 'GOVERNANCE' | 'COMPLIANCE';
    lock.until = parseDate(until, 'x-amz-object-lock-retain-until-date');
    if (Date.parse(lock.until) <= call.facts.now.getTime()) throw inTheFuture();
  }
  if (legalHold !== undefined) lock.legalHold = legalHold as 'ON' | 'OFF';
  if (checksummed) requireLockChecksum(call.headers);
  return { lock: JSON.stringify(lock), context: lockContext(lock, call.facts.now) };
}

/** After s3:PutObject: lock headers also take s3:PutObjectRetention (mode and date) and s3:PutObjectLegalHold. */
export function authorizeLockHeaders(call: S3Call, bucket: BucketRow, key: string, written: { context: Record<string, string> }): void {
  const arn = objectArn(bucket.bucket_name, key);
  if (written.context['s3:object-lock-mode']) authorize(call, bucket, 's3:PutObjectRetention', arn, written.context);
  if (written.context['s3:object-lock-legal-hold']) authorize(call, bucket, 's3:PutObjectLegalHold', arn, written.context);
}

/**
 * x-amz-object-lock-* on GET/HEAD: shown to a caller allowed s3:GetObjectRetention (mode and date) or
 * s3:GetObjectLegalHold (legal hold), as AWS does (GetObject, ObjectLockMode: "you must have the
 * s3:GetObjectRetention permission").
 */
export function lockHeaders(call: S3Call, bucket: BucketRow, object: ObjectRow): Record<string, string> {
  if (!object.object_lock) return {};
  const lock = parseLock(object.object_lock);
  const arn = objectArn(bucket.bucket_name, object.object_key);
  const headers: Record<string, string> = {};
  const context = lockContext(lock, call.facts.now);
  if (lock.mode && lock.until && decide(call, bucket, 's3:GetObjectRetention', arn, context, false).allowed) {
    headers['x-amz-object-lock-mode'] = lock.mode;
    headers['x-amz-object-lock-retain-until-date'] = lock.until;
  }
  if (lock.legalHold && decide(call, bucket, 's3:GetObjectLegalHold', arn, context, false).allowed) headers['x-amz-object-lock-legal-hold'] = lock.legalHold;
  return headers;
}

// ---- Put/GetObjectLockConfiguration ----

export async function putObjectLockConfiguration(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketObjectLockConfiguration', bucketArn(bucket.bucket_name));
  const body = await call.readBody(MAX_XML_BODY);
  requireIntegrityHeader(call.headers);
  const doc = parseXmlBody(body, 'ObjectLockConfiguration');
  if (doc.ObjectLockEnabled !== 'Enabled') throw malformed();
  const config: BucketLock = {};
  if (doc.Rule !== undefined) {
    const rule = doc.Rule as XmlObject;
    const retention = (typeof rule === 'object' && rule !== null ? rule.DefaultRetention : undefined) as XmlObject | undefined;
    if (typeof retention !== 'object' || retention === null) throw malformed();
    const mode = retention.Mode;
    if (typeof mode !== 'string' || !MODES.has(mode)) throw malformed();
    if ((retention.Days === undefined) === (retention.Years === undefined)) throw malformed();
    const raw = String(retention.Days ?? retention.Years);
    if (!/^-?\d+$/.test(raw)) throw malformed();
    const n = Number(raw);
    if (n <= 0) throw new AwsError('InvalidArgument', 'Default retention period must be a positive integer value', 400);
    // Object Lock retains for at most 100 years (User Guide, "Retention periods"); beyond, no date could be computed.
    if (retention.Days !== undefined ? n > 36500 : n > 100) throw new AwsError('InvalidArgument', 'Default retention period is too large.', 400);
    config.rule = { mode: mode as 'GOVERNANCE' | 'COMPLIANCE', ...(retention.Days !== undefined ? { days: n } : { years: n }) };
  }
  // Object Lock can be turned on for an existing bucket whose versioning is Enabled; never turned off.
  if (!bucket.object_lock && call.ctx.s3.bucketVersioning(bucket.bucket_name) !== 'Enabled') {
    throw new AwsError('InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration", 409);
  }
  call.ctx.s3.setBucketObjectLock(bucket.bucket_name, JSON.stringify(config));
  return {};
}

export const getObjectLockConfiguration: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketObjectLockConfiguration', bucketArn(bucket.bucket_name));
  const config = bucketLock(bucket);
  if (!config) {
    throw new AwsError('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', 404, { BucketName: bucket.bucket_name });
  }
  const rule = config.rule;
  return {
    body: restXmlDocument('ObjectLockConfiguration', {
      ObjectLockEnabled: 'Enabled',
      Rule: rule ? { DefaultRetention: { Mode: rule.mode, Days: rule.days, Years: rule.years } } : undefined,
    }),
  };
};

/** CreateBucket with x-amz-bucket-object-lock-enabled: true — the stored configuration (no default retention). */
export const NEW_BUCKET_LOCK = JSON.stringify({} satisfies BucketLock);

// ---- Retention and legal hold of a version ----

/** The version a retention or legal-hold request works on, in a bucket with Object Lock. */
function lockedVersion(call: S3Call, action: string, extra: Record<string, string> = {}): { bucket: BucketRow; key: string; object: ObjectRow; versionId: string; headers: Record<string, string> } {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const versionId = requestedVersionId(call);
  authorize(call, bucket, action, objectArn(bucket.bucket_name, key), { ...extra, ...versionContext(versionId) });
  if (!bucket.object_lock) throw missingLockConfiguration();
  const version = versionToRead(call, bucket, key, versionId);
  return { bucket, key, object: version.row, versionId: version.versionId, headers: versionHeaders(bucket, version.row, versionId !== undefined) };
}

export async function putObjectRetention(call: S3Call): Promise<S3Result> {
  const body = await call.readBody(MAX_XML_BODY);
  requireIntegrityHeader(call.headers);
  const doc = parseXmlBody(body, 'Retention');
  const mode = doc.Mode;
  const rawUntil = doc.RetainUntilDate;
  if (mode !== undefined && (typeof mode !== 'string' || !MODES.has(mode))) throw malformed();
  if ((mode === undefined) !== (rawUntil === undefined) || (rawUntil !== undefined && typeof rawUntil !== 'string')) throw malformed();
  const wanted: ObjectLock = {};
  if (typeof mode === 'string' && typeof rawUntil === 'string') {
    wanted.mode = mode as 'GOVERNANCE' | 'COMPLIANCE';
    wanted.until = parseDate(rawUntil, 'RetainUntilDate');
    if (Date.parse(wanted.until) <= call.facts.now.getTime()) throw inTheFuture();
  }
  const { bucket, key, object, versionId, headers } = lockedVersion(call, 's3:PutObjectRetention', lockContext(wanted, call.facts.now));
  const current = parseLock(object.object_lock);
  // Extending a retention (same mode, a later date; or GOVERNANCE made COMPLIANCE) is always allowed. Shortening,
  // removing or weakening it: never under COMPLIANCE, under GOVERNANCE only with the bypass (User Guide, "Retention modes").
  if (retained(current, call.facts.now)) {
    const strengthens = wanted.until !== undefined && Date.parse(wanted.until) >= Date.parse(current.until!)
      && (wanted.mode === current.mode || wanted.mode === 'COMPLIANCE');
    if (!strengthens && (current.mode === 'COMPLIANCE' || !bypassesGovernance(call, bucket, key, current))) throw protectedByLock();
  }
  const next: ObjectLock = { ...(current.legalHold ? { legalHold: current.legalHold } : {}), ...wanted };
  call.ctx.s3.updateVersion(bucket.bucket_name, key, versionId, { objectLock: Object.keys(next).length ? JSON.stringify(next) : null });
  return { headers };
}

export const getObjectRetention: S3Handler = (call) => {
  const { object, headers } = lockedVersion(call, 's3:GetObjectRetention');
  const lock = parseLock(object.object_lock);
  if (!lock.mode || !lock.until) throw noObjectLockConfiguration();
  return { headers, body: restXmlDocument('Retention', { Mode: lock.mode, RetainUntilDate: lock.until }) };
};

export async function putObjectLegalHold(call: S3Call): Promise<S3Result> {
  const body = await call.readBody(MAX_XML_BODY);
  requireIntegrityHeader(call.headers);
  const status = parseXmlBody(body, 'LegalHold').Status;
  if (status !== 'ON' && status !== 'OFF') throw malformed();
  const { bucket, key, object, versionId, headers } = lockedVersion(call, 's3:PutObjectLegalHold', { 's3:object-lock-legal-hold': status });
  const next: ObjectLock = { ...parseLock(object.object_lock), legalHold: status };
  call.ctx.s3.updateVersion(bucket.bucket_name, key, versionId, { objectLock: JSON.stringify(next) });
  return { headers };
}

export const getObjectLegalHold: S3Handler = (call) => {
  const { object, headers } = lockedVersion(call, 's3:GetObjectLegalHold');
  const lock = parseLock(object.object_lock);
  if (!lock.legalHold) throw noObjectLockConfiguration();
  return { headers, body: restXmlDocument('LegalHold', { Status: lock.legalHold }) };
};

/** A version a lifecycle run must leave alone: under a legal hold or an unexpired retention. */
export function lockedAt(object: ObjectRow, now: Date): boolean {
  if (!object.object_lock) return false;
  const lock = parseLock(object.object_lock);
  return lock.legalHold === 'ON' || retained(lock, now);
}
