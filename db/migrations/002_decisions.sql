-- Bounded log of authorization decisions, for /_iamlocal/decisions.
CREATE TABLE decisions (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at              TEXT NOT NULL,
  principal       TEXT NOT NULL,
  action          TEXT NOT NULL,
  resource        TEXT NOT NULL,
  allowed         INTEGER NOT NULL,
  reason          TEXT,
  statements      TEXT NOT NULL,
  context         TEXT NOT NULL
);
CREATE INDEX decisions_by_principal ON decisions(principal, id);
