-- multipart uploads with additional checksums. The upload's algorithm and type (COMPOSITE or FULL_OBJECT) from
-- CreateMultipartUpload, and each part's checksum (base64), from which CompleteMultipartUpload computes the object's.
ALTER TABLE multipart_uploads ADD COLUMN checksum_algorithm TEXT;
ALTER TABLE multipart_uploads ADD COLUMN checksum_type TEXT;
ALTER TABLE multipart_parts ADD COLUMN checksum TEXT;
