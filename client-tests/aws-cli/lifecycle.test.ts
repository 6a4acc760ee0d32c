// Bucket lifecycle configuration with the AWS CLI (v1): put-bucket-lifecycle-configuration from a file://,
// get-bucket-lifecycle-configuration, delete-bucket-lifecycle, a refusal, a configuration from fixtures, the state
// export, and the admin route that applies expiration. AWS references: API Reference PutBucketLifecycleConfiguration /
// GetBucketLifecycleConfiguration / DeleteBucketLifecycle; S3 User Guide "Lifecycle configuration elements".
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

const SEEDED = {
  Rules: [{ ID: 'seeded', Filter: { And: { Prefix: 'old/', Tags: [{ Key: 'a', Value: 'b' }] } }, Status: 'Enabled', Expiration: { Days: 1 },
    Transitions: [{ Date: '2030-01-01T00:00:00.000Z', StorageClass: 'GLACIER' }] }],
  TransitionDefaultMinimumObjectSize: 'varies_by_storage_class',
};

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-lifecycle-'));
  writeFileSync(join(home, 'fixtures.json'), JSON.stringify({ buckets: [{ name: 'seeded', lifecycle: SEEDED }, { name: 'plain', objects: [{ key: 'tmp/x', content: 'x' }, { key: 'keep/y', content: 'y' }] }] }));
  server = await startServer({ port: 0, db: ':memory:', fixtures: [join(home, 'fixtures.json')] });
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(args: string[]): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, json: true });
}

test('aws s3api put/get/delete lifecycle configuration, a refusal, fixtures, state export, lifecycle run', async () => {
  const seeded = await aws(['s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'seeded']);
  assert.equal(seeded.code, 0, seeded.stderr);
  const shown = JSON.parse(seeded.stdout) as typeof SEEDED;
  assert.deepEqual(shown.Rules[0]!.Filter, SEEDED.Rules[0]!.Filter);
  assert.equal(shown.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');

  const config = { Rules: [{ ID: 'tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled', Expiration: { Days: 1 } }] };
  writeFileSync(join(home, 'lifecycle.json'), JSON.stringify(config));
  const put = await aws(['s3api', 'put-bucket-lifecycle-configuration', '--bucket', 'plain', '--lifecycle-configuration', `file://${join(home, 'lifecycle.json')}`]);
  assert.equal(put.code, 0, put.stderr);
  assert.deepEqual(JSON.parse((await aws(['s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'plain'])).stdout),
    { ...config, TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K' });
  // The state export shows both configurations in the shape fixtures take.
  const state = exportState(server.ctx) as { buckets: { name: string; lifecycle?: unknown }[] };
  assert.deepEqual(state.buckets.map((b) => [b.name, b.lifecycle]), [
    ['plain', { ...config, TransitionDefaultMinimumObjectSize: 'all_storage_classes_128K' }], ['seeded', SEEDED]]);

  writeFileSync(join(home, 'bad.json'), JSON.stringify({ Rules: [{ ID: 'x', Filter: {}, Status: 'Enabled', Expiration: { Date: '2030-01-01T10:00:00Z' } }] }));
  const bad = await aws(['s3api', 'put-bucket-lifecycle-configuration', '--bucket', 'plain', '--lifecycle-configuration', `file://${join(home, 'bad.json')}`]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /An error occurred \(InvalidArgument\) when calling the PutBucketLifecycleConfiguration operation: 'Date' must be at midnight GMT/);

  // Expiration applied by the admin route, as of three days on.
  const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const ran = await fetch(`${server.url}/_iamlocal/s3/lifecycle/run?now=${later}`, { method: 'POST' });
  assert.deepEqual(((await ran.json()) as { expired: unknown[] }).expired, [{ bucket: 'plain', key: 'tmp/x', rule: 'tmp' }]);
  const after = exportState(server.ctx) as { buckets: { name: string; objects: { key: string }[] }[] };
  assert.deepEqual(after.buckets.find((b) => b.name === 'plain')!.objects.map((o) => o.key), ['keep/y']);

  assert.equal((await aws(['s3api', 'delete-bucket-lifecycle', '--bucket', 'plain'])).code, 0);
  const gone = await aws(['s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'plain']);
  assert.match(gone.stderr, /An error occurred \(NoSuchLifecycleConfiguration\) when calling the GetBucketLifecycleConfiguration operation: The lifecycle configuration does not exist/);
});
