import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../../errors.ts';
import { parsePolicy, PolicyDocumentError } from '../../policy/index.ts';
import type { KmsKeyRow } from '../../store/kms-store.ts';
import {
  encryptionAlgorithmsOf, isAsymmetric, isHmac, isSupportedSpec, macAlgorithmsOf, newDataKeyPair, newMaterial, openSymmetric, parseSymmetricBlob,
  publicKeyDer, rsaDecrypt, rsaEncrypt, rsaMaxPlaintext, sameBytes, sealSymmetric, signingAlgorithmsOf, signMessage, specAllowsUsage, verifyMessage, hmac,
  digestBytes, signDigest, verifyDigest,
  SYMMETRIC,
} from '../../kms/crypto.ts';
import {
  aliasArn, authorizeIdentity, authorizeKey, b64, blob, bool, checkLockout, defaultKeyPolicy, dryRun, epoch, invalidCiphertext, invalidKeyUsage,
  invalidState, isoNow, keyArn, mergeTags, newKeyRow, notFound, parseTags, requireCustomerManaged, requireUsable, resolveKey, store,
  stringMap, strings, tagsOf, unsupported, validation, type GrantConstraints, type KmsCall, type KmsOutput, type ResolvedKey,
} from './keys.ts';
import { num, str } from '../../protocol/json.ts';

export type KmsHandler = (call: KmsCall) => KmsOutput | Promise<KmsOutput>;

const keyIdOf = (call: KmsCall): string => str(call.input, 'KeyId') ?? '';

/** Resolves KeyId, authorizes the action on it, then checks the key's state: AWS's order (access denied first). */
function keyFor(call: KmsCall, operation = call.operation, encryptionContext?: Record<string, string>, extra?: Array<[string, string[]]>): ResolvedKey {
  const resolved = resolveKey(call, keyIdOf(call));
  authorizeKey(call, `kms:${operation}`, resolved.key, { requestAlias: resolved.requestAlias, encryptionContext, extra });
  requireUsable(resolved.key, operation);
  return resolved;
}

// ---- Key metadata ----

export function keyMetadata(key: KmsKeyRow): KmsOutput {
  return {
    AWSAccountId: key.account_id, KeyId: key.key_id, Arn: keyArn(key), CreationDate: epoch(key.created_at),
    Enabled: key.state === 'Enabled', Description: key.description, KeyUsage: key.key_usage, KeyState: key.state,
    ...(key.deletion_date ? { DeletionDate: epoch(key.deletion_date), PendingDeletionWindowInDays: key.pending_window_days ?? undefined } : {}),
    Origin: key.origin, KeyManager: key.key_manager, CustomerMasterKeySpec: key.key_spec, KeySpec: key.key_spec,
    EncryptionAlgorithms: encryptionAlgorithmsOf(key.key_spec) && key.key_usage === 'ENCRYPT_DECRYPT' ? encryptionAlgorithmsOf(key.key_spec) : undefined,
    SigningAlgorithms: key.key_usage === 'SIGN_VERIFY' ? signingAlgorithmsOf(key.key_spec) : undefined,
    MacAlgorithms: macAlgorithmsOf(key.key_spec),
    MultiRegion: false,
  };
}

/**
 * A key policy must parse as a resource policy, and the IAM users and roles of this account it names must exist
 * (KMS refuses a policy naming a principal it cannot resolve).
 */
function validatePolicyText(call: KmsCall, text: string): void {
  let policy;
  try {
    policy = parsePolicy(text, 'resource');
  } catch (error) {
    if (error instanceof PolicyDocumentError) throw new AwsError('MalformedPolicyDocumentException', error.message, 400);
    throw error;
  }
  const accountId = call.caller.principal.accountId;
  for (const statement of policy.statements) {
    for (const arn of statement.principals?.arns ?? []) {
      const m = /^arn:aws:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (!m || m[1] !== accountId) continue;
      const exists = m[2] === 'user' ? call.ctx.iam.user(accountId, m[3]!) : call.ctx.iam.role(accountId, m[3]!);
      if (!exists) throw new AwsError('MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.', 400);
    }
  }
}

async function createKey(call: KmsCall): Promise<KmsOutput> {
  const { input, caller } = call;
  const spec = str(input, 'KeySpec') ?? str(input, 'CustomerMasterKeySpec') ?? SYMMETRIC;
  if (str(input, 'KeySpec') && str(input, 'CustomerMasterKeySpec')) {
    throw validation('You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
  }
  const usage = str(input, 'KeyUsage') ?? (isHmac(spec) ? '' : 'ENCRYPT_DECRYPT');
  if (!isSupportedSpec(spec)) throw unsupported(`KeySpec ${spec} is not supported in this region.`);
  if (usage === '' || !specAllowsUsage(spec, usage)) {
    throw validation(`KeyUsage ${usage || 'ENCRYPT_DECRYPT'} is not compatible with KeySpec ${spec}`);
  }
  const origin = str(input, 'Origin') ?? 'AWS_KMS';
  if (origin !== 'AWS_KMS') throw unsupported(`Origin ${origin} is not supported.`);
  if (bool(input, 'MultiRegion')) throw unsupported('Multi-Region keys are not supported.');
  const tags = mergeTags([], tagsOf(input));
  const requestTags: Array<[string, string[]]> = tags.length
    ? [['aws:tagkeys', tags.map((t) => t.TagKey)], ...tags.map((t): [string, string[]] => [`aws:requesttag/${t.TagKey.toLowerCase()}`, [t.TagValue]])]
    : [];
  authorizeIdentity(call, 'kms:CreateKey', '*', { extra: [['kms:keyspec', [spec]], ['kms:keyusage', [usage]], ['kms:keyorigin', [origin]], ...requestTags] });
  // Tags on CreateKey need kms:TagResource as well (KMS API Reference, CreateKey "Required permissions").
  if (tags.length) authorizeIdentity(call, 'kms:TagResource', '*', { extra: requestTags });
  const accountId = caller.principal.accountId;
  const policy = str(input, 'Policy') ?? defaultKeyPolicy(accountId);
  validatePolicyText(call, policy);
  const key = newKeyRow({
    key_id: randomUUID(), account_id: accountId, region: call.facts.region, key_usage: usage, key_spec: spec, policy,
    description: str(input, 'Description') ?? '', tags: JSON.stringify(tags),
  }, call.facts.now);
  if (str(input, 'Policy') && !bool(input, 'BypassPolicyLockoutSafetyCheck')) checkLockout(call, key, policy);
  const material = await newMaterial(spec);
  const kms = store(call);
  call.ctx.db.transaction(() => {
    kms.insertKey(key);
    kms.insertMaterial(key.key_id, 1, material, key.created_at, null);
  })();
  return { KeyMetadata: keyMetadata(key) };
}

function describeKey(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  return { KeyMetadata: keyMetadata(key) };
}

/** Markers are the last key id listed, base64'd so that clients treat them as opaque. */
function page<T>(items: T[], idOf: (item: T) => string, call: KmsCall): { items: T[]; truncated: boolean; next?: string } {
  const limit = num(call.input, 'Limit') ?? 100;
  const marker = str(call.input, 'Marker');
  let start = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64').toString('utf8');
    const i = items.findIndex((item) => idOf(item) === after);
    if (i < 0 && !items.some((item) => idOf(item) > after)) throw new AwsError('InvalidMarkerException', 'Invalid marker', 400);
    start = i >= 0 ? i + 1 : items.findIndex((item) => idOf(item) > after);
  }
  const slice = items.slice(start, start + limit);
  const truncated = start + limit < items.length;
  return { items: slice, truncated, next: truncated ? Buffer.from(idOf(slice[slice.length - 1]!)).toString('base64') : undefined };
}

function listKeys(call: KmsCall): KmsOutput {
  authorizeIdentity(call, 'kms:ListKeys', '*');
  // Keys whose deletion date has passed are gone: resolving each deletes it (see resolveKey).
  const keys = store(call).keys(call.caller.principal.accountId, call.facts.region).filter((k) => {
    if (k.state !== 'PendingDeletion' || !k.deletion_date || Date.parse(k.deletion_date) > call.facts.now.getTime()) return true;
    try {
      resolveKey(call, k.key_id);
    } catch {
      // NotFoundException: deleted now.
    }
    return false;
  });
  const p = page(keys, (k) => k.key_id, call);
  return { Keys: p.items.map((k) => ({ KeyId: k.key_id, KeyArn: keyArn(k) })), Truncated: p.truncated, ...(p.next ? { NextMarker: p.next } : {}) };
}

function updateKeyDescription(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  store(call).setDescription(key.key_id, str(call.input, 'Description') ?? '');
  return {};
}

// ---- Key states ----

function enableKey(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'EnableKey');
  if (key.state === 'PendingDeletion') throw invalidState(`${keyArn(key)} is pending deletion.`);
  store(call).setState(key.key_id, 'Enabled', null, null);
  return {};
}

function disableKey(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'DisableKey');
  if (key.state === 'PendingDeletion') throw invalidState(`${keyArn(key)} is pending deletion.`);
  store(call).setState(key.key_id, 'Disabled', null, null);
  return {};
}

function scheduleKeyDeletion(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'ScheduleKeyDeletion');
  const days = num(call.input, 'PendingWindowInDays') ?? 30;
  // The model allows 1–365; KMS itself takes 7–30 days for a key that is not a multi-Region primary.
  if (days < 7 || days > 30) throw validation(`PendingWindowInDays value ${days} is not in the valid range (7 - 30).`);
  if (key.state === 'PendingDeletion') throw invalidState(`${keyArn(key)} is pending deletion.`);
  const deletion = new Date(call.facts.now.getTime() + days * 86400_000).toISOString();
  store(call).setState(key.key_id, 'PendingDeletion', deletion, days);
  return { KeyId: keyArn(key), DeletionDate: epoch(deletion), KeyState: 'PendingDeletion', PendingWindowInDays: days };
}

function cancelKeyDeletion(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  if (key.state !== 'PendingDeletion') throw invalidState(`${keyArn(key)} is not pending deletion.`);
  // A key whose deletion is cancelled comes back disabled (KMS Developer Guide, "Deleting KMS keys").
  store(call).setState(key.key_id, 'Disabled', null, null);
  return { KeyId: keyArn(key) };
}

// ---- Aliases ----

function checkAliasName(name: string): void {
  if (!name.startsWith('alias/')) throw validation('Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
  if (name.startsWith('alias/aws/')) throw new AwsError('NotAuthorizedException', 'Cannot create or update an alias with the reserved prefix alias/aws/', 400);
}

/** CreateAlias/UpdateAlias take a key id or key ARN, never an alias. */
function targetKey(call: KmsCall, action: string): KmsKeyRow {
  const { key } = resolveKey(call, str(call.input, 'TargetKeyId') ?? '', { aliases: false });
  authorizeKey(call, action, key);
  if (key.key_manager === 'AWS') throw unsupported('Alias cannot refer to an AWS managed key.');
  if (key.state === 'PendingDeletion') throw invalidState(`${keyArn(key)} is pending deletion.`);
  return key;
}

function createAlias(call: KmsCall): KmsOutput {
  const name = str(call.input, 'AliasName') ?? '';
  checkAliasName(name);
  const accountId = call.caller.principal.accountId;
  const arn = aliasArn(call.facts.region, accountId, name);
  authorizeIdentity(call, 'kms:CreateAlias', arn);
  const key = targetKey(call, 'kms:CreateAlias');
  const kms = store(call);
  if (kms.alias(accountId, call.facts.region, name)) throw new AwsError('AlreadyExistsException', `An alias with the name ${arn} already exists`, 400);
  kms.insertAlias(accountId, call.facts.region, name, key.key_id, isoNow(call));
  return {};
}

function updateAlias(call: KmsCall): KmsOutput {
  const name = str(call.input, 'AliasName') ?? '';
  checkAliasName(name);
  const accountId = call.caller.principal.accountId;
  const arn = aliasArn(call.facts.region, accountId, name);
  authorizeIdentity(call, 'kms:UpdateAlias', arn);
  const kms = store(call);
  const alias = kms.alias(accountId, call.facts.region, name);
  if (!alias) throw notFound(`Alias ${arn} is not found.`);
  const current = kms.key(alias.key_id);
  if (current) authorizeKey(call, 'kms:UpdateAlias', current);
  const key = targetKey(call, 'kms:UpdateAlias');
  if (current && (current.key_usage !== key.key_usage || current.key_spec !== key.key_spec)) {
    throw validation(`Alias ${arn} is associated with a key of a different key usage or key spec.`);
  }
  kms.updateAlias(accountId, call.facts.region, name, key.key_id, isoNow(call));
  return {};
}

function deleteAlias(call: KmsCall): KmsOutput {
  const name = str(call.input, 'AliasName') ?? '';
  checkAliasName(name);
  const accountId = call.caller.principal.accountId;
  const arn = aliasArn(call.facts.region, accountId, name);
  authorizeIdentity(call, 'kms:DeleteAlias', arn);
  const kms = store(call);
  const alias = kms.alias(accountId, call.facts.region, name);
  if (!alias) throw notFound(`Alias ${arn} is not found.`);
  const key = kms.key(alias.key_id);
  if (key) authorizeKey(call, 'kms:DeleteAlias', key);
  kms.deleteAlias(accountId, call.facts.region, name);
  return {};
}

function listAliases(call: KmsCall): KmsOutput {
  const kms = store(call);
  const keyRef = str(call.input, 'KeyId');
  // kms:ListAliases is an IAM-policy-only permission on "*", with or without KeyId (KMS API Reference, ListAliases).
  authorizeIdentity(call, 'kms:ListAliases', '*');
  const aliases = keyRef !== undefined
    ? kms.aliasesOfKey(resolveKey(call, keyRef, { aliases: false }).key.key_id)
    : kms.aliases(call.caller.principal.accountId, call.facts.region);
  const p = page(aliases, (a) => a.alias_name, call);
  return {
    Aliases: p.items.map((a) => ({
      AliasName: a.alias_name, AliasArn: aliasArn(a.region, a.account_id, a.alias_name), TargetKeyId: a.key_id,
      CreationDate: epoch(a.created_at), LastUpdatedDate: epoch(a.updated_at),
    })),
    Truncated: p.truncated, ...(p.next ? { NextMarker: p.next } : {}),
  };
}

// ---- Tags ----

function tagResource(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'TagResource');
  const tags = mergeTags(parseTags(key.tags), tagsOf(call.input));
  store(call).setTags(key.key_id, JSON.stringify(tags));
  return {};
}

function untagResource(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'UntagResource');
  const remove = new Set(strings(call.input, 'TagKeys'));
  store(call).setTags(key.key_id, JSON.stringify(parseTags(key.tags).filter((t) => !remove.has(t.TagKey))));
  return {};
}

function listResourceTags(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  const p = page(parseTags(key.tags), (t) => t.TagKey, call);
  return { Tags: p.items, Truncated: p.truncated, ...(p.next ? { NextMarker: p.next } : {}) };
}

// ---- Key policies ----

function policyName(call: KmsCall): void {
  const name = str(call.input, 'PolicyName') ?? 'default';
  if (name !== 'default') throw notFound('No such policy exists');
}

function getKeyPolicy(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  policyName(call);
  return { Policy: key.policy, PolicyName: 'default' };
}

function putKeyPolicy(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'PutKeyPolicy');
  policyName(call);
  const policy = str(call.input, 'Policy') ?? '';
  validatePolicyText(call, policy);
  if (!bool(call.input, 'BypassPolicyLockoutSafetyCheck')) checkLockout(call, key, policy);
  store(call).setPolicy(key.key_id, policy);
  return {};
}

function listKeyPolicies(call: KmsCall): KmsOutput {
  keyFor(call);
  return { PolicyNames: ['default'], Truncated: false };
}

// ---- Rotation ----

function rotatable(key: KmsKeyRow): void {
  if (key.key_spec !== SYMMETRIC) throw unsupported(`${keyArn(key)} does not support automatic key rotation.`);
}

function enableKeyRotation(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'EnableKeyRotation');
  rotatable(key);
  const days = num(call.input, 'RotationPeriodInDays') ?? 365;
  store(call).setRotation(key.key_id, true, days, new Date(call.facts.now.getTime() + days * 86400_000).toISOString());
  return {};
}

function disableKeyRotation(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'DisableKeyRotation');
  rotatable(key);
  store(call).setRotation(key.key_id, false, null, null);
  return {};
}

function getKeyRotationStatus(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  if (key.key_spec !== SYMMETRIC) throw unsupported(`${keyArn(key)} does not support automatic key rotation.`);
  const enabled = key.rotation_enabled === 1;
  return {
    KeyRotationEnabled: enabled, KeyId: keyArn(key),
    ...(enabled ? { RotationPeriodInDays: key.rotation_period_days ?? 365, NextRotationDate: key.next_rotation_date ? epoch(key.next_rotation_date) : undefined } : {}),
  };
}

function rotateKeyOnDemand(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  requireCustomerManaged(key, 'RotateKeyOnDemand');
  rotatable(key);
  const kms = store(call);
  const latest = kms.latestMaterial(key.key_id);
  kms.insertMaterial(key.key_id, (latest?.version ?? 0) + 1, randomBytes(32), isoNow(call), 'ON_DEMAND');
  return { KeyId: key.key_id };
}

function listKeyRotations(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  rotatable(key);
  const rotations = store(call).materials(key.key_id).filter((m) => m.version > 1);
  return { Rotations: rotations.map((m) => ({ KeyId: key.key_id, RotationDate: epoch(m.created_at), RotationType: m.rotation_type ?? 'AUTOMATIC' })), Truncated: false };
}

// ---- Cryptography ----

function requireUsage(key: KmsKeyRow, usage: string, operation: string): void {
  if (key.key_usage !== usage) throw invalidKeyUsage(`${keyArn(key)} key usage is ${key.key_usage} which is not valid for ${operation}.`);
}

function encryptionContextOf(call: KmsCall, name = 'EncryptionContext'): Record<string, string> {
  return stringMap(call.input[name]);
}

/** Encrypts under a key already authorized and checked: symmetric blobs use the newest key material. */
function encryptWith(call: KmsCall, key: KmsKeyRow, plaintext: Buffer, context: Record<string, string>, algorithm: string): Buffer {
  requireUsage(key, 'ENCRYPT_DECRYPT', call.operation);
  const latest = store(call).latestMaterial(key.key_id);
  if (!latest) throw new AwsError('KMSInternalException', 'The key material is missing.', 500);
  if (key.key_spec === SYMMETRIC) {
    if (algorithm !== 'SYMMETRIC_DEFAULT') throw invalidKeyUsage(`Algorithm ${algorithm} is incompatible with key spec ${key.key_spec}.`);
    return sealSymmetric(key.key_id, latest.version, latest.material, plaintext, context);
  }
  if (algorithm === 'SYMMETRIC_DEFAULT') throw invalidKeyUsage(`Algorithm ${algorithm} is incompatible with key spec ${key.key_spec}.`);
  if (plaintext.length > rsaMaxPlaintext(latest.material, algorithm)) {
    throw validation(`Plaintext size ${plaintext.length} bytes exceeds the maximum size for ${algorithm} with key spec ${key.key_spec}.`);
  }
  return rsaEncrypt(latest.material, algorithm, plaintext);
}

function encrypt(call: KmsCall): KmsOutput {
  const context = encryptionContextOf(call);
  const { key } = keyFor(call, 'Encrypt', context);
  const algorithm = str(call.input, 'EncryptionAlgorithm') ?? 'SYMMETRIC_DEFAULT';
  const ciphertext = encryptWith(call, key, blob(call.input, 'Plaintext') ?? Buffer.alloc(0), context, algorithm);
  dryRun(call);
  return { CiphertextBlob: b64(ciphertext), KeyId: keyArn(key), EncryptionAlgorithm: algorithm };
}

/**
 * Decrypts a blob: a symmetric blob names its key (KeyId is optional, and when given must be that key, else
 * IncorrectKeyException); asymmetric ciphertexts need KeyId. `action` is kms:Decrypt or kms:ReEncryptFrom.
 */
function decryptBlob(call: KmsCall, ciphertext: Buffer, keyRef: string | undefined, algorithm: string, context: Record<string, string>, action: string): { key: KmsKeyRow; plaintext: Buffer } {
  const parsed = parseSymmetricBlob(ciphertext);
  const named = keyRef !== undefined ? resolveKey(call, keyRef) : undefined;
  if (parsed && algorithm === 'SYMMETRIC_DEFAULT') {
    const { key, requestAlias } = named && named.key.key_id === parsed.keyId ? named : resolveBlobKey(call, parsed.keyId, named);
    authorizeKey(call, action, key, { encryptionContext: context, requestAlias });
    requireUsable(key, 'Decrypt');
    const material = store(call).material(key.key_id, parsed.version);
    const plaintext = material && openSymmetric(ciphertext, material.material, context);
    if (!plaintext) throw invalidCiphertext();
    return { key, plaintext };
  }
  if (!named) throw invalidCiphertext();
  const { key, requestAlias } = named;
  authorizeKey(call, action, key, { encryptionContext: context, requestAlias });
  requireUsable(key, 'Decrypt');
  requireUsage(key, 'ENCRYPT_DECRYPT', 'Decrypt');
  if (key.key_spec === SYMMETRIC || algorithm === 'SYMMETRIC_DEFAULT') {
    if (key.key_spec === SYMMETRIC) throw invalidCiphertext();
    throw invalidKeyUsage(`Algorithm ${algorithm} is incompatible with key spec ${key.key_spec}.`);
  }
  const material = store(call).latestMaterial(key.key_id);
  const plaintext = material && rsaDecrypt(material.material, algorithm, ciphertext);
  if (!plaintext) throw invalidCiphertext();
  return { key, plaintext };
}

const ciphertextKeyUnavailable = (): AwsError => new AwsError('AccessDeniedException',
  'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.', 400);

/** The key a symmetric blob names; with a KeyId naming another key, IncorrectKeyException. */
function resolveBlobKey(call: KmsCall, blobKeyId: string, named: ResolvedKey | undefined): ResolvedKey {
  if (named) throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.', 400);
  const key = store(call).key(blobKeyId);
  // A blob naming a key that is gone, or in another region: AWS's answer to Decrypt without a usable key.
  if (!key || key.region !== call.facts.region) throw ciphertextKeyUnavailable();
  return { key };
}

function decrypt(call: KmsCall): KmsOutput {
  const algorithm = str(call.input, 'EncryptionAlgorithm') ?? 'SYMMETRIC_DEFAULT';
  const { key, plaintext } = decryptBlob(call, blob(call.input, 'CiphertextBlob') ?? Buffer.alloc(0), str(call.input, 'KeyId'), algorithm, encryptionContextOf(call), 'kms:Decrypt');
  dryRun(call);
  return { KeyId: keyArn(key), Plaintext: b64(plaintext), EncryptionAlgorithm: algorithm };
}

function reEncrypt(call: KmsCall): KmsOutput {
  const sourceAlgorithm = str(call.input, 'SourceEncryptionAlgorithm') ?? 'SYMMETRIC_DEFAULT';
  const destinationAlgorithm = str(call.input, 'DestinationEncryptionAlgorithm') ?? 'SYMMETRIC_DEFAULT';
  const source = decryptBlob(call, blob(call.input, 'CiphertextBlob') ?? Buffer.alloc(0), str(call.input, 'SourceKeyId'), sourceAlgorithm,
    encryptionContextOf(call, 'SourceEncryptionContext'), 'kms:ReEncryptFrom');
  const destinationContext = encryptionContextOf(call, 'DestinationEncryptionContext');
  const destination = resolveKey(call, str(call.input, 'DestinationKeyId') ?? '');
  authorizeKey(call, 'kms:ReEncryptTo', destination.key, { encryptionContext: destinationContext, requestAlias: destination.requestAlias });
  requireUsable(destination.key, 'Encrypt');
  const ciphertext = encryptWith(call, destination.key, source.plaintext, destinationContext, destinationAlgorithm);
  dryRun(call);
  return {
    CiphertextBlob: b64(ciphertext), SourceKeyId: keyArn(source.key), KeyId: keyArn(destination.key),
    SourceEncryptionAlgorithm: sourceAlgorithm, DestinationEncryptionAlgorithm: destinationAlgorithm,
  };
}

function dataKeyLength(call: KmsCall): number {
  const bytes = num(call.input, 'NumberOfBytes');
  const spec = str(call.input, 'KeySpec');
  if ((bytes === undefined) === (spec === undefined)) throw validation('Please specify either number of bytes or key spec.');
  return bytes ?? (spec === 'AES_128' ? 16 : 32);
}

function generateDataKeyCore(call: KmsCall, withPlaintext: boolean): KmsOutput {
  const context = encryptionContextOf(call);
  const length = dataKeyLength(call);
  const { key } = keyFor(call, withPlaintext ? 'GenerateDataKey' : 'GenerateDataKeyWithoutPlaintext', context);
  if (key.key_spec !== SYMMETRIC) throw invalidKeyUsage(`${keyArn(key)} key usage is ${key.key_usage} and key spec is ${key.key_spec}, which is not valid for ${call.operation}.`);
  const plaintext = randomBytes(length);
  const ciphertext = encryptWith(call, key, plaintext, context, 'SYMMETRIC_DEFAULT');
  dryRun(call);
  return { CiphertextBlob: b64(ciphertext), ...(withPlaintext ? { Plaintext: b64(plaintext) } : {}), KeyId: keyArn(key) };
}

const DATA_KEY_PAIR_SPECS = new Set(['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1']);

async function generateDataKeyPairCore(call: KmsCall, withPlaintext: boolean): Promise<KmsOutput> {
  const context = encryptionContextOf(call);
  const pairSpec = str(call.input, 'KeyPairSpec') ?? '';
  const { key } = keyFor(call, withPlaintext ? 'GenerateDataKeyPair' : 'GenerateDataKeyPairWithoutPlaintext', context, [['kms:datakeypairspec', [pairSpec]]]);
  if (key.key_spec !== SYMMETRIC) throw invalidKeyUsage(`${keyArn(key)} key usage is ${key.key_usage} and key spec is ${key.key_spec}, which is not valid for ${call.operation}.`);
  if (!DATA_KEY_PAIR_SPECS.has(pairSpec)) throw unsupported(`KeyPairSpec ${pairSpec} is not supported.`);
  dryRun(call);
  const pair = await newDataKeyPair(pairSpec);
  const ciphertext = encryptWith(call, key, pair.privateDer, context, 'SYMMETRIC_DEFAULT');
  return {
    PrivateKeyCiphertextBlob: b64(ciphertext), ...(withPlaintext ? { PrivateKeyPlaintext: b64(pair.privateDer) } : {}),
    PublicKey: b64(pair.publicDer), KeyId: keyArn(key), KeyPairSpec: pairSpec,
  };
}

function generateRandom(call: KmsCall): KmsOutput {
  authorizeIdentity(call, 'kms:GenerateRandom', '*');
  const bytes = num(call.input, 'NumberOfBytes');
  if (bytes === undefined) throw validation('1 validation error detected: Value null at \'numberOfBytes\' failed to satisfy constraint: Member must not be null');
  if (str(call.input, 'CustomKeyStoreId')) throw new AwsError('CustomKeyStoreNotFoundException', 'Custom key store not found', 400);
  return { Plaintext: b64(randomBytes(bytes)) };
}

function signingKey(call: KmsCall, operation: 'Sign' | 'Verify'): { key: KmsKeyRow; material: Buffer; algorithm: string; message: Buffer; digest: boolean } {
  const algorithm = str(call.input, 'SigningAlgorithm') ?? '';
  const { key } = keyFor(call, operation, undefined, [['kms:signingalgorithm', [algorithm]], ['kms:messagetype', [str(call.input, 'MessageType') ?? 'RAW']]]);
  requireUsage(key, 'SIGN_VERIFY', operation);
  if (!signingAlgorithmsOf(key.key_spec)?.includes(algorithm)) throw invalidKeyUsage(`Algorithm ${algorithm} is incompatible with key spec ${key.key_spec}.`);
  const messageType = str(call.input, 'MessageType') ?? 'RAW';
  // EXTERNAL_MU is for ML-DSA keys only, which iamlocal does not create.
  if (messageType === 'EXTERNAL_MU') throw invalidKeyUsage(`MessageType ${messageType} is incompatible with key spec ${key.key_spec}.`);
  const message = blob(call.input, 'Message') ?? Buffer.alloc(0);
  if (messageType === 'DIGEST' && message.length !== digestBytes(algorithm)) throw validation(`Digest is invalid length for algorithm ${algorithm}.`);
  const material = store(call).latestMaterial(key.key_id);
  if (!material) throw new AwsError('KMSInternalException', 'The key material is missing.', 500);
  return { key, material: material.material, algorithm, message, digest: messageType === 'DIGEST' };
}

function signOperation(call: KmsCall): KmsOutput {
  const { key, material, algorithm, message, digest } = signingKey(call, 'Sign');
  dryRun(call);
  const signature = digest ? signDigest(material, algorithm, message) : signMessage(material, algorithm, message);
  return { KeyId: keyArn(key), Signature: b64(signature), SigningAlgorithm: algorithm };
}

function verifyOperation(call: KmsCall): KmsOutput {
  const { key, material, algorithm, message, digest } = signingKey(call, 'Verify');
  dryRun(call);
  const signature = blob(call.input, 'Signature') ?? Buffer.alloc(0);
  if (!(digest ? verifyDigest(material, algorithm, message, signature) : verifyMessage(material, algorithm, message, signature))) {
    throw new AwsError('KMSInvalidSignatureException', '', 400);
  }
  return { KeyId: keyArn(key), SignatureValid: true, SigningAlgorithm: algorithm };
}

function getPublicKey(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  if (!isAsymmetric(key.key_spec)) throw unsupported(`${keyArn(key)} key usage is ${key.key_usage} and key spec is ${key.key_spec}, which is not valid for GetPublicKey.`);
  const material = store(call).latestMaterial(key.key_id);
  if (!material) throw new AwsError('KMSInternalException', 'The key material is missing.', 500);
  return {
    KeyId: keyArn(key), PublicKey: b64(publicKeyDer(material.material)), CustomerMasterKeySpec: key.key_spec, KeySpec: key.key_spec, KeyUsage: key.key_usage,
    ...(key.key_usage === 'ENCRYPT_DECRYPT' ? { EncryptionAlgorithms: encryptionAlgorithmsOf(key.key_spec) } : { SigningAlgorithms: signingAlgorithmsOf(key.key_spec) }),
  };
}

function macKey(call: KmsCall, operation: 'GenerateMac' | 'VerifyMac'): { key: KmsKeyRow; mac: Buffer; algorithm: string } {
  const algorithm = str(call.input, 'MacAlgorithm') ?? '';
  const { key } = keyFor(call, operation, undefined, [['kms:macalgorithm', [algorithm]]]);
  requireUsage(key, 'GENERATE_VERIFY_MAC', operation);
  if (!macAlgorithmsOf(key.key_spec)?.includes(algorithm)) throw invalidKeyUsage(`Algorithm ${algorithm} is incompatible with key spec ${key.key_spec}.`);
  const material = store(call).latestMaterial(key.key_id);
  if (!material) throw new AwsError('KMSInternalException', 'The key material is missing.', 500);
  return { key, algorithm, mac: hmac(material.material, algorithm, blob(call.input, 'Message') ?? Buffer.alloc(0)) };
}

function generateMac(call: KmsCall): KmsOutput {
  const { key, mac, algorithm } = macKey(call, 'GenerateMac');
  dryRun(call);
  return { Mac: b64(mac), MacAlgorithm: algorithm, KeyId: keyArn(key) };
}

function verifyMac(call: KmsCall): KmsOutput {
  const { key, mac, algorithm } = macKey(call, 'VerifyMac');
  dryRun(call);
  if (!sameBytes(mac, blob(call.input, 'Mac') ?? Buffer.alloc(0))) throw new AwsError('KMSInvalidMacException', '', 400);
  return { KeyId: keyArn(key), MacValid: true, MacAlgorithm: algorithm };
}

// ---- Grants ----

function grantEntry(g: { grant_id: string; key_id: string; name: string | null; grantee_principal: string; retiring_principal: string | null; issuing_account: string; operations: string; constraints: string | null; created_at: string }, key: KmsKeyRow): KmsOutput {
  return {
    KeyId: keyArn(key), GrantId: g.grant_id, ...(g.name ? { Name: g.name } : {}), CreationDate: epoch(g.created_at), GranteePrincipal: g.grantee_principal,
    ...(g.retiring_principal ? { RetiringPrincipal: g.retiring_principal } : {}), IssuingAccount: `arn:aws:iam::${g.issuing_account}:root`,
    Operations: JSON.parse(g.operations) as string[], ...(g.constraints ? { Constraints: JSON.parse(g.constraints) as GrantConstraints } : {}),
  };
}

function createGrant(call: KmsCall): KmsOutput {
  const operations = strings(call.input, 'Operations');
  const grantee = str(call.input, 'GranteePrincipal') ?? '';
  const retiring = str(call.input, 'RetiringPrincipal');
  // Grants are made on a key, never through an alias (as AWS answers Lambda, for instance, given an alias ARN).
  if (/^(alias\/|arn:aws[\w-]*:kms:[^:]*:\d*:alias\/)/.test(keyIdOf(call))) throw new AwsError('InvalidArnException', 'Key Aliases are not supported for this operation.', 400);
  const { key } = keyFor(call, 'CreateGrant', undefined, [
    ['kms:grantoperations', operations], ['kms:granteeprincipal', [grantee]], ...(retiring ? [['kms:retiringprincipal', [retiring]] as [string, string[]]] : []),
    ['kms:grantisforawsresource', ['false']],
  ]);
  const constraintsInput = call.input.Constraints;
  let constraints: GrantConstraints | null = null;
  if (constraintsInput && typeof constraintsInput === 'object' && !Buffer.isBuffer(constraintsInput) && !Array.isArray(constraintsInput) && !(constraintsInput instanceof Date)) {
    constraints = {};
    if (constraintsInput.EncryptionContextEquals !== undefined) constraints.EncryptionContextEquals = stringMap(constraintsInput.EncryptionContextEquals);
    if (constraintsInput.EncryptionContextSubset !== undefined) constraints.EncryptionContextSubset = stringMap(constraintsInput.EncryptionContextSubset);
  }
  const cryptoOnSymmetric = new Set(['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'CreateGrant', 'RetireGrant', 'DescribeKey']);
  if (constraints && !operations.every((op) => cryptoOnSymmetric.has(op))) {
    throw validation('Grant constraints are supported only for grants with cryptographic operations that accept an encryption context.');
  }
  dryRun(call);
  const name = str(call.input, 'Name') ?? null;
  const kms = store(call);
  // A CreateGrant repeated with the same name and parameters returns the existing grant (idempotent, as AWS).
  const existing = name !== null ? kms.grantsOfKey(key.key_id).find((g) => g.name === name && g.grantee_principal === grantee
    && g.operations === JSON.stringify(operations) && g.retiring_principal === (retiring ?? null) && g.constraints === (constraints ? JSON.stringify(constraints) : null)) : undefined;
  if (existing) return { GrantToken: existing.token, GrantId: existing.grant_id };
  const grantId = randomBytes(32).toString('hex');
  const token = randomBytes(96).toString('base64url');
  kms.insertGrant({
    grant_id: grantId, key_id: key.key_id, name, grantee_principal: grantee, retiring_principal: retiring ?? null, issuing_account: call.caller.principal.accountId,
    operations: JSON.stringify(operations), constraints: constraints ? JSON.stringify(constraints) : null, token, created_at: isoNow(call),
  });
  return { GrantToken: token, GrantId: grantId };
}

function listGrants(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  const grantId = str(call.input, 'GrantId');
  const grantee = str(call.input, 'GranteePrincipal');
  const grants = store(call).grantsOfKey(key.key_id).filter((g) => (grantId === undefined || g.grant_id === grantId) && (grantee === undefined || g.grantee_principal === grantee));
  const p = page(grants, (g) => g.grant_id, call);
  return { Grants: p.items.map((g) => grantEntry(g, key)), Truncated: p.truncated, ...(p.next ? { NextMarker: p.next } : {}) };
}

function listRetirableGrants(call: KmsCall): KmsOutput {
  const retiring = str(call.input, 'RetiringPrincipal') ?? '';
  authorizeIdentity(call, 'kms:ListRetirableGrants', '*');
  const kms = store(call);
  const grants = kms.grantsRetirableBy(retiring);
  const p = page(grants, (g) => g.grant_id, call);
  return {
    Grants: p.items.flatMap((g) => {
      const key = kms.key(g.key_id);
      return key ? [grantEntry(g, key)] : [];
    }),
    Truncated: p.truncated, ...(p.next ? { NextMarker: p.next } : {}),
  };
}

function retireGrant(call: KmsCall): KmsOutput {
  const kms = store(call);
  const token = str(call.input, 'GrantToken');
  const grantId = str(call.input, 'GrantId');
  const keyRef = str(call.input, 'KeyId');
  let grant;
  if (token !== undefined) {
    grant = kms.grantByToken(token);
    if (!grant) throw new AwsError('InvalidGrantTokenException', 'Grant token is invalid', 400);
  } else {
    if (grantId === undefined || keyRef === undefined) throw validation('Either GrantToken, or both KeyId and GrantId must be specified.');
    const { key } = resolveKey(call, keyRef);
    grant = kms.grant(grantId);
    if (!grant || grant.key_id !== key.key_id) throw notFound(`Grant ID ${grantId} not found`);
  }
  const key = kms.key(grant.key_id);
  // Who may retire: the retiring principal, or a grantee given RetireGrant (KMS Developer Guide, "Retiring and revoking grants").
  const caller = call.caller.principal;
  const may = (principal: string | null): boolean => principal !== null && (principal === caller.arn || principal === caller.roleArn);
  const granteeMay = may(grant.grantee_principal) && (JSON.parse(grant.operations) as string[]).includes('RetireGrant');
  if (!may(grant.retiring_principal) && !granteeMay) {
    throw new AwsError('AccessDeniedException', `User: ${caller.arn} is not authorized to perform: kms:RetireGrant on resource: ${key ? keyArn(key) : grant.key_id}`, 400);
  }
  dryRun(call);
  kms.deleteGrant(grant.grant_id);
  return {};
}

function revokeGrant(call: KmsCall): KmsOutput {
  const { key } = keyFor(call);
  const grantId = str(call.input, 'GrantId') ?? '';
  const kms = store(call);
  const grant = kms.grant(grantId);
  if (!grant || grant.key_id !== key.key_id) throw notFound(`Grant ID ${grantId} not found`);
  dryRun(call);
  kms.deleteGrant(grantId);
  return {};
}

export const KMS_HANDLERS: Record<string, KmsHandler> = {
  CreateKey: createKey, DescribeKey: describeKey, ListKeys: listKeys, UpdateKeyDescription: updateKeyDescription,
  EnableKey: enableKey, DisableKey: disableKey, ScheduleKeyDeletion: scheduleKeyDeletion, CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias, UpdateAlias: updateAlias, DeleteAlias: deleteAlias, ListAliases: listAliases,
  TagResource: tagResource, UntagResource: untagResource, ListResourceTags: listResourceTags,
  GetKeyPolicy: getKeyPolicy, PutKeyPolicy: putKeyPolicy, ListKeyPolicies: listKeyPolicies,
  EnableKeyRotation: enableKeyRotation, DisableKeyRotation: disableKeyRotation, GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand, ListKeyRotations: listKeyRotations,
  Encrypt: encrypt, Decrypt: decrypt, ReEncrypt: reEncrypt,
  GenerateDataKey: (call) => generateDataKeyCore(call, true), GenerateDataKeyWithoutPlaintext: (call) => generateDataKeyCore(call, false),
  GenerateDataKeyPair: (call) => generateDataKeyPairCore(call, true), GenerateDataKeyPairWithoutPlaintext: (call) => generateDataKeyPairCore(call, false),
  GenerateRandom: generateRandom, Sign: signOperation, Verify: verifyOperation, GetPublicKey: getPublicKey,
  GenerateMac: generateMac, VerifyMac: verifyMac,
  CreateGrant: createGrant, ListGrants: listGrants, ListRetirableGrants: listRetirableGrants, RetireGrant: retireGrant, RevokeGrant: revokeGrant,
};
