// AWS Organizations with the AWS SDK for JavaScript v3: the API (organizations, OUs, accounts, SCPs and RCPs) and the
// guardrails it sets on real calls. AWS references: Organizations API Reference (each operation's errors), Organizations
// User Guide "Service control policies (SCPs)", "Resource control policies (RCPs)", "SCP evaluation", "Managing the
// AWS accounts in your organization"; IAM User Guide "Access denied error messages" for the SCP/RCP texts.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AttachUserPolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, ListOrganizationsFeaturesCommand, PutUserPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand, CreateAccountCommand, CreateOrganizationalUnitCommand, CreateOrganizationCommand, CreatePolicyCommand, DeleteOrganizationalUnitCommand,
  DeleteOrganizationCommand, DescribeOrganizationalUnitCommand, ListCreateAccountStatusCommand, UpdateOrganizationalUnitCommand,
  DeletePolicyCommand, DescribeAccountCommand, DescribeCreateAccountStatusCommand, DescribeOrganizationCommand, DescribePolicyCommand, DetachPolicyCommand,
  DisablePolicyTypeCommand, EnablePolicyTypeCommand, ListAccountsCommand, ListAccountsForParentCommand, ListChildrenCommand, ListOrganizationalUnitsForParentCommand,
  ListParentsCommand, ListPoliciesCommand, ListPoliciesForTargetCommand, ListRootsCommand, ListTargetsForPolicyCommand, MoveAccountCommand, OrganizationsClient,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { rejection } from './support.ts';

const MANAGEMENT = '123456789012';
const DEV = '111111111111';
const FIXTURE = 'db/fixtures/organization-guardrails.yaml';

let local: Iamlocal;
before(async () => {
  local = await startIamlocal({ listen: false, fixtures: [FIXTURE] });
});
after(async () => local.stop());

const keys = (accessKeyId: string, secretAccessKey: string, region = 'us-east-1'): ReturnType<Iamlocal['clientConfig']> =>
  ({ ...local.clientConfig(), region, credentials: { accessKeyId, secretAccessKey } });
const orgClient = (config = local.clientConfig()): OrganizationsClient => new OrganizationsClient(config);
const denyScp = (actions: string[]): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }] });

describe('the Organizations API', () => {
  beforeEach(() => local.reset('empty'));

  test('an organization: created by its management account, described, with a root and the FullAWSAccess SCP', async () => {
    const org = orgClient();
    // API Reference, DescribeOrganization: AWSOrganizationsNotInUseException for an account in no organization.
    const none = await rejection(org.send(new DescribeOrganizationCommand({})));
    assert.deepEqual([none.name, none.message], ['AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.']);
    const created = (await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;
    assert.match(created.Id!, /^o-[a-z0-9]{10}$/);
    assert.equal(created.MasterAccountId, MANAGEMENT);
    assert.equal(created.Arn, `arn:aws:organizations::${MANAGEMENT}:organization/${created.Id}`);
    assert.equal((await rejection(org.send(new CreateOrganizationCommand({})))).name, 'AlreadyInOrganizationException');
    const root = (await org.send(new ListRootsCommand({}))).Roots![0]!;
    assert.match(root.Id!, /^r-[0-9a-z]{4}$/);
    assert.equal(root.Arn, `arn:aws:organizations::${MANAGEMENT}:root/${created.Id}/${root.Id}`);
    assert.deepEqual(root.PolicyTypes, []);
    // Policies of a type not enabled cannot be attached (the text as the Organizations User Guide's CloudTrail example quotes it).
    const policy = (await org.send(new CreatePolicyCommand({ Name: 'deny-s3', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: denyScp(['s3:*']) }))).Policy!;
    const notEnabled = await rejection(org.send(new AttachPolicyCommand({ PolicyId: policy.PolicySummary!.Id!, TargetId: root.Id! })));
    assert.deepEqual([notEnabled.name, notEnabled.message], ['PolicyTypeNotEnabledException', 'The given policy type ServiceControlPolicy is not enabled on the current view']);
    const enabled = (await org.send(new EnablePolicyTypeCommand({ RootId: root.Id!, PolicyType: 'SERVICE_CONTROL_POLICY' }))).Root!;
    assert.deepEqual(enabled.PolicyTypes, [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }]);
    assert.equal((await rejection(org.send(new EnablePolicyTypeCommand({ RootId: root.Id!, PolicyType: 'SERVICE_CONTROL_POLICY' })))).name, 'PolicyTypeAlreadyEnabledException');
    // Enabling SCPs attaches FullAWSAccess to the root (SCP User Guide: "AWS Organizations attaches FullAWSAccess ...").
    const onRoot = (await org.send(new ListPoliciesForTargetCommand({ TargetId: root.Id!, Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!;
    assert.deepEqual(onRoot.map((p) => [p.Id, p.Name, p.AwsManaged, p.Arn]), [['p-FullAWSAccess', 'FullAWSAccess', true, 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess']]);
    // An organization with no member account can be deleted (API Reference, DeleteOrganization).
    await org.send(new DeleteOrganizationCommand({}));
    assert.equal((await rejection(org.send(new DescribeOrganizationCommand({})))).name, 'AWSOrganizationsNotInUseException');
  });

  test('OUs, accounts, moves and listings, with AWS exceptions', async () => {
    const org = orgClient();
    await org.send(new CreateOrganizationCommand({}));
    const root = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    await org.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Workloads' }))).OrganizationalUnit!;
    assert.match(ou.Id!, new RegExp(`^ou-${root.slice(2)}-[a-z0-9]{8}$`));
    assert.equal((await rejection(org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Workloads' })))).name, 'DuplicateOrganizationalUnitException');
    const nested = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: ou.Id!, Name: 'Prod' }))).OrganizationalUnit!;
    // CreateAccount completes at once here; the status says SUCCEEDED with the new account's id.
    const status = (await org.send(new CreateAccountCommand({ Email: 'dev@example.com', AccountName: 'dev' }))).CreateAccountStatus!;
    assert.equal(status.State, 'SUCCEEDED');
    assert.match(status.Id!, /^car-[a-z0-9]{8,32}$/);
    const account = status.AccountId!;
    assert.match(account, /^\d{12}$/);
    assert.equal((await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: status.Id! }))).CreateAccountStatus!.AccountId, account);
    const described = (await org.send(new DescribeAccountCommand({ AccountId: account }))).Account!;
    assert.deepEqual([described.Name, described.Email, described.JoinedMethod, described.Status], ['dev', 'dev@example.com', 'CREATED', 'ACTIVE']);
    // New accounts get FullAWSAccess directly, as AWS attaches it.
    assert.deepEqual((await org.send(new ListPoliciesForTargetCommand({ TargetId: account, Filter: 'SERVICE_CONTROL_POLICY' }))).Policies!.map((p) => p.Id), ['p-FullAWSAccess']);
    const wrongSource = await rejection(org.send(new MoveAccountCommand({ AccountId: account, SourceParentId: nested.Id!, DestinationParentId: ou.Id! })));
    assert.equal(wrongSource.name, 'SourceParentNotFoundException');
    await org.send(new MoveAccountCommand({ AccountId: account, SourceParentId: root, DestinationParentId: nested.Id! }));
    assert.deepEqual((await org.send(new ListParentsCommand({ ChildId: account }))).Parents, [{ Id: nested.Id, Type: 'ORGANIZATIONAL_UNIT' }]);
    assert.deepEqual((await org.send(new ListChildrenCommand({ ParentId: ou.Id!, ChildType: 'ORGANIZATIONAL_UNIT' }))).Children, [{ Id: nested.Id, Type: 'ORGANIZATIONAL_UNIT' }]);
    assert.deepEqual((await org.send(new ListAccountsForParentCommand({ ParentId: nested.Id! }))).Accounts!.map((a) => a.Id), [account]);
    assert.deepEqual((await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root }))).OrganizationalUnits!.map((u) => u.Name), ['Workloads']);
    const nonEmpty = await rejection(org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: ou.Id! })));
    assert.equal(nonEmpty.name, 'OrganizationalUnitNotEmptyException');
    const spare = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Spare' }))).OrganizationalUnit!;
    await org.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: spare.Id!, Name: 'Renamed' }));
    assert.equal((await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: spare.Id! }))).OrganizationalUnit!.Name, 'Renamed');
    await org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: spare.Id! }));
    assert.equal((await rejection(org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: spare.Id! })))).name, 'OrganizationalUnitNotFoundException');
    assert.deepEqual((await org.send(new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'] }))).CreateAccountStatuses!.map((c) => c.AccountId), [account]);
    assert.equal((await rejection(org.send(new DeleteOrganizationCommand({})))).name, 'OrganizationNotEmptyException');
    const missing = await rejection(org.send(new DescribeAccountCommand({ AccountId: '999999999999' })));
    assert.equal(missing.name, 'AccountNotFoundException');
    // Pagination: MaxResults and NextToken.
    const first = await org.send(new ListAccountsCommand({ MaxResults: 1 }));
    assert.equal(first.Accounts!.length, 1);
    const second = await org.send(new ListAccountsCommand({ MaxResults: 1, NextToken: first.NextToken }));
    assert.deepEqual([...first.Accounts!, ...second.Accounts!].map((a) => a.Id).sort(), [account, MANAGEMENT].sort());
    assert.equal(second.NextToken, undefined);
    // The management account reaches the new account through OrganizationAccountAccessRole.
    const iam = new IAMClient(local.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: 'admin' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const assumed = await new STSClient(local.clientConfig({ user: 'admin' })).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: 'admin' }));
    assert.equal(assumed.AssumedRoleUser!.Arn, `arn:aws:sts::${account}:assumed-role/OrganizationAccountAccessRole/admin`);
    // A member account may describe its organization but not manage it (API Reference: management account only).
    const member = orgClient({ ...local.clientConfig(), credentials: { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! } });
    assert.equal((await member.send(new DescribeOrganizationCommand({}))).Organization!.MasterAccountId, MANAGEMENT);
    const denied = await rejection(member.send(new ListAccountsCommand({})));
    assert.deepEqual([denied.name, denied.message], ['AccessDeniedException', "You don't have permissions to access this resource."]);
  });

  test('policies: validation, updates, attachment rules', async () => {
    const org = orgClient();
    await org.send(new CreateOrganizationCommand({}));
    const root = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    await org.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    await org.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'RESOURCE_CONTROL_POLICY' }));
    // An SCP names no Principal (SCP syntax); the API answers MalformedPolicyDocumentException.
    const withPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }] });
    const malformed = await rejection(org.send(new CreatePolicyCommand({ Name: 'bad', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: withPrincipal })));
    assert.equal(malformed.name, 'MalformedPolicyDocumentException');
    // SCPs and RCPs are at most 5,120 characters (Organizations quotas): ConstraintViolationException.
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: Array.from({ length: 400 }, (_, i) => `s3:Action${i}`), Resource: '*' }] });
    const tooBig = await rejection(org.send(new CreatePolicyCommand({ Name: 'big', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: big })));
    assert.equal(tooBig.name, 'ConstraintViolationException');
    const scp = (await org.send(new CreatePolicyCommand({ Name: 'deny-s3', Description: 'no S3', Type: 'SERVICE_CONTROL_POLICY', Content: denyScp(['s3:*']) }))).Policy!.PolicySummary!;
    assert.match(scp.Id!, /^p-[0-9a-z]{8}$/);
    assert.equal((await rejection(org.send(new CreatePolicyCommand({ Name: 'deny-s3', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: denyScp(['s3:*']) })))).name, 'DuplicatePolicyException');
    await org.send(new UpdatePolicyCommand({ PolicyId: scp.Id!, Content: denyScp(['s3:DeleteBucket']) }));
    assert.equal((await org.send(new DescribePolicyCommand({ PolicyId: scp.Id! }))).Policy!.Content, denyScp(['s3:DeleteBucket']));
    const immutable = await rejection(org.send(new UpdatePolicyCommand({ PolicyId: 'p-FullAWSAccess', Name: 'x' })));
    assert.equal(immutable.name, 'InvalidInputException');
    await org.send(new AttachPolicyCommand({ PolicyId: scp.Id!, TargetId: root }));
    assert.equal((await rejection(org.send(new AttachPolicyCommand({ PolicyId: scp.Id!, TargetId: root })))).name, 'DuplicatePolicyAttachmentException');
    assert.deepEqual((await org.send(new ListTargetsForPolicyCommand({ PolicyId: scp.Id! }))).Targets!.map((t) => [t.TargetId, t.Type, t.Name]), [[root, 'ROOT', 'Root']]);
    assert.equal((await rejection(org.send(new DeletePolicyCommand({ PolicyId: scp.Id! })))).name, 'PolicyInUseException');
    assert.equal((await rejection(org.send(new AttachPolicyCommand({ PolicyId: scp.Id!, TargetId: 'ou-abcd-12345678' })))).name, 'TargetNotFoundException');
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: root }));
    // The last SCP of a target stays (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED); RCPFullAWSAccess never detaches.
    const last = await rejection(org.send(new DetachPolicyCommand({ PolicyId: scp.Id!, TargetId: root })));
    assert.equal(last.name, 'ConstraintViolationException');
    assert.equal((await rejection(org.send(new DetachPolicyCommand({ PolicyId: 'p-RCPFullAWSAccess', TargetId: root })))).name, 'InvalidInputException');
    const listed = (await org.send(new ListPoliciesCommand({ Filter: 'RESOURCE_CONTROL_POLICY' }))).Policies!;
    assert.deepEqual(listed.map((p) => p.Name), ['RCPFullAWSAccess']);
    // Disabling a type detaches its policies.
    await org.send(new DisablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    assert.deepEqual((await org.send(new ListTargetsForPolicyCommand({ PolicyId: scp.Id! }))).Targets, []);
    await org.send(new DeletePolicyCommand({ PolicyId: scp.Id! }));
  });

  test('organizations:* is authorized like any action: an identity policy that does not allow it is refused, with Organizations\' one AccessDenied text', async () => {
    const iam = new IAMClient(local.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'organizations:Describe*', Resource: '*' }] }) }));
    // CreateOrganization needs iam:CreateServiceLinkedRole too (API Reference, CreateOrganization).
    await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'create', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'organizations:CreateOrganization', Resource: '*' }] }) }));
    const dependency = await rejection(orgClient(local.clientConfig({ user: 'reader' })).send(new CreateOrganizationCommand({})));
    assert.equal(dependency.name, 'AccessDeniedForDependencyException');
    await orgClient().send(new CreateOrganizationCommand({}));
    const denied = await rejection(orgClient(local.clientConfig({ user: 'reader' })).send(new ListRootsCommand({})));
    assert.deepEqual([denied.name, denied.message], ['AccessDeniedException', "You don't have permissions to access this resource."]);
    // The decision log says why.
    const logged = local.ctx.decisions.list({ action: 'organizations:ListRoots', decision: 'deny', limit: 1 })[0]!;
    assert.deepEqual([logged.principal, logged.resource, logged.reason], [`arn:aws:iam::${MANAGEMENT}:user/reader`, '*', 'no-identity']);
  });
});

describe('guardrails on real calls (db/fixtures/organization-guardrails.yaml)', () => {
  beforeEach(() => local.reset('fixtures'));
  const s3 = (accessKeyId: string, secret: string, region = 'us-east-1'): S3Client => new S3Client({ ...keys(accessKeyId, secret, region), forcePathStyle: true });

  test('the deny-Region SCP denies a member account outside us-east-1, with AWS\'s text; the management account is unaffected', async () => {
    await s3('AKIAORGMEMBERDEV0001', 'dev-secret').send(new ListBucketsCommand({}));
    const denied = await rejection(s3('AKIAORGMEMBERDEV0001', 'dev-secret', 'eu-west-1').send(new ListBucketsCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.message, `User: arn:aws:iam::${DEV}:user/dev-admin is not authorized to perform: s3:ListAllMyBuckets on resource: "arn:aws:s3:::*" with an explicit deny in a service control policy`);
    await s3('AKIAORGMANAGEMENT001', 'management-secret', 'eu-west-1').send(new ListBucketsCommand({}));
  });

  test('the RCP keeps principals outside the organization away from member accounts\' S3 resources; not from the management account\'s', async () => {
    const outsider = s3('AKIAOUTSIDEACCOUNT01', 'outsider-secret');
    const denied = await rejection(outsider.send(new GetObjectCommand({ Bucket: 'dev-shared-111111111111', Key: 'report.txt' })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.message, 'User: arn:aws:iam::999999999999:user/outsider is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::dev-shared-111111111111/report.txt" with an explicit deny in a resource control policy');
    const managementObject = await outsider.send(new GetObjectCommand({ Bucket: 'management-shared-123456789012', Key: 'report.txt' }));
    assert.equal(await managementObject.Body!.transformToString(), 'management data');
    // An organization principal of another member account passes the RCP, and the bucket policy grants it.
    const sandbox = await s3('AKIAORGMEMBERSANDBOX', 'sandbox-secret').send(new GetObjectCommand({ Bucket: 'dev-shared-111111111111', Key: 'report.txt' }));
    assert.equal(await sandbox.Body!.transformToString(), 'member data');
  });

  test('a bucket policy with aws:PrincipalOrgID admits the organization\'s principals of any account, and no one else', async () => {
    const body = await s3('AKIAORGMEMBERDEV0001', 'dev-secret').send(new GetObjectCommand({ Bucket: 'sandbox-org-wide-222222222222', Key: 'notes.txt' }));
    assert.equal(await body.Body!.transformToString(), 'org-wide data');
    const management = await s3('AKIAORGMANAGEMENT001', 'management-secret').send(new GetObjectCommand({ Bucket: 'sandbox-org-wide-222222222222', Key: 'notes.txt' }));
    assert.equal(await management.Body!.transformToString(), 'org-wide data');
    assert.equal((await rejection(s3('AKIAOUTSIDEACCOUNT01', 'outsider-secret').send(new GetObjectCommand({ Bucket: 'sandbox-org-wide-222222222222', Key: 'notes.txt' })))).name, 'AccessDenied');
  });

  test('aws:ResourceOrgID and aws:ResourceAccount: an identity policy keeping a principal inside its organization\'s resources', async () => {
    const outsider = s3('AKIAOUTSIDEACCOUNT01', 'outsider-secret');
    await outsider.send(new CreateBucketCommand({ Bucket: 'outside-999999999999' }));
    await outsider.send(new PutObjectCommand({ Bucket: 'outside-999999999999', Key: 'k', Body: 'outside' }));
    await outsider.send(new PutBucketPolicyCommand({ Bucket: 'outside-999999999999', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${DEV}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::outside-999999999999/*' }] }) }));
    const dev = s3('AKIAORGMEMBERDEV0001', 'dev-secret');
    assert.equal(await (await dev.send(new GetObjectCommand({ Bucket: 'outside-999999999999', Key: 'k' }))).Body!.transformToString(), 'outside');
    // IAM User Guide, aws:ResourceOrgID: deny access to resources outside the organization.
    await new IAMClient(keys('AKIAORGMEMBERDEV0001', 'dev-secret')).send(new PutUserPolicyCommand({ UserName: 'dev-admin', PolicyName: 'org-only', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } } }],
    }) }));
    const denied = await rejection(dev.send(new GetObjectCommand({ Bucket: 'outside-999999999999', Key: 'k' })));
    assert.match(denied.message, /with an explicit deny in an identity-based policy$/);
    assert.equal(await (await dev.send(new GetObjectCommand({ Bucket: 'sandbox-org-wide-222222222222', Key: 'notes.txt' }))).Body!.transformToString(), 'org-wide data');
  });

  test('an RCP on STS keeps outside principals from assuming a member account\'s role that trusts them', async () => {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'sts:AssumeRole' }] });
    await new IAMClient(keys('AKIAORGMEMBERDEV0001', 'dev-secret')).send(new CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: trust }));
    const outsider = new STSClient(keys('AKIAOUTSIDEACCOUNT01', 'outsider-secret'));
    const assume = (): Promise<unknown> => outsider.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${DEV}:role/partner`, RoleSessionName: 'partner' }));
    await assume();
    // Organizations User Guide, RCP examples: only the organization's principals may assume its roles.
    const rcp = JSON.stringify({ Version: '2012-10-17', Statement: [{
      Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole', Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-aa11bb22cc' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } },
    }] });
    const org = orgClient(keys('AKIAORGMANAGEMENT001', 'management-secret'));
    const id = (await org.send(new CreatePolicyCommand({ Name: 'org-only-roles', Description: '', Type: 'RESOURCE_CONTROL_POLICY', Content: rcp }))).Policy!.PolicySummary!.Id!;
    await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: 'r-aa11' }));
    const denied = await rejection(assume());
    assert.equal(denied.message, `User: arn:aws:iam::999999999999:user/outsider is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${DEV}:role/partner`);
    assert.equal(local.ctx.decisions.list({ action: 'sts:AssumeRole', decision: 'deny', limit: 1 })[0]!.reason, 'explicit-rcp');
  });

  test('an SCP change takes effect on the next request', async () => {
    const dev = s3('AKIAORGMEMBERDEV0001', 'dev-secret');
    await dev.send(new ListBucketsCommand({}));
    const org = orgClient(keys('AKIAORGMANAGEMENT001', 'management-secret'));
    const policy = (await org.send(new CreatePolicyCommand({ Name: 'no-list', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: denyScp(['s3:ListAllMyBuckets']) }))).Policy!.PolicySummary!.Id!;
    await org.send(new AttachPolicyCommand({ PolicyId: policy, TargetId: 'ou-aa11-workload' }));
    assert.match((await rejection(dev.send(new ListBucketsCommand({})))).message, /with an explicit deny in a service control policy$/);
    await org.send(new DetachPolicyCommand({ PolicyId: policy, TargetId: 'ou-aa11-workload' }));
    await dev.send(new ListBucketsCommand({}));
    // Without FullAWSAccess on the OU, nothing is allowed there: the implicit-deny text.
    await org.send(new AttachPolicyCommand({ PolicyId: policy, TargetId: 'ou-aa11-workload' }));
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: 'ou-aa11-workload' }));
    const implicit = await rejection(dev.send(new GetObjectCommand({ Bucket: 'dev-shared-111111111111', Key: 'report.txt' })));
    assert.match(implicit.message, /because no service control policy allows the s3:GetObject action$/);
  });

  test('IAM ListOrganizationsFeatures: a member account is refused; the management account lacks IAM\'s trusted access', async () => {
    // IAM API Reference, ListOrganizationsFeatures errors.
    const member = await rejection(new IAMClient(keys('AKIAORGMEMBERDEV0001', 'dev-secret')).send(new ListOrganizationsFeaturesCommand({})));
    assert.equal(member.name, 'AccountNotManagementOrDelegatedAdministratorException');
    const management = await rejection(new IAMClient(keys('AKIAORGMANAGEMENT001', 'management-secret')).send(new ListOrganizationsFeaturesCommand({})));
    assert.equal(management.name, 'ServiceAccessNotEnabledException');
  });

  test('SimulatePrincipalPolicy reports the SCPs in OrganizationsDecisionDetail', async () => {
    const iam = new IAMClient(keys('AKIAORGMEMBERDEV0001', 'dev-secret'));
    const result = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: `arn:aws:iam::${DEV}:user/dev-admin`, ActionNames: ['s3:ListAllMyBuckets'],
      ContextEntries: [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: ['eu-west-1'] }],
    }));
    const r = result.EvaluationResults![0]!;
    assert.equal(r.EvalDecision, 'explicitDeny');
    assert.deepEqual(r.OrganizationsDecisionDetail, { AllowedByOrganizations: false });
    // The simulator evaluates only the context it is given: without aws:RequestedRegion, StringNotEquals matches.
    const inRegion = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: `arn:aws:iam::${DEV}:user/dev-admin`, ActionNames: ['s3:ListAllMyBuckets'],
      ContextEntries: [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: ['us-east-1'] }],
    }));
    assert.deepEqual(inRegion.EvaluationResults![0]!.OrganizationsDecisionDetail, { AllowedByOrganizations: true });
    // An identity Deny decides the simulation; the SCPs' own verdict is still reported.
    const denyAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] });
    const both = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: `arn:aws:iam::${DEV}:user/dev-admin`, ActionNames: ['s3:ListAllMyBuckets'], PolicyInputList: [denyAll],
      ContextEntries: [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: ['us-east-1'] }],
    }));
    assert.deepEqual([both.EvaluationResults![0]!.EvalDecision, both.EvaluationResults![0]!.OrganizationsDecisionDetail], ['explicitDeny', { AllowedByOrganizations: true }]);
  });
});
