// The layer rules of the developers' guide, checked on every import under server/src (type-only imports included):
// lower layers never import upper ones, there is no import cycle, and errors live where every layer may use them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

// What each layer may import besides itself, lowest first. A layer is a folder of server/src or one of its files.
// services/<service>/ may use the layers in SERVICES, the shared services/*.ts files, and the services listed for it
// in CROSS_SERVICE.
const SERVICES = ['errors.ts', 'log.ts', 'lazy-dependency.ts', 'policy', 'protocol', 'saml', 'kms', 'store', 'auth', 'services/shared'];
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  'errors.ts': [], // AwsError and its factories: imports nothing, so every layer may use it
  policy: [], // the pure engine: nothing outside policy/, not even a package or node: module (checked below)
  'paths.ts': [],
  'cache-dir.ts': [], // per-user cache directories in $TMPDIR (YAML, V8 code): node: modules only
  'after-stop.ts': [], // callbacks after a server's stop (the code cache loader's): imports nothing
  'code-cache.ts': ['cache-dir.ts'], // dist/loader.cjs: loads the bundle through V8's code cache
  'log.ts': [], // the JSON-lines logger (and the request record it writes): node:fs only
  'public-types.ts': [], // the package's public types, self-contained for dist/index.d.ts
  'fixture-types.ts': [], // generated from db/fixtures.schema.json
  kms: ['errors.ts'], // KMS's cryptography on node:crypto: pure, no store
  'lazy-dependency.ts': ['paths.ts'],
  protocol: ['errors.ts', 'lazy-dependency.ts'], // wire formats: shapes, never operations
  saml: ['errors.ts', 'lazy-dependency.ts'],
  // Repositories, fixtures and the ServerContext (context.ts counts as store: the two type each other).
  store: ['errors.ts', 'log.ts', 'policy', 'paths.ts', 'cache-dir.ts', 'lazy-dependency.ts', 'saml', 'kms'],
  auth: ['errors.ts', 'lazy-dependency.ts', 'policy', 'store'], // reads credentials and sessions through store's types
  advise: ['errors.ts', 'policy', 'store'],
  'services/shared': ['errors.ts', 'policy', 'protocol', 'store', 'auth'], // services/query-service.ts, access-denied.ts
  // Express and node:http adapters: may import every layer below, and only entry points import them.
  http: ['errors.ts', 'log.ts', 'kms', 'policy', 'paths.ts', 'lazy-dependency.ts', 'protocol', 'saml', 'store', 'auth', 'advise', 'services/shared', 'services/*'],
  // Composition roots: server.ts, cli.ts and its subcommands (cli/), index.ts, bundle.ts, in-process.ts, testing/ wire everything together.
  entry: ['*'],
};
const CROSS_SERVICE: Readonly<Record<string, readonly string[]>> = {
  sts: ['iam'], // MFA codes checked against IAM's virtual MFA devices
  'credentials-endpoint': ['iam', 'sts'], // instance profiles, and role sessions minted as STS does
  s3: ['kms'], // SSE-KMS: data keys generated and decrypted as the caller, through KMS's internal API
};
const ENTRY_FILES = new Set(['server.ts', 'cli.ts', 'index.ts', 'in-process.ts', 'bundle.ts']);

// Known exceptions, each with its reason: [importer file, imported file]. Keep empty; the test fails on stale entries.
const ALLOWED_EXCEPTIONS: ReadonlyArray<readonly [string, string, string]> = [];

function layerOf(file: string): string {
  const [head, second] = file.split('/');
  if (file === 'context.ts') return 'store';
  if (ENTRY_FILES.has(file) || head === 'testing' || head === 'cli') return 'entry';
  if (head === 'services') return second!.endsWith('.ts') ? 'services/shared' : `services/${second}`;
  return head!;
}

function allowedImports(layer: string): readonly string[] | undefined {
  if (layer.startsWith('services/') && layer !== 'services/shared') {
    return [...SERVICES, ...(CROSS_SERVICE[layer.slice('services/'.length)] ?? []).map((s) => `services/${s}`)];
  }
  return LAYERS[layer];
}

function mayImport(from: string, to: string): boolean {
  if (from === to) return true;
  const allowed = allowedImports(from);
  if (!allowed) return false;
  return allowed.includes('*') || allowed.includes(to) || (allowed.includes('services/*') && to.startsWith('services/'));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|cjs|mjs)$/.test(entry.name) ? [path] : [];
  });
}

interface ImportEdge { from: string; to: string; specifier: string }

/** Every import of a file: static, type-only, re-exports, import() and require(). */
function importsOf(absolute: string): { relative: ImportEdge[]; packages: string[] } {
  const from = posix.normalize(relative(SRC, absolute).split('\\').join('/'));
  const { importedFiles } = ts.preProcessFile(readFileSync(absolute, 'utf8'), true, true);
  const edges: ImportEdge[] = [];
  const packages: string[] = [];
  for (const { fileName: specifier } of importedFiles) {
    if (!specifier.startsWith('.')) {
      packages.push(specifier);
      continue;
    }
    const to = posix.normalize(relative(SRC, resolve(dirname(absolute), specifier)).split('\\').join('/'));
    if (!to.endsWith('.json')) edges.push({ from, to, specifier });
  }
  return { relative: edges, packages };
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [posix.normalize(relative(SRC, f).split('\\').join('/')), importsOf(f)]));
const isException = (e: ImportEdge): boolean => ALLOWED_EXCEPTIONS.some(([from, to]) => from === e.from && to === e.to);

test('the layer table is itself one-way (no layer reaches itself through others)', () => {
  const layers = [...Object.keys(LAYERS), ...Object.keys(CROSS_SERVICE).map((s) => `services/${s}`)];
  const reaches = (start: string, target: string, seen = new Set<string>()): boolean =>
    (allowedImports(start) ?? []).filter((l) => l !== '*' && l !== 'services/*').some((next) =>
      next === target || (!seen.has(next) && (seen.add(next), reaches(next, target, seen))));
  assert.deepEqual(layers.filter((l) => reaches(l, l)), []);
});

test('every file under server/src belongs to a layer of the table', () => {
  assert.ok(graph.size > 50, `found ${graph.size} source files`);
  assert.deepEqual([...graph.keys()].filter((f) => allowedImports(layerOf(f)) === undefined), []);
});

test('no layer imports one above it (services and the lower layers import nothing from http/)', () => {
  const violations: string[] = [];
  for (const { relative: edges } of graph.values()) {
    for (const e of edges) {
      if (!mayImport(layerOf(e.from), layerOf(e.to)) && !isException(e)) violations.push(`${e.from} (${layerOf(e.from)}) imports ${e.to} (${layerOf(e.to)})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('policy/ imports nothing outside policy/: no package, no node: module', () => {
  const outside = [...graph].filter(([file]) => layerOf(file) === 'policy')
    .flatMap(([file, { relative: edges, packages }]) => [...packages, ...edges.filter((e) => layerOf(e.to) !== 'policy').map((e) => e.to)].map((to) => `${file} -> ${to}`));
  assert.deepEqual(outside, []);
});

test('no import cycle under server/src', () => {
  // Tarjan's strongly connected components; any component of more than one file, or a file importing itself, is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v)?.relative ?? []) {
      if (!graph.has(to)) continue;
      if (to === v) cycles.push([v]);
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  assert.deepEqual(cycles, []);
});

test('every import resolves to a file under server/src', () => {
  const missing = [...graph.values()].flatMap(({ relative: edges }) => edges.filter((e) => !graph.has(e.to)).map((e) => `${e.from}: ${e.specifier}`));
  assert.deepEqual(missing, []);
});

test('the exception list has no stale entries', () => {
  const used = (from: string, to: string): boolean => graph.get(from)?.relative.some((e) => e.to === to && !mayImport(layerOf(from), layerOf(to))) ?? false;
  assert.deepEqual(ALLOWED_EXCEPTIONS.filter(([from, to]) => !used(from, to)).map(([from, to, why]) => `${from} -> ${to} (${why})`), []);
});
