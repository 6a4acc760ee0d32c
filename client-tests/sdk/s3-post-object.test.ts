// Browser POST uploads (POST Object) with the AWS SDK for JavaScript v3's createPresignedPost, fetch()/FormData, raw
// hostile forms over node:http, and a real HTML form submitted by Chromium. AWS references: API Reference "POST Object"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html: file last, fields after it ignored,
// success_action_status 200/201/204, success_action_redirect 303), "Creating a POST Policy"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html: expiration, exact/starts-with
// matching, content-length-range, every field but x-amz-signature, file, policy and x-ignore-* named by a condition),
// "Calculating a Signature" for POST (hex HMAC-SHA256 of the base64 policy with the SigV4 signing key), and the Error
// Responses list (MalformedPOSTRequest, MaxPostPreDataLengthExceededError, EntityTooSmall, EntityTooLarge).
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
iamlocalPerFile((started) => ({ local } = started));

const s3 = (): S3Client => new S3Client(local.clientConfig() as S3ClientConfig);

async function postForm(url: string, fields: Record<string, string>, file: Blob | string, filename = 'f.txt'): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', typeof file === 'string' ? new Blob([file]) : file, filename);
  return fetch(url, { method: 'POST', body: form, redirect: 'manual' });
}

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string): string | undefined => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1]?.replaceAll('&quot;', '"');

/** A SigV4-signed form for the root user around any policy document (as a hostile or hand-made form would be). */
function signedFields(policy: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const date = SIGNING_DATE;
  const credential = CREDENTIAL;
  const base64 = Buffer.from(typeof policy === 'string' ? policy : JSON.stringify(policy)).toString('base64');
  const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac('AWS4test', date), 'us-east-1'), 's3'), 'aws4_request');
  return {
    ...extra, 'x-amz-algorithm': 'AWS4-HMAC-SHA256', 'x-amz-credential': credential, 'x-amz-date': `${date}T000000Z`, policy: base64,
    'x-amz-signature': createHmac('sha256', signingKey).update(base64).digest('hex'),
  };
}
const SIGNING_DATE = '20261206';
const CREDENTIAL = `test/${SIGNING_DATE}/us-east-1/s3/aws4_request`;
// Only exact matching is allowed on the signing fields.
const SIGNING_CONDITIONS = [{ 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': CREDENTIAL }, ['eq', '$x-amz-date', `${SIGNING_DATE}T000000Z`]];
const future = (): string => new Date(Date.now() + 600_000).toISOString();

/** A raw multipart body written in small pieces (boundaries straddle the chunks), answered as text. */
function rawPost(path: string, body: Buffer, boundary: string, chunk = 7): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(path, local.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    let at = 0;
    const write = (): void => {
      while (at < body.length) {
        const piece = body.subarray(at, at + chunk);
        at += chunk;
        if (!req.write(piece)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

function multipart(boundary: string, parts: { name: string; value: string | Buffer; filename?: string }[], close = true): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    out.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(p.value), Buffer.from('\r\n'));
  }
  if (close) out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

test('createPresignedPost (SDK v3): a fetch() FormData upload is stored with the form\'s fields; 201 PostResponse', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'forms' }));
  const { url, fields } = await createPresignedPost(root, {
    Bucket: 'forms', Key: 'user/42/${filename}', Expires: 300,
    Conditions: [['starts-with', '$key', 'user/42/'], ['content-length-range', 1, 1024], ['starts-with', '$Content-Type', 'image/'], { success_action_status: '201' }],
    Fields: { 'Content-Type': 'image/png', success_action_status: '201' },
  });
  const r = await postForm(url, fields, new Blob([Buffer.from('png bytes')]), 'cat.png');
  const xml = await r.text();
  assert.equal(r.status, 201, xml);
  assert.match(xml, /<Bucket>forms<\/Bucket><Key>user\/42\/cat.png<\/Key><ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/);
  const got = await root.send(new GetObjectCommand({ Bucket: 'forms', Key: 'user/42/cat.png' }));
  assert.equal(got.ContentType, 'image/png');
  assert.equal(await got.Body!.transformToString(), 'png bytes');

  // The same form with a type its starts-with does not allow, or a file over its range.
  const bad = await postForm(url, { ...fields, 'Content-Type': 'text/html' }, 'x');
  assert.equal(bad.status, 403);
  assert.equal(messageOf(await bad.text()), 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]');
  const big = await postForm(url, fields, 'x'.repeat(1025));
  assert.equal(codeOf(await big.text()), 'EntityTooLarge');
  root.destroy();
});

test('hostile forms: oversized fields, truncated and malformed bodies, duplicates, policy documents S3 refuses', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'hostile' }));
  const b = 'xXbOuNdArYXx';
  const policy = { expiration: future(), conditions: [{ bucket: 'hostile' }, ['starts-with', '$key', ''], ...SIGNING_CONDITIONS] };

  // The fields before the file are limited to 20 KB.
  let r = await rawPost('/hostile', multipart(b, [{ name: 'key', value: 'k' }, { name: 'x-ignore-pad', value: 'p'.repeat(21 * 1024) }, { name: 'file', value: 'f', filename: 'f' }]), b, 4096);
  assert.equal(codeOf(r.text), 'MaxPostPreDataLengthExceededError', r.text);

  // A body that ends inside the file (no closing boundary) stores nothing.
  const fields = signedFields(policy, { key: 'trunc' });
  const parts = [...Object.entries(fields).map(([name, value]) => ({ name, value })), { name: 'file', value: 'partial', filename: 'f' }];
  r = await rawPost('/hostile', multipart(b, parts, false).subarray(0, -2), b);
  assert.equal(codeOf(r.text), 'MalformedPOSTRequest', r.text);
  assert.equal((await rejection(root.send(new HeadObjectCommand({ Bucket: 'hostile', Key: 'trunc' })))).name, 'NotFound');
  r = await rawPost('/hostile', Buffer.from('not a form at all'), b);
  assert.equal(codeOf(r.text), 'MalformedPOSTRequest', r.text);

  // Written 7 bytes at a time: the file is exactly what was sent; a field after the file is ignored.
  const content = Buffer.from(`line one\r\n--${b.slice(0, 5)} not the boundary\r\n`);
  r = await rawPost('/hostile', multipart(b, [...Object.entries(signedFields(policy, { key: 'exact' })).map(([name, value]) => ({ name, value })),
    { name: 'file', value: content, filename: 'f' }, { name: 'x-amz-meta-after', value: 'ignored' }]), b);
  assert.equal(r.status, 204, r.text);
  const got = await root.send(new GetObjectCommand({ Bucket: 'hostile', Key: 'exact' }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), content);
  assert.deepEqual(got.Metadata, {});

  // One field twice: which value the policy saw would be ambiguous.
  r = await rawPost('/hostile', multipart(b, [{ name: 'key', value: 'a' }, { name: 'Key', value: 'b' }, { name: 'file', value: 'f', filename: 'f' }]), b);
  assert.equal(codeOf(r.text), 'InvalidArgument', r.text);

  const cases: [unknown, string, string][] = [
    ['{not json', 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.'],
    [{ conditions: [] }, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration.'],
    [{ expiration: 'tomorrow', conditions: [] }, 'InvalidPolicyDocument', "Invalid Policy: Invalid 'expiration' value: 'tomorrow'"],
    [{ expiration: future(), conditions: [{ key: 'a', acl: 'b' }] }, 'InvalidPolicyDocument', 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.'],
    // starts-with is not a matching S3 allows for success_action_status: the condition fails.
    [{ ...policy, conditions: [...policy.conditions, ['starts-with', '$success_action_status', '']] }, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$success_action_status", ""]'],
    [{ ...policy, conditions: [{ bucket: 'another' }, ...policy.conditions.slice(1)] }, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "another"]'],
    // The signing fields themselves must be named by conditions.
    [{ expiration: future(), conditions: [{ bucket: 'hostile' }, ['starts-with', '$key', '']] }, 'AccessDenied', 'Invalid according to Policy: Extra input fields: x-amz-algorithm'],
  ];
  for (const [doc, code, message] of cases) {
    const res = await postForm(`${local.endpoint}/hostile`, signedFields(doc, { key: 'k' }), 'x');
    const text = await res.text();
    assert.equal(codeOf(text), code, text);
    assert.equal(messageOf(text), message);
  }
  root.destroy();
});

const CHROMIUM = process.env.IAMLOCAL_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

test('a real HTML form in Chromium: the browser posts the file and follows success_action_redirect', { skip, timeout: 30_000 }, async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'browser' }));
  const page: Server = createServer((req, res) => res.end(req.url?.startsWith('/done') ? `done ${req.url}` : ''));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  const { url, fields } = await createPresignedPost(root, {
    Bucket: 'browser', Key: 'in/${filename}', Expires: 300,
    Conditions: [['starts-with', '$key', 'in/'], ['starts-with', '$success_action_redirect', `${origin}/done`], ['starts-with', '$x-amz-meta-from', '']],
    Fields: { success_action_redirect: `${origin}/done`, 'x-amz-meta-from': 'chromium' },
  });
  const dir = await mkdtemp(join(tmpdir(), 'iamlocal-post-'));
  const upload = join(dir, 'photo.txt');
  await writeFile(upload, 'chosen in the browser');
  const inputs = Object.entries(fields).map(([n, v]) => `<input type="hidden" name="${n}" value="${v.replaceAll('"', '&quot;')}">`).join('');
  const html = `<!doctype html><form action="${url}" method="post" enctype="multipart/form-data">${inputs}<input type="file" name="file"><button name="x-ignore-submit">Upload</button></form>`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = browser.pages()[0] ?? await browser.newPage();
    await tab.goto(`${origin}/`);
    await tab.setContent(html);
    await tab.setInputFiles('input[type=file]', upload);
    await Promise.all([tab.waitForURL(`${origin}/done**`), tab.click('button')]);
    const landed = new URL(tab.url());
    assert.equal(landed.searchParams.get('bucket'), 'browser');
    assert.equal(landed.searchParams.get('key'), 'in/photo.txt');
    const got = await root.send(new GetObjectCommand({ Bucket: 'browser', Key: 'in/photo.txt' }));
    assert.equal(landed.searchParams.get('etag'), got.ETag);
    assert.equal(got.Metadata?.from, 'chromium');
    assert.equal(await got.Body!.transformToString(), 'chosen in the browser');
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => page.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
    root.destroy();
  }
});

test('Content-MD5 and x-amz-checksum-* form fields are verified as PutObject verifies them, the checksum stored; Object Lock fields applied', async () => {
  // API Reference "POST Object" (Content-MD5 and x-amz-checksum-* form fields) and PutObject's errors: BadDigest ("The
  // Content-MD5 you specified did not match what we received.", "The SHA256 you specified did not match the calculated
  // checksum."), InvalidDigest for a malformed Content-MD5; GetObject with ChecksumMode ENABLED returns the stored checksum.
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'forms-integrity', ObjectLockEnabledForBucket: true }));
  const body = 'integrity bytes';
  const md5 = createHash('md5').update(body).digest('base64');
  const sha256 = createHash('sha256').update(body).digest('base64');
  const form = async (key: string, Fields: Record<string, string>) => createPresignedPost(root, {
    Bucket: 'forms-integrity', Key: key, Expires: 300, Fields, Conditions: Object.entries(Fields).map(([k, v]) => ({ [k]: v })),
  });
  const good = await form('md5', { 'Content-MD5': md5 });
  assert.equal((await postForm(good.url, good.fields, body)).status, 204);
  const badMd5 = await postForm(good.url, good.fields, 'other bytes');
  const badMd5Xml = await badMd5.text();
  assert.deepEqual([badMd5.status, codeOf(badMd5Xml), messageOf(badMd5Xml)], [400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.']);
  const malformed = await form('malformed', { 'Content-MD5': 'not-md5' });
  assert.equal(codeOf(await (await postForm(malformed.url, malformed.fields, body)).text()), 'InvalidDigest');

  const checksummed = await form('sha', { 'x-amz-checksum-sha256': sha256 });
  assert.equal((await postForm(checksummed.url, checksummed.fields, body)).status, 204);
  const head = await root.send(new HeadObjectCommand({ Bucket: 'forms-integrity', Key: 'sha', ChecksumMode: 'ENABLED' }));
  assert.deepEqual([head.ChecksumSHA256, head.ChecksumType], [sha256, 'FULL_OBJECT']);
  const mismatch = await postForm(checksummed.url, checksummed.fields, 'tampered');
  const mismatchXml = await mismatch.text();
  assert.deepEqual([codeOf(mismatchXml), messageOf(mismatchXml)], ['BadDigest', 'The SHA256 you specified did not match the calculated checksum.']);
  await assert.rejects(root.send(new HeadObjectCommand({ Bucket: 'forms-integrity', Key: 'never' })));

  // Object Lock fields: the object gets the retention and legal hold, as PutObject's headers give them.
  const until = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const locked = await form('locked', { 'Content-MD5': md5, 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': until, 'x-amz-object-lock-legal-hold': 'ON' });
  const lockedResponse = await postForm(locked.url, locked.fields, body);
  assert.equal(lockedResponse.status, 204, await lockedResponse.text());
  const lockedHead = await root.send(new HeadObjectCommand({ Bucket: 'forms-integrity', Key: 'locked' }));
  assert.deepEqual([lockedHead.ObjectLockMode, lockedHead.ObjectLockRetainUntilDate?.toISOString(), lockedHead.ObjectLockLegalHoldStatus],
    ['GOVERNANCE', until.replace('Z', '.000Z'), 'ON']);
  // Without an integrity field a lock is refused as PutObject refuses it.
  const unchecked = await form('unchecked', { 'x-amz-object-lock-legal-hold': 'ON' });
  const uncheckedXml = await (await postForm(unchecked.url, unchecked.fields, body)).text();
  assert.deepEqual([codeOf(uncheckedXml), messageOf(uncheckedXml)], ['InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters']);
  root.destroy();
});
