// STS federation with SDK v3: AssumeRoleWithWebIdentity (OIDC tokens from iamlocal's built-in issuer and from a
// registered key set), GetFederationToken, session tags (sts:TagSession, PrincipalTag, transitive tags), role chaining
// and DecodeAuthorizationMessage.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, DecodeAuthorizationMessageCommand, GetCallerIdentityCommand, GetFederationTokenCommand, STSClient,
  type Credentials as StsCredentials,
} from '@aws-sdk/client-sts';
import { CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand, TagRoleCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { rejection } from './support.ts';

const A = '123456789012';
const ISSUER = 'https://oidc.iamlocal.localhost';
const PROVIDER_ARN = `arn:aws:iam::${A}:oidc-provider/oidc.iamlocal.localhost`;

let local: Iamlocal;
let iam: IAMClient;
let root: S3Client;
before(async () => {
  local = await startIamlocal();
  iam = new IAMClient(local.clientConfig());
  root = new S3Client(local.clientConfig() as S3ClientConfig);
  for (const bucket of ['oidc-bucket', 'fed-bucket', 'tag-bucket']) await root.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of ['blue/x', 'red/x']) await root.send(new PutObjectCommand({ Bucket: 'tag-bucket', Key: key, Body: key }));
  await root.send(new PutObjectCommand({ Bucket: 'fed-bucket', Key: 'doc', Body: 'doc' }));
});
after(async () => {
  await local.stop();
});

const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${local.endpoint}/_iamlocal${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const mint = async (claims: Record<string, unknown>): Promise<string> => {
  const res = await admin('POST', '/oidc/token', claims);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.token as string;
};
const doc = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const as = (c: StsCredentials | undefined): { endpoint: string; region: string; forcePathStyle: true; maxAttempts: number; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } => ({
  ...local.clientConfig(), credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken },
});
/** AssumeRoleWithWebIdentity is unsigned: these credentials are never used. */
const anonymousSts = (): STSClient => new STSClient({ ...local.clientConfig(), credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });

test('built-in issuer: discovery document and key set', async () => {
  const config = await admin('GET', '/oidc/.well-known/openid-configuration');
  assert.equal(config.body.issuer, ISSUER);
  assert.match(String(config.body.jwks_uri), /\/_iamlocal\/oidc\/\.well-known\/jwks\.json$/);
  const jwks = await admin('GET', '/oidc/.well-known/jwks.json');
  const keys = jwks.body.keys as { kty: string; alg: string; kid: string; d?: string }[];
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!.kty, 'RSA');
  assert.equal(keys[0]!.alg, 'RS256');
  assert.equal(keys[0]!.d, undefined, 'no private part');
});

test('AssumeRoleWithWebIdentity: the trust policy names the OIDC provider and conditions on :sub and :aud', async () => {
  assert.equal((await admin('PUT', '/oidc/providers', { url: ISSUER, clientIds: ['sts.amazonaws.com'] })).body.arn, PROVIDER_ARN);
  await iam.send(new CreateRoleCommand({
    RoleName: 'ci-deployer',
    AssumeRolePolicyDocument: doc([{
      Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { 'oidc.iamlocal.localhost:aud': 'sts.amazonaws.com' }, StringLike: { 'oidc.iamlocal.localhost:sub': 'repo:acme/app:*' } },
    }]),
  }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'ci-deployer', PolicyName: 'list', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::oidc-bucket' }]) }));
  const roleArn = `arn:aws:iam::${A}:role/ci-deployer`;
  const sts = anonymousSts();

  const token = await mint({ sub: 'repo:acme/app:ref:refs/heads/main', aud: 'sts.amazonaws.com' });
  const out = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'gha-1', WebIdentityToken: token, DurationSeconds: 900 }));
  assert.equal(out.SubjectFromWebIdentityToken, 'repo:acme/app:ref:refs/heads/main');
  assert.equal(out.Provider, ISSUER);
  assert.equal(out.Audience, 'sts.amazonaws.com');
  assert.equal(out.AssumedRoleUser?.Arn, `arn:aws:sts::${A}:assumed-role/ci-deployer/gha-1`);
  assert.match(out.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z2-7]{17}:gha-1$/);
  assert.match(out.Credentials?.AccessKeyId ?? '', /^ASIA/);
  const session = as(out.Credentials);
  assert.equal((await new STSClient(session).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${A}:assumed-role/ci-deployer/gha-1`);
  await new S3Client(session as S3ClientConfig).send(new ListObjectsV2Command({ Bucket: 'oidc-bucket' }));
  const logged = await admin('GET', `/decisions?principal=${encodeURIComponent(`arn:aws:sts::${A}:assumed-role/ci-deployer/gha-1`)}&action=s3:ListBucket&limit=1`);
  assert.deepEqual((logged.body.decisions as { context: Record<string, string[]> }[])[0]!.context['aws:federatedprovider'], [PROVIDER_ARN]);
  assert.equal((await rejection(new S3Client(session as S3ClientConfig).send(new ListObjectsV2Command({ Bucket: 'fed-bucket' })))).name, 'AccessDenied');

  // The :sub condition fails: AWS's short AccessDenied text.
  const other = await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x1', WebIdentityToken: await mint({ sub: 'repo:evil/app:ref:refs/heads/main', aud: 'sts.amazonaws.com' }) })));
  assert.deepEqual([other.name, other.message, other.status], ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403]);
  // An audience that is not a client id of the provider.
  const aud = await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x2', WebIdentityToken: await mint({ sub: 'repo:acme/app:x', aud: 'someone-else' }) })));
  assert.deepEqual([aud.name, aud.message], ['InvalidIdentityTokenException', 'Incorrect token audience']);
  // azp names the client when present.
  const azp = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x3', WebIdentityToken: await mint({ sub: 'repo:acme/app:x', aud: ['api://x'], claims: { azp: 'sts.amazonaws.com' } }) }));
  assert.equal(azp.Audience, 'sts.amazonaws.com');
  // Expired beyond the allowed skew.
  const expired = await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x4', WebIdentityToken: await mint({ sub: 'repo:acme/app:x', aud: 'sts.amazonaws.com', expiresIn: -3600 }) })));
  assert.equal(expired.name, 'ExpiredTokenException');
  assert.match(expired.message, /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/);
  // A token whose claims were changed after signing.
  const [h, , s] = token.split('.');
  const forged = `${h}.${Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'repo:acme/app:x', aud: 'sts.amazonaws.com', exp: 4102444800 })).toString('base64url')}.${s}`;
  assert.equal((await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x5', WebIdentityToken: forged })))).name, 'InvalidIdentityTokenException');
  assert.equal((await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x6', WebIdentityToken: 'not-a-jwt' })))).name, 'InvalidIdentityTokenException');
  // An issuer with no IAM provider in the role's account.
  const unknown = await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x7', WebIdentityToken: await mint({ issuer: 'https://idp.unknown.example', sub: 's', aud: 'sts.amazonaws.com' }) })));
  assert.deepEqual([unknown.name, unknown.message], ['InvalidIdentityTokenException', 'No OpenIDConnect provider found in your account for https://idp.unknown.example']);
  // Longer than the role allows.
  const long = await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'x8', WebIdentityToken: token, DurationSeconds: 7200 })));
  assert.deepEqual([long.name, long.message], ['ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.']);
  // A role that does not exist answers like a denied one.
  assert.equal((await rejection(sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/nope`, RoleSessionName: 'x9', WebIdentityToken: token })))).name, 'AccessDenied');
});

test('AssumeRoleWithWebIdentity: ES256 tokens verified with a registered key set; tags and source identity from claims', async () => {
  const issuer = 'https://idp.example.com/tenant';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] };
  assert.equal((await admin('PUT', '/oidc/jwks', { issuer, jwks })).status, 200);
  assert.equal((await admin('PUT', '/oidc/jwks', { issuer, jwks: { keys: [{ kty: 'oct', k: 'x' }] } })).status, 400);
  await admin('PUT', '/oidc/providers', { url: issuer, clientIds: ['my-app'] });
  const providerArn = `arn:aws:iam::${A}:oidc-provider/idp.example.com/tenant`;
  await iam.send(new CreateRoleCommand({
    RoleName: 'es-role',
    AssumeRolePolicyDocument: doc([{
      Effect: 'Allow', Principal: { Federated: providerArn }, Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
      Condition: { StringEquals: { 'idp.example.com/tenant:sub': 'alice' } },
    }]),
  }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'es-role', PolicyName: 'team', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::tag-bucket/${aws:PrincipalTag/team}/*' }]) }));
  const now = Math.floor(Date.now() / 1000);
  const es256 = (claims: Record<string, unknown>, key = privateKey): string => {
    const head = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'k1' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  const claims = {
    iss: issuer, sub: 'alice', aud: 'my-app', iat: now, exp: now + 600,
    'https://aws.amazon.com/tags': { principal_tags: { team: ['blue'] }, transitive_tag_keys: ['team'] },
    'https://aws.amazon.com/source_identity': 'alice@example.com',
  };
  const out = await anonymousSts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/es-role`, RoleSessionName: 'alice', WebIdentityToken: es256(claims) }));
  assert.equal(out.SourceIdentity, 'alice@example.com');
  assert.ok((out.PackedPolicySize ?? 0) > 0);
  const s3 = new S3Client(as(out.Credentials) as S3ClientConfig);
  await s3.send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'blue/x' }));
  assert.equal((await rejection(s3.send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'red/x' })))).name, 'AccessDenied');

  // A provider whose issuer has no key set registered.
  await admin('PUT', '/oidc/providers', { url: 'https://nokeys.example.com', clientIds: ['my-app'] });
  const noKeys = await rejection(anonymousSts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/es-role`, RoleSessionName: 'alice', WebIdentityToken: es256({ ...claims, iss: 'https://nokeys.example.com' }) })));
  assert.deepEqual([noKeys.name, noKeys.message], ['InvalidIdentityTokenException', "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"]);
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const bad = await rejection(anonymousSts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${A}:role/es-role`, RoleSessionName: 'alice', WebIdentityToken: es256(claims, stranger) })));
  assert.equal(bad.name, 'InvalidIdentityTokenException');
});

test('GetFederationToken: the session may do what both the user and the passed policy allow; nothing without a policy', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'broker' }));
  await iam.send(new PutUserPolicyCommand({
    UserName: 'broker', PolicyName: 'broker',
    PolicyDocument: doc([
      { Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: `arn:aws:sts::${A}:federated-user/*` },
      { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::fed-bucket' },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::fed-bucket/*' },
    ]),
  }));
  const broker = new STSClient(local.clientConfig({ user: 'broker' }));
  const out = await broker.send(new GetFederationTokenCommand({
    Name: 'Bob', DurationSeconds: 900,
    Policy: doc([{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:PutObject'], Resource: ['arn:aws:s3:::fed-bucket', 'arn:aws:s3:::fed-bucket/*'] }]),
  }));
  assert.deepEqual(out.FederatedUser, { FederatedUserId: `${A}:Bob`, Arn: `arn:aws:sts::${A}:federated-user/Bob` });
  assert.ok((out.PackedPolicySize ?? 0) > 0);
  const bob = as(out.Credentials);
  const who = await new STSClient(bob).send(new GetCallerIdentityCommand({}));
  assert.deepEqual([who.Arn, who.UserId, who.Account], [`arn:aws:sts::${A}:federated-user/Bob`, `${A}:Bob`, A]);
  const s3 = new S3Client(bob as S3ClientConfig);
  await s3.send(new ListObjectsV2Command({ Bucket: 'fed-bucket' }));
  const get = await rejection(s3.send(new GetObjectCommand({ Bucket: 'fed-bucket', Key: 'doc' })));
  assert.equal(get.name, 'AccessDenied');
  assert.match(get.message, /^User: arn:aws:sts::123456789012:federated-user\/Bob is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::fed-bucket\/doc" because no session policy allows the s3:GetObject action$/);
  const put = await rejection(s3.send(new PutObjectCommand({ Bucket: 'fed-bucket', Key: 'new', Body: 'x' })));
  assert.match(put.message, /because no identity-based policy allows the s3:PutObject action$/);
  // Federated sessions cannot call IAM, nor mint more credentials.
  const iamCall = await rejection(new IAMClient(bob).send(new CreateUserCommand({ UserName: 'from-fed' })));
  assert.deepEqual([iamCall.name, iamCall.status], ['InvalidClientTokenId', 403]);
  const again = await rejection(new STSClient(bob).send(new GetFederationTokenCommand({ Name: 'Again' })));
  assert.deepEqual([again.name, again.message], ['AccessDenied', 'Cannot call GetFederationToken with session credentials']);

  // No session policy: no permissions at all.
  const bare = await broker.send(new GetFederationTokenCommand({ Name: 'Bare' }));
  const bareList = await rejection(new S3Client(as(bare.Credentials) as S3ClientConfig).send(new ListObjectsV2Command({ Bucket: 'fed-bucket' })));
  assert.match(bareList.message, /because no session policy allows the s3:ListBucket action$/);
  // A managed policy ARN works as the session policy too.
  const arns = await broker.send(new GetFederationTokenCommand({ Name: 'Reader', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }] }));
  await new S3Client(as(arns.Credentials) as S3ClientConfig).send(new GetObjectCommand({ Bucket: 'fed-bucket', Key: 'doc' }));

  // Role sessions and users without sts:GetFederationToken are refused.
  await iam.send(new CreateRoleCommand({ RoleName: 'plain', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: A }, Action: 'sts:AssumeRole' }]) }));
  const fromRole = await rejection(new STSClient(local.clientConfig({ role: 'plain' })).send(new GetFederationTokenCommand({ Name: 'X1' })));
  assert.deepEqual([fromRole.name, fromRole.message], ['AccessDenied', 'Cannot call GetFederationToken with session credentials']);
  await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
  const denied = await rejection(new STSClient(local.clientConfig({ user: 'nobody' })).send(new GetFederationTokenCommand({ Name: 'X2' })));
  assert.equal(denied.message, `User: arn:aws:iam::${A}:user/nobody is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::${A}:federated-user/X2`);
  // The root user may (discouraged), for at most an hour.
  const rootSts = new STSClient(local.clientConfig());
  const long = await rejection(rootSts.send(new GetFederationTokenCommand({ Name: 'RootFed', DurationSeconds: 7200 })));
  assert.equal(long.name, 'ValidationError');
  const rootFed = await rootSts.send(new GetFederationTokenCommand({ Name: 'RootFed', Policy: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]) }));
  await new S3Client(as(rootFed.Credentials) as S3ClientConfig).send(new GetObjectCommand({ Bucket: 'fed-bucket', Key: 'doc' }));
});

test('session tags: sts:TagSession required, tags become PrincipalTag (over role tags), transitive tags carry into chained sessions', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'tagger' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'tagger', PolicyName: 'assume', PolicyDocument: doc([{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }]) }));
  const taggerArn = `arn:aws:iam::${A}:user/tagger`;
  const readTeam = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::tag-bucket/${aws:PrincipalTag/team}/*' }]);
  await iam.send(new CreateRoleCommand({
    RoleName: 'tagged', Tags: [{ Key: 'team', Value: 'red' }],
    AssumeRolePolicyDocument: doc([
      { Effect: 'Allow', Principal: { AWS: taggerArn }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: { AWS: taggerArn }, Action: 'sts:TagSession', Condition: { StringEquals: { 'aws:RequestTag/team': ['blue', 'green'] }, 'ForAllValues:StringEquals': { 'sts:TransitiveTagKeys': ['team'] } } },
    ]),
  }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'tagged', PolicyName: 'team', PolicyDocument: readTeam }));
  await iam.send(new CreateRoleCommand({ RoleName: 'untaggable', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: taggerArn }, Action: 'sts:AssumeRole' }]) }));
  const taggedArn = `arn:aws:iam::${A}:role/tagged`;
  await iam.send(new CreateRoleCommand({
    RoleName: 'chained',
    AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: taggedArn }, Action: ['sts:AssumeRole', 'sts:TagSession'] }]),
  }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'chained', PolicyName: 'team', PolicyDocument: readTeam }));
  await iam.send(new TagRoleCommand({ RoleName: 'chained', Tags: [{ Key: 'team', Value: 'red' }] }));
  const sts = new STSClient(local.clientConfig({ user: 'tagger' }));

  // Without tags the role's own tag applies.
  const plain = await sts.send(new AssumeRoleCommand({ RoleArn: taggedArn, RoleSessionName: 'plain' }));
  await new S3Client(as(plain.Credentials) as S3ClientConfig).send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'red/x' }));
  // A session tag overrides the role tag with the same key.
  const blue = await sts.send(new AssumeRoleCommand({ RoleArn: taggedArn, RoleSessionName: 'blue', Tags: [{ Key: 'team', Value: 'blue' }], TransitiveTagKeys: ['team'] }));
  assert.ok((blue.PackedPolicySize ?? 0) > 0);
  const blueS3 = new S3Client(as(blue.Credentials) as S3ClientConfig);
  await blueS3.send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'blue/x' }));
  assert.equal((await rejection(blueS3.send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'red/x' })))).name, 'AccessDenied');
  // aws:RequestTag is checked by the sts:TagSession statement.
  const yellow = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: taggedArn, RoleSessionName: 'yy', Tags: [{ Key: 'team', Value: 'yellow' }] })));
  assert.deepEqual([yellow.name, yellow.message], ['AccessDenied', `User: ${taggerArn} is not authorized to perform: sts:TagSession on resource: ${taggedArn}`]);
  // A trust policy without sts:TagSession refuses tags.
  const untaggable = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/untaggable`, RoleSessionName: 'uu', Tags: [{ Key: 'team', Value: 'blue' }] })));
  assert.match(untaggable.message, /is not authorized to perform: sts:TagSession on resource/);
  await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/untaggable`, RoleSessionName: 'uu' }));

  // Chaining: the transitive tag comes along and wins over the next role's tag; it cannot be overridden.
  const chainSts = new STSClient(as(blue.Credentials));
  const chained = await chainSts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/chained`, RoleSessionName: 'cc' }));
  const chainedS3 = new S3Client(as(chained.Credentials) as S3ClientConfig);
  await chainedS3.send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'blue/x' }));
  assert.equal((await rejection(chainedS3.send(new GetObjectCommand({ Bucket: 'tag-bucket', Key: 'red/x' })))).name, 'AccessDenied');
  const override = await rejection(chainSts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/chained`, RoleSessionName: 'c2', Tags: [{ Key: 'Team', Value: 'red' }] })));
  assert.equal(override.name, 'InvalidParameterValue');
  // Role chaining: at most one hour.
  const chainLong = await rejection(chainSts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/chained`, RoleSessionName: 'c3', DurationSeconds: 7200 })));
  assert.deepEqual([chainLong.name, chainLong.message], ['ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.']);

  // Limits: transitive keys must be tags, keys are case-insensitive, 50 tags, the packed size.
  const notTag = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: taggedArn, RoleSessionName: 'nn', Tags: [{ Key: 'team', Value: 'blue' }], TransitiveTagKeys: ['dept'] })));
  assert.equal(notTag.name, 'InvalidParameterValue');
  const dup = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: taggedArn, RoleSessionName: 'nn', Tags: [{ Key: 'team', Value: 'blue' }, { Key: 'TEAM', Value: 'blue' }] })));
  assert.equal(dup.name, 'InvalidParameterValue');
  const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  assert.equal((await rejection(sts.send(new AssumeRoleCommand({ RoleArn: taggedArn, RoleSessionName: 'nn', Tags: many })))).name, 'ValidationError');
  const big = Array.from({ length: 20 }, (_, i) => ({ Key: `key-${i}-${'k'.repeat(100)}`, Value: 'v'.repeat(200) }));
  const packed = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/chained`, RoleSessionName: 'nn', Tags: big })));
  // (the tagger is not trusted by 'chained', so size is checked with a role that trusts it)
  assert.equal(packed.name, 'AccessDenied');
  await iam.send(new CreateRoleCommand({ RoleName: 'tag-all', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: taggerArn }, Action: ['sts:AssumeRole', 'sts:TagSession'] }]) }));
  const tooBig = await rejection(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/tag-all`, RoleSessionName: 'nn', Tags: big })));
  assert.equal(tooBig.name, 'PackedPolicyTooLargeException');
  assert.match(tooBig.message, /^Packed size of session tags consumes \d+% of allotted space\.$/);
});

test('role chaining keeps the source identity: it cannot change once set', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'sid' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'sid', PolicyName: 'assume', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]) }));
  await iam.send(new CreateRoleCommand({ RoleName: 'first', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/sid` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }]) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: 'first', PolicyName: 'assume', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]) }));
  await iam.send(new CreateRoleCommand({ RoleName: 'second', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/first` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }]) }));
  const first = await new STSClient(local.clientConfig({ user: 'sid' })).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/first`, RoleSessionName: 'ss', SourceIdentity: 'sid-1' }));
  assert.equal(first.SourceIdentity, 'sid-1');
  const chain = new STSClient(as(first.Credentials));
  const kept = await chain.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/second`, RoleSessionName: 's2' }));
  assert.equal(kept.SourceIdentity, 'sid-1');
  const changed = await rejection(chain.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/second`, RoleSessionName: 's3', SourceIdentity: 'other' })));
  assert.equal(changed.name, 'AccessDenied');
  await chain.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/second`, RoleSessionName: 's4', SourceIdentity: 'sid-1' }));
  // The next role's trust policy must allow sts:SetSourceIdentity, even when the identity only comes along the chain.
  await iam.send(new CreateRoleCommand({ RoleName: 'third', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/first` }, Action: 'sts:AssumeRole' }]) }));
  const third = await rejection(chain.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/third`, RoleSessionName: 's5' })));
  assert.equal(third.message, `User: arn:aws:sts::${A}:assumed-role/first/ss is not authorized to perform: sts:SetSourceIdentity on resource: arn:aws:iam::${A}:role/third`);
  await iam.send(new CreateRoleCommand({ RoleName: 'fourth', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/sid` }, Action: 'sts:AssumeRole' }]) }));
  const user = new STSClient(local.clientConfig({ user: 'sid' }));
  const noSet = await rejection(user.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/fourth`, RoleSessionName: 's6', SourceIdentity: 'x1' })));
  assert.equal(noSet.message, `User: arn:aws:iam::${A}:user/sid is not authorized to perform: sts:SetSourceIdentity on resource: arn:aws:iam::${A}:role/fourth`);
  await user.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/fourth`, RoleSessionName: 's7' }));
});

test('DecodeAuthorizationMessage decodes the encoded message of a recorded decision', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'decoder' }));
  const denied = await rejection(new S3Client(local.clientConfig({ user: 'decoder' }) as S3ClientConfig).send(new ListObjectsV2Command({ Bucket: 'fed-bucket' })));
  assert.equal(denied.name, 'AccessDenied');
  const log = await admin('GET', `/decisions?principal=${encodeURIComponent(`arn:aws:iam::${A}:user/decoder`)}&decision=deny&limit=1`);
  const entry = (log.body.decisions as { action: string; encodedMessage: string }[])[0]!;
  assert.equal(entry.action, 's3:ListBucket');
  assert.match(entry.encodedMessage, /^[A-Za-z0-9_-]{40,}$/);
  const rootSts = new STSClient(local.clientConfig());
  const out = await rootSts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: entry.encodedMessage }));
  const decoded = JSON.parse(out.DecodedMessage!) as { allowed: boolean; explicitDeny: boolean; context: { principal: { arn: string }; action: string; resource: string; conditions: { items: { key: string }[] } } };
  assert.equal(decoded.allowed, false);
  assert.equal(decoded.explicitDeny, false);
  assert.deepEqual([decoded.context.principal.arn, decoded.context.action, decoded.context.resource], [`arn:aws:iam::${A}:user/decoder`, 's3:ListBucket', 'arn:aws:s3:::fed-bucket']);
  assert.ok(decoded.context.conditions.items.some((c) => c.key === 'aws:username'));

  const bad = await rejection(rootSts.send(new DecodeAuthorizationMessageCommand({ EncodedMessage: `${entry.encodedMessage.slice(0, -4)}AAAA` })));
  assert.equal(bad.name, 'InvalidAuthorizationMessageException');
  const noPermission = await rejection(new STSClient(local.clientConfig({ user: 'decoder' })).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: entry.encodedMessage })));
  assert.deepEqual([noPermission.name, noPermission.message], ['AccessDenied', `User: arn:aws:iam::${A}:user/decoder is not authorized to perform: sts:DecodeAuthorizationMessage on resource: *`]);
});
