import { AwsError } from '../../errors.ts';
import { organizationPolicyProblem } from '../../policy/index.ts';
import { ensureAccount } from '../../store/bootstrap.ts';
import { isoSeconds } from '../../store/ids.ts';
import {
  addAccessRole, defaultPolicyOf, ORG_POLICY_TYPES, type OrganizationRow, type OrgAccountRow, type OrgPolicyRow, type OrgPolicyType, type OrgTag, type OrgUnitRow,
} from '../../store/organizations-store.ts';
import {
  accountArn, authorize, requestTagContext, constraintViolation, decide, epoch, err, invalidInput, managementOrg, notFound, organizationArn, organizationOf, ouArn, page,
  policyArn, randomId, req, rootArn, store, targetArn, type OrgCall, type OrgHandler, type OrgOutput,
} from './common.ts';
import { str } from '../../protocol/json.ts';

// Organizations User Guide, "Quotas for AWS Organizations".
const MAX_OU_DEPTH = 5;
const MAX_POLICIES_PER_TARGET = 5;
const MAX_POLICY_CHARACTERS = 5120;
const MAX_POLICIES = 1000;
const MAX_OUS = 1000;
const MAX_ACCOUNTS = 10;
const MAX_TAGS = 50;

const isPolicyType = (t: string): t is OrgPolicyType => (ORG_POLICY_TYPES as readonly string[]).includes(t);

/** A policy type argument: one of the two iamlocal emulates; the model's other types are not. */
function policyTypeOf(value: string): OrgPolicyType {
  if (isPolicyType(value)) return value;
  throw new AwsError('PolicyTypeNotAvailableForOrganizationException', `iamlocal emulates SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY only, not ${value}.`, 400);
}

/** Organizations names policy types this way in PolicyTypeNotEnabledException (quoted in its User Guide's CloudTrail examples). */
const TYPE_NAME: Record<OrgPolicyType, string> = { SERVICE_CONTROL_POLICY: 'ServiceControlPolicy', RESOURCE_CONTROL_POLICY: 'ResourceControlPolicy' };
const typeNotEnabled = (type: OrgPolicyType): AwsError => err('PolicyTypeNotEnabledException', `The given policy type ${TYPE_NAME[type]} is not enabled on the current view`);

// ---- Output shapes ----

function organizationOut(call: OrgCall, org: OrganizationRow): OrgOutput {
  const management = store(call).account(org.management_account);
  return {
    Id: org.org_id, Arn: organizationArn(org), FeatureSet: org.feature_set, MasterAccountArn: accountArn(org, org.management_account),
    MasterAccountId: org.management_account, MasterAccountEmail: management?.email ?? '',
    // Deprecated, and always SERVICE_CONTROL_POLICY as AWS shows it; ListRoots gives the enabled types.
    AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
  };
}

function rootOut(call: OrgCall, org: OrganizationRow): OrgOutput {
  return {
    Id: org.root_id, Arn: rootArn(org), Name: 'Root',
    PolicyTypes: store(call).enabledTypes(org.root_id).map((Type) => ({ Type, Status: 'ENABLED' })),
  };
}

const ouOut = (org: OrganizationRow, ou: OrgUnitRow): OrgOutput => ({ Id: ou.ou_id, Arn: ouArn(org, ou.ou_id), Name: ou.name });

const accountOut = (org: OrganizationRow, a: OrgAccountRow): OrgOutput => ({
  Id: a.account_id, Arn: accountArn(org, a.account_id), Email: a.email, Name: a.name, Status: 'ACTIVE', State: 'ACTIVE',
  JoinedMethod: a.joined_method, JoinedTimestamp: epoch(a.joined_at),
});

const policySummary = (org: OrganizationRow, p: OrgPolicyRow): OrgOutput => ({
  Id: p.policy_id, Arn: policyArn(org, p), Name: p.name, Description: p.description, Type: p.type, AwsManaged: p.aws_managed === true,
});

// ---- Lookups inside the caller's organization ----

function unitIn(call: OrgCall, org: OrganizationRow, id: string): OrgUnitRow | undefined {
  const ou = store(call).unit(id);
  return ou && ou.org_id === org.org_id ? ou : undefined;
}

function accountIn(call: OrgCall, org: OrganizationRow, id: string): OrgAccountRow | undefined {
  const a = store(call).account(id);
  return a && a.org_id === org.org_id ? a : undefined;
}

/** A parent (the root or an OU) of this organization, or undefined. */
function parentExists(call: OrgCall, org: OrganizationRow, id: string): boolean {
  return id === org.root_id || unitIn(call, org, id) !== undefined;
}

/** A root, OU or account of this organization: what policies attach to. */
function targetExists(call: OrgCall, org: OrganizationRow, id: string): boolean {
  return parentExists(call, org, id) || accountIn(call, org, id) !== undefined;
}

function policyIn(call: OrgCall, org: OrganizationRow, id: string): OrgPolicyRow | undefined {
  const p = store(call).policy(id);
  return p && (p.aws_managed || p.org_id === org.org_id) ? p : undefined;
}

function targetOut(call: OrgCall, org: OrganizationRow, id: string): OrgOutput {
  if (id === org.root_id) return { TargetId: id, Arn: rootArn(org), Name: 'Root', Type: 'ROOT' };
  const ou = unitIn(call, org, id);
  if (ou) return { TargetId: id, Arn: ouArn(org, id), Name: ou.name, Type: 'ORGANIZATIONAL_UNIT' };
  return { TargetId: id, Arn: accountArn(org, id), Name: accountIn(call, org, id)?.name ?? '', Type: 'ACCOUNT' };
}

function depthOf(call: OrgCall, org: OrganizationRow, parentId: string): number {
  let depth = 0;
  for (let id = parentId; id !== org.root_id && depth <= MAX_OU_DEPTH; depth++) {
    const ou = unitIn(call, org, id);
    if (!ou) break;
    id = ou.parent_id;
  }
  return depth;
}

/** The AWS managed policy of each enabled type goes on every new OU and account, as AWS attaches it. */
function attachDefaults(call: OrgCall, org: OrganizationRow, targetId: string): void {
  const orgs = store(call);
  for (const type of orgs.enabledTypes(org.root_id)) orgs.attach(org.org_id, defaultPolicyOf(type).policy_id, targetId, isoSeconds(call.facts.now));
}

// ---- Tags (Organizations API Reference, TagResource / Tag; quota: 50 tags per resource) ----

/** The Tags (or TagKeys) of the request, checked as Organizations checks them before anything changes. */
function inputTags(call: OrgCall): OrgTag[] {
  const raw = call.input.Tags;
  const tags = Array.isArray(raw) ? raw.map((t) => {
    const o = (t !== null && typeof t === 'object' && !Array.isArray(t) && !(t instanceof Date) && !Buffer.isBuffer(t) ? t : {}) as Record<string, unknown>;
    return { Key: typeof o.Key === 'string' ? o.Key : '', Value: typeof o.Value === 'string' ? o.Value : '' };
  }) : [];
  checkKeys(tags.map((t) => t.Key));
  return tags;
}

function checkKeys(keys: readonly string[]): void {
  if (new Set(keys).size !== keys.length) throw invalidInput('DUPLICATE_TAG_KEY');
  // aws: is reserved for AWS's own tags (Tagging AWS resources, "Tag naming limits and requirements").
  if (keys.some((k) => k.toLowerCase().startsWith('aws:'))) throw invalidInput('INVALID_SYSTEM_TAGS_PARAMETER');
}

function checkTagCount(existing: readonly OrgTag[], added: readonly OrgTag[]): void {
  const keys = new Set([...existing.map((t) => t.Key), ...added.map((t) => t.Key)]);
  if (keys.size > MAX_TAGS) throw constraintViolation('MAX_TAG_LIMIT_EXCEEDED');
}

/**
 * A create request's tags: the new resource is tagged as TagResource would tag it, so the caller needs
 * organizations:TagResource on it too (Organizations API Reference, CreateAccount / CreateOrganizationalUnit / CreatePolicy).
 */
function authorizeCreateTags(call: OrgCall, arn: string, tags: readonly OrgTag[]): void {
  if (!tags.length) return;
  checkTagCount([], tags);
  authorize({ ...call, operation: 'TagResource' }, [arn], requestTagContext(tags));
}

/** The resource a tag operation names: its ARN, and whether it exists in the caller's organization. */
function taggable(call: OrgCall, org: OrganizationRow): { id: string; arn: string; exists: boolean } {
  const id = req(call, 'ResourceId');
  if (id.startsWith('p-')) {
    // AWS managed policies (FullAWSAccess, RCPFullAWSAccess) belong to no organization: they cannot be tagged.
    const policy = store(call).policy(id);
    const own = policy && !policy.aws_managed && policy.org_id === org.org_id ? policy : undefined;
    return { id, arn: own ? policyArn(org, own) : `arn:aws:organizations::${org.management_account}:policy/${org.org_id}/*/${id}`, exists: own !== undefined };
  }
  return { id, arn: targetArn(org, id), exists: targetExists(call, org, id) };
}

function tagResource(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const tags = inputTags(call);
  const target = taggable(call, org);
  authorize(call, [target.arn], requestTagContext(tags));
  if (!target.exists) throw notFound.target();
  const orgs = store(call);
  checkTagCount(orgs.tags(target.id), tags);
  orgs.setTags(org.org_id, target.id, tags);
  return {};
}

function untagResource(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const raw = call.input.TagKeys;
  const keys = Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : [];
  checkKeys(keys);
  const target = taggable(call, org);
  authorize(call, [target.arn], keys.length ? { 'aws:TagKeys': keys } : {});
  if (!target.exists) throw notFound.target();
  store(call).untag(target.id, keys);
  return {};
}

function listTagsForResource(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const target = taggable(call, org);
  authorize(call, [target.arn]);
  if (!target.exists) throw notFound.target();
  return page(call, 'Tags', store(call).tags(target.id));
}

// ---- Organization ----

function createOrganization(call: OrgCall): OrgOutput {
  authorize(call, ['*']);
  const accountId = call.caller.principal.accountId;
  const orgs = store(call);
  if (orgs.organizationOfAccount(accountId)) throw err('AlreadyInOrganizationException', 'This account is already a member of an organization.');
  // Organizations creates its service-linked role with the caller's permissions (API Reference, CreateOrganization:
  // "you must have iam:CreateServiceLinkedRole"; AccessDeniedForDependencyException otherwise).
  const slr = `arn:aws:iam::${accountId}:role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations`;
  if (!decide(call, 'iam:CreateServiceLinkedRole', slr, { 'iam:AWSServiceName': 'organizations.amazonaws.com' }).allowed) {
    throw err('AccessDeniedForDependencyException', 'The operation that you attempted requires you to have the iam:CreateServiceLinkedRole for organizations.amazonaws.com permission so that AWS Organizations can create the required service-linked role. You don\'t have that permission.', 'ACCESS_DENIED_DURING_CREATE_SERVICE_LINKED_ROLE');
  }
  const featureSet = str(call.input, 'FeatureSet') ?? 'ALL';
  if (featureSet !== 'ALL') throw new AwsError('UnsupportedAPIEndpointException', 'iamlocal emulates organizations with all features (FeatureSet ALL) only.', 400);
  const now = isoSeconds(call.facts.now);
  const orgId = `o-${randomId(10)}`;
  const org: OrganizationRow = { org_id: orgId, management_account: accountId, root_id: `r-${randomId(4)}`, feature_set: 'ALL', created_at: now };
  orgs.insertOrganization(org);
  const account = call.ctx.iam.account(accountId);
  orgs.insertAccount({
    account_id: accountId, org_id: orgId, parent_id: org.root_id, name: account?.display_name ?? accountId,
    email: `${accountId}@iamlocal.invalid`, joined_method: 'INVITED', joined_at: now,
  });
  return { Organization: organizationOut(call, org) };
}

function describeOrganization(call: OrgCall): OrgOutput {
  // Member accounts may describe their organization too (Organizations API Reference, DescribeOrganization).
  const org = organizationOf(call);
  authorize(call, ['*']);
  return { Organization: organizationOut(call, org) };
}

function deleteOrganization(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  authorize(call, ['*']);
  const orgs = store(call);
  if (orgs.accounts(org.org_id).some((a) => a.account_id !== org.management_account)) {
    throw err('OrganizationNotEmptyException', 'The organization isn\'t empty. To delete an organization, you must first remove all accounts except the management account.');
  }
  orgs.deleteOrganization(org.org_id);
  return {};
}

function listRoots(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  authorize(call, ['*']);
  return page(call, 'Roots', [org], (o) => rootOut(call, o));
}

// ---- Organizational units ----

function createOrganizationalUnit(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const parentId = req(call, 'ParentId');
  const tags = inputTags(call);
  authorize(call, [targetArn(org, parentId)], requestTagContext(tags));
  if (!parentExists(call, org, parentId)) throw notFound.parent();
  const name = req(call, 'Name');
  const orgs = store(call);
  if (orgs.unitNamed(parentId, name)) throw err('DuplicateOrganizationalUnitException', 'An OU with the same name already exists.');
  if (depthOf(call, org, parentId) >= MAX_OU_DEPTH) throw constraintViolation('OU_DEPTH_LIMIT_EXCEEDED');
  if (orgs.units(org.org_id).length >= MAX_OUS) throw constraintViolation('OU_NUMBER_LIMIT_EXCEEDED');
  const ou: OrgUnitRow = { ou_id: `ou-${org.root_id.slice(2)}-${randomId(8)}`, org_id: org.org_id, parent_id: parentId, name, created_at: isoSeconds(call.facts.now) };
  authorizeCreateTags(call, ouArn(org, ou.ou_id), tags);
  orgs.insertUnit(ou);
  orgs.setTags(org.org_id, ou.ou_id, tags);
  attachDefaults(call, org, ou.ou_id);
  return { OrganizationalUnit: ouOut(org, ou) };
}

function existingOu(call: OrgCall, org: OrganizationRow): OrgUnitRow {
  const id = req(call, 'OrganizationalUnitId');
  authorize(call, [ouArn(org, id)]);
  return unitIn(call, org, id) ?? (() => { throw notFound.ou(); })();
}

function describeOrganizationalUnit(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  return { OrganizationalUnit: ouOut(org, existingOu(call, org)) };
}

function updateOrganizationalUnit(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const ou = existingOu(call, org);
  const name = str(call.input, 'Name');
  const orgs = store(call);
  if (name !== undefined && name !== ou.name) {
    if (orgs.unitNamed(ou.parent_id, name)) throw err('DuplicateOrganizationalUnitException', 'An OU with the same name already exists.');
    orgs.renameUnit(ou.ou_id, name);
  }
  return { OrganizationalUnit: ouOut(org, { ...ou, name: name ?? ou.name }) };
}

function deleteOrganizationalUnit(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const ou = existingOu(call, org);
  const orgs = store(call);
  if (orgs.unitsOf(ou.ou_id).length || orgs.accountsOf(ou.ou_id).length) {
    throw err('OrganizationalUnitNotEmptyException', 'The specified OU is not empty. Move all accounts to another root or OU, remove all child OUs, and try the operation again.');
  }
  orgs.detachTarget(ou.ou_id);
  orgs.deleteTags(ou.ou_id);
  orgs.deleteUnit(ou.ou_id);
  return {};
}

function existingParent(call: OrgCall, org: OrganizationRow): string {
  const parentId = req(call, 'ParentId');
  authorize(call, [targetArn(org, parentId)]);
  if (!parentExists(call, org, parentId)) throw notFound.parent();
  return parentId;
}

function listOrganizationalUnitsForParent(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  return page(call, 'OrganizationalUnits', store(call).unitsOf(existingParent(call, org)), (ou) => ouOut(org, ou));
}

function listChildren(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const parentId = existingParent(call, org);
  const type = req(call, 'ChildType');
  const ids = type === 'ACCOUNT' ? store(call).accountsOf(parentId).map((a) => a.account_id) : store(call).unitsOf(parentId).map((u) => u.ou_id);
  return page(call, 'Children', ids, (Id) => ({ Id, Type: type }));
}

function listParents(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const childId = req(call, 'ChildId');
  authorize(call, [targetArn(org, childId)]);
  const parent = unitIn(call, org, childId)?.parent_id ?? accountIn(call, org, childId)?.parent_id;
  if (parent === undefined) throw notFound.child();
  return page(call, 'Parents', [parent], (Id) => ({ Id, Type: Id === org.root_id ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }));
}

// ---- Accounts ----

function newAccountId(call: OrgCall): string {
  for (;;) {
    const id = randomId(12, '0123456789');
    if (id[0] !== '0' && !call.ctx.iam.account(id)) return id;
  }
}

/**
 * CreateAccount completes at once: a new account, placed in the root, with the role the management account reaches it
 * through (OrganizationAccountAccessRole unless RoleName says otherwise, with AdministratorAccess and a trust policy
 * naming the management account, as Organizations User Guide "Accessing member accounts" describes it).
 */
function createAccount(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const tags = inputTags(call);
  authorize(call, ['*'], requestTagContext(tags));
  const orgs = store(call);
  const email = req(call, 'Email');
  const name = req(call, 'AccountName');
  const roleName = str(call.input, 'RoleName') ?? 'OrganizationAccountAccessRole';
  const now = call.facts.now;
  const at = isoSeconds(now);
  const requestId = `car-${randomId(32)}`;
  const failed = (failure: string): OrgOutput => {
    orgs.insertCreateStatus({ request_id: requestId, org_id: org.org_id, account_name: name, account_id: null, state: 'FAILED', failure, requested_at: at, completed_at: at });
    return { CreateAccountStatus: createStatusOut(orgs.createStatus(requestId)!) };
  };
  // Failures are reported in the status, as AWS's asynchronous creation does (CreateAccountStatus.FailureReason).
  if (orgs.accountByEmail(org.org_id, email)) return failed('EMAIL_ALREADY_EXISTS');
  if (orgs.accounts(org.org_id).length >= MAX_ACCOUNTS) throw constraintViolation('ACCOUNT_NUMBER_LIMIT_EXCEEDED');
  const accountId = newAccountId(call);
  authorizeCreateTags(call, accountArn(org, accountId), tags);
  ensureAccount(call.ctx.iam, accountId, now, name);
  orgs.insertAccount({ account_id: accountId, org_id: org.org_id, parent_id: org.root_id, name, email, joined_method: 'CREATED', joined_at: at });
  attachDefaults(call, org, accountId);
  orgs.setTags(org.org_id, accountId, tags);
  addAccessRole(call.ctx.iam, accountId, roleName, org.management_account, at);
  orgs.insertCreateStatus({ request_id: requestId, org_id: org.org_id, account_name: name, account_id: accountId, state: 'SUCCEEDED', failure: null, requested_at: at, completed_at: at });
  return { CreateAccountStatus: createStatusOut(orgs.createStatus(requestId)!) };
}

function createStatusOut(s: { request_id: string; account_name: string; account_id: string | null; state: string; failure: string | null; requested_at: string; completed_at: string | null }): OrgOutput {
  return {
    Id: s.request_id, AccountName: s.account_name, State: s.state, RequestedTimestamp: epoch(s.requested_at),
    ...(s.completed_at ? { CompletedTimestamp: epoch(s.completed_at) } : {}), ...(s.account_id ? { AccountId: s.account_id } : {}),
    ...(s.failure ? { FailureReason: s.failure } : {}),
  };
}

function describeCreateAccountStatus(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  authorize(call, ['*']);
  const status = store(call).createStatus(req(call, 'CreateAccountRequestId'));
  if (!status || status.org_id !== org.org_id) throw notFound.createStatus();
  return { CreateAccountStatus: createStatusOut(status) };
}

function listCreateAccountStatus(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  authorize(call, ['*']);
  const states = call.input.States;
  const wanted = Array.isArray(states) ? states.filter((s): s is string => typeof s === 'string') : [];
  const all = store(call).createStatuses(org.org_id).filter((s) => wanted.length === 0 || wanted.includes(s.state));
  return page(call, 'CreateAccountStatuses', all, createStatusOut);
}

function listAccounts(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  authorize(call, ['*']);
  return page(call, 'Accounts', store(call).accounts(org.org_id), (a) => accountOut(org, a));
}

function listAccountsForParent(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  return page(call, 'Accounts', store(call).accountsOf(existingParent(call, org)), (a) => accountOut(org, a));
}

function describeAccount(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const id = req(call, 'AccountId');
  authorize(call, [accountArn(org, id)]);
  const account = accountIn(call, org, id);
  if (!account) throw notFound.account();
  return { Account: accountOut(org, account) };
}

function moveAccount(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const id = req(call, 'AccountId');
  const source = req(call, 'SourceParentId');
  const destination = req(call, 'DestinationParentId');
  // The Service Authorization Reference lists the account, and the root or OUs, as MoveAccount's resources.
  authorize(call, [accountArn(org, id), targetArn(org, source), targetArn(org, destination)]);
  const account = accountIn(call, org, id);
  if (!account) throw notFound.account();
  if (!parentExists(call, org, source)) throw notFound.sourceParent();
  if (!parentExists(call, org, destination)) throw notFound.destinationParent();
  if (account.parent_id !== source) throw notFound.sourceParent();
  if (source === destination) throw err('DuplicateAccountException', 'That account is already present in the specified destination.');
  store(call).moveAccount(id, destination);
  return {};
}

// ---- Policy types ----

function existingRoot(call: OrgCall, org: OrganizationRow): void {
  const rootId = req(call, 'RootId');
  authorize(call, [targetArn(org, rootId)]);
  if (rootId !== org.root_id) throw notFound.root();
}

function enablePolicyType(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  existingRoot(call, org);
  const type = policyTypeOf(req(call, 'PolicyType'));
  const orgs = store(call);
  if (orgs.enabledTypes(org.root_id).includes(type)) throw err('PolicyTypeAlreadyEnabledException', 'The specified policy type is already enabled.');
  orgs.enableType(org.root_id, type);
  // Enabling a type attaches its AWS managed policy to the root, every OU and every account (Organizations User Guide).
  const at = isoSeconds(call.facts.now);
  const targets = [org.root_id, ...orgs.units(org.org_id).map((u) => u.ou_id), ...orgs.accounts(org.org_id).map((a) => a.account_id)];
  for (const target of targets) if (!orgs.attachment(defaultPolicyOf(type).policy_id, target)) orgs.attach(org.org_id, defaultPolicyOf(type).policy_id, target, at);
  return { Root: rootOut(call, org) };
}

function disablePolicyType(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  existingRoot(call, org);
  const type = policyTypeOf(req(call, 'PolicyType'));
  const orgs = store(call);
  if (!orgs.enabledTypes(org.root_id).includes(type)) throw typeNotEnabled(type);
  // Disabling a type detaches all its policies (Organizations API Reference, DisablePolicyType).
  orgs.detachType(org.org_id, type);
  orgs.disableType(org.root_id, type);
  return { Root: rootOut(call, org) };
}

// ---- Policies ----

function checkContent(type: OrgPolicyType, content: string): void {
  if ([...content].length > MAX_POLICY_CHARACTERS) throw constraintViolation('POLICY_CONTENT_LIMIT_EXCEEDED');
  const problem = organizationPolicyProblem(content, type);
  if (problem !== undefined) throw err('MalformedPolicyDocumentException', problem);
}

function createPolicy(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const type = policyTypeOf(req(call, 'Type'));
  const tags = inputTags(call);
  authorize(call, ['*'], { 'organizations:PolicyType': type, ...requestTagContext(tags) });
  const name = req(call, 'Name');
  const content = req(call, 'Content');
  checkContent(type, content);
  const orgs = store(call);
  if (orgs.policyNamed(org.org_id, type, name) || defaultPolicyOf(type).name === name) throw err('DuplicatePolicyException', 'A policy with the same name already exists.');
  if (orgs.customerPolicies(org.org_id).length >= MAX_POLICIES) throw constraintViolation('POLICY_NUMBER_LIMIT_EXCEEDED');
  const policy: OrgPolicyRow = {
    policy_id: `p-${randomId(8)}`, org_id: org.org_id, type, name, description: str(call.input, 'Description') ?? '', content, created_at: isoSeconds(call.facts.now),
  };
  authorizeCreateTags(call, policyArn(org, policy), tags);
  orgs.insertPolicy(policy);
  orgs.setTags(org.org_id, policy.policy_id, tags);
  return { Policy: { PolicySummary: policySummary(org, policy), Content: content } };
}

function existingPolicy(call: OrgCall, org: OrganizationRow): OrgPolicyRow {
  const id = req(call, 'PolicyId');
  const policy = policyIn(call, org, id);
  // The ARN names the policy's type, which only the policy itself tells.
  authorize(call, [policy ? policyArn(org, policy) : `arn:aws:organizations::${org.management_account}:policy/${org.org_id}/*/${id}`],
    policy ? { 'organizations:PolicyType': policy.type } : {});
  if (!policy) throw notFound.policy();
  return policy;
}

function describePolicy(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const policy = existingPolicy(call, org);
  return { Policy: { PolicySummary: policySummary(org, policy), Content: policy.content } };
}

function updatePolicy(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const policy = existingPolicy(call, org);
  if (policy.aws_managed) throw invalidInput('IMMUTABLE_POLICY');
  const name = str(call.input, 'Name') ?? policy.name;
  const description = str(call.input, 'Description') ?? policy.description;
  const content = str(call.input, 'Content') ?? policy.content;
  if (content !== policy.content) checkContent(policy.type, content);
  const orgs = store(call);
  if (name !== policy.name && (orgs.policyNamed(org.org_id, policy.type, name) || defaultPolicyOf(policy.type).name === name)) {
    throw err('DuplicatePolicyException', 'A policy with the same name already exists.');
  }
  orgs.updatePolicy(policy.policy_id, name, description, content);
  const updated = { ...policy, name, description, content };
  return { Policy: { PolicySummary: policySummary(org, updated), Content: content } };
}

function deletePolicy(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const policy = existingPolicy(call, org);
  if (policy.aws_managed) throw invalidInput('IMMUTABLE_POLICY');
  const orgs = store(call);
  if (orgs.attachmentsOfPolicy(org.org_id, policy.policy_id).length) {
    throw err('PolicyInUseException', 'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.');
  }
  orgs.deleteTags(policy.policy_id);
  orgs.deletePolicy(policy.policy_id);
  return {};
}

function listPolicies(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const type = policyTypeOf(req(call, 'Filter'));
  authorize(call, ['*'], { 'organizations:PolicyType': type });
  return page(call, 'Policies', store(call).policies(org.org_id, type), (policy) => policySummary(org, policy));
}

/** The policies of a type attached to a target. */
function attachedOfType(call: OrgCall, org: OrganizationRow, targetId: string, type: OrgPolicyType): OrgPolicyRow[] {
  return store(call).attachmentsOfTarget(targetId).map((a) => policyIn(call, org, a.policy_id)).filter((p): p is OrgPolicyRow => p?.type === type);
}

/** AttachPolicy's and DetachPolicy's common checks, in AWS's order: the policy, the caller's permission, the target, its type enabled. */
function policyAndTarget(call: OrgCall): { org: OrganizationRow; policy: OrgPolicyRow; targetId: string; orgs: ReturnType<typeof store> } {
  const org = managementOrg(call);
  const policy = existingPolicy(call, org);
  const targetId = req(call, 'TargetId');
  authorize(call, [targetArn(org, targetId)], { 'organizations:PolicyType': policy.type });
  if (!targetExists(call, org, targetId)) throw notFound.target();
  const orgs = store(call);
  if (!orgs.enabledTypes(org.root_id).includes(policy.type)) throw typeNotEnabled(policy.type);
  return { org, policy, targetId, orgs };
}

function attachPolicy(call: OrgCall): OrgOutput {
  const { org, policy, targetId, orgs } = policyAndTarget(call);
  if (orgs.attachment(policy.policy_id, targetId)) throw err('DuplicatePolicyAttachmentException', 'The selected policy is already attached to the specified target.');
  if (attachedOfType(call, org, targetId, policy.type).length >= MAX_POLICIES_PER_TARGET) throw constraintViolation('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
  orgs.attach(org.org_id, policy.policy_id, targetId, isoSeconds(call.facts.now));
  return {};
}

function detachPolicy(call: OrgCall): OrgOutput {
  const { org, policy, targetId, orgs } = policyAndTarget(call);
  if (!orgs.attachment(policy.policy_id, targetId)) throw err('PolicyNotAttachedException', "The policy isn't attached to the specified target in the specified root.");
  // RCPFullAWSAccess cannot be detached (Organizations User Guide, "Resource control policies"); every entity keeps at
  // least one SCP (the same guide, "SCP evaluation": detaching the last one is refused).
  if (policy.policy_id === defaultPolicyOf('RESOURCE_CONTROL_POLICY').policy_id) throw invalidInput('NON_DETACHABLE_POLICY');
  if (policy.type === 'SERVICE_CONTROL_POLICY' && attachedOfType(call, org, targetId, policy.type).length <= 1) throw constraintViolation('MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
  orgs.detach(policy.policy_id, targetId);
  return {};
}

function listPoliciesForTarget(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const targetId = req(call, 'TargetId');
  const type = policyTypeOf(req(call, 'Filter'));
  authorize(call, [targetArn(org, targetId)], { 'organizations:PolicyType': type });
  if (!targetExists(call, org, targetId)) throw notFound.target();
  return page(call, 'Policies', attachedOfType(call, org, targetId, type), (policy) => policySummary(org, policy));
}

function listTargetsForPolicy(call: OrgCall): OrgOutput {
  const org = managementOrg(call);
  const policy = existingPolicy(call, org);
  return page(call, 'Targets', store(call).attachmentsOfPolicy(org.org_id, policy.policy_id), (a) => targetOut(call, org, a.target_id));
}

export const ORGANIZATIONS_HANDLERS: Readonly<Record<string, OrgHandler>> = {
  CreateOrganization: createOrganization, DescribeOrganization: describeOrganization, DeleteOrganization: deleteOrganization, ListRoots: listRoots,
  CreateOrganizationalUnit: createOrganizationalUnit, UpdateOrganizationalUnit: updateOrganizationalUnit, DeleteOrganizationalUnit: deleteOrganizationalUnit,
  DescribeOrganizationalUnit: describeOrganizationalUnit, ListOrganizationalUnitsForParent: listOrganizationalUnitsForParent,
  ListChildren: listChildren, ListParents: listParents,
  CreateAccount: createAccount, DescribeCreateAccountStatus: describeCreateAccountStatus, ListCreateAccountStatus: listCreateAccountStatus,
  ListAccounts: listAccounts, ListAccountsForParent: listAccountsForParent, DescribeAccount: describeAccount, MoveAccount: moveAccount,
  EnablePolicyType: enablePolicyType, DisablePolicyType: disablePolicyType,
  CreatePolicy: createPolicy, UpdatePolicy: updatePolicy, DescribePolicy: describePolicy, DeletePolicy: deletePolicy, ListPolicies: listPolicies,
  AttachPolicy: attachPolicy, DetachPolicy: detachPolicy, ListPoliciesForTarget: listPoliciesForTarget, ListTargetsForPolicy: listTargetsForPolicy,
  TagResource: tagResource, UntagResource: untagResource, ListTagsForResource: listTagsForResource,
};

/** Operations that change nothing: run outside a transaction, and leave the caches alone. */
export const READ_ONLY_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(ORGANIZATIONS_HANDLERS).filter((op) => /^(Describe|List)/.test(op)));
