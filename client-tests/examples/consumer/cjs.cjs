// Example: iamlocal from CommonJS (node cjs.cjs): require('iamlocal'), in-process (no port).
const assert = require('node:assert/strict');
const { GetObjectCommand, S3Client } = require('@aws-sdk/client-s3');
const { startIamlocal } = require('iamlocal');

(async () => {
  const local = await startIamlocal({ listen: false, fixtures: [`${__dirname}/fixtures.yaml`] });
  try {
    const s3 = new S3Client(local.clientConfig({ role: 'report-reader' }));
    const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
    assert.match(await report.Body.transformToString(), /^region,total/);
    const denied = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })).catch((e) => e);
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.$metadata.httpStatusCode, 403);
    console.log(`cjs: allowed and denied as expected (${local.endpoint})`);
  } finally {
    await local.stop();
  }
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
