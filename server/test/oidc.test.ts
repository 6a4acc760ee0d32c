// JWT verification and key-set checks behind AssumeRoleWithWebIdentity; the packed-size rule for session policies and tags.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { checkJwks, decodeJwt, providerKey, verifyJwt, type Jwks } from '../src/services/sts/oidc.ts';
import { packedPolicySize } from '../src/services/sts/role-session.ts';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

function token(alg: 'RS256' | 'ES256', key: KeyObject, claims: Record<string, unknown>, kid = 'k1'): string {
  const input = `${b64({ alg, kid })}.${b64(claims)}`;
  const signature = alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

test('providerKey drops the scheme and trailing slashes, as IAM names providers', () => {
  assert.equal(providerKey('https://token.actions.githubusercontent.com/'), 'token.actions.githubusercontent.com');
  assert.equal(providerKey('https://idp.example.com/tenant'), 'idp.example.com/tenant');
});

test('decodeJwt rejects what is not a compact JWS', () => {
  assert.equal(decodeJwt('abc'), undefined);
  assert.equal(decodeJwt('a.b.c'), undefined);
  assert.equal(decodeJwt(`${b64([1])}.${b64({})}.x`), undefined);
  assert.deepEqual(decodeJwt(`${b64({ alg: 'none' })}.${b64({ sub: 's' })}.`)?.claims, { sub: 's' });
});

test('verifyJwt: RS256 and ES256 by kid; wrong keys, unknown kids and other algorithms fail', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks: Jwks = { keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'r1' }, { ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1' }] };
  assert.equal(verifyJwt(decodeJwt(token('RS256', rsa.privateKey, { sub: 'a' }, 'r1'))!, jwks), 'ok');
  assert.equal(verifyJwt(decodeJwt(token('ES256', ec.privateKey, { sub: 'a' }, 'e1'))!, jwks), 'ok');
  assert.equal(verifyJwt(decodeJwt(token('RS256', rsa.privateKey, { sub: 'a' }, 'zz'))!, jwks), 'no-key');
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  assert.equal(verifyJwt(decodeJwt(token('RS256', other.privateKey, { sub: 'a' }, 'r1'))!, jwks), 'bad-signature');
  assert.equal(verifyJwt(decodeJwt(`${b64({ alg: 'HS256' })}.${b64({})}.`)!, jwks), 'unsupported-alg');
  assert.equal(verifyJwt(decodeJwt(`${b64({ alg: 'none' })}.${b64({})}.`)!, jwks), 'unsupported-alg');
});

test('checkJwks keeps public members only and rejects keys that do not import', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const checked = checkJwks({ keys: [{ ...rsa.privateKey.export({ format: 'jwk' }), kid: 'x' }] });
  assert.ok(typeof checked !== 'string');
  assert.equal(checked.keys[0]!.d, undefined);
  assert.equal(checked.keys[0]!.kid, 'x');
  assert.match(String(checkJwks({ keys: [{ kty: 'oct', k: 'abc' }] })), /kty must be RSA or EC/);
  assert.match(String(checkJwks({ keys: [{ kty: 'RSA', n: 'x' }] })), /^jwks\.keys\[0\]: /);
  assert.equal(checkJwks([]), 'jwks must be an object with a keys array');
});

test('packedPolicySize: percent of the budget; PackedPolicyTooLarge names what was too large', () => {
  assert.equal(packedPolicySize({ arns: [] }, {}), undefined);
  assert.equal(packedPolicySize({ arns: [] }, { team: 'blue' }), 1);
  const tags = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}${'k'.repeat(100)}`, 'v'.repeat(100)]));
  assert.throws(() => packedPolicySize({ arns: [] }, tags), { code: 'PackedPolicyTooLarge', message: /^Packed size of session tags consumes \d+% of allotted space\.$/ });
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2100) }] });
  assert.throws(() => packedPolicySize({ inline: policy, arns: [] }, {}), { code: 'PackedPolicyTooLarge', message: /^Packed policy consumes \d+% of allotted space, please use smaller policy\.$/ });
});
