import { randomBytes, randomUUID } from 'node:crypto';
import { pooledRandomBytes } from '../kms/random.ts';
import { createReadStream, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Db } from './db.ts';
import type { GroupCommit } from './group-commit.ts';

export interface BucketRow {
  bucket_name: string; account_id: string; region: string; policy: string | null; created_at: string; tags?: string | null;
  /** JSON PublicAccessBlockConfiguration; null: none configured. */
  public_access_block?: string | null;
  /** ObjectOwnership; null: no ownership controls. */
  object_ownership?: string | null;
  /** JSON grants; null: the owner's FULL_CONTROL only. */
  acl?: string | null;
  /** JSON ServerSideEncryptionConfiguration rule; null: the default (SSE-S3). */
  encryption?: string | null;
  /** JSON list of CORS rules; null: no CORS configuration. */
  cors?: string | null;
  /** JSON lifecycle configuration (rules and minimum object size); null: none configured. */
  lifecycle?: string | null;
  /** 'Enabled' or 'Suspended'; null (or absent): never versioned. */
  versioning?: string | null;
  /** JSON Object Lock configuration (see object-lock.ts); null: Object Lock not enabled. */
  object_lock?: string | null;
  /** JSON logging, website and notification configurations (their Get operations' shapes); null: none. */
  logging?: string | null;
  website?: string | null;
  notification?: string | null;
}
export interface ObjectRow {
  bucket_name: string; object_key: string; blob_id: string; size: number; etag: string; last_modified: string;
  owner_account: string; content_type: string | null; metadata: string | null; sse: string | null; sse_kms_key_id: string | null;
  tags: string | null; checksum: string | null;
  /** null (or absent, in fixtures) for STANDARD. */
  storage_class?: string | null;
  /** SSE-C: JSON of the key's salted HMAC and the IVs of the encrypted segments; never the key. */
  sse_customer?: string | null;
  /** SSE-KMS: JSON of the encrypted data key, key ARN, encryption context and segment IVs; never the plaintext key. */
  sse_kms?: string | null;
  /**
   * JSON array of the part sizes of a multipart object, in order, or `{"sizes": […], "checksums": […]}` when its upload
   * had additional checksums; null (or absent) for a single-part object.
   */
  parts?: string | null;
  /** The version id; null (or absent): the null version. putObject sets it for the bucket's versioning state. */
  version_id?: string | null;
  /** JSON retention and legal hold of this version (see object-lock.ts); null: none. */
  object_lock?: string | null;
}

/** One version of an object: an object version or a delete marker (a marker's row has no blob, size 0). */
export interface ObjectVersion {
  row: ObjectRow;
  /** The version id as S3 shows it: "null" for the null version. */
  versionId: string;
  deleteMarker: boolean;
  isLatest: boolean;
  /** The version's ACL grants (JSON); undefined: the default. */
  acl: string | undefined;
}
interface VersionDbRow { bucket_name: string; object_key: string; seq: number; version_id: string; delete_marker: number; blob_id: string | null; row: string }
/** What a version row keeps as JSON: the ObjectRow and its ACL. */
type StoredVersion = ObjectRow & { acl?: string | null };

export const NULL_VERSION = 'null';
let lastOrdinal = 0n;
/**
 * S3 version ids are opaque URL-safe strings; the null version is "null". Ours are 32 characters that start with a
 * creation ordinal (milliseconds × 4096, kept increasing), so that ListObjectVersions can resume after a
 * version-id-marker whose version was deleted meanwhile (the "empty the bucket" loop does exactly that).
 */
function newVersionId(): string {
  let ordinal = BigInt(Date.now()) * 4096n;
  if (ordinal <= lastOrdinal) ordinal = lastOrdinal + 1n;
  lastOrdinal = ordinal;
  const bytes = Buffer.alloc(24);
  bytes.writeBigUInt64BE(ordinal);
  randomBytes(16).copy(bytes, 8);
  return bytes.toString('base64url');
}
/** The creation ordinal of a version (see newVersionId): for the null version, its write time. */
export function versionOrdinal(versionId: string, lastModified: string): bigint {
  if (versionId === NULL_VERSION) return BigInt(Date.parse(lastModified)) * 4096n;
  const bytes = Buffer.from(versionId, 'base64url');
  return bytes.length >= 8 ? bytes.readBigUInt64BE(0) : 0n;
}
export interface CompletedUploadRow {
  upload_id: string; bucket_name: string; object_key: string; etag: string; sse: string | null; sse_kms_key_id: string | null; completed_at: string;
  /** The version the upload made, as x-amz-version-id showed it; null (or absent): the bucket was never versioned. */
  version_id?: string | null;
}
export interface UploadRow {
  upload_id: string; bucket_name: string; object_key: string; initiator_arn: string; owner_account: string; initiated_at: string;
  content_type: string | null; metadata: string | null; sse: string | null; sse_kms_key_id: string | null; tags: string | null;
  storage_class?: string | null; sse_customer?: string | null; sse_kms?: string | null;
  /** JSON grants the object gets on completion; null: the default. */
  acl?: string | null;
  /** JSON Object Lock retention / legal hold the object gets on completion; null: none. */
  object_lock?: string | null;
  /** x-amz-checksum-algorithm and x-amz-checksum-type (COMPOSITE, FULL_OBJECT) of CreateMultipartUpload; null: none. */
  checksum_algorithm?: string | null;
  checksum_type?: string | null;
}
export interface PartRow {
  upload_id: string; part_number: number; blob_id: string; size: number; etag: string; md5: Buffer; last_modified: string; iv?: Buffer | null;
  /** The part's checksum (base64) in the upload's algorithm; null when the upload has none. */
  checksum?: string | null;
}
export type LifecycleObject = Pick<ObjectRow, 'object_key' | 'size' | 'last_modified' | 'tags' | 'storage_class'>;
export type ListedObject = Pick<ObjectRow, 'object_key' | 'size' | 'etag' | 'last_modified' | 'owner_account' | 'storage_class' | 'checksum'>;
const LISTED_COLUMNS = 'object_key, size, etag, last_modified, owner_account, storage_class, checksum';
/** A ListedObject as listFrom's statements read it: LISTED_COLUMNS in that order. */
type ListedRaw = [ListedObject['object_key'], ListedObject['size'], ListedObject['etag'], ListedObject['last_modified'], ListedObject['owner_account'], ListedObject['storage_class'], ListedObject['checksum']];

/**
 * Whole rows of `table` (every column, as SELECT * gives them) read as one JSON array text each and parsed in
 * JavaScript: better-sqlite3 builds a row object and each of its values through V8's C++ API, which for the 19 columns
 * of an object row cost more than the lookup (8.6 → 5.0 µs a GetObject's row, measured alone).
 */
function jsonRowReader<T>(db: Db, table: string, where: string): (...params: unknown[]) => T | undefined {
  const names = db.prepare(`SELECT * FROM ${table} LIMIT 0`).columns().map((c) => c.name);
  const statement = db.prepare<unknown[], string>(`SELECT json_array(${names.map((n) => `"${n}"`).join(', ')}) FROM ${table} WHERE ${where}`).pluck(true);
  return (...params) => {
    const text = statement.get(...params);
    if (text === undefined) return undefined;
    const values = JSON.parse(text) as unknown[];
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row as T;
  };
}

/** Objects up to this size are stored in SQLite (inline blobs), read whole, and may be served from memory. */
export const SMALL_BLOB_BYTES = 64 * 1024;
/** Small bodies read recently, in memory: GETs of a hot object skip SQLite. Kept small: it all counts in RSS. */
const SMALL_BLOB_CACHE_BYTES = 4 * 1024 * 1024;
/** Ids of blobs kept in the inline_blobs table; every other blob id names a file in the blob directory. */
const INLINE_PREFIX = 'i-';
const isInline = (blobId: string): boolean => blobId.startsWith(INLINE_PREFIX);

let lastBlobMs = 0;
let blobSeq = 0;

/**
 * An inline blob's id after its prefix: the time (ms) and a counter, so that new ids sort after older ones, then random
 * hex, so that ids stay unique across restarts and clock changes. A PUT inserts its blob's id into the primary key's
 * index and removes the one it replaces: with random ids both landed on random pages of the index, each written to
 * the WAL at every commit; in time order they share the index's last pages.
 */
function newInlineBlobSuffix(): string {
  const now = Date.now();
  blobSeq = now === lastBlobMs ? blobSeq + 1 : 0;
  lastBlobMs = now;
  return `${now.toString(16).padStart(12, '0')}-${blobSeq.toString(16).padStart(6, '0')}-${pooledRandomBytes(8).toString('hex')}`;
}

/** What reading a blob that no longer exists throws, as fs does: touchBlob turns it into NoSuchKey. */
function blobGone(blobId: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`blob ${blobId} is gone`), { code: 'ENOENT' });
}

/**
 * Buckets and object metadata in SQLite. Object bytes: small ones in SQLite too (inline blobs, written in the
 * transaction that writes the object), larger ones in one file per object version under the blob directory.
 */
export class S3Store {
  private readonly s;
  /**
   * Where blob files live: `<db>.blobs`, or for ':memory:' databases `blobs/` in the scratch directory, made on first
   * use (a test file's server that stores no large object makes none: a temporary directory made and removed cost
   * ~3 ms of each start and stop).
   */
  get blobDir(): string {
    if (this.blobs === undefined) {
      const dir = join(this.scratchDir!, 'blobs');
      mkdirSync(dir, { recursive: true });
      this.blobs = dir;
    }
    return this.blobs;
  }
  /** For ':memory:' databases: a temporary directory holding blobs and snapshots, made on first use, removed on close. */
  get scratchDir(): string | undefined {
    if (!this.inMemory) return undefined;
    return (this.scratch ??= mkdtempSync(join(tmpdir(), 'iamlocal-')));
  }
  private readonly smallBlobs = new Map<string, Buffer>();
  private smallBlobBytes = 0;
  /** Inline blobs read in but not yet stored: the putObject or putPart that adopts one inserts its row. */
  private readonly staged = new Map<string, Buffer>();
  private readonly inMemory: boolean;
  private scratch: string | undefined;
  private blobs: string | undefined;

  /**
   * `state`: the process's IAM state cache (IamStore), which also holds bucket rows: it is dropped on every IAM or
   * bucket write, a failed request, an admin write and a commit by another connection.
   */
  constructor(readonly db: Db, dbPath: string, private readonly state: { stateCache(): Map<string, unknown>; invalidate(): void }, private readonly writes: GroupCommit) {
    this.inMemory = dbPath === ':memory:';
    this.blobs = this.inMemory ? undefined : `${resolve(dbPath)}.blobs`;
    if (this.blobs !== undefined) mkdirSync(this.blobs, { recursive: true });
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    this.s = {
      bucket: p<BucketRow>('SELECT * FROM buckets WHERE bucket_name = ?'),
      buckets: p<BucketRow>('SELECT * FROM buckets WHERE account_id = ? ORDER BY bucket_name'),
      insertBucket: p(`INSERT INTO buckets (bucket_name, account_id, region, policy, created_at, public_access_block, object_ownership, acl, encryption, cors, lifecycle)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteBucket: p('DELETE FROM buckets WHERE bucket_name = ?'),
      setPolicy: p('UPDATE buckets SET policy = ? WHERE bucket_name = ?'),
      setBucketTags: p('UPDATE buckets SET tags = ? WHERE bucket_name = ?'),
      setBucketEncryption: p('UPDATE buckets SET encryption = ? WHERE bucket_name = ?'),
      setBucketCors: p('UPDATE buckets SET cors = ? WHERE bucket_name = ?'),
      setBucketLifecycle: p('UPDATE buckets SET lifecycle = ? WHERE bucket_name = ?'),
      setBucketLogging: p('UPDATE buckets SET logging = ? WHERE bucket_name = ?'),
      setBucketWebsite: p('UPDATE buckets SET website = ? WHERE bucket_name = ?'),
      setBucketNotification: p('UPDATE buckets SET notification = ? WHERE bucket_name = ?'),
      lifecycleBuckets: p<BucketRow>('SELECT * FROM buckets WHERE lifecycle IS NOT NULL ORDER BY bucket_name'),
      lifecycleObjects: p<LifecycleObject>('SELECT object_key, size, last_modified, tags, storage_class FROM objects WHERE bucket_name = ? ORDER BY object_key'),
      lifecycleUploads: p<UploadRow>('SELECT * FROM multipart_uploads WHERE bucket_name = ? ORDER BY object_key, initiated_at'),
      setStorageClass: p('UPDATE objects SET storage_class = ? WHERE bucket_name = ? AND object_key = ?'),
      setBucketAccess: p('UPDATE buckets SET public_access_block = ?, object_ownership = ?, acl = ? WHERE bucket_name = ?'),
      accountPublicAccessBlock: db.prepare<[string], string>('SELECT config FROM account_public_access_blocks WHERE account_id = ?').pluck(),
      putAccountPublicAccessBlock: p('INSERT INTO account_public_access_blocks (account_id, config) VALUES (?, ?) ON CONFLICT DO UPDATE SET config = excluded.config'),
      deleteAccountPublicAccessBlock: p('DELETE FROM account_public_access_blocks WHERE account_id = ?'),
      objectAcl: db.prepare<[string, string], string>('SELECT acl FROM object_acls WHERE bucket_name = ? AND object_key = ?').pluck(),
      putObjectAcl: p('INSERT INTO object_acls (bucket_name, object_key, acl) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET acl = excluded.acl'),
      deleteObjectAcl: p('DELETE FROM object_acls WHERE bucket_name = ? AND object_key = ?'),
      setUploadAcl: p('UPDATE multipart_uploads SET acl = ? WHERE upload_id = ?'),
      setUploadObjectLock: p('UPDATE multipart_uploads SET object_lock = ? WHERE upload_id = ?'),
      object: p<ObjectRow>('SELECT * FROM objects WHERE bucket_name = ? AND object_key = ?'),
      objectJson: jsonRowReader<ObjectRow>(db, 'objects', 'bucket_name = ? AND object_key = ?'),
      objectBlob: db.prepare<[string, string], string>('SELECT blob_id FROM objects WHERE bucket_name = ? AND object_key = ?').pluck(),
      bucketExists: db.prepare<[string], number>('SELECT 1 FROM buckets WHERE bucket_name = ?').pluck(),
      // Uploads in progress do not keep a bucket: DeleteBucket removes them with it.
      anyObject: p<{ one: number }>(`SELECT 1 AS one FROM objects WHERE bucket_name = ?
        UNION ALL SELECT 1 FROM object_versions WHERE bucket_name = ? LIMIT 1`),
      bucketVersioning: db.prepare<[string], string | null>('SELECT versioning FROM buckets WHERE bucket_name = ?').pluck(),
      setBucketVersioning: p('UPDATE buckets SET versioning = ? WHERE bucket_name = ?'),
      setBucketObjectLock: p('UPDATE buckets SET object_lock = ? WHERE bucket_name = ?'),
      minSeq: db.prepare<[string, string], number | null>('SELECT MIN(seq) FROM object_versions WHERE bucket_name = ? AND object_key = ?').pluck(),
      maxSeq: db.prepare<[string, string], number | null>('SELECT MAX(seq) FROM object_versions WHERE bucket_name = ? AND object_key = ?').pluck(),
      insertVersion: p('INSERT INTO object_versions (bucket_name, object_key, seq, version_id, delete_marker, blob_id, row) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      versionById: p<VersionDbRow>('SELECT * FROM object_versions WHERE bucket_name = ? AND object_key = ? AND version_id = ?'),
      newestVersion: p<VersionDbRow>('SELECT * FROM object_versions WHERE bucket_name = ? AND object_key = ? ORDER BY seq LIMIT 1'),
      keyVersions: p<VersionDbRow>('SELECT * FROM object_versions WHERE bucket_name = ? AND object_key = ? ORDER BY seq'),
      deleteVersionRow: p('DELETE FROM object_versions WHERE bucket_name = ? AND object_key = ? AND seq = ?'),
      setVersionRow: p('UPDATE object_versions SET row = ? WHERE bucket_name = ? AND object_key = ? AND seq = ?'),
      setObjectLock: p('UPDATE objects SET object_lock = ? WHERE bucket_name = ? AND object_key = ?'),
      // The next key with any version (current or not), for ListObjectVersions.
      versionKeyFrom: db.prepare<[string, string, string, string], string | null>(`SELECT MIN(k) FROM (SELECT MIN(object_key) AS k FROM objects WHERE bucket_name = ? AND object_key >= ?
        UNION ALL SELECT MIN(object_key) FROM object_versions WHERE bucket_name = ? AND object_key >= ?)`).pluck(),
      versionKeyAfter: db.prepare<[string, string, string, string], string | null>(`SELECT MIN(k) FROM (SELECT MIN(object_key) AS k FROM objects WHERE bucket_name = ? AND object_key > ?
        UNION ALL SELECT MIN(object_key) FROM object_versions WHERE bucket_name = ? AND object_key > ?)`).pluck(),
      lifecycleVersions: p<VersionDbRow>('SELECT * FROM object_versions WHERE bucket_name = ? ORDER BY object_key, seq'),
      // Keys compare as UTF-8 bytes in SQLite's BINARY collation, which is the order S3 lists in.
      // One lower bound per query, so SQLite seeks straight to it in the primary key instead of scanning between two.
      // Each row as one JSON array text (SQLite escapes it, JSON.parse reads it back exactly): better-sqlite3 builds a
      // row object, or even an array, and each of its strings through V8's C++ API, and a listing reads 1,001 rows
      // (objects 1.5 ms, arrays 0.87, JSON texts parsed 0.67 a page, measured alone).
      listFrom: db.prepare<unknown[], string>(`SELECT json_array(${LISTED_COLUMNS}) FROM objects
        WHERE bucket_name = ? AND object_key >= ? ORDER BY object_key LIMIT ?`).pluck(true),
      listAfter: db.prepare<unknown[], string>(`SELECT json_array(${LISTED_COLUMNS}) FROM objects
        WHERE bucket_name = ? AND object_key > ? ORDER BY object_key LIMIT ?`).pluck(true),
      upsertObject: p(`INSERT INTO objects (bucket_name, object_key, blob_id, size, etag, last_modified, owner_account, content_type, metadata, sse, sse_kms_key_id, tags, checksum,
        storage_class, sse_customer, sse_kms, parts, version_id, object_lock)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, etag = excluded.etag,
        last_modified = excluded.last_modified, owner_account = excluded.owner_account, content_type = excluded.content_type,
        metadata = excluded.metadata, sse = excluded.sse, sse_kms_key_id = excluded.sse_kms_key_id, tags = excluded.tags, checksum = excluded.checksum,
        storage_class = excluded.storage_class, sse_customer = excluded.sse_customer, sse_kms = excluded.sse_kms,
        parts = excluded.parts, version_id = excluded.version_id, object_lock = excluded.object_lock`),
      setTags: p('UPDATE objects SET tags = ? WHERE bucket_name = ? AND object_key = ?'),
      upload: p<UploadRow>('SELECT * FROM multipart_uploads WHERE upload_id = ?'),
      uploads: p<UploadRow>('SELECT * FROM multipart_uploads WHERE bucket_name = ? AND object_key >= ? ORDER BY object_key, initiated_at LIMIT ?'),
      insertUpload: p(`INSERT INTO multipart_uploads (upload_id, bucket_name, object_key, initiator_arn, owner_account, initiated_at, content_type, metadata, sse, sse_kms_key_id, tags,
        storage_class, sse_customer, sse_kms, checksum_algorithm, checksum_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      completedUpload: p<CompletedUploadRow>('SELECT * FROM completed_uploads WHERE upload_id = ?'),
      insertCompleted: p(`INSERT OR REPLACE INTO completed_uploads (upload_id, bucket_name, object_key, etag, sse, sse_kms_key_id, completed_at, version_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      // A retry comes within seconds or minutes of the first answer; a day's worth is plenty.
      pruneCompleted: p('DELETE FROM completed_uploads WHERE completed_at < ?'),
      deleteUpload: p('DELETE FROM multipart_uploads WHERE upload_id = ?'),
      part: p<PartRow>('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number = ?'),
      parts: p<PartRow>('SELECT * FROM multipart_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?'),
      upsertPart: p(`INSERT INTO multipart_parts (upload_id, part_number, blob_id, size, etag, md5, last_modified, iv, checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, etag = excluded.etag, md5 = excluded.md5, last_modified = excluded.last_modified,
        iv = excluded.iv, checksum = excluded.checksum`),
      deleteObject: p('DELETE FROM objects WHERE bucket_name = ? AND object_key = ?'),
      inlineBytes: db.prepare<[string], Buffer>('SELECT bytes FROM inline_blobs WHERE blob_id = ?').pluck(),
      insertInline: p('INSERT INTO inline_blobs (blob_id, bytes) VALUES (?, ?)'),
      deleteInline: p('DELETE FROM inline_blobs WHERE blob_id = ?'),
      referencedFiles: db.prepare<[string, string, string], string>(`SELECT blob_id FROM objects WHERE blob_id NOT LIKE ?
        UNION ALL SELECT blob_id FROM multipart_parts WHERE blob_id NOT LIKE ?
        UNION ALL SELECT blob_id FROM object_versions WHERE blob_id IS NOT NULL AND blob_id NOT LIKE ?`).pluck(),
    };
  }

  /**
   * PutObject's write, committed with the other PUTs of this turn of the event loop: records the object unless its
   * bucket was deleted while the body streamed in, or `guard` throws. Resolves, once committed, with the blob it replaced, for the caller to
   * remove.
   */
  /**
   * Writes an object's row, and its ACL grants (JSON) when the write carries any, in one transaction: the ACL belongs
   * to this version, never to a write that commits between the two.
   */
  recordObject(row: ObjectRow, acl?: string, guard?: (current: ObjectRow | undefined) => void): Promise<{ bucketGone: boolean; previous?: string }> {
    return this.writes.run(() => {
      if (this.s.bucketExists.get(row.bucket_name) === undefined) return { bucketGone: true };
      // A conditional write decides against the object as it is when the write commits (S3's "first to finish wins").
      guard?.(this.s.object.get(row.bucket_name, row.object_key));
      const previous = this.putObject(row);
      if (acl !== undefined) this.s.putObjectAcl.run(row.bucket_name, row.object_key, acl);
      return { bucketGone: false, previous };
    });
  }

  /**
   * A bucket's row (shared: never modify it). Every S3 request looks its bucket up, so rows are cached with the IAM
   * state; inside a transaction the row is read afresh, since a rollback could otherwise leave a cached row behind.
   */
  bucket(name: string): BucketRow | undefined {
    if (this.db.inTransaction) return this.s.bucket.get(name);
    const cache = this.state.stateCache();
    const key = `bucket:${name}`;
    let row = cache.get(key) as BucketRow | null | undefined;
    if (row === undefined) {
      row = this.s.bucket.get(name) ?? null;
      cache.set(key, row);
    }
    return row ?? undefined;
  }
  buckets(accountId: string): BucketRow[] { return this.s.buckets.all(accountId); }
  insertBucket(r: BucketRow): void {
    this.state.invalidate();
    this.s.insertBucket.run(r.bucket_name, r.account_id, r.region, r.policy, r.created_at, r.public_access_block ?? null, r.object_ownership ?? null, r.acl ?? null,
      r.encryption ?? null, r.cors ?? null, r.lifecycle ?? null);
  }
  deleteBucket(name: string): void {
    this.state.invalidate();
    this.s.deleteBucket.run(name);
  }
  setBucketPolicy(name: string, policy: string | null): void {
    this.state.invalidate();
    this.s.setPolicy.run(policy, name);
  }
  setBucketTags(name: string, tags: string | null): void {
    this.state.invalidate();
    this.s.setBucketTags.run(tags, name);
  }
  /** The bucket's default encryption rule (JSON), null for the default SSE-S3. */
  setBucketEncryption(name: string, encryption: string | null): void {
    this.state.invalidate();
    this.s.setBucketEncryption.run(encryption, name);
  }
  /** The bucket's CORS rules (JSON), null for none. */
  setBucketCors(name: string, cors: string | null): void {
    this.state.invalidate();
    this.s.setBucketCors.run(cors, name);
  }
  /** The bucket's lifecycle configuration (JSON), null for none. */
  setBucketLifecycle(name: string, lifecycle: string | null): void {
    this.state.invalidate();
    this.s.setBucketLifecycle.run(lifecycle, name);
  }
  /** A bucket's logging, website or notification configuration (JSON), null for none. */
  setBucketConfig(name: string, kind: 'logging' | 'website' | 'notification', config: string | null): void {
    this.state.invalidate();
    (kind === 'logging' ? this.s.setBucketLogging : kind === 'website' ? this.s.setBucketWebsite : this.s.setBucketNotification).run(config, name);
  }
  /** Buckets with a lifecycle configuration, and what a lifecycle run looks at in one. */
  lifecycleBuckets(): BucketRow[] { return this.s.lifecycleBuckets.all(); }
  lifecycleObjects(bucket: string): LifecycleObject[] { return this.s.lifecycleObjects.all(bucket); }
  lifecycleUploads(bucket: string): UploadRow[] { return this.s.lifecycleUploads.all(bucket); }
  /** A lifecycle transition: the object's storage class changes in place (null: STANDARD). */
  setObjectStorageClass(bucket: string, key: string, storageClass: string | null): void {
    this.state.invalidate();
    this.s.setStorageClass.run(storageClass, bucket, key);
  }
  /** Block Public Access, Object Ownership and the ACL of a bucket, each as stored (see BucketRow). */
  setBucketAccess(name: string, access: { publicAccessBlock: string | null; objectOwnership: string | null; acl: string | null }): void {
    this.state.invalidate();
    this.s.setBucketAccess.run(access.publicAccessBlock, access.objectOwnership, access.acl, name);
  }
  /** The account-level PublicAccessBlockConfiguration (JSON), cached with the IAM state: every public-access check reads it. */
  accountPublicAccessBlock(accountId: string): string | undefined {
    if (this.db.inTransaction) return this.s.accountPublicAccessBlock.get(accountId);
    const cache = this.state.stateCache();
    const key = `account-pab:${accountId}`;
    let config = cache.get(key) as string | null | undefined;
    if (config === undefined) cache.set(key, (config = this.s.accountPublicAccessBlock.get(accountId) ?? null));
    return config ?? undefined;
  }
  setAccountPublicAccessBlock(accountId: string, config: string | null): void {
    this.state.invalidate();
    if (config === null) this.s.deleteAccountPublicAccessBlock.run(accountId);
    else this.s.putAccountPublicAccessBlock.run(accountId, config);
  }
  /** An object's ACL grants (JSON), or undefined for the default. */
  objectAcl(bucket: string, key: string): string | undefined { return this.s.objectAcl.get(bucket, key); }
  setObjectAcl(bucket: string, key: string, acl: string | null): void {
    if (acl === null) this.s.deleteObjectAcl.run(bucket, key);
    else this.s.putObjectAcl.run(bucket, key, acl);
  }
  setUploadAcl(uploadId: string, acl: string | null): void { this.s.setUploadAcl.run(acl, uploadId); }
  setUploadObjectLock(uploadId: string, lock: string): void { this.s.setUploadObjectLock.run(lock, uploadId); }
  /** No object, version or delete marker: what DeleteBucket needs (uploads in progress go with the bucket). */
  bucketIsEmpty(name: string): boolean { return this.s.anyObject.get(name, name) === undefined; }

  object(bucket: string, key: string): ObjectRow | undefined {
    try {
      return this.s.objectJson(bucket, key);
    } catch {
      // A value JSON cannot carry (a BLOB where text was expected, never written by iamlocal): read it as it is.
      return this.s.object.get(bucket, key);
    }
  }
  /** Up to `limit` objects with key >= `from` and key > `after`, in S3 order. */
  listFrom(bucket: string, from: string, after: string, limit: number): ListedObject[] {
    // Keys compare as UTF-8 bytes, as in SQLite's BINARY collation.
    const rows = Buffer.compare(Buffer.from(after), Buffer.from(from)) >= 0 ? this.s.listAfter.all(bucket, after, limit) : this.s.listFrom.all(bucket, from, limit);
    const out: ListedObject[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = JSON.parse(rows[i]!) as ListedRaw;
      out[i] = { object_key: r[0], size: r[1], etag: r[2], last_modified: r[3], owner_account: r[4], storage_class: r[5], checksum: r[6] };
    }
    return out;
  }

  newBlobPath(): { blobId: string; path: string } {
    const blobId = randomUUID();
    return { blobId, path: this.blobPath(blobId) };
  }
  blobPath(blobId: string): string { return join(this.blobDir, blobId); }

  /**
   * The bytes of a small blob, kept in memory once read: a blob never changes after it is stored (a new PUT stores a
   * new blob), so the copy cannot go stale. Throws an ENOENT error, as readFileSync does, when the blob is gone.
   */
  smallBlob(blobId: string): Buffer {
    const cached = this.smallBlobs.get(blobId);
    if (cached) {
      // Most recently used last: eviction takes from the front.
      this.smallBlobs.delete(blobId);
      this.smallBlobs.set(blobId, cached);
      return cached;
    }
    let bytes: Buffer | undefined;
    if (!isInline(blobId)) bytes = readFileSync(this.blobPath(blobId));
    else bytes = this.staged.get(blobId) ?? this.s.inlineBytes.get(blobId);
    if (!bytes) throw blobGone(blobId);
    this.rememberSmallBlob(blobId, bytes);
    return bytes;
  }

  /** Keeps a small blob's bytes in memory (see smallBlob). */
  private rememberSmallBlob(blobId: string, bytes: Buffer): void {
    if (bytes.length > SMALL_BLOB_BYTES || this.smallBlobs.has(blobId)) return;
    this.smallBlobs.set(blobId, bytes);
    this.smallBlobBytes += bytes.length;
    for (const [id, old] of this.smallBlobs) {
      if (this.smallBlobBytes <= SMALL_BLOB_CACHE_BYTES) break;
      this.smallBlobs.delete(id);
      this.smallBlobBytes -= old.length;
    }
  }

  private forget(blobId: string): void {
    const cached = this.smallBlobs.get(blobId);
    if (cached) {
      this.smallBlobs.delete(blobId);
      this.smallBlobBytes -= cached.length;
    }
  }

  /**
   * A new small blob (at most SMALL_BLOB_BYTES) for `bytes`. Nothing is written yet: the putObject or putPart that
   * records it stores the bytes in the same transaction, so a failed PUT leaves nothing behind.
   */
  stageInlineBlob(bytes: Buffer): string {
    const blobId = `${INLINE_PREFIX}${newInlineBlobSuffix()}`;
    this.staged.set(blobId, bytes);
    return blobId;
  }

  /**
   * Inside the transaction that records it (a fixture load): a new small blob, its row written now. Staging a million
   * blobs through the map above made garbage that outlived young-generation collections (+60 MB of heap between full
   * collections, loading 1,000,000 objects); a rollback removes this row with the rest.
   */
  writeInlineBlob(bytes: Buffer): string {
    const blobId = `${INLINE_PREFIX}${newInlineBlobSuffix()}`;
    this.s.insertInline.run(blobId, bytes);
    return blobId;
  }

  /** In a recording transaction: stores the blob's bytes when it is a staged inline blob. */
  private adopt(blobId: string): void {
    const bytes = this.staged.get(blobId);
    if (!bytes) return;
    this.s.insertInline.run(blobId, bytes);
    this.staged.delete(blobId);
  }

  /**
   * In the transaction that stops referencing a blob: an inline blob's row goes with it (returns undefined); a file is
   * returned, for the caller to remove after commit.
   */
  private release(blobId: string | undefined): string | undefined {
    if (blobId === undefined || !isInline(blobId)) return blobId;
    this.s.deleteInline.run(blobId);
    this.forget(blobId);
    return undefined;
  }

  /** A blob's bytes as a stream, whichever way it is stored. */
  blobStream(blobId: string): Readable {
    return isInline(blobId) ? Readable.from([this.smallBlob(blobId)]) : createReadStream(this.blobPath(blobId));
  }

  /** A blob's bytes, whole. */
  blobBytes(blobId: string): Buffer {
    return isInline(blobId) ? this.smallBlob(blobId) : readFileSync(this.blobPath(blobId));
  }

  /** Another blob with the same bytes, for a copy: a staged inline blob, or a hard link to the file. */
  copyBlob(blobId: string): string {
    if (isInline(blobId)) return this.stageInlineBlob(this.smallBlob(blobId));
    const { blobId: copy, path } = this.newBlobPath();
    linkSync(this.blobPath(blobId), path);
    return copy;
  }

  /** The blob files objects and parts of uploads in progress refer to (inline blobs are rows, not files). */
  referencedBlobFiles(): Set<string> {
    return new Set(this.s.referencedFiles.all(`${INLINE_PREFIX}%`, `${INLINE_PREFIX}%`, `${INLINE_PREFIX}%`));
  }

  /**
   * Records a completed blob as the object's content, as the bucket's versioning state says (S3 User Guide, "Using
   * versioning in S3 buckets"): unversioned, it replaces the object; Enabled, it is a new version with a new id and the
   * current one becomes noncurrent; Suspended, it is the null version, replacing any null version there is. Sets
   * `r.version_id`. Returns the blob it replaced, if any, for the caller to remove after commit.
   */
  putObject(r: ObjectRow): string | undefined {
    const versioning = this.s.bucketVersioning.get(r.bucket_name) ?? null;
    this.adopt(r.blob_id);
    let previous: string | undefined;
    if (versioning === null) {
      r.version_id = null;
      previous = this.s.objectBlob.get(r.bucket_name, r.object_key);
    } else {
      const current = this.s.object.get(r.bucket_name, r.object_key);
      r.version_id = versioning === 'Enabled' ? newVersionId() : null;
      if (versioning !== 'Enabled') previous = this.removeNullVersion(r.bucket_name, r.object_key);
      if (current && current.version_id === null && versioning !== 'Enabled') previous = current.blob_id;
      else if (current) this.demote(current);
    }
    this.s.upsertObject.run(r.bucket_name, r.object_key, r.blob_id, r.size, r.etag, r.last_modified, r.owner_account, r.content_type,
      r.metadata, r.sse, r.sse_kms_key_id, r.tags, r.checksum, r.storage_class ?? null, r.sse_customer ?? null, r.sse_kms ?? null, r.parts ?? null,
      r.version_id ?? null, r.object_lock ?? null);
    return this.release(previous);
  }
  /** Removes an object (unversioned buckets); returns its blob's file, if it has one, for the caller to remove after commit. */
  deleteObject(bucket: string, key: string): string | undefined {
    const previous = this.s.objectBlob.get(bucket, key);
    this.s.deleteObject.run(bucket, key);
    return this.release(previous);
  }

  /** The bucket's versioning state as stored now (inside a transaction: as of this transaction). */
  bucketVersioning(bucket: string): string | null { return this.s.bucketVersioning.get(bucket) ?? null; }
  setBucketVersioning(bucket: string, state: string): void {
    this.state.invalidate();
    this.s.setBucketVersioning.run(state, bucket);
  }
  setBucketObjectLock(bucket: string, config: string | null): void {
    this.state.invalidate();
    this.s.setBucketObjectLock.run(config, bucket);
  }

  /**
   * DeleteObject without a version id: unversioned, the object goes; Enabled, a delete marker with a new id becomes the
   * current version; Suspended, a delete marker becomes the null version, replacing any null version (S3 User Guide,
   * "Deleting object versions"). `blob` is a replaced blob's file, for the caller to remove after commit.
   */
  deleteKey(bucket: string, key: string, at: string, owner: string): { blob?: string | undefined; markerVersionId?: string } {
    const versioning = this.s.bucketVersioning.get(bucket) ?? null;
    if (versioning === null) return { blob: this.deleteObject(bucket, key) };
    const current = this.s.object.get(bucket, key);
    let blob: string | undefined;
    if (versioning !== 'Enabled') blob = this.removeNullVersion(bucket, key);
    if (current) {
      if (current.version_id === null && versioning !== 'Enabled') blob = current.blob_id;
      else this.demote(current);
      this.s.deleteObject.run(bucket, key);
    }
    const markerVersionId = versioning === 'Enabled' ? newVersionId() : NULL_VERSION;
    const marker: StoredVersion = {
      bucket_name: bucket, object_key: key, blob_id: '', size: 0, etag: '', last_modified: at, owner_account: owner, content_type: null, metadata: null,
      sse: null, sse_kms_key_id: null, tags: null, checksum: null, version_id: markerVersionId === NULL_VERSION ? null : markerVersionId,
    };
    this.s.insertVersion.run(bucket, key, this.nextSeq(bucket, key), markerVersionId, 1, null, JSON.stringify(marker));
    return { blob: this.release(blob), markerVersionId };
  }

  /**
   * DeleteObject with a version id: that version (or delete marker) goes for good, and the newest remaining version
   * becomes current. undefined when there is no such version.
   */
  deleteVersion(bucket: string, key: string, versionId: string): { blob?: string | undefined; deleteMarker: boolean } | undefined {
    const current = this.s.object.get(bucket, key);
    if (current && (current.version_id ?? NULL_VERSION) === versionId) {
      this.s.deleteObject.run(bucket, key);
      const blob = this.release(current.blob_id);
      this.promote(bucket, key);
      return { blob, deleteMarker: false };
    }
    const v = this.s.versionById.get(bucket, key, versionId);
    if (!v) return undefined;
    this.s.deleteVersionRow.run(bucket, key, v.seq);
    const blob = v.blob_id ? this.release(v.blob_id) : undefined;
    if (!current) this.promote(bucket, key);
    return { blob, deleteMarker: v.delete_marker === 1 };
  }

  /**
   * Fixtures and state restore: a version exactly as declared, its version id kept (`row.version_id`, null for the
   * null version). `current`: the listable object; otherwise a noncurrent version or delete marker, older than the
   * key's versions loaded so far (they are declared newest first).
   */
  loadVersion(row: ObjectRow, how: { current: boolean; deleteMarker: boolean; acl: string | null }): void {
    if (!how.deleteMarker) this.adopt(row.blob_id);
    if (how.current) {
      this.s.upsertObject.run(row.bucket_name, row.object_key, row.blob_id, row.size, row.etag, row.last_modified, row.owner_account, row.content_type,
        row.metadata, row.sse, row.sse_kms_key_id, row.tags, row.checksum, row.storage_class ?? null, row.sse_customer ?? null, row.sse_kms ?? null,
        row.parts ?? null, row.version_id ?? null, row.object_lock ?? null);
      return;
    }
    const stored: StoredVersion = { ...row, acl: how.acl };
    this.s.insertVersion.run(row.bucket_name, row.object_key, (this.s.maxSeq.get(row.bucket_name, row.object_key) ?? 0) + 1,
      row.version_id ?? NULL_VERSION, how.deleteMarker ? 1 : 0, how.deleteMarker ? null : row.blob_id, JSON.stringify(stored));
  }

  /** One version of a key by its id ("null" for the null version), current or not. */
  version(bucket: string, key: string, versionId: string): ObjectVersion | undefined {
    const current = this.s.object.get(bucket, key);
    if (current && (current.version_id ?? NULL_VERSION) === versionId) return this.currentVersion(current);
    const v = this.s.versionById.get(bucket, key, versionId);
    if (!v) return undefined;
    return this.versionOf(v, !current && this.s.newestVersion.get(bucket, key)?.seq === v.seq);
  }
  /** The current delete marker of a key whose latest version is one; undefined otherwise. */
  currentDeleteMarker(bucket: string, key: string): ObjectVersion | undefined {
    if (this.s.objectBlob.get(bucket, key) !== undefined) return undefined;
    const newest = this.s.newestVersion.get(bucket, key);
    return newest && newest.delete_marker === 1 ? this.versionOf(newest, true) : undefined;
  }
  /** All versions of one key, newest first. */
  keyVersions(bucket: string, key: string): ObjectVersion[] {
    const current = this.s.object.get(bucket, key);
    const rest = this.s.keyVersions.all(bucket, key).map((v, i) => this.versionOf(v, !current && i === 0));
    return current ? [this.currentVersion(current), ...rest] : rest;
  }
  /** The first key with any version at or after (`inclusive`) or after `from`. */
  nextVersionKey(bucket: string, from: string, inclusive: boolean): string | undefined {
    return (inclusive ? this.s.versionKeyFrom : this.s.versionKeyAfter).get(bucket, from, bucket, from) ?? undefined;
  }
  /** Noncurrent versions and delete markers of a bucket, by key, newest first: what a lifecycle run looks at. */
  lifecycleVersions(bucket: string): ObjectVersion[] {
    return this.s.lifecycleVersions.all(bucket).map((v) => this.versionOf(v, false));
  }

  /**
   * Changes a version's tags, ACL or retention/legal hold (undefined: unchanged) wherever the version is kept.
   * false when there is no such version (or it is a delete marker).
   */
  updateVersion(bucket: string, key: string, versionId: string,
    change: { tags?: string | null; acl?: string | null; objectLock?: string | null; storageClass?: string | null }): boolean {
    const current = this.s.object.get(bucket, key);
    if (current && (current.version_id ?? NULL_VERSION) === versionId) {
      if (change.tags !== undefined) this.s.setTags.run(change.tags, bucket, key);
      if (change.acl !== undefined) this.setObjectAcl(bucket, key, change.acl);
      if (change.objectLock !== undefined) this.s.setObjectLock.run(change.objectLock, bucket, key);
      if (change.storageClass !== undefined) this.s.setStorageClass.run(change.storageClass, bucket, key);
      return true;
    }
    const v = this.s.versionById.get(bucket, key, versionId);
    if (!v || v.delete_marker === 1) return false;
    const stored = JSON.parse(v.row) as StoredVersion;
    if (change.tags !== undefined) stored.tags = change.tags;
    if (change.acl !== undefined) stored.acl = change.acl;
    if (change.objectLock !== undefined) stored.object_lock = change.objectLock;
    if (change.storageClass !== undefined) stored.storage_class = change.storageClass;
    this.s.setVersionRow.run(JSON.stringify(stored), bucket, key, v.seq);
    return true;
  }

  private currentVersion(row: ObjectRow): ObjectVersion {
    return { row, versionId: row.version_id ?? NULL_VERSION, deleteMarker: false, isLatest: true, acl: this.s.objectAcl.get(row.bucket_name, row.object_key) };
  }
  private versionOf(v: VersionDbRow, isLatest: boolean): ObjectVersion {
    const { acl, ...row } = JSON.parse(v.row) as StoredVersion;
    return { row, versionId: v.version_id, deleteMarker: v.delete_marker === 1, isLatest, acl: acl ?? undefined };
  }
  /** A key's versions are numbered downwards: the newest has the smallest seq. */
  private nextSeq(bucket: string, key: string): number { return (this.s.minSeq.get(bucket, key) ?? 0) - 1; }
  /** Keeps the current version (and its ACL) as the newest noncurrent one; the caller replaces or deletes the current row. */
  private demote(current: ObjectRow): void {
    const stored: StoredVersion = { ...current, acl: this.s.objectAcl.get(current.bucket_name, current.object_key) ?? null };
    this.s.insertVersion.run(current.bucket_name, current.object_key, this.nextSeq(current.bucket_name, current.object_key),
      current.version_id ?? NULL_VERSION, 0, current.blob_id, JSON.stringify(stored));
  }
  /** Removes a noncurrent null version or null delete marker; returns its blob, as release does. */
  private removeNullVersion(bucket: string, key: string): string | undefined {
    const v = this.s.versionById.get(bucket, key, NULL_VERSION);
    if (!v) return undefined;
    this.s.deleteVersionRow.run(bucket, key, v.seq);
    return v.blob_id ? this.release(v.blob_id) : undefined;
  }
  /** With no current object row, the newest remaining version becomes current (a newest delete marker stays where it is). */
  private promote(bucket: string, key: string): void {
    const newest = this.s.newestVersion.get(bucket, key);
    if (!newest || newest.delete_marker === 1) return;
    const { acl, ...r } = JSON.parse(newest.row) as StoredVersion;
    this.s.deleteVersionRow.run(bucket, key, newest.seq);
    this.s.upsertObject.run(r.bucket_name, r.object_key, r.blob_id, r.size, r.etag, r.last_modified, r.owner_account, r.content_type,
      r.metadata, r.sse, r.sse_kms_key_id, r.tags, r.checksum, r.storage_class ?? null, r.sse_customer ?? null, r.sse_kms ?? null, r.parts ?? null,
      r.version_id ?? null, r.object_lock ?? null);
    if (acl) this.s.putObjectAcl.run(bucket, key, acl);
  }

  setObjectTags(bucket: string, key: string, tags: string | null): void { this.s.setTags.run(tags, bucket, key); }

  upload(id: string): UploadRow | undefined { return this.s.upload.get(id); }
  uploads(bucket: string, fromKey: string, limit: number): UploadRow[] { return this.s.uploads.all(bucket, fromKey, limit); }
  insertUpload(r: UploadRow): void {
    this.s.insertUpload.run(r.upload_id, r.bucket_name, r.object_key, r.initiator_arn, r.owner_account, r.initiated_at, r.content_type, r.metadata, r.sse, r.sse_kms_key_id, r.tags,
      r.storage_class ?? null, r.sse_customer ?? null, r.sse_kms ?? null, r.checksum_algorithm ?? null, r.checksum_type ?? null);
  }
  completedUpload(id: string): CompletedUploadRow | undefined { return this.s.completedUpload.get(id); }
  /** In CompleteMultipartUpload's transaction: remembers the answer for retries, forgetting those older than a day. */
  recordCompleted(r: CompletedUploadRow): void {
    this.s.pruneCompleted.run(new Date(Date.parse(r.completed_at) - 86_400_000).toISOString());
    this.s.insertCompleted.run(r.upload_id, r.bucket_name, r.object_key, r.etag, r.sse, r.sse_kms_key_id, r.completed_at, r.version_id ?? null);
  }
  /** Removes an upload and returns its parts' blobs for the caller to delete after commit. */
  deleteUpload(id: string): string[] {
    const blobs = this.s.parts.all(id, 0, 100000).map((p) => p.blob_id);
    this.s.deleteUpload.run(id);
    return blobs.flatMap((blob) => this.release(blob) ?? []);
  }
  part(id: string, n: number): PartRow | undefined { return this.s.part.get(id, n); }
  parts(id: string, after: number, limit: number): PartRow[] { return this.s.parts.all(id, after, limit); }
  /** Records a part; returns the blob of the part it replaced. */
  putPart(r: PartRow): string | undefined {
    const previous = this.part(r.upload_id, r.part_number)?.blob_id;
    this.adopt(r.blob_id);
    this.s.upsertPart.run(r.upload_id, r.part_number, r.blob_id, r.size, r.etag, r.md5, r.last_modified, r.iv ?? null, r.checksum ?? null);
    return this.release(previous);
  }

  /**
   * Removes a blob nothing references (any more, or ever: a PUT that failed before its row was written). Recording
   * methods already remove replaced inline blobs in their own transaction; this is for files and for blobs staged but
   * never recorded.
   */
  removeBlob(blobId: string | undefined): void {
    if (!blobId) return;
    this.forget(blobId);
    if (isInline(blobId)) {
      if (!this.staged.delete(blobId)) this.s.deleteInline.run(blobId);
      return;
    }
    try {
      unlinkSync(this.blobPath(blobId));
    } catch {
      // Already gone: nothing references it any more, so there is nothing to repair.
    }
  }

  close(): void {
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }
}
