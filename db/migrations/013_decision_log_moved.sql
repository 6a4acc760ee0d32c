-- The decision log now lives in its own database, written off the request thread (db/decision-log.sql).
DROP TABLE decisions;
