import { randomUUID } from 'node:crypto';
import { AwsError, entityAlreadyExists, limitExceeded, noSuchEntity } from '../../errors.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { providerMetadata } from '../../saml/idp.ts';
import { parseIdpMetadata, SamlError, type IdpMetadata } from '../../saml/verify.ts';
import { isoSeconds } from '../../store/ids.ts';
import { samlProviderArn, samlStore, validUntil, type SamlProviderRow } from '../../store/saml-store.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { tagPage } from './entity-tags.ts';
import { authorize, requestTagContext } from './authorize.ts';
import { inputTags, mergeTags, tagList } from './tags.ts';

/** AWS's default quota of SAML providers per account. */
const SAML_PROVIDERS_PER_ACCOUNT = 100;

/** Metadata as IAM checks it on Create/UpdateSAMLProvider. */
function checkedMetadata(document: string): IdpMetadata {
  try {
    return parseIdpMetadata(document);
  } catch (error) {
    if (error instanceof SamlError) throw new AwsError('InvalidInput', 'Could not parse metadata', 400);
    throw error;
  }
}

function requireProvider(call: QueryCall, arn: string): SamlProviderRow {
  const row = samlStore(call.ctx.db).provider(arn);
  if (!row || row.account_id !== call.caller.principal.accountId) throw noSuchEntity(`Manifest not found for arn ${arn}`);
  return row;
}

function checkArn(arn: string): void {
  if (!/^arn:aws:iam::\d{12}:saml-provider\/[\w._-]+$/.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`, 400);
}

const createSamlProvider: QueryHandler = (call) => {
  const accountId = call.caller.principal.accountId;
  const name = req(call.input, 'Name');
  const arn = samlProviderArn(accountId, name);
  const tags = inputTags(call.input);
  authorize(call, arn, requestTagContext(tags));
  const store = samlStore(call.ctx.db);
  const document = req(call.input, 'SAMLMetadataDocument');
  const metadata = checkedMetadata(document);
  if (store.providerNamed(accountId, name)) throw entityAlreadyExists(`SAMLProvider ${name} already exists`);
  if (store.providers(accountId).length >= SAML_PROVIDERS_PER_ACCOUNT) throw limitExceeded(`Cannot exceed quota for SAMLProvidersPerAccount: ${SAML_PROVIDERS_PER_ACCOUNT}`);
  const now = call.facts.now;
  const merged = mergeTags(null, tags);
  store.insert({
    arn, account_id: accountId, name, provider_uuid: `p-${randomUUID()}`, metadata: document, valid_until: validUntil(metadata, now), created_at: isoSeconds(now),
    tags: Object.keys(merged).length ? JSON.stringify(merged) : null,
  });
  return { SAMLProviderArn: arn, Tags: tagList(JSON.stringify(merged)) };
};

const getSamlProvider: QueryHandler = (call) => {
  const arn = req(call.input, 'SAMLProviderArn');
  checkArn(arn);
  authorize(call, arn);
  const row = requireProvider(call, arn);
  return {
    SAMLProviderUUID: row.provider_uuid, SAMLMetadataDocument: providerMetadata(row.metadata, call.ctx.iam, call.facts.now), CreateDate: row.created_at, ValidUntil: row.valid_until,
    // AWS lists no private keys as an empty PrivateKeyList (iamlocal never decrypts assertions, so there are none).
    Tags: tagList(row.tags) ?? [], AssertionEncryptionMode: 'Allowed', PrivateKeyList: [],
  };
};

const updateSamlProvider: QueryHandler = (call) => {
  const arn = req(call.input, 'SAMLProviderArn');
  checkArn(arn);
  authorize(call, arn);
  const row = requireProvider(call, arn);
  const document = str(call.input, 'SAMLMetadataDocument');
  if (document !== undefined) samlStore(call.ctx.db).updateMetadata(row.arn, document, validUntil(checkedMetadata(document), new Date(row.created_at)));
  return { SAMLProviderArn: row.arn };
};

const deleteSamlProvider: QueryHandler = (call) => {
  const arn = req(call.input, 'SAMLProviderArn');
  checkArn(arn);
  authorize(call, arn);
  requireProvider(call, arn);
  samlStore(call.ctx.db).remove(arn);
  return null;
};

const listSamlProviders: QueryHandler = (call) => {
  authorize(call, '*');
  const list: XmlObject[] = samlStore(call.ctx.db).providers(call.caller.principal.accountId)
    .map((row) => ({ Arn: row.arn, ValidUntil: row.valid_until, CreateDate: row.created_at }));
  return { SAMLProviderList: list };
};

const tagSamlProvider: QueryHandler = (call) => {
  const arn = req(call.input, 'SAMLProviderArn');
  const added = inputTags(call.input);
  authorize(call, arn, requestTagContext(added));
  const row = requireProvider(call, arn);
  samlStore(call.ctx.db).setTags(row.arn, mergeTags(row.tags, added));
  return null;
};

const untagSamlProvider: QueryHandler = (call) => {
  const arn = req(call.input, 'SAMLProviderArn');
  const keys = Array.isArray(call.input.TagKeys) ? call.input.TagKeys.map(String) : [];
  authorize(call, arn, keys.length ? { 'aws:TagKeys': keys } : {});
  const row = requireProvider(call, arn);
  const tags = mergeTags(row.tags, {});
  for (const k of Object.keys(tags)) if (keys.some((key) => key.toLowerCase() === k.toLowerCase())) delete tags[k];
  samlStore(call.ctx.db).setTags(row.arn, tags);
  return null;
};

const listSamlProviderTags: QueryHandler = (call) => {
  const arn = req(call.input, 'SAMLProviderArn');
  authorize(call, arn);
  return tagPage(requireProvider(call, arn).tags, call);
};

export const samlProviderHandlers: Record<string, QueryHandler> = {
  CreateSAMLProvider: createSamlProvider, GetSAMLProvider: getSamlProvider, UpdateSAMLProvider: updateSamlProvider,
  DeleteSAMLProvider: deleteSamlProvider, ListSAMLProviders: listSamlProviders,
  TagSAMLProvider: tagSamlProvider, UntagSAMLProvider: untagSamlProvider, ListSAMLProviderTags: listSamlProviderTags,
};
