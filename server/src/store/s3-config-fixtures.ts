// Fixtures and state export for bucket logging, website and notification configurations (stored as the S3 handlers in
// services/s3/bucket-configs.ts store them; fixtures and exports use the Get operations' output shapes, as the SDKs do).
import { randomUUID } from 'node:crypto';
import type { Reader } from './fixture-reader.ts';

type Json = Record<string, unknown>;
const ALL_USERS_GROUPS = /^http:\/\/acs\.amazonaws\.com\/groups\/(global\/AllUsers|global\/AuthenticatedUsers|s3\/LogDelivery)$/;

/** buckets[].website: GetBucketWebsite's shape; an index document (a Suffix without `/`) or RedirectAllRequestsTo alone. */
export function bucketWebsiteOf(r: Reader, raw: unknown, path: string): string {
  const w = r.object(raw, path, ['IndexDocument', 'ErrorDocument', 'RedirectAllRequestsTo', 'RoutingRules']);
  const out: Json = {};
  if (w.RedirectAllRequestsTo !== undefined) {
    if (Object.keys(w).length > 1) r.fail(path, 'RedirectAllRequestsTo cannot be given with other elements');
    const redirect = r.object(w.RedirectAllRequestsTo, `${path}.RedirectAllRequestsTo`, ['HostName', 'Protocol']);
    const protocol = r.optString(redirect.Protocol, `${path}.RedirectAllRequestsTo.Protocol`);
    if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') r.fail(`${path}.RedirectAllRequestsTo.Protocol`, 'expected http or https');
    out.RedirectAllRequestsTo = { HostName: r.string(redirect.HostName, `${path}.RedirectAllRequestsTo.HostName`), ...(protocol ? { Protocol: protocol } : {}) };
    return JSON.stringify(out);
  }
  const suffix = r.string(r.object(w.IndexDocument, `${path}.IndexDocument`, ['Suffix']).Suffix, `${path}.IndexDocument.Suffix`);
  if (suffix === '' || suffix.includes('/')) r.fail(`${path}.IndexDocument.Suffix`, 'expected a non-empty suffix without /');
  out.IndexDocument = { Suffix: suffix };
  if (w.ErrorDocument !== undefined) out.ErrorDocument = { Key: r.string(r.object(w.ErrorDocument, `${path}.ErrorDocument`, ['Key']).Key, `${path}.ErrorDocument.Key`) };
  if (w.RoutingRules !== undefined) {
    const rules = r.list(w.RoutingRules, `${path}.RoutingRules`);
    if (rules.length === 0 || rules.length > 50) r.fail(`${path}.RoutingRules`, 'expected 1 to 50 rules');
    out.RoutingRules = rules.map((raw, i) => {
      const rpath = `${path}.RoutingRules[${i}]`;
      const rule = r.object(raw, rpath, ['Condition', 'Redirect']);
      const texts = (value: unknown, p: string, names: string[]): Json => {
        const o = r.object(value, p, names);
        return Object.fromEntries(names.flatMap((n) => (o[n] === undefined ? [] : [[n, r.string(o[n], `${p}.${n}`)]])));
      };
      const redirect = texts(rule.Redirect, `${rpath}.Redirect`, ['HostName', 'HttpRedirectCode', 'Protocol', 'ReplaceKeyPrefixWith', 'ReplaceKeyWith']);
      if (redirect.ReplaceKeyPrefixWith !== undefined && redirect.ReplaceKeyWith !== undefined) r.fail(`${rpath}.Redirect`, 'ReplaceKeyPrefixWith or ReplaceKeyWith, not both');
      const condition = rule.Condition === undefined ? undefined : texts(rule.Condition, `${rpath}.Condition`, ['KeyPrefixEquals', 'HttpErrorCodeReturnedEquals']);
      if (condition && Object.keys(condition).length === 0) r.fail(`${rpath}.Condition`, 'a Condition cannot be empty');
      return { ...(condition ? { Condition: condition } : {}), Redirect: redirect };
    });
  }
  return JSON.stringify(out);
}

/** buckets[].logging: GetBucketLogging's LoggingEnabled (TargetGrants as the SDKs show them). */
export function bucketLoggingOf(r: Reader, raw: unknown, path: string): string {
  const l = r.object(raw, path, ['TargetBucket', 'TargetPrefix', 'TargetGrants', 'TargetObjectKeyFormat']);
  const out: Json = { TargetBucket: r.string(l.TargetBucket, `${path}.TargetBucket`), TargetPrefix: r.optString(l.TargetPrefix, `${path}.TargetPrefix`) ?? '' };
  if (l.TargetGrants !== undefined) {
    out.TargetGrants = r.list(l.TargetGrants, `${path}.TargetGrants`).map((raw, i) => {
      const gpath = `${path}.TargetGrants[${i}]`;
      const grant = r.object(raw, gpath, ['Grantee', 'Permission']);
      const permission = r.string(grant.Permission, `${gpath}.Permission`);
      if (!['FULL_CONTROL', 'READ', 'WRITE'].includes(permission)) r.fail(`${gpath}.Permission`, 'expected FULL_CONTROL, READ or WRITE');
      const grantee = r.object(grant.Grantee, `${gpath}.Grantee`, ['Type', 'ID', 'URI', 'DisplayName']);
      const type = r.string(grantee.Type, `${gpath}.Grantee.Type`);
      if (type === 'CanonicalUser') return { id: r.string(grantee.ID, `${gpath}.Grantee.ID`), permission };
      const uri = type === 'Group' ? r.string(grantee.URI, `${gpath}.Grantee.URI`) : r.fail(`${gpath}.Grantee.Type`, 'expected CanonicalUser or Group');
      if (!ALL_USERS_GROUPS.test(uri)) r.fail(`${gpath}.Grantee.URI`, 'expected an S3 group URI');
      return { uri, permission };
    });
  }
  if (l.TargetObjectKeyFormat !== undefined) {
    const format = r.object(l.TargetObjectKeyFormat, `${path}.TargetObjectKeyFormat`, ['SimplePrefix', 'PartitionedPrefix']);
    if (format.PartitionedPrefix !== undefined) {
      const source = r.optString(r.object(format.PartitionedPrefix, `${path}.TargetObjectKeyFormat.PartitionedPrefix`, ['PartitionDateSource']).PartitionDateSource,
        `${path}.TargetObjectKeyFormat.PartitionedPrefix.PartitionDateSource`);
      if (source !== undefined && source !== 'EventTime' && source !== 'DeliveryTime') r.fail(`${path}.TargetObjectKeyFormat.PartitionedPrefix.PartitionDateSource`, 'expected EventTime or DeliveryTime');
      out.TargetObjectKeyFormat = { PartitionedPrefix: source ? { PartitionDateSource: source } : {} };
    } else out.TargetObjectKeyFormat = { SimplePrefix: true };
  }
  return JSON.stringify(out);
}

const KINDS = [['TopicConfigurations', 'TopicArn', 'sns'], ['QueueConfigurations', 'QueueArn', 'sqs'], ['LambdaFunctionConfigurations', 'LambdaFunctionArn', 'lambda']] as const;

/** buckets[].notification: GetBucketNotificationConfiguration's shape (ARNs of the destination's service). */
export function bucketNotificationOf(r: Reader, raw: unknown, path: string): string {
  const n = r.object(raw, path, ['TopicConfigurations', 'QueueConfigurations', 'LambdaFunctionConfigurations', 'EventBridgeConfiguration']);
  const out: Json = {};
  for (const [key, arnKey, service] of KINDS) {
    if (n[key] === undefined) continue;
    out[key] = r.list(n[key], `${path}.${key}`).map((raw, i) => {
      const cpath = `${path}.${key}[${i}]`;
      const c = r.object(raw, cpath, ['Id', arnKey, 'Events', 'Filter']);
      const arn = r.string(c[arnKey], `${cpath}.${arnKey}`);
      if (!new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`).test(arn)) r.fail(`${cpath}.${arnKey}`, `expected an ${service} ARN`);
      const events = r.list(c.Events, `${cpath}.Events`).map((e, j) => r.string(e, `${cpath}.Events[${j}]`));
      if (events.length === 0 || events.some((e) => !e.startsWith('s3:'))) r.fail(`${cpath}.Events`, 'expected S3 event types');
      const filter = c.Filter === undefined ? undefined : r.list(r.object(r.object(c.Filter, `${cpath}.Filter`, ['Key']).Key, `${cpath}.Filter.Key`, ['FilterRules']).FilterRules,
        `${cpath}.Filter.Key.FilterRules`).map((f, j) => {
        const rule = r.object(f, `${cpath}.Filter.Key.FilterRules[${j}]`, ['Name', 'Value']);
        const name = r.string(rule.Name, `${cpath}.Filter.Key.FilterRules[${j}].Name`);
        if (!/^(prefix|suffix)$/i.test(name)) r.fail(`${cpath}.Filter.Key.FilterRules[${j}].Name`, 'expected prefix or suffix');
        return { Name: name, Value: r.string(rule.Value, `${cpath}.Filter.Key.FilterRules[${j}].Value`) };
      });
      return { Id: r.optString(c.Id, `${cpath}.Id`) ?? Buffer.from(randomUUID()).toString('base64'), Arn: arn, Events: events, ...(filter ? { Filter: { Key: { FilterRules: filter } } } : {}) };
    });
  }
  if (n.EventBridgeConfiguration !== undefined) out.EventBridgeConfiguration = {};
  return JSON.stringify(out);
}

/** The stored configurations in the fixtures' (the Get operations') shapes, for the state export. */
export function exportBucketConfigs(b: { logging?: string | null; website?: string | null; notification?: string | null }): Json {
  const out: Json = {};
  if (b.website) out.website = JSON.parse(b.website) as Json;
  if (b.logging) {
    const logging = JSON.parse(b.logging) as Json & { TargetGrants?: ({ id: string; permission: string } | { uri: string; permission: string })[] };
    const format = logging.TargetObjectKeyFormat as Json | undefined;
    out.logging = {
      ...logging,
      ...(format && 'SimplePrefix' in format ? { TargetObjectKeyFormat: { SimplePrefix: {} } } : {}),
      ...(logging.TargetGrants ? {
        TargetGrants: logging.TargetGrants.map((g) => ({ Grantee: 'id' in g ? { Type: 'CanonicalUser', ID: g.id } : { Type: 'Group', URI: g.uri }, Permission: g.permission })),
      } : {}),
    };
  }
  if (b.notification) {
    const notification = JSON.parse(b.notification) as Record<string, { Id: string; Arn: string; Events: string[]; Filter?: unknown }[] | undefined>;
    const shown: Json = {};
    for (const [key, arnKey] of KINDS) {
      const items = notification[key];
      if (items) shown[key] = items.map(({ Arn, ...rest }) => ({ ...rest, [arnKey]: Arn }));
    }
    if (notification.EventBridgeConfiguration) shown.EventBridgeConfiguration = {};
    out.notification = shown;
  }
  return out;
}
