import type { IdpMetadata } from '../saml/verify.ts';
import type { Db } from './db.ts';
import { isoSeconds } from './ids.ts';

/** Without a validUntil in the metadata, AWS keeps a provider valid for 100 years. */
const DEFAULT_VALIDITY_YEARS = 100;

export const samlProviderArn = (accountId: string, name: string): string => `arn:aws:iam::${accountId}:saml-provider/${name}`;

export function validUntil(metadata: IdpMetadata | undefined, created: Date): string {
  if (metadata?.validUntil && !Number.isNaN(Date.parse(metadata.validUntil))) return isoSeconds(new Date(metadata.validUntil));
  const until = new Date(created);
  until.setUTCFullYear(until.getUTCFullYear() + DEFAULT_VALIDITY_YEARS);
  return isoSeconds(until);
}

export interface SamlProviderRow {
  /** Empty for a provider that trusts iamlocal's built-in IdP (see providerMetadata). */
  metadata: string;
  arn: string; account_id: string; name: string; provider_uuid: string; valid_until: string; created_at: string; tags: string | null;
}

/** IAM SAML providers, behind statements prepared once per database. */
export class SamlStore {
  private readonly s;

  constructor(db: Db) {
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    this.s = {
      byArn: p<SamlProviderRow>('SELECT * FROM saml_providers WHERE arn = ?'),
      byName: p<SamlProviderRow>('SELECT * FROM saml_providers WHERE account_id = ? AND name = ? COLLATE NOCASE'),
      list: p<SamlProviderRow>('SELECT * FROM saml_providers WHERE account_id = ? ORDER BY arn'),
      insert: p(`INSERT INTO saml_providers (arn, account_id, name, provider_uuid, metadata, valid_until, created_at, tags)
        VALUES (@arn, @account_id, @name, @provider_uuid, @metadata, @valid_until, @created_at, @tags)`),
      update: p('UPDATE saml_providers SET metadata = ?, valid_until = ? WHERE arn = ?'),
      setTags: p('UPDATE saml_providers SET tags = ? WHERE arn = ?'),
      remove: p('DELETE FROM saml_providers WHERE arn = ?'),
    };
  }

  provider(arn: string): SamlProviderRow | undefined { return this.s.byArn.get(arn); }
  providerNamed(accountId: string, name: string): SamlProviderRow | undefined { return this.s.byName.get(accountId, name); }
  providers(accountId: string): SamlProviderRow[] { return this.s.list.all(accountId); }
  insert(row: SamlProviderRow): void { this.s.insert.run(row); }
  updateMetadata(arn: string, metadata: string, validUntil: string): void { this.s.update.run(metadata, validUntil, arn); }
  setTags(arn: string, tags: Record<string, string>): void { this.s.setTags.run(Object.keys(tags).length ? JSON.stringify(tags) : null, arn); }
  remove(arn: string): number { return this.s.remove.run(arn).changes; }
}

const stores = new WeakMap<Db, SamlStore>();

export function samlStore(db: Db): SamlStore {
  let store = stores.get(db);
  if (!store) {
    store = new SamlStore(db);
    stores.set(db, store);
  }
  return store;
}
