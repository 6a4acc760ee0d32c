// Users: Create/Get/Update/Delete/ListUsers, GetAccessKeyLastUsed, and DeleteUser's preconditions.
import { userArn } from '../../auth/caller.ts';
import { AwsError, deleteConflict, entityAlreadyExists, validationError } from '../../errors.ts';
import type { UserRow } from '../../store/iam-store.ts';
import { credentialsStore } from '../../store/credentials-store.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { checkCredentialsDeletable } from './credentials.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { checkPath, requireBoundaryPolicy, requireUser, userResource } from './entities.ts';
import { awsId, isoSeconds } from '../../store/ids.ts';
import { inputTags, mergeTags } from './tags.ts';
import { userXml } from './shapes.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';

/** DeleteUser's extra preconditions: the console password, MFA devices, certificates, SSH keys and service credentials go first. */
export function checkUserDeletable(call: QueryCall, user: UserRow): void {
  if (iamEntities(call.ctx.db).loginProfile(user.account_id, user.user_name)) throw deleteConflict('Cannot delete entity, must delete login profile first.');
  checkCredentialsDeletable(call, user);
}

export const updateUser: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  const newName = str(call.input, 'NewUserName');
  const newPath = str(call.input, 'NewPath') === undefined ? undefined : checkPath({ Path: str(call.input, 'NewPath') }, 'Path');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const targetName = newName ?? user.user_name;
  const targetPath = newPath ?? user.path;
  // Renaming or moving needs permission on the new name as well.
  if (targetName !== user.user_name || targetPath !== user.path) authorize(call, userArn(accountOf(call), targetPath, targetName));
  const clash = call.ctx.iam.user(accountOf(call), targetName);
  if (clash && clash.user_id !== user.user_id) throw entityAlreadyExists(`User with name ${targetName} already exists.`);
  iamEntities(call.ctx.db).renameUser(user.account_id, user.user_name, targetName, targetPath);
  credentialsStore(call.ctx.db).renameUser(user.account_id, user.user_name, targetName);
  return null;
};

export const getAccessKeyLastUsed: QueryHandler = (call) => {
  const id = req(call.input, 'AccessKeyId');
  const key = call.ctx.iam.accessKey(id);
  const owner = key && key.account_id === accountOf(call) ? key : undefined;
  const resource = owner ? (owner.user_name === null ? `arn:aws:iam::${owner.account_id}:root` : userResource(call, owner.user_name)) : `arn:aws:iam::${accountOf(call)}:user/`;
  authorize(call, resource);
  if (!owner) {
    // IAM answers for keys of the caller's own account only; anything else looks like a permissions problem.
    throw new AwsError('AccessDenied', `User: ${call.caller.principal.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`, 403);
  }
  const used = iamEntities(call.ctx.db).keyLastUsed(id);
  const userName = owner.user_name === null ? undefined : (call.ctx.iam.user(owner.account_id, owner.user_name)?.user_name ?? owner.user_name);
  // A key never used has no date, and "N/A" for service and region, as on AWS.
  return {
    UserName: userName,
    AccessKeyLastUsed: used?.last_used_at
      ? { LastUsedDate: used.last_used_at, ServiceName: used.last_used_service ?? 'N/A', Region: used.last_used_region ?? 'N/A' }
      : { ServiceName: 'N/A', Region: 'N/A' },
  };
};

export const createUser: QueryHandler = (call) => {
  const { input, ctx } = call;
  const name = req(input, 'UserName');
  const path = checkPath(input, 'Path');
  const boundary = str(input, 'PermissionsBoundary');
  const tags = mergeTags(null, inputTags(input));
  authorize(call, userArn(accountOf(call), path, name), { ...(boundary ? { 'iam:PermissionsBoundary': boundary } : {}), ...requestTagContext(tags) });
  if (ctx.iam.user(accountOf(call), name)) throw entityAlreadyExists(`User with name ${name} already exists.`);
  if (boundary) requireBoundaryPolicy(call, boundary);
  const user: UserRow = {
    account_id: accountOf(call), user_name: name, user_id: awsId('AIDA', 17), path, permissions_boundary: boundary ?? null,
    created_at: isoSeconds(call.facts.now), tags: Object.keys(tags).length ? JSON.stringify(tags) : null,
  };
  ctx.iam.insertUser(user);
  ctx.iam.setTags('user', user.account_id, name, tags);
  return { User: userXml(user, 'full') };
};

export const getUser: QueryHandler = (call) => {
  const name = str(call.input, 'UserName');
  if (name === undefined) {
    // Without UserName, GetUser describes the caller (root or an IAM user).
    const p = call.caller.principal;
    if (p.kind === 'root') {
      const created = call.ctx.iam.account(p.accountId)?.created_at ?? isoSeconds(call.facts.now);
      return { User: { UserId: p.accountId, Arn: p.arn, CreateDate: created } };
    }
    if (p.kind !== 'user' || !call.caller.userName) {
      throw validationError('Must specify userName when calling with non-User credentials');
    }
    return { User: userXml(requireUser(call, call.caller.userName), 'full') };
  }
  authorize(call, userResource(call, name));
  return { User: userXml(requireUser(call, name), 'full') };
};

export const deleteUser: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const { iam } = call.ctx;
  const account = accountOf(call);
  if (iam.userAccessKeys(account, user.user_name).length) throw deleteConflict('Cannot delete entity, must delete access keys first.');
  if (iam.inlinePolicies(account, 'user', user.user_name).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
  if (iam.attachedPolicies(account, 'user', user.user_name).length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
  if (iam.groupsOfUser(account, user.user_name).length) throw deleteConflict('Cannot delete entity, must remove user from all groups first.');
  checkUserDeletable(call, user);
  iam.deleteUser(account, user.user_name);
  return null;
};

export const listUsers: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:user/`);
  const limit = maxItems(call.input);
  const rows = call.ctx.iam.users(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (u) => u.user_name), 'Users', (u) => userXml(u));
};
