-- SSE-KMS and bucket default encryption. sse_kms holds, as JSON, an SSE-KMS object's encrypted data key (a KMS
-- ciphertext blob; the plaintext key is never stored), the key ARN, the encryption context KMS bound it to, and the IV
-- of each encrypted segment; an upload keeps the same record without segments (each part keeps its own IV).
ALTER TABLE objects ADD COLUMN sse_kms TEXT;
ALTER TABLE multipart_uploads ADD COLUMN sse_kms TEXT;
-- A bucket's ServerSideEncryptionConfiguration as JSON; null: the default (SSE-S3, AES256).
ALTER TABLE buckets ADD COLUMN encryption TEXT;
