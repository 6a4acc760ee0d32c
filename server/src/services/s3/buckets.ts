import { AwsError } from '../../errors.ts';
import { PolicyDocumentError, validatePolicyDocument } from '../../policy/index.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import { RawXml, writeXml, xmlEscape, type XmlObject } from '../../protocol/xml.ts';
import type { BucketRow, ListedObject } from '../../store/s3-store.ts';
import {
  authorize, bucketArn, ownerVisibility, invalidArgument, MAX_BUCKET_POLICY_BYTES, MAX_XML_BODY, objectArn, ownerXml, policyIsPublic, requireBucket, requireSigned,
  type S3Call, type S3Handler, type S3Result,
} from './common.ts';
import { aclConditionContext, newBucketAccess } from './access.ts';
import { effectivePab } from './acl-model.ts';
import { listPage, type ListEntry } from './listing.ts';
import { checksumEntries, listedRestoreStatus, wantsRestoreStatus } from './list-attributes.ts';
import { NEW_BUCKET_LOCK } from './object-lock.ts';
import { isValidBucketName, s3UrlEncode } from './names.ts';
import { parseTagSet, tagSetXml } from './objects.ts';

// ListBuckets paging: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html (MaxBuckets 1..10000).
const MAX_BUCKETS = 10000;

function parseMaxBuckets(call: S3Call): number | undefined {
  const raw = call.query.get('max-buckets');
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw) || Math.abs(Number(raw)) > 2147483647) {
    throw invalidArgument('Provided max-buckets not an integer or within integer range', 'max-buckets', raw);
  }
  const n = Number(raw);
  if (n < 1 || n > MAX_BUCKETS) throw invalidArgument(`Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS}`, 'max-buckets', raw);
  return n;
}

/** The token is opaque to clients; it carries the last name listed and is checked on the way back. */
function bucketToken(lastName: string): string {
  return Buffer.from(`b1:${lastName}`, 'utf8').toString('base64');
}

function bucketAfter(token: string): string {
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith('b1:') || bucketToken(text.slice(3)) !== token) {
    throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
  }
  return text.slice(3);
}

export const listBuckets: S3Handler = (call) => {
  requireSigned(call);
  const maxBuckets = parseMaxBuckets(call);
  const token = call.query.get('continuation-token') || null;
  const after = token === null ? undefined : bucketAfter(token);
  const prefix = call.query.get('prefix');
  const region = call.query.get('bucket-region') || null;
  authorize(call, undefined, 's3:ListAllMyBuckets', 'arn:aws:s3:::*');
  const account = call.caller.principal.accountId;
  const matching = call.ctx.s3.buckets(account).filter((b) =>
    (after === undefined || b.bucket_name > after) && (!prefix || b.bucket_name.startsWith(prefix)) && (region === null || b.region === region));
  // "If you specify the bucket-region, prefix, or continuation-token query parameters without using max-buckets …
  // Amazon S3 applies a default page size of 10,000" (ListBuckets, ContinuationToken); with none of them, every bucket.
  const paged = maxBuckets ?? (prefix !== null || token !== null || region !== null ? MAX_BUCKETS : undefined);
  const page = paged === undefined ? matching : matching.slice(0, paged);
  const truncated = page.length < matching.length;
  const buckets = page.map((b) => ({ Name: b.bucket_name, CreationDate: b.created_at, BucketRegion: b.region }));
  return {
    body: restXmlDocument('ListAllMyBucketsResult', {
      Owner: ownerXml(call, account), Buckets: { Bucket: buckets },
      ContinuationToken: truncated ? bucketToken(page[page.length - 1]!.bucket_name) : undefined,
      Prefix: prefix !== null ? prefix : undefined,
    }),
  };
};

export async function createBucket(call: S3Call): Promise<S3Result> {
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
  // "If ObjectLockEnabledForBucket is set to true in your CreateBucket request, s3:PutBucketObjectLockConfiguration and
  // s3:PutBucketVersioning permissions are required" (CreateBucket, Permissions); it turns versioning on.
  const lockHeader = call.headers['x-amz-bucket-object-lock-enabled'];
  const objectLock = typeof lockHeader === 'string' && lockHeader.toLowerCase() === 'true';
  if (objectLock) for (const action of ['s3:PutBucketObjectLockConfiguration', 's3:PutBucketVersioning']) authorize(call, undefined, action, bucketArn(name));
  const access = newBucketAccess(call, name);
  for (const action of access.extraActions) authorize(call, undefined, action, bucketArn(name), aclConditionContext(call));
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
  call.ctx.db.transaction(() => {
    call.ctx.s3.insertBucket({
      bucket_name: name, account_id: account, region, policy: null, created_at: call.facts.now.toISOString(),
      public_access_block: access.publicAccessBlock, object_ownership: access.objectOwnership, acl: access.acl,
    });
    if (!objectLock) return;
    call.ctx.s3.setBucketVersioning(name, 'Enabled');
    call.ctx.s3.setBucketObjectLock(name, NEW_BUCKET_LOCK);
  })();
  return { headers: { Location: `/${name}` } };
}

export const headBucket: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:ListBucket', bucketArn(bucket.bucket_name));
  return { headers: { 'x-amz-bucket-region': bucket.region } };
};

export const deleteBucket: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:DeleteBucket', bucketArn(bucket.bucket_name));
  if (!call.ctx.s3.bucketIsEmpty(bucket.bucket_name)) {
    throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: bucket.bucket_name });
  }
  // Multipart uploads in progress do not make a bucket "not empty" on AWS: they are discarded with it.
  const s3 = call.ctx.s3;
  const blobs = call.ctx.db.transaction(() => {
    const parts = s3.lifecycleUploads(bucket.bucket_name).flatMap((upload) => s3.deleteUpload(upload.upload_id));
    s3.deleteBucket(bucket.bucket_name);
    return parts;
  })();
  for (const blob of blobs) s3.removeBlob(blob);
  return { status: 204 };
};

export const getBucketLocation: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketLocation', bucketArn(bucket.bucket_name));
  const constraint = bucket.region === 'us-east-1' ? '' : bucket.region;
  return { body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${constraint}</LocationConstraint>` };
};

/**
 * A bucket's policy is managed only by identities of the bucket owner's account: another account's (or an anonymous)
 * caller whom the policy itself allows gets 405 MethodNotAllowed (S3 API reference, PutBucketPolicy/GetBucketPolicy).
 */
function ownerAccountOnly(call: S3Call, bucket: BucketRow): void {
  if (call.caller.principal.accountId !== bucket.account_id) {
    throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: call.method });
  }
}

/** IAM's validation, reported in S3's words; S3 also insists every resource is in this bucket. */
function validateBucketPolicy(text: string, bucket: string): void {
  const malformed = (message: string): AwsError => new AwsError('MalformedPolicy', message, 400);
  if (!text.trimStart().startsWith('{')) throw malformed("Policies must be valid JSON and the first byte must be '{'");
  try {
    validatePolicyDocument(text, 'resource');
  } catch (error) {
    if (!(error instanceof PolicyDocumentError)) throw error;
    const m = error.message;
    if (m === 'Syntax errors in policy.') throw malformed('This policy contains invalid Json');
    if (m.startsWith('Missing required field Principal')) throw malformed('Missing required field Principal');
    if (m === 'Policy statement must contain actions.') throw malformed('Missing required field Action');
    if (m === 'Policy statement must contain resources.') throw malformed('Missing required field Resource');
    if (m.startsWith('Invalid principal')) throw malformed('Invalid principal in policy');
    if (m.includes('must be in ARN format') || m.startsWith('Partition ') || m.includes('region information') || m.startsWith('IAM resource path') || m.startsWith('Resource vendor')) {
      throw malformed('Policy has invalid resource');
    }
    if (m.startsWith('Actions/') || m.startsWith('Vendor ')) throw malformed('Policy has invalid action');
    throw malformed(m);
  }
  const doc = JSON.parse(text) as { Statement: unknown };
  for (const st of (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Record<string, unknown>[]) {
    const resources = st.Resource ?? st.NotResource;
    for (const r of Array.isArray(resources) ? resources : [resources]) {
      if (typeof r !== 'string') continue;
      const inBucket = r === `arn:aws:s3:::${bucket}` || r.startsWith(`arn:aws:s3:::${bucket}/`) || /^arn:aws:s3:::[^/]*[*?]/.test(r);
      if (!inBucket) throw malformed('Policy has invalid resource');
    }
  }
}

export async function putBucketPolicy(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketPolicy', bucketArn(bucket.bucket_name));
  ownerAccountOnly(call, bucket);
  const body = await call.readBody(MAX_BUCKET_POLICY_BYTES + 1);
  if (body.length > MAX_BUCKET_POLICY_BYTES) throw new AwsError('PolicyTooLarge', 'Policy exceeds the maximum allowed document size.', 400);
  const text = body.toString('utf8');
  validateBucketPolicy(text, bucket.bucket_name);
  if (effectivePab(call.ctx, bucket).BlockPublicPolicy && policyIsPublic(text)) {
    throw new AwsError('AccessDenied', `User: ${call.caller.principal.arn} is not authorized to perform: s3:PutBucketPolicy on resource: "${bucketArn(bucket.bucket_name)}" `
      + 'because public policies are blocked by the BlockPublicPolicy block public access setting.', 403);
  }
  call.ctx.s3.setBucketPolicy(bucket.bucket_name, text);
  return { status: 204 };
}

export const getBucketPolicy: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketPolicy', bucketArn(bucket.bucket_name));
  ownerAccountOnly(call, bucket);
  if (!bucket.policy) throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket.bucket_name });
  return { headers: { 'Content-Type': 'application/json' }, body: bucket.policy };
};

export const deleteBucketPolicy: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:DeleteBucketPolicy', bucketArn(bucket.bucket_name));
  ownerAccountOnly(call, bucket);
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

/** Elements written by the generic writer, for the parts of a <Contents> that are rare (checksums, owner, restore status). */
function elements(value: XmlObject | undefined): string {
  if (value === undefined) return '';
  const out: string[] = [];
  for (const name in value) writeXml(name, value[name], 'flat', out);
  return out.join('');
}

/**
 * One <Contents>, as writeXml would write { Key, LastModified, ETag, ChecksumAlgorithm, ChecksumType, Size, Owner,
 * StorageClass, RestoreStatus } (pinned byte for byte by listing-xml.test.ts), in one string: `owner` is the <Owner>
 * element already written, or ''. The story's Owner rule: the owner is shown only to callers allowed s3:GetObjectAcl on
 * that object.
 */
export function contentsXml(object: ListedObject, owner: string, encode: (v: string) => string, restoreStatus?: XmlObject): string {
  const checksum = object.checksum ? checksumEntries(object.checksum) : undefined;
  return `<Contents><Key>${xmlEscape(encode(object.object_key))}</Key><LastModified>${xmlEscape(String(object.last_modified))}</LastModified>`
    + `<ETag>${xmlEscape(String(object.etag))}</ETag>${elements(checksum)}<Size>${String(object.size)}</Size>${owner}`
    + `<StorageClass>${object.storage_class == null ? 'STANDARD' : xmlEscape(String(object.storage_class))}</StorageClass>${restoreStatus ? elements({ RestoreStatus: restoreStatus }) : ''}</Contents>`;
}

interface ListRequest { bucket: BucketRow; prefix: string; delimiter: string; maxKeys: number; encode: (v: string) => string }

function startListing(call: S3Call): ListRequest {
  const bucket = requireBucket(call);
  const prefix = call.query.get('prefix') ?? '';
  const delimiter = call.query.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(call);
  const encode = encodingOf(call);
  authorize(call, bucket, 's3:ListBucket', bucketArn(bucket.bucket_name), {
    ...(call.query.has('prefix') ? { 's3:prefix': prefix } : {}), ...(call.query.has('delimiter') ? { 's3:delimiter': delimiter } : {}),
    's3:max-keys': String(maxKeys),
  });
  return { bucket, prefix, delimiter, maxKeys, encode };
}

function splitEntries(call: S3Call, r: ListRequest, entries: ListEntry[], withOwner: boolean): { Contents: RawXml; CommonPrefixes: XmlObject[] } {
  const showOwner = withOwner ? ownerVisibility(call, r.bucket) : undefined;
  // Each account's <Owner> element, written once a page.
  const ownerCache = new Map<string, string>();
  const owners = (account: string): string => {
    let owner = ownerCache.get(account);
    if (owner === undefined) ownerCache.set(account, (owner = elements({ Owner: ownerXml(call, account) })));
    return owner;
  };
  const contents: string[] = [];
  const prefixes: XmlObject[] = [];
  // RestoreStatus only when asked: the restore of an archived object needs its full row, which listings never read.
  const restoreStatus = wantsRestoreStatus(call);
  for (const e of entries) {
    if (e.kind === 'object') {
      const owner = showOwner?.(e.object.object_key) ? owners(e.object.owner_account) : '';
      const status = restoreStatus ? listedRestoreStatus(call, e.object, () => call.ctx.s3.object(r.bucket.bucket_name, e.object.object_key)) : undefined;
      contents.push(contentsXml(e.object, owner, r.encode, status));
    }
    else prefixes.push({ Prefix: r.encode(e.prefix) });
  }
  return { Contents: new RawXml(contents), CommonPrefixes: prefixes };
}

export const listObjects: S3Handler = (call) => {
  const r = startListing(call);
  const marker = call.query.get('marker') ?? '';
  const page = listPage(call.ctx.s3, r.bucket.bucket_name, r.prefix, r.delimiter, marker, r.maxKeys);
  const last = page.entries[page.entries.length - 1];
  const { Contents, CommonPrefixes } = splitEntries(call, r, page.entries, true);
  return {
    body: restXmlDocument('ListBucketResult', {
      // ListObjects (V1) url-encodes Marker, NextMarker, Delimiter and keys but echoes Prefix as sent: the SDKs, which
      // add encoding-type=url themselves, decode only those (botocore decode_list_object), unlike V2's Prefix.
      Name: r.bucket.bucket_name, Prefix: r.prefix, Marker: r.encode(marker),
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

export const listObjectsV2: S3Handler = (call) => {
  const r = startListing(call);
  // An empty continuation-token is no token: S3 lists the first page.
  const token = call.query.get('continuation-token') || null;
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

// ---- Bucket tagging, ACL and policy status ----

export const getBucketTagging: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketTagging', bucketArn(bucket.bucket_name));
  if (!bucket.tags) throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', 404, { BucketName: bucket.bucket_name });
  return { body: tagSetXml(JSON.parse(bucket.tags) as Record<string, string>) };
};

export async function putBucketTagging(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketTagging', bucketArn(bucket.bucket_name));
  const tags = parseTagSet(await call.readBody(MAX_XML_BODY));
  if (Object.keys(tags).length > 50) throw new AwsError('InvalidTag', 'Bucket tag count cannot be greater than 50', 400);
  call.ctx.s3.setBucketTags(bucket.bucket_name, JSON.stringify(tags));
  return { status: 204 };
}

export const deleteBucketTagging: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketTagging', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketTags(bucket.bucket_name, null);
  return { status: 204 };
};

/** IsPublic: whether the bucket policy is public as S3 defines it (see policy/public.ts). */
export const getBucketPolicyStatus: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketPolicyStatus', bucketArn(bucket.bucket_name));
  if (!bucket.policy) throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: bucket.bucket_name });
  const isPublic = policyIsPublic(bucket.policy);
  return { body: restXmlDocument('PolicyStatus', { IsPublic: isPublic }) };
};
