-- A bucket's CORS configuration: the CORSRule list as JSON (GetBucketCors's shape); NULL: none configured.
ALTER TABLE buckets ADD COLUMN cors TEXT;
