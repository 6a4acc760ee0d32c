// Example: iamlocal with node:test (node --test node-test.example.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startIamlocal } from 'iamlocal';

let local;
before(async () => {
  local = await startIamlocal({ listen: false, fixtures: [new URL('fixtures.yaml', import.meta.url).pathname] });
});
after(() => local.stop());

test('the role reads reports/*', async () => {
  const s3 = new S3Client(local.clientConfig({ role: 'report-reader' }));
  const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
  assert.match(await report.Body.transformToString(), /^region,total/);
});

test('and is denied private/*', async () => {
  const s3 = new S3Client(local.clientConfig({ role: 'report-reader' }));
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })), { name: 'AccessDenied' });
});
