-- S3 versioning and Object Lock.
-- A bucket's versioning state: NULL (never versioned), 'Enabled' or 'Suspended' (a bucket never goes back to NULL).
ALTER TABLE buckets ADD COLUMN versioning TEXT;
-- A bucket's Object Lock configuration as JSON ({"enabled":true,"rule":{"mode","days"|"years"}}); NULL: Object Lock off.
ALTER TABLE buckets ADD COLUMN object_lock TEXT;
-- The current version's id; NULL: the null version (written while the bucket was unversioned or suspended).
ALTER TABLE objects ADD COLUMN version_id TEXT;
-- The current version's retention and legal hold as JSON ({"mode","until","legalHold"}); NULL: none.
ALTER TABLE objects ADD COLUMN object_lock TEXT;
-- The lock a multipart upload asked for (x-amz-object-lock-*), given to the object when the upload completes.
ALTER TABLE multipart_uploads ADD COLUMN object_lock TEXT;
-- The version a completed upload made, for the retried CompleteMultipartUpload's x-amz-version-id.
ALTER TABLE completed_uploads ADD COLUMN version_id TEXT;

-- Every version that is not the current object: noncurrent versions and delete markers (a current delete marker too,
-- when the key then has no row in objects). The objects table keeps holding exactly the current, listable versions,
-- so ListObjects(V2) reads it as before. seq orders a key's versions: smaller is newer. row is the version's ObjectRow
-- as JSON (with its ACL grants under "acl"); blob_id repeats its blob for the blob sweep.
CREATE TABLE object_versions (
  bucket_name     TEXT NOT NULL REFERENCES buckets(bucket_name),
  object_key      TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  version_id      TEXT NOT NULL,
  delete_marker   INTEGER NOT NULL,
  blob_id         TEXT,
  row             TEXT NOT NULL,
  PRIMARY KEY (bucket_name, object_key, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX object_versions_by_id ON object_versions(bucket_name, object_key, version_id);
