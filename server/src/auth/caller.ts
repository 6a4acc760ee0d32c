import { parsePolicy, evaluate, type BoundPolicy, type CallerPrincipal, type CompiledPolicy, type Decision, type RequestContext } from '../policy/index.ts';
import type { IamStore, PrincipalKind, SessionRow } from '../store/iam-store.ts';
import type { DecisionLog, EnforceMode } from '../store/decision-log.ts';
import { compileStoredPolicy, ALLOWS_NOTHING } from './compiled.ts';
import { guardrailLookup, type GuardrailLookup } from './guardrails.ts';

/** The authenticated caller of one request and everything the policy engine needs to know about it. */
export interface Caller {
  principal: CallerPrincipal;
  /** aws:userid — account id for root, AIDA… for users, AROA…:session for role sessions. */
  userId: string;
  userName?: string;
  accessKeyId: string;
  identityPolicies: BoundPolicy[];
  permissionsBoundary?: BoundPolicy;
  sessionPolicies?: BoundPolicy[];
  session?: SessionRow;
  /** aws:PrincipalTag/* — the user's or role's tags. */
  principalTags?: Record<string, string>;
  /** The Organizations guardrails (SCPs, RCPs, org condition keys) of any account, in the state this caller was resolved in. */
  organizations: GuardrailLookup;
}

export interface CredentialLookup {
  secretKey: string;
  sessionToken?: string;
  expiresAt?: Date;
  resolve: () => Caller;
}

export { compileStoredPolicy, guardrailLookup };
export type { AccountGuardrails, GuardrailLookup } from './guardrails.ts';

export function pathOf(path: string): string {
  return path || '/';
}

export const userArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:user${pathOf(path)}${name}`;
export const roleArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:role${pathOf(path)}${name}`;

/** The identity policies of a user or role: attached managed policies (default versions) and inline policies. */
export function identityPoliciesOf(store: IamStore, accountId: string, kind: PrincipalKind, name: string): BoundPolicy[] {
  const out: BoundPolicy[] = [];
  for (const attached of store.attachedPolicies(accountId, kind, name)) {
    const policy = store.policy(attached.policy_arn);
    if (!policy) continue;
    const version = store.version(policy.arn, policy.default_version);
    if (!version) continue;
    out.push({ source: { id: policy.arn, kind: 'identity', versionId: version.version_id }, policy: compileStoredPolicy(version.document, 'identity') });
  }
  for (const inline of store.inlinePolicies(accountId, kind, name)) {
    out.push({ source: { id: `${kind}/${name}/${inline.policy_name}`, kind: 'identity' }, policy: compileStoredPolicy(inline.document, 'identity') });
  }
  return out;
}

function boundaryOf(store: IamStore, arn: string | null): BoundPolicy | undefined {
  if (!arn) return undefined;
  const policy = store.policy(arn);
  const version = policy && store.version(arn, policy.default_version);
  // A boundary whose policy is gone allows nothing, rather than lifting the limit.
  const compiledPolicy = version ? compileStoredPolicy(version.document, 'boundary') : ALLOWS_NOTHING;
  return { source: { id: arn, kind: 'boundary', versionId: version?.version_id }, policy: compiledPolicy };
}

/**
 * Finds the long-term or temporary credentials behind an access key id, or undefined for unknown/inactive keys.
 * Found credentials and the caller they resolve to are cached until IAM state changes (IamStore.stateCache).
 */
export function lookupCredentials(store: IamStore, accessKeyId: string): CredentialLookup | undefined {
  const cache = store.stateCache();
  const cacheKey = `key:${accessKeyId}`;
  const hit = cache.get(cacheKey) as CredentialLookup | undefined;
  if (hit) return hit;
  const found = lookupCredentialsUncached(store, accessKeyId);
  if (!found) return undefined;
  let caller: Caller | undefined;
  const resolve = found.resolve;
  const lookup: CredentialLookup = { ...found, resolve: () => (caller ??= resolve()) };
  if (cache.size >= 10_000) cache.clear();
  cache.set(cacheKey, lookup);
  return lookup;
}

function lookupCredentialsUncached(store: IamStore, accessKeyId: string): CredentialLookup | undefined {
  if (accessKeyId.startsWith('ASIA')) {
    const session = store.session(accessKeyId);
    if (!session) return undefined;
    return {
      secretKey: session.secret_key,
      sessionToken: session.session_token,
      expiresAt: new Date(session.expires_at),
      resolve: () => {
        if (session.principal_type === 'user' || session.principal_type === 'root') return longTermCaller(store, session.account_id, session.user_name ?? null, accessKeyId, session);
        if (session.principal_type === 'federated') return federatedCaller(store, session);
        return sessionCaller(store, session);
      },
    };
  }
  const key = store.accessKey(accessKeyId);
  if (!key || key.status !== 'Active') return undefined;
  return { secretKey: key.secret_key, resolve: () => longTermCaller(store, key.account_id, key.user_name, accessKeyId) };
}

/** Root (userName null) or an IAM user, with its own and its groups' policies; GetSessionToken sessions act as them. */
function longTermCaller(store: IamStore, accountId: string, userName: string | null, accessKeyId: string, session?: SessionRow): Caller {
  if (userName === null) {
    return { principal: { kind: 'root', accountId, arn: `arn:aws:iam::${accountId}:root` }, userId: accountId, accessKeyId, identityPolicies: [], session, organizations: guardrailLookup(store) };
  }
  const user = store.user(accountId, userName);
  const name = user?.user_name ?? userName;
  return {
    principal: { kind: 'user', accountId, arn: userArn(accountId, user?.path ?? '/', name) },
    userId: user?.user_id ?? userName,
    userName: name,
    accessKeyId,
    session,
    // A user's permissions include those of every group it belongs to.
    identityPolicies: [
      ...identityPoliciesOf(store, accountId, 'user', name),
      ...store.groupsOfUser(accountId, name).flatMap((g) => identityPoliciesOf(store, accountId, 'group', g.group_name)),
    ],
    permissionsBoundary: boundaryOf(store, user?.permissions_boundary ?? null),
    principalTags: user?.tags ? (JSON.parse(user.tags) as Record<string, string>) : undefined,
    organizations: guardrailLookup(store),
  };
}

/** The session tags of a session (JSON object), if any. */
export function sessionTagsOf(session: SessionRow | undefined): Record<string, string> {
  return session?.tags ? (JSON.parse(session.tags) as Record<string, string>) : {};
}

/** Principal tags: the user's or role's tags, where session tags (case-insensitive keys) override those with the same key. */
function mergeTags(entityTags: string | null | undefined, session: SessionRow): Record<string, string> | undefined {
  const out: Record<string, string> = entityTags ? (JSON.parse(entityTags) as Record<string, string>) : {};
  for (const [key, value] of Object.entries(sessionTagsOf(session))) {
    for (const existing of Object.keys(out)) if (existing.toLowerCase() === key.toLowerCase()) delete out[existing];
    out[key] = value;
  }
  return Object.keys(out).length ? out : undefined;
}

const ALLOWS_EVERYTHING: CompiledPolicy = parsePolicy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', 'identity');

/**
 * A GetFederationToken session: the user's identity policies (the root user's: everything), filtered by the session
 * policies passed to GetFederationToken; without any, the session may do nothing (as AWS documents).
 */
function federatedCaller(store: IamStore, session: SessionRow): Caller {
  const owner = longTermCaller(store, session.account_id, session.user_name ?? null, session.access_key_id);
  const sessionPolicies = sessionPoliciesOf(store, session);
  const arn = `arn:aws:sts::${session.account_id}:federated-user/${session.session_name}`;
  return {
    principal: { kind: 'federated-user', accountId: session.account_id, arn },
    userId: `${session.account_id}:${session.session_name}`,
    accessKeyId: session.access_key_id,
    identityPolicies: session.user_name === null || session.user_name === undefined
      ? [{ source: { id: 'root', kind: 'identity' }, policy: ALLOWS_EVERYTHING }]
      : owner.identityPolicies,
    permissionsBoundary: owner.permissionsBoundary,
    sessionPolicies: sessionPolicies.length ? sessionPolicies : [{ source: { id: 'session-policy', kind: 'session' }, policy: ALLOWS_NOTHING }],
    session,
    principalTags: mergeTags(session.user_name ? store.user(session.account_id, session.user_name)?.tags : null, session),
    organizations: owner.organizations,
  };
}

function sessionPoliciesOf(store: IamStore, session: SessionRow): BoundPolicy[] {
  const sessionPolicies: BoundPolicy[] = [];
  if (session.session_policy) {
    sessionPolicies.push({ source: { id: 'session-policy', kind: 'session' }, policy: compileStoredPolicy(session.session_policy, 'session') });
  }
  for (const arn of session.session_policy_arns ? (JSON.parse(session.session_policy_arns) as string[]) : []) {
    const policy = store.policy(arn);
    const version = policy && store.version(arn, policy.default_version);
    if (version) sessionPolicies.push({ source: { id: arn, kind: 'session', versionId: version.version_id }, policy: compileStoredPolicy(version.document, 'session') });
  }
  return sessionPolicies;
}

function sessionCaller(store: IamStore, session: SessionRow): Caller {
  const role = store.role(session.account_id, session.role_name);
  const sessionPolicies = sessionPoliciesOf(store, session);
  const roleName = role?.role_name ?? session.role_name;
  return {
    principal: {
      kind: 'assumed-role',
      accountId: session.account_id,
      arn: `arn:aws:sts::${session.account_id}:assumed-role/${roleName}/${session.session_name}`,
      roleArn: roleArn(session.account_id, role?.path ?? '/', roleName),
    },
    userId: `${session.role_id}:${session.session_name}`,
    accessKeyId: session.access_key_id,
    // A session of a deleted (or re-created) role keeps its name but has no permissions.
    identityPolicies: role && role.role_id === session.role_id ? identityPoliciesOf(store, session.account_id, 'role', roleName) : [],
    permissionsBoundary: role && role.role_id === session.role_id ? boundaryOf(store, role.permissions_boundary) : undefined,
    sessionPolicies: sessionPolicies.length || session.session_policy_arns ? sessionPolicies : undefined,
    session,
    principalTags: mergeTags(role?.tags, session),
    organizations: guardrailLookup(store),
  };
}

export interface RequestFacts {
  sourceIp: string;
  now: Date;
  region: string;
  secureTransport: boolean;
}

// aws:CurrentTime and aws:EpochTime change once a second: formatted once a second.
let timeSecond = Number.NaN;
let timeText = '';
let epochText = '';

/** Global condition keys every request carries (keys are lower-cased, as the engine expects). */
export function baseContext(caller: Caller, facts: RequestFacts): RequestContext {
  const context: RequestContext = new Map();
  const p = caller.principal;
  const second = Math.floor(facts.now.getTime() / 1000);
  if (second !== timeSecond) {
    timeSecond = second;
    timeText = facts.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    epochText = String(second);
  }
  context.set('aws:currenttime', [timeText]);
  context.set('aws:epochtime', [epochText]);
  context.set('aws:sourceip', [facts.sourceIp]);
  context.set('aws:securetransport', [String(facts.secureTransport)]);
  context.set('aws:requestedregion', [facts.region]);
  if (p.kind === 'anonymous' || p.kind === 'identity-provider') return context;
  // Signed requests say whether an AWS service principal makes them (IAM User Guide, global condition keys).
  context.set('aws:principalisawsservice', [String(p.kind === 'service')]);
  if (p.kind === 'service') return context;
  context.set('aws:principalaccount', [p.accountId]);
  const org = caller.organizations(p.accountId);
  if (org) {
    context.set('aws:principalorgid', [org.orgId]);
    context.set('aws:principalorgpaths', [org.orgPath]);
  }
  context.set('aws:principalarn', [p.roleArn ?? p.arn]);
  context.set('aws:principaltype', [p.kind === 'root' ? 'Account' : p.kind === 'user' ? 'User' : p.kind === 'federated-user' ? 'FederatedUser' : 'AssumedRole']);
  context.set('aws:userid', [caller.userId]);
  if (caller.userName) context.set('aws:username', [caller.userName]);
  for (const [key, value] of Object.entries(caller.principalTags ?? {})) context.set(`aws:principaltag/${key.toLowerCase()}`, [value]);
  if (caller.session) {
    context.set('aws:tokenissuetime', [caller.session.issued_at]);
    // Temporary credentials say whether MFA was used; long-term access keys carry no aws:MultiFactorAuthPresent at all.
    const mfaAt = caller.session.mfa_authenticated_at;
    context.set('aws:multifactorauthpresent', [mfaAt ? 'true' : 'false']);
    if (mfaAt) context.set('aws:multifactorauthage', [String(Math.max(0, Math.floor((facts.now.getTime() - new Date(mfaAt).getTime()) / 1000)))]);
    if (caller.session.source_identity) context.set('aws:sourceidentity', [caller.session.source_identity]);
    if (caller.session.federated_provider) context.set('aws:federatedprovider', [caller.session.federated_provider]);
  }
  return context;
}

export interface AuthorizeOptions {
  action: string;
  resource: string;
  resourceAccount: string;
  context: RequestContext;
  resourcePolicy?: BoundPolicy;
  resourcePolicyRequired?: boolean;
  /**
   * Leaves out the resource account's RCPs: for a second evaluation of the same request against the caller's own
   * account (S3's ACL rules), whose first evaluation has applied them.
   */
  withoutResourceControls?: boolean;
}

export interface DecisionSink { decisions: DecisionLog; at: Date; mode: EnforceMode }

/**
 * The resource's account and organization as condition keys (aws:ResourceAccount, aws:ResourceOrgID,
 * aws:ResourceOrgPaths), added once to the request's context: every evaluation of one request shares its resource.
 */
function addResourceKeys(context: RequestContext, resourceAccount: string, caller: Caller): void {
  if (!context.has('aws:resourceaccount')) {
    if (!/^\d{12}$/.test(resourceAccount)) return;
    context.set('aws:resourceaccount', [resourceAccount]);
  }
  // The account a service set (KMS: the key's), or the one just set; the organization keys follow it.
  if (context.has('aws:resourceorgid')) return;
  const org = caller.organizations(context.get('aws:resourceaccount')![0] ?? '');
  if (org) {
    context.set('aws:resourceorgid', [org.orgId]);
    context.set('aws:resourceorgpaths', [org.orgPath]);
  }
}

/**
 * Evaluates one authorization and records it when given a sink (internal checks, such as ListObjects' Owner rule,
 * pass none under enforcement). Under audit or off, a deny is recorded and then let through. The SCPs of the caller's
 * account and the RCPs of the resource's account (member accounts of an organization) take part.
 */
export function authorizeCaller(caller: Caller, options: AuthorizeOptions, log?: DecisionSink): Decision {
  addResourceKeys(options.context, options.resourceAccount, caller);
  const decision = evaluate({
    principal: caller.principal,
    action: options.action,
    resource: options.resource,
    resourceAccount: options.resourceAccount,
    context: options.context,
    identityPolicies: caller.identityPolicies,
    permissionsBoundary: caller.permissionsBoundary,
    sessionPolicies: caller.sessionPolicies,
    resourcePolicy: options.resourcePolicy,
    resourcePolicyRequired: options.resourcePolicyRequired,
    ...guardrailsOf(caller, options.resourceAccount, options.withoutResourceControls === true),
  });
  if (!log) return decision;
  log.decisions.record(log.at, caller.principal.arn, options.action, options.resource, decision, options.context, log.mode);
  return decision.allowed || log.mode === 'on' ? decision : { ...decision, allowed: true };
}

/** The SCP and RCP levels of one request, for evaluate(): absent where none apply. */
export function guardrailsOf(caller: Caller, resourceAccount: string, withoutResourceControls = false):
  { serviceControlPolicies?: BoundPolicy[][]; resourceControlPolicies?: BoundPolicy[][] } {
  // Which principals SCPs bind (not anonymous callers, identity providers, services, service-linked roles) is the engine's rule (scpsBind).
  const scps = caller.organizations(caller.principal.accountId)?.serviceControlPolicies;
  const rcps = withoutResourceControls ? undefined : caller.organizations(resourceAccount)?.resourceControlPolicies;
  return { ...(scps ? { serviceControlPolicies: scps } : {}), ...(rcps ? { resourceControlPolicies: rcps } : {}) };
}

/** The unauthenticated caller: no identity, but the RCPs of the resources it reaches still apply. */
export function anonymousCaller(store: IamStore): Caller {
  const cache = store.stateCache();
  let caller = cache.get('caller:anonymous') as Caller | undefined;
  if (!caller) {
    caller = { principal: { kind: 'anonymous', accountId: '', arn: 'anonymous' }, userId: 'anonymous', accessKeyId: '', identityPolicies: [], organizations: guardrailLookup(store) };
    cache.set('caller:anonymous', caller);
  }
  return caller;
}
