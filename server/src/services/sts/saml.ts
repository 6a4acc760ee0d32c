import { createHash } from 'node:crypto';
import { authorizeCaller, baseContext, compileStoredPolicy, guardrailLookup, type Caller } from '../../auth/caller.ts';
import { decisionSink } from '../../context.ts';
import { AwsError, validationError } from '../../errors.ts';
import type { RequestContext } from '../../policy/index.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { parseIdpMetadata, SamlError, verifySamlResponse, type SamlClaims } from '../../saml/verify.ts';
import { providerMetadata } from '../../saml/idp.ts';
import { samlStore } from '../../store/saml-store.ts';
import { num, req, type QueryCall } from '../query-service.ts';
import { addTagContext, checkRoleDuration, issueRoleSession, readSessionPolicies, readSessionTags } from './role-session.ts';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(?:\/[\x21-\x7e]*)?\/([\w+=,.@-]+)$/;
const PROVIDER_ARN = /^arn:aws:iam::(\d{12}):saml-provider\/([\w._-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const PRINCIPAL_TAG_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:';
const TRANSITIVE_TAGS_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys';

/** SAML attributes (by their OID names) that AWS exposes as saml:* condition keys. */
const ATTRIBUTE_KEYS: Record<string, string[]> = {
  'urn:oid:2.5.4.3': ['saml:cn', 'saml:commonname'],
  'urn:oid:2.5.4.42': ['saml:givenname'],
  'urn:oid:2.5.4.4': ['saml:surname'],
  'urn:oid:0.9.2342.19200300.100.1.3': ['saml:mail'],
  'urn:oid:0.9.2342.19200300.100.1.1': ['saml:uid'],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.1': ['saml:edupersonaffiliation'],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.6': ['saml:edupersonprincipalname'],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.7': ['saml:edupersonentitlement'],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.9': ['saml:edupersonscopedaffiliation'],
  'urn:oid:1.3.6.1.4.1.5923.1.1.1.10': ['saml:edupersontargetedid'],
  'urn:oid:2.5.4.10': ['saml:organizationname'],
};

function notAuthorized(): AwsError {
  return new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithSAML', 403);
}

/** saml:sub_type: the short form for the standard persistent and transient formats, the format URI otherwise. */
function subjectType(format: string): string {
  if (format === 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent') return 'persistent';
  if (format === 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient') return 'transient';
  return format;
}

/** AWS's documented NameQualifier: BASE64(SHA1(issuer + account id + "/" + provider name)). */
export function nameQualifier(issuer: string, accountId: string, providerName: string): string {
  return createHash('sha1').update(`${issuer}${accountId}/${providerName}`).digest('base64');
}

function samlContext(context: RequestContext, claims: SamlClaims, accountId: string, providerName: string, providerArn: string): void {
  context.set('saml:aud', [claims.recipient]);
  context.set('saml:iss', [claims.issuer]);
  context.set('saml:sub', [claims.nameId]);
  context.set('saml:sub_type', [subjectType(claims.nameIdFormat)]);
  context.set('saml:doc', [`${accountId}/${providerName}`]);
  context.set('saml:namequalifier', [nameQualifier(claims.issuer, accountId, providerName)]);
  context.set('aws:federatedprovider', [providerArn]);
  for (const [name, values] of claims.attributes) {
    for (const key of ATTRIBUTE_KEYS[name] ?? []) context.set(key, values);
  }
  if (claims.sourceIdentity !== undefined) context.set('sts:sourceidentity', [claims.sourceIdentity]);
}

function verified(call: QueryCall, assertion: string, metadata: string): SamlClaims {
  try {
    // The provider's metadata was validated when stored.
    return verifySamlResponse(assertion, parseIdpMetadata(metadata), call.facts.now);
  } catch (error) {
    if (!(error instanceof SamlError)) throw error;
    if (error.kind === 'expired') throw new AwsError('ExpiredTokenException', error.message, 400);
    throw new AwsError('InvalidIdentityToken', error.message, 400);
  }
}

/**
 * STS AssumeRoleWithSAML: no AWS credentials, the signed assertion is the proof. The signature is checked against the
 * provider's metadata, the assertion must name this role/provider pair, and the role's trust policy must allow the
 * provider (Principal Federated) under the saml:* keys.
 */
export function assumeRoleWithSaml(call: QueryCall): XmlObject {
  const { ctx, input } = call;
  const roleArnText = req(input, 'RoleArn');
  const providerArn = req(input, 'PrincipalArn');
  const role = ROLE_ARN.exec(roleArnText);
  if (!role) throw validationError(`${roleArnText} is invalid`);
  const provider = PROVIDER_ARN.exec(providerArn);
  if (!provider) throw validationError(`${providerArn} is invalid`);
  const [, accountId, roleName] = role as unknown as [string, string, string];
  const [, providerAccount, providerName] = provider as unknown as [string, string, string];
  if (providerAccount !== accountId) throw validationError('Principal exists outside the account of the Role being assumed.');

  const providerRow = samlStore(ctx.db).provider(providerArn);
  if (!providerRow) throw new AwsError('InvalidIdentityToken', "Specified provider doesn't exist", 400);
  const claims = verified(call, req(input, 'SAMLAssertion'), providerMetadata(providerRow.metadata, ctx.iam, call.facts.now));
  if (!claims.roles.some((r) => r.roleArn === roleArnText && r.providerArn === providerArn)) throw notAuthorized();
  const sessionName = claims.sessionName;
  if (sessionName === undefined) throw new AwsError('InvalidIdentityToken', 'RoleSessionName is required in AuthnResponse', 400);
  if (!SESSION_NAME.test(sessionName)) throw new AwsError('InvalidIdentityToken', `RoleSessionName ${sessionName} in AuthnResponse is invalid`, 400);

  // Tags from PrincipalTag:* attributes and TransitiveTagKeys, as AWS reads them from the assertion.
  const claimTags: Record<string, string> = {};
  for (const [name, values] of claims.attributes) {
    if (name.startsWith(PRINCIPAL_TAG_ATTRIBUTE) && values[0] !== undefined) claimTags[name.slice(PRINCIPAL_TAG_ATTRIBUTE.length)] = values[0];
  }
  const tags = readSessionTags(call, undefined, { tags: claimTags, transitiveKeys: claims.attributes.get(TRANSITIVE_TAGS_ATTRIBUTE) ?? [] });

  const federated: Caller = { principal: { kind: 'identity-provider', accountId, arn: providerArn, federated: providerArn }, userId: providerArn, accessKeyId: '', identityPolicies: [], organizations: guardrailLookup(call.ctx.iam) };
  const context = baseContext(federated, call.facts);
  samlContext(context, claims, accountId, providerName, providerArn);
  addTagContext(context, tags);
  const roleRow = ctx.iam.role(accountId, roleName);
  if (!roleRow) throw notAuthorized();
  const trust = { source: { id: `role/${roleRow.role_name}/trust`, kind: 'trust' as const }, policy: compileStoredPolicy(roleRow.trust_policy, 'trust') };
  const actions = ['sts:AssumeRoleWithSAML'];
  if (Object.keys(tags.tags).length) actions.push('sts:TagSession');
  if (claims.sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
  for (const action of actions) {
    const decision = authorizeCaller(federated, { action, resource: roleArnText, resourceAccount: accountId, context, resourcePolicy: trust, resourcePolicyRequired: true },
      decisionSink(ctx, call.facts.now, accountId));
    if (!decision.allowed) throw notAuthorized();
  }

  let duration = num(input, 'DurationSeconds') ?? 3600;
  checkRoleDuration(roleRow, duration, false);
  // The session ends at the IdP's SessionNotOnOrAfter if that comes first.
  if (claims.sessionNotOnOrAfter) duration = Math.min(duration, Math.floor((claims.sessionNotOnOrAfter.getTime() - call.facts.now.getTime()) / 1000));
  if (duration <= 0) throw new AwsError('ExpiredTokenException', 'Token expired: the SAML session has ended (SessionNotOnOrAfter)', 400);

  const issued = issueRoleSession(call, {
    role: roleRow, sessionName, durationSeconds: duration, policies: readSessionPolicies(call), tags, sourceIdentity: claims.sourceIdentity,
    federated: { providerArn, subject: claims.nameId },
  });
  return {
    Credentials: issued.Credentials,
    AssumedRoleUser: issued.AssumedRoleUser,
    PackedPolicySize: issued.PackedPolicySize,
    Subject: claims.nameId,
    SubjectType: subjectType(claims.nameIdFormat),
    Issuer: claims.issuer,
    Audience: claims.recipient,
    NameQualifier: nameQualifier(claims.issuer, accountId, providerName),
    SourceIdentity: issued.SourceIdentity,
  };
}
