-- Bucket tag sets (JSON object key → value).
ALTER TABLE buckets ADD COLUMN tags TEXT;
