-- RestoreObject of GLACIER / DEEP_ARCHIVE objects. One row per restored object, keyed by its blob (an object
-- overwritten or copied is another blob, which no restore covers): the request, when the restore completes (scheduled
-- by tier, or when the admin route completes it), and when the restored copy expires.
CREATE TABLE object_restores (
  blob_id       TEXT PRIMARY KEY,
  bucket_name   TEXT NOT NULL,
  object_key    TEXT NOT NULL,
  tier          TEXT NOT NULL,
  days          INTEGER NOT NULL,
  requested_at  TEXT NOT NULL,
  completes_at  TEXT NOT NULL,
  completed_at  TEXT,
  expires_at    TEXT
);
