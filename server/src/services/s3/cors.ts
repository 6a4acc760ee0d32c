import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { BucketRow } from '../../store/s3-store.ts';
import type { S3Store } from '../../store/s3-store.ts';
import { authorize, bucketArn, MAX_XML_BODY, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';

/**
 * Bucket CORS (Put/Get/DeleteBucketCors) and its evaluation: OPTIONS preflights and the Access-Control-* headers of
 * actual requests. "Using cross-origin resource sharing (CORS)", https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html,
 * and PutBucketCors in the API reference: the first rule whose AllowedOrigin matches the Origin, whose AllowedMethod
 * is the (requested) method and whose AllowedHeader entries cover every Access-Control-Request-Headers entry applies.
 */
export interface CorsRule {
  ID?: string;
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
/** "You can add up to 100 rules to the configuration" (User Guide, CORS configuration). */
export const MAX_CORS_RULES = 100;

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequest', message, 400);

const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
function strings(v: unknown): string[] {
  return list(v).map((s) => {
    if (typeof s !== 'string') throw malformed();
    return s;
  });
}
const RULE_FIELDS = new Set(['ID', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds']);

/** Checks a rule list as PutBucketCors does; shared with fixtures, whose rules are in GetBucketCors's shape. */
export function validateCorsRules(rules: CorsRule[]): void {
  if (rules.length === 0 || rules.length > MAX_CORS_RULES) throw malformed();
  for (const rule of rules) {
    if (rule.AllowedOrigins.length === 0 || rule.AllowedMethods.length === 0) throw malformed();
    if (rule.ID !== undefined && rule.ID.length > 255) throw malformed();
    for (const method of rule.AllowedMethods) {
      if (!CORS_METHODS.includes(method)) throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${method}`);
    }
    for (const origin of rule.AllowedOrigins) {
      if (origin.split('*').length > 2) throw invalidRequest(`AllowedOrigin "${origin}" can not have more than one wildcard.`);
    }
    for (const header of rule.AllowedHeaders ?? []) {
      if (header.split('*').length > 2) throw invalidRequest(`AllowedHeader "${header}" can not have more than one wildcard.`);
    }
  }
}

/** A CORSConfiguration body: CORSRule elements with at least one AllowedOrigin and one AllowedMethod each. */
export function parseCorsConfiguration(body: Buffer): CorsRule[] {
  const doc = parseXmlBody(body, 'CORSConfiguration');
  if (Object.keys(doc).some((k) => k !== 'CORSRule')) throw malformed();
  const rules = list(doc.CORSRule).map((raw): CorsRule => {
    const r = record(raw);
    if (!r || Object.keys(r).some((k) => !RULE_FIELDS.has(k))) throw malformed();
    if (r.ID !== undefined && typeof r.ID !== 'string') throw malformed();
    let maxAge: number | undefined;
    if (r.MaxAgeSeconds !== undefined) {
      if (typeof r.MaxAgeSeconds !== 'string' || !/^-?\d{1,10}$/.test(r.MaxAgeSeconds)) throw malformed();
      maxAge = Number(r.MaxAgeSeconds);
      if (maxAge > 2 ** 31 - 1 || maxAge < -(2 ** 31)) throw malformed();
    }
    const headers = strings(r.AllowedHeader);
    const expose = strings(r.ExposeHeader);
    return {
      ...(r.ID !== undefined ? { ID: r.ID as string } : {}),
      AllowedOrigins: strings(r.AllowedOrigin), AllowedMethods: strings(r.AllowedMethod),
      ...(headers.length ? { AllowedHeaders: headers } : {}), ...(expose.length ? { ExposeHeaders: expose } : {}),
      ...(maxAge !== undefined ? { MaxAgeSeconds: maxAge } : {}),
    };
  });
  validateCorsRules(rules);
  return rules;
}

/**
 * PutBucketCors is one of the operations whose body must come with an integrity check (the model's
 * requestChecksumRequired): Content-MD5 or, since the flexible checksums, an x-amz-checksum-* header or trailer.
 * The body stream verifies whichever is given.
 */
export function requireIntegrityHeader(headers: IncomingHttpHeaders): void {
  if (headers['content-md5'] !== undefined) return;
  if (Object.keys(headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-type')) return;
  const trailer = headers['x-amz-trailer'];
  if (typeof trailer === 'string' && trailer.toLowerCase().includes('x-amz-checksum-')) return;
  throw invalidRequest('Missing required header for this request: Content-MD5');
}

export function bucketCors(bucket: BucketRow): CorsRule[] | undefined {
  return bucket.cors ? (JSON.parse(bucket.cors) as CorsRule[]) : undefined;
}

export async function putBucketCors(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketCORS', bucketArn(bucket.bucket_name));
  requireIntegrityHeader(call.headers);
  const rules = parseCorsConfiguration(await call.readBody(MAX_XML_BODY));
  call.ctx.s3.setBucketCors(bucket.bucket_name, JSON.stringify(rules));
  return {};
}

export const getBucketCors: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketCORS', bucketArn(bucket.bucket_name));
  const rules = bucketCors(bucket);
  if (!rules) throw new AwsError('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404, { BucketName: bucket.bucket_name });
  return {
    body: restXmlDocument('CORSConfiguration', {
      CORSRule: rules.map((r) => ({
        ID: r.ID, AllowedHeader: r.AllowedHeaders, AllowedMethod: r.AllowedMethods, AllowedOrigin: r.AllowedOrigins,
        ExposeHeader: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds,
      })),
    }),
  };
};

/** DeleteBucketCors is authorized as s3:PutBucketCORS (Service Authorization Reference); 204 with or without a configuration. */
export const deleteBucketCors: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketCORS', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketCors(bucket.bucket_name, null);
  return { status: 204 };
};

/** An AllowedOrigin or AllowedHeader pattern: at most one `*`, standing for one or more characters. */
function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return value.length > head.length + tail.length && value.startsWith(head) && value.endsWith(tail);
}

function requestedHeaders(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
}

function matchRule(rules: CorsRule[], origin: string, method: string, headers: string[]): CorsRule | undefined {
  return rules.find((rule) => rule.AllowedOrigins.some((o) => wildcardMatch(o, origin))
    && rule.AllowedMethods.includes(method)
    // AllowedHeader compares without regard to case (AWS answers x-AMZ-server-SIDE-encryption for x-amz-server-side-encryption).
    && headers.every((h) => (rule.AllowedHeaders ?? []).some((a) => wildcardMatch(a.toLowerCase(), h))));
}

/** The response headers a matching rule gives; the origin is echoed (with credentials allowed) unless the rule allows any origin. */
function ruleHeaders(rule: CorsRule, origin: string, headers: string[]): Record<string, string> {
  const any = rule.AllowedOrigins.includes('*');
  const out: Record<string, string> = { 'Access-Control-Allow-Origin': any ? '*' : origin };
  if (headers.length) out['Access-Control-Allow-Headers'] = headers.join(', ');
  out['Access-Control-Allow-Methods'] = rule.AllowedMethods.join(', ');
  if (rule.ExposeHeaders?.length) out['Access-Control-Expose-Headers'] = rule.ExposeHeaders.join(', ');
  if (rule.MaxAgeSeconds !== undefined) out['Access-Control-Max-Age'] = String(rule.MaxAgeSeconds);
  if (!any) out['Access-Control-Allow-Credentials'] = 'true';
  out.Vary = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
  return out;
}

const forbidden = (message: string, method: string, key: string | undefined): AwsError =>
  new AwsError('AccessForbidden', `CORSResponse: ${message}`, 403, { Method: method, ResourceType: key === undefined ? 'BUCKET' : 'OBJECT' });

/**
 * An OPTIONS preflight: unauthenticated (browsers send no credentials with it), so answered from the bucket's rules
 * alone, never through IAM. Texts and codes as S3 answers them (AccessForbidden with Method and ResourceType).
 */
export function preflight(s3: S3Store, bucketName: string | undefined, key: string | undefined, headers: IncomingHttpHeaders): S3Result {
  const origin = headers.origin;
  if (origin === undefined) throw new AwsError('BadRequest', 'Insufficient information. Origin request header needed.', 400);
  const requested = headers['access-control-request-method'];
  const method = typeof requested === 'string' && requested !== '' ? requested : 'OPTIONS';
  const bucket = bucketName === undefined ? undefined : s3.bucket(bucketName);
  if (!bucket) throw forbidden('Bucket not found', method, key);
  const rules = bucketCors(bucket);
  if (!rules) throw forbidden('CORS is not enabled for this bucket.', method, key);
  const asked = requestedHeaders(headers['access-control-request-headers']);
  const rule = method === 'OPTIONS' ? undefined : matchRule(rules, origin, method, asked);
  if (!rule) {
    throw forbidden("This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", method, key);
  }
  return { headers: { ...ruleHeaders(rule, origin, asked), 'Content-Length': '0' } };
}

/** The Access-Control-* headers of an actual request that carries an Origin: those of the first rule matching origin and method. */
export function actualRequestCorsHeaders(s3: S3Store, bucketName: string | undefined, method: string, origin: string): Record<string, string> | undefined {
  const bucket = bucketName === undefined ? undefined : s3.bucket(bucketName);
  const rules = bucket ? bucketCors(bucket) : undefined;
  const rule = rules && matchRule(rules, origin, method, []);
  return rule ? ruleHeaders(rule, origin, []) : undefined;
}
