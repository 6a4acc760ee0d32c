import { lazyDependency } from '../lazy-dependency.ts';
import { AWS_ROLE_ATTRIBUTE, AWS_SAML_ENDPOINT, AWS_SESSION_DURATION_ATTRIBUTE, AWS_SESSION_NAME_ATTRIBUTE, AWS_SOURCE_IDENTITY_ATTRIBUTE } from './idp.ts';

const xmldom = lazyDependency<typeof import('@xmldom/xmldom')>('@xmldom/xmldom');
const xmlCrypto = lazyDependency<typeof import('xml-crypto')>('xml-crypto');

const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';
const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const NS_METADATA = 'urn:oasis:names:tc:SAML:2.0:metadata';
const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#';
/** Audiences AWS sign-in accepts (global and regional endpoints). */
const AWS_AUDIENCE = /^(https:\/\/([a-z0-9-]+\.)?signin\.aws\.amazon\.com\/saml|urn:amazon:webservices)$/;
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Why an assertion or metadata document was refused; the caller maps it to the AWS error. */
export class SamlError extends Error {
  constructor(readonly kind: 'malformed' | 'signature' | 'issuer' | 'expired' | 'claims', message: string) {
    super(message);
  }
}

/** Parses XML without DTDs (no entity expansion, no external entities); throws SamlError on anything malformed. */
function parseXml(xml: string): Document {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SamlError('malformed', 'DTDs are not allowed');
  let problem: string | undefined;
  const record = (msg: string): void => { problem ??= msg; };
  const doc = new (xmldom().DOMParser)({ errorHandler: { warning: () => undefined, error: record, fatalError: record } }).parseFromString(xml, 'text/xml');
  if (problem || !doc?.documentElement) throw new SamlError('malformed', problem ?? 'not XML');
  return doc;
}

function children(parent: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === local) out.push(node as Element);
  }
  return out;
}

const child = (parent: Element | undefined, ns: string, local: string): Element | undefined => (parent ? children(parent, ns, local)[0] : undefined);
const text = (el: Element | undefined): string | undefined => el?.textContent?.trim();

export interface IdpMetadata {
  entityId: string;
  /** Base64 DER signing certificates. */
  certificates: string[];
  validUntil?: string;
}

/** Reads what AWS needs from SAML IdP metadata: the entity id and the signing certificates. */
export function parseIdpMetadata(xml: string): IdpMetadata {
  const doc = parseXml(xml);
  const root = doc.documentElement;
  if (root.namespaceURI !== NS_METADATA || root.localName !== 'EntityDescriptor') throw new SamlError('malformed', 'root element is not an md:EntityDescriptor');
  const entityId = root.getAttribute('entityID');
  if (!entityId) throw new SamlError('malformed', 'EntityDescriptor has no entityID');
  const idp = child(root, NS_METADATA, 'IDPSSODescriptor');
  if (!idp) throw new SamlError('malformed', 'no IDPSSODescriptor');
  const certificates = children(idp, NS_METADATA, 'KeyDescriptor')
    .filter((kd) => (kd.getAttribute('use') || 'signing') === 'signing')
    .flatMap((kd) => Array.from(kd.getElementsByTagNameNS(NS_DSIG, 'X509Certificate')))
    .map((el) => (el.textContent ?? '').replace(/\s+/g, ''))
    .filter((c) => c.length > 0);
  if (!certificates.length) throw new SamlError('malformed', 'no signing certificate');
  return { entityId, certificates, validUntil: root.getAttribute('validUntil') || idp.getAttribute('validUntil') || undefined };
}

export interface SamlClaims {
  issuer: string;
  nameId: string;
  nameIdFormat: string;
  recipient: string;
  audiences: string[];
  roles: { roleArn: string; providerArn: string }[];
  sessionName?: string;
  sessionDurationSeconds?: number;
  sourceIdentity?: string;
  /** AuthnStatement SessionNotOnOrAfter: a session may not outlive it. */
  sessionNotOnOrAfter?: Date;
  /** Every attribute by name, for the saml:* condition keys. */
  attributes: Map<string, string[]>;
}

const pem = (certificate: string): string => `-----BEGIN CERTIFICATE-----\n${certificate.replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;

/**
 * Verifies the signature with the provider's certificates and returns the signed assertion. Only bytes covered by a
 * valid signature are read afterwards, so a wrapped or injected unsigned assertion cannot be used.
 */
function signedAssertion(xml: string, doc: Document, certificates: string[]): Element {
  const signatures = Array.from(doc.getElementsByTagNameNS(NS_DSIG, 'Signature')).filter((s) => {
    const parent = s.parentNode as Element | null;
    return parent && (parent.localName === 'Assertion' || parent.localName === 'Response');
  });
  if (!signatures.length) throw new SamlError('signature', 'Response signature invalid');
  for (const signature of signatures) {
    for (const certificate of certificates) {
      const verifier = new (xmlCrypto().SignedXml)({ publicCert: pem(certificate), getCertFromKeyInfo: () => null });
      try {
        verifier.loadSignature(signature);
        if (!verifier.checkSignature(xml)) continue;
      } catch {
        continue;
      }
      const [signed] = verifier.getSignedReferences();
      if (!signed) continue;
      const root = parseXml(signed).documentElement;
      if (root.namespaceURI === NS_ASSERTION && root.localName === 'Assertion') return root;
      if (root.namespaceURI === NS_PROTOCOL && root.localName === 'Response') {
        const inner = children(root, NS_ASSERTION, 'Assertion');
        if (inner.length === 1) return inner[0]!;
      }
    }
  }
  throw new SamlError('signature', 'Response signature invalid');
}

function instant(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Decodes, verifies and reads a base64 SAMLResponse the way AWS sign-in does. */
export function verifySamlResponse(base64: string, metadata: IdpMetadata, now: Date): SamlClaims {
  const compact = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new SamlError('malformed', 'Invalid base64 SAMLResponse');
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  const doc = parseXml(xml);
  const root = doc.documentElement;
  if (root.namespaceURI !== NS_PROTOCOL || root.localName !== 'Response') throw new SamlError('malformed', 'Invalid SAML response: no samlp:Response');
  const status = child(child(root, NS_PROTOCOL, 'Status'), NS_PROTOCOL, 'StatusCode')?.getAttribute('Value');
  if (status !== 'urn:oasis:names:tc:SAML:2.0:status:Success') throw new SamlError('claims', `SAML response status is ${status ?? 'missing'}`);

  const assertion = signedAssertion(xml, doc, metadata.certificates);
  const issuer = text(child(assertion, NS_ASSERTION, 'Issuer')) ?? '';
  if (issuer !== metadata.entityId) throw new SamlError('issuer', 'Issuer not present in specified provider');

  const nowMs = now.getTime();
  const subject = child(assertion, NS_ASSERTION, 'Subject');
  const nameIdElement = child(subject, NS_ASSERTION, 'NameID');
  const bearer = subject ? children(subject, NS_ASSERTION, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer') : [];
  const confirmation = bearer.map((c) => child(c, NS_ASSERTION, 'SubjectConfirmationData')).find((d) => d && AWS_AUDIENCE.test(d.getAttribute('Recipient') ?? ''));
  if (!nameIdElement || !confirmation) throw new SamlError('claims', 'Invalid SAML response: no NameID or bearer SubjectConfirmation for AWS');
  const expires = instant(confirmation.getAttribute('NotOnOrAfter'));
  if (expires === undefined) throw new SamlError('claims', 'SubjectConfirmationData has no NotOnOrAfter');
  if (nowMs >= expires) {
    throw new SamlError('expired', `Token expired: current date/time ${Math.floor(nowMs / 1000)} must be before the expiration date/time ${Math.floor(expires / 1000)}`);
  }
  const conditions = child(assertion, NS_ASSERTION, 'Conditions');
  const notBefore = instant(conditions?.getAttribute('NotBefore'));
  if (notBefore !== undefined && nowMs + CLOCK_SKEW_MS < notBefore) throw new SamlError('claims', 'SAML assertion is not yet valid');
  const notOnOrAfter = instant(conditions?.getAttribute('NotOnOrAfter'));
  if (notOnOrAfter !== undefined && nowMs >= notOnOrAfter) {
    throw new SamlError('expired', `Token expired: current date/time ${Math.floor(nowMs / 1000)} must be before the expiration date/time ${Math.floor(notOnOrAfter / 1000)}`);
  }
  const audiences = conditions
    ? children(conditions, NS_ASSERTION, 'AudienceRestriction').flatMap((r) => children(r, NS_ASSERTION, 'Audience')).map((a) => text(a) ?? '')
    : [];
  if (audiences.length && !audiences.some((a) => AWS_AUDIENCE.test(a))) throw new SamlError('claims', 'SAML assertion audience does not include AWS sign-in');

  const attributes = new Map<string, string[]>();
  for (const statement of children(assertion, NS_ASSERTION, 'AttributeStatement')) {
    for (const attribute of children(statement, NS_ASSERTION, 'Attribute')) {
      const name = attribute.getAttribute('Name') ?? '';
      const values = children(attribute, NS_ASSERTION, 'AttributeValue').map((v) => text(v) ?? '');
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  const roles = (attributes.get(AWS_ROLE_ATTRIBUTE) ?? []).flatMap((value) => {
    const parts = value.split(',').map((p) => p.trim());
    const roleArn = parts.find((p) => /^arn:aws:iam::\d{12}:role\//.test(p));
    const providerArn = parts.find((p) => /^arn:aws:iam::\d{12}:saml-provider\//.test(p));
    return parts.length === 2 && roleArn && providerArn ? [{ roleArn, providerArn }] : [];
  });
  const duration = attributes.get(AWS_SESSION_DURATION_ATTRIBUTE)?.[0];
  const sessionEnd = instant(child(assertion, NS_ASSERTION, 'AuthnStatement')?.getAttribute('SessionNotOnOrAfter'));
  return {
    issuer,
    nameId: text(nameIdElement) ?? '',
    nameIdFormat: nameIdElement.getAttribute('Format') || 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    recipient: confirmation.getAttribute('Recipient') ?? AWS_SAML_ENDPOINT,
    audiences,
    roles,
    sessionName: attributes.get(AWS_SESSION_NAME_ATTRIBUTE)?.[0],
    sessionDurationSeconds: duration !== undefined && /^\d+$/.test(duration) ? Number(duration) : undefined,
    sourceIdentity: attributes.get(AWS_SOURCE_IDENTITY_ATTRIBUTE)?.[0],
    sessionNotOnOrAfter: sessionEnd === undefined ? undefined : new Date(sessionEnd),
    attributes,
  };
}
