// AssumeRoleWithWebIdentity: an unsigned request carrying an OpenID Connect ID token. The token is verified against the
// keys registered for its issuer, checked against the IAM OIDC provider of the role's account, and the role's trust
// policy must allow `Principal: {Federated: arn:aws:iam::A:oidc-provider/HOST/PATH}` under the token's claims.
import { authorizeCaller, compileStoredPolicy, guardrailLookup, type Caller } from '../../auth/caller.ts';
import { decisionSink } from '../../context.ts';
import { AwsError, validationError } from '../../errors.ts';
import type { RequestContext } from '../../policy/index.ts';
import { num, req, type QueryCall, type QueryService } from '../query-service.ts';
import { decodeJwt, oidcStore, providerKey, verifyJwt, type JwtClaims } from './oidc.ts';
import { addTagContext, checkRoleDuration, issueRoleSession, readSessionPolicies, readSessionTags, ROLE_ARN } from './role-session.ts';

/** Clock skew allowed on exp, nbf and iat, in seconds. */
export const TOKEN_SKEW_SECONDS = 300;
const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

const invalidToken = (message: string): AwsError => new AwsError('InvalidIdentityToken', message, 400);
const NOT_VALIDATED = 'The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.';

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function numericDate(claims: JwtClaims, name: string): number | undefined {
  const v = claims[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Session tags from the `https://aws.amazon.com/tags` claim: {principal_tags: {K: [V]}, transitive_tag_keys: [K]}. */
function claimTags(claims: JwtClaims): { tags: Record<string, string>; transitiveKeys: string[] } | undefined {
  const claim = claims[TAGS_CLAIM];
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return undefined;
  const { principal_tags: principalTags, transitive_tag_keys: transitive } = claim as Record<string, unknown>;
  const tags: Record<string, string> = {};
  if (typeof principalTags === 'object' && principalTags !== null && !Array.isArray(principalTags)) {
    for (const [key, value] of Object.entries(principalTags)) {
      const first = stringsOf(value)[0];
      if (first !== undefined) tags[key] = first;
    }
  }
  return { tags, transitiveKeys: stringsOf(transitive) };
}

export function assumeRoleWithWebIdentity(call: QueryCall): ReturnType<QueryService['handlers'][string]> {
  const { ctx, input } = call;
  const roleArnText = req(input, 'RoleArn');
  const sessionName = req(input, 'RoleSessionName');
  const match = ROLE_ARN.exec(roleArnText);
  if (!match) throw validationError(`${roleArnText} is invalid`);
  const [, accountId, , roleName] = match as unknown as [string, string, string, string];

  const jwt = decodeJwt(req(input, 'WebIdentityToken'));
  if (!jwt) throw invalidToken(NOT_VALIDATED);
  const { claims } = jwt;
  const issuer = typeof claims.iss === 'string' ? claims.iss : '';
  const store = oidcStore(ctx.db);
  const provider = issuer ? store.provider(accountId, issuer) : undefined;
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${issuer}`);
  const keys = store.keysFor(issuer);
  if (!keys) throw invalidToken("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  const signature = verifyJwt(jwt, keys);
  if (signature === 'no-key') throw invalidToken("Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements");
  if (signature !== 'ok') throw invalidToken(NOT_VALIDATED);

  const now = Math.floor(call.facts.now.getTime() / 1000);
  const exp = numericDate(claims, 'exp');
  if (exp === undefined) throw invalidToken(NOT_VALIDATED);
  if (now >= exp + TOKEN_SKEW_SECONDS) {
    throw new AwsError('ExpiredTokenException', `Token expired: current date/time ${now} must be before the expiration date/time ${exp}`, 400);
  }
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if ((nbf !== undefined && nbf > now + TOKEN_SKEW_SECONDS) || (iat !== undefined && iat > now + TOKEN_SKEW_SECONDS)) {
    throw invalidToken(`Token used before issued: current date/time ${now} must be after the issued at date/time ${nbf ?? iat}`);
  }
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  if (!subject) throw invalidToken(NOT_VALIDATED);

  // The audience: azp when present (it names the client the token was issued to), else the aud that is a client id.
  const azp = typeof claims.azp === 'string' ? claims.azp : undefined;
  const audiences = stringsOf(claims.aud);
  const audience = azp !== undefined && provider.clientIds.includes(azp) ? azp : audiences.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw invalidToken('Incorrect token audience');

  const key = providerKey(issuer);
  const providerArn = `arn:aws:iam::${accountId}:oidc-provider/${key}`;
  const caller: Caller = {
    principal: { kind: 'identity-provider', accountId, arn: providerArn, federated: providerArn },
    userId: `${key}:${audience}:${subject}`,
    accessKeyId: '',
    identityPolicies: [],
    organizations: guardrailLookup(call.ctx.iam),
  };
  const context: RequestContext = new Map([
    ['aws:currenttime', [call.facts.now.toISOString().replace(/\.\d{3}Z$/, 'Z')]],
    ['aws:epochtime', [String(now)]],
    ['aws:sourceip', [call.facts.sourceIp]],
    ['aws:securetransport', [String(call.facts.secureTransport)]],
    ['aws:requestedregion', [call.facts.region]],
    ['aws:federatedprovider', [providerArn]],
    ['sts:rolesessionname', [sessionName]],
    [`${key.toLowerCase()}:sub`, [subject]],
    [`${key.toLowerCase()}:aud`, [audience]],
  ]);
  if (audiences.length) context.set(`${key.toLowerCase()}:oaud`, audiences);
  const amr = stringsOf(claims.amr);
  if (amr.length) context.set(`${key.toLowerCase()}:amr`, amr);
  if (typeof claims.email === 'string') context.set(`${key.toLowerCase()}:email`, [claims.email]);
  const sourceIdentity = typeof claims[SOURCE_IDENTITY_CLAIM] === 'string' ? (claims[SOURCE_IDENTITY_CLAIM] as string) : undefined;
  if (sourceIdentity !== undefined) context.set('sts:sourceidentity', [sourceIdentity]);
  const tags = readSessionTags(call, undefined, claimTags(claims));
  addTagContext(context, tags);

  const role = ctx.iam.role(accountId, roleName);
  const denied = (): AwsError => new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
  if (!role) throw denied();
  const trust = { source: { id: `role/${role.role_name}/trust`, kind: 'trust' as const }, policy: compileStoredPolicy(role.trust_policy, 'trust') };
  const actions = ['sts:AssumeRoleWithWebIdentity'];
  if (Object.keys(tags.tags).length) actions.push('sts:TagSession');
  if (sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
  for (const action of actions) {
    const decision = authorizeCaller(caller, { action, resource: roleArnText, resourceAccount: accountId, context, resourcePolicy: trust, resourcePolicyRequired: true },
      decisionSink(ctx, call.facts.now, accountId));
    if (!decision.allowed) throw denied();
  }

  const duration = num(input, 'DurationSeconds') ?? 3600;
  checkRoleDuration(role, duration, false);
  const issued = issueRoleSession(call, {
    role, sessionName, durationSeconds: duration, policies: readSessionPolicies(call), tags, sourceIdentity,
    federated: { providerArn, subject },
  });
  return {
    Credentials: issued.Credentials,
    SubjectFromWebIdentityToken: subject,
    AssumedRoleUser: issued.AssumedRoleUser,
    PackedPolicySize: issued.PackedPolicySize,
    Provider: issuer,
    Audience: audience,
    SourceIdentity: issued.SourceIdentity,
  };
}
