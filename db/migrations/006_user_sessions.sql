-- Temporary credentials from GetSessionToken belong to an IAM user (or the root user) rather than a role.
ALTER TABLE sessions ADD COLUMN principal_type TEXT NOT NULL DEFAULT 'role';
ALTER TABLE sessions ADD COLUMN user_name TEXT;
