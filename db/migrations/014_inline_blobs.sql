-- Small object (and part) bodies live here instead of in a file each: a PUT then writes one row in the same
-- transaction as the object's, with no file to create now and none to unlink when it is replaced.
CREATE TABLE inline_blobs (
  blob_id  TEXT PRIMARY KEY,
  bytes    BLOB NOT NULL
);
