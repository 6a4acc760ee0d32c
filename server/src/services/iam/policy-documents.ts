// Shared by IAM handlers: policy documents as IAM stores, measures, validates and returns them.
import { limitExceeded, malformedPolicy } from '../../errors.ts';
import { PolicyDocumentError, type PolicyKind, validatePolicyDocument } from '../../policy/index.ts';
import type { IamStore } from '../../store/iam-store.ts';

// IAM quotas (AWS defaults).
const MANAGED_POLICY_MAX_CHARS = 6144;
const TRUST_POLICY_MAX_CHARS = 2048;

// Documents as IAM answers them, URL-encoded: GetRole, GetPolicyVersion and the like encode the same text again and again.
const encodedDocuments = new Map<string, string>();
const ENCODED_DOCUMENTS_KEPT = 256;

/** IAM returns policy documents percent-encoded (RFC 3986), which clients decode. */
export function encodePolicyDocument(document: string): string {
  // A pure function of the text, so nothing can go stale; bounded, and emptied when full.
  let encoded = encodedDocuments.get(document);
  if (encoded === undefined) {
    encoded = encodeURIComponent(document).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    if (encodedDocuments.size >= ENCODED_DOCUMENTS_KEPT) encodedDocuments.clear();
    encodedDocuments.set(document, encoded);
  }
  return encoded;
}

/** IAM measures policy size without whitespace. */
export function policySize(document: string): number {
  return document.replace(/\s+/g, '').length;
}

export function validatePolicy(store: IamStore, document: string, kind: PolicyKind): void {
  try {
    validatePolicyDocument(document, kind, { principalExists: (arn) => principalExists(store, arn) });
  } catch (error) {
    if (error instanceof PolicyDocumentError) throw malformedPolicy(error.message);
    throw error;
  }
}

/** IAM rejects trust policies naming users or roles that do not exist in accounts it knows. */
function principalExists(store: IamStore, arn: string): boolean {
  const m = /^arn:aws:(iam|sts)::(\d{12}):(user|role|assumed-role|root|federated-user)(?:\/(.*))?$/.exec(arn);
  if (!m) return /^\d{12}$/.test(arn) || /^arn:aws:iam::\d{12}:root$/.test(arn);
  const [, service, account, type, rest = ''] = m;
  if (!store.account(account!)) return true;
  if (type === 'root') return service === 'iam';
  const name = rest.split('/').filter(Boolean);
  if (type === 'user' && service === 'iam') return name.length > 0 && store.user(account!, name[name.length - 1]!) !== undefined;
  if (type === 'role' && service === 'iam') return name.length > 0 && store.role(account!, name[name.length - 1]!) !== undefined;
  if (type === 'assumed-role' && service === 'sts') return name.length === 2 && store.role(account!, name[0]!) !== undefined;
  return type === 'federated-user' && service === 'sts';
}

export function validateTrustPolicy(store: IamStore, document: string): void {
  if (policySize(document) > TRUST_POLICY_MAX_CHARS) throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_MAX_CHARS}`);
  validatePolicy(store, document, 'trust');
}

export function validateManagedPolicy(store: IamStore, document: string): void {
  if (policySize(document) > MANAGED_POLICY_MAX_CHARS) throw limitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_MAX_CHARS}`);
  validatePolicy(store, document, 'identity');
}
