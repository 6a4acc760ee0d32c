-- The part sizes of an object made by CompleteMultipartUpload, as a JSON array in part order; NULL: one part (PutObject,
-- CopyObject). GET/HEAD ?partNumber= and GetObjectAttributes' ObjectParts read it.
ALTER TABLE objects ADD COLUMN parts TEXT;
