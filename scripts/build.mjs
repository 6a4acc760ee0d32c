// Builds dist/, what the package ships and bin/iamlocal.cjs runs: run by `prepare` (so `npm ci` leaves a runnable
// checkout) and `prepack`. esbuild bundles the sources (runtime dependencies stay external; uuid is bundled, Express
// too but into a file of its own, with their licences in dist/THIRD-PARTY-NOTICES.txt) into one CommonJS file,
// dist/iamlocal.script.js, the implementation behind every entry: dist/index.cjs (CommonJS), dist/index.mjs (ES module) and
// dist/cli.mjs (the command) load it through dist/loader.cjs, which keeps V8's code cache of it (server/src/code-cache.ts).
// The TypeScript compiler writes the declarations of the
// public API (server/src/index.ts, whose types come from public-types.ts and fixture-types.ts, modules that import
// nothing), which are joined into one self-contained dist/index.d.ts (and its CommonJS twin dist/index.d.cts).
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when a source is newer than dist/ (the test runner and npm start)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'server', 'src');
const dist = join(root, 'dist');
const STAMP = join(dist, '.build-stamp');

function newestInput() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const input of [src, join(root, 'db', 'fixtures.schema.json'), join(root, 'db', 'migrations'), fileURLToPath(import.meta.url), join(root, 'package.json')]) visit(input);
  return newest;
}

if (process.argv.includes('--if-stale') && existsSync(STAMP) && statSync(STAMP).mtimeMs >= newestInput()) process.exit(0);

const started = Date.now();
const check = spawnSync(process.execPath, [join(root, 'scripts', 'fixture-types.mjs'), '--check'], { stdio: 'inherit' });
if (check.status !== 0) process.exit(1);

const { build } = await import('esbuild');
const ts = (await import('typescript')).default;

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// The runtime dependencies stay external (the consumer installs them); anything else the sources import (uuid, a dev
// dependency here) is bundled, so a consumer does not install Express's 65 packages for twenty admin routes.
const runtime = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {});
// Lazily loaded dependencies (server/src/lazy-dependency.ts) that are also bundled, each into one dist/vendor/<name>.cjs:
// a package of many CommonJS files costs more to resolve and compile file by file than its bundle (yaml: ~30 ms of a
// test file's start). The same installed version, so the same behaviour; the package stays a dependency for the sources.
// Express (a dev dependency) is loaded on the first admin request only, so it stays out of the implementation's bundle.
const VENDORED = ['yaml', 'fast-xml-parser', 'express'];
// JSON modules (the services' botocore models, ~190 KB) as JSON.parse of a string rather than object literals: V8
// compiles a script's top level eagerly, and parsing a JSON string is much cheaper than compiling the same literal.
const jsonAsString = {
  name: 'json-as-string',
  setup(b) {
    // Only the sources' own JSON modules (ES imports); bundled CommonJS packages require() theirs.
    b.onLoad({ filter: /[\\/]server[\\/]src[\\/].*\.json$/ }, (args) => {
      const text = JSON.stringify(JSON.parse(readFileSync(args.path, 'utf8')));
      return { contents: `export default JSON.parse(${JSON.stringify(text)});`, loader: 'js' };
    });
  },
};
const common = {
  plugins: [jsonAsString], bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning',
  external: [...runtime, ...VENDORED].flatMap((name) => [name, `${name}/*`]), legalComments: 'none', sourcemap: false, absWorkingDir: root, metafile: true,
};
// The implementation. CommonJS has no import.meta: its uses (finding db/, dist/vendor/ and better-sqlite3) take this
// file's URL. It is run by dist/loader.cjs as a vm.Script, which has no loader for import(): it must have none.
const implementation = await build({
  ...common, entryPoints: [join(src, 'bundle.ts')], write: false, outfile: join(dist, 'iamlocal.script.js'),
  define: { IAMLOCAL_VENDORED: JSON.stringify(VENDORED.join(',')), 'import.meta.url': '__iamlocalModuleUrl' }, // a string: esbuild inlines it (an array becomes a module)
  banner: { js: 'const __iamlocalModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
const bundled = implementation.outputFiles[0].text;
if (/\bimport\s*\(/.test(bundled)) throw new Error('the implementation calls import(), which a vm.Script cannot run without a loader: bundle the module or load it with require()');
// Written already wrapped as Node wraps a CommonJS module: the loader compiles the file's text as it is, a script whose
// value is that function, so V8 keeps no second copy of it (server/src/code-cache.ts).
writeFileSync(join(dist, 'iamlocal.script.js'), [
  '// iamlocal\'s implementation: a script whose value is a CommonJS module\'s function, run by dist/loader.cjs (not a module).',
  // Strict, as the ES modules it is built from are (the banner before esbuild's own directive would void that one).
  `(function (exports, require, module, __filename, __dirname) {"use strict";${bundled}`,
  '})',
].join('\n'));
await build({ ...common, entryPoints: [join(src, 'code-cache.ts')], outfile: join(dist, 'loader.cjs') });
// The entries: each loads the implementation through the loader; the ES module names the public API's exports.
const { metafile: indexMeta } = await build({ entryPoints: [join(src, 'index.ts')], bundle: false, write: false, format: 'esm', outdir: dist, metafile: true, logLevel: 'warning', absWorkingDir: root });
const exported = Object.values(indexMeta.outputs)[0].exports;
if (exported.length === 0 || exported.some((name) => !/^[A-Za-z_$][\w$]*$/.test(name))) throw new Error(`unexpected exports of index.ts: ${exported}`);
writeFileSync(join(dist, 'index.cjs'), [
  '"use strict";',
  '// iamlocal for CommonJS: the implementation (iamlocal.script.js), loaded through V8\'s code cache (loader.cjs).',
  'const { api } = require("./loader.cjs").loadImplementation(require("node:path").join(__dirname, "iamlocal.script.js"), "lib", require);',
  'Object.defineProperty(exports, "__esModule", { value: true });',
  'for (const name of Object.keys(api)) Object.defineProperty(exports, name, { enumerable: true, get: () => api[name] });',
  '',
].join('\n'));
writeFileSync(join(dist, 'index.mjs'), [
  '// iamlocal as an ES module: the same implementation as the CommonJS entry (one per process, whichever is loaded).',
  'import { createRequire } from "node:module";',
  `const { ${exported.join(', ')} } = createRequire(import.meta.url)("./index.cjs");`,
  `export { ${exported.join(', ')} };`,
  '',
].join('\n'));
writeFileSync(join(dist, 'cli.mjs'), [
  '// The iamlocal command from an ES module (bin/iamlocal.mjs): the implementation (iamlocal.script.js), loaded through V8\'s code cache (loader.cjs).',
  'import { createRequire } from "node:module";',
  'import { fileURLToPath } from "node:url";',
  'createRequire(import.meta.url)("./loader.cjs").loadImplementation(fileURLToPath(new URL("./iamlocal.script.js", import.meta.url)), "cli").runCli(process.argv.slice(2));',
  '',
].join('\n'));
const requireFromRoot = createRequire(join(root, 'package.json'));
const vendorInputs = {};
for (const name of VENDORED) {
  const vendor = await build({
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', entryPoints: [requireFromRoot.resolve(name)],
    outfile: join(dist, 'vendor', `${name}.cjs`), logLevel: 'warning', legalComments: 'none', absWorkingDir: root, metafile: true,
  });
  Object.assign(vendorInputs, vendor.metafile.inputs);
}
writeFileSync(join(dist, 'THIRD-PARTY-NOTICES.txt'), bundledNotices({ inputs: { ...implementation.metafile.inputs, ...vendorInputs } }));
writeEmptySchema();

/** The licence of every package bundled into dist/ (their MIT/ISC terms ask for the notice to travel with the code). */
function bundledNotices(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match) continue;
    const dir = join(root, input.slice(0, match.index + match[0].length));
    if (packages.has(dir)) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const licenceFile = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    packages.set(dir, `${manifest.name}@${manifest.version} (${manifest.license ?? 'see below'})\n\n${licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : '(no licence file in the package)'}`);
  }
  const header = 'Packages bundled into iamlocal\'s dist/ files, with their licences.';
  return `${[header, ...[...packages.values()].sort()].join(`\n\n${'-'.repeat(78)}\n\n`)}\n`;
}

// Declarations: emitted in memory for the three modules of the public API, then joined.
const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); } });
const options = { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true, allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, outDir: join(root, '.d.ts-out'), rootDir: src };
const program = ts.createProgram([join(src, 'index.ts')], options);
const declarations = new Map();
const parts = ['public-types.ts', 'fixture-types.ts', 'index.ts'];
for (const part of parts) {
  const file = program.getSourceFile(join(src, part));
  const result = program.emit(file, (name, text) => declarations.set(relative(options.outDir, name), text), undefined, true);
  const problems = [...ts.getPreEmitDiagnostics(program, file), ...result.diagnostics];
  if (problems.length) {
    console.error(ts.formatDiagnostics(problems, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
    process.exit(1);
  }
}
const declarationOf = (part) => {
  const text = declarations.get(part.replace(/\.ts$/, '.d.ts'));
  if (text === undefined) throw new Error(`no declarations emitted for ${part}`);
  return text;
};
const importLine = /^(import|export) (type )?(\*|\{[^}]*\}) from '\.\/(public-types|fixture-types)\.(ts|js)';\n/gm;
const index = declarationOf('index.ts').replace(importLine, '');
const joined = [
  '// iamlocal: the public API\'s declarations, self-contained (generated by scripts/build.mjs).',
  declarationOf('public-types.ts'), declarationOf('fixture-types.ts'), index,
].join('\n').replace(/^export \{\};\n/gm, '');
// Every import or re-export left would be a dependency of the consumer's type-check: there must be none.
const leftover = /^\s*(import|export) [^;]* from ['"]|import\(['"]/m.exec(joined);
if (leftover) throw new Error(`dist/index.d.ts still refers to another module: ${leftover[0]}`);
writeFileSync(join(dist, 'index.d.ts'), joined);
writeFileSync(join(dist, 'index.d.cts'), joined);
writeFileSync(STAMP, `${new Date().toISOString()}\n`);

/**
 * dist/empty-schema.<hash>.sqlite: the empty database the migrations build, serialized, so that a server's first
 * `:memory:` database in a process (a cold start, a test file's server) is a copy rather than 21 migrations. The hash
 * names the migrations it was built from (server/src/store/db.ts computes it the same way and runs the migrations
 * when no file of that name exists). Built the way migrate() applies them: one transaction per file.
 */
function writeEmptySchema() {
  const dir = join(root, 'db', 'migrations');
  const files = readdirSync(dir).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\n${readFileSync(join(dir, file), 'utf8')}\n`);
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  const db = new Database(':memory:');
  for (const file of files) {
    db.transaction(() => {
      db.exec(readFileSync(join(dir, file), 'utf8'));
      db.pragma(`user_version = ${Number.parseInt(file, 10)}`);
    })();
  }
  writeFileSync(join(dist, `empty-schema.${hash.digest('hex').slice(0, 16)}.sqlite`), db.serialize());
  db.close();
}
console.error(`iamlocal: built dist/ in ${Date.now() - started} ms`);
