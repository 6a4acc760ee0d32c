// Example: iamlocal with Jest and ts-jest (npx jest): the TypeScript is compiled to CommonJS, so this loads
// require('iamlocal') (dist/index.cjs).
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from 'iamlocal';

let local: Iamlocal;
beforeAll(async () => {
  local = await startIamlocal({ listen: false, fixtures: [`${__dirname}/fixtures.yaml`] });
});
afterAll(() => local.stop());

test('the role reads reports/*', async () => {
  const s3 = new S3Client(local.clientConfig({ role: 'report-reader' }));
  const report = await s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'reports/2026-q3.csv' }));
  expect(await report.Body!.transformToString()).toMatch(/^region,total/);
});

test('and is denied private/*', async () => {
  const s3 = new S3Client(local.clientConfig({ role: 'report-reader' }));
  await expect(s3.send(new GetObjectCommand({ Bucket: 'example-data', Key: 'private/salaries.csv' })))
    .rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
});
