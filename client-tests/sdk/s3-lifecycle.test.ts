// S3 bucket lifecycle configuration with the AWS SDK for JavaScript v3 (Put/Get/DeleteBucketLifecycleConfiguration).
// AWS references: API Reference PutBucketLifecycleConfiguration (up to 1,000 rules; Content-MD5 or a checksum
// required; x-amz-transition-default-minimum-object-size, default all_storage_classes_128K), GetBucketLifecycleConfiguration
// (NoSuchLifecycleConfiguration), DeleteBucketLifecycle; S3 User Guide "Lifecycle configuration elements"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html: Filter or the legacy Prefix, Date
// at midnight UTC, Days a positive integer, unique rule IDs of at most 255 characters); Service Authorization Reference
// (s3:PutLifecycleConfiguration authorizes Put and Delete, s3:GetLifecycleConfiguration Get).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateUserCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketLifecycleCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, PutObjectCommand, GetBucketLifecycleConfigurationCommand, PutBucketLifecycleConfigurationCommand, S3Client,
  type LifecycleRule, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);

const RULES: LifecycleRule[] = [
  { ID: 'logs', Filter: { Prefix: 'logs/' }, Status: 'Enabled', Expiration: { Days: 30 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
  { ID: 'tagged', Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'kind', Value: 'scratch' }], ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 1000 } },
    Status: 'Disabled', Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
  { ID: 'archive', Filter: { Tag: { Key: 'archive', Value: 'yes' } }, Status: 'Enabled',
    Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 90, StorageClass: 'GLACIER' }],
    NoncurrentVersionTransitions: [{ NoncurrentDays: 30, StorageClass: 'GLACIER', NewerNoncurrentVersions: 2 }],
    NoncurrentVersionExpiration: { NoncurrentDays: 60 } },
  { ID: 'big', Filter: { ObjectSizeGreaterThan: 1048576 }, Status: 'Enabled', Expiration: { Days: 1 } },
  { ID: 'all', Filter: {}, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
];

test('Put / Get / DeleteBucketLifecycle round trip; NoSuchLifecycleConfiguration; minimum object size echoed', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'logs' }));
  const none = await rejection(root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' })));
  assert.deepEqual(none, { name: 'NoSuchLifecycleConfiguration', message: 'The lifecycle configuration does not exist', status: 404 });
  await root.send(new DeleteBucketLifecycleCommand({ Bucket: 'logs' }));
  const put = await root.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: { Rules: RULES } }));
  assert.equal(put.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
  const got = await root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' }));
  assert.deepEqual(got.Rules, RULES);
  assert.equal(got.TransitionDefaultMinimumObjectSize, 'all_storage_classes_128K');
  // The legacy rule-level Prefix is returned as given; the header's other value is kept.
  const legacy: LifecycleRule[] = [{ ID: 'old', Prefix: 'a/', Status: 'Enabled', Expiration: { Days: 3 } }];
  const again = await root.send(new PutBucketLifecycleConfigurationCommand({
    Bucket: 'logs', LifecycleConfiguration: { Rules: legacy }, TransitionDefaultMinimumObjectSize: 'varies_by_storage_class' }));
  assert.equal(again.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
  const replaced = await root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' }));
  assert.deepEqual(replaced.Rules, legacy);
  assert.equal(replaced.TransitionDefaultMinimumObjectSize, 'varies_by_storage_class');
  await root.send(new DeleteBucketLifecycleCommand({ Bucket: 'logs' }));
  assert.equal((await rejection(root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' })))).name, 'NoSuchLifecycleConfiguration');
  assert.equal((await rejection(root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'nope' })))).name, 'NoSuchBucket');
});

test('PutBucketLifecycleConfiguration validation: AWS codes and texts; nothing stored on refusal', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'logs' }));
  const put = (rules: LifecycleRule[]) => rejection(root.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: { Rules: rules } })));
  const malformed = { name: 'MalformedXML', message: 'The XML you provided was not well-formed or did not validate against our published schema', status: 400 };
  const invalid = (message: string) => ({ name: 'InvalidArgument', message, status: 400 });
  assert.deepEqual(await put([{ ID: 'a', Filter: { Prefix: '' }, Status: 'Enabled', Expiration: { Days: 0 } }]),
    invalid("'Days' for Expiration action must be a positive integer"));
  assert.deepEqual(await put([{ ID: 'a', Filter: { Prefix: '' }, Status: 'Enabled', Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }]),
    invalid("'Date' must be at midnight GMT"));
  assert.deepEqual(await put([{ ID: 'a', Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }, { ID: 'a', Filter: {}, Status: 'Enabled', Expiration: { Days: 2 } }]),
    invalid('Rule ID must be unique. Found same ID for more than one rule'));
  assert.deepEqual(await put([{ ID: 'x'.repeat(256), Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }]),
    invalid('ID length should not exceed allowed limit of 255'));
  assert.deepEqual(await put([{ ID: 'a', Filter: {}, Status: 'Enabled', Transitions: [{ Days: 29, StorageClass: 'STANDARD_IA' }] }]),
    invalid("'Days' in Transition action must be greater than or equal to 30 for storageClass 'STANDARD_IA'"));
  assert.deepEqual(await put([{ ID: 'a', Filter: {}, Status: 'Enabled', Transitions: [{ Days: 30, StorageClass: 'GLACIER' }, { Days: 60, StorageClass: 'GLACIER' }] }]),
    invalid("'StorageClass' must be different for 'Transition' actions in same 'Rule'"));
  assert.deepEqual(await put([{ ID: 'a', Filter: { Tag: { Key: 'k', Value: 'v' } }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]),
    { name: 'InvalidRequest', message: 'AbortIncompleteMultipartUpload cannot be specified with Tags.', status: 400 });
  assert.deepEqual(await put([{ ID: 'a', Filter: {}, Status: 'Enabled' }]),
    { name: 'InvalidRequest', message: 'At least one action needs to be specified in a rule', status: 400 });
  // Neither Filter nor Prefix, or both: the schema refuses it.
  assert.deepEqual(await put([{ ID: 'a', Status: 'Enabled', Expiration: { Days: 1 } }]), malformed);
  assert.deepEqual(await put([{ ID: 'a', Prefix: 'x', Filter: { Prefix: 'x' }, Status: 'Enabled', Expiration: { Days: 1 } }]), malformed);
  // A Filter with two conditions outside And; Days and Date together.
  assert.deepEqual(await put([{ ID: 'a', Filter: { Prefix: 'x', ObjectSizeGreaterThan: 5 }, Status: 'Enabled', Expiration: { Days: 1 } }]), malformed);
  assert.deepEqual(await put([{ ID: 'a', Filter: {}, Status: 'Enabled', Expiration: { Days: 1, Date: new Date('2030-01-01T00:00:00Z') } }]), malformed);
  assert.deepEqual(await put([]), malformed);
  assert.deepEqual(await put(Array.from({ length: 1001 }, (_, i) => ({ ID: `r${i}`, Filter: {}, Status: 'Enabled', Expiration: { Days: 1 } }))), malformed);
  assert.equal((await rejection(root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' })))).name, 'NoSuchLifecycleConfiguration');
  // Exactly 1,000 rules are accepted.
  await root.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: {
    Rules: Array.from({ length: 1000 }, (_, i) => ({ ID: `r${i}`, Filter: { Prefix: `p${i}/` }, Status: 'Enabled', Expiration: { Days: 1 } })) } }));
  assert.equal((await root.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' }))).Rules?.length, 1000);
});

test('PutBucketLifecycleConfiguration without Content-MD5 or a checksum: InvalidRequest', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'logs' }));
  const bare = s3();
  const strip = (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    const headers = (args.request as { headers: Record<string, string> }).headers;
    for (const name of Object.keys(headers)) if (/^(content-md5|x-amz-checksum-|x-amz-sdk-checksum-|x-amz-trailer)/i.test(name)) delete headers[name];
    return next(args);
  };
  type Middleware = Parameters<typeof bare.middlewareStack.addRelativeTo>[0];
  bare.middlewareStack.addRelativeTo(strip as unknown as Middleware, { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'stripChecksums' });
  assert.deepEqual(await rejection(bare.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: { Rules: RULES } }))),
    { name: 'InvalidRequest', message: 'Missing required header for this request: Content-MD5', status: 400 });
});

test('IAM: s3:PutLifecycleConfiguration for Put and Delete, s3:GetLifecycleConfiguration for Get', async () => {
  await s3().send(new CreateBucketCommand({ Bucket: 'logs' }));
  await iam.send(new CreateUserCommand({ UserName: 'dev' }));
  const allow = (actions: string[]) => iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: 'arn:aws:s3:::logs' }] }) }));
  await allow(['s3:GetLifecycleConfiguration']);
  const dev = s3({ user: 'dev' });
  const denied = await rejection(dev.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: { Rules: RULES } })));
  assert.equal(denied.name, 'AccessDenied');
  assert.match(denied.message, /^User: arn:aws:iam::123456789012:user\/dev is not authorized to perform: s3:PutLifecycleConfiguration on resource: "arn:aws:s3:::logs" because no identity-based policy allows the s3:PutLifecycleConfiguration action$/);
  assert.match((await rejection(dev.send(new DeleteBucketLifecycleCommand({ Bucket: 'logs' })))).message, /s3:PutLifecycleConfiguration/);
  assert.equal((await rejection(dev.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' })))).name, 'NoSuchLifecycleConfiguration');
  await allow(['s3:PutLifecycleConfiguration']);
  await dev.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: { Rules: RULES } }));
  assert.match((await rejection(dev.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'logs' })))).message, /not authorized to perform: s3:GetLifecycleConfiguration/);
  await dev.send(new DeleteBucketLifecycleCommand({ Bucket: 'logs' }));
});

/** POST /_iamlocal/s3/lifecycle/run, as of `now`. */
async function runLifecycle(now?: string): Promise<{ now: string; expired: unknown[]; transitioned: unknown[]; aborted: { key: string; uploadId: string; rule: string }[] }> {
  const res = await fetch(`${local.endpoint}/_iamlocal/s3/lifecycle/run${now ? `?now=${encodeURIComponent(now)}` : ''}`, { method: 'POST' });
  assert.equal(res.status, 200);
  return await res.json() as Awaited<ReturnType<typeof runLifecycle>>;
}

test('lifecycle run (admin API): Expiration by Days and Date, filters, transitions, AbortIncompleteMultipartUpload', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'logs' }));
  const put = (Key: string, Body: string, Tagging?: string) => root.send(new PutObjectCommand({ Bucket: 'logs', Key, Body, Tagging }));
  await put('logs/a.txt', 'a');
  await put('logs/b.txt', 'b');
  await put('tmp/small', 'x', 'kind=scratch');
  await put('tmp/large', 'x'.repeat(200), 'kind=scratch');
  await put('tmp/untagged', 'x'.repeat(200));
  // Under 128 KB: not transitioned (the default minimum object size since September 2024); at 128 KB it is.
  await put('cold/data', 'c');
  await put('cold/big', 'b'.repeat(128 * 1024));
  // Already colder than any transition of the rule: left alone (transitions never warm an object up).
  await root.send(new PutObjectCommand({ Bucket: 'logs', Key: 'cold/frozen', Body: 'f', StorageClass: 'DEEP_ARCHIVE' }));
  await put('keep/me', 'k');
  const upload = await root.send(new CreateMultipartUploadCommand({ Bucket: 'logs', Key: 'logs/big.bin' }));
  await root.send(new CreateMultipartUploadCommand({ Bucket: 'logs', Key: 'keep/upload' }));
  const today = new Date();
  const midnight = (days: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + days));
  await root.send(new PutBucketLifecycleConfigurationCommand({ Bucket: 'logs', LifecycleConfiguration: { Rules: [
    { ID: 'logs', Filter: { Prefix: 'logs/' }, Status: 'Enabled', Expiration: { Days: 3 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    { ID: 'scratch', Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'kind', Value: 'scratch' }], ObjectSizeGreaterThan: 100 } }, Status: 'Enabled',
      Expiration: { Date: midnight(10) } },
    { ID: 'cold', Filter: { Prefix: 'cold/' }, Status: 'Enabled', Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 90, StorageClass: 'GLACIER' }] },
    { ID: 'off', Filter: {}, Status: 'Disabled', Expiration: { Days: 1 } },
  ] } }));
  const keys = async () => ((await root.send(new ListObjectsV2Command({ Bucket: 'logs' }))).Contents ?? []).map((o) => o.Key);
  // Nothing is due yet (Days count from creation, rounded up to the next midnight UTC).
  const first = await runLifecycle();
  assert.deepEqual(first, { now: first.now, expired: [], noncurrentExpired: [], deleteMarkersRemoved: [], noncurrentTransitioned: [], transitioned: [], aborted: [] });
  // Two days on: the upload (1 day) is aborted.
  const two = await runLifecycle(midnight(2).toISOString());
  assert.deepEqual([two.expired, two.transitioned], [[], []]);
  assert.deepEqual(two.aborted, [{ bucket: 'logs', key: 'logs/big.bin', uploadId: upload.UploadId, rule: 'logs' }]);
  assert.deepEqual((await root.send(new ListMultipartUploadsCommand({ Bucket: 'logs' }))).Uploads?.map((u) => u.Key), ['keep/upload']);
  // Eleven days on: logs/ expired (3 days), and the tagged large tmp/ object by Date.
  const eleven = await runLifecycle(midnight(11).toISOString());
  assert.deepEqual(eleven.expired, [
    { bucket: 'logs', key: 'logs/a.txt', rule: 'logs' }, { bucket: 'logs', key: 'logs/b.txt', rule: 'logs' }, { bucket: 'logs', key: 'tmp/large', rule: 'scratch' },
  ]);
  assert.deepEqual(await keys(), ['cold/big', 'cold/data', 'cold/frozen', 'keep/me', 'tmp/small', 'tmp/untagged']);
  // 31 days on, cold/big moves to STANDARD_IA; 91 days on, to GLACIER (unreadable until restored).
  assert.deepEqual((await runLifecycle(midnight(31).toISOString())).transitioned, [{ bucket: 'logs', key: 'cold/big', storageClass: 'STANDARD_IA', rule: 'cold' }]);
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'cold/big' }))).StorageClass, 'STANDARD_IA');
  assert.deepEqual((await runLifecycle(midnight(91).toISOString())).transitioned, [{ bucket: 'logs', key: 'cold/big', storageClass: 'GLACIER', rule: 'cold' }]);
  assert.equal((await rejection(root.send(new GetObjectCommand({ Bucket: 'logs', Key: 'cold/big' })))).name, 'InvalidObjectState');
  assert.equal((await root.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'cold/data' }))).StorageClass, undefined);
  // A bad ?now is the caller's fault.
  assert.equal((await fetch(`${local.endpoint}/_iamlocal/s3/lifecycle/run?now=soon`, { method: 'POST' })).status, 400);
});
