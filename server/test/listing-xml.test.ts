// A listing's <Contents> are written directly into one string (a 1,000-key page no longer builds an object per key for
// the generic XML writer): the bytes must be those the generic writer writes for the same element, whatever the key,
// ETag, checksum, storage class, owner and restore status hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentsXml } from '../src/services/s3/buckets.ts';
import { checksumEntries } from '../src/services/s3/list-attributes.ts';
import { s3UrlEncode } from '../src/services/s3/names.ts';
import { RawXml, writeXml, type XmlObject } from '../src/protocol/xml.ts';
import type { ListedObject } from '../src/store/s3-store.ts';

/** The element as the generic writer writes it: what ListObjects(V2) answered before (the reference). */
function generic(object: ListedObject, owner: XmlObject | undefined, encode: (v: string) => string, restoreStatus?: XmlObject): string {
  const out: string[] = [];
  writeXml('Contents', {
    Key: encode(object.object_key), LastModified: object.last_modified, ETag: object.etag, ...checksumEntries(object.checksum), Size: object.size,
    Owner: owner, StorageClass: object.storage_class ?? 'STANDARD', RestoreStatus: restoreStatus,
  }, 'flat', out);
  return out.join('');
}

function ownerElement(owner: XmlObject | undefined): string {
  if (!owner) return '';
  const out: string[] = [];
  writeXml('Owner', owner, 'flat', out);
  return out.join('');
}

test('a <Contents> written directly is byte for byte the generic writer\'s, over keys, ETags, checksums, owners and restore states', () => {
  const alphabet = ['a', '/', '&', '<', '>', '"', '\r', '\n', "'", 'é', '😀', ' ', '%', '+', '*'];
  let seed = 11;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const text = (max: number): string => {
    let s = '';
    for (let n = Math.floor(random() * max); n > 0; n--) s += pick(alphabet);
    return s;
  };
  const checksums = [null, 'CRC32:AAAAAA==', 'SHA256:abc-3', 'CRC64NVME:x&y'];
  const storageClasses = [null, undefined, 'STANDARD', 'GLACIER', 'DEEP_ARCHIVE', 'ONEZONE_IA'];
  const owners = [undefined, { ID: 'abc123', DisplayName: 'me & you' }, { ID: '<id>', DisplayName: '"quoted"' }];
  const restores = [undefined, { IsRestoreInProgress: true }, { IsRestoreInProgress: false, RestoreExpiryDate: '2026-01-01T00:00:00.000Z' }];
  for (let i = 0; i < 2000; i++) {
    const object: ListedObject = {
      object_key: `k${text(12)}`, size: Math.floor(random() * 1e12), etag: pick(['"0f343b0931126a20f133d67c2b018a3b"', `"${text(6)}-2"`, text(5)]),
      last_modified: pick(['2026-12-06T08:25:16.643Z', text(4)]), owner_account: '123456789012',
      storage_class: pick(storageClasses), checksum: pick(checksums),
    };
    const owner = pick(owners);
    const encode = pick([(v: string) => v, s3UrlEncode]);
    const restore = pick(restores);
    assert.equal(contentsXml(object, ownerElement(owner), encode, restore), generic(object, owner, encode, restore), JSON.stringify(object));
  }
});

test('RawXml parts are written in place of the element named for them, and no parts write nothing', () => {
  const out: string[] = [];
  writeXml('Result', { A: '1', Contents: new RawXml(['<Contents>x</Contents>', '<Contents>y</Contents>']), B: '2' }, 'flat', out);
  assert.equal(out.join(''), '<Result><A>1</A><Contents>x</Contents><Contents>y</Contents><B>2</B></Result>');
  const empty: string[] = [];
  writeXml('Result', { Contents: new RawXml([]), CommonPrefixes: [] }, 'flat', empty);
  assert.equal(empty.join(''), '<Result></Result>');
});

test('listFrom and object() read back every column exactly as stored, whatever the text holds (rows travel as JSON)', async () => {
  const { createContext } = await import('../src/server.ts');
  const ctx = createContext({ db: ':memory:' });
  try {
    ctx.db.prepare("INSERT INTO buckets (bucket_name, account_id, region, policy, created_at) VALUES ('b', '123456789012', 'us-east-1', NULL, '2026-01-01T00:00:00.000Z')").run();
    const insert = ctx.db.prepare(`INSERT INTO objects (bucket_name, object_key, blob_id, size, etag, last_modified, owner_account, storage_class, checksum)
      VALUES ('b', ?, 'blob', ?, ?, ?, ?, ?, ?)`);
    const keys = ['plain', 'quote"back\\slash', 'tab\tnew\nline\r\u0001\u001f', 'é 😀 \u2028\u2029', '[1,"x"]', 'a/b/c', ' '];
    keys.forEach((key, i) => insert.run(key, i === 0 ? 0 : 5_000_000_000_000 + i, `"e${i}"-2`, '2026-12-06T08:25:16.643Z', '123456789012',
      i % 2 ? null : `CLASS ${key}`, i % 3 ? null : `SHA256:${key}`));
    const listed = ctx.s3.listFrom('b', '', '', 100);
    assert.equal(listed.length, keys.length);
    for (const object of listed) {
      const row = ctx.s3.object('b', object.object_key)!;
      assert.deepEqual(object, {
        object_key: row.object_key, size: row.size, etag: row.etag, last_modified: row.last_modified, owner_account: row.owner_account,
        storage_class: row.storage_class, checksum: row.checksum,
      });
    }
    assert.deepEqual(listed.map((o) => o.object_key), [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    // object() reads whole rows as JSON too: the same row, key for key and value for value, as SELECT * gives.
    const direct = ctx.db.prepare('SELECT * FROM objects WHERE bucket_name = ? AND object_key = ?');
    for (const key of keys) assert.deepEqual(ctx.s3.object('b', key), direct.get('b', key));
    assert.equal(ctx.s3.object('b', 'missing'), undefined);
  } finally {
    ctx.decisions.close();
    ctx.s3.close();
    ctx.db.close();
  }
});
