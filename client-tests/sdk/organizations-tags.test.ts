// Tags on Organizations resources with the AWS SDK for JavaScript v3: the Tags of CreateOrganizationalUnit /
// CreateAccount / CreatePolicy, TagResource / UntagResource / ListTagsForResource (paged) on the root, OUs, accounts
// and policies, with AWS's limits and errors, and the IAM side: aws:RequestTag / aws:TagKeys on the tagging actions,
// aws:ResourceTag on the resource. AWS references: Organizations API Reference (TagResource, UntagResource,
// ListTagsForResource, Tag, InvalidInputException, ConstraintViolationException, CreateOrganizationalUnit: "If the
// request includes tags, then the requester must have the organizations:TagResource permission"); Organizations User
// Guide "Tagging AWS Organizations resources" (50 tags per resource); Service Authorization Reference, AWS Organizations.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand, CreateOrganizationalUnitCommand, CreateOrganizationCommand, CreatePolicyCommand, DeleteOrganizationalUnitCommand,
  DescribeOrganizationalUnitCommand, EnablePolicyTypeCommand, ListRootsCommand, ListTagsForResourceCommand, OrganizationsClient,
  paginateListTagsForResource, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-organizations';
import { startIamlocal, type Iamlocal } from '../../server/src/in-process.ts';
import { rejection } from './support.ts';

let local: Iamlocal;
before(async () => {
  local = await startIamlocal({ listen: false });
});
after(async () => local.stop());
beforeEach(() => local.reset('empty'));

const SCP = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }] });
const tagsOf = async (org: OrganizationsClient, ResourceId: string): Promise<Array<[string, string]>> =>
  ((await org.send(new ListTagsForResourceCommand({ ResourceId }))).Tags ?? []).map((t) => [t.Key!, t.Value!]);

async function organization(org: OrganizationsClient): Promise<string> {
  await org.send(new CreateOrganizationCommand({}));
  const root = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  await org.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  return root;
}

test('Tags at creation are stored; TagResource adds or overwrites, UntagResource removes, on the root, OUs, accounts and policies', async () => {
  const org = new OrganizationsClient(local.clientConfig());
  const root = await organization(org);
  const ou = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Workloads', Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'cost', Value: '' }] }))).OrganizationalUnit!.Id!;
  assert.deepEqual(await tagsOf(org, ou), [['team', 'platform'], ['cost', '']]);
  const account = (await org.send(new CreateAccountCommand({ Email: 'dev@example.com', AccountName: 'dev', Tags: [{ Key: 'env', Value: 'dev' }] }))).CreateAccountStatus!.AccountId!;
  assert.deepEqual(await tagsOf(org, account), [['env', 'dev']]);
  const policy = (await org.send(new CreatePolicyCommand({ Name: 'keep-buckets', Description: '', Type: 'SERVICE_CONTROL_POLICY', Content: SCP, Tags: [{ Key: 'owner', Value: 'security' }] }))).Policy!.PolicySummary!.Id!;
  assert.deepEqual(await tagsOf(org, policy), [['owner', 'security']]);
  assert.deepEqual(await tagsOf(org, root), []);
  await org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key: 'org', Value: 'acme' }] }));
  assert.deepEqual(await tagsOf(org, root), [['org', 'acme']]);
  // Keys are case-sensitive; an existing key's value is replaced.
  await org.send(new TagResourceCommand({ ResourceId: ou, Tags: [{ Key: 'team', Value: 'data' }, { Key: 'Team', Value: 'other' }] }));
  assert.deepEqual(await tagsOf(org, ou), [['team', 'data'], ['cost', ''], ['Team', 'other']]);
  await org.send(new UntagResourceCommand({ ResourceId: ou, TagKeys: ['cost', 'absent'] }));
  assert.deepEqual(await tagsOf(org, ou), [['team', 'data'], ['Team', 'other']]);
  // A deleted OU takes its tags with it (a new OU never inherits them).
  await org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: ou }));
  assert.equal((await rejection(org.send(new ListTagsForResourceCommand({ ResourceId: ou })))).name, 'TargetNotFoundException');
});

test('AWS\'s errors: unknown target, duplicate keys, aws: keys, more than 50 tags, a malformed id, AWS managed policies', async () => {
  const org = new OrganizationsClient(local.clientConfig());
  const none = await rejection(org.send(new ListTagsForResourceCommand({ ResourceId: 'r-abcd' })));
  assert.deepEqual([none.name, none.message], ['AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.']);
  const root = await organization(org);
  const missing = await rejection(org.send(new TagResourceCommand({ ResourceId: '210987654321', Tags: [{ Key: 'a', Value: 'b' }] })));
  assert.deepEqual([missing.name, missing.message], ['TargetNotFoundException', "We can't find a root, OU, account, or policy with the TargetId that you specified."]);
  const managed = await rejection(org.send(new TagResourceCommand({ ResourceId: 'p-FullAWSAccess', Tags: [{ Key: 'a', Value: 'b' }] })));
  assert.equal(managed.name, 'TargetNotFoundException');
  const duplicate = await rejection(org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] })));
  assert.deepEqual([duplicate.name, duplicate.message], ['InvalidInputException', 'Tag keys must be unique among the tags attached to the same entity.']);
  const system = await rejection(org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key: 'aws:owner', Value: 'x' }] })));
  assert.equal(system.name, 'InvalidInputException');
  assert.match(system.message, /^You specified a tag key that is a system tag/);
  const pattern = await rejection(org.send(new TagResourceCommand({ ResourceId: 'not-an-id', Tags: [{ Key: 'a', Value: 'b' }] })));
  assert.deepEqual([pattern.name, pattern.message], ['InvalidInputException', "You provided a value that doesn't match the required pattern."]);
  const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: `${i}` }));
  await org.send(new TagResourceCommand({ ResourceId: root, Tags: fifty }));
  const over = await rejection(org.send(new TagResourceCommand({ ResourceId: root, Tags: [{ Key: 'one-more', Value: 'x' }] })));
  assert.deepEqual([over.name, over.message], ['ConstraintViolationException', 'You have exceeded the number of tags allowed on this resource.']);
  // A create with invalid tags creates nothing.
  const bad = await rejection(org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'X', Tags: [{ Key: 'aws:x', Value: '' }] })));
  assert.equal(bad.name, 'InvalidInputException');
  const retry = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'X' }))).OrganizationalUnit!;
  assert.equal(retry.Name, 'X');
  // ListTagsForResource pages with NextToken; the paginator reads every tag.
  const first = await org.send(new ListTagsForResourceCommand({ ResourceId: root }));
  assert.ok(first.NextToken && first.Tags!.length < 50);
  const all: string[] = [];
  for await (const page of paginateListTagsForResource({ client: org }, { ResourceId: root })) all.push(...page.Tags!.map((t) => t.Key!));
  assert.deepEqual(all, fifty.map((t) => t.Key));
  const token = await rejection(org.send(new ListTagsForResourceCommand({ ResourceId: root, NextToken: 'bogus' })));
  assert.equal(token.name, 'InvalidInputException');
});

test('IAM: aws:RequestTag and aws:TagKeys on TagResource / UntagResource, aws:ResourceTag on the resource, TagResource for tags at creation', async () => {
  const iam = new IAMClient(local.clientConfig());
  const org = new OrganizationsClient(local.clientConfig());
  const root = await organization(org);
  const prod = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Prod', Tags: [{ Key: 'env', Value: 'prod' }] }))).OrganizationalUnit!.Id!;
  const dev = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Dev', Tags: [{ Key: 'env', Value: 'dev' }] }))).OrganizationalUnit!.Id!;
  await iam.send(new CreateUserCommand({ UserName: 'tagger' }));
  await iam.send(new PutUserPolicyCommand({
    UserName: 'tagger', PolicyName: 'p', PolicyDocument: JSON.stringify({
      Version: '2012-10-17', Statement: [
        // Only cost-center tags, valued from a fixed list; untag only cost-center; describe only env=dev OUs.
        { Effect: 'Allow', Action: 'organizations:TagResource', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['cost-center'] }, StringEquals: { 'aws:RequestTag/cost-center': ['1', '2'] } } },
        { Effect: 'Allow', Action: 'organizations:UntagResource', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['cost-center'] } } },
        { Effect: 'Allow', Action: 'organizations:DescribeOrganizationalUnit', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/env': 'dev' } } },
        { Effect: 'Allow', Action: 'organizations:CreateOrganizationalUnit', Resource: '*' },
      ],
    }),
  }));
  const tagger = new OrganizationsClient(local.clientConfig({ user: 'tagger' }));
  const denied = "You don't have permissions to access this resource.";
  await tagger.send(new TagResourceCommand({ ResourceId: prod, Tags: [{ Key: 'cost-center', Value: '1' }] }));
  const badValue = await rejection(tagger.send(new TagResourceCommand({ ResourceId: prod, Tags: [{ Key: 'cost-center', Value: '3' }] })));
  assert.deepEqual([badValue.name, badValue.message], ['AccessDeniedException', denied]);
  assert.equal((await rejection(tagger.send(new TagResourceCommand({ ResourceId: prod, Tags: [{ Key: 'env', Value: 'x' }] })))).name, 'AccessDeniedException');
  await tagger.send(new UntagResourceCommand({ ResourceId: prod, TagKeys: ['cost-center'] }));
  assert.equal((await rejection(tagger.send(new UntagResourceCommand({ ResourceId: prod, TagKeys: ['env'] })))).name, 'AccessDeniedException');
  assert.equal((await tagger.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: dev }))).OrganizationalUnit!.Name, 'Dev');
  assert.equal((await rejection(tagger.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod })))).name, 'AccessDeniedException');
  // Tags on a create need organizations:TagResource, with their aws:RequestTag values.
  await tagger.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Billing', Tags: [{ Key: 'cost-center', Value: '2' }] }));
  const untaggable = await rejection(tagger.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: 'Other', Tags: [{ Key: 'env', Value: 'x' }] })));
  assert.equal(untaggable.name, 'AccessDeniedException');
  const log = local.ctx.decisions.list({ action: 'organizations:TagResource', decision: 'deny', limit: 1 })[0]!;
  assert.match(log.resource, /^arn:aws:organizations::123456789012:ou\/o-[a-z0-9]{10}\/ou-/);
  assert.deepEqual(new Set((await org.send(new ListTagsForResourceCommand({ ResourceId: prod }))).Tags!.map((t) => t.Key)), new Set(['env']));
});
