import { randomBytes } from 'node:crypto';
import { pooledRandomBytes } from '../kms/random.ts';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An AWS-style unique id: a 4-letter prefix (AIDA, AROA, ANPA, AKIA, ASIA) and 16 base32 characters. */
export function awsId(prefix: 'AIDA' | 'AROA' | 'ANPA' | 'AKIA' | 'ASIA' | 'AGPA' | 'AIPA', length = 16): string {
  // Pooled bytes: one randomInt call per character was ~5% of loading a world of 1,000 entities. A byte's low 5 bits
  // are uniform over the 32 characters (256 is a multiple of 32).
  const bytes = pooledRandomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += BASE32[bytes[i]! & 31];
  return out;
}

/** A 40-character secret access key, like the ones AWS issues. */
export function secretAccessKey(): string {
  // Pooled: AssumeRole draws a secret and a token each call (randomBytes' per-call cost was 5% of an AssumeRole).
  return pooledRandomBytes(30).toString('base64').replace(/\+/g, 'x').replace(/\//g, 'Y').slice(0, 40);
}

export function sessionToken(): string {
  return 'IQoJb3JpZ2luX2Vj' + pooledRandomBytes(192).toString('base64');
}

/** 64 hex characters, the shape of an S3 canonical user id. */
export function canonicalUserId(): string {
  return randomBytes(32).toString('hex');
}

/** IAM's timestamp format (second precision): 2016-08-13T16:31:08Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
