import { parsePolicy } from '../policy/index.ts';
import { compileGlob } from '../policy/wildcard.ts';
import type { DecisionEntry } from '../store/decision-log.ts';

export type Granularity = 'exact' | 'prefix' | 'bucket';

export interface PolicyStatement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string[]>>;
}

export interface Advice {
  principal: string;
  calls: number;
  policy: { Version: '2012-10-17'; Statement: PolicyStatement[] } | null;
  /** Set when there is nothing to advise on, instead of a policy that silently denies everything. */
  message?: string;
  /**
   * Calls an organization's guardrail denied (an SCP of the principal's account, an RCP of the resource's): no identity
   * permission can allow them, so the advised policy leaves them out and says so here.
   */
  blockedByOrganizations?: GuardrailBlock[];
}

export interface GuardrailBlock {
  action: string;
  resource: string;
  /** explicit-scp, no-scp, explicit-rcp or no-rcp. */
  reason: string;
  /** The SCPs/RCPs whose Deny statements decided (none for an implicit deny: no policy at some level allowed). */
  policies: string[];
  calls: number;
}

const GUARDRAIL_REASONS = new Set(['explicit-scp', 'no-scp', 'explicit-rcp', 'no-rcp']);
const isGuardrailDeny = (e: DecisionEntry): boolean => e.decision === 'deny' && e.reason !== null && GUARDRAIL_REASONS.has(e.reason);

/** The calls organization guardrails denied, grouped by action, resource and reason. */
function guardrailBlocks(entries: DecisionEntry[]): GuardrailBlock[] {
  const blocks = new Map<string, GuardrailBlock>();
  for (const e of entries.filter(isGuardrailDeny)) {
    const key = `${e.action}\n${e.resource}\n${e.reason}`;
    const block = blocks.get(key) ?? { action: e.action, resource: e.resource, reason: e.reason!, policies: [], calls: 0 };
    block.calls++;
    block.policies = sorted([...block.policies, ...e.statements.map((s) => s.policy)]);
    blocks.set(key, block);
  }
  return [...blocks.values()];
}

function guardrailMessage(blocks: GuardrailBlock[]): string {
  const scp = blocks.some((b) => b.reason.endsWith('scp'));
  const rcp = blocks.some((b) => b.reason.endsWith('rcp'));
  const kinds = [scp ? 'service control policies (SCPs)' : '', rcp ? 'resource control policies (RCPs)' : ''].filter(Boolean).join(' and ');
  const calls = blocks.reduce((n, b) => n + b.calls, 0);
  return `${calls} recorded call${calls === 1 ? ' was' : 's were'} denied by the organization's ${kinds}, not by this principal's policies: `
    + 'no identity permission can allow them, so the advised policy leaves them out; change the organization\'s policies (Organizations AttachPolicy/UpdatePolicy) instead';
}

/** Which recorded principals a principal ARN covers: a role covers all of its sessions. */
export function principalFilter(arn: string): { principal?: string; principalPrefix?: string } | undefined {
  const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
  if (role) return { principalPrefix: `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/` };
  if (/^arn:aws:(iam::\d{12}:(user\/.+|root)|sts::\d{12}:assumed-role\/[^/]+\/.+)$/.test(arn)) return { principal: arn };
  return undefined;
}

/** Generalises an object ARN as asked: exact, to its first key segment (`bucket/dir/*`), or to the bucket (`bucket/*`). */
function generalise(resource: string, granularity: Granularity): string {
  const m = /^arn:aws:s3:::([^/]+)\/(.*)$/.exec(resource);
  if (!m || granularity === 'exact') return resource;
  const [, bucket, key] = m as unknown as [string, string, string];
  if (granularity === 'bucket') return `arn:aws:s3:::${bucket}/*`;
  const slash = key.indexOf('/');
  return slash < 0 ? `arn:aws:s3:::${bucket}/*` : `arn:aws:s3:::${bucket}/${key.slice(0, slash + 1)}*`;
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/**
 * The least-privilege identity policy covering exactly the recorded calls that went ahead: actions grouped per
 * resource, resources generalised only as asked, and s3:prefix kept as a condition where every ListBucket used one.
 */
export function advise(principal: string, entries: DecisionEntry[], granularity: Granularity): Advice {
  // A call a guardrail denied (and audit mode let through) needs the organization's policies changed, not the principal's.
  const blocks = guardrailBlocks(entries);
  const blocked = blocks.length ? { blockedByOrganizations: blocks } : {};
  const used = entries.filter((e) => e.proceeded && e.resource !== '' && !isGuardrailDeny(e));
  if (used.length === 0) {
    return { principal, calls: 0, policy: null, message: blocks.length ? guardrailMessage(blocks) : 'no recorded calls for this principal', ...blocked };
  }
  // resource → actions, and per (action, resource) the s3:prefix values seen (null once a call had none).
  const byResource = new Map<string, Set<string>>();
  const prefixes = new Map<string, Set<string> | null>();
  for (const e of used) {
    const resource = generalise(e.resource, granularity);
    const set = byResource.get(resource) ?? new Set<string>();
    set.add(e.action);
    byResource.set(resource, set);
    if (e.action.toLowerCase() === 's3:listbucket') {
      const key = resource;
      const seen = prefixes.has(key) ? prefixes.get(key) : new Set<string>();
      const value = e.context['s3:prefix']?.[0];
      prefixes.set(key, seen === null || value === undefined || value === '' ? null : seen!.add(value));
    }
  }
  const statements: PolicyStatement[] = [];
  // Merge resources that need the same actions (and no condition) into one statement.
  const plain = new Map<string, string[]>();
  for (const resource of sorted(byResource.keys())) {
    const actions = sorted(byResource.get(resource)!);
    const listPrefixes = prefixes.get(resource);
    if (listPrefixes) {
      const others = actions.filter((a) => a.toLowerCase() !== 's3:listbucket');
      const values = sorted(listPrefixes);
      statements.push({
        Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [resource],
        Condition: granularity === 'exact' ? { StringEquals: { 's3:prefix': values } } : { StringLike: { 's3:prefix': sorted(values.map((v) => `${v}*`)) } },
      });
      if (others.length === 0) continue;
      const key = others.join(',');
      plain.set(key, [...(plain.get(key) ?? []), resource]);
      continue;
    }
    const key = actions.join(',');
    plain.set(key, [...(plain.get(key) ?? []), resource]);
  }
  for (const [actions, resources] of plain) statements.push({ Effect: 'Allow', Action: actions.split(','), Resource: sorted(resources) });
  statements.sort((a, b) => (a.Resource[0]! < b.Resource[0]! ? -1 : a.Resource[0]! > b.Resource[0]! ? 1 : a.Action.join() < b.Action.join() ? -1 : 1));
  const policy = { Version: '2012-10-17' as const, Statement: statements };
  // The advice must be a policy IAM itself would accept.
  parsePolicy(JSON.stringify(policy), 'identity');
  return { principal, calls: used.length, policy, ...(blocks.length ? { message: guardrailMessage(blocks), ...blocked } : {}) };
}

export function terraform(advice: Advice, name = 'advised'): string {
  if (!advice.policy) return `# ${advice.message ?? 'no advice'}\n`;
  const list = (values: string[]): string => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const lines = [...(advice.message ? [`# ${advice.message}`] : []), `data "aws_iam_policy_document" "${name}" {`];
  for (const st of advice.policy.Statement) {
    lines.push('  statement {', '    effect    = "Allow"', `    actions   = ${list(st.Action)}`, `    resources = ${list(st.Resource)}`);
    for (const [test, keys] of Object.entries(st.Condition ?? {})) {
      for (const [variable, values] of Object.entries(keys)) {
        lines.push('    condition {', `      test     = ${JSON.stringify(test)}`, `      variable = ${JSON.stringify(variable)}`, `      values   = ${list(values)}`, '    }');
      }
    }
    lines.push('  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export interface StatementUsage {
  policy: string;
  versionId?: string;
  index: number;
  sid?: string;
  effect: string;
  actions: string[];
  resources: string[];
  matchedCalls: number;
  /** For each action pattern in the statement, the recorded actions it granted. */
  usedActions: Record<string, string[]>;
  /** Action patterns no recorded call used. */
  unusedActions: string[];
  neverMatched: boolean;
}

/** Per statement of the principal's policies: what the recorded calls used, and what they never did. */
export function unusedAccess(policies: { id: string; versionId?: string; document: string }[], entries: DecisionEntry[]): StatementUsage[] {
  const out: StatementUsage[] = [];
  for (const p of policies) {
    const doc = JSON.parse(p.document) as { Statement: unknown };
    const raw = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]) as Record<string, unknown>[];
    raw.forEach((st, index) => {
      const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [String(v)]);
      const actions = asList(st.Action ?? st.NotAction);
      const matched = entries.filter((e) => e.statements.some((s) => s.policy === p.id && s.index === index));
      const usedActions: Record<string, string[]> = {};
      for (const pattern of actions) {
        const match = compileGlob(pattern.toLowerCase());
        usedActions[pattern] = sorted(matched.map((e) => e.action).filter((a) => match(a.toLowerCase())));
      }
      out.push({
        policy: p.id, versionId: p.versionId, index, sid: typeof st.Sid === 'string' ? st.Sid : undefined, effect: String(st.Effect),
        actions, resources: asList(st.Resource ?? st.NotResource), matchedCalls: matched.length, usedActions,
        unusedActions: actions.filter((a) => usedActions[a]!.length === 0), neverMatched: matched.length === 0,
      });
    });
  }
  return out;
}
