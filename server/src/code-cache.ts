// Loads the built implementation (dist/iamlocal.cjs, one CommonJS bundle behind both the ES module and the CommonJS
// entries and the CLI) through V8's code cache. Node 20 has no compile cache for modules, and compiling the ~1 MB
// bundle was 20–40 ms of every process that starts iamlocal: each test file of a suite (vitest's forks pool and
// `node --test` run a process per file) and every `iamlocal serve`. The cache is written once, after a server of the
// process has served and stopped, so the functions its requests compiled lazily are in it too; V8 rejects data made
// by another V8 or with other flags (then it is made again). Built by scripts/build.mjs into dist/loader.cjs.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { ownFile, privateDir, userCacheDir } from './cache-dir.ts';

/** Who loads the implementation: the package's entries or the CLI (their first uses compile different functions). */
export type Loader = 'lib' | 'cli';

/** What the loader needs of the implementation's exports (server/src/bundle.ts). */
interface Implementation {
  afterServerStopped: (callback: () => void) => void;
}

// V8 code cache is executable: it is read only from this user's private cache directory (cache-dir.ts), never from a
// directory another user could write.
const DIR = userCacheDir('iamlocal-code-cache');

let loaded: unknown;

/**
 * How this process loaded the implementation (for tests): required as a plain module, compiled from its source (no
 * cache, or V8 rejected it: written after the first server stops), or compiled from the cache.
 */
export type CodeCacheUse = 'none' | 'require' | 'compiled' | 'rejected' | 'cached';
let use: CodeCacheUse = 'none';
let usedFile: string | undefined;

export function codeCacheUse(): { use: CodeCacheUse; file: string | undefined } {
  return { use, file: usedFile };
}

/**
 * The exports of the implementation bundle `file`, evaluated once per process. With the code cache off
 * (IAMLOCAL_CODE_CACHE=off) or inside a vm context of its own (Jest's sandbox: a script run "in this context" would
 * run in Node's main context, with other globals), it is require()d as any CommonJS module.
 */
export function loadImplementation(file: string, loader: Loader): unknown {
  if (loaded !== undefined) return loaded;
  const require = createRequire(file);
  const plain = (): unknown => {
    use = 'require';
    return (loaded = require(file));
  };
  if (process.env.IAMLOCAL_CODE_CACHE === 'off' || vm.runInThisContext('globalThis') !== globalThis) return plain();
  let source: string;
  let key: string;
  try {
    source = readFileSync(file, 'utf8');
    key = cacheKey(file, loader);
  } catch {
    return plain();
  }
  const cacheFile = join(DIR, `${key}.v8`);
  let cachedData: Buffer | undefined;
  try {
    if (privateDir(DIR, false) && ownFile(cacheFile)) cachedData = readFileSync(cacheFile);
  } catch {
    // Not cached yet: compiled from the source, and cached after the first use.
  }
  // Node's own CommonJS wrapper, so the bundle sees what require() would give it.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
  run.call(module.exports, module.exports, require, module, file, dirname(file));
  loaded = module.exports;
  use = cachedData === undefined ? 'compiled' : script.cachedDataRejected === true ? 'rejected' : 'cached';
  usedFile = cacheFile;
  if (use !== 'cached') {
    (module.exports as unknown as Implementation).afterServerStopped(() => writeCache(script, cacheFile));
  }
  return loaded;
}

/**
 * The cache file's name: the bundle (path, size, modification time, inode) and what V8 checks too (Node's version, the
 * architecture, the flags), so that a rebuilt bundle never meets another's code (V8 itself compares only the source's
 * length) and processes run with other flags do not take turns rewriting one file.
 */
function cacheKey(file: string, loader: Loader): string {
  const stat = statSync(file);
  return createHash('sha256')
    .update([file, stat.size, stat.mtimeMs, stat.ino, process.version, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? '', loader].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

/** Best effort: a cache that cannot be written only means compiling again next time. */
function writeCache(script: vm.Script, cacheFile: string): void {
  try {
    const data = script.createCachedData();
    if (!privateDir(DIR, true)) return;
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, data, { mode: 0o600 });
    renameSync(partial, cacheFile);
  } catch {
    // Best effort.
  }
}
