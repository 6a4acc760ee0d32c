// The organization in fixtures and in the state export: what a fixture declares is what the Organizations API and the
// guardrails see; the export, loaded into an empty server, reproduces the organization; bad fixtures fail by path.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startIamlocal, type Iamlocal } from '../src/in-process.ts';
import { applyFixtures, FixtureError } from '../src/store/fixtures.ts';
import { exportState } from '../src/store/state.ts';
import { guardrailLookup } from '../src/auth/caller.ts';
import { AttachPolicyCommand, CreatePolicyCommand, DetachPolicyCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

let local: Iamlocal;
before(async () => {
  local = await startIamlocal({ fixtures: ['db/fixtures/organization-guardrails.yaml'] });
});
after(async () => local.stop());

test('the guardrails fixture: paths, SCP and RCP levels for member accounts, none for the management account', () => {
  const lookup = guardrailLookup(local.ctx.iam);
  const dev = lookup('111111111111')!;
  assert.equal(dev.orgId, 'o-aa11bb22cc');
  assert.equal(dev.orgPath, 'o-aa11bb22cc/r-aa11/ou-aa11-workload/');
  // Root, OU, account: FullAWSAccess everywhere, the deny-Region SCP on the root.
  assert.deepEqual(dev.serviceControlPolicies!.map((level) => level.map((p) => p.source.id).filter((id) => id.startsWith('p-F'))), [['p-FullAWSAccess'], ['p-FullAWSAccess'], ['p-FullAWSAccess']]);
  assert.equal(dev.serviceControlPolicies![0]!.length, 2);
  assert.equal(dev.resourceControlPolicies!.length, 3);
  const management = lookup('123456789012')!;
  assert.deepEqual([management.orgPath, management.serviceControlPolicies, management.resourceControlPolicies], ['o-aa11bb22cc/r-aa11/', undefined, undefined]);
  assert.equal(lookup('999999999999'), undefined);
});

test('the state export reproduces the organization in an empty server', () => {
  const exported = exportState(local.ctx);
  const organization = exported.organization as Record<string, unknown>;
  assert.equal(organization.id, 'o-aa11bb22cc');
  assert.deepEqual((organization.policies as Array<{ name: string; targets: string[] }>).map((p) => [p.name, p.targets]), [['DenyOutsideUsEast1', ['Root']], ['EnforceOrgIdentities', ['Root']]]);
  // Tags go with the root, OUs, accounts and policies.
  assert.deepEqual((organization.organizationalUnits as Array<{ tags?: unknown }>)[0]!.tags, { team: 'platform' });
  assert.deepEqual((organization.accounts as Array<{ tags?: unknown }>)[0]!.tags, { env: 'dev' });
  assert.deepEqual((organization.policies as Array<{ tags?: unknown }>)[0]!.tags, { owner: 'security' });
  local.reset('empty');
  try {
    assert.equal(exportState(local.ctx).organization, undefined);
    applyFixtures(local.ctx, JSON.parse(JSON.stringify(exported)), 'exported state');
    assert.deepEqual(exportState(local.ctx).organization, organization);
    assert.equal(guardrailLookup(local.ctx.iam)('222222222222')?.orgPath, 'o-aa11bb22cc/r-aa11/ou-aa11-sandboxx/');
  } finally {
    local.reset('fixtures');
  }
});

test('fixture problems are named by path, and nothing is kept', () => {
  const bad = (organization: unknown): string => {
    try {
      applyFixtures(local.ctx, { organization }, 'bad.yaml');
    } catch (error) {
      assert.ok(error instanceof FixtureError);
      return error.message;
    }
    return assert.fail('expected a FixtureError');
  };
  local.reset('empty');
  try {
    assert.match(bad({ accounts: [{ id: '111111111111', parent: 'Nowhere' }] }), /^bad\.yaml: organization\.accounts\[0\]\.parent: no organizational unit Nowhere/);
    assert.match(bad({ policies: [{ name: 'p', type: 'SERVICE_CONTROL_POLICY', document: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }] } }] }),
      /^bad\.yaml: organization\.policies\[0\]\.document: MalformedPolicyDocument/);
    assert.match(bad({ rootTags: { 'aws:x': 'y' } }), /organization\.rootTags\.aws:x: the aws: prefix is reserved for AWS/);
    assert.match(bad({ detachDefaults: ['Root'] }), /organization\.detachDefaults\[0\]: Root would be left without a service control policy/);
    assert.equal(exportState(local.ctx).organization, undefined);
  } finally {
    local.reset('fixtures');
  }
});

test('the console explains an SCP implicit deny: the OU where no SCP allows the action', async () => {
  const config = (key: string, secret: string): ReturnType<Iamlocal['clientConfig']> => ({ ...local.clientConfig(), credentials: { accessKeyId: key, secretAccessKey: secret } });
  try {
    const org = new OrganizationsClient(config('AKIAORGMANAGEMENT001', 'management-secret'));
    // FullAWSAccess, the Sandbox OU's only SCP, cannot leave it; once an allow-list SCP is there, it can.
    await assert.rejects(org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: 'ou-aa11-sandboxx' })), { name: 'ConstraintViolationException' });
    const id = (await org.send(new CreatePolicyCommand({
      Name: 'only-s3-list', Description: '', Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }),
    }))).Policy!.PolicySummary!.Id!;
    await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: 'ou-aa11-sandboxx' }));
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: 'ou-aa11-sandboxx' }));
    const s3 = new S3Client({ ...config('AKIAORGMEMBERSANDBOX', 'sandbox-secret'), forcePathStyle: true });
    await assert.rejects(s3.send(new GetObjectCommand({ Bucket: 'sandbox-org-wide-222222222222', Key: 'notes.txt' })), /because no service control policy allows the s3:GetObject action/);
    const entry = local.ctx.decisions.list({ action: 's3:GetObject', decision: 'deny', limit: 1 })[0]!;
    assert.equal(entry.reason, 'no-scp');
    const why = await (await fetch(`${local.endpoint}/_iamlocal/console/why?id=${entry.id}`)).json() as { guardrailGap: unknown };
    assert.deepEqual(why.guardrailGap, { policyType: 'service control policy', target: 'ou-aa11-sandboxx', fullAccess: 'FullAWSAccess' });
  } finally {
    local.reset('fixtures');
  }
});
