import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

// Resolved from the package directory (the one holding package.json), so the sources and dist/'s chunks alike find them.
const requireFromProject = createRequire(join(PROJECT_ROOT, 'package.json'));

/**
 * A dependency loaded (synchronously, through its CommonJS entry) the first time it is used. yaml, fast-xml-parser,
 * xml-crypto and @xmldom/xmldom cost some 100 ms of a 300 ms start, and most runs never read YAML, an S3 XML body or a
 * SAML document. The type comes from `typeof import(...)`, which loads nothing.
 */
export function lazyDependency<Module>(name: string): () => Module {
  let loaded: Module | undefined;
  return () => (loaded ??= requireFromProject(name) as Module);
}
