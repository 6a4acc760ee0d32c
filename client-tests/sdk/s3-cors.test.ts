// S3 bucket CORS with the AWS SDK for JavaScript v3 (Put/Get/DeleteBucketCors), raw HTTP for preflights and actual
// requests, and a real browser (Chromium) for a cross-origin page. AWS references: S3 User Guide "Using cross-origin
// resource sharing (CORS)" and "CORS configuration" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html,
// .../ManageCorsUsing.html: first matching rule, up to 100 rules, one wildcard per AllowedOrigin), API Reference
// PutBucketCors / GetBucketCors (NoSuchCORSConfiguration) / DeleteBucketCors, and the Service Authorization Reference
// (s3:PutBucketCORS authorizes PutBucketCors and DeleteBucketCors, s3:GetBucketCORS GetBucketCors). Preflight texts
// (AccessForbidden "CORSResponse: …", BadRequest "Insufficient information. Origin request header needed.") and the
// response headers (Allow-Methods lists the rule's methods, Allow-Credentials unless the rule allows "*", Vary) as S3
// answers them in recorded AWS responses.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateUserCommand, PutUserPolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  CreateBucketCommand, DeleteBucketCorsCommand, GetBucketCorsCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand, S3Client,
  type CORSRule, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { iamlocalPerFile, rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

const s3 = (principal: 'root' | { user: string } = 'root'): S3Client => new S3Client(local.clientConfig(principal) as S3ClientConfig);
const NOT_ALLOWED = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

const RULES: CORSRule[] = [
  { ID: 'app', AllowedOrigins: ['https://app.example.com', 'https://*.example.org'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 3000 },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
];

test('PutBucketCors / GetBucketCors / DeleteBucketCors round trip; NoSuchCORSConfiguration before and after', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'web' }));
  const none = await rejection(root.send(new GetBucketCorsCommand({ Bucket: 'web' })));
  assert.deepEqual(none, { name: 'NoSuchCORSConfiguration', message: 'The CORS configuration does not exist', status: 404 });
  // DeleteBucketCors without a configuration: 204, as on AWS.
  await root.send(new DeleteBucketCorsCommand({ Bucket: 'web' }));
  await root.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: RULES } }));
  assert.deepEqual((await root.send(new GetBucketCorsCommand({ Bucket: 'web' }))).CORSRules, RULES);
  await root.send(new DeleteBucketCorsCommand({ Bucket: 'web' }));
  assert.equal((await rejection(root.send(new GetBucketCorsCommand({ Bucket: 'web' })))).name, 'NoSuchCORSConfiguration');
  assert.equal((await rejection(root.send(new GetBucketCorsCommand({ Bucket: 'nope' })))).name, 'NoSuchBucket');
});

test('PutBucketCors validation: unsupported method, two wildcards, no rules, more than 100 rules', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'web' }));
  const put = (rules: CORSRule[]) => rejection(root.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: rules } })));
  assert.deepEqual(await put([{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PATCH'] }]),
    { name: 'InvalidRequest', message: 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH', status: 400 });
  assert.deepEqual(await put([{ AllowedOrigins: ['https://*.*.example.com'], AllowedMethods: ['GET'] }]),
    { name: 'InvalidRequest', message: 'AllowedOrigin "https://*.*.example.com" can not have more than one wildcard.', status: 400 });
  const malformed = { name: 'MalformedXML', message: 'The XML you provided was not well-formed or did not validate against our published schema', status: 400 };
  assert.deepEqual(await put([]), malformed);
  assert.deepEqual(await put(Array.from({ length: 101 }, () => ({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }))), malformed);
  assert.deepEqual(await put([{ AllowedOrigins: ['*'], AllowedMethods: [] }]), malformed);
  // Without Content-MD5 or an x-amz-checksum-* (the SDK sends one: the model requires it), AWS refuses the body.
  const bare = s3();
  const strip = (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
    const headers = (args.request as { headers: Record<string, string> }).headers;
    for (const name of Object.keys(headers)) if (/^(content-md5|x-amz-checksum-|x-amz-sdk-checksum-|x-amz-trailer)/i.test(name)) delete headers[name];
    return next(args);
  };
  type Middleware = Parameters<typeof bare.middlewareStack.addRelativeTo>[0];
  bare.middlewareStack.addRelativeTo(strip as unknown as Middleware, { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'stripChecksums' });
  assert.deepEqual(await rejection(bare.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: RULES } }))),
    { name: 'InvalidRequest', message: 'Missing required header for this request: Content-MD5', status: 400 });
  // Nothing was stored by the refused requests.
  assert.equal((await rejection(root.send(new GetBucketCorsCommand({ Bucket: 'web' })))).name, 'NoSuchCORSConfiguration');
});

test('IAM: s3:PutBucketCORS for Put and Delete, s3:GetBucketCORS for Get, with AWS\'s AccessDenied text', async () => {
  await s3().send(new CreateBucketCommand({ Bucket: 'web' }));
  await iam.send(new CreateUserCommand({ UserName: 'dev' }));
  const allow = (actions: string[]) => iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'p', PolicyDocument: JSON.stringify({
    Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: 'arn:aws:s3:::web' }] }) }));
  await allow(['s3:GetBucketCORS']);
  const dev = s3({ user: 'dev' });
  const denied = await rejection(dev.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: RULES } })));
  assert.equal(denied.name, 'AccessDenied');
  assert.match(denied.message, /^User: arn:aws:iam::123456789012:user\/dev is not authorized to perform: s3:PutBucketCORS on resource: "arn:aws:s3:::web" because no identity-based policy allows the s3:PutBucketCORS action$/);
  assert.match((await rejection(dev.send(new DeleteBucketCorsCommand({ Bucket: 'web' })))).message, /s3:PutBucketCORS/);
  assert.equal((await rejection(dev.send(new GetBucketCorsCommand({ Bucket: 'web' })))).name, 'NoSuchCORSConfiguration');
  await allow(['s3:PutBucketCORS']);
  await dev.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: RULES } }));
  assert.match((await rejection(dev.send(new GetBucketCorsCommand({ Bucket: 'web' })))).message, /not authorized to perform: s3:GetBucketCORS/);
  await dev.send(new DeleteBucketCorsCommand({ Bucket: 'web' }));
});

/** A raw request: no SDK, no signature (as a browser's preflight). */
async function raw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`${local.endpoint}${path}`, { method, headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** fetch() cannot set Host: node:http for a virtual-hosted-style request (bucket in the Host header). */
function virtualHosted(method: string, bucket: string, path: string, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  const { hostname, port } = new URL(local.endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers: { ...headers, Host: `${bucket}.s3.localhost` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers));
    });
    req.on('error', reject);
    req.end();
  });
}

const cors = (h: Headers): Record<string, string> =>
  Object.fromEntries([...h.entries()].filter(([k]) => k.startsWith('access-control-') || k === 'vary'));

test('OPTIONS preflight: unauthenticated, first matching rule, AWS\'s headers and refusals', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'web' }));
  const preflight = (path: string, headers: Record<string, string>) => raw('OPTIONS', path, headers);

  // No Origin: 400; unknown bucket and no configuration: 403 AccessForbidden naming the method and resource type.
  const noOrigin = await preflight('/web/a.txt', { 'Access-Control-Request-Method': 'GET' });
  assert.equal(noOrigin.status, 400);
  assert.match(noOrigin.body, /<Code>BadRequest<\/Code><Message>Insufficient information\. Origin request header needed\.<\/Message>/);
  assert.equal((await preflight('/', { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' })).status, 403);
  const noBucket = await preflight('/nope/a.txt', { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET' });
  assert.equal(noBucket.status, 403);
  assert.match(noBucket.body, /<Code>AccessForbidden<\/Code><Message>CORSResponse: Bucket not found<\/Message>/);
  const disabled = await preflight('/web', { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT' });
  assert.equal(disabled.status, 403);
  assert.match(disabled.body, /<Message>CORSResponse: CORS is not enabled for this bucket\.<\/Message><Method>PUT<\/Method><ResourceType>BUCKET<\/ResourceType>/);

  await root.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: RULES } }));
  // The first rule: the origin echoed, credentials allowed, the rule's methods, the requested headers.
  const ok = await preflight('/web/dir/a.txt', { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'Content-Type, X-Amz-Meta-Owner' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body, '');
  assert.deepEqual(cors(ok.headers), {
    'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-methods': 'GET, PUT', 'access-control-allow-headers': 'content-type, x-amz-meta-owner',
    'access-control-expose-headers': 'ETag, x-amz-request-id', 'access-control-max-age': '3000', 'access-control-allow-credentials': 'true', vary: VARY,
  });
  // The one wildcard of an AllowedOrigin matches any run of characters (virtual-hosted style too).
  const wild = await virtualHosted('OPTIONS', 'web', '/a.txt', { Origin: 'https://a.b.example.org', 'Access-Control-Request-Method': 'GET' });
  assert.equal(wild['access-control-allow-origin'], 'https://a.b.example.org');
  // A header the first rule does not allow: the "*" rule has no AllowedHeader either, so nothing matches.
  const badHeader = await preflight('/web/a.txt', { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' });
  assert.equal(badHeader.status, 403);
  assert.match(badHeader.body, new RegExp(`<Message>${NOT_ALLOWED.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}</Message><Method>GET</Method><ResourceType>OBJECT</ResourceType>`));
  assert.equal(badHeader.headers.get('access-control-allow-origin'), null);
  // Another origin falls to the "*" rule for GET: "*" answered, no credentials; not for PUT.
  const any = await preflight('/web/a.txt', { Origin: 'https://elsewhere.test', 'Access-Control-Request-Method': 'GET' });
  assert.deepEqual(cors(any.headers), { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET', vary: VARY });
  assert.equal((await preflight('/web/a.txt', { Origin: 'https://elsewhere.test', 'Access-Control-Request-Method': 'PUT' })).status, 403);
  assert.equal((await preflight('/web/a.txt', { Origin: 'https://elsewhere.test' })).status, 403);
});

test('actual requests with an Origin get the matching rule\'s headers; without a match, none', async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'web' }));
  await root.send(new PutObjectCommand({ Bucket: 'web', Key: 'a.txt', Body: 'hello' }));
  const url = (await getSignedUrl(root, new GetObjectCommand({ Bucket: 'web', Key: 'a.txt' }), { expiresIn: 60 })).slice(local.endpoint.length);
  const before = await raw('GET', url, { Origin: 'https://app.example.com' });
  assert.equal(before.body, 'hello');
  assert.deepEqual(cors(before.headers), {});
  await root.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: RULES } }));
  const matched = await raw('GET', url, { Origin: 'https://app.example.com' });
  assert.equal(matched.body, 'hello');
  assert.equal(matched.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(matched.headers.get('access-control-expose-headers'), 'ETag, x-amz-request-id');
  assert.equal(matched.headers.get('vary'), VARY);
  assert.deepEqual(cors((await raw('GET', url, { Origin: 'https://other.test' })).headers), { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET', vary: VARY });
  // An error answer carries them too, so that a page can read S3's error (here NoSuchKey) rather than a network failure.
  const missing = (await getSignedUrl(root, new GetObjectCommand({ Bucket: 'web', Key: 'missing.txt' }), { expiresIn: 60 })).slice(local.endpoint.length);
  const notFound = await raw('GET', missing, { Origin: 'https://app.example.com' });
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers.get('access-control-allow-origin'), 'https://app.example.com');
  // A method no rule allows for this origin: no headers (DELETE is in no rule).
  const del = await raw('DELETE', '/web/a.txt', { Origin: 'https://app.example.com' });
  assert.equal(del.status, 403);
  assert.deepEqual(cors(del.headers), {});
  // No Origin: no CORS headers at all.
  assert.deepEqual(cors((await raw('GET', url, {})).headers), {});
  // The SDK's own signed requests still work alongside (an OPTIONS is never an S3 operation).
  assert.equal(await (await root.send(new GetObjectCommand({ Bucket: 'web', Key: 'a.txt' }))).Body!.transformToString(), 'hello');
});

const CHROMIUM = process.env.IAMLOCAL_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

test('a page of another origin in Chromium: fetch() of a presigned GET and PUT succeeds with a matching rule, fails without', { skip, timeout: 30_000 }, async () => {
  const root = s3();
  await root.send(new CreateBucketCommand({ Bucket: 'web' }));
  await root.send(new PutObjectCommand({ Bucket: 'web', Key: 'a.txt', Body: 'hello' }));
  // The page's own origin: a second server on another port (another origin for the browser).
  const page: Server = createServer((_req, res) => res.end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'iamlocal-cors-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = browser.pages()[0] ?? await browser.newPage();
    await tab.goto(`${pageOrigin}/`);
    const get = await getSignedUrl(root, new GetObjectCommand({ Bucket: 'web', Key: 'a.txt' }), { expiresIn: 300 });
    const put = await getSignedUrl(root, new PutObjectCommand({ Bucket: 'web', Key: 'b.txt' }), { expiresIn: 300 });
    // In the page: GET (a simple request, no preflight) and PUT with a Content-Type (preflighted); the browser
    // lets the page read an answer only when S3's CORS headers allow this origin.
    const attempt = () => tab.evaluate(async ({ get, put }) => {
      const out: string[] = [];
      try {
        const r = await fetch(get);
        out.push(`get ${r.status} ${await r.text()}`);
      } catch (e) { out.push(`get failed ${(e as Error).name}`); }
      try {
        const r = await fetch(put, { method: 'PUT', body: 'from the page', headers: { 'Content-Type': 'text/plain' } });
        out.push(`put ${r.status} ${r.headers.get('ETag') ?? 'no-etag'}`);
      } catch (e) { out.push(`put failed ${(e as Error).name}`); }
      return out;
    }, { get, put });

    assert.deepEqual(await attempt(), ['get failed TypeError', 'put failed TypeError']);
    assert.equal((await rejection(root.send(new GetObjectCommand({ Bucket: 'web', Key: 'b.txt' })))).name, 'NoSuchKey', 'the preflight refused, the PUT was never sent');

    await root.send(new PutBucketCorsCommand({ Bucket: 'web', CORSConfiguration: { CORSRules: [
      { AllowedOrigins: [pageOrigin], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
    ] } }));
    const [got, putOk] = await attempt();
    assert.equal(got, 'get 200 hello');
    assert.match(putOk!, /^put 200 "[0-9a-f]{32}"$/);
    assert.equal(await (await root.send(new GetObjectCommand({ Bucket: 'web', Key: 'b.txt' }))).Body!.transformToString(), 'from the page');
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => page.close(() => resolve()));
    await rm(profile, { recursive: true, force: true });
  }
});
