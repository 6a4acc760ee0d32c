import type { ServerConfig } from '../context.ts';
import type { IamStore } from './iam-store.ts';
import { canonicalUserId, isoSeconds } from './ids.ts';

/** Makes sure an account exists (with its S3 canonical id); returns nothing, idempotent. */
export function ensureAccount(store: IamStore, accountId: string, now: Date, displayName?: string, canonicalId?: string): void {
  if (store.account(accountId)) return;
  store.insertAccount({ account_id: accountId, canonical_id: canonicalId ?? canonicalUserId(), display_name: displayName ?? `account-${accountId}`, created_at: isoSeconds(now) });
}

/** The default account and its root credentials (from configuration, so they can be changed between runs). */
export function bootstrap(store: IamStore, config: ServerConfig, now: Date): void {
  store.db.transaction(() => {
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
