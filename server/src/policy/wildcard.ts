/**
 * Glob matching for IAM's `*` (any run, including empty) and `?` (exactly one character).
 * Greedy two-pointer matching with one backtrack point: O(n·m) worst case, never exponential,
 * so patterns like `*?*?*?…` cannot stall the server.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < value.length) {
    const pc = p < pattern.length ? pattern.charCodeAt(p) : -1;
    if (pc === 42 /* * */) {
      starP = p++;
      starV = v;
    } else if (pc >= 0 && (pc === 63 /* ? */ || pc === value.charCodeAt(v) || literalMatches(pc, value.charCodeAt(v)))) {
      p++;
      v++;
    } else if (starP >= 0) {
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

// `${*}` and `${?}` in a policy resolve to private-use placeholders that match the literal character.
function literalMatches(patternCode: number, valueCode: number): boolean {
  return (patternCode === 0xe000 && valueCode === 42) || (patternCode === 0xe001 && valueCode === 63);
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/** A pattern compiled once: exact strings compare directly, `*` matches all, the rest glob. */
export type CompiledGlob = (value: string) => boolean;

export function compileGlob(pattern: string): CompiledGlob {
  if (pattern === '*') return () => true;
  // Literal-wildcard placeholders (from ${*} and ${?}) compare as the characters they stand for.
  const literal = (text: string): string => text.replaceAll('\uE000', '*').replaceAll('\uE001', '?');
  if (!hasWildcard(pattern)) {
    const exact = literal(pattern);
    return (value) => value === exact;
  }
  const star = pattern.indexOf('*');
  // Common shape `prefix*` (e.g. arn:aws:s3:::bucket/*): a startsWith check.
  if (star === pattern.length - 1 && !pattern.includes('?')) {
    const prefix = literal(pattern.slice(0, -1));
    return (value) => value.startsWith(prefix);
  }
  return (value) => globMatch(pattern, value);
}

/**
 * ARN matching as IAM does it: the first five colon-separated segments are matched one by one
 * (a wildcard never spans a colon there); the resource part, colons included, is globbed whole.
 */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const pp = splitArn(pattern);
  const ap = splitArn(arn);
  if (!pp || !ap) return globMatch(pattern, arn);
  for (let i = 0; i < 6; i++) {
    if (!globMatch(pp[i], ap[i])) return false;
  }
  return true;
}

type ArnParts = [string, string, string, string, string, string];
// One request's resource is split against every statement: remember the last few splits.
const recentSplits = new Map<string, ArnParts | null>();

export function splitArn(arn: string): ArnParts | null {
  let parts = recentSplits.get(arn);
  if (parts === undefined) {
    parts = splitArnUncached(arn);
    if (recentSplits.size >= 64) recentSplits.clear();
    recentSplits.set(arn, parts);
  }
  return parts;
}

function splitArnUncached(arn: string): ArnParts | null {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const idx = arn.indexOf(':', start);
    if (idx < 0) return null;
    parts.push(arn.slice(start, idx));
    start = idx + 1;
  }
  parts.push(arn.slice(start));
  return parts as ArnParts;
}
