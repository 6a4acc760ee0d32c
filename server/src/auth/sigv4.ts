import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { wireHeaderText } from './wire-text.ts';

/** 's3' = S3's REST API; 'query' = STS/IAM query protocol. They differ in path encoding and error texts. */
export type ServiceFamily = 's3' | 'query';

export interface IncomingSignedRequest {
  method: string;
  /** Request-target path as received, still percent-encoded, without the query. */
  rawPath: string;
  /** Raw query string without '?', '' if none. */
  rawQuery: string;
  /**
   * Lower-cased header object. Repeated headers should arrive as arrays (Node's `headersDistinct`):
   * SigV4 joins repeated values with ',' while Node's `headers` joins them with ', '.
   */
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body, when the caller buffered it (query protocol always; S3 never). */
  bodySha256?: string;
}

export interface AuthError {
  code: string; message: string; status: number;
  /** Extra elements of the error document, such as S3's HeadersNotSigned. */
  extra?: Record<string, string>;
}
export interface CredentialRecord { secretKey: string; sessionToken?: string; expiresAt?: Date }

export interface AuthSuccess<C extends CredentialRecord> {
  ok: true;
  credential: C;
  accessKeyId: string;
  region: string;
  service: string;
  style: 'header' | 'presigned';
  /** x-amz-content-sha256 for S3 (a hex hash, UNSIGNED-PAYLOAD or STREAMING-…), the body hash for query. */
  payloadHash: string;
  /** The request signature: the first link of the chunk-signature chain of a signed aws-chunked body. */
  seedSignature: string;
  signingKey: Buffer;
  amzDate: string;
  /** `YYYYMMDD/region/service/aws4_request`. */
  scope: string;
}

export type AuthResult<C extends CredentialRecord> = AuthSuccess<C> | { ok: false; error: AuthError } | { ok: 'anonymous' };

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MAX_SKEW_MS = 15 * 60 * 1000;
const PRESIGN_MAX_SECONDS = 604800;

/** x-amz-content-sha256 values S3 accepts besides a hex digest. */
export const S3_PAYLOAD_MODES = [
  'UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
] as const;

const TEXT = {
  query: {
    unknownKey: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 },
    badToken: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 },
    badSignature: {
      code: 'SignatureDoesNotMatch', status: 403,
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    },
    expiredToken: { code: 'ExpiredToken', message: 'The security token included in the request is expired', status: 400 },
  },
  s3: {
    unknownKey: { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', status: 403 },
    badToken: { code: 'InvalidToken', message: 'The provided token is malformed or otherwise invalid.', status: 400 },
    badSignature: {
      code: 'SignatureDoesNotMatch', status: 403,
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    },
    expiredToken: { code: 'ExpiredToken', message: 'The provided token has expired.', status: 400 },
  },
} as const;

type Failure = { ok: false; error: AuthError };
const fail = (error: AuthError): Failure => ({
  ok: false, error: error.extra ? { code: error.code, message: error.message, status: error.status, extra: error.extra } : { code: error.code, message: error.message, status: error.status },
});

function header(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

// ---- RFC 3986 encoding, byte-exact ----

const HEX = Array.from({ length: 256 }, (_, i) => `%${i.toString(16).toUpperCase().padStart(2, '0')}`);
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const isUnreserved = (b: number): boolean =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;

function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += isUnreserved(b) ? String.fromCharCode(b) : HEX[b]!;
  return out;
}

/** SigV4's UriEncode of text: unreserved characters kept, every other UTF-8 byte as upper-case %XX. */
export function uriEncode(value: string): string {
  return UNRESERVED.test(value) ? value : encodeBytes(Buffer.from(value, 'utf8'));
}

/** Percent-decodes to bytes, not text, so escapes of invalid UTF-8 survive a decode/encode round trip. */
function percentDecode(value: string): Buffer {
  if (!value.includes('%')) return Buffer.from(value, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < value.length;) {
    if (value[i] === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = value.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) out.push(b);
      i += ch.length;
    }
  }
  return Buffer.from(out);
}

/** Brings one percent-encoded component to the single canonical encoding (`%7e` → `~`, `!` → `%21`). */
const normaliseEncoding = (value: string): string => (UNRESERVED.test(value) ? value : encodeBytes(percentDecode(value)));

/**
 * Canonical URI. S3 signs the path as the client encoded it (once), without dot-segment or slash normalisation;
 * we re-encode each segment so that equivalent spellings (`%7E`/`~`, lower-case hex) agree. Other services
 * normalise `.`, `..` and empty segments and then URI-encode the received path once more, which is the
 * "double encoding" of the SigV4 spec (and what botocore and SDK v3 produce for them).
 */
export function canonicalUri(rawPath: string, family: ServiceFamily): string {
  const path = rawPath === '' ? '/' : rawPath;
  if (family === 's3') return path.split('/').map(normaliseEncoding).join('/');
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

/** Query pairs, still encoded as received; a name without '=' has an empty value. '+' stays a literal plus. */
function rawQueryPairs(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** Decoded query parameters (first occurrence wins for lookups). */
function queryParams(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of rawQueryPairs(rawQuery)) {
    const key = percentDecode(name).toString('utf8');
    if (!params.has(key)) params.set(key, percentDecode(value).toString('utf8'));
  }
  return params;
}

export function canonicalQuery(rawQuery: string, skipSignature: boolean): string {
  return rawQueryPairs(rawQuery)
    .map(([name, value]) => [normaliseEncoding(name), normaliseEncoding(value)] as const)
    .filter(([name]) => !(skipSignature && name === 'X-Amz-Signature'))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const values = Array.isArray(value) ? value : [value ?? ''];
  return values.map((v) => wireHeaderText(v).trim().replace(/\s+/g, ' ')).join(',');
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

const signingKeys = new Map<string, Buffer>();
const SIGNING_KEY_CACHE = 256;

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"), cached (LRU). */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  const cached = signingKeys.get(cacheKey);
  if (cached) {
    // Re-insert so the Map's insertion order doubles as recency order.
    signingKeys.delete(cacheKey);
    signingKeys.set(cacheKey, cached);
    return cached;
  }
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  if (signingKeys.size >= SIGNING_KEY_CACHE) signingKeys.delete(signingKeys.keys().next().value as string);
  signingKeys.set(cacheKey, key);
  return key;
}

interface Scope { accessKeyId: string; date: string; region: string; service: string }

interface ParsedAuth extends Scope {
  style: 'header' | 'presigned';
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  securityToken?: string;
}

function parseCredential(text: string): Scope | undefined {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service) return undefined;
  return { accessKeyId, date, region, service };
}

let lastAuthorization: string | undefined;
let lastFields: ReadonlyMap<string, string> = new Map();

/**
 * `Credential=…, SignedHeaders=…, Signature=…` after the algorithm; separators may or may not carry spaces. The
 * dispatcher reads the scope of a request's header and authentication reads it again: the last header's fields are
 * kept (read-only) for that second reading.
 */
function authorizationFields(value: string): ReadonlyMap<string, string> {
  if (value === lastAuthorization) return lastFields;
  const fields = new Map<string, string>();
  for (const part of value.slice(value.indexOf(' ') + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  lastAuthorization = value;
  lastFields = fields;
  return fields;
}

export function credentialScopeOf(headers: IncomingSignedRequest['headers'], rawQuery: string): Scope | undefined {
  const auth = header(headers, 'authorization');
  if (auth?.startsWith(`${ALGORITHM} `)) return parseCredential(authorizationFields(auth).get('Credential') ?? '');
  if (rawQuery.includes('X-Amz-Credential=')) {
    const credential = queryParams(rawQuery).get('X-Amz-Credential');
    return credential ? parseCredential(credential) : undefined;
  }
  return undefined;
}

function credentialProblem(family: ServiceFamily, text: string, presigned: boolean): Failure {
  if (family === 's3') {
    const expecting = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
    return presigned
      ? fail({ code: 'AuthorizationQueryParametersError', message: `Error parsing the X-Amz-Credential parameter; ${expecting}`, status: 400 })
      : fail({ code: 'AuthorizationHeaderMalformed', message: `The authorization header is malformed; ${expecting}`, status: 400 });
  }
  const parts = text.split('/');
  if (parts.length !== 5) {
    return fail({ code: 'IncompleteSignature', message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${text}'`, status: 400 });
  }
  if (parts[4] !== 'aws4_request') {
    return fail({ ...TEXT.query.badSignature, message: `Credential should be scoped with a valid terminator: 'aws4_request', not '${parts[4]}'. ` });
  }
  return fail({ ...TEXT.query.badSignature, message: 'Credential should be scoped to a valid region. ' });
}

function parseHeaderAuth(req: IncomingSignedRequest, family: ServiceFamily, auth: string): ParsedAuth | Failure {
  const algorithm = auth.split(' ', 1)[0] ?? '';
  if (algorithm !== ALGORITHM) {
    return family === 's3'
      ? fail({ code: 'InvalidArgument', message: 'Unsupported Authorization Type', status: 400 })
      : fail({ code: 'IncompleteSignature', message: `Unsupported AWS 'algorithm': '${algorithm}'.`, status: 400 });
  }
  const fields = authorizationFields(auth);
  const amzDate = header(req.headers, 'x-amz-date') ?? dateHeaderAsAmz(header(req.headers, 'date'));
  const missing = (['Credential', 'Signature', 'SignedHeaders'] as const).filter((f) => !fields.get(f));
  if (missing.length) {
    if (family === 's3') {
      return fail({ code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.', status: 400 });
    }
    const problems = missing.map((f) => `Authorization header requires '${f}' parameter.`);
    if (!amzDate) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    return fail({ code: 'IncompleteSignature', message: `${problems.join(' ')} Authorization=${auth}`, status: 400 });
  }
  const credentialText = fields.get('Credential')!;
  const credential = parseCredential(credentialText);
  if (!credential) return credentialProblem(family, credentialText, false);
  if (!amzDate) {
    return family === 's3'
      ? fail({ code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header', status: 403 })
      : fail({ code: 'IncompleteSignature', message: `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth}`, status: 400 });
  }
  return {
    style: 'header', ...credential, signedHeaders: fields.get('SignedHeaders')!.split(';'), signature: fields.get('Signature')!,
    amzDate, securityToken: header(req.headers, 'x-amz-security-token'),
  };
}

function parsePresigned(req: IncomingSignedRequest, family: ServiceFamily, params: Map<string, string>): ParsedAuth | Failure {
  const algorithm = params.get('X-Amz-Algorithm');
  if (algorithm !== ALGORITHM) {
    return family === 's3'
      ? fail({ code: 'AuthorizationQueryParametersError', message: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', status: 400 })
      : fail({ code: 'IncompleteSignature', message: `Unsupported AWS 'algorithm': '${algorithm}'.`, status: 400 });
  }
  const required = ['X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date', ...(family === 's3' ? ['X-Amz-Expires'] : [])];
  const missing = required.filter((name) => !params.get(name));
  if (missing.length) {
    return family === 's3'
      ? fail({ code: 'AuthorizationQueryParametersError', message: 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.', status: 400 })
      : fail({ code: 'IncompleteSignature', message: missing.map((name) => `AWS query-string parameters must include '${name}'.`).join(' ') + ' Re-examine the query-string parameters.', status: 400 });
  }
  const credentialText = params.get('X-Amz-Credential')!;
  const credential = parseCredential(credentialText);
  if (!credential) return credentialProblem(family, credentialText, true);
  let expiresSeconds: number | undefined;
  const expires = params.get('X-Amz-Expires');
  if (expires !== undefined) {
    const problem = !/^-?\d+$/.test(expires) ? 'X-Amz-Expires should be a number'
      : Number(expires) < 0 ? 'X-Amz-Expires must be non-negative'
        : Number(expires) > PRESIGN_MAX_SECONDS ? 'X-Amz-Expires must be less than a week (in seconds) that is 604800' : undefined;
    if (problem) {
      return fail(family === 's3'
        ? { code: 'AuthorizationQueryParametersError', message: problem, status: 400 }
        : { code: 'IncompleteSignature', message: problem, status: 400 });
    }
    expiresSeconds = Number(expires);
  }
  return {
    style: 'presigned', ...credential, signedHeaders: params.get('X-Amz-SignedHeaders')!.split(';'), signature: params.get('X-Amz-Signature')!,
    amzDate: params.get('X-Amz-Date')!, expiresSeconds,
    securityToken: params.get('X-Amz-Security-Token') ?? header(req.headers, 'x-amz-security-token'),
  };
}

function dateHeaderAsAmz(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const parsed = new Date(date);
  return Number.isNaN(parsed.getTime()) ? undefined : toAmzDate(parsed);
}

export function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20150231 over to March; AWS would reject it.
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? date : undefined;
}

function payloadHashOf(req: IncomingSignedRequest, family: ServiceFamily, parsed: ParsedAuth): string | Failure {
  if (family === 'query') return req.bodySha256 ?? EMPTY_SHA256;
  const declared = header(req.headers, 'x-amz-content-sha256');
  if (parsed.style === 'presigned') return declared ?? 'UNSIGNED-PAYLOAD';
  if (declared === undefined) {
    return fail({ code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256', status: 400 });
  }
  if (!/^[0-9a-f]{64}$/.test(declared) && !(S3_PAYLOAD_MODES as readonly string[]).includes(declared)) {
    return fail({ code: 'InvalidArgument', message: 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.', status: 400 });
  }
  return declared;
}

export interface SigningInputs { style: 'header' | 'presigned'; signedHeaders: string[]; amzDate: string; date: string; region: string; service: string }

/** The canonical request and string to sign (exported for tests and SignatureDoesNotMatch diagnostics). */
export function stringToSign(req: IncomingSignedRequest, family: ServiceFamily, parsed: SigningInputs, payloadHash: string):
  { canonicalRequest: string; stringToSign: string; scope: string } {
  const headerLines = parsed.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(req.headers[name])}\n`).join('');
  const canonicalRequest = [
    req.method, canonicalUri(req.rawPath, family), canonicalQuery(req.rawQuery, parsed.style === 'presigned'),
    headerLines, parsed.signedHeaders.join(';'), payloadHash,
  ].join('\n');
  const scope = `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`;
  return { canonicalRequest, stringToSign: [ALGORITHM, parsed.amzDate, scope, sha256Hex(canonicalRequest)].join('\n'), scope };
}

function headersNotSigned(names: string[]): AuthError {
  return { code: 'AccessDenied', message: 'There were headers present in the request which were not signed', status: 403, extra: { HeadersNotSigned: names.join(', ') } };
}

/**
 * The request's x-amz-* headers that are missing from SignedHeaders, in the order they came. Two are bound by the
 * signature even when not listed: x-amz-content-sha256 is the canonical request's last line, and a header-signed
 * request's x-amz-date is the string to sign's second line.
 */
function unsignedAmzHeaders(headers: IncomingSignedRequest['headers'], signedHeaders: readonly string[], style: 'header' | 'presigned'): string[] {
  const unsigned: string[] = [];
  for (const name in headers) {
    if (!name.startsWith('x-amz-') || headers[name] === undefined || signedHeaders.includes(name)) continue;
    if (name === 'x-amz-content-sha256' || (name === 'x-amz-date' && style === 'header')) continue;
    unsigned.push(name);
  }
  return unsigned;
}

/** Constant-time comparison of two hex strings (length checked first). */
export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function dateMismatch(family: ServiceFamily, parsed: ParsedAuth): Failure {
  if (family === 'query') {
    return fail({
      ...TEXT.query.badSignature,
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${parsed.date}' != '${parsed.amzDate.slice(0, 8)}', from '${parsed.amzDate}'.`,
    });
  }
  return parsed.style === 'presigned'
    ? fail({ code: 'AuthorizationQueryParametersError', message: `Invalid credential date "${parsed.date}". This date is not the same as X-Amz-Date: "${parsed.amzDate.slice(0, 8)}".`, status: 400 })
    : fail({ code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.', status: 400 });
}

function badDate(family: ServiceFamily, parsed: ParsedAuth): Failure {
  if (family === 'query') {
    return fail({ code: 'IncompleteSignature', message: `Date must be in ISO-8601 'basic format'. Got '${parsed.amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`, status: 400 });
  }
  return parsed.style === 'presigned'
    ? fail({ code: 'AuthorizationQueryParametersError', message: 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"', status: 400 })
    : fail({ code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header', status: 403 });
}

const expiredText = (amzDate: string, now: Date, windowMs: number, window: string): string =>
  `Signature expired: ${amzDate} is now earlier than ${toAmzDate(new Date(now.getTime() - windowMs))} (${toAmzDate(now)} - ${window})`;
const notYetText = (amzDate: string, now: Date): string =>
  `Signature not yet current: ${amzDate} is still later than ${toAmzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${toAmzDate(now)} + 15 min.)`;

/** S3's answer to a request time more than 15 minutes from the server's, with the times it compared; undefined within. */
export function requestTimeTooSkewed(requestTime: Date, asSent: string, now: Date): AuthError | undefined {
  if (Math.abs(requestTime.getTime() - now.getTime()) <= MAX_SKEW_MS) return undefined;
  return {
    code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.', status: 403,
    extra: { RequestTime: asSent, ServerTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS) },
  };
}

/** Request time: header auth allows ±15 minutes of skew, a presigned URL lives X-Amz-Expires seconds. */
function timeProblem(family: ServiceFamily, parsed: ParsedAuth, requestTime: Date, now: Date): Failure | undefined {
  const ahead = requestTime.getTime() - now.getTime();
  if (parsed.style === 'presigned') {
    if (parsed.expiresSeconds !== undefined && now.getTime() > requestTime.getTime() + parsed.expiresSeconds * 1000) {
      return family === 's3'
        ? fail({ code: 'AccessDenied', message: 'Request has expired', status: 403 })
        : fail({ ...TEXT.query.badSignature, message: expiredText(parsed.amzDate, now, parsed.expiresSeconds * 1000, `${parsed.expiresSeconds} sec.`) });
    }
    if (parsed.expiresSeconds === undefined && -ahead > MAX_SKEW_MS) {
      return fail({ ...TEXT.query.badSignature, message: expiredText(parsed.amzDate, now, MAX_SKEW_MS, '15 min.') });
    }
    if (ahead > MAX_SKEW_MS) {
      return family === 's3'
        ? fail({ code: 'AccessDenied', message: 'Request is not valid yet', status: 403 })
        : fail({ ...TEXT.query.badSignature, message: notYetText(parsed.amzDate, now) });
    }
    return undefined;
  }
  if (Math.abs(ahead) <= MAX_SKEW_MS) return undefined;
  if (family === 's3') return fail(requestTimeTooSkewed(requestTime, parsed.amzDate, now)!);
  return fail({ ...TEXT.query.badSignature, message: ahead < 0 ? expiredText(parsed.amzDate, now, MAX_SKEW_MS, '15 min.') : notYetText(parsed.amzDate, now) });
}

/**
 * Verifies a SigV4-signed request (Authorization header or presigned query). Checks run in this order, each
 * returning the first failure: parse (algorithm, components, credential scope, date) → access key lookup →
 * session token (presence, match) → x-amz-content-sha256 → host signed, scope date = request date → signature →
 * request time (skew, or presigned expiry) → credential expiry. Time comes after the signature as in S3, where a
 * correctly signed but skewed request gets RequestTimeTooSkewed rather than SignatureDoesNotMatch.
 */
export function authenticate<C extends CredentialRecord>(
  req: IncomingSignedRequest, family: ServiceFamily, now: Date, lookup: (accessKeyId: string) => C | undefined,
): AuthResult<C> {
  const text = TEXT[family];
  const auth = header(req.headers, 'authorization');
  let parsed: ParsedAuth | Failure;
  if (auth !== undefined) parsed = parseHeaderAuth(req, family, auth);
  else {
    const params = req.rawQuery.includes('X-Amz-') ? queryParams(req.rawQuery) : undefined;
    if (!params?.has('X-Amz-Algorithm')) {
      return family === 's3' ? { ok: 'anonymous' } : fail({ code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token', status: 403 });
    }
    parsed = parsePresigned(req, family, params);
  }
  if ('ok' in parsed) return parsed;
  const requestTime = parseAmzDate(parsed.amzDate);
  if (!requestTime) return badDate(family, parsed);

  const credential = lookup(parsed.accessKeyId);
  if (!credential) return fail(text.unknownKey);
  if (credential.sessionToken !== undefined) {
    if (parsed.securityToken === undefined) return fail(text.unknownKey);
    if (!sameSignature(credential.sessionToken, parsed.securityToken)) return fail(text.badToken);
  } else if (parsed.securityToken !== undefined && parsed.securityToken !== '') {
    // A long-term key sent with a session token: AWS rejects the token.
    return fail(text.badToken);
  }

  const payloadHash = payloadHashOf(req, family, parsed);
  if (typeof payloadHash !== 'string') return payloadHash;
  if (!parsed.signedHeaders.includes('host')) {
    return family === 's3' ? fail(headersNotSigned(['host'])) : fail(text.badSignature);
  }
  // S3 acts on x-amz-* headers (copy source, ACL, metadata, SSE…): each must be signed, or a holder of a presigned URL
  // could add them. "Authenticating Requests (AWS Signature Version 4)" in the S3 API reference: the x-amz-* headers
  // of the request must be among the signed headers.
  if (family === 's3') {
    const unsigned = unsignedAmzHeaders(req.headers, parsed.signedHeaders, parsed.style);
    if (unsigned.length) return fail(headersNotSigned(unsigned));
  }
  // A header that was signed but is not in the request cannot have been signed with this value.
  if (parsed.signedHeaders.some((name) => req.headers[name] === undefined)) return fail(text.badSignature);
  if (parsed.date !== parsed.amzDate.slice(0, 8)) return dateMismatch(family, parsed);

  const signingKey = deriveSigningKey(credential.secretKey, parsed.date, parsed.region, parsed.service);
  const { stringToSign: toSign, scope } = stringToSign(req, family, parsed, payloadHash);
  const expected = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
  if (!sameSignature(expected, parsed.signature)) return fail(text.badSignature);

  const late = timeProblem(family, parsed, requestTime, now);
  if (late) return late;
  if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) return fail(text.expiredToken);
  return {
    ok: true, credential, accessKeyId: parsed.accessKeyId, region: parsed.region, service: parsed.service, style: parsed.style,
    payloadHash, seedSignature: parsed.signature, signingKey, amzDate: parsed.amzDate, scope,
  };
}
