import { createCipheriv, type Cipher } from 'node:crypto';
import { pooledRandomBytes } from '../../kms/random.ts';
import { unwrapDataKey, wrapDataKey } from '../../store/s3-sse-key.ts';
import { AwsError } from '../../errors.ts';
import type { BucketRow, ObjectRow } from '../../store/s3-store.ts';
import { authorizeDecryptFor, decryptFor, generateDataKeyFor } from '../kms/kms.ts';
import { bucketRule } from './bucket-encryption.ts';
import { bucketArn, invalidArgument, objectArn, type S3Call } from './common.ts';
import type { CustomerKey, ObjectCustomerKey, RequestedSse, Segment } from './encryption.ts';

/**
 * SSE-KMS, enforced: S3 asks KMS for a data key on the caller's behalf (kms:GenerateDataKey on writes, kms:Decrypt on
 * reads, with kms:ViaService = s3.REGION.amazonaws.com), and the object is stored encrypted under that data key with
 * AES-256-CTR (as SSE-C objects are, so ranges decrypt). Only the KMS ciphertext of the data key is kept.
 * "Using server-side encryption with AWS KMS keys (SSE-KMS)" and "Protecting data with SSE-KMS":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
 * The encryption context is {"aws:s3:arn": object ARN}, or the bucket ARN with an S3 Bucket Key
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html), merged with the caller's own context.
 */
export interface KmsRecord {
  keyArn: string;
  /** The data key's KMS ciphertext blob, base64. */
  dataKey: string;
  context: Record<string, string>;
  /** Whether the caller gave x-amz-server-side-encryption-context (then S3 echoes the context on writes). */
  userContext: boolean;
  bucketKey: boolean;
  /** An object's encrypted stretches (one per multipart part); absent on an upload in progress. */
  segments?: Segment[];
  /** SSE-S3: `dataKey` is wrapped under the server's own key, not by KMS (no keyArn, no context). */
  sseS3?: true;
}

/** What a write stores: the SSE method, and for SSE-KMS the key record and the plaintext data key to encrypt with. */
export interface WriteEncryption { sse: string | null; keyArn: string | null; kms?: { record: KmsRecord; dataKey: Buffer } }

const viaS3 = (call: S3Call): string => `s3.${call.facts.region}.amazonaws.com`;

/**
 * A KMS error met while S3 works for the caller, as S3 answers it: a denial is S3's 403 AccessDenied with KMS's text;
 * other KMS errors keep their code under a `KMS.` prefix (KMS.DisabledException, KMS.KMSInvalidStateException,
 * KMS.NotFoundException), as S3 returns them.
 */
function fromKms(error: unknown): unknown {
  if (!(error instanceof AwsError)) return error;
  if (error.code === 'AccessDeniedException') return new AwsError('AccessDenied', error.message, 403);
  if (error.code === 'KMSInternalException') return error;
  return new AwsError(`KMS.${error.code}`, error.message, 400);
}

const CONTEXT_HEADER = 'x-amz-server-side-encryption-context';

/** x-amz-server-side-encryption-context: base64 of a JSON object of strings. */
function userContext(call: S3Call): Record<string, string> | undefined {
  const raw = call.headers[CONTEXT_HEADER];
  if (typeof raw !== 'string') return undefined;
  const bad = (): AwsError => invalidArgument(
    'The header \'x-amz-server-side-encryption-context\' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map', CONTEXT_HEADER, raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad();
  const context: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') throw bad();
    context[k] = v;
  }
  return context;
}

function bucketKeyHeader(call: S3Call): boolean | undefined {
  const raw = call.headers['x-amz-server-side-encryption-bucket-key-enabled'];
  if (typeof raw !== 'string') return undefined;
  return raw.toLowerCase() === 'true';
}

/**
 * The encryption of a new object (PutObject, CopyObject's target, CreateMultipartUpload): the request's, else the
 * bucket's default. SSE-KMS asks KMS for a data key as the caller; a refusal fails the write.
 */
export function writeEncryption(call: S3Call, bucket: BucketRow, key: string, requested: RequestedSse): WriteEncryption {
  if (requested.customer) return { sse: null, keyArn: null };
  if (requested.sse === 'AES256') return sseS3(call);
  const rule = bucketRule(bucket);
  const ruleIsKms = rule.SSEAlgorithm !== 'AES256';
  let sse: string;
  let keyRef: string | undefined;
  if (requested.sse === 'aws:kms' || requested.sse === 'aws:kms:dsse') {
    sse = requested.sse;
    keyRef = requested.kms ?? undefined;
  } else if (ruleIsKms) {
    sse = rule.SSEAlgorithm;
    keyRef = rule.KMSMasterKeyID;
  } else {
    return sseS3(call);
  }
  // DSSE-KMS does not use S3 Bucket Keys.
  const bucketKey = sse === 'aws:kms' && (bucketKeyHeader(call) ?? (ruleIsKms && rule.BucketKeyEnabled));
  const given = userContext(call);
  const context = { ...given, 'aws:s3:arn': bucketKey ? bucketArn(bucket.bucket_name) : objectArn(bucket.bucket_name, key) };
  let dataKey;
  try {
    dataKey = generateDataKeyFor(call.ctx, call.caller, call.facts, keyRef, context, viaS3(call));
  } catch (error) {
    throw fromKms(error);
  }
  return {
    sse, keyArn: dataKey.keyArn,
    kms: { record: { keyArn: dataKey.keyArn, dataKey: dataKey.ciphertext.toString('base64'), context, userContext: given !== undefined, bucketKey }, dataKey: dataKey.plaintext },
  };
}

/**
 * SSE-S3, stored encrypted: a fresh data key per object (or upload), kept wrapped under the server's key, the bytes
 * AES-256-CTR under it as SSE-KMS objects are ("Using server-side encryption with Amazon S3 managed keys (SSE-S3)").
 */
function sseS3(call: S3Call): WriteEncryption {
  const dataKey = pooledRandomBytes(32);
  const record: KmsRecord = { keyArn: '', dataKey: wrapDataKey(call.ctx.db, dataKey), context: {}, userContext: false, bucketKey: false, sseS3: true };
  return { sse: 'AES256', keyArn: null, kms: { record, dataKey } };
}

/** The plaintext data key of an SSE-KMS record, through kms:Decrypt as the caller; of an SSE-S3 one, unwrapped. */
export function unlockDataKey(call: S3Call, record: KmsRecord): Buffer {
  if (record.sseS3) return unwrapDataKey(call.ctx.db, record.dataKey);
  try {
    return decryptFor(call.ctx, call.caller, call.facts, Buffer.from(record.dataKey, 'base64'), record.context, viaS3(call)).plaintext;
  } catch (error) {
    throw fromKms(error);
  }
}

export const kmsRecordOf = (stored: string | null | undefined): KmsRecord | undefined => (stored ? (JSON.parse(stored) as KmsRecord) : undefined);

/**
 * An SSE-KMS object unlocked for reading (GetObject, a copy source), in the shape SSE-C reads use: the data key and the
 * object's segments (decrypted() reads nothing else).
 */
export function unlockObject(call: S3Call, object: ObjectRow): { key: CustomerKey; sealed: ObjectCustomerKey } | undefined {
  const record = kmsRecordOf(object.sse_kms);
  if (!record) {
    // Declared SSE-KMS by a fixture, with its bytes in the clear: the read still takes kms:Decrypt on the key.
    if (object.sse === 'aws:kms' || object.sse === 'aws:kms:dsse') {
      try {
        authorizeDecryptFor(call.ctx, call.caller, call.facts, object.sse_kms_key_id ?? undefined, { 'aws:s3:arn': objectArn(object.bucket_name, object.object_key) }, viaS3(call));
      } catch (error) {
        throw fromKms(error);
      }
    }
    return undefined;
  }
  const key = unlockDataKey(call, record);
  return { key: { key, keyMd5: '' }, sealed: { algorithm: 'AES256', keyMd5: '', salt: '', hmac: '', segments: record.segments ?? [] } };
}

export function dataKeyEncryptor(dataKey: Buffer, iv: Buffer): Cipher {
  return createCipheriv('aes-256-ctr', dataKey, iv);
}

export const storedRecord = (record: KmsRecord, segments: Segment[]): string => JSON.stringify({ ...record, segments });

/** Response headers of an SSE-KMS object beyond the method and key ARN; the context only on writes that were given one. */
export function kmsResponseHeaders(stored: string | null | undefined, write: boolean): Record<string, string> {
  const record = kmsRecordOf(stored);
  const headers: Record<string, string> = {};
  if (!record) return headers;
  if (record.bucketKey) headers['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
  if (write && record.userContext) headers[CONTEXT_HEADER] = Buffer.from(JSON.stringify(record.context)).toString('base64');
  return headers;
}
