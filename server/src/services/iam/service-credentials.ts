// Service-specific credentials: user name + password for CodeCommit and Amazon Keyspaces, API keys (alias + secret)
// for Amazon Bedrock and CloudWatch Logs.
import { randomBytes } from 'node:crypto';
import { AwsError, limitExceeded, noSuchEntity } from '../../errors.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { credentialId, credentialsStore, type ServiceCredentialRow } from '../../store/credentials-store.ts';
import { isoSeconds } from '../../store/ids.ts';
import { num, req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { requireUser, userResource } from './entities.ts';
import { targetUserName } from './mfa.ts';

const PER_USER_PER_SERVICE = 2;
/** Services that issue a user name and password; the others issue API keys (alias and secret). */
const PASSWORD_SERVICES = new Set(['codecommit.amazonaws.com', 'cassandra.amazonaws.com']);
const API_KEY_SERVICES = new Set(['bedrock.amazonaws.com', 'logs.amazonaws.com']);

function checkService(service: string): void {
  if (!PASSWORD_SERVICES.has(service) && !API_KEY_SERVICES.has(service)) {
    throw new AwsError('NotSupportedService', `No such service ${service} is supported for Service-Specific Credentials`, 404);
  }
}

const password = (): string => randomBytes(33).toString('base64');

function requireCredential(call: QueryCall, user: string): ServiceCredentialRow {
  const id = req(call.input, 'ServiceSpecificCredentialId');
  const row = credentialsStore(call.ctx.db).serviceCredential(accountOf(call), id);
  if (!row || row.user_name.toLowerCase() !== user.toLowerCase()) throw noSuchEntity(`No such credential ${id} exists`);
  return row;
}

/** The whole credential, secret included (Create and Reset). */
function credentialXml(row: ServiceCredentialRow): XmlObject {
  return {
    CreateDate: row.created_at, ExpirationDate: row.expires_at ?? undefined, ServiceName: row.service_name, ServiceUserName: row.service_user_name ?? undefined,
    ServicePassword: row.service_password ?? undefined, ServiceCredentialAlias: row.credential_alias ?? undefined, ServiceCredentialSecret: row.credential_secret ?? undefined,
    ServiceSpecificCredentialId: row.credential_id, UserName: row.user_name, Status: row.status,
  };
}

export const createServiceSpecificCredential: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const service = req(call.input, 'ServiceName');
  checkService(service);
  const store = credentialsStore(call.ctx.db);
  if (store.serviceCredentialsOfUser(user.account_id, user.user_name).filter((c) => c.service_name === service).length >= PER_USER_PER_SERVICE) {
    throw limitExceeded(`Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: ${PER_USER_PER_SERVICE}`);
  }
  const days = num(call.input, 'CredentialAgeDays');
  const id = credentialId('ACCA', 17);
  const apiKey = API_KEY_SERVICES.has(service);
  const prefix = service === 'bedrock.amazonaws.com' ? 'BedrockAPIKey' : 'LogsAPIKey';
  const row: ServiceCredentialRow = {
    credential_id: id, account_id: user.account_id, user_name: user.user_name, service_name: service,
    service_user_name: apiKey ? null : `${user.user_name}-at-${user.account_id}`.slice(0, 200),
    service_password: apiKey ? null : password(),
    credential_alias: apiKey ? `${prefix}-${id.slice(-4).toLowerCase()}-at-${user.account_id}` : null,
    credential_secret: apiKey ? password() : null,
    status: 'Active', created_at: isoSeconds(call.facts.now),
    expires_at: days === undefined ? null : isoSeconds(new Date(call.facts.now.getTime() + days * 86_400_000)),
  };
  store.insertServiceCredential(row);
  return { ServiceSpecificCredential: credentialXml(row) };
};

export const updateServiceSpecificCredential: QueryHandler = (call) => {
  const name = targetUserName(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const row = requireCredential(call, user.user_name);
  credentialsStore(call.ctx.db).updateServiceCredential({ ...row, status: req(call.input, 'Status') });
  return null;
};

export const resetServiceSpecificCredential: QueryHandler = (call) => {
  const name = targetUserName(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const row = requireCredential(call, user.user_name);
  const next: ServiceCredentialRow = {
    ...row, service_password: row.service_password === null ? null : password(), credential_secret: row.credential_secret === null ? null : password(),
  };
  credentialsStore(call.ctx.db).updateServiceCredential(next);
  return { ServiceSpecificCredential: credentialXml(next) };
};

export const deleteServiceSpecificCredential: QueryHandler = (call) => {
  const name = targetUserName(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  credentialsStore(call.ctx.db).deleteServiceCredential(requireCredential(call, user.user_name).credential_id);
  return null;
};

export const listServiceSpecificCredentials: QueryHandler = (call) => {
  const service = str(call.input, 'ServiceName');
  if (service !== undefined) checkService(service);
  const store = credentialsStore(call.ctx.db);
  let rows: ServiceCredentialRow[];
  if (call.input.AllUsers === true) {
    authorize(call, `arn:aws:iam::${accountOf(call)}:user/*`);
    rows = store.serviceCredentialsOfAccount(accountOf(call));
  } else if (call.input.UserName === undefined && call.caller.principal.kind === 'root') {
    authorize(call, call.caller.principal.arn);
    rows = [];
  } else {
    const name = targetUserName(call);
    authorize(call, userResource(call, name));
    const user = requireUser(call, name);
    rows = store.serviceCredentialsOfUser(user.account_id, user.user_name);
  }
  rows = rows.filter((r) => service === undefined || r.service_name === service);
  const after = afterMarker(call.input);
  const start = after ? rows.findIndex((r) => r.credential_id === after) + 1 : 0;
  return pageXml(page(rows.slice(start), maxItems(call.input), (r) => r.credential_id), 'ServiceSpecificCredentials', (r) => ({
    UserName: r.user_name, Status: r.status, ServiceUserName: r.service_user_name ?? undefined, ServiceCredentialAlias: r.credential_alias ?? undefined,
    CreateDate: r.created_at, ExpirationDate: r.expires_at ?? undefined, ServiceSpecificCredentialId: r.credential_id, ServiceName: r.service_name,
  }));
};
