import { authorizeCaller, baseContext, compileStoredPolicy } from '../../auth/caller.ts';
import { AwsError, malformedPolicy, validationError } from '../../http/errors.ts';
import { parsePolicy, PolicyDocumentError } from '../../policy/index.ts';
import type { ServiceModel } from '../../protocol/query.ts';
import { awsId, isoSeconds, secretAccessKey, sessionToken } from '../../store/ids.ts';
import { decisionSink } from '../../context.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import type { SessionRow } from '../../store/iam-store.ts';
import { accessDenied } from '../access-denied.ts';
import { num, req, str, type QueryCall, type QueryService } from '../query-service.ts';
import modelJson from './model.json' with { type: 'json' };
import { assumeRoleWithSaml } from './saml.ts';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/;
/** Packed session policies (inline JSON plus managed ARNs) may not exceed this, as on AWS. */
const SESSION_POLICY_MAX_CHARS = 2048;
const ROLE_CHAINING_MAX_SECONDS = 3600;

/** New temporary credentials, stored so they work at once; returns them as STS's Credentials element. */
export function issueCredentials(call: QueryCall, durationSeconds: number, session: Omit<SessionRow, 'access_key_id' | 'secret_key' | 'session_token' | 'issued_at' | 'expires_at'>): XmlObject {
  const now = call.facts.now;
  const expires = new Date(now.getTime() + durationSeconds * 1000);
  const row: SessionRow = {
    ...session, access_key_id: awsId('ASIA'), secret_key: secretAccessKey(), session_token: sessionToken(), issued_at: isoSeconds(now), expires_at: expires.toISOString(),
  };
  call.ctx.iam.insertSession(row);
  return { AccessKeyId: row.access_key_id, SecretAccessKey: row.secret_key, SessionToken: row.session_token, Expiration: isoSeconds(expires) };
}

/** The session policies (Policy, PolicyArns) of an AssumeRole* call, validated and measured as STS packs them. */
export function checkSessionPolicies(call: QueryCall): { inlinePolicy?: string; policyArns: string[]; packedPolicySize?: number } {
  const inlinePolicy = str(call.input, 'Policy');
  if (inlinePolicy !== undefined) {
    try {
      parsePolicy(inlinePolicy, 'session');
    } catch (error) {
      if (error instanceof PolicyDocumentError) throw malformedPolicy(error.message);
      throw error;
    }
  }
  const policyArns = policyArnsOf(call);
  for (const arn of policyArns) {
    if (!/^arn:aws:iam::(\d{12}|aws):policy\/.+/.test(arn)) throw validationError(`${arn} is invalid`);
  }
  const packed = (inlinePolicy ?? '').replace(/\s+/g, '').length + policyArns.join('').length;
  const percent = Math.ceil((packed / SESSION_POLICY_MAX_CHARS) * 100);
  if (packed > SESSION_POLICY_MAX_CHARS) throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${percent}% of allotted space, please use smaller policy.`, 400);
  return { inlinePolicy, policyArns, packedPolicySize: inlinePolicy !== undefined || policyArns.length ? percent : undefined };
}

function policyArnsOf(call: QueryCall): string[] {
  const list = call.input.PolicyArns;
  if (!Array.isArray(list)) return [];
  return list.map((item) => (typeof item === 'object' && !Array.isArray(item) && typeof item.arn === 'string' ? item.arn : ''));
}

function assumeRole(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { ctx, caller, input } = call;
  const roleArnText = req(input, 'RoleArn');
  const sessionName = req(input, 'RoleSessionName');
  const match = ROLE_ARN.exec(roleArnText);
  if (!match) throw validationError(`${roleArnText} is invalid`);
  const [, accountId, , roleName] = match as unknown as [string, string, string, string];
  if (caller.principal.kind === 'root') throw new AwsError('AccessDenied', 'Roles may not be assumed by root accounts.', 403);
  const role = ctx.iam.role(accountId, roleName);
  const context = baseContext(caller, call.facts);
  context.set('sts:rolesessionname', [sessionName]);
  const externalId = str(input, 'ExternalId');
  if (externalId !== undefined) context.set('sts:externalid', [externalId]);
  const sourceIdentity = str(input, 'SourceIdentity');
  if (sourceIdentity !== undefined) context.set('sts:sourceidentity', [sourceIdentity]);
  // AWS answers AccessDenied for a role that does not exist, so callers cannot probe role names.
  const decision = role
    ? authorizeCaller(caller, {
        action: 'sts:AssumeRole', resource: roleArnText, resourceAccount: accountId, context,
        resourcePolicy: { source: { id: `role/${role.role_name}/trust`, kind: 'trust' }, policy: compileStoredPolicy(role.trust_policy, 'trust') },
        resourcePolicyRequired: true,
      }, decisionSink(ctx, call.facts.now, caller.principal.accountId))
    : { allowed: false, statements: [] };
  if (!role || !decision.allowed) throw accessDenied('sts', caller, 'sts:AssumeRole', roleArnText, decision);

  const chained = caller.principal.kind === 'assumed-role';
  const duration = num(input, 'DurationSeconds') ?? 3600;
  if (chained && duration > ROLE_CHAINING_MAX_SECONDS) {
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (duration > role.max_session_duration) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');

  const { inlinePolicy, policyArns, packedPolicySize } = checkSessionPolicies(call);

  const credentials = issueCredentials(call, duration, {
    account_id: accountId, role_name: role.role_name, role_id: role.role_id, session_name: sessionName,
    source_identity: sourceIdentity ?? caller.session?.source_identity ?? null,
    session_policy: inlinePolicy ?? null, session_policy_arns: policyArns.length ? JSON.stringify(policyArns) : null,
  });
  return {
    Credentials: credentials,
    AssumedRoleUser: {
      AssumedRoleId: `${role.role_id}:${sessionName}`,
      Arn: `arn:aws:sts::${accountId}:assumed-role/${role.role_name}/${sessionName}`,
    },
    PackedPolicySize: packedPolicySize,
    SourceIdentity: sourceIdentity,
  };
}

/** Temporary credentials for an IAM user or the root user, with the same permissions (AWS: 900 s to 36 h, root at most 1 h). */
function getSessionToken(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { caller, input } = call;
  const p = caller.principal;
  if (p.kind === 'assumed-role' || caller.session) throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403);
  const duration = num(input, 'DurationSeconds') ?? (p.kind === 'root' ? 3600 : 43200);
  if (p.kind === 'root' && duration > 3600) throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for root users.');
  return {
    Credentials: issueCredentials(call, duration, {
      account_id: p.accountId, role_name: '', role_id: '', session_name: '', source_identity: null, session_policy: null, session_policy_arns: null,
      principal_type: p.kind === 'root' ? 'root' : 'user', user_name: caller.userName ?? null,
    }),
  };
}

/** The account an access key belongs to (any caller may ask, as on AWS). */
function getAccessKeyInfo(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const id = req(call.input, 'AccessKeyId');
  const account = call.ctx.iam.accessKey(id)?.account_id ?? call.ctx.iam.session(id)?.account_id;
  if (!account) throw validationError(`The access key ${id} is not a valid access key of any account known to iamlocal.`);
  return { Account: account };
}

export const stsService: QueryService = {
  name: 'sts',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  model: modelJson as ServiceModel,
  handlers: {
    AssumeRole: assumeRole,
    AssumeRoleWithSAML: assumeRoleWithSaml,
    GetSessionToken: getSessionToken,
    GetAccessKeyInfo: getAccessKeyInfo,
    // Always allowed, even under an explicit deny: AWS does not authorize GetCallerIdentity.
    GetCallerIdentity: ({ caller }) => ({ UserId: caller.userId, Account: caller.principal.accountId, Arn: caller.principal.arn }),
  },
};
