// Bucket CORS with the AWS CLI (v1): put-bucket-cors from a file://, get-bucket-cors, delete-bucket-cors, the
// refusals AWS answers (InvalidRequest, NoSuchCORSConfiguration), a bucket's rules from fixtures, and the state export.
// AWS references: API Reference PutBucketCors / GetBucketCors / DeleteBucketCors; S3 User Guide "CORS configuration".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { exportState } from '../../server/src/store/state.ts';
import { runAwsCli, type CliResult } from '../support/aws-cli.ts';

let server: RunningServer;
let home: string;

const SEEDED = [{ ID: 'seeded', AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], MaxAgeSeconds: 600 }];

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-cors-'));
  writeFileSync(join(home, 'fixtures.json'), JSON.stringify({ buckets: [{ name: 'seeded', cors: SEEDED }, { name: 'plain' }] }));
  server = await startServer({ port: 0, db: ':memory:', fixtures: [join(home, 'fixtures.json')] });
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(args: string[]): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, json: true });
}

test('aws s3api put-bucket-cors (file://) / get-bucket-cors / delete-bucket-cors, refusals, fixtures and state export', async () => {
  // From fixtures, as GetBucketCors shows them.
  const seeded = await aws(['s3api', 'get-bucket-cors', '--bucket', 'seeded']);
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.deepEqual(JSON.parse(seeded.stdout), { CORSRules: SEEDED });

  const rules = { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['Authorization'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 }] };
  writeFileSync(join(home, 'cors.json'), JSON.stringify(rules));
  const put = await aws(['s3api', 'put-bucket-cors', '--bucket', 'plain', '--cors-configuration', `file://${join(home, 'cors.json')}`]);
  assert.equal(put.code, 0, put.stderr);
  assert.deepEqual(JSON.parse((await aws(['s3api', 'get-bucket-cors', '--bucket', 'plain'])).stdout), rules);
  // The state export carries both configurations (and loads back as fixtures: same shape).
  const state = exportState(server.ctx) as { buckets: { name: string; cors?: unknown }[] };
  assert.deepEqual(state.buckets.map((b) => [b.name, b.cors]), [['plain', rules.CORSRules], ['seeded', SEEDED]]);

  writeFileSync(join(home, 'bad.json'), JSON.stringify({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['OPTIONS'] }] }));
  const bad = await aws(['s3api', 'put-bucket-cors', '--bucket', 'plain', '--cors-configuration', `file://${join(home, 'bad.json')}`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /An error occurred \(InvalidRequest\) when calling the PutBucketCors operation: Found unsupported HTTP method in CORS config\. Unsupported method is OPTIONS/);

  assert.equal((await aws(['s3api', 'delete-bucket-cors', '--bucket', 'plain'])).code, 0);
  const gone = await aws(['s3api', 'get-bucket-cors', '--bucket', 'plain']);
  assert.match(gone.stderr, /An error occurred \(NoSuchCORSConfiguration\) when calling the GetBucketCors operation: The CORS configuration does not exist/);
});
