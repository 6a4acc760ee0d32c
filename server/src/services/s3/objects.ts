import type { Cipher } from 'node:crypto';
import { CHECKSUM_ALGORITHMS, createChecksum, type ChecksumAlgorithm } from '../../auth/checksums.ts';
import type { Readable } from 'node:stream';
import type { ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import { XML_DECLARATION, xmlEscape, type XmlObject } from '../../protocol/xml.ts';
import { NULL_VERSION, type BucketRow, type ObjectRow } from '../../store/s3-store.ts';
import { accessDenied } from '../access-denied.ts';
import {
  authorize, checkKey, decide, httpDateOf, invalidArgument, objectBody, MAX_OBJECT_BYTES, MAX_XML_BODY, noSuchBucket, noSuchKey, objectArn, ownerXml, requireBucket, storedHeaders, touchBlob, writeBlob,
  type S3Call, type S3Handler, type S3Result,
} from './common.ts';
import {
  asStream, COPY_SOURCE_SSE_C_PREFIX, customerKeyOf, customerResponseHeaders, decrypted, encryptor, keyForRead, newIv, refuseSseOnRead, requestedSse, sealKey, SSE_C_PREFIX,
  type CustomerKey, type ObjectCustomerKey, type RequestedSse, type SealedKey, type Segment,
} from './encryption.ts';
import { checkCopySourceConditions, refuseArchived, storageClassOf, writeCondition, type WriteCondition } from './preconditions.ts';
import { aclConditionContext, objectAclForWrite } from './access.ts';
import { authorizeLockHeaders, checkVersionDelete, lockForWrite, lockHeaders } from './object-lock.ts';
import { noSuchVersion, requestedVersionId, versionAction, versionContext, versionHeaders, versionToRead } from './versioning.ts';
import { isRestored, restoreHeader } from './restore.ts';
import { dataKeyEncryptor, kmsResponseHeaders, storedRecord, unlockObject, writeEncryption, type WriteEncryption } from './sse-kms.ts';

const header = (call: S3Call, name: string): string | undefined => {
  const v = call.headers[name];
  return typeof v === 'string' ? v : undefined;
};

function declaredLength(call: S3Call): number {
  const declared = Number(call.headers['x-amz-decoded-content-length'] ?? call.headers['content-length'] ?? NaN);
  if (Number.isNaN(declared) && call.headers['transfer-encoding'] === undefined) {
    throw new AwsError('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  }
  if (declared > MAX_OBJECT_BYTES) {
    throw new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { ProposedSize: String(declared), MaxSizeAllowed: String(MAX_OBJECT_BYTES) });
  }
  return declared;
}

/** x-amz-tagging (URL-encoded query form) → stored JSON. */
function taggingHeader(call: S3Call): string | null {
  const raw = header(call, 'x-amz-tagging');
  if (raw === undefined) return null;
  const tags = Object.fromEntries(new URLSearchParams(raw));
  return JSON.stringify(checkTags(tags));
}

function checkTags(tags: Record<string, string>): Record<string, string> {
  if (Object.keys(tags).length > 10) throw new AwsError('BadRequest', 'Object tags cannot be greater than 10', 400);
  for (const [k, v] of Object.entries(tags)) {
    if (k.length === 0 || k.length > 128) throw new AwsError('InvalidTag', 'The TagKey you have provided is invalid', 400);
    if (v.length > 256) throw new AwsError('InvalidTag', 'The TagValue you have provided is invalid', 400);
  }
  return tags;
}

const sseOf = (call: S3Call): RequestedSse => requestedSse(call.headers);

/** Policy condition keys of a write's encryption and storage class. */
function writeContext(requested: RequestedSse, storageClass: string | null, call: S3Call): Record<string, string> {
  const context: Record<string, string> = {};
  if (requested.sse) context['s3:x-amz-server-side-encryption'] = requested.sse;
  if (requested.kms) context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = requested.kms;
  if (requested.customer) context['s3:x-amz-server-side-encryption-customer-algorithm'] = 'AES256';
  const storage = header(call, 'x-amz-storage-class');
  if (storage !== undefined) context['s3:x-amz-storage-class'] = storageClass ?? storage;
  return context;
}

/** The stored SSE-C record of a new object: the key's salted HMAC and the IV of each encrypted segment. */
export function sealedObjectKey(key: CustomerKey | SealedKey, segments: Segment[]): string {
  const sealed = 'hmac' in key ? key : sealKey(key);
  const record: ObjectCustomerKey = { algorithm: sealed.algorithm, keyMd5: sealed.keyMd5, salt: sealed.salt, hmac: sealed.hmac, segments };
  return JSON.stringify(record);
}

function objectResponseHeaders(object: ObjectRow, write = false): Record<string, string> {
  const headers: Record<string, string> = { ETag: object.etag };
  if (object.sse) headers['x-amz-server-side-encryption'] = object.sse;
  if (object.sse_kms_key_id) headers['x-amz-server-side-encryption-aws-kms-key-id'] = object.sse_kms_key_id;
  Object.assign(headers, kmsResponseHeaders(object.sse_kms, write));
  if (object.sse_customer) Object.assign(headers, customerResponseHeaders((JSON.parse(object.sse_customer) as SealedKey).keyMd5));
  return headers;
}

/**
 * x-amz-version-id of a write: the version it made, in a bucket whose versioning is on. A write to a suspended bucket
 * makes the "null" version and answers without the header (PutObject API reference, the "Versioning suspended" sample).
 */
export function writtenVersionHeaders(call: S3Call, bucket: BucketRow, row: ObjectRow): Record<string, string> {
  const id = row.version_id;
  return call.ctx.s3.bucketVersioning(bucket.bucket_name) !== null && id && id !== NULL_VERSION ? { 'x-amz-version-id': id } : {};
}

async function commit(call: S3Call, row: ObjectRow, acl: string | undefined, guard?: (current: ObjectRow | undefined) => void): Promise<void> {
  let result: Awaited<ReturnType<typeof call.ctx.s3.recordObject>>;
  try {
    result = await call.ctx.s3.recordObject(row, acl, guard);
  } catch (error) {
    call.ctx.s3.removeBlob(row.blob_id);
    throw error;
  }
  if (result.bucketGone) {
    call.ctx.s3.removeBlob(row.blob_id);
    throw noSuchBucket(row.bucket_name);
  }
  call.ctx.s3.removeBlob(result.previous);
}

export async function putObject(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  if (call.headers['x-amz-copy-source'] !== undefined) return copyObject(call, bucket, key);
  const requested = sseOf(call);
  const { customer } = requested;
  const storageClass = storageClassOf(call.headers);
  const condition = writeCondition(call.headers);
  const context = { ...writeContext(requested, storageClass, call), ...condition?.context, ...aclConditionContext(call) };
  const tags = taggingHeader(call);
  const lock = lockForWrite(call, bucket, key, true);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), {
    ...context, ...lock.context, ...requestTagContext(tags ? (JSON.parse(tags) as Record<string, string>) : {}),
  });
  authorizeLockHeaders(call, bucket, key, lock);
  const access = objectAclForWrite(call, bucket, objectArn(bucket.bucket_name, key));
  checkWriteCondition(call, bucket, key, condition);
  declaredLength(call);
  const encryption = writeEncryption(call, bucket, key, requested);
  const body = call.body();
  const iv = customer || encryption.kms ? newIv() : undefined;
  const blob = await writeBlob(call, body, undefined, iv ? cipherFor(customer, encryption, iv) : undefined);
  const checksum = body.checksum;
  // An SSE-S3 object's ETag is the MD5 of its data, as a plain object's (its stored bytes are ciphertext).
  const etagMd5 = encryption.kms?.record.sseS3 ? blob.plainMd5 : blob.md5;
  const row: ObjectRow = {
    bucket_name: bucket.bucket_name, object_key: key, blob_id: blob.blobId, size: blob.size, etag: `"${etagMd5.toString('hex')}"`,
    last_modified: call.facts.now.toISOString(), owner_account: access.owner,
    content_type: header(call, 'content-type') ?? 'binary/octet-stream', metadata: JSON.stringify(storedHeaders(call.headers)),
    sse: encryption.sse, sse_kms_key_id: encryption.keyArn, tags, checksum: checksum ? `${checksum.algorithm}:${checksum.value}` : null,
    storage_class: storageClass, sse_customer: customer && iv ? sealedObjectKey(customer, [{ size: blob.size, iv: iv.toString('base64') }]) : null,
    sse_kms: encryption.kms && iv ? storedRecord(encryption.kms.record, [{ size: blob.size, iv: iv.toString('base64') }]) : null,
    object_lock: lock.lock,
  };
  await commit(call, row, access.acl ?? undefined, condition?.atCommit);
  const headers = { ...objectResponseHeaders(row, true), ...writtenVersionHeaders(call, bucket, row) };
  if (checksum) {
    headers[`x-amz-checksum-${checksum.algorithm.toLowerCase()}`] = checksum.value;
    headers['x-amz-checksum-type'] = 'FULL_OBJECT';
  }
  return { headers };
}

/** The cipher a new object's bytes go through: the customer's key (SSE-C) or the SSE-KMS data key. */
function cipherFor(customer: CustomerKey | undefined, encryption: WriteEncryption, iv: Buffer): Cipher | undefined {
  if (customer) return encryptor(customer, iv);
  return encryption.kms ? dataKeyEncryptor(encryption.kms.dataKey, iv) : undefined;
}

/** x-amz-copy-source: `bucket/key` or `/bucket/key`, URL-encoded, optionally with ?versionId. */
function parseCopySource(call: S3Call): { bucket: string; key: string; versionId: string | undefined } {
  const raw = header(call, 'x-amz-copy-source') ?? '';
  const [rawPath, rawQuery] = raw.split('?') as [string, string | undefined];
  const path = rawPath.replace(/^\//, '');
  const sourceQuery = new URLSearchParams(rawQuery ?? '');
  let versionId: string | undefined;
  if (sourceQuery.has('versionId')) {
    versionId = sourceQuery.get('versionId') ?? '';
    if (versionId === '' || (versionId !== 'null' && !/^[A-Za-z0-9_-]{32}$/.test(versionId))) {
      throw new AwsError('InvalidArgument', 'Invalid version id specified', 400, { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
    }
  }
  const slash = path.indexOf('/');
  let bucket = '';
  let key = '';
  try {
    bucket = decodeURIComponent(path.slice(0, slash));
    key = decodeURIComponent(path.slice(slash + 1));
  } catch {
    slash < 0 || (bucket = '');
  }
  if (slash <= 0 || !bucket || !key) throw new AwsError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 400, { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
  return { bucket, key, versionId };
}

/**
 * The object a copy reads, authorized as s3:GetObject on the source, with the copy source's conditions and SSE-C key
 * checked; `unlocked` holds the key when the source is stored with SSE-C.
 */
function copySource(call: S3Call): { object: ObjectRow; unlocked: ReturnType<typeof keyForRead>; versionId: string | undefined; named: boolean } {
  const { object, versionId, named } = copySourceObject(call);
  const customer = keyForRead(object.sse_customer, customerKeyOf(call.headers, COPY_SOURCE_SSE_C_PREFIX, 'read'));
  checkCopySourceConditions(call.headers, object);
  refuseArchived(object, isRestored(call.ctx, object, call.facts.now));
  // An SSE-KMS source is read through kms:Decrypt as the caller.
  return { object, unlocked: customer ?? unlockObject(call, object), versionId, named };
}

/** The bytes of a copy source (or a range of them) in the clear. */
function copySourceBytes(call: S3Call, source: { object: ObjectRow; unlocked: ReturnType<typeof keyForRead> }, range?: { start: number; end: number }): Readable {
  const stored = objectBody(call.ctx, source.object, range);
  return asStream(source.unlocked ? decrypted(stored, source.unlocked.key, source.unlocked.sealed, range?.start ?? 0) : stored);
}

/**
 * The object a copy reads, authorized as s3:GetObject on the source (s3:GetObjectVersion for a named version); the
 * version id is the source's when the source bucket is versioned (x-amz-copy-source-version-id).
 */
function copySourceObject(call: S3Call): { object: ObjectRow; versionId: string | undefined; named: boolean } {
  const source = parseCopySource(call);
  const sourceBucket = call.ctx.s3.bucket(source.bucket);
  if (!sourceBucket) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: source.bucket });
  const arn = objectArn(source.bucket, source.key);
  const action = versionAction('s3:GetObject', source.versionId);
  const decision = decide(call, sourceBucket, action, arn, versionContext(source.versionId));
  if (!decision.allowed) throw accessDenied('s3', call.caller, action, arn, decision);
  if (source.versionId !== undefined) {
    const version = call.ctx.s3.version(source.bucket, source.key, source.versionId);
    if (!version) throw noSuchVersion(source.key, source.versionId);
    // A delete marker cannot be copied: S3 answers 400 InvalidRequest.
    if (version.deleteMarker) throw new AwsError('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.', 400);
    return { object: version.row, versionId: source.versionId, named: true };
  }
  const object = call.ctx.s3.object(source.bucket, source.key);
  if (!object) throw noSuchKey(source.key);
  return { object, versionId: sourceBucket.versioning ? (object.version_id ?? 'null') : undefined, named: false };
}

/** Blobs are immutable, so a copy shares the bytes under a new blob id: a hard link, or a new inline blob. */
function linkBlob(ctx: ServerContext, blobId: string, key: string): string {
  return touchBlob(key, () => ctx.s3.copyBlob(blobId));
}

async function copyObject(call: S3Call, bucket: BucketRow, key: string): Promise<S3Result> {
  const copied = copySource(call);
  const source = copied.object;
  const requested = sseOf(call);
  const { sse, customer } = requested;
  const storageClass = storageClassOf(call.headers);
  const condition = writeCondition(call.headers);
  const lock = lockForWrite(call, bucket, key, false);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), {
    ...writeContext(requested, storageClass, call), ...condition?.context, ...aclConditionContext(call), ...lock.context,
  });
  authorizeLockHeaders(call, bucket, key, lock);
  const access = objectAclForWrite(call, bucket, objectArn(bucket.bucket_name, key));
  const replace = (header(call, 'x-amz-metadata-directive') ?? 'COPY') === 'REPLACE';
  const changesSomething = replace || sse !== null || customer !== undefined || header(call, 'x-amz-storage-class') !== undefined;
  // Copying a named version onto its own key is how a previous version is restored: allowed as it is.
  if (!changesSomething && !copied.named && source.bucket_name === bucket.bucket_name && source.object_key === key) {
    throw new AwsError('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.", 400);
  }
  checkWriteCondition(call, bucket, key, condition);
  const taggingReplace = header(call, 'x-amz-tagging-directive') === 'REPLACE';
  await call.readBody(0).catch(() => undefined);
  // Without SSE headers the copy gets the destination bucket's default encryption, not the source's (CopyObject).
  const encryption = writeEncryption(call, bucket, key, requested);
  // Plain bytes are shared with the source; bytes to decrypt or encrypt are written anew.
  let blob: { blobId: string; size: number; etag: string };
  let iv: Buffer | undefined;
  if (!copied.unlocked && !customer && !encryption.kms) {
    blob = { blobId: linkBlob(call.ctx, source.blob_id, source.object_key), size: source.size, etag: source.etag };
  } else {
    iv = customer || encryption.kms ? newIv() : undefined;
    const written = await writeBlob(call, copySourceBytes(call, copied), source.size, iv ? cipherFor(customer, encryption, iv) : undefined);
    blob = { blobId: written.blobId, size: written.size, etag: `"${(encryption.kms?.record.sseS3 ? written.plainMd5 : written.md5).toString('hex')}"` };
  }
  // x-amz-checksum-algorithm: the copy gets a FULL_OBJECT checksum of its bytes in that algorithm (CopyObject).
  const checksum = await copyChecksum(call, copied);
  const row: ObjectRow = {
    ...source, bucket_name: bucket.bucket_name, object_key: key, blob_id: blob.blobId, size: blob.size, etag: blob.etag, last_modified: call.facts.now.toISOString(),
    ...(checksum ? { checksum: `${checksum.algorithm}:${checksum.value}` } : {}),
    owner_account: access.owner,
    content_type: replace ? (header(call, 'content-type') ?? 'binary/octet-stream') : source.content_type,
    metadata: replace ? JSON.stringify(storedHeaders(call.headers)) : source.metadata,
    sse: encryption.sse, sse_kms_key_id: encryption.keyArn, tags: taggingReplace ? taggingHeader(call) : source.tags,
    // The storage class is not copied: without the header the copy is STANDARD (CopyObject, x-amz-storage-class).
    storage_class: storageClass,
    sse_customer: customer && iv ? sealedObjectKey(customer, [{ size: blob.size, iv: iv.toString('base64') }]) : null,
    sse_kms: encryption.kms && iv ? storedRecord(encryption.kms.record, [{ size: blob.size, iv: iv.toString('base64') }]) : null,
    // Shared bytes keep the source's ETag, so they keep its parts too; bytes written anew are one part.
    parts: blob.etag === source.etag ? (source.parts ?? null) : null,
    // A copy is a new version with no retention of its own (Object Lock headers or the bucket default apply).
    version_id: null, object_lock: lock.lock,
  };
  await commit(call, row, access.acl ?? undefined, condition?.atCommit);
  const result: XmlObject = { ETag: row.etag, LastModified: row.last_modified };
  if (row.checksum) {
    const [algorithm, value] = row.checksum.split(':') as [string, string];
    Object.assign(result, { ChecksumType: checksumTypeOf(value), [`Checksum${algorithm}`]: value });
  }
  const headers = { ...objectResponseHeaders(row, true), ...writtenVersionHeaders(call, bucket, row) };
  if (copied.versionId !== undefined) headers['x-amz-copy-source-version-id'] = copied.versionId;
  return { headers, body: restXmlDocument('CopyObjectResult', result) };
}

/** The checksum CopyObject's x-amz-checksum-algorithm asks for, computed over the copied bytes in the clear. */
async function copyChecksum(call: S3Call, copied: ReturnType<typeof copySource>): Promise<{ algorithm: ChecksumAlgorithm; value: string } | undefined> {
  const raw = header(call, 'x-amz-checksum-algorithm');
  if (raw === undefined) return undefined;
  const algorithm = CHECKSUM_ALGORITHMS.find((a) => a === raw.toUpperCase());
  if (!algorithm) {
    throw new AwsError('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]', 400);
  }
  const sum = createChecksum(algorithm);
  for await (const chunk of copySourceBytes(call, copied)) sum.update(chunk as Buffer);
  return { algorithm, value: sum.digestBase64() };
}

/**
 * A conditional write's first check. If-Match needs s3:GetObject as well as s3:PutObject ("How to prevent overwrites
 * if the object has changed": https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
function checkWriteCondition(call: S3Call, bucket: BucketRow, key: string, condition: WriteCondition | undefined): void {
  if (!condition) return;
  const current = call.ctx.s3.object(bucket.bucket_name, key);
  if (condition.readsObject) authorize(call, bucket, 's3:GetObject', objectArn(bucket.bucket_name, key), existingTagContext(current));
  condition.before(current, key);
}

/** s3:ExistingObjectTag/<key> for each tag of an existing object. */
export function existingTagContext(object: ObjectRow | undefined): Record<string, string> {
  const tags = object?.tags ? (JSON.parse(object.tags) as Record<string, string>) : {};
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`s3:ExistingObjectTag/${k}`, v]));
}

/** s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys for tags a request sets. */
function requestTagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.fromEntries(Object.entries(tags).map(([k, v]) => [`s3:RequestObjectTag/${k}`, v]));
  if (Object.keys(tags).length) out['s3:RequestObjectTagKeys'] = Object.keys(tags);
  return out;
}

/**
 * The object (version) a GET or HEAD reads, authorized as s3:GetObject, or s3:GetObjectVersion when the request names
 * a version (GetObject, "Permissions"); `headers` carries x-amz-version-id.
 */
function readableObject(call: S3Call): { object: ObjectRow; headers: Record<string, string> } {
  const found = readableVersion(call);
  return { object: found.object, headers: { ...found.headers, ...lockHeaders(call, found.bucket, found.object) } };
}

function readableVersion(call: S3Call): { bucket: BucketRow; object: ObjectRow; headers: Record<string, string> } {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const versionId = requestedVersionId(call);
  const arn = objectArn(bucket.bucket_name, key);
  const action = versionAction('s3:GetObject', versionId);
  const found = versionId === undefined ? call.ctx.s3.object(bucket.bucket_name, key) : call.ctx.s3.version(bucket.bucket_name, key, versionId)?.row;
  const decision = decide(call, bucket, action, arn, { ...existingTagContext(found), ...versionContext(versionId) });
  if (!decision.allowed) throw accessDenied('s3', call.caller, action, arn, decision);
  const object = versionToRead(call, bucket, key, versionId, found).row;
  return { bucket, object, headers: versionHeaders(bucket, object, versionId !== undefined) };
}

/** If-Match / If-None-Match / If-(Un)Modified-Since, in the precedence RFC 7232 and S3 use. */
function checkConditions(call: S3Call, object: ObjectRow): S3Result | undefined {
  const ifMatch = header(call, 'if-match');
  const ifNoneMatch = header(call, 'if-none-match');
  const ifModifiedSince = header(call, 'if-modified-since');
  const ifUnmodifiedSince = header(call, 'if-unmodified-since');
  // Most reads carry no precondition: no date to parse, no 304 to prepare.
  if (ifMatch === undefined && ifNoneMatch === undefined && ifModifiedSince === undefined && ifUnmodifiedSince === undefined) return undefined;
  const modified = Math.floor(new Date(object.last_modified).getTime() / 1000) * 1000;
  const etagIn = (list: string): boolean => list.split(',').map((t) => t.trim()).some((t) => t === '*' || t === object.etag || `"${t}"` === object.etag);
  const failed = (): never => {
    throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since' });
  };
  if (ifMatch !== undefined) {
    if (!etagIn(ifMatch)) failed();
  } else if (ifUnmodifiedSince !== undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && modified > since) failed();
  }
  const notModified: S3Result = { status: 304, headers: { ETag: object.etag, 'Last-Modified': httpDateOf(object.last_modified) } };
  if (ifNoneMatch !== undefined) {
    if (etagIn(ifNoneMatch)) return notModified;
  } else if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (!Number.isNaN(since) && modified <= since) return notModified;
  }
  return undefined;
}

/** One `bytes=` range, resolved against the size; undefined for no (or an ignorable) Range header. */
function parseRange(call: S3Call, size: number): { start: number; end: number } | undefined {
  const raw = header(call, 'range');
  if (raw === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(raw.trim());
  // S3 ignores range headers it cannot parse (including multiple ranges) and returns the whole object.
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw invalidRange(size);
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size) throw invalidRange(size);
  return { start, end };
}

const invalidRange = (size: number): AwsError =>
  new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, { RangeRequested: '', ActualObjectSize: String(size) });

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'Content-Type', 'response-content-language': 'Content-Language', 'response-expires': 'Expires',
  'response-cache-control': 'Cache-Control', 'response-content-disposition': 'Content-Disposition', 'response-content-encoding': 'Content-Encoding',
};

function getHeaders(call: S3Call, object: ObjectRow): Record<string, string> {
  const headers: Record<string, string> = {
    ...objectResponseHeaders(object), 'Content-Length': String(object.size), 'Last-Modified': httpDateOf(object.last_modified),
    'Content-Type': object.content_type ?? 'binary/octet-stream', 'Accept-Ranges': 'bytes',
  };
  // S3 sends x-amz-storage-class for every class but STANDARD.
  if (object.storage_class) headers['x-amz-storage-class'] = object.storage_class;
  Object.assign(headers, restoreHeader(call.ctx, object, call.facts.now));
  for (const [name, value] of Object.entries(object.metadata ? (JSON.parse(object.metadata) as Record<string, string>) : {})) headers[name] = value;
  if (object.tags) headers['x-amz-tagging-count'] = String(Object.keys(JSON.parse(object.tags) as object).length);
  if (object.checksum && header(call, 'x-amz-checksum-mode') === 'ENABLED') {
    const [algorithm, value] = object.checksum.split(':') as [string, string];
    headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
    headers['x-amz-checksum-type'] = checksumTypeOf(value);
  }
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = call.query.get(param);
    // A response header carries ISO-8859-1 only (and no control characters): refuse what cannot be sent.
    if (value !== null && /[^\t\x20-\x7e\x80-\xff]/.test(value)) throw invalidArgument('Header value cannot be represented using ISO-8859-1.', param, value);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

/** The SSE-C key a read carries, checked against the object's (see keyForRead). */
const readKey = (call: S3Call, object: ObjectRow): ReturnType<typeof keyForRead> =>
  keyForRead(object.sse_customer, customerKeyOf(call.headers, SSE_C_PREFIX, 'read'));

/** A stored checksum value is COMPOSITE when it ends in `-N` (the part count), else FULL_OBJECT. */
export const checksumTypeOf = (value: string): 'COMPOSITE' | 'FULL_OBJECT' => (/-\d+$/.test(value) ? 'COMPOSITE' : 'FULL_OBJECT');

/** The part sizes of an object: a multipart object's, or the whole object as its one part; its parts' checksums if kept. */
export function partSizes(object: ObjectRow): { sizes: number[]; multipart: boolean; checksums?: (string | null)[] } {
  if (!object.parts) return { sizes: [object.size], multipart: false };
  const parts = JSON.parse(object.parts) as number[] | { sizes: number[]; checksums: (string | null)[] };
  return Array.isArray(parts) ? { sizes: parts, multipart: true } : { sizes: parts.sizes, multipart: true, checksums: parts.checksums };
}

/**
 * GET/HEAD ?partNumber=N: the bytes of part N as a range (GetObject, HeadObject: "PartNumber"). Not with Range:
 * S3 refuses the pair. undefined when no partNumber was asked for.
 */
function partRange(call: S3Call, object: ObjectRow): { start: number; end: number; count: number | undefined } | undefined {
  const raw = call.query.get('partNumber');
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10000) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', raw);
  }
  if (header(call, 'range') !== undefined) throw new AwsError('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter', 400);
  const n = Number(raw);
  const { sizes, multipart } = partSizes(object);
  if (n > sizes.length) throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416, { PartNumberRequested: raw, ActualPartCount: String(sizes.length) });
  const start = sizes.slice(0, n - 1).reduce((sum, size) => sum + size, 0);
  return { start, end: start + sizes[n - 1]! - 1, count: multipart ? sizes.length : undefined };
}

/** The headers of a part or range answer: its length and place, without the whole object's checksum. */
function partialHeaders(headers: Record<string, string>, object: ObjectRow, range: { start: number; end: number; count?: number | undefined }): void {
  // A checksum of the whole object does not describe a range; S3 leaves it out.
  for (const name of Object.keys(headers)) if (name.startsWith('x-amz-checksum-')) delete headers[name];
  headers['Content-Length'] = String(range.end - range.start + 1);
  // An empty object has no bytes to place (its one part is empty): no Content-Range then.
  if (range.end >= range.start) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  if (range.count !== undefined) headers['x-amz-mp-parts-count'] = String(range.count);
}

/**
 * GET/HEAD ?partNumber=N with x-amz-checksum-mode ENABLED of an object uploaded with COMPOSITE checksums: the part's
 * own checksum ("Checking object integrity", part-level checksums for multipart uploads).
 */
function partChecksumHeaders(call: S3Call, headers: Record<string, string>, object: ObjectRow): void {
  const n = Number(call.query.get('partNumber'));
  const { checksums } = partSizes(object);
  if (!n || !checksums || !object.checksum || header(call, 'x-amz-checksum-mode') !== 'ENABLED') return;
  const [algorithm, value] = object.checksum.split(':') as [string, string];
  const part = checksums[n - 1];
  if (checksumTypeOf(value) !== 'COMPOSITE' || !part) return;
  headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = part;
  headers['x-amz-checksum-type'] = 'COMPOSITE';
}

export const getObject: S3Handler = (call) => {
  refuseSseOnRead(call.headers);
  const { object, headers: versionHeader } = readableObject(call);
  const customer = readKey(call, object);
  const conditional = checkConditions(call, object);
  if (conditional) return conditional;
  refuseArchived(object, isRestored(call.ctx, object, call.facts.now));
  // An SSE-KMS object's bytes need kms:Decrypt as the caller (HeadObject, which returns none, does not).
  const unlocked = customer ?? unlockObject(call, object);
  const headers = { ...getHeaders(call, object), ...versionHeader };
  const range = partRange(call, object) ?? parseRange(call, object.size);
  const body = (r?: { start: number; end: number }): Buffer | Readable => {
    const stored = objectBody(call.ctx, object, r);
    return unlocked ? decrypted(stored, unlocked.key, unlocked.sealed, r?.start ?? 0) : stored;
  };
  if (!range) return { headers, body: body() };
  partialHeaders(headers, object, range);
  partChecksumHeaders(call, headers, object);
  if (range.end < range.start) return { status: 206, headers, body: Buffer.alloc(0) };
  return { status: 206, headers, body: body(range) };
};

export const headObject: S3Handler = (call) => {
  refuseSseOnRead(call.headers);
  const { object, headers: versionHeader } = readableObject(call);
  readKey(call, object);
  const conditional = checkConditions(call, object);
  if (conditional) return conditional;
  const headers = { ...getHeaders(call, object), ...versionHeader };
  const part = partRange(call, object);
  if (!part) return { headers };
  partialHeaders(headers, object, part);
  partChecksumHeaders(call, headers, object);
  return { status: 206, headers };
};

/** One key's deletion, as DeleteObject and each entry of DeleteObjects do it. */
interface Deletion { versionId?: string | undefined; deleteMarker: boolean; blob?: string | undefined }

/**
 * Deletes a key (a delete marker in a versioned bucket) or, with a version id, that version for good (S3 User Guide,
 * "Deleting object versions"). A version id that names no version deletes nothing and succeeds, as on S3.
 * `guard` runs inside the transaction on the version about to go (Object Lock).
 */
export function deleteOne(call: S3Call, bucket: BucketRow, key: string, versionId: string | undefined,
  guard?: (version: ObjectRow) => void): Deletion {
  const s3 = call.ctx.s3;
  return call.ctx.db.transaction((): Deletion => {
    if (versionId === undefined) {
      const { blob, markerVersionId } = s3.deleteKey(bucket.bucket_name, key, call.facts.now.toISOString(), call.caller.principal.accountId);
      return markerVersionId === undefined ? { deleteMarker: false, blob } : { deleteMarker: true, versionId: markerVersionId, blob };
    }
    const version = s3.version(bucket.bucket_name, key, versionId);
    if (!version) return { deleteMarker: false, versionId };
    if (!version.deleteMarker) guard?.(version.row);
    const removed = s3.deleteVersion(bucket.bucket_name, key, versionId);
    return { deleteMarker: removed?.deleteMarker ?? false, versionId, blob: removed?.blob };
  })();
}

export const deleteObject: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const versionId = requestedVersionId(call);
  authorize(call, bucket, versionAction('s3:DeleteObject', versionId), objectArn(bucket.bucket_name, key), versionContext(versionId));
  const done = deleteOne(call, bucket, key, versionId, (v) => checkVersionDelete(call, bucket, v));
  call.ctx.s3.removeBlob(done.blob);
  const headers: Record<string, string> = {};
  if (done.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  if (done.versionId !== undefined) headers['x-amz-version-id'] = done.versionId;
  return { status: 204, headers };
};

/** DeleteObjects: each key (or version) is authorized (s3:DeleteObject, s3:DeleteObjectVersion) and reported on its own. */
export async function deleteObjects(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const body = parseXmlBody(await call.readBody(MAX_XML_BODY * 16), 'Delete', { keepWhitespace: true });
  const rawObjects = body.Object === undefined ? [] : Array.isArray(body.Object) ? body.Object : [body.Object];
  if (rawObjects.length === 0 || rawObjects.length > 1000) {
    throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
  }
  const quiet = String(body.Quiet ?? 'false').toLowerCase() === 'true';
  const deleted: XmlObject[] = [];
  const errors: XmlObject[] = [];
  const removed: (string | undefined)[] = [];
  for (const raw of rawObjects) {
    const entry = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const key = typeof entry.Key === 'string' ? entry.Key : undefined;
    if (key === undefined) throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
    const versionId = typeof entry.VersionId === 'string' ? entry.VersionId : undefined;
    if (versionId !== undefined && versionId !== NULL_VERSION && !/^[A-Za-z0-9_-]{32}$/.test(versionId)) {
      errors.push({ Key: key, VersionId: versionId, Code: 'NoSuchVersion', Message: 'The specified version does not exist.' });
      continue;
    }
    const arn = objectArn(bucket.bucket_name, key);
    const action = versionAction('s3:DeleteObject', versionId);
    const decision = decide(call, bucket, action, arn, versionContext(versionId));
    if (!decision.allowed) {
      errors.push({ Key: key, VersionId: versionId, Code: 'AccessDenied', Message: 'Access Denied' });
      continue;
    }
    let done: Deletion;
    try {
      done = deleteOne(call, bucket, key, versionId, (v) => checkVersionDelete(call, bucket, v));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      errors.push({ Key: key, VersionId: versionId, Code: error.code, Message: error.message });
      continue;
    }
    removed.push(done.blob);
    if (quiet) continue;
    deleted.push({
      Key: key, VersionId: versionId,
      DeleteMarker: done.deleteMarker || undefined,
      DeleteMarkerVersionId: done.deleteMarker ? done.versionId : undefined,
    });
  }
  for (const blob of removed) call.ctx.s3.removeBlob(blob);
  return { body: restXmlDocument('DeleteResult', { Deleted: deleted, Error: errors }) };
}

// ---- Tagging (ACLs are in access.ts) ----

/**
 * The version a tagging request works on: the named one or the current one, authorized with the plain or `…Version`
 * action; `headers` carries its x-amz-version-id.
 */
function taggedVersion(call: S3Call, action: string, extra: (object: ObjectRow | undefined) => Record<string, string | string[]>): { bucket: BucketRow; key: string; object: ObjectRow; versionId: string; headers: Record<string, string> } {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const versionId = requestedVersionId(call);
  const found = versionId === undefined ? call.ctx.s3.object(bucket.bucket_name, key) : call.ctx.s3.version(bucket.bucket_name, key, versionId)?.row;
  authorize(call, bucket, versionAction(action, versionId), objectArn(bucket.bucket_name, key), { ...extra(found), ...versionContext(versionId) });
  const object = versionToRead(call, bucket, key, versionId).row;
  return { bucket, key, object, versionId: object.version_id ?? NULL_VERSION, headers: versionHeaders(bucket, object, versionId !== undefined) };
}

export const getObjectTagging: S3Handler = (call) => {
  const { object, headers } = taggedVersion(call, 's3:GetObjectTagging', existingTagContext);
  return { headers, body: tagSetXml(object.tags ? (JSON.parse(object.tags) as Record<string, string>) : {}) };
};

/** A <Tagging><TagSet><Tag>… body as key → value. */
export function parseTagSet(body: Buffer): Record<string, string> {
  const doc = parseXmlBody(body, 'Tagging');
  const set = doc.TagSet;
  const rawTags = typeof set === 'object' && set !== null ? (set as Record<string, unknown>).Tag : undefined;
  const list = rawTags === undefined ? [] : Array.isArray(rawTags) ? rawTags : [rawTags];
  const tags: Record<string, string> = {};
  for (const t of list) {
    const tag = t as Record<string, unknown>;
    if (typeof tag.Key !== 'string') throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
    if (Object.hasOwn(tags, tag.Key)) throw new AwsError('InvalidTag', 'Cannot provide multiple Tags with the same key', 400);
    tags[tag.Key] = typeof tag.Value === 'string' ? tag.Value : '';
  }
  return tags;
}

export const tagSetXml = (tags: Record<string, string>): string =>
  restXmlDocument('Tagging', { TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } });

export async function putObjectTagging(call: S3Call): Promise<S3Result> {
  requireBucket(call);
  const tags = checkTags(parseTagSet(await call.readBody(MAX_XML_BODY)));
  const { bucket, key, versionId, headers } = taggedVersion(call, 's3:PutObjectTagging', (o) => ({ ...existingTagContext(o), ...requestTagContext(tags) }));
  call.ctx.s3.updateVersion(bucket.bucket_name, key, versionId, { tags: JSON.stringify(tags) });
  return { headers };
}

export const deleteObjectTagging: S3Handler = (call) => {
  const { bucket, key, versionId, headers } = taggedVersion(call, 's3:DeleteObjectTagging', () => ({}));
  call.ctx.s3.updateVersion(bucket.bucket_name, key, versionId, { tags: null });
  return { status: 204, headers };
};

export { checkWriteCondition, copySource, copySourceBytes, declaredLength, objectResponseHeaders, sseOf, taggingHeader, writeContext, header as requestHeader };
