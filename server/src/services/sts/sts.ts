import { authorizeCaller, baseContext, compileStoredPolicy } from '../../auth/caller.ts';
import { AwsError, validationError } from '../../errors.ts';
import type { ServiceModel } from '../../protocol/query.ts';
import { decisionSink } from '../../context.ts';
import { accessDenied } from '../access-denied.ts';
import { decodeAuthorizationMessage } from './decode.ts';
import { getFederationToken } from './federation-token.ts';
import { addTagContext, checkRoleDuration, issueCredentials, issueRoleSession, readSessionPolicies, readSessionTags, requireSigned, ROLE_ARN } from './role-session.ts';
import { assumeRoleWithSaml } from './saml.ts';
import { assumeRoleWithWebIdentity } from './web-identity.ts';
import { num, req, str, type QueryCall, type QueryService } from '../query-service.ts';
import modelJson from './model.json' with { type: 'json' };
import { checkMfaToken, mfaDenied } from '../iam/mfa.ts';
import { isoSeconds } from '../../store/ids.ts';

/**
 * SerialNumber + TokenCode, when given: verified against the calling IAM user's devices. Returns when MFA was verified
 * (now), or undefined when the request carried none.
 */
function verifyMfa(call: QueryCall): string | undefined {
  const serial = str(call.input, 'SerialNumber');
  const code = str(call.input, 'TokenCode');
  if (serial === undefined && code === undefined) return undefined;
  const p = call.caller.principal;
  const user = p.kind === 'user' ? (call.caller.userName ?? null) : null;
  const check = serial === undefined ? 'unknown-device' : checkMfaToken(call.ctx.db, p.accountId, user, serial, code ?? '', call.facts.now);
  if (check !== 'ok') throw mfaDenied(check);
  return isoSeconds(call.facts.now);
}

function assumeRole(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { ctx, caller, input } = call;
  requireSigned(call);
  const roleArnText = req(input, 'RoleArn');
  const sessionName = req(input, 'RoleSessionName');
  const match = ROLE_ARN.exec(roleArnText);
  if (!match) throw validationError(`${roleArnText} is invalid`);
  const [, accountId, , roleName] = match as unknown as [string, string, string, string];
  if (caller.principal.kind === 'root') throw new AwsError('AccessDenied', 'Roles may not be assumed by root accounts.', 403);
  const mfaAt = verifyMfa(call);
  const role = ctx.iam.role(accountId, roleName);
  const context = baseContext(caller, call.facts);
  if (mfaAt !== undefined) {
    // MFA passed with this request counts for the trust policy, as of now.
    context.set('aws:multifactorauthpresent', ['true']);
    context.set('aws:multifactorauthage', ['0']);
  }
  context.set('sts:rolesessionname', [sessionName]);
  const externalId = str(input, 'ExternalId');
  if (externalId !== undefined) context.set('sts:externalid', [externalId]);
  const sourceIdentity = str(input, 'SourceIdentity');
  if (sourceIdentity !== undefined) context.set('sts:sourceidentity', [sourceIdentity]);
  const tags = readSessionTags(call, caller.session);
  addTagContext(context, tags);
  // AWS answers AccessDenied for a role that does not exist, so callers cannot probe role names.
  if (!role) throw accessDenied('sts', caller, 'sts:AssumeRole', roleArnText, { allowed: false, statements: [] });
  const trust = { source: { id: `role/${role.role_name}/trust`, kind: 'trust' as const }, policy: compileStoredPolicy(role.trust_policy, 'trust') };
  const authorize = (action: string): void => {
    const decision = authorizeCaller(caller, { action, resource: roleArnText, resourceAccount: accountId, context, resourcePolicy: trust, resourcePolicyRequired: true },
      decisionSink(ctx, call.facts.now, caller.principal.accountId));
    if (!decision.allowed) throw accessDenied('sts', caller, action, roleArnText, decision);
  };
  authorize('sts:AssumeRole');
  // Passing tags, or carrying transitive ones, needs sts:TagSession in the trust policy too.
  if (Object.keys(tags.tags).length) authorize('sts:TagSession');

  // A source identity needs sts:SetSourceIdentity in the trust policy, also when it comes along a role chain, where it
  // cannot be changed.
  const inherited = caller.session?.source_identity ?? undefined;
  if (inherited !== undefined && sourceIdentity !== undefined && sourceIdentity !== inherited) {
    throw accessDenied('sts', caller, 'sts:SetSourceIdentity', roleArnText, { allowed: false, statements: [] });
  }
  if (sourceIdentity !== undefined || inherited !== undefined) authorize('sts:SetSourceIdentity');

  const duration = num(input, 'DurationSeconds') ?? 3600;
  checkRoleDuration(role, duration, caller.principal.kind === 'assumed-role');
  return { ...issueRoleSession(call, {
    role, sessionName, durationSeconds: duration, policies: readSessionPolicies(call), tags, sourceIdentity: sourceIdentity ?? inherited,
    mfaAuthenticatedAt: mfaAt ?? caller.session?.mfa_authenticated_at ?? null,
  }) };
}

/** Temporary credentials for an IAM user or the root user, with the same permissions (AWS: 900 s to 36 h, root at most 1 h). */
function getSessionToken(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { caller, input } = call;
  requireSigned(call);
  const p = caller.principal;
  if (p.kind === 'assumed-role' || caller.session) throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403);
  const duration = num(input, 'DurationSeconds') ?? (p.kind === 'root' ? 3600 : 43200);
  if (p.kind === 'root' && duration > 3600) throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for root users.');
  const mfaAt = verifyMfa(call);
  return {
    Credentials: issueCredentials(call, duration, {
      account_id: p.accountId, role_name: '', role_id: '', session_name: '', source_identity: null, session_policy: null, session_policy_arns: null,
      principal_type: p.kind === 'root' ? 'root' : 'user', user_name: caller.userName ?? null, mfa_authenticated_at: mfaAt ?? null,
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
    AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
    AssumeRoleWithSAML: assumeRoleWithSaml,
    GetFederationToken: getFederationToken,
    DecodeAuthorizationMessage: decodeAuthorizationMessage,
    GetSessionToken: getSessionToken,
    GetAccessKeyInfo: getAccessKeyInfo,
    // Always allowed, even under an explicit deny: AWS does not authorize GetCallerIdentity.
    GetCallerIdentity: ({ caller }) => ({ UserId: caller.userId, Account: caller.principal.accountId, Arn: caller.principal.arn }),
  },
};
