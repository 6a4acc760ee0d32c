import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

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

/** zlib.crc32 (Node ≥ 20.15) is native and fast; the table version covers older runtimes. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

class Crc32Checksum implements Checksum {
  private crc = 0;
  private register = 0xffffffff;
  constructor(private readonly castagnoli: boolean, private readonly native = !castagnoli && typeof nativeCrc32 === 'function') {}
  update(data: Buffer): void {
    if (this.native) {
      this.crc = nativeCrc32!(data, this.crc);
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
