import { randomBytes } from 'node:crypto';
import type { Db } from './db.ts';
import type { IamStore } from './iam-store.ts';
import { awsId } from './ids.ts';

export type OrgPolicyType = 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
export const ORG_POLICY_TYPES: readonly OrgPolicyType[] = ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'];

export interface OrganizationRow { org_id: string; management_account: string; root_id: string; feature_set: string; created_at: string }
export interface OrgUnitRow { ou_id: string; org_id: string; parent_id: string; name: string; created_at: string }
export interface OrgAccountRow { account_id: string; org_id: string; parent_id: string; name: string; email: string; joined_method: string; joined_at: string }
export interface CreateAccountStatusRow {
  request_id: string; org_id: string; account_name: string; account_id: string | null; state: string; failure: string | null; requested_at: string; completed_at: string | null;
}
export interface OrgPolicyRow { policy_id: string; org_id: string; type: OrgPolicyType; name: string; description: string; content: string; created_at: string; aws_managed?: boolean }
export interface OrgTag { Key: string; Value: string }
export interface OrgAttachmentRow { org_id: string; policy_id: string; target_id: string; attached_at: string; seq: number }

const FULL_ACCESS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, null, 2);
const RCP_FULL_ACCESS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }, null, 2);

/**
 * The AWS managed policies every organization has (Organizations User Guide, "FullAWSAccess" and "RCPFullAWSAccess"):
 * attached to the root, every OU and every account when their policy type is enabled. They are not stored.
 */
export const AWS_MANAGED_ORG_POLICIES: readonly OrgPolicyRow[] = [
  {
    policy_id: 'p-FullAWSAccess', org_id: '', type: 'SERVICE_CONTROL_POLICY', name: 'FullAWSAccess', content: FULL_ACCESS, created_at: '2016-11-28T00:00:00Z', aws_managed: true,
    description: 'Allows access to every operation',
  },
  {
    policy_id: 'p-RCPFullAWSAccess', org_id: '', type: 'RESOURCE_CONTROL_POLICY', name: 'RCPFullAWSAccess', content: RCP_FULL_ACCESS, created_at: '2024-11-13T00:00:00Z', aws_managed: true,
    description: 'Allows access to every operation',
  },
];

export const defaultPolicyOf = (type: OrgPolicyType): OrgPolicyRow => AWS_MANAGED_ORG_POLICIES.find((p) => p.type === type)!;

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Random lower-case letters and digits, as Organizations' ids use them (o-…, r-…, ou-…, p-…, car-…). */
export function orgRandomId(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length];
  return out;
}

/**
 * The role through which the management account administers a created member account: AdministratorAccess, trusting
 * the management account (Organizations User Guide, "Accessing a member account that has a management account access role").
 */
export function addAccessRole(iam: IamStore, accountId: string, roleName: string, managementAccount: string, at: string): void {
  if (iam.role(accountId, roleName)) return;
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${managementAccount}:root` }, Action: 'sts:AssumeRole' }] });
  iam.insertRole({
    account_id: accountId, role_name: roleName, role_id: awsId('AROA', 17), path: '/', trust_policy: trust, description: null,
    max_session_duration: 3600, permissions_boundary: null, created_at: at,
  });
  iam.attach('arn:aws:iam::aws:policy/AdministratorAccess', accountId, 'role', roleName, 0);
}

/** Organizations' state behind statements prepared once per database. */
export class OrganizationsStore {
  private readonly s;

  constructor(readonly db: Db) {
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    this.s = {
      organization: p<OrganizationRow>('SELECT * FROM org_organizations WHERE org_id = ?'),
      organizations: p<OrganizationRow>('SELECT * FROM org_organizations ORDER BY created_at, org_id'),
      organizationOfAccount: p<OrganizationRow>('SELECT o.* FROM org_accounts a JOIN org_organizations o ON o.org_id = a.org_id WHERE a.account_id = ?'),
      organizationByRoot: p<OrganizationRow>('SELECT * FROM org_organizations WHERE root_id = ?'),
      insertOrganization: p('INSERT INTO org_organizations (org_id, management_account, root_id, feature_set, created_at) VALUES (@org_id, @management_account, @root_id, @feature_set, @created_at)'),
      deleteOrganization: p('DELETE FROM org_organizations WHERE org_id = ?'),
      policyTypes: p<{ policy_type: OrgPolicyType }>('SELECT policy_type FROM org_policy_types WHERE root_id = ? ORDER BY policy_type DESC'),
      enableType: p('INSERT OR IGNORE INTO org_policy_types (root_id, policy_type) VALUES (?, ?)'),
      disableType: p('DELETE FROM org_policy_types WHERE root_id = ? AND policy_type = ?'),
      unit: p<OrgUnitRow>('SELECT * FROM org_units WHERE ou_id = ?'),
      units: p<OrgUnitRow>('SELECT * FROM org_units WHERE org_id = ? ORDER BY created_at, rowid'),
      unitsOf: p<OrgUnitRow>('SELECT * FROM org_units WHERE parent_id = ? ORDER BY created_at, rowid'),
      unitNamed: p<OrgUnitRow>('SELECT * FROM org_units WHERE parent_id = ? AND name = ?'),
      insertUnit: p('INSERT INTO org_units (ou_id, org_id, parent_id, name, created_at) VALUES (@ou_id, @org_id, @parent_id, @name, @created_at)'),
      renameUnit: p('UPDATE org_units SET name = ? WHERE ou_id = ?'),
      deleteUnit: p('DELETE FROM org_units WHERE ou_id = ?'),
      account: p<OrgAccountRow>('SELECT * FROM org_accounts WHERE account_id = ?'),
      accounts: p<OrgAccountRow>('SELECT * FROM org_accounts WHERE org_id = ? ORDER BY joined_at, rowid'),
      accountsOf: p<OrgAccountRow>('SELECT * FROM org_accounts WHERE parent_id = ? ORDER BY joined_at, rowid'),
      insertAccount: p('INSERT INTO org_accounts (account_id, org_id, parent_id, name, email, joined_method, joined_at) VALUES (@account_id, @org_id, @parent_id, @name, @email, @joined_method, @joined_at)'),
      moveAccount: p('UPDATE org_accounts SET parent_id = ? WHERE account_id = ?'),
      accountByEmail: p<OrgAccountRow>('SELECT * FROM org_accounts WHERE org_id = ? AND email = ? COLLATE NOCASE'),
      createStatus: p<CreateAccountStatusRow>('SELECT * FROM org_create_account_status WHERE request_id = ?'),
      createStatuses: p<CreateAccountStatusRow>('SELECT * FROM org_create_account_status WHERE org_id = ? ORDER BY requested_at, request_id'),
      insertCreateStatus: p(`INSERT INTO org_create_account_status (request_id, org_id, account_name, account_id, state, failure, requested_at, completed_at)
        VALUES (@request_id, @org_id, @account_name, @account_id, @state, @failure, @requested_at, @completed_at)`),
      policy: p<OrgPolicyRow>('SELECT * FROM org_policies WHERE policy_id = ?'),
      policies: p<OrgPolicyRow>('SELECT * FROM org_policies WHERE org_id = ? AND type = ? ORDER BY created_at, rowid'),
      allPolicies: p<OrgPolicyRow>('SELECT * FROM org_policies WHERE org_id = ? ORDER BY created_at, rowid'),
      policyNamed: p<OrgPolicyRow>('SELECT * FROM org_policies WHERE org_id = ? AND type = ? AND name = ?'),
      insertPolicy: p('INSERT INTO org_policies (policy_id, org_id, type, name, description, content, created_at) VALUES (@policy_id, @org_id, @type, @name, @description, @content, @created_at)'),
      updatePolicy: p('UPDATE org_policies SET name = ?, description = ?, content = ? WHERE policy_id = ?'),
      deletePolicy: p('DELETE FROM org_policies WHERE policy_id = ?'),
      attachment: p<OrgAttachmentRow>('SELECT * FROM org_attachments WHERE policy_id = ? AND target_id = ?'),
      attachmentsOfTarget: p<OrgAttachmentRow>('SELECT * FROM org_attachments WHERE target_id = ? ORDER BY seq'),
      attachmentsOfPolicy: p<OrgAttachmentRow>('SELECT * FROM org_attachments WHERE org_id = ? AND policy_id = ? ORDER BY seq'),
      attachmentsOfOrg: p<OrgAttachmentRow>('SELECT * FROM org_attachments WHERE org_id = ? ORDER BY seq'),
      nextSeq: p<{ seq: number }>('SELECT coalesce(max(seq), 0) + 1 AS seq FROM org_attachments'),
      attach: p('INSERT INTO org_attachments (org_id, policy_id, target_id, attached_at, seq) VALUES (?, ?, ?, ?, ?)'),
      detach: p('DELETE FROM org_attachments WHERE policy_id = ? AND target_id = ?'),
      detachTarget: p('DELETE FROM org_attachments WHERE target_id = ?'),
      tags: p<OrgTag>('SELECT tag_key AS Key, tag_value AS Value FROM org_tags WHERE resource_id = ? ORDER BY seq'),
      setTag: p(`INSERT INTO org_tags (org_id, resource_id, tag_key, tag_value, seq)
        VALUES (?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM org_tags)) ON CONFLICT (resource_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`),
      deleteTag: p('DELETE FROM org_tags WHERE resource_id = ? AND tag_key = ?'),
      deleteTags: p('DELETE FROM org_tags WHERE resource_id = ?'),
      detachType: p('DELETE FROM org_attachments WHERE org_id = ? AND policy_id IN (SELECT policy_id FROM org_policies WHERE org_id = ? AND type = ?) OR (org_id = ? AND policy_id = ?)'),
    };
  }

  organization(orgId: string): OrganizationRow | undefined { return this.s.organization.get(orgId); }
  organizations(): OrganizationRow[] { return this.s.organizations.all(); }
  organizationOfAccount(accountId: string): OrganizationRow | undefined { return this.s.organizationOfAccount.get(accountId); }
  organizationByRoot(rootId: string): OrganizationRow | undefined { return this.s.organizationByRoot.get(rootId); }
  insertOrganization(row: OrganizationRow): void { this.s.insertOrganization.run(row); }
  deleteOrganization(orgId: string): void { this.s.deleteOrganization.run(orgId); }
  enabledTypes(rootId: string): OrgPolicyType[] { return this.s.policyTypes.all(rootId).map((r) => r.policy_type); }
  enableType(rootId: string, type: OrgPolicyType): void { this.s.enableType.run(rootId, type); }
  disableType(rootId: string, type: OrgPolicyType): void { this.s.disableType.run(rootId, type); }
  unit(ouId: string): OrgUnitRow | undefined { return this.s.unit.get(ouId); }
  units(orgId: string): OrgUnitRow[] { return this.s.units.all(orgId); }
  unitsOf(parentId: string): OrgUnitRow[] { return this.s.unitsOf.all(parentId); }
  unitNamed(parentId: string, name: string): OrgUnitRow | undefined { return this.s.unitNamed.get(parentId, name); }
  insertUnit(row: OrgUnitRow): void { this.s.insertUnit.run(row); }
  renameUnit(ouId: string, name: string): void { this.s.renameUnit.run(name, ouId); }
  deleteUnit(ouId: string): void { this.s.deleteUnit.run(ouId); }
  account(accountId: string): OrgAccountRow | undefined { return this.s.account.get(accountId); }
  accounts(orgId: string): OrgAccountRow[] { return this.s.accounts.all(orgId); }
  accountsOf(parentId: string): OrgAccountRow[] { return this.s.accountsOf.all(parentId); }
  accountByEmail(orgId: string, email: string): OrgAccountRow | undefined { return this.s.accountByEmail.get(orgId, email); }
  insertAccount(row: OrgAccountRow): void { this.s.insertAccount.run(row); }
  moveAccount(accountId: string, parentId: string): void { this.s.moveAccount.run(parentId, accountId); }
  createStatus(requestId: string): CreateAccountStatusRow | undefined { return this.s.createStatus.get(requestId); }
  createStatuses(orgId: string): CreateAccountStatusRow[] { return this.s.createStatuses.all(orgId); }
  insertCreateStatus(row: CreateAccountStatusRow): void { this.s.insertCreateStatus.run(row); }
  /** A customer managed policy, or one of the AWS managed ones. */
  policy(policyId: string): OrgPolicyRow | undefined {
    return AWS_MANAGED_ORG_POLICIES.find((p) => p.policy_id === policyId) ?? this.s.policy.get(policyId);
  }
  /** The policies of a type an organization can use: the AWS managed one first, then its own. */
  policies(orgId: string, type: OrgPolicyType): OrgPolicyRow[] { return [defaultPolicyOf(type), ...this.s.policies.all(orgId, type)]; }
  customerPolicies(orgId: string): OrgPolicyRow[] { return this.s.allPolicies.all(orgId); }
  policyNamed(orgId: string, type: OrgPolicyType, name: string): OrgPolicyRow | undefined { return this.s.policyNamed.get(orgId, type, name); }
  insertPolicy(row: OrgPolicyRow): void { this.s.insertPolicy.run({ ...row, aws_managed: undefined }); }
  updatePolicy(policyId: string, name: string, description: string, content: string): void { this.s.updatePolicy.run(name, description, content, policyId); }
  deletePolicy(policyId: string): void { this.s.deletePolicy.run(policyId); }
  attachment(policyId: string, targetId: string): OrgAttachmentRow | undefined { return this.s.attachment.get(policyId, targetId); }
  attachmentsOfTarget(targetId: string): OrgAttachmentRow[] { return this.s.attachmentsOfTarget.all(targetId); }
  attachmentsOfPolicy(orgId: string, policyId: string): OrgAttachmentRow[] { return this.s.attachmentsOfPolicy.all(orgId, policyId); }
  attachmentsOfOrg(orgId: string): OrgAttachmentRow[] { return this.s.attachmentsOfOrg.all(orgId); }
  attach(orgId: string, policyId: string, targetId: string, at: string): void { this.s.attach.run(orgId, policyId, targetId, at, this.s.nextSeq.get()!.seq); }
  detach(policyId: string, targetId: string): void { this.s.detach.run(policyId, targetId); }
  detachTarget(targetId: string): void { this.s.detachTarget.run(targetId); }
  /** A resource's tags (root, OU, account or policy), in the order they were first added. */
  tags(resourceId: string): OrgTag[] { return this.s.tags.all(resourceId); }
  /** Adds or overwrites tags, as TagResource does. */
  setTags(orgId: string, resourceId: string, tags: readonly OrgTag[]): void { for (const t of tags) this.s.setTag.run(orgId, resourceId, t.Key, t.Value); }
  untag(resourceId: string, keys: readonly string[]): void { for (const k of keys) this.s.deleteTag.run(resourceId, k); }
  deleteTags(resourceId: string): void { this.s.deleteTags.run(resourceId); }
  /** Removes every attachment of a policy type in an organization (DisablePolicyType). */
  detachType(orgId: string, type: OrgPolicyType): void { this.s.detachType.run(orgId, orgId, type, orgId, defaultPolicyOf(type).policy_id); }
}

const stores = new WeakMap<Db, OrganizationsStore>();

export function organizationsStore(db: Db): OrganizationsStore {
  let store = stores.get(db);
  if (!store) {
    store = new OrganizationsStore(db);
    stores.set(db, store);
  }
  return store;
}
