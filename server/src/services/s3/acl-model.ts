// The state behind S3's own access controls (Block Public Access, Object Ownership, ACL grants) and how it bears on
// one request's authorization. AWS docs: S3 User Guide "Blocking public access to your Amazon S3 storage",
// "Controlling ownership of objects and disabling ACLs for your bucket", "Access control list (ACL) overview".
import type { CallerPrincipal } from '../../policy/index.ts';
import type { ServerContext } from '../../context.ts';
import type { BucketRow } from '../../store/s3-store.ts';

export interface PublicAccessBlock { BlockPublicAcls: boolean; IgnorePublicAcls: boolean; BlockPublicPolicy: boolean; RestrictPublicBuckets: boolean }
export const PAB_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
/** What AWS applies to every new bucket since April 2023. */
export const ALL_BLOCKED: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
export const NONE_BLOCKED: PublicAccessBlock = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

const parsedPab = new Map<string, PublicAccessBlock>();
export function parsePab(json: string | null | undefined): PublicAccessBlock | undefined {
  if (!json) return undefined;
  let config = parsedPab.get(json);
  if (!config) {
    const raw = JSON.parse(json) as Partial<PublicAccessBlock>;
    config = { ...NONE_BLOCKED };
    for (const f of PAB_FIELDS) config[f] = raw[f] === true;
    if (parsedPab.size > 64) parsedPab.clear();
    parsedPab.set(json, config);
  }
  return config;
}

/** The setting in force for a bucket: the most restrictive combination of the bucket's and its owner account's. */
export function effectivePab(ctx: ServerContext, bucket: BucketRow): PublicAccessBlock {
  const own = parsePab(bucket.public_access_block) ?? NONE_BLOCKED;
  const account = parsePab(ctx.s3.accountPublicAccessBlock(bucket.account_id)) ?? NONE_BLOCKED;
  return {
    BlockPublicAcls: own.BlockPublicAcls || account.BlockPublicAcls, IgnorePublicAcls: own.IgnorePublicAcls || account.IgnorePublicAcls,
    BlockPublicPolicy: own.BlockPublicPolicy || account.BlockPublicPolicy, RestrictPublicBuckets: own.RestrictPublicBuckets || account.RestrictPublicBuckets,
  };
}

/** The ObjectOwnership values. */
export const OWNERSHIPS = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);

/** ACLs are disabled (and no longer affect access) under BucketOwnerEnforced, AWS's default for new buckets. */
export const aclsDisabled = (bucket: BucketRow): boolean => bucket.object_ownership === 'BucketOwnerEnforced';

export type Permission = 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
export const PERMISSIONS = new Set<string>(['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP']);
/** A grant as stored: to an account's canonical id, or to one of S3's predefined groups. */
export type Grant = { id: string; permission: Permission } | { uri: string; permission: Permission };

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
export const GROUPS = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);

/** Public, as Block Public Access means it: a grant to AllUsers or AuthenticatedUsers. */
export const isPublicGrant = (g: Grant): boolean => 'uri' in g && (g.uri === ALL_USERS || g.uri === AUTHENTICATED_USERS);

export const canonicalOf = (ctx: ServerContext, accountId: string): string => ctx.iam.account(accountId)?.canonical_id ?? accountId;

/** The stored grants of an ACL, or the default: the owner's FULL_CONTROL. */
export function storedGrants(json: string | null | undefined, ownerCanonical: string): Grant[] {
  return json ? (JSON.parse(json) as Grant[]) : [{ id: ownerCanonical, permission: 'FULL_CONTROL' }];
}

/** Which ACL, and which permission in it, grants an action (S3 User Guide, "Mapping of ACL permissions and access policy permissions"). */
const BUCKET_ACL_ACTIONS: Record<string, Permission> = {
  's3:listbucket': 'READ', 's3:listbucketversions': 'READ', 's3:listbucketmultipartuploads': 'READ',
  's3:putobject': 'WRITE', 's3:deleteobject': 'WRITE', 's3:deleteobjectversion': 'WRITE',
  's3:getbucketacl': 'READ_ACP', 's3:putbucketacl': 'WRITE_ACP',
};
const OBJECT_ACL_ACTIONS: Record<string, Permission> = {
  's3:getobject': 'READ', 's3:getobjectversion': 'READ', 's3:getobjectacl': 'READ_ACP', 's3:getobjectversionacl': 'READ_ACP',
  's3:putobjectacl': 'WRITE_ACP', 's3:putobjectversionacl': 'WRITE_ACP',
};

/** The object (version) an ACL decision is about, with its ACL: the named version, or the current one. */
function objectVersion(ctx: ServerContext, bucket: BucketRow, key: string, versionId: string | undefined): { row: { owner_account: string }; acl: string | undefined } | undefined {
  if (versionId !== undefined) {
    const version = ctx.s3.version(bucket.bucket_name, key, versionId);
    return version && !version.deleteMarker ? version : undefined;
  }
  const object = ctx.s3.object(bucket.bucket_name, key);
  return object ? { row: object, acl: ctx.s3.objectAcl(bucket.bucket_name, key) } : undefined;
}

/**
 * The owner of the object an object-ACL action (GetObject, GetObjectAcl, PutObjectAcl…) is about, when ACLs are enabled
 * and another account than the bucket owner owns it (an ObjectWriter upload): that object's access is then its owner's
 * to grant, through its ACL, and the bucket owner's policies can only deny (S3 User Guide, "How Amazon S3 authorizes a
 * request for an object operation").
 */
export function foreignObjectOwner(ctx: ServerContext, bucket: BucketRow, action: string, resource: string, versionId?: string): string | undefined {
  if (aclsDisabled(bucket) || OBJECT_ACL_ACTIONS[action.toLowerCase()] === undefined) return undefined;
  const objectPrefix = `arn:aws:s3:::${bucket.bucket_name}/`;
  if (!resource.startsWith(objectPrefix)) return undefined;
  const owner = objectVersion(ctx, bucket, resource.slice(objectPrefix.length), versionId)?.row.owner_account;
  return owner !== undefined && owner !== bucket.account_id ? owner : undefined;
}

/**
 * How an ACL grants an action to a caller: 'everyone' through a group grant (AllUsers, or AuthenticatedUsers for a
 * signed request), 'account' through a grant to the caller's account, or not at all. Public grants count only when
 * IgnorePublicAcls is off; under BucketOwnerEnforced ACLs count not at all.
 */
export function aclGrant(ctx: ServerContext, principal: CallerPrincipal, bucket: BucketRow, action: string, resource: string, versionId?: string): 'everyone' | 'account' | undefined {
  if (aclsDisabled(bucket)) return undefined;
  const actionLower = action.toLowerCase();
  const objectPrefix = `arn:aws:s3:::${bucket.bucket_name}/`;
  let grants: Grant[];
  let needed: Permission | undefined = BUCKET_ACL_ACTIONS[actionLower];
  if (needed !== undefined) {
    grants = storedGrants(bucket.acl, canonicalOf(ctx, bucket.account_id));
  } else {
    needed = OBJECT_ACL_ACTIONS[actionLower];
    if (needed === undefined || !resource.startsWith(objectPrefix)) return undefined;
    const version = objectVersion(ctx, bucket, resource.slice(objectPrefix.length), versionId);
    if (!version) return undefined;
    grants = storedGrants(version.acl, canonicalOf(ctx, version.row.owner_account));
  }
  const ignorePublic = effectivePab(ctx, bucket).IgnorePublicAcls;
  const signed = principal.kind !== 'anonymous';
  const callerCanonical = signed ? canonicalOf(ctx, principal.accountId) : undefined;
  let found: 'everyone' | 'account' | undefined;
  for (const g of grants) {
    if (g.permission !== needed && g.permission !== 'FULL_CONTROL') continue;
    if ('uri' in g) {
      if (ignorePublic) continue;
      if (g.uri === ALL_USERS || (signed && g.uri === AUTHENTICATED_USERS)) return 'everyone';
    } else if (g.id === callerCanonical) found = 'account';
  }
  return found;
}

