import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseAmzDate, requestTimeTooSkewed, type AuthResult, type CredentialRecord, type IncomingSignedRequest } from './sigv4.ts';
import { wireHeaderText } from './wire-text.ts';

/**
 * S3's legacy signature version 2, still what boto3 and AWS CLI v1 use by default for presigned URLs
 * (`?AWSAccessKeyId=…&Signature=…&Expires=…`), and the `Authorization: AWS key:signature` header form.
 */

// Sub-resources that are part of the string to sign, per the S3 SigV2 rules.
const SIGNED_SUBRESOURCES = new Set([
  'acl', 'cors', 'delete', 'lifecycle', 'location', 'logging', 'notification', 'partNumber', 'policy', 'requestPayment', 'restore',
  'tagging', 'torrent', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'website', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires',
]);

export function isSigV2(req: IncomingSignedRequest): boolean {
  const auth = header(req, 'authorization');
  if (auth.startsWith('AWS ')) return true;
  return /(^|&)AWSAccessKeyId=/.test(req.rawQuery) && /(^|&)Signature=/.test(req.rawQuery);
}

function header(req: IncomingSignedRequest, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

function parseHttpOrAmzDate(text: string): Date | undefined {
  const amz = parseAmzDate(text);
  if (amz) return amz;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * The CanonicalizedResources a request may have been signed with: a path-style request to a bucket itself (`PUT /bucket`)
 * is signed by botocore (and others) as `/bucket/`, by others as `/bucket`; both name the same resource.
 */
function canonicalResources(req: IncomingSignedRequest, virtualBucket: string | undefined): string[] {
  const path = (virtualBucket ? `/${virtualBucket}` : '') + (req.rawPath || '/');
  return !virtualBucket && /^\/[^/]+$/.test(path) ? [path, `${path}/`] : [path];
}

function stringToSign(req: IncomingSignedRequest, params: URLSearchParams, dateOrExpires: string, path: string, presigned: boolean): string {
  // Presigned URLs carry signed x-amz-* values (such as the session token) as query parameters instead of headers.
  const amzValues = new Map<string, string>();
  for (const name of Object.keys(req.headers)) if (name.startsWith('x-amz-')) amzValues.set(name, wireHeaderText(header(req, name)).trim());
  if (presigned) for (const [name, value] of params) if (name.toLowerCase().startsWith('x-amz-')) amzValues.set(name.toLowerCase(), value.trim());
  const amz = [...amzValues.keys()].sort().map((name) => `${name}:${amzValues.get(name)}\n`).join('');
  const contentMd5 = presigned ? (params.get('content-md5') ?? header(req, 'content-md5')) : header(req, 'content-md5');
  const contentType = presigned ? (params.get('content-type') ?? header(req, 'content-type')) : header(req, 'content-type');
  const sub = [...params.entries()]
    .filter(([name]) => SIGNED_SUBRESOURCES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' && !/[?&]/.test(name) && !req.rawQuery.includes(`${name}=`) ? name : `${name}=${value}`));
  const resource = path + (sub.length ? `?${sub.join('&')}` : '');
  return [req.method, contentMd5, contentType, dateOrExpires, amz + resource].join('\n');
}

export function authenticateSigV2<C extends CredentialRecord>(
  req: IncomingSignedRequest, now: Date, lookup: (accessKeyId: string) => C | undefined, virtualBucket: string | undefined,
): AuthResult<C> {
  const params = new URLSearchParams(req.rawQuery);
  const auth = header(req, 'authorization');
  let accessKeyId: string;
  let signature: string;
  let dateOrExpires: string;
  let token: string | undefined;
  if (auth.startsWith('AWS ')) {
    const colon = auth.lastIndexOf(':');
    if (colon < 4 || colon === auth.length - 1 || auth.indexOf(':') !== colon) {
      return { ok: false, error: {
        code: 'InvalidArgument', message: 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', status: 400,
        extra: { ArgumentName: 'Authorization', ArgumentValue: auth },
      } };
    }
    accessKeyId = auth.slice(4, colon);
    signature = auth.slice(colon + 1);
    // With x-amz-date present, the Date line of the string to sign is empty.
    dateOrExpires = req.headers['x-amz-date'] !== undefined ? '' : header(req, 'date');
    token = header(req, 'x-amz-security-token') || undefined;
    // The request time is checked before the signature: a stale or unreadable time is refused as such
    // (RequestTimeTooSkewed, AccessDenied) whatever the signature ("Signing and authenticating REST requests",
    // S3 API reference: "Time stamp requirement"; x-amz-date, when present, is the request's time).
    const stamp = req.headers['x-amz-date'] !== undefined ? header(req, 'x-amz-date') : header(req, 'date');
    const requestTime = stamp ? parseHttpOrAmzDate(stamp) : undefined;
    if (!requestTime) return { ok: false, error: { code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header', status: 403 } };
    const skewed = requestTimeTooSkewed(requestTime, stamp, now);
    if (skewed) return { ok: false, error: skewed };
  } else {
    accessKeyId = params.get('AWSAccessKeyId') ?? '';
    signature = params.get('Signature') ?? '';
    dateOrExpires = params.get('Expires') ?? '';
    token = params.get('x-amz-security-token') ?? (header(req, 'x-amz-security-token') || undefined);
    if (!/^\d+$/.test(dateOrExpires)) {
      return { ok: false, error: { code: 'AccessDenied', message: 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters', status: 403 } };
    }
  }
  const credential = lookup(accessKeyId);
  if (!credential) return { ok: false, error: { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', status: 403 } };
  if (credential.sessionToken !== undefined && token !== credential.sessionToken) {
    return token === undefined
      ? { ok: false, error: { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.', status: 403 } }
      : { ok: false, error: { code: 'InvalidToken', message: 'The provided token is malformed or otherwise invalid.', status: 400 } };
  }
  const given = Buffer.from(signature);
  const matches = canonicalResources(req, virtualBucket).some((path) => {
    const expected = Buffer.from(createHmac('sha1', credential.secretKey).update(stringToSign(req, params, dateOrExpires, path, !auth.startsWith('AWS ')), 'utf8').digest('base64'));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!matches) {
    return { ok: false, error: { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', status: 403 } };
  }
  if (!auth.startsWith('AWS ') && Number(dateOrExpires) * 1000 < now.getTime()) {
    return { ok: false, error: { code: 'AccessDenied', message: 'Request has expired', status: 403 } };
  }
  if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) {
    return { ok: false, error: { code: 'ExpiredToken', message: 'The provided token has expired.', status: 400 } };
  }
  return {
    ok: true, credential, accessKeyId, region: 'us-east-1', service: 's3', style: auth.startsWith('AWS ') ? 'header' : 'presigned',
    payloadHash: 'UNSIGNED-PAYLOAD', seedSignature: signature, signingKey: Buffer.alloc(0), amzDate: '', scope: '',
  };
}
