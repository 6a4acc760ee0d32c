/**
 * Whether a resource-based policy is "public" as Amazon S3 defines it for Block Public Access and GetBucketPolicyStatus
 * (S3 User Guide, "Blocking public access to your Amazon S3 storage", section "The meaning of public"; the same rules are
 * in the API reference's PublicAccessBlockConfiguration): a policy is public when some Allow statement grants to a
 * principal that is not fixed ("*", {"AWS":"*"}, or NotPrincipal) and no condition pins the request to fixed values of
 * one of the keys S3 lists (a set of CIDRs in aws:SourceIp, or a fixed aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
 * aws:SourceOwner, aws:SourceAccount, s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid outside "AROLEID:*",
 * aws:PrincipalOrgID, aws:PrincipalAccount, s3:DataAccessPointArn or s3:DataAccessPointAccount).
 * Pure: works on the policy's JSON text, already validated.
 */

const FIXING_KEYS = new Set([
  'aws:sourcearn', 'aws:sourcevpc', 'aws:sourcevpce', 'aws:sourceowner', 'aws:sourceaccount', 's3:x-amz-server-side-encryption-aws-kms-key-id',
  'aws:userid', 'aws:principalorgid', 'aws:principalaccount', 's3:dataaccesspointarn', 's3:dataaccesspointaccount',
]);

/** Operators whose values, free of wildcards, pin a key to fixed values (negated and IfExists forms do not). */
const FIXING_OPERATORS = new Set(['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike']);

type Json = unknown;

const list = (v: Json): Json[] => (Array.isArray(v) ? v : [v]);
const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function grantsToEveryone(st: Record<string, Json>): boolean {
  if (st.NotPrincipal !== undefined) return true;
  const p = st.Principal;
  if (p === '*') return true;
  return isRecord(p) && list(p.AWS).includes('*');
}

/** A CIDR that is not the whole address space (0.0.0.0/0 or ::/0 lets everyone in). */
function fixedCidr(value: Json): boolean {
  if (typeof value !== 'string') return false;
  const [, prefix] = value.split('/');
  return prefix === undefined || Number(prefix) > 0;
}

/** A fixed value has no wildcard: aws:userid "AROLEID:*" (any session of a role) is therefore not fixed either. */
function fixedValue(value: Json): boolean {
  return typeof value === 'string' && value !== '' && !/[*?]/.test(value);
}

function conditionFixes(condition: Json): boolean {
  if (!isRecord(condition)) return false;
  for (const [operator, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    const op = operator.toLowerCase();
    for (const [rawKey, values] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      const all = list(values);
      if (all.length === 0) continue;
      if (key === 'aws:sourceip' && op === 'ipaddress' && all.every(fixedCidr)) return true;
      if (FIXING_KEYS.has(key) && FIXING_OPERATORS.has(op.replace(/^foranyvalue:/, '')) && all.every(fixedValue)) return true;
    }
  }
  return false;
}

/** A public statement: Allow, to everyone, not narrowed by a fixing condition. */
export function isPublicStatement(st: Record<string, Json>): boolean {
  return st.Effect === 'Allow' && grantsToEveryone(st) && !conditionFixes(st.Condition);
}

export function isPublicPolicy(text: string): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isRecord(doc)) return false;
  return list(doc.Statement).some((st) => isRecord(st) && isPublicStatement(st));
}
