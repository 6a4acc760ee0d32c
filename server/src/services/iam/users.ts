// UpdateUser and GetAccessKeyLastUsed.
import { userArn } from '../../auth/caller.ts';
import { AwsError, deleteConflict, entityAlreadyExists } from '../../errors.ts';
import type { UserRow } from '../../store/iam-store.ts';
import { credentialsStore } from '../../store/credentials-store.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { checkCredentialsDeletable } from './credentials.ts';
import { accountOf, authorize, checkPath, requireUser, userResource } from './iam.ts';

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
