import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual, type Cipher, type Decipher } from 'node:crypto';
import { pooledRandomBytes } from '../../kms/random.ts';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { AwsError } from '../../errors.ts';

/**
 * Server-side encryption headers, as S3 validates them, and SSE-C for real: the object is stored encrypted with the
 * customer's key (AES-256), and only a salted HMAC of the key is kept, to recognise it on later requests.
 * Texts: S3 API reference (PutObject, GetObject, HeadObject, CopyObject, UploadPart) and "Specifying server-side
 * encryption with customer-provided keys (SSE-C)": https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-c-encryption.html
 *
 * AWS refuses SSE-C over plain HTTP; iamlocal serves HTTP only, so it accepts SSE-C there (a key sent to a local
 * emulator is not a key at risk), and says so in the README.
 */

export const SSE_C_PREFIX = 'x-amz-server-side-encryption-customer-';
export const COPY_SOURCE_SSE_C_PREFIX = 'x-amz-copy-source-server-side-encryption-customer-';

export interface CustomerKey { key: Buffer; keyMd5: string }
/** What is stored of a customer key: its MD5 (echoed in responses, as AWS does) and a salted HMAC to verify it. */
export interface SealedKey { algorithm: 'AES256'; keyMd5: string; salt: string; hmac: string }
/** One stretch of an object encrypted with one IV: a whole PutObject, or one part of a multipart upload. */
export interface Segment { size: number; iv: string }
export interface ObjectCustomerKey extends SealedKey { segments: Segment[] }

const text = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
};

const invalid = (message: string, name = 'x-amz-server-side-encryption', value = 'null'): AwsError =>
  new AwsError('InvalidArgument', message, 400, { ArgumentName: name, ArgumentValue: value });

export interface RequestedSse { sse: string | null; kms: string | null; customer: CustomerKey | undefined }

/** The encryption a write asks for, refusing combinations S3 refuses. */
export function requestedSse(headers: IncomingHttpHeaders): RequestedSse {
  const sse = text(headers, 'x-amz-server-side-encryption') ?? null;
  const kms = text(headers, 'x-amz-server-side-encryption-aws-kms-key-id') ?? null;
  const customerAsked = [`${SSE_C_PREFIX}algorithm`, `${SSE_C_PREFIX}key`, `${SSE_C_PREFIX}key-md5`].some((h) => headers[h] !== undefined);
  if (customerAsked && sse !== null) {
    throw invalid('Server Side Encryption with Customer provided key is incompatible with the encryption method specified', 'x-amz-server-side-encryption', sse);
  }
  if (sse !== null && sse !== 'AES256' && sse !== 'aws:kms' && sse !== 'aws:kms:dsse') {
    throw invalid('The encryption method specified is not supported', 'x-amz-server-side-encryption', sse);
  }
  if (kms !== null && sse !== 'aws:kms' && sse !== 'aws:kms:dsse') {
    throw invalid('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', 'x-amz-server-side-encryption', sse ?? 'null');
  }
  return { sse, kms, customer: customerKeyOf(headers, SSE_C_PREFIX, 'write') };
}

/** GET and HEAD take no x-amz-server-side-encryption: the method cannot change on a read (HeadObject, GetObject). */
export function refuseSseOnRead(headers: IncomingHttpHeaders): void {
  for (const name of ['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id']) {
    const value = text(headers, name);
    if (value !== undefined) throw invalid(`${name} header is not supported for this operation.`, name, value);
  }
}

/**
 * The SSE-C trio under `prefix` (the request's own, or the copy source's), checked in S3's order: algorithm, key MD5,
 * then key length. A read with a key of the wrong length is answered as a wrong key (403), as S3 does.
 */
export function customerKeyOf(headers: IncomingHttpHeaders, prefix: string, use: 'read' | 'write'): CustomerKey | undefined {
  const algorithm = text(headers, `${prefix}algorithm`);
  const key = text(headers, `${prefix}key`);
  const md5 = text(headers, `${prefix}key-md5`);
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  if (algorithm === undefined) throw invalid('Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.');
  if (algorithm !== 'AES256') {
    throw new AwsError('InvalidEncryptionAlgorithmError', 'The Encryption request you specified is not valid. Supported value: AES256.', 400,
      { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: algorithm });
  }
  if (key === undefined || key === '') throw invalid('Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.');
  const raw = Buffer.from(key, 'base64');
  const computed = createHash('md5').update(raw).digest('base64');
  // The MD5 is how S3 checks the key arrived intact; clients (botocore, SDK v3) always send it. A write without it is
  // refused (nothing would show a corrupted key until the object cannot be read); AWS has been seen to accept a GET without it.
  if (md5 === undefined && use === 'write') {
    throw invalid('Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.');
  }
  if (md5 !== undefined && md5 !== computed) throw invalid('The calculated MD5 hash of the key did not match the hash that was provided.');
  if (raw.length !== 32) {
    if (use === 'read') throw wrongKey();
    throw invalid('The secret key was invalid for the specified algorithm.');
  }
  return { key: raw, keyMd5: computed };
}

export const wrongKey = (): AwsError =>
  new AwsError('AccessDenied', 'Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.', 403);

export const keyRequired = (): AwsError =>
  new AwsError('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.', 400);

export const notApplicable = (): AwsError => new AwsError('InvalidRequest', 'The encryption parameters are not applicable to this object.', 400);

/** The key's salted HMAC: enough to recognise the key again, useless to recover it or to decrypt. */
export function sealKey(key: CustomerKey): SealedKey {
  const salt = randomBytes(16);
  return { algorithm: 'AES256', keyMd5: key.keyMd5, salt: salt.toString('base64'), hmac: createHmac('sha256', salt).update(key.key).digest('base64') };
}

export function keyMatches(sealed: SealedKey, key: CustomerKey): boolean {
  const expected = Buffer.from(sealed.hmac, 'base64');
  const actual = createHmac('sha256', Buffer.from(sealed.salt, 'base64')).update(key.key).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The key a read of an object must carry: none for an object not stored with SSE-C (and then none may be given),
 * the matching one for an SSE-C object.
 */
export function keyForRead(stored: string | null | undefined, given: CustomerKey | undefined): { key: CustomerKey; sealed: ObjectCustomerKey } | undefined {
  if (!stored) {
    if (given) throw notApplicable();
    return undefined;
  }
  if (!given) throw keyRequired();
  const sealed = JSON.parse(stored) as ObjectCustomerKey;
  if (!keyMatches(sealed, given)) throw wrongKey();
  return { key: given, sealed };
}

export function customerResponseHeaders(keyMd5: string): Record<string, string> {
  return { [`${SSE_C_PREFIX}algorithm`]: 'AES256', [`${SSE_C_PREFIX}key-MD5`]: keyMd5 };
}

// ---- AES-256-CTR: length-preserving, so byte ranges of the stored object are byte ranges of the plaintext ----

export const newIv = (): Buffer => pooledRandomBytes(16);

export function encryptor(key: CustomerKey, iv: Buffer): Cipher {
  return createCipheriv('aes-256-ctr', key.key, iv);
}

/** The IV's 128-bit counter advanced by `blocks` (CTR increments the whole block, big-endian). */
function advance(iv: Buffer, blocks: number): Buffer {
  const value = (BigInt(`0x${iv.toString('hex')}`) + BigInt(blocks)) % (1n << 128n);
  return Buffer.from(value.toString(16).padStart(32, '0'), 'hex');
}

/** Decrypts bytes of an object stored as `segments`, starting at byte `offset` of the object, chunk by chunk. */
class SegmentDecryptor {
  private segment = -1;
  private decipher: Decipher | undefined;
  private readonly starts: number[] = [];

  constructor(private readonly key: Buffer, private readonly segments: Segment[], private position: number) {
    let at = 0;
    for (const s of segments) {
      this.starts.push(at);
      at += s.size;
    }
  }

  update(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      const index = this.segmentAt(this.position);
      if (index < 0) throw new Error('encrypted object is longer than its segments');
      const start = this.starts[index]!;
      const end = start + this.segments[index]!.size;
      if (index !== this.segment || !this.decipher) {
        const within = this.position - start;
        this.decipher = createDecipheriv('aes-256-ctr', this.key, advance(Buffer.from(this.segments[index]!.iv, 'base64'), Math.floor(within / 16)));
        this.decipher.update(Buffer.alloc(within % 16));
        this.segment = index;
      }
      const n = Math.min(chunk.length - at, end - this.position);
      out.push(this.decipher.update(chunk.subarray(at, at + n)));
      at += n;
      this.position += n;
    }
    return Buffer.concat(out);
  }

  private segmentAt(position: number): number {
    for (let i = this.segments.length - 1; i >= 0; i--) if (position >= this.starts[i]! && position < this.starts[i]! + this.segments[i]!.size) return i;
    return -1;
  }
}

/** An SSE-C object's stored bytes (from `offset` on) in the clear. */
export function decrypted(body: Buffer | Readable, key: CustomerKey, sealed: ObjectCustomerKey, offset = 0): Buffer | Readable {
  const decryptor = new SegmentDecryptor(key.key, sealed.segments, offset);
  if (Buffer.isBuffer(body)) return decryptor.update(body);
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        done(null, decryptor.update(chunk));
      } catch (error) {
        done(error as Error);
      }
    },
  });
  body.on('error', (error) => transform.destroy(error));
  // A response abandoned part-way (or a HEAD) destroys the transform: release the object's file too.
  transform.on('close', () => body.destroy());
  return body.pipe(transform);
}

export const asStream = (body: Buffer | Readable): Readable => (Buffer.isBuffer(body) ? Readable.from([body]) : body);
