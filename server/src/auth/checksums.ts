import { createHash } from 'node:crypto';
import { lazyDependency } from '../lazy-dependency.ts';

/** S3 flexible-checksum algorithms, spelled as S3 spells them in errors and x-amz-checksum-algorithm. */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

export interface Checksum {
  update(data: Buffer): void;
  /** Base64 of the big-endian digest bytes, as S3 sends x-amz-checksum-* values. Call once. */
  digestBase64(): string;
}

/** The header (or trailer) that carries an algorithm's value: CRC32C → x-amz-checksum-crc32c. */
export const checksumHeaderName = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`;

/** Maps `x-amz-checksum-crc32` (any case) or a bare algorithm name (`crc32c`, `SHA256`) to the algorithm. */
export function checksumAlgorithmFromHeader(name: string): ChecksumAlgorithm | undefined {
  const bare = name.trim().toUpperCase().replace(/^X-AMZ-CHECKSUM-/, '');
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(bare) ? (bare as ChecksumAlgorithm) : undefined;
}

/** Length in bytes of each algorithm's digest; a base64 value of another size cannot be valid. */
export const CHECKSUM_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

/** True when `value` is canonical base64 of exactly the digest size of `algorithm`. */
export function isValidChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === CHECKSUM_BYTES[algorithm] && bytes.toString('base64') === value;
}

// ---- table-driven CRCs (slicing-by-8 for the 32-bit ones) ----

function crc32Tables(reflectedPoly: number): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (reflectedPoly ^ (c >>> 1)) >>> 0 : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 8; t++) {
      const prev = tables[t - 1]![n]!;
      tables[t]![n] = ((prev >>> 8) ^ t0[prev & 0xff]!) >>> 0;
    }
  }
  return tables;
}

/** Updates a reflected 32-bit CRC; `crc` is the running register (already inverted: starts at 0xffffffff). */
function crc32Update(tables: Uint32Array[], crc: number, data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = crc >>> 0;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]!
      ^ t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

let crc32Table: Uint32Array[] | undefined;
let crc32cTable: Uint32Array[] | undefined;

/**
 * zlib.crc32 (Node ≥ 20.15) is native and fast; the table version covers older runtimes. node:zlib is loaded on the
 * first CRC32 checksum, not with the server.
 */
type Crc32 = (data: Uint8Array, value?: number) => number;
const zlib = lazyDependency<{ crc32?: Crc32 }>('node:zlib');
const nativeCrc32 = (): Crc32 | null => zlib().crc32 ?? null;

class Crc32Checksum implements Checksum {
  private crc = 0;
  private register = 0xffffffff;
  constructor(private readonly castagnoli: boolean, private readonly native = !castagnoli && nativeCrc32() !== null) {}
  update(data: Buffer): void {
    // zlib.crc32 of some empty views does not return the running value it was given: nothing to add anyway.
    if (data.length === 0) return;
    if (this.native) {
      this.crc = nativeCrc32()!(data, this.crc);
      return;
    }
    const tables = this.castagnoli ? (crc32cTable ??= crc32Tables(0x82f63b78)) : (crc32Table ??= crc32Tables(0xedb88320));
    this.register = crc32Update(tables, this.register, data);
  }
  digestBase64(): string {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.native ? this.crc >>> 0 : (this.register ^ 0xffffffff) >>> 0);
    return out.toString('base64');
  }
}

// CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, init and xorout all ones. The 64-bit register is
// kept as two 32-bit halves so the hot loop stays in Smi/uint32 arithmetic instead of BigInt.
let crc64Hi: Uint32Array | undefined;
let crc64Lo: Uint32Array | undefined;

function crc64Tables(): [Uint32Array, Uint32Array] {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  const polyHi = 0x9a6c9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let h = 0;
    let l = n;
    for (let k = 0; k < 8; k++) {
      const carry = l & 1;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h >>>= 1;
      if (carry) {
        h = (h ^ polyHi) >>> 0;
        l = (l ^ polyLo) >>> 0;
      }
    }
    hi[n] = h;
    lo[n] = l;
  }
  return [hi, lo];
}

class Crc64NvmeChecksum implements Checksum {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(data: Buffer): void {
    if (!crc64Hi || !crc64Lo) [crc64Hi, crc64Lo] = crc64Tables();
    const th = crc64Hi;
    const tl = crc64Lo;
    let h = this.hi;
    let l = this.lo;
    for (let i = 0; i < data.length; i++) {
      const idx = (l ^ data[i]!) & 0xff;
      l = ((l >>> 8) | (h << 24)) ^ tl[idx]!;
      h = (h >>> 8) ^ th[idx]!;
    }
    this.hi = h >>> 0;
    this.lo = l >>> 0;
  }
  digestBase64(): string {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return out.toString('base64');
  }
}

class HashChecksum implements Checksum {
  private readonly hash;
  constructor(algorithm: 'sha1' | 'sha256') { this.hash = createHash(algorithm); }
  update(data: Buffer): void { this.hash.update(data); }
  digestBase64(): string { return this.hash.digest('base64'); }
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32': return new Crc32Checksum(false);
    case 'CRC32C': return new Crc32Checksum(true);
    case 'CRC64NVME': return new Crc64NvmeChecksum();
    case 'SHA1': return new HashChecksum('sha1');
    case 'SHA256': return new HashChecksum('sha256');
  }
}

/** Table CRC32 regardless of zlib, so tests can compare the fallback with the native one. */
export function createTableCrc32(): Checksum {
  return new Crc32Checksum(false, false);
}

// ---- multipart: composite and full-object checksums of an object's parts ----

/** Reflected polynomials and widths of the CRCs S3 can combine into a full-object checksum. */
const CRC_PARAMS: Partial<Record<ChecksumAlgorithm, { width: bigint; poly: bigint }>> = {
  CRC32: { width: 32n, poly: 0xedb88320n },
  CRC32C: { width: 32n, poly: 0x82f63b78n },
  CRC64NVME: { width: 64n, poly: 0x9a6c9329ac4bc9b5n },
};

/** True for the algorithms whose part values combine into the CRC of the whole object (FULL_OBJECT). */
export const isCrcAlgorithm = (algorithm: ChecksumAlgorithm): boolean => CRC_PARAMS[algorithm] !== undefined;

/** a(x)·b(x) mod p(x) over GF(2), reflected (zlib's multmodp, any width). */
function multModP(a: bigint, b: bigint, width: bigint, poly: bigint): bigint {
  let m = 1n << (width - 1n);
  let p = 0n;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ poly : b >> 1n;
  }
  return p;
}

/** x^(8·bytes) mod p(x): the shift a CRC undergoes over `bytes` zero bytes. */
function xPow8n(bytes: number, width: bigint, poly: bigint): bigint {
  let result = 1n << (width - 1n); // x^0
  let square = 1n << (width - 2n); // x^1
  // x^8 first: square x^1 three times.
  for (let i = 0; i < 3; i++) square = multModP(square, square, width, poly);
  let n = BigInt(bytes);
  while (n > 0n) {
    if (n & 1n) result = multModP(square, result, width, poly);
    square = multModP(square, square, width, poly);
    n >>= 1n;
  }
  return result;
}

/**
 * The CRC of A‖B from crc(A), crc(B) and B's length (zlib's crc32_combine, for CRC32, CRC32C and CRC64NVME): how S3
 * computes a FULL_OBJECT checksum of a multipart upload from its parts' ("Checking object integrity", S3 User Guide).
 * Values are base64, as S3 sends them.
 */
export function combineCrc(algorithm: ChecksumAlgorithm, first: string, second: string, secondLength: number): string {
  const params = CRC_PARAMS[algorithm];
  if (!params) throw new Error(`${algorithm} values cannot be combined`);
  const bytes = Number(params.width / 8n);
  const a = BigInt(`0x${Buffer.from(first, 'base64').toString('hex')}`);
  const b = BigInt(`0x${Buffer.from(second, 'base64').toString('hex')}`);
  const combined = multModP(xPow8n(secondLength, params.width, params.poly), a, params.width, params.poly) ^ b;
  return Buffer.from(combined.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}

/** The checksum of an empty input, as `createChecksum` gives it. */
export const emptyChecksum = (algorithm: ChecksumAlgorithm): string => createChecksum(algorithm).digestBase64();

/** FULL_OBJECT: the CRC of the parts end to end, from each part's value and size. */
export function fullObjectChecksum(algorithm: ChecksumAlgorithm, parts: readonly { value: string; size: number }[]): string {
  return parts.reduce((acc, part) => combineCrc(algorithm, acc, part.value, part.size), emptyChecksum(algorithm));
}

/** COMPOSITE: the checksum of the parts' raw digests end to end, with `-N` for the number of parts (S3 User Guide). */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partValues: readonly string[]): string {
  const sum = createChecksum(algorithm);
  for (const value of partValues) sum.update(Buffer.from(value, 'base64'));
  return `${sum.digestBase64()}-${partValues.length}`;
}
