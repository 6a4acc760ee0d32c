import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context.ts';
import { defaultKeyPolicy, isSupportedSpec, materialFits, newMaterialSync, specAllowsUsage } from '../kms/crypto.ts';
import type { Node, Reader } from './fixture-reader.ts';
import { kmsStore, type KmsKeyRow } from './kms-store.ts';

export const KMS_FIXTURE_SECTIONS = ['kmsKeys'] as const;

const KEY_FIELDS = ['id', 'account', 'region', 'description', 'keyUsage', 'keySpec', 'policy', 'aliases', 'tags', 'enabled', 'material', 'createDate', 'rotationEnabled'];

/**
 * `kmsKeys:` KMS keys with their key policy (the AWS default one when omitted), aliases and tags. `id` and `material`
 * (base64: 32 bytes for SYMMETRIC_DEFAULT, the HMAC key bytes, or a PKCS#8 DER private key) pin a key so that
 * ciphertexts made in one run decrypt in the next.
 */
export function applyKmsFixtures(ctx: ServerContext, r: Reader, root: Node, account: (node: Node, path: string) => string, now: Date): void {
  const kms = kmsStore(ctx.db);
  r.each(root.kmsKeys, 'kmsKeys', (raw, i) => {
    const path = `kmsKeys[${i}]`;
    const k = r.object(raw, path, KEY_FIELDS);
    const accountId = account(k, path);
    const region = r.optString(k.region, `${path}.region`) ?? ctx.config.region;
    const keyId = r.optString(k.id, `${path}.id`) ?? randomUUID();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(keyId)) r.fail(`${path}.id`, 'expected a key id (a lower-case UUID)');
    if (kms.key(keyId)) r.fail(`${path}.id`, `KMS key ${keyId} already exists`);
    const spec = r.optString(k.keySpec, `${path}.keySpec`) ?? 'SYMMETRIC_DEFAULT';
    if (!isSupportedSpec(spec)) r.fail(`${path}.keySpec`, `unsupported key spec ${spec}`);
    const usage = r.optString(k.keyUsage, `${path}.keyUsage`) ?? (spec.startsWith('HMAC') ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT');
    if (!specAllowsUsage(spec, usage)) r.fail(`${path}.keyUsage`, `key usage ${usage} does not fit key spec ${spec}`);
    const material = k.material === undefined ? newMaterialSync(spec) : Buffer.from(r.string(k.material, `${path}.material`), 'base64');
    if (!materialFits(spec, material)) r.fail(`${path}.material`, `not key material for ${spec}`);
    if (k.enabled !== undefined && typeof k.enabled !== 'boolean') r.fail(`${path}.enabled`, 'expected true or false');
    if (k.rotationEnabled !== undefined && typeof k.rotationEnabled !== 'boolean') r.fail(`${path}.rotationEnabled`, 'expected true or false');
    const tags = k.tags === undefined ? {} : r.object(k.tags, `${path}.tags`, Object.keys(k.tags as Node));
    const created = (r.date(k.createDate, `${path}.createDate`) ?? now).toISOString();
    const row: KmsKeyRow = {
      key_id: keyId, account_id: accountId, region, description: r.optString(k.description, `${path}.description`) ?? '', key_usage: usage, key_spec: spec,
      key_manager: 'CUSTOMER', origin: 'AWS_KMS', state: k.enabled === false ? 'Disabled' : 'Enabled', created_at: created, deletion_date: null,
      pending_window_days: null, policy: k.policy === undefined ? defaultKeyPolicy(accountId) : r.policy(k.policy, `${path}.policy`, 'resource'),
      tags: JSON.stringify(Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue: String(TagValue) }))),
      rotation_enabled: k.rotationEnabled === true ? 1 : 0, rotation_period_days: k.rotationEnabled === true ? 365 : null,
      next_rotation_date: k.rotationEnabled === true ? new Date(now.getTime() + 365 * 86400_000).toISOString() : null,
    };
    kms.insertKey(row);
    kms.insertMaterial(keyId, 1, material, created, null);
    r.list(k.aliases, `${path}.aliases`).forEach((rawAlias, j) => {
      const alias = r.string(rawAlias, `${path}.aliases[${j}]`);
      if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(alias) || alias.startsWith('alias/aws/')) r.fail(`${path}.aliases[${j}]`, 'expected alias/NAME (not alias/aws/…)');
      if (kms.alias(accountId, region, alias)) r.fail(`${path}.aliases[${j}]`, `alias ${alias} already exists`);
      kms.insertAlias(accountId, region, alias, keyId, created);
    });
  });
}

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };

/**
 * The `kmsKeys` section of the state export, in the fixtures format: customer managed keys without their key material
 * (which stays in the database; a loaded export has new material). AWS managed keys are re-created on first use.
 */
export function exportKmsKeys(ctx: ServerContext): Json[] {
  const rows = ctx.db.prepare<[], KmsKeyRow>("SELECT * FROM kms_keys WHERE key_manager = 'CUSTOMER' ORDER BY created_at, key_id").all();
  const kms = kmsStore(ctx.db);
  return rows.map((k) => ({
    id: k.key_id, account: k.account_id, region: k.region, description: k.description || undefined, keyUsage: k.key_usage, keySpec: k.key_spec,
    enabled: k.state === 'Enabled', policy: k.policy, createDate: k.created_at, rotationEnabled: k.rotation_enabled === 1,
    aliases: kms.aliasesOfKey(k.key_id).map((a) => a.alias_name),
    tags: Object.fromEntries((JSON.parse(k.tags) as Array<{ TagKey: string; TagValue: string }>).map((t) => [t.TagKey, t.TagValue])),
  }));
}
