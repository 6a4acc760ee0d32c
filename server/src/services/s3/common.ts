import { createHash, type Cipher } from 'node:crypto';
import { createReadStream, createWriteStream, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authorizeCaller, baseContext, compileStoredPolicy, guardrailsOf, type AuthorizeOptions, type Caller, type DecisionSink, type RequestFacts } from '../../auth/caller.ts';
import { decisionSink, type ServerContext } from '../../context.ts';
import { AwsError, incompleteBody, isAwsErrorShape, s3InternalError } from '../../errors.ts';
import { isPublicPolicy, uniformUnderPrefix, type BoundPolicy, type CompiledPolicy, type Decision } from '../../policy/index.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { SMALL_BLOB_BYTES, type BucketRow, type ObjectRow } from '../../store/s3-store.ts';
import { accessDenied } from '../access-denied.ts';
import { aclGrant, effectivePab, foreignObjectOwner } from './acl-model.ts';
import type { S3Body } from '../../auth/chunked.ts';
import { readLimited } from '../../protocol/read-limited.ts';

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
  body: () => S3Body;
  readBody: (limit: number) => Promise<Buffer>;
}

export interface S3Result {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer | Readable;
}

export type S3Handler = (call: S3Call) => Promise<S3Result> | S3Result;

export const MAX_KEY_BYTES = 1024;
export const MAX_OBJECT_BYTES = 5 * 1024 ** 3;
export const MAX_XML_BODY = 64 * 1024;
export const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

export const noSuchBucket = (bucket: string): AwsError =>
  new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
export const noSuchKey = (key: string): AwsError => new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
export const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });

export function requireBucket(call: S3Call): BucketRow {
  const name = call.bucket ?? '';
  const bucket = call.ctx.s3.bucket(name);
  if (!bucket) throw noSuchBucket(name);
  return bucket;
}

export function bucketPolicyOf(bucket: BucketRow): BoundPolicy | undefined {
  if (!bucket.policy) return undefined;
  return { source: { id: `bucket/${bucket.bucket_name}`, kind: 'resource' }, policy: compileStoredPolicy(bucket.policy, 'resource') };
}

const publicPolicies = new Map<string, boolean>();
/** isPublicPolicy, remembered per policy text: every request to a bucket with a policy asks. */
export function policyIsPublic(text: string): boolean {
  let answer = publicPolicies.get(text);
  if (answer === undefined) {
    if (publicPolicies.size >= 256) publicPolicies.clear();
    publicPolicies.set(text, (answer = isPublicPolicy(text)));
  }
  return answer;
}

const denyOnly = new WeakMap<CompiledPolicy, CompiledPolicy>();
/**
 * The bucket policy as it applies to this caller. RestrictPublicBuckets, while the policy is public, blocks "public and
 * cross-account access within any public bucket policy, including non-public delegation to specific accounts" (S3 API
 * reference, PublicAccessBlockConfiguration): for anonymous and other accounts' callers only its Deny statements remain.
 */
function resourcePolicyFor(call: S3Call, bucket: BucketRow): BoundPolicy | undefined {
  const bound = bucketPolicyOf(bucket);
  if (!bound || !bucket.policy || call.caller.principal.accountId === bucket.account_id) return bound;
  if (!policyIsPublic(bucket.policy) || !effectivePab(call.ctx, bucket).RestrictPublicBuckets) return bound;
  let restricted = denyOnly.get(bound.policy);
  if (!restricted) {
    restricted = { ...bound.policy, statements: bound.policy.statements.filter((st) => st.effect === 'Deny'), byAction: undefined };
    denyOnly.set(bound.policy, restricted);
  }
  return { source: bound.source, policy: restricted };
}

/** Extra condition keys for one request; a list is a multi-valued key (e.g. s3:RequestObjectTagKeys). */
export type ExtraContext = Record<string, string | string[]>;

export function decide(call: S3Call, bucket: BucketRow | undefined, action: string, resource: string, extra: ExtraContext = {}, logged = true): Decision {
  const context = baseContext(call.caller, call.facts);
  for (const [k, v] of Object.entries(extra)) context.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  const options = {
    action, resource, resourceAccount: bucket?.account_id ?? call.caller.principal.accountId, context,
    resourcePolicy: bucket ? resourcePolicyFor(call, bucket) : undefined,
  };
  const sink = sinkFor(call, logged);
  let decision = authorizeCaller(call.caller, options);
  // A request naming a version is decided on that version's owner and ACL.
  const versionId = typeof extra['s3:versionid'] === 'string' ? extra['s3:versionid'] : undefined;
  if (bucket && foreignObjectOwner(call.ctx, bucket, action, resource, versionId) !== undefined) decision = foreignObjectDecision(call, bucket, options, decision, versionId);
  else if (!decision.allowed && bucket) decision = aclDecision(call, bucket, options, decision, versionId);
  if (!sink) return decision;
  sink.decisions.record(sink.at, call.caller.principal.arn, action, resource, decision, context, sink.mode);
  // Under audit or off, a deny is recorded and then let through (as authorizeCaller does).
  return decision.allowed || sink.mode === 'on' ? decision : { ...decision, allowed: true };
}

/**
 * A request no policy allowed may still be allowed by an ACL grant, which acts as a resource-based grant of the bucket
 * owner: a group grant (AllUsers, AuthenticatedUsers) to everyone it covers, a grant to the caller's account to that
 * account, whose users also need an identity-based policy allowing the action (S3 User Guide, "How Amazon S3 authorizes
 * a request"). An explicit deny, a permissions boundary or a session policy that does not allow, is never overridden.
 */
function aclDecision(call: S3Call, bucket: BucketRow, options: AuthorizeOptions, decision: Decision, versionId?: string): Decision {
  if (decision.reason !== 'no-resource' && decision.reason !== 'no-identity') return decision;
  const grant = aclGrant(call.ctx, call.caller.principal, bucket, options.action, options.resource, versionId);
  if (!grant) return decision;
  const principal = call.caller.principal;
  if (principal.kind === 'anonymous') return grant === 'everyone' ? { allowed: true, statements: [] } : decision;
  if (grant === 'everyone' && principal.accountId === bucket.account_id) return { allowed: true, statements: [] };
  if (principal.kind === 'root') return { allowed: true, statements: [] };
  // The caller's own account must allow it: identity policies (with boundary and session policies), no bucket policy
  // (the bucket account's RCPs took part in the first evaluation).
  const own = authorizeCaller(call.caller, { ...options, resourceAccount: principal.accountId, resourcePolicy: undefined, withoutResourceControls: true });
  return own.allowed ? own : decision;
}

/**
 * An object another account owns in this bucket: the bucket owner's policies may deny but not grant; the object's ACL
 * (its owner's) grants, and the caller's own account must allow it too (S3 User Guide, "How Amazon S3 authorizes a
 * request for an object operation"). The bucket owner itself reads such an object only if its ACL grants the owner,
 * which is what the bucket-owner-read and bucket-owner-full-control canned ACLs are for.
 */
function foreignObjectDecision(call: S3Call, bucket: BucketRow, options: AuthorizeOptions, decision: Decision, versionId?: string): Decision {
  if (!decision.allowed && decision.reason !== 'no-resource' && decision.reason !== 'no-identity') return decision;
  const grant = aclGrant(call.ctx, call.caller.principal, bucket, options.action, options.resource, versionId);
  const principal = call.caller.principal;
  if (!grant || (principal.kind === 'anonymous' && grant !== 'everyone')) return { allowed: false, reason: 'no-resource', statements: [] };
  if (principal.kind === 'anonymous' || principal.kind === 'root') return { allowed: true, statements: [] };
  const own = authorizeCaller(call.caller, { ...options, resourceAccount: principal.accountId, resourcePolicy: undefined, withoutResourceControls: true });
  return own;
}

/**
 * The Owner rule's per-object s3:GetObjectAcl check for one listing: context, bucket policy and decision sink are
 * built once. When nothing is logged and no statement that could apply tells one key of the bucket from another
 * (the usual `bucket/*` or `*` resources), the first key's answer holds for the whole page.
 */
export function ownerVisibility(call: S3Call, bucket: BucketRow): (key: string) => boolean {
  const context = baseContext(call.caller, call.facts);
  const resourcePolicy = resourcePolicyFor(call, bucket);
  const sink = sinkFor(call, false);
  const prefix = `arn:aws:s3:::${bucket.bucket_name}/`;
  const options = { action: 's3:GetObjectAcl', resourceAccount: bucket.account_id, context, resourcePolicy };
  const check = (key: string): boolean => authorizeCaller(call.caller, { ...options, resource: prefix + key }, sink).allowed;
  const { principal, identityPolicies, permissionsBoundary, sessionPolicies } = call.caller;
  const guardrails = guardrailsOf(call.caller, bucket.account_id);
  if (sink || !uniformUnderPrefix({ ...options, principal, identityPolicies, permissionsBoundary, sessionPolicies, ...guardrails }, prefix)) return check;
  let answer: boolean | undefined;
  return (key) => (answer ??= check(key));
}

/** Owner-rule checks are recorded only outside enforcement, where audit needs to see every permission a call used. */
function sinkFor(call: S3Call, logged: boolean): DecisionSink | undefined {
  const sink = decisionSink(call.ctx, call.facts.now, call.caller.principal.accountId);
  return logged || sink.mode !== 'on' ? sink : undefined;
}

export function authorize(call: S3Call, bucket: BucketRow | undefined, action: string, resource: string, extra: ExtraContext = {}): void {
  const decision = decide(call, bucket, action, resource, extra);
  if (!decision.allowed) throw accessDenied('s3', call.caller, action, resource, decision);
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

export function ownerXml(call: S3Call, accountId: string): XmlObject {
  const account = call.ctx.iam.account(accountId);
  return { ID: account?.canonical_id ?? accountId, DisplayName: account?.display_name ?? accountId };
}

/** Stored times (ISO 8601) as HTTP dates, for Last-Modified. */
const httpDates = new Map<string, string>();
const HTTP_DATES_KEPT = 1024;

/**
 * A stored ISO time as an HTTP date (Last-Modified). Parsing and formatting a date costs a GET more than a microsecond,
 * and a hot object is read again and again: each text is converted once (a pure function of the text: nothing to go
 * stale), up to HTTP_DATES_KEPT of them.
 */
export function httpDateOf(iso: string): string {
  let text = httpDates.get(iso);
  if (text === undefined) {
    if (httpDates.size >= HTTP_DATES_KEPT) httpDates.clear();
    text = new Date(iso).toUTCString();
    httpDates.set(iso, text);
  }
  return text;
}

export function requireSigned(call: S3Call): void {
  if (call.caller.principal.kind === 'anonymous') throw new AwsError('AccessDenied', 'Access Denied', 403);
}

// ---- Buckets ----

export function checkKey(call: S3Call): string {
  const key = call.key ?? '';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AwsError('KeyTooLongError', 'Your key is too long', 400);
  return key;
}

/** User metadata and the representation headers S3 stores with an object and returns on GET/HEAD. */
export function storedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    if (name.startsWith('x-amz-meta-') || STORED_HEADERS.has(name)) stored[name] = value;
  }
  // aws-chunked is how the body travelled, not how the object is encoded.
  if (stored['content-encoding']) {
    const kept = stored['content-encoding'].split(',').map((e) => e.trim()).filter((e) => e && e !== 'aws-chunked');
    if (kept.length) stored['content-encoding'] = kept.join(', ');
    else delete stored['content-encoding'];
  }
  return stored;
}

const STORED_HEADERS = new Set(['content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires', 'x-amz-website-redirect-location']);

/** An error raised by a file-system call (it names the syscall), as opposed to one from the request stream. */
function isFileSystemError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as NodeJS.ErrnoException).syscall === 'string'
    && (error as NodeJS.ErrnoException).syscall !== 'read';
}

/** Streams a body into a new blob file (complete before it is renamed into place); returns its id, size and MD5 ETag. */
export async function writeBlob(call: S3Call, plain: Readable, sourceSize?: number, encrypt?: Cipher): Promise<{ blobId: string; size: number; md5: Buffer; plainMd5: Buffer }> {
  // The source is the request body unless the caller says how big its other source is (a copied part).
  const size = sourceSize ?? Number(call.headers['x-amz-decoded-content-length'] ?? call.headers['content-length']);
  if (Number.isInteger(size) && size >= 0 && size <= SMALL_BLOB_BYTES) return writeSmallBlob(call, plain, encrypt);
  // SSE-C: the blob holds ciphertext (its MD5 is the ETag, as S3's SSE-C ETags are no MD5 of the data), while
  // Content-MD5 describes what the client sent.
  const plainMd5 = encrypt ? createHash('md5') : undefined;
  let source = plain;
  if (encrypt) {
    plain.on('data', (chunk: Buffer) => plainMd5!.update(chunk));
    plain.on('error', (error) => encrypt.destroy(error));
    source = plain.pipe(encrypt);
  }
  // The MD5 of what the client sent: Content-MD5 is checked against it, and it is an SSE-S3 object's ETag.
  let plainDigest: Buffer | undefined;
  const contentMd5 = (digest: Buffer): Buffer => (plainDigest ??= plainMd5?.digest() ?? digest);
  const { blobId, path } = call.ctx.s3.newBlobPath();
  const temp = `${path}.part`;
  const md5 = createHash('md5');
  source.on('data', (chunk: Buffer) => md5.update(chunk));
  const sink = createWriteStream(temp);
  // The disk failing (EACCES, ENOSPC, EIO) is the server's fault, told apart from the client's body ending early.
  let diskError: unknown;
  sink.once('error', (error) => { diskError = error; });
  try {
    await pipeline(source, sink);
    renameSync(temp, path);
  } catch (error) {
    try { unlinkSync(temp); } catch { /* never created */ }
    if (isAwsErrorShape(error)) throw error;
    // A client that hangs up mid-body gets what S3 answers for a short body.
    if (diskError === undefined && !isFileSystemError(error)) throw incompleteBody();
    call.ctx.log.error({ err: diskError ?? error, bucket: call.bucket, key: call.key }, 'could not store an object body');
    throw s3InternalError();
  }
  const digest = md5.digest();
  try {
    checkContentMd5(call, contentMd5(digest));
  } catch (error) {
    unlinkSync(path);
    throw error;
  }
  return { blobId, size: statSync(path).size, md5: digest, plainMd5: contentMd5(digest) };
}

/**
 * A body whose declared length is small is read into memory and checked; it becomes an inline blob, stored in SQLite
 * by the transaction that records the object: no file to create, none to unlink when the object is replaced.
 */
async function writeSmallBlob(call: S3Call, plain: Readable, encrypt?: Cipher): Promise<{ blobId: string; size: number; md5: Buffer; plainMd5: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readLimited(plain, SMALL_BLOB_BYTES, incompleteBody);
  } catch (error) {
    throw isAwsErrorShape(error) ? error : incompleteBody();
  }
  const plainMd5 = createHash('md5').update(bytes).digest();
  checkContentMd5(call, plainMd5);
  // Encrypted in one call rather than piped through the cipher as a stream: the same ciphertext, without a stream
  // stage (its pipe, events and buffers cost a 1 KiB PutObject more than the encryption).
  const stored = encrypt ? Buffer.concat([encrypt.update(bytes), encrypt.final()]) : bytes;
  const md5 = encrypt ? createHash('md5').update(stored).digest() : plainMd5;
  return { blobId: call.ctx.s3.stageInlineBlob(stored), size: stored.length, md5, plainMd5 };
}

function checkContentMd5(call: S3Call, digest: Buffer): void {
  const contentMd5 = call.headers['content-md5'];
  if (typeof contentMd5 === 'string' && contentMd5 !== digest.toString('base64')) {
    throw Buffer.from(contentMd5, 'base64').length !== 16
      ? new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400)
      : new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
}

/**
 * Runs `touch` on the file of an object's blob. A file that vanished between reading the object's row and touching
 * it was deleted or replaced meanwhile: the object is gone, NoSuchKey.
 */
export function touchBlob<T>(key: string, touch: () => T): T {
  try {
    return touch();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchKey(key);
    throw error;
  }
}

/**
 * Opens the object's bytes now, inside the request, so that a DeleteObject or overwrite racing with this GetObject
 * cannot unlink the file before the stream opens it (an open file stays readable after unlink).
 */
function openBlob(ctx: ServerContext, object: ObjectRow): number {
  return touchBlob(object.object_key, () => openSync(ctx.s3.blobPath(object.blob_id), 'r'));
}

/** An object's bytes (or a range of them): small objects whole from memory or one read, larger ones streamed. */
export function objectBody(ctx: ServerContext, object: ObjectRow, range?: { start: number; end: number }): Buffer | Readable {
  if (object.size <= SMALL_BLOB_BYTES) {
    const bytes = touchBlob(object.object_key, () => ctx.s3.smallBlob(object.blob_id));
    return range ? bytes.subarray(range.start, range.end + 1) : bytes;
  }
  return createReadStream('', { fd: openBlob(ctx, object), ...(range ?? {}) });
}
