// An incremental JSON tokenizer over bytes: fed chunks split anywhere, it accepts exactly what JSON.parse accepts (on
// the UTF-8 text of those bytes) and reports where each value starts and ends, so a large document can be read a
// piece at a time (see fixture-stream.ts). Keys and scalars are decoded only down to `eventDepth`; deeper ones are
// only checked, which is what makes skipping over a large array cheap.

/** Where a document stops being JSON (a byte offset from the start of what was fed, plus the `offset` option). */
export class JsonSyntaxError extends Error {
  constructor(readonly offset: number, what: string) {
    super(`${what} at byte ${offset}`);
  }
}

export type JsonScalar = string | number | boolean | null;

/** Events of the values down to `eventDepth` (the top-level value is at depth 0, its items or members at 1). */
export interface JsonHandler {
  open?(kind: 'object' | 'array', start: number, depth: number): void;
  /** `end`: the offset just past the closing bracket. */
  close?(kind: 'object' | 'array', end: number, depth: number): void;
  /** A member's key; `depth` is that of the member's value. */
  key?(key: string, depth: number): void;
  scalar?(value: JsonScalar, start: number, end: number, depth: number): void;
}

// What the next byte may be.
const enum S {
  Value, // a value (after ':' or ',' in an array, or at the start)
  ValueOrClose, // after '['
  Key, // a key (after ',' in an object)
  KeyOrClose, // after '{'
  Colon,
  After, // after a value: ',' or the container's close, or only whitespace at depth 0
  String, // in a string (key or value)
  Escape, // after '\'
  Unicode, // in \uXXXX, `hex` digits read
  Number,
  Literal,
}

// Number states: what has been read so far.
const enum N { Minus, Zero, Int, Dot, Frac, E, ESign, Exp }

const OBJECT = 0;
const ARRAY = 1;
const LITERALS = ['true', 'false', 'null'].map((word) => Buffer.from(word));
const LITERAL_VALUES: JsonScalar[] = [true, false, null];
const ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}

const isSpace = (byte: number): boolean => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

export class JsonTokenizer {
  private state = S.Value;
  private readonly stack: number[] = [];
  /** Absolute offset of the next byte to be fed. */
  private position: number;
  private done = false;
  // The token in progress.
  private tokenStart = 0;
  private isKey = false;
  private decoding = false;
  private bytes: Buffer[] = []; // raw UTF-8 bytes of a string since its last escape (may span chunks)
  private text = ''; // a string decoded so far, or a number's text
  private hex = 0;
  private code = 0;
  private numberState = N.Minus;
  private literal = 0;
  private literalIndex = 0;

  constructor(private readonly handler: JsonHandler, private readonly eventDepth = Infinity, offset = 0) {
    this.position = offset;
  }

  /** How deep the tokenizer is (0 at the top level). */
  get depth(): number {
    return this.stack.length;
  }

  write(chunk: Uint8Array): void {
    const n = chunk.length;
    const base = this.position;
    let i = 0;
    while (i < n) {
      const byte = chunk[i]!;
      switch (this.state) {
        case S.String: {
          // The hot loop: run to the closing quote, an escape or a control character.
          const from = i;
          let b = byte;
          while (b !== 0x22 && b !== 0x5c && b >= 0x20) {
            if (++i === n) break;
            b = chunk[i]!;
          }
          // A copy: the caller may reuse its chunk before the string ends.
          if (this.decoding && i > from) this.bytes.push(Buffer.from(chunk.subarray(from, i)));
          if (i === n) break;
          if (b < 0x20) throw new JsonSyntaxError(base + i, 'control character in a string');
          i++;
          if (b === 0x5c) { this.state = S.Escape; break; }
          this.endString(base + i);
          break;
        }
        case S.Escape: {
          if (byte === 0x75) {
            this.state = S.Unicode;
            this.hex = 0;
            this.code = 0;
          } else {
            const escaped = ESCAPES[byte];
            if (escaped === undefined) throw new JsonSyntaxError(base + i, 'bad escape');
            if (this.decoding) this.append(escaped);
            this.state = S.String;
          }
          i++;
          break;
        }
        case S.Unicode: {
          const v = hexValue(byte);
          if (v < 0) throw new JsonSyntaxError(base + i, 'bad \\u escape');
          this.code = this.code * 16 + v;
          if (++this.hex === 4) {
            if (this.decoding) this.append(this.code);
            this.state = S.String;
          }
          i++;
          break;
        }
        case S.Number: {
          const from = i;
          if (!this.numberBytes(chunk, i, base)) {
            // Ended by this byte: it belongs to what follows the number.
            i = this.numberEnd;
            if (this.decoding) this.text += Buffer.from(chunk.buffer, chunk.byteOffset + from, i - from).toString('latin1');
            this.endNumber(base + i);
            break;
          }
          if (this.decoding) this.text += Buffer.from(chunk.buffer, chunk.byteOffset + from, n - from).toString('latin1');
          i = n;
          break;
        }
        case S.Literal: {
          const word = LITERALS[this.literal]!;
          if (byte !== word[this.literalIndex]) throw new JsonSyntaxError(base + i, 'unexpected byte');
          i++;
          if (++this.literalIndex === word.length) {
            const depth = this.stack.length;
            if (depth <= this.eventDepth) this.handler.scalar?.(LITERAL_VALUES[this.literal]!, this.tokenStart, base + i, depth);
            this.state = S.After;
          }
          break;
        }
        default:
          if (isSpace(byte)) { i++; break; }
          this.structural(byte, base + i);
          i++;
      }
    }
    this.position = base + n;
  }

  /** The input is complete: it must have been exactly one JSON value (and whitespace). */
  end(): void {
    if (this.state === S.Number && this.stack.length === 0 && this.numberComplete()) this.endNumber(this.position);
    if (this.state !== S.After || this.stack.length !== 0) throw new JsonSyntaxError(this.position, 'unexpected end');
    this.done = true;
  }

  /** Whether end() has accepted the input. */
  get complete(): boolean {
    return this.done;
  }

  private structural(byte: number, at: number): void {
    const state = this.state;
    if (state === S.After) {
      const top = this.stack.length === 0 ? -1 : this.stack[this.stack.length - 1]!;
      if (byte === 0x2c && top !== -1) {
        this.state = top === OBJECT ? S.Key : S.Value;
        return;
      }
      if ((byte === 0x7d && top === OBJECT) || (byte === 0x5d && top === ARRAY)) return this.close(top, at);
      throw new JsonSyntaxError(at, 'unexpected byte');
    }
    if (state === S.Colon) {
      if (byte !== 0x3a) throw new JsonSyntaxError(at, 'expected :');
      this.state = S.Value;
      return;
    }
    if (state === S.Key || state === S.KeyOrClose) {
      if (byte === 0x7d && state === S.KeyOrClose) return this.close(OBJECT, at);
      if (byte !== 0x22) throw new JsonSyntaxError(at, 'expected a key');
      return this.startString(at, true);
    }
    // A value (or, after '[', the array's end).
    if (byte === 0x5d && state === S.ValueOrClose) return this.close(ARRAY, at);
    const depth = this.stack.length;
    switch (byte) {
      case 0x7b:
      case 0x5b: {
        const kind = byte === 0x7b ? OBJECT : ARRAY;
        if (depth <= this.eventDepth) this.handler.open?.(kind === OBJECT ? 'object' : 'array', at, depth);
        this.stack.push(kind);
        this.state = kind === OBJECT ? S.KeyOrClose : S.ValueOrClose;
        return;
      }
      case 0x22:
        return this.startString(at, false);
      case 0x74: case 0x66: case 0x6e:
        this.tokenStart = at;
        this.literal = byte === 0x74 ? 0 : byte === 0x66 ? 1 : 2;
        this.literalIndex = 1;
        this.state = S.Literal;
        return;
      default:
        if (byte === 0x2d || (byte >= 0x30 && byte <= 0x39)) {
          this.tokenStart = at;
          this.decoding = depth <= this.eventDepth;
          this.text = this.decoding ? String.fromCharCode(byte) : '';
          this.numberState = byte === 0x2d ? N.Minus : byte === 0x30 ? N.Zero : N.Int;
          this.state = S.Number;
          return;
        }
        throw new JsonSyntaxError(at, 'unexpected byte');
    }
  }

  private close(kind: number, at: number): void {
    this.stack.pop();
    const depth = this.stack.length;
    if (depth <= this.eventDepth) this.handler.close?.(kind === OBJECT ? 'object' : 'array', at + 1, depth);
    this.state = S.After;
  }

  private startString(at: number, isKey: boolean): void {
    this.tokenStart = at;
    this.isKey = isKey;
    // A key is decoded when its value's events are reported.
    this.decoding = this.stack.length <= this.eventDepth;
    this.bytes = [];
    this.text = '';
    this.state = S.String;
  }

  /** A decoded code unit from an escape: the raw bytes before it are decoded first. */
  private append(code: number): void {
    this.flushBytes();
    this.text += String.fromCharCode(code);
  }

  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    this.text += (this.bytes.length === 1 ? this.bytes[0]! : Buffer.concat(this.bytes)).toString('utf8');
    this.bytes = [];
  }

  private endString(end: number): void {
    const depth = this.stack.length;
    if (this.decoding) this.flushBytes();
    if (this.isKey) {
      if (this.decoding) this.handler.key?.(this.text, depth);
      this.state = S.Colon;
    } else {
      if (this.decoding) this.handler.scalar?.(this.text, this.tokenStart, end, depth);
      this.state = S.After;
    }
    this.text = '';
  }

  private numberEnd = 0;

  /** Reads a number's bytes from `i`: true when the chunk ended inside it, false (and numberEnd) when a byte ended it. */
  private numberBytes(chunk: Uint8Array, i: number, base: number): boolean {
    const n = chunk.length;
    let st = this.numberState;
    for (; i < n; i++) {
      const b = chunk[i]!;
      const digit = b >= 0x30 && b <= 0x39;
      switch (st) {
        case N.Minus:
          if (!digit) throw new JsonSyntaxError(base + i, 'bad number');
          st = b === 0x30 ? N.Zero : N.Int;
          continue;
        case N.Zero:
          if (b === 0x2e) { st = N.Dot; continue; }
          if (b === 0x65 || b === 0x45) { st = N.E; continue; }
          if (digit) throw new JsonSyntaxError(base + i, 'bad number');
          break;
        case N.Int:
          if (digit) continue;
          if (b === 0x2e) { st = N.Dot; continue; }
          if (b === 0x65 || b === 0x45) { st = N.E; continue; }
          break;
        case N.Dot:
          if (!digit) throw new JsonSyntaxError(base + i, 'bad number');
          st = N.Frac;
          continue;
        case N.Frac:
          if (digit) continue;
          if (b === 0x65 || b === 0x45) { st = N.E; continue; }
          break;
        case N.E:
          if (b === 0x2b || b === 0x2d) { st = N.ESign; continue; }
          if (!digit) throw new JsonSyntaxError(base + i, 'bad number');
          st = N.Exp;
          continue;
        case N.ESign:
          if (!digit) throw new JsonSyntaxError(base + i, 'bad number');
          st = N.Exp;
          continue;
        case N.Exp:
          if (digit) continue;
          break;
      }
      // A byte that cannot continue the number, after a complete one.
      this.numberState = st;
      this.numberEnd = i;
      return false;
    }
    this.numberState = st;
    return true;
  }

  private numberComplete(): boolean {
    const st = this.numberState;
    return st === N.Zero || st === N.Int || st === N.Frac || st === N.Exp;
  }

  private endNumber(end: number): void {
    const depth = this.stack.length;
    if (this.decoding) this.handler.scalar?.(Number(this.text), this.tokenStart, end, depth);
    this.text = '';
    this.state = S.After;
  }
}
