import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { lookupCredentials } from '../../auth/caller.ts';
import { checksumAlgorithmFromHeader } from '../../auth/checksums.ts';
import { createS3BodyVerifier } from '../../auth/chunked.ts';
import { missingPostField, postSignatureVersion, verifyPostSignature } from '../../auth/post-policy.ts';
import { AwsError } from '../../errors.ts';
import { formBoundary, readFormHead, type FormHead } from '../../protocol/form-data.ts';
import { XML_DECLARATION, xmlEscape } from '../../protocol/xml.ts';
import { recordCredentialUse } from '../../store/last-used.ts';
import { authorize, invalidArgument, MAX_KEY_BYTES, MAX_OBJECT_BYTES, objectArn, requireBucket, type S3Call, type S3Result } from './common.ts';
import { parseTagSet, putObject } from './objects.ts';

/**
 * POST Object: a browser form upload (S3 API reference, "POST Object", "Browser-Based Uploads Using POST (AWS
 * Signature Version 4)", "Creating a POST Policy"). The form's fields are read up to its `file` part; the policy's
 * signature, expiration and conditions are checked, and every field must be named by a condition; then the file is
 * stored as PutObject stores a body, authorized as PutObject for the policy's signer (or anonymously for a form
 * without a policy), streamed, never buffered whole.
 */

/** "The maximum allowed size of the fields preceding the file is 20 KB" (MaxPostPreDataLengthExceededError). */
export const MAX_POST_PRE_DATA = 20 * 1024;

/** Fields no condition needs to name: "except x-amz-signature, file, policy, and field names that have an x-ignore- prefix". */
const EXEMPT_FIELDS = new Set(['policy', 'x-amz-signature', 'signature', 'awsaccesskeyid', 'file']);
/** The fields whose conditions may use starts-with ("Condition Matching" in "Creating a POST Policy"). */
const STARTS_WITH_FIELDS = new Set(['acl', 'cache-control', 'content-type', 'content-disposition', 'content-encoding', 'expires', 'key', 'success_action_redirect', 'redirect']);
/** Form fields that become the REST headers of PutObject. */
const REST_HEADER_FIELDS = new Set(['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires']);
/** x-amz-* form fields that act as PutObject's headers of the same name. */
const AMZ_HEADER_FIELD = /^x-amz-(meta-.+|server-side-encryption(-.+)?|storage-class|website-redirect-location|grant-(read|read-acp|write-acp|full-control)|object-lock-(mode|retain-until-date|legal-hold))$/;

const notAllowedByPolicy = (detail: string): AwsError => new AwsError('AccessDenied', `Invalid according to Policy: ${detail}`, 403);
const invalidPolicy = (detail: string): AwsError => new AwsError('InvalidPolicyDocument', `Invalid Policy: ${detail}`, 400);

/** The form's fields by lower-cased name: S3 matches field names without regard to case. */
function fieldMap(head: FormHead): Map<string, string> {
  const fields = new Map<string, string>();
  for (const { name, value } of head.fields) {
    const lower = name.toLowerCase();
    // Two values for one field would leave it open which one the policy was checked against: refused.
    if (fields.has(lower)) throw invalidArgument(`Bucket POST contains the field '${name}' more than once.`, name, value);
    fields.set(lower, value);
  }
  return fields;
}

interface PolicyDocument { expiration: Date; conditions: unknown[] }

function parsePolicyDocument(base64: string): PolicyDocument {
  let doc: unknown;
  try {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(base64)) throw new Error('not base64');
    doc = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalidPolicy('Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidPolicy('Invalid JSON.');
  const { expiration, conditions } = doc as Record<string, unknown>;
  if (expiration === undefined) throw invalidPolicy('Policy missing expiration.');
  const when = typeof expiration === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(expiration) ? Date.parse(expiration) : NaN;
  if (Number.isNaN(when)) throw invalidPolicy(`Invalid 'expiration' value: '${typeof expiration === 'string' ? expiration : JSON.stringify(expiration)}'`);
  if (conditions === undefined) throw invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalidPolicy("Invalid 'conditions' value: must be a list.");
  return { expiration: new Date(when), conditions };
}

interface Checked { covered: Set<string>; lengthRange: { min: number; max: number } | undefined }

/** How S3 quotes a failed condition: `["eq", "$key", "value"]`. */
const quoted = (parts: (string | number)[]): string => `[${parts.map((p) => JSON.stringify(p)).join(', ')}]`;

/**
 * Checks every condition against the form (values with `${filename}` already expanded in `key`; `bucket` is the
 * bucket posted to). A field the form lacks is matched as the empty string. Returns the fields the conditions name
 * and the content-length-range, which is checked as the file streams.
 */
function checkConditions(conditions: unknown[], value: (field: string) => string): Checked {
  const covered = new Set<string>();
  let lengthRange: Checked['lengthRange'];
  for (const condition of conditions) {
    if (typeof condition === 'object' && condition !== null && !Array.isArray(condition)) {
      const entries = Object.entries(condition);
      if (entries.length !== 1) throw invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
      const [name, expected] = entries[0]!;
      if (typeof expected !== 'string') throw invalidPolicy(`Invalid Simple-Condition: value must be a string.`);
      covered.add(name.toLowerCase());
      if (value(name.toLowerCase()) !== expected) throw notAllowedByPolicy(`Policy Condition failed: ${quoted(['eq', `$${name}`, expected])}`);
      continue;
    }
    if (!Array.isArray(condition) || condition.length !== 3 || typeof condition[0] !== 'string') {
      throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    }
    const [op, a, b] = condition as [string, unknown, unknown];
    const operator = op.toLowerCase();
    if (operator === 'content-length-range') {
      const min = typeof a === 'string' && /^\d+$/.test(a) ? Number(a) : a;
      const max = typeof b === 'string' && /^\d+$/.test(b) ? Number(b) : b;
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || (min as number) < 0 || (max as number) < (min as number)) {
        throw invalidPolicy(`Invalid content-length-range: ${JSON.stringify(condition)}`);
      }
      lengthRange = { min: Math.max(min as number, lengthRange?.min ?? 0), max: Math.min(max as number, lengthRange?.max ?? Infinity) };
      continue;
    }
    if (operator !== 'eq' && operator !== 'starts-with') throw invalidPolicy(`Invalid Condition: unknown condition type '${op}'.`);
    if (typeof a !== 'string' || !a.startsWith('$') || a.length < 2 || typeof b !== 'string') throw invalidPolicy(`Invalid Condition: ${JSON.stringify(condition)}`);
    const field = a.slice(1).toLowerCase();
    covered.add(field);
    const actual = value(field);
    const failed = (): AwsError => notAllowedByPolicy(`Policy Condition failed: ${quoted([op, a, b])}`);
    if (operator === 'eq') {
      if (actual !== b) throw failed();
      continue;
    }
    if (!STARTS_WITH_FIELDS.has(field) && !field.startsWith('x-amz-meta-')) throw failed();
    // A Content-Type may list several types: each must start with the prefix.
    const values = field === 'content-type' ? actual.split(',').map((v) => v.trim()) : [actual];
    if (!values.every((v) => v.startsWith(b))) throw failed();
  }
  return { covered, lengthRange };
}

/**
 * Counts the file's bytes as they stream: past the policy's maximum (or S3's 5 GiB) the upload fails at once with
 * EntityTooLarge; below its minimum it fails at the end with EntityTooSmall, before the object is recorded.
 */
class SizeGate extends Transform {
  private seen = 0;
  constructor(private readonly min: number, private readonly max: number, private readonly proposed: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      callback(new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400,
        { ProposedSize: String(Math.max(this.seen, this.proposed)), MaxSizeAllowed: String(this.max) }));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen < this.min) {
      callback(new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400,
        { ProposedSize: String(this.seen), MinSizeAllowed: String(this.min) }));
      return;
    }
    callback();
  }
}

/** Content-MD5 and x-amz-checksum-<algorithm>: the file is verified against them as PutObject verifies its body. */
const isIntegrityField = (name: string): boolean => name === 'content-md5' || (name.startsWith('x-amz-checksum-') && checksumAlgorithmFromHeader(name) !== undefined);

/** The PutObject request headers a form's fields stand for. */
function headersOf(fields: Map<string, string>, contentLength: number): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { 'content-length': String(contentLength) };
  for (const [name, value] of fields) {
    // The integrity fields also count as PutObject's headers where one is required (Object Lock).
    if (REST_HEADER_FIELDS.has(name) || AMZ_HEADER_FIELD.test(name) || isIntegrityField(name)) headers[name] = value;
    else if (name === 'acl') headers['x-amz-acl'] = value;
    else if (name === 'x-amz-acl' || name === 'x-amz-tagging') headers[name] = value;
    else if (name === 'tagging') headers['x-amz-tagging'] = new URLSearchParams(parseTagSet(Buffer.from(value, 'utf8'))).toString();
  }
  return headers;
}

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

export async function postObject(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const contentType = call.headers['content-type'];
  const boundary = formBoundary(typeof contentType === 'string' ? contentType : undefined);
  if (!boundary) {
    throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412,
      { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' });
  }
  const length = Number(call.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0) throw new AwsError('MissingContentLength', 'You must provide the Content-Length HTTP header.', 411);
  const head = await readFormHead(call.body(), boundary, MAX_POST_PRE_DATA);
  try {
    return await store(call, bucket.bucket_name, head, length, boundary);
  } finally {
    // A form refused before its file was read: the rest of the body is dropped, not left to stall the connection.
    if (head.file && !head.file.stream.readableEnded) head.file.stream.resume();
  }
}

async function store(call: S3Call, bucketName: string, head: FormHead, length: number, boundary: string): Promise<S3Result> {
  const fields = fieldMap(head);
  const rawKey = fields.get('key');
  if (rawKey === undefined || rawKey === '') {
    throw new AwsError('InvalidArgument', "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 400,
      { ArgumentName: 'key', ArgumentValue: '' });
  }
  const file = head.file;
  if (!file) throw invalidArgument('POST requires exactly one file upload per request.', 'file', '0');
  const key = rawKey.replaceAll('${filename}', file.filename);
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AwsError('KeyTooLongError', 'Your key is too long', 400);

  // Authentication: the policy's signature names the caller; a form with neither is anonymous.
  let caller = call.caller;
  const policyText = fields.get('policy');
  const version = postSignatureVersion(fields);
  let range: Checked['lengthRange'];
  if (policyText !== undefined || version !== undefined) {
    if (version === undefined) {
      const e = missingPostField('awsaccesskeyid').error;
      throw new AwsError(e.code, e.message, e.status, e.extra);
    }
    const verified = verifyPostSignature(fields, call.facts.now, (id) => lookupCredentials(call.ctx.iam, id));
    if (!verified.ok) throw new AwsError(verified.error.code, verified.error.message, verified.error.status, verified.error.extra);
    caller = verified.value.credential.resolve();
    recordCredentialUse(call.ctx, caller, 's3', verified.value.region || call.ctx.config.region);
    const policy = parsePolicyDocument(policyText!);
    if (policy.expiration.getTime() <= call.facts.now.getTime()) throw notAllowedByPolicy('Policy expired.');
    const value = (field: string): string => (field === 'bucket' ? bucketName : field === 'key' ? key : fields.get(field) ?? '');
    const checked = checkConditions(policy.conditions, value);
    for (const name of fields.keys()) {
      if (!EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-') && !checked.covered.has(name)) throw notAllowedByPolicy(`Extra input fields: ${name}`);
    }
    range = checked.lengthRange;
  }

  // The file can be no longer than what is left of the body after its closing delimiter.
  const upperBound = Math.max(0, length - head.headBytes - (`\r\n--${boundary}--`.length));
  // The size S3 reports as proposed: the body's, less the form's usual closing `--boundary--` CRLF.
  const gate = new SizeGate(range?.min ?? 0, Math.min(range?.max ?? MAX_OBJECT_BYTES, MAX_OBJECT_BYTES), Math.max(0, upperBound - 2));
  // The file checked against the form's Content-MD5 / x-amz-checksum-* as it streams: BadDigest, or the checksum
  // mismatch, exactly as PutObject answers them; a malformed value is refused before the file is read (InvalidDigest,
  // InvalidRequest). The verified checksum is stored with the object.
  const integrity = Object.fromEntries([...fields].filter(([name]) => isIntegrityField(name)));
  const verifier = createS3BodyVerifier(integrity, undefined);
  if (verifier instanceof Error) throw verifier;
  file.stream.on('error', (error) => gate.destroy(error));
  gate.on('error', (error) => verifier.destroy(error));
  file.stream.pipe(gate).pipe(verifier);
  const put: S3Call = {
    ...call, key, caller, headers: headersOf(fields, Math.min(upperBound, MAX_OBJECT_BYTES)), body: () => verifier,
    readBody: () => Promise.reject(new Error('POST Object has no request body to read')),
  };
  // An ACL set by the form needs s3:PutObjectAcl as well (as PutObject with x-amz-acl does on AWS).
  if (put.headers['x-amz-acl'] !== undefined || Object.keys(put.headers).some((h) => h.startsWith('x-amz-grant-'))) {
    authorize(put, call.ctx.s3.bucket(bucketName), 's3:PutObjectAcl', objectArn(bucketName, key));
  }
  const result = await putObject(put);
  const headers = { ...result.headers };
  const etag = headers.ETag ?? '';
  const host = typeof call.headers.host === 'string' ? call.headers.host : 'localhost';
  const virtual = host.toLowerCase().startsWith(`${bucketName}.`);
  const location = `http://${host}/${virtual ? '' : `${encodeURIComponent(bucketName)}/`}${encodeKey(key)}`;
  headers.Location = location;

  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect !== undefined && /^https?:\/\/[^\s]+$/i.test(redirect) && URL.canParse(redirect)) {
    const query = `bucket=${encodeURIComponent(bucketName)}&key=${encodeURIComponent(key)}&etag=${encodeURIComponent(etag)}`;
    return { status: 303, headers: { ...headers, Location: `${redirect}${redirect.includes('?') ? '&' : '?'}${query}` } };
  }
  const status = fields.get('success_action_status');
  if (status === '200') return { status: 200, headers };
  if (status === '201') {
    const body = `${XML_DECLARATION}<PostResponse><Location>${xmlEscape(location)}</Location><Bucket>${xmlEscape(bucketName)}</Bucket>`
      + `<Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></PostResponse>`;
    return { status: 201, headers: { ...headers, 'Content-Type': 'application/xml' }, body };
  }
  return { status: 204, headers };
}
