/**
 * KMS's cryptography on node:crypto: key material, ciphertext blobs, signatures, MACs. Pure (no HTTP, no SQLite), so
 * that both the KMS service and the fixture loader use it.
 */
import {
  createCipheriv, createDecipheriv, createECDH, createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync,
  privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt, randomBytes, sign, timingSafeEqual, verify, constants, type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export const SYMMETRIC = 'SYMMETRIC_DEFAULT';
const RSA_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const EC_CURVES: Record<string, string> = { ECC_NIST_P256: 'prime256v1', ECC_NIST_P384: 'secp384r1', ECC_NIST_P521: 'secp521r1', ECC_SECG_P256K1: 'secp256k1' };
const HMAC_BYTES: Record<string, number> = { HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };

/** Which key specs each key usage accepts (AWS's "Key spec reference"). */
export function specAllowsUsage(spec: string, usage: string): boolean {
  if (spec === SYMMETRIC) return usage === 'ENCRYPT_DECRYPT';
  if (spec in RSA_BITS) return usage === 'ENCRYPT_DECRYPT' || usage === 'SIGN_VERIFY';
  if (spec in EC_CURVES) return usage === 'SIGN_VERIFY';
  if (spec in HMAC_BYTES) return usage === 'GENERATE_VERIFY_MAC';
  return false;
}

export const isSupportedSpec = (spec: string): boolean => spec === SYMMETRIC || spec in RSA_BITS || spec in EC_CURVES || spec in HMAC_BYTES;
export const isAsymmetric = (spec: string): boolean => spec in RSA_BITS || spec in EC_CURVES;
export const isHmac = (spec: string): boolean => spec in HMAC_BYTES;

/** New key material: 32 random bytes (AES-256), HMAC key bytes, or a PKCS#8 DER private key. */
export async function newMaterial(spec: string): Promise<Buffer> {
  if (spec === SYMMETRIC) return randomBytes(32);
  const hmacBytes = HMAC_BYTES[spec];
  if (hmacBytes) return randomBytes(hmacBytes);
  const bits = RSA_BITS[spec];
  const pair = bits
    ? await generateKeyPairAsync('rsa', { modulusLength: bits })
    : await generateKeyPairAsync('ec', { namedCurve: EC_CURVES[spec] ?? 'prime256v1' });
  return pair.privateKey.export({ format: 'der', type: 'pkcs8' });
}

/** newMaterial, synchronously: for fixtures, which load in one transaction. */
export function newMaterialSync(spec: string): Buffer {
  if (spec === SYMMETRIC) return randomBytes(32);
  const hmacBytes = HMAC_BYTES[spec];
  if (hmacBytes) return randomBytes(hmacBytes);
  const bits = RSA_BITS[spec];
  const pair = bits ? generateKeyPairSync('rsa', { modulusLength: bits }) : generateKeyPairSync('ec', { namedCurve: EC_CURVES[spec] ?? 'prime256v1' });
  return pair.privateKey.export({ format: 'der', type: 'pkcs8' });
}

/** The default key policy AWS gives a key created without one: the account may use IAM policies to grant access. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17', Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  }, null, 2);
}

/** Whether fixture-supplied material fits the spec. */
export function materialFits(spec: string, material: Buffer): boolean {
  if (spec === SYMMETRIC) return material.length === 32;
  const hmacBytes = HMAC_BYTES[spec];
  if (hmacBytes) return material.length === hmacBytes;
  try {
    const key = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    const details = key.asymmetricKeyDetails;
    if (spec in RSA_BITS) return key.asymmetricKeyType === 'rsa' && details?.modulusLength === RSA_BITS[spec];
    return key.asymmetricKeyType === 'ec' && details?.namedCurve === EC_CURVES[spec];
  } catch {
    return false;
  }
}

export function privateKeyOf(material: Buffer): KeyObject {
  return createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
}

/** The SubjectPublicKeyInfo DER that GetPublicKey returns. */
export function publicKeyDer(material: Buffer): Buffer {
  return createPublicKey(privateKeyOf(material)).export({ format: 'der', type: 'spki' });
}

export function encryptionAlgorithmsOf(spec: string): string[] | undefined {
  if (spec === SYMMETRIC) return ['SYMMETRIC_DEFAULT'];
  if (spec in RSA_BITS) return ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
  return undefined;
}

export function signingAlgorithmsOf(spec: string): string[] | undefined {
  if (spec in RSA_BITS) {
    return ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'];
  }
  if (spec === 'ECC_NIST_P256' || spec === 'ECC_SECG_P256K1') return ['ECDSA_SHA_256'];
  if (spec === 'ECC_NIST_P384') return ['ECDSA_SHA_384'];
  if (spec === 'ECC_NIST_P521') return ['ECDSA_SHA_512'];
  return undefined;
}

export function macAlgorithmsOf(spec: string): string[] | undefined {
  const bytes = HMAC_BYTES[spec];
  return bytes ? [`HMAC_SHA_${bytes * 8}`] : undefined;
}

// ---- Symmetric ciphertext blobs ----

/**
 * Format of a symmetric ciphertext blob (ours, not AWS's, which is undocumented): magic 0x01 0x4b, the 36-character
 * key id, the key material version (uint32 BE), a 12-byte IV, the 16-byte GCM tag, then the ciphertext. The header
 * and the canonical encryption context are the GCM additional data, so a changed header or context fails to decrypt.
 */
const MAGIC = Buffer.from([0x01, 0x4b]);
const KEY_ID_BYTES = 36;
const HEADER_BYTES = MAGIC.length + KEY_ID_BYTES + 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Encryption context as AAD: keys sorted, so the order a client sends them in does not matter (as in AWS). */
function contextAad(context: Record<string, string>): Buffer {
  const sorted = Object.keys(context).sort().map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify(sorted), 'utf8');
}

export function sealSymmetric(keyId: string, version: number, material: Buffer, plaintext: Buffer, context: Record<string, string>): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.write(keyId, MAGIC.length, KEY_ID_BYTES, 'latin1');
  header.writeUInt32BE(version, MAGIC.length + KEY_ID_BYTES);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(Buffer.concat([header, contextAad(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

export interface SymmetricBlob { keyId: string; version: number }

/** The key id and material version a blob names, or undefined when it is not one of ours. */
export function parseSymmetricBlob(blob: Buffer): SymmetricBlob | undefined {
  if (blob.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || !blob.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const keyId = blob.toString('latin1', MAGIC.length, MAGIC.length + KEY_ID_BYTES);
  if (!/^[0-9a-f-]{36}$/.test(keyId)) return undefined;
  return { keyId, version: blob.readUInt32BE(MAGIC.length + KEY_ID_BYTES) };
}

/** The plaintext, or undefined when the blob or the encryption context does not authenticate. */
export function openSymmetric(blob: Buffer, material: Buffer, context: Record<string, string>): Buffer | undefined {
  const header = blob.subarray(0, HEADER_BYTES);
  const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = blob.subarray(HEADER_BYTES + IV_BYTES, HEADER_BYTES + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, iv);
    decipher.setAAD(Buffer.concat([header, contextAad(context)]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

// ---- RSA encryption ----

const oaepHash = (algorithm: string): string => (algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256');

export function rsaEncrypt(material: Buffer, algorithm: string, plaintext: Buffer): Buffer {
  return publicEncrypt({ key: createPublicKey(privateKeyOf(material)), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(algorithm) }, plaintext);
}

/** Largest plaintext RSA-OAEP takes with this key and hash (AWS's limits: 214/190 bytes for RSA_2048, and so on). */
export function rsaMaxPlaintext(material: Buffer, algorithm: string): number {
  const bits = privateKeyOf(material).asymmetricKeyDetails?.modulusLength ?? 2048;
  const hashBytes = algorithm === 'RSAES_OAEP_SHA_1' ? 20 : 32;
  return bits / 8 - 2 * hashBytes - 2;
}

export function rsaDecrypt(material: Buffer, algorithm: string, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: privateKeyOf(material), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(algorithm) }, ciphertext);
  } catch {
    return undefined;
  }
}

// ---- Signatures ----

function signingParameters(algorithm: string): { hash: string; padding?: number; saltLength?: number } {
  const hash = `sha${algorithm.slice(-3)}`;
  if (algorithm.startsWith('RSASSA_PSS')) return { hash, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(algorithm.slice(-3)) / 8 };
  if (algorithm.startsWith('RSASSA_PKCS1')) return { hash, padding: constants.RSA_PKCS1_PADDING };
  return { hash };
}

/** Signs the message (RAW) with the algorithm's hash; ECDSA signatures are DER, as AWS returns them. */
export function signMessage(material: Buffer, algorithm: string, message: Buffer): Buffer {
  const p = signingParameters(algorithm);
  const key = privateKeyOf(material);
  return sign(p.hash, message, p.padding === undefined ? key : { key, padding: p.padding, saltLength: p.saltLength });
}

export function verifyMessage(material: Buffer, algorithm: string, message: Buffer, signature: Buffer): boolean {
  const p = signingParameters(algorithm);
  const key = createPublicKey(privateKeyOf(material));
  try {
    return verify(p.hash, message, p.padding === undefined ? key : { key, padding: p.padding, saltLength: p.saltLength }, signature);
  } catch {
    return false;
  }
}

/** The digest length a DIGEST message must have for the algorithm. */
export const digestBytes = (algorithm: string): number => Number(algorithm.slice(-3)) / 8;

// ---- Signatures over a digest (MessageType DIGEST): node:crypto signs only messages it hashes itself ----

/** DER DigestInfo prefixes of PKCS#1 v1.5 (RFC 8017, section 9.2, note 1). */
const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420', sha384: '3041300d060960864801650304020205000430', sha512: '3051300d060960864801650304020305000440',
};

const mgf1 = (hash: string, seed: Buffer, length: number): Buffer => {
  const out: Buffer[] = [];
  for (let counter = 0; Buffer.concat(out).length < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
};

function rsaModulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 2048;
}

/** EMSA-PSS-ENCODE (RFC 8017, section 9.1.1) with MGF1 and a salt as long as the hash, as KMS uses. */
function pssEncode(hash: string, digest: Buffer, modBits: number): Buffer {
  const hLen = digest.length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const masked = mgf1(hash, h, emLen - hLen - 1).map((b, i) => b ^ db[i]!);
  masked[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([Buffer.from(masked), h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017, section 9.1.2) with a salt as long as the hash. */
function pssVerify(hash: string, digest: Buffer, em: Buffer, modBits: number): boolean {
  const hLen = digest.length;
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (em.length < emLen) return false;
  em = em.subarray(em.length - emLen);
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((maskedDb[0]! & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const db = Buffer.from(mgf1(hash, h, emLen - hLen - 1).map((b, i) => b ^ maskedDb[i]!));
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const psLength = emLen - 2 * hLen - 2;
  if (!db.subarray(0, psLength).every((b) => b === 0) || db[psLength] !== 1) return false;
  const salt = db.subarray(db.length - hLen);
  return createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest().equals(h);
}

/** Orders of the NIST curves (FIPS 186-4, appendix D.1.2; checked: OpenSSL takes n-1 as a private key, giving -G, and refuses n). */
const CURVE_ORDER: Record<string, bigint> = {
  prime256v1: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  secp384r1: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  secp256k1: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n, // SEC 2, section 2.4.1
  secp521r1: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};
const FIELD_BYTES: Record<string, number> = { prime256v1: 32, secp256k1: 32, secp384r1: 48, secp521r1: 66 };

const toBig = (bytes: Buffer): bigint => (bytes.length ? BigInt(`0x${bytes.toString('hex')}`) : 0n);
const mod = (a: bigint, n: bigint): bigint => ((a % n) + n) % n;
function modInverse(a: bigint, n: bigint): bigint {
  let [oldR, r, oldS, s] = [mod(a, n), n, 1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, n);
}

/** The x coordinate of k·G: OpenSSL's scalar multiplication, through ECDH with k as the private key. */
function baseMultiplyX(curve: string, k: bigint): bigint {
  const ecdh = createECDH(curve);
  ecdh.setPrivateKey(Buffer.from(k.toString(16).padStart(FIELD_BYTES[curve]! * 2, '0'), 'hex'));
  const point = ecdh.getPublicKey();
  return toBig(point.subarray(1, 1 + FIELD_BYTES[curve]!));
}

function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}

/** A DER ECDSA-Sig-Value, or undefined when the bytes are not one. */
function parseEcdsaSignature(sig: Buffer): { r: bigint; s: bigint } | undefined {
  let i = 0;
  const length = (): number => {
    const first = sig[i++];
    if (first === undefined) return -1;
    if (first < 0x80) return first;
    if (first === 0x81) return sig[i++] ?? -1;
    return -1;
  };
  if (sig[i++] !== 0x30) return undefined;
  const total = length();
  if (total < 0 || i + total !== sig.length) return undefined;
  const ints: bigint[] = [];
  for (let k = 0; k < 2; k++) {
    if (sig[i++] !== 0x02) return undefined;
    const n = length();
    if (n <= 0 || i + n > sig.length) return undefined;
    ints.push(toBig(sig.subarray(i, i + n)));
    i += n;
  }
  return i === sig.length ? { r: ints[0]!, s: ints[1]! } : undefined;
}

function ecScalar(key: KeyObject): bigint {
  const d = key.export({ format: 'jwk' }).d ?? '';
  return toBig(Buffer.from(d, 'base64url'));
}

/** Signs a precomputed digest: PKCS#1 v1.5 and PSS through raw RSA, ECDSA with OpenSSL's scalar multiplication. */
export function signDigest(material: Buffer, algorithm: string, digest: Buffer): Buffer {
  const key = privateKeyOf(material);
  const hash = `sha${algorithm.slice(-3)}`;
  if (algorithm.startsWith('RSASSA_PKCS1')) {
    return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([Buffer.from(DIGEST_INFO[hash]!, 'hex'), digest]));
  }
  if (algorithm.startsWith('RSASSA_PSS')) {
    const bits = rsaModulusBits(key);
    const em = pssEncode(hash, digest, bits);
    return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(bits / 8 - em.length), em]));
  }
  const curve = key.asymmetricKeyDetails?.namedCurve ?? 'prime256v1';
  const n = CURVE_ORDER[curve]!;
  const d = ecScalar(key);
  const z = toBig(digest);
  for (;;) {
    const k = mod(toBig(randomBytes(FIELD_BYTES[curve]! + 8)), n);
    if (k === 0n) continue;
    const r = mod(baseMultiplyX(curve, k), n);
    if (r === 0n) continue;
    const s = mod(modInverse(k, n) * (z + r * d), n);
    if (s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
  }
}

/** Verifies a signature over a precomputed digest (the key pair is ours, so ECDSA can use the private scalar). */
export function verifyDigest(material: Buffer, algorithm: string, digest: Buffer, signature: Buffer): boolean {
  const key = privateKeyOf(material);
  const hash = `sha${algorithm.slice(-3)}`;
  try {
    if (algorithm.startsWith('RSASSA_PKCS1')) {
      const recovered = publicDecrypt({ key: createPublicKey(key), padding: constants.RSA_PKCS1_PADDING }, signature);
      return recovered.equals(Buffer.concat([Buffer.from(DIGEST_INFO[hash]!, 'hex'), digest]));
    }
    if (algorithm.startsWith('RSASSA_PSS')) {
      const bits = rsaModulusBits(key);
      if (signature.length !== bits / 8) return false;
      return pssVerify(hash, digest, publicDecrypt({ key: createPublicKey(key), padding: constants.RSA_NO_PADDING }, signature), bits);
    }
  } catch {
    return false;
  }
  const curve = key.asymmetricKeyDetails?.namedCurve ?? 'prime256v1';
  const n = CURVE_ORDER[curve]!;
  const parsed = parseEcdsaSignature(signature);
  if (!parsed || parsed.r <= 0n || parsed.r >= n || parsed.s <= 0n || parsed.s >= n) return false;
  const w = modInverse(parsed.s, n);
  // u1·G + u2·Q = (u1 + u2·d)·G, since Q = d·G.
  const scalar = mod(toBig(digest) * w + parsed.r * w * ecScalar(key), n);
  if (scalar === 0n) return false;
  return mod(baseMultiplyX(curve, scalar), n) === parsed.r;
}

// ---- HMAC ----

export function hmac(material: Buffer, algorithm: string, message: Buffer): Buffer {
  return createHmac(`sha${algorithm.slice(-3)}`, material).update(message).digest();
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---- Data key pairs ----

export async function newDataKeyPair(spec: string): Promise<{ privateDer: Buffer; publicDer: Buffer }> {
  const material = await newMaterial(spec);
  return { privateDer: material, publicDer: publicKeyDer(material) };
}
