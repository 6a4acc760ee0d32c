// Roles: Create/Get/Update/Delete/ListRoles, UpdateAssumeRolePolicy, UpdateRoleDescription, service-linked roles.
import { randomUUID } from 'node:crypto';
import { roleArn } from '../../auth/caller.ts';
import { AwsError, deleteConflict, entityAlreadyExists, noSuchEntity } from '../../errors.ts';
import type { RoleRow } from '../../store/iam-store.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { awsId, isoSeconds } from '../../store/ids.ts';
import { num, type QueryCall, type QueryHandler, req, str } from '../query-service.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { checkPath, requireBoundaryPolicy, requireRole, roleResource } from './entities.ts';
import { roleXml } from './shapes.ts';
import { DEFAULT_DESCRIPTIONS, NO_CUSTOM_SUFFIX, serviceLinkedRoleName } from './service-linked-roles.ts';
import { inputTags, mergeTags } from './tags.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { validateTrustPolicy } from './policy-documents.ts';

const SERVICE_ROLE_PATH = '/aws-service-role/';

export const isServiceLinked = (role: RoleRow): boolean => role.path.startsWith(SERVICE_ROLE_PATH);

function protectedRole(role: RoleRow): AwsError {
  return new AwsError('UnmodifiableEntity', `Cannot perform the operation on the protected role '${role.role_name}' - this role is only modifiable by AWS`, 400);
}

/** DeleteRole's extra preconditions: not in an instance profile, not service-linked. */
export function checkRoleDeletable(call: QueryCall, role: RoleRow): void {
  if (isServiceLinked(role)) throw protectedRole(role);
  if (iamEntities(call.ctx.db).instanceProfilesOfRole(role.account_id, role.role_name).length) {
    throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  }
}

export const updateRoleDescription: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  // Service-linked roles are protected, but their description may be edited.
  const role = requireRole(call, name);
  const description = req(call.input, 'Description');
  call.ctx.iam.updateRole(role.account_id, role.role_name, description, null);
  return { Role: roleXml({ ...role, description }, 'description') };
};

export const createServiceLinkedRole: QueryHandler = (call) => {
  const service = req(call.input, 'AWSServiceName');
  const suffix = str(call.input, 'CustomSuffix');
  if (!/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/.test(service)) {
    throw new AwsError('InvalidInput', `Invalid service principal: ${service}`, 400);
  }
  if (suffix !== undefined && NO_CUSTOM_SUFFIX.has(service)) {
    throw new AwsError('InvalidInput', `Custom suffix is not allowed for ${service}`, 400);
  }
  const name = serviceLinkedRoleName(service, suffix);
  const path = `${SERVICE_ROLE_PATH}${service}/`;
  authorize(call, roleArn(accountOf(call), path, name), { 'iam:AWSServiceName': service });
  if (call.ctx.iam.role(accountOf(call), name)) {
    throw new AwsError('InvalidInput', `Service role name ${name} has been taken in this account, please try a different suffix.`, 400);
  }
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: [service] }, Action: ['sts:AssumeRole'] }] });
  const role: RoleRow = {
    account_id: accountOf(call), role_name: name, role_id: awsId('AROA', 17), path, trust_policy: trust,
    description: str(call.input, 'Description') ?? DEFAULT_DESCRIPTIONS[service] ?? null, max_session_duration: 3600, permissions_boundary: null,
    created_at: isoSeconds(call.facts.now), tags: null,
  };
  call.ctx.iam.insertRole(role);
  return { Role: roleXml(role, 'create') };
};

export const deleteServiceLinkedRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  if (!isServiceLinked(role)) throw new AwsError('InvalidInput', `Role ${role.role_name} is not a service-linked role.`, 400);
  const { iam } = call.ctx;
  const entities = iamEntities(call.ctx.db);
  // AWS deletes asynchronously once the service no longer uses the role; here nothing uses it, so it is done at once.
  for (const profile of entities.instanceProfilesOfRole(role.account_id, role.role_name)) entities.removeRoleFromInstanceProfile(role.account_id, profile.profile_name, role.role_name);
  for (const inline of iam.inlinePolicies(role.account_id, 'role', role.role_name)) iam.deleteInlinePolicy(role.account_id, 'role', role.role_name, inline.policy_name);
  for (const attached of iam.attachedPolicies(role.account_id, 'role', role.role_name)) iam.detach(attached.policy_arn, role.account_id, 'role', role.role_name);
  iam.deleteRole(role.account_id, role.role_name);
  const service = role.path.slice(SERVICE_ROLE_PATH.length).replace(/\/$/, '');
  const taskId = `task/aws-service-role/${service}/${role.role_name}/${randomUUID()}`;
  entities.insertDeletionTask({ task_id: taskId, account_id: role.account_id, role_name: role.role_name, status: 'SUCCEEDED', created_at: isoSeconds(call.facts.now) });
  return { DeletionTaskId: taskId };
};

export const getServiceLinkedRoleDeletionStatus: QueryHandler = (call) => {
  const taskId = req(call.input, 'DeletionTaskId');
  const m = /^task\/aws-service-role\/([^/]+)\/([^/]+)\/[^/]+$/.exec(taskId);
  if (!m) throw new AwsError('InvalidInput', `Invalid deletion task id: ${taskId}`, 400);
  authorize(call, `arn:aws:iam::${accountOf(call)}:role/aws-service-role/${m[1]}/${m[2]}`);
  const task = iamEntities(call.ctx.db).deletionTask(taskId);
  if (!task || task.account_id !== accountOf(call)) throw noSuchEntity(`Deletion task ${taskId} cannot be found.`);
  return { Status: task.status };
};

export const createRole: QueryHandler = (call) => {
  const { input, ctx } = call;
  const name = req(input, 'RoleName');
  const path = checkPath(input, 'Path');
  const boundary = str(input, 'PermissionsBoundary');
  const tags = mergeTags(null, inputTags(input));
  authorize(call, roleArn(accountOf(call), path, name), { ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}), ...requestTagContext(tags) });
  if (ctx.iam.role(accountOf(call), name)) throw entityAlreadyExists(`Role with name ${name} already exists.`);
  const trust = req(input, 'AssumeRolePolicyDocument');
  validateTrustPolicy(ctx.iam, trust);
  if (boundary) requireBoundaryPolicy(call, boundary);
  const role: RoleRow = {
    account_id: accountOf(call), role_name: name, role_id: awsId('AROA', 17), path, trust_policy: trust,
    description: str(input, 'Description') ?? null, max_session_duration: num(input, 'MaxSessionDuration') ?? 3600,
    permissions_boundary: boundary ?? null, created_at: isoSeconds(call.facts.now), tags: Object.keys(tags).length ? JSON.stringify(tags) : null,
  };
  ctx.iam.insertRole(role);
  ctx.iam.setTags('role', role.account_id, name, tags);
  return { Role: roleXml(role, 'create') };
};

export const getRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  return { Role: roleXml(requireRole(call, name), 'get') };
};

export const deleteRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  const { iam } = call.ctx;
  if (iam.inlinePolicies(role.account_id, 'role', role.role_name).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
  if (iam.attachedPolicies(role.account_id, 'role', role.role_name).length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
  checkRoleDeletable(call, role);
  iam.deleteRole(role.account_id, role.role_name);
  return null;
};

export const listRoles: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:role/`);
  const limit = maxItems(call.input);
  const rows = call.ctx.iam.roles(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (r) => r.role_name), 'Roles', (r) => roleXml(r, 'list'));
};

export const updateAssumeRolePolicy: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  const document = req(call.input, 'PolicyDocument');
  validateTrustPolicy(call.ctx.iam, document);
  call.ctx.iam.updateTrustPolicy(role.account_id, role.role_name, document);
  return null;
};

export const updateRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  call.ctx.iam.updateRole(role.account_id, role.role_name, str(call.input, 'Description') ?? null, num(call.input, 'MaxSessionDuration') ?? null);
  return null;
};
