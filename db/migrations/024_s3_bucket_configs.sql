-- a bucket's logging, website and notification configurations, each as JSON in the shape of its Get
-- operation's output (GetBucketLogging's LoggingEnabled, GetBucketWebsite, GetBucketNotificationConfiguration); NULL: none.
ALTER TABLE buckets ADD COLUMN logging TEXT;
ALTER TABLE buckets ADD COLUMN website TEXT;
ALTER TABLE buckets ADD COLUMN notification TEXT;
