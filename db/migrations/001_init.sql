-- Accounts: each has its own root credentials and S3 canonical id.
CREATE TABLE accounts (
  account_id      TEXT PRIMARY KEY,
  canonical_id    TEXT NOT NULL,
  display_name    TEXT NOT NULL,
  created_at      TEXT NOT NULL
);

CREATE TABLE users (
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  user_name       TEXT NOT NULL,
  user_id         TEXT NOT NULL UNIQUE,
  path            TEXT NOT NULL,
  permissions_boundary TEXT,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (account_id, user_name COLLATE NOCASE)
);

-- Long-term keys: the account root (user_name NULL) and IAM users.
CREATE TABLE access_keys (
  access_key_id   TEXT PRIMARY KEY,
  secret_key      TEXT NOT NULL,
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  user_name       TEXT,
  status          TEXT NOT NULL DEFAULT 'Active',
  created_at      TEXT NOT NULL
);
CREATE INDEX access_keys_by_user ON access_keys(account_id, user_name);

CREATE TABLE roles (
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  role_name       TEXT NOT NULL,
  role_id         TEXT NOT NULL UNIQUE,
  path            TEXT NOT NULL,
  trust_policy    TEXT NOT NULL,
  description     TEXT,
  max_session_duration INTEGER NOT NULL DEFAULT 3600,
  permissions_boundary TEXT,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (account_id, role_name COLLATE NOCASE)
);

CREATE TABLE managed_policies (
  arn             TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  policy_name     TEXT NOT NULL,
  policy_id       TEXT NOT NULL UNIQUE,
  path            TEXT NOT NULL,
  description     TEXT,
  default_version TEXT NOT NULL,
  next_version    INTEGER NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX managed_policies_name ON managed_policies(account_id, policy_name COLLATE NOCASE);

CREATE TABLE policy_versions (
  policy_arn      TEXT NOT NULL REFERENCES managed_policies(arn) ON DELETE CASCADE,
  version_id      TEXT NOT NULL,
  document        TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (policy_arn, version_id)
);

-- Managed policy attachments; principal_kind is 'user' or 'role'.
CREATE TABLE policy_attachments (
  policy_arn      TEXT NOT NULL REFERENCES managed_policies(arn),
  account_id      TEXT NOT NULL,
  principal_kind  TEXT NOT NULL,
  principal_name  TEXT NOT NULL COLLATE NOCASE,
  attached_at     INTEGER NOT NULL,
  PRIMARY KEY (account_id, principal_kind, principal_name, policy_arn)
);
CREATE INDEX policy_attachments_by_policy ON policy_attachments(policy_arn);

CREATE TABLE inline_policies (
  account_id      TEXT NOT NULL,
  principal_kind  TEXT NOT NULL,
  principal_name  TEXT NOT NULL COLLATE NOCASE,
  policy_name     TEXT NOT NULL,
  document        TEXT NOT NULL,
  PRIMARY KEY (account_id, principal_kind, principal_name, policy_name)
);

-- Temporary credentials issued by STS (or seeded by fixtures).
CREATE TABLE sessions (
  access_key_id   TEXT PRIMARY KEY,
  secret_key      TEXT NOT NULL,
  session_token   TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  role_name       TEXT NOT NULL,
  role_id         TEXT NOT NULL,
  session_name    TEXT NOT NULL,
  source_identity TEXT,
  session_policy  TEXT,
  session_policy_arns TEXT,
  issued_at       TEXT NOT NULL,
  expires_at      TEXT NOT NULL
);

CREATE TABLE buckets (
  bucket_name     TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  region          TEXT NOT NULL,
  policy          TEXT,
  created_at      TEXT NOT NULL
);

-- Object bytes live in files under the blob directory; a row is only written after its file is complete.
CREATE TABLE objects (
  bucket_name     TEXT NOT NULL REFERENCES buckets(bucket_name),
  object_key      TEXT NOT NULL,
  blob_id         TEXT NOT NULL,
  size            INTEGER NOT NULL,
  etag            TEXT NOT NULL,
  last_modified   TEXT NOT NULL,
  owner_account   TEXT NOT NULL,
  content_type    TEXT,
  metadata        TEXT,
  sse             TEXT,
  sse_kms_key_id  TEXT,
  PRIMARY KEY (bucket_name, object_key)
) WITHOUT ROWID;

CREATE TABLE settings (
  name            TEXT PRIMARY KEY,
  value           TEXT NOT NULL
);
