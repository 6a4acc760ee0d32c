-- IAM groups; their managed and inline policies use principal_kind 'group' in the policy tables.
CREATE TABLE groups (
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  group_name      TEXT NOT NULL,
  group_id        TEXT NOT NULL UNIQUE,
  path            TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (account_id, group_name COLLATE NOCASE)
);

CREATE TABLE group_members (
  account_id      TEXT NOT NULL,
  group_name      TEXT NOT NULL COLLATE NOCASE,
  user_name       TEXT NOT NULL COLLATE NOCASE,
  added_at        INTEGER NOT NULL,
  PRIMARY KEY (account_id, group_name, user_name)
);
CREATE INDEX group_members_by_user ON group_members(account_id, user_name);
