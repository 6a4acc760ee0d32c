// Account-level IAM: alias, password policy, GetAccountSummary, GetAccountAuthorizationDetails.
import { roleArn, userArn } from '../../auth/caller.ts';
import { entityAlreadyExists, noSuchEntity, validationError } from '../../errors.ts';
import type { XmlObject, XmlValue } from '../../protocol/xml.ts';
import type { PrincipalKind } from '../../store/iam-store.ts';
import { iamEntities, type PasswordPolicy } from '../../store/iam-entities-store.ts';
import { bool, num, type QueryCall, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';
import { afterMarker, maxItems, page } from './pagination.ts';
import { encodePolicyDocument } from './policy-documents.ts';
import { groupArn } from './entities.ts';
import { policyXml, roleXml, versionXml } from './shapes.ts';
import { tagList } from './tags.ts';
import { instanceProfileXml } from './instance-profiles.ts';
import { credentialsStore } from '../../store/credentials-store.ts';
import { globalEndpointTokenVersion } from './credentials.ts';

/** Account-level operations have no resource ARN. */
const accountResource = (_call: QueryCall): string => '*';

// ---- Alias ----

export const createAccountAlias: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const alias = String(call.input.AccountAlias ?? '');
  const store = iamEntities(call.ctx.db);
  const owner = store.accountOfAlias(alias);
  if (owner === accountOf(call)) return null;
  if (owner !== undefined) throw entityAlreadyExists(`The account alias ${alias} already exists.`);
  // An account has one alias: a new one overwrites the previous one (IAM User Guide, "Using an alias for your AWS account ID").
  store.putAccountAlias(accountOf(call), alias);
  return null;
};

export const deleteAccountAlias: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const alias = String(call.input.AccountAlias ?? '');
  const store = iamEntities(call.ctx.db);
  if (store.accountAlias(accountOf(call)) !== alias) throw noSuchEntity(`The account alias ${alias} cannot be found.`);
  store.deleteAccountAlias(accountOf(call));
  return null;
};

export const listAccountAliases: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const alias = iamEntities(call.ctx.db).accountAlias(accountOf(call));
  const after = afterMarker(call.input);
  const p = page(alias !== undefined && alias > after ? [alias] : [], maxItems(call.input), (a) => a);
  return { AccountAliases: p.items, IsTruncated: p.isTruncated, Marker: p.marker };
};

// ---- Password policy ----

function noPasswordPolicy(call: QueryCall): Error {
  return noSuchEntity(`The Password Policy with domain name ${accountOf(call)} cannot be found.`);
}

export const getAccountPasswordPolicy: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const policy = iamEntities(call.ctx.db).passwordPolicy(accountOf(call));
  if (!policy) throw noPasswordPolicy(call);
  return { PasswordPolicy: { ...policy } };
};

export const updateAccountPasswordPolicy: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const { input } = call;
  const maxAge = num(input, 'MaxPasswordAge') ?? 0;
  const reuse = num(input, 'PasswordReusePrevention') ?? 0;
  // Parameters left out take their defaults (not their previous values), as on AWS.
  const policy: PasswordPolicy = {
    MinimumPasswordLength: num(input, 'MinimumPasswordLength') ?? 6,
    RequireSymbols: bool(input, 'RequireSymbols') ?? false,
    RequireNumbers: bool(input, 'RequireNumbers') ?? false,
    RequireUppercaseCharacters: bool(input, 'RequireUppercaseCharacters') ?? false,
    RequireLowercaseCharacters: bool(input, 'RequireLowercaseCharacters') ?? false,
    AllowUsersToChangePassword: bool(input, 'AllowUsersToChangePassword') ?? false,
    ExpirePasswords: maxAge > 0,
    ...(maxAge > 0 ? { MaxPasswordAge: maxAge } : {}),
    ...(reuse > 0 ? { PasswordReusePrevention: reuse } : {}),
    ...(bool(input, 'HardExpiry') !== undefined ? { HardExpiry: bool(input, 'HardExpiry') } : {}),
  };
  iamEntities(call.ctx.db).putPasswordPolicy(accountOf(call), policy);
  return null;
};

export const deleteAccountPasswordPolicy: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  // Deleting words it differently from GetAccountPasswordPolicy (AWS's recorded answers for both).
  if (iamEntities(call.ctx.db).deletePasswordPolicy(accountOf(call)) === 0) throw noSuchEntity('The account policy with name PasswordPolicy cannot be found.');
  return null;
};

// ---- Summary ----

/** AWS's default IAM quotas, as GetAccountSummary reports them. */
const QUOTAS = {
  UsersQuota: 5000, GroupsQuota: 300, ServerCertificatesQuota: 20, UserPolicySizeQuota: 2048, GroupPolicySizeQuota: 5120, GroupsPerUserQuota: 10,
  SigningCertificatesPerUserQuota: 2, AccessKeysPerUserQuota: 2, AttachedPoliciesPerGroupQuota: 10, AttachedPoliciesPerRoleQuota: 10,
  AttachedPoliciesPerUserQuota: 10, PoliciesQuota: 1500, PolicySizeQuota: 6144, PolicyVersionsInUseQuota: 10000, VersionsPerPolicyQuota: 5,
  GlobalEndpointTokenVersion: 1, AssumeRolePolicySizeQuota: 2048, InstanceProfilesQuota: 1000, RolePolicySizeQuota: 10240, RolesQuota: 1000,
};

export const getAccountSummary: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const account = accountOf(call);
  const store = iamEntities(call.ctx.db);
  const n = store.counts(account);
  const credentials = credentialsStore(call.ctx.db);
  const mfa = credentials.mfaDevices(account);
  const summary = new Map<string, XmlValue>(Object.entries({
    Users: n.users, Groups: n.groups, Roles: n.roles, Policies: n.policies, PolicyVersionsInUse: n.attachedPolicies,
    InstanceProfiles: store.instanceProfileCount(account), Providers: n.oidc, ServerCertificates: credentials.serverCertificateCount(account),
    MFADevices: mfa.length, MFADevicesInUse: mfa.filter((d) => d.user_name !== null).length,
    AccountMFAEnabled: 0, AccountAccessKeysPresent: n.rootKeys > 0 ? 1 : 0, AccountPasswordPresent: 0,
    AccountSigningCertificatesPresent: credentials.signingCertificatesOf(account, null).length > 0 ? 1 : 0,
    ...QUOTAS, GlobalEndpointTokenVersion: globalEndpointTokenVersion(call),
  }));
  return { SummaryMap: summary };
};

// ---- Authorization details ----

const FILTERS = ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
type Filter = (typeof FILTERS)[number];

export const getAccountAuthorizationDetails: QueryHandler = (call) => {
  authorize(call, accountResource(call));
  const account = accountOf(call);
  const { iam } = call.ctx;
  const requested = Array.isArray(call.input.Filter) ? call.input.Filter.map(String) : [];
  const filters = new Set<Filter>(requested.length ? FILTERS.filter((f) => requested.includes(f)) : FILTERS);
  const ALL = 1_000_000_000;
  const inline = (kind: PrincipalKind, name: string): XmlObject[] => iam.inlinePolicies(account, kind, name).map((p) => ({ PolicyName: p.policy_name, PolicyDocument: encodePolicyDocument(p.document) }));
  const attached = (kind: PrincipalKind, name: string): XmlObject[] => iam.attachedPolicies(account, kind, name).map((a) => ({ PolicyName: a.policy_name, PolicyArn: a.policy_arn }));
  const boundary = (arn: string | null): XmlObject | undefined => (arn ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn } : undefined);

  // One sequence of entities (users, groups, roles, policies), paged by a marker naming the last one returned.
  type Item = { key: string; kind: 'user' | 'group' | 'role' | 'policy'; render: () => XmlObject };
  const items: Item[] = [];
  if (filters.has('User')) {
    for (const u of iam.users(account, '/', '', ALL)) {
      items.push({ key: `1\n${u.user_name}`, kind: 'user', render: () => ({
        Path: u.path, UserName: u.user_name, UserId: u.user_id, Arn: userArn(account, u.path, u.user_name), CreateDate: u.created_at,
        UserPolicyList: inline('user', u.user_name), GroupList: iam.groupsOfUser(account, u.user_name).map((g) => g.group_name),
        AttachedManagedPolicies: attached('user', u.user_name), PermissionsBoundary: boundary(u.permissions_boundary), Tags: tagList(u.tags) ?? [],
      }) });
    }
  }
  if (filters.has('Group')) {
    for (const g of iam.groups(account, '/', '', ALL)) {
      items.push({ key: `2\n${g.group_name}`, kind: 'group', render: () => ({
        Path: g.path, GroupName: g.group_name, GroupId: g.group_id, Arn: groupArn(account, g.path, g.group_name), CreateDate: g.created_at,
        GroupPolicyList: inline('group', g.group_name), AttachedManagedPolicies: attached('group', g.group_name),
      }) });
    }
  }
  if (filters.has('Role')) {
    const entities = iamEntities(call.ctx.db);
    for (const r of iam.roles(account, '/', '', ALL)) {
      items.push({ key: `3\n${r.role_name}`, kind: 'role', render: () => ({
        Path: r.path, RoleName: r.role_name, RoleId: r.role_id, Arn: roleArn(account, r.path, r.role_name), CreateDate: r.created_at,
        AssumeRolePolicyDocument: encodePolicyDocument(r.trust_policy),
        InstanceProfileList: entities.instanceProfilesOfRole(account, r.role_name).map((p) => instanceProfileXml(call, p)),
        RolePolicyList: inline('role', r.role_name), AttachedManagedPolicies: attached('role', r.role_name),
        PermissionsBoundary: boundary(r.permissions_boundary), Tags: tagList(r.tags) ?? [],
        RoleLastUsed: roleXml(r, 'get').RoleLastUsed,
      }) });
    }
  }
  // Attachment and boundary counts of every policy, each in one query: per policy, they were a scan of every user and
  // role for each of the ~1,000 AWS managed policies, on every page (1.4 s a page with 10,000 roles).
  const attachedIn = iam.attachmentCounts(account);
  const boundaryIn = iam.boundaryCounts(account);
  let attachedAll: Map<string, number> | undefined;
  let boundaryAll: Map<string, number> | undefined;
  const policies = [
    ...(filters.has('LocalManagedPolicy') ? iam.policies(account, '/', '') : []),
    // AWS managed policies appear when this account uses them.
    ...(filters.has('AWSManagedPolicy') ? iam.policies('aws', '/', '').filter((p) => (attachedIn.get(p.arn) ?? 0) > 0 || (boundaryIn.get(p.arn) ?? 0) > 0) : []),
  ];
  for (const p of policies) {
    items.push({ key: `4\n${p.arn}`, kind: 'policy', render: () => {
      const attachments = p.account_id === 'aws' ? attachedIn.get(p.arn) ?? 0 : (attachedAll ??= iam.attachmentCounts()).get(p.arn) ?? 0;
      const usage = p.account_id === 'aws' ? boundaryIn.get(p.arn) ?? 0 : (boundaryAll ??= iam.boundaryCounts()).get(p.arn) ?? 0;
      return { ...policyXml(p, attachments, true, usage), PolicyVersionList: iam.versions(p.arn).map((v) => versionXml(p, v, true)) };
    } });
  }
  const after = afterMarker(call.input);
  const start = after ? items.findIndex((i) => i.key === after) + 1 : 0;
  if (after && start === 0) throw validationError('Invalid Marker.');
  const p = page(items.slice(start), maxItems(call.input), (i) => i.key);
  const of = (kind: Item['kind']): XmlObject[] => p.items.filter((i) => i.kind === kind).map((i) => i.render());
  return {
    UserDetailList: of('user'), GroupDetailList: of('group'), RoleDetailList: of('role'), Policies: of('policy'),
    IsTruncated: p.isTruncated, Marker: p.marker,
  };
};
