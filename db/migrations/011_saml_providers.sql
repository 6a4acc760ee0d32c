-- IAM SAML identity providers: AssumeRoleWithSAML verifies assertions against the metadata's signing certificates.
CREATE TABLE saml_providers (
  arn             TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  name            TEXT NOT NULL,
  provider_uuid   TEXT NOT NULL,
  metadata        TEXT NOT NULL,
  valid_until     TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  tags            TEXT
);
CREATE UNIQUE INDEX saml_providers_name ON saml_providers(account_id, name COLLATE NOCASE);
