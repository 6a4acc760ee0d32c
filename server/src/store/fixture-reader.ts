// Reads a fixture document's nodes, failing with the file and path of the first problem.
import { PolicyDocumentError, validatePolicyDocument, type PolicyKind } from '../policy/index.ts';

/** A fixture problem, named by file and path (e.g. `roles[1].trustPolicy`). */
export class FixtureError extends Error {}

export type Node = Record<string, unknown>;

/**
 * A list of a large fixture document, read an item at a time from its file (fixture-stream.ts) rather than held
 * parsed: Reader.each walks it; Reader.list reads it whole (for lists that are never large).
 */
export class LazyList {
  constructor(readonly items: () => Iterable<unknown>) {}

  /** Never stringified as a whole (digestOf walks it): that would read nothing and hash the wrong text. */
  toJSON(): never {
    throw new Error('a streamed fixture list is not stringified whole');
  }
}

// Validation of a fixture's policy document is a pure function of its kind and text (fixtures name no principals to
// look up), and reset() loads the same documents again and again (a world of 1,000 entities: 1,000 validations were
// ~40% of a reset): the outcome (the error message, or null) is kept by kind and exact text, up to a budget of text.
// By kind, then text: the text itself is the key (a string shared by every reset hashes once; a concatenated key would
// be built and hashed again on every lookup).
const validated = new Map<PolicyKind, Map<string, string | null>>();
const VALIDATED_CHARS = 4 * 1024 * 1024;
let validatedChars = 0;

// A fixture file's document is deeply frozen and shared by every reset (see loadFixtures): a policy given as a mapping
// there is written out once. Only for nodes frozen by shareDocument: a text kept for an object that can change could go
// stale.
const shared = new WeakSet<object>();
const texts = new WeakMap<object, string>();

/** Freezes a parsed document and everything in it, to be applied again and again (reset()) without a copy. */
export function shareDocument(value: unknown): void {
  if (typeof value !== 'object' || value === null || shared.has(value)) return;
  Object.freeze(value);
  shared.add(value);
  for (const child of Object.values(value)) shareDocument(child);
}

function policyText(value: unknown): string {
  if (typeof value !== 'object' || value === null || !shared.has(value)) return JSON.stringify(value, null, 4);
  let text = texts.get(value);
  if (text === undefined) texts.set(value, text = JSON.stringify(value, null, 4));
  return text;
}

function policyProblem(text: string, kind: PolicyKind): string | null {
  let ofKind = validated.get(kind);
  const known = ofKind?.get(text);
  if (known !== undefined) return known;
  let problem: string | null = null;
  try {
    validatePolicyDocument(text, kind);
  } catch (error) {
    if (!(error instanceof PolicyDocumentError)) throw error;
    problem = error.message;
  }
  if (validatedChars + text.length > VALIDATED_CHARS) {
    validated.clear();
    validatedChars = 0;
    ofKind = undefined;
  }
  if (!ofKind) validated.set(kind, ofKind = new Map());
  ofKind.set(text, problem);
  validatedChars += text.length;
  return problem;
}

export class Reader {
  constructor(private readonly file: string) {}

  fail(path: string, message: string): never {
    throw new FixtureError(`${this.file}: ${path}: ${message}`);
  }

  object(value: unknown, path: string, allowed: readonly string[]): Node {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof LazyList) this.fail(path, 'expected a mapping');
    for (const k of Object.keys(value)) if (!allowed.includes(k)) this.fail(`${path}.${k}`, `unknown field (allowed: ${allowed.join(', ')})`);
    return value as Node;
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (value instanceof LazyList) return [...value.items()];
    if (!Array.isArray(value)) this.fail(path, 'expected a list');
    return value;
  }

  /** Each item of a list (a streamed one read an item at a time), with its index. */
  each(value: unknown, path: string, fn: (item: unknown, index: number) => void): void {
    if (value instanceof LazyList) {
      let i = 0;
      for (const item of value.items()) fn(item, i++);
    } else this.list(value, path).forEach(fn);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'expected a non-empty string');
    return value;
  }

  optString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path);
  }

  date(value: unknown, path: string): Date | undefined {
    if (value === undefined) return undefined;
    const d = value instanceof Date ? value : new Date(this.string(value, path));
    if (Number.isNaN(d.getTime())) this.fail(path, 'expected an ISO 8601 date');
    return d;
  }

  integer(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(path, 'expected an integer');
    return value;
  }

  /** A policy document given as a mapping or a JSON string; validated with IAM's own rules. */
  policy(value: unknown, path: string, kind: PolicyKind): string {
    const text = typeof value === 'string' ? value : policyText(value);
    if (value === undefined || value === null) this.fail(path, 'missing policy document');
    const problem = policyProblem(text, kind);
    if (problem !== null) this.fail(path, `MalformedPolicyDocument: ${problem}`);
    return text;
  }

  policyMap(value: unknown, path: string): [string, string][] {
    if (value === undefined) return [];
    const node = this.object(value, path, Object.keys(value as Node));
    return Object.entries(node).map(([name, doc]) => [name, this.policy(doc, `${path}.${name}`, 'identity')]);
  }
}
