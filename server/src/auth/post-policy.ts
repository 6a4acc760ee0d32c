import { createHmac } from 'node:crypto';
import { ALGORITHM, deriveSigningKey, sameSignature, type AuthError, type CredentialRecord } from './sigv4.ts';

/**
 * The signature of an S3 browser POST form: the form's base64 policy signed with the SigV4 signing key of the
 * x-amz-credential scope ("Calculating a Signature" for POST, S3 API reference: signature = hex(HMAC-SHA256(signing
 * key, base64 policy))), or with SigV2 (base64(HMAC-SHA1(secret, base64 policy)), AWSAccessKeyId + signature fields).
 * Pure: the caller looks credentials up; field names are matched case-insensitively, as S3 does.
 */

export interface PostSignature<C extends CredentialRecord> {
  credential: C;
  accessKeyId: string;
  region: string;
  version: 'v4' | 'v2';
}

const V4_FIELDS = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'] as const;
const V2_FIELDS = ['awsaccesskeyid', 'signature'] as const;
/** How S3 names a missing field in its error (the names its documentation gives them). */
const FIELD_NAMES: Record<string, string> = {
  'x-amz-algorithm': 'X-Amz-Algorithm', 'x-amz-credential': 'X-Amz-Credential', 'x-amz-date': 'X-Amz-Date', 'x-amz-signature': 'X-Amz-Signature',
  awsaccesskeyid: 'AWSAccessKeyId', signature: 'Signature', policy: 'Policy',
};

const error = (code: string, message: string, status: number, extra?: Record<string, string>): { ok: false; error: AuthError } =>
  ({ ok: false, error: extra ? { code, message, status, extra } : { code, message, status } });

/** `Bucket POST must contain a field named '…'.` — S3's answer for an incomplete set of signature fields. */
export function missingPostField(name: string): { ok: false; error: AuthError } {
  const shown = FIELD_NAMES[name] ?? name;
  return error('InvalidArgument', `Bucket POST must contain a field named '${shown}'.  If it is specified, please check the order of the fields.`, 400,
    { ArgumentName: shown, ArgumentValue: '' });
}

const signatureMismatch = (): { ok: false; error: AuthError } => error('SignatureDoesNotMatch',
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.', 403);

/** Which signature a form carries: none (an anonymous form), or v4/v2 when any of its fields is present. */
export function postSignatureVersion(fields: ReadonlyMap<string, string>): 'v4' | 'v2' | undefined {
  if (V4_FIELDS.some((f) => fields.has(f))) return 'v4';
  if (V2_FIELDS.some((f) => fields.has(f))) return 'v2';
  return undefined;
}

/**
 * Verifies the form's signature over its policy. Order as for signed requests: fields present → credential scope →
 * access key → session token → signature → credential expiry. `fields` is keyed by lower-cased field name.
 */
export function verifyPostSignature<C extends CredentialRecord>(
  fields: ReadonlyMap<string, string>, now: Date, lookup: (accessKeyId: string) => C | undefined,
): { ok: true; value: PostSignature<C> } | { ok: false; error: AuthError } {
  const version = postSignatureVersion(fields);
  const required = version === 'v2' ? V2_FIELDS : V4_FIELDS;
  for (const name of required) if (!fields.has(name)) return missingPostField(name);
  const policy = fields.get('policy');
  if (policy === undefined) return missingPostField('policy');
  let accessKeyId: string;
  let region = '';
  let expected: (secret: string) => string;
  let given: string;
  if (version === 'v2') {
    accessKeyId = fields.get('awsaccesskeyid')!;
    given = fields.get('signature')!;
    expected = (secret) => createHmac('sha1', secret).update(policy, 'utf8').digest('base64');
  } else {
    const algorithm = fields.get('x-amz-algorithm')!;
    if (algorithm !== ALGORITHM) {
      return error('InvalidArgument', `Unsupported Algorithm: ${algorithm}`, 400, { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm });
    }
    const credentialText = fields.get('x-amz-credential')!;
    const scope = credentialText.split('/');
    const [id, date, scopeRegion, service, terminator] = scope;
    if (scope.length !== 5 || !id || !/^\d{8}$/.test(date ?? '') || !scopeRegion || service !== 's3' || terminator !== 'aws4_request') {
      return error('InvalidArgument', 'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
        400, { ArgumentName: 'x-amz-credential', ArgumentValue: credentialText });
    }
    const amzDate = fields.get('x-amz-date')!;
    if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
      return error('InvalidArgument', 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"', 400, { ArgumentName: 'x-amz-date', ArgumentValue: amzDate });
    }
    accessKeyId = id;
    region = scopeRegion;
    given = fields.get('x-amz-signature')!;
    expected = (secret) => createHmac('sha256', deriveSigningKey(secret, date!, scopeRegion, 's3')).update(policy, 'utf8').digest('hex');
  }
  const credential = lookup(accessKeyId);
  if (!credential) return error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: accessKeyId });
  const token = fields.get('x-amz-security-token');
  if (credential.sessionToken !== undefined) {
    // A session's key without its token is unknown to S3, as in a signed request.
    if (token === undefined) return error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: accessKeyId });
    if (!sameSignature(credential.sessionToken, token)) return error('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
  } else if (token !== undefined && token !== '') {
    return error('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
  }
  if (!sameSignature(expected(credential.secretKey), given)) return signatureMismatch();
  if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) return error('ExpiredToken', 'The provided token has expired.', 400);
  return { ok: true, value: { credential, accessKeyId, region, version: version ?? 'v4' } };
}
