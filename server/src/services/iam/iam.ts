import { authorizeCaller, baseContext, pathOf, roleArn, userArn } from '../../auth/caller.ts';
import { AwsError, deleteConflict, entityAlreadyExists, limitExceeded, malformedPolicy, noSuchEntity, validationError } from '../../errors.ts';
import { PolicyDocumentError, validatePolicyDocument, type PolicyKind } from '../../policy/index.ts';
import type { QueryInput, ServiceModel } from '../../protocol/query.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { awsId, isoSeconds, secretAccessKey } from '../../store/ids.ts';
import type { GroupRow, IamStore, ManagedPolicyRow, PrincipalKind, RoleRow, UserRow } from '../../store/iam-store.ts';
import { decisionSink } from '../../context.ts';
import { accessDenied } from '../access-denied.ts';
import { bool, num, req, str, type QueryCall, type QueryHandler, type QueryService } from '../query-service.ts';
import modelJson from './model.json' with { type: 'json' };
import { samlProviderHandlers } from './saml-providers.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import { generateCredentialReport, getCredentialReport } from './credential-report.ts';
import { getAccountAuthorizationDetails, getAccountSummary, createAccountAlias, deleteAccountAlias, listAccountAliases, getAccountPasswordPolicy, updateAccountPasswordPolicy, deleteAccountPasswordPolicy } from './account.ts';
import {
  addRoleToInstanceProfile, createInstanceProfile, deleteInstanceProfile, getInstanceProfile, instanceProfileTags, listInstanceProfiles, listInstanceProfilesForRole,
  removeRoleFromInstanceProfile,
} from './instance-profiles.ts';
import {
  deleteServerCertificate, deleteSigningCertificate, getServerCertificate, listServerCertificates, listSigningCertificates, serverCertificateTags, updateServerCertificate,
  updateSigningCertificate, uploadServerCertificate, uploadSigningCertificate,
} from './certificates.ts';
import { listOrganizationsFeatures, setSecurityTokenServicePreferences } from './credentials.ts';
import {
  createVirtualMFADevice, deactivateMFADevice, deleteVirtualMFADevice, enableMFADevice, getMFADevice, listMFADevices, listVirtualMFADevices, mfaDeviceTags, resyncMFADevice,
} from './mfa.ts';
import {
  createServiceSpecificCredential, deleteServiceSpecificCredential, listServiceSpecificCredentials, resetServiceSpecificCredential, updateServiceSpecificCredential,
} from './service-credentials.ts';
import { deleteSSHPublicKey, getSSHPublicKey, listSSHPublicKeys, updateSSHPublicKey, uploadSSHPublicKey } from './ssh-keys.ts';
import { updateGroup } from './groups.ts';
import { createLoginProfile, deleteLoginProfile, getLoginProfile, updateLoginProfile } from './login-profiles.ts';
import {
  addClientIDToOpenIDConnectProvider, createOpenIDConnectProvider, deleteOpenIDConnectProvider, getOpenIDConnectProvider, listOpenIDConnectProviders, oidcProviderTags,
  removeClientIDFromOpenIDConnectProvider, updateOpenIDConnectProviderThumbprint,
} from './oidc-providers.ts';
import { listEntitiesForPolicy, policyTags } from './policies.ts';
import { checkRoleDeletable, createServiceLinkedRole, deleteServiceLinkedRole, getServiceLinkedRoleDeletionStatus, updateRoleDescription } from './roles.ts';
import { checkUserDeletable, getAccessKeyLastUsed, updateUser } from './users.ts';
import { getContextKeysForCustomPolicy, getContextKeysForPrincipalPolicy, simulateCustomPolicy, simulatePrincipalPolicy } from './simulate.ts';

// IAM quotas (AWS defaults).
const MANAGED_POLICY_MAX_CHARS = 6144;
const ROLE_INLINE_MAX_CHARS = 10240;
const USER_INLINE_MAX_CHARS = 2048;
const TRUST_POLICY_MAX_CHARS = 2048;
const POLICY_VERSIONS_MAX = 5;
const ACCESS_KEYS_PER_USER = 2;
const MANAGED_POLICIES_PER_PRINCIPAL = 10;

/** IAM returns policy documents percent-encoded (RFC 3986), which clients decode. */
export function encodePolicyDocument(document: string): string {
  return encodeURIComponent(document).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** IAM measures policy size without whitespace. */
export function policySize(document: string): number {
  return document.replace(/\s+/g, '').length;
}

export function validatePolicy(store: IamStore, document: string, kind: PolicyKind): void {
  try {
    validatePolicyDocument(document, kind, { principalExists: (arn) => principalExists(store, arn) });
  } catch (error) {
    if (error instanceof PolicyDocumentError) throw malformedPolicy(error.message);
    throw error;
  }
}

/** IAM rejects trust policies naming users or roles that do not exist in accounts it knows. */
function principalExists(store: IamStore, arn: string): boolean {
  const m = /^arn:aws:(iam|sts)::(\d{12}):(user|role|assumed-role|root|federated-user)(?:\/(.*))?$/.exec(arn);
  if (!m) return /^\d{12}$/.test(arn) || /^arn:aws:iam::\d{12}:root$/.test(arn);
  const [, service, account, type, rest = ''] = m;
  if (!store.account(account!)) return true;
  if (type === 'root') return service === 'iam';
  const name = rest.split('/').filter(Boolean);
  if (type === 'user' && service === 'iam') return name.length > 0 && store.user(account!, name[name.length - 1]!) !== undefined;
  if (type === 'role' && service === 'iam') return name.length > 0 && store.role(account!, name[name.length - 1]!) !== undefined;
  if (type === 'assumed-role' && service === 'sts') return name.length === 2 && store.role(account!, name[0]!) !== undefined;
  return type === 'federated-user' && service === 'sts';
}

export const accountOf = (call: QueryCall): string => call.caller.principal.accountId;

/** Tags of the user or role an IAM ARN names, for aws:ResourceTag/*. */
function resourceTags(call: QueryCall, resource: string): Record<string, string> {
  const m = /^arn:aws:iam::(\d{12}):(user|role)\/(?:.*\/)?([\w+=,.@-]+)$/.exec(resource);
  if (!m || m[1] !== accountOf(call)) return {};
  const entity = m[2] === 'user' ? call.ctx.iam.user(m[1], m[3]!) : call.ctx.iam.role(m[1], m[3]!);
  return entity?.tags ? (JSON.parse(entity.tags) as Record<string, string>) : {};
}

/** aws:RequestTag/* and aws:TagKeys for operations that set tags. */
export function requestTagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(tags)) out[`aws:RequestTag/${k}`] = v;
  if (Object.keys(tags).length) out['aws:TagKeys'] = Object.keys(tags);
  return out;
}

export function authorize(call: QueryCall, resource: string, extra: Record<string, string | string[]> = {}): void {
  const action = `iam:${call.operation}`;
  const context = baseContext(call.caller, call.facts);
  for (const [k, v] of Object.entries(resourceTags(call, resource))) context.set(`aws:resourcetag/${k.toLowerCase()}`, [v]);
  for (const [k, v] of Object.entries(extra)) context.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  const decision = authorizeCaller(call.caller, { action, resource, resourceAccount: accountOf(call), context }, decisionSink(call.ctx, call.facts.now, call.caller.principal.accountId));
  if (!decision.allowed) throw accessDenied('iam', call.caller, action, resource, decision);
}

export function checkPath(input: QueryInput, member: 'Path' | 'PathPrefix'): string {
  const path = str(input, member) ?? '/';
  if (member === 'Path' && !/^\/(?:[\x21-\x7e]*\/)?$/.test(path)) {
    throw validationError(`The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
  }
  return path;
}

// ---- Tags ----

export const TAGS_PER_ENTITY = 50;

export function inputTags(input: QueryInput, member = 'Tags'): Record<string, string> {
  const list = input[member];
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (const item of Array.isArray(list) ? list : []) {
    if (typeof item !== 'object' || Array.isArray(item)) continue;
    const key = String(item.Key ?? '');
    if (seen.has(key.toLowerCase())) throw new AwsError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.', 400);
    seen.add(key.toLowerCase());
    tags[key] = String(item.Value ?? '');
  }
  return tags;
}

export function mergeTags(existing: string | null | undefined, added: Record<string, string>): Record<string, string> {
  const tags: Record<string, string> = existing ? (JSON.parse(existing) as Record<string, string>) : {};
  for (const [k, v] of Object.entries(added)) {
    // Keys are case-insensitive: a new spelling replaces the old one.
    for (const old of Object.keys(tags)) if (old.toLowerCase() === k.toLowerCase()) delete tags[old];
    tags[k] = v;
  }
  if (Object.keys(tags).length > TAGS_PER_ENTITY) throw limitExceeded(`The number of tags has reached the maximum limit of ${TAGS_PER_ENTITY}.`);
  return tags;
}

export const tagList = (json: string | null | undefined): XmlObject[] | undefined => {
  const tags = json ? (JSON.parse(json) as Record<string, string>) : {};
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length ? list : undefined;
};

function tagHandlers(kind: 'user' | 'role'): Record<'tag' | 'untag' | 'list', QueryHandler> {
  const member = kind === 'user' ? 'UserName' : 'RoleName';
  const find = (call: QueryCall): UserRow | RoleRow => (kind === 'user' ? requireUser(call, req(call.input, member)) : requireRole(call, req(call.input, member)));
  const resource = (call: QueryCall): string => (kind === 'user' ? userResource(call, req(call.input, member)) : roleResource(call, req(call.input, member)));
  const nameOf = (e: UserRow | RoleRow): string => ('user_name' in e ? e.user_name : e.role_name);
  return {
    tag: (call) => {
      const added = inputTags(call.input);
      authorize(call, resource(call), requestTagContext(added));
      const entity = find(call);
      call.ctx.iam.setTags(kind, entity.account_id, nameOf(entity), mergeTags(entity.tags, added));
      return null;
    },
    untag: (call) => {
      const keys = Array.isArray(call.input.TagKeys) ? call.input.TagKeys.map(String) : [];
      authorize(call, resource(call), keys.length ? { 'aws:TagKeys': keys } : {});
      const entity = find(call);
      const tags = mergeTags(entity.tags, {});
      for (const k of Object.keys(tags)) if (keys.some((r) => r.toLowerCase() === k.toLowerCase())) delete tags[k];
      call.ctx.iam.setTags(kind, entity.account_id, nameOf(entity), tags);
      return null;
    },
    list: (call) => {
      authorize(call, resource(call));
      // Pages by tag key like every other IAM list: MaxItems, then an opaque Marker after the last key returned.
      const all = Object.entries(find(call).tags ? (JSON.parse(find(call).tags!) as Record<string, string>) : {});
      const after = afterMarker(call.input);
      const rest = after ? all.slice(all.findIndex(([k]) => k === after) + 1) : all;
      return pageXml(page(rest, maxItems(call.input), ([k]) => k), 'Tags', ([Key, Value]) => ({ Key, Value }));
    },
  };
}

// ---- Users ----

export function userResource(call: QueryCall, name: string, path?: string): string {
  const existing = call.ctx.iam.user(accountOf(call), name);
  return userArn(accountOf(call), path ?? existing?.path ?? '/', existing?.user_name ?? name);
}

export function requireUser(call: QueryCall, name: string): UserRow {
  const user = call.ctx.iam.user(accountOf(call), name);
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

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

const createUser: QueryHandler = (call) => {
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

const getUser: QueryHandler = (call) => {
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

const deleteUser: QueryHandler = (call) => {
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

export interface Page<T> { items: T[]; isTruncated: boolean; marker?: string }

export function maxItems(input: QueryInput): number {
  return num(input, 'MaxItems') ?? 100;
}

export function page<T>(rows: T[], limit: number, nameOf: (row: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, isTruncated: false };
  const items = rows.slice(0, limit);
  return { items, isTruncated: true, marker: Buffer.from(nameOf(items[items.length - 1]!)).toString('base64') };
}

/** Markers are opaque to clients; ours wrap the last name returned. */
export function afterMarker(input: QueryInput): string {
  const marker = str(input, 'Marker');
  if (marker === undefined) return '';
  const decoded = Buffer.from(marker, 'base64').toString('utf8');
  if (!decoded || Buffer.from(decoded).toString('base64') !== marker) throw validationError('Invalid Marker.');
  return decoded;
}

export function pageXml<T>(p: Page<T>, listName: string, toXml: (row: T) => XmlObject): XmlObject {
  return { [listName]: p.items.map(toXml), IsTruncated: p.isTruncated, Marker: p.marker };
}

const listUsers: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:user/`);
  const limit = maxItems(call.input);
  const rows = call.ctx.iam.users(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (u) => u.user_name), 'Users', (u) => userXml(u));
};

// ---- Access keys ----

/** The user an access-key operation is about: the UserName given, else the caller itself (null for root). */
function keyOwner(call: QueryCall): string | null {
  const name = str(call.input, 'UserName');
  if (name !== undefined) return requireUser(call, name).user_name;
  const p = call.caller.principal;
  if (p.kind === 'user' && call.caller.userName) return call.caller.userName;
  if (p.kind === 'root') return null;
  throw validationError('Must specify userName when calling with non-User credentials');
}

function keyResource(call: QueryCall): string {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  return name ? userResource(call, name) : call.caller.principal.arn;
}

const createAccessKey: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  const owner = keyOwner(call);
  const account = accountOf(call);
  if (owner !== null && call.ctx.iam.userAccessKeys(account, owner).length >= ACCESS_KEYS_PER_USER) {
    throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
  }
  const key = { access_key_id: awsId('AKIA'), secret_key: secretAccessKey(), account_id: account, user_name: owner, status: 'Active', created_at: isoSeconds(call.facts.now) };
  call.ctx.iam.insertAccessKey(key);
  return {
    AccessKey: { UserName: owner ?? undefined, AccessKeyId: key.access_key_id, Status: key.status, SecretAccessKey: key.secret_key, CreateDate: key.created_at },
  };
};

function requireOwnedKey(call: QueryCall): string {
  const id = req(call.input, 'AccessKeyId');
  const owner = keyOwner(call);
  const key = call.ctx.iam.accessKey(id);
  if (!key || key.account_id !== accountOf(call) || (key.user_name ?? null)?.toLowerCase() !== owner?.toLowerCase()) {
    throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  }
  return id;
}

const deleteAccessKey: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  call.ctx.iam.deleteAccessKey(requireOwnedKey(call));
  return null;
};

const updateAccessKey: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  call.ctx.iam.setAccessKeyStatus(requireOwnedKey(call), req(call.input, 'Status'));
  return null;
};

const listAccessKeys: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  const owner = keyOwner(call);
  if (owner === null) return { AccessKeyMetadata: [], IsTruncated: false };
  const keys = call.ctx.iam.userAccessKeys(accountOf(call), owner);
  const after = afterMarker(call.input);
  const rest = after ? keys.slice(keys.findIndex((k) => k.access_key_id === after) + 1) : keys;
  const p = page(rest, maxItems(call.input), (k) => k.access_key_id);
  return {
    UserName: owner,
    ...pageXml(p, 'AccessKeyMetadata', (k) => ({ UserName: owner, AccessKeyId: k.access_key_id, Status: k.status, CreateDate: k.created_at })),
  };
};

// ---- Roles ----

export function roleResource(call: QueryCall, name: string, path?: string): string {
  const existing = call.ctx.iam.role(accountOf(call), name);
  return roleArn(accountOf(call), path ?? existing?.path ?? '/', existing?.role_name ?? name);
}

export function requireRole(call: QueryCall, name: string): RoleRow {
  const role = call.ctx.iam.role(accountOf(call), name);
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

export function validateTrustPolicy(store: IamStore, document: string): void {
  if (policySize(document) > TRUST_POLICY_MAX_CHARS) throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_MAX_CHARS}`);
  validatePolicy(store, document, 'trust');
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

const createRole: QueryHandler = (call) => {
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

const getRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  return { Role: roleXml(requireRole(call, name), 'get') };
};

const deleteRole: QueryHandler = (call) => {
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

const listRoles: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:role/`);
  const limit = maxItems(call.input);
  const rows = call.ctx.iam.roles(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (r) => r.role_name), 'Roles', (r) => roleXml(r, 'list'));
};

const updateAssumeRolePolicy: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  const document = req(call.input, 'PolicyDocument');
  validateTrustPolicy(call.ctx.iam, document);
  call.ctx.iam.updateTrustPolicy(role.account_id, role.role_name, document);
  return null;
};

const updateRole: QueryHandler = (call) => {
  const name = req(call.input, 'RoleName');
  authorize(call, roleResource(call, name));
  const role = requireRole(call, name);
  call.ctx.iam.updateRole(role.account_id, role.role_name, str(call.input, 'Description') ?? null, num(call.input, 'MaxSessionDuration') ?? null);
  return null;
};

// ---- Managed policies ----

/** AWS managed policies can be read and attached, never changed. */
function requireOwnPolicy(call: QueryCall, arn: string): ManagedPolicyRow {
  const policy = requirePolicy(call, arn);
  if (policy.account_id !== accountOf(call)) {
    throw new AwsError('AccessDenied', `User: ${call.caller.principal.arn} is not authorized to perform: iam:${call.operation} on resource: policy ${arn}`, 403);
  }
  return policy;
}

export function requirePolicy(call: QueryCall, arn: string): ManagedPolicyRow {
  const policy = call.ctx.iam.policy(arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} was not found.`);
  return policy;
}

export function policyXml(policy: ManagedPolicyRow, attachmentCount: number, withDescription: boolean, boundaryUsage = 0): XmlObject {
  return {
    PolicyName: policy.policy_name, PolicyId: policy.policy_id, Arn: policy.arn, Path: policy.path,
    DefaultVersionId: policy.default_version, AttachmentCount: attachmentCount, PermissionsBoundaryUsageCount: boundaryUsage,
    IsAttachable: true, Description: withDescription ? (policy.description ?? undefined) : undefined,
    CreateDate: policy.created_at, UpdateDate: policy.updated_at,
  };
}

function validateManagedPolicy(store: IamStore, document: string): void {
  if (policySize(document) > MANAGED_POLICY_MAX_CHARS) throw limitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_MAX_CHARS}`);
  validatePolicy(store, document, 'identity');
}

const createPolicy: QueryHandler = (call) => {
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
  return { Policy: { ...policyXml(policy, 0, false), Tags: tagList(Object.keys(tags).length ? JSON.stringify(tags) : null) } };
};

const getPolicy: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requirePolicy(call, arn);
  const attachments = policy.account_id === 'aws' ? call.ctx.iam.attachmentCountIn(arn, accountOf(call)) : call.ctx.iam.attachmentCount(arn);
  const boundaryUsage = policy.account_id === 'aws' ? iamEntities(call.ctx.db).boundaryUsageIn(arn, accountOf(call)) : call.ctx.iam.boundaryUsageCount(arn);
  // GetPolicy, like the other Get* of taggable IAM resources except users and roles, lists no tags as an empty list.
  return { Policy: { ...policyXml(policy, attachments, true, boundaryUsage), Tags: tagList(policy.tags) ?? [] } };
};

const deletePolicy: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  requireOwnPolicy(call, arn);
  if (call.ctx.iam.attachmentCount(arn) > 0 || call.ctx.iam.boundaryUsageCount(arn) > 0) throw deleteConflict('Cannot delete a policy attached to entities.');
  if (call.ctx.iam.versions(arn).length > 1) throw deleteConflict('Cannot delete a policy with non-default versions. Delete the non-default versions first.');
  call.ctx.iam.deletePolicy(arn);
  return null;
};

const listPolicies: QueryHandler = (call) => {
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

export function versionXml(policy: ManagedPolicyRow, version: { version_id: string; document: string; created_at: string }, withDocument: boolean): XmlObject {
  return {
    Document: withDocument ? encodePolicyDocument(version.document) : undefined,
    VersionId: version.version_id, IsDefaultVersion: version.version_id === policy.default_version, CreateDate: version.created_at,
  };
}

const createPolicyVersion: QueryHandler = (call) => {
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

const getPolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requirePolicy(call, arn);
  return { PolicyVersion: versionXml(policy, requireVersion(call, policy, req(call.input, 'VersionId')), true) };
};

const listPolicyVersions: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requirePolicy(call, arn);
  const versions = call.ctx.iam.versions(arn);
  const after = afterMarker(call.input);
  const rest = after ? versions.slice(versions.findIndex((v) => v.version_id === after) + 1) : versions;
  return pageXml(page(rest, maxItems(call.input), (v) => v.version_id), 'Versions', (v) => versionXml(policy, v, false));
};

const deletePolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requireOwnPolicy(call, arn);
  const versionId = req(call.input, 'VersionId');
  requireVersion(call, policy, versionId);
  if (versionId === policy.default_version) throw deleteConflict('Cannot delete the default version of a policy.');
  call.ctx.iam.deleteVersion(arn, versionId);
  return null;
};

const setDefaultPolicyVersion: QueryHandler = (call) => {
  const arn = req(call.input, 'PolicyArn');
  authorize(call, arn);
  const policy = requireOwnPolicy(call, arn);
  const versionId = req(call.input, 'VersionId');
  requireVersion(call, policy, versionId);
  call.ctx.iam.setDefaultVersion(arn, versionId, isoSeconds(call.facts.now));
  return null;
};

// ---- Attachments and inline policies (the same for users and roles) ----

interface PrincipalOps {
  kind: PrincipalKind;
  member: 'UserName' | 'RoleName' | 'GroupName';
  resource: (call: QueryCall, name: string) => string;
  /** The stored (canonical-case) name; throws NoSuchEntity. */
  require: (call: QueryCall, name: string) => string;
  inlineMax: number;
}

const USER_OPS: PrincipalOps = {
  kind: 'user', member: 'UserName', resource: (c, n) => userResource(c, n), require: (c, n) => requireUser(c, n).user_name, inlineMax: USER_INLINE_MAX_CHARS,
};
const ROLE_OPS: PrincipalOps = {
  kind: 'role', member: 'RoleName', resource: (c, n) => roleResource(c, n), require: (c, n) => requireRole(c, n).role_name, inlineMax: ROLE_INLINE_MAX_CHARS,
};

function attachHandlers(ops: PrincipalOps): Record<'attach' | 'detach' | 'listAttached' | 'put' | 'get' | 'delete' | 'list' | 'putBoundary' | 'deleteBoundary', QueryHandler> {
  const target = (call: QueryCall): string => req(call.input, ops.member);
  return {
    putBoundary: (call) => {
      const arn = req(call.input, 'PermissionsBoundary');
      authorize(call, ops.resource(call, target(call)), { 'iam:PermissionsBoundary': arn });
      const name = ops.require(call, target(call));
      requireBoundaryPolicy(call, arn);
      call.ctx.iam.setPermissionsBoundary(ops.kind, accountOf(call), name, arn);
      return null;
    },
    deleteBoundary: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      call.ctx.iam.setPermissionsBoundary(ops.kind, accountOf(call), name, null);
      return null;
    },
    attach: (call) => {
      const arn = req(call.input, 'PolicyArn');
      authorize(call, ops.resource(call, target(call)), { 'iam:PolicyARN': arn });
      const name = ops.require(call, target(call));
      requireBoundaryPolicy(call, arn);
      const attached = call.ctx.iam.attachedPolicies(accountOf(call), ops.kind, name);
      if (!attached.some((a) => a.policy_arn === arn) && attached.length >= MANAGED_POLICIES_PER_PRINCIPAL) {
        throw limitExceeded(`Cannot exceed quota for PoliciesPer${ops.kind === 'user' ? 'User' : 'Role'}: ${MANAGED_POLICIES_PER_PRINCIPAL}`);
      }
      call.ctx.iam.attach(arn, accountOf(call), ops.kind, name, call.facts.now.getTime());
      return null;
    },
    detach: (call) => {
      const arn = req(call.input, 'PolicyArn');
      authorize(call, ops.resource(call, target(call)), { 'iam:PolicyARN': arn });
      const name = ops.require(call, target(call));
      if (call.ctx.iam.detach(arn, accountOf(call), ops.kind, name) === 0) throw noSuchEntity(`Policy ${arn} was not found.`);
      return null;
    },
    listAttached: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const prefix = str(call.input, 'PathPrefix') ?? '/';
      const rows = call.ctx.iam.attachedPolicies(accountOf(call), ops.kind, name)
        .filter((a) => (call.ctx.iam.policy(a.policy_arn)?.path ?? '/').startsWith(prefix));
      const limit = maxItems(call.input);
      const after = afterMarker(call.input);
      const start = after ? rows.findIndex((r) => r.policy_arn === after) + 1 : 0;
      const p = page(rows.slice(start), limit, (r) => r.policy_arn);
      return pageXml(p, 'AttachedPolicies', (a) => ({ PolicyName: a.policy_name, PolicyArn: a.policy_arn }));
    },
    put: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const document = req(call.input, 'PolicyDocument');
      if (policySize(document) > ops.inlineMax) throw limitExceeded(`Maximum policy size of ${ops.inlineMax} bytes exceeded for ${ops.kind} ${name}`);
      validatePolicy(call.ctx.iam, document, 'identity');
      call.ctx.iam.putInlinePolicy(accountOf(call), ops.kind, name, req(call.input, 'PolicyName'), document);
      return null;
    },
    get: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const policyName = req(call.input, 'PolicyName');
      const row = call.ctx.iam.inlinePolicy(accountOf(call), ops.kind, name, policyName);
      if (!row) throw noSuchEntity(`The ${ops.kind} policy with name ${policyName} cannot be found.`);
      return { [ops.member]: name, PolicyName: row.policy_name, PolicyDocument: encodePolicyDocument(row.document) };
    },
    delete: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const policyName = req(call.input, 'PolicyName');
      if (call.ctx.iam.deleteInlinePolicy(accountOf(call), ops.kind, name, policyName) === 0) {
        throw noSuchEntity(`The ${ops.kind} policy with name ${policyName} cannot be found.`);
      }
      return null;
    },
    list: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const names = call.ctx.iam.inlinePolicies(accountOf(call), ops.kind, name).map((r) => r.policy_name);
      const after = afterMarker(call.input);
      const p = page(names.filter((n) => n > after), maxItems(call.input), (n) => n);
      return { PolicyNames: p.items, IsTruncated: p.isTruncated, Marker: p.marker };
    },
  };
}

const GROUP_INLINE_MAX_CHARS = 5120;
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

const GROUP_OPS: PrincipalOps = {
  kind: 'group', member: 'GroupName', resource: (c, n) => groupResource(c, n), require: (c, n) => requireGroup(c, n).group_name, inlineMax: GROUP_INLINE_MAX_CHARS,
};

export function groupXml(g: GroupRow): XmlObject {
  return { Path: g.path, GroupName: g.group_name, GroupId: g.group_id, Arn: groupArn(g.account_id, g.path, g.group_name), CreateDate: g.created_at };
}

const createGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  const path = checkPath(call.input, 'Path');
  authorize(call, groupArn(accountOf(call), path, name));
  if (call.ctx.iam.group(accountOf(call), name)) throw entityAlreadyExists(`Group with name ${name} already exists.`);
  const group: GroupRow = { account_id: accountOf(call), group_name: name, group_id: awsId('AGPA', 17), path, created_at: isoSeconds(call.facts.now) };
  call.ctx.iam.insertGroup(group);
  return { Group: groupXml(group) };
};

const getGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  authorize(call, groupResource(call, name));
  const group = requireGroup(call, name);
  const members = call.ctx.iam.groupMembers(group.account_id, group.group_name);
  const after = afterMarker(call.input);
  const p = page(members.filter((u) => u.user_name > after), maxItems(call.input), (u) => u.user_name);
  return { Group: groupXml(group), Users: p.items.map((u) => userXml(u)), IsTruncated: p.isTruncated, Marker: p.marker };
};

const deleteGroup: QueryHandler = (call) => {
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

const listGroups: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:group/`);
  const limit = maxItems(call.input);
  const rows = call.ctx.iam.groups(accountOf(call), str(call.input, 'PathPrefix') ?? '/', afterMarker(call.input), limit + 1);
  return pageXml(page(rows, limit, (g) => g.group_name), 'Groups', groupXml);
};

const addUserToGroup: QueryHandler = (call) => {
  const name = req(call.input, 'GroupName');
  authorize(call, groupResource(call, name));
  const group = requireGroup(call, name);
  const user = requireUser(call, req(call.input, 'UserName'));
  call.ctx.iam.addGroupMember(group.account_id, group.group_name, user.user_name, call.facts.now.getTime());
  return null;
};

const removeUserFromGroup: QueryHandler = (call) => {
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

const listGroupsForUser: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const after = afterMarker(call.input);
  const groups = call.ctx.iam.groupsOfUser(user.account_id, user.user_name).filter((g) => g.group_name > after);
  return pageXml(page(groups, maxItems(call.input), (g) => g.group_name), 'Groups', groupXml);
};

const groupPolicies = attachHandlers(GROUP_OPS);
const userTags = tagHandlers('user');
const roleTags = tagHandlers('role');
const userPolicies = attachHandlers(USER_OPS);
const rolePolicies = attachHandlers(ROLE_OPS);

export const iamService: QueryService = {
  name: 'iam',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  model: modelJson as ServiceModel,
  handlers: {
    CreateUser: createUser, GetUser: getUser, DeleteUser: deleteUser, ListUsers: listUsers,
    CreateAccessKey: createAccessKey, DeleteAccessKey: deleteAccessKey, UpdateAccessKey: updateAccessKey, ListAccessKeys: listAccessKeys,
    CreateRole: createRole, GetRole: getRole, DeleteRole: deleteRole, ListRoles: listRoles,
    UpdateAssumeRolePolicy: updateAssumeRolePolicy, UpdateRole: updateRole,
    CreatePolicy: createPolicy, GetPolicy: getPolicy, DeletePolicy: deletePolicy, ListPolicies: listPolicies,
    CreatePolicyVersion: createPolicyVersion, GetPolicyVersion: getPolicyVersion, ListPolicyVersions: listPolicyVersions,
    DeletePolicyVersion: deletePolicyVersion, SetDefaultPolicyVersion: setDefaultPolicyVersion,
    AttachUserPolicy: userPolicies.attach, DetachUserPolicy: userPolicies.detach, ListAttachedUserPolicies: userPolicies.listAttached,
    PutUserPolicy: userPolicies.put, GetUserPolicy: userPolicies.get, DeleteUserPolicy: userPolicies.delete, ListUserPolicies: userPolicies.list,
    PutUserPermissionsBoundary: userPolicies.putBoundary, DeleteUserPermissionsBoundary: userPolicies.deleteBoundary,
    PutRolePermissionsBoundary: rolePolicies.putBoundary, DeleteRolePermissionsBoundary: rolePolicies.deleteBoundary,
    SimulatePrincipalPolicy: simulatePrincipalPolicy, SimulateCustomPolicy: simulateCustomPolicy,
    GetContextKeysForPrincipalPolicy: getContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy: getContextKeysForCustomPolicy,
    TagUser: userTags.tag, UntagUser: userTags.untag, ListUserTags: userTags.list,
    TagRole: roleTags.tag, UntagRole: roleTags.untag, ListRoleTags: roleTags.list,
    CreateGroup: createGroup, GetGroup: getGroup, DeleteGroup: deleteGroup, ListGroups: listGroups,
    AddUserToGroup: addUserToGroup, RemoveUserFromGroup: removeUserFromGroup, ListGroupsForUser: listGroupsForUser,
    AttachGroupPolicy: groupPolicies.attach, DetachGroupPolicy: groupPolicies.detach, ListAttachedGroupPolicies: groupPolicies.listAttached,
    PutGroupPolicy: groupPolicies.put, GetGroupPolicy: groupPolicies.get, DeleteGroupPolicy: groupPolicies.delete, ListGroupPolicies: groupPolicies.list,
    AttachRolePolicy: rolePolicies.attach, DetachRolePolicy: rolePolicies.detach, ListAttachedRolePolicies: rolePolicies.listAttached,
    ...samlProviderHandlers,
    PutRolePolicy: rolePolicies.put, GetRolePolicy: rolePolicies.get, DeleteRolePolicy: rolePolicies.delete, ListRolePolicies: rolePolicies.list,
    UpdateUser: updateUser, GetAccessKeyLastUsed: getAccessKeyLastUsed, UpdateGroup: updateGroup,
    CreateLoginProfile: createLoginProfile, GetLoginProfile: getLoginProfile, UpdateLoginProfile: updateLoginProfile, DeleteLoginProfile: deleteLoginProfile,
    UpdateRoleDescription: updateRoleDescription, CreateServiceLinkedRole: createServiceLinkedRole, DeleteServiceLinkedRole: deleteServiceLinkedRole,
    GetServiceLinkedRoleDeletionStatus: getServiceLinkedRoleDeletionStatus,
    CreateInstanceProfile: createInstanceProfile, GetInstanceProfile: getInstanceProfile, DeleteInstanceProfile: deleteInstanceProfile, ListInstanceProfiles: listInstanceProfiles,
    AddRoleToInstanceProfile: addRoleToInstanceProfile, RemoveRoleFromInstanceProfile: removeRoleFromInstanceProfile, ListInstanceProfilesForRole: listInstanceProfilesForRole,
    TagInstanceProfile: instanceProfileTags.tag, UntagInstanceProfile: instanceProfileTags.untag, ListInstanceProfileTags: instanceProfileTags.list,
    TagPolicy: policyTags.tag, UntagPolicy: policyTags.untag, ListPolicyTags: policyTags.list, ListEntitiesForPolicy: listEntitiesForPolicy,
    CreateOpenIDConnectProvider: createOpenIDConnectProvider, GetOpenIDConnectProvider: getOpenIDConnectProvider, DeleteOpenIDConnectProvider: deleteOpenIDConnectProvider,
    ListOpenIDConnectProviders: listOpenIDConnectProviders, AddClientIDToOpenIDConnectProvider: addClientIDToOpenIDConnectProvider,
    RemoveClientIDFromOpenIDConnectProvider: removeClientIDFromOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint: updateOpenIDConnectProviderThumbprint,
    TagOpenIDConnectProvider: oidcProviderTags.tag, UntagOpenIDConnectProvider: oidcProviderTags.untag, ListOpenIDConnectProviderTags: oidcProviderTags.list,
    CreateAccountAlias: createAccountAlias, DeleteAccountAlias: deleteAccountAlias, ListAccountAliases: listAccountAliases,
    GetAccountPasswordPolicy: getAccountPasswordPolicy, UpdateAccountPasswordPolicy: updateAccountPasswordPolicy, DeleteAccountPasswordPolicy: deleteAccountPasswordPolicy,
    GetAccountSummary: getAccountSummary, GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
    GenerateCredentialReport: generateCredentialReport, GetCredentialReport: getCredentialReport,
    CreateVirtualMFADevice: createVirtualMFADevice, EnableMFADevice: enableMFADevice, DeactivateMFADevice: deactivateMFADevice, ResyncMFADevice: resyncMFADevice,
    DeleteVirtualMFADevice: deleteVirtualMFADevice, ListMFADevices: listMFADevices, ListVirtualMFADevices: listVirtualMFADevices, GetMFADevice: getMFADevice,
    TagMFADevice: mfaDeviceTags.tag, UntagMFADevice: mfaDeviceTags.untag, ListMFADeviceTags: mfaDeviceTags.list,
    UploadSSHPublicKey: uploadSSHPublicKey, GetSSHPublicKey: getSSHPublicKey, UpdateSSHPublicKey: updateSSHPublicKey, DeleteSSHPublicKey: deleteSSHPublicKey,
    ListSSHPublicKeys: listSSHPublicKeys,
    UploadServerCertificate: uploadServerCertificate, GetServerCertificate: getServerCertificate, UpdateServerCertificate: updateServerCertificate,
    DeleteServerCertificate: deleteServerCertificate, ListServerCertificates: listServerCertificates,
    TagServerCertificate: serverCertificateTags.tag, UntagServerCertificate: serverCertificateTags.untag, ListServerCertificateTags: serverCertificateTags.list,
    UploadSigningCertificate: uploadSigningCertificate, UpdateSigningCertificate: updateSigningCertificate, DeleteSigningCertificate: deleteSigningCertificate,
    ListSigningCertificates: listSigningCertificates,
    CreateServiceSpecificCredential: createServiceSpecificCredential, UpdateServiceSpecificCredential: updateServiceSpecificCredential,
    ResetServiceSpecificCredential: resetServiceSpecificCredential, DeleteServiceSpecificCredential: deleteServiceSpecificCredential,
    ListServiceSpecificCredentials: listServiceSpecificCredentials,
    SetSecurityTokenServicePreferences: setSecurityTokenServicePreferences, ListOrganizationsFeatures: listOrganizationsFeatures,
  },
};

