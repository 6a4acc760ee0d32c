// SigV4 verification against AWS's published examples and against signatures made by botocore and SDK v3.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { authenticate, type CredentialRecord, type IncomingSignedRequest, type ServiceFamily } from '../src/auth/sigv4.ts';
import { signedHeaders } from './support/sign.ts';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function verify(req: IncomingSignedRequest, family: ServiceFamily, now: Date, keys: Record<string, CredentialRecord>) {
  return authenticate(req, family, now, (id) => keys[id]);
}

function fromUrl(method: string, url: string, headers: Record<string, string>, body = ''): IncomingSignedRequest {
  const u = new URL(url);
  const raw = url.slice(url.indexOf(u.host) + u.host.length);
  const q = raw.indexOf('?');
  return { method, rawPath: q < 0 ? raw : raw.slice(0, q), rawQuery: q < 0 ? '' : raw.slice(q + 1), headers: { host: u.host, ...headers }, bodySha256: sha(body) };
}

describe('AWS documentation examples', () => {
  const docsKey = { AKIDEXAMPLE: { secretKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } };
  test('IAM ListUsers (query protocol, "Create a signed AWS API request")', () => {
    const req: IncomingSignedRequest = {
      method: 'GET', rawPath: '/', rawQuery: 'Action=ListUsers&Version=2010-05-08',
      headers: {
        host: 'iam.amazonaws.com', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-date': '20150830T123600Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      },
    };
    assert.equal(verify(req, 'query', new Date('2015-08-30T12:36:00Z'), docsKey).ok, true);
  });

  const s3Key = { AKIAIOSFODNN7EXAMPLE: { secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } };
  const may24 = new Date('2013-05-24T00:00:00Z');
  test('S3 GET Object with Range (S3 "Signature Calculations for the Authorization Header")', () => {
    const req: IncomingSignedRequest = {
      method: 'GET', rawPath: '/test.txt', rawQuery: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': sha(''), 'x-amz-date': '20130524T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
      },
    };
    assert.equal(verify(req, 's3', may24, s3Key).ok, true);
    const tampered = verify({ ...req, headers: { ...req.headers, range: 'bytes=0-10' } }, 's3', may24, s3Key);
    assert.deepEqual(tampered, { ok: false, error: { code: 'SignatureDoesNotMatch', status: 403, message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' } });
  });

  test('S3 presigned GET (S3 "Authenticating Requests: Using Query Parameters")', () => {
    const req: IncomingSignedRequest = {
      method: 'GET', rawPath: '/test.txt',
      rawQuery: 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
      headers: { host: 'examplebucket.s3.amazonaws.com' },
    };
    assert.equal(verify(req, 's3', may24, s3Key).ok, true);
    const late = verify(req, 's3', new Date('2013-05-25T00:00:01Z'), s3Key);
    assert.deepEqual(late, { ok: false, error: { code: 'AccessDenied', message: 'Request has expired', status: 403 } });
  });
});

describe('signatures made by botocore', () => {
  const creds = { accessKeyId: 'AKIABOTOCORE00000000', secretAccessKey: 'botocore/secret+key', sessionToken: undefined };
  const cases = [
    { kind: 'query', service: 'sts', method: 'POST', url: 'http://127.0.0.1:4577/', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' },
    { kind: 'query', service: 'iam', method: 'POST', url: 'http://127.0.0.1:4577/', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: 'Action=GetRole&RoleName=kjh-s3-encryption-test1-role&Version=2010-05-08' },
    { kind: 's3', method: 'GET', url: 'http://127.0.0.1:4577/kjh-encryption-test1?prefix=cli-s3api-kms%2F&encoding-type=url', headers: {}, body: '' },
    { kind: 's3', method: 'PUT', url: 'http://127.0.0.1:4577/b/a%20key%2Bwith~odd%3Dchars/%C3%A9t%C3%A9.txt', headers: { 'Content-Type': 'text/plain' }, body: 'hello' },
    { kind: 's3', method: 'GET', url: 'http://bucket.s3.localhost:4577/dir//double', headers: {}, body: '' },
    { kind: 's3-presign', method: 'GET', url: 'http://127.0.0.1:4577/b/presigned%20object.txt', headers: {}, body: '' },
  ] as const;

  test('every botocore-signed request verifies; flipping one byte of the body hash or path breaks it', () => {
    const signed = JSON.parse(execFileSync('python3', ['server/test/support/botocore_sign.py'], {
      input: JSON.stringify(cases.map((c) => ({ ...c, ...creds }))),
    }).toString()) as { url: string; headers: Record<string, string> }[];
    const keys = { [creds.accessKeyId]: { secretKey: creds.secretAccessKey } };
    signed.forEach((s, i) => {
      const c = cases[i]!;
      const family: ServiceFamily = c.kind === 'query' ? 'query' : 's3';
      const amzDate = s.headers['x-amz-date'] ?? /X-Amz-Date=(\d{8}T\d{6}Z)/.exec(s.url)?.[1] ?? '';
      const now = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
      const req = fromUrl(c.method, s.url, s.headers, c.body);
      assert.equal(verify(req, family, now, keys).ok, true, `${c.kind} ${c.url}`);
      const otherPath = { ...req, rawPath: `${req.rawPath}x` };
      assert.equal(verify(otherPath, family, now, keys).ok, false, `tampered path ${c.url}`);
    });
  });
});

describe('signatures made by SDK v3 and the error texts', () => {
  const keys = { AKIASDKV3000000000000: { secretKey: 'sdk-secret' }, ASIASESSION000000000: { secretKey: 'temp-secret', sessionToken: 'tok', expiresAt: new Date('2030-01-01T00:00:00Z') } };
  const sdk = { accessKeyId: 'AKIASDKV3000000000000', secretAccessKey: 'sdk-secret' };
  const host = '127.0.0.1:4577';
  const at = new Date('2026-11-25T10:00:00Z');
  const request = async (service: 'sts' | 's3', path: string, query: Record<string, string> = {}, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = sdk, signingDate = at, body = ''): Promise<IncomingSignedRequest> => {
    // As SDK v3 does: the S3 serializer escapes the key, then the signer signs that path unchanged.
    const rawPath = path.split('/').map((p) => encodeURIComponent(p)).join('/');
    const headers = await signedHeaders(service, host, { method: service === 's3' ? 'GET' : 'POST', path: rawPath, query, body }, credentials, signingDate);
    const rawQuery = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return { method: service === 's3' ? 'GET' : 'POST', rawPath, rawQuery, headers, bodySha256: sha(body) };
  };

  test('S3 keys with spaces, unicode, +, =, ~ and repeated slashes', async () => {
    for (const key of ['/b/a b', '/b/é✓', '/b/x+y=z~', '/b/dir//file', '/b/cli-s3api-kms/QBF.txt.enc']) {
      const req = await request('s3', key, { prefix: 'cli-s3api-kms/', 'list-type': '2', empty: '' });
      assert.equal(verify(req, 's3', at, keys).ok, true, key);
    }
  });

  test('query protocol errors: unknown key, wrong secret, missing token, skew both ways, expired session', async () => {
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const wrong = await request('sts', '/', {}, { ...sdk, secretAccessKey: 'nope' }, at, body);
    assert.equal((verify(wrong, 'query', at, keys) as { error: { code: string } }).error.code, 'SignatureDoesNotMatch');
    const unknown = await request('sts', '/', {}, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }, at, body);
    assert.deepEqual(verify(unknown, 'query', at, keys), { ok: false, error: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.', status: 403 } });
    const noToken = await request('sts', '/', {}, { accessKeyId: 'ASIASESSION000000000', secretAccessKey: 'temp-secret' }, at, body);
    assert.equal((verify(noToken, 'query', at, keys) as { error: { code: string } }).error.code, 'InvalidClientTokenId');
    const withToken = await request('sts', '/', {}, { accessKeyId: 'ASIASESSION000000000', secretAccessKey: 'temp-secret', sessionToken: 'tok' }, at, body);
    assert.equal(verify(withToken, 'query', at, keys).ok, true);
    assert.deepEqual(verify(withToken, 'query', new Date('2031-01-01T00:00:00Z'), keys), {
      ok: false, error: { code: 'SignatureDoesNotMatch', status: 403, message: 'Signature expired: 20261125T100000Z is now earlier than 20301231T234500Z (20310101T000000Z - 15 min.)' },
    });
    const old = new Date(at.getTime() - 16 * 60_000);
    const stale = await request('sts', '/', {}, sdk, old, body);
    assert.equal((verify(stale, 'query', at, keys) as { error: { message: string } }).error.message, 'Signature expired: 20261125T094400Z is now earlier than 20261125T094500Z (20261125T100000Z - 15 min.)');
    const future = await request('sts', '/', {}, sdk, new Date(at.getTime() + 16 * 60_000), body);
    assert.match((verify(future, 'query', at, keys) as { error: { message: string } }).error.message, /^Signature not yet current: 20261125T101600Z is still later than 20261125T101500Z/);
    const expiredSession = await request('sts', '/', {}, { accessKeyId: 'ASIASESSION000000000', secretAccessKey: 'temp-secret', sessionToken: 'tok' }, new Date('2030-06-01T00:00:00Z'), body);
    assert.deepEqual(verify(expiredSession, 'query', new Date('2030-06-01T00:00:00Z'), keys), { ok: false, error: { code: 'ExpiredToken', message: 'The security token included in the request is expired', status: 400 } });
  });

  test('S3 errors: unknown key, skew, missing auth is anonymous', async () => {
    const unknown = await request('s3', '/b', {}, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    assert.equal((verify(unknown, 's3', at, keys) as { error: { code: string } }).error.code, 'InvalidAccessKeyId');
    const skewed = await request('s3', '/b', {}, sdk, new Date(at.getTime() - 20 * 60_000));
    // S3 names both times and the allowed skew in the error document.
    assert.deepEqual(verify(skewed, 's3', at, keys), {
      ok: false,
      error: {
        code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.', status: 403,
        extra: { RequestTime: '20261125T094000Z', ServerTime: '2026-11-25T10:00:00Z', MaxAllowedSkewMilliseconds: '900000' },
      },
    });
    assert.deepEqual(verify({ method: 'GET', rawPath: '/b', rawQuery: '', headers: { host } }, 's3', at, keys), { ok: 'anonymous' });
    assert.equal((verify({ method: 'POST', rawPath: '/', rawQuery: '', headers: { host } }, 'query', at, keys) as { error: { code: string } }).error.code, 'MissingAuthenticationToken');
  });
});
