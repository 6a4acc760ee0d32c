// Helpers both model-driven input decoders (query and awsJson) need to check members against botocore's constraints.

const patternCache = new Map<string, RegExp | null>();

/** botocore patterns are Java regexes; this converts the bits JavaScript spells differently (null: not compilable). */
export function compilePattern(pattern: string): RegExp | null {
  let compiled = patternCache.get(pattern);
  if (compiled !== undefined) return compiled;
  const source = pattern.replace(/\\u([0-9A-Fa-f]{5,6})/g, (_m, hex: string) => `\\u{${hex}}`);
  try {
    compiled = new RegExp(`^(?:${source})$`, 'u');
  } catch {
    compiled = null;
  }
  patternCache.set(pattern, compiled);
  return compiled;
}

/** A member name as AWS's validation messages spell it (`RoleName` → `roleName`). */
export const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
