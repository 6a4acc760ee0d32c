import { randomUUID } from 'node:crypto';
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import { XML_DECLARATION, xmlEscape, type XmlObject } from '../../protocol/xml.ts';
import type { BucketRow } from '../../store/s3-store.ts';
import { resolveGrantee } from './access.ts';
import { aclsDisabled, canonicalOf, LOG_DELIVERY, PERMISSIONS, storedGrants, type Grant, type Permission } from './acl-model.ts';
import { authorize, bucketArn, MAX_XML_BODY, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';

/**
 * Bucket logging, website and notification configurations: validated as S3 validates them, stored, and returned.
 * iamlocal delivers no access logs, serves no website endpoint and sends no event notifications: the configurations
 * are what an application (or infrastructure code) under test writes and reads back.
 */

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
const bad = (): never => {
  throw malformed();
};
const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** An element that must be text (an empty element parses as ''). */
function text(v: unknown): string {
  if (typeof v !== 'string') throw malformed();
  return v;
}
function only(r: Record<string, unknown>, allowed: string[]): void {
  if (Object.keys(r).some((k) => !allowed.includes(k))) throw malformed();
}
const stored = <T>(json: string | null | undefined): T | undefined => (json ? (JSON.parse(json) as T) : undefined);

// ---- Logging (PutBucketLogging, GetBucketLogging) ----

interface LoggingEnabled {
  TargetBucket: string;
  TargetPrefix: string;
  TargetGrants?: Grant[];
  TargetObjectKeyFormat?: { SimplePrefix: true } | { PartitionedPrefix: { PartitionDateSource?: string } };
}

const invalidTarget = (message: string, target: string): AwsError => new AwsError('InvalidTargetBucketForLogging', message, 400, { TargetBucket: target });

/**
 * Checks the target as S3 does ("Enabling Amazon S3 server access logging", S3 User Guide): it exists, belongs to the
 * same account and region, and (when it uses ACLs) grants the log delivery group WRITE and READ_ACP. A target with ACLs
 * disabled takes log delivery permission from its bucket policy, and no TargetGrants.
 */
function checkLoggingTarget(call: S3Call, source: BucketRow, config: LoggingEnabled): void {
  const target = call.ctx.s3.bucket(config.TargetBucket);
  if (!target) throw invalidTarget('The target bucket for logging does not exist', config.TargetBucket);
  if (target.account_id !== source.account_id) throw invalidTarget('The owner for the bucket to be logged and the target bucket must be the same.', config.TargetBucket);
  if (target.region !== source.region) throw invalidTarget('Cross S3 location logging not allowed. ', config.TargetBucket);
  if (aclsDisabled(target)) {
    if (config.TargetGrants?.length) {
      throw new AwsError('InvalidArgument', 'The bucket for logging uses the bucket owner enforced setting for Object Ownership. Target grants are not supported.', 400,
        { ArgumentName: 'TargetGrants', ArgumentValue: 'not null' });
    }
    return;
  }
  const grants = storedGrants(target.acl, canonicalOf(call.ctx, target.account_id));
  const has = (permission: Permission): boolean => grants.some((g) => 'uri' in g && g.uri === LOG_DELIVERY && (g.permission === permission || g.permission === 'FULL_CONTROL'));
  if (!has('WRITE') || !has('READ_ACP')) {
    throw invalidTarget('You must give the log-delivery group WRITE and READ_ACP permissions to the target bucket', config.TargetBucket);
  }
}

function parseLogging(call: S3Call, body: Buffer): LoggingEnabled | null {
  const doc = parseXmlBody(body, 'BucketLoggingStatus');
  only(doc, ['LoggingEnabled']);
  if (doc.LoggingEnabled === undefined) return null;
  const enabled = record(doc.LoggingEnabled);
  if (!enabled) throw malformed();
  only(enabled, ['TargetBucket', 'TargetPrefix', 'TargetGrants', 'TargetObjectKeyFormat']);
  const config: LoggingEnabled = { TargetBucket: text(enabled.TargetBucket), TargetPrefix: text(enabled.TargetPrefix) };
  if (enabled.TargetGrants !== undefined) {
    const grants = enabled.TargetGrants === '' ? [] : list(record(enabled.TargetGrants)?.Grant ?? bad());
    config.TargetGrants = grants.map((raw) => {
      const grant = record(raw);
      const grantee = record(grant?.Grantee);
      if (!grant || !grantee || typeof grant.Permission !== 'string' || !['FULL_CONTROL', 'READ', 'WRITE'].includes(grant.Permission) || !PERMISSIONS.has(grant.Permission)) throw malformed();
      const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      return resolveGrantee(call.ctx, { id: str(grantee.ID), uri: str(grantee.URI), email: str(grantee.EmailAddress) }, grant.Permission as Permission);
    });
  }
  if (enabled.TargetObjectKeyFormat !== undefined) {
    const format = record(enabled.TargetObjectKeyFormat) ?? bad();
    const keys = Object.keys(format);
    if (keys.length !== 1) throw malformed();
    if (keys[0] === 'SimplePrefix') config.TargetObjectKeyFormat = { SimplePrefix: true };
    else if (keys[0] === 'PartitionedPrefix') {
      const partitioned = format.PartitionedPrefix === '' ? {} : (record(format.PartitionedPrefix) ?? bad());
      only(partitioned, ['PartitionDateSource']);
      const source = partitioned.PartitionDateSource;
      if (source !== undefined && source !== 'EventTime' && source !== 'DeliveryTime') throw malformed();
      config.TargetObjectKeyFormat = { PartitionedPrefix: source === undefined ? {} : { PartitionDateSource: source } };
    } else throw malformed();
  }
  return config;
}

export async function putBucketLogging(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketLogging', bucketArn(bucket.bucket_name));
  const config = parseLogging(call, await call.readBody(MAX_XML_BODY));
  if (config) checkLoggingTarget(call, bucket, config);
  call.ctx.s3.setBucketConfig(bucket.bucket_name, 'logging', config ? JSON.stringify(config) : null);
  return {};
}

export const getBucketLogging: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketLogging', bucketArn(bucket.bucket_name));
  const config = stored<LoggingEnabled>(bucket.logging);
  const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
  if (!config) return { body: `${XML_DECLARATION}<BucketLoggingStatus ${ns}/>` };
  const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const grants = config.TargetGrants?.map((g) => ('id' in g
    ? `<Grant><Grantee ${xsi} xsi:type="CanonicalUser"><ID>${xmlEscape(g.id)}</ID></Grantee><Permission>${g.permission}</Permission></Grant>`
    : `<Grant><Grantee ${xsi} xsi:type="Group"><URI>${xmlEscape(g.uri)}</URI></Grantee><Permission>${g.permission}</Permission></Grant>`)).join('');
  const format = config.TargetObjectKeyFormat;
  const formatXml = !format ? '' : 'SimplePrefix' in format ? '<TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>'
    : `<TargetObjectKeyFormat><PartitionedPrefix>${format.PartitionedPrefix.PartitionDateSource ? `<PartitionDateSource>${format.PartitionedPrefix.PartitionDateSource}</PartitionDateSource>` : ''}</PartitionedPrefix></TargetObjectKeyFormat>`;
  return {
    body: `${XML_DECLARATION}<BucketLoggingStatus ${ns}><LoggingEnabled><TargetBucket>${xmlEscape(config.TargetBucket)}</TargetBucket>`
      + `${grants !== undefined ? `<TargetGrants>${grants}</TargetGrants>` : ''}<TargetPrefix>${xmlEscape(config.TargetPrefix)}</TargetPrefix>${formatXml}</LoggingEnabled></BucketLoggingStatus>`,
  };
};

// ---- Website (Put/Get/DeleteBucketWebsite) ----

interface Redirect { HostName?: string; HttpRedirectCode?: string; Protocol?: string; ReplaceKeyPrefixWith?: string; ReplaceKeyWith?: string }
interface WebsiteConfiguration {
  IndexDocument?: { Suffix: string };
  ErrorDocument?: { Key: string };
  RedirectAllRequestsTo?: { HostName: string; Protocol?: string };
  RoutingRules?: { Condition?: { HttpErrorCodeReturnedEquals?: string; KeyPrefixEquals?: string }; Redirect: Redirect }[];
}

const invalidArg = (message: string, name: string, value: string): AwsError => new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });
const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequest', message, 400);
const PROTOCOL_MESSAGE = 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.';
/** "The maximum number of routing rules is 50" (PutBucketWebsite). */
const MAX_ROUTING_RULES = 50;

function optionalText(r: Record<string, unknown>, name: string): string | undefined {
  return r[name] === undefined ? undefined : text(r[name]);
}

/** A WebsiteConfiguration body, checked as PutBucketWebsite checks it (S3 API reference and S3's recorded answers). */
function parseWebsite(body: Buffer): WebsiteConfiguration {
  const doc = parseXmlBody(body, 'WebsiteConfiguration');
  only(doc, ['IndexDocument', 'ErrorDocument', 'RedirectAllRequestsTo', 'RoutingRules']);
  const config: WebsiteConfiguration = {};
  if (doc.RedirectAllRequestsTo !== undefined) {
    if (Object.keys(doc).length > 1) {
      throw invalidArg('RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.', 'RedirectAllRequestsTo', 'not null');
    }
    const r = record(doc.RedirectAllRequestsTo) ?? bad();
    only(r, ['HostName', 'Protocol']);
    if (r.HostName === undefined) throw malformed();
    const protocol = optionalText(r, 'Protocol');
    if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') throw invalidRequest(PROTOCOL_MESSAGE);
    config.RedirectAllRequestsTo = { HostName: text(r.HostName), ...(protocol !== undefined ? { Protocol: protocol } : {}) };
    return config;
  }
  if (doc.IndexDocument === undefined) throw invalidArg('A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty', 'IndexDocument', 'null');
  const index = record(doc.IndexDocument);
  const suffix = index && typeof index.Suffix === 'string' ? index.Suffix : '';
  if (index) only(index, ['Suffix']);
  if (suffix === '' || suffix.includes('/')) throw invalidArg('The IndexDocument Suffix is not well formed', 'IndexDocument', suffix || 'null');
  config.IndexDocument = { Suffix: suffix };
  if (doc.ErrorDocument !== undefined) {
    const error = record(doc.ErrorDocument);
    if (!error || typeof error.Key !== 'string' || error.Key === '') throw malformed();
    only(error, ['Key']);
    config.ErrorDocument = { Key: error.Key };
  }
  if (doc.RoutingRules !== undefined) {
    const rules = list(record(doc.RoutingRules)?.RoutingRule);
    if (rules.length === 0) throw malformed();
    if (rules.length > MAX_ROUTING_RULES) throw invalidRequest(`${rules.length} routing rules provided, the number of routing rules in a website configuration is limited to ${MAX_ROUTING_RULES}.`);
    config.RoutingRules = rules.map((raw) => {
      const rule = record(raw) ?? bad();
      only(rule, ['Condition', 'Redirect']);
      const redirect = rule.Redirect === '' ? {} : (record(rule.Redirect) ?? bad());
      only(redirect, ['HostName', 'HttpRedirectCode', 'Protocol', 'ReplaceKeyPrefixWith', 'ReplaceKeyWith']);
      const out: Redirect = {};
      for (const name of ['HostName', 'HttpRedirectCode', 'Protocol', 'ReplaceKeyPrefixWith', 'ReplaceKeyWith'] as const) {
        const value = optionalText(redirect, name);
        if (value !== undefined) out[name] = value;
      }
      if (out.ReplaceKeyPrefixWith !== undefined && out.ReplaceKeyWith !== undefined) throw invalidRequest('You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
      if (out.Protocol !== undefined && out.Protocol !== 'http' && out.Protocol !== 'https') throw invalidRequest(PROTOCOL_MESSAGE);
      if (out.HttpRedirectCode !== undefined && (!/^3\d\d$/.test(out.HttpRedirectCode) || out.HttpRedirectCode === '300')) {
        throw invalidRequest(`The provided HTTP redirect code (${out.HttpRedirectCode}) is not valid. Valid codes are 3XX except 300.`);
      }
      const result: NonNullable<WebsiteConfiguration['RoutingRules']>[number] = { Redirect: out };
      if (rule.Condition !== undefined) {
        const condition = rule.Condition === '' ? {} : (record(rule.Condition) ?? bad());
        only(condition, ['HttpErrorCodeReturnedEquals', 'KeyPrefixEquals']);
        if (Object.keys(condition).length === 0) {
          throw invalidRequest('Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn\'t be present.');
        }
        const code = optionalText(condition, 'HttpErrorCodeReturnedEquals');
        if (code !== undefined && !/^[45]\d\d$/.test(code)) throw invalidRequest(`The provided HTTP error code (${code}) is not valid. Valid codes are 4XX or 5XX.`);
        const prefix = optionalText(condition, 'KeyPrefixEquals');
        result.Condition = { ...(code !== undefined ? { HttpErrorCodeReturnedEquals: code } : {}), ...(prefix !== undefined ? { KeyPrefixEquals: prefix } : {}) };
      }
      return result;
    });
  }
  return config;
}

export async function putBucketWebsite(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketWebsite', bucketArn(bucket.bucket_name));
  const config = parseWebsite(await call.readBody(MAX_XML_BODY));
  call.ctx.s3.setBucketConfig(bucket.bucket_name, 'website', JSON.stringify(config));
  return {};
}

export const getBucketWebsite: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketWebsite', bucketArn(bucket.bucket_name));
  const config = stored<WebsiteConfiguration>(bucket.website);
  if (!config) throw new AwsError('NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration', 404, { BucketName: bucket.bucket_name });
  const body: XmlObject = {
    RedirectAllRequestsTo: config.RedirectAllRequestsTo, IndexDocument: config.IndexDocument, ErrorDocument: config.ErrorDocument,
    RoutingRules: config.RoutingRules ? { RoutingRule: config.RoutingRules.map((r) => ({ Condition: r.Condition, Redirect: { ...r.Redirect } })) } : undefined,
  };
  return { body: restXmlDocument('WebsiteConfiguration', body) };
};

export const deleteBucketWebsite: S3Handler = (call) => {
  const bucket = requireBucket(call);
  // DeleteBucketWebsite is authorized by s3:DeleteBucketWebsite (Service Authorization Reference).
  authorize(call, bucket, 's3:DeleteBucketWebsite', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketConfig(bucket.bucket_name, 'website', null);
  return { status: 204 };
};

// ---- Notifications (Put/GetBucketNotificationConfiguration) ----

interface FilterRule { Name: string; Value: string }
interface Destination { Id: string; Arn: string; Events: string[]; Filter?: { Key: { FilterRules: FilterRule[] } } }
interface NotificationConfiguration {
  TopicConfigurations?: Destination[];
  QueueConfigurations?: Destination[];
  LambdaFunctionConfigurations?: Destination[];
  EventBridgeConfiguration?: Record<string, never>;
}

/** The event types S3 can notify about ("Event notification types and destinations", S3 User Guide). */
const EVENTS = new Set([
  's3:TestEvent', 's3:ObjectCreated:*', 's3:ObjectCreated:Put', 's3:ObjectCreated:Post', 's3:ObjectCreated:Copy', 's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*', 's3:ObjectRemoved:Delete', 's3:ObjectRemoved:DeleteMarkerCreated', 's3:ObjectRestore:*', 's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed', 's3:ObjectRestore:Delete', 's3:ReducedRedundancyLostObject', 's3:Replication:*', 's3:Replication:OperationFailedReplication',
  's3:Replication:OperationNotTracked', 's3:Replication:OperationMissedThreshold', 's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleExpiration:*', 's3:LifecycleExpiration:Delete', 's3:LifecycleExpiration:DeleteMarkerCreated', 's3:LifecycleTransition',
  's3:IntelligentTiering', 's3:ObjectTagging:*', 's3:ObjectTagging:Put', 's3:ObjectTagging:Delete', 's3:ObjectAcl:Put',
]);

/** The three destination kinds: XML element, ARN element, the service the ARN must name. */
const KINDS = [
  { element: 'TopicConfiguration', arnElement: 'Topic', service: 'sns', key: 'TopicConfigurations', arnKey: 'TopicArn' },
  { element: 'QueueConfiguration', arnElement: 'Queue', service: 'sqs', key: 'QueueConfigurations', arnKey: 'QueueArn' },
  { element: 'CloudFunctionConfiguration', arnElement: 'CloudFunction', service: 'lambda', key: 'LambdaFunctionConfigurations', arnKey: 'LambdaFunctionArn' },
] as const;

/** An ARN of the service's shape: sns/sqs `arn:aws:svc:region:account:name`, lambda `…:function:name[:qualifier]`. */
function validArn(arn: string, service: string): boolean {
  const m = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]+):(\d{12}):(.+)$/.exec(arn);
  if (!m || m[1] !== service) return false;
  if (service === 'lambda') return /^function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/.test(m[4]!);
  return /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(m[4]!);
}

/** Two event types overlap when equal or one is the other's `*` family. */
const eventsOverlap = (a: string, b: string): boolean =>
  a === b || (a.endsWith(':*') && b.startsWith(a.slice(0, -1))) || (b.endsWith(':*') && a.startsWith(b.slice(0, -1)));
const stringsOverlap = (a: string, b: string, suffix: boolean): boolean => (suffix ? a.endsWith(b) || b.endsWith(a) : a.startsWith(b) || b.startsWith(a));

function parseNotification(body: Buffer, id: () => string): NotificationConfiguration {
  const doc = parseXmlBody(body, 'NotificationConfiguration');
  only(doc, ['TopicConfiguration', 'QueueConfiguration', 'CloudFunctionConfiguration', 'EventBridgeConfiguration']);
  const config: NotificationConfiguration = {};
  const all: Destination[] = [];
  for (const kind of KINDS) {
    const items = list(doc[kind.element]).map((raw): Destination => {
      const item = record(raw) ?? bad();
      only(item, ['Id', kind.arnElement, 'Event', 'Filter']);
      const arn = text(item[kind.arnElement]);
      if (!validArn(arn, kind.service)) throw invalidArg('The ARN is not well formed', kind.arnElement, arn);
      const events = list(item.Event).map(text);
      if (events.length === 0) throw malformed();
      for (const event of events) if (!EVENTS.has(event)) throw invalidArg('The event is not supported for notifications', 'Event', event);
      const destination: Destination = { Id: item.Id === undefined ? id() : text(item.Id), Arn: arn, Events: events };
      if (item.Filter !== undefined) {
        const key = record(record(item.Filter)?.S3Key) ?? bad();
        const rules = list(key.FilterRule).map((r): FilterRule => {
          const rule = record(r) ?? bad();
          only(rule, ['Name', 'Value']);
          const name = text(rule.Name).toLowerCase();
          if (name !== 'prefix' && name !== 'suffix') throw invalidArg('filter rule name must be either prefix or suffix', 'FilterRule', text(rule.Name));
          return { Name: text(rule.Name), Value: text(rule.Value) };
        });
        for (const name of ['prefix', 'suffix']) {
          if (rules.filter((r) => r.Name.toLowerCase() === name).length > 1) {
            throw invalidArg(`Cannot specify more than one ${name} rule in a filter.`, 'FilterRule', name);
          }
        }
        destination.Filter = { Key: { FilterRules: rules } };
      }
      return destination;
    });
    if (items.length) config[kind.key] = items;
    all.push(...items);
  }
  if (doc.EventBridgeConfiguration !== undefined) config.EventBridgeConfiguration = {};
  // "Configurations on the same bucket cannot share a common event type" where their prefix and suffix filters overlap.
  const filterOf = (d: Destination, name: string): string => d.Filter?.Key.FilterRules.find((r) => r.Name.toLowerCase() === name)?.Value ?? '';
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [a, b] = [all[i]!, all[j]!];
      if (a.Id === b.Id) throw invalidArg('Configuration Ids must be unique.', 'Id', a.Id);
      if (a.Events.some((e) => b.Events.some((f) => eventsOverlap(e, f)))
        && stringsOverlap(filterOf(a, 'prefix'), filterOf(b, 'prefix'), false) && stringsOverlap(filterOf(a, 'suffix'), filterOf(b, 'suffix'), true)) {
        throw invalidArg('Configurations overlap. Configurations on the same bucket cannot share a common event type.', 'Event', a.Events.join(', '));
      }
    }
  }
  return config;
}

/**
 * PutBucketNotificationConfiguration. S3 also checks that each destination exists and lets S3 publish to it
 * (InvalidArgument "Unable to validate the following destination configurations") unless
 * x-amz-skip-destination-validation is true; iamlocal emulates no SNS, SQS or Lambda, so it checks the ARNs' form only.
 */
export async function putBucketNotificationConfiguration(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketNotification', bucketArn(bucket.bucket_name));
  const skip = call.headers['x-amz-skip-destination-validation'];
  if (skip !== undefined && skip !== 'true' && skip !== 'false') throw invalidArg('Invalid value for x-amz-skip-destination-validation', 'x-amz-skip-destination-validation', String(skip));
  // S3 names a configuration that has no Id with a generated one (base64 of a UUID).
  const config = parseNotification(await call.readBody(MAX_XML_BODY * 4), () => Buffer.from(randomUUID()).toString('base64'));
  const empty = Object.keys(config).length === 0;
  call.ctx.s3.setBucketConfig(bucket.bucket_name, 'notification', empty ? null : JSON.stringify(config));
  return {};
}

export const getBucketNotificationConfiguration: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketNotification', bucketArn(bucket.bucket_name));
  const config = stored<NotificationConfiguration>(bucket.notification) ?? {};
  const body: XmlObject = {};
  for (const kind of KINDS) {
    const items = config[kind.key];
    if (!items) continue;
    body[kind.element] = items.map((d) => ({
      Id: d.Id, [kind.arnElement]: d.Arn, Event: d.Events,
      Filter: d.Filter ? { S3Key: { FilterRule: d.Filter.Key.FilterRules.map((r) => ({ Name: r.Name, Value: r.Value })) } } : undefined,
    }));
  }
  if (config.EventBridgeConfiguration) body.EventBridgeConfiguration = {};
  return { body: restXmlDocument('NotificationConfiguration', body) };
};
