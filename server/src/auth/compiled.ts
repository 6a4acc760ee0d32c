import { parsePolicy, type CompiledPolicy, type PolicyKind } from '../policy/index.ts';

const compiled = new Map<string, CompiledPolicy>();
export const ALLOWS_NOTHING: CompiledPolicy = { version: '2012-10-17', statements: [], conditionKeys: new Set() };
const COMPILED_CACHE_LIMIT = 2000;

/** Stored documents were validated on write; compiling them again per request would dominate request cost. */
export function compileStoredPolicy(document: string, kind: PolicyKind): CompiledPolicy {
  const key = `${kind}\n${document}`;
  let policy = compiled.get(key);
  if (!policy) {
    policy = parsePolicy(document, kind);
    if (compiled.size >= COMPILED_CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, policy);
  }
  return policy;
}

