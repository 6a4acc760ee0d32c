import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from '../kms/random.ts';
import type { Db } from './db.ts';

/**
 * SSE-S3 at rest: the server's key (one per database, made by migration 025) wraps each object's data key with
 * AES-256-GCM. Objects stored before it, or loaded in the clear from fixtures, carry no wrapped key and stay readable.
 */

const keys = new WeakMap<Db, Buffer>();

function masterKey(db: Db): Buffer {
  let key = keys.get(db);
  if (!key) {
    key = db.prepare<[], Buffer>('SELECT key FROM s3_sse_master_key WHERE id = 1').pluck().get();
    if (!key || key.length !== 32) throw new Error('the SSE-S3 key of this database is missing');
    keys.set(db, key);
  }
  return key;
}

/** A data key wrapped under the server's key: base64 of IV (12 bytes), GCM tag (16) and ciphertext. */
export function wrapDataKey(db: Db, dataKey: Buffer): string {
  const iv = pooledRandomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey(db), iv);
  const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
}

export function unwrapDataKey(db: Db, wrapped: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', masterKey(db), bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
}

/** The plaintext of a whole SSE-S3 blob: each segment (part) AES-256-CTR under the data key from its own IV. */
export function decryptSseS3(db: Db, wrapped: string, segments: readonly { size: number; iv: string }[], stored: Buffer): Buffer {
  const dataKey = unwrapDataKey(db, wrapped);
  const out: Buffer[] = [];
  let at = 0;
  for (const segment of segments) {
    const decipher = createDecipheriv('aes-256-ctr', dataKey, Buffer.from(segment.iv, 'base64'));
    out.push(decipher.update(stored.subarray(at, at + segment.size)), decipher.final());
    at += segment.size;
  }
  return Buffer.concat(out);
}
