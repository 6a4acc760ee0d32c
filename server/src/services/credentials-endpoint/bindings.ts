// Credential bindings: "this workload runs as that role", as ECS (task role), EKS Pod Identity or an EC2 instance
// profile would arrange on AWS. A binding is made by the admin API (or `iamlocal exec`); the workload then fetches the
// role's credentials from the container endpoint (with the binding's token) or from the binding's instance metadata
// listener. Each fetch returns a real session of the role, issued by the service principal the role must trust.
import { randomBytes, randomUUID } from 'node:crypto';
import { authorizeCaller, compileStoredPolicy, guardrailLookup, roleArn, type Caller } from '../../auth/caller.ts';
import { decisionSink, enforcementFor, type ServerContext } from '../../context.ts';
import { parsePolicy, PolicyDocumentError, type RequestContext } from '../../policy/index.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import type { RoleRow, SessionRow } from '../../store/iam-store.ts';
import { awsId, isoSeconds, secretAccessKey, sessionToken } from '../../store/ids.ts';
import { instanceProfileArn } from '../iam/instance-profiles.ts';
import { ROLE_ARN } from '../sts/role-session.ts';

/** ecs: an ECS task role; eks: EKS Pod Identity (both through the container endpoint); imds: an EC2 instance profile. */
export type BindingKind = 'ecs' | 'eks' | 'imds';
export const BINDING_KINDS: readonly BindingKind[] = ['ecs', 'eks', 'imds'];

/** Who assumes the role on AWS, and what its trust policy must allow that principal. */
export const SERVICE_PRINCIPAL: Record<BindingKind, string> = { ecs: 'ecs-tasks.amazonaws.com', eks: 'pods.eks.amazonaws.com', imds: 'ec2.amazonaws.com' };
// EKS Pod Identity tags its sessions, so its roles must also trust the principal with sts:TagSession
// (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html).
const TRUST_ACTIONS: Record<BindingKind, string[]> = { ecs: ['sts:AssumeRole'], eks: ['sts:AssumeRole', 'sts:TagSession'], imds: ['sts:AssumeRole'] };
const WORKLOAD: Record<BindingKind, string> = { ecs: 'an ECS task role', eks: 'an EKS Pod Identity role', imds: 'an EC2 instance profile role' };

/** AWS STS's shortest session (15 minutes); shorter sessions are a test-only option. */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43200;
const DEFAULT_DURATION_SECONDS = 3600;
/** IMDS makes new credentials available at least five minutes before the old ones expire (AWS EC2 user guide). */
const ROTATE_BEFORE_SECONDS = 300;

export interface BindingRequest {
  kind?: string;
  /** A role name (in the server's default account) or ARN. */
  role?: string;
  sessionName?: string;
  durationSeconds?: number;
  /** Shorter than AWS allows (any whole number of seconds from 1): for tests of credential refresh only. */
  testOnlyDurationSeconds?: number;
  /** An inline session policy (JSON text) that further limits the sessions. */
  policy?: string;
  /** imds: the instance profile; by default the one holding the role. */
  instanceProfile?: string;
  /** imds: 'required' answers 401 to requests without a session token (IMDSv2 only), like HttpTokens=required. */
  httpTokens?: string;
  /** eks: the pod's cluster, namespace and service account, for the session tags Pod Identity adds. */
  eks?: { cluster?: string; namespace?: string; serviceAccount?: string; podName?: string };
  /** The container endpoint's authorization token, when it must be known in advance (docker compose); else random. */
  token?: string;
  /** Shown in the decision log: exec, credential-process or admin-api (the default). */
  launchedBy?: string;
}

export interface IssuedCredentials { accessKeyId: string; secretAccessKey: string; token: string; expiration: string; issuedAt: string }

export interface Binding {
  id: string;
  token: string;
  kind: BindingKind;
  accountId: string;
  roleName: string;
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  testOnlyDuration: boolean;
  policy?: string;
  instanceProfile?: { name: string; arn: string; id: string };
  instanceId: string;
  /** eks: the session tags EKS Pod Identity adds (all transitive). */
  sessionTags?: Record<string, string>;
  httpTokens: 'optional' | 'required';
  launchedBy: string;
  createdAt: string;
  current?: IssuedCredentials;
  /** How many sessions this binding has issued. */
  issued: number;
}

/** A binding that cannot be made or used; `status` is the HTTP status the endpoint answers with. */
export class BindingError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) {
    super(message);
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function trustStatementFor(kind: BindingKind): string {
  const actions = TRUST_ACTIONS[kind];
  return JSON.stringify({ Effect: 'Allow', Principal: { Service: SERVICE_PRINCIPAL[kind] }, Action: actions.length === 1 ? actions[0] : actions });
}

export class CredentialBindings {
  private readonly byId = new Map<string, Binding>();
  private readonly byToken = new Map<string, Binding>();
  private readonly closeHooks = new Map<string, () => void>();

  constructor(private readonly ctx: ServerContext) {}

  list(): Binding[] { return [...this.byId.values()]; }
  get(id: string): Binding | undefined { return this.byId.get(id); }
  withToken(token: string): Binding | undefined { return this.byToken.get(token); }

  /** Validates the request and checks the role's trust now, so a binding that could never work is refused at once. */
  create(request: BindingRequest, now: Date): Binding {
    const ctx = this.ctx;
    const roleText = request.role;
    if (typeof roleText !== 'string' || !roleText) throw new BindingError('ValidationError', 'role is required (a role name or ARN)', 400);
    const arnMatch = ROLE_ARN.exec(roleText);
    const accountId = arnMatch ? arnMatch[1]! : ctx.config.accountId;
    const roleName = arnMatch ? arnMatch[3]! : roleText;
    const role = ctx.iam.role(accountId, roleName);
    if (!role) throw new BindingError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);

    let kind: BindingKind;
    if (request.kind === undefined || request.kind === 'auto') kind = autoKind(role);
    else if ((BINDING_KINDS as readonly string[]).includes(request.kind)) kind = request.kind as BindingKind;
    else throw new BindingError('ValidationError', `kind must be one of ${BINDING_KINDS.join(', ')} or auto, got '${request.kind}'`, 400);

    let durationSeconds = DEFAULT_DURATION_SECONDS;
    let testOnlyDuration = false;
    if (request.testOnlyDurationSeconds !== undefined) {
      if (!isInt(request.testOnlyDurationSeconds) || request.testOnlyDurationSeconds < 1 || request.testOnlyDurationSeconds > MAX_DURATION_SECONDS) {
        throw new BindingError('ValidationError', 'testOnlyDurationSeconds must be a whole number of seconds from 1 to 43200', 400);
      }
      durationSeconds = request.testOnlyDurationSeconds;
      testOnlyDuration = true;
    } else if (request.durationSeconds !== undefined) {
      if (!isInt(request.durationSeconds) || request.durationSeconds < MIN_DURATION_SECONDS || request.durationSeconds > MAX_DURATION_SECONDS) {
        throw new BindingError('ValidationError', `durationSeconds must be from ${MIN_DURATION_SECONDS} (15 minutes, as on AWS) to ${MAX_DURATION_SECONDS}; shorter sessions are a test-only option (testOnlyDurationSeconds)`, 400);
      }
      durationSeconds = request.durationSeconds;
    }

    if (request.policy !== undefined) {
      if (typeof request.policy !== 'string') throw new BindingError('ValidationError', 'policy must be a JSON policy document as text', 400);
      try {
        parsePolicy(request.policy, 'session');
      } catch (error) {
        if (error instanceof PolicyDocumentError) throw new BindingError('MalformedPolicyDocument', error.message, 400);
        throw error;
      }
    }
    const httpTokens = request.httpTokens ?? 'optional';
    if (httpTokens !== 'optional' && httpTokens !== 'required') throw new BindingError('ValidationError', "httpTokens must be 'optional' or 'required'", 400);

    if (request.token !== undefined && (typeof request.token !== 'string' || !/^[\w.~+\/=-]{16,256}$/.test(request.token))) {
      throw new BindingError('ValidationError', 'token must be 16 to 256 characters of letters, digits and ._~+/=-', 400);
    }
    if (request.token !== undefined && this.byToken.has(request.token)) throw new BindingError('EntityAlreadyExists', 'Another credential binding has this token.', 409);
    const instanceId = `i-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const sessionName = request.sessionName ?? (kind === 'imds' ? instanceId : randomBytes(16).toString('hex'));
    if (typeof sessionName !== 'string' || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw new BindingError('ValidationError', 'sessionName must be 2 to 64 characters of letters, digits and +=,.@_-', 400);
    }
    let sessionTags: Record<string, string> | undefined;
    if (kind === 'eks') {
      // https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html: six tags, all transitive.
      const e = typeof request.eks === 'object' && request.eks !== null ? request.eks : {};
      const text = (v: unknown, fallback: string): string => (typeof v === 'string' && v ? v : fallback);
      const cluster = text(e.cluster, 'iamlocal');
      sessionTags = {
        'eks-cluster-arn': `arn:aws:eks:${ctx.config.region}:${accountId}:cluster/${cluster}`, 'eks-cluster-name': cluster,
        'kubernetes-namespace': text(e.namespace, 'default'), 'kubernetes-service-account': text(e.serviceAccount, 'default'),
        'kubernetes-pod-name': text(e.podName, sessionName), 'kubernetes-pod-uid': randomUUID(),
      };
    }
    const binding: Binding = {
      id: `cb-${randomBytes(8).toString('hex')}`, token: request.token ?? randomBytes(24).toString('base64url'), kind, accountId, roleName: role.role_name,
      roleArn: roleArn(role.account_id, role.path, role.role_name), sessionName, durationSeconds, testOnlyDuration, ...(request.policy !== undefined ? { policy: request.policy } : {}),
      instanceId, ...(sessionTags ? { sessionTags } : {}), httpTokens, launchedBy: typeof request.launchedBy === 'string' ? request.launchedBy : 'admin-api',
      createdAt: isoSeconds(now), issued: 0,
    };
    this.checkTrust(binding, role, now, '127.0.0.1', false);
    // An instance gets its role through an instance profile (checked after the trust, the more fundamental refusal).
    if (kind === 'imds') {
      const store = iamEntities(ctx.db);
      const profile = request.instanceProfile !== undefined
        ? store.instanceProfile(accountId, request.instanceProfile)
        : store.instanceProfilesOfRole(accountId, role.role_name)[0];
      if (!profile) {
        throw new BindingError('NoSuchEntity', request.instanceProfile !== undefined
          ? `Instance Profile ${request.instanceProfile} cannot be found.`
          : `Role ${role.role_name} is in no instance profile: on AWS an EC2 instance gets a role only through one (aws iam create-instance-profile, then add-role-to-instance-profile).`, 404);
      }
      if (!store.instanceProfileRoles(accountId, profile.profile_name).includes(role.role_name)) {
        throw new BindingError('ValidationError', `Instance profile ${profile.profile_name} does not hold role ${role.role_name}.`, 400);
      }
      binding.instanceProfile = { name: profile.profile_name, arn: instanceProfileArn(accountId, profile.path, profile.profile_name), id: profile.profile_id };
    }
    this.byId.set(binding.id, binding);
    this.byToken.set(binding.token, binding);
    return binding;
  }

  /** Registers what to stop (an instance metadata listener) when the binding goes away. */
  onDelete(id: string, hook: () => void): void { this.closeHooks.set(id, hook); }

  delete(id: string): boolean {
    const binding = this.byId.get(id);
    if (!binding) return false;
    this.byId.delete(id);
    this.byToken.delete(binding.token);
    this.closeHooks.get(id)?.();
    this.closeHooks.delete(id);
    return true;
  }

  closeAll(): void {
    for (const id of [...this.byId.keys()]) this.delete(id);
  }

  /**
   * The binding's current credentials: the last session while it has more than five minutes (or, for test-only
   * durations, a third of its life) to run, else a new session. The role's trust is checked at every issue.
   */
  credentials(binding: Binding, now: Date, sourceIp: string): IssuedCredentials {
    const rotateBefore = Math.min(ROTATE_BEFORE_SECONDS, Math.ceil(binding.durationSeconds / 3)) * 1000;
    if (binding.current && Date.parse(binding.current.expiration) - now.getTime() > rotateBefore) return binding.current;
    const role = this.ctx.iam.role(binding.accountId, binding.roleName);
    if (!role) throw new BindingError('NoSuchEntity', `The role with name ${binding.roleName} cannot be found.`, 404);
    this.checkTrust(binding, role, now, sourceIp, true);
    // Whole seconds, as STS gives them: botocore parses Expiration as %Y-%m-%dT%H:%M:%SZ.
    const issued = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const expires = new Date(issued.getTime() + binding.durationSeconds * 1000);
    const row: SessionRow = {
      access_key_id: awsId('ASIA'), secret_key: secretAccessKey(), session_token: sessionToken(), account_id: role.account_id, role_name: role.role_name,
      role_id: role.role_id, session_name: binding.sessionName, source_identity: null, session_policy: binding.policy ?? null, session_policy_arns: null,
      issued_at: isoSeconds(issued), expires_at: expires.toISOString(), principal_type: 'role',
      tags: binding.sessionTags ? JSON.stringify(binding.sessionTags) : null, transitive_tag_keys: binding.sessionTags ? JSON.stringify(Object.keys(binding.sessionTags)) : null, federated_provider: null,
      mfa_authenticated_at: null,
    };
    this.ctx.iam.insertSession(row);
    binding.issued++;
    binding.current = { accessKeyId: row.access_key_id, secretAccessKey: row.secret_key, token: row.session_token, expiration: isoSeconds(expires), issuedAt: row.issued_at };
    return binding.current;
  }

  /** Evaluates the role's trust policy for the service principal and records the decision, with how it was asked for. */
  private checkTrust(binding: Binding, role: RoleRow, now: Date, sourceIp: string, record: boolean): void {
    const ctx = this.ctx;
    const service = SERVICE_PRINCIPAL[binding.kind];
    const caller: Caller = { principal: { kind: 'service', accountId: role.account_id, arn: service, service }, userId: service, accessKeyId: '', identityPolicies: [], organizations: guardrailLookup(ctx.iam) };
    const context: RequestContext = new Map([
      ['aws:currenttime', [isoSeconds(now)]],
      ['aws:epochtime', [String(Math.floor(now.getTime() / 1000))]],
      ['aws:sourceip', [sourceIp]],
      ['aws:principalservicename', [service]],
      ['sts:rolesessionname', [binding.sessionName]],
      ['aws:principalisawsservice', ['true']],
      // The service acts for a workload of the role's account: the confused-deputy keys (IAM User Guide, aws:SourceAccount, aws:SourceOrgID).
      ['aws:sourceaccount', [role.account_id]],
      // Not AWS keys: how these credentials were obtained, for the decision log.
      ['iamlocal:credentialsource', [binding.kind]],
      ['iamlocal:launchedby', [binding.launchedBy]],
    ]);
    const org = caller.organizations(role.account_id);
    if (org) {
      context.set('aws:sourceorgid', [org.orgId]);
      context.set('aws:sourceorgpaths', [org.orgPath]);
    }
    if (binding.sessionTags) {
      for (const [key, value] of Object.entries(binding.sessionTags)) context.set(`aws:requesttag/${key}`, [value]);
      context.set('aws:tagkeys', Object.keys(binding.sessionTags));
      context.set('sts:transitivetagkeys', Object.keys(binding.sessionTags));
    }
    const trust = { source: { id: `role/${role.role_name}/trust`, kind: 'trust' as const }, policy: compileStoredPolicy(role.trust_policy, 'trust') };
    for (const action of TRUST_ACTIONS[binding.kind]) {
      const decision = authorizeCaller(caller, { action, resource: binding.roleArn, resourceAccount: role.account_id, context, resourcePolicy: trust, resourcePolicyRequired: true },
        record ? decisionSink(ctx, now, role.account_id) : undefined);
      // Under audit or off, a binding that would be refused is made (the sessions' own decisions are recorded, and let through).
      if (!decision.allowed && (record || enforcementFor(ctx, role.account_id) === 'on')) {
        throw new BindingError('AccessDenied', `Role ${role.role_name} cannot be used as ${WORKLOAD[binding.kind]}: its trust policy does not allow the service principal ${service} to perform ${action}. On AWS this role could not be given to that workload either. Add to its trust policy: ${trustStatementFor(binding.kind)}`, 403);
      }
    }
  }
}

/** The first service the role trusts: ECS, then EKS Pod Identity, then EC2; ECS when it trusts none (refused then). */
function autoKind(role: RoleRow): BindingKind {
  const policy = compileStoredPolicy(role.trust_policy, 'trust');
  for (const kind of BINDING_KINDS) {
    if (policy.statements.some((st) => st.effect === 'Allow' && st.principals?.services.has(SERVICE_PRINCIPAL[kind]))) return kind;
  }
  return 'ecs';
}

const stores = new WeakMap<ServerContext, CredentialBindings>();

/** One set of bindings per server; they live in memory, as long as the server (or until deleted). */
export function credentialBindings(ctx: ServerContext): CredentialBindings {
  let store = stores.get(ctx);
  if (!store) {
    store = new CredentialBindings(ctx);
    stores.set(ctx, store);
  }
  return store;
}

/** Stops what bindings started (instance metadata listeners) when the server closes. */
export function closeCredentialBindings(ctx: ServerContext): void {
  stores.get(ctx)?.closeAll();
}
