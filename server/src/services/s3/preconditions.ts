import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../errors.ts';
import type { ObjectRow } from '../../store/s3-store.ts';
import { noSuchKey } from './common.ts';

/**
 * Conditional writes (PutObject, CopyObject, CompleteMultipartUpload): `If-None-Match: *` and `If-Match: <etag>`,
 * checked once before the body is read and again when the write commits, where the first write to finish wins.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
};

const preconditionFailed = (condition: string): AwsError =>
  new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: condition });

const etagMatches = (list: string, etag: string): boolean =>
  list.split(',').map((t) => t.trim()).some((t) => t === '*' || t === etag || `"${t}"` === etag);

export interface WriteCondition {
  /** Condition keys for the policy evaluation (s3:if-match, s3:if-none-match). */
  context: Record<string, string>;
  /** If-Match reads the object's ETag: the caller needs s3:GetObject on it as well as s3:PutObject. */
  readsObject: boolean;
  /** Before the body is read: the object as it is now. */
  before(current: ObjectRow | undefined, key: string): void;
  /** In the committing transaction: the object as it is then. */
  atCommit(current: ObjectRow | undefined): void;
}

export function writeCondition(headers: IncomingHttpHeaders): WriteCondition | undefined {
  const ifMatch = header(headers, 'if-match');
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  // Only `*` is supported for If-None-Match on writes.
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: 'If-None-Match' });
  }
  const context: Record<string, string> = {};
  if (ifMatch !== undefined) context['s3:if-match'] = ifMatch;
  if (ifNoneMatch !== undefined) context['s3:if-none-match'] = ifNoneMatch;
  let existedBefore = false;
  return {
    context,
    readsObject: ifMatch !== undefined,
    before(current, key) {
      if (ifNoneMatch !== undefined && current) throw preconditionFailed('If-None-Match');
      if (ifMatch !== undefined) {
        if (!current) throw noSuchKey(key);
        if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
        existedBefore = true;
      }
    },
    atCommit(current) {
      if (ifNoneMatch !== undefined && current) throw preconditionFailed('If-None-Match');
      if (ifMatch !== undefined) {
        // Deleted while this write was under way: S3 answers 409 and the client may retry.
        if (!current && existedBefore) {
          throw new AwsError('ConditionalRequestConflict', 'A conflicting conditional operation is currently in progress against this resource. Please try again.', 409);
        }
        if (!current || !etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
      }
    },
  };
}

/**
 * x-amz-copy-source-if-* on CopyObject and UploadPartCopy, against the source object. As documented there: a true
 * if-match wins over a false if-unmodified-since, a false if-none-match over a true if-modified-since; every failure
 * is 412 (never 304).
 */
export function checkCopySourceConditions(headers: IncomingHttpHeaders, source: ObjectRow): void {
  const ifMatch = header(headers, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(headers, 'x-amz-copy-source-if-none-match');
  const ifModifiedSince = header(headers, 'x-amz-copy-source-if-modified-since');
  const ifUnmodifiedSince = header(headers, 'x-amz-copy-source-if-unmodified-since');
  const modified = Math.floor(Date.parse(source.last_modified) / 1000) * 1000;
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, source.etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  } else if (ifUnmodifiedSince !== undefined) {
    const since = Date.parse(ifUnmodifiedSince);
    if (!Number.isNaN(since) && modified > since) throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, source.etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  } else if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (!Number.isNaN(since) && modified <= since) throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
  }
}

// ---- Storage classes ----

/** The classes a general purpose bucket takes (botocore's StorageClass less OUTPOSTS, SNOW, EXPRESS_ONEZONE, FSX_*). */
const STORAGE_CLASSES = new Set(['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR']);
/** Archived: GET (and copy) need a RestoreObject first. */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** x-amz-storage-class of a write: null for STANDARD (and when absent), as stored. */
export function storageClassOf(headers: IncomingHttpHeaders): string | null {
  const value = header(headers, 'x-amz-storage-class');
  if (value === undefined) return null;
  if (!STORAGE_CLASSES.has(value)) throw new AwsError('InvalidStorageClass', 'The storage class you specified is not valid', 400, { StorageClassRequested: value });
  return value === 'STANDARD' ? null : value;
}

/** GLACIER and DEEP_ARCHIVE objects, whose bytes need a RestoreObject before they can be read. */
export const isArchived = (object: Pick<ObjectRow, 'storage_class'>): boolean => !!object.storage_class && ARCHIVED.has(object.storage_class);

/**
 * GetObject and copies of an archived object that is not restored (RestoreObject, restore.ts): 403
 * InvalidObjectState (GetObject, "Errors"); the text is S3's as captured in answers to GETs of GLACIER objects.
 */
export function refuseArchived(object: ObjectRow, restored = false): void {
  if (!restored && isArchived(object)) {
    throw new AwsError('InvalidObjectState', "The action is not valid for the object's storage class", 403, { StorageClass: object.storage_class ?? '' });
  }
}
