import type { Db } from './db.ts';

/** A RestoreObject of an archived object (see db/migrations/025_s3_object_restores.sql). */
export interface RestoreRow {
  blob_id: string; bucket_name: string; object_key: string; tier: string; days: number;
  requested_at: string; completes_at: string; completed_at: string | null; expires_at: string | null;
}

type Statements = ReturnType<typeof prepare>;
const statements = new WeakMap<Db, Statements>();

function prepare(db: Db) {
  return {
    get: db.prepare<[string], RestoreRow>('SELECT * FROM object_restores WHERE blob_id = ?'),
    put: db.prepare(`INSERT INTO object_restores (blob_id, bucket_name, object_key, tier, days, requested_at, completes_at, completed_at, expires_at)
      VALUES (@blob_id, @bucket_name, @object_key, @tier, @days, @requested_at, @completes_at, @completed_at, @expires_at)
      ON CONFLICT DO UPDATE SET tier = excluded.tier, days = excluded.days, requested_at = excluded.requested_at, completes_at = excluded.completes_at,
      completed_at = excluded.completed_at, expires_at = excluded.expires_at`),
    ongoing: db.prepare<[], RestoreRow>('SELECT * FROM object_restores WHERE completed_at IS NULL ORDER BY completes_at, blob_id'),
    // Restores of blobs no version holds any more (deleted for good): nothing can read them. A noncurrent version keeps its
    // blob, and its restore, in object_versions.
    prune: db.prepare(`DELETE FROM object_restores WHERE blob_id NOT IN (SELECT blob_id FROM objects)
      AND blob_id NOT IN (SELECT blob_id FROM object_versions WHERE blob_id IS NOT NULL)`),
  };
}

/** Object restores, prepared once per database. */
export function restoreStore(db: Db): { get(blobId: string): RestoreRow | undefined; put(row: RestoreRow): void; ongoing(): RestoreRow[]; prune(): void } {
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  const st = s;
  return {
    get: (blobId) => st.get.get(blobId),
    put: (row) => { st.put.run(row); },
    ongoing: () => st.ongoing.all(),
    prune: () => { st.prune.run(); },
  };
}
