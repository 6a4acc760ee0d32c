import type { Db } from './db.ts';

export interface AccountRow { account_id: string; canonical_id: string; display_name: string; created_at: string }
export interface UserRow { account_id: string; user_name: string; user_id: string; path: string; permissions_boundary: string | null; created_at: string; tags?: string | null }
export interface AccessKeyRow { access_key_id: string; secret_key: string; account_id: string; user_name: string | null; status: string; created_at: string }
export interface RoleRow {
  account_id: string; role_name: string; role_id: string; path: string; trust_policy: string; description: string | null;
  max_session_duration: number; permissions_boundary: string | null; created_at: string; tags?: string | null;
  last_used_at?: string | null; last_used_region?: string | null;
}
export interface ManagedPolicyRow {
  arn: string; account_id: string; policy_name: string; policy_id: string; path: string; description: string | null;
  default_version: string; next_version: number; created_at: string; updated_at: string; tags?: string | null;
}
export interface PolicyVersionRow { policy_arn: string; version_id: string; document: string; created_at: string }
export interface InlinePolicyRow { policy_name: string; document: string }
export interface SessionRow {
  access_key_id: string; secret_key: string; session_token: string; account_id: string; role_name: string; role_id: string;
  session_name: string; source_identity: string | null; session_policy: string | null; session_policy_arns: string | null;
  issued_at: string; expires_at: string;
  /** 'role' for AssumeRole sessions; 'user' or 'root' for GetSessionToken; 'federated' for GetFederationToken (user_name null: root). */
  principal_type?: 'role' | 'user' | 'root' | 'federated'; user_name?: string | null;
  /** Session tags (JSON object) and which of their keys are transitive (JSON array). */
  tags?: string | null; transitive_tag_keys?: string | null;
  /** For AssumeRoleWithWebIdentity/SAML sessions: the provider ARN. */
  federated_provider?: string | null;
  /** When the session's MFA code was verified (aws:MultiFactorAuthPresent/Age), or null for sessions without MFA. */
  mfa_authenticated_at?: string | null;
}
export type PrincipalKind = 'user' | 'role' | 'group';
export interface GroupRow { account_id: string; group_name: string; group_id: string; path: string; created_at: string }

/** All IAM and STS state, behind prepared statements compiled once. */
export class IamStore {
  private readonly s;
  /** Bumped by every write through this store (and by reset/restore): in-process caches built on IAM state drop. */
  private generation = 0;
  private cacheGeneration = -1;
  private cacheDataVersion = -1;
  private cache = new Map<string, unknown>();
  private readonly dataVersion;
  private dataVersionCheckedAt = -Infinity;
  private lastDataVersion = 0;

  constructor(readonly db: Db) {
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    // Changes when another connection (another process on the same file) commits: its writes invalidate caches too.
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.s = {
      account: p<AccountRow>('SELECT * FROM accounts WHERE account_id = ?'),
      accountByCanonical: p<AccountRow>('SELECT * FROM accounts WHERE canonical_id = ?'),
      updateAccount: p('UPDATE accounts SET display_name = coalesce(?, display_name), canonical_id = coalesce(?, canonical_id) WHERE account_id = ?'),
      insertAccount: p('INSERT INTO accounts (account_id, canonical_id, display_name, created_at) VALUES (?, ?, ?, ?)'),
      accessKey: p<AccessKeyRow>('SELECT * FROM access_keys WHERE access_key_id = ?'),
      insertAccessKey: p('INSERT INTO access_keys (access_key_id, secret_key, account_id, user_name, status, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteAccessKey: p('DELETE FROM access_keys WHERE access_key_id = ?'),
      // Creation order (rowid breaks ties within a second): the credential report's access_key_1 is the older key.
      userAccessKeys: p<AccessKeyRow>('SELECT * FROM access_keys WHERE account_id = ? AND user_name = ? COLLATE NOCASE ORDER BY created_at, rowid'),
      rootAccessKeys: p<AccessKeyRow>('SELECT * FROM access_keys WHERE account_id = ? AND user_name IS NULL ORDER BY created_at, rowid'),
      updateAccessKeyStatus: p('UPDATE access_keys SET status = ? WHERE access_key_id = ?'),
      // Name lookups compare exactly (BINARY), but the primary key's index is on the name COLLATE NOCASE: without the
      // NOCASE term SQLite can use the index only for account_id and scans every user (role, group) of the account.
      // The name is bound twice.
      user: p<UserRow>('SELECT * FROM users WHERE account_id = ? AND user_name = ? COLLATE NOCASE AND user_name = ?'),
      userById: p<UserRow>('SELECT * FROM users WHERE user_id = ?'),
      users: p<UserRow>('SELECT * FROM users WHERE account_id = ? AND path LIKE ? ESCAPE \'\\\' AND user_name COLLATE BINARY > ? ORDER BY user_name COLLATE BINARY LIMIT ?'),
      insertUser: p('INSERT INTO users (account_id, user_name, user_id, path, permissions_boundary, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteUser: p('DELETE FROM users WHERE account_id = ? AND user_name = ?'),
      role: p<RoleRow>('SELECT * FROM roles WHERE account_id = ? AND role_name = ? COLLATE NOCASE AND role_name = ?'),
      roles: p<RoleRow>('SELECT * FROM roles WHERE account_id = ? AND path LIKE ? ESCAPE \'\\\' AND role_name COLLATE BINARY > ? ORDER BY role_name COLLATE BINARY LIMIT ?'),
      insertRole: p('INSERT INTO roles (account_id, role_name, role_id, path, trust_policy, description, max_session_duration, permissions_boundary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteRole: p('DELETE FROM roles WHERE account_id = ? AND role_name = ?'),
      updateTrust: p('UPDATE roles SET trust_policy = ? WHERE account_id = ? AND role_name = ?'),
      updateRole: p('UPDATE roles SET description = coalesce(?, description), max_session_duration = coalesce(?, max_session_duration) WHERE account_id = ? AND role_name = ?'),
      policy: p<ManagedPolicyRow>('SELECT * FROM managed_policies WHERE arn = ?'),
      policies: p<ManagedPolicyRow & { attachment_count: number }>(`SELECT mp.*, (SELECT count(*) FROM policy_attachments pa WHERE pa.policy_arn = mp.arn) AS attachment_count
        FROM managed_policies mp WHERE mp.account_id = ? AND mp.path LIKE ? ESCAPE '\\' AND mp.policy_name COLLATE BINARY > ? ORDER BY mp.policy_name COLLATE BINARY`),
      insertPolicy: p('INSERT INTO managed_policies (arn, account_id, policy_name, policy_id, path, description, default_version, next_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      deletePolicy: p('DELETE FROM managed_policies WHERE arn = ?'),
      setDefaultVersion: p('UPDATE managed_policies SET default_version = ?, updated_at = ? WHERE arn = ?'),
      bumpNextVersion: p('UPDATE managed_policies SET next_version = next_version + 1 WHERE arn = ?'),
      version: p<PolicyVersionRow>('SELECT * FROM policy_versions WHERE policy_arn = ? AND version_id = ?'),
      versions: p<PolicyVersionRow>('SELECT * FROM policy_versions WHERE policy_arn = ? ORDER BY CAST(substr(version_id, 2) AS INTEGER) DESC'),
      insertVersion: p('INSERT INTO policy_versions (policy_arn, version_id, document, created_at) VALUES (?, ?, ?, ?)'),
      deleteVersion: p('DELETE FROM policy_versions WHERE policy_arn = ? AND version_id = ?'),
      attachmentCount: p<{ n: number }>('SELECT count(*) AS n FROM policy_attachments WHERE policy_arn = ?'),
      attachmentCountIn: p<{ n: number }>('SELECT count(*) AS n FROM policy_attachments WHERE policy_arn = ? AND account_id = ?'),
      // Counts of every policy at once, for listings of many policies (one scan instead of one per policy).
      attachmentCounts: p<{ arn: string; n: number }>('SELECT policy_arn AS arn, count(*) AS n FROM policy_attachments GROUP BY policy_arn'),
      attachmentCountsIn: p<{ arn: string; n: number }>('SELECT policy_arn AS arn, count(*) AS n FROM policy_attachments WHERE account_id = ? GROUP BY policy_arn'),
      boundaryCounts: p<{ arn: string; n: number }>(`SELECT arn, count(*) AS n FROM (SELECT permissions_boundary AS arn FROM users WHERE permissions_boundary IS NOT NULL
        UNION ALL SELECT permissions_boundary FROM roles WHERE permissions_boundary IS NOT NULL) GROUP BY arn`),
      boundaryCountsIn: p<{ arn: string; n: number }>(`SELECT arn, count(*) AS n FROM (SELECT permissions_boundary AS arn FROM users WHERE account_id = @account AND permissions_boundary IS NOT NULL
        UNION ALL SELECT permissions_boundary FROM roles WHERE account_id = @account AND permissions_boundary IS NOT NULL) GROUP BY arn`),
      attachments: p<{ policy_arn: string; policy_name: string }>(`SELECT pa.policy_arn, mp.policy_name FROM policy_attachments pa
        JOIN managed_policies mp ON mp.arn = pa.policy_arn WHERE pa.account_id = ? AND pa.principal_kind = ? AND pa.principal_name = ? ORDER BY pa.attached_at, pa.policy_arn`),
      attach: p('INSERT OR IGNORE INTO policy_attachments (policy_arn, account_id, principal_kind, principal_name, attached_at) VALUES (?, ?, ?, ?, ?)'),
      detach: p('DELETE FROM policy_attachments WHERE policy_arn = ? AND account_id = ? AND principal_kind = ? AND principal_name = ?'),
      inline: p<InlinePolicyRow>('SELECT policy_name, document FROM inline_policies WHERE account_id = ? AND principal_kind = ? AND principal_name = ? AND policy_name = ?'),
      inlines: p<InlinePolicyRow>('SELECT policy_name, document FROM inline_policies WHERE account_id = ? AND principal_kind = ? AND principal_name = ? ORDER BY policy_name'),
      putInline: p('INSERT INTO inline_policies (account_id, principal_kind, principal_name, policy_name, document) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET document = excluded.document'),
      deleteInline: p('DELETE FROM inline_policies WHERE account_id = ? AND principal_kind = ? AND principal_name = ? AND policy_name = ?'),
      session: p<SessionRow>('SELECT * FROM sessions WHERE access_key_id = ?'),
      insertSession: p(`INSERT INTO sessions (access_key_id, secret_key, session_token, account_id, role_name, role_id, session_name, source_identity,
        session_policy, session_policy_arns, issued_at, expires_at, principal_type, user_name, tags, transitive_tag_keys, federated_provider, mfa_authenticated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      setUserBoundary: p('UPDATE users SET permissions_boundary = ? WHERE account_id = ? AND user_name = ?'),
      setRoleBoundary: p('UPDATE roles SET permissions_boundary = ? WHERE account_id = ? AND role_name = ?'),
      boundaryUsage: p<{ n: number }>('SELECT (SELECT count(*) FROM users WHERE permissions_boundary = @arn) + (SELECT count(*) FROM roles WHERE permissions_boundary = @arn) AS n'),
      group: p<GroupRow>('SELECT * FROM groups WHERE account_id = ? AND group_name = ? COLLATE NOCASE AND group_name = ?'),
      groups: p<GroupRow>("SELECT * FROM groups WHERE account_id = ? AND path LIKE ? ESCAPE '\\' AND group_name COLLATE BINARY > ? ORDER BY group_name COLLATE BINARY LIMIT ?"),
      insertGroup: p('INSERT INTO groups (account_id, group_name, group_id, path, created_at) VALUES (?, ?, ?, ?, ?)'),
      deleteGroup: p('DELETE FROM groups WHERE account_id = ? AND group_name = ?'),
      members: p<UserRow>(`SELECT u.* FROM group_members m JOIN users u ON u.account_id = m.account_id AND u.user_name = m.user_name
        WHERE m.account_id = ? AND m.group_name = ? ORDER BY m.added_at, u.user_name`),
      groupsOfUser: p<GroupRow>(`SELECT g.* FROM group_members m JOIN groups g ON g.account_id = m.account_id AND g.group_name = m.group_name
        WHERE m.account_id = ? AND m.user_name = ? ORDER BY m.added_at, g.group_name`),
      addMember: p('INSERT OR IGNORE INTO group_members (account_id, group_name, user_name, added_at) VALUES (?, ?, ?, ?)'),
      removeMember: p('DELETE FROM group_members WHERE account_id = ? AND group_name = ? AND user_name = ?'),
      setUserTags: p('UPDATE users SET tags = ? WHERE account_id = ? AND user_name = ?'),
      setRoleTags: p('UPDATE roles SET tags = ? WHERE account_id = ? AND role_name = ?'),
      setting: p<{ value: string }>('SELECT value FROM settings WHERE name = ?'),
      putSetting: p('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    };
  }

  /** Drops everything cached from IAM state (credentials, callers, settings). */
  invalidate(): void { this.generation++; }

  /**
   * A cache valid for the IAM state as it is now: emptied after any IAM write in this process (see invalidate) or a
   * commit by another connection (PRAGMA data_version). Callers are cached here by access key id.
   */
  stateCache(): Map<string, unknown> {
    // Another process writing the same file is rare (a second server is refused): look at most every 50 ms.
    const now = Date.now();
    if (now - this.dataVersionCheckedAt >= 50 || now < this.dataVersionCheckedAt) {
      this.dataVersionCheckedAt = now;
      this.lastDataVersion = this.dataVersion.get()!;
    }
    const dataVersion = this.lastDataVersion;
    if (this.generation !== this.cacheGeneration || dataVersion !== this.cacheDataVersion) {
      this.cache = new Map();
      this.cacheGeneration = this.generation;
      this.cacheDataVersion = dataVersion;
    }
    return this.cache;
  }

  /**
   * A role, managed policy or policy version row, read once per IAM state (stateCache): GetRole, AssumeRole and
   * authorization read the same rows several times a request. Inside a transaction the row is read afresh, since a
   * rollback could otherwise leave a cached row behind. Rows are frozen: they are shared.
   */
  private cachedRow<T extends object>(key: string, read: () => T | undefined): T | undefined {
    if (this.db.inTransaction) return read();
    const cache = this.stateCache();
    let row = cache.get(key) as T | null | undefined;
    if (row === undefined) {
      row = read() ?? null;
      cache.set(key, row === null ? null : Object.freeze(row));
    }
    return row ?? undefined;
  }

  /**
   * Cached with the IAM state like roles: S3 asks for the owner's canonical id on every PutObject (ACLs) and listing
   * (Owner), and accounts change only through updateAccount/insertAccount (which drop the state) or a reset.
   */
  account(accountId: string): AccountRow | undefined { return this.cachedRow(`account\n${accountId}`, () => this.s.account.get(accountId)); }
  accountByCanonicalId(id: string): AccountRow | undefined { return this.s.accountByCanonical.get(id); }
  updateAccount(accountId: string, displayName: string | undefined, canonicalId: string | undefined): void {
    this.invalidate();
    this.s.updateAccount.run(displayName ?? null, canonicalId ?? null, accountId);
  }
  insertAccount(row: AccountRow): void { this.invalidate(); this.s.insertAccount.run(row.account_id, row.canonical_id, row.display_name, row.created_at); }

  accessKey(id: string): AccessKeyRow | undefined { return this.s.accessKey.get(id); }
  insertAccessKey(row: AccessKeyRow): void {
    this.invalidate();
    this.s.insertAccessKey.run(row.access_key_id, row.secret_key, row.account_id, row.user_name, row.status, row.created_at);
  }
  deleteAccessKey(id: string): void { this.invalidate(); this.s.deleteAccessKey.run(id); }
  userAccessKeys(accountId: string, userName: string): AccessKeyRow[] { return this.s.userAccessKeys.all(accountId, userName); }
  rootAccessKeys(accountId: string): AccessKeyRow[] { return this.s.rootAccessKeys.all(accountId); }
  setAccessKeyStatus(id: string, status: string): void { this.invalidate(); this.s.updateAccessKeyStatus.run(status, id); }

  user(accountId: string, name: string): UserRow | undefined { return this.s.user.get(accountId, name, name); }
  userById(userId: string): UserRow | undefined { return this.s.userById.get(userId); }
  /** Users whose path starts with pathPrefix, after `after` (exclusive), at most `limit`. */
  users(accountId: string, pathPrefix: string, after: string, limit: number): UserRow[] {
    return this.s.users.all(accountId, likePrefix(pathPrefix), after, limit);
  }
  insertUser(row: UserRow): void {
    this.invalidate();
    this.s.insertUser.run(row.account_id, row.user_name, row.user_id, row.path, row.permissions_boundary, row.created_at);
  }
  deleteUser(accountId: string, name: string): void { this.invalidate(); this.s.deleteUser.run(accountId, name); }

  role(accountId: string, name: string): RoleRow | undefined { return this.cachedRow(`role\n${accountId}\n${name}`, () => this.s.role.get(accountId, name, name)); }
  roles(accountId: string, pathPrefix: string, after: string, limit: number): RoleRow[] {
    return this.s.roles.all(accountId, likePrefix(pathPrefix), after, limit);
  }
  insertRole(r: RoleRow): void {
    this.invalidate();
    this.s.insertRole.run(r.account_id, r.role_name, r.role_id, r.path, r.trust_policy, r.description, r.max_session_duration, r.permissions_boundary, r.created_at);
  }
  deleteRole(accountId: string, name: string): void { this.invalidate(); this.s.deleteRole.run(accountId, name); }
  updateTrustPolicy(accountId: string, name: string, document: string): void { this.invalidate(); this.s.updateTrust.run(document, accountId, name); }
  updateRole(accountId: string, name: string, description: string | null, maxSessionDuration: number | null): void {
    this.invalidate();
    this.s.updateRole.run(description, maxSessionDuration, accountId, name);
  }

  policy(arn: string): ManagedPolicyRow | undefined { return this.cachedRow(`policy\n${arn}`, () => this.s.policy.get(arn)); }
  policies(accountId: string, pathPrefix: string, after: string): (ManagedPolicyRow & { attachment_count: number })[] {
    return this.s.policies.all(accountId, likePrefix(pathPrefix), after);
  }
  insertPolicy(r: ManagedPolicyRow): void {
    this.invalidate();
    this.s.insertPolicy.run(r.arn, r.account_id, r.policy_name, r.policy_id, r.path, r.description, r.default_version, r.next_version, r.created_at, r.updated_at);
  }
  deletePolicy(arn: string): void { this.invalidate(); this.s.deletePolicy.run(arn); }
  setDefaultVersion(arn: string, versionId: string, updatedAt: string): void { this.invalidate(); this.s.setDefaultVersion.run(versionId, updatedAt, arn); }
  bumpNextVersion(arn: string): void { this.invalidate(); this.s.bumpNextVersion.run(arn); }
  version(arn: string, versionId: string): PolicyVersionRow | undefined { return this.cachedRow(`version\n${arn}\n${versionId}`, () => this.s.version.get(arn, versionId)); }
  versions(arn: string): PolicyVersionRow[] { return this.s.versions.all(arn); }
  insertVersion(r: PolicyVersionRow): void { this.invalidate(); this.s.insertVersion.run(r.policy_arn, r.version_id, r.document, r.created_at); }
  deleteVersion(arn: string, versionId: string): void { this.invalidate(); this.s.deleteVersion.run(arn, versionId); }

  attachmentCount(arn: string): number { return this.s.attachmentCount.get(arn)?.n ?? 0; }
  attachmentCountIn(arn: string, accountId: string): number { return this.s.attachmentCountIn.get(arn, accountId)?.n ?? 0; }
  /** attachmentCount (no account) or attachmentCountIn of every policy with an attachment, by ARN. */
  attachmentCounts(accountId?: string): Map<string, number> {
    const rows = accountId === undefined ? this.s.attachmentCounts.all() : this.s.attachmentCountsIn.all(accountId);
    return new Map(rows.map((r) => [r.arn, r.n]));
  }
  /** Users and roles using each policy as their permissions boundary (in one account, or in all), by ARN. */
  boundaryCounts(accountId?: string): Map<string, number> {
    const rows = accountId === undefined ? this.s.boundaryCounts.all() : this.s.boundaryCountsIn.all({ account: accountId });
    return new Map(rows.map((r) => [r.arn, r.n]));
  }
  attachedPolicies(accountId: string, kind: PrincipalKind, name: string): { policy_arn: string; policy_name: string }[] {
    return this.s.attachments.all(accountId, kind, name);
  }
  attach(arn: string, accountId: string, kind: PrincipalKind, name: string, order: number): void { this.invalidate(); this.s.attach.run(arn, accountId, kind, name, order); }
  detach(arn: string, accountId: string, kind: PrincipalKind, name: string): number { this.invalidate(); return this.s.detach.run(arn, accountId, kind, name).changes; }

  inlinePolicy(accountId: string, kind: PrincipalKind, principal: string, name: string): InlinePolicyRow | undefined {
    return this.s.inline.get(accountId, kind, principal, name);
  }
  inlinePolicies(accountId: string, kind: PrincipalKind, principal: string): InlinePolicyRow[] { return this.s.inlines.all(accountId, kind, principal); }
  putInlinePolicy(accountId: string, kind: PrincipalKind, principal: string, name: string, document: string): void {
    this.invalidate();
    this.s.putInline.run(accountId, kind, principal, name, document);
  }
  deleteInlinePolicy(accountId: string, kind: PrincipalKind, principal: string, name: string): number {
    this.invalidate();
    return this.s.deleteInline.run(accountId, kind, principal, name).changes;
  }

  session(accessKeyId: string): SessionRow | undefined { return this.s.session.get(accessKeyId); }
  insertSession(r: SessionRow): void {
    // No invalidation: a new key changes no cached lookup (unknown keys are not cached).
    this.s.insertSession.run(r.access_key_id, r.secret_key, r.session_token, r.account_id, r.role_name, r.role_id, r.session_name,
      r.source_identity, r.session_policy, r.session_policy_arns, r.issued_at, r.expires_at, r.principal_type ?? 'role', r.user_name ?? null, r.tags ?? null, r.transitive_tag_keys ?? null, r.federated_provider ?? null, r.mfa_authenticated_at ?? null);
  }

  setPermissionsBoundary(kind: PrincipalKind, accountId: string, name: string, arn: string | null): void {
    this.invalidate();
    (kind === 'user' ? this.s.setUserBoundary : this.s.setRoleBoundary).run(arn, accountId, name);
  }
  boundaryUsageCount(arn: string): number { return this.s.boundaryUsage.get({ arn })?.n ?? 0; }

  group(accountId: string, name: string): GroupRow | undefined { return this.s.group.get(accountId, name, name); }
  groups(accountId: string, pathPrefix: string, after: string, limit: number): GroupRow[] { return this.s.groups.all(accountId, likePrefix(pathPrefix), after, limit); }
  insertGroup(r: GroupRow): void { this.invalidate(); this.s.insertGroup.run(r.account_id, r.group_name, r.group_id, r.path, r.created_at); }
  deleteGroup(accountId: string, name: string): void { this.invalidate(); this.s.deleteGroup.run(accountId, name); }
  groupMembers(accountId: string, group: string): UserRow[] { return this.s.members.all(accountId, group); }
  groupsOfUser(accountId: string, user: string): GroupRow[] { return this.s.groupsOfUser.all(accountId, user); }
  addGroupMember(accountId: string, group: string, user: string, order: number): void { this.invalidate(); this.s.addMember.run(accountId, group, user, order); }
  removeGroupMember(accountId: string, group: string, user: string): number { this.invalidate(); return this.s.removeMember.run(accountId, group, user).changes; }

  setTags(kind: 'user' | 'role', accountId: string, name: string, tags: Record<string, string>): void {
    const json = Object.keys(tags).length ? JSON.stringify(tags) : null;
    this.invalidate();
    (kind === 'user' ? this.s.setUserTags : this.s.setRoleTags).run(json, accountId, name);
  }

  setting(name: string): string | undefined { return this.s.setting.get(name)?.value; }
  putSetting(name: string, value: string): void { this.invalidate(); this.s.putSetting.run(name, value); }
}

/** A LIKE pattern matching strings that start with `prefix` literally. */
function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}
