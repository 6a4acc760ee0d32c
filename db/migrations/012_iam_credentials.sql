-- The rest of IAM's credentials: virtual MFA devices, SSH public keys, server and signing certificates,
-- service-specific credentials, the account's STS preferences, and when a session's MFA was verified.

-- serial_number is the device ARN (arn:aws:iam::ACCOUNT:mfa{path}{name}); seed is the Base32StringSeed.
-- user_name is null while the device is unassigned; drift is the time-step offset ResyncMFADevice measured.
CREATE TABLE mfa_devices (
  serial_number   TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  device_name     TEXT NOT NULL,
  path            TEXT NOT NULL,
  seed            TEXT NOT NULL,
  user_name       TEXT COLLATE NOCASE,
  enable_date     TEXT,
  drift           INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  tags            TEXT
);
CREATE INDEX mfa_devices_by_user ON mfa_devices(account_id, user_name);

CREATE TABLE ssh_public_keys (
  key_id          TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  user_name       TEXT NOT NULL COLLATE NOCASE,
  body            TEXT NOT NULL,
  fingerprint     TEXT NOT NULL,
  status          TEXT NOT NULL,
  uploaded_at     TEXT NOT NULL
);
CREATE INDEX ssh_public_keys_by_user ON ssh_public_keys(account_id, user_name);

CREATE TABLE server_certificates (
  account_id      TEXT NOT NULL,
  name            TEXT NOT NULL,
  certificate_id  TEXT NOT NULL UNIQUE,
  path            TEXT NOT NULL,
  body            TEXT NOT NULL,
  chain           TEXT,
  expiration      TEXT NOT NULL,
  uploaded_at     TEXT NOT NULL,
  tags            TEXT,
  PRIMARY KEY (account_id, name COLLATE NOCASE)
);

-- user_name is null for the root user's certificates.
CREATE TABLE signing_certificates (
  certificate_id  TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  user_name       TEXT COLLATE NOCASE,
  body            TEXT NOT NULL,
  status          TEXT NOT NULL,
  uploaded_at     TEXT NOT NULL
);
CREATE INDEX signing_certificates_by_user ON signing_certificates(account_id, user_name);

CREATE TABLE service_specific_credentials (
  credential_id   TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  user_name       TEXT NOT NULL COLLATE NOCASE,
  service_name    TEXT NOT NULL,
  service_user_name TEXT,
  service_password TEXT,
  credential_alias TEXT,
  credential_secret TEXT,
  status          TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  expires_at      TEXT
);
CREATE INDEX service_specific_credentials_by_user ON service_specific_credentials(account_id, user_name);

-- SetSecurityTokenServicePreferences: v1Token (regional-only tokens from the global endpoint) or v2Token.
CREATE TABLE sts_preferences (
  account_id      TEXT PRIMARY KEY,
  global_endpoint_token_version TEXT NOT NULL
);

-- When the session's MFA code was verified (GetSessionToken/AssumeRole with SerialNumber and TokenCode), or null.
ALTER TABLE sessions ADD COLUMN mfa_authenticated_at TEXT;
