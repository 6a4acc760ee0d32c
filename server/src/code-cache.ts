// Loads the built implementation (dist/iamlocal.script.js, one CommonJS bundle behind both the ES module and the
// CommonJS entries and the CLI) through V8's code cache. Node 20 has no compile cache for modules, and compiling the ~1 MB
// bundle was 20–40 ms of every process that starts iamlocal: each test file of a suite (vitest's forks pool and
// `node --test` run a process per file) and every `iamlocal serve`. The cache is written once, after a server of the
// process has served and stopped, so the functions its requests compiled lazily are in it too; V8 rejects data made
// by another V8 or with other flags (then it is made again). Built by scripts/build.mjs into dist/loader.cjs.
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
 * How this process loaded the implementation (for tests): without the cache (IAMLOCAL_CODE_CACHE=off), in a vm context
 * of its own (Jest's sandbox), compiled from its source (no cache, or V8 rejected it: written after the first server
 * stops), or compiled from the cache.
 */
export type CodeCacheUse = 'none' | 'off' | 'foreign-context' | 'compiled' | 'rejected' | 'cached';
let use: CodeCacheUse = 'none';
let usedFile: string | undefined;

export function codeCacheUse(): { use: CodeCacheUse; file: string | undefined } {
  return { use, file: usedFile };
}

type Wrapper = (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;

/**
 * The exports of the implementation `file`, evaluated once per process. The build writes it already wrapped as Node
 * wraps a CommonJS module (`(function (exports, require, module, __filename, __dirname) {…})`), so that the script V8
 * keeps is the file's text itself, not a second copy of 1 MB (measured: +1.7 MB of idle RSS). `requireHere` is the
 * caller's require (its module's directory is the bundle's): inside a vm context of its own (Jest's sandbox, where a
 * script run "in this context" would run in Node's main context, with other globals) the bundle is evaluated in the
 * caller's context with it, as a required module would be. So is it, without the cache, with IAMLOCAL_CODE_CACHE=off.
 */
export function loadImplementation(file: string, loader: Loader, requireHere: NodeJS.Require = createRequire(file)): unknown {
  if (loaded !== undefined) return loaded;
  const source = readFileSync(file, 'utf8');
  const evaluate = (wrapper: Wrapper, require: NodeJS.Require): unknown => {
    const module = { exports: {} as Record<string, unknown> };
    wrapper.call(module.exports, module.exports, require, module, file, dirname(file));
    return (loaded = module.exports);
  };
  if (vm.runInThisContext('globalThis') !== globalThis) {
    use = 'foreign-context';
    // An indirect eval runs in this module's own context (the sandbox's); sourceURL names the file in stack traces.
    return evaluate((0, eval)(`${source}\n//# sourceURL=${file}`) as Wrapper, requireHere);
  }
  const require = createRequire(file);
  if (process.env.IAMLOCAL_CODE_CACHE === 'off') {
    use = 'off';
    return evaluate(new vm.Script(source, { filename: file }).runInThisContext() as Wrapper, require);
  }
  let cacheFile: string | undefined;
  let cachedData: Buffer | undefined;
  try {
    cacheFile = join(DIR, `${cacheKey(file, loader)}.v8`);
    if (privateDir(DIR, false) && ownFile(cacheFile)) cachedData = readFileSync(cacheFile);
  } catch {
    // Not cached yet: compiled from the source, and cached after the first use.
  }
  const script = new vm.Script(source, { filename: file, cachedData });
  const exports = evaluate(script.runInThisContext() as Wrapper, require);
  use = cachedData === undefined ? 'compiled' : script.cachedDataRejected === true ? 'rejected' : 'cached';
  usedFile = cacheFile;
  if (use !== 'cached' && cacheFile !== undefined) {
    const target = cacheFile;
    (exports as Implementation).afterServerStopped(() => writeCache(script, target));
  }
  return exports;
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
    pruneStale();
  } catch {
    // Best effort.
  }
}

/** Caches of other builds and Node versions, not written for two weeks: removed when a new one is written. */
function pruneStale(): void {
  const old = Date.now() - 14 * 24 * 3600 * 1000;
  for (const name of readdirSync(DIR)) {
    if (!/\.v8(\.\d+\.tmp)?$/.test(name)) continue;
    const path = join(DIR, name);
    if (statSync(path).mtimeMs < old) rmSync(path, { force: true });
  }
}
