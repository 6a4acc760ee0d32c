// Smaller S3 features with the AWS CLI (v1): multipart checksums, website, logging and notification configurations.
// AWS references: S3 User Guide "Checking object integrity"; API Reference CreateMultipartUpload (x-amz-checksum-algorithm
// / x-amz-checksum-type echoed), ListParts, PutBucketWebsite / GetBucketWebsite / DeleteBucketWebsite, GetBucketLogging,
// PutBucketNotificationConfiguration (x-amz-skip-destination-validation) / GetBucketNotificationConfiguration, RestoreObject.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';

const run = promisify(execFile);
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

async function aws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: server.url, AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '',
  };
  try {
    const { stdout, stderr } = await run('aws', [...args, '--output', 'json'], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { code: 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const ok = async (args: string[]): Promise<Record<string, unknown>> => {
  const r = await aws(args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
};

test('aws s3api: multipart upload with --checksum-algorithm SHA256, part checksums in list-parts, the composite result', async () => {
  await ok(['s3api', 'create-bucket', '--bucket', 'cli-misc']);
  const created = await ok(['s3api', 'create-multipart-upload', '--bucket', 'cli-misc', '--key', 'mp', '--checksum-algorithm', 'SHA256']);
  assert.equal(created.ChecksumAlgorithm, 'SHA256');
  assert.equal(created.ChecksumType, 'COMPOSITE');
  const uploadId = created.UploadId as string;
  writeFileSync(join(home, 'part'), 'one small part');
  const part = await ok(['s3api', 'upload-part', '--bucket', 'cli-misc', '--key', 'mp', '--upload-id', uploadId, '--part-number', '1', '--body', join(home, 'part'), '--checksum-algorithm', 'SHA256']);
  const listed = await ok(['s3api', 'list-parts', '--bucket', 'cli-misc', '--key', 'mp', '--upload-id', uploadId]);
  assert.equal(listed.ChecksumAlgorithm, 'SHA256');
  assert.equal((listed.Parts as { ChecksumSHA256: string }[])[0]!.ChecksumSHA256, part.ChecksumSHA256);
  writeFileSync(join(home, 'parts.json'), JSON.stringify({ Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 }] }));
  const done = await ok(['s3api', 'complete-multipart-upload', '--bucket', 'cli-misc', '--key', 'mp', '--upload-id', uploadId, '--multipart-upload', `file://${join(home, 'parts.json')}`]);
  assert.match(done.ChecksumSHA256 as string, /^[A-Za-z0-9+/]{43}=-1$/);
  const bad = await aws(['s3api', 'create-multipart-upload', '--bucket', 'cli-misc', '--key', 'x', '--checksum-algorithm', 'CRC64NVME', '--checksum-type', 'COMPOSITE']);
  assert.match(bad.stderr, /\(InvalidRequest\) when calling the CreateMultipartUpload operation: The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm\./);
});

test('aws s3api: put/get/delete-bucket-website, get-bucket-logging, put/get-bucket-notification-configuration', async () => {
  await ok(['s3api', 'create-bucket', '--bucket', 'cli-site']);
  writeFileSync(join(home, 'website.json'), JSON.stringify({ IndexDocument: { Suffix: 'index.html' }, RoutingRules: [{ Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'new/' } }] }));
  await ok(['s3api', 'put-bucket-website', '--bucket', 'cli-site', '--website-configuration', `file://${join(home, 'website.json')}`]);
  const site = await ok(['s3api', 'get-bucket-website', '--bucket', 'cli-site']);
  assert.deepEqual(site.RoutingRules, [{ Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'new/' } }]);
  await ok(['s3api', 'delete-bucket-website', '--bucket', 'cli-site']);
  const gone = await aws(['s3api', 'get-bucket-website', '--bucket', 'cli-site']);
  assert.match(gone.stderr, /\(NoSuchWebsiteConfiguration\) when calling the GetBucketWebsite operation: The specified bucket does not have a website configuration/);

  // No logging configured: an empty answer (the CLI prints nothing).
  assert.deepEqual(await ok(['s3api', 'get-bucket-logging', '--bucket', 'cli-site']), {});

  writeFileSync(join(home, 'notification.json'), JSON.stringify({ QueueConfigurations: [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:q', Events: ['s3:ObjectRemoved:*'] }] }));
  await ok(['s3api', 'put-bucket-notification-configuration', '--bucket', 'cli-site', '--skip-destination-validation', '--notification-configuration', `file://${join(home, 'notification.json')}`]);
  const notification = await ok(['s3api', 'get-bucket-notification-configuration', '--bucket', 'cli-site']);
  assert.deepEqual(notification.QueueConfigurations, [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:q', Events: ['s3:ObjectRemoved:*'] }]);
});

test('aws s3api restore-object of a GLACIER object: 202, head-object Restore, readable once the admin route completes it', async () => {
  await ok(['s3api', 'create-bucket', '--bucket', 'cli-cold']);
  writeFileSync(join(home, 'cold'), 'cold bytes');
  await ok(['s3api', 'put-object', '--bucket', 'cli-cold', '--key', 'k', '--body', join(home, 'cold'), '--storage-class', 'GLACIER']);
  const refused = await aws(['s3api', 'get-object', '--bucket', 'cli-cold', '--key', 'k', join(home, 'out')]);
  assert.match(refused.stderr, /\(InvalidObjectState\) when calling the GetObject operation/);
  await ok(['s3api', 'restore-object', '--bucket', 'cli-cold', '--key', 'k', '--restore-request', 'Days=3,GlacierJobParameters={Tier=Standard}']);
  assert.equal((await ok(['s3api', 'head-object', '--bucket', 'cli-cold', '--key', 'k'])).Restore, 'ongoing-request="true"');
  assert.equal((await fetch(`${server.url}/_iamlocal/s3/restore/run`, { method: 'POST' })).status, 200);
  assert.match((await ok(['s3api', 'head-object', '--bucket', 'cli-cold', '--key', 'k'])).Restore as string, /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} 00:00:00 GMT"$/);
  await ok(['s3api', 'get-object', '--bucket', 'cli-cold', '--key', 'k', join(home, 'out')]);
});
