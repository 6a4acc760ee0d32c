import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dbAsset, PROJECT_ROOT } from '../paths.ts';

export type Db = Database.Database;

const MIGRATIONS_DIR = dbAsset('migrations');

/**
 * The empty database as the migrations leave it, serialized after the first `:memory:` open of this process: later
 * in-memory servers (a test suite starting one per file or per test) start from a copy (about 0.5 ms) instead of
 * running every migration again (7-20 ms). The migrations are DDL only, so the copy is what they would build.
 */
let migratedMemoryImage: Buffer | undefined;

/**
 * The same image built by scripts/build.mjs (dist/empty-schema.<hash>.sqlite, the hash naming the migrations it was
 * built from), for the first `:memory:` open of a process: a cold start or a test file's server. Undefined when there
 * is none for these migrations (a source checkout never built, or migrations added since): they run.
 */
function builtMemoryImage(): Buffer | undefined {
  try {
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
    const hash = createHash('sha256');
    for (const file of files) hash.update(`${file}\n${readFileSync(join(MIGRATIONS_DIR, file), 'utf8')}\n`);
    const image = join(PROJECT_ROOT, 'dist', `empty-schema.${hash.digest('hex').slice(0, 16)}.sqlite`);
    return existsSync(image) ? readFileSync(image) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * better-sqlite3's native addon, named directly. Without it, better-sqlite3 finds the addon through the `bindings`
 * package, which reads the caller's file from a stack trace and tries paths one require() after another (2–10 ms of a
 * process's first open, a test file's start). These are the first three places `bindings` tries, in its order, so the
 * file is the one it would load; when none exists (an unusual build), `bindings` looks as before.
 */
const nativeBinding = ((): string | undefined => {
  try {
    const root = dirname(dirname(createRequire(import.meta.url).resolve('better-sqlite3')));
    return ['build', join('build', 'Debug'), join('build', 'Release')].map((dir) => join(root, dir, 'better_sqlite3.node')).find((file) => existsSync(file));
  } catch {
    return undefined;
  }
})();
const databaseOptions: Database.Options = nativeBinding === undefined ? {} : { nativeBinding };

/** Opens (creating if needed) the SQLite database and applies pending migrations from db/migrations. */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') ensureDirectory(dirname(resolve(path)));
  const unlock = path === ':memory:' ? undefined : lockDatabase(resolve(path));
  let db: Db;
  try {
    if (path === ':memory:') migratedMemoryImage ??= builtMemoryImage();
    db = path === ':memory:' && migratedMemoryImage ? new Database(migratedMemoryImage, databaseOptions) : new Database(path, databaseOptions);
  } catch (error) {
    unlock?.();
    throw error;
  }
  if (unlock) {
    const close = db.close.bind(db);
    db.close = () => {
      unlock();
      return close();
    };
  }
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection; SQLite's own 2 MB is enough here, since the
    // IAM state is cached as objects and the OS caches the file: measured, the same throughput and 14 MB less RSS.
    db.pragma('cache_size = -2000');
    migrate(db);
    if (path === ':memory:' && !migratedMemoryImage) migratedMemoryImage = db.serialize();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/** Thrown when another live iamlocal already serves the database file. */
export class DatabaseInUseError extends Error {}

const heldLocks = new Set<string>();

/**
 * One server per database file: the blob directory and reset/snapshot semantics assume a single owner. A lock file
 * `<db>.lock` names the owner (pid@host); a lock left by a process that is gone (kill -9, crash) is taken over.
 */
function lockDatabase(path: string): () => void {
  const lockPath = `${path}.lock`;
  const me = `${process.pid}@${hostname()}`;
  if (heldLocks.has(lockPath)) throw new DatabaseInUseError(`${path} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lockPath, me, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const owner = readOwner(lockPath);
      if (owner && owner !== me && ownerAlive(owner)) {
        throw new DatabaseInUseError(`${path} is in use by another iamlocal server (pid ${owner}); stop it or choose another --db`);
      }
      try { unlinkSync(lockPath); } catch { /* raced with its owner's exit */ }
    }
  }
  heldLocks.add(lockPath);
  return () => {
    heldLocks.delete(lockPath);
    try { unlinkSync(lockPath); } catch { /* already gone */ }
  };
}

function readOwner(lockPath: string): string | undefined {
  try { return readFileSync(lockPath, 'utf8').trim(); } catch { return undefined; }
}

/** Whether the lock's process still runs; a lock from another host (a shared volume) cannot be checked and counts as stale. */
function ownerAlive(owner: string): boolean {
  const [pid, host] = owner.split('@');
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates missing directories one level at a time (recursive mkdir can spin forever on special filesystems like /proc). */
function ensureDirectory(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) ensureDirectory(parent);
  mkdirSync(dir);
}

function migrate(db: Db): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort();
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    if (version <= applied) continue;
    const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
