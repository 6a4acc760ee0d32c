import { randomBytes, randomUUID } from 'node:crypto';
import { authorizeCaller, baseContext, compileStoredPolicy, type Caller, type RequestFacts } from '../../auth/caller.ts';
import { enforcementFor, type ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import type { JsonInput, JsonValue } from '../../protocol/json.ts';
import { denyReasonText, evaluate, type Decision, type RequestContext } from '../../policy/index.ts';
import { kmsStore, type KmsGrantRow, type KmsKeyRow, type KmsStore } from '../../store/kms-store.ts';
import { isoSeconds } from '../../store/ids.ts';
export { defaultKeyPolicy } from '../../kms/crypto.ts';

/** One decoded, authenticated KMS call. `viaService` is set when another service (S3) calls KMS for its caller. */
export interface KmsCall {
  operation: string;
  input: JsonInput;
  caller: Caller;
  facts: RequestFacts;
  ctx: ServerContext;
  viaService?: string;
}

export type KmsOutput = Record<string, unknown>;

// ---- Input accessors (the model check has already run) ----

export const bool = (input: JsonInput, name: string): boolean | undefined => {
  const v = input[name];
  return typeof v === 'boolean' ? v : undefined;
};
export const blob = (input: JsonInput, name: string): Buffer | undefined => {
  const v = input[name];
  return Buffer.isBuffer(v) ? v : undefined;
};
export const strings = (input: JsonInput, name: string): string[] => {
  const v = input[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};
export function stringMap(value: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export const b64 = (bytes: Buffer): string => bytes.toString('base64');
/** awsJson timestamps are epoch seconds. */
export const epoch = (iso: string): number => Date.parse(iso) / 1000;

// ---- Errors with KMS's texts ----

export const keyArn = (key: Pick<KmsKeyRow, 'region' | 'account_id' | 'key_id'>): string => `arn:aws:kms:${key.region}:${key.account_id}:key/${key.key_id}`;
export const aliasArn = (region: string, accountId: string, name: string): string => `arn:aws:kms:${region}:${accountId}:alias/${name.replace(/^alias\//, '')}`;

export const notFound = (message: string): AwsError => new AwsError('NotFoundException', message, 400);
export const invalidState = (message: string): AwsError => new AwsError('KMSInvalidStateException', message, 400);
export const invalidKeyUsage = (message: string): AwsError => new AwsError('InvalidKeyUsageException', message, 400);
export const validation = (message: string): AwsError => new AwsError('ValidationException', message, 400);
export const unsupported = (message: string): AwsError => new AwsError('UnsupportedOperationException', message, 400);
/** AWS's InvalidCiphertextException carries no message. */
export const invalidCiphertext = (): AwsError => new AwsError('InvalidCiphertextException', '', 400);

export const store = (call: KmsCall): KmsStore => kmsStore(call.ctx.db);

// ---- Key resolution: key id, key ARN, alias name, alias ARN ----

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ARN = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:aws[\w-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

export interface ResolvedKey {
  key: KmsKeyRow;
  /** The alias the request named the key by (kms:RequestAlias). */
  requestAlias?: string;
}

/** AWS managed keys created on first use through their alias (`alias/aws/s3` …), as AWS does. */
const AWS_MANAGED_SERVICES = new Set(['s3', 'ebs', 'rds', 'lambda', 'secretsmanager', 'ssm', 'sns', 'sqs', 'dynamodb', 'logs']);

/**
 * The key a KeyId parameter names. A key pending deletion whose date has passed is deleted here, lazily: from then on
 * it does not exist, as in AWS.
 */
export function resolveKey(call: KmsCall, ref: string, options: { aliases?: boolean } = {}): ResolvedKey {
  const accountId = call.caller.principal.accountId;
  const region = call.facts.region;
  const kms = store(call);
  const live = (key: KmsKeyRow | undefined): KmsKeyRow | undefined => {
    if (key && key.state === 'PendingDeletion' && key.deletion_date && Date.parse(key.deletion_date) <= call.facts.now.getTime()) {
      kms.deleteKey(key.key_id);
      return undefined;
    }
    return key;
  };
  const byId = (id: string, account: string, keyRegion: string): ResolvedKey => {
    const key = live(kms.key(id));
    if (!key || key.account_id !== account || key.region !== keyRegion) {
      throw notFound(`Key '${keyArn({ region: keyRegion, account_id: account, key_id: id })}' does not exist`);
    }
    return { key };
  };
  const byAlias = (name: string, account: string, aliasRegion: string): ResolvedKey => {
    if (options.aliases === false) throw notFound(`Invalid keyId ${ref}`);
    let alias = kms.alias(account, aliasRegion, name);
    const managed = /^alias\/aws\/(.+)$/.exec(name)?.[1];
    if (!alias && managed && AWS_MANAGED_SERVICES.has(managed) && account === accountId) {
      awsManagedKey(call.ctx, account, aliasRegion, managed, call.facts.now);
      alias = kms.alias(account, aliasRegion, name);
    }
    const key = alias && live(kms.key(alias.key_id));
    if (!key) throw notFound(`Alias ${aliasArn(aliasRegion, account, name)} is not found.`);
    return { key, requestAlias: name };
  };
  if (KEY_ID.test(ref)) return byId(ref, accountId, region);
  const arn = KEY_ARN.exec(ref);
  if (arn) return byId(arn[3]!, arn[2]!, arn[1]!);
  if (ref.startsWith('alias/')) return byAlias(ref, accountId, region);
  const aliasRef = ALIAS_ARN.exec(ref);
  if (aliasRef) return byAlias(aliasRef[3]!, aliasRef[2]!, aliasRef[1]!);
  throw notFound(`Invalid keyId ${ref}`);
}

// ---- Key policies ----

/** The key policy of an AWS managed key: use only through the service, by principals of the account. */
function awsManagedPolicy(accountId: string, region: string, service: string): string {
  return JSON.stringify({
    Version: '2012-10-17', Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
        Effect: 'Allow', Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'], Resource: '*',
      },
    ],
  }, null, 2);
}

export function newKeyRow(fields: Pick<KmsKeyRow, 'key_id' | 'account_id' | 'region' | 'key_usage' | 'key_spec' | 'policy'> & Partial<KmsKeyRow>, now: Date): KmsKeyRow {
  return {
    description: '', key_manager: 'CUSTOMER', origin: 'AWS_KMS', state: 'Enabled', created_at: now.toISOString(), deletion_date: null,
    pending_window_days: null, tags: '[]', rotation_enabled: 0, rotation_period_days: null, next_rotation_date: null, ...fields,
  };
}

/**
 * The AWS managed key of a service (`alias/aws/s3`), created on first use with rotation every year, as AWS does.
 * For S3's SSE-KMS: the key a request without an explicit key id uses.
 */
export function awsManagedKey(ctx: ServerContext, accountId: string, region: string, service: string, now: Date): KmsKeyRow {
  const kms = kmsStore(ctx.db);
  const aliasName = `alias/aws/${service}`;
  const existing = kms.alias(accountId, region, aliasName);
  const found = existing && kms.key(existing.key_id);
  if (found) return found;
  const key = newKeyRow({
    key_id: randomUUID(), account_id: accountId, region, key_usage: 'ENCRYPT_DECRYPT', key_spec: 'SYMMETRIC_DEFAULT',
    policy: awsManagedPolicy(accountId, region, service), key_manager: 'AWS',
    description: `Default key that protects my ${service.toUpperCase()} objects when no other key is defined`,
    rotation_enabled: 1, rotation_period_days: 365, next_rotation_date: new Date(now.getTime() + 365 * 86400_000).toISOString(),
  }, now);
  ctx.db.transaction(() => {
    kms.insertKey(key);
    kms.insertMaterial(key.key_id, 1, randomBytes(32), now.toISOString(), null);
    kms.insertAlias(accountId, region, aliasName, key.key_id, now.toISOString());
  })();
  return key;
}

// ---- Authorization: key policy (required) + identity policies + boundary + session policies, then grants ----

export interface KeyAuthorization {
  /** Encryption context of the request: kms:EncryptionContext:*, kms:EncryptionContextKeys, grant constraints. */
  encryptionContext?: Record<string, string>;
  requestAlias?: string;
  /** Further KMS condition keys (lower-cased names). */
  extra?: Array<[string, string[]]>;
}

function kmsContext(call: KmsCall, key: KmsKeyRow | undefined, auth: KeyAuthorization): RequestContext {
  const context = baseContext(call.caller, call.facts);
  context.set('kms:calleraccount', [call.caller.principal.accountId]);
  if (call.viaService) context.set('kms:viaservice', [call.viaService]);
  if (key) {
    context.set('kms:keyspec', [key.key_spec]);
    context.set('kms:keyusage', [key.key_usage]);
    context.set('kms:keyorigin', [key.origin]);
    const aliases = store(call).aliasesOfKey(key.key_id).map((a) => a.alias_name);
    if (aliases.length) context.set('kms:resourcealiases', aliases);
    context.set('aws:resourceaccount', [key.account_id]);
    for (const tag of parseTags(key.tags)) context.set(`aws:resourcetag/${tag.TagKey.toLowerCase()}`, [tag.TagValue]);
  }
  if (auth.requestAlias) context.set('kms:requestalias', [auth.requestAlias]);
  if (auth.encryptionContext) {
    const keys = Object.keys(auth.encryptionContext);
    if (keys.length) context.set('kms:encryptioncontextkeys', keys);
    for (const k of keys) context.set(`kms:encryptioncontext:${k.toLowerCase()}`, [auth.encryptionContext[k]!]);
  }
  for (const [name, values] of auth.extra ?? []) context.set(name, values);
  return context;
}

function accessDenied(call: KmsCall, action: string, resource: string, decision: Decision): AwsError {
  const why = decision.reason ? ` ${denyReasonText(decision.reason, action)}` : '';
  return new AwsError('AccessDeniedException', `User: ${call.caller.principal.arn} is not authorized to perform: ${action} on resource: ${resource}${why}`, 400);
}

function record(call: KmsCall, action: string, resource: string, decision: Decision, context: RequestContext): boolean {
  const mode = enforcementFor(call.ctx, call.caller.principal.accountId);
  call.ctx.decisions.record(call.facts.now, call.caller.principal.arn, action, resource, decision, context, mode);
  return decision.allowed || mode !== 'on';
}

/** Whether a grant's grantee is the caller: its ARN, or the role of a role session. */
function granteeIs(grant: KmsGrantRow, caller: Caller): boolean {
  return grant.grantee_principal === caller.principal.arn || (caller.principal.roleArn !== undefined && grant.grantee_principal === caller.principal.roleArn);
}

export interface GrantConstraints { EncryptionContextEquals?: Record<string, string>; EncryptionContextSubset?: Record<string, string> }

/** Grant constraints as the KMS Developer Guide defines them: an exact match, or a subset of the request's context. */
function constraintsHold(constraints: GrantConstraints | null, context: Record<string, string> | undefined): boolean {
  if (!constraints) return true;
  const request = context ?? {};
  if (constraints.EncryptionContextEquals) {
    const want = constraints.EncryptionContextEquals;
    const keys = Object.keys(want);
    if (keys.length !== Object.keys(request).length || !keys.every((k) => request[k] === want[k])) return false;
  }
  if (constraints.EncryptionContextSubset) {
    const want = constraints.EncryptionContextSubset;
    if (!Object.keys(want).every((k) => request[k] === want[k])) return false;
  }
  return true;
}

/** The grant that lets the caller perform the operation on the key, if any. */
function allowingGrant(call: KmsCall, key: KmsKeyRow, grantOperation: string, encryptionContext: Record<string, string> | undefined): KmsGrantRow | undefined {
  return store(call).grantsOfKey(key.key_id).find((g) => granteeIs(g, call.caller)
    && (JSON.parse(g.operations) as string[]).includes(grantOperation)
    && constraintsHold(g.constraints ? (JSON.parse(g.constraints) as GrantConstraints) : null, encryptionContext));
}

/**
 * Authorizes `action` on a key as KMS does: the key policy must allow, either naming the caller or delegating to the
 * account (then IAM policies must allow too); boundaries and session policies filter; a grant for the operation
 * allows where no explicit deny applies. Every decision goes to the decision log.
 */
export function authorizeKey(call: KmsCall, action: string, key: KmsKeyRow, auth: KeyAuthorization = {}): void {
  const resource = keyArn(key);
  const context = kmsContext(call, key, auth);
  let decision = authorizeCaller(call.caller, {
    action, resource, resourceAccount: key.account_id, context, resourcePolicyRequired: true,
    resourcePolicy: { source: { id: resource, kind: 'resource' }, policy: compileStoredPolicy(key.policy, 'resource') },
  });
  if (!decision.allowed && !decision.reason?.startsWith('explicit')) {
    const grant = allowingGrant(call, key, action.slice('kms:'.length), auth.encryptionContext);
    if (grant) decision = { allowed: true, statements: [{ source: { id: `grant/${grant.grant_id}`, kind: 'resource' }, index: 0, effect: 'Allow' }] };
  }
  if (!record(call, action, resource, decision, context)) throw accessDenied(call, action, resource, decision);
}

/** Actions on no key (CreateKey, ListKeys, GenerateRandom …) or on an alias: IAM policies alone decide. */
export function authorizeIdentity(call: KmsCall, action: string, resource: string, auth: KeyAuthorization = {}): void {
  const context = kmsContext(call, undefined, auth);
  const decision = authorizeCaller(call.caller, { action, resource, resourceAccount: call.caller.principal.accountId, context });
  if (!record(call, action, resource, decision, context)) throw accessDenied(call, action, resource, decision);
}

/**
 * The lockout safety check: the new key policy must still let the caller change it (kms:PutKeyPolicy), unless the
 * caller bypasses the check.
 */
export function checkLockout(call: KmsCall, key: KmsKeyRow, policyText: string): void {
  const resource = keyArn(key);
  const decision = evaluate({
    principal: call.caller.principal, action: 'kms:PutKeyPolicy', resource, resourceAccount: key.account_id,
    context: kmsContext(call, key, {}), identityPolicies: call.caller.identityPolicies, permissionsBoundary: call.caller.permissionsBoundary,
    sessionPolicies: call.caller.sessionPolicies, resourcePolicyRequired: true,
    resourcePolicy: { source: { id: resource, kind: 'resource' }, policy: compileStoredPolicy(policyText, 'resource') },
  });
  if (!decision.allowed) {
    throw new AwsError('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.', 400);
  }
}

// ---- Key states ----

/**
 * Operations a key pending deletion still answers (KMS Developer Guide, "Key states of AWS KMS keys", whose table
 * also gives the texts: "<key ARN> is disabled.", "<key ARN> is pending deletion.", "<key ARN> is not pending deletion.").
 */
const PENDING_DELETION_OK = new Set(['DescribeKey', 'GetKeyPolicy', 'ListKeyPolicies', 'ListResourceTags', 'ListGrants', 'ListAliases',
  'CancelKeyDeletion', 'GetKeyRotationStatus', 'RetireGrant', 'RevokeGrant', 'DeleteAlias', 'PutKeyPolicy', 'ListKeyRotations']);
/** Cryptographic operations (and a few others) a disabled key refuses with DisabledException (same table). */
const DISABLED_REFUSES = new Set(['CreateGrant', 'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'GetPublicKey', 'EnableKeyRotation', 'DisableKeyRotation', 'RotateKeyOnDemand']);

export function requireUsable(key: KmsKeyRow, operation: string): void {
  if (key.state === 'PendingDeletion' && !PENDING_DELETION_OK.has(operation)) throw invalidState(`${keyArn(key)} is pending deletion.`);
  if (key.state === 'Disabled' && DISABLED_REFUSES.has(operation)) throw new AwsError('DisabledException', `${keyArn(key)} is disabled.`, 400);
}

export function requireCustomerManaged(key: KmsKeyRow, operation: string): void {
  if (key.key_manager === 'AWS') throw unsupported(`${keyArn(key)} is an AWS managed key. ${operation} is not supported on AWS managed keys.`);
}

export function dryRun(call: KmsCall): void {
  if (bool(call.input, 'DryRun')) throw new AwsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', 412);
}

// ---- Tags ----

export interface Tag { TagKey: string; TagValue: string }
export const parseTags = (text: string): Tag[] => JSON.parse(text) as Tag[];

export function tagsOf(input: JsonInput, name = 'Tags'): Tag[] {
  const raw = input[name];
  if (!Array.isArray(raw)) return [];
  return raw.map((t) => {
    const m = stringMap(t);
    return { TagKey: m.TagKey ?? '', TagValue: m.TagValue ?? '' };
  });
}

/** Merges tags (a new value replaces an existing key's), enforcing KMS's rules: no aws: prefix, at most 50. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const out = [...existing];
  for (const tag of added) {
    if (tag.TagKey.toLowerCase().startsWith('aws:')) throw new AwsError('TagException', 'Tags beginning with aws: are reserved', 400);
    const i = out.findIndex((t) => t.TagKey === tag.TagKey);
    if (i >= 0) out[i] = tag;
    else out.push(tag);
  }
  if (out.length > 50) throw new AwsError('LimitExceededException', 'Exceeded the maximum number of tags (50) for the resource.', 400);
  return out;
}

export const isoNow = (call: KmsCall): string => call.facts.now.toISOString();
export { isoSeconds };
