import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, unlinkSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHECKSUM_ALGORITHMS, compositeChecksum, createChecksum, fullObjectChecksum, isCrcAlgorithm, type ChecksumAlgorithm } from '../../auth/checksums.ts';
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { NULL_VERSION, type ObjectRow, type PartRow, type UploadRow } from '../../store/s3-store.ts';
import { authorize, bucketArn, checkKey, invalidArgument, MAX_XML_BODY, objectArn, ownerXml, requireBucket, storedHeaders, writeBlob, type S3Call, type S3Handler, type S3Result } from './common.ts';
import {
  customerKeyOf, customerResponseHeaders, encryptor, keyMatches, newIv, sealKey, SSE_C_PREFIX, type SealedKey,
} from './encryption.ts';
import { checkWriteCondition, copySource, copySourceBytes, declaredLength, requestHeader, sealedObjectKey, sseOf, taggingHeader, writeContext } from './objects.ts';
import { storageClassOf, writeCondition } from './preconditions.ts';
import { aclConditionContext, objectAclForWrite } from './access.ts';
import { authorizeLockHeaders, lockForWrite } from './object-lock.ts';
import { dataKeyEncryptor, kmsRecordOf, kmsResponseHeaders, storedRecord, unlockDataKey, writeEncryption } from './sse-kms.ts';

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10000;

const noSuchUpload = (id: string): AwsError => new AwsError('NoSuchUpload',
  'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', 404, { UploadId: id });
const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

function requireUpload(call: S3Call, bucket: string, key: string): UploadRow {
  const id = call.query.get('uploadId') ?? '';
  const upload = call.ctx.s3.upload(id);
  if (!upload || upload.bucket_name !== bucket || upload.object_key !== key) throw noSuchUpload(id);
  return upload;
}

type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

/** `ChecksumCRC32` …: the member naming an algorithm's value in S3's XML. */
const checksumMember = (algorithm: string): string => `Checksum${algorithm.toUpperCase()}`;

/**
 * x-amz-checksum-algorithm and x-amz-checksum-type of CreateMultipartUpload ("Checking object integrity", S3 User
 * Guide): CRC64NVME is FULL_OBJECT only, SHA1 and SHA256 COMPOSITE only, CRC32 and CRC32C either (COMPOSITE unless
 * asked). The type needs an algorithm.
 */
export function uploadChecksumOf(call: S3Call): { algorithm: ChecksumAlgorithm; type: ChecksumType } | undefined {
  const rawAlgorithm = requestHeader(call, 'x-amz-checksum-algorithm');
  const rawType = requestHeader(call, 'x-amz-checksum-type');
  if (rawAlgorithm === undefined) {
    if (rawType !== undefined) throw new AwsError('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.', 400);
    return undefined;
  }
  const algorithm = CHECKSUM_ALGORITHMS.find((a) => a === rawAlgorithm.toUpperCase());
  if (!algorithm) {
    throw new AwsError('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]', 400);
  }
  const type = rawType === undefined ? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE') : rawType.toUpperCase();
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw new AwsError('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.', 400);
  if ((type === 'FULL_OBJECT' && !isCrcAlgorithm(algorithm)) || (type === 'COMPOSITE' && algorithm === 'CRC64NVME')) {
    throw new AwsError('InvalidRequest', `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`, 400);
  }
  return { algorithm, type };
}

export const createMultipartUpload: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const checksum = uploadChecksumOf(call);
  const requested = sseOf(call);
  const { customer } = requested;
  const storageClass = storageClassOf(call.headers);
  const lock = lockForWrite(call, bucket, key, false);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), { ...writeContext(requested, storageClass, call), ...aclConditionContext(call), ...lock.context });
  authorizeLockHeaders(call, bucket, key, lock);
  const access = objectAclForWrite(call, bucket, objectArn(bucket.bucket_name, key));
  // SSE-KMS: the upload's data key is generated now (kms:GenerateDataKey) and each part decrypts it (kms:Decrypt).
  const encryption = writeEncryption(call, bucket, key, requested);
  const sseKms = encryption.kms ? JSON.stringify(encryption.kms.record) : null;
  const uploadId = randomBytes(48).toString('base64url');
  call.ctx.s3.insertUpload({
    upload_id: uploadId, bucket_name: bucket.bucket_name, object_key: key, initiator_arn: call.caller.principal.arn,
    owner_account: access.owner, initiated_at: call.facts.now.toISOString(),
    content_type: requestHeader(call, 'content-type') ?? 'binary/octet-stream', metadata: JSON.stringify(storedHeaders(call.headers)),
    sse: encryption.sse, sse_kms_key_id: encryption.keyArn, tags: taggingHeader(call), storage_class: storageClass,
    sse_customer: customer ? JSON.stringify(sealKey(customer)) : null, sse_kms: sseKms,
    checksum_algorithm: checksum?.algorithm ?? null, checksum_type: checksum?.type ?? null,
  });
  if (access.acl) call.ctx.s3.setUploadAcl(uploadId, access.acl);
  if (lock.lock) call.ctx.s3.setUploadObjectLock(uploadId, lock.lock);
  const headers = { ...sseHeaders({ sse: encryption.sse, sse_kms_key_id: encryption.keyArn, sse_customer: null }), ...kmsResponseHeaders(sseKms, true) };
  if (customer) Object.assign(headers, customerResponseHeaders(customer.keyMd5));
  if (checksum) Object.assign(headers, { 'x-amz-checksum-algorithm': checksum.algorithm, 'x-amz-checksum-type': checksum.type });
  return { headers, body: restXmlDocument('InitiateMultipartUploadResult', { Bucket: bucket.bucket_name, Key: key, UploadId: uploadId }) };
};

function partNumber(call: S3Call): number {
  const raw = call.query.get('partNumber') ?? '';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PARTS) {
    throw new AwsError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', 400, { ArgumentName: 'partNumber', ArgumentValue: raw });
  }
  return n;
}

/** x-amz-copy-source-range: bytes=first-last, inside the source object. */
function copyRange(call: S3Call, size: number): { start: number; end: number } | undefined {
  const raw = call.headers['x-amz-copy-source-range'];
  if (typeof raw !== 'string') return undefined;
  const m = /^bytes=(\d+)-(\d+)$/.exec(raw.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= size) {
    throw new AwsError('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', 400, { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: raw });
  }
  return { start: Number(m[1]), end: Number(m[2]) };
}

/** The SSE response headers of an upload: SSE-S3 or SSE-KMS, or SSE-C's algorithm and key MD5. */
function sseHeaders(upload: Pick<UploadRow, 'sse' | 'sse_kms_key_id' | 'sse_customer'>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (upload.sse) headers['x-amz-server-side-encryption'] = upload.sse;
  if (upload.sse_kms_key_id) headers['x-amz-server-side-encryption-aws-kms-key-id'] = upload.sse_kms_key_id;
  if (upload.sse_customer) Object.assign(headers, customerResponseHeaders((JSON.parse(upload.sse_customer) as SealedKey).keyMd5));
  return headers;
}

/** A part of an SSE-C upload carries the upload's key; a part of any other upload carries none (UploadPart). */
function partKey(call: S3Call, upload: UploadRow): ReturnType<typeof customerKeyOf> {
  const given = customerKeyOf(call.headers, SSE_C_PREFIX, 'write');
  const sealed = upload.sse_customer ? (JSON.parse(upload.sse_customer) as SealedKey) : undefined;
  if ((given === undefined) !== (sealed === undefined)) {
    throw new AwsError('InvalidRequest', 'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.', 400);
  }
  if (given && sealed && !keyMatches(sealed, given)) {
    throw new AwsError('InvalidRequest', 'The provided encryption parameters did not match the ones used originally.', 400);
  }
  return given;
}

/**
 * s3:x-amz-server-side-encryption-customer-algorithm as the request sends it: a bucket policy requiring SSE-C sees it on
 * every request of a multipart upload (UG "Specifying server-side encryption with customer-provided keys").
 */
function customerAlgorithmContext(call: S3Call): Record<string, string> {
  const algorithm = requestHeader(call, `${SSE_C_PREFIX}algorithm`);
  return algorithm === undefined ? {} : { 's3:x-amz-server-side-encryption-customer-algorithm': algorithm };
}

export async function uploadPart(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), customerAlgorithmContext(call));
  const upload = requireUpload(call, bucket.bucket_name, key);
  const n = partNumber(call);
  const customer = partKey(call, upload);
  const copying = call.headers['x-amz-copy-source'] !== undefined;
  let body: Readable;
  let request: ReturnType<S3Call['body']> | undefined;
  let size: number | undefined;
  let sourceVersionId: string | undefined;
  if (copying) {
    // UploadPartCopy: bytes from an existing object (s3:GetObject on the source), optionally a range of it.
    const source = copySource(call);
    sourceVersionId = source.versionId;
    const range = copyRange(call, source.object.size);
    await call.readBody(0).catch(() => undefined);
    body = copySourceBytes(call, source, range);
    size = range ? range.end - range.start + 1 : source.object.size;
  } else {
    declaredLength(call);
    request = call.body();
    body = request;
  }
  // A part of an SSE-KMS upload is encrypted under the upload's data key, which takes kms:Decrypt ("Multipart upload
  // and permissions": https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
  const record = kmsRecordOf(upload.sse_kms);
  const dataKey = record ? unlockDataKey(call, record) : undefined;
  const iv = customer || dataKey ? newIv() : undefined;
  // An upload with an algorithm keeps every part's checksum (of the plain bytes), sent by the client or not.
  const algorithm = (upload.checksum_algorithm ?? undefined) as ChecksumAlgorithm | undefined;
  const partSum = algorithm ? createChecksum(algorithm) : undefined;
  if (partSum) body.on('data', (chunk: Buffer) => partSum.update(chunk));
  const blob = await writeBlob(call, body, size, iv ? (customer ? encryptor(customer, iv) : dataKey ? dataKeyEncryptor(dataKey, iv) : undefined) : undefined);
  // A part of an SSE-S3 upload has the MD5 of its data as its ETag (the stored bytes are ciphertext).
  const partMd5 = record?.sseS3 ? blob.plainMd5 : blob.md5;
  const etag = `"${partMd5.toString('hex')}"`;
  const sent = request?.checksum;
  if (algorithm && sent && sent.algorithm !== algorithm) {
    call.ctx.s3.removeBlob(blob.blobId);
    throw new AwsError('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${algorithm.toLowerCase()}, actual checksum Type: ${sent.algorithm.toLowerCase()}`, 400);
  }
  const partChecksum = partSum?.digestBase64() ?? null;
  const previous = call.ctx.db.transaction(() => {
    // The upload may have been completed or aborted while this part streamed in.
    if (!call.ctx.s3.upload(upload.upload_id)) return blob.blobId;
    return call.ctx.s3.putPart({
      upload_id: upload.upload_id, part_number: n, blob_id: blob.blobId, size: blob.size, etag, md5: partMd5, last_modified: call.facts.now.toISOString(), iv: iv ?? null,
      checksum: partChecksum,
    });
  })();
  call.ctx.s3.removeBlob(previous);
  if (previous === blob.blobId) throw noSuchUpload(upload.upload_id);
  // UploadPart and UploadPartCopy both answer with the upload's encryption headers.
  const encryption: Record<string, string> = { ...sseHeaders(upload), ...kmsResponseHeaders(upload.sse_kms, false) };
  if (sourceVersionId !== undefined) encryption['x-amz-copy-source-version-id'] = sourceVersionId;
  if (copying) {
    const result: XmlObject = { ETag: etag, LastModified: call.facts.now.toISOString() };
    if (algorithm && partChecksum) result[checksumMember(algorithm)] = partChecksum;
    return { headers: encryption, body: restXmlDocument('CopyPartResult', result) };
  }
  const headers: Record<string, string> = { ETag: etag, ...encryption };
  // Known once the body has been read through.
  const checksum = algorithm && partChecksum ? { algorithm, value: partChecksum } : sent;
  if (checksum) headers[`x-amz-checksum-${checksum.algorithm.toLowerCase()}`] = checksum.value;
  return { headers };
}

const completeResult = (bucket: string, key: string, etag: string, upload: Pick<UploadRow, 'sse' | 'sse_kms_key_id' | 'sse_kms'>,
  checksum?: { algorithm: string; value: string; type: string }): S3Result => {
  const result: XmlObject = { Location: `/${bucket}/${encodeURIComponent(key)}`, Bucket: bucket, Key: key, ETag: etag };
  if (checksum) Object.assign(result, { [checksumMember(checksum.algorithm)]: checksum.value, ChecksumType: checksum.type });
  // CompleteMultipartUpload echoes SSE-S3 and SSE-KMS, not SSE-C (its response has no SSE-C members).
  return { headers: { ...sseHeaders({ ...upload, sse_customer: null }), ...kmsResponseHeaders(upload.sse_kms, false) }, body: restXmlDocument('CompleteMultipartUploadResult', result) };
};

/**
 * The object's checksum from its parts' (S3 User Guide, "Checking object integrity"): COMPOSITE, the checksum of
 * the part checksums end to end with `-N`; FULL_OBJECT, the CRC of the whole object, combined from the parts' CRCs.
 * A COMPOSITE upload's Complete must list each part's checksum, and every one listed must be the part's.
 */
function objectChecksumOf(upload: UploadRow, parts: PartRow[], listed: Record<string, unknown>[]): { algorithm: ChecksumAlgorithm; value: string; type: ChecksumType } | undefined {
  const algorithm = (upload.checksum_algorithm ?? undefined) as ChecksumAlgorithm | undefined;
  if (!algorithm) return undefined;
  const type = (upload.checksum_type ?? 'COMPOSITE') as ChecksumType;
  parts.forEach((part, i) => {
    const given = listed[i]![checksumMember(algorithm)];
    if (given === undefined && type === 'COMPOSITE') {
      throw new AwsError('InvalidRequest', `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${part.part_number} in the request.`, 400);
    }
    if (given !== undefined && given !== part.checksum) {
      throw new AwsError('InvalidPart', 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', 400,
        { UploadId: upload.upload_id, PartNumber: String(part.part_number), ETag: part.etag });
    }
  });
  const values = parts.map((p) => p.checksum ?? '');
  const value = type === 'COMPOSITE' ? compositeChecksum(algorithm, values) : fullObjectChecksum(algorithm, parts.map((p, i) => ({ value: values[i]!, size: p.size })));
  return { algorithm, value, type };
}

/**
 * The object checksum a CompleteMultipartUpload may state (x-amz-checksum-*, x-amz-checksum-type; s3transfer sends
 * a FULL_OBJECT checksum it computed): it must be of the upload's algorithm and type, and equal the object's.
 */
function checkExpectedChecksum(call: S3Call, upload: UploadRow, checksum: { algorithm: ChecksumAlgorithm; value: string; type: ChecksumType } | undefined): void {
  const type = requestHeader(call, 'x-amz-checksum-type');
  if (type !== undefined && type.toUpperCase() !== (upload.checksum_type ?? '')) {
    throw new AwsError('BadDigest', `The x-amz-checksum-type you specified (${type}) did not match the checksum type of the upload (${upload.checksum_type ?? 'none'}).`, 400);
  }
  const given = CHECKSUM_ALGORITHMS.flatMap((a) => {
    const value = requestHeader(call, `x-amz-checksum-${a.toLowerCase()}`);
    return value === undefined ? [] : [{ algorithm: a, value }];
  });
  if (given.length === 0) return;
  if (given.length > 1) throw new AwsError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.', 400);
  const stated = given[0]!;
  if (!checksum || stated.algorithm !== checksum.algorithm) {
    throw new AwsError('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${checksum?.algorithm.toLowerCase() ?? 'null'}, actual checksum Type: ${stated.algorithm.toLowerCase()}`, 400);
  }
  if (stated.value !== checksum.value) throw new AwsError('BadDigest', `The ${stated.algorithm.toLowerCase()} you specified did not match the calculated checksum.`, 400);
}

export async function completeMultipartUpload(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  const condition = writeCondition(call.headers);
  authorize(call, bucket, 's3:PutObject', objectArn(bucket.bucket_name, key), { ...customerAlgorithmContext(call), ...condition?.context });
  // A retry of a Complete that succeeded (an SDK that missed the answer) gets the same answer again, as on S3.
  const done = call.ctx.s3.completedUpload(call.query.get('uploadId') ?? '');
  if (done && done.bucket_name === bucket.bucket_name && done.object_key === key) {
    await call.readBody(MAX_XML_BODY * 32).catch(() => undefined);
    const retried = completeResult(bucket.bucket_name, key, done.etag, done);
    if (done.version_id) retried.headers = { ...retried.headers, 'x-amz-version-id': done.version_id };
    return retried;
  }
  const upload = requireUpload(call, bucket.bucket_name, key);
  checkWriteCondition(call, bucket, key, condition);
  const record = kmsRecordOf(upload.sse_kms);
  // Completing an SSE-KMS upload takes kms:Decrypt on its key, as S3 reads the parts (mpuAndPermissions, above).
  if (record) unlockDataKey(call, record);
  const doc = parseXmlBody(await call.readBody(MAX_XML_BODY * 32), 'CompleteMultipartUpload');
  const listed = doc.Part === undefined ? [] : Array.isArray(doc.Part) ? doc.Part : [doc.Part];
  if (listed.length === 0) throw malformed();
  const parts: PartRow[] = [];
  const entries: Record<string, unknown>[] = [];
  let last = 0;
  for (const raw of listed) {
    const entry = raw as Record<string, unknown>;
    const n = Number(entry.PartNumber);
    if (!Number.isInteger(n)) throw malformed();
    if (n <= last) throw new AwsError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, { UploadId: upload.upload_id });
    last = n;
    const part = call.ctx.s3.part(upload.upload_id, n);
    const etag = typeof entry.ETag === 'string' ? entry.ETag.replace(/^"?(.*?)"?$/, '"$1"') : '';
    if (!part || part.etag !== etag) {
      throw new AwsError('InvalidPart', 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.', 400, { UploadId: upload.upload_id, PartNumber: String(n), ETag: etag });
    }
    parts.push(part);
    entries.push(entry);
  }
  parts.slice(0, -1).forEach((p) => {
    if (p.size < MIN_PART_BYTES) {
      throw new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', 400, { ProposedSize: String(p.size), MinSizeAllowed: String(MIN_PART_BYTES), PartNumber: String(p.part_number), ETag: p.etag });
    }
  });
  const checksum = objectChecksumOf(upload, parts, entries);
  checkExpectedChecksum(call, upload, checksum);
  // Concatenate the parts into the object's blob, streaming; the object appears only once it is complete.
  const { blobId, path } = call.ctx.s3.newBlobPath();
  const temp = `${path}.part`;
  try {
    const s3 = call.ctx.s3;
    // One pipeline over all parts in order (a pipeline per part would pile listeners onto the output stream).
    await pipeline(Readable.from((async function* () {
      for (const part of parts) yield* s3.blobStream(part.blob_id);
    })()), createWriteStream(temp));
    renameSync(temp, path);
  } catch (error) {
    try { unlinkSync(temp); } catch { /* never created */ }
    throw error;
  }
  const md5s = createHash('md5');
  for (const p of parts) md5s.update(p.md5);
  const etag = `"${md5s.digest('hex')}-${parts.length}"`;
  const size = parts.reduce((sum, p) => sum + p.size, 0);
  // An SSE-C object is its parts' ciphertexts end to end, each part under its own IV.
  const sseCustomer = upload.sse_customer
    ? sealedObjectKey(JSON.parse(upload.sse_customer) as SealedKey, parts.map((p) => ({ size: p.size, iv: (p.iv ?? Buffer.alloc(16)).toString('base64') })))
    : null;
  const sseKms = record ? storedRecord(record, parts.map((p) => ({ size: p.size, iv: (p.iv ?? Buffer.alloc(16)).toString('base64') }))) : null;
  let stale: (string | undefined)[];
  let versionId: string | undefined;
  try {
    stale = call.ctx.db.transaction(() => {
      if (!call.ctx.s3.upload(upload.upload_id)) throw noSuchUpload(upload.upload_id);
      condition?.atCommit(call.ctx.s3.object(bucket.bucket_name, key));
      const now = call.facts.now.toISOString();
      const written: ObjectRow = {
        bucket_name: bucket.bucket_name, object_key: key, blob_id: blobId, size, etag, last_modified: now,
        owner_account: upload.owner_account, content_type: upload.content_type, metadata: upload.metadata, sse: upload.sse,
        sse_kms_key_id: upload.sse_kms_key_id, tags: upload.tags, checksum: checksum ? `${checksum.algorithm}:${checksum.value}` : null,
        storage_class: upload.storage_class ?? null, sse_customer: sseCustomer, sse_kms: sseKms,
        parts: JSON.stringify(checksum ? { sizes: parts.map((p) => p.size), checksums: parts.map((p) => p.checksum) } : parts.map((p) => p.size)),
        object_lock: upload.object_lock ?? null,
      };
      const previous = call.ctx.s3.putObject(written);
      // Suspended: the "null" version, answered without x-amz-version-id (as PutObject).
      if (call.ctx.s3.bucketVersioning(bucket.bucket_name) !== null && written.version_id && written.version_id !== NULL_VERSION) versionId = written.version_id;
      if (upload.acl) call.ctx.s3.setObjectAcl(bucket.bucket_name, key, upload.acl);
      call.ctx.s3.recordCompleted({
        upload_id: upload.upload_id, bucket_name: bucket.bucket_name, object_key: key, etag, sse: upload.sse, sse_kms_key_id: upload.sse_kms_key_id, completed_at: now,
        version_id: versionId ?? null,
      });
      return [previous, ...call.ctx.s3.deleteUpload(upload.upload_id)];
    })();
  } catch (error) {
    call.ctx.s3.removeBlob(blobId);
    throw error;
  }
  for (const blob of stale) call.ctx.s3.removeBlob(blob);
  const result = completeResult(bucket.bucket_name, key, etag, upload, checksum);
  if (versionId !== undefined) result.headers = { ...result.headers, 'x-amz-version-id': versionId };
  return result;
}

export const abortMultipartUpload: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  authorize(call, bucket, 's3:AbortMultipartUpload', objectArn(bucket.bucket_name, key));
  const upload = requireUpload(call, bucket.bucket_name, key);
  const blobs = call.ctx.db.transaction(() => call.ctx.s3.deleteUpload(upload.upload_id))();
  for (const blob of blobs) call.ctx.s3.removeBlob(blob);
  return { status: 204 };
};

/** A non-negative integer query argument (max-parts, part-number-marker, max-uploads), as S3 validates them. */
function integerArgument(call: S3Call, name: string, fallback: number): number {
  const raw = call.query.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 2147483647) {
    throw invalidArgument(`Argument ${name} must be an integer between 0 and 2147483647`, name, raw);
  }
  return Number(raw);
}

export const listParts: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const key = checkKey(call);
  authorize(call, bucket, 's3:ListMultipartUploadParts', objectArn(bucket.bucket_name, key));
  const upload = requireUpload(call, bucket.bucket_name, key);
  const max = Math.min(integerArgument(call, 'max-parts', 1000), 1000);
  const marker = integerArgument(call, 'part-number-marker', 0);
  const rows = call.ctx.s3.parts(upload.upload_id, marker, max + 1);
  const page = rows.slice(0, max);
  const truncated = rows.length > max;
  const initiator: XmlObject = { ID: upload.initiator_arn, DisplayName: upload.initiator_arn };
  return {
    body: restXmlDocument('ListPartsResult', {
      Bucket: bucket.bucket_name, Key: key, UploadId: upload.upload_id, PartNumberMarker: marker,
      NextPartNumberMarker: truncated ? (page.at(-1)?.part_number ?? marker) : undefined, MaxParts: max, IsTruncated: truncated,
      Part: page.map((p) => ({
        PartNumber: p.part_number, LastModified: p.last_modified, ETag: p.etag, Size: p.size,
        ...(upload.checksum_algorithm && p.checksum ? { [checksumMember(upload.checksum_algorithm)]: p.checksum } : {}),
      })),
      Initiator: initiator, Owner: ownerXml(call, upload.owner_account), StorageClass: upload.storage_class ?? 'STANDARD',
      ChecksumAlgorithm: upload.checksum_algorithm ?? undefined, ChecksumType: upload.checksum_type ?? undefined,
    }),
  };
};

export const listMultipartUploads: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:ListBucketMultipartUploads', bucketArn(bucket.bucket_name));
  const prefix = call.query.get('prefix') ?? '';
  const max = Math.min(integerArgument(call, 'max-uploads', 1000), 1000);
  const uploads = call.ctx.s3.uploads(bucket.bucket_name, prefix, max + 1).filter((u) => u.object_key.startsWith(prefix));
  const page = uploads.slice(0, max);
  return {
    body: restXmlDocument('ListMultipartUploadsResult', {
      Bucket: bucket.bucket_name, KeyMarker: '', UploadIdMarker: '', Prefix: prefix || undefined, MaxUploads: max, IsTruncated: uploads.length > max,
      Upload: page.map((u) => ({
        Key: u.object_key, UploadId: u.upload_id, Initiator: { ID: u.initiator_arn, DisplayName: u.initiator_arn },
        Owner: ownerXml(call, u.owner_account), StorageClass: u.storage_class ?? 'STANDARD', Initiated: u.initiated_at,
        ChecksumAlgorithm: u.checksum_algorithm ?? undefined, ChecksumType: u.checksum_type ?? undefined,
      })),
    }),
  };
};
