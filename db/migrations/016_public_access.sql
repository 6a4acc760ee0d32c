-- Block Public Access, Object Ownership and ACLs.
-- A bucket's own PublicAccessBlockConfiguration (JSON: the four booleans); NULL: none configured. Buckets that
-- existed before this migration have none, as buckets created on AWS before April 2023.
ALTER TABLE buckets ADD COLUMN public_access_block TEXT;
-- ObjectOwnership: BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter; NULL: no ownership controls (ObjectWriter).
ALTER TABLE buckets ADD COLUMN object_ownership TEXT;
-- The bucket ACL's grants (JSON list); NULL: the default, the owner's FULL_CONTROL only.
ALTER TABLE buckets ADD COLUMN acl TEXT;

-- The account-level setting AWS keeps in S3 Control.
CREATE TABLE account_public_access_blocks (
  account_id  TEXT PRIMARY KEY REFERENCES accounts(account_id),
  config      TEXT NOT NULL
);

-- Object ACL grants (JSON list); no row: the default, the object owner's FULL_CONTROL only. Kept apart from the
-- object's row: a delete or an overwrite (a new blob) resets the ACL, as S3 does, by these triggers.
CREATE TABLE object_acls (
  bucket_name  TEXT NOT NULL,
  object_key   TEXT NOT NULL,
  acl          TEXT NOT NULL,
  PRIMARY KEY (bucket_name, object_key)
) WITHOUT ROWID;
CREATE TRIGGER object_acls_on_delete AFTER DELETE ON objects BEGIN
  DELETE FROM object_acls WHERE bucket_name = old.bucket_name AND object_key = old.object_key;
END;
CREATE TRIGGER object_acls_on_overwrite AFTER UPDATE OF blob_id ON objects WHEN new.blob_id <> old.blob_id BEGIN
  DELETE FROM object_acls WHERE bucket_name = old.bucket_name AND object_key = old.object_key;
END;

-- The ACL a multipart upload asked for (JSON grants), given to the object when the upload completes.
ALTER TABLE multipart_uploads ADD COLUMN acl TEXT;
