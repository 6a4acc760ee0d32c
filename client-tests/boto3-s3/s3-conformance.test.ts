// S3 behaviours found by a public conformance suite (ceph/s3-tests), pinned with boto3 (client-tests/boto3-s3/s3_conformance.py).
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3: behaviours found by the ceph/s3-tests conformance run', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/s3_conformance.py', 16);
});
