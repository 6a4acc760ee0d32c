// reset(): the start's fixture files are loaded again into an emptied database. What a reset skips because the file did
// not change (parsing, writing policy mappings out, validating documents already seen) must not change what it builds:
// the state after a reset is the state after the start, but for the ids minted afresh; an edited file is read again;
// a document that fails validation fails every time; the database's foreign keys are still enforced.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GetRoleCommand, GetRolePolicyCommand, GetUserPolicyCommand, IAMClient, ListRolesCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { startIamlocal } from '../src/in-process.ts';
import { exportState } from '../src/store/state.ts';

const dir = mkdtempSync(join(tmpdir(), 'iamlocal-reset-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNT = '123456789012';
const READ = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };

function world(n: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    users: Array.from({ length: n }, (_, i) => ({ name: `user-${i}`, inlinePolicies: { p: READ } })),
    roles: Array.from({ length: n }, (_, i) => ({ name: `role-${i}`, trustPolicy: TRUST, inlinePolicies: { p: READ } })),
    ...extra,
  });
}

/** The exported state with the ids a load mints at random (and the root account's canonical id) left out. */
function comparable(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state, (key, value: unknown) => (['userId', 'roleId', 'instanceProfileId', 'canonicalId'].includes(key) ? undefined : value)));
}

function fixtureError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return assert.fail('expected the fixtures to be refused');
}

test('reset() builds the start\'s world again (fresh ids), and SDK clients see it; foreign keys stay enforced', async () => {
  const file = join(dir, 'world.json');
  writeFileSync(file, world(50));
  // A clock that stands still (SigV4 still checks requests against it): each load stamps the same CreateDate.
  const clock = new Date(Math.floor(Date.now() / 1000) * 1000);
  const local = await startIamlocal({ listen: false, fixtures: ['db/fixtures/seed-story.yaml', file], now: () => clock });
  try {
    const iam = new IAMClient(local.clientConfig());
    const first = exportState(local.ctx);
    const roleId = (await iam.send(new GetRoleCommand({ RoleName: 'role-7' }))).Role!.RoleId;
    await iam.send(new CreateRoleCommand({ RoleName: 'made-by-the-test', AssumeRolePolicyDocument: JSON.stringify(TRUST) }));
    for (let i = 0; i < 3; i++) {
      local.reset();
      assert.deepEqual(comparable(exportState(local.ctx)), comparable(first));
      assert.equal(local.ctx.db.pragma('foreign_keys', { simple: true }), 1);
    }
    // Ids are minted again, as they were for each load before (a role made again is a new role).
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'role-7' }))).Role!;
    assert.notEqual(role.RoleId, roleId);
    assert.match(role.RoleId!, /^AROA[A-Z2-7]{17}$/);
    assert.equal(role.CreateDate!.toISOString(), clock.toISOString());
    assert.deepEqual(JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'role-7', PolicyName: 'p' }))).PolicyDocument!)), READ);
    assert.deepEqual(JSON.parse(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: 'user-49', PolicyName: 'p' }))).PolicyDocument!)), READ);
    const names = (await iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles!.map((r) => r.RoleName);
    assert.ok(!names.includes('made-by-the-test'));
    // 'empty' leaves the root only, and fixtures come back after it.
    local.reset('empty');
    assert.deepEqual((exportState(local.ctx).users as unknown[]).length, 0);
    local.reset();
    assert.deepEqual(comparable(exportState(local.ctx)), comparable(first));
    // A row referring to nothing is still refused after resets (the reset turns the checks off only while it empties).
    assert.throws(() => local.ctx.db.prepare("INSERT INTO users (account_id, user_name, user_id, path, created_at) VALUES ('999999999999', 'nobody', 'AIDANOBODY', '/', '')").run(), /FOREIGN KEY/);
  } finally {
    await local.stop();
  }
});

test('an edited fixture file is read again by reset(); a document that fails validation fails every load, by kind', async () => {
  const file = join(dir, 'edited.json');
  writeFileSync(file, world(2));
  const local = await startIamlocal({ listen: false, fixtures: [file] });
  try {
    const iam = new IAMClient(local.clientConfig());
    writeFileSync(file, world(3));
    local.reset();
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'role-2' }))).Role!.RoleName, 'role-2');

    // READ names a Resource: a valid identity policy (user-0's inline policy, validated first), never a trust policy
    // (CreateRole answers "Has prohibited field Resource", see server/test/policy-validation.test.ts).
    writeFileSync(file, world(1, { roles: [{ name: 'r', trustPolicy: READ }] }));
    for (let i = 0; i < 2; i++) {
      const message = fixtureError(() => local.reset());
      assert.equal(message, `${file}: roles[0].trustPolicy: MalformedPolicyDocument: Has prohibited field Resource`);
    }
    // Nothing of the refused file was kept.
    assert.equal((exportState(local.ctx).users as unknown[]).length, 0);

    // A document given as text is validated as the text it is.
    writeFileSync(file, JSON.stringify({ users: [{ name: 'u', inlinePolicies: { p: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"' } }] }));
    for (let i = 0; i < 2; i++) assert.match(fixtureError(() => local.reset()), /users\[0\]\.inlinePolicies\.p: MalformedPolicyDocument: Syntax errors in policy\.$/);

    writeFileSync(file, world(1));
    local.reset();
    assert.deepEqual(JSON.parse(decodeURIComponent((await iam.send(new GetUserPolicyCommand({ UserName: 'user-0', PolicyName: 'p' }))).PolicyDocument!)), READ);
  } finally {
    await local.stop();
  }
});
