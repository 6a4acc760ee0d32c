// RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second steps, 6 digits), as virtual MFA devices compute them.
import { createHmac, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const TOTP_STEP_SECONDS = 30;

/** RFC 4648 base32 (no padding), the form of Base32StringSeed. */
export function base32Encode(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').replace(/\s+/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of clean) {
    const index = ALPHABET.indexOf(c);
    if (index < 0) throw new Error(`not a base32 character: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new virtual MFA seed: 40 random bytes, base32 (64 characters, like AWS's). */
export function newTotpSeed(): string {
  return base32Encode(randomBytes(40));
}

/** The time step (RFC 6238 T) a moment falls in. */
export function totpStep(time: Date | number): number {
  const ms = typeof time === 'number' ? time : time.getTime();
  return Math.floor(ms / 1000 / TOTP_STEP_SECONDS);
}

/** The 6-digit code of one time step. */
export function totpAtStep(seedBase32: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = createHmac('sha1', base32Decode(seedBase32)).update(counter).digest();
  const offset = hmac[hmac.length - 1]! & 0x0f;
  const binary = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(binary).padStart(6, '0');
}

/** The code an authenticator app shows at `time` (a Date or epoch milliseconds) for a base32 seed. */
export function totp(seedBase32: string, time: Date | number = Date.now()): string {
  return totpAtStep(seedBase32, totpStep(time));
}
