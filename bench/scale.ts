// npm run bench:scale [-- --roles N] [--policies N] [--decisions N] [--cap S]
// Where iamlocal bends (issue 26): N roles and N managed policies (each role with 10 attached), loaded as fixtures;
// GetAccountAuthorizationDetails paged to the end; GetRole and an authorized call as a role with 10 attached policies
// on that world; N decisions in the decision log and `advise` for one principal. Every step has a time cap (--cap,
// seconds) and reports how far it got. In-process server on a temporary SQLite file, SDK v3 over its socket.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetAccountAuthorizationDetailsCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startIamlocal } from '../server/src/in-process.ts';

const { values } = parseArgs({ options: { roles: { type: 'string' }, policies: { type: 'string' }, decisions: { type: 'string' }, cap: { type: 'string' } } });
const ROLES = Number(values.roles ?? 10_000);
const POLICIES = Number(values.policies ?? 10_000);
const DECISIONS = Number(values.decisions ?? 1_000_000);
const CAP_MS = Number(values.cap ?? 60) * 1000;
const ACCOUNT = '123456789012';

const dir = mkdtempSync(join(tmpdir(), 'iamlocal-scale-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const ms = (since: number): number => performance.now() - since;

function world(): string {
  const policies = Array.from({ length: POLICIES }, (_, i) => ({
    name: `policy-${i}`,
    document: { Version: '2012-10-17', Statement: [
      { Sid: 'Read', Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: `arn:aws:iam::${ACCOUNT}:role/*`, Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } },
      { Sid: 'Objects', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}/*` },
    ] },
  }));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/scale` }, Action: 'sts:AssumeRole' }] };
  const roles = Array.from({ length: ROLES }, (_, i) => ({
    name: `role-${i}`, trustPolicy: trust, attachedPolicies: Array.from({ length: Math.min(10, POLICIES) }, (_, j) => `policy-${(i * 10 + j) % POLICIES}`),
  }));
  const users = [{ name: 'scale', inlinePolicies: { assume: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } } }];
  return JSON.stringify({ policies, users, roles });
}

const rows = { push: (row: string): void => console.log(row) };
try {
  const file = join(dir, 'world.json');
  writeFileSync(file, world());
  let started = performance.now();
  const local = await startIamlocal({ db: join(dir, 'scale.sqlite'), fixtures: [file], config: { decisionLogSize: DECISIONS } });
  rows.push(`${ROLES} roles (10 attached policies each) + ${POLICIES} managed policies loaded as fixtures: ${(ms(started) / 1000).toFixed(1)} s; database ${(statSync(join(dir, 'scale.sqlite')).size / 1e6).toFixed(0)} MB`);
  const iam = new IAMClient(local.clientConfig('root'));

  // GetAccountAuthorizationDetails, every page (MaxItems 1000).
  started = performance.now();
  let marker: string | undefined;
  let pages = 0;
  let items = 0;
  do {
    const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000, Marker: marker }));
    pages++;
    items += (page.RoleDetailList?.length ?? 0) + (page.Policies?.length ?? 0) + (page.UserDetailList?.length ?? 0) + (page.GroupDetailList?.length ?? 0);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker && ms(started) < CAP_MS);
  rows.push(`GetAccountAuthorizationDetails, MaxItems 1000: ${pages} pages, ${items} items in ${(ms(started) / 1000).toFixed(1)} s${marker ? ` (stopped at the ${CAP_MS / 1000} s cap)` : ''}; ${(ms(started) / pages).toFixed(0)} ms a page`);

  const timeCalls = async (call: () => Promise<unknown>, n = 300): Promise<number> => {
    for (let i = 0; i < 30; i++) await call();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await call();
      times.push(ms(t));
    }
    return median(times);
  };
  const getRoleRoot = await timeCalls(() => iam.send(new GetRoleCommand({ RoleName: `role-${Math.floor(ROLES / 2)}` })));
  const assumed = await new STSClient(local.clientConfig({ user: 'scale' })).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/role-${Math.floor(ROLES / 2)}`, RoleSessionName: 'scale' }));
  const asRole = new IAMClient({ ...local.clientConfig('root'), credentials: { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! } });
  const getRoleAsRole = await timeCalls(() => asRole.send(new GetRoleCommand({ RoleName: 'role-1' })));
  rows.push(`GetRole among ${ROLES} roles, one client, p50: as root ${getRoleRoot.toFixed(2)} ms; as a role with 10 attached policies (evaluated, allowed) ${getRoleAsRole.toFixed(2)} ms`);

  // N decisions, 1% of them the principal advise is asked about.
  started = performance.now();
  const principal = `arn:aws:sts::${ACCOUNT}:assumed-role/role-1/scale`;
  const context = new Map([['aws:SourceIp', ['127.0.0.1']], ['aws:RequestedRegion', ['us-east-1']]]);
  const at = new Date();
  let recorded = 0;
  for (; recorded < DECISIONS && (recorded % 10_000 !== 0 || ms(started) < CAP_MS); recorded++) {
    const p = recorded % 100 === 0 ? principal : `arn:aws:sts::${ACCOUNT}:assumed-role/role-${recorded % ROLES}/s`;
    local.ctx.decisions.record(at, p, recorded % 2 ? 's3:GetObject' : 'iam:GetRole', `arn:aws:s3:::bucket-${recorded % 97}/key-${recorded % 1000}`,
      { allowed: true, statements: [{ source: { id: 'arn:aws:iam::123456789012:policy/policy-1', kind: 'managed', versionId: 'v1' }, sid: 'Read', index: 0, effect: 'Allow' }] } as never, context);
    // A flush waits for the writer (with a timeout): keep its backlog to what requests would leave behind.
    if (recorded % 50_000 === 49_999) local.ctx.decisions.flush();
  }
  local.ctx.decisions.flush();
  rows.push(`${recorded} decisions recorded (in-process, then written by the log's writer) in ${(ms(started) / 1000).toFixed(1)} s; decision log ${(statSync(join(dir, 'scale.sqlite.decisions')).size / 1e6).toFixed(0)} MB`);
  const adviceTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    started = performance.now();
    const res = await fetch(`${local.endpoint}/_iamlocal/advice?principal=${encodeURIComponent(principal)}`);
    if (!res.ok) throw new Error(`advice: ${res.status} ${await res.text()}`);
    await res.json();
    adviceTimes.push(ms(started));
  }
  rows.push(`advise for one principal (${Math.ceil(recorded / 100)} of its decisions among ${recorded}): ${median(adviceTimes).toFixed(0)} ms (median of 3)`);
  await local.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
