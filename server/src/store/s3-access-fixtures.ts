// Fixtures and state export for S3 Block Public Access (bucket and account), Object Ownership and ACL grants.
import type { ServerContext } from '../context.ts';
import type { Node, Reader } from './fixture-reader.ts';
import type { BucketRow } from './s3-store.ts';

export const BUCKET_ACCESS_FIELDS = ['publicAccessBlock', 'objectOwnership', 'acl'] as const;
const PAB_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
const OWNERSHIPS = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];
const PERMISSIONS = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'];
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const GROUPS = [ALL_USERS, AUTHENTICATED_USERS, 'http://acs.amazonaws.com/groups/s3/LogDelivery'];
/** Buckets created on AWS from April 2023 get Block Public Access (all on) and BucketOwnerEnforced by default. */
const NEW_DEFAULTS_FROM = Date.parse('2023-04-01T00:00:00Z');

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };

/** publicAccessBlock: the four settings (left out: false), or null for none configured. */
export function publicAccessBlockOf(r: Reader, value: unknown, path: string): string | null {
  if (value === null) return null;
  const node = r.object(value, path, PAB_FIELDS);
  const config: Record<string, boolean> = {};
  for (const f of PAB_FIELDS) {
    if (node[f] !== undefined && typeof node[f] !== 'boolean') r.fail(`${path}.${f}`, 'expected true or false');
    config[f] = node[f] === true;
  }
  return JSON.stringify(config);
}

/**
 * An ACL: a canned ACL among private, public-read, public-read-write and authenticated-read, or a list of grants
 * ({id: canonical id | uri: group URI, permission}). Stored as grants; null is the default (the owner's full control).
 */
function aclOf(ctx: ServerContext, r: Reader, value: unknown, path: string, ownerCanonical: string): string | null {
  if (value === undefined || value === null) return null;
  const grants: Json[] = [];
  if (typeof value === 'string') {
    const extra: Record<string, Json[]> = {
      private: [], 'public-read': [{ uri: ALL_USERS, permission: 'READ' }],
      'public-read-write': [{ uri: ALL_USERS, permission: 'READ' }, { uri: ALL_USERS, permission: 'WRITE' }],
      'authenticated-read': [{ uri: AUTHENTICATED_USERS, permission: 'READ' }],
    };
    if (!extra[value]) r.fail(path, 'expected private, public-read, public-read-write, authenticated-read or a list of grants');
    if (value === 'private') return null;
    return JSON.stringify([{ id: ownerCanonical, permission: 'FULL_CONTROL' }, ...extra[value]!]);
  }
  r.list(value, path).forEach((raw, i) => {
    const gpath = `${path}[${i}]`;
    const g = r.object(raw, gpath, ['id', 'uri', 'permission']);
    const permission = r.string(g.permission, `${gpath}.permission`);
    if (!PERMISSIONS.includes(permission)) r.fail(`${gpath}.permission`, `expected one of ${PERMISSIONS.join(', ')}`);
    if (g.id !== undefined) {
      const id = r.string(g.id, `${gpath}.id`);
      if ((ctx.iam.accountByCanonicalId(id)?.account_id ?? 'aws') === 'aws') r.fail(`${gpath}.id`, `no account has canonical id ${id}`);
      grants.push({ id, permission });
    } else {
      const uri = r.string(g.uri, `${gpath}.uri`);
      if (!GROUPS.includes(uri)) r.fail(`${gpath}.uri`, `expected one of ${GROUPS.join(', ')}`);
      grants.push({ uri, permission });
    }
  });
  return JSON.stringify(grants);
}

/**
 * buckets[].publicAccessBlock / objectOwnership / acl. Left out, they default as on AWS for a bucket created then:
 * from April 2023 Block Public Access all on and BucketOwnerEnforced, before it none of either.
 */
export function bucketAccessOf(ctx: ServerContext, r: Reader, b: Node, path: string, createdAt: Date, accountId: string): Pick<BucketRow, 'public_access_block' | 'object_ownership' | 'acl'> {
  const modern = createdAt.getTime() >= NEW_DEFAULTS_FROM;
  const public_access_block = b.publicAccessBlock === undefined
    ? (modern ? JSON.stringify(Object.fromEntries(PAB_FIELDS.map((f) => [f, true]))) : null)
    : publicAccessBlockOf(r, b.publicAccessBlock, `${path}.publicAccessBlock`);
  let object_ownership: string | null = modern ? 'BucketOwnerEnforced' : null;
  if (b.objectOwnership !== undefined) {
    object_ownership = b.objectOwnership === null ? null : r.string(b.objectOwnership, `${path}.objectOwnership`);
    if (object_ownership !== null && !OWNERSHIPS.includes(object_ownership)) r.fail(`${path}.objectOwnership`, `expected one of ${OWNERSHIPS.join(', ')}`);
  }
  const owner = ctx.iam.account(accountId)?.canonical_id ?? accountId;
  return { public_access_block, object_ownership, acl: aclOf(ctx, r, b.acl, `${path}.acl`, owner) };
}

/** buckets[].objects[].acl (see aclOf). */
export function objectAclOf(ctx: ServerContext, r: Reader, value: unknown, path: string, ownerAccount: string): string | null {
  return aclOf(ctx, r, value, path, ctx.iam.account(ownerAccount)?.canonical_id ?? ownerAccount);
}

export function exportBucketAccess(b: BucketRow): { publicAccessBlock: Json; objectOwnership: Json; acl: Json } {
  return {
    publicAccessBlock: b.public_access_block ? (JSON.parse(b.public_access_block) as Json) : null,
    objectOwnership: b.object_ownership ?? null,
    acl: b.acl ? (JSON.parse(b.acl) as Json) : undefined,
  };
}
