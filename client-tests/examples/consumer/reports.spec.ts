// Example: iamlocal with vitest (npx vitest run): TypeScript, in-process, one iamlocal per test file.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from 'iamlocal';

let local: Iamlocal;
beforeAll(async () => {
  local = await startIamlocal({ listen: false, fixtures: [new URL('fixtures.yaml', import.meta.url).pathname] });
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
