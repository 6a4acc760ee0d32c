// A JSON fixture document applied a piece at a time (applyFixtureStream, server/src/store/fixture-stream.ts) does what
// the whole-document path (JSON.parse, then applyFixtures) does: the same state, the same errors with the same paths,
// nothing kept when it fails, and the same key marking it applied (so a persistent database that loaded a file before
// does not load it again) — whatever the chunks it is read in.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import type { ServerContext } from '../src/context.ts';
import { createContext } from '../src/server.ts';
import { LazyList } from '../src/store/fixture-reader.ts';
import { bufferSource, digestOf, setChunkBytes, streamedDocument } from '../src/store/fixture-stream.ts';
import { applyFixtures, applyFixtureStream, FixtureError } from '../src/store/fixtures.ts';
import { exportState } from '../src/store/state.ts';

after(() => setChunkBytes(64 * 1024));
const NOW = new Date('2026-03-01T00:00:00Z');
const story = parseYaml(readFileSync('db/fixtures/seed-story.yaml', 'utf8')) as Record<string, unknown>;
const versioned = parseYaml(readFileSync('client-tests/boto3-s3/versions-fixture.yaml', 'utf8')) as Record<string, unknown>;
const rich = { ...story, buckets: [...(story.buckets as unknown[]), ...(versioned.buckets as unknown[])] };

/** The state, with what is random on every load (generated ids, secrets, tokens, UUIDs) blanked. */
function state(ctx: ServerContext): string {
  return JSON.stringify(exportState(ctx))
    .replace(/\b(AIDA|AROA|ANPA|AKIA|ASIA|AGPA|AIPA|ANPA)[A-Z0-9]{12,}\b/g, '$1…')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'uuid')
    .replace(/"(secret[A-Za-z]*|sessionToken|material|rootSecretAccessKey|canonicalId)":"[^"]*"/g, '"$1":"…"');
}

/** Applies `text` one way on a fresh context: the error message (or "ok") and the state after. */
function load(text: string, how: 'whole' | 'stream'): { outcome: string; state: string } {
  const ctx = createContext({ db: ':memory:', now: () => NOW });
  try {
    if (how === 'whole') applyFixtures(ctx, JSON.parse(text), 'doc.json');
    else assert.equal(applyFixtureStream(ctx, bufferSource(Buffer.from(text)), 'doc.json'), true);
    return { outcome: 'ok', state: state(ctx) };
  } catch (error) {
    if (!(error instanceof FixtureError)) throw error;
    return { outcome: error.message, state: state(ctx) };
  } finally {
    ctx.db.close();
  }
}

const empty = ((): string => {
  const ctx = createContext({ db: ':memory:', now: () => NOW });
  const s = state(ctx);
  ctx.db.close();
  return s;
})();

test('the story world and a versioned bucket: the same state as the whole-document path, in any chunk size', () => {
  const text = JSON.stringify(rich, null, 1);
  const whole = load(text, 'whole');
  assert.equal(whole.outcome, 'ok');
  for (const chunk of [64 * 1024, 7, 1]) {
    setChunkBytes(chunk);
    assert.deepEqual(load(text, 'stream'), whole, `chunks of ${chunk} bytes`);
  }
  setChunkBytes(64 * 1024);
});

test('every value of the story made wrong in turn: the same error (message and path) both ways, and nothing kept', () => {
  // Each leaf replaced by a value of the wrong kind, or a list by a mapping: what the reader checks, wherever it is.
  const docs: string[] = [];
  const walk = (node: unknown, replace: (value: unknown) => void): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, (v) => { node[i] = v; }));
      if (node.length) { replace({ wrong: true }); docs.push(JSON.stringify(rich)); replace(node); }
    } else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) walk(record[key], (v) => { record[key] = v; });
      record.unexpected = 1;
      docs.push(JSON.stringify(rich));
      delete record.unexpected;
    } else {
      replace(typeof node === 'string' ? 12 : typeof node === 'number' ? 'twelve' : '');
      docs.push(JSON.stringify(rich));
      replace(node);
    }
  };
  walk(rich, () => undefined);
  assert.ok(docs.length > 100, `${docs.length} documents`);
  setChunkBytes(13);
  let failed = 0;
  for (const doc of docs) {
    const whole = load(doc, 'whole');
    const streamed = load(doc, 'stream');
    assert.equal(streamed.outcome, whole.outcome);
    if (whole.outcome !== 'ok') {
      failed++;
      assert.match(whole.outcome, /^doc\.json: /);
      assert.equal(streamed.state, empty, `${streamed.outcome}: nothing kept`);
    } else assert.equal(streamed.state, whole.state);
  }
  setChunkBytes(64 * 1024);
  assert.ok(failed > docs.length / 2, `${failed} of ${docs.length} refused`);
});

test('errors of objects and versions late in a long list, and of lists that are not lists', () => {
  const objects = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, content: String(i) }));
  const cases: unknown[] = [
    { buckets: [{ name: 'b', objects: [...objects, { key: '' }] }] },
    { buckets: [{ name: 'b', objects: [...objects, { key: 'x', colour: 'red' }] }] },
    { buckets: [{ name: 'b', objects: [...objects.slice(0, 3), 'text'] }] },
    { buckets: [{ name: 'b', objects: 'not a list' }] },
    { buckets: [{ name: 'b', objects: {} }] },
    { buckets: [{ name: 'b', versions: [{ key: 'a', versionId: 'null', content: 'x' }] }] },
    { buckets: [{ name: 'b', versioning: 'Enabled', versions: [{ key: 'a', versionId: 'null' }, { key: 'a', versionId: 'null' }] }] },
    { buckets: [{ name: 'b' }, { name: 'b' }] },
    { buckets: [[]] },
    { buckets: [{ objects: [...objects] }] },
    { buckets: {} },
    { users: [{ name: 'u' }], buckets: [{ name: 'b', objects }], roles: [{ name: 'r' }] },
    { organization: [] },
    { unknown: [1, 2, 3] },
  ];
  for (const doc of cases) {
    const text = JSON.stringify(doc);
    const whole = load(text, 'whole');
    assert.notEqual(whole.outcome, 'ok', text.slice(0, 80));
    assert.deepEqual(load(text, 'stream'), whole);
  }
});

test('a document that is not a JSON object is left to the whole-document path (YAML, JSON.parse errors, other values)', () => {
  const ctx = createContext({ db: ':memory:' });
  for (const text of ['', 'buckets: []', '[]', '"x"', '{"buckets": [', '{"buckets": []} x', '{buckets: []}', '\ufeff{}', ' \u00a0{}']) {
    assert.equal(applyFixtureStream(ctx, bufferSource(Buffer.from(text)), 'doc'), false, JSON.stringify(text));
  }
  assert.equal(state(ctx), empty);
  ctx.db.close();
});

test('the applied-document key: the SHA-256 of JSON.stringify(JSON.parse(text)), lazy lists included; either path skips a document the other applied', () => {
  const docs = [
    '{"buckets":[{"name":"a","objects":[{"key":"k","content":"1"}],"objects":[{"key":"k2","content":"\\ud83d"}]}],"users":[],"buckets":[{"name":"b"}]}',
    '{ "__proto__": {"x": 1}, "2": [1.0, 1e2, -0, 1E400], "1": {"z": 1, "a": 2, "z": 3}, "roles": [ {"name": "r", "9": 0, "8": 1} ] }',
    `{"buckets": [{"name": "é€😀", "versions": [], "objects": [${Array.from({ length: 50 }, (_, i) => `{"key": "k${i}", "tags": {"b": "1", "a": "2", "b": "3"}}`).join(',\n')}]}]}`,
  ];
  for (const text of docs) {
    const expected = createHash('sha256').update(JSON.stringify(JSON.parse(text))).digest('hex');
    for (const chunk of [1, 5, 64 * 1024]) {
      setChunkBytes(chunk);
      const doc = streamedDocument(bufferSource(Buffer.from(text)))!;
      assert.equal(digestOf(doc), expected, `${text.slice(0, 40)} in chunks of ${chunk}`);
      // What the reader sees: the same keys in the same order, each list's items as JSON.parse has them.
      const whole = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(doc), Object.keys(whole));
      const materialize = (value: unknown): unknown => (value instanceof LazyList ? [...value.items()].map(materialize)
        : typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v)])) : value);
      assert.deepStrictEqual(JSON.stringify(materialize(doc)), JSON.stringify(whole));
    }
  }
  setChunkBytes(64 * 1024);
  const text = JSON.stringify(rich);
  for (const [first, second] of [['whole', 'stream'], ['stream', 'whole']] as const) {
    const ctx = createContext({ db: ':memory:', now: () => NOW });
    const apply = (how: 'whole' | 'stream'): void => {
      if (how === 'whole') applyFixtures(ctx, JSON.parse(text), 'doc.json');
      else applyFixtureStream(ctx, bufferSource(Buffer.from(text)), 'doc.json');
    };
    apply(first);
    const after = state(ctx);
    apply(second); // would fail with "already exists" if it were not recognised as applied
    assert.equal(state(ctx), after);
    ctx.db.close();
  }
});

test('a file that changes between the check and the load: a FixtureError, and nothing kept', () => {
  const text = JSON.stringify({ users: [{ name: 'kept?' }], buckets: [{ name: 'b', objects: [{ key: 'a', content: '1' }, { key: 'b', content: '2' }] }] });
  const valid = Buffer.from(text);
  const changed = Buffer.from(text.replace('{"key":"b"', '{"key" "b"'));
  let read = 0;
  // The reads that check it (its first byte, then the whole) see the document as it was; later ones, as it is now.
  const src = { start: 0, end: valid.length, read: (target: Buffer, position: number): number => {
    const from = read < 2 * valid.length ? valid : changed; // the first byte, then the whole document checked
    const n = from.copy(target, 0, position, Math.min(from.length, position + target.length));
    read += n;
    return n;
  } };
  const ctx = createContext({ db: ':memory:', now: () => NOW });
  assert.throws(() => applyFixtureStream(ctx, src, 'doc.json'), (e: unknown) => e instanceof FixtureError && /^doc\.json: cannot read fixtures: /.test(e.message));
  assert.equal(state(ctx), empty);
  ctx.db.close();
});
