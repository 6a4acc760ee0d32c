// Shared by IAM handlers: users, roles, groups, managed policies and versions in the XML shape each operation returns.
import { roleArn, userArn } from '../../auth/caller.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { GroupRow, ManagedPolicyRow, RoleRow, UserRow } from '../../store/iam-store.ts';
import { encodePolicyDocument } from './policy-documents.ts';
import { tagList } from './tags.ts';
import { groupArn } from './entities.ts';

/**
 * A user as AWS shows it. Lists (ListUsers, GetGroup, ListVirtualMFADevices) carry a subset: the API reference notes
 * that listing operations do not return PermissionsBoundary or Tags, which only GetUser (and CreateUser) show.
 */
export function userXml(user: UserRow, shape: 'full' | 'list' = 'list'): XmlObject {
  const base: XmlObject = {
    Path: user.path, UserName: user.user_name, UserId: user.user_id, Arn: userArn(user.account_id, user.path, user.user_name), CreateDate: user.created_at,
  };
  if (shape === 'list') return base;
  return {
    ...base,
    PermissionsBoundary: user.permissions_boundary ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: user.permissions_boundary } : undefined,
    Tags: tagList(user.tags),
  };
}

/**
 * A role in the shape each operation gives it, as AWS answers (recorded responses; API reference notes on ListRoles):
 * - get: GetRole — everything, RoleLastUsed always present (empty until the role is used);
 * - create: CreateRole, CreateServiceLinkedRole — no MaxSessionDuration or RoleLastUsed; boundary and tags if set;
 * - list: ListRoles — Description and MaxSessionDuration, never PermissionsBoundary, RoleLastUsed or Tags;
 * - description: UpdateRoleDescription — the basics and the new Description;
 * - profile: a role inside an instance profile — the basics only.
 */
export type RoleShape = 'get' | 'create' | 'list' | 'description' | 'profile';

export function roleXml(role: RoleRow, shape: RoleShape): XmlObject {
  const base: XmlObject = {
    Path: role.path, RoleName: role.role_name, RoleId: role.role_id, Arn: roleArn(role.account_id, role.path, role.role_name),
    CreateDate: role.created_at, AssumeRolePolicyDocument: encodePolicyDocument(role.trust_policy),
  };
  if (shape === 'profile') return base;
  const description = role.description ?? undefined;
  if (shape === 'description') return { ...base, Description: description };
  if (shape === 'list') return { ...base, Description: description, MaxSessionDuration: role.max_session_duration };
  const boundary = role.permissions_boundary ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: role.permissions_boundary } : undefined;
  if (shape === 'create') return { ...base, Description: description, PermissionsBoundary: boundary, Tags: tagList(role.tags) };
  return {
    ...base, Description: description, MaxSessionDuration: role.max_session_duration, PermissionsBoundary: boundary,
    RoleLastUsed: { LastUsedDate: role.last_used_at ?? undefined, Region: role.last_used_region ?? undefined }, Tags: tagList(role.tags),
  };
}

export function policyXml(policy: ManagedPolicyRow, attachmentCount: number, withDescription: boolean, boundaryUsage = 0): XmlObject {
  return {
    PolicyName: policy.policy_name, PolicyId: policy.policy_id, Arn: policy.arn, Path: policy.path,
    DefaultVersionId: policy.default_version, AttachmentCount: attachmentCount, PermissionsBoundaryUsageCount: boundaryUsage,
    IsAttachable: true, Description: withDescription ? (policy.description ?? undefined) : undefined,
    CreateDate: policy.created_at, UpdateDate: policy.updated_at,
  };
}

export function versionXml(policy: ManagedPolicyRow, version: { version_id: string; document: string; created_at: string }, withDocument: boolean): XmlObject {
  return {
    Document: withDocument ? encodePolicyDocument(version.document) : undefined,
    VersionId: version.version_id, IsDefaultVersion: version.version_id === policy.default_version, CreateDate: version.created_at,
  };
}

export function groupXml(g: GroupRow): XmlObject {
  return { Path: g.path, GroupName: g.group_name, GroupId: g.group_id, Arn: groupArn(g.account_id, g.path, g.group_name), CreateDate: g.created_at };
}
