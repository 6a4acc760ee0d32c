// Hostile-input fuzzing against a live server process (npm run fuzz [-- --requests N --seed S --concurrency C]).
// Valid requests of every implemented STS, IAM and S3 operation are generated with fast-check, mutated (values,
// parameters, headers, XML and JSON bodies, paths, unicode and oversized values), then mostly signed — so they reach
// the handlers — and sometimes broken after signing (Authorization parts, X-Amz-Date, presigned parameters, chunk
// signatures). Every answer must be a success or a well-formed AWS error; no 5xx (except S3's own 501
// NotImplemented), no hang, no crash; a sample of requests answered with an error must leave the state unchanged.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { XMLValidator } from 'fast-xml-parser';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chunkedBody, chunkedLength, codeOf, integrityCheck, presignQuery, ROOT, SAML, send, signRequest, spawnServer, STORY, Timeout,
  type Answer, type Credentials, type RawRequest, type SpawnedServer } from './lib/harness.ts';

// ---------- request specs ----------

type Service = 'sts' | 'iam' | 's3';
interface Spec {
  service: Service;
  op: string;
  method: string;
  /** S3: bucket and key (decoded); the query protocol always posts to '/'. */
  bucket?: string;
  key?: string;
  /** Decoded query parameters (S3) or form parameters (query protocol). */
  params: [string, string][];
  headers: Record<string, string>;
  body?: Buffer;
}

const ACCOUNT = '123456789012';
const USERS = ['fz-u0', 'fz-u1', 'fz-u2'];
const ROLES = ['fz-r0', 'fz-r1', 'kjh-s3-encryption-test1-role'];
const GROUPS = ['fz-g0', 'fz-g1'];
const PROFILES = ['fz-ip0', 'fz-ip1'];
const SAML_PROVIDERS = ['fz-saml0', 'fz-saml1'];
const POLICIES = ['fz-p0', 'fz-p1', 'kjh-s3-encryption-test1'];
const BUCKETS = ['fz-b0', 'fz-b1', 'kjh-encryption-test1'];
const KEYS = ['k0', 'k1', 'dir/a.txt', 'dir/sub/b', 'ü/😀 key', 'a+b=c&d', 'x'.repeat(900)];
const ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:*', 'iam:CreateUser', 'iam:*', 'sts:AssumeRole', '*', 's3:Get*', 'ec2:RunInstances'];

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const policyArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const samlArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:saml-provider/${name}`;

/** Strings meant to hurt: unicode, lone surrogates, escapes, wildcards, variables, numbers, oversized. */
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 4, arbitrary: fc.constantFrom('', ' ', '%', '%zz', '%00', '\u0000', '\r\n', '\t', '..', '../..', '/', '//', '*', '?', '*?*', '${aws:username}', '${', '$', '<', '>', '&', '&amp;', '"', "'", '\\',
    'null', 'true', '-1', '0', '99999999999999999999', '1e309', 'NaN', '0x10', 'arn:aws:iam::123456789012:role/../x', 'arn:aws:s3:::*', '\uFEFF', '\u202E', '\uD800', '😀', 'Ω≈ç√', '<![CDATA[x]]>', '{"a":') },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 70_000 }).map((n) => 'a'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => '😀'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 400 }).map((n) => '*a'.repeat(n)) },
);

const statement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny', 'allow', 'Maybe'),
  Action: fc.oneof(pick(ACTIONS), fc.array(pick(ACTIONS), { maxLength: 3 }), hostile),
  Resource: fc.oneof(fc.constantFrom('*', 'arn:aws:s3:::fz-b0/*', 'arn:aws:s3:::fz-b0', `arn:aws:iam::${ACCOUNT}:user/*`, 'arn:aws:s3:::*a*a*a*a*a*a*a*a*a*a*b'), hostile),
  Condition: fc.option(fc.dictionary(fc.constantFrom('StringLike', 'StringEquals', 'IpAddress', 'DateLessThan', 'ForAnyValue:StringLike', 'Bool', 'NumericLessThan', 'ArnLike', 'Null', 'StringLikeIfExists', 'Bogus'),
    fc.dictionary(fc.constantFrom('aws:username', 's3:prefix', 'aws:SourceIp', 'aws:CurrentTime', 'aws:PrincipalTag/team', 'aws:MultiFactorAuthPresent', 's3:max-keys', 'aws:PrincipalArn'),
      fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.constantFrom('10.0.0.0/8', '*a*a*a*a*a*a*a*a*a*a*a*a*b', 'true', '2020-01-01T00:00:00Z'))), { maxKeys: 2 }), { nil: undefined }),
});
const trustStatement = fc.record({
  Effect: fc.constantFrom('Allow', 'Deny'),
  Action: fc.constantFrom('sts:AssumeRole', 'sts:TagSession', 'sts:*'),
  Principal: fc.oneof(fc.constant<unknown>('*'), fc.record({ AWS: fc.oneof(fc.constant(`arn:aws:iam::${ACCOUNT}:root`), pick(USERS).map((u) => `arn:aws:iam::${ACCOUNT}:user/${u}`), hostile) }), fc.record({ Service: fc.constantFrom('ec2.amazonaws.com', 'x') })),
});
/** A policy document: usually valid JSON of the right shape, sometimes random JSON or mutated text. */
const documentOf = (stmt: fc.Arbitrary<unknown>): fc.Arbitrary<string> => fc.oneof(
  { weight: 6, arbitrary: fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17', 'x'), Statement: fc.oneof(stmt, fc.array(stmt, { minLength: 1, maxLength: 4 })) }).map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.tuple(fc.record({ Version: fc.constant('2012-10-17'), Statement: stmt }).map((d) => JSON.stringify(d)), fc.nat(), hostile).map(([d, n, s]) => d.slice(0, n % (d.length + 1)) + s + d.slice(n % (d.length + 1))) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
);
const identityDoc = documentOf(statement);
const trustDoc = documentOf(trustStatement);
/** IdP metadata shapes (padded past the 1,000-character minimum) with hostile entity ids and certificates. */
const hostileMetadata: fc.Arbitrary<string> = fc.tuple(hostile, hostile).map(([entity, cert]) =>
  `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entity.replace(/[<&"]/g, '')}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">`
  + `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert.replace(/[<&]/g, '')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
  + `</md:IDPSSODescriptor><!-- ${'pad '.repeat(250)} --></md:EntityDescriptor>`);

// ---- query protocol ----

type ParamArbs = Record<string, fc.Arbitrary<string>>;
const IAM_PARAM: ParamArbs = {
  UserName: pick(USERS), RoleName: pick(ROLES), GroupName: pick(GROUPS), PolicyName: pick(POLICIES), PolicyArn: pick(POLICIES).map(policyArn),
  PolicyDocument: identityDoc, AssumeRolePolicyDocument: trustDoc, PermissionsBoundary: pick(POLICIES).map(policyArn),
  VersionId: fc.constantFrom('v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v0', 'V1'), SetAsDefault: fc.constantFrom('true', 'false'), Path: fc.constantFrom('/', '/fz/', '/a/b/'),
  AccessKeyId: fc.constantFrom('AKIAFUZZ000000000000', 'AKIA', 'test'), Status: fc.constantFrom('Active', 'Inactive'), MaxSessionDuration: fc.constantFrom('3600', '43200', '100'),
  Description: fc.string({ maxLength: 30 }), PathPrefix: fc.constantFrom('/', '/fz/'), MaxItems: fc.constantFrom('1', '2', '100', '1000'), Marker: fc.string({ maxLength: 10 }),
  PolicySourceArn: fc.oneof(pick(USERS).map((u) => `arn:aws:iam::${ACCOUNT}:user/${u}`), pick(ROLES).map(roleArn)),
  Scope: fc.constantFrom('All', 'AWS', 'Local'), OnlyAttached: fc.constantFrom('true', 'false'), NewPath: fc.constant('/n/'), NewUserName: pick(USERS),
  InstanceProfileName: pick(PROFILES), Name: pick(SAML_PROVIDERS), SAMLProviderArn: pick(SAML_PROVIDERS).map(samlArn), SAMLMetadataDocument: fc.oneof(hostile, hostileMetadata),
  Password: fc.oneof(fc.constantFrom('Passw0rd!Passw0rd!', 'short', ''), hostile), AccountAlias: fc.oneof(fc.constantFrom('fz-alias', 'Bad_Alias', 'a', 'fz--x'), hostile),
  MinimumPasswordLength: fc.constantFrom('6', '128', '5', '129', 'x'), EntityFilter: fc.constantFrom('User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy', 'bogus'),
  AWSServiceName: fc.oneof(fc.constantFrom('elasticbeanstalk.amazonaws.com', 'autoscaling.amazonaws.com', 'bogus'), hostile),
  OpenIDConnectProviderArn: fc.oneof(fc.constantFrom(`arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.fz.example`, `arn:aws:iam::${ACCOUNT}:oidc-provider/`), hostile),
};
const IAM_OPS: Record<string, string[]> = {
  CreateUser: ['UserName', 'Path?'], GetUser: ['UserName?'], DeleteUser: ['UserName'], ListUsers: ['PathPrefix?', 'MaxItems?', 'Marker?'],
  CreateAccessKey: ['UserName?'], DeleteAccessKey: ['AccessKeyId', 'UserName?'], UpdateAccessKey: ['AccessKeyId', 'Status', 'UserName?'], ListAccessKeys: ['UserName?'],
  CreateRole: ['RoleName', 'AssumeRolePolicyDocument', 'Path?', 'MaxSessionDuration?', 'Description?'], GetRole: ['RoleName'], DeleteRole: ['RoleName'], ListRoles: ['PathPrefix?', 'MaxItems?'],
  UpdateAssumeRolePolicy: ['RoleName', 'PolicyDocument'], UpdateRole: ['RoleName', 'Description?', 'MaxSessionDuration?'],
  CreatePolicy: ['PolicyName', 'PolicyDocument', 'Path?', 'Description?'], GetPolicy: ['PolicyArn'], DeletePolicy: ['PolicyArn'], ListPolicies: ['Scope?', 'OnlyAttached?', 'MaxItems?'],
  CreatePolicyVersion: ['PolicyArn', 'PolicyDocument', 'SetAsDefault?'], GetPolicyVersion: ['PolicyArn', 'VersionId'], ListPolicyVersions: ['PolicyArn'],
  DeletePolicyVersion: ['PolicyArn', 'VersionId'], SetDefaultPolicyVersion: ['PolicyArn', 'VersionId'],
  AttachUserPolicy: ['UserName', 'PolicyArn'], DetachUserPolicy: ['UserName', 'PolicyArn'], ListAttachedUserPolicies: ['UserName'],
  AttachRolePolicy: ['RoleName', 'PolicyArn'], DetachRolePolicy: ['RoleName', 'PolicyArn'], ListAttachedRolePolicies: ['RoleName'],
  AttachGroupPolicy: ['GroupName', 'PolicyArn'], DetachGroupPolicy: ['GroupName', 'PolicyArn'], ListAttachedGroupPolicies: ['GroupName'],
  PutUserPolicy: ['UserName', 'PolicyName', 'PolicyDocument'], GetUserPolicy: ['UserName', 'PolicyName'], DeleteUserPolicy: ['UserName', 'PolicyName'], ListUserPolicies: ['UserName'],
  PutRolePolicy: ['RoleName', 'PolicyName', 'PolicyDocument'], GetRolePolicy: ['RoleName', 'PolicyName'], DeleteRolePolicy: ['RoleName', 'PolicyName'], ListRolePolicies: ['RoleName'],
  PutGroupPolicy: ['GroupName', 'PolicyName', 'PolicyDocument'], GetGroupPolicy: ['GroupName', 'PolicyName'], DeleteGroupPolicy: ['GroupName', 'PolicyName'], ListGroupPolicies: ['GroupName'],
  PutUserPermissionsBoundary: ['UserName', 'PermissionsBoundary'], DeleteUserPermissionsBoundary: ['UserName'],
  PutRolePermissionsBoundary: ['RoleName', 'PermissionsBoundary'], DeleteRolePermissionsBoundary: ['RoleName'],
  CreateGroup: ['GroupName', 'Path?'], GetGroup: ['GroupName'], DeleteGroup: ['GroupName'], ListGroups: ['PathPrefix?'], AddUserToGroup: ['GroupName', 'UserName'],
  RemoveUserFromGroup: ['GroupName', 'UserName'], ListGroupsForUser: ['UserName'],
  ListUserTags: ['UserName'], ListRoleTags: ['RoleName'], GetContextKeysForPrincipalPolicy: ['PolicySourceArn'],
  CreateInstanceProfile: ['InstanceProfileName', 'Path?'], GetInstanceProfile: ['InstanceProfileName'], DeleteInstanceProfile: ['InstanceProfileName'],
  ListInstanceProfiles: ['PathPrefix?', 'MaxItems?'], AddRoleToInstanceProfile: ['InstanceProfileName', 'RoleName'], RemoveRoleFromInstanceProfile: ['InstanceProfileName', 'RoleName'],
  ListInstanceProfilesForRole: ['RoleName'], CreateSAMLProvider: ['Name', 'SAMLMetadataDocument'], GetSAMLProvider: ['SAMLProviderArn'], DeleteSAMLProvider: ['SAMLProviderArn'],
  UpdateSAMLProvider: ['SAMLProviderArn', 'SAMLMetadataDocument?'], ListSAMLProviders: [], CreateLoginProfile: ['UserName', 'Password'], GetLoginProfile: ['UserName'],
  UpdateLoginProfile: ['UserName', 'Password?'], DeleteLoginProfile: ['UserName'], CreateAccountAlias: ['AccountAlias'], DeleteAccountAlias: ['AccountAlias'],
  ListAccountAliases: [], GetAccountSummary: [], GetAccountAuthorizationDetails: ['MaxItems?', 'Marker?'], GetAccountPasswordPolicy: [],
  UpdateAccountPasswordPolicy: ['MinimumPasswordLength?'], DeleteAccountPasswordPolicy: [], ListEntitiesForPolicy: ['PolicyArn', 'EntityFilter?'],
  UpdateUser: ['UserName', 'NewUserName?', 'NewPath?'], UpdateRoleDescription: ['RoleName', 'Description'], GetAccessKeyLastUsed: ['AccessKeyId'],
  CreateServiceLinkedRole: ['AWSServiceName'], ListOpenIDConnectProviders: [], GetOpenIDConnectProvider: ['OpenIDConnectProviderArn'],
  DeleteOpenIDConnectProvider: ['OpenIDConnectProviderArn'],
};
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
/** SAML responses that parse but are unsigned, tampered or odd, and raw garbage. */
const hostileSaml: fc.Arbitrary<string> = fc.oneof(
  hostile,
  hostile.map(b64),
  fc.tuple(hostile, hostile, fc.constantFrom('', '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>')).map(([sub, role, sig]) => b64(
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>`
    + `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><saml:Issuer>urn:iamlocal:saml:idp</saml:Issuer>${sig}<saml:Subject><saml:NameID>${xmlText(sub)}</saml:NameID></saml:Subject>`
    + `<saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>${xmlText(role)}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`)),
);
/** JWT-shaped tokens with hostile headers, claims and signatures. */
const hostileJwt: fc.Arbitrary<string> = fc.oneof(
  hostile,
  fc.tuple(fc.oneof(fc.constantFrom('{"alg":"RS256","kid":"x"}', '{"alg":"none"}', '{"alg":"ES256"}'), hostile), fc.oneof(fc.constant(`{"iss":"https://oidc.iamlocal.localhost","sub":"s","aud":"sts.amazonaws.com","exp":9999999999}`), hostile), hostile)
    .map(([h, c, sig]) => `${b64url(h)}.${b64url(c)}.${b64url(sig)}`),
);
const member = (prefix: string, values: string[]): [string, string][] => values.map((v, i) => [`${prefix}.member.${i + 1}`, v]);
const tagsParams = fc.array(fc.tuple(fc.oneof(fc.constantFrom('team', 'env', 'aws:x'), hostile), hostile), { maxLength: 3 })
  .map((tags) => tags.flatMap(([k, v], i) => [[`Tags.member.${i + 1}.Key`, k], [`Tags.member.${i + 1}.Value`, v]] as [string, string][]));

function iamOp(action: string, names: string[]): fc.Arbitrary<Spec> {
  const arbs = names.map((n) => {
    const name = n.replace('?', '');
    const a = IAM_PARAM[name]!.map((v): [string, string] => [name, v]);
    return n.endsWith('?') ? fc.option(a, { nil: undefined }) : a;
  });
  return fc.tuple(...arbs).map((ps): Spec => ({ service: 'iam', op: action, method: 'POST', params: [['Action', action], ...ps.filter((p): p is [string, string] => p !== undefined)], headers: {} }));
}
const stsSpec = (op: string, params: [string, string | null | undefined][]): Spec =>
  ({ service: 'sts', op, method: 'POST', headers: {}, params: [['Action', op], ...params.filter((p): p is [string, string] => typeof p[1] === 'string')] });
const queryOps: fc.Arbitrary<Spec>[] = [
  ...Object.entries(IAM_OPS).map(([a, n]) => iamOp(a, n)),
  fc.tuple(fc.oneof(fc.constantFrom('https://oidc.fz.example', 'https://oidc.fz.example/p', 'http://insecure', ''), hostile), fc.array(hostile, { maxLength: 2 }), fc.array(fc.oneof(fc.constant('0'.repeat(40)), hostile), { maxLength: 2 }))
    .map(([url, ids, prints]): Spec => ({ service: 'iam', op: 'CreateOpenIDConnectProvider', method: 'POST', headers: {}, params: [['Action', 'CreateOpenIDConnectProvider'], ['Url', url], ...member('ClientIDList', ids), ...member('ThumbprintList', prints)] })),
  fc.tuple(pick(ROLES), fc.oneof(pick(SAML_PROVIDERS).map(samlArn), hostile), hostileSaml, fc.option(fc.constantFrom('900', '3600', '99999')))
    .map(([r, p, a, d]) => stsSpec('AssumeRoleWithSAML', [['RoleArn', roleArn(r)], ['PrincipalArn', p], ['SAMLAssertion', a], ['DurationSeconds', d]])),
  fc.tuple(pick(ROLES), fc.oneof(fc.constant('fz'), hostile), hostileJwt).map(([r, n, t]) => stsSpec('AssumeRoleWithWebIdentity', [['RoleArn', roleArn(r)], ['RoleSessionName', n], ['WebIdentityToken', t]])),
  fc.tuple(fc.oneof(fc.constant('fz-fed'), hostile), fc.option(identityDoc), fc.option(fc.constantFrom('900', '129600', '10'))).map(([n, pol, d]) => stsSpec('GetFederationToken', [['Name', n], ['Policy', pol], ['DurationSeconds', d]])),
  hostile.map((m) => stsSpec('DecodeAuthorizationMessage', [['EncodedMessage', m]])),
  fc.option(fc.constantFrom('900', '3600', '1')).map((d) => stsSpec('GetSessionToken', [['DurationSeconds', d]])),
  fc.tuple(pick(USERS), tagsParams).map(([u, t]): Spec => ({ service: 'iam', op: 'TagUser', method: 'POST', params: [['Action', 'TagUser'], ['UserName', u], ...t], headers: {} })),
  fc.tuple(pick(ROLES), tagsParams).map(([r, t]): Spec => ({ service: 'iam', op: 'TagRole', method: 'POST', params: [['Action', 'TagRole'], ['RoleName', r], ...t], headers: {} })),
  fc.tuple(pick(USERS), fc.array(hostile, { maxLength: 3 })).map(([u, k]): Spec => ({ service: 'iam', op: 'UntagUser', method: 'POST', params: [['Action', 'UntagUser'], ['UserName', u], ...member('TagKeys', k)], headers: {} })),
  fc.tuple(IAM_PARAM.PolicySourceArn!, fc.array(pick(ACTIONS), { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(fc.constantFrom('arn:aws:s3:::fz-b0/k', '*'), hostile), { maxLength: 2 }), fc.option(fc.tuple(hostile, hostile, fc.constantFrom('string', 'stringList', 'numeric', 'ip', 'boolean', 'date', 'bogus'))))
    .map(([src, actions, res, ctxEntry]): Spec => ({ service: 'iam', op: 'SimulatePrincipalPolicy', method: 'POST', headers: {}, params: [['Action', 'SimulatePrincipalPolicy'], ['PolicySourceArn', src], ...member('ActionNames', actions), ...member('ResourceArns', res),
      ...(ctxEntry ? [['ContextEntries.member.1.ContextKeyName', ctxEntry[0]], ['ContextEntries.member.1.ContextKeyValues.member.1', ctxEntry[1]], ['ContextEntries.member.1.ContextKeyType', ctxEntry[2]]] as [string, string][] : [])] })),
  fc.tuple(fc.array(identityDoc, { minLength: 1, maxLength: 2 }), fc.array(pick(ACTIONS), { minLength: 1, maxLength: 3 }), fc.option(identityDoc))
    .map(([docs, actions, boundary]): Spec => ({ service: 'iam', op: 'SimulateCustomPolicy', method: 'POST', headers: {}, params: [['Action', 'SimulateCustomPolicy'], ...member('PolicyInputList', docs), ...member('ActionNames', actions), ...(boundary ? member('PermissionsBoundaryPolicyInputList', [boundary]) : [])] })),
  fc.array(identityDoc, { minLength: 1, maxLength: 2 }).map((docs): Spec => ({ service: 'iam', op: 'GetContextKeysForCustomPolicy', method: 'POST', headers: {}, params: [['Action', 'GetContextKeysForCustomPolicy'], ...member('PolicyInputList', docs)] })),
  fc.constant<Spec>({ service: 'sts', op: 'GetCallerIdentity', method: 'POST', params: [['Action', 'GetCallerIdentity']], headers: {} }),
  fc.record({
    role: pick(ROLES), session: fc.oneof(fc.constantFrom('s1', 'fuzz-session', 'a@b.c'), hostile), duration: fc.option(fc.constantFrom('900', '3600', '43200', '899', '43201', 'x')),
    policy: fc.option(identityDoc), arns: fc.option(fc.array(pick(POLICIES).map(policyArn), { maxLength: 2 })), externalId: fc.option(hostile), sourceIdentity: fc.option(hostile),
  }).map((r): Spec => ({ service: 'sts', op: 'AssumeRole', method: 'POST', headers: {}, params: [
    ['Action', 'AssumeRole'], ['RoleArn', roleArn(r.role)], ['RoleSessionName', r.session],
    ...(r.duration ? [['DurationSeconds', r.duration]] as [string, string][] : []), ...(r.policy ? [['Policy', r.policy]] as [string, string][] : []),
    ...(r.arns ? r.arns.map((a, i) => [`PolicyArns.member.${i + 1}.arn`, a]) as [string, string][] : []),
    ...(r.externalId !== null ? [['ExternalId', r.externalId]] as [string, string][] : []), ...(r.sourceIdentity !== null ? [['SourceIdentity', r.sourceIdentity]] as [string, string][] : []),
  ] })),
];

// ---- S3 ----

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tagSet = fc.array(fc.tuple(fc.oneof(fc.constantFrom('team', 'env'), hostile), hostile), { maxLength: 12 })
  .map((tags) => `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${xmlText(k)}</Key><Value>${xmlText(v)}</Value></Tag>`).join('')}</TagSet></Tagging>`);
const aclXml = fc.tuple(fc.constantFrom('FULL_CONTROL', 'READ', 'WRITE', 'bogus'), fc.constantFrom('CanonicalUser', 'Group', 'AmazonCustomerByEmail'))
  .map(([perm, type]) => `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>owner</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="${type}"><ID>owner</ID><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>${perm}</Permission></Grant></AccessControlList></AccessControlPolicy>`);
const deleteXml = fc.tuple(fc.array(fc.oneof(pick(KEYS), hostile), { maxLength: 20 }), fc.boolean())
  .map(([keys, quiet]) => `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${quiet ? '<Quiet>true</Quiet>' : ''}${keys.map((k) => `<Object><Key>${xmlText(k)}</Key></Object>`).join('')}</Delete>`);
const completeXml = fc.array(fc.tuple(fc.constantFrom('1', '2', '3', '0', '10001', 'x'), fc.constantFrom('$ETAG1', '$ETAG2', '"0"', '')), { maxLength: 4 })
  .map((parts) => `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`);
const bucketArb = fc.oneof({ weight: 8, arbitrary: pick(BUCKETS) }, { weight: 1, arbitrary: hostile });
const keyArb = fc.oneof({ weight: 8, arbitrary: pick(KEYS) }, { weight: 2, arbitrary: hostile });
const payload = fc.oneof(fc.constant(Buffer.alloc(0)), fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)), fc.integer({ min: 1, max: 300_000 }).map((n) => Buffer.alloc(n, 0x61)));
const allObjectHeaders = fc.record({
  'content-type': fc.constantFrom('text/plain', 'application/octet-stream', 'x/y; charset=utf-8'),
  'x-amz-meta-fuzz': hostile, 'x-amz-tagging': fc.constantFrom('a=b', 'a=b&c=d', '=', '%zz', 'a=b&a=c'), 'x-amz-server-side-encryption': fc.constantFrom('AES256', 'aws:kms', 'bogus'),
  'x-amz-acl': fc.constantFrom('private', 'public-read', 'bogus'), 'cache-control': fc.constantFrom('no-cache', 'max-age=1'), 'content-md5': fc.constantFrom('1B2M2Y8AsgTpgAmY7PhCfg==', 'bad', ''),
  'x-amz-checksum-crc32': fc.constantFrom('AAAAAA==', 'bad'), 'x-amz-checksum-sha256': fc.constantFrom('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=', 'x'),
}, { requiredKeys: [] });
/** Mostly plausible headers (so PutObject succeeds and stores them), sometimes any mix of the hostile ones. */
const objectHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ 'content-type': fc.constantFrom('text/plain', 'application/octet-stream'), 'x-amz-meta-fuzz': hostile.map((v) => v.slice(0, 200)), 'content-md5': fc.constant('$MD5'), 'x-amz-tagging': fc.constantFrom('a=b', 'a=b&c=d') }, { requiredKeys: ['content-type'] }) },
  { weight: 2, arbitrary: allObjectHeaders },
);
const getHeaders = fc.record({
  range: fc.constantFrom('bytes=0-0', 'bytes=0-', 'bytes=-5', 'bytes=5-1', 'bytes=99999999999999999999-', 'bytes=0-1,2-3', 'items=0-1', 'bytes=-0'),
  'if-match': fc.constantFrom('*', '"x"', 'garbage'), 'if-none-match': fc.constantFrom('*', '"x"'), 'if-modified-since': fc.constantFrom('Wed, 21 Oct 2015 07:28:00 GMT', 'not a date', '9999-99-99'),
  'if-unmodified-since': fc.constantFrom('Wed, 21 Oct 2015 07:28:00 GMT', 'yesterday'),
}, { requiredKeys: [] });
const listParams = fc.record({
  prefix: fc.oneof(fc.constantFrom('dir/', 'k', ''), hostile), delimiter: fc.oneof(fc.constantFrom('/', 'a', ''), hostile), marker: hostile, 'max-keys': fc.constantFrom('0', '1', '1000', '1001', '-1', 'x', '99999999999999999999'),
  'encoding-type': fc.constantFrom('url', 'bogus'), 'start-after': hostile, 'continuation-token': fc.oneof(fc.constantFrom('AAAA', 'not base64!'), hostile), 'fetch-owner': fc.constantFrom('true', 'false', 'x'),
}, { requiredKeys: [] });

const s3 = (op: string, method: string, bucket: string | undefined, key: string | undefined, params: [string, string][] = [], headers: Record<string, string> = {}, body?: Buffer | string): Spec =>
  ({ service: 's3', op, method, bucket, key, params, headers, body: typeof body === 'string' ? Buffer.from(body) : body });
const s3Ops: fc.Arbitrary<Spec>[] = [
  fc.constant(s3('ListBuckets', 'GET', undefined, undefined)),
  fc.tuple(bucketArb, fc.option(fc.constantFrom('us-east-1', 'eu-west-1', 'bogus', ''))).map(([b, loc]) => s3('CreateBucket', 'PUT', b, undefined, [], {}, loc === null ? undefined : `<CreateBucketConfiguration><LocationConstraint>${loc}</LocationConstraint></CreateBucketConfiguration>`)),
  bucketArb.map((b) => s3('HeadBucket', 'HEAD', b, undefined)),
  bucketArb.map((b) => s3('DeleteBucket', 'DELETE', b, undefined)),
  bucketArb.map((b) => s3('GetBucketLocation', 'GET', b, undefined, [['location', '']])),
  fc.tuple(bucketArb, listParams).map(([b, p]) => s3('ListObjects', 'GET', b, undefined, Object.entries(p))),
  fc.tuple(bucketArb, listParams).map(([b, p]) => s3('ListObjectsV2', 'GET', b, undefined, [['list-type', '2'], ...Object.entries(p)])),
  fc.tuple(bucketArb, identityDoc, fc.oneof(fc.constant<unknown>('*'), fc.record({ AWS: fc.oneof(fc.constant(`arn:aws:iam::${ACCOUNT}:root`), hostile) })), fc.boolean())
    .map(([b, doc, principal, addPrincipal]) => {
      let text = doc;
      if (addPrincipal) {
        try {
          const parsed = JSON.parse(doc) as { Statement?: unknown };
          const stmts = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
          text = JSON.stringify({ ...parsed, Statement: stmts.map((s) => (typeof s === 'object' && s !== null ? { ...s, Principal: principal } : s)) });
        } catch { /* keep the mutated text */ }
      }
      return s3('PutBucketPolicy', 'PUT', b, undefined, [['policy', '']], {}, text);
    }),
  bucketArb.map((b) => s3('GetBucketPolicy', 'GET', b, undefined, [['policy', '']])),
  bucketArb.map((b) => s3('DeleteBucketPolicy', 'DELETE', b, undefined, [['policy', '']])),
  bucketArb.map((b) => s3('GetBucketPolicyStatus', 'GET', b, undefined, [['policyStatus', '']])),
  fc.tuple(bucketArb, tagSet).map(([b, x]) => s3('PutBucketTagging', 'PUT', b, undefined, [['tagging', '']], {}, x)),
  bucketArb.map((b) => s3('GetBucketTagging', 'GET', b, undefined, [['tagging', '']])),
  bucketArb.map((b) => s3('DeleteBucketTagging', 'DELETE', b, undefined, [['tagging', '']])),
  fc.tuple(bucketArb, fc.option(aclXml), fc.option(fc.constantFrom('private', 'public-read', 'bogus'))).map(([b, x, acl]) => s3('PutBucketAcl', 'PUT', b, undefined, [['acl', '']], acl ? { 'x-amz-acl': acl } : {}, x ?? undefined)),
  bucketArb.map((b) => s3('GetBucketAcl', 'GET', b, undefined, [['acl', '']])),
  fc.tuple(bucketArb, keyArb, payload, objectHeaders).map(([b, k, p, h]) => s3('PutObject', 'PUT', b, k, [], h, p)),
  fc.tuple(bucketArb, keyArb, bucketArb, keyArb, fc.constantFrom('COPY', 'REPLACE', 'bogus'), fc.constantFrom('', '?versionId=x'))
    .map(([b, k, sb, sk, dir, suffix]) => s3('CopyObject', 'PUT', b, k, [], { 'x-amz-copy-source': `${pct(sb)}/${pct(sk, true)}${suffix}`, 'x-amz-metadata-directive': dir })),
  fc.tuple(bucketArb, keyArb, getHeaders, fc.record({ 'response-content-type': hostile, 'response-content-disposition': hostile, partNumber: fc.constantFrom('1', '0', 'x') }, { requiredKeys: [] }))
    .map(([b, k, h, p]) => s3('GetObject', 'GET', b, k, Object.entries(p), h)),
  fc.tuple(bucketArb, keyArb, getHeaders).map(([b, k, h]) => s3('HeadObject', 'HEAD', b, k, [], h)),
  fc.tuple(bucketArb, keyArb).map(([b, k]) => s3('DeleteObject', 'DELETE', b, k)),
  fc.tuple(bucketArb, deleteXml, fc.boolean()).map(([b, x, md5]) => s3('DeleteObjects', 'POST', b, undefined, [['delete', '']], md5 ? { 'content-md5': '$MD5' } : {}, x)),
  fc.tuple(bucketArb, keyArb, tagSet).map(([b, k, x]) => s3('PutObjectTagging', 'PUT', b, k, [['tagging', '']], {}, x)),
  fc.tuple(bucketArb, keyArb).map(([b, k]) => s3('GetObjectTagging', 'GET', b, k, [['tagging', '']])),
  fc.tuple(bucketArb, keyArb).map(([b, k]) => s3('DeleteObjectTagging', 'DELETE', b, k, [['tagging', '']])),
  fc.tuple(bucketArb, keyArb).map(([b, k]) => s3('GetObjectAcl', 'GET', b, k, [['acl', '']])),
  fc.tuple(bucketArb, keyArb, fc.option(aclXml)).map(([b, k, x]) => s3('PutObjectAcl', 'PUT', b, k, [['acl', '']], x ? {} : { 'x-amz-acl': 'private' }, x ?? undefined)),
  fc.tuple(bucketArb, keyArb, objectHeaders).map(([b, k, h]) => s3('CreateMultipartUpload', 'POST', b, k, [['uploads', '']], h)),
  fc.tuple(fc.constantFrom('$UPLOAD', 'nope', ''), fc.constantFrom('1', '2', '0', '10001', 'x'), payload).map(([u, n, p]) => s3('UploadPart', 'PUT', 'fz-b0', 'mp', [['partNumber', n], ['uploadId', u]], {}, p)),
  fc.tuple(fc.constantFrom('$UPLOAD', 'nope'), completeXml).map(([u, x]) => s3('CompleteMultipartUpload', 'POST', 'fz-b0', 'mp', [['uploadId', u]], {}, x)),
  fc.constantFrom('$UPLOAD', 'nope').map((u) => s3('AbortMultipartUpload', 'DELETE', 'fz-b0', 'mp', [['uploadId', u]])),
  fc.tuple(fc.constantFrom('$UPLOAD', 'nope'), fc.record({ 'max-parts': fc.constantFrom('1', '-1', 'x'), 'part-number-marker': fc.constantFrom('1', 'x') }, { requiredKeys: [] }))
    .map(([u, p]) => s3('ListParts', 'GET', 'fz-b0', 'mp', [['uploadId', u], ...Object.entries(p)])),
  fc.tuple(bucketArb, fc.record({ prefix: hostile, 'key-marker': hostile, 'max-uploads': fc.constantFrom('1', '0', 'x') }, { requiredKeys: [] })).map(([b, p]) => s3('ListMultipartUploads', 'GET', b, undefined, [['uploads', ''], ...Object.entries(p)])),
];

// ---------- mutations ----------

/** Hostile XML documents: entity bombs, external entities, deep nesting, odd encodings. */
const hostileXml: fc.Arbitrary<string> = fc.oneof(
  fc.constant('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><Tagging><TagSet><Tag><Key>k</Key><Value>&lol9;</Value></Tag></TagSet></Tagging>'),
  fc.constant('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&xxe;</Key></Object></Delete>'),
  fc.constant('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % ext SYSTEM "http://127.0.0.1:1/evil.dtd"> %ext;]><Delete><Object><Key>k</Key></Object></Delete>'),
  fc.integer({ min: 10, max: 30_000 }).map((n) => `<Delete>${'<Object>'.repeat(n)}${'</Object>'.repeat(n)}</Delete>`),
  fc.integer({ min: 10, max: 20_000 }).map((n) => `<Tagging><TagSet>${'<Tag><Key>k</Key><Value>v</Value></Tag>'.repeat(n)}</TagSet></Tagging>`),
  fc.constantFrom('', '<', '<Delete>', '<Delete></Wrong>', '\uFEFF<Delete><Object><Key>k</Key></Object></Delete>', '<x:Delete xmlns:x="urn:x"><x:Object><x:Key>k</x:Key></x:Object></x:Delete>',
    '<Delete><![CDATA[<Object><Key>k</Key></Object>]]></Delete>', '<?xml version="1.0" encoding="UTF-16"?><Delete/>', '<Delete><Object><Key>&#0;</Key></Object></Delete>', '<Delete><Object><Key>&#xD800;</Key></Object></Delete>',
    '<Delete a="1" a="2"/>', '<Delete><Object><Key>k</Key><Key>j</Key></Object></Delete>', '<Tagging><TagSet><Tag><Key>__proto__</Key><Value>x</Value></Tag><Tag><Key>constructor</Key><Value>y</Value></Tag></TagSet></Tagging>',
    '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag><x/></ETag></Part></CompleteMultipartUpload>', '<Delete><Object><Key><Key>k</Key></Key></Object></Delete>', '<?xml-stylesheet href="x"?><Delete/><!-- c -->'),
);

type Pre =
  | { kind: 'value'; at: number; value: string }
  | { kind: 'drop'; at: number }
  | { kind: 'dup'; at: number; value: string }
  | { kind: 'extra'; name: string; value: string }
  | { kind: 'header'; name: string; value: string }
  | { kind: 'body-bytes'; at: number; cut: boolean; insert: string }
  | { kind: 'body-xml'; xml: string }
  | { kind: 'key'; value: string }
  | { kind: 'method'; method: string };
const preMutation: fc.Arbitrary<Pre> = fc.oneof(
  fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: hostile }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), value: hostile }),
  fc.record({ kind: fc.constant('extra' as const), name: fc.oneof(fc.constantFrom('Action', 'Version', 'uploadId', 'partNumber', 'versionId', 'x-id', 'X-Amz-Credential', 'list-type', 'acl', 'policy', 'Tags.member.1.Key', 'PolicyArns.member.99.arn'), hostile), value: hostile }),
  fc.record({ kind: fc.constant('header' as const), name: fc.constantFrom('content-type', 'content-encoding', 'x-amz-decoded-content-length', 'content-md5', 'x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-crc64nvme', 'x-amz-checksum-sha1',
    'x-amz-sdk-checksum-algorithm', 'x-amz-trailer', 'x-amz-meta-a', 'range', 'if-match', 'expect', 'transfer-encoding-x', 'x-amz-copy-source', 'x-amz-security-token', 'x-amz-tagging', 'x-amz-acl', 'x-amz-expected-bucket-owner', 'x-amz-request-payer', 'x-amz-object-lock-mode'), value: hostile }),
  fc.record({ kind: fc.constant('body-bytes' as const), at: fc.nat(), cut: fc.boolean(), insert: hostile }),
  fc.record({ kind: fc.constant('body-xml' as const), xml: hostileXml }),
  fc.record({ kind: fc.constant('key' as const), value: hostile }),
  fc.record({ kind: fc.constant('method' as const), method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS') }),
);

type Post =
  | { kind: 'sig-flip'; at: number }
  | { kind: 'auth-field'; field: 'Credential' | 'SignedHeaders' | 'Signature'; value: string }
  | { kind: 'auth-drop'; field: 'Credential' | 'SignedHeaders' | 'Signature' }
  | { kind: 'auth-replace'; value: string }
  | { kind: 'date'; value: string }
  | { kind: 'token'; value: string }
  | { kind: 'body-after'; insert: string }
  | { kind: 'drop-header'; name: string };
const authField = fc.constantFrom('Credential' as const, 'SignedHeaders' as const, 'Signature' as const);
const postMutation: fc.Arbitrary<Post> = fc.oneof(
  fc.record({ kind: fc.constant('sig-flip' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('auth-field' as const), field: authField, value: fc.oneof(hostile, fc.constantFrom('test/20991231/us-east-1/s3/aws4_request', 'test/2026/us-east-1/iam/aws4_request', 'test//us-east-1//aws4_request', 'host', 'host;x-amz-date;;', 'content-type;host', 'x-amz-date')) }),
  fc.record({ kind: fc.constant('auth-drop' as const), field: authField }),
  fc.record({ kind: fc.constant('auth-replace' as const), value: fc.oneof(hostile, fc.constantFrom('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 ', 'AWS test:abc', 'Bearer x', 'AWS4-HMAC-SHA512 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00', 'AWS4-HMAC-SHA256 Credential=,,,,')) }),
  fc.record({ kind: fc.constant('date' as const), value: fc.oneof(hostile, fc.constantFrom('20260101T000000Z', '19700101T000000Z', '99991231T235959Z', '20261301T000000Z', '2026-11-25T00:00:00Z', 'Wed, 25 Nov 2026 00:00:00 GMT')) }),
  fc.record({ kind: fc.constant('token' as const), value: fc.oneof(hostile, fc.constantFrom('saml-login-session-token-examplf', 'saml-login-session-token-example ', 'FwoGZXIvYXdzE//token')) }),
  fc.record({ kind: fc.constant('body-after' as const), insert: fc.string({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('drop-header' as const), name: fc.constantFrom('x-amz-date', 'x-amz-content-sha256', 'host', 'x-amz-security-token', 'content-type') }),
);

type Auth =
  | { kind: 'header'; creds: 'root' | 'saml' | 'wrong-secret' | 'unknown' }
  | { kind: 'presign'; creds: 'root' | 'saml'; expires: string; post: 'none' | 'flip' | 'drop-param' | 'extra-param' }
  | { kind: 'chunked'; chunk: number; corrupt: 'none' | 'sig' | 'size' | 'truncate' | 'data' }
  | { kind: 'none' };
const authArb: fc.Arbitrary<Auth> = fc.oneof(
  { weight: 14, arbitrary: fc.record({ kind: fc.constant('header' as const), creds: fc.constantFrom('root' as const, 'root' as const, 'root' as const, 'saml' as const, 'wrong-secret' as const, 'unknown' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('presign' as const), creds: fc.constantFrom('root' as const, 'saml' as const), expires: fc.constantFrom('300', '1', '604800', '604801', '-1', '0', 'x', '99999999999999999999', ''), post: fc.constantFrom('none' as const, 'none' as const, 'flip' as const, 'drop-param' as const, 'extra-param' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('chunked' as const), chunk: fc.constantFrom(1, 7, 64, 8192, 65536), corrupt: fc.constantFrom('none' as const, 'none' as const, 'sig' as const, 'size' as const, 'truncate' as const, 'data' as const) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

export interface FuzzCase { spec: Spec; pre: Pre[]; auth: Auth; post: Post | null; vhost: boolean }
export const caseArb: fc.Arbitrary<FuzzCase> = fc.record({
  spec: fc.oneof({ weight: 1, arbitrary: fc.oneof(...queryOps) }, { weight: 1, arbitrary: fc.oneof(...s3Ops) }),
  pre: fc.oneof({ weight: 1, arbitrary: fc.constant<Pre[]>([]) }, { weight: 3, arbitrary: fc.array(preMutation, { minLength: 1, maxLength: 3 }) }),
  auth: authArb,
  // Most requests stay validly signed (mutate, then sign) so they reach the handlers; 30% are broken after signing.
  post: fc.oneof({ weight: 7, arbitrary: fc.constant<Post | null>(null) }, { weight: 3, arbitrary: postMutation }),
  vhost: fc.boolean().map((b) => b && Math.random() < 0.1),
});

// ---------- materialising a case into bytes on the wire ----------

const isUnreserved = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e;
/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as a client would send them). */
function pct(text: string, keepSlash = false): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += isUnreserved(b) || (keepSlash && b === 0x2f) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
/** Header values travel as UTF-8 bytes; control characters other than tab cannot be sent by Node's client at all. */
const headerValue = (v: string): string => Buffer.from(v.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ''), 'utf8').toString('latin1');

export interface Live { host: string; uploadId: string; etags: string[] }

function applyPre(spec: Spec, mutations: Pre[]): Spec {
  const s: Spec = { ...spec, params: spec.params.map((p) => [...p] as [string, string]), headers: { ...spec.headers } };
  for (const m of mutations) {
    const n = s.params.length;
    switch (m.kind) {
      case 'value': if (n) s.params[m.at % n]![1] = m.value; else s.headers['x-amz-meta-v'] = m.value; break;
      case 'drop': if (n) s.params.splice(m.at % n, 1); break;
      case 'dup': if (n) s.params.push([s.params[m.at % n]![0], m.value]); break;
      case 'extra': s.params.push([m.name, m.value]); break;
      case 'header': s.headers[m.name] = m.value; break;
      case 'body-bytes': {
        const body = s.body ?? Buffer.alloc(0);
        const at = body.length ? m.at % body.length : 0;
        s.body = Buffer.concat([body.subarray(0, at), Buffer.from(m.insert), m.cut ? Buffer.alloc(0) : body.subarray(at)]);
        break;
      }
      case 'body-xml': s.body = Buffer.from(m.xml); break;
      case 'key': if (s.service === 's3') s.key = m.value; break;
      case 'method': if (s.service === 's3') s.method = m.method; break;
    }
  }
  return s;
}

function toRaw(spec: Spec, live: Live, vhost: boolean): { req: RawRequest; host: string } {
  const resolve = (v: string): string => v.replace('$UPLOAD', live.uploadId).replace('$ETAG1', live.etags[0] ?? '"x"').replace('$ETAG2', live.etags[1] ?? '"y"');
  if (spec.service !== 's3') {
    const params: [string, string][] = [...spec.params, ['Version', spec.service === 'sts' ? '2011-06-15' : '2010-05-08']];
    const body = Buffer.from(params.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&'));
    return { req: { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...mapHeaders(spec.headers) }, body: spec.body ? Buffer.concat([body, spec.body]) : body }, host: live.host };
  }
  let body = spec.body ? Buffer.from(resolve(spec.body.toString('latin1')), 'latin1') : undefined;
  const headers = mapHeaders(Object.fromEntries(Object.entries(spec.headers).map(([k, v]) => [k, resolve(v)])));
  if (headers['content-md5'] === '$MD5') headers['content-md5'] = (body ? createMd5(body) : '');
  const query = spec.params.map(([k, v]) => (v === '' && !k.includes('=') && ['location', 'policy', 'delete', 'uploads', 'acl', 'tagging', 'policyStatus'].includes(k) ? pct(k) : `${pct(k)}=${pct(resolve(v))}`)).join('&');
  const keyPath = spec.key === undefined ? '' : `/${pct(spec.key, true)}`;
  if (vhost && spec.bucket && /^[a-z0-9.-]+$/.test(spec.bucket)) {
    return { req: { method: spec.method, path: keyPath || '/', query, headers, body }, host: `${spec.bucket}.s3.localhost:${live.host.split(':')[1]}` };
  }
  const path = spec.bucket === undefined ? '/' : `/${pct(spec.bucket)}${keyPath}`;
  return { req: { method: spec.method, path, query, headers, body }, host: live.host };
}
const createMd5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');
const mapHeaders = (h: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, headerValue(v)]));

const CREDS: Record<string, Credentials> = {
  root: ROOT, saml: SAML, 'wrong-secret': { accessKeyId: 'test', secretAccessKey: 'not-the-secret' }, unknown: { accessKeyId: 'AKIAUNKNOWNFUZZ00000', secretAccessKey: 'x' },
};

/** Turns a generated case into the exact request to send (signing between the pre- and post-signature mutations). */
export function materialise(c: FuzzCase, live: Live): RawRequest {
  const spec = applyPre(c.spec, c.pre);
  const { req, host } = toRaw(spec, live, c.vhost);
  const service = spec.service;
  const auth = c.auth;
  if (auth.kind === 'none') {
    req.headers = { ...req.headers, host };
  } else if (auth.kind === 'presign') {
    let query = presignQuery(req, { service, host, credentials: CREDS[auth.creds]!, expires: auth.expires });
    if (auth.post === 'flip') query = query.replace(/X-Amz-Signature=(.)/, (_m, ch: string) => `X-Amz-Signature=${ch === '0' ? '1' : '0'}`);
    if (auth.post === 'drop-param') query = query.replace(/&?X-Amz-SignedHeaders=[^&]*/, '');
    if (auth.post === 'extra-param') query = `${query}&injected=1`;
    req.query = query;
    req.headers = { ...req.headers, host };
  } else if (auth.kind === 'chunked' && service === 's3' && req.body && req.body.length > 0) {
    const data = req.body;
    // Tiny chunks only for small bodies: 300,000 one-byte chunks would stall this client, not the server.
    const chunk = data.length > 4096 ? Math.max(auth.chunk, 8192) : auth.chunk;
    const headers = { ...req.headers, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'content-length': String(chunkedLength(data.length, chunk)) };
    const signed = signRequest({ ...req, headers }, { service, host, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
    let body = chunkedBody(data, chunk, signed);
    if (auth.corrupt === 'sig') body = Buffer.from(body.toString('latin1').replace(/chunk-signature=(.)/, (_m, ch: string) => `chunk-signature=${ch === 'a' ? 'b' : 'a'}`), 'latin1');
    if (auth.corrupt === 'size') body = Buffer.from(body.toString('latin1').replace(/^[0-9a-f]+;/, 'fffffff;'), 'latin1');
    if (auth.corrupt === 'truncate') body = body.subarray(0, Math.floor(body.length / 2));
    if (auth.corrupt === 'data') body[Math.floor(body.length / 2)] ^= 1;
    delete signed.headers['content-length'];
    req.headers = signed.headers;
    req.body = body;
  } else {
    const creds = auth.kind === 'header' ? CREDS[auth.creds]! : ROOT;
    req.headers = signRequest(req, { service, host, credentials: creds }).headers;
  }
  applyPost(req, c.post);
  return req;
}

function applyPost(req: RawRequest, post: Post | null): void {
  if (!post) return;
  const h = req.headers ?? {};
  const auth = h.authorization;
  switch (post.kind) {
    case 'sig-flip':
      if (auth) { const i = auth.length - 1 - (post.at % 64); h.authorization = auth.slice(0, i) + (auth[i] === '0' ? '1' : '0') + auth.slice(i + 1); }
      break;
    case 'auth-field': if (auth) h.authorization = auth.replace(new RegExp(`${post.field}=[^,]*`), `${post.field}=${headerValue(post.value)}`); break;
    case 'auth-drop': if (auth) h.authorization = auth.replace(new RegExp(`,? ?${post.field}=[^,]*`), ''); break;
    case 'auth-replace': h.authorization = headerValue(post.value); break;
    case 'date': h['x-amz-date'] = headerValue(post.value); break;
    case 'token': h['x-amz-security-token'] = headerValue(post.value); break;
    case 'body-after': req.body = Buffer.concat([req.body ?? Buffer.alloc(0), Buffer.from(post.insert)]); break;
    case 'drop-header': delete h[post.name]; break;
  }
  req.headers = h;
}

// ---------- checking answers ----------

export interface Tally {
  sent: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  failures: string[];
  stateChecks: number;
  raw: number;
  /** Per generated operation: how many answers were 2xx (the mutated request still reached and passed the handler). */
  okByOp: Record<string, number>;
  /** The slowest answers (ms), to spot event-loop stalls. */
  slowest: { ms: number; what: string }[];
}
export const newTally = (): Tally => ({ sent: 0, byStatus: {}, byCode: {}, failures: [], stateChecks: 0, raw: 0, okByOp: {}, slowest: [] });

/** Why an answer is not acceptable, or undefined when it is. */
export function problemWith(req: RawRequest, a: Answer): string | undefined {
  const code = codeOf(a.body.toString('utf8'));
  // 501 NotImplemented is S3's own answer for an operation it does not know (a HEAD answer carries no body).
  if (a.status >= 500 && !(a.status === 501 && (code === 'NotImplemented' || req.method === 'HEAD'))) return `${a.status} ${code ?? ''}`;
  if (a.status < 400 || req.method === 'HEAD') return undefined;
  // Headers over 16 KiB: when the packet Node's parser failed in does not show the method, the 400 goes without a body.
  if (a.status === 400 && a.body.length === 0 && headerBytes(req) > 16 * 1024) return undefined;
  const type = String(a.headers['content-type'] ?? '');
  if (!/^(text\/xml|application\/xml)/.test(type)) return `error ${a.status} with content-type '${type}'`;
  const text = a.body.toString('utf8');
  if (XMLValidator.validate(text) !== true) return `error ${a.status} body is not well-formed XML`;
  if (!/<Code>[^<]+<\/Code>/.test(text) || !/<Message>/.test(text)) return `error ${a.status} without Code/Message`;
  return undefined;
}

function describe(req: RawRequest): string {
  const body = req.body ? req.body.subarray(0, 300).toString('utf8') : '';
  return `${req.method} ${req.path.slice(0, 200)}?${(req.query ?? '').slice(0, 200)} headers=${JSON.stringify(req.headers).slice(0, 600)} body=${JSON.stringify(body)}`;
}

/** Hostile bytes straight on a socket: broken request lines, bad framing, huge headers. */
const rawArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.constantFrom('GET / HTTP/1.1\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 'PUT /fz-b0/k HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'PUT /fz-b0/k HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'GET /fz-b0/k HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n', 'GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /fz-b0/\u00ff\u00fe HTTP/1.1\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n Folded: y\r\n\r\n')
    .map((s) => Buffer.from(s, 'latin1')),
  fc.integer({ min: 17_000, max: 100_000 }).map((n) => Buffer.from(`GET /fz-b0/k HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(n)}\r\n\r\n`)),
  fc.integer({ min: 17_000, max: 100_000 }).map((n) => Buffer.from(`GET /fz-b0/${'k'.repeat(n)} HTTP/1.1\r\nHost: x\r\n\r\n`)),
  fc.integer({ min: 1, max: 300 }).map((n) => Buffer.from(`GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: n }, (_, i) => `x-amz-meta-${i}: v`).join('\r\n')}\r\n\r\n`)),
);

function sendRaw(url: string, bytes: Buffer, timeoutMs: number): Promise<string> {
  const u = new URL(url);
  return new Promise((res, rej) => {
    const socket = connect(Number(u.port), u.hostname);
    let got = '';
    const timer = setTimeout(() => { socket.destroy(); rej(new Timeout('raw socket: no close within timeout')); }, timeoutMs);
    socket.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    socket.on('error', () => { /* a reset after the answer is fine */ });
    socket.on('close', () => { clearTimeout(timer); res(got); });
    socket.write(bytes, () => socket.end());
  });
}

// ---------- the run ----------

export interface FuzzOptions { requests: number; seed: number; concurrency: number; timeoutMs: number; stateSampleEvery: number; batch: number; log?: (line: string) => void }

async function admin(server: SpawnedServer, method: string, path: string): Promise<Answer> {
  return send(server.url, { method, path, headers: {} }, undefined, 30_000);
}

/** Creates what the generators refer to (users, roles, groups, policies, buckets, objects, one multipart upload). */
async function seed(server: SpawnedServer, agent: Agent): Promise<Live> {
  const host = server.host;
  const q = (service: 'sts' | 'iam', params: Record<string, string>) => {
    const body = Buffer.from(new URLSearchParams({ Version: service === 'sts' ? '2011-06-15' : '2010-05-08', ...params }).toString());
    const req: RawRequest = { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body };
    req.headers = signRequest(req, { service, host }).headers;
    return send(server.url, req, agent);
  };
  const s = (method: string, path: string, body = '', query = '') => {
    const req: RawRequest = { method, path, query, headers: {}, body: Buffer.from(body) };
    req.headers = signRequest(req, { service: 's3', host }).headers;
    return send(server.url, req, agent);
  };
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  for (const u of USERS) await q('iam', { Action: 'CreateUser', UserName: u });
  for (const r of ROLES.slice(0, 2)) await q('iam', { Action: 'CreateRole', RoleName: r, AssumeRolePolicyDocument: trust });
  for (const g of GROUPS) await q('iam', { Action: 'CreateGroup', GroupName: g });
  for (const p of POLICIES.slice(0, 2)) await q('iam', { Action: 'CreatePolicy', PolicyName: p, PolicyDocument: doc });
  const metadata = (await admin(server, 'GET', '/_iamlocal/saml/metadata')).body.toString();
  await q('iam', { Action: 'CreateSAMLProvider', Name: SAML_PROVIDERS[0]!, SAMLMetadataDocument: metadata });
  await q('iam', { Action: 'CreateOpenIDConnectProvider', Url: 'https://oidc.fz.example', 'ClientIDList.member.1': 'sts.amazonaws.com', 'ThumbprintList.member.1': '0'.repeat(40) });
  await q('iam', { Action: 'CreateInstanceProfile', InstanceProfileName: PROFILES[0]! });
  for (const b of BUCKETS.slice(0, 2)) await s('PUT', `/${b}`);
  for (const k of KEYS.slice(0, 4)) await s('PUT', `/fz-b0/${pct(k, true)}`, `content of ${k}`);
  const created = await s('POST', '/fz-b0/mp', '', 'uploads');
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body.toString())?.[1] ?? 'none';
  const etags: string[] = [];
  for (const n of [1, 2]) {
    const part = await s('PUT', '/fz-b0/mp', n === 1 ? 'a'.repeat(5 * 1024 * 1024) : 'tail', `partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`);
    etags.push(String(part.headers.etag ?? ''));
  }
  return { host, uploadId, etags };
}

export interface FuzzResult { tally: Tally; elapsedMs: number; integrity: string; exitCode: number | null; healthAfter: number; loggedErrors: number }

/** Runs the fuzz campaign against a freshly spawned server on a temporary database file. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const dir = mkdtempSync(join(tmpdir(), 'iamlocal-fuzz-'));
  const dbPath = join(dir, 'fuzz.sqlite');
  const server = await spawnServer(['--db', dbPath, '--fixtures', STORY, '--log-level', process.env.FUZZ_LOG_LEVEL ?? 'error']);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const tally = newTally();
  let lastSent = '';
  const started = performance.now();
  const log = o.log ?? (() => undefined);
  try {
    let live = await seed(server, agent);
    let index = 0;
    const batches = Math.ceil(o.requests / o.batch);
    for (let b = 0; b < batches; b++) {
      const n = Math.min(o.batch, o.requests - b * o.batch);
      const cases = fc.sample(caseArb, { numRuns: n, seed: o.seed + b });
      const raws = fc.sample(rawArb, { numRuns: Math.max(1, Math.floor(n / 100)), seed: o.seed + b });
      // Sampled cases run alone, between a state export before and after.
      const sampled = cases.filter((_, i) => i % o.stateSampleEvery === 0);
      for (const c of sampled) {
        const before = (await admin(server, 'GET', '/_iamlocal/state')).body.toString();
        const req = materialise(c, live);
        const a = await one(req, c.spec.op);
        if (a && a.status >= 400) {
          const afterState = (await admin(server, 'GET', '/_iamlocal/state')).body.toString();
          tally.stateChecks++;
          if (afterState !== before) tally.failures.push(`state changed by a request answered ${a.status} ${codeOf(a.body.toString()) ?? ''}: ${describe(req)}`);
        }
      }
      const rest = cases.filter((_, i) => i % o.stateSampleEvery !== 0);
      let next = 0;
      await Promise.all(Array.from({ length: o.concurrency }, async () => {
        while (next < rest.length) {
          const c = rest[next++]!;
          await one(materialise(c, live), c.spec.op);
        }
      }));
      for (const bytes of raws) {
        tally.raw++;
        try {
          const answer = await sendRaw(server.url, bytes, o.timeoutMs);
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
          if (status && Number(status) >= 500 && !(status === '501' && answer.includes('<Code>NotImplemented</Code>'))) tally.failures.push(`raw bytes answered ${status}: ${JSON.stringify(bytes.subarray(0, 120).toString('latin1'))}`);
          bump(tally.byStatus, `raw:${status ?? 'closed'}`);
        } catch (error) {
          tally.failures.push(`raw bytes: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      index += n;
      const health = await admin(server, 'GET', '/_iamlocal/health');
      if (health.status !== 200) tally.failures.push(`health answered ${health.status} after ${index} requests`);
      log(`${index} requests, ${((performance.now() - started) / 1000).toFixed(1)} s, ${tally.failures.length} failures`);
      if (server.child.exitCode !== null) { tally.failures.push(`server exited with ${server.child.exitCode}`); break; }
      // Start each batch from the fixtures so the state (and its export) stays small.
      await admin(server, 'POST', '/_iamlocal/reset?to=fixtures');
      live = await seed(server, agent);
    }
    const healthAfter = (await admin(server, 'GET', '/_iamlocal/health')).status;
    agent.destroy();
    const output = server.output();
    // FUZZ_LOG_LEVEL=info: the server logs every request; show the ones it spent over 300 ms on.
    if (process.env.FUZZ_LOG_LEVEL) {
      for (const line of output.split('\n')) {
        const ms = /"ms":([\d.]+)/.exec(line);
        if (ms && Number(ms[1]) > 300) console.error(line.slice(0, 400));
      }
    }
    const exitCode = await server.stop('SIGTERM');
    const loggedErrors = (output.match(/internal error|unhandled error|admin route error/g) ?? []).length;
    if (loggedErrors) tally.failures.push(`server logged ${loggedErrors} internal errors:\n${output.slice(0, 3000)}`);
    const integrity = await integrityCheck(dbPath);
    return { tally, elapsedMs: performance.now() - started, integrity, exitCode, healthAfter, loggedErrors };
  } finally {
    agent.destroy();
    await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }

  async function one(req: RawRequest, op: string): Promise<Answer | undefined> {
    tally.sent++;
    const before = lastSent;
    lastSent = describe(req);
    try {
      const a = await send(server.url, req, agent, o.timeoutMs);
      bump(tally.byStatus, String(a.status));
      if (a.status < 300) bump(tally.okByOp, op);
      bump(tally.byCode, codeOf(a.body.toString('utf8')) ?? (a.status < 400 ? 'OK' : `(${a.status} no body)`));
      if (a.ms > 1000) { tally.slowest.push({ ms: Math.round(a.ms), what: describe(req).slice(0, 300) }); tally.slowest.sort((x, y) => y.ms - x.ms).splice(5); }
      const problem = problemWith(req, a);
      if (problem) tally.failures.push(`${problem}: ${describe(req)}\n  → ${a.body.toString('utf8').slice(0, 400)}`);
      return a;
    } catch (error) {
      // A header section over Node's 16 KiB limit is answered 400 RequestHeaderSectionTooLarge and the connection
      // closed at once (as S3 does); a client still writing its body sees the reset instead of the answer.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ECONNRESET' || code === 'EPIPE') && headerBytes(req) > 16 * 1024) {
        bump(tally.byStatus, 'reset-after-oversized-headers');
        return undefined;
      }
      const what = error instanceof Timeout ? 'HANG' : `transport error ${(error as NodeJS.ErrnoException).code ?? ''} ${error instanceof Error ? error.message : String(error)}`;
      bump(tally.byStatus, error instanceof Timeout ? 'timeout' : 'transport-error');
      tally.failures.push(`${what}: ${describe(req)}\n  (sent just before it: ${before.slice(0, 600)})`);
      return undefined;
    }
  }
}

const headerBytes = (req: RawRequest): number =>
  req.path.length + (req.query ?? '').length + Object.entries(req.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);

const bump = (m: Record<string, number>, k: string): void => { m[k] = (m[k] ?? 0) + 1; };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string' }, seed: { type: 'string' }, concurrency: { type: 'string' }, batch: { type: 'string' } } });
  const o: FuzzOptions = {
    requests: Number(values.requests ?? 100_000), seed: Number(values.seed ?? Date.now() % 1_000_000), concurrency: Number(values.concurrency ?? 16),
    timeoutMs: 15_000, stateSampleEvery: 200, batch: Number(values.batch ?? 5000), log: (l) => console.error(l),
  };
  console.log(`fuzz: ${o.requests} requests, seed ${o.seed}, concurrency ${o.concurrency}`);
  const r = await runFuzz(o);
  const t = r.tally;
  console.log(`\nsent ${t.sent} HTTP requests + ${t.raw} raw-socket payloads in ${(r.elapsedMs / 1000).toFixed(1)} s (${Math.round((t.sent + t.raw) / (r.elapsedMs / 1000))} req/s)`);
  console.log('by status:', Object.entries(t.byStatus).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' '));
  console.log('by code:  ', Object.entries(t.byCode).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' '));
  console.log('2xx answers by generated operation:', Object.entries(t.okByOp).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`).join(' '));
  console.log(`state checks (4xx answers, state export before/after): ${t.stateChecks}`);
  console.log(`health after: ${r.healthAfter}; SIGTERM exit code: ${r.exitCode}; PRAGMA integrity_check: ${r.integrity}; internal errors logged: ${r.loggedErrors}`);
  console.log('slowest answers:', t.slowest.map((x) => `${x.ms} ms`).join(', ') || 'none over 1 s');
  for (const x of t.slowest.slice(0, 3)) console.log(`   ${x.ms} ms: ${x.what}`);
  console.log(`failures: ${t.failures.length}`);
  for (const f of t.failures.slice(0, 30)) console.log(` - ${f}`);
  const ok = t.failures.length === 0 && r.integrity === 'ok' && r.exitCode === 0 && r.healthAfter === 200;
  process.exit(ok ? 0 : 1);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) void main();
