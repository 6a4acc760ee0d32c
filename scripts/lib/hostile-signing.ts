// Raw request signing for the hostile suite: SigV4 (header and presigned) and SigV2 (header and query) with every knob a
// hostile client has — which headers are signed, the scope's region/service/date, the payload hash, the token's place.
import { createHash, createHmac } from 'node:crypto';
import { canonicalQuery, canonicalUri, deriveSigningKey, toAmzDate } from '../../server/src/auth/sigv4.ts';
import type { Credentials, RawRequest } from './harness.ts';

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

export interface V4Options {
  service: 'sts' | 'iam' | 's3';
  host: string;
  credentials: Credentials;
  /** Request time (x-amz-date / X-Amz-Date). */
  date?: Date;
  /** Credential scope overrides (default: the request's date, us-east-1, `service`). */
  scopeRegion?: string;
  scopeService?: string;
  scopeDate?: string;
  /** The payload hash used in the canonical request (S3: also sent as x-amz-content-sha256 unless `sendContentSha` is false). */
  payloadHash?: string;
  sendContentSha?: boolean;
  /** Header names (lower case) to leave out of SignedHeaders although they are sent. */
  unsigned?: string[];
  /** Values signed in place of what is sent: a name not sent at all is signed but missing from the request. */
  signedValues?: Record<string, string>;
  /** Leave x-amz-date out and sign the Date header instead. */
  useDateHeader?: boolean;
  /** Session token placement (default: a signed x-amz-security-token header). */
  omitToken?: boolean;
  algorithm?: string;
}

const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function v4Signature(o: V4Options, amzDate: string, canonical: string): { scope: string; signature: string } {
  const scopeDate = o.scopeDate ?? amzDate.slice(0, 8);
  const scope = `${scopeDate}/${o.scopeRegion ?? 'us-east-1'}/${o.scopeService ?? o.service}/aws4_request`;
  const key = deriveSigningKey(o.credentials.secretAccessKey, scopeDate, o.scopeRegion ?? 'us-east-1', o.scopeService ?? o.service);
  const signature = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`).digest('hex');
  return { scope, signature };
}

/** Signs `req` with an Authorization header; returns the headers to send. */
export function signV4(req: RawRequest, o: V4Options): Record<string, string> {
  const date = o.date ?? new Date();
  const amzDate = toAmzDate(date);
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(req.headers ?? {})) headers[n.toLowerCase()] = v;
  headers.host = o.host;
  if (o.useDateHeader) headers.date = date.toUTCString();
  else headers['x-amz-date'] = amzDate;
  if (o.credentials.sessionToken !== undefined && !o.omitToken) headers['x-amz-security-token'] = o.credentials.sessionToken;
  const payload = o.payloadHash ?? sha256Hex(req.body ?? Buffer.alloc(0));
  if (o.service === 's3' && o.sendContentSha !== false) headers['x-amz-content-sha256'] = payload;
  const signedValues: Record<string, string> = {};
  for (const [n, v] of Object.entries(headers)) if (!(o.unsigned ?? []).includes(n)) signedValues[n] = v;
  for (const [n, v] of Object.entries(o.signedValues ?? {})) signedValues[n] = v;
  const names = Object.keys(signedValues).sort();
  const canonicalHeaders = names.map((n) => `${n}:${signedValues[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, canonicalUri(req.path, o.service === 's3' ? 's3' : 'query'), canonicalQuery(req.query ?? '', false), canonicalHeaders, names.join(';'), payload].join('\n');
  const { scope, signature } = v4Signature(o, amzDate, canonical);
  headers.authorization = `${o.algorithm ?? 'AWS4-HMAC-SHA256'} Credential=${o.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

export interface PresignOptions extends Omit<V4Options, 'unsigned' | 'signedValues' | 'useDateHeader' | 'sendContentSha'> {
  expires?: string;
  /** Headers signed into the URL (X-Amz-SignedHeaders besides host), with the values signed. */
  signedHeaders?: Record<string, string>;
  /** Token placement: 'query' (default, signed), 'none'. */
  token?: 'query' | 'none';
}

/** A presigned URL's query string for `req` (S3: UNSIGNED-PAYLOAD unless `payloadHash`). */
export function presignV4(req: RawRequest, o: PresignOptions): string {
  const amzDate = toAmzDate(o.date ?? new Date());
  const scopeDate = o.scopeDate ?? amzDate.slice(0, 8);
  const scope = `${scopeDate}/${o.scopeRegion ?? 'us-east-1'}/${o.scopeService ?? o.service}/aws4_request`;
  const extra: Record<string, string> = {};
  for (const [n, v] of Object.entries(o.signedHeaders ?? {})) extra[n.toLowerCase()] = v;
  const names = ['host', ...Object.keys(extra)].sort();
  const params: [string, string][] = [
    ['X-Amz-Algorithm', o.algorithm ?? 'AWS4-HMAC-SHA256'], ['X-Amz-Credential', `${o.credentials.accessKeyId}/${scope}`], ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', o.expires ?? '300'], ['X-Amz-SignedHeaders', names.join(';')],
  ];
  if (o.credentials.sessionToken !== undefined && (o.token ?? 'query') === 'query') params.push(['X-Amz-Security-Token', o.credentials.sessionToken]);
  const query = [req.query ?? '', ...params.map(([k, v]) => `${enc(k)}=${enc(v)}`)].filter((p) => p !== '').join('&');
  const values: Record<string, string> = { host: o.host, ...extra };
  const canonicalHeaders = names.map((n) => `${n}:${values[n]!.trim()}\n`).join('');
  const payload = o.payloadHash ?? (o.service === 's3' ? 'UNSIGNED-PAYLOAD' : sha256Hex(req.body ?? Buffer.alloc(0)));
  const canonical = [req.method, canonicalUri(req.path, o.service === 's3' ? 's3' : 'query'), canonicalQuery(query, false), canonicalHeaders, names.join(';'), payload].join('\n');
  const { signature } = v4Signature(o, amzDate, canonical);
  return `${query}&X-Amz-Signature=${signature}`;
}

export interface V2Options {
  credentials: Credentials;
  /** The Date header (header auth). */
  date?: Date;
  /** Send x-amz-date instead of Date (the Date line of the string to sign is then empty). */
  amzDate?: boolean;
  /** x-amz-* headers added after signing (not in the string to sign). */
  addedAfter?: Record<string, string>;
}

/** S3 SigV2 header authentication (`Authorization: AWS key:signature`), path-style; returns the headers to send. */
export function signV2(req: RawRequest, o: V2Options): Record<string, string> {
  const date = (o.date ?? new Date()).toUTCString();
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(req.headers ?? {})) headers[n.toLowerCase()] = v;
  if (o.amzDate) headers['x-amz-date'] = date;
  else headers.date = date;
  if (o.credentials.sessionToken !== undefined) headers['x-amz-security-token'] = o.credentials.sessionToken;
  const amz = Object.keys(headers).filter((n) => n.startsWith('x-amz-')).sort().map((n) => `${n}:${headers[n]!.trim()}\n`).join('');
  const toSign = [req.method, headers['content-md5'] ?? '', headers['content-type'] ?? '', o.amzDate ? '' : date, `${amz}${req.path}`].join('\n');
  headers.authorization = `AWS ${o.credentials.accessKeyId}:${createHmac('sha1', o.credentials.secretAccessKey).update(toSign).digest('base64')}`;
  return { ...headers, ...o.addedAfter };
}

/** An S3 SigV2 presigned URL's query string (`AWSAccessKeyId`, `Expires`, `Signature`, token if any). */
export function presignV2(req: RawRequest, o: { credentials: Credentials; expires: number; omitToken?: boolean }): string {
  const token = o.credentials.sessionToken !== undefined && !o.omitToken ? `x-amz-security-token:${o.credentials.sessionToken}\n` : '';
  const toSign = [req.method, '', '', String(o.expires), `${token}${req.path}`].join('\n');
  const signature = createHmac('sha1', o.credentials.secretAccessKey).update(toSign).digest('base64');
  const parts = [`AWSAccessKeyId=${enc(o.credentials.accessKeyId)}`, `Expires=${o.expires}`, `Signature=${enc(signature)}`];
  if (token) parts.push(`x-amz-security-token=${enc(o.credentials.sessionToken!)}`);
  return parts.join('&');
}
