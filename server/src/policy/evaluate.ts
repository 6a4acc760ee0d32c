import { newEvalMemo, resourceMatches, type CompiledPolicy, type CompiledStatement, type EvalMemo, type PrincipalSet, type ResourcePattern } from './document.ts';
import type { CallerPrincipal, Decision, DenyReason, MatchedStatement, PolicySource, RequestContext } from './types.ts';

export interface BoundPolicy {
  source: PolicySource;
  policy: CompiledPolicy;
  /** The MatchedStatement of each statement, built on first match and shared by later decisions (never mutated). */
  matched?: MatchedStatement[];
}

export interface AuthorizationRequest {
  principal: CallerPrincipal;
  /** As AWS spells it, e.g. `s3:ListBucket`. */
  action: string;
  resource: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  context: RequestContext;
  identityPolicies: readonly BoundPolicy[];
  permissionsBoundary?: BoundPolicy;
  /** Session policies passed to AssumeRole (inline and managed ARNs): together they form one filter. */
  sessionPolicies?: readonly BoundPolicy[];
  resourcePolicy?: BoundPolicy;
  /** AssumeRole: the role's trust policy must allow, whatever the identity policies say. */
  resourcePolicyRequired?: boolean;
  /** SCPs that bind the principal: one entry per level, from the organization root down to the principal's account (each entry = the policies attached at that level). Absent when no SCP applies (account not in an organization, or the management account). */
  serviceControlPolicies?: readonly (readonly BoundPolicy[])[];
  /** RCPs that bind the resource: one entry per level, from the root down to the resource's account. Absent when none apply (resource account not in an organization, or the management account). */
  resourceControlPolicies?: readonly (readonly BoundPolicy[])[];
}

/** How specifically a resource policy named the caller; it decides what else must allow (AWS's evaluation logic). */
type PrincipalMatch = 'none' | 'account' | 'role' | 'exact';

interface Scan {
  allows: MatchedStatement[];
  denies: MatchedStatement[];
}

function actionApplies(st: CompiledStatement, actionLower: string): boolean {
  let actionHit = false;
  for (const m of st.actions) {
    if (m(actionLower)) {
      actionHit = true;
      break;
    }
  }
  return actionHit !== st.notAction;
}

const ACTION_INDEX_LIMIT = 512;

/**
 * The statements of a policy whose Action/NotAction covers the action: computed once per (policy, action), so a
 * request only looks at candidate statements. Depends on nothing but the compiled statements.
 */
export function candidateStatements(policy: CompiledPolicy, actionLower: string): readonly CompiledStatement[] {
  let index = policy.byAction;
  if (!index) policy.byAction = index = new Map();
  let list = index.get(actionLower);
  if (!list) {
    list = policy.statements.filter((st) => actionApplies(st, actionLower));
    if (index.size >= ACTION_INDEX_LIMIT) index.clear();
    index.set(actionLower, list);
  }
  return list;
}

/** Resource and conditions of a statement already known to cover the action. */
function resourceAndConditionsApply(st: CompiledStatement, resource: string | null, context: RequestContext, memo: EvalMemo): boolean {
  const serial = memo.serial;
  const resources = st.resources;
  if (resources !== undefined && resource !== null) {
    let resourceHit = false;
    for (let i = 0; i < resources.length; i++) {
      const p = resources[i]!;
      // Interned patterns remember their answer for this evaluation (see EvalMemo).
      if (p.serial === serial ? p.hit : resourceMatches(p, resource, context, memo)) {
        resourceHit = true;
        break;
      }
    }
    if (resourceHit === st.notResource) return false;
  }
  const conditions = st.conditions;
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i]!;
    if (c.serial !== serial) {
      c.result = c.evaluate(context);
      c.serial = serial;
    }
    if (!c.result) return false;
  }
  return true;
}

function statementApplies(
  st: CompiledStatement, actionLower: string, resource: string | null, context: RequestContext, memo: EvalMemo,
): boolean {
  return actionApplies(st, actionLower) && resourceAndConditionsApply(st, resource, context, memo);
}

function matchedOf(bound: BoundPolicy, st: CompiledStatement): MatchedStatement {
  const cache = (bound.matched ??= []);
  return (cache[st.index] ??= { source: bound.source, sid: st.sid, index: st.index, effect: st.effect });
}

function scan(policies: readonly BoundPolicy[], actionLower: string, resource: string, context: RequestContext, memo: EvalMemo): Scan {
  const out: Scan = { allows: [], denies: [] };
  for (let b = 0; b < policies.length; b++) {
    const bound = policies[b]!;
    const candidates = candidateStatements(bound.policy, actionLower);
    for (let i = 0; i < candidates.length; i++) {
      const st = candidates[i]!;
      if (!resourceAndConditionsApply(st, resource, context, memo)) continue;
      (st.effect === 'Deny' ? out.denies : out.allows).push(matchedOf(bound, st));
    }
  }
  return out;
}

export function principalMatch(set: PrincipalSet, principal: CallerPrincipal): PrincipalMatch {
  if (set.any) return 'exact';
  if (principal.federated !== undefined) return set.federated.has(principal.federated) ? 'exact' : 'none';
  if (principal.service !== undefined) return set.services.has(principal.service) ? 'exact' : 'none';
  if (principal.kind === 'anonymous') return 'none';
  if (set.arns.has(principal.arn)) return 'exact';
  if (principal.roleArn && set.arns.has(principal.roleArn)) return 'role';
  if (set.accounts.has(principal.accountId)) return principal.kind === 'root' ? 'exact' : 'account';
  return 'none';
}

/**
 * Deny + NotPrincipal: whether the caller is among the principals the statement spares. Unlike Principal, this is not
 * "the role covers its sessions": per the IAM User Guide's NotPrincipal page, AWS may validate the account first, then
 * the role, then the session, and a link left unlisted is denied. So the exact principal and every parent must be
 * listed: the account (its root ARN or id) for everyone, the role's ARN too for a role session. Listing the account
 * spares the account principal (root) only. A principal with a permissions boundary is always denied, whatever is
 * listed (same page, "Key points").
 */
function exemptFromDeny(set: PrincipalSet, request: AuthorizationRequest): boolean {
  const principal = request.principal;
  if (request.permissionsBoundary && (principal.kind === 'user' || principal.kind === 'assumed-role')) return false;
  if (set.any) return true;
  if (principal.federated !== undefined) return set.federated.has(principal.federated);
  if (principal.service !== undefined) return set.services.has(principal.service);
  if (principal.kind === 'anonymous' || !set.accounts.has(principal.accountId)) return false;
  if (principal.kind === 'root') return true;
  if (!set.arns.has(principal.arn)) return false;
  return principal.roleArn === undefined || set.arns.has(principal.roleArn);
}

const STRENGTH: Record<PrincipalMatch, number> = { none: 0, account: 1, role: 2, exact: 3 };

/** Scans a resource (or trust) policy, noting how strongly each matching statement named the caller. */
function scanResourcePolicy(bound: BoundPolicy, request: AuthorizationRequest, actionLower: string, memo: EvalMemo): Scan & { strength: PrincipalMatch } {
  const out = { allows: [] as MatchedStatement[], denies: [] as MatchedStatement[], strength: 'none' as PrincipalMatch };
  for (const st of bound.policy.statements) {
    if (!st.principals) continue;
    let match: PrincipalMatch;
    if (!st.notPrincipal) match = principalMatch(st.principals, request.principal);
    else if (st.effect === 'Deny') match = exemptFromDeny(st.principals, request) ? 'none' : 'exact';
    // Allow + NotPrincipal (AWS advises against it): naming any link of the caller's chain leaves it out.
    else match = principalMatch(st.principals, request.principal) === 'none' ? 'exact' : 'none';
    if (match === 'none') continue;
    if (!statementApplies(st, actionLower, request.resource, request.context, memo)) continue;
    const matched = matchedOf(bound, st);
    if (st.effect === 'Deny') out.denies.push(matched);
    else {
      out.allows.push(matched);
      if (STRENGTH[match] > STRENGTH[out.strength]) out.strength = match;
    }
  }
  return out;
}

/** Boundaries and session policies only filter: with either present, it must allow too. */
function filters(boundary: Scan | undefined, session: Scan | undefined): Decision | null {
  if (boundary && boundary.allows.length === 0) return deny('no-boundary');
  if (session && session.allows.length === 0) return deny('no-session');
  return null;
}

function deny(reason: DenyReason, statements: MatchedStatement[] = []): Decision {
  return { allowed: false, reason, statements };
}

// ---- AWS Organizations guardrails ----

/**
 * Service prefixes of the services AWS lists as supporting RCPs (Organizations User Guide, "Resource control policies
 * (RCPs)" — "List of AWS services that support RCPs", as published in 2026). RCPs do not apply to actions of any other
 * service (IAM, EC2, Lambda, SNS, … are not on it).
 */
export const RCP_SERVICES: ReadonlySet<string> = new Set([
  'appstream', 'dsql', 'clouddirectory', 'cloudfront', 'cloudsearch', 'logs', 'networkmonitor', 'cognito-identity', 'cognito-idp',
  'comprehend', 'comprehendmedical', 'firehose', 'dynamodb', 'dax', 'autoscaling', 'ecr', 'ecr-public', 'gamelift', 'inspector-scan',
  'kendra', 'kinesisvideo', 'memorydb', 'aoss', 'personalize', 'polly', 's3', 'swf', 'sqs', 'textract', 'timestream-influxdb',
  'transcribe', 'translate', 'workspaces', 'appconfig', 'autoscaling-plans', 'budgets', 'servicediscovery', 'cloudtrail-data',
  'codeartifact', 'codebuild', 'codecommit', 'codepipeline', 'compute-optimizer', 'cost-optimization-hub', 'events', 'fms', 'fis',
  'health', 'rolesanywhere', 'kms', 'opensearch', 'pricing', 'pca-connector-ad', 'resource-groups', 'secretsmanager', 'sts', 'signin',
  'support', 'transfer', 'notifications', 'wafv2', 'xray',
]);

/** Same page, "Resources and entities not restricted by RCPs": "RCPs do not impact the kms:RetireGrant permission". */
const RCP_EXEMPT_ACTIONS: ReadonlySet<string> = new Set(['kms:retiregrant']);

/** Service-linked roles live under this path (IAM User Guide, "Using service-linked roles"). */
const SERVICE_LINKED_ROLE = /^arn:[^:]+:iam::\d{12}:role\/aws-service-role\//;

function isServiceLinkedRole(principal: CallerPrincipal): boolean {
  return principal.kind === 'assumed-role' && principal.roleArn !== undefined && SERVICE_LINKED_ROLE.test(principal.roleArn);
}

/**
 * Whether SCPs can bind this caller at all. Organizations User Guide, "Service control policies (SCPs)": SCPs affect
 * IAM users and roles of member accounts, including the account's root user, but not service-linked roles, and not
 * AWS service principals (or anyone outside the account: anonymous callers have no account to be bound through).
 */
export function scpsBind(principal: CallerPrincipal): boolean {
  switch (principal.kind) {
    case 'root':
    case 'user':
    case 'federated-user':
      return true;
    case 'assumed-role':
      return !isServiceLinkedRole(principal);
    case 'identity-provider':
    case 'service':
    case 'anonymous':
      return false;
  }
}

/**
 * Whether RCPs can bind this request. Organizations User Guide, "Resource control policies (RCPs)": they apply to the
 * services AWS lists only, to requests from any principal, "regardless of whether the principals belong to the same
 * organizations or not. This includes root users" (anonymous callers and AWS service principals too: AWS's own examples
 * exempt service principals with aws:PrincipalIsAWSService). Not restricted: calls made by service-linked roles, and
 * "AWS services' ability to assume a service-linked role; that is, the service-linked role's trust policy".
 */
export function rcpsBind(principal: CallerPrincipal, action: string, resource = ''): boolean {
  const colon = action.indexOf(':');
  if (colon <= 0 || !RCP_SERVICES.has(action.slice(0, colon).toLowerCase())) return false;
  if (RCP_EXEMPT_ACTIONS.has(action.toLowerCase())) return false;
  if (isServiceLinkedRole(principal)) return false;
  return !(action.toLowerCase().startsWith('sts:') && SERVICE_LINKED_ROLE.test(resource));
}

interface LevelScan {
  denies: MatchedStatement[];
  allows: MatchedStatement[];
  /** False when some level has no applicable Allow. */
  everyLevelAllows: boolean;
  /** The first level (0 = the root) without an applicable Allow. */
  missingLevel?: number;
}

/**
 * Organization policies, level by level (Organizations User Guide, "SCP evaluation" / "RCP evaluation"): a Deny at any
 * level denies; at every level from the root down to the account some policy must allow, else the request is implicitly
 * denied. RCP statements name principals (only "*" is valid); SCP statements do not.
 */
function scanLevels(levels: readonly (readonly BoundPolicy[])[], request: AuthorizationRequest, actionLower: string, memo: EvalMemo): LevelScan {
  const out: LevelScan = { denies: [], allows: [], everyLevelAllows: true };
  for (let l = 0; l < levels.length; l++) {
    const level = levels[l]!;
    let levelAllows = false;
    for (const bound of level) {
      for (const st of candidateStatements(bound.policy, actionLower)) {
        if (st.principals && !organizationPrincipalApplies(st, request)) continue;
        if (!resourceAndConditionsApply(st, request.resource, request.context, memo)) continue;
        const matched = matchedOf(bound, st);
        if (st.effect === 'Deny') out.denies.push(matched);
        else {
          out.allows.push(matched);
          levelAllows = true;
        }
      }
    }
    if (!levelAllows && out.everyLevelAllows) {
      out.everyLevelAllows = false;
      out.missingLevel = l;
    }
  }
  return out;
}

/** What one kind of organization policy (SCPs or RCPs) says about a request, on its own. */
export interface GuardrailOutcome {
  /** `not-applicable`: no levels given, or AWS's rules exempt the request (service-linked role, service without RCP support, …). */
  result: 'allowed' | 'explicit-deny' | 'implicit-deny' | 'not-applicable';
  /** The denying statements for an explicit deny, else the allowing ones. */
  statements: MatchedStatement[];
  /** For an implicit deny: the first level (0 = the organization root) where no policy allows. */
  level?: number;
}

function outcomeOf(levels: LevelScan | undefined): GuardrailOutcome {
  if (!levels) return { result: 'not-applicable', statements: [] };
  if (levels.denies.length) return { result: 'explicit-deny', statements: levels.denies };
  if (!levels.everyLevelAllows) return { result: 'implicit-deny', statements: [], level: levels.missingLevel };
  return { result: 'allowed', statements: levels.allows };
}

function scanGuardrails(request: AuthorizationRequest, actionLower: string, memo: EvalMemo): { scps?: LevelScan; rcps?: LevelScan } {
  return {
    rcps: request.resourceControlPolicies?.length && rcpsBind(request.principal, request.action, request.resource)
      ? scanLevels(request.resourceControlPolicies, request, actionLower, memo) : undefined,
    scps: request.serviceControlPolicies?.length && scpsBind(request.principal)
      ? scanLevels(request.serviceControlPolicies, request, actionLower, memo) : undefined,
  };
}

/**
 * The SCPs' and the RCPs' verdicts on a request, each on its own, whatever the other policies say: for the policy
 * simulator's OrganizationsDecisionDetail and for explaining a denial (which guardrail blocks, and at which level).
 */
export function organizationGuardrails(request: AuthorizationRequest): { scp: GuardrailOutcome; rcp: GuardrailOutcome } {
  const { scps, rcps } = scanGuardrails(request, request.action.toLowerCase(), newEvalMemo());
  return { scp: outcomeOf(scps), rcp: outcomeOf(rcps) };
}

function organizationPrincipalApplies(st: CompiledStatement, request: AuthorizationRequest): boolean {
  const set = st.principals!;
  if (set.any) return !st.notPrincipal;
  const named = principalMatch(set, request.principal) !== 'none';
  return named !== st.notPrincipal;
}

/**
 * AWS's policy evaluation logic for one request: explicit denies first (organization policies included), then the
 * organization guardrails (every RCP and SCP level must allow), then the resource-based policy, identity policies, the
 * permissions boundary and session policies, combined as documented for same-account and cross-account requests.
 * Pure: everything it needs is in the request.
 */
export function evaluate(request: AuthorizationRequest): Decision {
  const actionLower = request.action.toLowerCase();
  const memo = newEvalMemo();
  // Organization guardrails come first in AWS's evaluation order (deny evaluation, then RCPs, then SCPs, then the
  // account's own policies). Which explicit deny AWS names when several policy types deny is not documented ("AWS
  // includes only one of those policy types in the error message", Troubleshoot access denied error messages): the
  // guardrails are named first here (RCP, then SCP, AWS's order), since no policy in the account can lift them.
  const { rcps, scps } = scanGuardrails(request, actionLower, memo);
  if (rcps?.denies.length) return deny('explicit-rcp', rcps.denies);
  if (scps?.denies.length) return deny('explicit-scp', scps.denies);
  return evaluateAccount(request, actionLower, memo, guardrails(rcps, scps));
}

/** Implicit denies of the guardrails: a level without an Allow (RCPs before SCPs, as in AWS's flow chart). */
function guardrails(rcps: LevelScan | undefined, scps: LevelScan | undefined): Decision | null {
  if (rcps && !rcps.everyLevelAllows) return deny('no-rcp');
  if (scps && !scps.everyLevelAllows) return deny('no-scp');
  return null;
}

/**
 * The account's own policies: identity, resource, boundary and session policies. `guarded` is the guardrails' implicit
 * deny, if any: AWS evaluates every explicit deny first, so it only decides once no policy of the account denies.
 */
function evaluateAccount(request: AuthorizationRequest, actionLower: string, memo: EvalMemo, guarded: Decision | null): Decision {
  const identity = scan(request.identityPolicies, actionLower, request.resource, request.context, memo);
  if (identity.denies.length) return deny('explicit-identity', identity.denies);
  const resource = request.resourcePolicy ? scanResourcePolicy(request.resourcePolicy, request, actionLower, memo) : undefined;
  if (resource?.denies.length) return deny('explicit-resource', resource.denies);
  const boundary = request.permissionsBoundary ? scan([request.permissionsBoundary], actionLower, request.resource, request.context, memo) : undefined;
  if (boundary?.denies.length) return deny('explicit-boundary', boundary.denies);
  const session = request.sessionPolicies?.length ? scan(request.sessionPolicies, actionLower, request.resource, request.context, memo) : undefined;
  if (session?.denies.length) return deny('explicit-session', session.denies);
  if (guarded) return guarded;

  const isRoot = request.principal.kind === 'root';
  const sameAccount = request.principal.accountId === request.resourceAccount;
  const strength = resource?.strength ?? 'none';
  const resourceAllows = resource?.allows ?? [];

  // An anonymous request has no identity or account to allow it: only a resource-based policy that grants to
  // everyone ("*") can (AWS's policy evaluation logic; S3 adds its ACLs outside this engine).
  if (request.principal.kind === 'anonymous') return strength === 'none' ? deny('no-resource') : { allowed: true, statements: resourceAllows };
  if (sameAccount && strength === 'exact') return { allowed: true, statements: resourceAllows };
  if (request.resourcePolicyRequired && strength === 'none') return deny('no-resource');
  if (!sameAccount && strength === 'none') return deny('no-resource');


  // Same account, resource policy naming the role: limited by boundary and session policies, not identity policies.
  if (sameAccount && strength === 'role') return filters(boundary, session) ?? { allowed: true, statements: resourceAllows };

  if (!isRoot && identity.allows.length === 0) return deny('no-identity');
  const filtered = filters(boundary, session);
  if (filtered) return filtered;
  return { allowed: true, statements: [...identity.allows, ...resourceAllows] };
}

/** The tail of AWS's AccessDenied message for a reason, e.g. `because no identity-based policy allows the s3:GetObject action`. */
export function denyReasonText(reason: DenyReason, action: string): string {
  switch (reason) {
    case 'explicit-identity': return 'with an explicit deny in an identity-based policy';
    case 'explicit-resource': return 'with an explicit deny in a resource-based policy';
    case 'explicit-boundary': return 'with an explicit deny in a permissions boundary';
    case 'explicit-session': return 'with an explicit deny in a session policy';
    case 'no-identity': return `because no identity-based policy allows the ${action} action`;
    case 'no-resource': return `because no resource-based policy allows the ${action} action`;
    case 'no-boundary': return `because no permissions boundary allows the ${action} action`;
    case 'no-session': return `because no session policy allows the ${action} action`;
    case 'explicit-scp': return 'with an explicit deny in a service control policy';
    case 'no-scp': return `because no service control policy allows the ${action} action`;
    case 'explicit-rcp': return 'with an explicit deny in a resource control policy';
    // AWS documents no implicit-deny text for RCPs (RCPFullAWSAccess cannot be detached, so AWS never reaches it): the
    // form of the other policy types.
    case 'no-rcp': return `because no resource control policy allows the ${action} action`;
  }
}

/** How one Resource pattern treats every resource that starts with a given prefix. */
type PrefixCover = 'all' | 'none' | 'some';

function coverUnder(pattern: ResourcePattern, prefix: string): PrefixCover {
  const raw = pattern.template.raw;
  // Variables (or their escapes) depend on the request: no shortcut.
  if (pattern.template.parts || raw.includes('${')) return 'some';
  const wildcard = raw.search(/[*?]/);
  const head = wildcard < 0 ? raw : raw.slice(0, wildcard);
  if (wildcard === raw.length - 1 && raw.endsWith('*') && prefix.startsWith(head)) return 'all';
  // Compared case-blind, so that "none" holds whatever case rules the ARN matcher applies.
  const h = head.toLowerCase();
  const p = prefix.toLowerCase();
  // Resources under the prefix are longer than it: a literal pattern that does not extend the prefix matches none.
  if (wildcard < 0) return h.startsWith(p) && h.length > p.length ? 'some' : 'none';
  return h.startsWith(p) || p.startsWith(h) ? 'some' : 'none';
}

/**
 * Whether evaluate() decides the same for every resource that starts with `prefix`, the rest of the request being
 * equal: true when each Resource/NotResource pattern of every statement that could apply matches either all such
 * resources or none (conditions do not depend on the resource). A listing then evaluates once, not once per key.
 */
export function uniformUnderPrefix(request: Omit<AuthorizationRequest, 'resource'>, prefix: string): boolean {
  const actionLower = request.action.toLowerCase();
  const uniform = (statements: readonly CompiledStatement[]): boolean =>
    statements.every((st) => !st.resources || st.resources.every((pattern) => coverUnder(pattern, prefix) !== 'some'));
  const scoped = [
    ...request.identityPolicies, ...(request.permissionsBoundary ? [request.permissionsBoundary] : []), ...(request.sessionPolicies ?? []),
    ...(request.serviceControlPolicies ?? []).flat(), ...(request.resourceControlPolicies ?? []).flat(),
  ];
  if (!scoped.every((bound) => uniform(candidateStatements(bound.policy, actionLower)))) return false;
  return !request.resourcePolicy || uniform(request.resourcePolicy.policy.statements);
}
