// Groups and their members: Create/Get/Update/Delete/ListGroups, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
import { deleteConflict, entityAlreadyExists, noSuchEntity } from '../../errors.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { req, str, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';
import { checkPath, groupArn, groupResource, requireGroup, requireUser, userResource } from './entities.ts';
import { awsId, isoSeconds } from '../../store/ids.ts';
import type { GroupRow } from '../../store/iam-store.ts';
import { groupXml, userXml } from './shapes.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';

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

export const createGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  const path = checkPath(call.input, 'Path');
  authorize(call, groupArn(accountOf(call), path, name));
  if (call.ctx.iam.group(accountOf(call), name)) throw entityAlreadyExists(`Group with name ${name} already exists.`);
  const group: GroupRow = { account_id: accountOf(call), group_name: name, group_id: awsId('AGPA', 17), path, created_at: isoSeconds(call.facts.now) };
  call.ctx.iam.insertGroup(group);
  return { Group: groupXml(group) };
};

export const getGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  authorize(call, groupResource(call, name));
  const group = requireGroup(call, name);
  const members = call.ctx.iam.groupMembers(group.account_id, group.group_name);
  const after = afterMarker(call.input);
  const p = page(members.filter((u) => u.user_name > after), maxItems(call.input), (u) => u.user_name);
  return { Group: groupXml(group), Users: p.items.map((u) => userXml(u)), IsTruncated: p.isTruncated, Marker: p.marker };
};

export const deleteGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  authorize(call, groupResource(call, name));
  const group = requireGroup(call, name);
  const { iam } = call.ctx;
  if (iam.groupMembers(group.account_id, group.group_name).length) throw deleteConflict('Cannot delete entity, must remove users from group first.');
  if (iam.inlinePolicies(group.account_id, 'group', group.group_name).length) throw deleteConflict('Cannot delete entity, must delete policies first.');
  if (iam.attachedPolicies(group.account_id, 'group', group.group_name).length) throw deleteConflict('Cannot delete entity, must detach all policies first.');
  iam.deleteGroup(group.account_id, group.group_name);
  return null;
};

export const listGroups: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:group/`);
  const limit = maxItems(call.input);
  const rows = call.ctx.iam.groups(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (g) => g.group_name), 'Groups', groupXml);
};

export const addUserToGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  authorize(call, groupResource(call, name));
  const group = requireGroup(call, name);
  const user = requireUser(call, req(call.input, 'UserName'));
  call.ctx.iam.addGroupMember(group.account_id, group.group_name, user.user_name, call.facts.now.getTime());
  return null;
};

export const removeUserFromGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  authorize(call, groupResource(call, name));
  // The user is looked up first: with neither there, AWS names the user (recorded answer).
  const user = requireUser(call, req(call.input, 'UserName'));
  const group = requireGroup(call, name);
  if (call.ctx.iam.removeGroupMember(group.account_id, group.group_name, user.user_name) === 0) {
    throw noSuchEntity(`User ${user.user_name} is not in group ${group.group_name}.`);
  }
  return null;
};

export const listGroupsForUser: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const after = afterMarker(call.input);
  const groups = call.ctx.iam.groupsOfUser(user.account_id, user.user_name).filter((g) => g.group_name > after);
  return pageXml(page(groups, maxItems(call.input), (g) => g.group_name), 'Groups', groupXml);
};
