import { authorizeCaller, baseContext, compileStoredPolicy, roleArn, userArn } from '../../auth/caller.ts';
import { malformedPolicy, noSuchEntity, validationError } from '../../errors.ts';
import { evaluate, organizationGuardrails, PolicyDocumentError, validatePolicyDocument, type BoundPolicy, type CallerPrincipal, type PolicyKind } from '../../policy/index.ts';
import type { QueryInput } from '../../protocol/query.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { IamStore, PrincipalKind } from '../../store/iam-store.ts';
import { decisionSink } from '../../context.ts';
import { accessDenied } from '../access-denied.ts';
import { num, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { page } from './pagination.ts';

interface SourcedPolicy { id: string; type: string; text: string; bound: BoundPolicy }

type Position = { Line: number; Column: number };

/** Start and end (1-based line/column, as the simulator reports) of each statement in a policy's JSON text. */
export function statementPositions(text: string): { start: Position; end: Position }[] {
  const out: { start: Position; end: Position }[] = [];
  let line = 1;
  let column = 0;
  let depth = 0;
  let inString = false;
  let lastKey = '';
  let stringStart = 0;
  let statementDepth = -1;
  let current: Position | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    column++;
    if (c === '\n') {
      line++;
      column = 0;
      continue;
    }
    if (inString) {
      if (c === '\\') {
        i++;
        column++;
      } else if (c === '"') {
        inString = false;
        lastKey = text.slice(stringStart, i);
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      stringStart = i + 1;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 2 && lastKey === 'Statement') statementDepth = c === '[' ? 3 : 2;
      if (depth === statementDepth && c === '{') current = { Line: line, Column: column };
    } else if (c === '}' || c === ']') {
      if (depth === statementDepth && c === '}' && current) {
        out.push({ start: current, end: { Line: line, Column: column + 1 } });
        current = undefined;
      }
      if (depth === 2 && statementDepth !== -1) statementDepth = -1;
      depth--;
    } else if (c === ',' || c === ':') {
      if (c === ',') lastKey = '';
    }
  }
  return out;
}

function compileInput(text: string, id: string, type: string, kind: PolicyKind): SourcedPolicy {
  try {
    // The simulator refuses what the writing operations refuse, with the same texts.
    validatePolicyDocument(text, kind);
  } catch (error) {
    if (error instanceof PolicyDocumentError) throw malformedPolicy(error.message);
    throw error;
  }
  return { id, type, text, bound: { source: { id, kind }, policy: compileStoredPolicy(text, kind) } };
}

function stringList(input: QueryInput, name: string): string[] {
  const v = input[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function principalPolicies(store: IamStore, accountId: string, kind: PrincipalKind, name: string): SourcedPolicy[] {
  const out: SourcedPolicy[] = [];
  for (const attached of store.attachedPolicies(accountId, kind, name)) {
    const policy = store.policy(attached.policy_arn);
    const version = policy && store.version(policy.arn, policy.default_version);
    if (version) out.push({ id: policy.policy_name, type: 'IAM Policy', text: version.document, bound: { source: { id: policy.arn, kind: 'identity', versionId: version.version_id }, policy: compileStoredPolicy(version.document, 'identity') } });
  }
  for (const inline of store.inlinePolicies(accountId, kind, name)) {
    out.push({ id: inline.policy_name, type: kind, text: inline.document, bound: { source: { id: `${kind}/${name}/${inline.policy_name}`, kind: 'identity' }, policy: compileStoredPolicy(inline.document, 'identity') } });
  }
  return out;
}

/** Condition keys a policy uses, spelled as written (deduplicated case-insensitively), plus keys of policy variables. */
export function contextKeysOf(texts: string[]): string[] {
  const seen = new Map<string, string>();
  const add = (key: string): void => {
    if (!seen.has(key.toLowerCase())) seen.set(key.toLowerCase(), key);
  };
  for (const text of texts) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      continue;
    }
    const statements = (doc as { Statement?: unknown }).Statement;
    for (const st of Array.isArray(statements) ? statements : [statements]) {
      const condition = (st as { Condition?: Record<string, Record<string, unknown>> } | undefined)?.Condition;
      for (const block of Object.values(condition ?? {})) for (const key of Object.keys(block ?? {})) add(key);
      for (const m of JSON.stringify(st ?? {}).matchAll(/\$\{([a-zA-Z0-9]+:[^},]+)/g)) add(m[1]!.trim());
    }
  }
  return [...seen.values()];
}

interface Simulation {
  principal: CallerPrincipal;
  identity: SourcedPolicy[];
  boundary?: SourcedPolicy;
  resourcePolicy?: SourcedPolicy;
  resourceOwner: string;
  /**
   * SimulatePrincipalPolicy: the SCPs of the simulated principal's account (a member account of an organization). AWS's
   * simulator evaluates SCPs, not RCPs (IAM User Guide, "Testing IAM policies with the IAM policy simulator").
   */
  serviceControlPolicies?: readonly (readonly BoundPolicy[])[];
}

function runSimulation(call: QueryCall, sim: Simulation): XmlObject {
  const actions = stringList(call.input, 'ActionNames');
  const resources = stringList(call.input, 'ResourceArns');
  const context = baseContext(call.caller, call.facts);
  // The simulator evaluates only what it is given, not the caller's own request.
  for (const key of [...context.keys()]) context.delete(key);
  const entries = call.input.ContextEntries;
  for (const entry of Array.isArray(entries) ? entries : []) {
    if (typeof entry !== 'object' || Array.isArray(entry)) continue;
    const name = typeof entry.ContextKeyName === 'string' ? entry.ContextKeyName : '';
    const values = Array.isArray(entry.ContextKeyValues) ? entry.ContextKeyValues.map(String) : [];
    if (name) context.set(name.toLowerCase(), values);
  }
  const all = [...sim.identity, ...(sim.boundary ? [sim.boundary] : []), ...(sim.resourcePolicy ? [sim.resourcePolicy] : [])];
  const bySourceId = new Map(all.map((p) => [p.bound.source.id, p]));
  const missing = contextKeysOf(all.map((p) => p.text)).filter((k) => !context.has(k.toLowerCase()));
  const results: XmlObject[] = [];
  for (const action of actions) {
    for (const resource of resources.length ? resources : ['*']) {
      const request = {
        principal: sim.principal, action, resource, resourceAccount: sim.resourceOwner, context,
        identityPolicies: sim.identity.map((p) => p.bound), permissionsBoundary: sim.boundary?.bound, resourcePolicy: sim.resourcePolicy?.bound,
        // A resource policy given for a KMS action is a key policy: it must allow (itself, or by delegating to IAM).
        resourcePolicyRequired: sim.resourcePolicy !== undefined && action.toLowerCase().startsWith('kms:'),
        serviceControlPolicies: sim.serviceControlPolicies,
      };
      const decision = evaluate(request);
      const evalDecision = decision.allowed ? 'allowed' : decision.reason?.startsWith('explicit') ? 'explicitDeny' : 'implicitDeny';
      // The SCPs' own verdict, whatever the account's policies say (an identity Deny does not make the SCPs allow).
      const scp = organizationGuardrails(request).scp.result;
      const byOrganizations = scp !== 'explicit-deny' && scp !== 'implicit-deny';
      const matched: XmlObject[] = decision.statements.map((s) => {
        const source = bySourceId.get(s.source.id);
        const position = source ? statementPositions(source.text)[s.index] : undefined;
        return {
          SourcePolicyId: source?.id ?? s.source.id, SourcePolicyType: source?.type ?? (s.source.kind === 'scp' ? 'Service Control Policy' : 'IAM Policy'),
          StartPosition: position?.start, EndPosition: position?.end,
        };
      });
      const boundaryAllows = sim.boundary ? evaluate({
        principal: sim.principal, action, resource, resourceAccount: sim.resourceOwner, context,
        identityPolicies: [sim.boundary.bound],
      }).allowed : undefined;
      const detail: XmlObject = {
        EvalResourceName: resource, EvalResourceDecision: evalDecision, MatchedStatements: matched, MissingContextValues: missing,
      };
      results.push({
        EvalActionName: action, EvalResourceName: resource, EvalDecision: evalDecision, MatchedStatements: matched,
        MissingContextValues: missing, OrganizationsDecisionDetail: { AllowedByOrganizations: byOrganizations },
        PermissionsBoundaryDecisionDetail: boundaryAllows === undefined ? undefined : { AllowedByPermissionsBoundary: boundaryAllows },
        ResourceSpecificResults: resources.length ? [detail] : undefined,
      });
    }
  }
  const max = num(call.input, 'MaxItems') ?? 100;
  const marker = str(call.input, 'Marker');
  const start = marker === undefined ? 0 : Number.parseInt(Buffer.from(marker, 'base64').toString('utf8'), 10);
  if (!Number.isInteger(start) || start < 0 || start > results.length) throw validationError('Invalid Marker.');
  const page = results.slice(start, start + max);
  const truncated = start + max < results.length;
  return { EvaluationResults: page, IsTruncated: truncated, Marker: truncated ? Buffer.from(String(start + max)).toString('base64') : undefined };
}

function requireActions(call: QueryCall): void {
  if (stringList(call.input, 'ActionNames').length === 0) throw validationError('1 validation error detected: Value null at \'actionNames\' failed to satisfy constraint: Member must not be null');
}

function optionalPolicies(call: QueryCall, member: string, kind: PolicyKind): SourcedPolicy[] {
  return stringList(call.input, member).map((text, i) => compileInput(text, `${member}.${i + 1}`, 'IAM Policy', kind));
}

function resourcePolicyOf(call: QueryCall): SourcedPolicy | undefined {
  const text = str(call.input, 'ResourcePolicy');
  return text === undefined ? undefined : compileInput(text, 'ResourcePolicy', 'Resource Policy', 'resource');
}

function simulationPrincipal(call: QueryCall, fallbackArn: string): CallerPrincipal {
  const arn = str(call.input, 'CallerArn') ?? fallbackArn;
  const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? call.caller.principal.accountId;
  const role = /^arn:aws:iam::(\d{12}):role\//.test(arn);
  return { kind: role ? 'assumed-role' : 'user', accountId: account, arn, roleArn: role ? arn : undefined };
}

function authorizeSimulator(call: QueryCall, resource: string): void {
  const action = `iam:${call.operation}`;
  const decision = authorizeCaller(call.caller, { action, resource, resourceAccount: call.caller.principal.accountId, context: baseContext(call.caller, call.facts) },
    decisionSink(call.ctx, call.facts.now, call.caller.principal.accountId));
  if (!decision.allowed) throw accessDenied('iam', call.caller, action, resource, decision);
}

/** A user or role named by ARN in the caller's account: its stored policies and boundary. */
function principalSource(call: QueryCall, sourceArn: string): { kind: PrincipalKind; name: string; identity: SourcedPolicy[]; boundary?: SourcedPolicy; arn: string } {
  const m = /^arn:aws:iam::(\d{12}):(user|role)(\/.*\/|\/)([\w+=,.@-]+)$/.exec(sourceArn);
  if (!m) throw validationError(`Invalid ARN: ${sourceArn}`);
  const [, account, kind, , name] = m as unknown as [string, string, PrincipalKind, string, string];
  const store = call.ctx.iam;
  const entity = kind === 'user' ? store.user(account, name) : store.role(account, name);
  if (!entity) throw noSuchEntity(`${kind === 'user' ? 'User' : 'Role'} ${sourceArn} does not exist`);
  const storedName = 'user_name' in entity ? entity.user_name : entity.role_name;
  let boundary: SourcedPolicy | undefined;
  if (entity.permissions_boundary) {
    const policy = store.policy(entity.permissions_boundary);
    const version = policy && store.version(policy.arn, policy.default_version);
    if (version) boundary = { id: policy.policy_name, type: 'Permissions Boundary Policy', text: version.document, bound: { source: { id: policy.arn, kind: 'boundary' }, policy: compileStoredPolicy(version.document, 'boundary') } };
  }
  const arn = kind === 'user' ? userArn(account, entity.path, storedName) : roleArn(account, entity.path, storedName);
  return { kind, name: storedName, identity: principalPolicies(store, account, kind, storedName), boundary, arn };
}

export const simulatePrincipalPolicy: QueryHandler = (call) => {
  const sourceArn = str(call.input, 'PolicySourceArn') ?? '';
  authorizeSimulator(call, sourceArn);
  requireActions(call);
  const source = principalSource(call, sourceArn);
  const boundaryInputs = optionalPolicies(call, 'PermissionsBoundaryPolicyInputList', 'boundary');
  return runSimulation(call, {
    principal: simulationPrincipal(call, source.arn),
    identity: [...source.identity, ...optionalPolicies(call, 'PolicyInputList', 'identity')],
    boundary: boundaryInputs[0] ?? source.boundary,
    resourcePolicy: resourcePolicyOf(call),
    resourceOwner: str(call.input, 'ResourceOwner')?.replace(/^arn:aws:iam::(\d{12}):root$/, '$1') ?? call.caller.principal.accountId,
    serviceControlPolicies: call.caller.organizations(simulationPrincipal(call, source.arn).accountId)?.serviceControlPolicies,
  });
};

export const simulateCustomPolicy: QueryHandler = (call) => {
  authorizeSimulator(call, '*');
  requireActions(call);
  const account = call.caller.principal.accountId;
  return runSimulation(call, {
    principal: simulationPrincipal(call, `arn:aws:iam::${account}:user/iamlocal-simulated-caller`),
    identity: optionalPolicies(call, 'PolicyInputList', 'identity'),
    boundary: optionalPolicies(call, 'PermissionsBoundaryPolicyInputList', 'boundary')[0],
    resourcePolicy: resourcePolicyOf(call),
    resourceOwner: str(call.input, 'ResourceOwner')?.replace(/^arn:aws:iam::(\d{12}):root$/, '$1') ?? account,
  });
};

export const getContextKeysForCustomPolicy: QueryHandler = (call) => {
  authorizeSimulator(call, '*');
  const texts = optionalPolicies(call, 'PolicyInputList', 'identity').map((p) => p.text);
  return { ContextKeyNames: contextKeysOf(texts) };
};

export const getContextKeysForPrincipalPolicy: QueryHandler = (call) => {
  const sourceArn = str(call.input, 'PolicySourceArn') ?? '';
  authorizeSimulator(call, sourceArn);
  const source = principalSource(call, sourceArn);
  const texts = [...source.identity, ...optionalPolicies(call, 'PolicyInputList', 'identity')].map((p) => p.text);
  return { ContextKeyNames: contextKeysOf(texts) };
};
