// Access keys: Create/Update/Delete/ListAccessKeys for a named user or for the caller.
import { limitExceeded, noSuchEntity, validationError } from '../../errors.ts';
import { awsId, isoSeconds, secretAccessKey } from '../../store/ids.ts';
import { type QueryCall, type QueryHandler, req, str } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';
import { requireUser, userResource } from './entities.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';

// IAM quotas (AWS defaults).
const ACCESS_KEYS_PER_USER = 2;

/** The user an access-key operation is about: the UserName given, else the caller itself (null for root). */
function keyOwner(call: QueryCall): string | null {
  const name = str(call.input, 'UserName');
  if (name !== undefined) return requireUser(call, name).user_name;
  const p = call.caller.principal;
  if (p.kind === 'user' && call.caller.userName) return call.caller.userName;
  if (p.kind === 'root') return null;
  throw validationError('Must specify userName when calling with non-User credentials');
}

function keyResource(call: QueryCall): string {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  return name ? userResource(call, name) : call.caller.principal.arn;
}

export const createAccessKey: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  const owner = keyOwner(call);
  const account = accountOf(call);
  if (owner !== null && call.ctx.iam.userAccessKeys(account, owner).length >= ACCESS_KEYS_PER_USER) {
    throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
  }
  const key = { access_key_id: awsId('AKIA'), secret_key: secretAccessKey(), account_id: account, user_name: owner, status: 'Active', created_at: isoSeconds(call.facts.now) };
  call.ctx.iam.insertAccessKey(key);
  return {
    AccessKey: { UserName: owner ?? undefined, AccessKeyId: key.access_key_id, Status: key.status, SecretAccessKey: key.secret_key, CreateDate: key.created_at },
  };
};

function requireOwnedKey(call: QueryCall): string {
  const id = req(call.input, 'AccessKeyId');
  const owner = keyOwner(call);
  const key = call.ctx.iam.accessKey(id);
  if (!key || key.account_id !== accountOf(call) || (key.user_name ?? null)?.toLowerCase() !== owner?.toLowerCase()) {
    throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
  }
  return id;
}

export const deleteAccessKey: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  call.ctx.iam.deleteAccessKey(requireOwnedKey(call));
  return null;
};

export const updateAccessKey: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  call.ctx.iam.setAccessKeyStatus(requireOwnedKey(call), req(call.input, 'Status'));
  return null;
};

export const listAccessKeys: QueryHandler = (call) => {
  authorize(call, keyResource(call));
  const owner = keyOwner(call);
  if (owner === null) return { AccessKeyMetadata: [], IsTruncated: false };
  const keys = call.ctx.iam.userAccessKeys(accountOf(call), owner);
  const after = afterMarker(call.input);
  const rest = after ? keys.slice(keys.findIndex((k) => k.access_key_id === after) + 1) : keys;
  const p = page(rest, maxItems(call.input), (k) => k.access_key_id);
  return {
    UserName: owner,
    ...pageXml(p, 'AccessKeyMetadata', (k) => ({ UserName: owner, AccessKeyId: k.access_key_id, Status: k.status, CreateDate: k.created_at })),
  };
};
