// Group commit: writes of one turn share a COMMIT, settle only after it, and fail alone unless the COMMIT itself fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from '../src/store/group-commit.ts';

async function withDatabase(use: (db: Database.Database, reader: () => Database.Database) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-group-commit-'));
  const path = join(dir, 'state.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE parents (id TEXT PRIMARY KEY);
    CREATE TABLE rows (id TEXT PRIMARY KEY, parent TEXT REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED);`);
  const readers: Database.Database[] = [];
  try {
    await use(db, () => { const r = new Database(path, { readonly: true }); readers.push(r); return r; });
  } finally {
    for (const r of readers) r.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('writes queued in one turn commit together, in order, and resolve only once committed', () => withDatabase(async (db, reader) => {
  const group = new GroupCommit(db);
  const insert = db.prepare('INSERT INTO rows (id) VALUES (?)');
  const other = reader();
  const count = other.prepare('SELECT count(*) FROM rows').pluck();
  const commits: number[] = [];
  const writes = ['a', 'b', 'c'].map((id, i) => group.run(() => { insert.run(id); commits.push(i); return id.toUpperCase(); }));
  // Nothing runs, let alone commits, in the turn that queued the writes.
  assert.deepEqual(commits, []);
  assert.equal(count.get(), 0);
  assert.deepEqual(await Promise.all(writes), ['A', 'B', 'C']);
  assert.deepEqual(commits, [0, 1, 2]);
  // Another connection sees every row: the batch was committed before the promises settled.
  assert.equal(count.get(), 3);
  assert.equal(db.inTransaction, false);
}));

test('a write that throws rolls back its own changes and fails alone', () => withDatabase(async (db, reader) => {
  const group = new GroupCommit(db);
  const insert = db.prepare('INSERT INTO rows (id) VALUES (?)');
  const first = group.run(() => insert.run('kept-1'));
  const failing = group.run(() => { insert.run('rolled-back'); insert.run('kept-1'); });
  const last = group.run(() => insert.run('kept-2'));
  await first;
  await assert.rejects(failing, /UNIQUE constraint failed/);
  await last;
  const ids = reader().prepare('SELECT id FROM rows ORDER BY id').pluck().all();
  assert.deepEqual(ids, ['kept-1', 'kept-2']);
}));

test('when the COMMIT itself fails, every write of the batch fails and none is stored; the next batch is unaffected', () => withDatabase(async (db, reader) => {
  const group = new GroupCommit(db);
  const insert = db.prepare('INSERT INTO rows (id, parent) VALUES (?, ?)');
  // A deferred foreign key is checked at COMMIT: one orphan row fails the whole batch there.
  const innocent = group.run(() => insert.run('innocent', null));
  const orphan = group.run(() => insert.run('orphan', 'no-such-parent'));
  await assert.rejects(innocent, /FOREIGN KEY constraint failed/);
  await assert.rejects(orphan, /FOREIGN KEY constraint failed/);
  const count = reader().prepare('SELECT count(*) FROM rows').pluck();
  assert.equal(count.get(), 0);
  assert.equal(db.inTransaction, false);
  await group.run(() => insert.run('later', null));
  assert.equal(count.get(), 1);
}));

test('flush commits what is queued at once (the store flushes before the database closes)', () => withDatabase(async (db, reader) => {
  const group = new GroupCommit(db);
  const write = group.run(() => db.prepare('INSERT INTO rows (id) VALUES (?)').run('now'));
  group.flush();
  assert.equal(reader().prepare('SELECT count(*) FROM rows').pluck().get(), 1);
  await write;
}));
