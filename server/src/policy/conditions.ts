import { arnMatch, compileGlob, globMatch } from './wildcard.ts';
import { parseTemplate, resolveTemplate, unescapeLiterals, type TemplateString } from './variables.ts';
import type { RequestContext } from './types.ts';

/** The condition operators IAM documents, without the IfExists suffix and set prefixes. */
const BASE_OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);

// Negated operators are true when no context value matches any policy value (and when the key is absent).
const NEGATED = new Set([
  'StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress',
  'ArnNotEquals', 'ArnNotLike',
]);

type SetOperator = 'ForAllValues' | 'ForAnyValue' | undefined;

export interface CompiledCondition {
  /** As written in the policy, e.g. `ForAnyValue:StringLikeIfExists`. */
  operatorText: string;
  /** Lower-cased context key. */
  key: string;
  keyText: string;
  evaluate(context: RequestContext): boolean;
  /** The evaluation (EvalMemo serial) that last evaluated this interned condition, and its result then. */
  serial: number;
  result: boolean;
}

export class ConditionSyntaxError extends Error {}

export function parseOperator(text: string): { base: string; ifExists: boolean; set: SetOperator } | null {
  let rest = text;
  let set: SetOperator;
  if (rest.startsWith('ForAllValues:')) {
    set = 'ForAllValues';
    rest = rest.slice('ForAllValues:'.length);
  } else if (rest.startsWith('ForAnyValue:')) {
    set = 'ForAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists') && rest !== 'IfExists') {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (!BASE_OPERATORS.has(rest)) return null;
  if (rest === 'Null' && (ifExists || set)) return null;
  return { base: rest, ifExists, set };
}

/** Compares one context value with one (already variable-resolved) policy value. */
type ValueMatcher = (contextValue: string, policyValue: string) => boolean;

function matcherFor(base: string): ValueMatcher {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return (c, p) => c === unescapeLiterals(p);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return (c, p) => c.toLowerCase() === unescapeLiterals(p).toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return (c, p) => globMatch(p, c);
    case 'NumericEquals':
    case 'NumericNotEquals':
      return numeric((a, b) => a === b);
    case 'NumericLessThan':
      return numeric((a, b) => a < b);
    case 'NumericLessThanEquals':
      return numeric((a, b) => a <= b);
    case 'NumericGreaterThan':
      return numeric((a, b) => a > b);
    case 'NumericGreaterThanEquals':
      return numeric((a, b) => a >= b);
    case 'DateEquals':
    case 'DateNotEquals':
      return date((a, b) => a === b);
    case 'DateLessThan':
      return date((a, b) => a < b);
    case 'DateLessThanEquals':
      return date((a, b) => a <= b);
    case 'DateGreaterThan':
      return date((a, b) => a > b);
    case 'DateGreaterThanEquals':
      return date((a, b) => a >= b);
    case 'Bool':
      return (c, p) => c.toLowerCase() === p.toLowerCase();
    case 'BinaryEquals':
      return (c, p) => c === p;
    case 'IpAddress':
    case 'NotIpAddress':
      return (c, p) => ipInCidr(c, p);
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'ArnLike':
    case 'ArnNotLike':
      return (c, p) => arnMatch(p, c);
    default:
      throw new ConditionSyntaxError(`unsupported operator ${base}`);
  }
}

function numeric(cmp: (a: number, b: number) => boolean): ValueMatcher {
  return (c, p) => {
    const a = parseNumber(c);
    const b = parseNumber(p);
    return a !== null && b !== null && cmp(a, b);
  };
}

function parseNumber(text: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) return null;
  return Number(text);
}

function date(cmp: (a: number, b: number) => boolean): ValueMatcher {
  return (c, p) => {
    const a = parseDate(c);
    const b = parseDate(p);
    return a !== null && b !== null && cmp(a, b);
  };
}

/** ISO 8601 (date, or date and time with an optional zone) or epoch seconds. */
export function parseDate(text: string): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/.test(t)) return null;
  const withZone = /[Tt ]/.test(t) && !/([Zz]|[+-]\d{2}:?\d{2})$/.test(t) ? `${t}Z` : t;
  const ms = Date.parse(withZone.length === 10 ? `${withZone}T00:00:00Z` : withZone);
  return Number.isNaN(ms) ? null : ms;
}

/** IPv4 or IPv6 address inside a CIDR block (a bare address is a /32 or /128). */
export function ipInCidr(address: string, cidr: string): boolean {
  const slash = cidr.indexOf('/');
  const net = cachedIp(slash < 0 ? cidr : cidr.slice(0, slash));
  const ip = cachedIp(address);
  if (!net || !ip || net.bits !== ip.bits) return false;
  const prefix = slash < 0 ? net.bits : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > net.bits) return false;
  const shift = BigInt(net.bits - prefix);
  return ip.value >> shift === net.value >> shift;
}

type ParsedIp = { value: bigint; bits: 32 | 128 } | null;
const parsedIps = new Map<string, ParsedIp>();

/** parseIp with a small cache: the same source addresses and policy CIDRs come back on every request. */
function cachedIp(text: string): ParsedIp {
  let parsed = parsedIps.get(text);
  if (parsed === undefined) {
    parsed = parseIp(text);
    if (parsedIps.size >= 4096) parsedIps.clear();
    parsedIps.set(text, parsed);
  }
  return parsed;
}

export function parseIp(text: string): { value: bigint; bits: 32 | 128 } | null {
  const t = text.trim();
  if (t.startsWith('::ffff:') && t.includes('.')) return parseIp(t.slice(7));
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) {
    let value = 0n;
    for (const octet of t.split('.')) {
      const n = Number(octet);
      if (n > 255) return null;
      value = (value << 8n) | BigInt(n);
    }
    return { value, bits: 32 };
  }
  if (!/^[0-9a-fA-F:]+$/.test(t) || !t.includes(':')) return null;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) {
    if (g.length === 0 || g.length > 4) return null;
    value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  }
  return { value, bits: 128 };
}

/** Validates one operator block's values at write time (AWS rejects malformed dates, numbers, IPs). */
function validateValue(base: string, value: string): boolean {
  if (value.includes('${')) return true;
  if (base.startsWith('Numeric')) return parseNumber(value) !== null;
  // Dates are checked by the legacy parser's looser grammar (validate.ts): it accepts values such as "01T" that no
  // request time can be compared with, and such a value simply never matches.
  if (base.startsWith('Date')) return true;
  if (base === 'IpAddress' || base === 'NotIpAddress') {
    const slash = value.indexOf('/');
    return parseIp(slash < 0 ? value : value.slice(0, slash)) !== null;
  }
  if (base === 'Null' || base === 'Bool') return /^(true|false)$/i.test(value);
  return true;
}

function anyMatches(match: ValueMatcher, contextValue: string, policyValues: string[]): boolean {
  for (const p of policyValues) if (match(contextValue, p)) return true;
  return false;
}

const interned = new Map<string, CompiledCondition>();

/** Identical conditions (operator, key, values) compile to one shared object, so an evaluation tests each once. */
export function compileCondition(operatorText: string, keyText: string, rawValues: unknown, variablesEnabled: boolean): CompiledCondition {
  const id = `${variablesEnabled ? 'v' : 'l'}${operatorText}\n${keyText}\n${JSON.stringify(rawValues)}`;
  let condition = interned.get(id);
  if (!condition) {
    condition = compileConditionUncached(operatorText, keyText, rawValues, variablesEnabled);
    if (interned.size >= 20_000) interned.clear();
    interned.set(id, condition);
  }
  return condition;
}

function compileConditionUncached(operatorText: string, keyText: string, rawValues: unknown, variablesEnabled: boolean): CompiledCondition {
  const op = parseOperator(operatorText);
  if (!op) throw new ConditionSyntaxError(`Invalid Condition type : ${operatorText}`);
  const list = Array.isArray(rawValues) ? rawValues : [rawValues];
  // An empty list is accepted by IAM; no value then matches (so only the negated operators hold).
  const values: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') values.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') values.push(String(v));
    else throw new ConditionSyntaxError('Syntax errors in policy.');
  }
  for (const v of values) {
    if (!validateValue(op.base, v)) throw new ConditionSyntaxError('Syntax errors in policy.');
  }
  const key = keyText.toLowerCase();
  if (op.base === 'Null') {
    const wantsAbsent = values.map((v) => v.toLowerCase() === 'true');
    return {
      operatorText, key, keyText, serial: 0, result: false,
      evaluate: (ctx) => {
        const v = ctx.get(key);
        const absent = v === undefined || v.length === 0;
        return wantsAbsent.some((w) => w === absent);
      },
    };
  }
  const templates: TemplateString[] = values.map((v) => parseTemplate(v, variablesEnabled && op.base.startsWith('String') || variablesEnabled && op.base.startsWith('Arn')));
  const negated = NEGATED.has(op.base);
  const { ifExists, set } = op;
  // Values without policy variables are compiled once, here; only templated values are resolved per evaluation.
  const fixed = templates.every((t) => !t.parts);
  const anyOf = fixed ? compileValues(op.base, values) : undefined;
  const match = matcherFor(op.base);
  const resolveAll = (ctx: RequestContext): string[] => {
    const resolved: string[] = [];
    for (const t of templates) {
      const r = resolveTemplate(t, ctx);
      if (r !== null) resolved.push(r);
    }
    return resolved;
  };
  return {
    operatorText, key, keyText, serial: 0, result: false,
    evaluate: (ctx) => {
      const contextValues = ctx.get(key);
      if (contextValues === undefined || contextValues.length === 0) {
        if (set === 'ForAllValues') return true;
        if (set === 'ForAnyValue') return false;
        return ifExists || negated;
      }
      // Plain loops: this runs for every statement of every request, so it allocates no closures.
      if (anyOf) {
        if (set === 'ForAllValues') {
          for (const c of contextValues) if (anyOf(c) === negated) return false;
          return true;
        }
        if (set === 'ForAnyValue') {
          for (const c of contextValues) if (anyOf(c) !== negated) return true;
          return false;
        }
        for (const c of contextValues) if (anyOf(c)) return !negated;
        return negated;
      }
      const resolved = resolveAll(ctx);
      if (set === 'ForAllValues') {
        for (const c of contextValues) if (anyMatches(match, c, resolved) === negated) return false;
        return true;
      }
      if (set === 'ForAnyValue') {
        for (const c of contextValues) if (anyMatches(match, c, resolved) !== negated) return true;
        return false;
      }
      for (const c of contextValues) if (anyMatches(match, c, resolved)) return !negated;
      return negated;
    },
  };
}

/** Whether a context value matches any of a condition's (variable-free) policy values, with the values prepared once. */
type AnyOf = (contextValue: string) => boolean;

function compileValues(base: string, values: string[]): AnyOf {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals': {
      const wanted = values.map(unescapeLiterals);
      if (wanted.length === 1) {
        const only = wanted[0]!;
        return (c) => c === only;
      }
      return (c) => wanted.includes(c);
    }
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase': {
      const wanted = values.map((v) => unescapeLiterals(v).toLowerCase());
      return (c) => wanted.includes(c.toLowerCase());
    }
    case 'StringLike':
    case 'StringNotLike': {
      const globs = values.map(compileGlob);
      return (c) => {
        for (const g of globs) if (g(c)) return true;
        return false;
      };
    }
    case 'Bool': {
      const wanted = values.map((v) => v.toLowerCase());
      return (c) => wanted.includes(c) || wanted.includes(c.toLowerCase());
    }
    case 'IpAddress':
    case 'NotIpAddress': {
      const blocks = values.map(parseCidr);
      return (c) => {
        const ip = lastIp(c);
        if (!ip) return false;
        for (const b of blocks) if (b && cidrContains(b, ip)) return true;
        return false;
      };
    }
    default: {
      const match = matcherFor(base);
      return (c) => anyMatches(match, c, values);
    }
  }
}

interface Cidr { bits: 32 | 128; prefix: number; v4: number; value: bigint }

function parseCidr(cidr: string): Cidr | null {
  const slash = cidr.indexOf('/');
  const net = parseIp(slash < 0 ? cidr : cidr.slice(0, slash));
  if (!net) return null;
  const prefix = slash < 0 ? net.bits : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > net.bits) return null;
  return { bits: net.bits, prefix, v4: net.bits === 32 ? Number(net.value) : 0, value: net.value };
}

function cidrContains(block: Cidr, ip: { value: bigint; bits: 32 | 128; v4: number }): boolean {
  if (block.bits !== ip.bits) return false;
  if (block.bits === 32) {
    if (block.prefix === 0) return true;
    const shift = 32 - block.prefix;
    return ip.v4 >>> shift === block.v4 >>> shift;
  }
  const shift = BigInt(128 - block.prefix);
  return ip.value >> shift === block.value >> shift;
}

// Requests come from the same few addresses: remember the last one parsed.
let lastIpText = '';
let lastIpParsed: { value: bigint; bits: 32 | 128; v4: number } | null = null;

function lastIp(text: string): { value: bigint; bits: 32 | 128; v4: number } | null {
  if (text === lastIpText) return lastIpParsed;
  const parsed = cachedIp(text);
  lastIpText = text;
  lastIpParsed = parsed ? { ...parsed, v4: parsed.bits === 32 ? Number(parsed.value) : 0 } : null;
  return lastIpParsed;
}
