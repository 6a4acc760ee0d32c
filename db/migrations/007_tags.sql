-- IAM tags (JSON objects key → value) on users, roles and customer managed policies.
ALTER TABLE users ADD COLUMN tags TEXT;
ALTER TABLE roles ADD COLUMN tags TEXT;
ALTER TABLE managed_policies ADD COLUMN tags TEXT;
