import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { BucketRow } from '../../store/s3-store.ts';
import { authorize, bucketArn, invalidArgument, MAX_XML_BODY, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';

/**
 * Bucket default encryption (Put/Get/DeleteBucketEncryption). Since January 2023 every bucket has SSE-S3 (AES256) as
 * its default ("Setting default server-side encryption behavior for Amazon S3 buckets":
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html): GetBucketEncryption answers it for a
 * bucket never configured, and DeleteBucketEncryption goes back to it.
 */
export interface EncryptionRule { SSEAlgorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; KMSMasterKeyID?: string; BucketKeyEnabled: boolean }

export const DEFAULT_RULE: EncryptionRule = { SSEAlgorithm: 'AES256', BucketKeyEnabled: false };

export function bucketRule(bucket: BucketRow): EncryptionRule {
  return bucket.encryption ? (JSON.parse(bucket.encryption) as EncryptionRule) : DEFAULT_RULE;
}

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);
const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** A ServerSideEncryptionConfiguration body, validated as S3 does: exactly one rule, a known algorithm. */
export function parseEncryptionConfiguration(body: Buffer): EncryptionRule {
  const doc = parseXmlBody(body, 'ServerSideEncryptionConfiguration');
  const rules = doc.Rule === undefined ? [] : Array.isArray(doc.Rule) ? doc.Rule : [doc.Rule];
  if (rules.length !== 1) throw malformed();
  const rule = record(rules[0]);
  const apply = record(rule?.ApplyServerSideEncryptionByDefault);
  if (!rule || !apply) throw malformed();
  const algorithm = apply.SSEAlgorithm;
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') throw malformed();
  const keyId = apply.KMSMasterKeyID;
  if (keyId !== undefined && typeof keyId !== 'string') throw malformed();
  if (keyId !== undefined && algorithm === 'AES256') {
    throw invalidArgument('a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse', 'ApplyServerSideEncryptionByDefault', 'null');
  }
  const bucketKey = rule.BucketKeyEnabled;
  if (bucketKey !== undefined && bucketKey !== 'true' && bucketKey !== 'false') throw malformed();
  return { SSEAlgorithm: algorithm, ...(keyId ? { KMSMasterKeyID: keyId } : {}), BucketKeyEnabled: bucketKey === 'true' };
}

export async function putBucketEncryption(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutEncryptionConfiguration', bucketArn(bucket.bucket_name));
  const rule = parseEncryptionConfiguration(await call.readBody(MAX_XML_BODY));
  call.ctx.s3.setBucketEncryption(bucket.bucket_name, JSON.stringify(rule));
  return {};
}

export const getBucketEncryption: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetEncryptionConfiguration', bucketArn(bucket.bucket_name));
  const rule = bucketRule(bucket);
  return {
    body: restXmlDocument('ServerSideEncryptionConfiguration', {
      Rule: {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: rule.SSEAlgorithm, KMSMasterKeyID: rule.KMSMasterKeyID },
        BucketKeyEnabled: rule.BucketKeyEnabled,
      },
    }),
  };
};

/** DeleteBucketEncryption is authorized as s3:PutEncryptionConfiguration (Service Authorization Reference). */
export const deleteBucketEncryption: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutEncryptionConfiguration', bucketArn(bucket.bucket_name));
  call.ctx.s3.setBucketEncryption(bucket.bucket_name, null);
  return { status: 204 };
};
