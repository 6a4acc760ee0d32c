// SAML federation with SDK v3: IAM SAML providers, STS AssumeRoleWithSAML against assertions signed by iamlocal's
// built-in IdP, the saml:* keys in trust policies, and every way an assertion is refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  CreateRoleCommand, CreateSAMLProviderCommand, DeleteSAMLProviderCommand, GetSAMLProviderCommand, IAMClient, ListSAMLProvidersCommand,
  ListSAMLProviderTagsCommand, TagSAMLProviderCommand, UntagSAMLProviderCommand, UpdateSAMLProviderCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { selfSignedCertificate } from '../../server/src/saml/x509.ts';
import { rejection } from './support.ts';

const ACCOUNT = '123456789012';
let local: Iamlocal;
let iam: IAMClient;
let sts: STSClient;
let metadata: string;
let providerArn: string;

async function assertion(body: Record<string, unknown>): Promise<{ samlResponse: string; roleArn: string; principalArn: string }> {
  const res = await fetch(`${local.endpoint}/_iamlocal/saml/assertion`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { samlResponse: string; roleArn: string; principalArn: string };
}

const xmlOf = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
const b64Of = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

function trust(condition?: Record<string, unknown>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/corp-idp` }, Action: 'sts:AssumeRoleWithSAML', Condition: condition }],
  });
}

before(async () => {
  local = await startIamlocal();
  iam = new IAMClient(local.clientConfig());
  // AssumeRoleWithSAML is unsigned: the SDK sends no credentials for it.
  sts = new STSClient({ endpoint: local.endpoint, region: 'us-east-1' });
  metadata = await (await fetch(`${local.endpoint}/_iamlocal/saml/metadata`)).text();
  providerArn = (await iam.send(new CreateSAMLProviderCommand({ Name: 'corp-idp', SAMLMetadataDocument: metadata, Tags: [{ Key: 'team', Value: 'identity' }] }))).SAMLProviderArn!;
  await iam.send(new CreateRoleCommand({ RoleName: 'Engineers', AssumeRolePolicyDocument: trust({ StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } }) }));
  await iam.send(new CreateRoleCommand({ RoleName: 'OnlyAlice', AssumeRolePolicyDocument: trust({ StringEquals: { 'saml:sub': 'alice' } }) }));
});
after(async () => {
  await local.stop();
});

test('SAML providers: create, get, list, update, tag, delete, with IAM errors', async () => {
  assert.equal(providerArn, `arn:aws:iam::${ACCOUNT}:saml-provider/corp-idp`);
  const got = await iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: providerArn }));
  assert.equal(got.SAMLMetadataDocument, metadata);
  assert.match(got.SAMLProviderUUID ?? '', /^p-/);
  assert.ok(got.ValidUntil instanceof Date && got.ValidUntil.getTime() > Date.now() + 50 * 365 * 86_400_000);
  assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'identity' }]);
  // As AWS answers (recorded GetSAMLProvider): encryption allowed, no private keys, listed as an empty list.
  assert.deepEqual([got.AssertionEncryptionMode, got.PrivateKeyList], ['Allowed', []]);
  const listed = await iam.send(new ListSAMLProvidersCommand({}));
  assert.deepEqual(listed.SAMLProviderList?.map((p) => p.Arn), [providerArn]);

  const duplicate = await rejection(iam.send(new CreateSAMLProviderCommand({ Name: 'corp-idp', SAMLMetadataDocument: metadata })));
  assert.equal(duplicate.name, 'EntityAlreadyExistsException');
  const garbage = await rejection(iam.send(new CreateSAMLProviderCommand({ Name: 'bad', SAMLMetadataDocument: `<not-metadata>${'x'.repeat(1000)}</not-metadata>` })));
  assert.deepEqual([garbage.name, garbage.message], ['InvalidInputException', 'Could not parse metadata']);
  const short = await rejection(iam.send(new CreateSAMLProviderCommand({ Name: 'short', SAMLMetadataDocument: '<x/>' })));
  assert.equal(short.name, 'ValidationError');
  const missing = await rejection(iam.send(new GetSAMLProviderCommand({ SAMLProviderArn: `arn:aws:iam::${ACCOUNT}:saml-provider/nope` })));
  assert.equal(missing.name, 'NoSuchEntityException');

  const updated = await iam.send(new UpdateSAMLProviderCommand({ SAMLProviderArn: providerArn, SAMLMetadataDocument: metadata }));
  assert.equal(updated.SAMLProviderArn, providerArn);
  await iam.send(new TagSAMLProviderCommand({ SAMLProviderArn: providerArn, Tags: [{ Key: 'env', Value: 'test' }] }));
  await iam.send(new UntagSAMLProviderCommand({ SAMLProviderArn: providerArn, TagKeys: ['team'] }));
  assert.deepEqual((await iam.send(new ListSAMLProviderTagsCommand({ SAMLProviderArn: providerArn }))).Tags, [{ Key: 'env', Value: 'test' }]);

  const temp = await iam.send(new CreateSAMLProviderCommand({ Name: 'temp-idp', SAMLMetadataDocument: metadata }));
  await iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: temp.SAMLProviderArn }));
  assert.equal((await rejection(iam.send(new DeleteSAMLProviderCommand({ SAMLProviderArn: temp.SAMLProviderArn })))).name, 'NoSuchEntityException');
});

test('AssumeRoleWithSAML with a signed assertion returns a working session and the SAML facts', async () => {
  const a = await assertion({ role: 'Engineers', session: 'alice@example.com', nameId: 'alice', provider: 'corp-idp' });
  const out = await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: a.roleArn, PrincipalArn: a.principalArn, SAMLAssertion: a.samlResponse, DurationSeconds: 900 }));
  assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/Engineers/alice@example.com`);
  assert.match(out.Credentials?.AccessKeyId ?? '', /^ASIA/);
  assert.equal(out.Subject, 'alice');
  assert.equal(out.SubjectType, 'persistent');
  assert.equal(out.Issuer, 'urn:iamlocal:saml:idp');
  assert.equal(out.Audience, 'https://signin.aws.amazon.com/saml');
  assert.ok(out.NameQualifier && out.NameQualifier.length === 28);
  const seconds = (out.Credentials!.Expiration!.getTime() - Date.now()) / 1000;
  assert.ok(seconds > 850 && seconds <= 900, `expires in ${seconds}s`);

  const session = new STSClient({ endpoint: local.endpoint, region: 'us-east-1', credentials: {
    accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken!,
  } });
  assert.equal((await session.send(new GetCallerIdentityCommand({}))).Arn, out.AssumedRoleUser?.Arn);
});

test('trust policies see saml:sub: only the named subject may assume the role', async () => {
  const alice = await assertion({ role: 'OnlyAlice', session: 'alice', nameId: 'alice', provider: 'corp-idp' });
  await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: alice.roleArn, PrincipalArn: alice.principalArn, SAMLAssertion: alice.samlResponse }));
  const bob = await assertion({ role: 'OnlyAlice', session: 'bob', nameId: 'bob', provider: 'corp-idp' });
  const denied = await rejection(sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: bob.roleArn, PrincipalArn: bob.principalArn, SAMLAssertion: bob.samlResponse })));
  assert.deepEqual([denied.name, denied.message, denied.status], ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML', 403]);
  const decisions = (await (await fetch(`${local.endpoint}/_iamlocal/decisions?action=sts:AssumeRoleWithSAML&decision=deny`)).json()) as { decisions: { principal: string }[] };
  assert.ok(decisions.decisions.some((d) => d.principal === providerArn), JSON.stringify(decisions));
});

test('assertions that are tampered, unsigned, expired, for another role or provider, or with a DTD are refused', async () => {
  const good = await assertion({ role: 'Engineers', session: 'mallory', nameId: 'mallory', provider: 'corp-idp' });
  const call = (saml: string, roleArn = good.roleArn, principalArn = good.principalArn) =>
    rejection(sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: principalArn, SAMLAssertion: saml })));

  const tampered = await call(b64Of(xmlOf(good.samlResponse).replace('>mallory<', '>alice<')));
  assert.deepEqual([tampered.name, tampered.message], ['InvalidIdentityTokenException', 'Response signature invalid']);
  const unsigned = await call(b64Of(xmlOf(good.samlResponse).replace(/<Signature [\s\S]*<\/Signature>/, '')));
  assert.deepEqual([unsigned.name, unsigned.message], ['InvalidIdentityTokenException', 'Response signature invalid']);
  // An unsigned assertion placed before the signed one is not read (signature wrapping).
  const wrapped = xmlOf(good.samlResponse).replace('<saml:Assertion', '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil"><saml:Issuer>urn:iamlocal:saml:idp</saml:Issuer></saml:Assertion><saml:Assertion');
  const wrappedOut = await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: good.roleArn, PrincipalArn: good.principalArn, SAMLAssertion: b64Of(wrapped) }));
  assert.equal(wrappedOut.Subject, 'mallory');

  const expired = await assertion({ role: 'Engineers', session: 'late', provider: 'corp-idp', validForSeconds: -10 });
  const late = await call(expired.samlResponse);
  assert.equal(late.name, 'ExpiredTokenException');
  assert.match(late.message, /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);

  const other = await call(good.samlResponse, `arn:aws:iam::${ACCOUNT}:role/OnlyAlice`);
  assert.deepEqual([other.name, other.message], ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML']);
  const noProvider = await call(good.samlResponse, good.roleArn, `arn:aws:iam::${ACCOUNT}:saml-provider/unknown`);
  assert.deepEqual([noProvider.name, noProvider.message], ['InvalidIdentityTokenException', "Specified provider doesn't exist"]);
  const notBase64 = await call('!!!! not base64 !!!!');
  assert.equal(notBase64.name, 'InvalidIdentityTokenException');
  const dtd = await call(b64Of(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>`));
  assert.equal(dtd.name, 'InvalidIdentityTokenException');
  const crossAccount = await call(good.samlResponse, good.roleArn, 'arn:aws:iam::210987654321:saml-provider/corp-idp');
  assert.equal(crossAccount.name, 'ValidationError');
});

test('a provider whose metadata names another IdP certificate rejects iamlocal-signed assertions', async () => {
  // Same IdP entity, different certificate: the signature cannot verify.
  const otherCert = metadata.replace(/<ds:X509Certificate>[^<]+<\/ds:X509Certificate>/, `<ds:X509Certificate>${foreignCertificate()}</ds:X509Certificate>`);
  await iam.send(new CreateSAMLProviderCommand({ Name: 'foreign-idp', SAMLMetadataDocument: otherCert }));
  const a = await assertion({ role: 'Engineers', session: 'eve', provider: 'foreign-idp' });
  const refused = await rejection(sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: a.roleArn, PrincipalArn: a.principalArn, SAMLAssertion: a.samlResponse })));
  assert.deepEqual([refused.name, refused.message], ['InvalidIdentityTokenException', 'Response signature invalid']);
});

/** A real self-signed certificate of a key iamlocal's IdP does not hold. */
function foreignCertificate(): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return selfSignedCertificate(privateKey, publicKey, { commonName: 'other IdP', serial: Buffer.from([1]), notBefore: new Date(), notAfter: new Date(Date.now() + 86_400_000) }).toString('base64');
}
