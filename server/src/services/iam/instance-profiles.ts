// Instance profiles: a named container for (at most) one role, for EC2.
import { pathOf } from '../../auth/caller.ts';
import { AwsError, deleteConflict, entityAlreadyExists, limitExceeded, noSuchEntity } from '../../errors.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { iamEntities, type InstanceProfileRow } from '../../store/iam-entities-store.ts';
import { awsId, isoSeconds } from '../../store/ids.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { entityTagHandlers, tagsJson } from './entity-tags.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { checkPath, requireRole, roleResource } from './entities.ts';
import { inputTags, mergeTags, tagList } from './tags.ts';
import { roleXml } from './shapes.ts';
import { isServiceLinked } from './roles.ts';

const INSTANCE_PROFILES_PER_ACCOUNT = 1000;
const ROLES_PER_INSTANCE_PROFILE = 1;

export const instanceProfileArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:instance-profile${pathOf(path)}${name}`;

function profileResource(call: QueryCall, name: string): string {
  const existing = iamEntities(call.ctx.db).instanceProfile(accountOf(call), name);
  return instanceProfileArn(accountOf(call), existing?.path ?? '/', existing?.profile_name ?? name);
}

function requireProfile(call: QueryCall, name: string): InstanceProfileRow {
  const profile = iamEntities(call.ctx.db).instanceProfile(accountOf(call), name);
  if (!profile) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return profile;
}

/**
 * The InstanceProfile shape with its role(s). Tags only from Create/GetInstanceProfile: listings leave them out, as the
 * API reference notes for ListInstanceProfiles (and AWS's recorded answers show for the role-side listings too);
 * GetInstanceProfile answers an untagged profile with an empty list.
 */
export function instanceProfileXml(call: QueryCall, profile: InstanceProfileRow, tags: 'none' | 'if-any' | 'always' = 'none'): XmlObject {
  const roles = iamEntities(call.ctx.db).instanceProfileRoles(profile.account_id, profile.profile_name)
    .map((name) => call.ctx.iam.role(profile.account_id, name))
    .filter((r) => r !== undefined)
    .map((r) => roleXml(r, 'profile'));
  return {
    Path: profile.path, InstanceProfileName: profile.profile_name, InstanceProfileId: profile.profile_id,
    Arn: instanceProfileArn(profile.account_id, profile.path, profile.profile_name), CreateDate: profile.created_at, Roles: roles, Tags: tags === 'none' ? undefined : tagList(profile.tags) ?? (tags === 'always' ? [] : undefined),
  };
}

export const createInstanceProfile: QueryHandler = (call) => {
  const name = req(call.input, 'InstanceProfileName');
  const path = checkPath(call.input, 'Path');
  const tags = mergeTags(null, inputTags(call.input));
  authorize(call, instanceProfileArn(accountOf(call), path, name), requestTagContext(tags));
  const store = iamEntities(call.ctx.db);
  if (store.instanceProfile(accountOf(call), name)) throw entityAlreadyExists(`Instance Profile ${name} already exists.`);
  if (store.instanceProfileCount(accountOf(call)) >= INSTANCE_PROFILES_PER_ACCOUNT) {
    throw limitExceeded(`Cannot exceed quota for InstanceProfilesPerAccount: ${INSTANCE_PROFILES_PER_ACCOUNT}`);
  }
  const profile: InstanceProfileRow = {
    account_id: accountOf(call), profile_name: name, profile_id: awsId('AIPA', 17), path, created_at: isoSeconds(call.facts.now), tags: tagsJson(tags),
  };
  store.insertInstanceProfile(profile);
  return { InstanceProfile: instanceProfileXml(call, profile, 'if-any') };
};

export const getInstanceProfile: QueryHandler = (call) => {
  const name = req(call.input, 'InstanceProfileName');
  authorize(call, profileResource(call, name));
  return { InstanceProfile: instanceProfileXml(call, requireProfile(call, name), 'always') };
};

export const deleteInstanceProfile: QueryHandler = (call) => {
  const name = req(call.input, 'InstanceProfileName');
  authorize(call, profileResource(call, name));
  const profile = requireProfile(call, name);
  const store = iamEntities(call.ctx.db);
  if (store.instanceProfileRoles(profile.account_id, profile.profile_name).length) {
    throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  }
  store.deleteInstanceProfile(profile.account_id, profile.profile_name);
  return null;
};

export const listInstanceProfiles: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:instance-profile/`);
  const limit = maxItems(call.input);
  const rows = iamEntities(call.ctx.db).instanceProfiles(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (p) => p.profile_name), 'InstanceProfiles', (p) => instanceProfileXml(call, p));
};

export const addRoleToInstanceProfile: QueryHandler = (call) => {
  const name = req(call.input, 'InstanceProfileName');
  authorize(call, profileResource(call, name));
  const profile = requireProfile(call, name);
  const role = requireRole(call, req(call.input, 'RoleName'));
  const store = iamEntities(call.ctx.db);
  const roles = store.instanceProfileRoles(profile.account_id, profile.profile_name);
  if (roles.length >= ROLES_PER_INSTANCE_PROFILE) {
    throw limitExceeded(`Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${ROLES_PER_INSTANCE_PROFILE}`);
  }
  store.addRoleToInstanceProfile(profile.account_id, profile.profile_name, role.role_name, call.facts.now.getTime());
  return null;
};

export const removeRoleFromInstanceProfile: QueryHandler = (call) => {
  const name = req(call.input, 'InstanceProfileName');
  authorize(call, profileResource(call, name));
  const profile = requireProfile(call, name);
  const role = requireRole(call, req(call.input, 'RoleName'));
  if (isServiceLinked(role)) {
    throw new AwsError('UnmodifiableEntity', `Cannot perform the operation on the protected role '${role.role_name}' - this role is only modifiable by AWS`, 400);
  }
  if (iamEntities(call.ctx.db).removeRoleFromInstanceProfile(profile.account_id, profile.profile_name, role.role_name) === 0) {
    throw noSuchEntity(`Role ${role.role_name} in Instance Profile ${profile.profile_name} cannot be found.`);
  }
  return null;
};

export const listInstanceProfilesForRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  const after = afterMarker(call.input);
  const rows = iamEntities(call.ctx.db).instanceProfilesOfRole(role.account_id, role.role_name).filter((p) => p.profile_name > after);
  return pageXml(page(rows, maxItems(call.input), (p) => p.profile_name), 'InstanceProfiles', (p) => instanceProfileXml(call, p));
};

export const instanceProfileTags = entityTagHandlers({
  resource: (call) => profileResource(call, req(call.input, 'InstanceProfileName')),
  tags: (call) => requireProfile(call, req(call.input, 'InstanceProfileName')).tags,
  save: (call, tags) => {
    const profile = requireProfile(call, req(call.input, 'InstanceProfileName'));
    iamEntities(call.ctx.db).setInstanceProfileTags(profile.account_id, profile.profile_name, tags);
  },
});
