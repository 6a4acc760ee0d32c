// Fixtures and state export for instance profiles, OIDC providers, the account alias and the password policy.
import type { ServerContext } from '../context.ts';
import type { Node, Reader } from './fixture-reader.ts';
import { credentialsStore, mfaSerial } from './credentials-store.ts';
import { iamEntities, oidcProviderKey, type PasswordPolicy } from './iam-entities-store.ts';
import { awsId, isoSeconds } from './ids.ts';

export const ENTITY_FIXTURE_SECTIONS = ['instanceProfiles', 'oidcProviders', 'virtualMfaDevices'] as const;
export const ACCOUNT_SETTING_FIELDS = ['alias', 'passwordPolicy'] as const;

const PASSWORD_POLICY_FIELDS = ['minimumPasswordLength', 'requireSymbols', 'requireNumbers', 'requireUppercaseCharacters', 'requireLowercaseCharacters',
  'allowUsersToChangePassword', 'maxPasswordAge', 'passwordReusePrevention', 'hardExpiry'] as const;
const ALIAS = /^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$/;

type Json = string | number | boolean | null | undefined | Json[] | { [k: string]: Json };

function bool(r: Reader, value: unknown, path: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') r.fail(path, 'expected true or false');
  return value;
}

function range(r: Reader, value: unknown, path: string, min: number, max: number): number | undefined {
  const n = r.integer(value, path);
  if (n !== undefined && (n < min || n > max)) r.fail(path, `must be ${min}..${max}`);
  return n;
}

function tags(r: Reader, value: unknown, path: string): string | null {
  if (value === undefined) return null;
  const node = r.object(value, path, Object.keys(value as Node));
  for (const [k, v] of Object.entries(node)) if (typeof v !== 'string') r.fail(`${path}.${k}`, 'expected a string');
  return Object.keys(node).length ? JSON.stringify(node) : null;
}

function strings(r: Reader, value: unknown, path: string): string[] {
  return r.list(value, path).map((v, i) => r.string(v, `${path}[${i}]`));
}

/** accounts[].alias and accounts[].passwordPolicy. */
export function applyAccountSettings(ctx: ServerContext, r: Reader, a: Node, accountId: string, path: string): void {
  const store = iamEntities(ctx.db);
  const alias = r.optString(a.alias, `${path}.alias`);
  if (alias !== undefined) {
    if (!ALIAS.test(alias)) r.fail(`${path}.alias`, 'expected 3-63 characters of a-z, 0-9 and single hyphens, not starting or ending with a hyphen');
    const owner = store.accountOfAlias(alias);
    if (owner !== undefined && owner !== accountId) r.fail(`${path}.alias`, `alias ${alias} belongs to account ${owner}`);
    store.putAccountAlias(accountId, alias);
  }
  if (a.passwordPolicy !== undefined) {
    const ppath = `${path}.passwordPolicy`;
    const p = r.object(a.passwordPolicy, ppath, PASSWORD_POLICY_FIELDS);
    const maxAge = range(r, p.maxPasswordAge, `${ppath}.maxPasswordAge`, 1, 1095);
    const reuse = range(r, p.passwordReusePrevention, `${ppath}.passwordReusePrevention`, 1, 24);
    const hardExpiry = bool(r, p.hardExpiry, `${ppath}.hardExpiry`);
    const policy: PasswordPolicy = {
      MinimumPasswordLength: range(r, p.minimumPasswordLength, `${ppath}.minimumPasswordLength`, 6, 128) ?? 6,
      RequireSymbols: bool(r, p.requireSymbols, `${ppath}.requireSymbols`) ?? false,
      RequireNumbers: bool(r, p.requireNumbers, `${ppath}.requireNumbers`) ?? false,
      RequireUppercaseCharacters: bool(r, p.requireUppercaseCharacters, `${ppath}.requireUppercaseCharacters`) ?? false,
      RequireLowercaseCharacters: bool(r, p.requireLowercaseCharacters, `${ppath}.requireLowercaseCharacters`) ?? false,
      AllowUsersToChangePassword: bool(r, p.allowUsersToChangePassword, `${ppath}.allowUsersToChangePassword`) ?? false,
      ExpirePasswords: maxAge !== undefined,
      ...(maxAge !== undefined ? { MaxPasswordAge: maxAge } : {}),
      ...(reuse !== undefined ? { PasswordReusePrevention: reuse } : {}),
      ...(hardExpiry !== undefined ? { HardExpiry: hardExpiry } : {}),
    };
    store.putPasswordPolicy(accountId, policy);
  }
}

/** instanceProfiles (after roles, which they name), oidcProviders and virtualMfaDevices (after users). */
export function applyEntityFixtures(ctx: ServerContext, r: Reader, root: Node, account: (node: Node, path: string) => string, now: Date): void {
  applyMfaFixtures(ctx, r, root, account, now);
  const store = iamEntities(ctx.db);
  r.each(root.instanceProfiles, 'instanceProfiles', (raw, i) => {
    const path = `instanceProfiles[${i}]`;
    const p = r.object(raw, path, ['name', 'account', 'path', 'instanceProfileId', 'createDate', 'roles', 'tags']);
    const accountId = account(p, path);
    const name = r.string(p.name, `${path}.name`);
    if (!/^[\w+=,.@-]{1,128}$/.test(name)) r.fail(`${path}.name`, 'must match [\\w+=,.@-]{1,128}');
    if (store.instanceProfile(accountId, name)) r.fail(`${path}.name`, `instance profile ${name} already exists`);
    const profilePath = r.optString(p.path, `${path}.path`) ?? '/';
    if (!/^\/([\x21-\x7e]*\/)?$/.test(profilePath)) r.fail(`${path}.path`, 'must begin and end with /');
    store.insertInstanceProfile({
      account_id: accountId, profile_name: name, profile_id: r.optString(p.instanceProfileId, `${path}.instanceProfileId`) ?? awsId('AIPA', 17), path: profilePath,
      created_at: isoSeconds(r.date(p.createDate, `${path}.createDate`) ?? now), tags: tags(r, p.tags, `${path}.tags`),
    });
    const roles = strings(r, p.roles, `${path}.roles`);
    if (roles.length > 1) r.fail(`${path}.roles`, 'an instance profile holds at most one role');
    roles.forEach((roleName, j) => {
      const role = ctx.iam.role(accountId, roleName) ?? r.fail(`${path}.roles[${j}]`, `no role ${roleName}`);
      store.addRoleToInstanceProfile(accountId, name, role.role_name, j);
    });
  });
  r.each(root.oidcProviders, 'oidcProviders', (raw, i) => {
    const path = `oidcProviders[${i}]`;
    const p = r.object(raw, path, ['url', 'account', 'clientIds', 'thumbprints', 'createDate', 'tags']);
    const accountId = account(p, path);
    const url = r.string(p.url, `${path}.url`);
    if (!/^(https:\/\/)?[^/?#\s:]+(:\d+)?(\/[^?#\s]*)?$/i.test(url)) r.fail(`${path}.url`, 'expected an https:// issuer URL');
    if (store.oidcProviderRow(accountId, url)) r.fail(`${path}.url`, `OIDC provider ${oidcProviderKey(url)} already exists`);
    const thumbprints = strings(r, p.thumbprints, `${path}.thumbprints`).map((t) => t.toLowerCase());
    thumbprints.forEach((t, j) => { if (!/^[0-9a-f]{40}$/.test(t)) r.fail(`${path}.thumbprints[${j}]`, 'expected 40 hexadecimal characters'); });
    if (thumbprints.length > 5) r.fail(`${path}.thumbprints`, 'at most 5 thumbprints');
    store.insertOidcProvider({
      account_id: accountId, url: oidcProviderKey(url), client_ids: JSON.stringify([...new Set(strings(r, p.clientIds, `${path}.clientIds`))]),
      thumbprints: JSON.stringify([...new Set(thumbprints)]), created_at: isoSeconds(r.date(p.createDate, `${path}.createDate`) ?? now), tags: tags(r, p.tags, `${path}.tags`),
    });
  });
}

/** virtualMfaDevices (after users, whom they may be assigned to): the seed is given, so tests can compute the codes. */
function applyMfaFixtures(ctx: ServerContext, r: Reader, root: Node, account: (node: Node, path: string) => string, now: Date): void {
  const store = credentialsStore(ctx.db);
  r.each(root.virtualMfaDevices, 'virtualMfaDevices', (raw, i) => {
    const path = `virtualMfaDevices[${i}]`;
    const d = r.object(raw, path, ['name', 'account', 'path', 'seed', 'user', 'enableDate', 'createDate', 'tags']);
    const accountId = account(d, path);
    const name = r.string(d.name, `${path}.name`);
    if (!/^[\w+=,.@-]{1,226}$/.test(name)) r.fail(`${path}.name`, 'must match [\\w+=,.@-]+');
    const devicePath = r.optString(d.path, `${path}.path`) ?? '/';
    if (!/^\/([\x21-\x7e]*\/)?$/.test(devicePath)) r.fail(`${path}.path`, 'must begin and end with /');
    const serial = mfaSerial(accountId, devicePath, name);
    if (store.mfaDevice(serial)) r.fail(`${path}.name`, `MFA device ${serial} already exists`);
    const seed = r.string(d.seed, `${path}.seed`).replace(/=+$/, '').toUpperCase();
    if (!/^[A-Z2-7]{16,}$/.test(seed)) r.fail(`${path}.seed`, 'expected a base32 seed (A-Z, 2-7), at least 16 characters');
    const userName = r.optString(d.user, `${path}.user`);
    const user = userName === undefined ? undefined : ctx.iam.user(accountId, userName) ?? r.fail(`${path}.user`, `no user ${userName}`);
    if (d.enableDate !== undefined && !user) r.fail(`${path}.enableDate`, 'only a device assigned to a user has an enable date');
    const created = r.date(d.createDate, `${path}.createDate`) ?? now;
    store.insertMfaDevice({
      serial_number: serial, account_id: accountId, device_name: name, path: devicePath, seed, user_name: user?.user_name ?? null,
      enable_date: user ? isoSeconds(r.date(d.enableDate, `${path}.enableDate`) ?? created) : null, drift: 0, created_at: isoSeconds(created),
      tags: tags(r, d.tags, `${path}.tags`),
    });
  });
}

/** The account's alias and password policy in the fixtures format (fields left out when unset). */
export function exportAccountSettings(ctx: ServerContext, accountId: string): { alias?: string; passwordPolicy?: Json } {
  const store = iamEntities(ctx.db);
  const policy = store.passwordPolicy(accountId);
  return {
    alias: store.accountAlias(accountId),
    passwordPolicy: policy && {
      minimumPasswordLength: policy.MinimumPasswordLength, requireSymbols: policy.RequireSymbols, requireNumbers: policy.RequireNumbers,
      requireUppercaseCharacters: policy.RequireUppercaseCharacters, requireLowercaseCharacters: policy.RequireLowercaseCharacters,
      allowUsersToChangePassword: policy.AllowUsersToChangePassword, maxPasswordAge: policy.MaxPasswordAge, passwordReusePrevention: policy.PasswordReusePrevention,
      hardExpiry: policy.HardExpiry,
    },
  };
}

/** instanceProfiles and oidcProviders of every account, for GET /_iamlocal/state. */
export function exportEntities(ctx: ServerContext, accountIds: string[]): { instanceProfiles: Json[]; oidcProviders: Json[]; virtualMfaDevices: Json[] } {
  const store = iamEntities(ctx.db);
  const credentials = credentialsStore(ctx.db);
  const parse = (json: string | null): Record<string, string> | undefined => (json ? (JSON.parse(json) as Record<string, string>) : undefined);
  return {
    instanceProfiles: accountIds.flatMap((account) => store.allInstanceProfiles(account).map((p) => ({
      name: p.profile_name, account: p.account_id, path: p.path, instanceProfileId: p.profile_id, createDate: p.created_at,
      roles: store.instanceProfileRoles(p.account_id, p.profile_name), tags: parse(p.tags),
    }))),
    oidcProviders: accountIds.flatMap((account) => store.oidcProviderRows(account).map((o) => ({
      url: `https://${o.url}`, account: o.account_id, clientIds: JSON.parse(o.client_ids) as string[], thumbprints: JSON.parse(o.thumbprints) as string[],
      createDate: o.created_at, tags: parse(o.tags),
    }))),
    virtualMfaDevices: accountIds.flatMap((account) => credentials.mfaDevices(account).map((m) => ({
      name: m.device_name, account: m.account_id, path: m.path, seed: m.seed, user: m.user_name ?? undefined, enableDate: m.enable_date ?? undefined,
      createDate: m.created_at, tags: parse(m.tags),
    }))),
  };
}
