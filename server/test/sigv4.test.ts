// SigV4 verification: AWS's published vectors, requests signed by SDK v3 (captured on the wire) and by botocore,
// and the exact error codes and texts for each way a request can fail.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { GetCallerIdentityCommand, AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { GetRoleCommand, IAMClient, ListUsersCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import {
  DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256Js } from '@smithy/core/checksum';
import {
  authenticate, canonicalQuery, canonicalUri, credentialScopeOf, deriveSigningKey, parseAmzDate,
  type AuthError, type AuthResult, type CredentialRecord, type IncomingSignedRequest, type ServiceFamily,
} from '../src/auth/sigv4.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const EMPTY = sha('');
type Keys = Record<string, CredentialRecord>;

function verify(req: IncomingSignedRequest, family: ServiceFamily, now: Date, keys: Keys): AuthResult<CredentialRecord> {
  return authenticate(req, family, now, (id) => keys[id]);
}
function errorOf(result: AuthResult<CredentialRecord>): { code: string; message: string; status: number } {
  assert.equal(result.ok, false, 'expected a failure');
  return (result as { error: { code: string; message: string; status: number } }).error;
}
function okOf(result: AuthResult<CredentialRecord>, label = ''): void {
  if (result.ok !== true) assert.fail(`${label}: ${JSON.stringify(result)}`);
}
const timeOf = (amzDate: string): Date => parseAmzDate(amzDate)!;

function split(target: string): { rawPath: string; rawQuery: string } {
  const q = target.indexOf('?');
  return q < 0 ? { rawPath: target, rawQuery: '' } : { rawPath: target.slice(0, q), rawQuery: target.slice(q + 1) };
}
/** A request as the server would see it, from an absolute URL (its host header included). */
function fromUrl(method: string, url: string, headers: Record<string, string | string[]>, body = ''): IncomingSignedRequest {
  const u = new URL(url);
  const target = url.slice(url.indexOf(u.host) + u.host.length) || '/';
  return { method, ...split(target), headers: { host: u.host, ...headers }, bodySha256: sha(body) };
}

const S3_TEXT = {
  badSignature: { code: 'SignatureDoesNotMatch', status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' },
  unknownKey: { code: 'InvalidAccessKeyId', status: 403, message: 'The AWS Access Key Id you provided does not exist in our records.' },
  badToken: { code: 'InvalidToken', status: 400, message: 'The provided token is malformed or otherwise invalid.' },
  expiredToken: { code: 'ExpiredToken', status: 400, message: 'The provided token has expired.' },
  skewed: { code: 'RequestTimeTooSkewed', status: 403, message: 'The difference between the request time and the current time is too large.' },
  presignExpired: { code: 'AccessDenied', status: 403, message: 'Request has expired' },
};
const QUERY_TEXT = {
  badSignature: { code: 'SignatureDoesNotMatch', status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
  unknownKey: { code: 'InvalidClientTokenId', status: 403, message: 'The security token included in the request is invalid.' },
  expiredToken: { code: 'ExpiredToken', status: 400, message: 'The security token included in the request is expired' },
};

// ---------------------------------------------------------------------------------------------------------------
// AWS's SigV4 test suite (aws-sig-v4-test-suite): AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service".
// ---------------------------------------------------------------------------------------------------------------

const SUITE_KEYS: Keys = {
  AKIDEXAMPLE: { secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
};
const SUITE_TOKEN = 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
const SUITE_NOW = timeOf('20150830T123600Z');

interface SuiteCase {
  name: string;
  family: ServiceFamily;
  method?: string;
  path: string;
  query?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  signed?: string;
  signature: string;
}

const VANILLA = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const SUITE: SuiteCase[] = [
  { name: 'get-vanilla', family: 'query', path: '/', signature: VANILLA },
  { name: 'get-vanilla-query-order-key-case', family: 'query', path: '/', query: 'Param2=value2&Param1=value1', signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500' },
  { name: 'get-vanilla-query-unreserved', family: 'query', path: '/', query: '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197' },
  { name: 'get-vanilla-utf8-query', family: 'query', path: '/', query: '%E1%88%B4=bar', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  { name: 'get-vanilla-empty-query-key', family: 'query', path: '/', query: 'Param1=value1', signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb' },
  { name: 'get-unreserved', family: 'query', path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f' },
  // The suite's request lines carry the path unencoded; a non-S3 service encodes what it received once more.
  { name: 'get-utf8', family: 'query', path: '/ሴ', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'normalize-path/get-space', family: 'query', path: '/example space/', signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741' },
  { name: 'normalize-path/get-slashes', family: 'query', path: '//example//', signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84' },
  { name: 'normalize-path/get-slash-pointless-dot', family: 'query', path: '/./example', signature: 'ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5' },
  { name: 'normalize-path/get-slash', family: 'query', path: '//', signature: VANILLA },
  { name: 'normalize-path/get-slash-dot-slash', family: 'query', path: '/./', signature: VANILLA },
  { name: 'normalize-path/get-relative', family: 'query', path: '/example/..', signature: VANILLA },
  { name: 'normalize-path/get-relative-relative', family: 'query', path: '/example1/example2/../..', signature: VANILLA },
  // S3 signs the path as sent: the suite's "-unnormalized" variants, with the path percent-encoded on the wire.
  { name: 'get-slashes-unnormalized (S3 rules)', family: 's3', path: '//example//', signature: '87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5' },
  { name: 'get-space-unnormalized (S3 rules)', family: 's3', path: '/example%20space/', signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741' },
  { name: 'get-utf8 (S3 rules)', family: 's3', path: '/%E1%88%B4', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'get-utf8 (S3 rules, lower-case escapes)', family: 's3', path: '/%e1%88%b4', signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85' },
  { name: 'get-vanilla (S3 rules, empty path)', family: 's3', path: '', signature: VANILLA },
  { name: 'get-header-key-duplicate', family: 'query', path: '/', headers: { 'my-header1': ['value2', 'value2', 'value1'] }, signed: 'host;my-header1;x-amz-date', signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea' },
  { name: 'get-header-value-order', family: 'query', path: '/', headers: { 'my-header1': ['value4', 'value1', 'value3', 'value2'] }, signed: 'host;my-header1;x-amz-date', signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01' },
  { name: 'get-header-value-multiline (as SDK v3 folds it)', family: 'query', path: '/', headers: { 'my-header1': 'value1,value2,value3' }, signed: 'host;my-header1;x-amz-date', signature: 'ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790' },
  { name: 'get-header-value-trim', family: 'query', path: '/', headers: { 'my-header1': ' value1', 'my-header2': ' "a   b   c"' }, signed: 'host;my-header1;my-header2;x-amz-date', signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736' },
  { name: 'post-vanilla', family: 'query', method: 'POST', path: '/', signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b' },
  { name: 'post-header-key-sort', family: 'query', method: 'POST', path: '/', headers: { 'my-header1': 'value1' }, signed: 'host;my-header1;x-amz-date', signature: 'c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c' },
  { name: 'post-header-value-case', family: 'query', method: 'POST', path: '/', headers: { 'my-header1': 'VALUE1' }, signed: 'host;my-header1;x-amz-date', signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d' },
  { name: 'post-vanilla-query', family: 'query', method: 'POST', path: '/', query: 'Param1=value1', signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11' },
  { name: 'post-vanilla-query-space (empty value)', family: 'query', method: 'POST', path: '/', query: 'p=', signature: 'e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b' },
  { name: 'post-vanilla-query-space (no "=")', family: 'query', method: 'POST', path: '/', query: 'p', signature: 'e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b' },
  { name: 'post-vanilla-query-nonunreserved', family: 'query', method: 'POST', path: '/', query: `${encodeURIComponent('@#$%^')}=&${encodeURIComponent('+')}=${encodeURIComponent('/,?><`";:\\|][{}')}`, signature: '66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e' },
  { name: 'post-x-www-form-urlencoded', family: 'query', method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Param1=value1', signed: 'content-type;host;x-amz-date', signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a' },
  { name: 'post-x-www-form-urlencoded-parameters', family: 'query', method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf8' }, body: 'Param1=value1', signed: 'content-type;host;x-amz-date', signature: '1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe' },
];

function suiteRequest(c: SuiteCase, signature = c.signature): IncomingSignedRequest {
  const signed = c.signed ?? 'host;x-amz-date';
  return {
    method: c.method ?? 'GET', rawPath: c.path, rawQuery: c.query ?? '', bodySha256: sha(c.body ?? ''),
    headers: {
      host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', ...c.headers,
      // S3 requires the (here unsigned) payload hash header; the suite signs the empty body.
      ...(c.family === 's3' ? { 'x-amz-content-sha256': sha(c.body ?? '') } : {}),
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signed}, Signature=${signature}`,
    },
  };
}

describe('aws-sig-v4-test-suite vectors', () => {
  for (const c of SUITE) {
    test(c.name, () => {
      okOf(verify(suiteRequest(c), c.family, SUITE_NOW, SUITE_KEYS), c.name);
      const flipped = `${c.signature.slice(0, -1)}${c.signature.endsWith('0') ? '1' : '0'}`;
      assert.equal(errorOf(verify(suiteRequest(c, flipped), c.family, SUITE_NOW, SUITE_KEYS)).code, 'SignatureDoesNotMatch');
    });
  }

  test('post-sts-header-before: a session token signed as a header', () => {
    const keys: Keys = { AKIDEXAMPLE: { secretKey: SUITE_KEYS.AKIDEXAMPLE!.secretKey, sessionToken: SUITE_TOKEN } };
    const c: SuiteCase = { name: 'post-sts-header-before', family: 'query', method: 'POST', path: '/', headers: { 'x-amz-security-token': SUITE_TOKEN }, signed: 'host;x-amz-date;x-amz-security-token', signature: '85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead' };
    okOf(verify(suiteRequest(c), 'query', SUITE_NOW, keys));
    // The same key without its token in the request: AWS reports the token, not the signature.
    const withoutToken = suiteRequest(c);
    delete withoutToken.headers['x-amz-security-token'];
    assert.deepEqual(errorOf(verify(withoutToken, 'query', SUITE_NOW, keys)), QUERY_TEXT.unknownKey);
  });

  test('a repeated header folded by Node as "a, b" is a different canonical value than the signed "a,b"', () => {
    const c = SUITE.find((s) => s.name === 'get-header-key-duplicate')!;
    const folded = suiteRequest({ ...c, headers: { 'my-header1': 'value2, value2, value1' } });
    assert.equal(errorOf(verify(folded, 'query', SUITE_NOW, SUITE_KEYS)).code, 'SignatureDoesNotMatch');
  });
});

describe('AWS documentation examples', () => {
  test('derived signing key of "Create a signed AWS API request"', () => {
    assert.equal(deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam').toString('hex'),
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
    // Cached: the same Buffer comes back.
    assert.equal(deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam'),
      deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20150830', 'us-east-1', 'iam'));
  });

  test('IAM ListUsers (query protocol)', () => {
    const req: IncomingSignedRequest = {
      method: 'GET', rawPath: '/', rawQuery: 'Action=ListUsers&Version=2010-05-08', bodySha256: EMPTY,
      headers: {
        host: 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-date': '20150830T123600Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      },
    };
    okOf(verify(req, 'query', SUITE_NOW, SUITE_KEYS));
    assert.deepEqual(errorOf(verify({ ...req, rawQuery: 'Action=ListUsers&Version=2010-05-09' }, 'query', SUITE_NOW, SUITE_KEYS)), QUERY_TEXT.badSignature);
    assert.deepEqual(credentialScopeOf(req.headers, ''), { accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'iam' });
  });

  const s3Keys: Keys = { AKIAIOSFODNN7EXAMPLE: { secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } };
  const may24 = timeOf('20130524T000000Z');
  const s3Auth = (signed: string, signature: string): string =>
    `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${signature}`;

  test('S3 GET Object with a Range header', () => {
    const req: IncomingSignedRequest = {
      method: 'GET', rawPath: '/test.txt', rawQuery: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY, 'x-amz-date': '20130524T000000Z',
        authorization: s3Auth('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
      },
    };
    okOf(verify(req, 's3', may24, s3Keys));
    assert.deepEqual(errorOf(verify({ ...req, headers: { ...req.headers, range: 'bytes=0-10' } }, 's3', may24, s3Keys)), S3_TEXT.badSignature);
  });

  test('S3 PUT Object test$file.text with a Date header instead of x-amz-date', () => {
    const body = 'Welcome to Amazon S3.';
    const req: IncomingSignedRequest = {
      method: 'PUT', rawPath: '/test%24file.text', rawQuery: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com', date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': sha(body),
        authorization: s3Auth('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
      },
    };
    // The example signs x-amz-date too; it is sent alongside Date.
    req.headers['x-amz-date'] = '20130524T000000Z';
    okOf(verify(req, 's3', may24, s3Keys));
  });

  test('S3 GET Bucket lifecycle and list objects (sub-resource without value, sorted parameters)', () => {
    const base = { host: 'examplebucket.s3.amazonaws.com', 'x-amz-content-sha256': EMPTY, 'x-amz-date': '20130524T000000Z' };
    const lifecycle: IncomingSignedRequest = {
      method: 'GET', rawPath: '/', rawQuery: 'lifecycle',
      headers: { ...base, authorization: s3Auth('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543') },
    };
    okOf(verify(lifecycle, 's3', may24, s3Keys));
    const list: IncomingSignedRequest = {
      method: 'GET', rawPath: '/', rawQuery: 'max-keys=2&prefix=J',
      headers: { ...base, authorization: s3Auth('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7') },
    };
    okOf(verify(list, 's3', may24, s3Keys));
    assert.deepEqual(errorOf(verify({ ...list, rawQuery: 'max-keys=3&prefix=J' }, 's3', may24, s3Keys)), S3_TEXT.badSignature);
  });

  test('S3 presigned GET (query parameters, 86400 s)', () => {
    const req: IncomingSignedRequest = {
      method: 'GET', rawPath: '/test.txt', headers: { host: 'examplebucket.s3.amazonaws.com' },
      rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    };
    okOf(verify(req, 's3', may24, s3Keys));
    okOf(verify(req, 's3', timeOf('20130525T000000Z'), s3Keys));
    assert.deepEqual(errorOf(verify(req, 's3', timeOf('20130525T000001Z'), s3Keys)), S3_TEXT.presignExpired);
    assert.deepEqual(credentialScopeOf({}, req.rawQuery), { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', date: '20130524', region: 'us-east-1', service: 's3' });
    const tooLong = { ...req, rawQuery: req.rawQuery.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604801') };
    assert.deepEqual(errorOf(verify(tooLong, 's3', may24, s3Keys)),
      { code: 'AuthorizationQueryParametersError', status: 400, message: 'X-Amz-Expires must be less than a week (in seconds) that is 604800' });
    const tampered = { ...req, rawQuery: `${req.rawQuery}&extra=1` };
    assert.deepEqual(errorOf(verify(tampered, 's3', may24, s3Keys)), S3_TEXT.badSignature);
  });
});

describe('canonical forms', () => {
  test('S3 path: one encoding, re-spelt canonically, never dot-normalised', () => {
    assert.equal(canonicalUri('/b/a%2Fb', 's3'), '/b/a%2Fb');
    assert.equal(canonicalUri('/b/%7e%7E~', 's3'), '/b/~~~');
    assert.equal(canonicalUri("/b/a!'()*", 's3'), '/b/a%21%27%28%29%2A');
    assert.equal(canonicalUri('/b/./x/../y', 's3'), '/b/./x/../y');
    assert.equal(canonicalUri('/b/a+b', 's3'), '/b/a%2Bb');
    assert.equal(canonicalUri('/b/%FF%fe', 's3'), '/b/%FF%FE');
    assert.equal(canonicalUri('', 's3'), '/');
  });
  test('query-protocol path: dot segments resolved and the received path encoded again', () => {
    assert.equal(canonicalUri('/', 'query'), '/');
    assert.equal(canonicalUri('', 'query'), '/');
    assert.equal(canonicalUri('/a/./b/../c//', 'query'), '/a/c/');
    assert.equal(canonicalUri('/a%20b', 'query'), '/a%2520b');
  });
  test('query string: decoded, re-encoded, sorted by name then value; "+" is a plus; X-Amz-Signature dropped when presigned', () => {
    assert.equal(canonicalQuery('b=2&a=2&a=1&c&d=a+b&e=%7e', false), 'a=1&a=2&b=2&c=&d=a%2Bb&e=~');
    assert.equal(canonicalQuery('X-Amz-Signature=abc&a=1', true), 'a=1');
    assert.equal(canonicalQuery('X-Amz-Signature=abc&a=1', false), 'X-Amz-Signature=abc&a=1');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// SDK v3, captured on the wire by a local HTTP server.
// ---------------------------------------------------------------------------------------------------------------

interface Captured { method: string; url: string; headers: IncomingHttpHeaders; body: string }

const captured: Captured[] = [];
let endpoint = '';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    captured.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><Empty/>');
  });
});
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs one SDK call against the capture server and returns the request it sent (the response is irrelevant). */
async function capture(call: () => Promise<unknown>): Promise<Captured> {
  const before = captured.length;
  await call().catch(() => undefined);
  assert.equal(captured.length, before + 1, 'the SDK sent one request');
  return captured[captured.length - 1]!;
}

const asSigned = (c: Captured): IncomingSignedRequest => ({ method: c.method, ...split(c.url), headers: c.headers, bodySha256: sha(c.body) });
const amzDateOf = (req: IncomingSignedRequest): string => {
  const header = req.headers['x-amz-date'];
  return typeof header === 'string' ? header : /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(req.rawQuery)![1]!;
};

const SDK = { accessKeyId: 'AKIASDKV3EXAMPLE0001', secretAccessKey: 'sdk/v3+secret=key' };
const SESSION = { accessKeyId: 'ASIASDKV3SESSION0001', secretAccessKey: 'session/secret', sessionToken: 'FwoGZXIvYXdzE//token+with/odd=chars' };
const SDK_KEYS: Keys = {
  [SDK.accessKeyId]: { secretKey: SDK.secretAccessKey },
  [SESSION.accessKeyId]: { secretKey: SESSION.secretAccessKey, sessionToken: SESSION.sessionToken, expiresAt: new Date('2100-01-01T00:00:00Z') },
};
const clientConfig = (credentials: typeof SDK | typeof SESSION = SDK) => ({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
const s3 = (credentials: typeof SDK | typeof SESSION = SDK): S3Client => new S3Client({ ...clientConfig(credentials), forcePathStyle: true });

const AWKWARD_KEYS = ['a b', 'é✓/ü', 'x+y=z~', 'a%2Fb', 'dir//file', 'cli-s3api-kms/QBF.txt.enc', "quote'!(*)$&,;@", 'trailing/', '.dot/../dotdot'];

describe('requests signed by SDK v3', () => {
  test('S3 GetObject with awkward keys verifies; changing one byte of the path does not', async () => {
    for (const key of AWKWARD_KEYS) {
      const req = asSigned(await capture(() => s3().send(new GetObjectCommand({ Bucket: 'kjh-encryption-test1', Key: key, Range: 'bytes=0-9' }))));
      const now = timeOf(amzDateOf(req));
      okOf(verify(req, 's3', now, SDK_KEYS), key);
      assert.deepEqual(errorOf(verify({ ...req, rawPath: `${req.rawPath}x` }, 's3', now, SDK_KEYS)), S3_TEXT.badSignature, key);
    }
  });

  test('S3 ListObjectsV2 with prefix=cli-s3api-kms%2F, list-type=2, encoded delimiter and a start-after with spaces', async () => {
    const req = asSigned(await capture(() => s3().send(new ListObjectsV2Command({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/', Delimiter: '/', StartAfter: 'a b+c', EncodingType: 'url' }))));
    assert.match(req.rawQuery, /list-type=2/);
    assert.match(req.rawQuery, /prefix=cli-s3api-kms%2F/);
    const now = timeOf(amzDateOf(req));
    okOf(verify(req, 's3', now, SDK_KEYS));
    assert.deepEqual(errorOf(verify({ ...req, rawQuery: req.rawQuery.replace('prefix=cli-s3api-kms%2F', 'prefix=cli-s3api-kms') }, 's3', now, SDK_KEYS)), S3_TEXT.badSignature);
  });

  test('S3 PutObject with a body, metadata and content type; DeleteObjects with a POST body; HeadObject with a session token', async () => {
    const put = asSigned(await capture(() => s3().send(new PutObjectCommand({ Bucket: 'b', Key: 'k ü.txt', Body: 'hello world', ContentType: 'text/plain', Metadata: { 'Odd-Name': '  spaced   value  ' } }))));
    okOf(verify(put, 's3', timeOf(amzDateOf(put)), SDK_KEYS), 'put');
    const tamperedHeader = { ...put, headers: { ...put.headers, 'content-type': 'text/html' } };
    assert.deepEqual(errorOf(verify(tamperedHeader, 's3', timeOf(amzDateOf(put)), SDK_KEYS)), S3_TEXT.badSignature);

    const del = asSigned(await capture(() => s3().send(new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'a' }, { Key: 'b c' }] } }))));
    assert.match(del.rawQuery, /^delete=?$/);
    okOf(verify(del, 's3', timeOf(amzDateOf(del)), SDK_KEYS), 'delete');

    const head = asSigned(await capture(() => s3(SESSION).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }))));
    const now = timeOf(amzDateOf(head));
    okOf(verify(head, 's3', now, SDK_KEYS), 'head');
    const noToken = { ...head, headers: { ...head.headers } };
    delete noToken.headers['x-amz-security-token'];
    assert.deepEqual(errorOf(verify(noToken, 's3', now, SDK_KEYS)), S3_TEXT.unknownKey);
    assert.deepEqual(errorOf(verify({ ...head, headers: { ...head.headers, 'x-amz-security-token': 'other' } }, 's3', now, SDK_KEYS)), S3_TEXT.badToken);
    const expiredKeys: Keys = { ...SDK_KEYS, [SESSION.accessKeyId]: { ...SDK_KEYS[SESSION.accessKeyId]!, expiresAt: now } };
    assert.deepEqual(errorOf(verify(head, 's3', now, expiredKeys)), S3_TEXT.expiredToken);
  });

  test('STS and IAM (form bodies): GetCallerIdentity, AssumeRole with odd characters, ListUsers, GetRole, CreateUser with a path', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['sts', () => new STSClient(clientConfig()).send(new GetCallerIdentityCommand({}))],
      ['sts', () => new STSClient(clientConfig()).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'a+b=c@d,e', Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' }))],
      ['iam', () => new IAMClient(clientConfig()).send(new ListUsersCommand({ PathPrefix: '/a b/' }))],
      ['iam', () => new IAMClient(clientConfig()).send(new GetRoleCommand({ RoleName: 'kjh-s3-encryption-test1-role' }))],
      ['iam', () => new IAMClient(clientConfig(SESSION)).send(new CreateUserCommand({ UserName: 'ü+user', Path: '/division_abc/subdivision_xyz/' }))],
    ];
    for (const [service, call] of calls) {
      const req = asSigned(await capture(call));
      assert.equal(credentialScopeOf(req.headers, req.rawQuery)?.service, service);
      const now = timeOf(amzDateOf(req));
      okOf(verify(req, 'query', now, SDK_KEYS), service);
      assert.deepEqual(errorOf(verify({ ...req, bodySha256: sha('Action=Other') }, 'query', now, SDK_KEYS)), QUERY_TEXT.badSignature);
    }
  });

  test('presigned S3 URLs from @aws-sdk/s3-request-presigner (GET with response overrides, PUT with a session token)', async () => {
    const signingDate = new Date('2026-11-25T10:00:00Z');
    const get = new URL(await getSignedUrl(s3(), new GetObjectCommand({ Bucket: 'b', Key: 'presigned key ü+.txt', ResponseContentDisposition: 'attachment; filename="a b.txt"' }), { expiresIn: 3600, signingDate }));
    const getReq = fromUrl('GET', get.toString(), {});
    okOf(verify(getReq, 's3', signingDate, SDK_KEYS), 'presigned get');
    okOf(verify(getReq, 's3', new Date(signingDate.getTime() + 3600_000), SDK_KEYS), 'presigned get, last second');
    assert.deepEqual(errorOf(verify(getReq, 's3', new Date(signingDate.getTime() + 3601_000), SDK_KEYS)), S3_TEXT.presignExpired);
    const otherDisposition = { ...getReq, rawQuery: getReq.rawQuery.replace('attachment', 'inline') };
    assert.deepEqual(errorOf(verify(otherDisposition, 's3', signingDate, SDK_KEYS)), S3_TEXT.badSignature);

    const put = new URL(await getSignedUrl(s3(SESSION), new PutObjectCommand({ Bucket: 'b', Key: 'dir/up load.bin' }), { expiresIn: 900, signingDate }));
    const putReq = fromUrl('PUT', put.toString(), {});
    okOf(verify(putReq, 's3', signingDate, SDK_KEYS), 'presigned put');
    const dropped = { ...putReq, rawQuery: putReq.rawQuery.split('&').filter((p) => !p.startsWith('X-Amz-Security-Token=')).join('&') };
    assert.deepEqual(errorOf(verify(dropped, 's3', signingDate, SDK_KEYS)), S3_TEXT.unknownKey);
  });

  test('the raw SDK signer (Sha256Js) for S3 paths it signs unchanged and query-protocol paths it double-encodes', async () => {
    const at = new Date('2026-11-25T10:00:00Z');
    const sign = async (service: string, path: string, query: Record<string, string | string[]>, headers: Record<string, string>) => {
      const signer = new SignatureV4({ service, region: 'us-east-1', credentials: SDK, sha256: Sha256Js, uriEscapePath: service !== 's3', applyChecksum: service === 's3' });
      const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 4577, path, query, headers: { host: '127.0.0.1:4577', ...headers } }, { signingDate: at });
      return signed.headers as Record<string, string>;
    };
    const s3Path = '/b/a%20b/%E2%9C%93%2B%3D~/a%252Fb';
    const s3Headers = await sign('s3', s3Path, { prefix: 'cli-s3api-kms/', 'list-type': '2', empty: '', repeated: ['2', '1'] }, { 'x-amz-content-sha256': EMPTY });
    const rawQuery = 'prefix=cli-s3api-kms%2F&list-type=2&empty=&repeated=2&repeated=1';
    okOf(verify({ method: 'GET', rawPath: s3Path, rawQuery, headers: s3Headers }, 's3', at, SDK_KEYS), 's3 raw signer');

    // uriEscapePath: the path given to the signer is what goes on the wire (already encoded by the serializer);
    // the signer encodes it once more, and so does the server.
    const wirePath = '/some%20path/%C3%BC';
    const queryHeaders = await sign('iam', wirePath, { Action: 'ListUsers', Version: '2010-05-08' }, {});
    okOf(verify({ method: 'GET', rawPath: wirePath, rawQuery: 'Action=ListUsers&Version=2010-05-08', headers: queryHeaders, bodySha256: EMPTY }, 'query', at, SDK_KEYS), 'iam raw signer');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// botocore (python3 subprocess).
// ---------------------------------------------------------------------------------------------------------------

describe('requests signed by botocore', () => {
  const BOTO = { accessKeyId: 'AKIABOTOCORE00000001', secretAccessKey: 'botocore/secret+key' };
  const BOTO_SESSION = { accessKeyId: 'ASIABOTOCORESESSION1', secretAccessKey: 'boto-session-secret', sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////token=' };
  const keys: Keys = {
    [BOTO.accessKeyId]: { secretKey: BOTO.secretAccessKey },
    [BOTO_SESSION.accessKeyId]: { secretKey: BOTO_SESSION.secretAccessKey, sessionToken: BOTO_SESSION.sessionToken },
  };
  const timestamp = '20261125T100000Z';
  const host = 'http://127.0.0.1:4577';
  const quoteKey = (key: string): string => key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
  const form = { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const cases = [
    { family: 'query', kind: 'query', service: 'sts', method: 'POST', url: `${host}/`, headers: form, body: 'Action=GetCallerIdentity&Version=2011-06-15' },
    { family: 'query', kind: 'query', service: 'iam', method: 'POST', url: `${host}/`, headers: form, body: 'Action=GetRole&RoleName=kjh-s3-encryption-test1-role&Version=2010-05-08' },
    { family: 'query', kind: 'query', service: 'iam', method: 'GET', url: `${host}/?Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa%20b%2F`, headers: {}, body: '' },
    { family: 'query', kind: 'query', service: 'sts', method: 'POST', url: `${host}/`, headers: form, body: 'Action=GetCallerIdentity&Version=2011-06-15', session: true },
    { family: 'query', kind: 'query-presign', service: 'sts', method: 'GET', url: `${host}/?Action=GetCallerIdentity&Version=2011-06-15`, headers: {}, body: '', session: true, expires: 60 },
    { family: 's3', kind: 's3', method: 'GET', url: `${host}/kjh-encryption-test1?list-type=2&prefix=cli-s3api-kms%2F&encoding-type=url`, headers: {}, body: '' },
    { family: 's3', kind: 's3', method: 'GET', url: `${host}/b?versions&a=2&a=1&flag&empty=`, headers: {}, body: '' },
    { family: 's3', kind: 's3', method: 'PUT', url: `${host}/b/${quoteKey('cli-s3api-kms/QBF.txt.enc')}`, headers: { 'Content-Type': 'application/octet-stream' }, body: 'QBF' },
    ...AWKWARD_KEYS.map((key) => ({ family: 's3' as const, kind: 's3' as const, method: 'PUT' as const, url: `${host}/b/${quoteKey(key)}`, headers: { 'Content-Type': 'text/plain', 'x-amz-meta-note': 'a   b' }, body: 'hello' })),
    { family: 's3', kind: 's3', method: 'GET', url: `${host}/b/k`, headers: {}, body: '', payloadSigning: false },
    { family: 's3', kind: 's3', method: 'GET', url: `${host}/b/k`, headers: {}, body: '', session: true },
    { family: 's3', kind: 's3-presign', method: 'GET', url: `${host}/b/${quoteKey('presigned object ü.txt')}`, headers: {}, body: '', expires: 300 },
    { family: 's3', kind: 's3-presign', method: 'PUT', url: `${host}/b/${quoteKey('up load')}`, headers: {}, body: '', session: true, expires: 300 },
  ] as const;

  test('each botocore-signed request verifies; a changed path or body hash does not', () => {
    const input = cases.map((c) => ({ ...c, ...('session' in c && c.session ? BOTO_SESSION : BOTO), timestamp }));
    const signed = JSON.parse(execFileSync('python3', ['server/test/fixtures/sigv4/botocore_sign.py'], { input: JSON.stringify(input) }).toString()) as
      { url: string; headers: Record<string, string>; body: string }[];
    const now = timeOf(timestamp);
    signed.forEach((s, i) => {
      const c = cases[i]!;
      const req = fromUrl(c.method, s.url, s.headers, s.body);
      const label = `${c.kind} ${c.method} ${c.url}`;
      okOf(verify(req, c.family, now, keys), label);
      assert.equal(errorOf(verify({ ...req, rawPath: `${req.rawPath}x` }, c.family, now, keys)).code, 'SignatureDoesNotMatch', label);
      if (c.family === 'query') assert.equal(errorOf(verify({ ...req, bodySha256: sha('x') }, c.family, now, keys)).code, 'SignatureDoesNotMatch', label);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Failures: parse errors, order of checks and exact texts.
// ---------------------------------------------------------------------------------------------------------------

describe('failures', () => {
  const at = new Date('2026-11-25T10:00:00Z');
  async function signed(service: 's3' | 'sts', credentials: typeof SDK | typeof SESSION = SDK, signingDate = at, body = ''): Promise<IncomingSignedRequest> {
    const signer = new SignatureV4({ service, region: 'us-east-1', credentials, sha256: Sha256Js, uriEscapePath: service !== 's3', applyChecksum: service === 's3' });
    const headers: Record<string, string> = { host: '127.0.0.1:4577', ...(service === 's3' ? { 'x-amz-content-sha256': sha(body) } : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }) };
    const out = await signer.sign({ method: service === 's3' ? 'GET' : 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4577, path: service === 's3' ? '/b/k' : '/', query: {}, headers, body }, { signingDate });
    return { method: service === 's3' ? 'GET' : 'POST', rawPath: service === 's3' ? '/b/k' : '/', rawQuery: '', headers: out.headers as Record<string, string>, bodySha256: sha(body) };
  }
  const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

  test('no credentials at all', () => {
    assert.deepEqual(verify({ method: 'GET', rawPath: '/b', rawQuery: 'prefix=x', headers: { host: 'h' } }, 's3', at, SDK_KEYS), { ok: 'anonymous' });
    assert.deepEqual(errorOf(verify({ method: 'POST', rawPath: '/', rawQuery: '', headers: { host: 'h' }, bodySha256: sha(BODY) }, 'query', at, SDK_KEYS)),
      { code: 'MissingAuthenticationToken', status: 403, message: 'Request is missing Authentication Token' });
  });

  test('malformed Authorization headers and unsupported algorithms', () => {
    const req = (authorization: string, extra: Record<string, string> = { 'x-amz-date': '20261125T100000Z' }): IncomingSignedRequest =>
      ({ method: 'POST', rawPath: '/', rawQuery: '', headers: { host: 'h', authorization, 'x-amz-content-sha256': EMPTY, ...extra }, bodySha256: EMPTY });
    assert.deepEqual(errorOf(verify(req('AWS4-HMAC-SHA256 Foo=bar'), 'query', at, SDK_KEYS)), {
      code: 'IncompleteSignature', status: 400,
      message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Foo=bar",
    });
    assert.deepEqual(errorOf(verify(req('AWS4-HMAC-SHA256 Signature=abc', {}), 'query', at, SDK_KEYS)), {
      code: 'IncompleteSignature', status: 400,
      message: "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Signature=abc",
    });
    assert.deepEqual(errorOf(verify(req('AWS4-HMAC-SHA256 Foo=bar'), 's3', at, SDK_KEYS)), {
      code: 'AuthorizationHeaderMalformed', status: 400,
      message: 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
    });
    const badScope = 'AWS4-HMAC-SHA256 Credential=AKIASDKV3EXAMPLE0001/20261125/us-east-1/s3, SignedHeaders=host, Signature=abc';
    assert.deepEqual(errorOf(verify(req(badScope), 's3', at, SDK_KEYS)), {
      code: 'AuthorizationHeaderMalformed', status: 400,
      message: 'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    });
    assert.deepEqual(errorOf(verify(req(badScope.replace('/s3,', '/sts,')), 'query', at, SDK_KEYS)), {
      code: 'IncompleteSignature', status: 400,
      message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIASDKV3EXAMPLE0001/20261125/us-east-1/sts'",
    });
    const ecdsa = 'AWS4-ECDSA-P256-SHA256 Credential=AKIASDKV3EXAMPLE0001/20261125/s3/aws4_request, SignedHeaders=host, Signature=abc';
    assert.deepEqual(errorOf(verify(req(ecdsa), 's3', at, SDK_KEYS)), { code: 'InvalidArgument', status: 400, message: 'Unsupported Authorization Type' });
    assert.equal(errorOf(verify(req(ecdsa), 'query', at, SDK_KEYS)).code, 'IncompleteSignature');
    const noDate = 'AWS4-HMAC-SHA256 Credential=AKIASDKV3EXAMPLE0001/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc';
    assert.deepEqual(errorOf(verify(req(noDate, {}), 's3', at, SDK_KEYS)),
      { code: 'AccessDenied', status: 403, message: 'AWS authentication requires a valid Date or x-amz-date header' });
    assert.deepEqual(errorOf(verify(req(noDate, { 'x-amz-date': '2026-11-25T10:00:00Z' }), 'query', at, SDK_KEYS)),
      { code: 'IncompleteSignature', status: 400, message: "Date must be in ISO-8601 'basic format'. Got '2026-11-25T10:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601" });
  });

  test('unknown key, wrong secret, tampered header, missing x-amz-content-sha256, host not signed', async () => {
    const s3req = await signed('s3');
    const unknown: Keys = {};
    assert.deepEqual(errorOf(verify(s3req, 's3', at, unknown)), S3_TEXT.unknownKey);
    const stsReq = await signed('sts', SDK, at, BODY);
    assert.deepEqual(errorOf(verify(stsReq, 'query', at, unknown)), QUERY_TEXT.unknownKey);
    const wrongSecret: Keys = { [SDK.accessKeyId]: { secretKey: 'not-the-secret' } };
    assert.deepEqual(errorOf(verify(s3req, 's3', at, wrongSecret)), S3_TEXT.badSignature);
    assert.deepEqual(errorOf(verify(stsReq, 'query', at, wrongSecret)), QUERY_TEXT.badSignature);
    assert.deepEqual(errorOf(verify({ ...s3req, headers: { ...s3req.headers, host: '127.0.0.1:4578' } }, 's3', at, SDK_KEYS)), S3_TEXT.badSignature);
    const noHash = { ...s3req, headers: { ...s3req.headers } };
    delete noHash.headers['x-amz-content-sha256'];
    assert.deepEqual(errorOf(verify(noHash, 's3', at, SDK_KEYS)),
      { code: 'InvalidRequest', status: 400, message: 'Missing required header for this request: x-amz-content-sha256' });
    assert.equal(errorOf(verify({ ...s3req, headers: { ...s3req.headers, 'x-amz-content-sha256': 'STREAMING-NOPE' } }, 's3', at, SDK_KEYS)).code, 'InvalidArgument');
    const hostless = { ...s3req, headers: { ...s3req.headers, authorization: String(s3req.headers.authorization).replace('SignedHeaders=host;', 'SignedHeaders=') } };
    assert.equal(errorOf(verify(hostless, 's3', at, SDK_KEYS)).code, 'AccessDenied');
  });

  test('credential scope date differs from x-amz-date', async () => {
    const s3req = await signed('s3');
    const nextDay = { ...s3req, headers: { ...s3req.headers, 'x-amz-date': '20261126T100000Z' } };
    assert.deepEqual(errorOf(verify(nextDay, 's3', at, SDK_KEYS)),
      { code: 'AuthorizationHeaderMalformed', status: 400, message: 'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.' });
    const stsReq = await signed('sts', SDK, at, BODY);
    const stsNextDay = { ...stsReq, headers: { ...stsReq.headers, 'x-amz-date': '20261126T100000Z' } };
    assert.deepEqual(errorOf(verify(stsNextDay, 'query', at, SDK_KEYS)), {
      ...QUERY_TEXT.badSignature,
      message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261125' != '20261126', from '20261126T100000Z'.",
    });
  });

  test('session tokens: missing, different, sent with a long-term key, expired credentials', async () => {
    const stsReq = await signed('sts', SESSION, at, BODY);
    okOf(verify(stsReq, 'query', at, SDK_KEYS));
    const noToken = { ...stsReq, headers: { ...stsReq.headers } };
    delete noToken.headers['x-amz-security-token'];
    assert.deepEqual(errorOf(verify(noToken, 'query', at, SDK_KEYS)), QUERY_TEXT.unknownKey);
    assert.deepEqual(errorOf(verify({ ...stsReq, headers: { ...stsReq.headers, 'x-amz-security-token': 'x' } }, 'query', at, SDK_KEYS)), QUERY_TEXT.unknownKey);
    const longTerm: Keys = { [SESSION.accessKeyId]: { secretKey: SESSION.secretAccessKey } };
    assert.deepEqual(errorOf(verify(stsReq, 'query', at, longTerm)), QUERY_TEXT.unknownKey);
    const expired: Keys = { [SESSION.accessKeyId]: { ...SDK_KEYS[SESSION.accessKeyId]!, expiresAt: new Date(at.getTime() - 1) } };
    assert.deepEqual(errorOf(verify(stsReq, 'query', at, expired)), QUERY_TEXT.expiredToken);
    const s3req = await signed('s3', SESSION);
    assert.deepEqual(errorOf(verify(s3req, 's3', at, expired)), S3_TEXT.expiredToken);
    assert.deepEqual(errorOf(verify(s3req, 's3', at, longTerm)), S3_TEXT.badToken);
  });

  test('clock skew both ways (header auth): 15 minutes allowed, then the exact AWS texts', async () => {
    const early = new Date(at.getTime() - 15 * 60_000);
    okOf(verify(await signed('s3', SDK, early), 's3', at, SDK_KEYS), 'exactly 15 minutes old');
    okOf(verify(await signed('sts', SDK, new Date(at.getTime() + 15 * 60_000), BODY), 'query', at, SDK_KEYS), 'exactly 15 minutes ahead');
    for (const minutes of [-16, 16]) {
      const when = new Date(at.getTime() + minutes * 60_000);
      const { extra, ...error } = errorOf(verify(await signed('s3', SDK, when), 's3', at, SDK_KEYS)) as AuthError;
      assert.deepEqual(error, S3_TEXT.skewed);
      assert.equal(extra?.MaxAllowedSkewMilliseconds, '900000');
    }
    const stale = await signed('sts', SDK, new Date(at.getTime() - 16 * 60_000), BODY);
    assert.deepEqual(errorOf(verify(stale, 'query', at, SDK_KEYS)),
      { ...QUERY_TEXT.badSignature, message: 'Signature expired: 20261125T094400Z is now earlier than 20261125T094500Z (20261125T100000Z - 15 min.)' });
    const future = await signed('sts', SDK, new Date(at.getTime() + 16 * 60_000), BODY);
    assert.deepEqual(errorOf(verify(future, 'query', at, SDK_KEYS)),
      { ...QUERY_TEXT.badSignature, message: 'Signature not yet current: 20261125T101600Z is still later than 20261125T101500Z (20261125T100000Z + 15 min.)' });
    // A bad signature is reported before the skew.
    assert.deepEqual(errorOf(verify(stale, 'query', at, { [SDK.accessKeyId]: { secretKey: 'other' } })), QUERY_TEXT.badSignature);
  });

  test('presigned parameter errors', () => {
    const base = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASDKV3EXAMPLE0001%2F20261125%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261125T100000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00';
    const req = (rawQuery: string): IncomingSignedRequest => ({ method: 'GET', rawPath: '/b/k', rawQuery, headers: { host: 'h' } });
    assert.deepEqual(errorOf(verify(req(base.replace('&X-Amz-Expires=60', '')), 's3', at, SDK_KEYS)), {
      code: 'AuthorizationQueryParametersError', status: 400,
      message: 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    });
    assert.deepEqual(errorOf(verify(req(base.replace('X-Amz-Expires=60', 'X-Amz-Expires=-1')), 's3', at, SDK_KEYS)),
      { code: 'AuthorizationQueryParametersError', status: 400, message: 'X-Amz-Expires must be non-negative' });
    assert.deepEqual(errorOf(verify(req(base.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256')), 's3', at, SDK_KEYS)),
      { code: 'AuthorizationQueryParametersError', status: 400, message: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"' });
    assert.deepEqual(errorOf(verify(req(base.replace('X-Amz-Date=20261125T100000Z', 'X-Amz-Date=20261126T100000Z')), 's3', at, SDK_KEYS)),
      { code: 'AuthorizationQueryParametersError', status: 400, message: 'Invalid credential date "20261125". This date is not the same as X-Amz-Date: "20261126".' });
    assert.deepEqual(errorOf(verify(req(base.replace('X-Amz-Date=20261125T100000Z', 'X-Amz-Date=2026')), 's3', at, SDK_KEYS)),
      { code: 'AuthorizationQueryParametersError', status: 400, message: 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"' });
  });

  test('presigned STS (as EKS tokens are made): expiry and future dates', () => {
    const input = [{ kind: 'query-presign', service: 'sts', method: 'GET', url: 'http://127.0.0.1:4577/?Action=GetCallerIdentity&Version=2011-06-15', ...SDK, timestamp: '20261125T100000Z', expires: 60 }];
    const [s] = JSON.parse(execFileSync('python3', ['server/test/fixtures/sigv4/botocore_sign.py'], { input: JSON.stringify(input) }).toString()) as { url: string }[];
    const req = fromUrl('GET', s!.url, {});
    okOf(verify(req, 'query', at, SDK_KEYS));
    assert.deepEqual(errorOf(verify(req, 'query', new Date(at.getTime() + 61_000), SDK_KEYS)),
      { ...QUERY_TEXT.badSignature, message: 'Signature expired: 20261125T100000Z is now earlier than 20261125T100001Z (20261125T100101Z - 60 sec.)' });
    assert.deepEqual(errorOf(verify(req, 'query', new Date(at.getTime() - 16 * 60_000), SDK_KEYS)),
      { ...QUERY_TEXT.badSignature, message: 'Signature not yet current: 20261125T100000Z is still later than 20261125T095900Z (20261125T094400Z + 15 min.)' });
  });
});
