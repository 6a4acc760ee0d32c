// GetFederationToken: temporary credentials for a federated user, issued by an IAM user (or, discouraged, the root
// user). The session may do what both the issuing user's identity policies and the passed session policies allow;
// without session policies it may do nothing.
import { authorizeCaller, baseContext } from '../../auth/caller.ts';
import { decisionSink } from '../../context.ts';
import { AwsError, validationError } from '../../errors.ts';
import { accessDenied } from '../access-denied.ts';
import { num, req, type QueryCall, type QueryService } from '../query-service.ts';
import { addTagContext, issueCredentials, packedPolicySize, readSessionPolicies, readSessionTags, requireSigned } from './role-session.ts';

const ROOT_MAX_SECONDS = 3600;
const DEFAULT_SECONDS = 43200;

export function getFederationToken(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { ctx, caller, input } = call;
  requireSigned(call);
  const p = caller.principal;
  if (p.kind !== 'user' && p.kind !== 'root') throw new AwsError('AccessDenied', 'Cannot call GetFederationToken with session credentials', 403);
  if (caller.session) throw new AwsError('AccessDenied', 'Cannot call GetFederationToken with session credentials', 403);
  const name = req(input, 'Name');
  const arn = `arn:aws:sts::${p.accountId}:federated-user/${name}`;

  const tags = readSessionTags(call, undefined);
  const context = baseContext(caller, call.facts);
  addTagContext(context, tags);
  for (const action of Object.keys(tags.tags).length ? ['sts:GetFederationToken', 'sts:TagSession'] : ['sts:GetFederationToken']) {
    const decision = authorizeCaller(caller, { action, resource: arn, resourceAccount: p.accountId, context }, decisionSink(ctx, call.facts.now, p.accountId));
    if (!decision.allowed) throw accessDenied('sts', caller, action, arn, decision);
  }

  const duration = num(input, 'DurationSeconds') ?? (p.kind === 'root' ? ROOT_MAX_SECONDS : DEFAULT_SECONDS);
  if (p.kind === 'root' && duration > ROOT_MAX_SECONDS) throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for root users.');
  const policies = readSessionPolicies(call);
  const packed = packedPolicySize(policies, tags.tags);
  const credentials = issueCredentials(call, duration, {
    account_id: p.accountId, role_name: '', role_id: '', session_name: name, source_identity: null,
    session_policy: policies.inline ?? null, session_policy_arns: policies.arns.length ? JSON.stringify(policies.arns) : null,
    principal_type: 'federated', user_name: p.kind === 'user' ? (caller.userName ?? null) : null,
    tags: Object.keys(tags.tags).length ? JSON.stringify(tags.tags) : null,
  });
  return {
    Credentials: credentials,
    FederatedUser: { FederatedUserId: `${p.accountId}:${name}`, Arn: arn },
    PackedPolicySize: packed,
  };
}
