// RFC 6238 codes (the RFC's SHA-1 test vectors, truncated to 6 digits as authenticator apps show them) and the QR
// code PNG of CreateVirtualMFADevice (decoded with zbarimg where it is installed).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { qrCodePng, qrMatrix } from '../src/auth/qr-png.ts';
import { base32Decode, base32Encode, newTotpSeed, totp } from '../src/auth/totp.ts';

const RFC_SEED = base32Encode(Buffer.from('12345678901234567890'));

test('totp matches the RFC 6238 SHA-1 vectors', () => {
  const vectors: [number, string][] = [[59, '94287082'], [1111111109, '07081804'], [1111111111, '14050471'], [1234567890, '89005924'], [2000000000, '69279037']];
  for (const [seconds, code] of vectors) assert.equal(totp(RFC_SEED, seconds * 1000), code.slice(-6), `T=${seconds}`);
});

test('base32 round-trips and new seeds look like AWS seeds', () => {
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
  assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
  assert.match(newTotpSeed(), /^[A-Z2-7]{64}$/);
});

test('QR codes: sizes grow with the text, PNGs are well formed, and zbarimg reads them back', () => {
  assert.equal(qrMatrix('x').length, 21);
  assert.equal(qrMatrix('a'.repeat(640)).length, 20 * 4 + 17);
  assert.throws(() => qrMatrix('a'.repeat(700)));
  const png = qrCodePng('otpauth://totp/test');
  assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  const width = png.readUInt32BE(16);
  const idat = png.indexOf('IDAT');
  const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
  assert.equal(raw.length, (width + 1) * width);
  if (spawnSync('zbarimg', ['--version']).status !== 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-qr-'));
  const alphabet = 'otpauth://totp/Amazon%20Web%20Services%3Adevice%40123456789012?secret=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  for (const length of [10, 30, 60, 90, 130, 170, 210, 250, 290, 330, 380, 430, 480, 530, 590, 640]) {
    const text = alphabet.repeat(10).slice(0, length);
    const file = join(dir, `qr-${length}.png`);
    writeFileSync(file, qrCodePng(text));
    assert.equal(execFileSync('zbarimg', ['-q', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().replace(/\n$/, ''), text, `length ${length}`);
  }
});
