// Organizations guardrails with the AWS CLI (db/fixtures/organization-guardrails.yaml): `aws organizations …` reads the
// tree, the deny-Region SCP and the aws:PrincipalOrgID RCP deny with AWS's texts, the management account is not
// bound, and in audit mode `iamlocal advise` says that the SCP, not the identity policy, is what denied.
// AWS references: Organizations User Guide "Service control policies", "Resource control policies", "SCP evaluation";
// IAM User Guide "Access denied error messages".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { runAwsCli, type CliResult } from '../support/aws-cli.ts';

let server: RunningServer;
let home: string;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/organization-guardrails.yaml'] });
  home = mkdtempSync(join(tmpdir(), 'iamlocal-cli-org-'));
  const profile = (name: string, key: string, secret: string): string[] => [`[profile ${name}]`, 'region = us-east-1', `aws_access_key_id = ${key}`, `aws_secret_access_key = ${secret}`, ''];
  writeFileSync(join(home, 'config'), [
    ...profile('management', 'AKIAORGMANAGEMENT001', 'management-secret'), ...profile('dev', 'AKIAORGMEMBERDEV0001', 'dev-secret'),
    ...profile('outsider', 'AKIAOUTSIDEACCOUNT01', 'outsider-secret'),
  ].join('\n'));
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

async function aws(args: string[], profile: string): Promise<CliResult> {
  return runAwsCli(args, { endpoint: server.url, home, profile, cwd: home });
}

test('aws organizations: the fixture\'s tree, policies and attachments', async () => {
  const org = await aws(['organizations', 'describe-organization'], 'management');
  assert.equal(org.code, 0, org.stderr);
  assert.equal((JSON.parse(org.stdout) as { Organization: { Id: string } }).Organization.Id, 'o-aa11bb22cc');
  // (The tree's listings are checked with boto3 and SDK v3; the CLI's calls cost a Python start each.)
  const onRoot = JSON.parse((await aws(['organizations', 'list-policies-for-target', '--target-id', 'r-aa11', '--filter', 'SERVICE_CONTROL_POLICY'], 'management')).stdout) as { Policies: Array<{ Name: string }> };
  assert.deepEqual(onRoot.Policies.map((p) => p.Name).sort(), ['DenyOutsideUsEast1', 'FullAWSAccess']);
  // Tags (Organizations API Reference, TagResource): the CLI's shorthand, then the listing.
  const tagged = await aws(['organizations', 'tag-resource', '--resource-id', 'r-aa11', '--tags', 'Key=org,Value=acme'], 'management');
  assert.equal(tagged.code, 0, tagged.stderr);
  const listed = JSON.parse((await aws(['organizations', 'list-tags-for-resource', '--resource-id', 'r-aa11'], 'management')).stdout) as { Tags: Array<{ Key: string; Value: string }> };
  assert.deepEqual(listed.Tags, [{ Key: 'org', Value: 'acme' }]);
  // A member account may not manage the organization.
  const member = await aws(['organizations', 'list-accounts'], 'dev');
  assert.equal(member.code, 1);
  assert.match(member.stderr, /An error occurred \(AccessDeniedException\) when calling the ListAccounts operation: You don't have permissions to access this resource\./);
});

test('the SCP and the RCP deny with AWS\'s texts; the management account is unaffected', async () => {
  const scp = await aws(['s3api', 'list-buckets', '--region', 'eu-west-1'], 'dev');
  assert.equal(scp.code, 1);
  assert.match(scp.stderr, /An error occurred \(AccessDenied\) when calling the ListBuckets operation: User: arn:aws:iam::111111111111:user\/dev-admin is not authorized to perform: s3:ListAllMyBuckets on resource: "arn:aws:s3:::\*" with an explicit deny in a service control policy/);
  assert.equal((await aws(['s3api', 'list-buckets', '--region', 'eu-west-1'], 'management')).code, 0);
  // The decision log names the SCP statement that decided; the console's why lists the guardrails consulted, and a
  // replay with the SCP edited to allow shows the request through.
  const log = await (await fetch(`${server.url}/_iamlocal/decisions?decision=deny&principal=${encodeURIComponent('arn:aws:iam::111111111111:user/dev-admin')}`)).json() as {
    decisions: Array<{ id: number; reason: string; statements: Array<{ policy: string; kind: string; sid?: string }> }>;
  };
  const entry = log.decisions[0]!;
  assert.equal(entry.reason, 'explicit-scp');
  assert.deepEqual(entry.statements.map((st) => [st.kind, st.sid]), [['scp', 'DenyAllOutsideUsEast1']]);
  const why = await (await fetch(`${server.url}/_iamlocal/console/why?id=${entry.id}`)).json() as { consulted: Array<{ type: string; id: string; matched: number[] }>; message: string };
  assert.deepEqual(why.consulted.filter((c) => c.type === 'service control policy').map((c) => [c.id, c.matched]).sort(), [[entry.statements[0]!.policy, [0]], ['p-FullAWSAccess', []]].sort());
  assert.match(why.message, /with an explicit deny in a service control policy$/);
  const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  const replay = await (await fetch(`${server.url}/_iamlocal/console/simulate?id=${entry.id}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-iamlocal-console': '1' }, body: JSON.stringify({ policyId: entry.statements[0]!.policy, document: allowAll }),
  })).json() as { decision: string };
  assert.equal(replay.decision, 'allow', JSON.stringify(replay));
  const rcp = await aws(['s3api', 'get-object', '--bucket', 'dev-shared-111111111111', '--key', 'report.txt', join(home, 'out.txt')], 'outsider');
  assert.equal(rcp.code, 1);
  assert.match(rcp.stderr, /User: arn:aws:iam::999999999999:user\/outsider is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::dev-shared-111111111111\/report.txt" with an explicit deny in a resource control policy/);
  assert.equal((await aws(['s3api', 'get-object', '--bucket', 'management-shared-123456789012', '--key', 'report.txt', join(home, 'out.txt')], 'outsider')).code, 0);
});

test('audit mode lets a guardrail denial through, and advise says the SCP is what denies', async () => {
  const admin = async (method: string, path: string): Promise<unknown> => (await fetch(`${server.url}/_iamlocal${path}`, { method })).json();
  await admin('POST', '/enforce?mode=audit&account=111111111111');
  try {
    const listed = await aws(['s3api', 'list-buckets', '--region', 'eu-west-1'], 'dev');
    assert.equal(listed.code, 0, listed.stderr);
    await aws(['s3api', 'list-buckets'], 'dev');
    const advice = await admin('GET', `/advice?principal=${encodeURIComponent('arn:aws:iam::111111111111:user/dev-admin')}`) as {
      policy: { Statement: Array<{ Action: string[] }> } | null; message?: string; blockedByOrganizations?: Array<{ action: string; reason: string; policies: string[] }>;
    };
    assert.deepEqual(advice.blockedByOrganizations?.map((b) => [b.action, b.reason]), [['s3:ListAllMyBuckets', 'explicit-scp']]);
    assert.equal(advice.blockedByOrganizations![0]!.policies.length, 1);
    assert.match(advice.message ?? '', /denied by the organization's service control policies \(SCPs\), not by this principal's policies/);
    // The call made in us-east-1 is advised; the one only the SCP stood in the way of is not counted twice.
    assert.deepEqual(advice.policy?.Statement.map((s) => s.Action), [['s3:ListAllMyBuckets']]);
  } finally {
    await admin('POST', '/enforce?mode=on&account=111111111111');
  }
});

test('a service principal acting for a member account\'s workload carries aws:SourceAccount and aws:SourceOrgID', async () => {
  // IAM User Guide, aws:SourceOrgID: a trust policy limiting a service to the organization's workloads.
  const trust = (org: string): unknown => ({ Version: '2012-10-17', Statement: [{
    Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceOrgID': org, 'aws:SourceAccount': '111111111111' }, Bool: { 'aws:PrincipalIsAWSService': 'true' } },
  }] });
  const loaded = await fetch(`${server.url}/_iamlocal/fixtures`, { method: 'POST', body: JSON.stringify({ roles: [
    { name: 'org-task', account: '111111111111', trustPolicy: trust('o-aa11bb22cc') }, { name: 'other-org-task', account: '111111111111', trustPolicy: trust('o-zz99yy88xx') },
  ] }) });
  assert.equal(loaded.status, 200, await loaded.text());
  const bind = async (role: string): Promise<number> => (await fetch(`${server.url}/_iamlocal/credential-bindings`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: `arn:aws:iam::111111111111:role/${role}`, kind: 'ecs' }),
  })).status;
  assert.equal(await bind('org-task'), 201);
  assert.equal(await bind('other-org-task'), 403);
});
