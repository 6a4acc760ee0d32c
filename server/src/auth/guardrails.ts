import type { BoundPolicy } from '../policy/index.ts';
import type { IamStore } from '../store/iam-store.ts';
import { organizationsStore, type OrgPolicyType } from '../store/organizations-store.ts';
import { compileStoredPolicy } from './compiled.ts';

/** What an account's organization means for authorization: its condition keys and the SCPs/RCPs that bind it. */
export interface AccountGuardrails {
  orgId: string;
  managementAccountId: string;
  /** aws:PrincipalOrgPaths / aws:ResourceOrgPaths: `o-…/r-…/ou-…/` down to the account's parent. */
  orgPath: string;
  /** The targets policies attach to, root first, down to the account: what each level of the policies below is. */
  chain: string[];
  /** One entry per level, root first, down to the account; absent for the management account or with SCPs disabled. */
  serviceControlPolicies?: BoundPolicy[][];
  /** The same for RCPs. */
  resourceControlPolicies?: BoundPolicy[][];
}

/** Looks up an account's guardrails (undefined: the account is in no organization). */
export type GuardrailLookup = (accountId: string) => AccountGuardrails | undefined;

const NO_ORGANIZATIONS: ReadonlyMap<string, AccountGuardrails> = new Map();

/**
 * Every account's guardrails, built from Organizations' state once and kept in the IAM state cache, which every
 * Organizations write (like every IAM write) empties: no decision sees a policy or attachment older than the last write.
 */
function allGuardrails(iam: IamStore): ReadonlyMap<string, AccountGuardrails> {
  const cache = iam.stateCache();
  const hit = cache.get('org:guardrails') as ReadonlyMap<string, AccountGuardrails> | undefined;
  if (hit) return hit;
  const built = buildGuardrails(iam);
  cache.set('org:guardrails', built);
  return built;
}

function buildGuardrails(iam: IamStore): ReadonlyMap<string, AccountGuardrails> {
  const orgs = organizationsStore(iam.db);
  const organizations = orgs.organizations();
  if (organizations.length === 0) return NO_ORGANIZATIONS;
  const out = new Map<string, AccountGuardrails>();
  for (const org of organizations) {
    const enabled = new Set(orgs.enabledTypes(org.root_id));
    const units = new Map(orgs.units(org.org_id).map((u) => [u.ou_id, u]));
    const attachments = new Map<string, string[]>();
    for (const a of orgs.attachmentsOfOrg(org.org_id)) {
      const list = attachments.get(a.target_id) ?? [];
      list.push(a.policy_id);
      attachments.set(a.target_id, list);
    }
    const bound = new Map<string, BoundPolicy | null>();
    const boundPolicy = (policyId: string, type: OrgPolicyType): BoundPolicy | null => {
      const key = `${type}:${policyId}`;
      if (!bound.has(key)) {
        const row = orgs.policy(policyId);
        const kind = type === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp';
        bound.set(key, row && row.type === type ? { source: { id: policyId, kind }, policy: compileStoredPolicy(row.content, kind) } : null);
      }
      return bound.get(key) ?? null;
    };
    const levelsOf = (chain: readonly string[], type: OrgPolicyType): BoundPolicy[][] | undefined => {
      if (!enabled.has(type)) return undefined;
      return chain.map((target) => (attachments.get(target) ?? []).map((id) => boundPolicy(id, type)).filter((p): p is BoundPolicy => p !== null));
    };
    for (const account of orgs.accounts(org.org_id)) {
      // The chain of parents, root first: root, OUs down to the account's parent.
      const parents: string[] = [];
      for (let id: string | undefined = account.parent_id; id !== undefined; id = units.get(id)?.parent_id) {
        parents.unshift(id);
        if (id === org.root_id || parents.length > 10) break;
      }
      const orgPath = `${org.org_id}/${parents.join('/')}/`;
      const member = account.account_id !== org.management_account;
      const chain = [...parents, account.account_id];
      out.set(account.account_id, {
        orgId: org.org_id, managementAccountId: org.management_account, orgPath, chain,
        // SCPs and RCPs never affect the management account (Organizations User Guide, SCPs and RCPs "tasks and entities not restricted").
        serviceControlPolicies: member ? levelsOf(chain, 'SERVICE_CONTROL_POLICY') : undefined,
        resourceControlPolicies: member ? levelsOf(chain, 'RESOURCE_CONTROL_POLICY') : undefined,
      });
    }
  }
  return out;
}

/** The guardrail lookup for a store's current state (what Caller.organizations holds). */
export function guardrailLookup(iam: IamStore): GuardrailLookup {
  return (accountId) => allGuardrails(iam).get(accountId);
}
