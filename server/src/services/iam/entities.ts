// Shared by IAM handlers: looking up users, roles, groups and managed policies (NoSuchEntity when missing), their ARNs, and Path.
import { pathOf, roleArn, userArn } from '../../auth/caller.ts';
import { AwsError, noSuchEntity, validationError } from '../../errors.ts';
import type { QueryInput } from '../../protocol/query.ts';
import type { GroupRow, ManagedPolicyRow, RoleRow, UserRow } from '../../store/iam-store.ts';
import { type QueryCall, str } from '../query-service.ts';
import { accountOf } from './authorize.ts';

export function checkPath(input: QueryInput, member: 'Path' | 'PathPrefix'): string {
  const path = str(input, member) ?? '/';
  if (member === 'Path' && !/^\/(?:[\x21-\x7e]*\/)?$/.test(path)) {
    throw validationError(`The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
  }
  return path;
}

export function userResource(call: QueryCall, name: string, path?: string): string {
  const existing = call.ctx.iam.user(accountOf(call), name);
  return userArn(accountOf(call), path ?? existing?.path ?? '/', existing?.user_name ?? name);
}

export function requireUser(call: QueryCall, name: string): UserRow {
  const user = call.ctx.iam.user(accountOf(call), name);
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

export function requireAttachablePolicy(call: QueryCall, arn: string): ManagedPolicyRow {
  const policy = call.ctx.iam.policy(arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return policy;
}

/** A permissions boundary (CreateUser/CreateRole/Put…PermissionsBoundary): AWS names it the scope ARN here. */
export function requireBoundaryPolicy(call: QueryCall, arn: string): ManagedPolicyRow {
  if (!/^arn:aws:iam::(\d{12}|aws):policy\/./.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`, 400);
  const policy = call.ctx.iam.policy(arn);
  if (!policy) throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
  return policy;
}

export function roleResource(call: QueryCall, name: string, path?: string): string {
  const existing = call.ctx.iam.role(accountOf(call), name);
  return roleArn(accountOf(call), path ?? existing?.path ?? '/', existing?.role_name ?? name);
}

export function requireRole(call: QueryCall, name: string): RoleRow {
  const role = call.ctx.iam.role(accountOf(call), name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

export function requirePolicy(call: QueryCall, arn: string): ManagedPolicyRow {
  const policy = call.ctx.iam.policy(arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} was not found.`);
  return policy;
}

export const groupArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:group${pathOf(path)}${name}`;

export function groupResource(call: QueryCall, name: string, path?: string): string {
  const existing = call.ctx.iam.group(accountOf(call), name);
  return groupArn(accountOf(call), path ?? existing?.path ?? '/', existing?.group_name ?? name);
}

export function requireGroup(call: QueryCall, name: string): GroupRow {
  const group = call.ctx.iam.group(accountOf(call), name);
  if (!group) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return group;
}
