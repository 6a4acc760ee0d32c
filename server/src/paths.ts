import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project directory (the one holding db/). From the sources it is two levels above this file; a bundled CLI
 * (bin/iamlocal.mjs) runs from a cache directory instead and says where the project is in IAMLOCAL_ROOT.
 */
export const PROJECT_ROOT = process.env.IAMLOCAL_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A file or directory under the project's db/ directory. */
export const dbAsset = (...parts: string[]): string => resolve(PROJECT_ROOT, 'db', ...parts);

/** A file of the local web console (server/ui/): plain HTML, JavaScript modules and CSS, served as they are. */
export const uiAsset = (...parts: string[]): string => resolve(PROJECT_ROOT, 'server', 'ui', ...parts);
