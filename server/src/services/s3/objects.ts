import type { ServerContext } from '../../context.ts';
import { AwsError } from '../../http/errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import { XML_DECLARATION, xmlEscape, type XmlObject } from '../../protocol/xml.ts';
import type { BucketRow, ObjectRow } from '../../store/s3-store.ts';
import { accessDenied } from '../access-denied.ts';
import {
  authorize, checkKey, decide, invalidArgument, objectBody, MAX_OBJECT_BYTES, MAX_XML_BODY, noSuchBucket, noSuchKey, objectArn, ownerXml, requireBucket, storedHeaders, touchBlob, writeBlob,
  type S3Call, type S3Handler, type S3Result,
} from './common.ts';
import { aclConditionContext, objectAclForWrite } from './access.ts';

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

function sseOf(call: S3Call): { sse: string | null; kms: string | null } {
  const sse = header(call, 'x-amz-server-side-encryption') ?? null;
  if (sse !== null && sse !== 'AES256' && sse !== 'aws:kms' && sse !== 'aws:kms:dsse') {
    throw new AwsError('InvalidArgument', 'The encryption method specified is not supported', 400, { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: sse });
  }
  return { sse, kms: header(call, 'x-amz-server-side-encryption-aws-kms-key-id') ?? null };
}

function objectResponseHeaders(object: ObjectRow): Record<string, string> {
  const headers: Record<string, string> = { ETag: object.etag };
  if (object.sse) headers['x-amz-server-side-encryption'] = object.sse;
  if (object.sse_kms_key_id) headers['x-amz-server-side-encryption-aws-kms-key-id'] = object.sse_kms_key_id;
  return headers;
}

async function commit(call: S3Call, row: ObjectRow): Promise<void> {
  const result = await call.ctx.s3.recordObject(row);
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
  const { sse, kms } = sseOf(call);
  const context: Record<string, string> = {};
  if (sse) context['s3:x-amz-server-side-encryption'] = sse;
  if (kms) context['s3:x-amz-server-side-encryption-aws-kms-key-id'] = kms;
  Object.assign(context, aclConditionContext(call));
  const tags = taggingHeader(call);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), { ...context, ...requestTagContext(tags ? (JSON.parse(tags) as Record<string, string>) : {}) });
  const access = objectAclForWrite(call, bucket, objectArn(bucket.bucket_name, key));
  declaredLength(call);
  const body = call.body();
  const blob = await writeBlob(call, body);
  const checksum = body.checksum;
  const row: ObjectRow = {
    bucket_name: bucket.bucket_name, object_key: key, blob_id: blob.blobId, size: blob.size, etag: `"${blob.md5.toString('hex')}"`,
    last_modified: call.facts.now.toISOString(), owner_account: access.owner,
    content_type: header(call, 'content-type') ?? 'binary/octet-stream', metadata: JSON.stringify(storedHeaders(call.headers)),
    sse, sse_kms_key_id: kms, tags, checksum: checksum ? `${checksum.algorithm}:${checksum.value}` : null,
  };
  await commit(call, row);
  if (access.acl) call.ctx.s3.setObjectAcl(row.bucket_name, row.object_key, access.acl);
  const headers = objectResponseHeaders(row);
  if (checksum) headers[`x-amz-checksum-${checksum.algorithm.toLowerCase()}`] = checksum.value;
  return { headers };
}

/** x-amz-copy-source: `bucket/key` or `/bucket/key`, URL-encoded, optionally with ?versionId. */
function parseCopySource(call: S3Call): { bucket: string; key: string } {
  const raw = header(call, 'x-amz-copy-source') ?? '';
  const path = raw.split('?')[0]!.replace(/^\//, '');
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
  return { bucket, key };
}

/** The object a copy reads, authorized as s3:GetObject on the source. */
function copySourceObject(call: S3Call): ObjectRow {
  const source = parseCopySource(call);
  const sourceBucket = call.ctx.s3.bucket(source.bucket);
  if (!sourceBucket) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: source.bucket });
  const arn = objectArn(source.bucket, source.key);
  const decision = decide(call, sourceBucket, 's3:GetObject', arn);
  if (!decision.allowed) throw accessDenied('s3', call.caller, 's3:GetObject', arn, decision);
  const object = call.ctx.s3.object(source.bucket, source.key);
  if (!object) throw noSuchKey(source.key);
  return object;
}

/** Blobs are immutable, so a copy shares the bytes under a new blob id: a hard link, or a new inline blob. */
function linkBlob(ctx: ServerContext, blobId: string, key: string): string {
  return touchBlob(key, () => ctx.s3.copyBlob(blobId));
}

async function copyObject(call: S3Call, bucket: BucketRow, key: string): Promise<S3Result> {
  const source = copySourceObject(call);
  const { sse, kms } = sseOf(call);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), { ...(sse ? { 's3:x-amz-server-side-encryption': sse } : {}), ...aclConditionContext(call) });
  const access = objectAclForWrite(call, bucket, objectArn(bucket.bucket_name, key));
  const replace = (header(call, 'x-amz-metadata-directive') ?? 'COPY') === 'REPLACE';
  if (!replace && source.bucket_name === bucket.bucket_name && source.object_key === key && !sse) {
    throw new AwsError('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.", 400);
  }
  const taggingReplace = header(call, 'x-amz-tagging-directive') === 'REPLACE';
  await call.readBody(0).catch(() => undefined);
  const row: ObjectRow = {
    ...source, bucket_name: bucket.bucket_name, object_key: key, blob_id: linkBlob(call.ctx, source.blob_id, source.object_key), last_modified: call.facts.now.toISOString(),
    owner_account: access.owner,
    content_type: replace ? (header(call, 'content-type') ?? 'binary/octet-stream') : source.content_type,
    metadata: replace ? JSON.stringify(storedHeaders(call.headers)) : source.metadata,
    sse: sse ?? source.sse, sse_kms_key_id: sse ? kms : source.sse_kms_key_id, tags: taggingReplace ? taggingHeader(call) : source.tags,
  };
  await commit(call, row);
  if (access.acl) call.ctx.s3.setObjectAcl(row.bucket_name, row.object_key, access.acl);
  return {
    headers: objectResponseHeaders(row),
    body: restXmlDocument('CopyObjectResult', { ETag: row.etag, LastModified: row.last_modified }),
  };
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

function readableObject(call: S3Call): ObjectRow {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const arn = objectArn(bucket.bucket_name, key);
  const object = call.ctx.s3.object(bucket.bucket_name, key);
  const decision = decide(call, bucket, 's3:GetObject', arn, existingTagContext(object));
  if (!decision.allowed) throw accessDenied('s3', call.caller, 's3:GetObject', arn, decision);
  if (!object) throw noSuchKey(key);
  return object;
}

/** If-Match / If-None-Match / If-(Un)Modified-Since, in the precedence RFC 7232 and S3 use. */
function checkConditions(call: S3Call, object: ObjectRow): S3Result | undefined {
  const modified = Math.floor(new Date(object.last_modified).getTime() / 1000) * 1000;
  const ifMatch = header(call, 'if-match');
  const ifNoneMatch = header(call, 'if-none-match');
  const ifModifiedSince = header(call, 'if-modified-since');
  const ifUnmodifiedSince = header(call, 'if-unmodified-since');
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
  const notModified: S3Result = { status: 304, headers: { ETag: object.etag, 'Last-Modified': new Date(object.last_modified).toUTCString() } };
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
    ...objectResponseHeaders(object), 'Content-Length': String(object.size), 'Last-Modified': new Date(object.last_modified).toUTCString(),
    'Content-Type': object.content_type ?? 'binary/octet-stream', 'Accept-Ranges': 'bytes',
  };
  for (const [name, value] of Object.entries(object.metadata ? (JSON.parse(object.metadata) as Record<string, string>) : {})) headers[name] = value;
  if (object.tags) headers['x-amz-tagging-count'] = String(Object.keys(JSON.parse(object.tags) as object).length);
  if (object.checksum && header(call, 'x-amz-checksum-mode') === 'ENABLED') {
    const [algorithm, value] = object.checksum.split(':') as [string, string];
    headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
  }
  for (const [param, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = call.query.get(param);
    // A response header carries ISO-8859-1 only (and no control characters): refuse what cannot be sent.
    if (value !== null && /[^\t\x20-\x7e\x80-\xff]/.test(value)) throw invalidArgument('Header value cannot be represented using ISO-8859-1.', param, value);
    if (value !== null) headers[name] = value;
  }
  return headers;
}

export const getObject: S3Handler = (call) => {
  const object = readableObject(call);
  const conditional = checkConditions(call, object);
  if (conditional) return conditional;
  const headers = getHeaders(call, object);
  const range = parseRange(call, object.size);
  if (!range) return { headers, body: objectBody(call.ctx, object) };
  // A checksum of the whole object does not describe a range; S3 leaves it out.
  for (const name of Object.keys(headers)) if (name.startsWith('x-amz-checksum-')) delete headers[name];
  headers['Content-Length'] = String(range.end - range.start + 1);
  headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  return { status: 206, headers, body: objectBody(call.ctx, object, range) };
};

export const headObject: S3Handler = (call) => {
  const object = readableObject(call);
  return checkConditions(call, object) ?? { headers: getHeaders(call, object) };
};

export const deleteObject: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  authorize(call, bucket, 's3:DeleteObject', objectArn(bucket.bucket_name, key));
  const previous = call.ctx.db.transaction(() => call.ctx.s3.deleteObject(bucket.bucket_name, key))();
  call.ctx.s3.removeBlob(previous);
  return { status: 204 };
};

/** DeleteObjects: each key is authorized (s3:DeleteObject) and reported on its own. */
export async function deleteObjects(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const body = parseXmlBody(await call.readBody(MAX_XML_BODY * 16), 'Delete');
  const rawObjects = body.Object === undefined ? [] : Array.isArray(body.Object) ? body.Object : [body.Object];
  if (rawObjects.length === 0 || rawObjects.length > 1000) {
    throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
  }
  const quiet = String(body.Quiet ?? 'false').toLowerCase() === 'true';
  const deleted: XmlObject[] = [];
  const errors: XmlObject[] = [];
  const removed: (string | undefined)[] = [];
  for (const raw of rawObjects) {
    const key = typeof raw === 'object' && raw !== null && typeof (raw as Record<string, unknown>).Key === 'string' ? (raw as Record<string, string>).Key : undefined;
    if (key === undefined) throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
    const arn = objectArn(bucket.bucket_name, key);
    const decision = decide(call, bucket, 's3:DeleteObject', arn);
    if (!decision.allowed) {
      errors.push({ Key: key, Code: 'AccessDenied', Message: 'Access Denied' });
      continue;
    }
    removed.push(call.ctx.db.transaction(() => call.ctx.s3.deleteObject(bucket.bucket_name, key))());
    if (!quiet) deleted.push({ Key: key });
  }
  for (const blob of removed) call.ctx.s3.removeBlob(blob);
  return { body: restXmlDocument('DeleteResult', { Deleted: deleted, Error: errors }) };
}

// ---- Tagging (ACLs are in access.ts) ----

export const getObjectTagging: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const object = call.ctx.s3.object(bucket.bucket_name, key);
  authorize(call, bucket, 's3:GetObjectTagging', objectArn(bucket.bucket_name, key), existingTagContext(object));
  if (!object) throw noSuchKey(key);
  return { body: tagSetXml(object.tags ? (JSON.parse(object.tags) as Record<string, string>) : {}) };
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
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const tags = checkTags(parseTagSet(await call.readBody(MAX_XML_BODY)));
  authorize(call, bucket, 's3:PutObjectTagging', objectArn(bucket.bucket_name, key), { ...existingTagContext(call.ctx.s3.object(bucket.bucket_name, key)), ...requestTagContext(tags) });
  if (!call.ctx.s3.object(bucket.bucket_name, key)) throw noSuchKey(key);
  call.ctx.s3.setObjectTags(bucket.bucket_name, key, JSON.stringify(tags));
  return {};
}

export const deleteObjectTagging: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  authorize(call, bucket, 's3:DeleteObjectTagging', objectArn(bucket.bucket_name, key));
  if (!call.ctx.s3.object(bucket.bucket_name, key)) throw noSuchKey(key);
  call.ctx.s3.setObjectTags(bucket.bucket_name, key, null);
  return { status: 204 };
};

export { copySourceObject, declaredLength, sseOf, taggingHeader, header as requestHeader };
