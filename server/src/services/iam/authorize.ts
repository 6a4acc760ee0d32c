// Shared by IAM handlers: the caller's account, and authorization of an iam:<Operation> call with AWS's AccessDenied text.
import { authorizeCaller, baseContext } from '../../auth/caller.ts';
import { decisionSink } from '../../context.ts';
import { accessDenied } from '../access-denied.ts';
import type { QueryCall } from '../query-service.ts';

export const accountOf = (call: QueryCall): string => call.caller.principal.accountId;

/** Tags of the user or role an IAM ARN names, for aws:ResourceTag/*. */
function resourceTags(call: QueryCall, resource: string): Record<string, string> {
  const m = /^arn:aws:iam::(\d{12}):(user|role)\/(?:.*\/)?([\w+=,.@-]+)$/.exec(resource);
  if (!m || m[1] !== accountOf(call)) return {};
  const entity = m[2] === 'user' ? call.ctx.iam.user(m[1], m[3]!) : call.ctx.iam.role(m[1], m[3]!);
  return entity?.tags ? (JSON.parse(entity.tags) as Record<string, string>) : {};
}

/** aws:RequestTag/* and aws:TagKeys for operations that set tags. */
export function requestTagContext(tags: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(tags)) out[`aws:RequestTag/${k}`] = v;
  if (Object.keys(tags).length) out['aws:TagKeys'] = Object.keys(tags);
  return out;
}

export function authorize(call: QueryCall, resource: string, extra: Record<string, string | string[]> = {}): void {
  const action = `iam:${call.operation}`;
  const context = baseContext(call.caller, call.facts);
  for (const [k, v] of Object.entries(resourceTags(call, resource))) context.set(`aws:resourcetag/${k.toLowerCase()}`, [v]);
  for (const [k, v] of Object.entries(extra)) context.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  const decision = authorizeCaller(call.caller, { action, resource, resourceAccount: accountOf(call), context }, decisionSink(call.ctx, call.facts.now, call.caller.principal.accountId));
  if (!decision.allowed) throw accessDenied('iam', call.caller, action, resource, decision);
}
