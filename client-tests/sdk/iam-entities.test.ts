// The rest of the IAM surface with SDK v3: UpdateUser, login profiles, last-used data, instance profiles, service-linked
// roles, OIDC providers, policy tags and entities, the account alias, password policy, summary and authorization details.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AddClientIDToOpenIDConnectProviderCommand, AddRoleToInstanceProfileCommand, AddUserToGroupCommand, AttachRolePolicyCommand, AttachUserPolicyCommand,
  CreateAccessKeyCommand, CreateAccountAliasCommand, CreateGroupCommand, CreateInstanceProfileCommand, CreateLoginProfileCommand, CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand, CreateServiceLinkedRoleCommand, CreateUserCommand, DeleteAccountAliasCommand, DeleteAccountPasswordPolicyCommand,
  DeleteInstanceProfileCommand, DeleteLoginProfileCommand, DeleteOpenIDConnectProviderCommand, DeleteRoleCommand, DeleteServiceLinkedRoleCommand, DeleteUserCommand,
  GetAccessKeyLastUsedCommand, GetAccountAuthorizationDetailsCommand, GetAccountPasswordPolicyCommand, GetAccountSummaryCommand, GetInstanceProfileCommand,
  GetLoginProfileCommand, GetOpenIDConnectProviderCommand, GetPolicyCommand, GetRoleCommand, GetServiceLinkedRoleDeletionStatusCommand, GetUserCommand, IAMClient,
  ListAccessKeysCommand, ListAccountAliasesCommand, ListAttachedUserPoliciesCommand, ListEntitiesForPolicyCommand, ListGroupsForUserCommand, ListInstanceProfileTagsCommand,
  ListInstanceProfilesCommand, ListInstanceProfilesForRoleCommand, ListOpenIDConnectProviderTagsCommand, ListOpenIDConnectProvidersCommand, ListPoliciesCommand,
  ListPolicyTagsCommand, ListUserPoliciesCommand, ListUserTagsCommand, PutRolePermissionsBoundaryCommand, PutUserPolicyCommand, RemoveClientIDFromOpenIDConnectProviderCommand,
  RemoveRoleFromInstanceProfileCommand, TagInstanceProfileCommand, TagOpenIDConnectProviderCommand, TagPolicyCommand, UntagInstanceProfileCommand,
  UntagOpenIDConnectProviderCommand, UntagPolicyCommand, UpdateAccountPasswordPolicyCommand, UpdateLoginProfileCommand, UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateRoleDescriptionCommand, UpdateUserCommand, DeleteVirtualMFADeviceCommand, DeactivateMFADeviceCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Iamlocal } from '../../server/src/in-process.ts';
import { oidcProvider } from '../../server/src/store/iam-entities-store.ts';
import { iamlocalPerFile, rejection } from './support.ts';

const ACCOUNT = '123456789012';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const THUMB = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';

let local: Iamlocal;
let iam: IAMClient;
iamlocalPerFile((started) => ({ local, iam } = started));

test('UpdateUser renames a user and carries keys, policies, groups, tags and login profile along', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'old', Tags: [{ Key: 'team', Value: 'blue' }] }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'old' }))).AccessKey!;
  await iam.send(new PutUserPolicyCommand({ UserName: 'old', PolicyName: 'inline', PolicyDocument: DOC }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'old', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'old' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'old', Password: 'Correct-Horse-9' }));
  await iam.send(new CreateUserCommand({ UserName: 'taken' }));
  assert.equal((await rejection(iam.send(new UpdateUserCommand({ UserName: 'old', NewUserName: 'taken' })))).name, 'EntityAlreadyExistsException');
  assert.equal((await rejection(iam.send(new UpdateUserCommand({ UserName: 'nobody', NewUserName: 'x' })))).name, 'NoSuchEntityException');
  await iam.send(new UpdateUserCommand({ UserName: 'old', NewUserName: 'new', NewPath: '/staff/' }));
  assert.equal((await rejection(iam.send(new GetUserCommand({ UserName: 'old' })))).name, 'NoSuchEntityException');
  const user = (await iam.send(new GetUserCommand({ UserName: 'new' }))).User!;
  assert.equal(user.Arn, `arn:aws:iam::${ACCOUNT}:user/staff/new`);
  assert.deepEqual(user.Tags, [{ Key: 'team', Value: 'blue' }]);
  assert.deepEqual((await iam.send(new ListAccessKeysCommand({ UserName: 'new' }))).AccessKeyMetadata?.map((k) => k.AccessKeyId), [key.AccessKeyId]);
  assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'new' }))).PolicyNames, ['inline']);
  assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'new' }))).AttachedPolicies?.map((p) => p.PolicyName), ['IAMReadOnlyAccess']);
  assert.deepEqual((await iam.send(new ListGroupsForUserCommand({ UserName: 'new' }))).Groups?.map((g) => g.GroupName), ['devs']);
  assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'new' }))).Tags, [{ Key: 'team', Value: 'blue' }]);
  assert.equal((await iam.send(new GetLoginProfileCommand({ UserName: 'new' }))).LoginProfile?.UserName, 'new');
  // The renamed user's key still authenticates, as the new ARN.
  const sts = new STSClient({ ...local.clientConfig(), credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ACCOUNT}:user/staff/new`);
});

test('UpdateGroup renames a group and carries members and policies along', async () => {
  const { UpdateGroupCommand, GetGroupCommand, ListGroupPoliciesCommand, ListAttachedGroupPoliciesCommand, PutGroupPolicyCommand, AttachGroupPolicyCommand } = await import('@aws-sdk/client-iam');
  await iam.send(new CreateGroupCommand({ GroupName: 'before' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'other' }));
  await iam.send(new CreateUserCommand({ UserName: 'member' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'before', UserName: 'member' }));
  await iam.send(new PutGroupPolicyCommand({ GroupName: 'before', PolicyName: 'g', PolicyDocument: DOC }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'before', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
  const clash = await rejection(iam.send(new UpdateGroupCommand({ GroupName: 'before', NewGroupName: 'other' })));
  assert.equal(clash.name, 'EntityAlreadyExistsException');
  assert.equal(clash.message, 'Group with name other already exists.');
  await iam.send(new UpdateGroupCommand({ GroupName: 'before', NewGroupName: 'after', NewPath: '/teams/' }));
  const got = await iam.send(new GetGroupCommand({ GroupName: 'after' }));
  assert.equal(got.Group?.Arn, `arn:aws:iam::${ACCOUNT}:group/teams/after`);
  assert.deepEqual(got.Users?.map((u) => u.UserName), ['member']);
  assert.deepEqual((await iam.send(new ListGroupPoliciesCommand({ GroupName: 'after' }))).PolicyNames, ['g']);
  assert.deepEqual((await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'after' }))).AttachedPolicies?.map((p) => p.PolicyName), ['IAMReadOnlyAccess']);
  assert.equal((await rejection(iam.send(new GetGroupCommand({ GroupName: 'before' })))).name, 'NoSuchEntityException');
});

test('login profiles: password policy, PasswordResetRequired, DeleteUser conflict', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'ann' }));
  assert.equal((await rejection(iam.send(new GetLoginProfileCommand({ UserName: 'ann' })))).message, 'Login Profile for User ann cannot be found.');
  const weak = await rejection(iam.send(new CreateLoginProfileCommand({ UserName: 'ann', Password: 'short' })));
  assert.equal(weak.name, 'PasswordPolicyViolationException');
  assert.equal(weak.message, 'Password does not conform to the account password policy.');
  const created = await iam.send(new CreateLoginProfileCommand({ UserName: 'ann', Password: 'Tr0ub4dor&3xyz', PasswordResetRequired: true }));
  assert.equal(created.LoginProfile?.UserName, 'ann');
  assert.equal(created.LoginProfile?.PasswordResetRequired, true);
  assert.ok(created.LoginProfile?.CreateDate instanceof Date);
  const again = await rejection(iam.send(new CreateLoginProfileCommand({ UserName: 'ann', Password: 'Tr0ub4dor&3xyz' })));
  assert.equal(again.name, 'EntityAlreadyExistsException');
  assert.equal(again.message, 'Login Profile for user ann already exists.');
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 20, RequireSymbols: true }));
  assert.equal((await rejection(iam.send(new UpdateLoginProfileCommand({ UserName: 'ann', Password: 'Tr0ub4dor&3xyz' })))).name, 'PasswordPolicyViolationException');
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'ann', Password: 'correct horse battery staple!', PasswordResetRequired: false }));
  assert.equal((await iam.send(new GetLoginProfileCommand({ UserName: 'ann' }))).LoginProfile?.PasswordResetRequired, false);
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 20, RequireSymbols: true, PasswordReusePrevention: 2 }));
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'ann', Password: 'second horse battery staple!' }));
  const reused = await rejection(iam.send(new UpdateLoginProfileCommand({ UserName: 'ann', Password: 'correct horse battery staple!' })));
  assert.equal(reused.name, 'PasswordPolicyViolationException');
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'ann', Password: 'third horse battery staple!!' }));
  await iam.send(new UpdateLoginProfileCommand({ UserName: 'ann', Password: 'correct horse battery staple!' }));
  const conflict = await rejection(iam.send(new DeleteUserCommand({ UserName: 'ann' })));
  assert.equal(conflict.name, 'DeleteConflictException');
  assert.equal(conflict.message, 'Cannot delete entity, must delete login profile first.');
  await iam.send(new DeleteLoginProfileCommand({ UserName: 'ann' }));
  assert.equal((await rejection(iam.send(new DeleteLoginProfileCommand({ UserName: 'ann' })))).name, 'NoSuchEntityException');
  await iam.send(new DeleteUserCommand({ UserName: 'ann' }));
  assert.equal((await rejection(iam.send(new CreateLoginProfileCommand({ UserName: 'ghost', Password: 'x' })))).name, 'NoSuchEntityException');
});

test('GetAccessKeyLastUsed: N/A until used, then service, region and date; RoleLastUsed in GetRole', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'kim' }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'kim' }))).AccessKey!;
  const never = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }));
  assert.equal(never.UserName, 'kim');
  assert.deepEqual(never.AccessKeyLastUsed, { ServiceName: 'N/A', Region: 'N/A' });
  const sts = new STSClient({ ...local.clientConfig(), region: 'eu-west-1', credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } });
  await sts.send(new GetCallerIdentityCommand({}));
  const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }))).AccessKeyLastUsed!;
  assert.equal(used.ServiceName, 'sts');
  assert.equal(used.Region, 'eu-west-1');
  assert.ok(used.LastUsedDate instanceof Date && Math.abs(used.LastUsedDate.getTime() - Date.now()) < 60_000);
  const unknown = await rejection(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })));
  assert.equal(unknown.name, 'AccessDenied');

  await iam.send(new CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: TRUST }));
  assert.deepEqual((await iam.send(new GetRoleCommand({ RoleName: 'worker' }))).Role?.RoleLastUsed, {});
  await new STSClient(local.clientConfig({ role: 'worker' })).send(new GetCallerIdentityCommand({}));
  const last = (await iam.send(new GetRoleCommand({ RoleName: 'worker' }))).Role?.RoleLastUsed;
  assert.equal(last?.Region, 'us-east-1');
  assert.ok(last?.LastUsedDate instanceof Date);
});

test('instance profiles: one role, tags, listing, DeleteConflict both ways', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST }));
  const created = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-profile', Path: '/apps/', Tags: [{ Key: 'env', Value: 'dev' }] }))).InstanceProfile!;
  assert.equal(created.Arn, `arn:aws:iam::${ACCOUNT}:instance-profile/apps/web-profile`);
  assert.match(created.InstanceProfileId ?? '', /^AIPA[A-Z0-9]{17}$/);
  assert.deepEqual(created.Roles, []);
  const dup = await rejection(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-profile' })));
  assert.equal(dup.name, 'EntityAlreadyExistsException');
  assert.equal(dup.message, 'Instance Profile web-profile already exists.');
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'web' }));
  const full = await rejection(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'other' })));
  assert.equal(full.name, 'LimitExceededException');
  assert.equal(full.message, 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
  const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-profile' }))).InstanceProfile!;
  assert.deepEqual(got.Roles?.map((r) => r.RoleName), ['web']);
  assert.deepEqual(JSON.parse(decodeURIComponent(got.Roles?.[0]?.AssumeRolePolicyDocument ?? '')), JSON.parse(TRUST));
  assert.deepEqual(got.Tags, [{ Key: 'env', Value: 'dev' }]);
  assert.deepEqual((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'web' }))).InstanceProfiles?.map((p) => p.InstanceProfileName), ['web-profile']);
  const conflict = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'web' })));
  assert.equal(conflict.name, 'DeleteConflictException');
  assert.equal(conflict.message, 'Cannot delete entity, must remove roles from instance profile first.');
  assert.equal((await rejection(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web-profile' })))).name, 'DeleteConflictException');

  await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'web-profile', Tags: [{ Key: 'team', Value: 'a' }] }));
  await iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'web-profile', TagKeys: ['env'] }));
  assert.deepEqual((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'web-profile' }))).Tags, [{ Key: 'team', Value: 'a' }]);
  await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'web-profile', Tags: [{ Key: 'z', Value: '1' }] }));
  const tags1 = await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'web-profile', MaxItems: 1 }));
  assert.deepEqual([tags1.Tags, tags1.IsTruncated], [[{ Key: 'team', Value: 'a' }], true]);
  const tags2 = await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'web-profile', MaxItems: 1, Marker: tags1.Marker }));
  assert.deepEqual([tags2.Tags, tags2.IsTruncated], [[{ Key: 'z', Value: '1' }], false]);
  assert.equal((await rejection(iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'web-profile', Marker: 'not-a-marker' })))).name, 'ValidationError');

  for (const n of ['p1', 'p2', 'p3']) await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: n }));
  const first = await iam.send(new ListInstanceProfilesCommand({ MaxItems: 2 }));
  assert.equal(first.IsTruncated, true);
  const rest = await iam.send(new ListInstanceProfilesCommand({ MaxItems: 2, Marker: first.Marker }));
  assert.deepEqual([...first.InstanceProfiles!, ...rest.InstanceProfiles!].map((p) => p.InstanceProfileName), ['p1', 'p2', 'p3', 'web-profile']);
  assert.equal(rest.IsTruncated, false);
  assert.deepEqual((await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/apps/' }))).InstanceProfiles?.map((p) => p.InstanceProfileName), ['web-profile']);

  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'web' }));
  assert.equal((await rejection(iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'web' })))).name, 'NoSuchEntityException');
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web-profile' }));
  await iam.send(new DeleteRoleCommand({ RoleName: 'web' }));
  const missing = await rejection(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-profile' })));
  assert.equal(missing.message, 'Instance Profile web-profile cannot be found.');
  const bad = await rejection(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'bad name!' })));
  assert.equal(bad.name, 'ValidationError');
});

test('UpdateRoleDescription and service-linked roles', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'described', AssumeRolePolicyDocument: TRUST }));
  const updated = await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'described', Description: 'now described' }));
  assert.equal(updated.Role?.Description, 'now described');
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'described' }))).Role?.Description, 'now described');

  const slr = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', Description: 'ASG' }))).Role!;
  assert.equal(slr.RoleName, 'AWSServiceRoleForAutoScaling');
  assert.equal(slr.Path, '/aws-service-role/autoscaling.amazonaws.com/');
  assert.equal(slr.Arn, `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`);
  const trust = JSON.parse(decodeURIComponent(slr.AssumeRolePolicyDocument ?? '')) as { Statement: { Principal: { Service: string[] } }[] };
  assert.deepEqual(trust.Statement[0]?.Principal.Service, ['autoscaling.amazonaws.com']);
  const suffixed = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'fleet' }))).Role!;
  assert.equal(suffixed.RoleName, 'AWSServiceRoleForAutoScaling_fleet');
  const taken = await rejection(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com' })));
  assert.equal(taken.name, 'InvalidInputException');
  assert.equal(taken.message, 'Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix.');
  const protectedRole = await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' })));
  assert.equal(protectedRole.name, 'UnmodifiableEntityException');
  assert.equal(protectedRole.message, "Cannot perform the operation on the protected role 'AWSServiceRoleForAutoScaling' - this role is only modifiable by AWS");
  // Their description stays editable (Terraform's aws_iam_service_linked_role updates it this way).
  await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'AWSServiceRoleForAutoScaling', Description: 'edited' }));
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).Role?.Description, 'edited');
  const task = (await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' }))).DeletionTaskId!;
  assert.match(task, /^task\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling\/[0-9a-f-]{36}$/);
  assert.equal((await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task }))).Status, 'SUCCEEDED');
  assert.equal((await rejection(iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForAutoScaling' })))).name, 'NoSuchEntityException');
  assert.equal((await rejection(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'described' })))).name, 'InvalidInputException');

  // Names, suffix rules and default descriptions as AWS answered CreateServiceLinkedRole/GetRole per service
  // (recorded in LocalStack's AWS-validated test_iam.py test_service_role_lifecycle; see service-linked-roles.ts).
  const named: [string, string][] = [
    ['acm.amazonaws.com', 'CertificateManager'], ['appmesh.amazonaws.com', 'AppMesh'], ['autoscaling-plans.amazonaws.com', 'AutoScalingPlans_EC2AutoScaling'],
    ['dms.amazonaws.com', 'DMSServerless'], ['ecr.amazonaws.com', 'ECRTemplate'], ['email.cognito-idp.amazonaws.com', 'AmazonCognitoIdpEmailService'],
  ];
  for (const [service, name] of named) {
    assert.equal((await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: service }))).Role?.RoleName, `AWSServiceRoleFor${name}`, service);
  }
  const ssm = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ssm.amazonaws.com' }))).Role!;
  assert.deepEqual([ssm.RoleName, ssm.Description], ['AWSServiceRoleForAmazonSSM', 'Provides access to AWS Resources managed or used by Amazon SSM.']);
  const noSuffix = await rejection(iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'batch.amazonaws.com', CustomSuffix: 'x' })));
  assert.deepEqual([noSuffix.name, noSuffix.message], ['InvalidInputException', 'Custom suffix is not allowed for batch.amazonaws.com']);
  assert.equal((await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'lexv2.amazonaws.com', CustomSuffix: 'bot1' }))).Role?.RoleName, 'AWSServiceRoleForLexV2Bots_bot1');
});

test('OIDC providers: create, client ids, thumbprints, tags, list, delete; the store API for web identity', async () => {
  const created = await iam.send(new CreateOpenIDConnectProviderCommand({
    Url: 'https://token.actions.githubusercontent.com', ClientIDList: ['sts.amazonaws.com'], ThumbprintList: [THUMB], Tags: [{ Key: 'ci', Value: 'gha' }],
  }));
  const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
  assert.equal(created.OpenIDConnectProviderArn, arn);
  assert.deepEqual(created.Tags, [{ Key: 'ci', Value: 'gha' }]);
  const dup = await rejection(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://token.actions.githubusercontent.com', ThumbprintList: [THUMB] })));
  assert.equal(dup.name, 'EntityAlreadyExistsException');
  // Not https: the same refusal AWS gives a URL with no scheme (recorded: ValidationError, "Invalid Open ID Connect Provider URL").
  assert.equal((await rejection(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://insecure.example.com' })))).name, 'ValidationError');
  await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'my-app' }));
  await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'my-app' }));
  await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: 'sts.amazonaws.com' }));
  await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: ['A'.repeat(40)] }));
  const got = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  assert.equal(got.Url, 'token.actions.githubusercontent.com');
  assert.deepEqual(got.ClientIDList, ['my-app']);
  assert.deepEqual(got.ThumbprintList, ['a'.repeat(40)]);
  assert.ok(got.CreateDate instanceof Date);
  await iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'owner', Value: 'me' }] }));
  await iam.send(new UntagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, TagKeys: ['ci'] }));
  assert.deepEqual((await iam.send(new ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: arn }))).Tags, [{ Key: 'owner', Value: 'me' }]);
  assert.deepEqual((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList, [{ Arn: arn }]);

  const provider = oidcProvider(local.ctx.db, ACCOUNT, 'https://token.actions.githubusercontent.com/');
  assert.deepEqual(provider && { url: provider.url, clientIds: provider.clientIds, thumbprints: provider.thumbprints, arn: provider.arn },
    { url: 'token.actions.githubusercontent.com', clientIds: ['my-app'], thumbprints: ['a'.repeat(40)], arn });

  await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  const gone = await rejection(iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
  assert.equal(gone.name, 'NoSuchEntityException');
  assert.equal(gone.message, `OpenIDConnect Provider not found for arn ${arn}`);
  const badThumb = await rejection(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://x.example.com', ThumbprintList: ['z'.repeat(40)] })));
  assert.equal(badThumb.name, 'InvalidInputException');
});

test('policy tags, ListEntitiesForPolicy and ListPolicies filters', async () => {
  const created = (await iam.send(new CreatePolicyCommand({ PolicyName: 'shared', Path: '/team/', PolicyDocument: DOC, Tags: [{ Key: 'a', Value: '0' }] }))).Policy!;
  assert.deepEqual(created.Tags, [{ Key: 'a', Value: '0' }]);
  const arn = created.Arn!;
  await iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
  await iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ['a'] }));
  assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags, [{ Key: 'b', Value: '2' }]);
  assert.deepEqual((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.Tags, [{ Key: 'b', Value: '2' }]);
  assert.equal((await rejection(iam.send(new TagPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', Tags: [{ Key: 'a', Value: '1' }] })))).name, 'AccessDenied');
  assert.equal((await rejection(iam.send(new ListPolicyTagsCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nope` })))).name, 'NoSuchEntityException');

  await iam.send(new CreateUserCommand({ UserName: 'u1' }));
  await iam.send(new CreateUserCommand({ UserName: 'u2', Path: '/ops/' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateGroupCommand({ GroupName: 'g1' }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'u1', PolicyArn: arn }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'u2', PolicyArn: arn }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'r1', PolicyArn: arn }));
  const { AttachGroupPolicyCommand } = await import('@aws-sdk/client-iam');
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'g1', PolicyArn: arn }));
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: arn }));

  const all = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
  assert.deepEqual(all.PolicyGroups?.map((g) => g.GroupName), ['g1']);
  assert.deepEqual(all.PolicyUsers?.map((u) => u.UserName), ['u1', 'u2']);
  assert.deepEqual(all.PolicyRoles?.map((r) => r.RoleName), ['bounded', 'r1']);
  assert.match(all.PolicyUsers?.[0]?.UserId ?? '', /^AIDA/);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Role', PolicyUsageFilter: 'PermissionsPolicy' }))).PolicyRoles?.map((r) => r.RoleName), ['r1']);
  assert.deepEqual((await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsBoundary' }))).PolicyRoles?.map((r) => r.RoleName), ['bounded']);
  const users = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'User', PathPrefix: '/ops/' }));
  assert.deepEqual(users.PolicyUsers?.map((u) => u.UserName), ['u2']);
  assert.deepEqual(users.PolicyRoles, []);
  const paged1 = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 2 }));
  assert.equal(paged1.IsTruncated, true);
  const paged2 = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, MaxItems: 10, Marker: paged1.Marker }));
  assert.equal([...paged1.PolicyGroups!, ...paged1.PolicyUsers!, ...paged1.PolicyRoles!, ...paged2.PolicyGroups!, ...paged2.PolicyUsers!, ...paged2.PolicyRoles!].length, 5);
  const bad = await rejection(iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'Bogus' as 'User' })));
  assert.equal(bad.name, 'ValidationError');

  const listed = await iam.send(new ListPoliciesCommand({ Scope: 'Local', OnlyAttached: true, PathPrefix: '/team/' }));
  assert.deepEqual(listed.Policies?.map((p) => [p.PolicyName, p.AttachmentCount, p.PermissionsBoundaryUsageCount]), [['shared', 4, 1]]);
  assert.deepEqual((await iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/other/' }))).Policies, []);
  const boundaries = await iam.send(new ListPoliciesCommand({ OnlyAttached: true, PolicyUsageFilter: 'PermissionsBoundary' }));
  assert.deepEqual(boundaries.Policies?.map((p) => p.PolicyName), ['shared']);
  const awsOnes = (await iam.send(new ListPoliciesCommand({ Scope: 'AWS' }))).Policies!.map((p) => p.PolicyName);
  for (const name of ['ReadOnlyAccess', 'IAMReadOnlyAccess', 'IAMFullAccess', 'AmazonEC2ReadOnlyAccess']) assert.ok(awsOnes.includes(name), name);
});

test('account alias, password policy and GetAccountSummary', async () => {
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'my-company' }));
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'my-company' }));
  assert.equal((await rejection(iam.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad_Alias' })))).name, 'ValidationError');
  assert.equal((await rejection(iam.send(new CreateAccountAliasCommand({ AccountAlias: '-bad' })))).name, 'ValidationError');
  // One alias per account: a new one overwrites the old one.
  await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'renamed-company' }));
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, ['renamed-company']);
  const gone = await rejection(iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'my-company' })));
  assert.equal(gone.name, 'NoSuchEntityException');
  assert.equal(gone.message, 'The account alias my-company cannot be found.');
  // Aliases are unique across accounts.
  local.ctx.iam.insertAccount({ account_id: '210987654321', canonical_id: 'c'.repeat(64), display_name: 'other', created_at: '2020-01-01T00:00:00Z' });
  const { iamEntities } = await import('../../server/src/store/iam-entities-store.ts');
  iamEntities(local.ctx.db).putAccountAlias('210987654321', 'taken-alias');
  const taken = await rejection(iam.send(new CreateAccountAliasCommand({ AccountAlias: 'taken-alias' })));
  assert.equal(taken.name, 'EntityAlreadyExistsException');
  await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'renamed-company' }));
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);

  const none = await rejection(iam.send(new GetAccountPasswordPolicyCommand({})));
  assert.equal(none.name, 'NoSuchEntityException');
  assert.equal(none.message, `The Password Policy with domain name ${ACCOUNT} cannot be found.`);
  await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12, RequireNumbers: true, MaxPasswordAge: 90, PasswordReusePrevention: 5 }));
  assert.deepEqual((await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy, {
    MinimumPasswordLength: 12, RequireSymbols: false, RequireNumbers: true, RequireUppercaseCharacters: false, RequireLowercaseCharacters: false,
    AllowUsersToChangePassword: false, ExpirePasswords: true, MaxPasswordAge: 90, PasswordReusePrevention: 5,
  });
  assert.equal((await rejection(iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 2 })))).name, 'ValidationError');
  await iam.send(new DeleteAccountPasswordPolicyCommand({}));
  assert.equal((await rejection(iam.send(new DeleteAccountPasswordPolicyCommand({})))).name, 'NoSuchEntityException');

  await iam.send(new CreateUserCommand({ UserName: 'one' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ip' }));
  await iam.send(new CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: DOC }));
  const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
  assert.equal(summary.Users, 1);
  assert.equal(summary.Roles, 1);
  assert.equal(summary.InstanceProfiles, 1);
  assert.equal(summary.Policies, 1);
  assert.equal(summary.UsersQuota, 5000);
  assert.equal(summary.PolicySizeQuota, 6144);
  assert.equal(summary.AccountAccessKeysPresent, 1);
});

test('GetAccountAuthorizationDetails: filters, pages and full details', async () => {
  const policyArn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'detail', PolicyDocument: DOC }))).Policy!.Arn!;
  await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: DOC, SetAsDefault: true }));
  await iam.send(new CreateUserCommand({ UserName: 'dave', Tags: [{ Key: 'k', Value: 'v' }], PermissionsBoundary: policyArn }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'mine', PolicyDocument: DOC }));
  await iam.send(new CreateGroupCommand({ GroupName: 'staff' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'staff', UserName: 'dave' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: TRUST }));
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'app', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'app-ip' }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'app-ip', RoleName: 'app' }));

  const all = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
  const dave = all.UserDetailList?.find((u) => u.UserName === 'dave');
  assert.deepEqual(dave?.GroupList, ['staff']);
  assert.equal(dave?.UserPolicyList?.[0]?.PolicyName, 'mine');
  assert.deepEqual(JSON.parse(decodeURIComponent(dave?.UserPolicyList?.[0]?.PolicyDocument ?? '')), JSON.parse(DOC));
  assert.equal(dave?.PermissionsBoundary?.PermissionsBoundaryArn, policyArn);
  assert.deepEqual(dave?.Tags, [{ Key: 'k', Value: 'v' }]);
  assert.deepEqual(all.GroupDetailList?.map((g) => g.GroupName), ['staff']);
  const app = all.RoleDetailList?.find((r) => r.RoleName === 'app');
  assert.deepEqual(app?.InstanceProfileList?.map((p) => p.InstanceProfileName), ['app-ip']);
  assert.deepEqual(app?.AttachedManagedPolicies, [{ PolicyName: 'ReadOnlyAccess', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }]);
  assert.deepEqual(app?.RoleLastUsed, {});
  const detail = all.Policies?.find((p) => p.Arn === policyArn);
  assert.deepEqual(detail?.PolicyVersionList?.map((v) => [v.VersionId, v.IsDefaultVersion]), [['v2', true], ['v1', false]]);
  assert.equal(detail?.PermissionsBoundaryUsageCount, 1);
  assert.ok(all.Policies?.some((p) => p.Arn === 'arn:aws:iam::aws:policy/ReadOnlyAccess'), 'attached AWS managed policy included');
  assert.ok(!all.Policies?.some((p) => p.Arn === 'arn:aws:iam::aws:policy/IAMFullAccess'), 'unused AWS managed policies left out');

  const roles = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
  assert.deepEqual(roles.UserDetailList, []);
  assert.deepEqual(roles.Policies, []);
  assert.deepEqual(roles.RoleDetailList?.map((r) => r.RoleName), ['app']);
  const local0 = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }));
  assert.deepEqual(local0.Policies?.map((p) => p.PolicyName), ['detail']);

  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1, Marker: marker }));
    seen.push(...(page.UserDetailList ?? []).map((u) => `user:${u.UserName}`), ...(page.GroupDetailList ?? []).map((g) => `group:${g.GroupName}`),
      ...(page.RoleDetailList ?? []).map((r) => `role:${r.RoleName}`), ...(page.Policies ?? []).map((p) => `policy:${p.PolicyName}`));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  assert.deepEqual(seen, ['user:dave', 'group:staff', 'role:app', 'policy:detail', 'policy:ReadOnlyAccess']);
  assert.equal((await rejection(iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Nope' as 'User'] })))).name, 'ValidationError');
});

test('new operations are authorized like the others: actions and resource ARNs', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'limited' }));
  await iam.send(new PutUserPolicyCommand({
    UserName: 'limited', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: ['iam:GetInstanceProfile', 'iam:CreateInstanceProfile'], Resource: `arn:aws:iam::${ACCOUNT}:instance-profile/allowed-*` },
      { Effect: 'Allow', Action: 'iam:GetAccountSummary', Resource: '*' },
    ] }),
  }));
  const limited = new IAMClient(local.clientConfig({ user: 'limited' }));
  await limited.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'allowed-1' }));
  const denied = await rejection(limited.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'other' })));
  assert.equal(denied.name, 'AccessDenied');
  assert.equal(denied.message, `User: arn:aws:iam::${ACCOUNT}:user/limited is not authorized to perform: iam:CreateInstanceProfile on resource: arn:aws:iam::${ACCOUNT}:instance-profile/other because no identity-based policy allows the iam:CreateInstanceProfile action`);
  await limited.send(new GetAccountSummaryCommand({}));
  const alias = await rejection(limited.send(new CreateAccountAliasCommand({ AccountAlias: 'nope-alias' })));
  assert.match(alias.message, /iam:CreateAccountAlias on resource: \*/);
  const oidc = await rejection(limited.send(new CreateOpenIDConnectProviderCommand({ Url: 'https://issuer.example.com' })));
  assert.match(oidc.message, new RegExp(`iam:CreateOpenIDConnectProvider on resource: arn:aws:iam::${ACCOUNT}:oidc-provider/issuer.example.com`));
});

test('fixtures: instance profiles, OIDC providers, alias and password policy load, export and round-trip', async () => {
  const { applyFixtures, FixtureError } = await import('../../server/src/store/fixtures.ts');
  const { exportState } = await import('../../server/src/store/state.ts');
  applyFixtures(local.ctx, {
    accounts: [{ id: ACCOUNT, alias: 'fixture-co', passwordPolicy: { minimumPasswordLength: 14, requireSymbols: true, maxPasswordAge: 30 } }],
    roles: [{ name: 'ec2-app', trustPolicy: JSON.parse(TRUST) as object }],
    instanceProfiles: [{ name: 'ec2-app', path: '/svc/', roles: ['ec2-app'], tags: { env: 'test' } }],
    oidcProviders: [{ url: 'https://token.actions.githubusercontent.com', clientIds: ['sts.amazonaws.com'], thumbprints: [THUMB] }],
  }, 'inline fixture');
  assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, ['fixture-co']);
  const policy = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
  assert.equal(policy?.MinimumPasswordLength, 14);
  assert.equal(policy?.ExpirePasswords, true);
  const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ec2-app' }))).InstanceProfile;
  assert.deepEqual(profile?.Roles?.map((r) => r.RoleName), ['ec2-app']);
  assert.equal(profile?.Arn, `arn:aws:iam::${ACCOUNT}:instance-profile/svc/ec2-app`);
  assert.deepEqual(oidcProvider(local.ctx.db, ACCOUNT, 'token.actions.githubusercontent.com')?.clientIds, ['sts.amazonaws.com']);

  const exported = JSON.parse(JSON.stringify(exportState(local.ctx))) as Record<string, unknown>;
  local.reset('empty');
  assert.equal((await rejection(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ec2-app' })))).name, 'NoSuchEntityException');
  applyFixtures(local.ctx, exported, 'exported state');
  assert.deepEqual(JSON.parse(JSON.stringify(exportState(local.ctx))), exported);

  assert.throws(() => applyFixtures(local.ctx, { instanceProfiles: [{ name: 'x', roles: ['nobody'] }] }, 'bad'), (e: unknown) =>
    e instanceof FixtureError && e.message === 'bad: instanceProfiles[0].roles[0]: no role nobody');
  assert.throws(() => applyFixtures(local.ctx, { accounts: [{ id: ACCOUNT, alias: 'Bad_Alias' }] }, 'bad'), FixtureError);
  assert.throws(() => applyFixtures(local.ctx, { oidcProviders: [{ url: 'https://x.example.com', thumbprints: ['xyz'] }] }, 'bad'), FixtureError);
});

test('a new user\'s credential listings are empty, for clean-up code such as Terraform force_destroy', async () => {
  const m = await import('@aws-sdk/client-iam');
  await iam.send(new CreateUserCommand({ UserName: 'plain' }));
  assert.deepEqual((await iam.send(new m.ListMFADevicesCommand({ UserName: 'plain' }))).MFADevices, []);
  assert.deepEqual((await iam.send(new m.ListSSHPublicKeysCommand({ UserName: 'plain' }))).SSHPublicKeys, []);
  assert.deepEqual((await iam.send(new m.ListSigningCertificatesCommand({ UserName: 'plain' }))).Certificates, []);
  assert.deepEqual((await iam.send(new m.ListServiceSpecificCredentialsCommand({ UserName: 'plain' }))).ServiceSpecificCredentials, []);
  assert.deepEqual((await iam.send(new m.ListVirtualMFADevicesCommand({}))).VirtualMFADevices, []);
  assert.deepEqual((await iam.send(new m.ListServerCertificatesCommand({}))).ServerCertificateMetadataList, []);
  assert.equal((await rejection(iam.send(new m.ListMFADevicesCommand({ UserName: 'ghost' })))).name, 'NoSuchEntityException');
});

// Error texts as AWS answered them (recorded in LocalStack's AWS-validated IAM suite: test_iam_roles
// test_role_permissions_boundary_errors, test_iam_oidc, test_iam_instance_profiles, test_iam_account_password_policy).
test('missing or malformed targets: the texts AWS answers for boundaries, OIDC providers, instance profiles, password policy', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'texts', AssumeRolePolicyDocument: TRUST }));
  const notPolicy = await rejection(iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'texts', PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:not_a_policy/invalid` })));
  assert.deepEqual([notPolicy.name, notPolicy.message], ['InvalidInputException', `ARN arn:aws:iam::${ACCOUNT}:not_a_policy/invalid is not valid.`]);
  const missing = await rejection(iam.send(new CreateRoleCommand({ RoleName: 'texts2', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy` })));
  assert.deepEqual([missing.name, missing.message], ['NoSuchEntityException', `Scope ARN: arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy does not exist or is not attachable.`]);
  const badUrl = await rejection(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'example.org', ThumbprintList: ['a'.repeat(40)] })));
  assert.deepEqual([badUrl.name, badUrl.message], ['ValidationError', 'Invalid Open ID Connect Provider URL']);
  const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/gone.example.com`;
  const gone = await rejection(iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
  assert.deepEqual([gone.name, gone.message], ['NoSuchEntityException', `OpenId connect Provider ${arn} cannot be found.`]);
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'texts-profile' }));
  const unattached = await rejection(iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'texts-profile', RoleName: 'texts' })));
  assert.deepEqual([unattached.name, unattached.message], ['NoSuchEntityException', 'Role texts in Instance Profile texts-profile cannot be found.']);
  const noPolicy = await rejection(iam.send(new DeleteAccountPasswordPolicyCommand({})));
  assert.deepEqual([noPolicy.name, noPolicy.message], ['NoSuchEntityException', 'The account policy with name PasswordPolicy cannot be found.']);
  const { RemoveUserFromGroupCommand } = await import('@aws-sdk/client-iam');
  const neither = await rejection(iam.send(new RemoveUserFromGroupCommand({ GroupName: 'non-existent-group', UserName: 'any-user' })));
  assert.deepEqual([neither.name, neither.message], ['NoSuchEntityException', 'The user with name any-user cannot be found.']);
  const serial = `arn:aws:iam::${ACCOUNT}:mfa/nonexistent-device`;
  const noDevice = await rejection(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: serial })));
  assert.deepEqual([noDevice.name, noDevice.message], ['NoSuchEntityException', `MFA Device with serial number ${serial} does not exist.`]);
  await iam.send(new CreateUserCommand({ UserName: 'texts-user' }));
  const notEnabled = await rejection(iam.send(new DeactivateMFADeviceCommand({ UserName: 'texts-user', SerialNumber: serial })));
  assert.deepEqual([notEnabled.name, notEnabled.message], ['NoSuchEntityException', `MFA Device with serial number ${serial} does not exist.`]);
});
