// Virtual MFA devices, SSH public keys, server and signing certificates, service-specific credentials and the
// account's STS preferences, behind statements compiled once per database.
import { randomInt } from 'node:crypto';
import type { Db } from './db.ts';

export interface MfaDeviceRow {
  serial_number: string; account_id: string; device_name: string; path: string; seed: string; user_name: string | null;
  enable_date: string | null; drift: number; created_at: string; tags: string | null;
}
export interface SshKeyRow { key_id: string; account_id: string; user_name: string; body: string; fingerprint: string; status: string; uploaded_at: string }
export interface ServerCertificateRow {
  account_id: string; name: string; certificate_id: string; path: string; body: string; chain: string | null; expiration: string; uploaded_at: string; tags: string | null;
}
export interface SigningCertificateRow { certificate_id: string; account_id: string; user_name: string | null; body: string; status: string; uploaded_at: string }
export interface ServiceCredentialRow {
  credential_id: string; account_id: string; user_name: string; service_name: string; service_user_name: string | null; service_password: string | null;
  credential_alias: string | null; credential_secret: string | null; status: string; created_at: string; expires_at: string | null;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An IAM-style credential id: a prefix (APKA SSH keys, ASCA server certificates, ACCA service credentials) and random base32. */
export function credentialId(prefix: string, length: number): string {
  let out = prefix;
  for (let i = 0; i < length; i++) out += BASE32[randomInt(32)];
  return out;
}

export const mfaSerial = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:mfa${path || '/'}${name}`;

export class CredentialsStore {
  private readonly s;

  constructor(readonly db: Db) {
    const p = <T>(sql: string) => db.prepare<unknown[], T>(sql);
    this.s = {
      mfa: p<MfaDeviceRow>('SELECT * FROM mfa_devices WHERE serial_number = ?'),
      mfas: p<MfaDeviceRow>('SELECT * FROM mfa_devices WHERE account_id = ? ORDER BY serial_number'),
      mfasOfUser: p<MfaDeviceRow>('SELECT * FROM mfa_devices WHERE account_id = ? AND user_name = ? ORDER BY enable_date, serial_number'),
      insertMfa: p(`INSERT INTO mfa_devices (serial_number, account_id, device_name, path, seed, user_name, enable_date, drift, created_at, tags)
        VALUES (@serial_number, @account_id, @device_name, @path, @seed, @user_name, @enable_date, @drift, @created_at, @tags)`),
      updateMfa: p('UPDATE mfa_devices SET user_name = @user_name, enable_date = @enable_date, drift = @drift, tags = @tags WHERE serial_number = @serial_number'),
      deleteMfa: p('DELETE FROM mfa_devices WHERE serial_number = ?'),

      ssh: p<SshKeyRow>('SELECT * FROM ssh_public_keys WHERE key_id = ? AND account_id = ? AND user_name = ?'),
      sshOfUser: p<SshKeyRow>('SELECT * FROM ssh_public_keys WHERE account_id = ? AND user_name = ? ORDER BY uploaded_at, rowid'),
      insertSsh: p('INSERT INTO ssh_public_keys (key_id, account_id, user_name, body, fingerprint, status, uploaded_at) VALUES (@key_id, @account_id, @user_name, @body, @fingerprint, @status, @uploaded_at)'),
      setSshStatus: p('UPDATE ssh_public_keys SET status = ? WHERE key_id = ?'),
      deleteSsh: p('DELETE FROM ssh_public_keys WHERE key_id = ?'),

      cert: p<ServerCertificateRow>('SELECT * FROM server_certificates WHERE account_id = ? AND name = ? COLLATE NOCASE'),
      certs: p<ServerCertificateRow>("SELECT * FROM server_certificates WHERE account_id = ? AND path LIKE ? ESCAPE '\\' ORDER BY name COLLATE BINARY"),
      insertCert: p(`INSERT INTO server_certificates (account_id, name, certificate_id, path, body, chain, expiration, uploaded_at, tags)
        VALUES (@account_id, @name, @certificate_id, @path, @body, @chain, @expiration, @uploaded_at, @tags)`),
      renameCert: p('UPDATE server_certificates SET name = ?, path = ? WHERE account_id = ? AND certificate_id = ?'),
      setCertTags: p('UPDATE server_certificates SET tags = ? WHERE account_id = ? AND certificate_id = ?'),
      deleteCert: p('DELETE FROM server_certificates WHERE account_id = ? AND certificate_id = ?'),
      countCerts: p<{ n: number }>('SELECT count(*) AS n FROM server_certificates WHERE account_id = ?'),

      signing: p<SigningCertificateRow>('SELECT * FROM signing_certificates WHERE certificate_id = ? AND account_id = ?'),
      signingOfUser: p<SigningCertificateRow>('SELECT * FROM signing_certificates WHERE account_id = ? AND user_name = ? ORDER BY uploaded_at, rowid'),
      signingOfRoot: p<SigningCertificateRow>('SELECT * FROM signing_certificates WHERE account_id = ? AND user_name IS NULL ORDER BY uploaded_at, rowid'),
      signingByBody: p<SigningCertificateRow>('SELECT * FROM signing_certificates WHERE account_id = ? AND body = ?'),
      insertSigning: p('INSERT INTO signing_certificates (certificate_id, account_id, user_name, body, status, uploaded_at) VALUES (@certificate_id, @account_id, @user_name, @body, @status, @uploaded_at)'),
      setSigningStatus: p('UPDATE signing_certificates SET status = ? WHERE certificate_id = ?'),
      deleteSigning: p('DELETE FROM signing_certificates WHERE certificate_id = ?'),

      credential: p<ServiceCredentialRow>('SELECT * FROM service_specific_credentials WHERE credential_id = ? AND account_id = ?'),
      credentialsOfUser: p<ServiceCredentialRow>('SELECT * FROM service_specific_credentials WHERE account_id = ? AND user_name = ? ORDER BY created_at, rowid'),
      credentialsOfAccount: p<ServiceCredentialRow>('SELECT * FROM service_specific_credentials WHERE account_id = ? ORDER BY user_name, created_at, rowid'),
      insertCredential: p(`INSERT INTO service_specific_credentials (credential_id, account_id, user_name, service_name, service_user_name, service_password, credential_alias,
        credential_secret, status, created_at, expires_at) VALUES (@credential_id, @account_id, @user_name, @service_name, @service_user_name, @service_password,
        @credential_alias, @credential_secret, @status, @created_at, @expires_at)`),
      updateCredential: p('UPDATE service_specific_credentials SET status = @status, service_password = @service_password, credential_secret = @credential_secret WHERE credential_id = @credential_id'),
      deleteCredential: p('DELETE FROM service_specific_credentials WHERE credential_id = ?'),

      tokenVersion: p<{ global_endpoint_token_version: string }>('SELECT global_endpoint_token_version FROM sts_preferences WHERE account_id = ?'),
      putTokenVersion: p('INSERT INTO sts_preferences (account_id, global_endpoint_token_version) VALUES (?, ?) ON CONFLICT DO UPDATE SET global_endpoint_token_version = excluded.global_endpoint_token_version'),

      renameUser: [
        p('UPDATE mfa_devices SET user_name = @to WHERE account_id = @account AND user_name = @from'),
        p('UPDATE ssh_public_keys SET user_name = @to WHERE account_id = @account AND user_name = @from'),
        p('UPDATE signing_certificates SET user_name = @to WHERE account_id = @account AND user_name = @from'),
        p('UPDATE service_specific_credentials SET user_name = @to WHERE account_id = @account AND user_name = @from'),
      ],
    };
  }

  mfaDevice(serial: string): MfaDeviceRow | undefined { return this.s.mfa.get(serial); }
  mfaDevices(accountId: string): MfaDeviceRow[] { return this.s.mfas.all(accountId); }
  mfaDevicesOfUser(accountId: string, user: string): MfaDeviceRow[] { return this.s.mfasOfUser.all(accountId, user); }
  insertMfaDevice(row: MfaDeviceRow): void { this.s.insertMfa.run(row); }
  updateMfaDevice(row: MfaDeviceRow): void { this.s.updateMfa.run(row); }
  deleteMfaDevice(serial: string): void { this.s.deleteMfa.run(serial); }

  sshKey(accountId: string, user: string, keyId: string): SshKeyRow | undefined { return this.s.ssh.get(keyId, accountId, user); }
  sshKeysOfUser(accountId: string, user: string): SshKeyRow[] { return this.s.sshOfUser.all(accountId, user); }
  insertSshKey(row: SshKeyRow): void { this.s.insertSsh.run(row); }
  setSshKeyStatus(keyId: string, status: string): void { this.s.setSshStatus.run(status, keyId); }
  deleteSshKey(keyId: string): void { this.s.deleteSsh.run(keyId); }

  serverCertificate(accountId: string, name: string): ServerCertificateRow | undefined { return this.s.cert.get(accountId, name); }
  serverCertificates(accountId: string, pathPrefix: string): ServerCertificateRow[] { return this.s.certs.all(accountId, likePrefix(pathPrefix)); }
  insertServerCertificate(row: ServerCertificateRow): void { this.s.insertCert.run(row); }
  renameServerCertificate(accountId: string, id: string, name: string, path: string): void { this.s.renameCert.run(name, path, accountId, id); }
  setServerCertificateTags(accountId: string, id: string, tags: string | null): void { this.s.setCertTags.run(tags, accountId, id); }
  deleteServerCertificate(accountId: string, id: string): void { this.s.deleteCert.run(accountId, id); }
  serverCertificateCount(accountId: string): number { return this.s.countCerts.get(accountId)?.n ?? 0; }

  signingCertificate(accountId: string, id: string): SigningCertificateRow | undefined { return this.s.signing.get(id, accountId); }
  signingCertificatesOf(accountId: string, user: string | null): SigningCertificateRow[] {
    return user === null ? this.s.signingOfRoot.all(accountId) : this.s.signingOfUser.all(accountId, user);
  }
  signingCertificateByBody(accountId: string, body: string): SigningCertificateRow | undefined { return this.s.signingByBody.get(accountId, body); }
  insertSigningCertificate(row: SigningCertificateRow): void { this.s.insertSigning.run(row); }
  setSigningCertificateStatus(id: string, status: string): void { this.s.setSigningStatus.run(status, id); }
  deleteSigningCertificate(id: string): void { this.s.deleteSigning.run(id); }

  serviceCredential(accountId: string, id: string): ServiceCredentialRow | undefined { return this.s.credential.get(id, accountId); }
  serviceCredentialsOfUser(accountId: string, user: string): ServiceCredentialRow[] { return this.s.credentialsOfUser.all(accountId, user); }
  serviceCredentialsOfAccount(accountId: string): ServiceCredentialRow[] { return this.s.credentialsOfAccount.all(accountId); }
  insertServiceCredential(row: ServiceCredentialRow): void { this.s.insertCredential.run(row); }
  updateServiceCredential(row: ServiceCredentialRow): void { this.s.updateCredential.run(row); }
  deleteServiceCredential(id: string): void { this.s.deleteCredential.run(id); }

  /** v1Token unless SetSecurityTokenServicePreferences said otherwise. */
  globalEndpointTokenVersion(accountId: string): string { return this.s.tokenVersion.get(accountId)?.global_endpoint_token_version ?? 'v1Token'; }
  setGlobalEndpointTokenVersion(accountId: string, version: string): void { this.s.putTokenVersion.run(accountId, version); }

  /** UpdateUser: the user's credentials follow the new name. */
  renameUser(accountId: string, from: string, to: string): void {
    for (const statement of this.s.renameUser) statement.run({ account: accountId, from, to });
  }
}

const stores = new WeakMap<Db, CredentialsStore>();

export function credentialsStore(db: Db): CredentialsStore {
  let store = stores.get(db);
  if (!store) {
    store = new CredentialsStore(db);
    stores.set(db, store);
  }
  return store;
}

function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}
