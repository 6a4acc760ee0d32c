export { parsePolicy, PolicyDocumentError, type CompiledPolicy } from './document.ts';
export { validatePolicyDocument, organizationPolicyProblem, ORGANIZATION_MALFORMED } from './validate.ts';
export {
  evaluate, denyReasonText, uniformUnderPrefix, organizationGuardrails, rcpsBind, scpsBind, RCP_SERVICES,
  type AuthorizationRequest, type BoundPolicy, type GuardrailOutcome,
} from './evaluate.ts';
export type { CallerPrincipal, Decision, DenyReason, MatchedStatement, PolicySource, RequestContext, PolicyKind } from './types.ts';
export { isPublicPolicy } from './public.ts';
