// The acceptance story with the AWS SDK for JavaScript v3, against a live server on a free port.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CreatePolicyVersionCommand, GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { rejection } from './support.ts';

const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/kjh-s3-encryption-test1-role`;
const POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/kjh-s3-encryption-test1`;
const SAML_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com`;
const SAML = { accessKeyId: 'ASIAEXAMPLESAMLLOGIN', secretAccessKey: 'saml-login-secret-access-key-example0000', sessionToken: 'saml-login-session-token-example' };
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

let server: RunningServer;
const clientConfig = (credentials: Creds) => ({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const sts = (c: Creds) => new STSClient(clientConfig(c));
const iam = (c: Creds) => new IAMClient(clientConfig(c));
const s3 = (c: Creds) => new S3Client({ ...clientConfig(c), forcePathStyle: true });

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
});
after(async () => {
  await server.close();
});

const TRUST_WITH_SESSION = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: SAML_ARN } },
  ],
});

const POLICY_V5 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject', 's3:GetObjectAcl'], Resource: ['arn:aws:s3:::kjh-encryption-test1/*'], Effect: 'Allow' },
    { Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::kjh-encryption-test1'], Effect: 'Allow' },
  ],
});

test('the story, step by step, with SDK v3', async (t) => {
  const assumeInput = { RoleArn: ROLE_ARN, RoleSessionName: 'cli-kjh-s3-encryption-test1-role' };

  await t.test('the SAML session is who the story says', async () => {
    const me = await sts(SAML).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, SAML_ARN);
    assert.equal(me.Account, ACCOUNT);
    assert.match(me.UserId ?? '', /^AROA[A-Z2-7]{17}:kevin\.hakanson@example\.com$/);
  });

  await t.test('AssumeRole is denied while the trust policy names only ec2.amazonaws.com', async () => {
    const error = await rejection(sts(SAML).send(new AssumeRoleCommand(assumeInput)));
    assert.equal(error.name, 'AccessDenied');
    assert.equal(error.status, 403);
    assert.equal(error.message, `User: ${SAML_ARN} is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`);
  });

  let roleCreds: Creds | undefined;
  await t.test('after the session ARN is added to the trust policy, AssumeRole succeeds', async () => {
    await iam(SAML).send(new UpdateAssumeRolePolicyCommand({ RoleName: 'kjh-s3-encryption-test1-role', PolicyDocument: TRUST_WITH_SESSION }));
    const role = await iam(SAML).send(new GetRoleCommand({ RoleName: 'kjh-s3-encryption-test1-role' }));
    assert.deepEqual(JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')), JSON.parse(TRUST_WITH_SESSION));
    assert.equal(role.Role?.Arn, ROLE_ARN);
    assert.equal(role.Role?.CreateDate?.toISOString(), '2016-08-13T16:31:08.000Z');

    const before = Date.now();
    const assumed = await sts(SAML).send(new AssumeRoleCommand(assumeInput));
    assert.match(assumed.AssumedRoleUser?.AssumedRoleId ?? '', /^AROA[A-Z2-7]{17}:cli-kjh-s3-encryption-test1-role$/);
    assert.equal(assumed.AssumedRoleUser?.AssumedRoleId?.split(':')[0], role.Role?.RoleId);
    assert.equal(assumed.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/cli-kjh-s3-encryption-test1-role`);
    const c = assumed.Credentials;
    assert.match(c?.AccessKeyId ?? '', /^ASIA[A-Z2-7]{16}$/);
    const expiresIn = (c?.Expiration?.getTime() ?? 0) - before;
    assert.ok(expiresIn > 3590_000 && expiresIn <= 3601_000, `expires in ${expiresIn} ms`);
    roleCreds = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken };
    const me = await sts(roleCreds).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, assumed.AssumedRoleUser?.Arn);
  });

  const listAs = async (creds: Creds) => {
    const out = await s3(creds).send(new ListObjectsCommand({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/' }));
    assert.equal(out.Contents?.length, 1);
    return out.Contents![0]!;
  };

  await t.test('the role lists the object without Owner; the SAML session sees Owner', async () => {
    assert.ok(roleCreds);
    const asRole = await listAs(roleCreds);
    assert.equal(asRole.Key, 'cli-s3api-kms/QBF.txt.enc');
    assert.equal(asRole.Size, 45);
    assert.equal(asRole.StorageClass, 'STANDARD');
    assert.equal(asRole.LastModified?.toISOString(), '2016-12-06T21:02:16.000Z');
    assert.match(asRole.ETag ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(asRole.Owner, undefined);
    const asSaml = await listAs(SAML);
    assert.equal(asSaml.Owner?.DisplayName, 'redacted');
    assert.match(asSaml.Owner?.ID ?? '', /^[0-9a-f]{64}$/);
    // ListObjectsV2 shows Owner only on request (FetchOwner), and then with the same permission check.
    const v2 = await s3(SAML).send(new ListObjectsV2Command({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/' }));
    assert.equal(v2.Contents?.[0]?.Owner, undefined);
    const v2Owner = await s3(SAML).send(new ListObjectsV2Command({ Bucket: 'kjh-encryption-test1', Prefix: 'cli-s3api-kms/', FetchOwner: true }));
    assert.equal(v2Owner.Contents?.[0]?.Owner?.DisplayName, 'redacted');
    const v2Role = await s3(roleCreds).send(new ListObjectsV2Command({ Bucket: 'kjh-encryption-test1', FetchOwner: true }));
    assert.equal(v2Role.Contents?.[0]?.Owner, undefined);
  });

  await t.test('a new default policy version with s3:GetObjectAcl shows Owner to the role too', async () => {
    assert.ok(roleCreds);
    const created = await iam(SAML).send(new CreatePolicyVersionCommand({ PolicyArn: POLICY_ARN, PolicyDocument: POLICY_V5, SetAsDefault: true }));
    assert.equal(created.PolicyVersion?.VersionId, 'v5');
    assert.equal(created.PolicyVersion?.IsDefaultVersion, true);
    const asRole = await listAs(roleCreds);
    assert.equal(asRole.Owner?.DisplayName, 'redacted');
  });

  await t.test('get-policy shows metadata, get-policy-version the document', async () => {
    const policy = await iam(SAML).send(new GetPolicyCommand({ PolicyArn: POLICY_ARN }));
    assert.equal(policy.Policy?.PolicyName, 'kjh-s3-encryption-test1');
    assert.equal(policy.Policy?.DefaultVersionId, 'v5');
    assert.equal(policy.Policy?.AttachmentCount, 1);
    assert.equal(policy.Policy?.IsAttachable, true);
    assert.equal(policy.Policy?.Path, '/');
    assert.match(policy.Policy?.PolicyId ?? '', /^ANPA[A-Z2-7]{17}$/);
    assert.equal(policy.Policy?.CreateDate?.toISOString(), '2016-08-12T22:55:52.000Z');
    assert.equal((policy.Policy as Record<string, unknown> | undefined)?.Document, undefined);
    const version = await iam(SAML).send(new GetPolicyVersionCommand({ PolicyArn: POLICY_ARN, VersionId: 'v5' }));
    assert.equal(version.PolicyVersion?.IsDefaultVersion, true);
    assert.deepEqual(JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? '')), JSON.parse(POLICY_V5));
  });

  await t.test('least privilege: the role cannot list another bucket or write outside its prefix grant', async () => {
    assert.ok(roleCreds);
    await s3(ROOT).send(new CreateBucketCommand({ Bucket: 'other-team-bucket' }));
    const error = await rejection(s3(roleCreds).send(new ListObjectsCommand({ Bucket: 'other-team-bucket' })));
    assert.equal(error.name, 'AccessDenied');
    assert.equal(error.message, `User: arn:aws:sts::${ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/cli-kjh-s3-encryption-test1-role is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::other-team-bucket" because no identity-based policy allows the s3:ListBucket action`);
    const put = await rejection(s3(roleCreds).send(new PutObjectCommand({ Bucket: 'other-team-bucket', Key: 'x', Body: 'no' })));
    assert.equal(put.name, 'AccessDenied');
    const ok = await s3(roleCreds).send(new PutObjectCommand({ Bucket: 'kjh-encryption-test1', Key: 'cli-s3api-kms/new.txt', Body: 'hello world' }));
    assert.equal(ok.ETag, '"5eb63bbbe01eeed093cb22bb8f5acdc3"');
  });
});
