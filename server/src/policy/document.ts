import { compileCondition, ConditionSyntaxError, type CompiledCondition } from './conditions.ts';
import { compileGlob, hasWildcard, splitArn, type CompiledGlob } from './wildcard.ts';
import { parseTemplate, resolveTemplate, type TemplateString } from './variables.ts';
import type { PolicyKind, RequestContext } from './types.ts';

/** A policy document rejected on write; `message` is AWS's text for it. */
export class PolicyDocumentError extends Error {}

export type PolicyVersion = '2012-10-17' | '2008-10-17';

/** Principals as a resource or trust policy names them, normalised. */
export interface PrincipalSet {
  any: boolean;
  /** Lower-cased account ids granted as a whole (from `123456789012` or `arn:aws:iam::123456789012:root`). */
  accounts: Set<string>;
  /** Exact ARNs: users, roles, assumed-role sessions. */
  arns: Set<string>;
  services: Set<string>;
  federated: Set<string>;
  canonicalUsers: Set<string>;
}

export interface ResourcePattern {
  template: TemplateString;
  /** Precompiled when the pattern has no variables. */
  compiled?: ArnMatcher;
  /** The evaluation that last tested this (interned) pattern, and its answer then. */
  serial: number;
  hit: boolean;
}

type ArnMatcher = (arn: string) => boolean;

export interface CompiledStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  notAction: boolean;
  actions: CompiledGlob[];
  /** Absent for trust policies, which name no resource. */
  notResource: boolean;
  resources?: ResourcePattern[];
  notPrincipal: boolean;
  principals?: PrincipalSet;
  conditions: CompiledCondition[];
}

export interface CompiledPolicy {
  version: PolicyVersion;
  statements: CompiledStatement[];
  /** Lower-cased condition keys the policy uses (for GetContextKeysFor*Policy and the decision log). */
  conditionKeys: Set<string>;
  /** Statements covering an action (lower-cased), filled in lazily by the evaluator. */
  byAction?: Map<string, CompiledStatement[]>;
}

/**
 * One evaluation's identity. Resource patterns and conditions are interned across policies (identical text compiles
 * to one shared object), and each remembers its result for the evaluation that computed it: a pattern or condition
 * repeated in many statements is tested once per request, and policy variables are resolved once per request.
 */
export interface EvalMemo {
  serial: number;
}

let serials = 0;
export function newEvalMemo(): EvalMemo {
  return { serial: ++serials };
}

export interface ParseOptions {
  /** Called for every ARN principal; returning false rejects the policy with "Invalid principal in policy". */
  principalExists?: (arn: string) => boolean;
}

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const SYNTAX = 'Syntax errors in policy.';

function fail(message: string): never {
  throw new PolicyDocumentError(message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or a non-empty array of strings, as IAM allows for Action/Resource and principal values. */
function stringList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  return fail(SYNTAX);
}

/** Resource lists: IAM accepts (and ignores) null members, and validation has already refused an empty list. */
function resourceList(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || x === null)) return v.filter((x): x is string => x !== null);
  return fail(SYNTAX);
}

/**
 * Parses, validates and compiles a policy document. Throws PolicyDocumentError with AWS's message for the first
 * problem found, in the order IAM checks them.
 */
export function parsePolicy(text: string, kind: PolicyKind, options: ParseOptions = {}): CompiledPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail(SYNTAX);
  }
  if (!isObject(doc)) return fail(SYNTAX);
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.has(k)) fail(SYNTAX);
  let version: PolicyVersion = '2008-10-17';
  if (doc.Version !== undefined) {
    if (doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') fail(SYNTAX);
    version = doc.Version;
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') fail(SYNTAX);
  const rawStatements = Array.isArray(doc.Statement) ? doc.Statement : isObject(doc.Statement) ? [doc.Statement] : fail(SYNTAX);
  if (rawStatements.length === 0) fail(SYNTAX);
  for (const s of rawStatements) {
    if (!isObject(s)) fail(SYNTAX);
    for (const k of Object.keys(s)) if (!STATEMENT_FIELDS.has(k)) fail(SYNTAX);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail(SYNTAX);
    if (s.Action !== undefined && s.NotAction !== undefined) fail(SYNTAX);
    if (s.Resource !== undefined && s.NotResource !== undefined) fail(SYNTAX);
    if (s.Principal !== undefined && s.NotPrincipal !== undefined) fail(SYNTAX);
    if (s.Sid !== undefined && typeof s.Sid !== 'string') fail(SYNTAX);
    if (s.Condition !== undefined && (!isObject(s.Condition) || !Object.values(s.Condition).every(isObject))) fail(SYNTAX);
    for (const field of ['Action', 'NotAction'] as const) if (s[field] !== undefined) stringList(s[field]);
    for (const field of ['Resource', 'NotResource'] as const) if (s[field] !== undefined) resourceList(s[field]);
  }
  const statements = rawStatements as Array<Record<string, unknown>>;
  const sids = new Set<string>();
  for (const s of statements) {
    if (typeof s.Sid === 'string' && s.Sid !== '') {
      if (sids.has(s.Sid)) fail('Statement IDs (SID) in a single policy must be unique.');
      sids.add(s.Sid);
    }
  }
  for (const s of statements) {
    if (s.Action === undefined && s.NotAction === undefined) fail('Policy statement must contain actions.');
  }
  for (const s of statements) {
    for (const a of stringList(s.Action ?? s.NotAction)) validateAction(a);
  }
  // What each kind of policy requires or prohibits, and resource ARN shapes, are write-time checks (validate.ts);
  // compiling only needs what evaluation relies on.
  if (kind !== 'trust' && kind !== 'resource' && kind !== 'rcp') {
    for (const s of statements) if (s.Principal !== undefined || s.NotPrincipal !== undefined) fail('Policy document should not specify a principal.');
  }

  const conditionKeys = new Set<string>();
  const variables = version === '2012-10-17';
  const compiled = statements.map((s, index): CompiledStatement => {
    const conditions: CompiledCondition[] = [];
    if (isObject(s.Condition)) {
      for (const [operator, block] of Object.entries(s.Condition)) {
        for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
          try {
            conditions.push(compileCondition(operator, key, values, variables));
          } catch (e) {
            if (e instanceof ConditionSyntaxError) fail(e.message);
            throw e;
          }
          conditionKeys.add(key.toLowerCase());
        }
      }
    }
    const principalSpec = s.Principal ?? s.NotPrincipal;
    const resources = s.Resource ?? s.NotResource;
    return {
      index,
      sid: typeof s.Sid === 'string' ? s.Sid : undefined,
      effect: s.Effect as 'Allow' | 'Deny',
      notAction: s.NotAction !== undefined,
      actions: stringList(s.Action ?? s.NotAction).map((a) => compileGlob(a.toLowerCase())),
      notResource: s.NotResource !== undefined,
      resources: resources === undefined ? undefined : resourceList(resources).map((r) => compileResource(r, variables)),
      notPrincipal: s.NotPrincipal !== undefined,
      principals: principalSpec === undefined ? undefined : parsePrincipal(principalSpec, options),
      conditions,
    };
  });
  return { version, statements: compiled, conditionKeys };
}

function validateAction(action: string): void {
  if (action === '*') return;
  const parts = action.split(':');
  if (parts.length === 1) fail('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) fail('Actions/Condition can contain only one colon.');
  if (/[^a-zA-Z0-9\-.*?]/.test(parts[0])) fail(`Vendor ${parts[0]} is not valid`);
}

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:aws:(iam::\d{12}:(root|user\/.+|role\/.+|federated-user\/.+)|sts::\d{12}:(assumed-role\/[^/]+\/.+|federated-user\/.+))$/;

function invalidPrincipal(type: string, value: string): never {
  return fail(`Invalid principal in policy: "${type}":"${value}"`);
}

function parsePrincipal(spec: unknown, options: ParseOptions): PrincipalSet {
  const set: PrincipalSet = {
    any: false, accounts: new Set(), arns: new Set(), services: new Set(), federated: new Set(), canonicalUsers: new Set(),
  };
  if (spec === '*') {
    set.any = true;
    return set;
  }
  if (!isObject(spec) || Object.keys(spec).length === 0) return fail(SYNTAX);
  for (const [type, raw] of Object.entries(spec)) {
    const values = stringList(raw);
    for (const value of values) {
      switch (type) {
        case 'AWS':
          if (value === '*') set.any = true;
          else if (ACCOUNT_ID.test(value)) set.accounts.add(value);
          // No wildcards inside a principal ARN: only "*" alone matches everyone (Principal element reference).
          else if (PRINCIPAL_ARN.test(value) && !/[*?]/.test(value)) {
            const root = /^arn:aws:iam::(\d{12}):root$/.exec(value);
            if (root) set.accounts.add(root[1]);
            else {
              if (options.principalExists && !options.principalExists(value)) invalidPrincipal(type, value);
              set.arns.add(value);
            }
          } else invalidPrincipal(type, value);
          break;
        case 'Service':
          // IAM names this principal type in capitals here (as quoted in aws/aws-cdk#18051: "SERVICE":"").
          if (!/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(value)) invalidPrincipal('SERVICE', value);
          set.services.add(value);
          break;
        case 'Federated':
          if (!/^(arn:aws:iam::\d{12}:(saml|oidc)-provider\/.+|[a-z0-9.-]+\.(com|net|amazonaws\.com|amazon\.com))$/.test(value)) invalidPrincipal(type, value);
          set.federated.add(value);
          break;
        case 'CanonicalUser':
          if (!/^[0-9a-f]{64}$/.test(value)) invalidPrincipal(type, value);
          set.canonicalUsers.add(value);
          break;
        default:
          fail(SYNTAX);
      }
    }
  }
  return set;
}

const internedPatterns = new Map<string, ResourcePattern>();

function compileResource(raw: string, variables: boolean): ResourcePattern {
  const key = `${variables ? 'v' : 'l'}${raw}`;
  let pattern = internedPatterns.get(key);
  if (!pattern) {
    const template = parseTemplate(raw, variables);
    pattern = template.parts ? { template, serial: 0, hit: false } : { template, compiled: compileArnPattern(raw), serial: 0, hit: false };
    if (internedPatterns.size >= 20_000) internedPatterns.clear();
    internedPatterns.set(key, pattern);
  }
  return pattern;
}

/** Compiles an ARN pattern segment by segment (see arnMatch), once. */
export function compileArnPattern(pattern: string): ArnMatcher {
  if (pattern === '*') return () => true;
  const parts = splitArn(pattern);
  if (!parts) {
    const whole = compileGlob(pattern);
    return (arn) => whole(arn);
  }
  // The usual shape: no wildcard in the first five segments. Those must then be equal, which is a prefix test on the
  // whole ARN (segments hold no ':'); the resource part is globbed on its own, and `prefix*`/exact become one test.
  if (!parts.slice(0, 5).some((p) => hasWildcard(p) || p.includes('\uE000') || p.includes('\uE001'))) {
    const head = `${parts.slice(0, 5).join(':')}:`;
    const tail = parts[5];
    if (!hasWildcard(tail) && !tail.includes('\uE000') && !tail.includes('\uE001')) {
      const whole = head + tail;
      return (arn) => arn === whole;
    }
    if (tail.indexOf('*') === tail.length - 1 && !tail.includes('?') && !tail.includes('\uE000') && !tail.includes('\uE001')) {
      const start = head + tail.slice(0, -1);
      return (arn) => arn.startsWith(start);
    }
    const rest = compileGlob(tail);
    return (arn) => arn.startsWith(head) && rest(arn.slice(head.length));
  }
  const segments = parts.map(compileGlob);
  return (arn) => {
    const value = splitArn(arn);
    if (!value) return false;
    for (let i = 0; i < 6; i++) if (!segments[i](value[i])) return false;
    return true;
  };
}

const resolvedPatterns = new Map<string, ArnMatcher>();

export function resourceMatches(pattern: ResourcePattern, resource: string, context: RequestContext, memo?: EvalMemo): boolean {
  if (memo && pattern.serial === memo.serial) return pattern.hit;
  const hit = testResource(pattern, resource, context);
  if (memo) {
    pattern.serial = memo.serial;
    pattern.hit = hit;
  }
  return hit;
}

function testResource(pattern: ResourcePattern, resource: string, context: RequestContext): boolean {
  if (pattern.compiled) return pattern.compiled(resource);
  const resolved = resolveTemplate(pattern.template, context);
  if (resolved === null) return false;
  // Variables resolve to the same few strings request after request: compile each once.
  let matcher = resolvedPatterns.get(resolved);
  if (!matcher) {
    matcher = compileArnPattern(resolved);
    if (resolvedPatterns.size >= 4096) resolvedPatterns.clear();
    resolvedPatterns.set(resolved, matcher);
  }
  return matcher(resource);
}
