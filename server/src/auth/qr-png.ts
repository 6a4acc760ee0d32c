// A QR code (ISO/IEC 18004: byte mode, error correction level M, versions 1-20, mask 0) drawn as a grayscale PNG, for
// CreateVirtualMFADevice's QRCodePNG (an otpauth:// URI that authenticator apps scan).
import { lazyDependency } from '../lazy-dependency.ts';

// node:zlib is loaded on the first QR code (a virtual MFA device's PNG), not with the server: ~1–10 ms of a start.
const zlib = lazyDependency<typeof import('node:zlib')>('node:zlib');

/** Level M per version: EC codewords per block, then [blocks, data codewords per block] groups. */
const BLOCKS_M: [number, [number, number][]][] = [
  [10, [[1, 16]]], [16, [[1, 28]]], [26, [[1, 44]]], [18, [[2, 32]]], [24, [[2, 43]]], [16, [[4, 27]]], [18, [[4, 31]]],
  [22, [[2, 38], [2, 39]]], [22, [[3, 36], [2, 37]]], [26, [[4, 43], [1, 44]]], [30, [[1, 50], [4, 51]]], [22, [[6, 36], [2, 37]]],
  [22, [[8, 37], [1, 38]]], [24, [[4, 40], [5, 41]]], [24, [[5, 41], [5, 42]]], [28, [[7, 45], [3, 46]]], [28, [[10, 46], [1, 47]]],
  [26, [[9, 43], [4, 44]]], [26, [[3, 44], [11, 45]]], [26, [[3, 41], [13, 42]]],
];

const ALIGNMENT: number[][] = [
  [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
  [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82], [6, 30, 58, 86], [6, 34, 62, 90],
];

// GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}
const mul = (a: number, b: number): number => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!);

/** Reed-Solomon EC codewords of one block. */
function reedSolomon(data: number[], ecLength: number): number[] {
  let generator = [1];
  for (let i = 0; i < ecLength; i++) {
    const next = new Array<number>(generator.length + 1).fill(0);
    generator.forEach((g, j) => {
      next[j] ^= g;
      next[j + 1] ^= mul(g, EXP[i]!);
    });
    generator = next;
  }
  const remainder = [...data, ...new Array<number>(ecLength).fill(0)];
  for (let i = 0; i < data.length; i++) {
    const factor = remainder[i]!;
    if (factor === 0) continue;
    for (let j = 0; j < generator.length; j++) remainder[i + j] ^= mul(generator[j]!, factor);
  }
  return remainder.slice(data.length);
}

function bch(value: number, poly: number, polyBits: number): number {
  let v = value << (polyBits - 1);
  for (let bit = 31 - Math.clz32(v); bit >= polyBits - 1; bit--) if (v & (1 << bit)) v ^= poly << (bit - (polyBits - 1));
  return v;
}

/** The QR code's modules (true: dark) for `text`. */
export function qrMatrix(text: string): boolean[][] {
  const bytes = Buffer.from(text, 'utf8');
  const version = BLOCKS_M.findIndex(([, groups], i) => {
    const capacity = groups.reduce((n, [count, size]) => n + count * size, 0) * 8;
    return 4 + (i < 9 ? 8 : 16) + bytes.length * 8 <= capacity;
  }) + 1;
  if (version === 0) throw new Error('text too long for a version 1-20 QR code');
  const [ecLength, groups] = BLOCKS_M[version - 1]!;
  const dataCapacity = groups.reduce((n, [count, size]) => n + count * size, 0);

  // Data bits: byte mode, count, bytes, terminator, padding.
  const bits: number[] = [];
  const push = (value: number, length: number): void => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(bytes.length, version < 10 ? 8 : 16);
  for (const b of bytes) push(b, 8);
  push(0, Math.min(4, dataCapacity * 8 - bits.length));
  while (bits.length % 8) bits.push(0);
  const codewords: number[] = [];
  for (let i = 0; i < bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((n, b) => (n << 1) | b, 0));
  for (let pad = 0; codewords.length < dataCapacity; pad++) codewords.push(pad % 2 ? 0x11 : 0xec);

  // Blocks, their EC codewords, interleaved.
  const blocks: number[][] = [];
  let offset = 0;
  for (const [count, size] of groups) {
    for (let i = 0; i < count; i++) {
      blocks.push(codewords.slice(offset, offset + size));
      offset += size;
    }
  }
  const ec = blocks.map((b) => reedSolomon(b, ecLength));
  const stream: number[] = [];
  const longest = Math.max(...blocks.map((b) => b.length));
  for (let i = 0; i < longest; i++) for (const b of blocks) if (i < b.length) stream.push(b[i]!);
  for (let i = 0; i < ecLength; i++) for (const e of ec) stream.push(e[i]!);

  const size = version * 4 + 17;
  const dark: boolean[][] = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  const reserved: boolean[][] = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  const set = (r: number, c: number, value: boolean): void => {
    dark[r]![c] = value;
    reserved[r]![c] = true;
  };

  // Finder patterns with separators.
  for (const [row, col] of [[0, 0], [0, size - 7], [size - 7, 0]] as const) {
    for (let r = -1; r <= 7; r++) {
      for (let c = -1; c <= 7; c++) {
        const rr = row + r;
        const cc = col + c;
        if (rr < 0 || cc < 0 || rr >= size || cc >= size) continue;
        const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
        set(rr, cc, r >= 0 && r <= 6 && c >= 0 && c <= 6 && ring !== 2);
      }
    }
  }
  // Alignment patterns (not over the finders).
  const centres = ALIGNMENT[version - 1]!;
  for (const r of centres) {
    for (const c of centres) {
      if (reserved[r]![c]) continue;
      for (let dr = -2; dr <= 2; dr++) for (let dc = -2; dc <= 2; dc++) set(r + dr, c + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
    }
  }
  // Timing patterns.
  for (let i = 8; i < size - 8; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  // Format information (level M = 00, mask 0), with the dark module.
  const mask = 0;
  const formatData = (0b00 << 3) | mask;
  const format = ((formatData << 10) | bch(formatData, 0x537, 11)) ^ 0x5412;
  const formatBit = (i: number): boolean => ((format >>> i) & 1) === 1;
  for (let i = 0; i <= 5; i++) set(i, 8, formatBit(i));
  set(7, 8, formatBit(6));
  set(8, 8, formatBit(7));
  set(8, 7, formatBit(8));
  for (let i = 9; i < 15; i++) set(8, 14 - i, formatBit(i));
  for (let i = 0; i < 8; i++) set(8, size - 1 - i, formatBit(i));
  for (let i = 8; i < 15; i++) set(size - 15 + i, 8, formatBit(i));
  set(size - 8, 8, true);
  // Version information (version 7 and up).
  if (version >= 7) {
    const info = (version << 12) | bch(version, 0x1f25, 13);
    for (let i = 0; i < 18; i++) {
      const bit = ((info >>> i) & 1) === 1;
      const a = Math.floor(i / 3);
      const b = size - 11 + (i % 3);
      set(a, b, bit);
      set(b, a, bit);
    }
  }

  // Data, in two-column zigzags from the bottom right, masked with (row + column) % 2 == 0.
  let bitIndex = 0;
  const totalBits = stream.length * 8;
  let upward = true;
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    for (let step = 0; step < size; step++) {
      const r = upward ? size - 1 - step : step;
      for (const c of [right, right - 1]) {
        if (reserved[r]![c]) continue;
        let bit = false;
        if (bitIndex < totalBits) bit = ((stream[bitIndex >>> 3]! >>> (7 - (bitIndex & 7))) & 1) === 1;
        bitIndex++;
        dark[r]![c] = bit !== ((r + c) % 2 === 0);
      }
    }
    upward = !upward;
  }
  return dark;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** `text` as a QR code in an 8-bit grayscale PNG: `scale` pixels per module and a 4-module quiet zone. */
export function qrCodePng(text: string, scale = 4): Buffer {
  const modules = qrMatrix(text);
  const quiet = 4;
  const width = (modules.length + quiet * 2) * scale;
  const raw = Buffer.alloc((width + 1) * width, 0xff);
  for (let y = 0; y < width; y++) {
    raw[y * (width + 1)] = 0; // filter: none
    const r = Math.floor(y / scale) - quiet;
    for (let x = 0; x < width; x++) {
      const c = Math.floor(x / scale) - quiet;
      if (r >= 0 && c >= 0 && r < modules.length && c < modules.length && modules[r]![c]) raw[y * (width + 1) + 1 + x] = 0;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib().deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}
