-- STS federation: OpenID Connect providers (IF NOT EXISTS: the IAM OpenIDConnectProvider branch creates the same table in
-- 009), JSON Web Key Sets registered for issuers (there is no internet to fetch them from), and session tags.
CREATE TABLE IF NOT EXISTS oidc_providers (
  account_id      TEXT NOT NULL,
  url             TEXT NOT NULL,
  client_ids      TEXT NOT NULL DEFAULT '[]',
  thumbprints     TEXT NOT NULL DEFAULT '[]',
  created_at      TEXT NOT NULL,
  tags            TEXT,
  PRIMARY KEY (account_id, url)
);

CREATE TABLE IF NOT EXISTS oidc_jwks (
  issuer          TEXT PRIMARY KEY,
  jwks            TEXT NOT NULL,
  registered_at   TEXT NOT NULL
);

-- Session tags (JSON object key → value) and the keys among them that pass to chained role sessions (JSON array).
ALTER TABLE sessions ADD COLUMN tags TEXT;
ALTER TABLE sessions ADD COLUMN transitive_tag_keys TEXT;
-- The identity provider (OIDC/SAML provider ARN) a federated role session came from: aws:FederatedProvider.
ALTER TABLE sessions ADD COLUMN federated_provider TEXT;
