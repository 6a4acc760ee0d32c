// Name lookups of users, roles and groups: exact (a name differing only in case is another lookup) and served by the
// primary key's index, not a scan of every entity of the account (10,000 roles made each lookup 10,000 row reads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/store/db.ts';
import { IamStore } from '../src/store/iam-store.ts';

test('user, role and group lookups are exact and use the (account, name) index', () => {
  const db = openDatabase(':memory:');
  const iam = new IamStore(db);
  db.prepare("INSERT INTO accounts (account_id, canonical_id, display_name, created_at) VALUES ('111111111111', 'c', 'd', 't')").run();
  iam.insertRole({ account_id: '111111111111', role_name: 'Deploy', role_id: 'AROAX', path: '/', trust_policy: '{}', description: null, max_session_duration: 3600, permissions_boundary: null, created_at: 't' });
  iam.insertUser({ account_id: '111111111111', user_name: 'Alice', user_id: 'AIDAX', path: '/', permissions_boundary: null, created_at: 't' });
  iam.insertGroup({ account_id: '111111111111', group_name: 'Admins', group_id: 'AGPAX', path: '/', created_at: 't' });
  assert.equal(iam.role('111111111111', 'Deploy')?.role_id, 'AROAX');
  assert.equal(iam.role('111111111111', 'deploy'), undefined);
  assert.equal(iam.user('111111111111', 'Alice')?.user_id, 'AIDAX');
  assert.equal(iam.user('111111111111', 'ALICE'), undefined);
  assert.equal(iam.group('111111111111', 'Admins')?.group_id, 'AGPAX');
  assert.equal(iam.group('111111111111', 'admins'), undefined);
  // The plan of the store's own statements (their SQL, read from the prepared statements).
  const statements = Reflect.get(iam, 's') as Record<'user' | 'role' | 'group', { source: string }>;
  for (const [name, column] of [['user', 'user_name'], ['role', 'role_name'], ['group', 'group_name']] as const) {
    const plan = db.prepare<[string, string, string], { detail: string }>(`EXPLAIN QUERY PLAN ${statements[name].source}`).all('a', 'b', 'b');
    assert.match(plan.map((p) => p.detail).join('\n'), new RegExp(`USING INDEX \\S+ \\(account_id=\\? AND ${column}=\\?\\)`), name);
  }
  db.close();
});
