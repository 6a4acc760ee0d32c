-- A bucket's lifecycle configuration: the Rule list as JSON (GetBucketLifecycleConfiguration's element shape) and the
-- TransitionDefaultMinimumObjectSize; NULL: none configured.
ALTER TABLE buckets ADD COLUMN lifecycle TEXT;
