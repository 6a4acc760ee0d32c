// Managed policies and their versions, their tags, and ListEntitiesForPolicy.
import type { XmlObject } from '../../protocol/xml.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { bool, type QueryCall, type QueryHandler, req, str } from '../query-service.ts';
import { entityTagHandlers } from './entity-tags.ts';
import { AwsError, deleteConflict, entityAlreadyExists, limitExceeded, noSuchEntity } from '../../errors.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { checkPath, requirePolicy } from './entities.ts';
import { pathOf } from '../../auth/caller.ts';
import { awsId, isoSeconds } from '../../store/ids.ts';
import type { ManagedPolicyRow } from '../../store/iam-store.ts';
import { inputTags, mergeTags, tagList } from './tags.ts';
import { policyXml, versionXml } from './shapes.ts';
import { validateManagedPolicy } from './policy-documents.ts';

/** Tags belong to customer managed policies; AWS managed ones cannot be tagged by an account. */
function requireTaggablePolicy(call: QueryCall): { arn: string; tags: string | null } {
  const arn = req(call.input, 'PolicyArn');
  const policy = requirePolicy(call, arn);
  if (policy.account_id !== accountOf(call) && call.operation !== 'ListPolicyTags') {
    throw new AwsError('AccessDenied', `User: ${call.caller.principal.arn} is not authorized to perform: iam:${call.operation} on resource: policy ${arn}`, 403);
  }
  return { arn, tags: policy.tags ?? null };
}

export const policyTags = entityTagHandlers({
  resource: (call) => req(call.input, 'PolicyArn'),
  tags: (call) => requireTaggablePolicy(call).tags,
  save: (call, tags) => {
    iamEntities(call.ctx.db).setPolicyTags(requireTaggablePolicy(call).arn, tags);
    // Policy rows (tags included) are cached with the IAM state.
    call.ctx.iam.invalidate();
  },
});

interface Entity { kind: 'Group' | 'User' | 'Role'; name: string; id: string; path: string }
const KIND_ORDER = { Group: 0, User: 1, Role: 2 } as const;

export const listEntitiesForPolicy: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  requirePolicy(call, arn);
  const account = accountOf(call);
  const { iam } = call.ctx;
  const store = iamEntities(call.ctx.db);
  const filter = str(call.input, 'EntityFilter');
  const usage = str(call.input, 'PolicyUsageFilter');
  const prefix = str(call.input, 'PathPrefix') ?? '/';
  const entities = new Map<string, Entity>();
  const add = (kind: Entity['kind'], name: string): void => {
    const row = kind === 'User' ? iam.user(account, name) : kind === 'Role' ? iam.role(account, name) : iam.group(account, name);
    if (!row) return;
    const entity: Entity = 'user_id' in row ? { kind, name: row.user_name, id: row.user_id, path: row.path }
      : 'role_id' in row ? { kind, name: row.role_name, id: row.role_id, path: row.path } : { kind, name: row.group_name, id: row.group_id, path: row.path };
    entities.set(`${KIND_ORDER[kind]}\n${entity.name}`, entity);
  };
  if (usage !== 'PermissionsBoundary') {
    for (const a of store.policyAttachments(arn, account)) add(a.principal_kind === 'user' ? 'User' : a.principal_kind === 'role' ? 'Role' : 'Group', a.principal_name);
  }
  if (usage !== 'PermissionsPolicy') {
    for (const name of store.boundaryUsers(account, arn)) add('User', name);
    for (const name of store.boundaryRoles(account, arn)) add('Role', name);
  }
  // LocalManagedPolicy and AWSManagedPolicy select no kind of principal: every entity stays.
  const kinds = filter === 'User' || filter === 'Role' || filter === 'Group' ? [filter] : ['Group', 'User', 'Role'];
  const rows = [...entities.entries()].filter(([, e]) => kinds.includes(e.kind) && e.path.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const after = afterMarker(call.input);
  const start = after ? rows.findIndex(([k]) => k === after) + 1 : 0;
  const p = page(rows.slice(start), maxItems(call.input), ([k]) => k);
  const of = (kind: Entity['kind']): XmlObject[] => p.items.map(([, e]) => e).filter((e) => e.kind === kind).map((e) => ({ [`${kind}Name`]: e.name, [`${kind}Id`]: e.id }));
  return { PolicyGroups: of('Group'), PolicyUsers: of('User'), PolicyRoles: of('Role'), IsTruncated: p.isTruncated, Marker: p.marker };
};

const POLICY_VERSIONS_MAX = 5;

/** AWS managed policies can be read and attached, never changed. */
function requireOwnPolicy(call: QueryCall, arn: string): ManagedPolicyRow {
  const policy = requirePolicy(call, arn);
  if (policy.account_id !== accountOf(call)) {
    throw new AwsError('AccessDenied', `User: ${call.caller.principal.arn} is not authorized to perform: iam:${call.operation} on resource: policy ${arn}`, 403);
  }
  return policy;
}

export const createPolicy: QueryHandler = (call) => {
  const { input, ctx } = call;
  const name = req(input, 'PolicyName');
  const path = checkPath(input, 'Path');
  const arn = `arn:aws:iam::${accountOf(call)}:policy${pathOf(path)}${name}`;
  const tags = mergeTags(null, inputTags(input));
  authorize(call, arn, requestTagContext(tags));
  const document = req(input, 'PolicyDocument');
  validateManagedPolicy(ctx.iam, document);
  if (ctx.iam.policy(arn) || ctx.iam.policies(accountOf(call), '/', '').some((p) => p.policy_name.toLowerCase() === name.toLowerCase())) {
    throw entityAlreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
  }
  const now = isoSeconds(call.facts.now);
  const policy: ManagedPolicyRow = {
    arn, account_id: accountOf(call), policy_name: name, policy_id: awsId('ANPA', 17), path, description: str(input, 'Description') ?? null,
    default_version: 'v1', next_version: 2, created_at: now, updated_at: now,
  };
  ctx.iam.insertPolicy(policy);
  ctx.iam.insertVersion({ policy_arn: arn, version_id: 'v1', document, created_at: now });
  iamEntities(ctx.db).setPolicyTags(arn, tags);
  ctx.iam.invalidate();
  return { Policy: { ...policyXml(policy, 0, false), Tags: tagList(Object.keys(tags).length ? JSON.stringify(tags) : null) } };
};

export const getPolicy: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requirePolicy(call, arn);
  const attachments = policy.account_id === 'aws' ? call.ctx.iam.attachmentCountIn(arn, accountOf(call)) : call.ctx.iam.attachmentCount(arn);
  const boundaryUsage = policy.account_id === 'aws' ? iamEntities(call.ctx.db).boundaryUsageIn(arn, accountOf(call)) : call.ctx.iam.boundaryUsageCount(arn);
  // GetPolicy, like the other Get* of taggable IAM resources except users and roles, lists no tags as an empty list.
  return { Policy: { ...policyXml(policy, attachments, true, boundaryUsage), Tags: tagList(policy.tags) ?? [] } };
};

export const deletePolicy: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  requireOwnPolicy(call, arn);
  if (call.ctx.iam.attachmentCount(arn) > 0 || call.ctx.iam.boundaryUsageCount(arn) > 0) throw deleteConflict('Cannot delete a policy attached to entities.');
  if (call.ctx.iam.versions(arn).length > 1) throw deleteConflict('Cannot delete a policy with non-default versions. Delete the non-default versions first.');
  call.ctx.iam.deletePolicy(arn);
  return null;
};

export const listPolicies: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:policy/`);
  const scope = str(call.input, 'Scope') ?? 'All';
  const onlyAttached = bool(call.input, 'OnlyAttached') ?? false;
  const limit = maxItems(call.input);
  const prefix = str(call.input, 'PathPrefix') ?? '/';
  const after = afterMarker(call.input);
  const local = scope === 'AWS' ? [] : call.ctx.iam.policies(accountOf(call), prefix, after);
  const aws = scope === 'Local' ? [] : call.ctx.iam.policies('aws', prefix, after);
  // AWS managed policies' attachment counts are per account: count only this account's attachments.
  const entities = iamEntities(call.ctx.db);
  const awsCounted = aws.map((p) => ({ ...p, attachment_count: call.ctx.iam.attachmentCountIn(p.arn, accountOf(call)), boundary_count: entities.boundaryUsageIn(p.arn, accountOf(call)) }));
  const localCounted = local.map((p) => ({ ...p, boundary_count: call.ctx.iam.boundaryUsageCount(p.arn) }));
  // OnlyAttached keeps policies in use; PolicyUsageFilter says which use counts (permissions, boundary, or either).
  const usage = str(call.input, 'PolicyUsageFilter');
  const used = (p: { attachment_count: number; boundary_count: number }): boolean =>
    usage === 'PermissionsPolicy' ? p.attachment_count > 0 : usage === 'PermissionsBoundary' ? p.boundary_count > 0 : p.attachment_count + p.boundary_count > 0;
  const rows = [...localCounted, ...awsCounted].sort((a, b) => (a.policy_name < b.policy_name ? -1 : 1))
    .filter((p) => !onlyAttached || used(p));
  return pageXml(page(rows, limit, (p) => p.policy_name), 'Policies', (p) => policyXml(p, p.attachment_count, false, p.boundary_count));
};

export const createPolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requireOwnPolicy(call, arn);
  const document = req(call.input, 'PolicyDocument');
  validateManagedPolicy(call.ctx.iam, document);
  if (call.ctx.iam.versions(arn).length >= POLICY_VERSIONS_MAX) {
    throw limitExceeded(`A managed policy can have up to ${POLICY_VERSIONS_MAX} versions. Before you create a new version, you must delete an existing version.`);
  }
  const versionId = `v${policy.next_version}`;
  const now = isoSeconds(call.facts.now);
  call.ctx.iam.insertVersion({ policy_arn: arn, version_id: versionId, document, created_at: now });
  call.ctx.iam.bumpNextVersion(arn);
  const isDefault = bool(call.input, 'SetAsDefault') ?? false;
  if (isDefault) call.ctx.iam.setDefaultVersion(arn, versionId, now);
  return { PolicyVersion: { VersionId: versionId, IsDefaultVersion: isDefault, CreateDate: now } };
};

function requireVersion(call: QueryCall, policy: ManagedPolicyRow, versionId: string): { version_id: string; document: string; created_at: string } {
  const version = call.ctx.iam.version(policy.arn, versionId);
  if (!version) throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist.`);
  return version;
}

export const getPolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requirePolicy(call, arn);
  return { PolicyVersion: versionXml(policy, requireVersion(call, policy, req(call.input, 'VersionId')), true) };
};

export const listPolicyVersions: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requirePolicy(call, arn);
  const versions = call.ctx.iam.versions(arn);
  const after = afterMarker(call.input);
  const rest = after ? versions.slice(versions.findIndex((v) => v.version_id === after) + 1) : versions;
  return pageXml(page(rest, maxItems(call.input), (v) => v.version_id), 'Versions', (v) => versionXml(policy, v, false));
};

export const deletePolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requireOwnPolicy(call, arn);
  const versionId = req(call.input, 'VersionId');
  requireVersion(call, policy, versionId);
  if (versionId === policy.default_version) throw deleteConflict('Cannot delete the default version of a policy.');
  call.ctx.iam.deleteVersion(arn, versionId);
  return null;
};

export const setDefaultPolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requireOwnPolicy(call, arn);
  const versionId = req(call.input, 'VersionId');
  requireVersion(call, policy, versionId);
  call.ctx.iam.setDefaultVersion(arn, versionId, isoSeconds(call.facts.now));
  return null;
};
