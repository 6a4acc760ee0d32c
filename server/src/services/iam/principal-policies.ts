// Policies of users, roles and groups: Attach/Detach/ListAttached…, Put/Get/Delete/List… inline policies, permissions boundaries.
import { limitExceeded, noSuchEntity } from '../../errors.ts';
import type { PrincipalKind } from '../../store/iam-store.ts';
import { type QueryCall, type QueryHandler, req, str } from '../query-service.ts';
import { encodePolicyDocument, policySize, validatePolicy } from './policy-documents.ts';
import { accountOf, authorize } from './authorize.ts';
import { groupResource, requireBoundaryPolicy, requireGroup, requireRole, requireUser, roleResource, userResource } from './entities.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';

// IAM quotas (AWS defaults).
const ROLE_INLINE_MAX_CHARS = 10240;
const USER_INLINE_MAX_CHARS = 2048;
const MANAGED_POLICIES_PER_PRINCIPAL = 10;

interface PrincipalOps {
  kind: PrincipalKind;
  member: 'UserName' | 'RoleName' | 'GroupName';
  resource: (call: QueryCall, name: string) => string;
  /** The stored (canonical-case) name; throws NoSuchEntity. */
  require: (call: QueryCall, name: string) => string;
  inlineMax: number;
}

const USER_OPS: PrincipalOps = {
  kind: 'user', member: 'UserName', resource: (c, n) => userResource(c, n), require: (c, n) => requireUser(c, n).user_name, inlineMax: USER_INLINE_MAX_CHARS,
};

const ROLE_OPS: PrincipalOps = {
  kind: 'role', member: 'RoleName', resource: (c, n) => roleResource(c, n), require: (c, n) => requireRole(c, n).role_name, inlineMax: ROLE_INLINE_MAX_CHARS,
};

function attachHandlers(ops: PrincipalOps): Record<'attach' | 'detach' | 'listAttached' | 'put' | 'get' | 'delete' | 'list' | 'putBoundary' | 'deleteBoundary', QueryHandler> {
  const target = (call: QueryCall): string => req(call.input, ops.member);
  return {
    putBoundary: (call) => {
      const arn = req(call.input, 'PermissionsBoundary');
      authorize(call, ops.resource(call, target(call)), { 'iam:PermissionsBoundary': arn });
      const name = ops.require(call, target(call));
      requireBoundaryPolicy(call, arn);
      call.ctx.iam.setPermissionsBoundary(ops.kind, accountOf(call), name, arn);
      return null;
    },
    deleteBoundary: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      call.ctx.iam.setPermissionsBoundary(ops.kind, accountOf(call), name, null);
      return null;
    },
    attach: (call) => {
      const arn = req(call.input, 'PolicyArn');
      authorize(call, ops.resource(call, target(call)), { 'iam:PolicyARN': arn });
      const name = ops.require(call, target(call));
      requireBoundaryPolicy(call, arn);
      const attached = call.ctx.iam.attachedPolicies(accountOf(call), ops.kind, name);
      if (!attached.some((a) => a.policy_arn === arn) && attached.length >= MANAGED_POLICIES_PER_PRINCIPAL) {
        throw limitExceeded(`Cannot exceed quota for PoliciesPer${ops.kind === 'user' ? 'User' : 'Role'}: ${MANAGED_POLICIES_PER_PRINCIPAL}`);
      }
      call.ctx.iam.attach(arn, accountOf(call), ops.kind, name, call.facts.now.getTime());
      return null;
    },
    detach: (call) => {
      const arn = req(call.input, 'PolicyArn');
      authorize(call, ops.resource(call, target(call)), { 'iam:PolicyARN': arn });
      const name = ops.require(call, target(call));
      if (call.ctx.iam.detach(arn, accountOf(call), ops.kind, name) === 0) throw noSuchEntity(`Policy ${arn} was not found.`);
      return null;
    },
    listAttached: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const prefix = str(call.input, 'PathPrefix') ?? '/';
      const rows = call.ctx.iam.attachedPolicies(accountOf(call), ops.kind, name)
        .filter((a) => (call.ctx.iam.policy(a.policy_arn)?.path ?? '/').startsWith(prefix));
      const limit = maxItems(call.input);
      const after = afterMarker(call.input);
      const start = after ? rows.findIndex((r) => r.policy_arn === after) + 1 : 0;
      const p = page(rows.slice(start), limit, (r) => r.policy_arn);
      return pageXml(p, 'AttachedPolicies', (a) => ({ PolicyName: a.policy_name, PolicyArn: a.policy_arn }));
    },
    put: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const document = req(call.input, 'PolicyDocument');
      if (policySize(document) > ops.inlineMax) throw limitExceeded(`Maximum policy size of ${ops.inlineMax} bytes exceeded for ${ops.kind} ${name}`);
      validatePolicy(call.ctx.iam, document, 'identity');
      call.ctx.iam.putInlinePolicy(accountOf(call), ops.kind, name, req(call.input, 'PolicyName'), document);
      return null;
    },
    get: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const policyName = req(call.input, 'PolicyName');
      const row = call.ctx.iam.inlinePolicy(accountOf(call), ops.kind, name, policyName);
      if (!row) throw noSuchEntity(`The ${ops.kind} policy with name ${policyName} cannot be found.`);
      return { [ops.member]: name, PolicyName: row.policy_name, PolicyDocument: encodePolicyDocument(row.document) };
    },
    delete: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const policyName = req(call.input, 'PolicyName');
      if (call.ctx.iam.deleteInlinePolicy(accountOf(call), ops.kind, name, policyName) === 0) {
        throw noSuchEntity(`The ${ops.kind} policy with name ${policyName} cannot be found.`);
      }
      return null;
    },
    list: (call) => {
      authorize(call, ops.resource(call, target(call)));
      const name = ops.require(call, target(call));
      const names = call.ctx.iam.inlinePolicies(accountOf(call), ops.kind, name).map((r) => r.policy_name);
      const after = afterMarker(call.input);
      const p = page(names.filter((n) => n > after), maxItems(call.input), (n) => n);
      return { PolicyNames: p.items, IsTruncated: p.isTruncated, Marker: p.marker };
    },
  };
}

const GROUP_INLINE_MAX_CHARS = 5120;

const GROUP_OPS: PrincipalOps = {
  kind: 'group', member: 'GroupName', resource: (c, n) => groupResource(c, n), require: (c, n) => requireGroup(c, n).group_name, inlineMax: GROUP_INLINE_MAX_CHARS,
};

export const userPolicies = attachHandlers(USER_OPS);
export const rolePolicies = attachHandlers(ROLE_OPS);
export const groupPolicies = attachHandlers(GROUP_OPS);
