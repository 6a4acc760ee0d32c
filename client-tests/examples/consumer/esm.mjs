// Example: iamlocal from plain Node.js, as an ES module (node esm.mjs). One allowed call, one denied with AWS's text.
import assert from 'node:assert/strict';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startIamlocal } from 'iamlocal';

const local = await startIamlocal({ fixtures: [new URL('fixtures.yaml', import.meta.url).pathname] });
try {
  const s3 = new S3Client(local.clientConfig({ role: 'report-reader' }));
  const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
  assert.equal(await report.Body.transformToString(), 'region,total\neu,42\nus,17\n');
  const denied = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })).catch((e) => e);
  assert.equal(denied.name, 'AccessDenied');
  assert.match(denied.message, /assumed-role\/report-reader\/iamlocal-test is not authorized to perform: s3:GetObject/);
  console.log(`esm: allowed and denied as expected (${local.endpoint})`);
} finally {
  await local.stop();
}
