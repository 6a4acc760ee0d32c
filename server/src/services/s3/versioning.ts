// S3 versioning: the bucket's versioning state, version ids on requests and responses, delete markers, and
// ListObjectVersions. S3 User Guide, "Using versioning in S3 buckets"; API Reference PutBucketVersioning,
// GetBucketVersioning, ListObjectVersions, GetObject/DeleteObject (versionId).
import { AwsError } from '../../errors.ts';
import { parseXmlBody, restXmlDocument } from '../../protocol/rest-xml.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { NULL_VERSION, versionOrdinal, type BucketRow, type ObjectRow, type ObjectVersion } from '../../store/s3-store.ts';
import { authorize, bucketArn, invalidArgument, MAX_XML_BODY, noSuchKey, ownerXml, requireBucket, type S3Call, type S3Handler, type S3Result } from './common.ts';
import { compareKeys, prefixSuccessor, s3UrlEncode } from './names.ts';
import { checksumEntries, listedRestoreStatus, wantsRestoreStatus } from './list-attributes.ts';

/** Our version ids: 32 URL-safe characters (S3's are opaque; a malformed one is refused before any lookup). */
const VERSION_ID = /^[A-Za-z0-9_-]{32}$/;

/**
 * The `versionId` query parameter of an object request, checked; undefined when there is none. S3 refuses an empty
 * one and one that cannot be a version id with InvalidArgument.
 */
export function requestedVersionId(call: S3Call): string | undefined {
  const raw = call.query.get('versionId');
  if (raw === null) return undefined;
  if (raw === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', raw);
  if (raw !== NULL_VERSION && !VERSION_ID.test(raw)) throw invalidArgument('Invalid version id specified', 'versionId', raw);
  return raw;
}

/** The `…Version` IAM action a request with a version id needs instead of the plain one (Service Authorization Reference). */
export function versionAction(action: string, versionId: string | undefined): string {
  if (versionId === undefined) return action;
  return VERSION_ACTIONS[action] ?? action;
}
const VERSION_ACTIONS: Record<string, string> = {
  's3:GetObject': 's3:GetObjectVersion', 's3:DeleteObject': 's3:DeleteObjectVersion', 's3:GetObjectAcl': 's3:GetObjectVersionAcl',
  's3:PutObjectAcl': 's3:PutObjectVersionAcl', 's3:GetObjectTagging': 's3:GetObjectVersionTagging', 's3:PutObjectTagging': 's3:PutObjectVersionTagging',
  's3:DeleteObjectTagging': 's3:DeleteObjectVersionTagging', 's3:GetObjectAttributes': 's3:GetObjectVersionAttributes',
};

/** The s3:versionid condition key of a request naming a version. */
export const versionContext = (versionId: string | undefined): Record<string, string> => (versionId === undefined ? {} : { 's3:versionid': versionId });

export const noSuchVersion = (key: string, versionId: string): AwsError =>
  new AwsError('NoSuchVersion', 'The specified version does not exist.', 404, { Key: key, VersionId: versionId });

/** x-amz-version-id of a version a request read or wrote: in a bucket that has had versioning on, or when one was named. */
export function versionHeaders(bucket: BucketRow, row: ObjectRow, named = false): Record<string, string> {
  return bucket.versioning || named ? { 'x-amz-version-id': row.version_id ?? NULL_VERSION } : {};
}

/**
 * The version a GET/HEAD (or a sub-resource request) reads: the named version, or the current one. A current delete
 * marker answers 404 NoSuchKey, a named delete marker 405 MethodNotAllowed, both with x-amz-delete-marker (GetObject).
 */
export function versionToRead(call: S3Call, bucket: BucketRow, key: string, versionId: string | undefined, current?: ObjectRow): ObjectVersion {
  const s3 = call.ctx.s3;
  if (versionId === undefined) {
    // `current`: the caller's own lookup of the current object, saving a second one on the GET path.
    current ??= s3.object(bucket.bucket_name, key);
    if (current) return { row: current, versionId: current.version_id ?? NULL_VERSION, deleteMarker: false, isLatest: true, acl: undefined };
    const marker = s3.currentDeleteMarker(bucket.bucket_name, key);
    const error = noSuchKey(key);
    if (marker) error.headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId };
    throw error;
  }
  const version = s3.version(bucket.bucket_name, key, versionId);
  if (!version) throw noSuchVersion(key, versionId);
  if (version.deleteMarker) {
    const error = new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: call.method, ResourceType: 'DeleteMarker' });
    error.headers = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': version.versionId, 'Last-Modified': new Date(version.row.last_modified).toUTCString() };
    throw error;
  }
  return version;
}

// ---- PutBucketVersioning / GetBucketVersioning ----

const malformed = (): AwsError => new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema', 400);

export async function putBucketVersioning(call: S3Call): Promise<S3Result> {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:PutBucketVersioning', bucketArn(bucket.bucket_name));
  const doc = parseXmlBody(await call.readBody(MAX_XML_BODY), 'VersioningConfiguration');
  const status = doc.Status;
  const mfaDelete = doc.MfaDelete;
  if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw malformed();
  if (mfaDelete !== undefined && mfaDelete !== 'Enabled' && mfaDelete !== 'Disabled') throw malformed();
  if (mfaDelete === 'Enabled') {
    // MFA delete takes the root user's MFA code on every versioning change and version delete (User Guide, "Configuring
    // MFA delete"). iamlocal does not check MFA codes on S3 requests, so it refuses to turn it on rather than pretend.
    if (typeof call.headers['x-amz-mfa'] !== 'string') throw new AwsError('AccessDenied', 'Mfa Authentication must be used for this request', 403);
    throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: 'x-amz-mfa' });
  }
  if (status === 'Suspended' && bucket.object_lock) {
    throw new AwsError('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.', 409);
  }
  if (typeof status === 'string') call.ctx.s3.setBucketVersioning(bucket.bucket_name, status);
  return {};
}

export const getBucketVersioning: S3Handler = (call) => {
  const bucket = requireBucket(call);
  authorize(call, bucket, 's3:GetBucketVersioning', bucketArn(bucket.bucket_name));
  // A bucket that was never versioned answers an empty configuration.
  return { body: restXmlDocument('VersioningConfiguration', { Status: bucket.versioning ?? undefined }) };
};

// ---- ListObjectVersions ----

type VersionEntry = { kind: 'version'; version: ObjectVersion } | { kind: 'prefix'; prefix: string };

function parseMaxKeys(call: S3Call): number {
  const raw = call.query.get('max-keys');
  if (raw === null) return 1000;
  if (!/^\d+$/.test(raw) || Number(raw) > 2147483647) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  return Math.min(Number(raw), 1000);
}

/**
 * Versions and common prefixes in S3's order (keys in UTF-8 byte order, each key's versions newest first), starting
 * after (key-marker, version-id-marker): after that version of that key, or with no version marker after every version
 * of the key.
 */
function* scanVersions(call: S3Call, bucket: string, prefix: string, delimiter: string, keyMarker: string, versionMarker: string | undefined): Generator<VersionEntry> {
  const s3 = call.ctx.s3;
  let from = prefix;
  let inclusive = true;
  if (keyMarker && compareKeys(keyMarker, prefix) >= 0) {
    from = keyMarker;
    inclusive = false;
    if (versionMarker !== undefined && keyMarker.startsWith(prefix)) {
      const versions = s3.keyVersions(bucket, keyMarker);
      const at = versions.findIndex((v) => v.versionId === versionMarker);
      // A marker version deleted since (a loop deleting what it lists): resume with the versions created before it.
      const older = at >= 0 ? versions.slice(at + 1)
        : versionMarker === NULL_VERSION ? []
        : versions.filter((v) => versionOrdinal(v.versionId, v.row.last_modified) < versionOrdinal(versionMarker, ''));
      for (const version of older) yield { kind: 'version', version };
    }
  }
  for (;;) {
    const key = s3.nextVersionKey(bucket, from, inclusive);
    if (key === undefined || !key.startsWith(prefix)) return;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (at >= 0) {
      const common = key.slice(0, at + delimiter.length);
      if (!keyMarker || compareKeys(common, keyMarker) > 0) yield { kind: 'prefix', prefix: common };
      from = prefixSuccessor(common);
      inclusive = true;
      continue;
    }
    for (const version of s3.keyVersions(bucket, key)) yield { kind: 'version', version };
    from = key;
    inclusive = false;
  }
}

export const listObjectVersions: S3Handler = (call) => {
  const bucket = requireBucket(call);
  const prefix = call.query.get('prefix') ?? '';
  const delimiter = call.query.get('delimiter') ?? '';
  const keyMarker = call.query.get('key-marker') ?? '';
  // An empty version-id-marker is no marker (a paginator whose last page ended on a common prefix may send one).
  const versionMarker = call.query.get('version-id-marker') || undefined;
  const maxKeys = parseMaxKeys(call);
  const encodingType = call.query.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  const encode = encodingType === 'url' ? s3UrlEncode : (v: string): string => v;
  if (versionMarker !== undefined && versionMarker !== NULL_VERSION && !VERSION_ID.test(versionMarker)) {
    throw invalidArgument('Invalid version id specified', 'version-id-marker', versionMarker);
  }
  if (versionMarker !== undefined && !keyMarker) throw invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', versionMarker);
  authorize(call, bucket, 's3:ListBucketVersions', bucketArn(bucket.bucket_name), {
    ...(call.query.has('prefix') ? { 's3:prefix': prefix } : {}), ...(call.query.has('delimiter') ? { 's3:delimiter': delimiter } : {}),
    's3:max-keys': String(maxKeys),
  });
  const restoreStatus = wantsRestoreStatus(call);
  const entries: VersionEntry[] = [];
  let isTruncated = false;
  if (maxKeys > 0) {
    for (const entry of scanVersions(call, bucket.bucket_name, prefix, delimiter, keyMarker, versionMarker)) {
      if (entries.length === maxKeys) {
        isTruncated = true;
        break;
      }
      entries.push(entry);
    }
  }
  const owners = new Map<string, XmlObject>();
  const owner = (account: string): XmlObject => {
    let o = owners.get(account);
    if (!o) owners.set(account, (o = ownerXml(call, account)));
    return o;
  };
  const versions: XmlObject[] = [];
  const markers: XmlObject[] = [];
  const prefixes: XmlObject[] = [];
  for (const e of entries) {
    if (e.kind === 'prefix') {
      prefixes.push({ Prefix: encode(e.prefix) });
      continue;
    }
    const { row, versionId, isLatest } = e.version;
    if (e.version.deleteMarker) {
      markers.push({ Owner: owner(row.owner_account), Key: encode(row.object_key), VersionId: versionId, IsLatest: isLatest, LastModified: row.last_modified });
    } else {
      versions.push({
        ETag: row.etag, ...checksumEntries(row.checksum), Size: row.size, StorageClass: row.storage_class ?? 'STANDARD', Key: encode(row.object_key),
        VersionId: versionId, IsLatest: isLatest, LastModified: row.last_modified, Owner: owner(row.owner_account),
        RestoreStatus: restoreStatus ? listedRestoreStatus(call, row, () => row) : undefined,
      });
    }
  }
  const last = entries[entries.length - 1];
  return {
    body: restXmlDocument('ListVersionsResult', {
      Name: bucket.bucket_name, Prefix: encode(prefix), KeyMarker: encode(keyMarker), VersionIdMarker: versionMarker ?? '',
      NextKeyMarker: isTruncated && last ? encode(last.kind === 'prefix' ? last.prefix : last.version.row.object_key) : undefined,
      NextVersionIdMarker: isTruncated && last?.kind === 'version' ? last.version.versionId : undefined,
      MaxKeys: maxKeys, Delimiter: delimiter ? encode(delimiter) : undefined, IsTruncated: isTruncated,
      Version: versions, DeleteMarker: markers, CommonPrefixes: prefixes, EncodingType: encodingType ?? undefined,
    }),
  };
};
