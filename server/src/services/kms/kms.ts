import { randomBytes } from 'node:crypto';
import type { Caller, RequestFacts } from '../../auth/caller.ts';
import type { ServerContext } from '../../context.ts';
import { AwsError } from '../../errors.ts';
import { awsJsonAuthError, decodeJsonInput, type JsonInput } from '../../protocol/json.ts';
import type { ServiceModel } from '../../protocol/query.ts';
import { openSymmetric, parseSymmetricBlob, sealSymmetric } from '../../kms/crypto.ts';
import { authorizeKey, awsManagedKey, invalidCiphertext, invalidKeyUsage, keyArn, requireUsable, resolveKey, store, type KmsCall, type KmsOutput } from './keys.ts';
import { KMS_HANDLERS } from './operations.ts';
import modelJson from './model.json' with { type: 'json' };

const model = modelJson as ServiceModel;

export const KMS_TARGET_PREFIX = 'TrentService.';

export const kmsAuthError = awsJsonAuthError;

/** Runs one TrentService operation for an authenticated caller; the body is the request's JSON text. */
export async function runKms(ctx: ServerContext, caller: Caller, facts: RequestFacts, operation: string, body: string): Promise<KmsOutput> {
  const handler = Object.hasOwn(KMS_HANDLERS, operation) ? KMS_HANDLERS[operation] : undefined;
  const spec = Object.hasOwn(model.operations, operation) ? model.operations[operation] : undefined;
  if (!spec) throw new AwsError('UnknownOperationException', '', 400);
  // KMS operations iamlocal leaves out (custom key stores, imported key material, multi-Region keys) say so.
  if (!handler) throw new AwsError('UnsupportedOperationException', `iamlocal does not implement ${operation}.`, 400);
  const input = decodeJsonInput(body, spec);
  return handler({ operation, input, caller, facts, ctx });
}

// ---- Internal API for services that encrypt through KMS (S3's SSE-KMS) ----

export interface DataKey {
  /** The key's ARN (what S3 reports in x-amz-server-side-encryption-aws-kms-key-id). */
  keyArn: string;
  plaintext: Buffer;
  ciphertext: Buffer;
}

function internalCall(ctx: ServerContext, caller: Caller, facts: RequestFacts, operation: string, input: JsonInput, viaService: string): KmsCall {
  return { operation, input, caller, facts, ctx, viaService };
}

/**
 * kms:GenerateDataKey on behalf of `caller`, as another service does it (kms:ViaService = `viaService`, for S3
 * `s3.REGION.amazonaws.com`): key policy, IAM policies and grants decide as for a direct call, and a denial throws
 * the AccessDeniedException KMS would return (the calling service maps it to its own error). `keyRef` may be a key
 * id, key ARN, alias name or alias ARN; undefined means the service's AWS managed key (`aws/s3`), created on first use.
 */
export function generateDataKeyFor(ctx: ServerContext, caller: Caller, facts: RequestFacts, keyRef: string | undefined, encryptionContext: Record<string, string>, viaService: string): DataKey {
  const service = viaService.split('.')[0] ?? 's3';
  const call = internalCall(ctx, caller, facts, 'GenerateDataKey', {}, viaService);
  const { key, requestAlias } = keyRef === undefined
    ? { key: awsManagedKey(ctx, caller.principal.accountId, facts.region, service, facts.now), requestAlias: `alias/aws/${service}` }
    : resolveKey(call, keyRef);
  authorizeKey(call, 'kms:GenerateDataKey', key, { encryptionContext, requestAlias });
  requireUsable(key, 'GenerateDataKey');
  if (key.key_spec !== 'SYMMETRIC_DEFAULT' || key.key_usage !== 'ENCRYPT_DECRYPT') throw invalidKeyUsage(`${keyArn(key)} key usage is ${key.key_usage} and key spec is ${key.key_spec}, which is not valid for GenerateDataKey.`);
  const latest = store(call).latestMaterial(key.key_id);
  if (!latest) throw new AwsError('KMSInternalException', 'The key material is missing.', 500);
  const plaintext = randomBytes(32);
  return { keyArn: keyArn(key), plaintext, ciphertext: sealSymmetric(key.key_id, latest.version, latest.material, plaintext, encryptionContext) };
}

/**
 * kms:Decrypt of a data key on behalf of `caller` through `viaService`: the same checks as generateDataKeyFor. A
 * disabled key throws DisabledException, a key pending deletion KMSInvalidStateException, as KMS answers the service.
 */
export function decryptFor(ctx: ServerContext, caller: Caller, facts: RequestFacts, ciphertext: Buffer, encryptionContext: Record<string, string>, viaService: string): DataKey {
  const call = internalCall(ctx, caller, facts, 'Decrypt', {}, viaService);
  const parsed = parseSymmetricBlob(ciphertext);
  if (!parsed) throw invalidCiphertext();
  const key = store(call).key(parsed.keyId);
  if (!key || key.region !== facts.region) {
    throw new AwsError('AccessDeniedException', 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.', 400);
  }
  authorizeKey(call, 'kms:Decrypt', key, { encryptionContext });
  requireUsable(key, 'Decrypt');
  const material = store(call).material(key.key_id, parsed.version);
  const plaintext = material && openSymmetric(ciphertext, material.material, encryptionContext);
  if (!plaintext) throw invalidCiphertext();
  return { keyArn: keyArn(key), plaintext, ciphertext };
}

/**
 * kms:Decrypt authorized through `viaService` (and the key's state checked) without a ciphertext: for an object a
 * fixture declares SSE-KMS but stores in the clear, so that reading it still takes the permission S3 would need.
 * Returns the key's ARN.
 */
export function authorizeDecryptFor(ctx: ServerContext, caller: Caller, facts: RequestFacts, keyRef: string | undefined, encryptionContext: Record<string, string>, viaService: string): string {
  const service = viaService.split('.')[0] ?? 's3';
  const call = internalCall(ctx, caller, facts, 'Decrypt', {}, viaService);
  const key = keyRef === undefined ? awsManagedKey(ctx, caller.principal.accountId, facts.region, service, facts.now) : resolveKey(call, keyRef).key;
  authorizeKey(call, 'kms:Decrypt', key, { encryptionContext });
  requireUsable(key, 'Decrypt');
  return keyArn(key);
}
