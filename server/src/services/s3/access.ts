// Block Public Access, Object Ownership and ACLs: S3's own access controls beside IAM policies.
// AWS docs: S3 User Guide "Blocking public access to your Amazon S3 storage", "Controlling ownership of objects and
// disabling ACLs for your bucket", "Access control list (ACL) overview"; API reference PutPublicAccessBlock,
// PutBucketOwnershipControls, PutBucketAcl, PutObjectAcl.
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import { XML_DECLARATION, xmlEscape } from '../../protocol/xml.ts';
import type { BucketRow, ObjectVersion } from '../../store/s3-store.ts';
import type { ServerContext } from '../../context.ts';
import {
  aclsDisabled, ALL_BLOCKED, ALL_USERS, AUTHENTICATED_USERS, canonicalOf, effectivePab, GROUPS, isPublicGrant, LOG_DELIVERY, NONE_BLOCKED, OWNERSHIPS, PAB_FIELDS,
  parsePab, PERMISSIONS, storedGrants, type Grant, type Permission, type PublicAccessBlock,
} from './acl-model.ts';
import { authorize, bucketArn, MAX_XML_BODY, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';
import { requestedVersionId, versionAction, versionContext, versionHeaders, versionToRead } from './versioning.ts';

// ---- Block Public Access ----

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

/** A PublicAccessBlockConfiguration document; an element left out is false, as in AWS. */
export function parsePabXml(body: Buffer): PublicAccessBlock {
  const doc = parseXmlBody(body, 'PublicAccessBlockConfiguration');
  const config = { ...NONE_BLOCKED };
  for (const [name, value] of Object.entries(doc)) {
    if (!(PAB_FIELDS as readonly string[]).includes(name) || (value !== 'true' && value !== 'false')) throw malformed();
    config[name as keyof PublicAccessBlock] = value === 'true';
  }
  return config;
}

export const pabXml = (config: PublicAccessBlock): string => restXmlDocument('PublicAccessBlockConfiguration', { ...config });

/** PutPublicAccessBlock is authorized as s3:PutBucketPublicAccessBlock (Service Authorization Reference). */
export async function putPublicAccessBlock(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketPublicAccessBlock', bucketArn(bucket.bucket_name));
  const config = parsePabXml(await call.readBody(MAX_XML_BODY));
  call.ctx.s3.setBucketAccess(bucket.bucket_name, { ...accessOf(bucket), publicAccessBlock: JSON.stringify(config) });
  return {};
}

export const getPublicAccessBlock: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketPublicAccessBlock', bucketArn(bucket.bucket_name));
  const config = parsePab(bucket.public_access_block);
  if (!config) throw noSuchPab(bucket.bucket_name);
  return { body: pabXml(config) };
};

/** DeletePublicAccessBlock needs s3:PutBucketPublicAccessBlock, as AWS documents. */
export const deletePublicAccessBlock: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketPublicAccessBlock', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketAccess(bucket.bucket_name, { ...accessOf(bucket), publicAccessBlock: null });
  return { status: 204 };
};

export const noSuchPab = (bucket?: string): AwsError =>
  new AwsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404, bucket ? { BucketName: bucket } : {});

function accessOf(bucket: BucketRow): { publicAccessBlock: string | null; objectOwnership: string | null; acl: string | null } {
  return { publicAccessBlock: bucket.public_access_block ?? null, objectOwnership: bucket.object_ownership ?? null, acl: bucket.acl ?? null };
}

// ---- Object Ownership ----


export async function putBucketOwnershipControls(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketOwnershipControls', bucketArn(bucket.bucket_name));
  const doc = parseXmlBody(await call.readBody(MAX_XML_BODY), 'OwnershipControls');
  const rule = doc.Rule;
  const value = typeof rule === 'object' && rule !== null && !Array.isArray(rule) ? (rule as Record<string, unknown>).ObjectOwnership : undefined;
  if (typeof value !== 'string' || !OWNERSHIPS.has(value)) throw malformed();
  // ACLs can be disabled only once the bucket ACL gives full control to the bucket owner alone (S3 User Guide,
  // "Troubleshooting" for Object Ownership: InvalidBucketAclWithObjectOwnership).
  if (value === 'BucketOwnerEnforced' && !onlyBucketOwnerFullControl(storedGrants(bucket.acl, canonicalOf(call.ctx, bucket.account_id)), canonicalOf(call.ctx, bucket.account_id))) {
    throw new AwsError('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400, { BucketName: bucket.bucket_name });
  }
  call.ctx.s3.setBucketAccess(bucket.bucket_name, { ...accessOf(bucket), objectOwnership: value });
  return {};
}

export const getBucketOwnershipControls: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketOwnershipControls', bucketArn(bucket.bucket_name));
  if (!bucket.object_ownership) {
    throw new AwsError('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404, { BucketName: bucket.bucket_name });
  }
  return { body: restXmlDocument('OwnershipControls', { Rule: { ObjectOwnership: bucket.object_ownership } }) };
};

/** DeleteBucketOwnershipControls needs s3:PutBucketOwnershipControls; without controls the bucket behaves as ObjectWriter. */
export const deleteBucketOwnershipControls: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketOwnershipControls', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketAccess(bucket.bucket_name, { ...accessOf(bucket), objectOwnership: null });
  return { status: 204 };
};

// ---- ACLs ----

export const CANNED_OBJECT_ACLS = new Set(['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control']);
export const CANNED_BUCKET_ACLS = new Set(['private', 'public-read', 'public-read-write', 'authenticated-read', 'log-delivery-write']);

/** The grants a canned ACL stands for (S3 User Guide, "Canned ACL"). */
function cannedGrants(acl: string, owner: string, bucketOwner: string): Grant[] {
  const grants: Grant[] = [{ id: owner, permission: 'FULL_CONTROL' }];
  switch (acl) {
    case 'public-read': grants.push({ uri: ALL_USERS, permission: 'READ' }); break;
    case 'public-read-write': grants.push({ uri: ALL_USERS, permission: 'READ' }, { uri: ALL_USERS, permission: 'WRITE' }); break;
    case 'authenticated-read': grants.push({ uri: AUTHENTICATED_USERS, permission: 'READ' }); break;
    case 'log-delivery-write': grants.push({ uri: LOG_DELIVERY, permission: 'WRITE' }, { uri: LOG_DELIVERY, permission: 'READ_ACP' }); break;
    case 'bucket-owner-read': if (bucketOwner !== owner) grants.push({ id: bucketOwner, permission: 'READ' }); break;
    case 'bucket-owner-full-control': if (bucketOwner !== owner) grants.push({ id: bucketOwner, permission: 'FULL_CONTROL' }); break;
    default: break;
  }
  return grants;
}

const GRANT_HEADERS: [string, Permission][] = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'], ['x-amz-grant-read', 'READ'], ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'], ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

/** A grantee as the request named it, before it is checked against the accounts S3 knows. */
export interface NamedGrantee { id?: string; uri?: string; email?: string }

export function resolveGrantee(ctx: ServerContext, g: NamedGrantee, permission: Permission): Grant {
  if (g.id !== undefined) {
    // The 'aws' row only holds AWS managed policies: it is no account a grant can name.
    const account = ctx.iam.accountByCanonicalId(g.id);
    if (!account || account.account_id === 'aws') throw new AwsError('InvalidArgument', 'Invalid id', 400, { ArgumentName: 'CanonicalUser/ID', ArgumentValue: g.id });
    return { id: g.id, permission };
  }
  if (g.uri !== undefined) {
    if (!GROUPS.has(g.uri)) throw new AwsError('InvalidArgument', 'Invalid group uri', 400, { ArgumentName: 'Group/URI', ArgumentValue: g.uri });
    return { uri: g.uri, permission };
  }
  // No account here has an email address on record (S3's error for an unknown one).
  if (g.email !== undefined) throw new AwsError('UnresolvableGrantByEmailAddress', 'The e-mail address you provided does not match any account on record.', 400, { EmailAddress: g.email });
  throw malformedAcl();
}

const malformedAcl = (): AwsError => new AwsError('MalformedACLError', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

function headerValue(call: S3Call, name: string): string | undefined {
  const v = call.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** x-amz-grant-* headers: comma-separated `id="…"`, `uri="…"` or `emailAddress="…"`. */
function headerGrants(call: S3Call): Grant[] | undefined {
  let grants: Grant[] | undefined;
  for (const [name, permission] of GRANT_HEADERS) {
    const raw = headerValue(call, name);
    if (raw === undefined) continue;
    grants ??= [];
    for (const part of raw.split(',')) {
      const m = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/i.exec(part);
      if (!m) throw new AwsError('InvalidArgument', 'Invalid Argument', 400, { ArgumentName: name, ArgumentValue: raw });
      const type = m[1]!.toLowerCase();
      grants.push(resolveGrantee(call.ctx, type === 'id' ? { id: m[2] } : type === 'uri' ? { uri: m[2] } : { email: m[2] }, permission));
    }
  }
  return grants;
}

/**
 * The ACL a request asks for through headers: a canned ACL (x-amz-acl) or x-amz-grant-* headers, never both; undefined
 * when it names none. `owner` owns the resource (the object's owner for an object), `bucketOwner` the bucket.
 */
export function requestedAcl(call: S3Call, kind: 'bucket' | 'object', owner: string, bucketOwner: string): Grant[] | undefined {
  const canned = headerValue(call, 'x-amz-acl');
  const granted = headerGrants(call);
  if (canned !== undefined && granted !== undefined) {
    throw new AwsError('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed', 400);
  }
  if (canned !== undefined) {
    if (!(kind === 'bucket' ? CANNED_BUCKET_ACLS : CANNED_OBJECT_ACLS).has(canned)) throw new AwsError('InvalidArgument', '', 400, { ArgumentName: 'x-amz-acl', ArgumentValue: canned });
    return cannedGrants(canned, owner, bucketOwner);
  }
  return granted;
}

/** An AccessControlPolicy body (Put*Acl): grantees told apart by ID, URI or EmailAddress. */
export function bodyAcl(call: S3Call, body: Buffer): Grant[] {
  const doc = parseXmlBody(body, 'AccessControlPolicy');
  const list = doc.AccessControlList;
  const raw = typeof list === 'object' && list !== null ? (list as Record<string, unknown>).Grant : undefined;
  const items = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return items.map((item) => {
    if (typeof item !== 'object' || item === null) throw malformedAcl();
    const { Grantee: grantee, Permission: permission } = item as Record<string, unknown>;
    if (typeof permission !== 'string' || !PERMISSIONS.has(permission) || typeof grantee !== 'object' || grantee === null) throw malformedAcl();
    const g = grantee as Record<string, unknown>;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return resolveGrantee(call.ctx, { id: str(g.ID), uri: str(g.URI), email: str(g.EmailAddress) }, permission as Permission);
  });
}

/** What ACLs-disabled buckets still accept: grants giving full control to the bucket owner and nobody else. */
export function onlyBucketOwnerFullControl(grants: Grant[], bucketOwner: string): boolean {
  // An ACL with no grant at all takes the owner's access away: not the bucket-owner-full-control equivalent.
  return grants.length > 0 && grants.every((g) => 'id' in g && g.id === bucketOwner && g.permission === 'FULL_CONTROL');
}

export const aclNotSupported = (): AwsError => new AwsError('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);

/** AWS's denial when BlockPublicAcls refuses a public ACL (anonymous callers see only "Access Denied"). */
export function publicAclsBlocked(call: S3Call, action: string, resource: string): AwsError {
  if (call.caller.principal.kind === 'anonymous') return new AwsError('AccessDenied', 'Access Denied', 403);
  return new AwsError('AccessDenied', `User: ${call.caller.principal.arn} is not authorized to perform: ${action} on resource: "${resource}" `
    + 'because public access control lists (ACLs) are blocked by the BlockPublicAcls block public access setting.', 403);
}

export function aclXml(ctx: ServerContext, ownerAccount: string, grants: Grant[]): string {
  const ownerAccountRow = ctx.iam.account(ownerAccount);
  const ownerId = ownerAccountRow?.canonical_id ?? ownerAccount;
  const person = (id: string): string => {
    const row = id === ownerId ? ownerAccountRow : ctx.iam.accountByCanonicalId(id);
    return `<ID>${xmlEscape(id)}</ID><DisplayName>${xmlEscape(row?.display_name ?? id)}</DisplayName>`;
  };
  const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const items = grants.map((g) => ('id' in g
    ? `<Grant><Grantee ${xsi} xsi:type="CanonicalUser">${person(g.id)}</Grantee><Permission>${g.permission}</Permission></Grant>`
    : `<Grant><Grantee ${xsi} xsi:type="Group"><URI>${xmlEscape(g.uri)}</URI></Grantee><Permission>${g.permission}</Permission></Grant>`));
  return `${XML_DECLARATION}<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner>${person(ownerId)}</Owner>`
    + `<AccessControlList>${items.join('')}</AccessControlList></AccessControlPolicy>`;
}


/** Condition keys of an ACL-setting request: s3:x-amz-acl and s3:x-amz-grant-* (Service Authorization Reference). */
export function aclConditionContext(call: S3Call): Record<string, string> {
  const context: Record<string, string> = {};
  const canned = headerValue(call, 'x-amz-acl');
  if (canned !== undefined) context['s3:x-amz-acl'] = canned;
  for (const [name] of GRANT_HEADERS) {
    const value = headerValue(call, name);
    if (value !== undefined) context[`s3:${name}`] = value;
  }
  return context;
}

const sameAsDefault = (grants: Grant[], owner: string): boolean => grants.length === 1 && 'id' in grants[0]! && grants[0].id === owner && grants[0].permission === 'FULL_CONTROL';

/**
 * The owner and ACL of an object being written (PutObject, CopyObject, CreateMultipartUpload), checked as S3 does:
 * under BucketOwnerEnforced the bucket owner owns it and only an ACL giving the bucket owner full control is accepted
 * (else AccessControlListNotSupported); under BucketOwnerPreferred the bucket owner owns it when the writer grants it
 * bucket-owner-full-control; otherwise the writer owns it. A public ACL is refused while BlockPublicAcls is on.
 * `acl` is the grants to store, or null for the default (the owner's full control).
 */
export function objectAclForWrite(call: S3Call, bucket: BucketRow, resource: string): { owner: string; acl: string | null } {
  const ctx = call.ctx;
  const bucketOwner = canonicalOf(ctx, bucket.account_id);
  const writer = call.caller.principal.accountId || bucket.account_id;
  const canned = headerValue(call, 'x-amz-acl');
  const ownership = bucket.object_ownership ?? 'ObjectWriter';
  const owner = ownership === 'BucketOwnerEnforced' || (ownership === 'BucketOwnerPreferred' && canned === 'bucket-owner-full-control') ? bucket.account_id : writer;
  const ownerCanonical = canonicalOf(ctx, owner);
  const grants = requestedAcl(call, 'object', ownerCanonical, bucketOwner);
  if (!grants) return { owner, acl: null };
  if (aclsDisabled(bucket)) {
    if (!onlyBucketOwnerFullControl(grants, bucketOwner)) throw aclNotSupported();
    return { owner, acl: null };
  }
  if (grants.some(isPublicGrant) && effectivePab(ctx, bucket).BlockPublicAcls) throw publicAclsBlocked(call, 's3:PutObject', resource);
  return { owner, acl: sameAsDefault(grants, ownerCanonical) ? null : JSON.stringify(grants) };
}

/** The ACL of Put{Bucket,Object}Acl: from headers or from the body, not both, and one of them is required. */
async function aclOfPutAcl(call: S3Call, kind: 'bucket' | 'object', owner: string, bucketOwner: string): Promise<Grant[]> {
  const fromHeaders = requestedAcl(call, kind, owner, bucketOwner);
  const body = await call.readBody(MAX_XML_BODY);
  if (body.length > 0) {
    if (fromHeaders) throw new AwsError('UnexpectedContent', 'This request does not support content', 400);
    return bodyAcl(call, body);
  }
  if (!fromHeaders) throw new AwsError('MissingSecurityHeader', 'Your request was missing a required header', 400, { MissingHeaderName: 'x-amz-acl' });
  return fromHeaders;
}

export async function putBucketAcl(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const arn = bucketArn(bucket.bucket_name);
  authorize(call, bucket, 's3:PutBucketAcl', arn, aclConditionContext(call));
  const owner = canonicalOf(call.ctx, bucket.account_id);
  const grants = await aclOfPutAcl(call, 'bucket', owner, owner);
  if (grants.some(isPublicGrant) && effectivePab(call.ctx, bucket).BlockPublicAcls) throw publicAclsBlocked(call, 's3:PutBucketAcl', arn);
  if (aclsDisabled(bucket)) {
    if (!onlyBucketOwnerFullControl(grants, owner)) throw aclNotSupported();
    return {};
  }
  call.ctx.s3.setBucketAccess(bucket.bucket_name, { ...accessOf(bucket), acl: sameAsDefault(grants, owner) ? null : JSON.stringify(grants) });
  return {};
}

/** With ACLs disabled the bucket's ACL reads as the owner's full control, whatever was stored before. */
export const getBucketAcl: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketAcl', bucketArn(bucket.bucket_name));
  const owner = canonicalOf(call.ctx, bucket.account_id);
  return { body: aclXml(call.ctx, bucket.account_id, aclsDisabled(bucket) ? storedGrants(null, owner) : storedGrants(bucket.acl, owner)) };
};

/**
 * The version an object ACL request works on (the named one or the current one), authorized with the plain or
 * `…Version` action (s3:GetObjectVersionAcl, s3:PutObjectVersionAcl).
 */
function aclVersion(call: S3Call, bucket: BucketRow, key: string, action: string, extra: Record<string, string>): { version: ObjectVersion; headers: Record<string, string> } {
  const versionId = requestedVersionId(call);
  authorize(call, bucket, versionAction(action, versionId), `${bucketArn(bucket.bucket_name)}/${key}`, { ...extra, ...versionContext(versionId) });
  const found = versionToRead(call, bucket, key, versionId);
  // versionToRead leaves the current version's ACL to be read here.
  const version = versionId === undefined ? { ...found, acl: call.ctx.s3.objectAcl(bucket.bucket_name, key) } : found;
  return { version, headers: versionHeaders(bucket, version.row, versionId !== undefined) };
}

export async function putObjectAcl(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const key = call.key ?? '';
  const arn = `${bucketArn(bucket.bucket_name)}/${key}`;
  const { version, headers } = aclVersion(call, bucket, key, 's3:PutObjectAcl', aclConditionContext(call));
  const bucketOwner = canonicalOf(call.ctx, bucket.account_id);
  const owner = canonicalOf(call.ctx, version.row.owner_account);
  const grants = await aclOfPutAcl(call, 'object', owner, bucketOwner);
  if (grants.some(isPublicGrant) && effectivePab(call.ctx, bucket).BlockPublicAcls) throw publicAclsBlocked(call, 's3:PutObjectAcl', arn);
  if (aclsDisabled(bucket)) {
    if (!onlyBucketOwnerFullControl(grants, bucketOwner)) throw aclNotSupported();
    return { headers };
  }
  call.ctx.s3.updateVersion(bucket.bucket_name, key, version.versionId, { acl: sameAsDefault(grants, owner) ? null : JSON.stringify(grants) });
  return { headers };
}

export const getObjectAcl: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = call.key ?? '';
  const { version, headers } = aclVersion(call, bucket, key, 's3:GetObjectAcl', {});
  const owner = canonicalOf(call.ctx, version.row.owner_account);
  const stored = aclsDisabled(bucket) ? null : (version.acl ?? null);
  return { headers, body: aclXml(call.ctx, version.row.owner_account, storedGrants(stored, owner)) };
};

// ---- Bucket creation ----

/**
 * CreateBucket's ownership and ACL: x-amz-object-ownership (default BucketOwnerEnforced since April 2023, authorized
 * as s3:PutBucketOwnershipControls), an ACL from x-amz-acl / x-amz-grant-* (authorized as s3:PutBucketAcl), and the
 * Block Public Access configuration every new bucket gets (all four settings on).
 */
export function newBucketAccess(call: S3Call, name: string): { publicAccessBlock: string; objectOwnership: string; acl: string | null; extraActions: string[] } {
  const requested = headerValue(call, 'x-amz-object-ownership');
  if (requested !== undefined && !OWNERSHIPS.has(requested)) {
    throw new AwsError('InvalidArgument', 'Invalid x-amz-object-ownership header value', 400, { ArgumentName: 'x-amz-object-ownership', ArgumentValue: requested });
  }
  const objectOwnership = requested ?? 'BucketOwnerEnforced';
  const owner = canonicalOf(call.ctx, call.caller.principal.accountId);
  const grants = requestedAcl(call, 'bucket', owner, owner);
  const extraActions = [...(requested !== undefined ? ['s3:PutBucketOwnershipControls'] : []), ...(grants ? ['s3:PutBucketAcl'] : [])];
  let acl: string | null = null;
  if (grants) {
    if (objectOwnership === 'BucketOwnerEnforced' && !onlyBucketOwnerFullControl(grants, owner)) {
      throw new AwsError('InvalidBucketAclWithObjectOwnership', "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", 400, { BucketName: name });
    }
    // The new bucket's own Block Public Access (BlockPublicAcls on) refuses a public ACL.
    if (grants.some(isPublicGrant)) {
      throw new AwsError('InvalidBucketAclWithBlockPublicAccessError', 'Bucket cannot have public ACLs set with BlockPublicAccess enabled', 400, { BucketName: name });
    }
    if (objectOwnership !== 'BucketOwnerEnforced' && !sameAsDefault(grants, owner)) acl = JSON.stringify(grants);
  }
  return { publicAccessBlock: JSON.stringify(ALL_BLOCKED), objectOwnership, acl, extraActions };
}
