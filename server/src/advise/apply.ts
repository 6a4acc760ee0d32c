import type { ServerContext } from '../context.ts';
import { isoSeconds } from '../store/ids.ts';
import type { PrincipalKind } from '../store/iam-store.ts';
import type { Advice } from './advise.ts';

export class AdviceError extends Error {}

/** The user or role a principal ARN names (an assumed-role session names its role). */
export function entityOf(ctx: ServerContext, arn: string): { kind: PrincipalKind; account: string; name: string } {
  const m = /^arn:aws:(?:iam::(\d{12}):(user|role)\/(?:.*\/)?([\w+=,.@-]+)|sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/.+)$/.exec(arn);
  if (!m) throw new AdviceError(`not a user, role or role session ARN: ${arn}`);
  const account = m[1] ?? m[4]!;
  const kind: PrincipalKind = m[2] === 'user' ? 'user' : 'role';
  const name = m[3] ?? m[5]!;
  const exists = kind === 'user' ? ctx.iam.user(account, name) : ctx.iam.role(account, name);
  if (!exists) throw new AdviceError(`no such ${kind}: ${arn}`);
  return { kind, account, name: 'user_name' in exists ? exists.user_name : exists.role_name };
}

/** The principal's identity policies as the decision log names them (managed ARN, or kind/name/policy for inline). */
export function policiesOf(ctx: ServerContext, arn: string): { id: string; versionId?: string; document: string }[] {
  const { kind, account, name } = entityOf(ctx, arn);
  const out: { id: string; versionId?: string; document: string }[] = [];
  for (const a of ctx.iam.attachedPolicies(account, kind, name)) {
    const policy = ctx.iam.policy(a.policy_arn);
    const version = policy && ctx.iam.version(policy.arn, policy.default_version);
    if (version) out.push({ id: policy.arn, versionId: version.version_id, document: version.document });
  }
  for (const p of ctx.iam.inlinePolicies(account, kind, name)) out.push({ id: `${kind}/${name}/${p.policy_name}`, document: p.document });
  return out;
}

/**
 * Makes the advice the principal's permissions: a new default version of its only attached customer managed policy,
 * or else an inline policy `iamlocal-advised` (other grants then still apply, which the result says).
 */
export function applyAdvice(ctx: ServerContext, arn: string, advice: Advice): { applied: string; note?: string } {
  if (!advice.policy) throw new AdviceError(advice.message ?? 'nothing to apply');
  const { kind, account, name } = entityOf(ctx, arn);
  const document = JSON.stringify(advice.policy, null, 2);
  const now = isoSeconds(ctx.now());
  return ctx.db.transaction(() => {
    const attached = ctx.iam.attachedPolicies(account, kind, name).filter((a) => a.policy_arn.startsWith(`arn:aws:iam::${account}:policy/`));
    const inline = ctx.iam.inlinePolicies(account, kind, name);
    if (attached.length === 1 && inline.length === 0 && ctx.iam.attachedPolicies(account, kind, name).length === 1) {
      const policy = ctx.iam.policy(attached[0]!.policy_arn)!;
      const versions = ctx.iam.versions(policy.arn);
      if (versions.length >= 5) {
        const oldest = versions.filter((v) => v.version_id !== policy.default_version).pop();
        if (oldest) ctx.iam.deleteVersion(policy.arn, oldest.version_id);
      }
      const versionId = `v${policy.next_version}`;
      ctx.iam.insertVersion({ policy_arn: policy.arn, version_id: versionId, document, created_at: now });
      ctx.iam.bumpNextVersion(policy.arn);
      ctx.iam.setDefaultVersion(policy.arn, versionId, now);
      return { applied: `${policy.arn} ${versionId} (default)` };
    }
    ctx.iam.putInlinePolicy(account, kind, name, 'iamlocal-advised', document);
    const others = ctx.iam.attachedPolicies(account, kind, name).length + inline.filter((p) => p.policy_name !== 'iamlocal-advised').length;
    return {
      applied: `${kind}/${name} inline policy iamlocal-advised`,
      note: others ? `${others} other policies are still attached or inline; remove them for the advice to be the only grant` : undefined,
    };
  })();
}
