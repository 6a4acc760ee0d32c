// A JSON fixture document read from a file a piece at a time, so loading it takes memory in proportion to its largest
// entry rather than to the document (a 44 MB document of 1,000,000 objects parsed whole peaked at 11× its size).
// The document is checked whole first (JsonTokenizer accepts what JSON.parse accepts; anything else goes to the
// whole-document path, which reports JSON.parse's own error). Then its top-level members become a mapping whose lists
// are LazyLists, read an item at a time from the file (buckets' `objects` and `versions` too), the items that end in one
// chunk parsed by one JSON.parse of their bytes: the same values JSON.parse gives for the whole document, and the same
// mapping (key order, a repeated key's last value) for what the fixture reader sees.
import { createHash } from 'node:crypto';
import { readSync } from 'node:fs';
import { LazyList } from './fixture-reader.ts';
import { JsonSyntaxError, JsonTokenizer } from './json-stream.ts';

/** Bytes read by position (a file, or a buffer in tests): [start, end) is the document. */
export interface ByteSource {
  readonly start: number;
  readonly end: number;
  /** Reads up to target.length bytes at `position`; returns how many. */
  read(target: Buffer, position: number): number;
}

/** A file open for reading, `size` bytes long; `skipBom`: a leading UTF-8 byte order mark is not part of the document. */
export function fileSource(fd: number, size: number, skipBom = false): ByteSource {
  const source: ByteSource = { start: 0, end: size, read: (target, position) => readSync(fd, target, 0, target.length, position) };
  if (!skipBom || size < 3) return source;
  const head = Buffer.alloc(3);
  source.read(head, 0);
  return head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? { ...source, start: 3 } : source;
}

export function bufferSource(bytes: Buffer): ByteSource {
  return { start: 0, end: bytes.length, read: (target, position) => bytes.copy(target, 0, position, Math.min(bytes.length, position + target.length)) };
}

interface Range { start: number; end: number }
interface Member extends Range { key: string; kind: 'object' | 'array' | 'scalar' }

/** The chunk size reads are made in (a parameter for tests, which cut documents at odd places). */
let chunkBytes = 64 * 1024;
export function setChunkBytes(n: number): void {
  chunkBytes = n;
}

/**
 * The bytes of `range`, a chunk at a time. `pool`: buffers to read into, which the caller gives back once it no longer
 * needs a chunk (a 44 MB document read three times in fresh 64 KB buffers left ~130 MB for the GC to free); without
 * one, every chunk is a fresh buffer the caller may keep.
 */
function* chunksOf(src: ByteSource, range: Range, pool?: Buffer[]): Generator<Buffer> {
  for (let position = range.start; position < range.end;) {
    const buffer = pool?.pop() ?? Buffer.allocUnsafe(Math.min(chunkBytes, range.end - position));
    const target = buffer.length > range.end - position ? buffer.subarray(0, range.end - position) : buffer;
    const n = src.read(target, position);
    if (n <= 0) throw new JsonSyntaxError(position, 'the document ended early (changed while it was read?)');
    position += n;
    yield n === buffer.length ? buffer : buffer.subarray(0, n);
  }
}

function bytesOf(src: ByteSource, range: Range): Buffer {
  const parts = [...chunksOf(src, range)];
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

const parse = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8')) as unknown;

/**
 * The items of the array in `range`, a run at a time: the items that ended in one chunk read, with (`withBytes`) the
 * bytes from the first one's start to the last one's end (the items and the commas between them).
 */
function* runsOf(src: ByteSource, range: Range, withBytes: boolean): Generator<{ items: Range[]; bytes: Buffer | undefined }> {
  let done: Range[] = [];
  let start = -1;
  // Where the item in progress may start: a scalar's start is not reported, so keep from the last item's end.
  let lastEnd = range.start;
  const tokenizer = new JsonTokenizer({
    open: (_kind, at, depth) => {
      if (depth === 1) start = at;
    },
    close: (_kind, end, depth) => {
      if (depth === 1) { done.push({ start, end }); start = -1; lastEnd = end; }
    },
    scalar: (_value, at, end, depth) => {
      if (depth === 1) { done.push({ start: at, end }); lastEnd = end; }
    },
  }, 1, range.start);
  // The chunks holding the items not yet handed out, from heldStart on.
  const held: Buffer[] = [];
  let heldStart = range.start;
  const pool: Buffer[] = [];
  for (const chunk of chunksOf(src, range, pool)) {
    tokenizer.write(chunk);
    if (withBytes) held.push(chunk);
    else pool.push(chunk);
    if (done.length) {
      const items = done;
      done = [];
      yield { items, bytes: withBytes ? slice(held, heldStart, { start: items[0]!.start, end: items[items.length - 1]!.end }) : undefined };
    }
    if (!withBytes) continue;
    // Keep only what the item in progress needs.
    const keepFrom = start >= 0 ? start : lastEnd;
    // A run's bytes were parsed before this generator resumed: its chunks can be read into again.
    while (held.length && heldStart + held[0]!.length <= keepFrom) {
      const chunk = held.shift()!;
      heldStart += chunk.length;
      pool.push(chunk);
    }
  }
  tokenizer.end();
}

function slice(held: Buffer[], heldStart: number, range: Range): Buffer {
  let offset = heldStart;
  const parts: Buffer[] = [];
  for (const buffer of held) {
    const from = Math.max(range.start, offset);
    const to = Math.min(range.end, offset + buffer.length);
    if (from < to) parts.push(buffer.subarray(from - offset, to - offset));
    offset += buffer.length;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Mappings built here hold LazyLists: the digest walks them instead of handing them to JSON.stringify. */
const lazyMappings = new WeakSet<object>();

/** A mapping as JSON.parse builds it (key order, the last of a repeated key, "__proto__" an own key), from its members. */
function mappingOf(members: Member[], valueOf: (member: Member) => unknown): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  for (const member of members) Object.defineProperty(node, member.key, { value: valueOf(member), enumerable: true, writable: true, configurable: true });
  lazyMappings.add(node);
  return node;
}

/** A run of items parsed in one JSON.parse (one call a chunk rather than one an item). */
const parseRun = (bytes: Buffer): unknown[] => JSON.parse(`[${bytes.toString('utf8')}]`) as unknown[];

/** A list whose items are parsed whole, a run at a time. */
class ParsedList extends LazyList {
  constructor(private readonly src: ByteSource, private readonly range: Range) {
    super(function* items() {
      for (const run of runsOf(src, range, true)) yield* parseRun(run.bytes!);
    });
  }

  /** JSON.stringify of the items, comma-separated, a run at a time (for the digest). */
  *stringified(): Generator<string> {
    for (const run of runsOf(this.src, this.range, true)) yield JSON.stringify(parseRun(run.bytes!)).slice(1, -1);
  }
}

/**
 * The buckets: each a mapping whose `objects` and `versions` are lazy. `items`: where each bucket is, and `members` the
 * members of each that is a mapping (by its start), as the document's scan found them.
 */
function bucketList(src: ByteSource, items: Item[], members: Map<number, Member[]>): LazyList {
  const bucketOf = (item: Item): unknown => {
    const known = item.kind === 'object' ? members.get(item.start) : undefined;
    if (!known) return parse(bytesOf(src, item));
    return mappingOf(known, (member) => (member.kind === 'array' && (member.key === 'objects' || member.key === 'versions')
      ? new ParsedList(src, member)
      : parse(bytesOf(src, member))));
  };
  return new LazyList(function* buckets() {
    for (const item of items) yield bucketOf(item);
  });
}

interface Item extends Range { kind: Member['kind'] }

/**
 * Checks the whole document (it throws JsonSyntaxError where JSON.parse would fail) and finds its top-level members,
 * and for each top-level `buckets` list where its items are and the members of those that are mappings: one read of
 * the document, so neither the digest nor the load reads a bucket's objects to find its other fields.
 */
function scanDocument(src: ByteSource): { members: Member[]; bucketItems: Map<number, Item[]>; bucketMembers: Map<number, Member[]> } | undefined {
  const members: Member[] = [];
  const bucketItems = new Map<number, Item[]>();
  const bucketMembers = new Map<number, Member[]>();
  let rootKind = 'scalar' as Member['kind'];
  let key = '';
  let start = 0;
  let buckets: Item[] | undefined; // the items of a top-level `buckets` list being read
  let itemStart = 0;
  let bucket: Member[] | undefined; // the members of one of its mappings being read
  let memberKey = '';
  let memberStart = 0;
  const tokenizer = new JsonTokenizer({
    open: (kind, at, depth) => {
      if (depth === 0) rootKind = kind;
      else if (depth === 1) {
        start = at;
        buckets = key === 'buckets' && kind === 'array' ? [] : undefined;
      } else if (depth === 2) {
        itemStart = at;
        bucket = buckets && kind === 'object' ? [] : undefined;
      } else memberStart = at;
    },
    close: (kind, end, depth) => {
      if (depth === 1) {
        members.push({ key, start, end, kind });
        if (buckets) bucketItems.set(start, buckets);
        buckets = undefined;
      } else if (depth === 2) {
        buckets?.push({ start: itemStart, end, kind });
        if (bucket) bucketMembers.set(itemStart, bucket);
        bucket = undefined;
      } else if (depth === 3) bucket?.push({ key: memberKey, start: memberStart, end, kind });
    },
    key: (k, depth) => {
      if (depth === 1) key = k;
      else if (depth === 3) memberKey = k;
    },
    scalar: (_value, at, end, depth) => {
      if (depth === 1) members.push({ key, start: at, end, kind: 'scalar' });
      else if (depth === 2) buckets?.push({ start: at, end, kind: 'scalar' });
      else if (depth === 3) bucket?.push({ key: memberKey, start: at, end, kind: 'scalar' });
    },
  }, 3, src.start);
  const pool: Buffer[] = [];
  for (const chunk of chunksOf(src, { start: src.start, end: src.end }, pool)) {
    tokenizer.write(chunk);
    pool.push(chunk);
  }
  tokenizer.end();
  return rootKind === 'object' ? { members, bucketItems, bucketMembers } : undefined;
}

/**
 * The document's top-level mapping, its lists lazy; undefined when the document is not a JSON object (not JSON, or
 * another value): the caller reads it whole, as before, for the same errors.
 */
export function streamedDocument(src: ByteSource): Record<string, unknown> | undefined {
  // The first byte after JSON's whitespace must open an object.
  let first: number | undefined;
  for (const chunk of chunksOf(src, { start: src.start, end: src.end })) {
    first = chunk.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (first !== undefined) break;
  }
  if (first !== 0x7b) return undefined;
  let scan: ReturnType<typeof scanDocument>;
  try {
    scan = scanDocument(src);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return undefined;
    throw error;
  }
  if (!scan) return undefined;
  const { bucketItems, bucketMembers } = scan;
  return mappingOf(scan.members, (member) => {
    if (member.kind !== 'array') return parse(bytesOf(src, member));
    return member.key === 'buckets' ? bucketList(src, bucketItems.get(member.start)!, bucketMembers) : new ParsedList(src, member);
  });
}

/** SHA-256 of JSON.stringify(document), walking its lazy lists an item at a time (the key that marks a document applied). */
export function digestOf(doc: unknown): string {
  const hash = createHash('sha256');
  let pending = '';
  // Whole pieces only: a piece split between two updates could split a surrogate pair.
  const put = (piece: string): void => {
    pending += piece;
    if (pending.length >= 65536) { hash.update(pending); pending = ''; }
  };
  const walk = (value: unknown): void => {
    if (value instanceof ParsedList) {
      put('[');
      let first = true;
      for (const run of value.stringified()) {
        put(first ? run : `,${run}`);
        first = false;
      }
      put(']');
    } else if (value instanceof LazyList) {
      put('[');
      let first = true;
      for (const item of value.items()) {
        if (!first) put(',');
        first = false;
        walk(item);
      }
      put(']');
    } else if (typeof value === 'object' && value !== null && lazyMappings.has(value)) {
      put('{');
      let first = true;
      for (const [key, member] of Object.entries(value)) {
        put(`${first ? '' : ','}${JSON.stringify(key)}:`);
        first = false;
        walk(member);
      }
      put('}');
    } else put(JSON.stringify(value));
  };
  walk(doc);
  hash.update(pending);
  return hash.digest('hex');
}
