-- Object tags and stored checksums; multipart uploads and their parts.
ALTER TABLE objects ADD COLUMN tags TEXT;
ALTER TABLE objects ADD COLUMN checksum TEXT;

CREATE TABLE multipart_uploads (
  upload_id       TEXT PRIMARY KEY,
  bucket_name     TEXT NOT NULL REFERENCES buckets(bucket_name),
  object_key      TEXT NOT NULL,
  initiator_arn   TEXT NOT NULL,
  owner_account   TEXT NOT NULL,
  initiated_at    TEXT NOT NULL,
  content_type    TEXT,
  metadata        TEXT,
  sse             TEXT,
  sse_kms_key_id  TEXT,
  tags            TEXT
);
CREATE INDEX multipart_uploads_by_bucket ON multipart_uploads(bucket_name, object_key, initiated_at);

CREATE TABLE multipart_parts (
  upload_id       TEXT NOT NULL REFERENCES multipart_uploads(upload_id) ON DELETE CASCADE,
  part_number     INTEGER NOT NULL,
  blob_id         TEXT NOT NULL,
  size            INTEGER NOT NULL,
  etag            TEXT NOT NULL,
  md5             BLOB NOT NULL,
  last_modified   TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
