import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { lazyDependency } from '../lazy-dependency.ts';
import { selfSignedCertificate } from './x509.ts';

const xmlCrypto = lazyDependency<typeof import('xml-crypto')>('xml-crypto');

/** The entity id of iamlocal's built-in SAML identity provider (stable, so metadata does not depend on the port). */
export const IDP_ENTITY_ID = 'urn:iamlocal:saml:idp';
export const AWS_SAML_ENDPOINT = 'https://signin.aws.amazon.com/saml';
export const AWS_ROLE_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/Role';
export const AWS_SESSION_NAME_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/RoleSessionName';
export const AWS_SESSION_DURATION_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SessionDuration';
export const AWS_SOURCE_IDENTITY_ATTRIBUTE = 'https://aws.amazon.com/SAML/Attributes/SourceIdentity';

const SETTING = 'saml:idp';
const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

export interface IdentityProvider {
  privateKey: KeyObject;
  /** Base64 DER of the signing certificate, as metadata carries it. */
  certificate: string;
}

/** Where the IdP keeps its key: the account settings of iamlocal's store (saml/ does not depend on store/). */
export interface IdpSettings {
  setting(name: string): string | undefined;
  putSetting(name: string, value: string): void;
}

const loaded = new WeakMap<IdpSettings, IdentityProvider>();

/** The built-in IdP's key and certificate: made once per database (kept across resets) and only when first needed. */
export function identityProvider(store: IdpSettings, now: Date): IdentityProvider {
  const cached = loaded.get(store);
  if (cached) return cached;
  const saved = store.setting(SETTING);
  let idp: IdentityProvider;
  if (saved) {
    const { privateKeyPem, certificate } = JSON.parse(saved) as { privateKeyPem: string; certificate: string };
    idp = { privateKey: createPrivateKey(privateKeyPem), certificate };
  } else {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = selfSignedCertificate(privateKey, publicKey, {
      commonName: 'iamlocal SAML IdP', serial: randomBytes(16), notBefore: new Date(now.getTime() - 86_400_000), notAfter: new Date(now.getTime() + 10 * 365 * 86_400_000),
    });
    idp = { privateKey, certificate: der.toString('base64') };
    store.putSetting(SETTING, JSON.stringify({ privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }), certificate: idp.certificate }));
  }
  // The key must match the certificate even if the setting was edited by hand.
  createPublicKey(idp.privateKey);
  loaded.set(store, idp);
  return idp;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** SAML 2.0 IdP metadata naming the signing certificate: what CreateSAMLProvider takes. */
export function idpMetadata(idp: IdentityProvider, ssoLocation: string): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${IDP_ENTITY_ID}">`,
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS_PROTOCOL}">`,
    `    <md:KeyDescriptor use="signing">`,
    `      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${idp.certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`,
    `    </md:KeyDescriptor>`,
    `    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>`,
    `    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>`,
    `    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escapeXml(ssoLocation)}"/>`,
    `  </md:IDPSSODescriptor>`,
    `</md:EntityDescriptor>`,
    '',
  ].join('\n');
}

export interface AssertionRequest {
  /** Pairs AWS reads from the Role attribute: which roles this user may take, through which provider. */
  roles: { roleArn: string; providerArn: string }[];
  sessionName: string;
  nameId: string;
  nameIdFormat?: string;
  sessionDurationSeconds?: number;
  sourceIdentity?: string;
  /** Further attributes by name (e.g. `https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project`). */
  attributes?: Record<string, string[]>;
  now: Date;
  /** How long the assertion may be presented; AWS's own IdPs use a few minutes. */
  validForSeconds?: number;
}

function attributeXml(name: string, values: string[]): string {
  const items = values.map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`).join('');
  return `<saml:Attribute Name="${escapeXml(name)}">${items}</saml:Attribute>`;
}

/** A SAML 2.0 Response for AWS sign-in with one assertion, signed (enveloped, exclusive c14n, RSA-SHA256) by the IdP key. */
export function signedSamlResponse(idp: IdentityProvider, request: AssertionRequest): string {
  const issued = request.now.toISOString();
  const notOnOrAfter = new Date(request.now.getTime() + (request.validForSeconds ?? 300) * 1000).toISOString();
  const notBefore = new Date(request.now.getTime() - 60_000).toISOString();
  const assertionId = `_${randomUUID()}`;
  const attributes = [
    attributeXml(AWS_ROLE_ATTRIBUTE, request.roles.map((r) => `${r.roleArn},${r.providerArn}`)),
    attributeXml(AWS_SESSION_NAME_ATTRIBUTE, [request.sessionName]),
    ...(request.sessionDurationSeconds !== undefined ? [attributeXml(AWS_SESSION_DURATION_ATTRIBUTE, [String(request.sessionDurationSeconds)])] : []),
    ...(request.sourceIdentity !== undefined ? [attributeXml(AWS_SOURCE_IDENTITY_ATTRIBUTE, [request.sourceIdentity])] : []),
    ...Object.entries(request.attributes ?? {}).map(([name, values]) => attributeXml(name, values)),
  ];
  const assertion = [
    `<saml:Assertion xmlns:saml="${NS_ASSERTION}" ID="${assertionId}" Version="2.0" IssueInstant="${issued}">`,
    `<saml:Issuer>${IDP_ENTITY_ID}</saml:Issuer>`,
    `<saml:Subject><saml:NameID Format="${escapeXml(request.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')}">${escapeXml(request.nameId)}</saml:NameID>`,
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${AWS_SAML_ENDPOINT}"/></saml:SubjectConfirmation></saml:Subject>`,
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${AWS_SAML_ENDPOINT}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`,
    `<saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
    `<saml:AttributeStatement>${attributes.join('')}</saml:AttributeStatement>`,
    `</saml:Assertion>`,
  ].join('');
  const response = [
    `<samlp:Response xmlns:samlp="${NS_PROTOCOL}" ID="_${randomUUID()}" Version="2.0" IssueInstant="${issued}" Destination="${AWS_SAML_ENDPOINT}">`,
    `<saml:Issuer xmlns:saml="${NS_ASSERTION}">${IDP_ENTITY_ID}</saml:Issuer>`,
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>`,
    assertion,
    `</samlp:Response>`,
  ].join('');
  const signer = new (xmlCrypto().SignedXml)({
    privateKey: idp.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicCert: `-----BEGIN CERTIFICATE-----\n${idp.certificate}\n-----END CERTIFICATE-----\n`,
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  });
  signer.addReference({
    xpath: `//*[local-name(.)='Assertion' and @ID='${assertionId}']`,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  // SAML's schema puts the signature right after the assertion's Issuer.
  signer.computeSignature(response, { location: { reference: `//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']`, action: 'after' } });
  return signer.getSignedXml();
}

/** A provider's metadata document; an empty stored document stands for the built-in IdP's. */
export function providerMetadata(stored: string, store: IdpSettings, now: Date): string {
  return stored || idpMetadata(identityProvider(store, now), 'http://127.0.0.1/_iamlocal/saml/assertion');
}
