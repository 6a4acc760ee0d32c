import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package directory holding db/: the nearest one above this module (server/src/ in a checkout, dist/ when built). */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here, up = 0; up < 4; dir = dirname(dir), up++) {
    if (existsSync(join(dir, 'db', 'migrations'))) return dir;
  }
  return resolve(here, '../..');
}

/** The project directory (the one holding db/); IAMLOCAL_ROOT overrides it. */
export const PROJECT_ROOT = process.env.IAMLOCAL_ROOT ?? packageRoot();

/** A file or directory under the project's db/ directory. */
export const dbAsset = (...parts: string[]): string => resolve(PROJECT_ROOT, 'db', ...parts);

/** A file of the local web console (server/ui/): plain HTML, JavaScript modules and CSS, served as they are. */
export const uiAsset = (...parts: string[]): string => resolve(PROJECT_ROOT, 'server', 'ui', ...parts);
