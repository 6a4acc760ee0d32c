// The on-disk cache of parsed YAML fixtures (server/src/store/yaml-cache.ts): a cached parse gives what yaml's
// parse() gives, and what parse() would throw on or warn about, or a value JSON cannot carry, is never cached.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';

const dir = mkdtempSync(join(tmpdir(), 'iamlocal-yaml-cache-test-'));
process.env.TMPDIR = dir; // os.tmpdir() reads it when the module computes its directory
const { parseYamlCached } = await import('../src/store/yaml-cache.ts');
const uid = process.getuid?.();
const cacheDir = join(dir, uid === undefined ? 'iamlocal-yaml-cache' : `iamlocal-yaml-cache-${uid}`);
after(() => rmSync(dir, { recursive: true, force: true }));

test('a parsed document is cached, and the cached parse equals yaml.parse', () => {
  const text = 'users:\n  - name: alice\n    tags: {team: "a", n: 3, on: true, none: null}\nroles: [r1, r2]\n';
  const first = parseYamlCached(text);
  assert.deepEqual(first, parse(text));
  assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 1);
  assert.deepEqual(parseYamlCached(text), first);
  assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 1);
});

test('errors are thrown every time and values JSON cannot carry are not cached', () => {
  const before = readdirSync(cacheDir).length;
  for (let i = 0; i < 2; i++) assert.throws(() => parseYamlCached('a: [1, 2\nb: c\n'));
  assert.deepEqual(parseYamlCached('limit: .inf\n'), { limit: Infinity });
  assert.deepEqual(parseYamlCached('limit: .inf\n'), { limit: Infinity });
  assert.equal(readdirSync(cacheDir).length, before);
});

test('cached files are the user\'s alone (600 in a 700 directory); a directory open to others is not used', () => {
  const text = 'secrets:\n  - rootSecretAccessKey: do-not-share\n';
  parseYamlCached(text);
  assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
  for (const f of readdirSync(cacheDir)) assert.equal(statSync(join(cacheDir, f)).mode & 0o077, 0, f);
  // Another user could have made it (or opened it up): then nothing is written to it or read from it.
  chmodSync(cacheDir, 0o777);
  try {
    const before = readdirSync(cacheDir).length;
    assert.deepEqual(parseYamlCached('other: document\n'), { other: 'document' });
    assert.equal(readdirSync(cacheDir).length, before);
  } finally {
    chmodSync(cacheDir, 0o700);
  }
});

test('IAMLOCAL_YAML_CACHE=off parses every time and writes nothing', () => {
  process.env.IAMLOCAL_YAML_CACHE = 'off';
  try {
    const before = readdirSync(cacheDir).length;
    assert.deepEqual(parseYamlCached('uncached: yes\n'), parse('uncached: yes\n'));
    assert.equal(readdirSync(cacheDir).length, before);
  } finally {
    delete process.env.IAMLOCAL_YAML_CACHE;
  }
});
