// SSH public keys of IAM users (for CodeCommit): ssh-rsa or PEM, at least 2048 bits, MD5 fingerprint as ssh-keygen -E md5 prints it.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { AwsError, limitExceeded, noSuchEntity } from '../../errors.ts';
import { credentialId, credentialsStore, type SshKeyRow } from '../../store/credentials-store.ts';
import { isoSeconds } from '../../store/ids.ts';
import { req, type QueryCall, type QueryHandler } from '../query-service.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { authorize } from './authorize.ts';
import { requireUser, userResource } from './entities.ts';
import { targetUserName } from './mfa.ts';

const SSH_KEYS_PER_USER = 5;
const MIN_BITS = 2048;

const invalidKey = (): AwsError => new AwsError('InvalidPublicKey', 'The public key is malformed or otherwise invalid.', 400);
const unrecognized = (): AwsError => new AwsError('UnrecognizedPublicKeyEncoding', 'The public key encoding format is unsupported or unrecognized.', 400);

function sshString(blob: Buffer, offset: number): [Buffer, number] {
  if (offset + 4 > blob.length) throw invalidKey();
  const length = blob.readUInt32BE(offset);
  if (offset + 4 + length > blob.length) throw invalidKey();
  return [blob.subarray(offset + 4, offset + 4 + length), offset + 4 + length];
}

function sshMpint(value: Buffer): Buffer {
  const stripped = value.subarray(value.findIndex((b) => b !== 0));
  const body = stripped.length && stripped[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), stripped]) : stripped;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function sshBlobOf(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw unrecognized();
  const type = Buffer.from('ssh-rsa');
  const typeLength = Buffer.alloc(4);
  typeLength.writeUInt32BE(type.length);
  return Buffer.concat([typeLength, type, sshMpint(Buffer.from(jwk.e, 'base64url')), sshMpint(Buffer.from(jwk.n, 'base64url'))]);
}

/** The key as an RSA public key and its SSH wire-format blob; AWS's errors for anything else. */
export function parsePublicKey(body: string): { key: KeyObject; blob: Buffer } {
  const text = body.trim();
  let key: KeyObject;
  if (text.startsWith('-----BEGIN')) {
    try {
      key = createPublicKey(text);
    } catch {
      throw invalidKey();
    }
    if (key.asymmetricKeyType !== 'rsa') throw unrecognized();
    return { key, blob: sshBlobOf(key) };
  }
  const [type, data] = text.split(/\s+/);
  if (type !== 'ssh-rsa') throw unrecognized();
  if (!data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw invalidKey();
  const blob = Buffer.from(data, 'base64');
  const [name, afterName] = sshString(blob, 0);
  if (name.toString() !== 'ssh-rsa') throw invalidKey();
  const [e, afterE] = sshString(blob, afterName);
  const [n] = sshString(blob, afterE);
  try {
    key = createPublicKey({ key: { kty: 'RSA', n: n.subarray(n.findIndex((b) => b !== 0)).toString('base64url'), e: e.toString('base64url') }, format: 'jwk' });
  } catch {
    throw invalidKey();
  }
  return { key, blob };
}

export function md5Fingerprint(blob: Buffer): string {
  return (createHash('md5').update(blob).digest('hex').match(/../g) ?? []).join(':');
}

function requireKey(call: QueryCall, user: string): SshKeyRow {
  const id = req(call.input, 'SSHPublicKeyId');
  const row = credentialsStore(call.ctx.db).sshKey(call.caller.principal.accountId, user, id);
  if (!row) throw noSuchEntity(`The Public Key with id ${id} cannot be found.`);
  return row;
}

/** UploadSSHPublicKey, GetSSHPublicKey: the whole key. */
function keyXml(row: SshKeyRow, body = row.body): Record<string, string> {
  return { UserName: row.user_name, SSHPublicKeyId: row.key_id, Fingerprint: row.fingerprint, SSHPublicKeyBody: body, Status: row.status, UploadDate: row.uploaded_at };
}

export const uploadSSHPublicKey: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const body = req(call.input, 'SSHPublicKeyBody');
  const { key, blob } = parsePublicKey(body);
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_BITS) throw invalidKey();
  const store = credentialsStore(call.ctx.db);
  const existing = store.sshKeysOfUser(user.account_id, user.user_name);
  const fingerprint = md5Fingerprint(blob);
  if (existing.some((k) => k.fingerprint === fingerprint)) {
    throw new AwsError('DuplicateSSHPublicKey', 'The SSH public key is already associated with the specified IAM user.', 400);
  }
  if (existing.length >= SSH_KEYS_PER_USER) throw limitExceeded(`Cannot exceed quota for PublicKeysPerUser: ${SSH_KEYS_PER_USER}`);
  const row: SshKeyRow = {
    key_id: credentialId('APKA', 16), account_id: user.account_id, user_name: user.user_name, body: body.trim(), fingerprint, status: 'Active',
    uploaded_at: isoSeconds(call.facts.now),
  };
  store.insertSshKey(row);
  return { SSHPublicKey: keyXml(row) };
};

export const getSSHPublicKey: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const row = requireKey(call, user.user_name);
  const { key, blob } = parsePublicKey(row.body);
  const body = req(call.input, 'Encoding') === 'PEM'
    ? String(key.export({ type: 'spki', format: 'pem' })).trim()
    : row.body.startsWith('ssh-rsa') ? row.body : `ssh-rsa ${blob.toString('base64')}`;
  return { SSHPublicKey: keyXml(row, body) };
};

export const updateSSHPublicKey: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const row = requireKey(call, user.user_name);
  credentialsStore(call.ctx.db).setSshKeyStatus(row.key_id, req(call.input, 'Status'));
  return null;
};

export const deleteSSHPublicKey: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  credentialsStore(call.ctx.db).deleteSshKey(requireKey(call, user.user_name).key_id);
  return null;
};

export const listSSHPublicKeys: QueryHandler = (call) => {
  if (call.input.UserName === undefined && call.caller.principal.kind === 'root') {
    // The root user has no SSH keys of its own.
    authorize(call, call.caller.principal.arn);
    return { SSHPublicKeys: [], IsTruncated: false };
  }
  const name = targetUserName(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const after = afterMarker(call.input);
  const rows = credentialsStore(call.ctx.db).sshKeysOfUser(user.account_id, user.user_name);
  const start = after ? rows.findIndex((r) => r.key_id === after) + 1 : 0;
  return pageXml(page(rows.slice(start), maxItems(call.input), (r) => r.key_id), 'SSHPublicKeys', (r) => ({
    UserName: r.user_name, SSHPublicKeyId: r.key_id, Status: r.status, UploadDate: r.uploaded_at,
  }));
};
