import { existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { ServerContext } from '../context.ts';
import type { Db } from './db.ts';
import { bootstrap } from './bootstrap.ts';
import { loadFixtures } from './fixtures.ts';
import { STATE_TABLES } from './state.ts';

export class SnapshotError extends Error {}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function snapshotDir(ctx: ServerContext): string {
  const dir = ctx.s3.scratchDir ? join(ctx.s3.scratchDir, 'snapshots') : `${resolve(ctx.dbPath)}.snapshots`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes blob files no object or part references any more (after a reset or restore). */
function collectBlobs(ctx: ServerContext, partialsToo = false): void {
  const files = readdirSync(ctx.s3.blobDir);
  if (files.length === 0) return;
  const keep = ctx.s3.referencedBlobFiles();
  for (const file of files) if (!keep.has(file) && (partialsToo || !file.endsWith('.part'))) rmSync(join(ctx.s3.blobDir, file), { force: true });
}

/**
 * At start-up (the database lock is ours, so no upload is in flight): removes the blob files a killed server left
 * behind, written or half-written before their row was committed.
 */
export function collectOrphanBlobs(ctx: ServerContext): void {
  collectBlobs(ctx, true);
}

// reset() empties the same tables every time (a test suite resets before each test): the statements are compiled once
// per database, children before parents.
const emptyingStatements = new WeakMap<Db, Database.Statement<[]>[]>();
function emptyingOf(db: Db): Database.Statement<[]>[] {
  let statements = emptyingStatements.get(db);
  if (!statements) {
    statements = [...STATE_TABLES].reverse().map((table) => db.prepare<[]>(`DELETE FROM ${table}`));
    statements.push(db.prepare<[]>("DELETE FROM settings WHERE name LIKE 'fixtures:%'"));
    emptyingStatements.set(db, statements);
  }
  return statements;
}

/** Empties every table, then re-creates the root account and, unless `empty`, re-applies the start-up fixtures. */
export function resetState(ctx: ServerContext, to: 'empty' | 'fixtures'): void {
  ctx.decisions.clear();
  const emptying = emptyingOf(ctx.db);
  // Every table is emptied, so no reference can dangle: without foreign key checks SQLite drops a table's rows at once
  // (its truncate optimization) instead of deleting them one by one, checking each against the tables referring to it.
  // The root account and its key (bootstrap) go in in order. The pragma cannot change inside a transaction (a reset
  // called inside one keeps the checks, and is only slower). The checks are back on before any fixture loads. Through
  // db.pragma(), not statements kept: SQLite applies this pragma when it compiles the statement, not when it runs it.
  const checks = ctx.db.pragma('foreign_keys', { simple: true }) === 1;
  if (checks) ctx.db.pragma('foreign_keys = OFF');
  try {
    ctx.db.transaction(() => {
      for (const statement of emptying) statement.run();
      bootstrap(ctx.iam, ctx.config, ctx.now());
    })();
  } finally {
    if (checks) ctx.db.pragma('foreign_keys = ON');
  }
  ctx.iam.invalidate();
  collectBlobs(ctx);
  if (to === 'fixtures') for (const file of ctx.fixtureFiles) loadFixtures(ctx, file);
}

/** Saves the database with SQLite's backup API; object bytes are immutable files, so hard links keep them. */
export async function takeSnapshot(ctx: ServerContext, name: string): Promise<void> {
  if (!NAME.test(name)) throw new SnapshotError('snapshot names are 1-64 characters of A-Z a-z 0-9 . _ -');
  const dir = snapshotDir(ctx);
  const blobs = join(dir, `${name}.blobs`);
  rmSync(blobs, { recursive: true, force: true });
  mkdirSync(blobs);
  rmSync(join(dir, `${name}.sqlite`), { force: true });
  await ctx.db.backup(join(dir, `${name}.sqlite`));
  for (const blob of ctx.s3.referencedBlobFiles()) {
    const source = ctx.s3.blobPath(blob);
    if (existsSync(source)) linkSync(source, join(blobs, blob));
  }
}

export function listSnapshots(ctx: ServerContext): string[] {
  return readdirSync(snapshotDir(ctx)).filter((f) => f.endsWith('.sqlite')).map((f) => f.slice(0, -'.sqlite'.length)).sort();
}

export function restoreSnapshot(ctx: ServerContext, name: string): void {
  if (!NAME.test(name)) throw new SnapshotError('snapshot names are 1-64 characters of A-Z a-z 0-9 . _ -');
  const dir = snapshotDir(ctx);
  const file = join(dir, `${name}.sqlite`);
  if (!existsSync(file)) throw new SnapshotError(`no snapshot named ${name}`);
  ctx.db.prepare('ATTACH DATABASE ? AS snap').run(file);
  try {
    ctx.db.transaction(() => {
      for (const table of [...STATE_TABLES].reverse()) ctx.db.prepare(`DELETE FROM main.${table}`).run();
      // A snapshot taken before a table existed (an older iamlocal) restores it empty.
      const saved = new Set(ctx.db.prepare<[], string>("SELECT name FROM snap.sqlite_master WHERE type = 'table'").pluck().all());
      // Named columns: a snapshot taken before a column was added restores with that column's default.
      for (const table of STATE_TABLES) {
        if (!saved.has(table)) continue;
        const columns = ctx.db.prepare<[], string>(`SELECT name FROM pragma_table_info('${table}', 'snap')`).pluck().all().map((c) => `"${c}"`).join(', ');
        ctx.db.prepare(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM snap.${table}`).run();
      }
    })();
  } finally {
    ctx.db.prepare('DETACH DATABASE snap').run();
    ctx.iam.invalidate();
  }
  for (const blob of ctx.s3.referencedBlobFiles()) {
    const target = ctx.s3.blobPath(blob);
    const saved = join(dir, `${name}.blobs`, blob);
    if (!existsSync(target) && existsSync(saved)) linkSync(saved, target);
  }
  collectBlobs(ctx);
}
