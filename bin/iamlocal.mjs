#!/usr/bin/env node
// `npx iamlocal` works right after `npm ci`, with no build step. The TypeScript sources are bundled into one ES module
// by esbuild (the transformer tsx itself uses) the first time they are run, and again whenever a source file changes;
// dependencies stay external. Loading one module instead of a hundred through tsx's loader hooks roughly halves
// start-up time and memory. Should the bundle be impossible (no esbuild binary), the sources run through tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bump when the bundle's build options change, so older bundles are not reused. */
const BUNDLE_FORMAT = 1;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'server', 'src');
const entry = join(sources, 'cli.ts');
// The bundle runs from a cache directory: tell it where db/ (migrations, managed policies) lives.
process.env.IAMLOCAL_ROOT ??= root;

/** Changes when any source file, the Node version or the bundle format does. */
function fingerprint() {
  const hash = createHash('sha256').update(`${BUNDLE_FORMAT}\n${process.version}\n${root}\n`);
  const files = readdirSync(sources, { recursive: true }).map(String).sort();
  for (const file of files) {
    const stat = statSync(join(sources, file));
    if (stat.isFile()) hash.update(`${file}\n${stat.size}\n${stat.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where bundles may be kept: beside the dependencies, else (a read-only install) in the temporary directory. */
function cacheDirs() {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return [join(root, 'node_modules', '.cache', 'iamlocal'), join(tmpdir(), `iamlocal-bundle-${uid}`)];
}

async function buildBundle(outfile) {
  const { build } = await import('esbuild');
  mkdirSync(dirname(outfile), { recursive: true });
  // Built beside its final name, then renamed: a concurrent start never imports half a file.
  const partial = `${outfile}.${process.pid}.partial.mjs`;
  await build({
    entryPoints: [entry], outfile: partial, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', sourcemap: 'linked', logLevel: 'silent', legalComments: 'none',
  });
  renameSync(`${partial}.map`, `${outfile}.map`);
  renameSync(partial, outfile);
  // Bundles of older sources are never used again (a process still running one has already loaded it).
  for (const file of readdirSync(dirname(outfile))) {
    if (/^cli-[0-9a-f]+\.mjs(\.map)?$/.test(file) && !outfile.endsWith(file.replace(/\.map$/, ''))) rmSync(join(dirname(outfile), file), { force: true });
  }
}

async function bundledCli() {
  if (process.env.IAMLOCAL_NO_BUNDLE === '1') return undefined;
  const name = `cli-${fingerprint()}.mjs`;
  for (const dir of cacheDirs()) {
    const bundle = join(dir, name);
    if (existsSync(bundle)) return bundle;
  }
  for (const dir of cacheDirs()) {
    const bundle = join(dir, name);
    try {
      await buildBundle(bundle);
      return bundle;
    } catch {
      // Not writable here, or esbuild is unavailable: try the next place, then fall back to tsx.
    }
  }
  return undefined;
}

const bundle = await bundledCli();
if (bundle) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(entry).href);
}
