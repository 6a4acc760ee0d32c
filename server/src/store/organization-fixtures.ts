import type { ServerContext } from '../context.ts';
import { ensureAccount } from './bootstrap.ts';
import type { Node, Reader } from './fixture-reader.ts';
import { isoSeconds } from './ids.ts';
import {
  addAccessRole, defaultPolicyOf, ORG_POLICY_TYPES, organizationsStore, orgRandomId, type OrganizationRow, type OrgPolicyType, type OrgTag,
} from './organizations-store.ts';

export const ORGANIZATION_FIXTURE_SECTIONS = ['organization'] as const;

const FIELDS = ['id', 'rootId', 'rootTags', 'managementAccount', 'managementEmail', 'managementTags', 'enabledPolicyTypes', 'organizationalUnits', 'accounts', 'policies', 'detachDefaults'];

/** `tags: {key: value}` of a root, OU, account or policy, with Organizations' limits (50 tags, no aws: keys). */
function tagsOf(r: Reader, value: unknown, path: string): OrgTag[] {
  if (value === undefined) return [];
  const node = r.object(value, path, Object.keys(value as Node));
  const tags = Object.entries(node).map(([Key, Value]) => {
    if (typeof Value !== 'string') r.fail(`${path}.${Key}`, 'expected a string');
    if (Key.length < 1 || Key.length > 128 || (Value as string).length > 256) r.fail(`${path}.${Key}`, 'keys are 1 to 128 characters, values up to 256');
    if (Key.toLowerCase().startsWith('aws:')) r.fail(`${path}.${Key}`, 'the aws: prefix is reserved for AWS');
    return { Key, Value: Value as string };
  });
  if (tags.length > 50) r.fail(path, 'more than 50 tags (the Organizations limit per resource)');
  return tags;
}

/**
 * `organization:` one AWS Organization: the management account, OUs (parents first, named by their path of names),
 * member accounts placed in them (created when missing, with OrganizationAccountAccessRole as CreateAccount makes it),
 * SCPs and RCPs attached by target name, and the enabled policy types (both by default). The AWS managed
 * FullAWSAccess / RCPFullAWSAccess go on every root, OU and account of an enabled type, as Organizations attaches them.
 */
export function applyOrganizationFixtures(ctx: ServerContext, r: Reader, root: Node, now: Date): void {
  if (root.organization === undefined) return;
  const o = r.object(root.organization, 'organization', FIELDS);
  const orgs = organizationsStore(ctx.db);
  const at = isoSeconds(now);
  const management = r.optString(o.managementAccount, 'organization.managementAccount') ?? ctx.config.accountId;
  if (!/^\d{12}$/.test(management)) r.fail('organization.managementAccount', 'expected a 12-digit account id');
  ensureAccount(ctx.iam, management, now);
  if (orgs.organizationOfAccount(management)) r.fail('organization.managementAccount', `account ${management} is already in an organization`);
  const orgId = r.optString(o.id, 'organization.id') ?? `o-${orgRandomId(10)}`;
  if (!/^o-[a-z0-9]{10,32}$/.test(orgId)) r.fail('organization.id', 'expected o- and 10 to 32 lower-case letters or digits');
  if (orgs.organization(orgId)) r.fail('organization.id', `organization ${orgId} already exists`);
  const rootId = r.optString(o.rootId, 'organization.rootId') ?? `r-${orgRandomId(4)}`;
  if (!/^r-[0-9a-z]{4,32}$/.test(rootId)) r.fail('organization.rootId', 'expected r- and 4 to 32 lower-case letters or digits');
  const org: OrganizationRow = { org_id: orgId, management_account: management, root_id: rootId, feature_set: 'ALL', created_at: at };
  orgs.insertOrganization(org);
  const types = o.enabledPolicyTypes === undefined ? [...ORG_POLICY_TYPES] : r.list(o.enabledPolicyTypes, 'organization.enabledPolicyTypes').map((t, i) => {
    if (!(ORG_POLICY_TYPES as readonly unknown[]).includes(t)) r.fail(`organization.enabledPolicyTypes[${i}]`, `expected ${ORG_POLICY_TYPES.join(' or ')}`);
    return t as OrgPolicyType;
  });
  for (const type of types) orgs.enableType(rootId, type);
  const attachDefaults = (target: string): void => {
    for (const type of types) orgs.attach(orgId, defaultPolicyOf(type).policy_id, target, at);
  };
  attachDefaults(rootId);
  orgs.setTags(orgId, rootId, tagsOf(r, o.rootTags, 'organization.rootTags'));
  const account = ctx.iam.account(management);
  orgs.insertAccount({
    account_id: management, org_id: orgId, parent_id: rootId, name: account?.display_name ?? management,
    email: r.optString(o.managementEmail, 'organization.managementEmail') ?? `${management}@iamlocal.invalid`, joined_method: 'INVITED', joined_at: at,
  });
  attachDefaults(management);
  orgs.setTags(orgId, management, tagsOf(r, o.managementTags, 'organization.managementTags'));

  // OUs are named by their path of names from the root (Workloads/Prod); ids are accepted too.
  const ouByPath = new Map<string, string>();
  const parentOf = (value: unknown, path: string): string => {
    const ref = r.optString(value, path);
    if (ref === undefined || ref === 'Root' || ref === rootId) return rootId;
    const id = ouByPath.get(ref) ?? [...ouByPath.values()].find((v) => v === ref);
    return id ?? r.fail(path, `no organizational unit ${ref} (list parents before their children)`);
  };
  r.list(o.organizationalUnits, 'organization.organizationalUnits').forEach((raw, i) => {
    const path = `organization.organizationalUnits[${i}]`;
    const u = r.object(raw, path, ['name', 'id', 'parent', 'tags']);
    const name = r.string(u.name, `${path}.name`);
    const parent = parentOf(u.parent, `${path}.parent`);
    if (orgs.unitNamed(parent, name)) r.fail(`${path}.name`, `an OU named ${name} already exists there`);
    const id = r.optString(u.id, `${path}.id`) ?? `ou-${rootId.slice(2)}-${orgRandomId(8)}`;
    if (!/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/.test(id)) r.fail(`${path}.id`, 'expected ou-<root part>-<8 to 32 lower-case letters or digits>');
    if (orgs.unit(id)) r.fail(`${path}.id`, `OU ${id} already exists`);
    orgs.insertUnit({ ou_id: id, org_id: orgId, parent_id: parent, name, created_at: at });
    attachDefaults(id);
    orgs.setTags(orgId, id, tagsOf(r, u.tags, `${path}.tags`));
    const parentPath = [...ouByPath.entries()].find(([, v]) => v === parent)?.[0];
    ouByPath.set(parentPath ? `${parentPath}/${name}` : name, id);
  });

  r.list(o.accounts, 'organization.accounts').forEach((raw, i) => {
    const path = `organization.accounts[${i}]`;
    const a = r.object(raw, path, ['id', 'name', 'email', 'parent', 'accessRole', 'tags']);
    const id = r.string(a.id, `${path}.id`);
    if (!/^\d{12}$/.test(id)) r.fail(`${path}.id`, 'expected a 12-digit account id');
    if (id === management || orgs.account(id)) r.fail(`${path}.id`, `account ${id} is already in an organization`);
    const name = r.optString(a.name, `${path}.name`);
    ensureAccount(ctx.iam, id, now, name);
    orgs.insertAccount({
      account_id: id, org_id: orgId, parent_id: parentOf(a.parent, `${path}.parent`), name: name ?? ctx.iam.account(id)?.display_name ?? id,
      email: r.optString(a.email, `${path}.email`) ?? `${id}@iamlocal.invalid`, joined_method: 'CREATED', joined_at: at,
    });
    attachDefaults(id);
    orgs.setTags(orgId, id, tagsOf(r, a.tags, `${path}.tags`));
    if (a.accessRole !== false) addAccessRole(ctx.iam, id, r.optString(a.accessRole, `${path}.accessRole`) ?? 'OrganizationAccountAccessRole', management, at);
  });

  const targetOf = (value: unknown, path: string): string => {
    const ref = r.string(value, path);
    if (/^\d{12}$/.test(ref)) {
      if (orgs.account(ref)?.org_id !== orgId) r.fail(path, `account ${ref} is not in the organization`);
      return ref;
    }
    return parentOf(ref, path);
  };
  r.list(o.policies, 'organization.policies').forEach((raw, i) => {
    const path = `organization.policies[${i}]`;
    const p = r.object(raw, path, ['name', 'id', 'type', 'description', 'document', 'targets', 'tags']);
    const type = r.string(p.type, `${path}.type`);
    if (!(ORG_POLICY_TYPES as readonly string[]).includes(type)) r.fail(`${path}.type`, `expected ${ORG_POLICY_TYPES.join(' or ')}`);
    const policyType = type as OrgPolicyType;
    const name = r.string(p.name, `${path}.name`);
    if (orgs.policyNamed(orgId, policyType, name) || defaultPolicyOf(policyType).name === name) r.fail(`${path}.name`, `a policy named ${name} already exists`);
    const content = r.policy(p.document, `${path}.document`, policyType === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp');
    if ([...content].length > 5120) r.fail(`${path}.document`, 'larger than 5,120 characters (the SCP/RCP size limit)');
    const id = r.optString(p.id, `${path}.id`) ?? `p-${orgRandomId(8)}`;
    if (!/^p-[0-9a-z_]{8,128}$/.test(id)) r.fail(`${path}.id`, 'expected p- and 8 to 128 lower-case letters, digits or _');
    if (orgs.policy(id)) r.fail(`${path}.id`, `policy ${id} already exists`);
    orgs.insertPolicy({ policy_id: id, org_id: orgId, type: policyType, name, description: r.optString(p.description, `${path}.description`) ?? '', content, created_at: at });
    orgs.setTags(orgId, id, tagsOf(r, p.tags, `${path}.tags`));
    r.list(p.targets, `${path}.targets`).forEach((t, j) => {
      if (!types.includes(policyType)) r.fail(`${path}.targets`, `${policyType} is not enabled (enabledPolicyTypes)`);
      const target = targetOf(t, `${path}.targets[${j}]`);
      if (!orgs.attachment(id, target)) orgs.attach(orgId, id, target, at);
    });
  });
  r.list(o.detachDefaults, 'organization.detachDefaults').forEach((t, j) => {
    const target = targetOf(t, `organization.detachDefaults[${j}]`);
    const scps = orgs.attachmentsOfTarget(target).filter((a) => orgs.policy(a.policy_id)?.type === 'SERVICE_CONTROL_POLICY');
    // Every entity keeps at least one SCP, as Organizations requires.
    if (scps.length <= 1) r.fail(`organization.detachDefaults[${j}]`, `${String(t)} would be left without a service control policy: attach one first`);
    orgs.detach(defaultPolicyOf('SERVICE_CONTROL_POLICY').policy_id, target);
  });
}

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };

/** The `organization` section of the state export, in the fixtures format (the first organization, if any). */
export function exportOrganization(ctx: ServerContext): Json {
  const orgs = organizationsStore(ctx.db);
  const org = orgs.organizations()[0];
  if (!org) return undefined;
  const units = orgs.units(org.org_id);
  const pathOf = (id: string): string => {
    const names: string[] = [];
    for (let u = units.find((x) => x.ou_id === id); u; u = units.find((x) => x.ou_id === u!.parent_id)) names.unshift(u.name);
    return names.join('/');
  };
  const refOf = (id: string): string => (id === org.root_id ? 'Root' : id.startsWith('ou-') ? pathOf(id) : id);
  // Parents before children: by depth.
  const ordered = [...units].sort((a, b) => pathOf(a.ou_id).split('/').length - pathOf(b.ou_id).split('/').length);
  const management = orgs.account(org.management_account);
  const types = orgs.enabledTypes(org.root_id);
  const attachments = orgs.attachmentsOfOrg(org.org_id);
  const fullAccess = defaultPolicyOf('SERVICE_CONTROL_POLICY').policy_id;
  const targets = [org.root_id, ...units.map((u) => u.ou_id), ...orgs.accounts(org.org_id).map((a) => a.account_id)];
  const tagsOf = (id: string): Json => {
    const tags = orgs.tags(id);
    return tags.length ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : undefined;
  };
  return {
    id: org.org_id, rootId: org.root_id, rootTags: tagsOf(org.root_id), managementAccount: org.management_account, managementEmail: management?.email,
    managementTags: tagsOf(org.management_account),
    enabledPolicyTypes: types,
    organizationalUnits: ordered.map((u) => ({ name: u.name, id: u.ou_id, parent: u.parent_id === org.root_id ? undefined : pathOf(u.parent_id), tags: tagsOf(u.ou_id) })),
    accounts: orgs.accounts(org.org_id).filter((a) => a.account_id !== org.management_account).map((a) => ({
      id: a.account_id, name: a.name, email: a.email, parent: a.parent_id === org.root_id ? undefined : pathOf(a.parent_id),
      // The export names no access role: the roles section already holds every role.
      accessRole: false, tags: tagsOf(a.account_id),
    })),
    policies: orgs.customerPolicies(org.org_id).map((p) => ({
      name: p.name, id: p.policy_id, type: p.type, description: p.description || undefined, document: p.content,
      targets: attachments.filter((a) => a.policy_id === p.policy_id).map((a) => refOf(a.target_id)), tags: tagsOf(p.policy_id),
    })),
    detachDefaults: types.includes('SERVICE_CONTROL_POLICY')
      ? targets.filter((t) => !attachments.some((a) => a.policy_id === fullAccess && a.target_id === t)).map(refOf) : undefined,
  };
}
