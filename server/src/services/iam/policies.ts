// Managed policy tags and ListEntitiesForPolicy.
import type { XmlObject } from '../../protocol/xml.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { entityTagHandlers } from './entity-tags.ts';
import { AwsError } from '../../errors.ts';
import { accountOf, afterMarker, authorize, maxItems, page, requirePolicy } from './iam.ts';

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
  save: (call, tags) => iamEntities(call.ctx.db).setPolicyTags(requireTaggablePolicy(call).arn, tags),
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
