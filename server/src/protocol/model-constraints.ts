// What both model-driven input decoders (query and awsJson) need to check members against botocore's constraints.

/** Input constraints of one member, as extracted from botocore's service model by scripts/gen-models.py. */
export interface ShapeSpec {
  type: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, ShapeSpec>;
  required?: string[];
  member?: ShapeSpec;
  key?: ShapeSpec;
  value?: ShapeSpec;
}

const patternCache = new Map<string, RegExp | null>();

/** botocore patterns are Java regexes; this converts the bits JavaScript spells differently (null: not compilable). */
function compilePattern(pattern: string): RegExp | null {
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

/** AWS's validation messages for a string member outside its model's enum or pattern (none when it fits). */
export function stringConstraintProblems(raw: string, path: string, spec: ShapeSpec): string[] {
  const problems: string[] = [];
  if (spec.enum && !spec.enum.includes(raw)) {
    problems.push(`Value '${raw}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${spec.enum.join(', ')}]`);
  }
  if (spec.pattern) {
    const re = compilePattern(spec.pattern);
    if (re && !re.test(raw)) problems.push(`Value '${raw}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${spec.pattern}`);
  }
  return problems;
}
