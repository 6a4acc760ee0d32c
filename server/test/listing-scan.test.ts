// A listing page (ListObjects, ListObjectsV2) against a model of S3's rules, over a store that counts the rows it is
// asked for: keys after the marker in UTF-8 byte order, those containing the delimiter after the prefix rolled up
// into one common prefix, MaxKeys entries counting both
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html: "CommonPrefixes ... count as only one
// return against the MaxKeys value"). And the cost of a page of common prefixes: a bucket of 1,000,000 objects
// under 1,000 prefixes read 1,001 rows a prefix for its first delimited page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listPage } from '../src/services/s3/listing.ts';
import { compareKeys } from '../src/services/s3/names.ts';
import type { ListedObject } from '../src/store/s3-store.ts';

function store(keys: string[]): { listFrom: (bucket: string, from: string, after: string, limit: number) => ListedObject[]; rows: () => number } {
  const sorted = [...keys].sort(compareKeys);
  let rows = 0;
  return {
    listFrom: (_bucket, from, after, limit) => {
      // The first key >= from and > after, by binary search (the model's own filter would make the test slow).
      const bound = (ok: (k: string) => boolean): number => {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ok(sorted[mid]!)) hi = mid; else lo = mid + 1;
        }
        return lo;
      };
      const start = Math.max(bound((k) => compareKeys(k, from) >= 0), bound((k) => compareKeys(k, after) > 0));
      const out = sorted.slice(start, start + limit)
        .map((k) => ({ object_key: k, size: 1, etag: '"e"', last_modified: 't', owner_account: '123456789012', storage_class: 'STANDARD', checksum: null }));
      rows += out.length;
      return out;
    },
    rows: () => rows,
  };
}

function model(keys: string[], prefix: string, delimiter: string, after: string, maxKeys: number): { entries: string[]; isTruncated: boolean } {
  const all: string[] = [];
  for (const key of [...keys].sort(compareKeys)) {
    if (!key.startsWith(prefix) || compareKeys(key, after) <= 0) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = at >= 0 ? key.slice(0, at + delimiter.length) : key;
    // A common prefix at or before the marker was returned by an earlier page.
    if (at >= 0 && compareKeys(entry, after) <= 0) continue;
    if (all.at(-1) !== entry) all.push(entry);
  }
  return { entries: all.slice(0, maxKeys), isTruncated: all.length > maxKeys };
}

test('listing pages match the model: prefixes, delimiters, markers and page sizes, mixed rolled-up and plain keys', () => {
  const keys = ['a', 'a/1', 'a/2', 'a/b/c', 'ab', 'b/', 'b/x', 'c', 'd/e/f', 'd/g', 'é/1', 'é/2', 'z'];
  for (let i = 0; i < 40; i++) keys.push(`p${String(i % 7)}/k${String(i).padStart(2, '0')}`, `q${String(i).padStart(2, '0')}`);
  const s = store(keys);
  for (const prefix of ['', 'a', 'a/', 'p3/', 'd/', 'q', 'é']) {
    for (const delimiter of ['', '/', 'k', '2']) {
      for (const after of ['', 'a/1', 'a/', 'b/', 'p2/', 'p2/k09', 'q1', 'é/1']) {
        for (const maxKeys of [1, 2, 3, 5, 1000]) {
          const page = listPage(s, 'bucket', prefix, delimiter, after, maxKeys);
          const got = { entries: page.entries.map((e) => e.kind === 'object' ? e.object.object_key : e.prefix), isTruncated: page.isTruncated };
          assert.deepEqual(got, model(keys, prefix, delimiter, after, maxKeys), JSON.stringify({ prefix, delimiter, after, maxKeys }));
        }
      }
    }
  }
});

test('a page of 1,000 common prefixes reads about one row a prefix, not a batch each', () => {
  const keys: string[] = [];
  for (let p = 0; p < 1200; p++) for (let k = 0; k < 3; k++) keys.push(`p${String(p).padStart(4, '0')}/o${k}`);
  const s = store(keys);
  const page = listPage(s, 'bucket', '', '/', '', 1000);
  assert.equal(page.entries.length, 1000);
  assert.equal(page.isTruncated, true);
  assert.ok(page.entries.every((e) => e.kind === 'prefix'));
  // Before: 1,001 rows for each prefix (1,001,001). One row after each jump, plus the first batch.
  assert.ok(s.rows() < 3_000, `read ${s.rows()} rows`);
});
