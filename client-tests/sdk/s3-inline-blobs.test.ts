// Small object bodies (≤ 64 KiB) are stored in SQLite with the object's row; larger ones are files. Through SDK v3:
// every body reads back byte for byte, also from a restarted server whose memory cache is cold, and the storage never
// keeps a body that no object or part references (overwrite, delete, copy, multipart, abort).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';

const SMALL = 64 * 1024;

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** What the database and blob directory hold, read from the files. */
function storage(db: string): { objects: number; parts: number; inline: number; files: number; unreferencedInline: number } {
  const conn = new Database(db, { readonly: true });
  try {
    const count = (sql: string): number => conn.prepare<[], number>(sql).pluck().get()!;
    return {
      objects: count('SELECT count(*) FROM objects'),
      parts: count('SELECT count(*) FROM multipart_parts'),
      inline: count('SELECT count(*) FROM inline_blobs'),
      unreferencedInline: count(`SELECT count(*) FROM inline_blobs WHERE blob_id NOT IN (SELECT blob_id FROM objects UNION SELECT blob_id FROM multipart_parts)`),
      files: readdirSync(`${db}.blobs`).length,
    };
  } finally {
    conn.close();
  }
}

/** A server on `db` for the length of `use`, with an S3 client for the root user. */
async function withS3(db: string, use: (s3: S3Client, local: Iamlocal) => Promise<void>): Promise<void> {
  const local = await startIamlocal({ db });
  const s3 = new S3Client({ ...local.clientConfig(), forcePathStyle: true });
  try {
    await use(s3, local);
  } finally {
    s3.destroy();
    await local.stop();
  }
}

test('inline blobs: bodies up to 64 KiB in SQLite, larger in files; nothing unreferenced is kept; reads survive a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-inline-'));
  const db = join(dir, 'state.sqlite');
  const body = async (s3: S3Client, key: string): Promise<Buffer> => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'inline-bucket', Key: key }))).Body!.transformToByteArray());
  const expected = new Map<string, Buffer>();
  try {
    await withS3(db, async (s3) => {
      await s3.send(new CreateBucketCommand({ Bucket: 'inline-bucket' }));
      // The boundary: 64 KiB exactly is inline, one byte more is a file; an empty body is inline too.
      for (const [key, size] of [['empty', 0], ['one-k', 1024], ['at-limit', SMALL], ['over-limit', SMALL + 1]] as const) {
        expected.set(key, bytes(size, key.length));
        await s3.send(new PutObjectCommand({ Bucket: 'inline-bucket', Key: key, Body: expected.get(key) }));
      }
      assert.deepEqual(storage(db), { objects: 4, parts: 0, inline: 3, files: 1, unreferencedInline: 0 });
      // Overwrites and deletes drop the replaced bodies in the same transaction.
      for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: 'inline-bucket', Key: 'one-k', Body: expected.set('one-k', bytes(1024, i)).get('one-k') }));
      await s3.send(new DeleteObjectCommand({ Bucket: 'inline-bucket', Key: 'empty' }));
      expected.delete('empty');
      assert.deepEqual(storage(db), { objects: 3, parts: 0, inline: 2, files: 1, unreferencedInline: 0 });
      // A copy of a small object is a second inline body; a part copied from one is one too.
      await s3.send(new CopyObjectCommand({ Bucket: 'inline-bucket', Key: 'copy', CopySource: 'inline-bucket/one-k' }));
      expected.set('copy', expected.get('one-k')!);
      const big = bytes(5 * 1024 * 1024, 7);
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'inline-bucket', Key: 'multi' }));
      const p1 = await s3.send(new UploadPartCommand({ Bucket: 'inline-bucket', Key: 'multi', UploadId, PartNumber: 1, Body: big }));
      const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'inline-bucket', Key: 'multi', UploadId, PartNumber: 2, CopySource: 'inline-bucket/at-limit', CopySourceRange: 'bytes=0-99' }));
      assert.deepEqual(storage(db), { objects: 4, parts: 2, inline: 4, files: 2, unreferencedInline: 0 });
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'inline-bucket', Key: 'multi', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.CopyPartResult!.ETag }] } }));
      expected.set('multi', Buffer.concat([big, expected.get('at-limit')!.subarray(0, 100)]));
      assert.deepEqual(storage(db), { objects: 5, parts: 0, inline: 3, files: 2, unreferencedInline: 0 });
      // An aborted upload leaves nothing either.
      const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'inline-bucket', Key: 'gone' }));
      await s3.send(new UploadPartCommand({ Bucket: 'inline-bucket', Key: 'gone', UploadId: aborted.UploadId, PartNumber: 1, Body: bytes(10, 1) }));
      await s3.send(new AbortMultipartUploadCommand({ Bucket: 'inline-bucket', Key: 'gone', UploadId: aborted.UploadId }));
      assert.deepEqual(storage(db), { objects: 5, parts: 0, inline: 3, files: 2, unreferencedInline: 0 });
      for (const [key, want] of expected) assert.ok((await body(s3, key)).equals(want), key);
    });
    // A new process has nothing cached: small bodies come from SQLite, ranges of them too.
    await withS3(db, async (s3, local) => {
      for (const [key, want] of expected) assert.ok((await body(s3, key)).equals(want), key);
      const ranged = await s3.send(new GetObjectCommand({ Bucket: 'inline-bucket', Key: 'at-limit', Range: 'bytes=10-19' }));
      assert.ok(Buffer.from(await ranged.Body!.transformToByteArray()).equals(expected.get('at-limit')!.subarray(10, 20)));
      const snapshot = await fetch(`${local.endpoint}/_iamlocal/snapshots/before`, { method: 'POST' });
      assert.equal(snapshot.status, 200, await snapshot.text());
      await s3.send(new DeleteObjectCommand({ Bucket: 'inline-bucket', Key: 'one-k' }));
      const restored = await fetch(`${local.endpoint}/_iamlocal/snapshots/before/restore`, { method: 'POST' });
      assert.equal(restored.status, 200, await restored.text());
      assert.ok((await body(s3, 'one-k')).equals(expected.get('one-k')!), 'restored from the snapshot');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart keeps the parts of an upload in progress (only unreferenced blob files are collected)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-parts-'));
  const db = join(dir, 'state.sqlite');
  const first = bytes(5 * 1024 * 1024, 3);
  const last = bytes(100 * 1024, 4);
  try {
    let uploadId = '';
    let p1 = '';
    await withS3(db, async (s3) => {
      await s3.send(new CreateBucketCommand({ Bucket: 'parts-bucket' }));
      uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'parts-bucket', Key: 'k' }))).UploadId!;
      p1 = (await s3.send(new UploadPartCommand({ Bucket: 'parts-bucket', Key: 'k', UploadId: uploadId, PartNumber: 1, Body: first }))).ETag!;
    });
    await withS3(db, async (s3) => {
      const p2 = (await s3.send(new UploadPartCommand({ Bucket: 'parts-bucket', Key: 'k', UploadId: uploadId, PartNumber: 2, Body: last }))).ETag!;
      await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'parts-bucket', Key: 'k', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1 }, { PartNumber: 2, ETag: p2 }] } }));
      const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'parts-bucket', Key: 'k' }))).Body!.transformToByteArray());
      assert.ok(got.equals(Buffer.concat([first, last])));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent PUTs commit as a group: each answers as if alone, each key holds a body written to it, nothing unreferenced is kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-group-'));
  const db = join(dir, 'state.sqlite');
  try {
    await withS3(db, async (s3) => {
      await s3.send(new CreateBucketCommand({ Bucket: 'group-bucket' }));
      const puts = Array.from({ length: 40 }, (_, i) => {
        // Every fifth PUT goes to a bucket that does not exist; the others share eight keys.
        const bucket = i % 5 === 4 ? 'no-such-group-bucket' : 'group-bucket';
        return s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i % 8}`, Body: bytes(i % 3 === 0 ? SMALL + 1 : 1024, i) }));
      });
      const outcomes = await Promise.allSettled(puts);
      outcomes.forEach((o, i) => {
        if (i % 5 === 4) assert.equal(o.status === 'rejected' && (o.reason as Error).name, 'NoSuchBucket', `PUT ${i}`);
        else assert.equal(o.status, 'fulfilled', `PUT ${i}`);
      });
      // Each key holds one of the bodies PUT to it whose ETag was returned, and nothing else is kept.
      for (let k = 0; k < 8; k++) {
        const got = await s3.send(new HeadObjectCommand({ Bucket: 'group-bucket', Key: `k${k}` }));
        const written = outcomes.flatMap((o, i) => (o.status === 'fulfilled' && i % 8 === k ? [o.value.ETag] : []));
        assert.ok(written.includes(got.ETag), `k${k}`);
      }
      const stored = storage(db);
      assert.equal(stored.objects, 8);
      assert.equal(stored.unreferencedInline, 0);
      assert.equal(stored.inline + stored.files, 8);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
