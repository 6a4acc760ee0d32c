// Smaller S3 features with the AWS CLI (v1): multipart checksums, website, logging and notification configurations.
// AWS references: S3 User Guide "Checking object integrity"; API Reference CreateMultipartUpload (x-amz-checksum-algorithm
// / x-amz-checksum-type echoed), ListParts, PutBucketWebsite / GetBucketWebsite / DeleteBucketWebsite, GetBucketLogging,
// PutBucketNotificationConfiguration (x-amz-skip-destination-validation) / GetBucketNotificationConfiguration, RestoreObject.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { runAwsCli, type CliResult } from '../support/aws-cli.ts';

let server: RunningServer;
let home: string;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-s3misc-'));
  server = await startServer({ port: 0, db: ':memory:' });
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(args: string[]): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, json: true });
}
const ok = async (args: string[]): Promise<Record<string, unknown>> => {
  const r = await aws(args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
};

// Each AWS CLI run costs about a second: the bucket and objects are set up with the SDK, the CLI runs the operations.
test('aws s3api: create-multipart-upload --checksum-algorithm, website, notification and logging configurations, restore-object', async () => {
  const sdk = new S3Client({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true });
  await sdk.send(new CreateBucketCommand({ Bucket: 'cli-misc' }));
  await sdk.send(new PutObjectCommand({ Bucket: 'cli-misc', Key: 'cold', Body: 'cold bytes', StorageClass: 'GLACIER' }));
  sdk.destroy();

  const created = await ok(['s3api', 'create-multipart-upload', '--bucket', 'cli-misc', '--key', 'mp', '--checksum-algorithm', 'SHA256']);
  assert.deepEqual([created.ChecksumAlgorithm, created.ChecksumType], ['SHA256', 'COMPOSITE']);

  writeFileSync(join(home, 'website.json'), JSON.stringify({ IndexDocument: { Suffix: 'index.html' }, RoutingRules: [{ Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'new/' } }] }));
  await ok(['s3api', 'put-bucket-website', '--bucket', 'cli-misc', '--website-configuration', `file://${join(home, 'website.json')}`]);
  const site = await ok(['s3api', 'get-bucket-website', '--bucket', 'cli-misc']);
  assert.deepEqual(site.RoutingRules, [{ Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'new/' } }]);

  writeFileSync(join(home, 'notification.json'), JSON.stringify({ QueueConfigurations: [{ Id: 'q', QueueArn: 'not-an-arn', Events: ['s3:ObjectRemoved:*'] }] }));
  const bad = await aws(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-misc', '--skip-destination-validation', '--notification-configuration', `file://${join(home, 'notification.json')}`]);
  assert.match(bad.stderr, /\(InvalidArgument\) when calling the PutBucketNotificationConfiguration operation: The ARN is not well formed/);

  // No logging configured: an empty answer (the CLI prints nothing).
  assert.deepEqual(await ok(['s3api', 'get-bucket-logging', '--bucket', 'cli-misc']), {});

  await ok(['s3api', 'restore-object', '--bucket', 'cli-misc', '--key', 'cold', '--restore-request', 'Days=3,GlacierJobParameters={Tier=Standard}']);
  assert.equal((await fetch(`${server.url}/_iamlocal/s3/restore/run`, { method: 'POST' })).status, 200);
  assert.match((await ok(['s3api', 'head-object', '--bucket', 'cli-misc', '--key', 'cold'])).Restore as string,
    /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} 00:00:00 GMT"$/);
  // --optional-object-attributes RestoreStatus (API Reference, ListObjectsV2): the restore's state per archived object.
  const listed = await ok(['s3api', 'list-objects-v2', '--bucket', 'cli-misc', '--prefix', 'cold', '--optional-object-attributes', 'RestoreStatus']);
  const status = (listed.Contents as Array<{ RestoreStatus?: { IsRestoreInProgress: boolean; RestoreExpiryDate?: string } }>)[0]!.RestoreStatus;
  assert.equal(status?.IsRestoreInProgress, false);
  assert.match(status?.RestoreExpiryDate ?? '', /^\d{4}-\d{2}-\d{2}T00:00:00/);
  // --version-id names the version to restore (API Reference, RestoreObject); an unknown one: 404 NoSuchVersion.
  const unknown = await aws(['s3api', 'restore-object', '--bucket', 'cli-misc', '--key', 'cold', '--version-id', 'A'.repeat(32), '--restore-request', 'Days=1']);
  assert.match(unknown.stderr, /\(NoSuchVersion\) when calling the RestoreObject operation: The specified version does not exist\./);
});
