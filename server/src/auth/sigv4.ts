import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** 's3' = S3's REST API; 'query' = STS/IAM query protocol. They differ in path encoding and error texts. */
export type ServiceFamily = 's3' | 'query';

export interface IncomingSignedRequest {
  method: string;
  /** Request-target path as received, still percent-encoded, without the query. */
  rawPath: string;
  /** Raw query string without '?', '' if none. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  /** Hex SHA-256 of the body, when the caller buffered it (query protocol). */
  bodySha256?: string;
}

export interface AuthError { code: string; message: string; status: number }
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
  seedSignature: string;
  signingKey: Buffer;
  amzDate: string;
  scope: string;
}

export type AuthResult<C extends CredentialRecord> = AuthSuccess<C> | { ok: false; error: AuthError } | { ok: 'anonymous' };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MAX_SKEW_MS = 15 * 60 * 1000;
const PRESIGN_MAX_SECONDS = 604800;

const TEXT = {
  query: {
    unknownKey: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 },
    badSignature: {
      code: 'SignatureDoesNotMatch', status: 403,
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    },
    expiredToken: { code: 'ExpiredToken', message: 'The security token included in the request is expired', status: 400 },
  },
  s3: {
    unknownKey: { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', status: 403 },
    badSignature: {
      code: 'SignatureDoesNotMatch', status: 403,
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    },
    expiredToken: { code: 'ExpiredToken', message: 'The provided token has expired.', status: 400 },
  },
} as const;

const fail = (error: AuthError): { ok: false; error: AuthError } => ({ ok: false, error });

function header(headers: IncomingSignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** RFC 3986 encoding as SigV4 specifies: unreserved characters kept, everything else %XX upper-case. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: sign it as the literal text the client sent.
    return value;
  }
}

/**
 * Canonical URI. Every client encodes each path segment once; S3 signs that single encoding and does not normalise
 * dot segments, other services sign the already-encoded path encoded a second time.
 */
function canonicalUri(rawPath: string, family: ServiceFamily): string {
  const path = rawPath === '' ? '/' : rawPath;
  const once = path.split('/').map((segment) => uriEncode(safeDecode(segment))).join('/');
  if (family === 's3') return once;
  return once.split('/').map((segment) => uriEncode(segment)).join('/');
}

function queryPairs(rawQuery: string): [string, string][] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    // A literal '+' in a query is a plus sign to SigV4 (clients send spaces as %20).
    return [safeDecode(name), safeDecode(value)];
  });
}

function canonicalQuery(pairs: [string, string][], skipSignature: boolean): string {
  return pairs
    .filter(([name]) => !(skipSignature && name === 'X-Amz-Signature'))
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const values = Array.isArray(value) ? value : [value ?? ''];
  return values.map((v) => v.trim().replace(/ +/g, ' ')).join(',');
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

const signingKeys = new Map<string, Buffer>();
const SIGNING_KEY_CACHE = 256;

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    if (signingKeys.size >= SIGNING_KEY_CACHE) signingKeys.delete(signingKeys.keys().next().value as string);
    signingKeys.set(cacheKey, key);
  }
  return key;
}

interface ParsedAuth {
  style: 'header' | 'presigned';
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  securityToken?: string;
}

function parseCredential(text: string): { accessKeyId: string; date: string; region: string; service: string } | undefined {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service) return undefined;
  return { accessKeyId, date, region, service };
}

function authorizationFields(value: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return fields;
}

export function credentialScopeOf(headers: IncomingSignedRequest['headers'], rawQuery: string):
  { accessKeyId: string; date: string; region: string; service: string } | undefined {
  const auth = header(headers, 'authorization');
  if (auth?.startsWith(ALGORITHM)) return parseCredential(authorizationFields(auth).get('Credential') ?? '');
  if (rawQuery.includes('X-Amz-Credential=')) {
    const credential = queryPairs(rawQuery).find(([name]) => name === 'X-Amz-Credential')?.[1];
    return credential ? parseCredential(credential) : undefined;
  }
  return undefined;
}

function malformed(family: ServiceFamily, message: string): { ok: false; error: AuthError } {
  return family === 's3'
    ? fail({ code: 'AuthorizationHeaderMalformed', message, status: 400 })
    : fail({ code: 'IncompleteSignature', message, status: 400 });
}

function parseAuth(req: IncomingSignedRequest, family: ServiceFamily, pairs: [string, string][]): ParsedAuth | { ok: false; error: AuthError } | null {
  const auth = header(req.headers, 'authorization');
  const params = new Map(pairs);
  if (auth !== undefined) {
    if (!auth.startsWith(`${ALGORITHM} `)) {
      if (family === 's3') {
        return fail({ code: 'InvalidArgument', message: 'Unsupported Authorization Type', status: 400 });
      }
      return fail({ code: 'IncompleteSignature', message: `Unsupported AWS 'algorithm': '${auth.split(' ')[0]}'`, status: 400 });
    }
    const fields = authorizationFields(auth);
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields.get(f));
    if (missing.length) {
      return malformed(family, missing.map((f) => `Authorization header requires '${f}' parameter.`).join(' ') + ` Authorization=${auth}`);
    }
    const credential = parseCredential(fields.get('Credential') ?? '');
    if (!credential) {
      return malformed(family, family === 's3'
        ? 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        : `Credential should be scoped to a valid region. `);
    }
    const amzDate = header(req.headers, 'x-amz-date') ?? dateHeaderAsAmz(header(req.headers, 'date'));
    if (!amzDate) {
      return family === 's3'
        ? fail({ code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header', status: 403 })
        : fail({ code: 'IncompleteSignature', message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", status: 400 });
    }
    return {
      style: 'header', ...credential, signedHeaders: (fields.get('SignedHeaders') ?? '').split(';'), signature: fields.get('Signature') ?? '',
      amzDate, securityToken: header(req.headers, 'x-amz-security-token'),
    };
  }
  if (!params.has('X-Amz-Algorithm')) return null;
  if (params.get('X-Amz-Algorithm') !== ALGORITHM) {
    return family === 's3'
      ? fail({ code: 'AuthorizationQueryParametersError', message: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', status: 400 })
      : fail({ code: 'IncompleteSignature', message: `Unsupported AWS 'algorithm': '${params.get('X-Amz-Algorithm')}'`, status: 400 });
  }
  const required = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature', ...(family === 's3' ? ['X-Amz-Expires'] : [])];
  const missing = required.filter((name) => !params.get(name));
  if (missing.length) {
    return family === 's3'
      ? fail({ code: 'AuthorizationQueryParametersError', message: `Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.`, status: 400 })
      : fail({ code: 'IncompleteSignature', message: missing.map((name) => `AWS query-string parameters must include '${name}'.`).join(' '), status: 400 });
  }
  const credential = parseCredential(params.get('X-Amz-Credential') ?? '');
  if (!credential) return malformed(family, 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  let expiresSeconds: number | undefined;
  const expires = params.get('X-Amz-Expires');
  if (expires !== undefined) {
    expiresSeconds = Number(expires);
    if (!/^\d+$/.test(expires)) {
      return fail({ code: 'AuthorizationQueryParametersError', message: 'X-Amz-Expires should be a number', status: 400 });
    }
    if (expiresSeconds > PRESIGN_MAX_SECONDS) {
      return fail({ code: 'AuthorizationQueryParametersError', message: 'X-Amz-Expires must be less than a week (in seconds) that is 604800', status: 400 });
    }
  }
  return {
    style: 'presigned', ...credential, signedHeaders: (params.get('X-Amz-SignedHeaders') ?? '').split(';'), signature: params.get('X-Amz-Signature') ?? '',
    amzDate: params.get('X-Amz-Date') ?? '', expiresSeconds, securityToken: params.get('X-Amz-Security-Token') ?? header(req.headers, 'x-amz-security-token'),
  };
}

function dateHeaderAsAmz(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const parsed = new Date(date);
  return Number.isNaN(parsed.getTime()) ? undefined : toAmzDate(parsed);
}

function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function payloadHashOf(req: IncomingSignedRequest, family: ServiceFamily, parsed: ParsedAuth): string | { ok: false; error: AuthError } {
  if (family === 'query') return req.bodySha256 ?? EMPTY_SHA256;
  const declared = header(req.headers, 'x-amz-content-sha256');
  if (parsed.style === 'presigned') return declared ?? 'UNSIGNED-PAYLOAD';
  if (declared === undefined) {
    return fail({ code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256', status: 400 });
  }
  if (!/^[0-9a-f]{64}$/.test(declared) && !/^(UNSIGNED-PAYLOAD|STREAMING-[A-Z0-9-]+)$/.test(declared)) {
    return fail({ code: 'InvalidArgument', message: 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.', status: 400 });
  }
  return declared;
}

/** The canonical request and string to sign, exposed for tests and for SignatureDoesNotMatch diagnostics. */
export function stringToSign(req: IncomingSignedRequest, family: ServiceFamily, parsed: { signedHeaders: string[]; amzDate: string; date: string; region: string; service: string; style: 'header' | 'presigned' }, payloadHash: string): { canonicalRequest: string; stringToSign: string; scope: string } {
  const headerLines = parsed.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(req.headers[name])}\n`).join('');
  const canonicalRequest = [
    req.method, canonicalUri(req.rawPath, family), canonicalQuery(queryPairs(req.rawQuery), parsed.style === 'presigned'),
    headerLines, parsed.signedHeaders.join(';'), payloadHash,
  ].join('\n');
  const scope = `${parsed.date}/${parsed.region}/${parsed.service}/aws4_request`;
  return { canonicalRequest, stringToSign: [ALGORITHM, parsed.amzDate, scope, sha256Hex(canonicalRequest)].join('\n'), scope };
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Verifies a SigV4-signed request (Authorization header or presigned query) the way AWS does, in AWS's order:
 * parse, key lookup, session token, signature, then request time (skew or presigned expiry) and token expiry.
 */
export function authenticate<C extends CredentialRecord>(
  req: IncomingSignedRequest, family: ServiceFamily, now: Date, lookup: (accessKeyId: string) => C | undefined,
): AuthResult<C> {
  const text = TEXT[family];
  const pairs = queryPairs(req.rawQuery);
  const parsed = parseAuth(req, family, pairs);
  if (parsed === null) {
    return family === 's3' ? { ok: 'anonymous' } : fail({ code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token', status: 403 });
  }
  if ('ok' in parsed) return parsed;
  const credential = lookup(parsed.accessKeyId);
  if (!credential) return fail(text.unknownKey);
  if (credential.sessionToken !== undefined) {
    if (parsed.securityToken === undefined) return fail(text.unknownKey);
    if (!sameSignature(credential.sessionToken, parsed.securityToken)) {
      return family === 's3' ? fail({ code: 'InvalidToken', message: 'The provided token is malformed or otherwise invalid.', status: 400 }) : fail(text.unknownKey);
    }
  }
  const payloadHash = payloadHashOf(req, family, parsed);
  if (typeof payloadHash !== 'string') return payloadHash;
  if (!parsed.signedHeaders.includes('host')) {
    return family === 's3'
      ? fail({ code: 'AccessDenied', message: 'There were headers present in the request which were not signed', status: 403 })
      : fail(text.badSignature);
  }
  const requestTime = parseAmzDate(parsed.amzDate);
  if (!requestTime || parsed.date !== parsed.amzDate.slice(0, 8)) {
    return family === 's3'
      ? fail({ code: 'AuthorizationHeaderMalformed', message: `The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.`, status: 400 })
      : fail(text.badSignature);
  }
  const signingKey = deriveSigningKey(credential.secretKey, parsed.date, parsed.region, parsed.service);
  const { stringToSign: toSign, scope } = stringToSign(req, family, parsed, payloadHash);
  const expected = createHmac('sha256', signingKey).update(toSign, 'utf8').digest('hex');
  if (!sameSignature(expected, parsed.signature)) return fail(text.badSignature);

  const skew = requestTime.getTime() - now.getTime();
  if (parsed.style === 'presigned') {
    if (parsed.expiresSeconds !== undefined && now.getTime() > requestTime.getTime() + parsed.expiresSeconds * 1000) {
      return family === 's3'
        ? fail({ code: 'AccessDenied', message: 'Request has expired', status: 403 })
        : fail({ ...text.badSignature, message: `Signature expired: ${parsed.amzDate} is now earlier than ${toAmzDate(new Date(now.getTime() - parsed.expiresSeconds * 1000))} (${toAmzDate(now)} - ${parsed.expiresSeconds} sec.)` });
    }
    if (skew > MAX_SKEW_MS) {
      return family === 's3'
        ? fail({ code: 'AccessDenied', message: 'Request is not valid yet', status: 403 })
        : fail({ ...text.badSignature, message: `Signature not yet current: ${parsed.amzDate} is still later than ${toAmzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${toAmzDate(now)} + 15 min.)` });
    }
  } else if (Math.abs(skew) > MAX_SKEW_MS) {
    if (family === 's3') return fail({ code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.', status: 403 });
    const message = skew < 0
      ? `Signature expired: ${parsed.amzDate} is now earlier than ${toAmzDate(new Date(now.getTime() - MAX_SKEW_MS))} (${toAmzDate(now)} - 15 min.)`
      : `Signature not yet current: ${parsed.amzDate} is still later than ${toAmzDate(new Date(now.getTime() + MAX_SKEW_MS))} (${toAmzDate(now)} + 15 min.)`;
    return fail({ ...text.badSignature, message });
  }
  if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) return fail(text.expiredToken);
  return {
    ok: true, credential, accessKeyId: parsed.accessKeyId, region: parsed.region, service: parsed.service, style: parsed.style,
    payloadHash, seedSignature: parsed.signature, signingKey, amzDate: parsed.amzDate, scope,
  };
}
