import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownFile, privateDir, userCacheDir } from '../cache-dir.ts';
import { dependencyFile, lazyDependency } from '../lazy-dependency.ts';

const yaml = lazyDependency<typeof import('yaml')>('yaml');

// Parsed YAML fixtures, kept on disk as JSON by the hash of the text and of the parser's file: a test suite starts a
// server per test file, each a new process, and loading and parsing the story's 4 KB of YAML with a cold JIT was
// ~20 ms of each (JSON.parse of the same document: well under 1 ms). A parser upgrade changes the key.
// Per user, and a file is trusted only when this user owns it (cache-dir.ts): on a shared /tmp another user must not
// be able to plant a fixture under a predictable name, nor read one (fixtures may hold keys).
const DIR = userCacheDir('iamlocal-yaml-cache');
let parserKey: string | undefined;

function keyOf(text: string): string | undefined {
  try {
    if (parserKey === undefined) {
      const file = dependencyFile('yaml');
      const stat = statSync(file);
      parserKey = `${file}\0${stat.size}\0${stat.mtimeMs}`;
    }
    return createHash('sha256').update(parserKey).update('\0').update(text).digest('hex');
  } catch {
    return undefined;
  }
}

/** True when JSON.stringify/parse gives the value back unchanged (no Infinity, Date, Map, binary …). */
function jsonSafe(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(jsonSafe);
}

/**
 * yaml's parse(text), from the cache when the same text was parsed before. Only documents without errors or
 * warnings whose value survives JSON are cached; anything else goes to parse() every time, which throws or warns
 * as it always did. The cache is best effort: an unreadable or unwritable directory only means parsing.
 */
export function parseYamlCached(text: string): unknown {
  if (process.env.IAMLOCAL_YAML_CACHE === 'off') return yaml().parse(text) as unknown;
  const key = keyOf(text);
  const file = key === undefined ? undefined : join(DIR, `${key}.json`);
  if (file !== undefined) {
    try {
      if (privateDir(DIR, false) && ownFile(file)) return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      // Not cached yet (or unreadable): parse.
    }
  }
  const document = yaml().parseDocument(text);
  if (document.errors.length > 0 || document.warnings.length > 0) return yaml().parse(text) as unknown;
  const value = document.toJS() as unknown;
  if (file !== undefined && jsonSafe(value)) {
    try {
      if (privateDir(DIR, true)) {
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, JSON.stringify(value), { mode: 0o600 });
        renameSync(partial, file);
      }
    } catch {
      // Best effort.
    }
  }
  return value;
}
