-- The decision log's own database (beside the state database, or in memory with it), written by
-- server/src/store/decision-writer.cjs. It is a bounded log, not state: snapshots and restores leave it alone.
CREATE TABLE IF NOT EXISTS decisions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          TEXT NOT NULL,
  principal   TEXT NOT NULL,
  action      TEXT NOT NULL,
  resource    TEXT NOT NULL,
  allowed     INTEGER NOT NULL,
  reason      TEXT,
  statements  TEXT NOT NULL,
  context     TEXT NOT NULL,
  mode        TEXT NOT NULL DEFAULT 'on'
);
CREATE INDEX IF NOT EXISTS decisions_by_principal ON decisions(principal, id);
CREATE INDEX IF NOT EXISTS decisions_by_time ON decisions(at);
