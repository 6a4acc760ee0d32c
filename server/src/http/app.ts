import { createHash, randomBytes } from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from "node:stream";
import type { Request, Response } from 'express';
import { anonymousCaller, lookupCredentials, type Caller, type CredentialLookup, type RequestFacts } from '../auth/caller.ts';
import { authenticate, credentialScopeOf, type AuthSuccess, type ServiceFamily } from '../auth/sigv4.ts';
import { authenticateSigV2, isSigV2 } from '../auth/sigv2.ts';
import type { ServerContext } from '../context.ts';
import { decodeQueryInput, parseFormParams, queryErrorXml, queryResponseXml } from '../protocol/query.ts';
import { s3ErrorXml } from '../protocol/rest-xml.ts';
import { iamService } from '../services/iam/iam.ts';
import type { QueryService } from '../services/query-service.ts';
import { routeS3, type S3Call, type S3Result } from '../services/s3/s3.ts';
import { actualRequestCorsHeaders, preflight } from '../services/s3/cors.ts';
import { stsService } from '../services/sts/sts.ts';
import { KMS_TARGET_PREFIX, kmsAuthError, runKms } from '../services/kms/kms.ts';
import {
  isReadOnlyOrganizationsOperation, ORGANIZATIONS_TARGET_PREFIX, organizationsAuthError, organizationsErrorBody, runOrganizations,
} from '../services/organizations/organizations.ts';
import { jsonErrorBody } from '../protocol/json.ts';
import { AwsError, internalError, isAwsErrorShape, s3InternalError } from '../errors.ts';
import { openS3Body } from './s3-body.ts';
import { readLimited } from '../protocol/read-limited.ts';
import type { RequestRecord } from '../log.ts';
import { recordCredentialUse } from '../store/last-used.ts';
import { CONTAINER_CREDENTIALS_PATH, serveContainerCredentials } from './credential-endpoints.ts';
import { lazyDependency } from '../lazy-dependency.ts';
import type { ExpressModule } from './express-module.ts';

const QUERY_SERVICES: Record<string, QueryService> = { sts: stsService, iam: iamService };
const STS_ACTIONS = new Set(Object.keys(stsService.model.operations));
/** Query actions that change no state (every other successful call drops the cached callers). */
const READ_ONLY_ACTION = /^(Get|List|Simulate|Decode)/;
/** Named like reads, but they create sessions. */
const WRITING_GETS = new Set(['GetSessionToken', 'GetFederationToken']);
const isReadOnly = (action: string): boolean => READ_ONLY_ACTION.test(action) && !WRITING_GETS.has(action);
const UNSIGNED_STS_ACTIONS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);

function toAwsError(error: unknown, ctx: ServerContext, family: ServiceFamily): AwsError {
  if (error instanceof AwsError) return error;
  if (isAwsErrorShape(error)) return new AwsError(error.code, error.message, error.status);
  // Anything else is a server fault (our bug, or the disk): log it, answer as AWS does for an internal failure (5xx,
  // which SDKs retry), never with a stack trace.
  ctx.log.error({ err: error }, 'internal error');
  return family === 's3' ? s3InternalError() : internalError();
}

/** The request target as sent, split once by the dispatcher: what SigV4 signed, before any decoding. */
interface RawTarget { rawPath: string; rawQuery: string }

function splitUrl(url: string): RawTarget {
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

function facts(ctx: ServerContext, req: IncomingMessage, region: string): RequestFacts {
  return { sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''), now: ctx.now(), region, secureTransport: false };
}

function resolveCaller(ctx: ServerContext, family: ServiceFamily, req: IncomingMessage, rawPath: string, rawQuery: string, bodySha256?: string):
  { caller: Caller; auth?: AuthSuccess<CredentialLookup>; error?: AwsError } {
  // headersDistinct keeps repeated headers apart: SigV4 joins them with ',' where Node's headers use ', '.
  const signed = { method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headersDistinct, bodySha256 };
  const lookup = (id: string): CredentialLookup | undefined => lookupCredentials(ctx.iam, id);
  const result = family === 's3' && isSigV2(signed)
    ? authenticateSigV2<CredentialLookup>(signed, ctx.now(), lookup, virtualHostBucket(req.headers.host))
    : authenticate<CredentialLookup>(signed, family, ctx.now(), lookup);
  if (result.ok === 'anonymous') return { caller: anonymousCaller(ctx.iam) };
  if (result.ok === false) {
    if (result.error.code === 'InvalidClientTokenId' || result.error.code === 'InvalidAccessKeyId') hintUnknownSession(ctx, req, rawQuery, result.error.code);
    return { caller: anonymousCaller(ctx.iam), error: new AwsError(result.error.code, result.error.message, result.error.status, result.error.extra) };
  }
  const caller = result.credential.resolve();
  recordCredentialUse(ctx, caller, result.service, result.region);
  return { caller, auth: result };
}

// ---- Query protocol (STS, IAM) ----

async function handleQuery(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, record: RequestRecord, { rawPath, rawQuery }: RawTarget, scopeService: string | undefined): Promise<void> {
  const requestId = uuidv4();
  let service: QueryService = QUERY_SERVICES[scopeService ?? ''] ?? iamService;
  const send = (status: number, xml: string): void => {
    const body = wireText(xml);
    res.writeHead(status, { 'x-amzn-RequestId': requestId, 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  try {
    const body = await readLimited(req, ctx.config.maxQueryBodyBytes, () => new AwsError('RequestEntityTooLarge', 'Request body is too large.', 413));
    const params = parseFormParams(rawQuery, body.toString('utf8'));
    const action = params.get('Action');
    if (!scopeService && action && STS_ACTIONS.has(action)) service = stsService;
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    record.service = service.name;
    record.operation = action;
    const resolved = resolveCaller(ctx, 'query', req, rawPath, rawQuery, bodySha256);
    const { caller, auth } = resolved;
    // AssumeRoleWithWebIdentity (and AssumeRoleWithSAML) are called unsigned: the token is the credential.
    const unsignedOk = service === stsService && resolved.error?.code === 'MissingAuthenticationToken' && UNSIGNED_STS_ACTIONS.has(action ?? '');
    if (resolved.error && !unsignedOk) throw resolved.error;
    // GetFederationToken credentials cannot call IAM: AWS does not recognise them there.
    if (service === iamService && caller.principal.kind === 'federated-user') throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid', 403);
    // Nor can GetSessionToken credentials obtained without MFA (API_GetSessionToken: no IAM calls without MFA).
    if (service === iamService && caller.session && caller.principal.kind !== 'assumed-role' && !caller.session.mfa_authenticated_at) {
      throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid', 403);
    }
    record.principal = caller.principal.arn;
    if (!action) throw new AwsError('MissingAction', 'Missing Action', 400);
    const handler = Object.hasOwn(service.handlers, action) ? service.handlers[action] : undefined;
    const spec = Object.hasOwn(service.model.operations, action) ? service.model.operations[action] : undefined;
    // A Version other than the service's finds no operation: AWS's query services answer InvalidAction, naming the
    // version asked for. Every SDK sends Version; a request without one is taken as the current version.
    const version = params.get('Version') ?? service.model.apiVersion;
    if (!handler || !spec || version !== service.model.apiVersion) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version}`, 400);
    const input = decodeQueryInput(params, spec);
    const region = auth?.region ?? ctx.config.region;
    const run = (): ReturnType<typeof handler> => handler({ operation: action, input, caller, requestId, facts: facts(ctx, req, region), ctx });
    const readOnly = isReadOnly(action);
    // Reads need no transaction (one connection, synchronous handlers); BEGIN/COMMIT would cost more than the call.
    // STS writes only new sessions, which no cache has seen: they commit as a group. IAM writes invalidate caches that
    // other writes of a group could read, so each commits alone.
    const result = readOnly ? run() : service === stsService ? await ctx.writes.run(run) : ctx.db.transaction(run)();
    // Callers are cached until IAM state changes; writes through any store (renames, memberships, tags, MFA) count.
    if (service !== stsService && !readOnly) ctx.iam.invalidate();
    send(200, queryResponseXml(action, service.namespace, result, requestId));
  } catch (error) {
    // A rolled-back transaction may have been read into caches: drop them.
    ctx.iam.invalidate();
    const awsError = toAwsError(error, ctx, 'query');
    record.errorCode = awsError.code;
    send(awsError.status, queryErrorXml(awsError, service.namespace, requestId));
  }
}

// ---- awsJson1_1 (KMS, Organizations) ----

type JsonService = 'kms' | 'organizations';

async function handleJson(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, record: RequestRecord, { rawPath, rawQuery }: RawTarget, service: JsonService): Promise<void> {
  const requestId = uuidv4();
  record.service = service;
  const send = (status: number, body: string, errorType?: string): void => {
    const headers: Record<string, string | number> = { 'x-amzn-RequestId': requestId, 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(body) };
    if (errorType) headers['x-amzn-ErrorType'] = errorType;
    res.writeHead(status, headers);
    res.end(body);
  };
  const prefix = service === 'kms' ? KMS_TARGET_PREFIX : ORGANIZATIONS_TARGET_PREFIX;
  try {
    const body = await readLimited(req, ctx.config.maxQueryBodyBytes, () => new AwsError('RequestEntityTooLarge', 'Request body is too large.', 413));
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(prefix) ? target.slice(prefix.length) : '';
    record.operation = operation || undefined;
    const resolved = resolveCaller(ctx, 'query', req, rawPath, rawQuery, createHash('sha256').update(body).digest('hex'));
    if (resolved.error) throw service === 'kms' ? kmsAuthError(resolved.error) : organizationsAuthError(resolved.error);
    record.principal = resolved.caller.principal.arn;
    const requestFacts = facts(ctx, req, resolved.auth?.region ?? ctx.config.region);
    let result: unknown;
    if (service === 'kms') result = await runKms(ctx, resolved.caller, requestFacts, operation, body.toString('utf8'));
    else if (isReadOnlyOrganizationsOperation(operation)) result = runOrganizations(ctx, resolved.caller, requestFacts, operation, body.toString('utf8'));
    else {
      // Organizations writes change what SCPs and RCPs bind: each commits alone, then every cached caller and guardrail drops.
      result = ctx.db.transaction(() => runOrganizations(ctx, resolved.caller, requestFacts, operation, body.toString('utf8')))();
      ctx.iam.invalidate();
    }
    send(200, JSON.stringify(result));
  } catch (error) {
    if (service === 'organizations') ctx.iam.invalidate();
    const awsError = toAwsError(error, ctx, 'query');
    record.errorCode = awsError.code;
    send(awsError.status, service === 'kms' ? jsonErrorBody(awsError) : organizationsErrorBody(awsError), awsError.code);
  }
}

/** The awsJson services: signed for their scope (`kms`, `organizations`), or (unsigned) named by their X-Amz-Target. */
function jsonServiceOf(req: IncomingMessage, scopeService: string | undefined): JsonService | undefined {
  if (scopeService !== undefined) return scopeService === 'kms' || scopeService === 'organizations' ? scopeService : undefined;
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string') return undefined;
  if (target.startsWith(KMS_TARGET_PREFIX)) return 'kms';
  return target.startsWith(ORGANIZATIONS_TARGET_PREFIX) ? 'organizations' : undefined;
}

// ---- REST-XML (S3) ----

/** Request ids need randomness, not a system call each: they are cut from a pool refilled 8 KiB at a time. */
let idPool = Buffer.alloc(0);
function randomIdBytes(n: number): Buffer {
  if (idPool.length < n) idPool = randomBytes(8192);
  const bytes = idPool.subarray(0, n);
  idPool = idPool.subarray(n);
  return bytes;
}

/** Bucket from a virtual-hosted-style Host header: `<bucket>.s3.<anything>` or `<bucket>.localhost`. */
function virtualHostBucket(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  const s3 = /^(.+?)\.s3[.-]/.exec(name);
  if (s3) return s3[1];
  const local = /^(.+)\.localhost$/.exec(name);
  if (local && !local[1]!.startsWith('s3.')) return local[1];
  return undefined;
}

/** S3 takes one authentication per request: an Authorization header with a presigned URL's parameters is refused. */
function rejectTwoAuthMechanisms(req: IncomingMessage, query: URLSearchParams): void {
  const auth = req.headers.authorization;
  if (auth === undefined || !(query.has('X-Amz-Algorithm') || query.has('Signature'))) return;
  throw new AwsError('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    400, { ArgumentName: 'Authorization', ArgumentValue: auth });
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400);
  }
}

function s3Target(req: IncomingMessage, rawPath: string): { bucket?: string; key?: string } {
  const hostBucket = virtualHostBucket(req.headers.host);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (hostBucket) return { bucket: hostBucket, key: path === '' ? undefined : decodePathSegment(path) };
  const slash = path.indexOf('/');
  if (path === '') return {};
  if (slash < 0) return { bucket: decodePathSegment(path) };
  const key = path.slice(slash + 1);
  return { bucket: decodePathSegment(path.slice(0, slash)), key: key === '' ? undefined : decodePathSegment(key) };
}

async function handleS3(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, record: RequestRecord, { rawPath, rawQuery }: RawTarget): Promise<void> {
  const ids = randomIdBytes(32);
  const requestId = ids.subarray(0, 8).toString('hex').toUpperCase();
  const hostId = ids.subarray(8).toString('base64');
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', hostId);
  let target: { bucket?: string; key?: string } = {};
  try {
    target = s3Target(req, rawPath);
    const query = new URLSearchParams(rawQuery);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      // A CORS preflight carries no credentials: answered from the bucket's CORS rules, never authenticated.
      record.operation = 'PreflightRequest';
      sendS3(req, res, preflight(ctx.s3, target.bucket, target.key, req.headers));
      return;
    }
    const route = routeS3(method, target.bucket, target.key, query);
    record.operation = route.name;
    rejectTwoAuthMechanisms(req, query);
    const { caller, auth, error } = resolveCaller(ctx, 's3', req, rawPath, rawQuery);
    if (error) throw error;
    if (auth?.scope && target.bucket !== undefined) rejectWrongRegion(ctx, req, route.name, target.bucket, auth.region, auth.style === 'presigned');
    record.principal = caller.principal.arn;
    let opened: Readable | undefined;
    const body = (): Readable => (opened ??= openS3Body(req, auth, route.name === 'CompleteMultipartUpload' ? withoutChecksumHeaders(req.headersDistinct) : undefined));
    const call: S3Call = {
      method, bucket: target.bucket, key: target.key, query, headers: req.headers, caller,
      facts: facts(ctx, req, auth?.region ?? ctx.config.region), ctx, requestId, body,
      readBody: (limit) => readLimited(body(), limit, () => new AwsError('MaxMessageLengthExceeded', 'Your request was too big.', 400)),
    };
    const result = await route.handler(call);
    addCorsHeaders(ctx, req, res, target.bucket);
    sendS3(req, res, result);
  } catch (error) {
    const awsError = toAwsError(error, ctx, 's3');
    record.errorCode = awsError.code;
    if (awsError.code === 'NoSuchBucket' || awsError.code === 'NoSuchKey' || awsError.code === 'InvalidBucketName') {
      awsError.extra.BucketName ??= target.bucket ?? '';
    }
    res.statusCode = awsError.status;
    for (const [name, value] of Object.entries(awsError.headers)) res.setHeader(name, value);
    // An error a browser page may read (NoSuchKey, AccessDenied) carries the CORS headers too; a refused preflight never.
    if (req.method !== 'OPTIONS') addCorsHeaders(ctx, req, res, target.bucket);
    if (req.method === 'HEAD') {
      res.end();
    } else {
      const xml = s3ErrorXml(awsError, requestId, hostId);
      res.setHeader('Content-Type', 'application/xml');
      res.setHeader('Content-Length', Buffer.byteLength(xml));
      res.end(xml);
    }
    // Unread request bytes would otherwise stall a keep-alive connection. Unpipe first: a body verifier that failed
    // is destroyed, and its later 'close' would unpipe (and so pause) the request again.
    if (!req.complete) {
      req.unpipe();
      req.resume();
    }
  }
}

/** Operations whose bucket need not be in the signing region: creating one (its location constraint is checked), S3 Control. */
const REGION_FREE_OPERATIONS = new Set(['CreateBucket', 'PutAccountPublicAccessBlock', 'GetAccountPublicAccessBlock', 'DeleteAccountPublicAccessBlock']);

/**
 * A SigV4 request about a bucket in another region than the one it was signed for. AWS's regional endpoints answer a
 * path-style request with 301 PermanentRedirect; a virtual-hosted one reaches the bucket's region, which answers 400
 * AuthorizationHeaderMalformed (AuthorizationQueryParametersError when presigned) naming the region. Both carry
 * x-amz-bucket-region, from which boto3 and SDK v3 (followRegionRedirects) retry in the right region (S3 API
 * Reference, "Error responses"; S3 User Guide, "Making requests": redirects). iamlocal serves every region on one
 * endpoint, so the signing region stands for the endpoint's. An unknown bucket is left to the operation (NoSuchBucket).
 */
function rejectWrongRegion(ctx: ServerContext, req: IncomingMessage, operation: string, bucketName: string, signingRegion: string, presigned: boolean): void {
  if (REGION_FREE_OPERATIONS.has(operation)) return;
  const bucket = ctx.s3.bucket(bucketName);
  if (!bucket || bucket.region === signingRegion) return;
  const wrong = `the region '${signingRegion}' is wrong; expecting '${bucket.region}'`;
  const error = !virtualHostBucket(req.headers.host)
    ? new AwsError('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', 301,
      { Endpoint: req.headers.host ?? '', Bucket: bucketName })
    : presigned
      ? new AwsError('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${wrong}`, 400, { Region: bucket.region })
      : new AwsError('AuthorizationHeaderMalformed', `The authorization header is malformed; ${wrong}`, 400, { Region: bucket.region });
  error.headers['x-amz-bucket-region'] = bucket.region;
  throw error;
}

/**
 * CompleteMultipartUpload's x-amz-checksum-* header is the checksum the whole object must have (checked by the
 * operation), not one of its XML body.
 */
function withoutChecksumHeaders(headers: IncomingMessage['headersDistinct']): IncomingMessage['headersDistinct'] {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('x-amz-checksum-') && name !== 'x-amz-sdk-checksum-algorithm'));
}

/** The Access-Control-* headers of a cross-origin (Origin-carrying) request when a bucket CORS rule matches it. */
function addCorsHeaders(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, bucket: string | undefined): void {
  const origin = req.headers.origin;
  if (origin === undefined || bucket === undefined) return;
  const headers = actualRequestCorsHeaders(ctx.s3, bucket, req.method ?? 'GET', origin);
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

function sendS3(req: IncomingMessage, res: ServerResponse, result: S3Result): void {
  res.statusCode = result.status ?? 200;
  // setHeader as it is: no charset appended to Content-Type, which would change what the object says.
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  const body = result.body;
  if (body === undefined) {
    res.end();
  } else if (typeof body === 'string') {
    if (!result.headers?.['Content-Type']) res.setHeader('Content-Type', 'application/xml');
    res.end(wireText(body));
  } else if (Buffer.isBuffer(body)) {
    res.end(req.method === 'HEAD' ? undefined : body);
  } else if (req.method === 'HEAD') {
    body.destroy();
    res.end();
  } else {
    body.on('error', () => res.destroy());
    body.pipe(res);
  }
}

/**
 * A large text body as the bytes Node would send for it. Node encodes a string body to UTF-8 character by character as
 * it writes; an ASCII one (byte length = length) is the same bytes copied as latin1, ~5× faster: a 1,000-key listing
 * (334 KB) 240 → 80 µs. Small bodies stay strings (Node sends those with the head in one write).
 */
function wireText(text: string): string | Buffer {
  return text.length >= 16384 && Buffer.byteLength(text) === text.length ? Buffer.from(text, 'latin1') : text;
}

/** Which protocol a request speaks: the SigV4 credential scope decides; unsigned requests are told apart by shape. */
function isQueryRequest(req: IncomingMessage, rawPath: string, rawQuery: string, scopeService: string | undefined): boolean {
  if (scopeService === 'sts' || scopeService === 'iam') return true;
  if (scopeService !== undefined) return false;
  if (rawPath !== '/' || virtualHostBucket(req.headers.host)) return false;
  const contentType = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) return true;
  return /(^|&)Action=/.test(rawQuery);
}

/** RFC 7231 dates change once a second: format each second once. */
let lastDateSecond = -1;
let lastDateText = '';
function httpDate(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastDateSecond) {
    lastDateSecond = second;
    lastDateText = now.toUTCString();
  }
  return lastDateText;
}

/** A node:http request listener: createServer(app), supertest's request(app), or a 'checkExpectation' handler. */
export type App = (req: IncomingMessage, res: ServerResponse) => void;

const ADMIN_PATH = /^\/_iamlocal(?:[/?]|$)/;

// Temporary keys iamlocal was told about but does not know, already explained in the log (bounded).
const hintedSessionKeys = new Set<string>();

/**
 * An unknown ASIA key is nearly always a session an earlier iamlocal issued: a `:memory:` server, or a reset, forgets
 * its sessions, while the AWS CLI (and boto3) keep role_arn credentials in ~/.aws/cli/cache until they expire. AWS's
 * answer (InvalidClientTokenId, InvalidAccessKeyId) stays as AWS words it; the server log says why, once per key.
 */
function hintUnknownSession(ctx: ServerContext, req: IncomingMessage, rawQuery: string, errorCode: string): void {
  const accessKeyId = credentialScopeOf(req.headers, rawQuery)?.accessKeyId;
  if (!accessKeyId?.startsWith('ASIA') || hintedSessionKeys.has(accessKeyId) || !ctx.log.isLevelEnabled('warn')) return;
  if (hintedSessionKeys.size >= 1000) hintedSessionKeys.clear();
  hintedSessionKeys.add(accessKeyId);
  ctx.log.warn({ accessKeyId, errorCode },
    `unknown temporary access key ${accessKeyId}: this iamlocal never issued it (or a restart of a :memory: server or a reset forgot it). ` +
    'The AWS CLI and boto3 reuse role_arn credentials cached in ~/.aws/cli/cache until they expire: delete that cache (rm -rf ~/.aws/cli/cache) or assume the role again.');
}

/**
 * STS, IAM and S3 requests go straight to their handlers on node:http (their hot path has no use for Express);
 * the admin API under /_iamlocal/ is an Express router, loaded on the first admin request.
 */
export function createApp(ctx: ServerContext): App {
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    // The Date header tells SDKs the server's time (they correct their clock skew by it): the server's clock, not the OS's.
    res.setHeader('Date', httpDate(ctx.now()));
    const record: RequestRecord = { service: 's3' };
    if (ctx.log.isLevelEnabled('info')) {
      const started = performance.now();
      // 'finish' is emitted once; on() spares the wrapper and the removal once() adds.
      res.on('finish', () => {
        ctx.log.request({
          service: record.service, operation: record.operation ?? `${req.method ?? ''}`,
          principal: record.principal, status: res.statusCode, errorCode: record.errorCode,
          ms: Math.round((performance.now() - started) * 100) / 100,
        });
      });
    }
    const target = splitUrl(req.url ?? '/');
    const scope = credentialScopeOf(req.headers, target.rawQuery);
    const jsonService = jsonServiceOf(req, scope?.service);
    const work = isQueryRequest(req, target.rawPath, target.rawQuery, scope?.service)
      ? handleQuery(ctx, req, res, record, target, scope?.service)
      : jsonService ? handleJson(ctx, req, res, record, target, jsonService) : handleS3(ctx, req, res, record, target);
    work.catch((error: unknown) => {
      ctx.log.error({ err: error }, 'unhandled error');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    });
  };
  // Express and the admin routes load on the first admin request: start-up and the health probe do without them.
  let adminApp: Promise<App> | undefined;
  const admin: App = (req, res) => {
    (adminApp ??= createAdminApp(ctx)).then((app) => app(req, res), (error: unknown) => {
      ctx.log.error({ err: error }, 'admin API failed to load');
      res.statusCode = 500;
      res.end();
    });
  };
  return (req, res) => {
    const url = req.url ?? '';
    if (!ADMIN_PATH.test(url)) return serve(req, res);
    if (HEALTH_PATH.test(url) && (req.method === 'GET' || req.method === 'HEAD')) return health(ctx, req, res);
    // Workloads authenticate with their binding's token, not as the admin API's callers.
    if (CONTAINER_CREDENTIALS_PATH.test(url)) return serveContainerCredentials(ctx, req, res);
    admin(req, res);
  };
}

const HEALTH_PATH = /^\/_iamlocal\/health\/?(?:\?|$)/;

/** GET /_iamlocal/health: open to all (as before the admin API's authentication), and answered without loading the admin routes. */
function health(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({ status: 'ok', accountId: ctx.config.accountId, region: ctx.config.region });
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

// Bundled by the build into dist/vendor/express.cjs (a dev dependency here: consumers do not install it).
const loadExpress = lazyDependency<ExpressModule>('express');

async function createAdminApp(ctx: ServerContext): Promise<App> {
  const { adminRouter } = await import('./admin.ts');
  const express = loadExpress();
  const admin = express();
  admin.disable('x-powered-by');
  admin.disable('etag');
  admin.set('query parser', false);
  // Admin writes (fixtures, reset, restore, enforcement) change IAM state behind the stores' backs: drop caches.
  admin.use('/_iamlocal', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      ctx.iam.invalidate();
      res.on('finish', () => ctx.iam.invalidate());
    }
    next();
  }, adminRouter(ctx, express));
  admin.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'no such admin route' });
  });
  // Admin routes answer JSON errors: a body the client got wrong is its fault (4xx); anything else is ours, logged,
  // and no stack trace ever leaves the server.
  admin.use((error: unknown, _req: Request, res: Response, _next: (e?: unknown) => void) => {
    if (res.headersSent) return;
    const clientFault = bodyFault(error);
    if (clientFault) {
      res.status(clientFault.status).json({ error: clientFault.message });
      return;
    }
    ctx.log.error({ err: error }, 'admin route error');
    res.status(500).json({ error: 'internal error' });
  });
  return admin;
}

/** A request body Express's parsers refused (malformed, too large, badly encoded): the client's fault, as a 4xx. */
function bodyFault(error: unknown): { status: number; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type, message } = error as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500 || typeof type !== 'string') return undefined;
  if (type === 'entity.parse.failed') return { status: 400, message: `request body: not JSON (${String(message)})` };
  if (type === 'entity.too.large') return { status: 413, message: 'request body: too large' };
  return { status, message: `request body: ${String(message)}` };
}
