import { authorizeCaller, baseContext, type Caller, type RequestFacts } from '../../auth/caller.ts';
import { decisionSink, type ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import type { Decision } from '../../policy/index.ts';
import { num, str, type JsonInput } from '../../protocol/json.ts';
import { organizationsStore, type OrganizationRow, type OrganizationsStore, type OrgPolicyRow, type OrgPolicyType } from '../../store/organizations-store.ts';

/** One decoded, authenticated Organizations call. */
export interface OrgCall {
  operation: string;
  input: JsonInput;
  caller: Caller;
  facts: RequestFacts;
  ctx: ServerContext;
}

export type OrgOutput = Record<string, unknown>;
export type OrgHandler = (call: OrgCall) => OrgOutput;

export const store = (call: OrgCall): OrganizationsStore => organizationsStore(call.ctx.db);

/** A required member (the model check has already refused a missing one). */
export const req = (call: OrgCall, name: string): string => str(call.input, name) ?? '';

/** awsJson timestamps are epoch seconds. */
export const epoch = (iso: string): number => Date.parse(iso) / 1000;

// ---- Errors, with the texts of the Organizations API Reference ----

export const err = (code: string, message: string, reason?: string): AwsError => new AwsError(code, message, 400, reason ? { Reason: reason } : {});

const INVALID_INPUT: Record<string, string> = {
  INPUT_REQUIRED: 'You must include a value for all required parameters.',
  INVALID_ENUM: 'You specified an invalid value.',
  INVALID_PATTERN: "You provided a value that doesn't match the required pattern.",
  MAX_LENGTH_EXCEEDED: 'You provided a string parameter that is longer than allowed.',
  MIN_LENGTH_EXCEEDED: 'You provided a string parameter that is shorter than allowed.',
  MAX_VALUE_EXCEEDED: 'You provided a numeric parameter that has a larger value than allowed.',
  MIN_VALUE_EXCEEDED: 'You provided a numeric parameter that has a smaller value than allowed.',
  IMMUTABLE_POLICY: "You specified a policy that is managed by Amazon Web Services and can't be modified.",
  NON_DETACHABLE_POLICY: "You can't detach this Amazon Web Services Managed Policy.",
  INVALID_NEXT_TOKEN: 'You specified an invalid value for the nextToken request parameter.',
  MOVING_ACCOUNT_BETWEEN_DIFFERENT_ROOTS: 'You can move an account only between entities in the same root.',
  INVALID_ENUM_POLICY_TYPE: 'You specified an invalid policy type string.',
  DUPLICATE_TAG_KEY: 'Tag keys must be unique among the tags attached to the same entity.',
  INVALID_SYSTEM_TAGS_PARAMETER: "You specified a tag key that is a system tag. You can’t add, edit, or delete system tag keys because they're reserved for Amazon Web Services use. System tags don’t count against your tags per resource limit.",
};
export const invalidInput = (reason: keyof typeof INVALID_INPUT & string): AwsError => err('InvalidInputException', INVALID_INPUT[reason] ?? reason, reason);

const CONSTRAINTS: Record<string, string> = {
  OU_DEPTH_LIMIT_EXCEEDED: 'You attempted to create an OU tree that is too many levels deep.',
  // As AWS answers an AttachPolicy over the limit (quoted in hashicorp/terraform-provider-aws#41493).
  MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED: 'You have attached the maximum number of policies to the specified target.',
  MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED: 'You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.',
  POLICY_CONTENT_LIMIT_EXCEEDED: 'You attempted to create a policy that is larger than the maximum size.',
  POLICY_NUMBER_LIMIT_EXCEEDED: 'You attempted to exceed the number of policies that you can have in an organization.',
  OU_NUMBER_LIMIT_EXCEEDED: 'You attempted to exceed the number of OUs that you can have in an organization.',
  MAX_TAG_LIMIT_EXCEEDED: 'You have exceeded the number of tags allowed on this resource.',
  ACCOUNT_NUMBER_LIMIT_EXCEEDED: 'You attempted to exceed the limit on the number of accounts in an organization. If you need more accounts, contact Amazon Web Services Support to request an increase in your limit.',
};
export const constraintViolation = (reason: string): AwsError => err('ConstraintViolationException', CONSTRAINTS[reason] ?? reason, reason);

export const notInUse = (): AwsError => err('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
export const accessDenied = (): AwsError => err('AccessDeniedException', "You don't have permissions to access this resource.");
export const notFound = {
  ou: (): AwsError => err('OrganizationalUnitNotFoundException', "We can't find an OU with the OrganizationalUnitId that you specified."),
  parent: (): AwsError => err('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified."),
  child: (): AwsError => err('ChildNotFoundException', "We can't find an organizational unit (OU) or Amazon Web Services account with the ChildId that you specified."),
  account: (): AwsError => err('AccountNotFoundException', "We can't find an Amazon Web Services account with the AccountId that you specified, or the account whose credentials you used to make this request isn't a member of an organization."),
  policy: (): AwsError => err('PolicyNotFoundException', "We can't find a policy with the PolicyId that you specified."),
  root: (): AwsError => err('RootNotFoundException', "We can't find a root with the RootId that you specified."),
  target: (): AwsError => err('TargetNotFoundException', "We can't find a root, OU, account, or policy with the TargetId that you specified."),
  createStatus: (): AwsError => err('CreateAccountStatusNotFoundException', "We can't find an create account request with the CreateAccountRequestId that you specified."),
  sourceParent: (): AwsError => err('SourceParentNotFoundException', "We can't find a source root or OU with the ParentId that you specified."),
  destinationParent: (): AwsError => err('DestinationParentNotFoundException', "We can't find the destination container (a root or OU) with the ParentId that you specified."),
};

// ---- Identifiers and ARNs, in AWS's formats ----

export { orgRandomId as randomId } from '../../store/organizations-store.ts';

export const TYPE_PATH: Record<OrgPolicyType, string> = { SERVICE_CONTROL_POLICY: 'service_control_policy', RESOURCE_CONTROL_POLICY: 'resource_control_policy' };

export const organizationArn = (org: OrganizationRow): string => `arn:aws:organizations::${org.management_account}:organization/${org.org_id}`;
export const rootArn = (org: OrganizationRow): string => `arn:aws:organizations::${org.management_account}:root/${org.org_id}/${org.root_id}`;
export const ouArn = (org: OrganizationRow, ouId: string): string => `arn:aws:organizations::${org.management_account}:ou/${org.org_id}/${ouId}`;
export const accountArn = (org: OrganizationRow, accountId: string): string => `arn:aws:organizations::${org.management_account}:account/${org.org_id}/${accountId}`;
export const policyArn = (org: OrganizationRow, policy: OrgPolicyRow): string => policy.aws_managed
  ? `arn:aws:organizations::aws:policy/${TYPE_PATH[policy.type]}/${policy.policy_id}`
  : `arn:aws:organizations::${org.management_account}:policy/${org.org_id}/${TYPE_PATH[policy.type]}/${policy.policy_id}`;

/** The ARN of a root, OU or account id (the resource IAM authorizes against, whether or not it exists). */
export function targetArn(org: OrganizationRow, id: string): string {
  if (id.startsWith('r-')) return `arn:aws:organizations::${org.management_account}:root/${org.org_id}/${id}`;
  if (id.startsWith('ou-')) return ouArn(org, id);
  return accountArn(org, id);
}

// ---- Who may call ----

/** The caller's organization, or AWSOrganizationsNotInUseException. */
export function organizationOf(call: OrgCall): OrganizationRow {
  const org = store(call).organizationOfAccount(call.caller.principal.accountId);
  if (!org) throw notInUse();
  return org;
}

/** Most operations can be called only from the management account (Organizations API Reference, each operation). */
export function managementOrg(call: OrgCall): OrganizationRow {
  const org = organizationOf(call);
  if (org.management_account !== call.caller.principal.accountId) throw accessDenied();
  return org;
}

/**
 * IAM authorization of `organizations:<Operation>` on each resource (Service Authorization Reference, AWS Organizations):
 * the caller's policies, its SCPs, recorded in the decision log. A denial is Organizations' AccessDeniedException.
 */
export function authorize(call: OrgCall, resources: readonly string[], extra: ContextValues = {}): void {
  const action = `organizations:${call.operation}`;
  for (const resource of resources) {
    const decision = decide(call, action, resource, extra);
    // Organizations' AccessDeniedException carries one text, naming neither the action nor the policy type (as AWS's
    // answers are quoted in awslabs/aws-innovation-sandbox#6 and prowler-cloud/prowler#2133); the decision log has the details.
    if (!decision.allowed) throw accessDenied();
  }
}

export type ContextValues = Record<string, string | readonly string[]>;

/** The id an Organizations ARN ends with (r-…, ou-…, an account id, p-…); '' for '*'. */
const resourceIdOf = (arn: string): string => (arn === '*' ? '' : arn.slice(arn.lastIndexOf('/') + 1));

/** aws:RequestTag/* and aws:TagKeys of tags a request adds. */
export function requestTagContext(tags: readonly { Key: string; Value: string }[]): ContextValues {
  if (!tags.length) return {};
  const out: Record<string, string | string[]> = { 'aws:TagKeys': tags.map((t) => t.Key) };
  for (const t of tags) out[`aws:RequestTag/${t.Key}`] = t.Value;
  return out;
}

/** One authorization of the caller, recorded in the decision log (under audit, a deny is recorded and let through). */
export function decide(call: OrgCall, action: string, resource: string, extra: ContextValues = {}): Decision {
  const context = baseContext(call.caller, call.facts);
  // aws:ResourceTag/* of an existing root, OU, account or policy (Service Authorization Reference, AWS Organizations:
  // the account, ou, policy and root resource types support it).
  for (const t of store(call).tags(resourceIdOf(resource))) context.set(`aws:resourcetag/${t.Key.toLowerCase()}`, [t.Value]);
  for (const [k, v] of Object.entries(extra)) context.set(k.toLowerCase(), typeof v === 'string' ? [v] : [...v]);
  return authorizeCaller(call.caller, { action, resource, resourceAccount: call.caller.principal.accountId, context },
    decisionSink(call.ctx, call.facts.now, call.caller.principal.accountId));
}

// ---- Pagination: NextToken is an opaque offset, MaxResults as the model bounds it; `page` builds a List* answer ----

export function page<T>(call: OrgCall, member: string, items: readonly T[], out: (item: T) => unknown = (item) => item): OrgOutput {
  const token = str(call.input, 'NextToken');
  let start = 0;
  if (token !== undefined) {
    const m = /^o1:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
    if (!m) throw invalidInput('INVALID_NEXT_TOKEN');
    start = Number(m[1]);
  }
  const limit = num(call.input, 'MaxResults') ?? 20;
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? Buffer.from(`o1:${start + limit}`).toString('base64') : undefined;
  return { [member]: slice.map(out), ...(next ? { NextToken: next } : {}) };
}
