import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, statSync, unlinkSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authorizeCaller, baseContext, compileStoredPolicy, type Caller, type RequestFacts } from '../../auth/caller.ts';
import type { ServerContext } from '../../context.ts';
import { AwsError } from '../../http/errors.ts';
import { parsePolicy, PolicyDocumentError, type BoundPolicy, type Decision } from '../../policy/index.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { BucketRow, ListedObject } from '../../store/s3-store.ts';
import { accessDenied } from '../access-denied.ts';
import { listPage, type ListEntry } from './listing.ts';
import { isValidBucketName, s3UrlEncode } from './names.ts';

export interface S3Call {
  method: string;
  bucket?: string;
  key?: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  caller: Caller;
  facts: RequestFacts;
  ctx: ServerContext;
  requestId: string;
  /** The request body, decoded from aws-chunked and verified against the signed hash and checksums while it is read. */
  body: () => Readable;
  readBody: (limit: number) => Promise<Buffer>;
}

export interface S3Result {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Readable;
}

type S3Handler = (call: S3Call) => Promise<S3Result> | S3Result;

const MAX_KEY_BYTES = 1024;
const MAX_OBJECT_BYTES = 5 * 1024 ** 3;
const MAX_XML_BODY = 64 * 1024;
const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

export const noSuchBucket = (bucket: string): AwsError =>
  new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
const noSuchKey = (key: string): AwsError => new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });

function requireBucket(call: S3Call): BucketRow {
  const name = call.bucket ?? '';
  const bucket = call.ctx.s3.bucket(name);
  if (!bucket) throw noSuchBucket(name);
  return bucket;
}

function bucketPolicyOf(bucket: BucketRow): BoundPolicy | undefined {
  if (!bucket.policy) return undefined;
  return { source: { id: `bucket/${bucket.bucket_name}`, kind: 'resource' }, policy: compileStoredPolicy(bucket.policy, 'resource') };
}

function decide(call: S3Call, bucket: BucketRow | undefined, action: string, resource: string, extra: Record<string, string> = {}, logged = true): Decision {
  const context = baseContext(call.caller, call.facts);
  for (const [k, v] of Object.entries(extra)) context.set(k.toLowerCase(), [v]);
  return authorizeCaller(call.caller, {
    action, resource, resourceAccount: bucket?.account_id ?? call.caller.principal.accountId, context,
    resourcePolicy: bucket ? bucketPolicyOf(bucket) : undefined,
  }, logged ? { decisions: call.ctx.decisions, at: call.facts.now } : undefined);
}

function authorize(call: S3Call, bucket: BucketRow | undefined, action: string, resource: string, extra: Record<string, string> = {}): void {
  const decision = decide(call, bucket, action, resource, extra);
  if (!decision.allowed) throw accessDenied('s3', call.caller, action, resource, decision);
}

const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

function ownerXml(call: S3Call, accountId: string): XmlObject {
  const account = call.ctx.iam.account(accountId);
  return { ID: account?.canonical_id ?? accountId, DisplayName: account?.display_name ?? accountId };
}

function requireSigned(call: S3Call): void {
  if (call.caller.principal.kind === 'anonymous') throw new AwsError('AccessDenied', 'Access Denied', 403);
}

// ---- Buckets ----

const listBuckets: S3Handler = (call) => {
  requireSigned(call);
  authorize(call, undefined, 's3:ListAllMyBuckets', 'arn:aws:s3:::*');
  const account = call.caller.principal.accountId;
  const buckets = call.ctx.s3.buckets(account).map((b) => ({ Name: b.bucket_name, CreationDate: b.created_at, BucketRegion: b.region }));
  return { body: restXmlDocument('ListAllMyBucketsResult', { Owner: ownerXml(call, account), Buckets: { Bucket: buckets } }) };
};

async function createBucket(call: S3Call): Promise<S3Result> {
  requireSigned(call);
  const name = call.bucket ?? '';
  if (!isValidBucketName(name)) throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
  const body = await call.readBody(MAX_XML_BODY);
  let constraint: string | undefined;
  if (body.length > 0) {
    const config = parseXmlBody(body, 'CreateBucketConfiguration');
    const value = config.LocationConstraint;
    if (value !== undefined && typeof value !== 'string') throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
    constraint = value || undefined;
  }
  const signingRegion = call.facts.region;
  if (constraint === 'us-east-1' || (constraint !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$|^EU$/.test(constraint))) {
    throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, { LocationConstraint: constraint });
  }
  const region = constraint === 'EU' ? 'eu-west-1' : (constraint ?? 'us-east-1');
  if (region !== signingRegion && signingRegion !== 'us-east-1') {
    throw new AwsError('IllegalLocationConstraintException',
      constraint === undefined
        ? 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.'
        : `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`, 400);
  }
  authorize(call, undefined, 's3:CreateBucket', bucketArn(name));
  const existing = call.ctx.s3.bucket(name);
  const account = call.caller.principal.accountId;
  if (existing) {
    if (existing.account_id !== account) {
      throw new AwsError('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', 409, { BucketName: name });
    }
    // us-east-1 keeps its legacy answer: re-creating your own bucket there succeeds.
    if (existing.region !== 'us-east-1' || region !== 'us-east-1') {
      throw new AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: name });
    }
    return { headers: { Location: `/${name}` } };
  }
  call.ctx.s3.insertBucket({ bucket_name: name, account_id: account, region, policy: null, created_at: call.facts.now.toISOString() });
  return { headers: { Location: `/${name}` } };
}

const headBucket: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:ListBucket', bucketArn(bucket.bucket_name));
  return { headers: { 'x-amz-bucket-region': bucket.region } };
};

const deleteBucket: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:DeleteBucket', bucketArn(bucket.bucket_name));
  if (!call.ctx.s3.bucketIsEmpty(bucket.bucket_name)) {
    throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket.bucket_name });
  }
  call.ctx.s3.deleteBucket(bucket.bucket_name);
  return { status: 204 };
};

const getBucketLocation: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketLocation', bucketArn(bucket.bucket_name));
  const constraint = bucket.region === 'us-east-1' ? '' : bucket.region;
  return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${constraint}</LocationConstraint>` };
};

async function putBucketPolicy(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketPolicy', bucketArn(bucket.bucket_name));
  const body = await call.readBody(MAX_BUCKET_POLICY_BYTES + 1);
  if (body.length > MAX_BUCKET_POLICY_BYTES) throw new AwsError('PolicyTooLarge', 'Policy exceeds the maximum allowed document size.', 400);
  const text = body.toString('utf8');
  try {
    parsePolicy(text, 'resource');
  } catch (error) {
    if (error instanceof PolicyDocumentError) throw new AwsError('MalformedPolicy', error.message, 400);
    throw error;
  }
  call.ctx.s3.setBucketPolicy(bucket.bucket_name, text);
  return { status: 204 };
}

const getBucketPolicy: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketPolicy', bucketArn(bucket.bucket_name));
  if (!bucket.policy) throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket.bucket_name });
  return { headers: { 'Content-Type': 'application/json' }, body: bucket.policy };
};

const deleteBucketPolicy: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:DeleteBucketPolicy', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketPolicy(bucket.bucket_name, null);
  return { status: 204 };
};

// ---- Listing ----

function parseMaxKeys(call: S3Call): number {
  const raw = call.query.get('max-keys');
  if (raw === null) return 1000;
  if (!/^\d+$/.test(raw) || Number(raw) > 2147483647) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  }
  return Math.min(Number(raw), 1000);
}

function encodingOf(call: S3Call): ((v: string) => string) {
  const type = call.query.get('encoding-type');
  if (type === null) return (v) => v;
  if (type !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type);
  return s3UrlEncode;
}

/** The story's Owner rule: the owner is shown only to callers allowed s3:GetObjectAcl on that object. */
function contentsXml(call: S3Call, bucket: BucketRow, object: ListedObject, withOwner: boolean, encode: (v: string) => string): XmlObject {
  const showOwner = withOwner && decide(call, bucket, 's3:GetObjectAcl', objectArn(bucket.bucket_name, object.object_key), {}, false).allowed;
  return {
    Key: encode(object.object_key), LastModified: object.last_modified, ETag: object.etag, Size: object.size,
    Owner: showOwner ? ownerXml(call, object.owner_account) : undefined, StorageClass: 'STANDARD',
  };
}

interface ListRequest { bucket: BucketRow; prefix: string; delimiter: string; maxKeys: number; encode: (v: string) => string }

function startListing(call: S3Call): ListRequest {
  const bucket = requireBucket(call);
  const prefix = call.query.get('prefix') ?? '';
  const delimiter = call.query.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(call);
  const encode = encodingOf(call);
  authorize(call, bucket, 's3:ListBucket', bucketArn(bucket.bucket_name), {
    's3:prefix': prefix, 's3:delimiter': delimiter, 's3:max-keys': String(maxKeys),
  });
  return { bucket, prefix, delimiter, maxKeys, encode };
}

function splitEntries(call: S3Call, r: ListRequest, entries: ListEntry[], withOwner: boolean): { Contents: XmlObject[]; CommonPrefixes: XmlObject[] } {
  const contents: XmlObject[] = [];
  const prefixes: XmlObject[] = [];
  for (const e of entries) {
    if (e.kind === 'object') contents.push(contentsXml(call, r.bucket, e.object, withOwner, r.encode));
    else prefixes.push({ Prefix: r.encode(e.prefix) });
  }
  return { Contents: contents, CommonPrefixes: prefixes };
}

const listObjects: S3Handler = (call) => {
  const r = startListing(call);
  const marker = call.query.get('marker') ?? '';
  const page = listPage(call.ctx.s3, r.bucket.bucket_name, r.prefix, r.delimiter, marker, r.maxKeys);
  const last = page.entries[page.entries.length - 1];
  const { Contents, CommonPrefixes } = splitEntries(call, r, page.entries, true);
  return {
    body: restXmlDocument('ListBucketResult', {
      Name: r.bucket.bucket_name, Prefix: r.encode(r.prefix), Marker: r.encode(marker),
      NextMarker: page.isTruncated && r.delimiter && last ? r.encode(last.sortKey) : undefined,
      MaxKeys: r.maxKeys, Delimiter: r.delimiter ? r.encode(r.delimiter) : undefined, IsTruncated: page.isTruncated,
      Contents, CommonPrefixes, EncodingType: call.query.get('encoding-type') ?? undefined,
    }),
  };
};

/** Continuation tokens are opaque to clients; ours carry the last key or prefix returned. */
function encodeToken(sortKey: string): string {
  return Buffer.from(`1:${sortKey}`, 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith('1:') || encodeToken(text.slice(2)) !== token) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return text.slice(2);
}

const listObjectsV2: S3Handler = (call) => {
  const r = startListing(call);
  const token = call.query.get('continuation-token');
  const startAfter = call.query.get('start-after') ?? '';
  const after = token !== null ? decodeToken(token) : startAfter;
  const fetchOwner = call.query.get('fetch-owner') === 'true';
  const page = listPage(call.ctx.s3, r.bucket.bucket_name, r.prefix, r.delimiter, after, r.maxKeys);
  const last = page.entries[page.entries.length - 1];
  const { Contents, CommonPrefixes } = splitEntries(call, r, page.entries, fetchOwner);
  return {
    body: restXmlDocument('ListBucketResult', {
      Name: r.bucket.bucket_name, Prefix: r.encode(r.prefix), ContinuationToken: token ?? undefined,
      NextContinuationToken: page.isTruncated && last ? encodeToken(last.sortKey) : undefined,
      KeyCount: page.entries.length, MaxKeys: r.maxKeys, Delimiter: r.delimiter ? r.encode(r.delimiter) : undefined,
      IsTruncated: page.isTruncated, StartAfter: startAfter ? r.encode(startAfter) : undefined,
      Contents, CommonPrefixes, EncodingType: call.query.get('encoding-type') ?? undefined,
    }),
  };
};

// ---- Objects ----

function checkKey(call: S3Call): string {
  const key = call.key ?? '';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AwsError('KeyTooLongError', 'Your key is too long', 400);
  return key;
}

function userMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') meta[name] = value;
  }
  return meta;
}

async function putObject(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  if (call.headers['x-amz-copy-source']) throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: 'x-amz-copy-source' });
  const sse = typeof call.headers['x-amz-server-side-encryption'] === 'string' ? call.headers['x-amz-server-side-encryption'] : undefined;
  const kmsKey = typeof call.headers['x-amz-server-side-encryption-aws-kms-key-id'] === 'string' ? call.headers['x-amz-server-side-encryption-aws-kms-key-id'] : undefined;
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), sse ? { 's3:x-amz-server-side-encryption': sse } : {});
  const declared = Number(call.headers['x-amz-decoded-content-length'] ?? call.headers['content-length'] ?? NaN);
  if (Number.isNaN(declared) && call.headers['transfer-encoding'] === undefined) {
    throw new AwsError('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  }
  if (declared > MAX_OBJECT_BYTES) {
    throw new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, { ProposedSize: String(declared), MaxSizeAllowed: String(MAX_OBJECT_BYTES) });
  }
  const { blobId, path } = call.ctx.s3.newBlobPath();
  const temp = `${path}.part`;
  const md5 = createHash('md5');
  const source = call.body();
  source.on('data', (chunk: Buffer) => md5.update(chunk));
  try {
    await pipeline(source, createWriteStream(temp));
    renameSync(temp, path);
  } catch (error) {
    try { unlinkSync(temp); } catch { /* never created */ }
    // A client that hangs up mid-body gets what S3 answers for a short body.
    throw error instanceof AwsError ? error : new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);
  }
  const size = statSync(path).size;
  const etag = `"${md5.digest('hex')}"`;
  const contentType = typeof call.headers['content-type'] === 'string' ? call.headers['content-type'] : 'binary/octet-stream';
  const previous = call.ctx.db.transaction(() => call.ctx.s3.putObject({
    bucket_name: bucket.bucket_name, object_key: key, blob_id: blobId, size, etag, last_modified: call.facts.now.toISOString(),
    owner_account: call.caller.principal.accountId || bucket.account_id, content_type: contentType, metadata: JSON.stringify(userMetadata(call.headers)),
    sse: sse ?? null, sse_kms_key_id: kmsKey ?? null,
  }))();
  call.ctx.s3.removeBlob(previous);
  const headers: Record<string, string> = { ETag: etag };
  if (sse) headers['x-amz-server-side-encryption'] = sse;
  if (kmsKey) headers['x-amz-server-side-encryption-aws-kms-key-id'] = kmsKey;
  return { headers };
}

function objectHeaders(object: { etag: string; size: number; last_modified: string; content_type: string | null; metadata: string | null; sse: string | null; sse_kms_key_id: string | null }): Record<string, string> {
  const headers: Record<string, string> = {
    ETag: object.etag, 'Content-Length': String(object.size), 'Last-Modified': new Date(object.last_modified).toUTCString(),
    'Content-Type': object.content_type ?? 'binary/octet-stream', 'Accept-Ranges': 'bytes',
  };
  if (object.sse) headers['x-amz-server-side-encryption'] = object.sse;
  if (object.sse_kms_key_id) headers['x-amz-server-side-encryption-aws-kms-key-id'] = object.sse_kms_key_id;
  for (const [name, value] of Object.entries(object.metadata ? (JSON.parse(object.metadata) as Record<string, string>) : {})) headers[name] = value;
  return headers;
}

function readableObject(call: S3Call, action: 's3:GetObject'): { object: NonNullable<ReturnType<ServerContext['s3']['object']>> } {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const decision = decide(call, bucket, action, objectArn(bucket.bucket_name, key));
  const object = call.ctx.s3.object(bucket.bucket_name, key);
  if (!decision.allowed) throw accessDenied('s3', call.caller, action, objectArn(bucket.bucket_name, key), decision);
  if (!object) throw noSuchKey(key);
  return { object };
}

const getObject: S3Handler = (call) => {
  const { object } = readableObject(call, 's3:GetObject');
  return { headers: objectHeaders(object), body: createReadStream(call.ctx.s3.blobPath(object.blob_id)) };
};

const headObject: S3Handler = (call) => {
  const { object } = readableObject(call, 's3:GetObject');
  return { headers: objectHeaders(object) };
};

const deleteObject: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  authorize(call, bucket, 's3:DeleteObject', objectArn(bucket.bucket_name, key));
  const previous = call.ctx.db.transaction(() => call.ctx.s3.deleteObject(bucket.bucket_name, key))();
  call.ctx.s3.removeBlob(previous);
  return { status: 204 };
};

/** Chooses the S3 operation from method, bucket/key presence and sub-resources, as S3's REST API does. */
export function routeS3(method: string, bucket: string | undefined, key: string | undefined, query: URLSearchParams): { name: string; handler: S3Handler } {
  const has = (name: string): boolean => query.has(name);
  const op = (name: string, handler: S3Handler) => ({ name, handler });
  if (!bucket) {
    if (method === 'GET') return op('ListBuckets', listBuckets);
  } else if (key === undefined || key === '') {
    if (has('policy')) {
      if (method === 'PUT') return op('PutBucketPolicy', putBucketPolicy);
      if (method === 'GET') return op('GetBucketPolicy', getBucketPolicy);
      if (method === 'DELETE') return op('DeleteBucketPolicy', deleteBucketPolicy);
    } else if (has('location')) {
      if (method === 'GET') return op('GetBucketLocation', getBucketLocation);
    } else if (![...query.keys()].some((k) => SUBRESOURCES.has(k))) {
      if (method === 'PUT') return op('CreateBucket', createBucket);
      if (method === 'HEAD') return op('HeadBucket', headBucket);
      if (method === 'DELETE') return op('DeleteBucket', deleteBucket);
      if (method === 'GET') return query.get('list-type') === '2' ? op('ListObjectsV2', listObjectsV2) : op('ListObjects', listObjects);
    }
  } else if (![...query.keys()].some((k) => SUBRESOURCES.has(k))) {
    if (method === 'PUT') return op('PutObject', putObject);
    if (method === 'GET') return op('GetObject', getObject);
    if (method === 'HEAD') return op('HeadObject', headObject);
    if (method === 'DELETE') return op('DeleteObject', deleteObject);
  }
  return op('NotImplemented', () => {
    throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  });
}

/** Query parameters that select a different operation on the same path (not list/filter options). */
const SUBRESOURCES = new Set([
  'acl', 'accelerate', 'analytics', 'cors', 'delete', 'encryption', 'intelligent-tiering', 'inventory', 'lifecycle', 'logging',
  'metrics', 'notification', 'object-lock', 'ownershipControls', 'policyStatus', 'publicAccessBlock', 'replication',
  'requestPayment', 'tagging', 'torrent', 'uploads', 'uploadId', 'versioning', 'versions', 'website', 'attributes',
  'legal-hold', 'retention', 'restore', 'select', 'partNumber', 'session', 'metadataTable', 'abac',
]);

