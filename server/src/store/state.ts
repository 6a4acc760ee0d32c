import { readFileSync } from 'node:fs';
import type { SamlProviderRow } from './saml-store.ts';
import type { ServerContext } from '../context.ts';
import type { AccessKeyRow, AccountRow, InlinePolicyRow, ManagedPolicyRow, PolicyVersionRow, RoleRow, SessionRow, UserRow } from './iam-store.ts';
import { NULL_VERSION, type BucketRow, type ObjectRow } from './s3-store.ts';
import { exportAccountSettings, exportEntities } from './entity-fixtures.ts';
import { exportBucketAccess } from './s3-access-fixtures.ts';
import { exportLifecycle } from './s3-lifecycle-fixtures.ts';
import { exportBucketVersioning, exportObjectLock } from './s3-versioning-fixtures.ts';
import { exportKmsKeys } from './kms-fixtures.ts';
import { decryptSseS3 } from './s3-sse-key.ts';
import { exportBucketConfigs } from './s3-config-fixtures.ts';
import { exportOrganization } from './organization-fixtures.ts';

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };

/** Tables in dependency order; reset and restore walk it backwards/forwards. */
export const STATE_TABLES = ['accounts', 'users', 'access_keys', 'roles', 'managed_policies', 'policy_versions', 'policy_attachments', 'inline_policies', 'sessions', 'buckets', 'objects', 'object_acls', 'object_versions', 'account_public_access_blocks', 'inline_blobs', 'object_restores', 'multipart_uploads', 'multipart_parts', 'completed_uploads', 'groups', 'group_members', 'instance_profiles', 'instance_profile_roles', 'oidc_providers', 'login_profiles', 'account_aliases', 'password_policies', 'service_linked_role_deletions', 'saml_providers', 'mfa_devices', 'ssh_public_keys', 'server_certificates', 'signing_certificates', 'service_specific_credentials', 'sts_preferences', 'kms_keys', 'kms_key_material', 'kms_aliases', 'kms_grants', 'org_organizations', 'org_policy_types', 'org_units', 'org_accounts', 'org_create_account_status', 'org_policies', 'org_attachments', 'org_tags'] as const;

interface SseS3Record { sseS3?: true; dataKey: string; segments?: { size: number; iv: string }[] }
const sseS3Record = (o: ObjectRow): SseS3Record | undefined => {
  const record = o.sse_kms ? (JSON.parse(o.sse_kms) as SseS3Record) : undefined;
  return record?.sseS3 ? record : undefined;
};
function exportedContent(ctx: ServerContext, o: ObjectRow): Buffer {
  const stored = ctx.s3.blobBytes(o.blob_id);
  const record = sseS3Record(o);
  return record ? decryptSseS3(ctx.db, record.dataKey, record.segments ?? [], stored) : stored;
}

/** An object or version's content and attributes in the fixtures format. */
function exportedObject(ctx: ServerContext, o: ObjectRow, acl: string | null | undefined): Record<string, Json> {
  return {
    // SSE-S3 bytes are exported in the clear: the server's key that wraps their data key stays with its database.
    contentBase64: exportedContent(ctx, o).toString('base64'), contentType: o.content_type ?? undefined,
    lastModified: o.last_modified, owner: o.owner_account, serverSideEncryption: o.sse ?? undefined, kmsKeyId: o.sse_kms_key_id ?? undefined,
    tags: o.tags ? (JSON.parse(o.tags) as Record<string, string>) : undefined, storageClass: o.storage_class ?? undefined,
    // SSE-C: the content is ciphertext; the sealed key record (salted HMAC and IVs, never the key) goes with it.
    sseCustomer: o.sse_customer ? (JSON.parse(o.sse_customer) as Json) : undefined,
    // SSE-KMS: the content is ciphertext; the record (the data key as KMS encrypted it, context, IVs) goes with it.
    sseKms: o.sse_kms && !sseS3Record(o) ? (JSON.parse(o.sse_kms) as Json) : undefined,
    acl: acl ? (JSON.parse(acl) as Json) : undefined,
    objectLock: exportObjectLock(o),
    metadata: o.metadata && o.metadata !== '{}' ? (JSON.parse(o.metadata) as Json) : undefined,
    checksum: o.checksum ?? undefined,
    // A multipart object's part sizes (and part checksums), for GET/HEAD ?partNumber.
    parts: o.parts ? (JSON.parse(o.parts) as Json) : undefined,
  };
}

/**
 * The whole state in the fixtures format (documents kept as their exact stored text), so that loading the export into
 * an empty server reproduces it.
 */
export function exportState(ctx: ServerContext): Record<string, Json> {
  const all = <T>(sql: string): T[] => ctx.db.prepare<[], T>(sql).all();
  const accounts = all<AccountRow>("SELECT * FROM accounts WHERE account_id <> 'aws' ORDER BY account_id");
  const keys = all<AccessKeyRow>('SELECT * FROM access_keys ORDER BY created_at, access_key_id');
  const inline = all<InlinePolicyRow & { account_id: string; principal_kind: string; principal_name: string }>('SELECT * FROM inline_policies ORDER BY policy_name');
  const attached = all<{ policy_arn: string; account_id: string; principal_kind: string; principal_name: string }>('SELECT * FROM policy_attachments ORDER BY attached_at, policy_arn');
  const versions = all<PolicyVersionRow>('SELECT * FROM policy_versions ORDER BY policy_arn, CAST(substr(version_id, 2) AS INTEGER)');
  const of = <T extends { account_id: string; principal_kind: string; principal_name: string }>(rows: T[], account: string, kind: string, name: string): T[] =>
    rows.filter((r) => r.account_id === account && r.principal_kind === kind && r.principal_name.toLowerCase() === name.toLowerCase());
  const inlineOf = (account: string, kind: string, name: string): Json =>
    Object.fromEntries(of(inline, account, kind, name).map((p) => [p.policy_name, p.document]));
  const attachedOf = (account: string, kind: string, name: string): Json => of(attached, account, kind, name).map((a) => a.policy_arn);
  return {
    accounts: accounts.map((a) => {
      const root = keys.find((k) => k.account_id === a.account_id && k.user_name === null);
      return {
        id: a.account_id, displayName: a.display_name, canonicalId: a.canonical_id, rootAccessKeyId: root?.access_key_id, rootSecretAccessKey: root?.secret_key,
        ...exportAccountSettings(ctx, a.account_id),
        s3PublicAccessBlock: ((config) => (config ? (JSON.parse(config) as Json) : undefined))(ctx.s3.accountPublicAccessBlock(a.account_id)),
      };
    }),
    samlProviders: all<SamlProviderRow>('SELECT * FROM saml_providers ORDER BY created_at, arn').map((p) => ({
      name: p.name, account: p.account_id, metadataDocument: p.metadata || undefined, createDate: p.created_at, tags: p.tags ? (JSON.parse(p.tags) as Record<string, string>) : undefined,
    })),
    policies: all<ManagedPolicyRow>("SELECT * FROM managed_policies WHERE account_id <> 'aws' ORDER BY created_at, arn").map((p) => ({
      name: p.policy_name, account: p.account_id, path: p.path, description: p.description ?? undefined, createDate: p.created_at,
      defaultVersion: p.default_version,
      versions: versions.filter((v) => v.policy_arn === p.arn).map((v) => ({ id: v.version_id, document: v.document, createDate: v.created_at })),
    })),
    users: all<UserRow>('SELECT * FROM users ORDER BY created_at, user_name').map((u) => ({
      name: u.user_name, account: u.account_id, path: u.path, userId: u.user_id, createDate: u.created_at, permissionsBoundary: u.permissions_boundary ?? undefined,
      accessKeys: keys.filter((k) => k.account_id === u.account_id && k.user_name?.toLowerCase() === u.user_name.toLowerCase())
        .map((k) => ({ id: k.access_key_id, secret: k.secret_key, status: k.status })),
      attachedPolicies: attachedOf(u.account_id, 'user', u.user_name), inlinePolicies: inlineOf(u.account_id, 'user', u.user_name),
    })),
    roles: all<RoleRow>('SELECT * FROM roles ORDER BY created_at, role_name').map((r) => ({
      name: r.role_name, account: r.account_id, path: r.path, roleId: r.role_id, description: r.description ?? undefined, createDate: r.created_at,
      maxSessionDuration: r.max_session_duration, permissionsBoundary: r.permissions_boundary ?? undefined, trustPolicy: r.trust_policy,
      attachedPolicies: attachedOf(r.account_id, 'role', r.role_name), inlinePolicies: inlineOf(r.account_id, 'role', r.role_name),
    })),
    ...exportEntities(ctx, accounts.map((a) => a.account_id)),
    sessions: all<SessionRow>("SELECT * FROM sessions WHERE principal_type = 'role' ORDER BY access_key_id").map((s) => ({
      role: s.role_name, account: s.account_id, sessionName: s.session_name, accessKeyId: s.access_key_id, secretAccessKey: s.secret_key,
      sessionToken: s.session_token, expiresAt: s.expires_at, sourceIdentity: s.source_identity ?? undefined, policy: s.session_policy ?? undefined,
      policyArns: s.session_policy_arns ? (JSON.parse(s.session_policy_arns) as string[]) : undefined,
    })),
    buckets: all<BucketRow>('SELECT * FROM buckets ORDER BY bucket_name').map((b) => ({
      name: b.bucket_name, account: b.account_id, region: b.region, policy: b.policy ?? undefined, createDate: b.created_at, ...exportBucketAccess(b),
      encryption: b.encryption ? (JSON.parse(b.encryption) as Json) : undefined,
      cors: b.cors ? (JSON.parse(b.cors) as Json) : undefined,
      lifecycle: b.lifecycle ? (exportLifecycle(b.lifecycle) as Json) : undefined,
      ...exportBucketVersioning(b),
      ...(exportBucketConfigs(b) as Record<string, Json>),
      objects: ctx.db.prepare<[string], ObjectRow>('SELECT * FROM objects WHERE bucket_name = ? ORDER BY object_key').all(b.bucket_name).map((o) => ({
        key: o.object_key, versionId: b.versioning ? o.version_id ?? NULL_VERSION : undefined,
        ...exportedObject(ctx, o, ctx.s3.objectAcl(o.bucket_name, o.object_key)),
      })),
      // Noncurrent versions and delete markers, each key's newest first, with their version ids.
      versions: b.versioning ? ctx.s3.lifecycleVersions(b.bucket_name).map((v) => (v.deleteMarker
        ? { key: v.row.object_key, versionId: v.versionId, deleteMarker: true, lastModified: v.row.last_modified, owner: v.row.owner_account }
        : { key: v.row.object_key, versionId: v.versionId, ...exportedObject(ctx, v.row, v.acl) })) : undefined,
    })),
    kmsKeys: exportKmsKeys(ctx),
    organization: exportOrganization(ctx),
  };
}
