// OpenID Connect identity providers (the trust anchors of AssumeRoleWithWebIdentity).
import { AwsError, entityAlreadyExists, limitExceeded, noSuchEntity, validationError } from '../../errors.ts';
import { iamEntities, oidcProviderArn, oidcProviderKey, type OidcProviderRow } from '../../store/iam-entities-store.ts';
import { isoSeconds } from '../../store/ids.ts';
import { req, type QueryCall, type QueryHandler } from '../query-service.ts';
import { entityTagHandlers, tagsJson } from './entity-tags.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { inputTags, mergeTags, tagList } from './tags.ts';

const PROVIDERS_PER_ACCOUNT = 100;
const CLIENT_IDS_PER_PROVIDER = 100;
const THUMBPRINTS_PER_PROVIDER = 5;

const invalidInput = (message: string): AwsError => new AwsError('InvalidInput', message, 400);

const strings = (call: QueryCall, member: string): string[] => {
  const v = call.input[member];
  return Array.isArray(v) ? v.map(String) : [];
};

const unique = (list: string[]): string[] => [...new Set(list)];

function checkThumbprints(thumbprints: string[]): string[] {
  const list = unique(thumbprints.map((t) => t.toLowerCase()));
  if (list.length > THUMBPRINTS_PER_PROVIDER) throw limitExceeded(`Thumbprint list must contain fewer than ${THUMBPRINTS_PER_PROVIDER + 1} entries`);
  for (const t of list) if (!/^[0-9a-f]{40}$/.test(t)) throw invalidInput(`Thumbprint ${t} is not a valid SHA-1 fingerprint (40 hexadecimal characters).`);
  return list;
}

/** The provider an ARN names in the caller's account; NoSuchEntity otherwise, with AWS's text. */
function requireProvider(call: QueryCall, missing?: string): OidcProviderRow {
  const arn = req(call.input, 'OpenIDConnectProviderArn');
  const m = /^arn:aws:iam::(\d{12}):oidc-provider\/(.+)$/.exec(arn);
  if (!m) throw invalidInput(`Invalid ARN: ${arn}`);
  const row = m[1] === accountOf(call) ? iamEntities(call.ctx.db).oidcProviderRow(m[1], m[2]!) : undefined;
  if (!row) throw noSuchEntity(missing ?? `OpenIDConnect Provider not found for arn ${arn}`);
  return row;
}

const save = (call: QueryCall, row: OidcProviderRow): void => iamEntities(call.ctx.db).updateOidcProvider(row);

export const createOpenIDConnectProvider: QueryHandler = (call) => {
  const url = req(call.input, 'Url');
  if (!/^https:\/\/[^/?#\s]+(\/[^?#\s]*)?$/i.test(url)) throw validationError('Invalid Open ID Connect Provider URL');
  const key = oidcProviderKey(url);
  const tags = mergeTags(null, inputTags(call.input));
  const arn = oidcProviderArn(accountOf(call), url);
  authorize(call, arn, requestTagContext(tags));
  const store = iamEntities(call.ctx.db);
  if (store.oidcProviderRow(accountOf(call), key)) throw entityAlreadyExists(`Provider with url ${url} already exists.`);
  if (store.oidcProviderRows(accountOf(call)).length >= PROVIDERS_PER_ACCOUNT) {
    throw limitExceeded(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${PROVIDERS_PER_ACCOUNT}`);
  }
  const clientIds = unique(strings(call, 'ClientIDList'));
  if (clientIds.length > CLIENT_IDS_PER_PROVIDER) throw limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${CLIENT_IDS_PER_PROVIDER}`);
  // Without thumbprints AWS secures the provider with its own trusted CAs; nothing to fetch here.
  const row: OidcProviderRow = {
    account_id: accountOf(call), url: key, client_ids: JSON.stringify(clientIds), thumbprints: JSON.stringify(checkThumbprints(strings(call, 'ThumbprintList'))),
    created_at: isoSeconds(call.facts.now), tags: tagsJson(tags),
  };
  store.insertOidcProvider(row);
  return { OpenIDConnectProviderArn: arn, Tags: tagList(row.tags) };
};

export const getOpenIDConnectProvider: QueryHandler = (call) => {
  authorize(call, req(call.input, 'OpenIDConnectProviderArn'));
  const row = requireProvider(call);
  return {
    Url: row.url, ClientIDList: JSON.parse(row.client_ids) as string[], ThumbprintList: JSON.parse(row.thumbprints) as string[],
    CreateDate: row.created_at, Tags: tagList(row.tags) ?? [],
  };
};

export const deleteOpenIDConnectProvider: QueryHandler = (call) => {
  const arn = req(call.input, 'OpenIDConnectProviderArn');
  authorize(call, arn);
  // DeleteOpenIDConnectProvider words a missing provider its own way (AWS's recorded answer).
  const row = requireProvider(call, `OpenId connect Provider ${arn} cannot be found.`);
  iamEntities(call.ctx.db).deleteOidcProvider(row.account_id, row.url);
  return null;
};

export const listOpenIDConnectProviders: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:oidc-provider/*`);
  return { OpenIDConnectProviderList: iamEntities(call.ctx.db).oidcProviderRows(accountOf(call)).map((r) => ({ Arn: oidcProviderArn(r.account_id, r.url) })) };
};

export const addClientIDToOpenIDConnectProvider: QueryHandler = (call) => {
  authorize(call, req(call.input, 'OpenIDConnectProviderArn'));
  const row = requireProvider(call);
  const ids = JSON.parse(row.client_ids) as string[];
  const id = req(call.input, 'ClientID');
  if (ids.includes(id)) return null;
  if (ids.length >= CLIENT_IDS_PER_PROVIDER) throw limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${CLIENT_IDS_PER_PROVIDER}`);
  save(call, { ...row, client_ids: JSON.stringify([...ids, id]) });
  return null;
};

export const removeClientIDFromOpenIDConnectProvider: QueryHandler = (call) => {
  authorize(call, req(call.input, 'OpenIDConnectProviderArn'));
  const row = requireProvider(call);
  const id = req(call.input, 'ClientID');
  // Idempotent: removing an id the provider does not have succeeds.
  save(call, { ...row, client_ids: JSON.stringify((JSON.parse(row.client_ids) as string[]).filter((c) => c !== id)) });
  return null;
};

export const updateOpenIDConnectProviderThumbprint: QueryHandler = (call) => {
  authorize(call, req(call.input, 'OpenIDConnectProviderArn'));
  const row = requireProvider(call);
  save(call, { ...row, thumbprints: JSON.stringify(checkThumbprints(strings(call, 'ThumbprintList'))) });
  return null;
};

export const oidcProviderTags = entityTagHandlers({
  resource: (call) => req(call.input, 'OpenIDConnectProviderArn'),
  tags: (call) => requireProvider(call).tags,
  save: (call, tags) => save(call, { ...requireProvider(call), tags: tagsJson(tags) }),
});
