// The hostile suite's world: two accounts, users and roles chosen for the probes (no policy, s3:*, boundaries, NotAction,
// escalation-minded users), ready-made role sessions and one bucket per resource-policy shape. Loaded as fixtures.
import type { Credentials } from './harness.ts';

export const A = '123456789012';
export const B = '111122223333';
const doc = (...Statement: object[]): object => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}): object => ({ Effect: 'Allow', Action, Resource, ...extra });
export const userArn = (name: string, account = A): string => `arn:aws:iam::${account}:user/${name}`;
export const roleArnOf = (name: string, account = A): string => `arn:aws:iam::${account}:role/${name}`;
export const sessionArn = (role: string, session: string, account = A): string => `arn:aws:sts::${account}:assumed-role/${role}/${session}`;
export const rootArn = (account = A): string => `arn:aws:iam::${account}:root`;
export const BOUNDARY_S3_READ = `arn:aws:iam::${A}:policy/h-boundary-s3read`;

/** Who a probe acts as. */
export type Who = 'root' | 'alice' | 'alan' | 'bob' | 'ben' | 'assumer' | 'mallory' | 'eve' | 'hr' | 'notaction' | 'notres' | 'deleted' | 'inactive'
  | 's1' | 's2' | 'b1' | 'old' | 'bounded' | 'rootB' | 'carol' | 'dave' | 'anon';

const key = (id: string): Credentials => ({ accessKeyId: id, secretAccessKey: `${id.toLowerCase()}-secret-hostile-0000000000` });
const session = (id: string): Credentials => ({ ...key(id), sessionToken: `${id}-token-hostile-000000000000000000000000` });
export const CREDS: Record<Exclude<Who, 'anon'>, Credentials> = {
  root: { accessKeyId: 'test', secretAccessKey: 'test' },
  alice: key('AKIAHOSTILEALICE0001'), alan: key('AKIAHOSTILEALAN00001'), bob: key('AKIAHOSTILEBOB000001'), ben: key('AKIAHOSTILEBEN000001'),
  assumer: key('AKIAHOSTILEASSUMER01'), mallory: key('AKIAHOSTILEMALLORY01'), eve: key('AKIAHOSTILEEVE000001'), hr: key('AKIAHOSTILEHR0000001'),
  notaction: key('AKIAHOSTILENOTACT001'), notres: key('AKIAHOSTILENOTRES001'), deleted: key('AKIAHOSTILEDELETED01'), inactive: key('AKIAHOSTILEINACTIVE1'),
  s1: session('ASIAHOSTILES1000001'), s2: session('ASIAHOSTILES2000001'), b1: session('ASIAHOSTILEB1000001'), old: session('ASIAHOSTILEOLD00001'), bounded: session('ASIAHOSTILEBND00001'),
  rootB: key('AKIAHOSTILEROOTB0001'), carol: key('AKIAHOSTILECAROL0001'), dave: key('AKIAHOSTILEDAVE00001'),
};

const S3_ALL = doc(allow('s3:*'));
const user = (name: string, who: Exclude<Who, 'anon'>, inline?: object, extra: object = {}): object => ({
  name, accessKeys: [{ id: CREDS[who].accessKeyId, secret: CREDS[who].secretAccessKey }], ...(inline ? { inlinePolicies: { main: inline } } : {}), ...extra,
});
const trustAccount = (account = A): object => doc({ Effect: 'Allow', Principal: { AWS: rootArn(account) }, Action: 'sts:AssumeRole' });
const fixtureSession = (role: string, sessionName: string, who: Exclude<Who, 'anon'>, extra: object = {}): object => ({
  role, sessionName, accessKeyId: CREDS[who].accessKeyId, secretAccessKey: CREDS[who].secretAccessKey, sessionToken: CREDS[who].sessionToken, ...extra,
});

/** Bucket name → bucket policy statements (null: no policy). Every bucket holds k, public/x and secret1. */
export const BUCKETS: Record<string, object[] | null> = {
  'h-private': null,
  'h-np-user-root': [{ Effect: 'Deny', NotPrincipal: { AWS: [userArn('h-bob'), rootArn()] }, Action: 's3:*', Resource: ['arn:aws:s3:::h-np-user-root', 'arn:aws:s3:::h-np-user-root/*'] }],
  'h-np-role-root': [{ Effect: 'Deny', NotPrincipal: { AWS: [roleArnOf('h-app-role'), rootArn()] }, Action: 's3:*', Resource: 'arn:aws:s3:::h-np-role-root/*' }],
  'h-np-session': [{ Effect: 'Deny', NotPrincipal: { AWS: [sessionArn('h-app-role', 'h-s1'), roleArnOf('h-app-role'), rootArn()] }, Action: 's3:*', Resource: 'arn:aws:s3:::h-np-session/*' }],
  'h-np-notaction': [{ Effect: 'Deny', NotPrincipal: { AWS: [userArn('h-bob'), rootArn()] }, NotAction: 's3:GetObject', Resource: 'arn:aws:s3:::h-np-notaction/*' }],
  'h-np-boundary': [{ Effect: 'Deny', NotPrincipal: { AWS: [userArn('h-eve'), rootArn()] }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-np-boundary/*' }],
  'h-deny-star': [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-deny-star/*' }],
  'h-allow-user': [{ Effect: 'Allow', Principal: { AWS: userArn('h-alice') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-allow-user/*' }],
  'h-allow-role': [{ Effect: 'Allow', Principal: { AWS: roleArnOf('h-bare-role') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-allow-role/*' }],
  'h-allow-session': [{ Effect: 'Allow', Principal: { AWS: sessionArn('h-bare-role', 'h-b1') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-allow-session/*' }],
  'h-allow-account': [{ Effect: 'Allow', Principal: { AWS: rootArn() }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-allow-account/*' }],
  'h-deny-notaction': [{ Effect: 'Deny', Principal: '*', NotAction: 's3:GetObject', Resource: 'arn:aws:s3:::h-deny-notaction/*' }],
  'h-deny-notresource': [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::h-deny-notresource/public/*' }],
  'h-allow-notprincipal': [{ Effect: 'Allow', NotPrincipal: { AWS: userArn('h-alice') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-allow-notprincipal/*' }],
  'h-deny-other-accounts': [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::h-deny-other-accounts/*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': A } } },
    { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-deny-other-accounts/*' }],
  'h-x-account': [{ Effect: 'Allow', Principal: { AWS: rootArn(B) }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-x-account/*' }],
  'h-x-user': [{ Effect: 'Allow', Principal: { AWS: [userArn('h-dave', B), userArn('h-carol', B)] }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-x-user/*' }],
  'h-np-root-only': [{ Effect: 'Deny', NotPrincipal: { AWS: rootArn() }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-np-root-only/*' }],
  'h-allow-notresource': [{ Effect: 'Allow', Principal: { AWS: userArn('h-alice') }, Action: 's3:GetObject', NotResource: 'arn:aws:s3:::h-allow-notresource/secret*' }],
  'h-allow-service': [{ Effect: 'Allow', Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-allow-service/*' }],
  'h-public-read': [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-public-read/*' }],
  'h-public-aws-star': [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::h-public-aws-star/*' }],
};

/** The fixture document for the world. */
export function worldFixtures(): object {
  const objects = [{ key: 'k', content: 'secret data' }, { key: 'public/x', content: 'public data' }, { key: 'secret1', content: 'very secret' }];
  return {
    accounts: [{ id: B, rootAccessKeyId: CREDS.rootB.accessKeyId, rootSecretAccessKey: CREDS.rootB.secretAccessKey }],
    policies: [
      { name: 'h-boundary-s3read', document: doc(allow(['s3:GetObject', 's3:ListBucket'])) },
      { name: 'h-boundary-wide', document: doc(allow('*')) },
      // An old, permissive version kept as non-default: the classic SetDefaultPolicyVersion escalation.
      { name: 'h-mallory-managed', versions: [{ id: 'v1', document: doc(allow('*')) }, { id: 'v2', document: doc(allow('iam:GetPolicy')) }], defaultVersion: 'v2' },
    ],
    users: [
      user('h-alice', 'alice'), user('h-alan', 'alan'), user('h-bob', 'bob', S3_ALL), user('h-ben', 'ben', S3_ALL),
      user('h-assumer', 'assumer', doc(allow(['sts:AssumeRole', 'sts:GetFederationToken', 'sts:GetSessionToken', 's3:*']))),
      user('h-mallory', 'mallory', doc(
        allow(['iam:CreateAccessKey', 'iam:ListAccessKeys'], `arn:aws:iam::${A}:user/\${aws:username}`),
        allow(['iam:Get*', 'iam:List*']),
        allow('iam:PassRole', roleArnOf('h-admin-role')),
      ), { attachedPolicies: ['h-mallory-managed'] }),
      user('h-eve', 'eve', doc(allow(['iam:*', 's3:*', 'sts:*'])), { permissionsBoundary: 'h-boundary-s3read' }),
      user('h-hr', 'hr', doc(
        allow(['iam:CreateUser', 'iam:PutUserPermissionsBoundary'], '*', { Condition: { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY_S3_READ } } }),
        allow(['iam:DeleteUser', 'iam:GetUser']),
      )),
      user('h-notaction', 'notaction', doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })),
      user('h-notres', 'notres', doc({ Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::h-private/secret*' })),
      user('h-deleted', 'deleted', S3_ALL),
      { name: 'h-inactive', accessKeys: [{ id: CREDS.inactive.accessKeyId, secret: CREDS.inactive.secretAccessKey, status: 'Inactive' }], inlinePolicies: { main: S3_ALL } },
      { ...user('h-carol', 'carol'), account: B },
      { ...user('h-dave', 'dave', doc(allow(['s3:*', 'sts:AssumeRole']))), account: B },
    ],
    roles: [
      { name: 'h-app-role', trustPolicy: trustAccount(), inlinePolicies: { main: S3_ALL } },
      { name: 'h-bare-role', trustPolicy: trustAccount() },
      { name: 'h-admin-role', trustPolicy: trustAccount(), inlinePolicies: { main: doc(allow('*')) } },
      { name: 'h-user-trust-role', trustPolicy: doc({ Effect: 'Allow', Principal: { AWS: userArn('h-alice') }, Action: 'sts:AssumeRole' }), inlinePolicies: { main: doc(allow('s3:GetObject')) } },
      { name: 'h-chain-role', trustPolicy: doc({ Effect: 'Allow', Principal: { AWS: roleArnOf('h-app-role') }, Action: 'sts:AssumeRole' }), inlinePolicies: { main: S3_ALL } },
      { name: 'h-x-role', trustPolicy: trustAccount(B), inlinePolicies: { main: doc(allow('s3:GetObject')) } },
      { name: 'h-bounded-role', trustPolicy: trustAccount(), inlinePolicies: { main: doc(allow('*')) }, permissionsBoundary: 'h-boundary-s3read' },
    ],
    sessions: [
      fixtureSession('h-app-role', 'h-s1', 's1'), fixtureSession('h-app-role', 'h-s2', 's2'), fixtureSession('h-bare-role', 'h-b1', 'b1'),
      fixtureSession('h-app-role', 'h-old', 'old', { expiresAt: '2020-01-01T00:00:00Z' }), fixtureSession('h-bounded-role', 'h-bnd', 'bounded'),
    ],
    buckets: Object.entries(BUCKETS).map(([name, statements]) => ({ name, objects, ...(statements ? { policy: doc(...statements) } : {}) })),
  };
}
