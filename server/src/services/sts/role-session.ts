// Issuing STS sessions, shared by AssumeRole, AssumeRoleWithWebIdentity (and later AssumeRoleWithSAML) and
// GetFederationToken: session policies, session tags and their limits, and the stored credentials.
import { sessionTagsOf } from '../../auth/caller.ts';
import { AwsError, malformedPolicy, validationError } from '../../errors.ts';
import { PolicyDocumentError, validatePolicyDocument, type RequestContext } from '../../policy/index.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { RoleRow, SessionRow } from '../../store/iam-store.ts';
import { awsId, isoSeconds, secretAccessKey, sessionToken } from '../../store/ids.ts';
import type { QueryCall } from '../query-service.ts';

/** Packed session policies (inline JSON plus managed ARNs) and session tags may not exceed this, as on AWS. */
export const PACKED_MAX_CHARS = 2048;
export const MAX_SESSION_TAGS = 50;
export const ROLE_CHAINING_MAX_SECONDS = 3600;
export const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/;

export interface SessionPolicies { inline?: string; arns: string[] }

/** Reads and validates Policy and PolicyArns (the model has checked lengths and patterns). */
export function readSessionPolicies(call: QueryCall): SessionPolicies {
  const inline = typeof call.input.Policy === 'string' ? call.input.Policy : undefined;
  if (inline !== undefined) {
    try {
      validatePolicyDocument(inline, 'session');
    } catch (error) {
      if (error instanceof PolicyDocumentError) throw malformedPolicy(error.message);
      throw error;
    }
  }
  const list = call.input.PolicyArns;
  const arns = Array.isArray(list)
    ? list.map((item) => (typeof item === 'object' && !Array.isArray(item) && typeof item.arn === 'string' ? item.arn : ''))
    : [];
  for (const arn of arns) {
    if (!/^arn:aws:iam::(\d{12}|aws):policy\/.+/.test(arn)) throw validationError(`${arn} is invalid`);
  }
  return { inline, arns };
}

export interface SessionTags {
  /** All tags of the new session, inherited transitive tags included, in their given spelling. */
  tags: Record<string, string>;
  /** Keys (as spelled in tags) that pass on to sessions assumed from the new one. */
  transitiveKeys: string[];
  /** Tags and transitive keys the request passed (not inherited): what aws:RequestTag and aws:TagKeys describe. */
  requested: Record<string, string>;
  requestedTransitive: string[];
}

const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterValue', message, 400);

/** Tags and TransitiveTagKeys from the request, plus the transitive tags of the calling session (role chaining). */
export function readSessionTags(call: QueryCall, parent: SessionRow | undefined, extra?: { tags: Record<string, string>; transitiveKeys: string[] }): SessionTags {
  const requested: Record<string, string> = { ...(extra?.tags ?? {}) };
  const seen = new Set(Object.keys(requested).map((k) => k.toLowerCase()));
  const list = Array.isArray(call.input.Tags) ? call.input.Tags : [];
  for (const item of list) {
    if (typeof item !== 'object' || Array.isArray(item)) continue;
    const key = typeof item.Key === 'string' ? item.Key : '';
    const value = typeof item.Value === 'string' ? item.Value : '';
    if (seen.has(key.toLowerCase())) throw invalidParameter('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(key.toLowerCase());
    requested[key] = value;
  }
  const transitiveInput = Array.isArray(call.input.TransitiveTagKeys) ? call.input.TransitiveTagKeys.filter((k): k is string => typeof k === 'string') : [];
  const requestedTransitive = [...(extra?.transitiveKeys ?? []), ...transitiveInput];
  for (const key of requestedTransitive) {
    if (!seen.has(key.toLowerCase())) throw invalidParameter('The specified transitive tag key must be included in the requested tags.');
  }

  // Transitive tags of the calling session carry over and cannot be changed.
  const tags: Record<string, string> = {};
  const transitiveKeys: string[] = [];
  const parentTags = sessionTagsOf(parent);
  const parentTransitive = parent?.transitive_tag_keys ? (JSON.parse(parent.transitive_tag_keys) as string[]) : [];
  for (const key of parentTransitive) {
    const value = parentTags[key];
    if (value === undefined) continue;
    if (seen.has(key.toLowerCase())) {
      throw invalidParameter(`One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.`);
    }
    tags[key] = value;
    transitiveKeys.push(key);
  }
  Object.assign(tags, requested);
  for (const key of requestedTransitive) {
    const spelled = Object.keys(requested).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key;
    if (!transitiveKeys.includes(spelled)) transitiveKeys.push(spelled);
  }
  if (Object.keys(tags).length > MAX_SESSION_TAGS) {
    throw validationError(`1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SESSION_TAGS}`);
  }
  return { tags, transitiveKeys, requested, requestedTransitive };
}

/** aws:RequestTag/*, aws:TagKeys and sts:TransitiveTagKeys for the request's own tags. */
export function addTagContext(context: RequestContext, tags: SessionTags): void {
  const keys = Object.keys(tags.requested);
  if (!keys.length) return;
  for (const [key, value] of Object.entries(tags.requested)) context.set(`aws:requesttag/${key.toLowerCase()}`, [value]);
  context.set('aws:tagkeys', keys);
  if (tags.requestedTransitive.length) context.set('sts:transitivetagkeys', tags.requestedTransitive);
}

/**
 * PackedPolicySize: the share (percent) of the packed budget that session policies and tags use; throws
 * PackedPolicyTooLarge beyond 100%.
 */
export function packedPolicySize(policies: SessionPolicies, tags: Record<string, string>): number | undefined {
  const policyChars = (policies.inline ?? '').replace(/\s+/g, '').length + policies.arns.join('').length;
  const tagChars = Object.entries(tags).reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
  const percent = Math.ceil(((policyChars + tagChars) / PACKED_MAX_CHARS) * 100);
  if (percent > 100) {
    if (tagChars === 0) throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`, 400);
    if (policyChars === 0) throw new AwsError('PackedPolicyTooLarge', `Packed size of session tags consumes ${percent}% of allotted space.`, 400);
    throw new AwsError('PackedPolicyTooLarge', `Packed size of session policies and session tags consumes ${percent}% of allotted space.`, 400);
  }
  return policyChars + tagChars > 0 ? percent : undefined;
}

type SessionFields = Omit<SessionRow, 'access_key_id' | 'secret_key' | 'session_token' | 'issued_at' | 'expires_at'>;

/** New temporary credentials, stored so they work at once; returns them as STS's Credentials element. */
export function issueCredentials(call: QueryCall, durationSeconds: number, session: SessionFields): XmlObject {
  const now = call.facts.now;
  const expires = new Date(now.getTime() + durationSeconds * 1000);
  const row: SessionRow = {
    ...session, access_key_id: awsId('ASIA'), secret_key: secretAccessKey(), session_token: sessionToken(), issued_at: isoSeconds(now), expires_at: expires.toISOString(),
  };
  call.ctx.iam.insertSession(row);
  return { AccessKeyId: row.access_key_id, SecretAccessKey: row.secret_key, SessionToken: row.session_token, Expiration: isoSeconds(expires) };
}

/** Who a role session is for beyond its role: the identity provider that vouched for it (web identity, SAML). */
export interface FederatedPrincipal {
  /** The provider's ARN (arn:aws:iam::A:oidc-provider/host/path or …:saml-provider/NAME). */
  providerArn: string;
  /** The subject the provider named (the token's sub, the assertion's NameID). */
  subject: string;
}

export interface RoleSessionRequest {
  role: RoleRow;
  sessionName: string;
  durationSeconds: number;
  policies: SessionPolicies;
  tags?: SessionTags;
  sourceIdentity?: string;
  federated?: FederatedPrincipal;
  /** When MFA was verified for this session (AssumeRole's SerialNumber/TokenCode, or carried from the calling session). */
  mfaAuthenticatedAt?: string | null;
}

export interface IssuedRoleSession {
  Credentials: XmlObject;
  AssumedRoleUser: XmlObject;
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

/** DurationSeconds against the role's MaxSessionDuration and, for role chaining, the 1-hour limit. */
export function checkRoleDuration(role: RoleRow, duration: number, chained: boolean): void {
  if (chained && duration > ROLE_CHAINING_MAX_SECONDS) {
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration > role.max_session_duration) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
}

/** Issues a session of `role` (authorization already done): stores it and returns the response members every AssumeRole* shares. */
export function issueRoleSession(call: QueryCall, request: RoleSessionRequest): IssuedRoleSession {
  const { role, sessionName, policies, tags } = request;
  const packed = packedPolicySize(policies, tags?.tags ?? {});
  const credentials = issueCredentials(call, request.durationSeconds, {
    account_id: role.account_id, role_name: role.role_name, role_id: role.role_id, session_name: sessionName,
    source_identity: request.sourceIdentity ?? null,
    session_policy: policies.inline ?? null, session_policy_arns: policies.arns.length ? JSON.stringify(policies.arns) : null,
    tags: tags && Object.keys(tags.tags).length ? JSON.stringify(tags.tags) : null,
    transitive_tag_keys: tags?.transitiveKeys.length ? JSON.stringify(tags.transitiveKeys) : null,
    federated_provider: request.federated?.providerArn ?? null,
    mfa_authenticated_at: request.mfaAuthenticatedAt ?? null,
  });
  return {
    Credentials: credentials,
    AssumedRoleUser: {
      AssumedRoleId: `${role.role_id}:${sessionName}`,
      Arn: `arn:aws:sts::${role.account_id}:assumed-role/${role.role_name}/${sessionName}`,
    },
    PackedPolicySize: packed,
    SourceIdentity: request.sourceIdentity,
  };
}

/** Unsigned requests may call AssumeRoleWithWebIdentity/SAML only. */
export function requireSigned(call: QueryCall): void {
  if (call.caller.principal.kind === 'anonymous') throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
}
