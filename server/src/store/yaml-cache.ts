import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dependencyFile, lazyDependency } from '../lazy-dependency.ts';

const yaml = lazyDependency<typeof import('yaml')>('yaml');

// Parsed YAML fixtures, kept on disk as JSON by the hash of the text and of the parser's file: a test suite starts a
// server per test file, each a new process, and loading and parsing the story's 4 KB of YAML with a cold JIT was
// ~20 ms of each (JSON.parse of the same document: well under 1 ms). A parser upgrade changes the key.
// Per user, and a file is trusted only when this user owns it: on a shared /tmp another user must not be able to plant
// a fixture under a predictable name.
const UID = process.getuid?.();
const DIR = join(tmpdir(), UID === undefined ? 'iamlocal-yaml-cache' : `iamlocal-yaml-cache-${UID}`);
let parserKey: string | undefined;

/** Whether the cache directory is this user's own and closed to others (it holds fixtures, which may hold keys). */
function privateDir(create: boolean): boolean {
  try {
    if (create) mkdirSync(DIR, { recursive: true, mode: 0o700 });
    const dir = statSync(DIR);
    return dir.isDirectory() && (UID === undefined || dir.uid === UID) && (dir.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

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
      if (privateDir(false) && (UID === undefined || statSync(file).uid === UID)) return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      // Not cached yet (or unreadable): parse.
    }
  }
  const document = yaml().parseDocument(text);
  if (document.errors.length > 0 || document.warnings.length > 0) return yaml().parse(text) as unknown;
  const value = document.toJS() as unknown;
  if (file !== undefined && jsonSafe(value)) {
    try {
      if (privateDir(true)) {
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
