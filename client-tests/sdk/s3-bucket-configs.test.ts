// Bucket logging, website and notification configurations with the AWS SDK for JavaScript v3. AWS references: API
// Reference PutBucketLogging / GetBucketLogging (BucketLoggingStatus; an empty one disables logging), S3 User Guide
// "Enabling Amazon S3 server access logging" (target in the same account and Region; log delivery group WRITE and
// READ_ACP on a target with ACLs; bucket policy, no TargetGrants, under BucketOwnerEnforced), PutBucketWebsite /
// GetBucketWebsite / DeleteBucketWebsite (NoSuchWebsiteConfiguration), PutBucketNotificationConfiguration /
// GetBucketNotificationConfiguration (x-amz-skip-destination-validation; "Event notification types and
// destinations"), and the Service Authorization Reference (s3:PutBucketLogging, s3:GetBucketLogging,
// s3:PutBucketWebsite, s3:GetBucketWebsite, s3:DeleteBucketWebsite, s3:PutBucketNotification, s3:GetBucketNotification).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateUserCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand, DeleteBucketWebsiteCommand, GetBucketLoggingCommand, GetBucketNotificationConfigurationCommand, GetBucketWebsiteCommand,
  PutBucketAclCommand, PutBucketLoggingCommand, PutBucketNotificationConfigurationCommand, PutBucketWebsiteCommand, S3Client, type BucketCannedACL, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);

test('logging: target checks, round trip, disable; IAM actions', async () => {
  const root = s3();
  for (const Bucket of ['app', 'logs-enforced']) await root.send(new CreateBucketCommand({ Bucket }));
  await root.send(new CreateBucketCommand({ Bucket: 'logs-acl', ObjectOwnership: 'ObjectWriter' }));
  assert.deepEqual((await root.send(new GetBucketLoggingCommand({ Bucket: 'app' }))).LoggingEnabled, undefined);

  const put = (TargetBucket: string, extra = {}) => root.send(new PutBucketLoggingCommand({ Bucket: 'app', BucketLoggingStatus: { LoggingEnabled: { TargetBucket, TargetPrefix: 'app/', ...extra } } }));
  let e = await rejection(put('nowhere'));
  assert.equal(e.name, 'InvalidTargetBucketForLogging');
  assert.equal(e.message, 'The target bucket for logging does not exist');
  e = await rejection(put('logs-acl'));
  assert.equal(e.message, 'You must give the log-delivery group WRITE and READ_ACP permissions to the target bucket');
  await root.send(new PutBucketAclCommand({ Bucket: 'logs-acl', ACL: 'log-delivery-write' as BucketCannedACL }));
  await put('logs-acl');
  assert.deepEqual((await root.send(new GetBucketLoggingCommand({ Bucket: 'app' }))).LoggingEnabled, { TargetBucket: 'logs-acl', TargetPrefix: 'app/' });

  // Under BucketOwnerEnforced the target's bucket policy admits the logging service: no grants to check, none accepted.
  e = await rejection(put('logs-enforced', { TargetGrants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }] }));
  assert.equal(e.name, 'InvalidArgument');
  await put('logs-enforced', { TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } } });
  assert.deepEqual((await root.send(new GetBucketLoggingCommand({ Bucket: 'app' }))).LoggingEnabled,
    { TargetBucket: 'logs-enforced', TargetPrefix: 'app/', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } } });

  await root.send(new PutBucketLoggingCommand({ Bucket: 'app', BucketLoggingStatus: {} }));
  assert.equal((await root.send(new GetBucketLoggingCommand({ Bucket: 'app' }))).LoggingEnabled, undefined);

  await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'auditor', PolicyName: 'read', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetBucketLogging', 's3:GetBucketWebsite', 's3:GetBucketNotification'], Resource: 'arn:aws:s3:::app' }],
  }) }));
  const auditor = s3({ user: 'auditor' });
  await auditor.send(new GetBucketLoggingCommand({ Bucket: 'app' }));
  e = await rejection(auditor.send(new PutBucketLoggingCommand({ Bucket: 'app', BucketLoggingStatus: {} })));
  assert.equal(e.message, 'User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: s3:PutBucketLogging on resource: "arn:aws:s3:::app" because no identity-based policy allows the s3:PutBucketLogging action');
  assert.equal((await rejection(auditor.send(new GetBucketWebsiteCommand({ Bucket: 'app' })))).name, 'NoSuchWebsiteConfiguration');
  assert.equal((await rejection(auditor.send(new DeleteBucketWebsiteCommand({ Bucket: 'app' })))).name, 'AccessDenied');
  assert.deepEqual((await auditor.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'app' }))).QueueConfigurations, undefined);
  root.destroy();
  auditor.destroy();
});

test('website: round trip with routing rules, AWS\'s refusals, NoSuchWebsiteConfiguration after delete', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'site' }));
  const e0 = await rejection(root.send(new GetBucketWebsiteCommand({ Bucket: 'site' })));
  assert.equal(e0.name, 'NoSuchWebsiteConfiguration');
  assert.equal(e0.message, 'The specified bucket does not have a website configuration');
  const config = {
    IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' },
    RoutingRules: [{ Condition: { KeyPrefixEquals: 'docs/' }, Redirect: { ReplaceKeyPrefixWith: 'documents/', HttpRedirectCode: '301' } },
      { Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { HostName: 'example.com', Protocol: 'https' as const } }],
  };
  await root.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: config }));
  const got = await root.send(new GetBucketWebsiteCommand({ Bucket: 'site' }));
  assert.deepEqual({ IndexDocument: got.IndexDocument, ErrorDocument: got.ErrorDocument, RoutingRules: got.RoutingRules }, config);

  const refusals: [object, string, string][] = [
    [{ ErrorDocument: { Key: 'e.html' } }, 'InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty'],
    [{ IndexDocument: { Suffix: 'a/index.html' } }, 'InvalidArgument', 'The IndexDocument Suffix is not well formed'],
    [{ IndexDocument: { Suffix: 'i.html' }, RedirectAllRequestsTo: { HostName: 'example.com' } }, 'InvalidArgument', 'RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.'],
    [{ RedirectAllRequestsTo: { HostName: 'example.com', Protocol: 'ftp' } }, 'InvalidRequest', 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.'],
    [{ IndexDocument: { Suffix: 'i.html' }, RoutingRules: [{ Redirect: { ReplaceKeyPrefixWith: 'a', ReplaceKeyWith: 'b' } }] }, 'InvalidRequest', 'You can only define ReplaceKeyPrefix or ReplaceKey but not both.'],
    [{ IndexDocument: { Suffix: 'i.html' }, RoutingRules: [{ Condition: { HttpErrorCodeReturnedEquals: '200' }, Redirect: { HostName: 'x' } }] }, 'InvalidRequest', 'The provided HTTP error code (200) is not valid. Valid codes are 4XX or 5XX.'],
  ];
  for (const [WebsiteConfiguration, name, message] of refusals) {
    const e = await rejection(root.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration })));
    assert.deepEqual([e.name, e.message], [name, message]);
  }
  await root.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: { RedirectAllRequestsTo: { HostName: 'example.org', Protocol: 'https' } } }));
  assert.deepEqual((await root.send(new GetBucketWebsiteCommand({ Bucket: 'site' }))).RedirectAllRequestsTo, { HostName: 'example.org', Protocol: 'https' });
  await root.send(new DeleteBucketWebsiteCommand({ Bucket: 'site' }));
  assert.equal((await rejection(root.send(new GetBucketWebsiteCommand({ Bucket: 'site' })))).name, 'NoSuchWebsiteConfiguration');
  root.destroy();
});

test('notifications: stored with generated Ids, ARNs and events checked, overlaps refused, emptied', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'events' }));
  assert.deepEqual(Object.keys(await root.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'events' }))).filter((k) => k !== '$metadata'), []);
  const queue = 'arn:aws:sqs:us-east-1:123456789012:uploads';
  await root.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events', SkipDestinationValidation: true, NotificationConfiguration: {
    QueueConfigurations: [{ QueueArn: queue, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } } }],
    LambdaFunctionConfigurations: [{ Id: 'thumbs', LambdaFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:thumbs', Events: ['s3:ObjectRemoved:Delete'] }],
    EventBridgeConfiguration: {},
  } }));
  const got = await root.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'events' }));
  assert.equal(got.QueueConfigurations?.[0]?.QueueArn, queue);
  assert.match(got.QueueConfigurations?.[0]?.Id ?? '', /^[A-Za-z0-9+/=]{20,}$/);
  assert.deepEqual(got.QueueConfigurations?.[0]?.Filter, { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } });
  assert.deepEqual(got.LambdaFunctionConfigurations, [{ Id: 'thumbs', LambdaFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:thumbs', Events: ['s3:ObjectRemoved:Delete'] }]);
  assert.deepEqual(got.EventBridgeConfiguration, {});

  const refusals: [object, string][] = [
    [{ TopicConfigurations: [{ TopicArn: 'arn:aws:sqs:us-east-1:123456789012:not-a-topic', Events: ['s3:ObjectCreated:*'] }] }, 'The ARN is not well formed'],
    [{ QueueConfigurations: [{ QueueArn: queue, Events: ['s3:ObjectSmiled'] }] }, 'The event is not supported for notifications'],
    [{ QueueConfigurations: [{ QueueArn: queue, Events: ['s3:ObjectCreated:*'] }, { QueueArn: queue, Events: ['s3:ObjectCreated:Put'] }] },
      'Configurations overlap. Configurations on the same bucket cannot share a common event type.'],
    [{ QueueConfigurations: [{ QueueArn: queue, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'middle', Value: 'x' }] } } }] }, 'filter rule name must be either prefix or suffix'],
  ];
  for (const [NotificationConfiguration, message] of refusals) {
    const e = await rejection(root.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events', NotificationConfiguration })));
    assert.deepEqual([e.name, e.message], ['InvalidArgument', message]);
  }
  // Different prefixes do not overlap.
  await root.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events', NotificationConfiguration: { QueueConfigurations: [
    { QueueArn: queue, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } } },
    { QueueArn: queue, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'b/' }] } } },
  ] } }));
  await root.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'events', NotificationConfiguration: {} }));
  assert.equal((await root.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'events' }))).QueueConfigurations, undefined);
  root.destroy();
});

test('fixtures and the state export: the three configurations in the Get operations\' shapes, round-tripped', async () => {
  const logging = { TargetBucket: 'fx-logs', TargetPrefix: 'fx/', TargetGrants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE' }],
    TargetObjectKeyFormat: { SimplePrefix: {} } };
  const website = { IndexDocument: { Suffix: 'index.html' }, RoutingRules: [{ Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyWith: 'missing.html' } }] };
  const notification = { QueueConfigurations: [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:fx', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }] } } }] };
  const res = await fetch(`${local.endpoint}/_iamlocal/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ buckets: [{ name: 'fx-logs' }, { name: 'fx', logging, website, notification }] }) });
  assert.equal(res.status, 200, await res.text());
  const root = s3();
  assert.deepEqual((await root.send(new GetBucketLoggingCommand({ Bucket: 'fx' }))).LoggingEnabled, logging);
  const site = await root.send(new GetBucketWebsiteCommand({ Bucket: 'fx' }));
  assert.deepEqual({ IndexDocument: site.IndexDocument, RoutingRules: site.RoutingRules }, website);
  assert.deepEqual((await root.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'fx' }))).QueueConfigurations, notification.QueueConfigurations);
  const state = await (await fetch(`${local.endpoint}/_iamlocal/state`)).json() as { buckets: { name: string; logging?: unknown; website?: unknown; notification?: unknown }[] };
  const fx = state.buckets.find((b) => b.name === 'fx')!;
  assert.deepEqual([fx.logging, fx.website, fx.notification], [logging, website, notification]);
  const bad = await fetch(`${local.endpoint}/_iamlocal/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ buckets: [{ name: 'fx-bad', website: { IndexDocument: { Suffix: 'a/b' } } }] }) });
  assert.equal(bad.status, 400);
  root.destroy();
});
