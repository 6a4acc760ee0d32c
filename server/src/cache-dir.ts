import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Per-user cache directories under the system's temporary directory ($TMPDIR/<name>-<uid>). What they hold is
// trusted when read back (parsed fixtures; V8 code, which is executable), so a directory is used only while it is
// this user's own and closed to others, and a file only when this user owns it: on a shared /tmp another user must
// not be able to plant a file under a predictable name.
const UID = process.getuid?.();

/** The directory of the cache `name` for this user. */
export function userCacheDir(name: string): string {
  return join(tmpdir(), UID === undefined ? name : `${name}-${UID}`);
}

/** Whether `dir` is this user's own and closed to others (created so, 0700, when `create`). */
export function privateDir(dir: string, create: boolean): boolean {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    return stat.isDirectory() && (UID === undefined || stat.uid === UID) && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** Whether `file` is a regular file this user owns that no one else may write. Throws when it does not exist. */
export function ownFile(file: string): boolean {
  const stat = statSync(file);
  return stat.isFile() && (UID === undefined || stat.uid === UID) && (stat.mode & 0o022) === 0;
}
