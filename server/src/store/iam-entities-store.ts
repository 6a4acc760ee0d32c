import type { Db } from './db.ts';

export interface InstanceProfileRow { account_id: string; profile_name: string; profile_id: string; path: string; created_at: string; tags: string | null }
export interface OidcProviderRow { account_id: string; url: string; client_ids: string; thumbprints: string; created_at: string; tags: string | null }
export interface LoginProfileRow {
  account_id: string; user_name: string; password_hash: string; password_reset_required: number; created_at: string; password_history: string | null;
}
export interface DeletionTaskRow { task_id: string; account_id: string; role_name: string; status: string; created_at: string }
export interface KeyLastUsed { last_used_at: string | null; last_used_service: string | null; last_used_region: string | null }

/** GetAccountPasswordPolicy's PasswordPolicy, stored as JSON. */
export interface PasswordPolicy {
  MinimumPasswordLength: number; RequireSymbols: boolean; RequireNumbers: boolean; RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean; AllowUsersToChangePassword: boolean; ExpirePasswords: boolean; MaxPasswordAge?: number;
  PasswordReusePrevention?: number; HardExpiry?: boolean;
}

/** What AssumeRoleWithWebIdentity needs to know about an OIDC provider. */
export interface OidcProvider { arn: string; url: string; clientIds: string[]; thumbprints: string[]; createDate: string; tags: Record<string, string> }

/** The URL as IAM keys it: no scheme, no trailing slash, host lower-cased (arn:aws:iam::ACCOUNT:oidc-provider/<this>). */
export function oidcProviderKey(url: string): string {
  const bare = url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
  const slash = bare.indexOf('/');
  return slash < 0 ? bare.toLowerCase() : bare.slice(0, slash).toLowerCase() + bare.slice(slash);
}

export const oidcProviderArn = (accountId: string, url: string): string => `arn:aws:iam::${accountId}:oidc-provider/${oidcProviderKey(url)}`;

/** Instance profiles, OIDC providers, login profiles, account settings and last-used data, behind statements compiled once. */
export class IamEntitiesStore {
  private readonly s;

  constructor(readonly db: Db) {
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    this.s = {
      profile: p<InstanceProfileRow>('SELECT * FROM instance_profiles WHERE account_id = ? AND profile_name = ?'),
      profiles: p<InstanceProfileRow>("SELECT * FROM instance_profiles WHERE account_id = ? AND path LIKE ? ESCAPE '\\' AND profile_name COLLATE BINARY > ? ORDER BY profile_name COLLATE BINARY LIMIT ?"),
      allProfiles: p<InstanceProfileRow>('SELECT * FROM instance_profiles WHERE account_id = ? ORDER BY profile_name COLLATE BINARY'),
      insertProfile: p('INSERT INTO instance_profiles (account_id, profile_name, profile_id, path, created_at, tags) VALUES (@account_id, @profile_name, @profile_id, @path, @created_at, @tags)'),
      deleteProfile: p('DELETE FROM instance_profiles WHERE account_id = ? AND profile_name = ?'),
      setProfileTags: p('UPDATE instance_profiles SET tags = ? WHERE account_id = ? AND profile_name = ?'),
      profileRoles: p<{ role_name: string }>('SELECT role_name FROM instance_profile_roles WHERE account_id = ? AND profile_name = ? ORDER BY added_at, role_name'),
      profilesOfRole: p<InstanceProfileRow>(`SELECT ip.* FROM instance_profile_roles r JOIN instance_profiles ip ON ip.account_id = r.account_id AND ip.profile_name = r.profile_name
        WHERE r.account_id = ? AND r.role_name = ? ORDER BY ip.profile_name COLLATE BINARY`),
      addProfileRole: p('INSERT OR IGNORE INTO instance_profile_roles (account_id, profile_name, role_name, added_at) VALUES (?, ?, ?, ?)'),
      removeProfileRole: p('DELETE FROM instance_profile_roles WHERE account_id = ? AND profile_name = ? AND role_name = ?'),
      countProfiles: p<{ n: number }>('SELECT count(*) AS n FROM instance_profiles WHERE account_id = ?'),

      oidc: p<OidcProviderRow>('SELECT * FROM oidc_providers WHERE account_id = ? AND url = ?'),
      oidcs: p<OidcProviderRow>('SELECT * FROM oidc_providers WHERE account_id = ? ORDER BY url'),
      insertOidc: p('INSERT INTO oidc_providers (account_id, url, client_ids, thumbprints, created_at, tags) VALUES (@account_id, @url, @client_ids, @thumbprints, @created_at, @tags)'),
      deleteOidc: p('DELETE FROM oidc_providers WHERE account_id = ? AND url = ?'),
      updateOidc: p('UPDATE oidc_providers SET client_ids = @client_ids, thumbprints = @thumbprints, tags = @tags WHERE account_id = @account_id AND url = @url'),

      login: p<LoginProfileRow>('SELECT * FROM login_profiles WHERE account_id = ? AND user_name = ?'),
      putLogin: p(`INSERT INTO login_profiles (account_id, user_name, password_hash, password_reset_required, created_at, password_history)
        VALUES (@account_id, @user_name, @password_hash, @password_reset_required, @created_at, @password_history)
        ON CONFLICT DO UPDATE SET password_hash = excluded.password_hash, password_reset_required = excluded.password_reset_required, password_history = excluded.password_history`),
      deleteLogin: p('DELETE FROM login_profiles WHERE account_id = ? AND user_name = ?'),

      alias: p<{ alias: string }>('SELECT alias FROM account_aliases WHERE account_id = ?'),
      aliasOwner: p<{ account_id: string }>('SELECT account_id FROM account_aliases WHERE alias = ?'),
      putAlias: p('INSERT INTO account_aliases (account_id, alias) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET alias = excluded.alias'),
      deleteAlias: p('DELETE FROM account_aliases WHERE account_id = ?'),

      passwordPolicy: p<{ policy: string }>('SELECT policy FROM password_policies WHERE account_id = ?'),
      putPasswordPolicy: p('INSERT INTO password_policies (account_id, policy) VALUES (?, ?) ON CONFLICT DO UPDATE SET policy = excluded.policy'),
      deletePasswordPolicy: p('DELETE FROM password_policies WHERE account_id = ?'),

      task: p<DeletionTaskRow>('SELECT * FROM service_linked_role_deletions WHERE task_id = ?'),
      insertTask: p('INSERT INTO service_linked_role_deletions (task_id, account_id, role_name, status, created_at) VALUES (?, ?, ?, ?, ?)'),

      keyLastUsed: p<KeyLastUsed>('SELECT last_used_at, last_used_service, last_used_region FROM access_keys WHERE access_key_id = ?'),
      touchKey: p('UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ? WHERE access_key_id = ?'),
      roleLastUsed: p<{ last_used_at: string | null; last_used_region: string | null }>('SELECT last_used_at, last_used_region FROM roles WHERE account_id = ? AND role_name = ?'),
      touchRole: p('UPDATE roles SET last_used_at = ?, last_used_region = ? WHERE account_id = ? AND role_name = ? AND role_id = ?'),

      renameUser: [
        p('UPDATE users SET user_name = @to, path = @path WHERE account_id = @account AND user_name = @from'),
        p('UPDATE access_keys SET user_name = @to WHERE account_id = @account AND user_name = @from COLLATE NOCASE'),
        p("UPDATE policy_attachments SET principal_name = @to WHERE account_id = @account AND principal_kind = 'user' AND principal_name = @from"),
        p("UPDATE inline_policies SET principal_name = @to WHERE account_id = @account AND principal_kind = 'user' AND principal_name = @from"),
        p('UPDATE group_members SET user_name = @to WHERE account_id = @account AND user_name = @from'),
        p('UPDATE login_profiles SET user_name = @to WHERE account_id = @account AND user_name = @from'),
        p("UPDATE sessions SET user_name = @to WHERE account_id = @account AND principal_type = 'user' AND user_name = @from COLLATE NOCASE"),
      ],
      setPolicyTags: p('UPDATE managed_policies SET tags = ? WHERE arn = ?'),
      policyAttachments: p<{ principal_kind: string; principal_name: string }>('SELECT principal_kind, principal_name FROM policy_attachments WHERE policy_arn = ? AND account_id = ?'),
      boundaryUsers: p<{ user_name: string }>('SELECT user_name FROM users WHERE account_id = ? AND permissions_boundary = ?'),
      boundaryRoles: p<{ role_name: string }>('SELECT role_name FROM roles WHERE account_id = ? AND permissions_boundary = ?'),
      boundaryUsageIn: p<{ n: number }>('SELECT (SELECT count(*) FROM users WHERE account_id = @account AND permissions_boundary = @arn) + (SELECT count(*) FROM roles WHERE account_id = @account AND permissions_boundary = @arn) AS n'),
      renameGroup: [
        p('UPDATE groups SET group_name = @to, path = @path WHERE account_id = @account AND group_name = @from'),
        p('UPDATE group_members SET group_name = @to WHERE account_id = @account AND group_name = @from'),
        p("UPDATE policy_attachments SET principal_name = @to WHERE account_id = @account AND principal_kind = 'group' AND principal_name = @from"),
        p("UPDATE inline_policies SET principal_name = @to WHERE account_id = @account AND principal_kind = 'group' AND principal_name = @from"),
      ],
      count: {
        users: p<{ n: number }>('SELECT count(*) AS n FROM users WHERE account_id = ?'),
        groups: p<{ n: number }>('SELECT count(*) AS n FROM groups WHERE account_id = ?'),
        roles: p<{ n: number }>('SELECT count(*) AS n FROM roles WHERE account_id = ?'),
        policies: p<{ n: number }>('SELECT count(*) AS n FROM managed_policies WHERE account_id = ?'),
        versions: p<{ n: number }>('SELECT count(*) AS n FROM policy_versions v JOIN managed_policies mp ON mp.arn = v.policy_arn WHERE mp.account_id = ?'),
        attachedPolicies: p<{ n: number }>('SELECT count(DISTINCT policy_arn) AS n FROM policy_attachments WHERE account_id = ?'),
        rootKeys: p<{ n: number }>('SELECT count(*) AS n FROM access_keys WHERE account_id = ? AND user_name IS NULL'),
        oidc: p<{ n: number }>('SELECT count(*) AS n FROM oidc_providers WHERE account_id = ?'),
      },
    };
  }

  instanceProfile(accountId: string, name: string): InstanceProfileRow | undefined { return this.s.profile.get(accountId, name); }
  instanceProfiles(accountId: string, pathPrefix: string, after: string, limit: number): InstanceProfileRow[] {
    return this.s.profiles.all(accountId, likePrefix(pathPrefix), after, limit);
  }
  allInstanceProfiles(accountId: string): InstanceProfileRow[] { return this.s.allProfiles.all(accountId); }
  insertInstanceProfile(row: InstanceProfileRow): void { this.s.insertProfile.run(row); }
  deleteInstanceProfile(accountId: string, name: string): void { this.s.deleteProfile.run(accountId, name); }
  setInstanceProfileTags(accountId: string, name: string, tags: Record<string, string>): void {
    this.s.setProfileTags.run(Object.keys(tags).length ? JSON.stringify(tags) : null, accountId, name);
  }
  instanceProfileRoles(accountId: string, profile: string): string[] { return this.s.profileRoles.all(accountId, profile).map((r) => r.role_name); }
  instanceProfilesOfRole(accountId: string, role: string): InstanceProfileRow[] { return this.s.profilesOfRole.all(accountId, role); }
  addRoleToInstanceProfile(accountId: string, profile: string, role: string, order: number): void { this.s.addProfileRole.run(accountId, profile, role, order); }
  removeRoleFromInstanceProfile(accountId: string, profile: string, role: string): number { return this.s.removeProfileRole.run(accountId, profile, role).changes; }
  instanceProfileCount(accountId: string): number { return this.s.countProfiles.get(accountId)?.n ?? 0; }

  oidcProviderRow(accountId: string, url: string): OidcProviderRow | undefined { return this.s.oidc.get(accountId, oidcProviderKey(url)); }
  oidcProviderRows(accountId: string): OidcProviderRow[] { return this.s.oidcs.all(accountId); }
  insertOidcProvider(row: OidcProviderRow): void { this.s.insertOidc.run(row); }
  updateOidcProvider(row: OidcProviderRow): void { this.s.updateOidc.run(row); }
  deleteOidcProvider(accountId: string, url: string): void { this.s.deleteOidc.run(accountId, oidcProviderKey(url)); }

  /** The OIDC provider of `accountId` for an issuer URL (with or without https://), or undefined. */
  oidcProvider(accountId: string, url: string): OidcProvider | undefined {
    const row = this.oidcProviderRow(accountId, url);
    if (!row) return undefined;
    return {
      arn: oidcProviderArn(accountId, row.url), url: row.url, clientIds: JSON.parse(row.client_ids) as string[], thumbprints: JSON.parse(row.thumbprints) as string[],
      createDate: row.created_at, tags: row.tags ? (JSON.parse(row.tags) as Record<string, string>) : {},
    };
  }

  loginProfile(accountId: string, user: string): LoginProfileRow | undefined { return this.s.login.get(accountId, user); }
  putLoginProfile(row: LoginProfileRow): void { this.s.putLogin.run(row); }
  deleteLoginProfile(accountId: string, user: string): number { return this.s.deleteLogin.run(accountId, user).changes; }

  accountAlias(accountId: string): string | undefined { return this.s.alias.get(accountId)?.alias; }
  accountOfAlias(alias: string): string | undefined { return this.s.aliasOwner.get(alias)?.account_id; }
  putAccountAlias(accountId: string, alias: string): void { this.s.putAlias.run(accountId, alias); }
  deleteAccountAlias(accountId: string): number { return this.s.deleteAlias.run(accountId).changes; }

  passwordPolicy(accountId: string): PasswordPolicy | undefined {
    const row = this.s.passwordPolicy.get(accountId);
    return row ? (JSON.parse(row.policy) as PasswordPolicy) : undefined;
  }
  putPasswordPolicy(accountId: string, policy: PasswordPolicy): void { this.s.putPasswordPolicy.run(accountId, JSON.stringify(policy)); }
  deletePasswordPolicy(accountId: string): number { return this.s.deletePasswordPolicy.run(accountId).changes; }

  deletionTask(id: string): DeletionTaskRow | undefined { return this.s.task.get(id); }
  insertDeletionTask(r: DeletionTaskRow): void { this.s.insertTask.run(r.task_id, r.account_id, r.role_name, r.status, r.created_at); }

  keyLastUsed(accessKeyId: string): KeyLastUsed | undefined { return this.s.keyLastUsed.get(accessKeyId); }
  touchAccessKey(accessKeyId: string, at: string, service: string, region: string): void { this.s.touchKey.run(at, service, region, accessKeyId); }
  roleLastUsed(accountId: string, role: string): { last_used_at: string | null; last_used_region: string | null } | undefined { return this.s.roleLastUsed.get(accountId, role); }
  touchRole(accountId: string, role: string, roleId: string, at: string, region: string): void { this.s.touchRole.run(at, region, accountId, role, roleId); }

  /** UpdateUser: the new name and path, carrying keys, policies, groups, login profile and sessions along (tags live on the row). */
  renameUser(accountId: string, from: string, to: string, path: string): void {
    for (const statement of this.s.renameUser) statement.run({ account: accountId, from, to, path });
  }

  setPolicyTags(arn: string, tags: Record<string, string>): void { this.s.setPolicyTags.run(Object.keys(tags).length ? JSON.stringify(tags) : null, arn); }
  /** Who in `accountId` has the policy attached: [kind, name] pairs. */
  policyAttachments(arn: string, accountId: string): { principal_kind: string; principal_name: string }[] { return this.s.policyAttachments.all(arn, accountId); }
  boundaryUsers(accountId: string, arn: string): string[] { return this.s.boundaryUsers.all(accountId, arn).map((r) => r.user_name); }
  boundaryRoles(accountId: string, arn: string): string[] { return this.s.boundaryRoles.all(accountId, arn).map((r) => r.role_name); }
  boundaryUsageIn(arn: string, accountId: string): number { return this.s.boundaryUsageIn.get({ arn, account: accountId })?.n ?? 0; }

  /** UpdateGroup: the new name and path, carrying members and policies along. */
  renameGroup(accountId: string, from: string, to: string, path: string): void {
    for (const statement of this.s.renameGroup) statement.run({ account: accountId, from, to, path });
  }

  counts(accountId: string): Record<keyof IamEntitiesStore['s']['count'], number> {
    const out = {} as Record<keyof IamEntitiesStore['s']['count'], number>;
    for (const [name, statement] of Object.entries(this.s.count) as [keyof IamEntitiesStore['s']['count'], { get: (a: string) => { n: number } | undefined }][]) {
      out[name] = statement.get(accountId)?.n ?? 0;
    }
    return out;
  }
}

const stores = new WeakMap<Db, IamEntitiesStore>();

/** The entities store of a database (created on first use, so its statements are compiled once per database). */
export function iamEntities(db: Db): IamEntitiesStore {
  let store = stores.get(db);
  if (!store) {
    store = new IamEntitiesStore(db);
    stores.set(db, store);
  }
  return store;
}

/** For AssumeRoleWithWebIdentity: the provider registered in `accountId` for an issuer URL, or undefined. */
export function oidcProvider(db: Db, accountId: string, url: string): OidcProvider | undefined {
  return iamEntities(db).oidcProvider(accountId, url);
}

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}
