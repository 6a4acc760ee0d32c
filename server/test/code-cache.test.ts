// The loader of the built implementation (server/src/code-cache.ts, built into dist/loader.cjs): V8's code cache of the
// bundle is written once a server has stopped, used by the next process, made again when V8 rejects it or the bundle
// changes, kept in a private per-user directory (a directory open to others is neither read nor written), and left out
// where it cannot apply (IAMLOCAL_CODE_CACHE=off; a vm context of its own such as Jest's sandbox, where the bundle runs
// in that context). Then the package's
// real entries: the ES module and the CommonJS entry give the same implementation, through the cache.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const LOADER = resolve('dist/loader.cjs');
const dir = mkdtempSync(join(tmpdir(), 'iamlocal-code-cache-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const uid = process.getuid?.();
const cacheDir = join(dir, uid === undefined ? 'iamlocal-code-cache' : `iamlocal-code-cache-${uid}`);

// A stand-in for dist/iamlocal.script.js (a CommonJS module's function, as the build writes it): what the loader needs
// of it (afterServerStopped), some code, a way to "stop", and an array made in the context it runs in.
const impl = join(dir, 'impl.script.js');
const body = `const hooks = [];
exports.afterServerStopped = (callback) => hooks.push(callback);
exports.api = { answer: () => [1, 2, 3].map((x) => x * 14).reduce((a, b) => a + b, 0), file: __filename, array: () => [] };
exports.stop = () => hooks.splice(0).forEach((hook) => hook());
`;
writeFileSync(impl, `// a script\n(function (exports, require, module, __filename, __dirname) {${body}\n})`);

interface Outcome { use: string; answer: number; file: string }

/** A new process loading `impl` through the built loader, "stopping a server" and reporting how it loaded. */
function load(env: Record<string, string> = {}): Outcome {
  const script = `const loader = require(${JSON.stringify(LOADER)});
const impl = loader.loadImplementation(${JSON.stringify(impl)}, 'lib');
impl.stop();
console.log(JSON.stringify({ use: loader.codeCacheUse().use, answer: impl.api.answer(), file: impl.api.file }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: dir, ...env }, encoding: 'utf8' })) as Outcome;
}

const cacheFiles = (): string[] => readdirSync(cacheDir).filter((f) => f.endsWith('.v8'));

test('compiled and cached by the first process, taken from the cache by the next; private to the user', () => {
  assert.deepEqual(load(), { use: 'compiled', answer: 84, file: impl });
  assert.equal(cacheFiles().length, 1);
  assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
  assert.equal(statSync(join(cacheDir, cacheFiles()[0]!)).mode & 0o777, 0o600);
  assert.deepEqual(load(), { use: 'cached', answer: 84, file: impl });
});

test('data V8 rejects is made again; a changed bundle gets a cache of its own', () => {
  const [file] = cacheFiles();
  writeFileSync(join(cacheDir, file!), Buffer.alloc(4096, 7), { mode: 0o600 });
  assert.equal(load().use, 'rejected');
  assert.equal(load().use, 'cached');
  writeFileSync(impl, `// a script\n(function (exports, require, module, __filename, __dirname) {${body}exports.api.answer = () => 43;\n})`);
  assert.deepEqual(load(), { use: 'compiled', answer: 43, file: impl });
  assert.equal(load().use, 'cached');
  assert.equal(cacheFiles().length, 2);
});

test('a cache directory open to others is neither read nor written; a file another user could write is not read', () => {
  chmodSync(cacheDir, 0o777);
  try {
    const before = cacheFiles();
    assert.equal(load().use, 'compiled');
    assert.deepEqual(cacheFiles(), before);
  } finally {
    chmodSync(cacheDir, 0o700);
  }
  const files = cacheFiles();
  for (const f of files) chmodSync(join(cacheDir, f), 0o666);
  try {
    assert.equal(load().use, 'compiled');
  } finally {
    for (const f of files) chmodSync(join(cacheDir, f), 0o600);
  }
});

test('IAMLOCAL_CODE_CACHE=off compiles without the cache; in a vm context of its own (Jest) the bundle runs in that context', () => {
  assert.deepEqual(load({ IAMLOCAL_CODE_CACHE: 'off' }), { use: 'off', answer: 43, file: impl });
  // The loader evaluated in a new context, as Jest evaluates modules: its globals are not Node's main context's.
  const script = `const vm = require('node:vm');
const source = require('node:fs').readFileSync(${JSON.stringify(LOADER)}, 'utf8');
const context = vm.createContext({ process, Buffer });
const module = { exports: {} };
vm.runInContext('(function (exports, require, module) {' + source + '\\n})', context)(module.exports, require, module);
const impl = module.exports.loadImplementation(${JSON.stringify(impl)}, 'lib', require);
const sameContext = impl.api.array().constructor === vm.runInContext('Array', context) && impl.api.array().constructor !== Array;
console.log(JSON.stringify({ use: module.exports.codeCacheUse().use, answer: impl.api.answer(), sameContext }));`;
  const outcome = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8' })) as Outcome & { sameContext: boolean };
  assert.deepEqual(outcome, { use: 'foreign-context', answer: 43, sameContext: true });
});

test('the package: its ES module and CommonJS entries are one implementation, cached after a server has served', () => {
  const script = `import { createRequire } from 'node:module';
import * as esm from ${JSON.stringify(resolve('dist/index.mjs'))};
const require = createRequire(import.meta.url);
const cjs = require(${JSON.stringify(resolve('dist/index.cjs'))});
const same = Object.keys(esm).sort().join() === Object.keys(cjs).filter((k) => k !== '__esModule').sort().join() && Object.keys(esm).every((k) => esm[k] === cjs[k]);
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');
const local = await esm.startIamlocal({ listen: false });
const { Account } = await new STSClient(local.clientConfig('root')).send(new GetCallerIdentityCommand({}));
await local.stop();
console.log(JSON.stringify({ same, exports: Object.keys(esm).sort(), use: require(${JSON.stringify(LOADER)}).codeCacheUse().use, account: Account }));`;
  const run = (): { same: boolean; exports: string[]; use: string; account: string } => JSON.parse(execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: dir }, encoding: 'utf8' })) as { same: boolean; exports: string[]; use: string; account: string };
  const first = run();
  assert.deepEqual(first, { same: true, exports: ['routeThroughIamlocal', 'startIamlocal', 'totp'], use: 'compiled', account: '123456789012' });
  assert.deepEqual(run(), { ...first, use: 'cached' });
  assert.ok(readFileSync(join(cacheDir, cacheFiles().find((f) => statSync(join(cacheDir, f)).size > 100_000)!)).length > 100_000);
});
