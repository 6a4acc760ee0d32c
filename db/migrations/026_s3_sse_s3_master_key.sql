-- SSE-S3 at rest. The server's own key, made once per database: each SSE-S3 object's data key is stored
-- wrapped under it (AES-256-GCM), its bytes encrypted under the data key. Not part of the state that reset clears.
CREATE TABLE s3_sse_master_key (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL
);
INSERT INTO s3_sse_master_key (id, key) VALUES (1, randomblob(32));
