import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from './paths.ts';

// Resolved from the package directory (the one holding package.json), so the sources and dist/'s chunks alike find them.
const requireFromProject = createRequire(join(PROJECT_ROOT, 'package.json'));

// Set by scripts/build.mjs (esbuild `define`, a string so it is inlined): the dependencies it also bundles, comma
// separated, each into one dist/vendor/<name>.cjs.
// yaml's package is some 80 CommonJS files: resolving and compiling them one by one cost ~30 ms of a test file's
// server start (the story's fixtures are YAML); its one-file bundle loads in a fraction of that. Undefined when
// running the sources (tsx), which load the packages themselves.
declare const IAMLOCAL_VENDORED: string | undefined;
const vendored: readonly string[] = typeof IAMLOCAL_VENDORED === 'undefined' ? [] : IAMLOCAL_VENDORED.split(',');

/**
 * A dependency loaded (synchronously, through its CommonJS entry) the first time it is used. yaml, fast-xml-parser,
 * xml-crypto and @xmldom/xmldom cost some 100 ms of a 300 ms start, and most runs never read YAML, an S3 XML body or a
 * SAML document. The type comes from `typeof import(...)`, which loads nothing. The build's bundle of the same
 * version is preferred when there is one (in dist/vendor/, beside the bundle; else the package). Node's own heavier
 * built-ins (node:zlib, node:worker_threads) are loaded this way too, where only some requests use them.
 */
export function lazyDependency<Module>(name: string): () => Module {
  let loaded: Module | undefined;
  return () => (loaded ??= requireFromProject(vendoredPath(name) ?? name) as Module);
}

// Beside the bundle this module is built into (dist/iamlocal.script.js): dist/vendor/.
const bundleDir = dirname(fileURLToPath(import.meta.url));

function vendoredPath(name: string): string | undefined {
  if (!vendored.includes(name)) return undefined;
  const path = join(bundleDir, 'vendor', `${name}.cjs`);
  return existsSync(path) ? path : undefined;
}

/** The file a lazy dependency is (or would be) loaded from, without loading it: to key caches of what it computes. */
export function dependencyFile(name: string): string {
  return vendoredPath(name) ?? requireFromProject.resolve(name);
}
