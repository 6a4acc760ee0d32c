import { randomBytes } from 'node:crypto';

/** Draws up to this size come from the pool; larger ones straight from randomBytes. */
const MAX_POOLED = 256;
let pool = Buffer.alloc(0);

/**
 * Cryptographically strong random bytes (the same CSPRNG as randomBytes) cut from a pool refilled 8 KiB at a time:
 * a 1 KiB SSE-S3 PutObject draws a data key and two IVs, and randomBytes' own cost per call was more than its bytes'.
 * Every draw is a fresh copy of bytes never handed out before.
 */
export function pooledRandomBytes(n: number): Buffer {
  if (n > MAX_POOLED) return randomBytes(n);
  if (pool.length < n) pool = randomBytes(8192);
  const out = Buffer.allocUnsafe(n);
  pool.copy(out, 0, 0, n);
  pool = pool.subarray(n);
  return out;
}
