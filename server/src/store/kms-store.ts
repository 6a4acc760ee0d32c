import type { Db } from './db.ts';

export interface KmsKeyRow {
  key_id: string; account_id: string; region: string; description: string; key_usage: string; key_spec: string;
  key_manager: 'CUSTOMER' | 'AWS'; origin: string; state: 'Enabled' | 'Disabled' | 'PendingDeletion'; created_at: string;
  deletion_date: string | null; pending_window_days: number | null; policy: string; tags: string; rotation_enabled: number;
  rotation_period_days: number | null; next_rotation_date: string | null;
}
export interface KmsMaterialRow { key_id: string; version: number; material: Buffer; created_at: string; rotation_type: string | null }
export interface KmsAliasRow { account_id: string; region: string; alias_name: string; key_id: string; created_at: string; updated_at: string }
export interface KmsGrantRow {
  grant_id: string; key_id: string; name: string | null; grantee_principal: string; retiring_principal: string | null;
  issuing_account: string; operations: string; constraints: string | null; token: string; created_at: string;
}

/** KMS keys, key material, aliases and grants, behind statements prepared once per database. */
export class KmsStore {
  private readonly s;

  constructor(db: Db) {
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    this.s = {
      key: p<KmsKeyRow>('SELECT * FROM kms_keys WHERE key_id = ?'),
      keys: p<KmsKeyRow>('SELECT * FROM kms_keys WHERE account_id = ? AND region = ? ORDER BY key_id'),
      insertKey: p(`INSERT INTO kms_keys (key_id, account_id, region, description, key_usage, key_spec, key_manager, origin, state, created_at,
        deletion_date, pending_window_days, policy, tags, rotation_enabled, rotation_period_days, next_rotation_date)
        VALUES (@key_id, @account_id, @region, @description, @key_usage, @key_spec, @key_manager, @origin, @state, @created_at,
        @deletion_date, @pending_window_days, @policy, @tags, @rotation_enabled, @rotation_period_days, @next_rotation_date)`),
      deleteKey: p('DELETE FROM kms_keys WHERE key_id = ?'),
      setState: p('UPDATE kms_keys SET state = ?, deletion_date = ?, pending_window_days = ? WHERE key_id = ?'),
      setPolicy: p('UPDATE kms_keys SET policy = ? WHERE key_id = ?'),
      setTags: p('UPDATE kms_keys SET tags = ? WHERE key_id = ?'),
      setDescription: p('UPDATE kms_keys SET description = ? WHERE key_id = ?'),
      setRotation: p('UPDATE kms_keys SET rotation_enabled = ?, rotation_period_days = ?, next_rotation_date = ? WHERE key_id = ?'),
      material: p<KmsMaterialRow>('SELECT * FROM kms_key_material WHERE key_id = ? AND version = ?'),
      materials: p<KmsMaterialRow>('SELECT * FROM kms_key_material WHERE key_id = ? ORDER BY version'),
      latest: p<KmsMaterialRow>('SELECT * FROM kms_key_material WHERE key_id = ? ORDER BY version DESC LIMIT 1'),
      insertMaterial: p('INSERT INTO kms_key_material (key_id, version, material, created_at, rotation_type) VALUES (?, ?, ?, ?, ?)'),
      alias: p<KmsAliasRow>('SELECT * FROM kms_aliases WHERE account_id = ? AND region = ? AND alias_name = ?'),
      aliases: p<KmsAliasRow>('SELECT * FROM kms_aliases WHERE account_id = ? AND region = ? ORDER BY alias_name'),
      aliasesOfKey: p<KmsAliasRow>('SELECT * FROM kms_aliases WHERE key_id = ? ORDER BY alias_name'),
      insertAlias: p('INSERT INTO kms_aliases (account_id, region, alias_name, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      updateAlias: p('UPDATE kms_aliases SET key_id = ?, updated_at = ? WHERE account_id = ? AND region = ? AND alias_name = ?'),
      deleteAlias: p('DELETE FROM kms_aliases WHERE account_id = ? AND region = ? AND alias_name = ?'),
      grant: p<KmsGrantRow>('SELECT * FROM kms_grants WHERE grant_id = ?'),
      grantByToken: p<KmsGrantRow>('SELECT * FROM kms_grants WHERE token = ?'),
      grantsOfKey: p<KmsGrantRow>('SELECT * FROM kms_grants WHERE key_id = ? ORDER BY created_at, grant_id'),
      grantsRetirableBy: p<KmsGrantRow>('SELECT * FROM kms_grants WHERE retiring_principal = ? ORDER BY created_at, grant_id'),
      insertGrant: p(`INSERT INTO kms_grants (grant_id, key_id, name, grantee_principal, retiring_principal, issuing_account, operations, constraints, token, created_at)
        VALUES (@grant_id, @key_id, @name, @grantee_principal, @retiring_principal, @issuing_account, @operations, @constraints, @token, @created_at)`),
      deleteGrant: p('DELETE FROM kms_grants WHERE grant_id = ?'),
    };
  }

  key(keyId: string): KmsKeyRow | undefined { return this.s.key.get(keyId); }
  keys(accountId: string, region: string): KmsKeyRow[] { return this.s.keys.all(accountId, region); }
  insertKey(row: KmsKeyRow): void { this.s.insertKey.run(row); }
  deleteKey(keyId: string): void { this.s.deleteKey.run(keyId); }
  setState(keyId: string, state: KmsKeyRow['state'], deletionDate: string | null, windowDays: number | null): void { this.s.setState.run(state, deletionDate, windowDays, keyId); }
  setPolicy(keyId: string, policy: string): void { this.s.setPolicy.run(policy, keyId); }
  setTags(keyId: string, tags: string): void { this.s.setTags.run(tags, keyId); }
  setDescription(keyId: string, description: string): void { this.s.setDescription.run(description, keyId); }
  setRotation(keyId: string, enabled: boolean, periodDays: number | null, next: string | null): void { this.s.setRotation.run(enabled ? 1 : 0, periodDays, next, keyId); }
  material(keyId: string, version: number): KmsMaterialRow | undefined { return this.s.material.get(keyId, version); }
  materials(keyId: string): KmsMaterialRow[] { return this.s.materials.all(keyId); }
  latestMaterial(keyId: string): KmsMaterialRow | undefined { return this.s.latest.get(keyId); }
  insertMaterial(keyId: string, version: number, material: Buffer, at: string, rotationType: string | null): void { this.s.insertMaterial.run(keyId, version, material, at, rotationType); }
  alias(accountId: string, region: string, name: string): KmsAliasRow | undefined { return this.s.alias.get(accountId, region, name); }
  aliases(accountId: string, region: string): KmsAliasRow[] { return this.s.aliases.all(accountId, region); }
  aliasesOfKey(keyId: string): KmsAliasRow[] { return this.s.aliasesOfKey.all(keyId); }
  insertAlias(accountId: string, region: string, name: string, keyId: string, at: string): void { this.s.insertAlias.run(accountId, region, name, keyId, at, at); }
  updateAlias(accountId: string, region: string, name: string, keyId: string, at: string): void { this.s.updateAlias.run(keyId, at, accountId, region, name); }
  deleteAlias(accountId: string, region: string, name: string): void { this.s.deleteAlias.run(accountId, region, name); }
  grant(grantId: string): KmsGrantRow | undefined { return this.s.grant.get(grantId); }
  grantByToken(token: string): KmsGrantRow | undefined { return this.s.grantByToken.get(token); }
  grantsOfKey(keyId: string): KmsGrantRow[] { return this.s.grantsOfKey.all(keyId); }
  grantsRetirableBy(principal: string): KmsGrantRow[] { return this.s.grantsRetirableBy.all(principal); }
  insertGrant(row: KmsGrantRow): void { this.s.insertGrant.run(row); }
  deleteGrant(grantId: string): void { this.s.deleteGrant.run(grantId); }
}

const stores = new WeakMap<Db, KmsStore>();

export function kmsStore(db: Db): KmsStore {
  let store = stores.get(db);
  if (!store) {
    store = new KmsStore(db);
    stores.set(db, store);
  }
  return store;
}
