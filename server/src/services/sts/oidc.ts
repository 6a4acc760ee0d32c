// OpenID Connect for AssumeRoleWithWebIdentity: provider lookup, the key sets registered for issuers (iamlocal has no
// internet to fetch them from), the built-in issuer's signing key, and JWT signing and verification (RS256, ES256).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Db } from '../../store/db.ts';

/** The issuer of tokens minted by POST /_iamlocal/oidc/token (nothing is fetched from it: its keys live in SQLite). */
export const BUILTIN_ISSUER = 'https://oidc.iamlocal.localhost';

export interface OidcProvider { url: string; clientIds: string[]; thumbprints: string[] }

/** How STS finds the IAM OpenID Connect provider for an issuer in an account. */
export interface OidcProviderLookup {
  provider(accountId: string, issuerUrl: string): OidcProvider | undefined;
}

/** An issuer URL as IAM names the provider: without the scheme or a trailing slash (`token.actions.githubusercontent.com`). */
export function providerKey(url: string): string {
  return url.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}

export interface Jwk extends JsonWebKey { kid?: string; alg?: string; use?: string }
export interface Jwks { keys: Jwk[] }

interface ProviderRow { account_id: string; url: string; client_ids: string; thumbprints: string }

/** Providers in table oidc_providers (created by migration 009 of the IAM branch or 010 here), key sets in oidc_jwks. */
export class OidcStore implements OidcProviderLookup {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      providers: db.prepare<[string], ProviderRow>('SELECT account_id, url, client_ids, thumbprints FROM oidc_providers WHERE account_id = ?'),
      upsertProvider: db.prepare(`INSERT INTO oidc_providers (account_id, url, client_ids, thumbprints, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (account_id, url) DO UPDATE SET client_ids = excluded.client_ids, thumbprints = excluded.thumbprints`),
      jwks: db.prepare<[string], { jwks: string }>('SELECT jwks FROM oidc_jwks WHERE issuer = ?'),
      putJwks: db.prepare('INSERT INTO oidc_jwks (issuer, jwks, registered_at) VALUES (?, ?, ?) ON CONFLICT (issuer) DO UPDATE SET jwks = excluded.jwks, registered_at = excluded.registered_at'),
      setting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?'),
      putSetting: db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    };
  }

  provider(accountId: string, issuerUrl: string): OidcProvider | undefined {
    const key = providerKey(issuerUrl);
    const row = this.s.providers.all(accountId).find((r) => providerKey(r.url) === key);
    if (!row) return undefined;
    return { url: key, clientIds: JSON.parse(row.client_ids) as string[], thumbprints: JSON.parse(row.thumbprints) as string[] };
  }

  providers(accountId: string): OidcProvider[] {
    return this.s.providers.all(accountId).map((r) => ({ url: providerKey(r.url), clientIds: JSON.parse(r.client_ids) as string[], thumbprints: JSON.parse(r.thumbprints) as string[] }));
  }

  /** Stand-in for IAM CreateOpenIDConnectProvider (stored as IAM stores it: the URL without its scheme). */
  putProvider(accountId: string, url: string, clientIds: string[], thumbprints: string[], at: Date): void {
    this.s.upsertProvider.run(accountId, providerKey(url), JSON.stringify(clientIds), JSON.stringify(thumbprints), at.toISOString());
  }

  jwks(issuer: string): Jwks | undefined {
    const row = this.s.jwks.get(providerKey(issuer));
    return row ? (JSON.parse(row.jwks) as Jwks) : undefined;
  }

  putJwks(issuer: string, jwks: Jwks, at: Date): void {
    this.s.putJwks.run(providerKey(issuer), JSON.stringify(jwks), at.toISOString());
  }

  /** The built-in issuer's RSA key, generated on first use and kept in SQLite (it survives resets). */
  signingKey(): { kid: string; privateKey: KeyObject; publicJwk: Jwk } {
    let stored = this.s.setting.get('oidc:signing-key')?.value;
    if (!stored) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      stored = JSON.stringify({ kid: randomBytes(8).toString('hex'), jwk: privateKey.export({ format: 'jwk' }) });
      this.s.putSetting.run('oidc:signing-key', stored);
    }
    const { kid, jwk } = JSON.parse(stored) as { kid: string; jwk: JsonWebKey };
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
    const pub = createPublicKey(privateKey).export({ format: 'jwk' });
    return { kid, privateKey, publicJwk: { ...pub, kid, alg: 'RS256', use: 'sig' } };
  }

  builtinJwks(): Jwks {
    return { keys: [this.signingKey().publicJwk] };
  }

  /** The keys tokens of `issuer` are verified with: a registered set, else the built-in key for the built-in issuer. */
  keysFor(issuer: string): Jwks | undefined {
    return this.jwks(issuer) ?? (providerKey(issuer) === providerKey(BUILTIN_ISSUER) ? this.builtinJwks() : undefined);
  }
}

const stores = new WeakMap<Db, OidcStore>();

/** One store (statements compiled once) per database. */
export function oidcStore(db: Db): OidcStore {
  let store = stores.get(db);
  if (!store) {
    store = new OidcStore(db);
    stores.set(db, store);
  }
  return store;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export type JwtClaims = Record<string, unknown>;

/** Signs claims with the built-in issuer's key (RS256). */
export function signJwt(store: OidcStore, claims: JwtClaims): string {
  const key = store.signingKey();
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }));
  const body = b64url(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey);
  return `${head}.${body}.${b64url(signature)}`;
}

export interface DecodedJwt { header: Record<string, unknown>; claims: JwtClaims; signingInput: string; signature: Buffer }

/** Splits and parses a compact JWS; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
    return { header: header as Record<string, unknown>, claims: claims as JwtClaims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

export type SignatureCheck = 'ok' | 'no-key' | 'bad-signature' | 'unsupported-alg';

/** Verifies an RS256 or ES256 signature against the key set (by kid, or the only key of the right type). */
export function verifyJwt(jwt: DecodedJwt, jwks: Jwks): SignatureCheck {
  const alg = jwt.header.alg;
  if (alg !== 'RS256' && alg !== 'ES256') return 'unsupported-alg';
  const kty = alg === 'RS256' ? 'RSA' : 'EC';
  const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined;
  const candidates = jwks.keys.filter((k) => k.kty === kty && (kid === undefined || k.kid === undefined || k.kid === kid));
  if (!candidates.length) return 'no-key';
  for (const jwk of candidates) {
    try {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      const ok = alg === 'RS256'
        ? verify('sha256', Buffer.from(jwt.signingInput), key, jwt.signature)
        : verify('sha256', Buffer.from(jwt.signingInput), { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
      if (ok) return 'ok';
    } catch {
      // A key that cannot be imported cannot have signed the token.
    }
  }
  return 'bad-signature';
}

/** Validates a key set given to PUT /_iamlocal/oidc/jwks: every key must import as a public RSA or EC key. */
export function checkJwks(value: unknown): Jwks | string {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { keys?: unknown }).keys)) return 'jwks must be an object with a keys array';
  const keys = (value as { keys: unknown[] }).keys;
  const out: Jwk[] = [];
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null) return `jwks.keys[${i}] is not an object`;
    const jwk = key as Jwk;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') return `jwks.keys[${i}]: kty must be RSA or EC`;
    try {
      createPublicKey({ key: jwk, format: 'jwk' });
    } catch (error) {
      return `jwks.keys[${i}]: ${error instanceof Error ? error.message : String(error)}`;
    }
    // Only public members are kept, so a private key given by mistake is not stored.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    out.push(pub);
  }
  return { keys: out };
}
