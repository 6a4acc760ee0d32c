// More of the IAM/STS surface with SDK v3: groups (their policies apply to members), AWS managed policies,
// GetSessionToken and GetAccessKeyInfo.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import {
  AddUserToGroupCommand, AttachGroupPolicyCommand, CreateAccessKeyCommand, CreateGroupCommand, CreatePolicyVersionCommand, CreateUserCommand, DeleteGroupCommand,
  DeleteUserCommand, GetGroupCommand, GetPolicyCommand, IAMClient, ListGroupsForUserCommand, ListPoliciesCommand, RemoveUserFromGroupCommand, DetachGroupPolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { rejection } from './support.ts';

let local: Iamlocal;
let iam: IAMClient;
before(async () => {
  local = await startIamlocal();
  iam = new IAMClient(local.clientConfig());
});
after(async () => {
  await local.stop();
});

test('AWS managed policies are listed, readable, attachable to groups, and apply to members', async () => {
  const aws = await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }));
  assert.ok(aws.Policies?.some((p) => p.Arn === 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'));
  const local0 = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
  assert.deepEqual(local0.Policies, []);
  const readOnly = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: readOnly }))).Policy?.DefaultVersionId, 'v3');
  const change = await rejection(iam.send(new CreatePolicyVersionCommand({ PolicyArn: readOnly, PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' })));
  assert.equal(change.name, 'AccessDenied');

  await new S3Client(local.clientConfig() as S3ClientConfig).send(new CreateBucketCommand({ Bucket: 'group-bucket' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'readers' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: readOnly }));
  await iam.send(new CreateUserCommand({ UserName: 'rita' }));
  const rita = new S3Client(local.clientConfig({ user: 'rita' }) as S3ClientConfig);
  assert.equal((await rejection(rita.send(new ListObjectsV2Command({ Bucket: 'group-bucket' })))).name, 'AccessDenied');
  await iam.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'rita' }));
  await rita.send(new ListObjectsV2Command({ Bucket: 'group-bucket' }));
  const put = await rejection(rita.send(new PutObjectCommand({ Bucket: 'group-bucket', Key: 'k', Body: 'v' })));
  assert.match(put.message, /because no identity-based policy allows the s3:PutObject action$/);
  assert.deepEqual((await iam.send(new GetGroupCommand({ GroupName: 'readers' }))).Users?.map((u) => u.UserName), ['rita']);
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'rita' }))).Groups?.map((g) => g.GroupName), ['readers']);
  assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: readOnly }))).Policy?.AttachmentCount, 1);
  assert.equal((await rejection(iam.send(new DeleteGroupCommand({ GroupName: 'readers' })))).name, 'DeleteConflictException');
  assert.equal((await rejection(iam.send(new DeleteUserCommand({ UserName: 'rita' })))).name, 'DeleteConflictException');
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'readers', UserName: 'rita' }));
  await iam.send(new DetachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: readOnly }));
  await iam.send(new DeleteGroupCommand({ GroupName: 'readers' }));
  assert.equal((await rejection(iam.send(new GetGroupCommand({ GroupName: 'readers' })))).name, 'NoSuchEntityException');
});

test('GetSessionToken gives a user temporary credentials with the same identity; GetAccessKeyInfo names the account', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'tess' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'tess' }))).AccessKey!;
  const tess = new STSClient(local.clientConfig({ user: 'tess' }));
  const token = await tess.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
  assert.match(token.Credentials?.AccessKeyId ?? '', /^ASIA/);
  const temp = new STSClient({ ...local.clientConfig(), credentials: { accessKeyId: token.Credentials!.AccessKeyId!, secretAccessKey: token.Credentials!.SecretAccessKey!, sessionToken: token.Credentials!.SessionToken } });
  assert.equal((await temp.send(new GetCallerIdentityCommand({}))).Arn, 'arn:aws:iam::123456789012:user/tess');
  assert.equal((await rejection(temp.send(new GetSessionTokenCommand({})))).name, 'AccessDenied');
  assert.equal((await tess.send(new GetAccessKeyInfoCommand({ AccessKeyId: key.AccessKeyId }))).Account, '123456789012');
  const tooLong = await rejection(tess.send(new GetSessionTokenCommand({ DurationSeconds: 600 })));
  assert.equal(tooLong.name, 'ValidationError');
});

test('tags: on users and roles, as aws:PrincipalTag in conditions and variables, and aws:ResourceTag for IAM actions', async () => {
  const { TagUserCommand, ListUserTagsCommand, UntagUserCommand, PutUserPolicyCommand, CreateRoleCommand, GetRoleCommand, ListRoleTagsCommand } = await import('@aws-sdk/client-iam');
  await iam.send(new CreateUserCommand({ UserName: 'paula', Tags: [{ Key: 'team', Value: 'blue' }] }));
  await iam.send(new TagUserCommand({ UserName: 'paula', Tags: [{ Key: 'env', Value: 'dev' }] }));
  assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'paula' }))).Tags, [{ Key: 'team', Value: 'blue' }, { Key: 'env', Value: 'dev' }]);
  await iam.send(new UntagUserCommand({ UserName: 'paula', TagKeys: ['env'] }));
  const dup = await rejection(iam.send(new TagUserCommand({ UserName: 'paula', Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })));
  assert.equal(dup.name, 'InvalidInputException');
  await iam.send(new PutUserPolicyCommand({
    UserName: 'paula', PolicyName: 'team-prefix',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::tagged-bucket/${aws:PrincipalTag/team}/*' },
      { Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } },
    ] }),
  }));
  await new S3Client(local.clientConfig() as S3ClientConfig).send(new CreateBucketCommand({ Bucket: 'tagged-bucket' }));
  const paula = new S3Client(local.clientConfig({ user: 'paula' }) as S3ClientConfig);
  await paula.send(new PutObjectCommand({ Bucket: 'tagged-bucket', Key: 'blue/ok.txt', Body: 'ok' }));
  assert.equal((await rejection(paula.send(new PutObjectCommand({ Bucket: 'tagged-bucket', Key: 'red/no.txt', Body: 'no' })))).name, 'AccessDenied');

  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  await iam.send(new CreateRoleCommand({ RoleName: 'blue-role', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'blue' }] }));
  await iam.send(new CreateRoleCommand({ RoleName: 'red-role', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'red' }] }));
  assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'blue-role' }))).Tags, [{ Key: 'team', Value: 'blue' }]);
  const asPaula = new IAMClient(local.clientConfig({ user: 'paula' }));
  assert.deepEqual((await asPaula.send(new GetRoleCommand({ RoleName: 'blue-role' }))).Role?.Tags, [{ Key: 'team', Value: 'blue' }]);
  const red = await rejection(asPaula.send(new GetRoleCommand({ RoleName: 'red-role' })));
  assert.equal(red.name, 'AccessDenied');
});
