-- SSE-C and storage classes. sse_customer holds the customer key's salted HMAC (never the key) as JSON, and for an
-- object the IV of each encrypted segment (one per part of a multipart upload); a part keeps its own IV.
ALTER TABLE objects ADD COLUMN storage_class TEXT;
ALTER TABLE objects ADD COLUMN sse_customer TEXT;
ALTER TABLE multipart_uploads ADD COLUMN storage_class TEXT;
ALTER TABLE multipart_uploads ADD COLUMN sse_customer TEXT;
ALTER TABLE multipart_parts ADD COLUMN iv BLOB;

-- Uploads completed recently, so that a retried CompleteMultipartUpload gets the same answer as the first.
CREATE TABLE completed_uploads (
  upload_id     TEXT PRIMARY KEY,
  bucket_name   TEXT NOT NULL,
  object_key    TEXT NOT NULL,
  etag          TEXT NOT NULL,
  sse           TEXT,
  sse_kms_key_id TEXT,
  completed_at  TEXT NOT NULL
) WITHOUT ROWID;
