// S3 versioning with boto3 and the AWS CLI (client-tests/boto3-s3/versioning.py) against a live server.
import { test } from 'node:test';
import { runPythonChecksOnNewServer } from '../support/python-checks.ts';

test('boto3 + aws cli: versioning, delete markers, list-object-versions paging, s3 rm --recursive, object_versions.delete(), enforcement', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/versioning.py', 20);
});

test('boto3 + aws cli: a versioned bucket from fixtures (versions, delete markers, version ids) as an export writes it', async () => {
  await runPythonChecksOnNewServer('client-tests/boto3-s3/versions_fixture.py', 6, { fixtures: ['client-tests/boto3-s3/versions-fixture.yaml'] });
});
