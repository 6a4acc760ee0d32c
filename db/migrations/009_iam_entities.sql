-- The rest of the IAM surface: instance profiles, OIDC providers, login profiles, account alias and password
-- policy, service-linked role deletion tasks, and when access keys and roles were last used.
CREATE TABLE instance_profiles (
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  profile_name    TEXT NOT NULL,
  profile_id      TEXT NOT NULL UNIQUE,
  path            TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  tags            TEXT,
  PRIMARY KEY (account_id, profile_name COLLATE NOCASE)
);

-- At most one role per instance profile (AWS's quota).
CREATE TABLE instance_profile_roles (
  account_id      TEXT NOT NULL,
  profile_name    TEXT NOT NULL COLLATE NOCASE,
  role_name       TEXT NOT NULL COLLATE NOCASE,
  added_at        INTEGER NOT NULL,
  PRIMARY KEY (account_id, profile_name, role_name)
);
CREATE INDEX instance_profile_roles_by_role ON instance_profile_roles(account_id, role_name);

-- url is stored without its scheme (the ARN form: host[/path]); client ids and thumbprints as JSON arrays.
CREATE TABLE oidc_providers (
  account_id      TEXT NOT NULL REFERENCES accounts(account_id),
  url             TEXT NOT NULL,
  client_ids      TEXT NOT NULL,
  thumbprints     TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  tags            TEXT,
  PRIMARY KEY (account_id, url)
);

CREATE TABLE login_profiles (
  account_id      TEXT NOT NULL,
  user_name       TEXT NOT NULL COLLATE NOCASE,
  password_hash   TEXT NOT NULL,
  password_reset_required INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  -- Hashes of earlier passwords, newest first (JSON), for the password policy's PasswordReusePrevention.
  password_history TEXT,
  PRIMARY KEY (account_id, user_name)
);

CREATE TABLE account_aliases (
  account_id      TEXT PRIMARY KEY REFERENCES accounts(account_id),
  alias           TEXT NOT NULL UNIQUE
);

-- One row per account with a password policy (the JSON of GetAccountPasswordPolicy's PasswordPolicy).
CREATE TABLE password_policies (
  account_id      TEXT PRIMARY KEY REFERENCES accounts(account_id),
  policy          TEXT NOT NULL
);

CREATE TABLE service_linked_role_deletions (
  task_id         TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  role_name       TEXT NOT NULL,
  status          TEXT NOT NULL,
  created_at      TEXT NOT NULL
);

ALTER TABLE access_keys ADD COLUMN last_used_at TEXT;
ALTER TABLE access_keys ADD COLUMN last_used_service TEXT;
ALTER TABLE access_keys ADD COLUMN last_used_region TEXT;
ALTER TABLE roles ADD COLUMN last_used_at TEXT;
ALTER TABLE roles ADD COLUMN last_used_region TEXT;
