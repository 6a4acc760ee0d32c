// UpdateGroup (rename and move).
import { entityAlreadyExists } from '../../errors.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { req, str, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize, checkPath, groupArn, groupResource, requireGroup } from './iam.ts';

export const updateGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  const newPath = str(call.input, 'NewPath') === undefined ? undefined : checkPath({ Path: str(call.input, 'NewPath') }, 'Path');
  authorize(call, groupResource(call, name));
  const group = requireGroup(call, name);
  const targetName = str(call.input, 'NewGroupName') ?? group.group_name;
  const targetPath = newPath ?? group.path;
  // Renaming or moving needs permission on the new name as well.
  if (targetName !== group.group_name || targetPath !== group.path) authorize(call, groupArn(accountOf(call), targetPath, targetName));
  const clash = call.ctx.iam.group(accountOf(call), targetName);
  if (clash && clash.group_id !== group.group_id) throw entityAlreadyExists(`Group with name ${targetName} already exists.`);
  iamEntities(call.ctx.db).renameGroup(group.account_id, group.group_name, targetName, targetPath);
  return null;
};
