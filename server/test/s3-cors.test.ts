// The CORSConfiguration parser (PutBucketCors's body) and the fixtures' buckets[].cors, without a server. AWS
// references: API Reference PutBucketCors (CORSRule: AllowedMethod GET/PUT/HEAD/POST/DELETE, ID up to 255 characters,
// MaxAgeSeconds an integer) and S3 User Guide "CORS configuration" (up to 100 rules, one wildcard per AllowedOrigin).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCorsConfiguration } from '../src/services/s3/cors.ts';
import { Reader } from '../src/store/fixture-reader.ts';
import { bucketCorsOf } from '../src/store/s3-cors-fixtures.ts';

const xml = (rules: string): Buffer => Buffer.from(`<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</CORSConfiguration>`);
const code = (body: Buffer): string => {
  try {
    parseCorsConfiguration(body);
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'accepted';
};

test('CORSConfiguration: repeated elements become lists; an empty AllowedOrigin is kept, as S3 keeps it', () => {
  assert.deepEqual(parseCorsConfiguration(xml(`<CORSRule><ID>r1</ID><AllowedOrigin>https://a.test</AllowedOrigin><AllowedOrigin></AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>30</MaxAgeSeconds></CORSRule>
    <CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>`)), [
    { ID: 'r1', AllowedOrigins: ['https://a.test', ''], AllowedMethods: ['GET'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 30 },
    { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] },
  ]);
});

test('CORSConfiguration refusals: MalformedXML for the schema, InvalidRequest for methods and wildcards', () => {
  const rule = (inner: string) => xml(`<CORSRule>${inner}</CORSRule>`);
  assert.equal(code(xml('')), 'MalformedXML');
  assert.equal(code(Buffer.from('<CORSConfiguration><CORSRule>')), 'MalformedXML');
  assert.equal(code(rule('<AllowedOrigin>*</AllowedOrigin>')), 'MalformedXML');
  assert.equal(code(rule('<AllowedMethod>GET</AllowedMethod>')), 'MalformedXML');
  assert.equal(code(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds>')), 'MalformedXML');
  assert.equal(code(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><Unknown>x</Unknown>')), 'MalformedXML');
  assert.equal(code(rule(`<ID>${'x'.repeat(256)}</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`)), 'MalformedXML');
  assert.equal(code(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>')), 'InvalidRequest');
  assert.equal(code(rule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-*-*</AllowedHeader>')), 'InvalidRequest');
  assert.equal(code(xml('<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>'.repeat(100))), 'accepted');
  assert.equal(code(xml('<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>'.repeat(101))), 'MalformedXML');
});

test('fixtures buckets[].cors: validated as PutBucketCors validates, failing with the path', () => {
  const r = new Reader('f.yaml');
  assert.deepEqual(JSON.parse(bucketCorsOf(r, [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], MaxAgeSeconds: 5 }], 'buckets[0].cors')),
    [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], MaxAgeSeconds: 5 }]);
  assert.throws(() => bucketCorsOf(r, [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }], 'buckets[0].cors'), /f\.yaml: buckets\[0\]\.cors\[0\]\.AllowedMethods\[0\]: expected one of/);
  assert.throws(() => bucketCorsOf(r, [{ AllowedOrigins: ['http://*.*'], AllowedMethods: ['GET'] }], 'c'), /c\[0\]\.AllowedOrigins\[0\]: at most one wildcard/);
  assert.throws(() => bucketCorsOf(r, [{ AllowedMethods: ['GET'] }], 'c'), /c\[0\]\.AllowedOrigins/);
  assert.throws(() => bucketCorsOf(r, [], 'c'), /c: expected 1 to 100 rules/);
});
