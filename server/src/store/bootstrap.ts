import type { ServerConfig } from '../context.ts';
import type { IamStore } from './iam-store.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dbAsset } from '../paths.ts';
import { canonicalUserId, isoSeconds } from './ids.ts';

/** Makes sure an account exists (with its S3 canonical id); returns nothing, idempotent. */
export function ensureAccount(store: IamStore, accountId: string, now: Date, displayName?: string, canonicalId?: string): void {
  if (store.account(accountId)) return;
  store.insertAccount({ account_id: accountId, canonical_id: canonicalId ?? canonicalUserId(), display_name: displayName ?? `account-${accountId}`, created_at: isoSeconds(now) });
}

interface AwsManagedPolicy { name: string; version: string; createDate: string; description: string; document: unknown }

const AWS_MANAGED: AwsManagedPolicy[] = (JSON.parse(readFileSync(dbAsset('aws-managed-policies.json'), 'utf8')) as { policies: AwsManagedPolicy[] }).policies;

/** AWS managed policies live in the pseudo-account "aws", as their ARNs (arn:aws:iam::aws:policy/NAME) say. */
function ensureAwsManagedPolicies(store: IamStore, now: Date): void {
  ensureAccount(store, 'aws', now, 'aws', '0'.repeat(64));
  for (const p of AWS_MANAGED) {
    const arn = `arn:aws:iam::aws:policy/${p.name}`;
    if (store.policy(arn)) continue;
    store.insertPolicy({
      arn, account_id: 'aws', policy_name: p.name, policy_id: `ANPA${createHash('sha256').update(arn).digest('hex').slice(0, 17).toUpperCase().replace(/[01890]/g, 'A')}`,
      path: '/', description: p.description, default_version: p.version, next_version: Number(p.version.slice(1)) + 1, created_at: p.createDate, updated_at: p.createDate,
    });
    store.insertVersion({ policy_arn: arn, version_id: p.version, document: JSON.stringify(p.document, null, 4), created_at: p.createDate });
  }
}

/** The default account and its root credentials (from configuration, so they can be changed between runs). */
export function bootstrap(store: IamStore, config: ServerConfig, now: Date): void {
  store.db.transaction(() => {
    ensureAwsManagedPolicies(store, now);
    ensureAccount(store, config.accountId, now);
    const existing = store.accessKey(config.rootAccessKeyId);
    if (existing && (existing.account_id !== config.accountId || existing.user_name !== null || existing.secret_key !== config.rootSecretAccessKey)) {
      store.deleteAccessKey(config.rootAccessKeyId);
    }
    if (!store.accessKey(config.rootAccessKeyId)) {
      store.insertAccessKey({
        access_key_id: config.rootAccessKeyId, secret_key: config.rootSecretAccessKey, account_id: config.accountId, user_name: null,
        status: 'Active', created_at: isoSeconds(now),
      });
    }
  })();
}
