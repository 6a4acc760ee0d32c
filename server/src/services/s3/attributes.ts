// GetObjectAttributes: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html
import { AwsError } from '../../errors.ts';
import { restXmlDocument } from '../../protocol/rest-xml.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { accessDenied } from '../access-denied.ts';
import { checkKey, decide, invalidArgument, objectArn, requireBucket, type S3Call, type S3Handler } from './common.ts';
import { customerKeyOf, keyForRead, SSE_C_PREFIX } from './encryption.ts';
import { checksumTypeOf, existingTagContext, partSizes } from './objects.ts';
import { requestedVersionId, versionAction, versionContext, versionHeaders, versionToRead } from './versioning.ts';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

const headerText = (call: S3Call, name: string): string | undefined => {
  const v = call.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined;
};

/** x-amz-max-parts / x-amz-part-number-marker: non-negative integers, as ListParts takes them. */
function integerHeader(call: S3Call, name: string, fallback: number): number {
  const raw = headerText(call, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 2147483647) {
    throw invalidArgument(`Argument ${name.replace(/^x-amz-/, '')} must be an integer between 0 and 2147483647`, name, raw);
  }
  return Number(raw);
}

export const getObjectAttributes: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const requested = (headerText(call, 'x-amz-object-attributes') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (requested.length === 0) {
    throw new AwsError('InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty', 400);
  }
  if (requested.some((a) => !ATTRIBUTES.has(a))) throw new AwsError('InvalidArgument', 'Invalid attribute name specified.', 400);
  const maxParts = Math.min(integerHeader(call, 'x-amz-max-parts', 1000), 1000);
  const marker = integerHeader(call, 'x-amz-part-number-marker', 0);
  const arn = objectArn(bucket.bucket_name, key);
  const versionId = requestedVersionId(call);
  const found = versionId === undefined ? call.ctx.s3.object(bucket.bucket_name, key) : call.ctx.s3.version(bucket.bucket_name, key, versionId)?.row;
  // "If you do not pass a version ID in your request, you need the s3:GetObject and s3:GetObjectAttributes permissions.
  // If you pass a version ID in your request, you need both the s3:GetObjectVersion and s3:GetObjectVersionAttributes
  // permissions." (GetObjectAttributes, "Permissions")
  for (const plain of ['s3:GetObject', 's3:GetObjectAttributes']) {
    const action = versionAction(plain, versionId);
    const decision = decide(call, bucket, action, arn, { ...existingTagContext(found), ...versionContext(versionId) });
    if (!decision.allowed) throw accessDenied('s3', call.caller, action, arn, decision);
  }
  const object = versionToRead(call, bucket, key, versionId).row;
  // An SSE-C object's attributes need its key, as a HEAD does.
  keyForRead(object.sse_customer, customerKeyOf(call.headers, SSE_C_PREFIX, 'read'));
  const want = new Set(requested);
  const body: XmlObject = {};
  // The ETag comes without the quotes the ETag header has.
  if (want.has('ETag')) body.ETag = object.etag.replace(/^"(.*)"$/, '$1');
  if (want.has('Checksum') && object.checksum) {
    const [algorithm, value] = object.checksum.split(':') as [string, string];
    body.Checksum = { [`Checksum${algorithm.toUpperCase()}`]: value, ChecksumType: checksumTypeOf(value) };
  }
  const { sizes, multipart, checksums } = partSizes(object);
  // ObjectParts describes a multipart object only. S3 lists each Part only for uploads made with additional
  // checksums, with the part's size and checksum; otherwise the summary and paging fields come without Part entries.
  if (want.has('ObjectParts') && multipart) {
    const next = Math.min(marker + maxParts, sizes.length);
    const algorithm = object.checksum?.split(':')[0];
    body.ObjectParts = {
      // TotalPartsCount travels as <PartsCount> (the model's locationName).
      PartsCount: sizes.length, PartNumberMarker: marker, NextPartNumberMarker: Math.max(next, marker), MaxParts: maxParts,
      IsTruncated: marker + maxParts < sizes.length,
      Part: checksums && algorithm
        ? sizes.slice(marker, next).map((size, i) => ({ PartNumber: marker + i + 1, Size: size, [`Checksum${algorithm}`]: checksums[marker + i] ?? undefined }))
        : undefined,
    };
  }
  if (want.has('StorageClass')) body.StorageClass = object.storage_class ?? 'STANDARD';
  if (want.has('ObjectSize')) body.ObjectSize = object.size;
  return { headers: { 'Last-Modified': new Date(object.last_modified).toUTCString(), ...versionHeaders(bucket, object, versionId !== undefined) }, body: restXmlDocument('GetObjectAttributesResponse', body) };
};
