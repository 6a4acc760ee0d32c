// The incremental JSON tokenizer (server/src/store/json-stream.ts) against JSON.parse: the same documents accepted,
// the same values built from its events, whatever the chunks it is fed (split at every byte of small documents).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonSyntaxError, JsonTokenizer, type JsonHandler } from '../src/store/json-stream.ts';

/** Builds the value the events describe (as JSON.parse would: "__proto__" an own key, a repeated key's last value). */
function builder(): { handler: JsonHandler; value: () => unknown } {
  const stack: { container: unknown[] | Record<string, unknown>; key: string }[] = [];
  let result: unknown;
  const put = (value: unknown): void => {
    const top = stack[stack.length - 1];
    if (!top) result = value;
    else if (Array.isArray(top.container)) top.container.push(value);
    else Object.defineProperty(top.container, top.key, { value, enumerable: true, writable: true, configurable: true });
  };
  return {
    handler: {
      open: (kind) => { stack.push({ container: kind === 'array' ? [] : {}, key: '' }); },
      close: () => { put(stack.pop()!.container); },
      key: (key) => { stack[stack.length - 1]!.key = key; },
      scalar: (value) => put(value),
    },
    value: () => result,
  };
}

/** The document's value from the tokenizer fed `chunks`, or the JsonSyntaxError it threw. */
function tokenize(chunks: Buffer[]): { value: unknown } | { error: JsonSyntaxError } {
  const b = builder();
  const t = new JsonTokenizer(b.handler);
  try {
    for (const chunk of chunks) t.write(chunk);
    t.end();
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { error };
    throw error;
  }
  return { value: b.value() };
}

function parsed(bytes: Buffer): { value: unknown } | { error: unknown } {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (error) {
    return { error };
  }
}

/** Fed whole, a byte at a time, and split in two at every byte: each time what JSON.parse says. */
function check(doc: string | Buffer, everySplit = true): void {
  const bytes = typeof doc === 'string' ? Buffer.from(doc) : doc;
  const expected = parsed(bytes);
  const label = JSON.stringify(bytes.toString('utf8'));
  const same = (got: ReturnType<typeof tokenize>, how: string): void => {
    if ('error' in expected) assert.ok('error' in got, `${label} (${how}): JSON.parse refuses it, the tokenizer accepted it`);
    else {
      assert.ok('value' in got, `${label} (${how}): JSON.parse accepts it, the tokenizer said ${'error' in got ? got.error.message : ''}`);
      assert.deepStrictEqual(got.value, expected.value, `${label} (${how})`);
    }
  };
  same(tokenize([bytes]), 'whole');
  same(tokenize([...bytes].map((b) => Buffer.from([b]))), 'byte by byte');
  if (everySplit) for (let i = 1; i < bytes.length; i++) same(tokenize([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`);
}

test('scalars: numbers, literals and strings as JSON.parse reads them', () => {
  for (const doc of ['0', '-0', '1', '-1', '12.5', '1e3', '1E+3', '1e-3', '-0.0e0', '123456789012345678901234567890', '1e400', '-1e400',
    '5e-324', '0.1', '  7  ', 'true', 'false', 'null', '""', '"a"', ' "x" ']) check(doc);
  // Not JSON: leading zeros, bare signs and dots, hex, missing digits, words JSON does not have, other spaces.
  for (const doc of ['01', '-', '+1', '.5', '5.', '1e', '1e+', '0x10', '1.e3', '-01', 'tru', 'truex', 'nul', 'True', 'NaN', 'Infinity',
    'undefined', '', ' ', '\u00a01', '\ufeff1', '1 2', '"a" "b"', '1,', '\v1', '\f1']) check(doc);
});

test('strings: escapes, surrogate pairs, lone surrogates, control characters and raw UTF-8 split anywhere', () => {
  for (const doc of ['"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\u0041\\u00e9\\u20AC"', '"\\ud83d\\ude00"', '"\\uD83D"', '"\\ude00x"', '"\\ud83dx\\ude00"',
    '"é€😀"', '"a\\u0000b"', '"\u007f"', '"ab\\u005C"', '{"k\\u0065y":"v\\"al"}']) check(doc);
  // Raw control characters must be escaped; bad escapes; unterminated strings.
  for (const doc of ['"a\nb"', '"\t"', '"\u0000"', '"\\x41"', '"\\u12"', '"\\u12G4"', '"\\U0041"', '"\\', '"abc', '"\\u00', "'a'"]) check(doc);
  // Bytes that are not UTF-8 inside a string read as U+FFFD by both; outside one, they are not JSON.
  check(Buffer.from([0x22, 0xff, 0x61, 0xc3, 0x22]));
  check(Buffer.from([0x22, 0xe2, 0x82, 0x5c, 0x6e, 0x22]));
  check(Buffer.from([0x5b, 0xff, 0x5d]));
});

test('containers: nesting, whitespace, empty ones, trailing commas and unbalanced brackets', () => {
  for (const doc of ['[]', '{}', '[[]]', '[{}]', '{"a":[]}', ' [ 1 , [ 2 , [ 3 ] ] , { "b" : { "c" : null } } ] ', '\t\r\n[\n1\r,\t2]\n',
    '{"a":1,"b":[true,false,null],"c":{"d":"e"}}', '[-0,0.5,-1e-7]', `${'['.repeat(200)}${']'.repeat(200)}`]) check(doc);
  for (const doc of ['[', ']', '{', '}', '[1,]', '[,1]', '[1 2]', '{"a"}', '{"a":}', '{"a":1,}', '{,}', '{a:1}', '{"a" 1}', '{1:1}',
    '[1]]', '[1}', '{"a":1]', '[][]', '{}{}', '{"a":1}x', `${'['.repeat(50)}${']'.repeat(49)}`]) check(doc);
});

test('truncated input: every prefix of a document refused or read exactly as JSON.parse does', () => {
  const doc = Buffer.from(' {"a": [1, -2.5e+3, true, null, "x\\u00e9\\ud83d\\ude00"], "b": {"c": {}}, "é": "😀"} ');
  for (let i = 0; i <= doc.length; i++) check(doc.subarray(0, i), false);
  for (const text of ['123', '-0.5e10', 'false', '"abc"']) for (let i = 0; i <= text.length; i++) check(text.slice(0, i), false);
});

test('keys: a repeated key keeps its first place and its last value; "__proto__" and numeric keys as JSON.parse has them', () => {
  for (const doc of ['{"a":1,"b":2,"a":3}', '{"a":{"x":1},"a":[2]}', '{"__proto__":{"polluted":1},"b":2}', '{"b":1,"2":2,"1":3,"a":4}',
    '{"":0,"":1}', '{"a":1,"a":{"a":1,"a":2}}']) check(doc);
  const got = tokenize([Buffer.from('{"b":1,"2":2,"a":3,"b":4}')]);
  assert.ok('value' in got);
  assert.deepEqual(Object.keys(got.value as object), Object.keys(JSON.parse('{"b":1,"2":2,"a":3,"b":4}') as object));
});

test('offsets: events at depth ≤ eventDepth only, with the byte ranges of each value', () => {
  const doc = Buffer.from(' {"a": [1, {"x": "y"}], "é": "w", "n": -2.5e1}');
  const seen: string[] = [];
  const t = new JsonTokenizer({
    open: (kind, start, depth) => seen.push(`open ${kind} ${start} ${depth}`),
    close: (kind, end, depth) => seen.push(`close ${kind} ${end} ${depth}`),
    key: (key, depth) => seen.push(`key ${key} ${depth}`),
    scalar: (value, start, end, depth) => seen.push(`scalar ${String(value)} ${start}-${end} ${depth} ${doc.subarray(start - 100, end - 100).toString()}`),
  }, 1, 100);
  for (let i = 0; i < doc.length; i += 3) t.write(doc.subarray(i, i + 3));
  t.end();
  assert.deepEqual(seen, [
    'open object 101 0', 'key a 1', 'open array 107 1', 'close array 122 1', 'key é 1', 'scalar w 130-133 1 "w"', 'key n 1', 'scalar -25 140-146 1 -2.5e1', 'close object 147 0',
  ]);
  assert.throws(() => { const u = new JsonTokenizer({}, 0, 10); u.write(Buffer.from('[1,]')); }, (e: unknown) => e instanceof JsonSyntaxError && e.offset === 13);
  const truncated = new JsonTokenizer({});
  truncated.write(Buffer.from('{"a":[1'));
  assert.throws(() => truncated.end(), JsonSyntaxError);
});

test('fuzz: random documents and byte mutations of them, in random chunks, accepted and read exactly as JSON.parse does', () => {
  let seed = 26;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const space = (): string => pick(['', '', ' ', '\n', '\t', '\r\n  ']);
  const strings = ['', 'a', 'é', '😀', '\\n', '\\u00e9', '\\ud83d\\ude00', '\\"', 'key', '__proto__', '0', '12'];
  const value = (depth: number): string => {
    const r = random();
    if (depth > 3 || r < 0.4) return pick(['0', '-1', '3.25', '1e5', '-0.5E-2', 'true', 'false', 'null', ...strings.map((s) => `"${s}"`)]);
    const n = Math.floor(random() * 4);
    const items = Array.from({ length: n }, () => (r < 0.7 ? `${space()}${value(depth + 1)}${space()}` : `${space()}"${pick(strings)}"${space()}:${space()}${value(depth + 1)}${space()}`));
    return r < 0.7 ? `[${items.join(',')}]` : `{${items.join(',')}}`;
  };
  const alphabet = Buffer.from('{}[]:,"\\ \n0123456789-+.eEtrufalsn\u00e9x');
  for (let i = 0; i < 600; i++) {
    const doc = Buffer.from(`${space()}${value(0)}${space()}`);
    const docs = [doc];
    for (let m = 0; m < 3; m++) {
      const mutated = Buffer.from(doc);
      const at = Math.floor(random() * mutated.length);
      const r = random();
      if (r < 0.4) mutated[at] = pick([...alphabet]);
      docs.push(r < 0.4 ? mutated : r < 0.7 ? Buffer.concat([doc.subarray(0, at), doc.subarray(at + 1)]) : doc.subarray(0, at));
    }
    for (const d of docs) {
      const expected = parsed(d);
      const chunks: Buffer[] = [];
      for (let at = 0; at < d.length;) {
        const n = 1 + Math.floor(random() * 5);
        chunks.push(d.subarray(at, at + n));
        at += n;
      }
      const got = tokenize(chunks);
      assert.equal('error' in got, 'error' in expected, d.toString());
      if ('value' in got && 'value' in expected) assert.deepStrictEqual(got.value, expected.value, d.toString());
    }
  }
});
