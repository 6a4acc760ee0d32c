-- AWS Organizations: organizations (one per management account), their roots' enabled policy types, OUs, member
-- accounts, customer managed SCPs/RCPs and policy attachments. The AWS managed policies (p-FullAWSAccess,
-- p-RCPFullAWSAccess) are not stored: every organization shares them, their attachments are stored like any other.
CREATE TABLE org_organizations (
  org_id             TEXT PRIMARY KEY,          -- o-[a-z0-9]{10}
  management_account TEXT NOT NULL UNIQUE,
  root_id            TEXT NOT NULL UNIQUE,      -- r-[0-9a-z]{4}
  feature_set        TEXT NOT NULL DEFAULT 'ALL',
  created_at         TEXT NOT NULL
);

-- The policy types enabled in a root (SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY).
CREATE TABLE org_policy_types (
  root_id     TEXT NOT NULL REFERENCES org_organizations(root_id) ON DELETE CASCADE,
  policy_type TEXT NOT NULL,
  PRIMARY KEY (root_id, policy_type)
);

CREATE TABLE org_units (
  ou_id      TEXT PRIMARY KEY,                  -- ou-<root part>-<8 to 32 characters>
  org_id     TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
  parent_id  TEXT NOT NULL,                     -- the root or another OU
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX org_units_parent ON org_units(parent_id, name);

-- Every account of an organization, the management account included.
CREATE TABLE org_accounts (
  account_id    TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
  parent_id     TEXT NOT NULL,
  name          TEXT NOT NULL,
  email         TEXT NOT NULL,
  joined_method TEXT NOT NULL,                  -- CREATED or INVITED
  joined_at     TEXT NOT NULL
);
CREATE INDEX org_accounts_parent ON org_accounts(parent_id, account_id);
CREATE INDEX org_accounts_org ON org_accounts(org_id, joined_at);

CREATE TABLE org_create_account_status (
  request_id   TEXT PRIMARY KEY,                -- car-[a-z0-9]{8,32}
  org_id       TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
  account_name TEXT NOT NULL,
  account_id   TEXT,
  state        TEXT NOT NULL,                   -- SUCCEEDED (creation completes at once) or FAILED
  failure      TEXT,
  requested_at TEXT NOT NULL,
  completed_at TEXT
);

CREATE TABLE org_policies (
  policy_id   TEXT PRIMARY KEY,                 -- p-[0-9a-z]{8}
  org_id      TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
  type        TEXT NOT NULL,                    -- SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  content     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX org_policies_name ON org_policies(org_id, type, name);

CREATE TABLE org_attachments (
  org_id      TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
  policy_id   TEXT NOT NULL,
  target_id   TEXT NOT NULL,                    -- a root, OU or account id
  attached_at TEXT NOT NULL,
  seq         INTEGER NOT NULL,                 -- attachment order, for listings
  PRIMARY KEY (policy_id, target_id)
);
CREATE INDEX org_attachments_target ON org_attachments(target_id, seq);
