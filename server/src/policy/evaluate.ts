import { resourceMatches, type CompiledPolicy, type CompiledStatement, type PrincipalSet } from './document.ts';
import type { CallerPrincipal, Decision, DenyReason, MatchedStatement, PolicySource, RequestContext } from './types.ts';

export interface BoundPolicy {
  source: PolicySource;
  policy: CompiledPolicy;
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
}

/** How specifically a resource policy named the caller; it decides what else must allow (AWS's evaluation logic). */
type PrincipalMatch = 'none' | 'account' | 'role' | 'exact';

interface Scan {
  allows: MatchedStatement[];
  denies: MatchedStatement[];
}

function statementApplies(
  st: CompiledStatement, actionLower: string, resource: string | null, context: RequestContext,
): boolean {
  let actionHit = false;
  for (const m of st.actions) {
    if (m(actionLower)) {
      actionHit = true;
      break;
    }
  }
  if (actionHit === st.notAction) return false;
  if (st.resources && resource !== null) {
    let resourceHit = false;
    for (const p of st.resources) {
      if (resourceMatches(p, resource, context)) {
        resourceHit = true;
        break;
      }
    }
    if (resourceHit === st.notResource) return false;
  }
  for (const c of st.conditions) if (!c.evaluate(context)) return false;
  return true;
}

function scan(policies: readonly BoundPolicy[], actionLower: string, resource: string, context: RequestContext): Scan {
  const out: Scan = { allows: [], denies: [] };
  for (const bound of policies) {
    for (const st of bound.policy.statements) {
      if (!statementApplies(st, actionLower, resource, context)) continue;
      (st.effect === 'Deny' ? out.denies : out.allows).push({ source: bound.source, sid: st.sid, index: st.index, effect: st.effect });
    }
  }
  return out;
}

export function principalMatch(set: PrincipalSet, principal: CallerPrincipal): PrincipalMatch {
  if (set.any) return 'exact';
  if (principal.federated !== undefined) return set.federated.has(principal.federated) ? 'exact' : 'none';
  if (principal.kind === 'anonymous') return 'none';
  if (set.arns.has(principal.arn)) return 'exact';
  if (principal.roleArn && set.arns.has(principal.roleArn)) return 'role';
  if (set.accounts.has(principal.accountId)) return principal.kind === 'root' ? 'exact' : 'account';
  return 'none';
}

const STRENGTH: Record<PrincipalMatch, number> = { none: 0, account: 1, role: 2, exact: 3 };

/** Scans a resource (or trust) policy, noting how strongly each matching statement named the caller. */
function scanResourcePolicy(bound: BoundPolicy, request: AuthorizationRequest, actionLower: string): Scan & { strength: PrincipalMatch } {
  const out = { allows: [] as MatchedStatement[], denies: [] as MatchedStatement[], strength: 'none' as PrincipalMatch };
  for (const st of bound.policy.statements) {
    if (!st.principals) continue;
    let match = principalMatch(st.principals, request.principal);
    if (st.notPrincipal) match = match === 'none' ? 'exact' : 'none';
    if (match === 'none') continue;
    if (!statementApplies(st, actionLower, request.resource, request.context)) continue;
    const matched: MatchedStatement = { source: bound.source, sid: st.sid, index: st.index, effect: st.effect };
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

/**
 * AWS's policy evaluation logic for one request: explicit denies first, then the resource-based policy, identity
 * policies, the permissions boundary and session policies, combined as documented for same-account and
 * cross-account requests. Pure: everything it needs is in the request.
 */
export function evaluate(request: AuthorizationRequest): Decision {
  const actionLower = request.action.toLowerCase();
  const identity = scan(request.identityPolicies, actionLower, request.resource, request.context);
  if (identity.denies.length) return deny('explicit-identity', identity.denies);
  const resource = request.resourcePolicy ? scanResourcePolicy(request.resourcePolicy, request, actionLower) : undefined;
  if (resource?.denies.length) return deny('explicit-resource', resource.denies);
  const boundary = request.permissionsBoundary ? scan([request.permissionsBoundary], actionLower, request.resource, request.context) : undefined;
  if (boundary?.denies.length) return deny('explicit-boundary', boundary.denies);
  const session = request.sessionPolicies?.length ? scan(request.sessionPolicies, actionLower, request.resource, request.context) : undefined;
  if (session?.denies.length) return deny('explicit-session', session.denies);

  const isRoot = request.principal.kind === 'root';
  const sameAccount = request.principal.accountId === request.resourceAccount;
  const strength = resource?.strength ?? 'none';
  const resourceAllows = resource?.allows ?? [];

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
  }
}
