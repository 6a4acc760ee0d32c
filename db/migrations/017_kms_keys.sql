-- KMS: keys (metadata, key policy, tags, rotation), their key material versions, aliases and grants.
CREATE TABLE kms_keys (
  key_id               TEXT PRIMARY KEY,
  account_id           TEXT NOT NULL,
  region               TEXT NOT NULL,
  description          TEXT NOT NULL DEFAULT '',
  key_usage            TEXT NOT NULL,
  key_spec             TEXT NOT NULL,
  key_manager          TEXT NOT NULL,            -- CUSTOMER or AWS
  origin               TEXT NOT NULL DEFAULT 'AWS_KMS',
  state                TEXT NOT NULL,            -- Enabled, Disabled, PendingDeletion
  created_at           TEXT NOT NULL,
  deletion_date        TEXT,
  pending_window_days  INTEGER,
  policy               TEXT NOT NULL,
  tags                 TEXT NOT NULL DEFAULT '[]',   -- [{TagKey, TagValue}] in insertion order
  rotation_enabled     INTEGER NOT NULL DEFAULT 0,
  rotation_period_days INTEGER,
  next_rotation_date   TEXT
);
CREATE INDEX kms_keys_account ON kms_keys(account_id, created_at);

-- Version 1 is the key's original material; each rotation adds one. Ciphertexts name the version that made them.
CREATE TABLE kms_key_material (
  key_id     TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
  version    INTEGER NOT NULL,
  material   BLOB NOT NULL,
  created_at TEXT NOT NULL,
  rotation_type TEXT,
  PRIMARY KEY (key_id, version)
);

CREATE TABLE kms_aliases (
  account_id  TEXT NOT NULL,
  region      TEXT NOT NULL,
  alias_name  TEXT NOT NULL,
  key_id      TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  PRIMARY KEY (account_id, region, alias_name)
);
CREATE INDEX kms_aliases_key ON kms_aliases(key_id);

CREATE TABLE kms_grants (
  grant_id           TEXT PRIMARY KEY,
  key_id             TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
  name               TEXT,
  grantee_principal  TEXT NOT NULL,
  retiring_principal TEXT,
  issuing_account    TEXT NOT NULL,
  operations         TEXT NOT NULL,   -- JSON array
  constraints        TEXT,            -- JSON {EncryptionContextEquals?, EncryptionContextSubset?}
  token              TEXT NOT NULL,
  created_at         TEXT NOT NULL
);
CREATE INDEX kms_grants_key ON kms_grants(key_id, created_at);
