// Large JSON fixture documents are read a piece at a time (server/src/store/fixture-stream.ts): a fixture file over
// 1 MB given to startIamlocal (and loaded again by reset()), and JSON bodies of POST /_iamlocal/fixtures (written to a
// temporary file as they arrive). What SDK v3 and the AWS CLI then see is what the document says; a document with a
// bad entry late in a long list is refused whole, with its path, and leaves nothing behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from 'iamlocal';
import { runAwsCli } from '../support/aws-cli.ts';

const OBJECTS = 30_000; // ~1.3 MB of JSON: over the size (1 MiB) below which a file is read whole
const key = (i: number): string => `p${String(Math.floor(i / 1000)).padStart(2, '0')}/o${String(i).padStart(5, '0')}`;
let dir: string;
let local: Iamlocal;
let s3: S3Client;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iamlocal-fixture-stream-'));
  const objects = Array.from({ length: OBJECTS }, (_, i) => ({ key: key(i), content: `body ${i}` }));
  const file = join(dir, 'world.json');
  writeFileSync(file, JSON.stringify({
    users: [{ name: 'loader', accessKeys: [{ id: 'AKIALOADER0000000001', secret: 'loader-secret' }] }],
    buckets: [
      { name: 'big', objects },
      { name: 'history', versioning: 'Enabled', objects: [{ key: 'a.txt', versionId: '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH', content: 'v2' }],
        versions: [{ key: 'a.txt', versionId: '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrA', content: 'v1' }] },
    ],
  }));
  assert.ok(statSync(file).size > 1024 * 1024);
  local = await startIamlocal({ fixtures: [file] });
  s3 = new S3Client(local.clientConfig());
});
after(async () => {
  s3.destroy();
  await local.stop();
  rmSync(dir, { recursive: true, force: true });
});

const post = async (body: string | Buffer): Promise<{ status: number; body: { error?: string; loaded?: boolean } }> => {
  const res = await fetch(`${local.endpoint}/_iamlocal/fixtures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { status: res.status, body: (await res.json()) as { error?: string; loaded?: boolean } };
};

test('a streamed fixture file: every object there (SDK v3 and the AWS CLI), versions too, and reset() loads it again', async () => {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: 'big', Prefix: 'p29/' }));
  assert.equal(page.KeyCount, 1000);
  assert.equal(page.Contents?.at(-1)?.Key, key(OBJECTS - 1));
  const last = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: key(OBJECTS - 1) }));
  assert.equal(await last.Body?.transformToString(), `body ${OBJECTS - 1}`);
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'history' }));
  assert.deepEqual(versions.Versions?.map((v) => [v.VersionId, v.IsLatest]), [['3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrH', true], ['3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrA', false]]);
  const cli = await runAwsCli(['s3api', 'list-objects-v2', '--bucket', 'big', '--prefix', 'p07/o0712', '--query', 'Contents[].Key'], { endpoint: local.endpoint, home: dir, json: true });
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), Array.from({ length: 10 }, (_, i) => key(7120 + i)));
  // The user's key from the same document signs requests.
  const asLoader = new S3Client({ ...local.clientConfig(), credentials: { accessKeyId: 'AKIALOADER0000000001', secretAccessKey: 'loader-secret' } });
  await assert.rejects(asLoader.send(new GetObjectCommand({ Bucket: 'big', Key: key(0) })), { name: 'AccessDenied' });
  asLoader.destroy();

  await s3.send(new DeleteObjectCommand({ Bucket: 'big', Key: key(5) }));
  local.reset();
  const again = await s3.send(new GetObjectCommand({ Bucket: 'big', Key: key(5) }));
  assert.equal(await again.Body?.transformToString(), 'body 5');
});

test('POST /_iamlocal/fixtures, JSON: a byte order mark and a repeated key read as JSON.parse reads them; a bad entry late in a list refused whole', async () => {
  // A repeated key: JSON.parse keeps the last value (bucket "second"), so "first" is never made.
  const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ buckets: [{ name: 'first' }] }).slice(0, -1)),
    Buffer.from(`,"buckets":[{"name":"second","objects":[${Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `k${i}`, content: 'é😀' })).join(',')}]}]}`)]);
  assert.deepEqual(await post(body), { status: 200, body: { loaded: true } });
  await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: 'first' })), { name: 'NotFound' });
  const got = await s3.send(new GetObjectCommand({ Bucket: 'second', Key: 'k2999' }));
  assert.equal(await got.Body?.transformToString(), 'é😀');

  const objects = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, content: 'x' }));
  const bad = await post(JSON.stringify({ buckets: [{ name: 'half', objects: [...objects, { key: 'late', colour: 'red' }] }] }));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'request body: buckets[0].objects[3000].colour: unknown field (allowed: key, versionId, content, contentBase64, contentType, lastModified, owner, serverSideEncryption, kmsKeyId, tags, storageClass, sseCustomer, sseKms, acl, objectLock, metadata, checksum, parts)');
  await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: 'half' })), { name: 'NotFound' });

  // Not JSON after all: read whole, as YAML (flow style), with the YAML parser's error, as before streaming.
  const truncated = await post('{"buckets": [{"name": "cut"');
  assert.deepEqual(truncated, { status: 400, body: { error: 'request body: not YAML or JSON: Flow map in block collection must be sufficiently indented and end with a } at line 1, column 28:\n\n{"buckets": [{"name": "cut"\n                           ^\n' } });
});
