// A table-driven corpus for the policy engine. Every case names the AWS documentation rule it checks
// ("IAM JSON policy elements: Condition operators", "Policy evaluation logic", "IAM policy elements: Variables and
// tags", …). Cases run through the pure engine; a sample also runs through SimulateCustomPolicy in client-tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  denyReasonText, evaluate, organizationPolicyProblem, parsePolicy, PolicyDocumentError, validatePolicyDocument,
  type BoundPolicy, type CallerPrincipal, type DenyReason, type PolicyKind, type RequestContext,
} from '../src/policy/index.ts';

const A = '123456789012';
const B = '210987654321';
const USER: CallerPrincipal = { kind: 'user', accountId: A, arn: `arn:aws:iam::${A}:user/alice` };
const SESSION: CallerPrincipal = { kind: 'assumed-role', accountId: A, arn: `arn:aws:sts::${A}:assumed-role/app/s1`, roleArn: `arn:aws:iam::${A}:role/app` };
const ROOT: CallerPrincipal = { kind: 'root', accountId: A, arn: `arn:aws:iam::${A}:root` };
const OTHER_USER: CallerPrincipal = { kind: 'user', accountId: B, arn: `arn:aws:iam::${B}:user/bob` };
const BOB: CallerPrincipal = { kind: 'user', accountId: A, arn: `arn:aws:iam::${A}:user/bob` };
const EC2: CallerPrincipal = { kind: 'service', accountId: A, arn: 'ec2.amazonaws.com', service: 'ec2.amazonaws.com' };

const OPS = 'IAM JSON policy elements: Condition operators';
const EVAL = 'Policy evaluation logic';
const VARS = 'IAM policy elements: Variables and tags';
const ELEM = 'IAM JSON policy elements reference';
const XACCT = 'Cross-account policy evaluation logic';
const BOUND = 'Permissions boundaries for IAM entities';
const SESSIONP = 'Session policies (AssumeRole Policy/PolicyArns)';
const TRUST = 'How to use trust policies with IAM roles';
const NOTP = 'AWS JSON policy elements: NotPrincipal';
const notPrincipalDeny = (arns: string[]): object => ({ Effect: 'Deny', NotPrincipal: { AWS: arns }, Action: '*', Resource: '*' });

type Ctx = Record<string, string | string[]>;
const ctxOf = (c: Ctx = {}): RequestContext => new Map(Object.entries(c).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));
const doc = (statements: object[], version = '2012-10-17'): string => JSON.stringify({ Version: version, Statement: statements });
const bound = (kind: PolicyKind, statements: object[], version?: string): BoundPolicy => ({ source: { id: kind, kind }, policy: parsePolicy(doc(statements, version), kind) });

interface ConditionCase { cite: string; op: string; key?: string; values: unknown; context?: string | string[]; expect: boolean }

/** One Allow statement with the condition; allowed iff the condition holds. */
function conditionHolds(c: ConditionCase): boolean {
  const key = c.key ?? 'test:key';
  const policy = bound('identity', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { [c.op]: { [key]: c.values } } }]);
  const context = c.context === undefined ? ctxOf() : ctxOf({ [key]: c.context });
  return evaluate({ principal: USER, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourceAccount: A, context, identityPolicies: [policy] }).allowed;
}

const S = `${OPS} — String condition operators`;
const N = `${OPS} — Numeric condition operators`;
const D = `${OPS} — Date condition operators`;
const BOOL = `${OPS} — Boolean condition operators`;
const BIN = `${OPS} — Binary condition operators`;
const IP = `${OPS} — IP address condition operators`;
const ARN = `${OPS} — Amazon Resource Name (ARN) condition operators`;
const IFX = `${OPS} — …IfExists condition operators`;
const NULL = `${OPS} — Condition operator to check existence of condition keys`;
const MULTI = 'Multivalued context keys (ForAllValues / ForAnyValue)';
const LOGIC = `${OPS} — Creating a condition with multiple keys or values`;
const CTXK = 'AWS global condition context keys';

const conditionCases: ConditionCase[] = [
  // String
  { cite: S, op: 'StringEquals', values: 'abc', context: 'abc', expect: true },
  { cite: `${S}: case-sensitive`, op: 'StringEquals', values: 'abc', context: 'ABC', expect: false },
  { cite: S, op: 'StringEquals', values: ['x', 'abc'], context: 'abc', expect: true },
  { cite: `${S}: absent key does not match`, op: 'StringEquals', values: 'abc', expect: false },
  { cite: S, op: 'StringNotEquals', values: 'abc', context: 'abd', expect: true },
  { cite: S, op: 'StringNotEquals', values: 'abc', context: 'abc', expect: false },
  { cite: `${S}: negated operator with absent key is true`, op: 'StringNotEquals', values: 'abc', expect: true },
  { cite: S, op: 'StringNotEquals', values: ['a', 'b'], context: 'b', expect: false },
  { cite: S, op: 'StringEqualsIgnoreCase', values: 'AbC', context: 'aBc', expect: true },
  { cite: S, op: 'StringEqualsIgnoreCase', values: 'abc', context: 'abd', expect: false },
  { cite: S, op: 'StringNotEqualsIgnoreCase', values: 'AbC', context: 'abc', expect: false },
  { cite: S, op: 'StringNotEqualsIgnoreCase', values: 'abc', context: 'xyz', expect: true },
  { cite: `${S}: StringLike * matches any run`, op: 'StringLike', values: 'home/*', context: 'home/alice/docs', expect: true },
  { cite: `${S}: StringLike ? matches one character`, op: 'StringLike', values: 'file?.txt', context: 'file1.txt', expect: true },
  { cite: S, op: 'StringLike', values: 'file?.txt', context: 'file12.txt', expect: false },
  { cite: `${S}: StringLike is case-sensitive`, op: 'StringLike', values: 'Home/*', context: 'home/x', expect: false },
  { cite: S, op: 'StringLike', values: '*', context: '', expect: true },
  { cite: S, op: 'StringLike', values: 'a*b*c', context: 'aXXbYYc', expect: true },
  { cite: S, op: 'StringLike', values: 'a*b*c', context: 'aXXbYY', expect: false },
  { cite: S, op: 'StringNotLike', values: 'tmp/*', context: 'home/x', expect: true },
  { cite: S, op: 'StringNotLike', values: 'tmp/*', context: 'tmp/x', expect: false },
  { cite: `${S}: negated with absent key`, op: 'StringNotLike', values: 'tmp/*', expect: true },
  { cite: S, op: 'StringLike', values: ['a/*', 'b/*'], context: 'b/1', expect: true },
  // Numeric
  { cite: N, op: 'NumericEquals', values: '10', context: '10', expect: true },
  { cite: N, op: 'NumericEquals', values: '10', context: '10.0', expect: true },
  { cite: N, op: 'NumericEquals', values: '10', context: '11', expect: false },
  { cite: N, op: 'NumericNotEquals', values: '10', context: '11', expect: true },
  { cite: N, op: 'NumericNotEquals', values: '10', context: '10', expect: false },
  { cite: N, op: 'NumericLessThan', values: '10', context: '9', expect: true },
  { cite: N, op: 'NumericLessThan', values: '10', context: '10', expect: false },
  { cite: N, op: 'NumericLessThanEquals', values: '10', context: '10', expect: true },
  { cite: N, op: 'NumericLessThanEquals', values: '10', context: '10.5', expect: false },
  { cite: N, op: 'NumericGreaterThan', values: '10', context: '11', expect: true },
  { cite: N, op: 'NumericGreaterThan', values: '10', context: '10', expect: false },
  { cite: N, op: 'NumericGreaterThanEquals', values: '10', context: '10', expect: true },
  { cite: N, op: 'NumericGreaterThanEquals', values: '-1', context: '-2', expect: false },
  { cite: `${N}: a non-number context value does not match`, op: 'NumericEquals', values: '1', context: 'one', expect: false },
  { cite: N, op: 'NumericLessThan', key: 's3:max-keys', values: '100', context: '1000', expect: false },
  { cite: N, op: 'NumericLessThanEquals', key: 's3:max-keys', values: '1000', context: '1000', expect: true },
  { cite: `${N}: absent key`, op: 'NumericLessThan', values: '10', expect: false },
  // Date
  { cite: D, op: 'DateLessThan', values: '2030-01-01T00:00:00Z', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: D, op: 'DateLessThan', values: '2020-01-01T00:00:00Z', context: '2026-11-25T00:00:00Z', expect: false },
  { cite: D, op: 'DateGreaterThan', values: '2020-01-01T00:00:00Z', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: D, op: 'DateGreaterThanEquals', values: '2026-11-25T00:00:00Z', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: D, op: 'DateLessThanEquals', values: '2026-11-25T00:00:00Z', context: '2026-11-25T00:00:01Z', expect: false },
  { cite: D, op: 'DateEquals', values: '2026-11-25T00:00:00Z', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: D, op: 'DateNotEquals', values: '2026-11-25T00:00:00Z', context: '2026-11-25T00:00:00Z', expect: false },
  { cite: `${D}: epoch seconds in policy`, op: 'DateGreaterThan', values: '1577836800', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: `${D}: epoch seconds in context`, op: 'DateLessThan', values: '2030-01-01T00:00:00Z', context: '1795564800', expect: true },
  { cite: `${D}: date-only value`, op: 'DateGreaterThan', values: '2026-01-01', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: `${D}: time zone offsets`, op: 'DateEquals', values: '2026-11-25T01:00:00+01:00', context: '2026-11-25T00:00:00Z', expect: true },
  { cite: D, op: 'DateLessThan', key: 'aws:CurrentTime', values: '2099-12-31T23:59:59Z', context: '2026-11-25T10:00:00Z', expect: true },
  // Bool
  { cite: BOOL, op: 'Bool', key: 'aws:SecureTransport', values: 'true', context: 'true', expect: true },
  { cite: BOOL, op: 'Bool', key: 'aws:SecureTransport', values: 'true', context: 'false', expect: false },
  { cite: `${BOOL}: JSON boolean value`, op: 'Bool', key: 'aws:SecureTransport', values: false, context: 'false', expect: true },
  { cite: `${BOOL}: absent key`, op: 'Bool', key: 'aws:MultiFactorAuthPresent', values: 'true', expect: false },
  { cite: `${BOOL}: values are case-insensitive`, op: 'Bool', values: 'TRUE', context: 'true', expect: true },
  // Binary
  { cite: BIN, op: 'BinaryEquals', values: 'QmluYXJ5VmFsdWU=', context: 'QmluYXJ5VmFsdWU=', expect: true },
  { cite: BIN, op: 'BinaryEquals', values: 'QmluYXJ5VmFsdWU=', context: 'b3RoZXI=', expect: false },
  // IP
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: '203.0.113.0/24', context: '203.0.113.7', expect: true },
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: '203.0.113.0/24', context: '203.0.114.7', expect: false },
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: '203.0.113.7', context: '203.0.113.7', expect: true },
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: '0.0.0.0/0', context: '8.8.8.8', expect: true },
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: '10.0.0.0/8', context: '10.255.255.255', expect: true },
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: '10.0.0.0/8', context: '11.0.0.0', expect: false },
  { cite: `${IP}: IPv6`, op: 'IpAddress', key: 'aws:SourceIp', values: '2001:db8::/32', context: '2001:db8:1234::1', expect: true },
  { cite: `${IP}: IPv6`, op: 'IpAddress', key: 'aws:SourceIp', values: '2001:db8::/32', context: '2001:db9::1', expect: false },
  { cite: `${IP}: IPv6 loopback`, op: 'IpAddress', key: 'aws:SourceIp', values: '::1/128', context: '::1', expect: true },
  { cite: `${IP}: IPv4 range does not match IPv6`, op: 'IpAddress', key: 'aws:SourceIp', values: '127.0.0.0/8', context: '::1', expect: false },
  { cite: IP, op: 'IpAddress', key: 'aws:SourceIp', values: ['192.0.2.0/24', '203.0.113.0/24'], context: '203.0.113.1', expect: true },
  { cite: IP, op: 'NotIpAddress', key: 'aws:SourceIp', values: '192.0.2.0/24', context: '203.0.113.1', expect: true },
  { cite: IP, op: 'NotIpAddress', key: 'aws:SourceIp', values: '192.0.2.0/24', context: '192.0.2.9', expect: false },
  // ARN
  { cite: ARN, op: 'ArnEquals', key: 'aws:SourceArn', values: 'arn:aws:sns:us-east-1:123456789012:topic', context: 'arn:aws:sns:us-east-1:123456789012:topic', expect: true },
  { cite: ARN, op: 'ArnEquals', key: 'aws:SourceArn', values: 'arn:aws:sns:us-east-1:123456789012:topic', context: 'arn:aws:sns:us-east-1:123456789012:other', expect: false },
  { cite: ARN, op: 'ArnLike', key: 'aws:SourceArn', values: 'arn:aws:sns:*:123456789012:*', context: 'arn:aws:sns:eu-west-1:123456789012:t', expect: true },
  { cite: ARN, op: 'ArnLike', key: 'aws:SourceArn', values: 'arn:aws:sns:*:123456789012:*', context: 'arn:aws:sns:eu-west-1:210987654321:t', expect: false },
  { cite: `${ARN}: each of the six segments is matched separately`, op: 'ArnLike', key: 'aws:SourceArn', values: 'arn:aws:s3:::bucket/*', context: 'arn:aws:s3:::bucket/a/b', expect: true },
  { cite: ARN, op: 'ArnNotEquals', key: 'aws:SourceArn', values: 'arn:aws:sns:us-east-1:123456789012:topic', context: 'arn:aws:sns:us-east-1:123456789012:x', expect: true },
  { cite: ARN, op: 'ArnNotLike', key: 'aws:PrincipalArn', values: 'arn:aws:iam::*:role/admin*', context: 'arn:aws:iam::123456789012:role/admin-1', expect: false },
  { cite: ARN, op: 'ArnNotLike', key: 'aws:PrincipalArn', values: 'arn:aws:iam::*:role/admin*', context: 'arn:aws:iam::123456789012:role/dev', expect: true },
  { cite: `${ARN}: a non-ARN context value does not match`, op: 'ArnLike', key: 'aws:SourceArn', values: 'arn:aws:*:*:*:*', context: 'not-an-arn', expect: false },
  // IfExists
  { cite: IFX, op: 'StringEqualsIfExists', values: 'abc', expect: true },
  { cite: IFX, op: 'StringEqualsIfExists', values: 'abc', context: 'abc', expect: true },
  { cite: IFX, op: 'StringEqualsIfExists', values: 'abc', context: 'xyz', expect: false },
  { cite: IFX, op: 'NumericLessThanIfExists', values: '5', expect: true },
  { cite: IFX, op: 'NumericLessThanIfExists', values: '5', context: '6', expect: false },
  { cite: IFX, op: 'IpAddressIfExists', key: 'aws:SourceIp', values: '10.0.0.0/8', expect: true },
  { cite: IFX, op: 'ArnLikeIfExists', key: 'aws:SourceArn', values: 'arn:aws:sns:*:*:*', expect: true },
  { cite: IFX, op: 'BoolIfExists', key: 'aws:MultiFactorAuthPresent', values: 'false', expect: true },
  { cite: IFX, op: 'DateLessThanIfExists', values: '2020-01-01T00:00:00Z', context: '2026-01-01T00:00:00Z', expect: false },
  // Null
  { cite: NULL, op: 'Null', values: 'true', expect: true },
  { cite: NULL, op: 'Null', values: 'true', context: 'present', expect: false },
  { cite: NULL, op: 'Null', values: 'false', context: 'present', expect: true },
  { cite: NULL, op: 'Null', values: 'false', expect: false },
  { cite: NULL, op: 'Null', key: 'aws:TokenIssueTime', values: 'false', context: '2026-11-25T00:00:00Z', expect: true },
  // Multivalued keys
  { cite: MULTI, op: 'ForAllValues:StringEquals', key: 'aws:TagKeys', values: ['env', 'team'], context: ['env'], expect: true },
  { cite: MULTI, op: 'ForAllValues:StringEquals', key: 'aws:TagKeys', values: ['env', 'team'], context: ['env', 'cost'], expect: false },
  { cite: `${MULTI}: ForAllValues is true when the key is absent`, op: 'ForAllValues:StringEquals', key: 'aws:TagKeys', values: ['env'], expect: true },
  { cite: MULTI, op: 'ForAnyValue:StringEquals', key: 'aws:TagKeys', values: ['env'], context: ['cost', 'env'], expect: true },
  { cite: MULTI, op: 'ForAnyValue:StringEquals', key: 'aws:TagKeys', values: ['env'], context: ['cost'], expect: false },
  { cite: `${MULTI}: ForAnyValue is false when the key is absent`, op: 'ForAnyValue:StringEquals', key: 'aws:TagKeys', values: ['env'], expect: false },
  { cite: MULTI, op: 'ForAnyValue:StringLike', key: 'aws:TagKeys', values: ['team*'], context: ['teamA', 'x'], expect: true },
  { cite: MULTI, op: 'ForAllValues:StringLike', key: 'aws:TagKeys', values: ['team*'], context: ['teamA', 'x'], expect: false },
  { cite: MULTI, op: 'ForAllValues:StringNotEquals', key: 'aws:TagKeys', values: ['secret'], context: ['a', 'b'], expect: true },
  { cite: MULTI, op: 'ForAnyValue:StringNotEquals', key: 'aws:TagKeys', values: ['a'], context: ['a', 'b'], expect: true },
  { cite: MULTI, op: 'ForAllValues:StringEqualsIgnoreCase', key: 'aws:TagKeys', values: ['ENV'], context: ['env'], expect: true },
  // AWS global condition context keys — aws:PrincipalOrgPaths / aws:ResourceOrgPaths: multivalued, each value an
  // organization path "o-id/r-id/ou-id/…/"; the page's example uses ForAnyValue:StringLike with a trailing wildcard.
  { cite: `${MULTI}: aws:PrincipalOrgPaths — a child OU matches the parent's path with *`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/'], expect: true },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — the OU itself matches its path with *`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'], expect: true },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — a sibling OU does not match`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/'], expect: false },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — any one of several paths matching is enough`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/*/ou-ab12-11111111/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/', 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'], expect: true },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — ForAllValues needs every path to match`, op: 'ForAllValues:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/', 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'], expect: false },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — absent (caller outside any organization) fails ForAnyValue`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/*'], expect: false },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — ? matches one character of an id`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/r-ab1?/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'], expect: true },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — StringLike is case-sensitive`, op: 'ForAnyValue:StringLike', key: 'aws:PrincipalOrgPaths', values: ['O-A1B2C3D4E5/*'], context: ['o-a1b2c3d4e5/r-ab12/'], expect: false },
  { cite: `${MULTI}: aws:PrincipalOrgPaths — StringEquals needs the exact path, trailing slash included`, op: 'ForAnyValue:StringEquals', key: 'aws:PrincipalOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'], expect: false },
  { cite: `${MULTI}: aws:ResourceOrgPaths — ForAnyValue:StringLike over the resource's paths`, op: 'ForAnyValue:StringLike', key: 'aws:ResourceOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/'], expect: true },
  { cite: `${MULTI}: aws:ResourceOrgPaths — ForAnyValue:StringNotLike holds when some path is outside`, op: 'ForAnyValue:StringNotLike', key: 'aws:ResourceOrgPaths', values: ['o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*'], context: ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/'], expect: true },
  { cite: `${CTXK}: aws:PrincipalIsAWSService is a Bool`, op: 'Bool', key: 'aws:PrincipalIsAWSService', values: 'true', context: 'true', expect: true },
  { cite: `${CTXK}: aws:PrincipalIsAWSService false for IAM principals`, op: 'Bool', key: 'aws:PrincipalIsAWSService', values: 'true', context: 'false', expect: false },
  { cite: `${CTXK}: aws:PrincipalIsAWSService — BoolIfExists holds when the key is absent (anonymous request)`, op: 'BoolIfExists', key: 'aws:PrincipalIsAWSService', values: 'false', expect: true },
  { cite: `${CTXK}: aws:PrincipalOrgID — StringNotEqualsIfExists holds when absent`, op: 'StringNotEqualsIfExists', key: 'aws:PrincipalOrgID', values: 'o-a1b2c3d4e5', expect: true },
  { cite: `${CTXK}: aws:PrincipalOrgID — StringNotEqualsIfExists false for the organization's own principals`, op: 'StringNotEqualsIfExists', key: 'aws:PrincipalOrgID', values: 'o-a1b2c3d4e5', context: 'o-a1b2c3d4e5', expect: false },
  // Logic
  { cite: `${LOGIC}: several values for one key are ORed`, op: 'StringEquals', values: ['a', 'b', 'c'], context: 'c', expect: true },
  { cite: `${LOGIC}: a multi-valued context key matches when any value matches (single-valued operator)`, op: 'StringEquals', values: 'b', context: ['a', 'b'], expect: true },
];

describe('condition operators', () => {
  conditionCases.forEach((c, i) => {
    test(`C${String(i + 1).padStart(3, '0')} ${c.op} ${JSON.stringify(c.values)} vs ${JSON.stringify(c.context ?? '(absent)')} → ${c.expect} [${c.cite}]`, () => {
      assert.equal(conditionHolds(c), c.expect);
    });
  });

  test('multiple operators and keys in one block are ANDed', () => {
    const policy = bound('identity', [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'k:a': '1', 'k:b': '2' }, NumericLessThan: { 'k:n': '5' } } }]);
    const run = (c: Ctx) => evaluate({ principal: USER, action: 's3:GetObject', resource: '*', resourceAccount: A, context: ctxOf(c), identityPolicies: [policy] }).allowed;
    assert.equal(run({ 'k:a': '1', 'k:b': '2', 'k:n': '4' }), true);
    assert.equal(run({ 'k:a': '1', 'k:b': '3', 'k:n': '4' }), false);
    assert.equal(run({ 'k:a': '1', 'k:b': '2', 'k:n': '6' }), false);
  });

  test('condition key names are case-insensitive', () => {
    const policy = bound('identity', [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'AWS:UserName': 'alice' } } }]);
    assert.equal(evaluate({ principal: USER, action: 's3:GetObject', resource: '*', resourceAccount: A, context: ctxOf({ 'aws:username': 'alice' }), identityPolicies: [policy] }).allowed, true);
  });
});

interface EvalCase {
  cite: string;
  principal?: CallerPrincipal;
  action?: string;
  resource?: string;
  resourceAccount?: string;
  identity?: object[][];
  boundary?: object[];
  session?: object[];
  resourcePolicy?: object[];
  resourceKind?: PolicyKind;
  required?: boolean;
  context?: Ctx;
  version?: string;
  /** Organization policies, root level first: each level is a list of policies, each a list of statements. */
  scp?: object[][][];
  rcp?: object[][][];
  expect: true | DenyReason;
}

const allow = (Action: string | string[] = '*', Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const denyS = (Action: string | string[] = '*', Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });
const rAllow = (Principal: unknown, Action: string | string[] = '*', Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Principal, Action, Resource, ...extra });

const evalCases: EvalCase[] = [
  { cite: `${EVAL}: requests are implicitly denied by default`, identity: [], expect: 'no-identity' },
  { cite: `${EVAL}: an identity-based allow grants`, identity: [[allow('s3:GetObject')]], expect: true },
  { cite: `${EVAL}: an explicit deny overrides any allow`, identity: [[allow()], [denyS('s3:GetObject')]], expect: 'explicit-identity' },
  { cite: `${EVAL}: explicit deny in the same policy`, identity: [[allow(), denyS()]], expect: 'explicit-identity' },
  { cite: `${ELEM} — Action: action names are case-insensitive`, identity: [[allow('S3:getobject')]], expect: true },
  { cite: `${ELEM} — Action: wildcard in action`, identity: [[allow('s3:Get*')]], expect: true },
  { cite: `${ELEM} — Action: ? wildcard`, identity: [[allow('s3:GetObjec?')]], expect: true },
  { cite: `${ELEM} — Action: another service does not match`, identity: [[allow('ec2:*')]], expect: 'no-identity' },
  { cite: `${ELEM} — NotAction: allows everything except the listed actions`, identity: [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]], expect: true },
  { cite: `${ELEM} — NotAction`, action: 'iam:CreateUser', identity: [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]], expect: 'no-identity' },
  { cite: `${ELEM} — NotAction with Deny denies everything but the listed actions`, identity: [[allow()], [{ Effect: 'Deny', NotAction: 's3:List*', Resource: '*' }]], expect: 'explicit-identity' },
  { cite: `${ELEM} — Resource: exact ARN`, identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/k')]], expect: true },
  { cite: `${ELEM} — Resource: ARNs are case-sensitive`, identity: [[allow('s3:GetObject', 'arn:aws:s3:::B/k')]], expect: 'no-identity' },
  { cite: `${ELEM} — Resource: * in the resource part spans /`, resource: 'arn:aws:s3:::b/dir/sub/k', identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/*')]], expect: true },
  { cite: `${ELEM} — Resource: bucket ARN does not cover objects`, identity: [[allow('s3:GetObject', 'arn:aws:s3:::b')]], expect: 'no-identity' },
  { cite: `${ELEM} — Resource: object pattern does not cover the bucket`, action: 's3:ListBucket', resource: 'arn:aws:s3:::b', identity: [[allow('s3:ListBucket', 'arn:aws:s3:::b/*')]], expect: 'no-identity' },
  { cite: `${ELEM} — Resource: ? wildcard`, resource: 'arn:aws:s3:::b/k1', identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/k?')]], expect: true },
  { cite: `${ELEM} — Resource: list of resources is ORed`, identity: [[allow('s3:GetObject', ['arn:aws:s3:::x/*', 'arn:aws:s3:::b/*'])]], expect: true },
  { cite: `${ELEM} — NotResource`, identity: [[{ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::secret/*' }]], expect: true },
  { cite: `${ELEM} — NotResource`, resource: 'arn:aws:s3:::secret/x', identity: [[{ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::secret/*' }]], expect: 'no-identity' },
  { cite: `${ELEM} — NotResource with Deny protects everything else`, resource: 'arn:aws:s3:::other/x', identity: [[allow()], [{ Effect: 'Deny', Action: '*', NotResource: 'arn:aws:s3:::mine/*' }]], expect: 'explicit-identity' },
  { cite: `${ELEM} — IAM ARNs: region segment empty`, action: 'iam:GetRole', resource: 'arn:aws:iam::123456789012:role/app', identity: [[allow('iam:GetRole', 'arn:aws:iam::123456789012:role/*')]], expect: true },
  { cite: `${ELEM} — IAM ARNs: account segment wildcard`, action: 'iam:GetRole', resource: 'arn:aws:iam::123456789012:role/app', identity: [[allow('iam:GetRole', 'arn:aws:iam::*:role/app')]], expect: true },
  { cite: `${ELEM} — IAM ARNs: paths are part of the resource`, action: 'iam:GetRole', resource: 'arn:aws:iam::123456789012:role/team/app', identity: [[allow('iam:GetRole', 'arn:aws:iam::123456789012:role/app')]], expect: 'no-identity' },
  { cite: `${ELEM} — Condition: a failing condition makes the statement not apply`, context: { 'aws:sourceip': '8.8.8.8' }, identity: [[allow('*', '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })]], expect: 'no-identity' },
  { cite: `${ELEM} — Condition on a Deny: deny only applies when it holds`, context: { 'aws:securetransport': 'true' }, identity: [[allow()], [denyS('*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]], expect: true },
  { cite: `${ELEM} — Condition on a Deny`, context: { 'aws:securetransport': 'false' }, identity: [[allow()], [denyS('*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]], expect: 'explicit-identity' },
  { cite: `${EVAL}: root user is not restricted by identity policies in its own account`, principal: ROOT, identity: [], expect: true },
  { cite: `${EVAL}: an explicit deny still applies to the root user`, principal: ROOT, identity: [[denyS()]], expect: 'explicit-identity' },
  { cite: `${EVAL}: a role session gets the role's identity policies`, principal: SESSION, identity: [[allow('s3:GetObject')]], expect: true },
  // Resource-based policies, same account
  { cite: `${EVAL}: same account — a resource policy naming the user allows on its own`, identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 's3:GetObject')], expect: true },
  { cite: `${EVAL}: same account — naming the account root requires an identity allow`, identity: [], resourcePolicy: [rAllow({ AWS: `arn:aws:iam::${A}:root` }, 's3:GetObject')], expect: 'no-identity' },
  { cite: `${EVAL}: same account — account root principal plus identity allow`, identity: [[allow('s3:GetObject')]], resourcePolicy: [rAllow({ AWS: A }, 's3:GetObject')], expect: true },
  { cite: `${EVAL}: same account — Principal "*" grants`, identity: [], resourcePolicy: [rAllow('*', 's3:GetObject')], expect: true },
  { cite: `${EVAL}: an explicit deny in a resource policy overrides an identity allow`, identity: [[allow()]], resourcePolicy: [{ Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' }], expect: 'explicit-resource' },
  { cite: `${EVAL}: a resource-policy deny for another principal does not apply`, identity: [[allow()]], resourcePolicy: [{ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:user/mallory` }, Action: '*', Resource: '*' }], expect: true },
  { cite: `${ELEM} — NotPrincipal with Deny denies everyone but the named principal`, identity: [[allow()]], resourcePolicy: [{ Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${A}:user/mallory` }, Action: '*', Resource: '*' }], expect: 'explicit-resource' },
  // AWS JSON policy elements: NotPrincipal (IAM User Guide): with Deny, the exact principal is spared, and "you must also
  // specify the account ARN of the not-denied principal"; for a session, the session ARN, the role ARN and the account.
  { cite: `${NOTP} — Deny spares the named user listed with its account`, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([USER.arn, `arn:aws:iam::${A}:root`])], expect: true },
  { cite: `${NOTP} — the account may be listed by its id`, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([USER.arn, A])], expect: true },
  { cite: `${NOTP} — without the account ARN the user's account is denied, and so the user`, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([USER.arn])], expect: 'explicit-resource' },
  { cite: `${NOTP} — listing the account root does not spare the account's other users`, principal: BOB, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([USER.arn, `arn:aws:iam::${A}:root`])], expect: 'explicit-resource' },
  { cite: `${NOTP} — listing the account root spares the account principal`, principal: ROOT, identity: [], resourcePolicy: [notPrincipalDeny([`arn:aws:iam::${A}:root`])], expect: true },
  { cite: `${NOTP} — an account root that is not listed is denied`, principal: ROOT, identity: [], resourcePolicy: [notPrincipalDeny([USER.arn, `arn:aws:iam::${B}:root`])], expect: 'explicit-resource' },
  { cite: `${NOTP} — a role ARN does not spare the role's sessions`, principal: SESSION, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([SESSION.roleArn!, `arn:aws:iam::${A}:root`])], expect: 'explicit-resource' },
  { cite: `${NOTP} — a session is spared when its session ARN, role ARN and account are listed`, principal: SESSION, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([SESSION.arn, SESSION.roleArn!, `arn:aws:iam::${A}:root`])], expect: true },
  { cite: `${NOTP} — a session listed without its role may be denied through the role`, principal: SESSION, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([SESSION.arn, `arn:aws:iam::${A}:root`])], expect: 'explicit-resource' },
  { cite: `${NOTP} — another session of the same role is denied`, principal: SESSION, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([`arn:aws:sts::${A}:assumed-role/app/other`, SESSION.roleArn!, `arn:aws:iam::${A}:root`])], expect: 'explicit-resource' },
  { cite: `${NOTP} — a principal with a permissions boundary is always denied`, identity: [[allow()]], boundary: [allow()], resourcePolicy: [notPrincipalDeny([USER.arn, `arn:aws:iam::${A}:root`])], expect: 'explicit-resource' },
  { cite: `${NOTP} — a cross-account user listed with its account is spared`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [notPrincipalDeny([OTHER_USER.arn, `arn:aws:iam::${B}:root`]), rAllow({ AWS: OTHER_USER.arn })], expect: true },
  { cite: `${NOTP} — a service principal is spared when its service is listed`, principal: EC2, identity: [], resourcePolicy: [{ Effect: 'Deny', NotPrincipal: { Service: 'ec2.amazonaws.com' }, Action: '*', Resource: '*' }, rAllow({ Service: 'ec2.amazonaws.com' })], expect: true },
  { cite: `${NOTP} — a service principal not listed is denied`, principal: EC2, identity: [], resourcePolicy: [notPrincipalDeny([`arn:aws:iam::${A}:root`]), rAllow({ Service: 'ec2.amazonaws.com' })], expect: 'explicit-resource' },
  { cite: `${NOTP} — Allow + NotPrincipal grants everyone but the listed principal`, principal: BOB, identity: [], resourcePolicy: [{ Effect: 'Allow', NotPrincipal: { AWS: USER.arn }, Action: '*', Resource: '*' }], expect: true },
  { cite: `${NOTP} — Allow + NotPrincipal naming the role leaves its sessions out`, principal: SESSION, identity: [], resourcePolicy: [{ Effect: 'Allow', NotPrincipal: { AWS: SESSION.roleArn }, Action: '*', Resource: '*' }], expect: 'no-identity' },
  { cite: `${EVAL}: a resource policy naming the role grants its sessions (same account)`, principal: SESSION, identity: [], resourcePolicy: [rAllow({ AWS: SESSION.roleArn }, 's3:GetObject')], expect: true },
  { cite: `${EVAL}: a resource policy naming the session ARN grants that session`, principal: SESSION, identity: [], resourcePolicy: [rAllow({ AWS: SESSION.arn }, 's3:GetObject')], expect: true },
  { cite: `${EVAL}: a resource policy naming another session does not`, principal: SESSION, identity: [], resourcePolicy: [rAllow({ AWS: `arn:aws:sts::${A}:assumed-role/app/s2` }, 's3:GetObject')], expect: 'no-identity' },
  // Cross-account
  { cite: `${XACCT}: both the identity policy and the resource policy must allow`, principal: OTHER_USER, identity: [[allow('s3:GetObject')]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn }, 's3:GetObject')], expect: true },
  { cite: `${XACCT}: resource policy alone is not enough`, principal: OTHER_USER, identity: [], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn }, 's3:GetObject')], expect: 'no-identity' },
  { cite: `${XACCT}: identity policy alone is not enough`, principal: OTHER_USER, identity: [[allow()]], expect: 'no-resource' },
  { cite: `${XACCT}: trusting the other account (root) plus identity allow`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: `arn:aws:iam::${B}:root` }, 's3:GetObject')], expect: true },
  { cite: `${XACCT}: a resource policy for a different account does not apply`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: `arn:aws:iam::999999999999:root` }, 's3:GetObject')], expect: 'no-resource' },
  { cite: `${XACCT}: the other account's root still needs the resource policy`, principal: { kind: 'root', accountId: B, arn: `arn:aws:iam::${B}:root` }, identity: [], expect: 'no-resource' },
  // Boundaries
  { cite: `${BOUND}: effective permissions are the intersection of identity policy and boundary`, identity: [[allow()]], boundary: [allow('s3:GetObject')], expect: true },
  { cite: `${BOUND}: the boundary does not grant on its own`, identity: [], boundary: [allow()], expect: 'no-identity' },
  { cite: `${BOUND}: outside the boundary is denied`, identity: [[allow()]], boundary: [allow('s3:ListBucket')], expect: 'no-boundary' },
  { cite: `${BOUND}: an explicit deny in the boundary`, identity: [[allow()]], boundary: [allow(), denyS('s3:GetObject')], expect: 'explicit-boundary' },
  { cite: `${BOUND}: same-account resource policy naming the user is not limited by its boundary`, identity: [], boundary: [allow('s3:ListBucket')], resourcePolicy: [rAllow({ AWS: USER.arn }, 's3:GetObject')], expect: true },
  { cite: `${BOUND}: a resource policy naming the role ARN is limited by the role's boundary`, principal: SESSION, identity: [], boundary: [allow('s3:ListBucket')], resourcePolicy: [rAllow({ AWS: SESSION.roleArn }, 's3:GetObject')], expect: 'no-boundary' },
  { cite: `${BOUND}: a resource policy naming the session ARN is not limited by the boundary`, principal: SESSION, identity: [], boundary: [allow('s3:ListBucket')], resourcePolicy: [rAllow({ AWS: SESSION.arn }, 's3:GetObject')], expect: true },
  // Session policies
  { cite: `${SESSIONP}: a session policy narrows the role's permissions`, principal: SESSION, identity: [[allow()]], session: [allow('s3:ListBucket')], expect: 'no-session' },
  { cite: `${SESSIONP}: within both it is allowed`, principal: SESSION, identity: [[allow()]], session: [allow('s3:GetObject')], expect: true },
  { cite: `${SESSIONP}: a session policy cannot grant more than the role`, principal: SESSION, identity: [[allow('s3:ListBucket')]], session: [allow()], expect: 'no-identity' },
  { cite: `${SESSIONP}: explicit deny in a session policy`, principal: SESSION, identity: [[allow()]], session: [allow(), denyS('s3:GetObject')], expect: 'explicit-session' },
  { cite: `${SESSIONP}: resource policy naming the session ARN is not limited by session policies`, principal: SESSION, identity: [], session: [allow('s3:ListBucket')], resourcePolicy: [rAllow({ AWS: SESSION.arn }, 's3:GetObject')], expect: true },
  { cite: `${SESSIONP}: resource policy naming the role ARN is limited by session policies`, principal: SESSION, identity: [], session: [allow('s3:ListBucket')], resourcePolicy: [rAllow({ AWS: SESSION.roleArn }, 's3:GetObject')], expect: 'no-session' },
  // Trust policies (AssumeRole)
  { cite: `${TRUST}: the trust policy must allow`, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', identity: [[allow()]], resourcePolicy: [rAllow({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole', undefined)], resourceKind: 'trust', required: true, expect: 'no-resource' },
  { cite: `${TRUST}: naming the caller's ARN suffices in the same account`, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 'sts:AssumeRole', undefined)], resourceKind: 'trust', required: true, expect: true },
  { cite: `${TRUST}: naming the account needs an identity allow`, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', identity: [], resourcePolicy: [rAllow({ AWS: A }, 'sts:AssumeRole', undefined)], resourceKind: 'trust', required: true, expect: 'no-identity' },
  { cite: `${TRUST}: sts:ExternalId condition`, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', context: { 'sts:externalid': 'wrong' }, identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 'sts:AssumeRole', undefined, { Condition: { StringEquals: { 'sts:ExternalId': 'secret-123' } } })], resourceKind: 'trust', required: true, expect: 'no-resource' },
  { cite: `${TRUST}: sts:ExternalId condition`, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', context: { 'sts:externalid': 'secret-123' }, identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 'sts:AssumeRole', undefined, { Condition: { StringEquals: { 'sts:ExternalId': 'secret-123' } } })], resourceKind: 'trust', required: true, expect: true },
  { cite: `${TRUST}: cross-account trust plus identity allow`, principal: OTHER_USER, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', identity: [[allow('sts:AssumeRole')]], resourcePolicy: [rAllow({ AWS: B }, 'sts:AssumeRole', undefined)], resourceKind: 'trust', required: true, expect: true },
  { cite: `${TRUST}: cross-account trust without identity allow`, principal: OTHER_USER, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', identity: [], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn }, 'sts:AssumeRole', undefined)], resourceKind: 'trust', required: true, expect: 'no-identity' },
  { cite: `${TRUST}: a trust policy naming the role's sessions by role ARN`, principal: SESSION, action: 'sts:AssumeRole', resource: 'arn:aws:iam::123456789012:role/target', identity: [], resourcePolicy: [rAllow({ AWS: SESSION.roleArn }, 'sts:AssumeRole', undefined)], resourceKind: 'trust', required: true, expect: true },
  // Variables
  { cite: `${VARS}: \${aws:username} in a resource`, resource: 'arn:aws:s3:::home/alice/file', context: { 'aws:username': 'alice' }, identity: [[allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')]], expect: true },
  { cite: `${VARS}: \${aws:username} for another user`, resource: 'arn:aws:s3:::home/bob/file', context: { 'aws:username': 'alice' }, identity: [[allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')]], expect: 'no-identity' },
  { cite: `${VARS}: a missing variable makes the statement not match`, resource: 'arn:aws:s3:::home/alice/file', identity: [[allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')]], expect: 'no-identity' },
  { cite: `${VARS}: default value when the key is missing`, resource: 'arn:aws:s3:::home/shared/file', identity: [[allow('s3:GetObject', "arn:aws:s3:::home/${aws:username, 'shared'}/*")]], expect: true },
  { cite: `${VARS}: \${*} is a literal asterisk`, resource: 'arn:aws:s3:::b/*', identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/${*}')]], expect: true },
  { cite: `${VARS}: \${*} does not act as a wildcard`, resource: 'arn:aws:s3:::b/anything', identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/${*}')]], expect: 'no-identity' },
  { cite: `${VARS}: \${?} is a literal question mark`, resource: 'arn:aws:s3:::b/a?', identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/a${?}')]], expect: true },
  { cite: `${VARS}: \${$} is a literal dollar sign`, resource: 'arn:aws:s3:::b/$x', identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/${$}x')]], expect: true },
  { cite: `${VARS}: policy variables in conditions`, context: { 'aws:username': 'alice', 's3:prefix': 'home/alice/' }, identity: [[allow('*', '*', { Condition: { StringLike: { 's3:prefix': 'home/${aws:username}/*' } } })]], expect: true },
  { cite: `${VARS}: aws:PrincipalTag in a resource`, resource: 'arn:aws:s3:::b/blue/x', context: { 'aws:principaltag/team': 'blue' }, identity: [[allow('s3:GetObject', 'arn:aws:s3:::b/${aws:PrincipalTag/team}/*')]], expect: true },
  { cite: `${VARS}: variables are not replaced in version 2008-10-17 policies`, resource: 'arn:aws:s3:::home/alice/file', context: { 'aws:username': 'alice' }, version: '2008-10-17', identity: [[allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')]], expect: 'no-identity' },
  { cite: `${VARS}: 2008-10-17 keeps the text literally`, resource: 'arn:aws:s3:::home/${aws:username}/file', version: '2008-10-17', identity: [[allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')]], expect: true },
  ...orgCases(),
];

describe('evaluation logic', () => {
  evalCases.forEach((c, i) => {
    test(`E${String(i + 1).padStart(3, '0')} → ${c.expect} [${c.cite}]`, () => {
      const identityPolicies = (c.identity ?? []).map((statements) => bound('identity', statements, c.version));
      const decision = evaluate({
        principal: c.principal ?? USER, action: c.action ?? 's3:GetObject', resource: c.resource ?? 'arn:aws:s3:::b/k', resourceAccount: c.resourceAccount ?? A,
        context: ctxOf(c.context), identityPolicies, permissionsBoundary: c.boundary ? bound('boundary', c.boundary) : undefined,
        sessionPolicies: c.session ? [bound('session', c.session)] : undefined,
        resourcePolicy: c.resourcePolicy ? bound(c.resourceKind ?? 'resource', c.resourcePolicy.map((s) => (c.resourceKind === 'trust' ? stripResource(s) : s))) : undefined,
        resourcePolicyRequired: c.required,
        serviceControlPolicies: c.scp?.map((level) => level.map((statements) => bound('scp', statements))),
        resourceControlPolicies: c.rcp?.map((level) => level.map((statements) => bound('rcp', statements))),
      });
      if (c.expect === true) assert.equal(decision.allowed, true, `denied: ${decision.reason}`);
      else {
        assert.equal(decision.allowed, false);
        assert.equal(decision.reason, c.expect);
      }
    });
  });
});

/** Trust policies have no Resource element. */
function stripResource(statement: object): object {
  const { Resource: _resource, ...rest } = statement as Record<string, unknown>;
  return rest;
}

const P = `${ELEM} / IAM policy validation (MalformedPolicyDocument)`;

// Which documents IAM accepts and with which message it refuses the rest: server/test/policy-validation.test.ts.
describe('policy compilation', () => {
  test('pathological wildcards finish quickly (no backtracking blow-up)', () => {
    const pattern = `arn:aws:s3:::b/${'*a'.repeat(40)}*b`;
    const policy = bound('identity', [allow('s3:GetObject', pattern)]);
    const started = performance.now();
    const decision = evaluate({ principal: USER, action: 's3:GetObject', resource: `arn:aws:s3:::b/${'a'.repeat(5000)}`, resourceAccount: A, context: ctxOf(), identityPolicies: [policy] });
    assert.equal(decision.allowed, false);
    assert.ok(performance.now() - started < 500, 'matching must be linear-ish, not exponential');
  });
});

const W = `${ELEM} — Resource/Action wildcards (* any run of characters, ? exactly one)`;
const wildcardCases: [string, string, boolean][] = [
  ['s3:*', 's3:GetObject', true], ['s3:Get*', 's3:GetObjectAcl', true], ['s3:Get*', 's3:PutObject', false], ['s3:*Object', 's3:GetObject', true],
  ['s3:*Object', 's3:GetObjectAcl', false], ['s3:?etObject', 's3:GetObject', true], ['s3:?etObject', 's3:GGetObject', false], ['*', 'iam:CreateUser', true],
  ['iam:*User*', 'iam:ListUserPolicies', true], ['iam:*User', 'iam:ListUserPolicies', false], ['s3:List*', 's3:ListBucket', true], ['s3:List*', 's3:ListAllMyBuckets', true],
  ['sts:AssumeRole*', 'sts:AssumeRoleWithSAML', true], ['sts:AssumeRole', 'sts:AssumeRoleWithSAML', false], ['s3:*Acl', 's3:PutObjectAcl', true], ['s3:G?t*', 's3:GetBucketPolicy', true],
  ['ec2:*', 's3:GetObject', false], ['s3:getobject', 's3:GetObject', true], ['S3:GETOBJECT', 's3:GetObject', true], ['s3:Get*Tagging', 's3:GetObjectTagging', true],
];
const resourceWildcards: [string, string, boolean][] = [
  ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/k', true], ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/a/b/c', true], ['arn:aws:s3:::b/*', 'arn:aws:s3:::b', false],
  ['arn:aws:s3:::b*', 'arn:aws:s3:::b', true], ['arn:aws:s3:::b*', 'arn:aws:s3:::bucket/x', true], ['arn:aws:s3:::b/k?', 'arn:aws:s3:::b/k1', true],
  ['arn:aws:s3:::b/k?', 'arn:aws:s3:::b/k', false], ['arn:aws:s3:::b/*/x', 'arn:aws:s3:::b/a/x', true], ['arn:aws:s3:::b/*/x', 'arn:aws:s3:::b/a/y', false],
  ['arn:aws:s3:::*', 'arn:aws:s3:::anything/at/all', true], ['arn:aws:s3:::B/*', 'arn:aws:s3:::b/k', false], ['arn:aws:iam::*:user/*', 'arn:aws:iam::123456789012:user/a', true],
  ['arn:aws:iam::123456789012:user/*', 'arn:aws:iam::210987654321:user/a', false], ['arn:aws:iam::123456789012:*', 'arn:aws:iam::123456789012:role/r', true],
  ['arn:aws:iam::123456789012:role/team/*', 'arn:aws:iam::123456789012:role/team/app', true], ['arn:aws:iam::123456789012:role/team/*', 'arn:aws:iam::123456789012:role/app', false],
  ['arn:aws:*:*:*:*', 'arn:aws:sqs:us-east-1:123456789012:q', true], ['arn:aws:sqs:*:123456789012:*', 'arn:aws:sqs:eu-west-1:123456789012:q', true],
  ['arn:aws:sqs:us-*:123456789012:*', 'arn:aws:sqs:eu-west-1:123456789012:q', false], ['arn:aws:s3:::b/${*}', 'arn:aws:s3:::b/*', true],
];

describe('wildcard matching', () => {
  wildcardCases.forEach(([pattern, action, expected], i) => {
    test(`W${String(i + 1).padStart(3, '0')} action ${pattern} vs ${action} → ${expected} [${W}; action names are case-insensitive]`, () => {
      const decision = evaluate({ principal: USER, action, resource: '*', resourceAccount: A, context: ctxOf(), identityPolicies: [bound('identity', [allow(pattern)])] });
      assert.equal(decision.allowed, expected);
    });
  });
  resourceWildcards.forEach(([pattern, resource, expected], i) => {
    test(`R${String(i + 1).padStart(3, '0')} resource ${pattern} vs ${resource} → ${expected} [${W}; resources are case-sensitive, ARN segments match separately]`, () => {
      const decision = evaluate({ principal: USER, action: 's3:GetObject', resource, resourceAccount: A, context: ctxOf(), identityPolicies: [bound('identity', [allow('s3:GetObject', pattern)])] });
      assert.equal(decision.allowed, expected);
    });
  });
});

const PR = `${ELEM} — Principal: how principals in resource-based policies match the caller`;
const principalCases: [string, unknown, CallerPrincipal, boolean][] = [
  ['"*" matches any authenticated caller', '*', OTHER_USER, true],
  ['{"AWS":"*"} matches any caller', { AWS: '*' }, SESSION, true],
  ['account id matches principals of that account', { AWS: B }, OTHER_USER, true],
  ['account root ARN matches principals of that account', { AWS: `arn:aws:iam::${B}:root` }, OTHER_USER, true],
  ['another account does not match', { AWS: A }, OTHER_USER, false],
  ['user ARN matches that user', { AWS: `arn:aws:iam::${B}:user/bob` }, OTHER_USER, true],
  ['user ARN does not match another user', { AWS: `arn:aws:iam::${B}:user/carol` }, OTHER_USER, false],
  ['role ARN matches its sessions', { AWS: `arn:aws:iam::${A}:role/app` }, SESSION, true],
  ['session ARN matches that session', { AWS: `arn:aws:sts::${A}:assumed-role/app/s1` }, SESSION, true],
  ['a list of principals is ORed', { AWS: [`arn:aws:iam::${A}:user/x`, `arn:aws:iam::${B}:user/bob`] }, OTHER_USER, true],
  ['a service principal does not match a user', { Service: 'ec2.amazonaws.com' }, OTHER_USER, false],
  ['a federated principal does not match a user', { Federated: `arn:aws:iam::${A}:saml-provider/idp` }, OTHER_USER, false],
];

describe('principals in resource-based policies', () => {
  principalCases.forEach(([what, principal, caller, expected], i) => {
    test(`PR${String(i + 1).padStart(3, '0')} ${what} → ${expected} [${PR}]`, () => {
      const resourcePolicy = bound('resource', [rAllow(principal, 's3:GetObject', 'arn:aws:s3:::b/*')]);
      const identity = [bound('identity', [allow('s3:GetObject')])];
      const decision = evaluate({ principal: caller, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourceAccount: A, context: ctxOf(), identityPolicies: identity, resourcePolicy });
      assert.equal(decision.allowed, expected);
    });
  });
});

const CTX = 'AWS global condition context keys';
const contextKeyCases: [string, Ctx, object, boolean][] = [
  ['aws:PrincipalAccount', { 'aws:principalaccount': A }, { StringEquals: { 'aws:PrincipalAccount': A } }, true],
  ['aws:PrincipalAccount (other)', { 'aws:principalaccount': B }, { StringEquals: { 'aws:PrincipalAccount': A } }, false],
  ['aws:PrincipalType', { 'aws:principaltype': 'AssumedRole' }, { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, true],
  ['aws:PrincipalArn with ArnLike', { 'aws:principalarn': `arn:aws:iam::${A}:role/app` }, { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app' } }, true],
  ['aws:userid with StringLike', { 'aws:userid': 'AROAEXAMPLE:s1' }, { StringLike: { 'aws:userid': 'AROAEXAMPLE:*' } }, true],
  ['aws:RequestedRegion', { 'aws:requestedregion': 'eu-west-1' }, { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } }, false],
  ['aws:EpochTime with Numeric', { 'aws:epochtime': '1795564800' }, { NumericGreaterThan: { 'aws:EpochTime': '1700000000' } }, true],
  ['aws:CurrentTime with Date', { 'aws:currenttime': '2026-11-25T10:00:00Z' }, { DateGreaterThan: { 'aws:CurrentTime': '2026-11-26T00:00:00Z' } }, false],
  ['aws:TagKeys ForAllValues', { 'aws:tagkeys': ['env', 'team'] }, { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team', 'cost'] } }, true],
  ['aws:RequestTag', { 'aws:requesttag/env': 'prod' }, { StringEquals: { 'aws:RequestTag/env': 'dev' } }, false],
  ['aws:ResourceTag', { 'aws:resourcetag/team': 'blue' }, { StringEquals: { 'aws:ResourceTag/team': 'blue' } }, true],
  ['aws:PrincipalTag matched with a variable', { 'aws:principaltag/team': 'blue', 'aws:resourcetag/team': 'blue' }, { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }, true],
  ['aws:PrincipalTag matched with a variable (mismatch)', { 'aws:principaltag/team': 'red', 'aws:resourcetag/team': 'blue' }, { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }, false],
  ['s3:prefix', { 's3:prefix': 'cli-s3api-kms/' }, { StringLike: { 's3:prefix': ['cli-s3api-kms/*', ''] } }, true],
  ['s3:delimiter', { 's3:delimiter': '/' }, { StringEquals: { 's3:delimiter': '/' } }, true],
  ['s3:x-amz-server-side-encryption', { 's3:x-amz-server-side-encryption': 'AES256' }, { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } }, true],
  ['s3:ExistingObjectTag', { 's3:existingobjecttag/classification': 'public' }, { StringEquals: { 's3:ExistingObjectTag/classification': 'public' } }, true],
  ['sts:RoleSessionName', { 'sts:rolesessionname': 'ci-run' }, { StringLike: { 'sts:RoleSessionName': 'ci-*' } }, true],
  ['sts:SourceIdentity', { 'sts:sourceidentity': 'alice' }, { StringEquals: { 'sts:SourceIdentity': '${aws:username}' } }, false],
  ['iam:PolicyARN', { 'iam:policyarn': 'arn:aws:iam::aws:policy/ReadOnlyAccess' }, { ArnEquals: { 'iam:PolicyARN': ['arn:aws:iam::aws:policy/ReadOnlyAccess'] } }, true],
  ['iam:PermissionsBoundary', { 'iam:permissionsboundary': `arn:aws:iam::${A}:policy/boundary` }, { StringEquals: { 'iam:PermissionsBoundary': `arn:aws:iam::${A}:policy/boundary` } }, true],
  ['aws:SourceIp absent (e.g. service call) with NotIpAddress', {}, { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, true],
];

describe('context keys', () => {
  contextKeyCases.forEach(([key, context, condition, expected], i) => {
    test(`K${String(i + 1).padStart(3, '0')} ${key} → ${expected} [${CTX} / service-specific keys]`, () => {
      const policy = bound('identity', [allow('*', '*', { Condition: condition })]);
      assert.equal(evaluate({ principal: USER, action: 's3:GetObject', resource: '*', resourceAccount: A, context: ctxOf(context), identityPolicies: [policy] }).allowed, expected);
    });
  });
});

const V = `${P}: condition values are validated when the policy is written`;
const rejected: [string, object][] = [
  ['invalid IP address', { Condition: { IpAddress: { 'aws:SourceIp': '300.1.1.1/8' } } }],
  ['invalid date (the legacy parser refuses it)', { Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } }],
  ['invalid number', { Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }],
  ['Bool needs true/false', { Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }],
  ['Null needs true/false', { Condition: { Null: { 'aws:TokenIssueTime': 'maybe' } } }],
  ['Null takes no set prefix', { Condition: { 'ForAllValues:Null': { 'aws:TagKeys': 'true' } } }],
  ['condition block must be an object', { Condition: { StringEquals: 'x' } }],
  ['Sid must be a string', { Sid: 5 }],
  ['empty Action list', { Action: [] }],
  ['Action must be strings', { Action: [1, 2] }],
  ['NotPrincipal in an identity policy', { NotPrincipal: { AWS: '*' } }],
];

describe('write-time validation of values', () => {
  rejected.forEach(([what, extra], i) => {
    test(`V${String(i + 1).padStart(3, '0')} rejected: ${what} [${V}]`, () => {
      assert.throws(() => validatePolicyDocument(doc([{ ...allow(), ...extra }]), 'identity'), PolicyDocumentError);
    });
  });
  const accepted: [string, object][] = [
    ['IPv6 CIDR', { Condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } } }],
    ['epoch date', { Condition: { DateGreaterThan: { 'aws:CurrentTime': '1700000000' } } }],
    ['numbers as JSON numbers', { Condition: { NumericLessThanEquals: { 's3:max-keys': 1000 } } }],
    ['policy variables in condition values', { Condition: { StringEquals: { 's3:prefix': '${aws:username}/' } } }],
    // AWS recorded: CreatePolicy valid-18 (LocalStack AWS-validated test_iam_policies): an empty list is accepted.
    ['empty list of condition values', { Condition: { StringEquals: { 'aws:username': [] } } }],
  ];
  accepted.forEach(([what, extra], i) => {
    test(`V${String(rejected.length + i + 1).padStart(3, '0')} accepted: ${what} [${V}]`, () => {
      assert.doesNotThrow(() => validatePolicyDocument(doc([{ ...allow(), ...extra }]), 'identity'));
    });
  });
});

// ---- AWS Organizations: service control policies (SCPs) and resource control policies (RCPs) ----
// Sources: Organizations User Guide — "SCP evaluation" (orgs_manage_policies_scps_evaluation), "Service control
// policies (SCPs)" (orgs_manage_policies_scps), "SCP syntax", "Resource control policies (RCPs)"
// (orgs_manage_policies_rcps), "RCP evaluation", "RCP syntax", "Example SCPs", "Resource control policy examples";
// IAM User Guide — "Policy evaluation logic" / "How AWS enforcement code logic evaluates requests to allow or deny
// access" (reference_policies_evaluation-logic_policy-eval-denyallow), "Troubleshoot access denied error messages"
// (troubleshoot_access-denied), "AWS global condition context keys".

function orgCases(): EvalCase[] {
  const SCPE = 'Organizations UG, SCP evaluation';
  const SCPS = 'Organizations UG, Service control policies (SCPs)';
  const RCPE = 'Organizations UG, RCP evaluation';
  const RCPS = 'Organizations UG, Resource control policies (RCPs)';
  // "How AWS enforcement code logic evaluates requests to allow or deny access": Deny evaluation (every policy type,
  // SCPs and RCPs included), then "AWS Organizations RCPs" (no applicable Allow → Deny), then "AWS Organizations SCPs"
  // (likewise), then resource-based, identity-based, permissions boundaries, session policies.
  const FLOW = `${EVAL}: How AWS enforcement code logic evaluates requests (Deny evaluation → RCPs → SCPs → …)`;
  const FULL = [allow()]; // FullAWSAccess, attached to the root, every OU and every account by default
  const RCP_FULL = [rAllow('*')]; // RCPFullAWSAccess
  const scpFull = (levels = 3): object[][][] => Array.from({ length: levels }, () => [FULL]);
  const rcpFull = (levels = 3): object[][][] => Array.from({ length: levels }, () => [RCP_FULL]);
  const SCPX = 'Organizations UG, Example service control policies';
  const SCPSYN = 'Organizations UG, SCP syntax';
  const RCPX = 'Organizations UG, Resource control policy examples';
  const ORG = 'o-a1b2c3d4e5';
  const ADMIN: CallerPrincipal = { kind: 'assumed-role', accountId: A, arn: `arn:aws:sts::${A}:assumed-role/admin/s`, roleArn: `arn:aws:iam::${A}:role/admin` };
  const FED: CallerPrincipal = { kind: 'federated-user', accountId: A, arn: `arn:aws:sts::${A}:federated-user/carol` };
  const IDP: CallerPrincipal = { kind: 'identity-provider', accountId: A, arn: 'accounts.google.com', federated: 'accounts.google.com' };
  const ANON: CallerPrincipal = { kind: 'anonymous', accountId: '', arn: 'anonymous' };
  const REGION_DENY = {
    Sid: 'DenyAllOutsideEU', Effect: 'Deny',
    NotAction: ['a4b:*', 'budgets:*', 'ce:*', 'chime:*', 'cloudfront:*', 'cur:*', 'globalaccelerator:*', 'health:*', 'iam:*', 'importexport:*', 'mobileanalytics:*', 'organizations:*', 'route53:*', 'route53domains:*', 'shield:*', 'sts:*', 'support:*', 'trustedadvisor:*', 'waf:*', 'wellarchitected:*'],
    Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1'] }, ArnNotLike: { 'aws:PrincipalARN': ['arn:aws:iam::*:role/admin'] } },
  };
  const PERIMETER = {
    Sid: 'EnforceOrgIdentities', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*',
    Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } },
  };
  // Customer RCPs must name services ("*" alone is refused): every service this corpus touches, supported or not.
  const RCP_DENY_ALL = {
    Effect: 'Deny', Principal: '*', Resource: '*',
    Action: ['s3:*', 'sts:*', 'kms:*', 'sqs:*', 'secretsmanager:*', 'dynamodb:*', 'logs:*', 'cognito-idp:*', 'ec2:*', 'iam:*', 'lambda:*', 'sns:*'],
  };
  const slr: CallerPrincipal = {
    kind: 'assumed-role', accountId: A, arn: `arn:aws:sts::${A}:assumed-role/AWSServiceRoleForSupport/s`, roleArn: `arn:aws:iam::${A}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
  };
  return [
    // SCP evaluation: "For a permission to be allowed for a specific account, there must be an explicit Allow statement
    // at every level from the root through each OU in the direct path to the account (including the target account
    // itself)"; "any SCP from the root through each OU ... can deny that permission".
    { cite: `${SCPE}: FullAWSAccess at every level passes the request to the account's own policies`, identity: [[allow('s3:GetObject')]], scp: scpFull(), expect: true },
    { cite: `${SCPE}: SCPs grant nothing — the identity policy must still allow`, identity: [], scp: scpFull(), expect: 'no-identity' },
    { cite: `${SCPE}: a Deny attached to the root denies`, identity: [[allow()]], scp: [[FULL, [denyS('s3:GetObject')]], [FULL], [FULL]], expect: 'explicit-scp' },
    { cite: `${SCPE}: a Deny attached to an OU denies`, identity: [[allow()]], scp: [[FULL], [FULL, [denyS('s3:*')]], [FULL]], expect: 'explicit-scp' },
    { cite: `${SCPE}: a Deny attached to the account denies`, identity: [[allow()]], scp: [[FULL], [FULL], [FULL, [denyS('s3:GetObject')]]], expect: 'explicit-scp' },
    { cite: `${SCPE}: a level without an Allow (FullAWSAccess detached from the OU) implicitly denies`, identity: [[allow()]], scp: [[FULL], [], [FULL]], expect: 'no-scp' },
    { cite: `${SCPE}: the account level too must allow`, identity: [[allow()]], scp: [[FULL], [FULL], [[allow('ec2:*')]]], expect: 'no-scp' },
    { cite: `${SCPE}: an allow-list SCP at one level (s3 only) allows its actions`, identity: [[allow()]], scp: [[FULL], [[allow(['s3:*', 'cloudwatch:*'])]], [FULL]], expect: true },
    { cite: `${SCPE}: an allow-list SCP at one level blocks other services`, action: 'ec2:RunInstances', resource: '*', identity: [[allow()]], scp: [[FULL], [[allow(['s3:*', 'cloudwatch:*'])]], [FULL]], expect: 'no-scp' },
    { cite: `${SCPE}: an action allowed at the OU but not at the root is denied`, identity: [[allow()]], scp: [[[allow('ec2:*')]], [[allow('s3:*')]], [FULL]], expect: 'no-scp' },
    { cite: `${SCPE}: Allows from different policies at the same level combine`, action: 'ec2:RunInstances', resource: '*', identity: [[allow()]], scp: [[FULL], [[allow('s3:*')], [allow('ec2:*')]], [FULL]], expect: true },
    { cite: `${SCPE}: a Deny at any level overrides Allows at every level`, identity: [[allow()]], scp: [[FULL], [FULL, [denyS('*')]], [FULL]], expect: 'explicit-scp' },
    // SCPs: "SCPs affect all users and roles in attached accounts, including the root user"; the root user of a member
    // account is not exempt.
    { cite: `${SCPS}: SCPs restrict the root user of a member account`, principal: ROOT, identity: [], scp: [[FULL, [denyS('s3:*')]], [FULL], [FULL]], expect: 'explicit-scp' },
    { cite: `${SCPS}: the root user of a member account, allowed by every level`, principal: ROOT, identity: [], scp: scpFull(), expect: true },
    { cite: `${SCPS}: the root user needs an Allow at every level too`, principal: ROOT, identity: [], scp: [[FULL], [[allow('ec2:*')]], [FULL]], expect: 'no-scp' },
    { cite: `${SCPS}: SCPs restrict role sessions`, principal: SESSION, identity: [[allow()]], scp: [[FULL, [denyS('s3:GetObject')]]], expect: 'explicit-scp' },
    // "SCPs do not affect any service-linked role."
    { cite: `${SCPS}: service-linked roles are not affected by SCPs`, principal: slr, identity: [[allow()]], scp: [[FULL, [denyS('*')]]], expect: true },
    { cite: `${SCPS}: service-linked roles are not affected by a missing Allow either`, principal: slr, identity: [[allow()]], scp: [[[allow('ec2:*')]]], expect: true },
    // SCPs limit principals, not AWS service principals.
    { cite: `${SCPS}: SCPs do not restrict AWS service principals`, principal: EC2, identity: [], resourcePolicy: [rAllow({ Service: 'ec2.amazonaws.com' }, 's3:GetObject')], scp: [[FULL, [denyS('*')]]], expect: true },
    // SCPs apply even where a resource-based policy alone would grant same-account access.
    { cite: `${SCPS}: a same-account resource policy naming the user cannot lift an SCP deny`, identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 's3:GetObject')], scp: [[FULL, [denyS('s3:GetObject')]]], expect: 'explicit-scp' },
    { cite: `${SCPS}: a same-account resource-policy grant still needs an SCP Allow at every level`, identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 's3:GetObject')], scp: [[[allow('ec2:*')]]], expect: 'no-scp' },
    { cite: `${SCPS}: same-account resource policy grant within the SCPs`, identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 's3:GetObject')], scp: scpFull(), expect: true },
    // SCPs bind the caller's account, also when it reaches into another account.
    { cite: `${SCPS}: the caller's SCPs apply to its cross-account requests`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn })], scp: [[FULL, [denyS('s3:*')]]], expect: 'explicit-scp' },
    // Flow chart: an explicit deny in any policy denies; the identity deny still applies within the SCPs.
    { cite: `${FLOW}: an identity-policy deny applies inside the SCPs' allow`, identity: [[allow(), denyS('s3:GetObject')]], scp: scpFull(), expect: 'explicit-identity' },
    { cite: `${FLOW}: an SCP-allowed action still needs the permissions boundary`, identity: [[allow()]], boundary: [allow('s3:ListBucket')], scp: scpFull(), expect: 'no-boundary' },

    // RCPs. RCP evaluation: "RCPFullAWSAccess ... allows all principals and actions access to pass through RCP
    // evaluation"; "any RCP from the root through each OU in the direct path to the account ... can deny".
    { cite: `${RCPE}: RCPFullAWSAccess at every level passes the request through`, identity: [[allow()]], rcp: rcpFull(), expect: true },
    { cite: `${RCPE}: RCPs grant nothing`, identity: [], rcp: rcpFull(), expect: 'no-identity' },
    { cite: `${RCPE}: a Deny RCP at the root denies`, identity: [[allow()]], rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: '*' }]], [RCP_FULL]], expect: 'explicit-rcp' },
    { cite: `${RCPE}: a Deny RCP at the account denies`, identity: [[allow()]], rcp: [[RCP_FULL], [RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }]]], expect: 'explicit-rcp' },
    { cite: `${RCPE}: a level without an Allow implicitly denies`, identity: [[allow()]], rcp: [[RCP_FULL], []], expect: 'no-rcp' },
    // "List of AWS services that support RCPs": RCPs do not apply to other services' actions.
    { cite: `${RCPS}: RCPs are ignored for services that do not support them`, action: 'ec2:RunInstances', resource: '*', identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: true },
    { cite: `${RCPS}: RCPs apply to cross-account requests`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn })], rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: RCPs apply to anonymous requests`, principal: { kind: 'anonymous', accountId: '', arn: 'anonymous' }, identity: [], resourcePolicy: [rAllow('*', 's3:GetObject')], rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: '*' }]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: RCPs do not restrict service-linked roles`, principal: slr, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: true },

    // SCP examples, "Deny access to AWS based on the requested AWS Region" (Organizations UG, Example SCPs — general):
    // Deny NotAction [global services] when aws:RequestedRegion is not an allowed one, sparing an admin role by ARN.
    { cite: `${SCPX}: region deny — a regional action outside the allowed Regions is denied`, identity: [[allow()]], context: { 'aws:requestedregion': 'us-east-1' }, scp: [[FULL, [REGION_DENY]]], expect: 'explicit-scp' },
    { cite: `${SCPX}: region deny — inside an allowed Region`, identity: [[allow()]], context: { 'aws:requestedregion': 'eu-west-1' }, scp: [[FULL, [REGION_DENY]]], expect: true },
    { cite: `${SCPX}: region deny — global services in NotAction are exempt (iam)`, action: 'iam:CreateUser', resource: `arn:aws:iam::${A}:user/u`, identity: [[allow()]], context: { 'aws:requestedregion': 'us-east-1' }, scp: [[FULL, [REGION_DENY]]], expect: true },
    { cite: `${SCPX}: region deny — global services in NotAction are exempt (sts)`, action: 'sts:GetCallerIdentity', resource: '*', identity: [[allow()]], context: { 'aws:requestedregion': 'us-east-1' }, scp: [[FULL, [REGION_DENY]]], expect: true },
    { cite: `${SCPX}: region deny — the exempted admin role (ArnNotLike aws:PrincipalARN) is spared`, principal: ADMIN, identity: [[allow()]], context: { 'aws:requestedregion': 'us-east-1', 'aws:principalarn': ADMIN.roleArn! }, scp: [[FULL, [REGION_DENY]]], expect: true },
    { cite: `${SCPX}: region deny — another role is not`, principal: SESSION, identity: [[allow()]], context: { 'aws:requestedregion': 'us-east-1', 'aws:principalarn': SESSION.roleArn! }, scp: [[FULL, [REGION_DENY]]], expect: 'explicit-scp' },
    { cite: `${SCPX}: region deny at the OU level applies to every account below`, identity: [[allow()]], context: { 'aws:requestedregion': 'ap-south-1' }, scp: [[FULL], [FULL, [REGION_DENY]], [FULL]], expect: 'explicit-scp' },
    // "Prevent member accounts from leaving the organization" / "Require MFA" examples.
    { cite: `${SCPX}: deny organizations:LeaveOrganization`, action: 'organizations:LeaveOrganization', resource: '*', principal: ROOT, identity: [], scp: [[FULL, [denyS('organizations:LeaveOrganization')]]], expect: 'explicit-scp' },
    { cite: `${SCPX}: deny without MFA (BoolIfExists aws:MultiFactorAuthPresent false) — no MFA`, action: 'ec2:StopInstances', resource: '*', identity: [[allow()]], context: { 'aws:multifactorauthpresent': 'false' }, scp: [[FULL, [denyS(['ec2:StopInstances', 'ec2:TerminateInstances'], '*', { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })]]], expect: 'explicit-scp' },
    { cite: `${SCPX}: deny without MFA — with MFA`, action: 'ec2:StopInstances', resource: '*', identity: [[allow()]], context: { 'aws:multifactorauthpresent': 'true' }, scp: [[FULL, [denyS(['ec2:StopInstances', 'ec2:TerminateInstances'], '*', { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })]]], expect: true },
    { cite: `${SCPX}: protect a role from changes unless made by an admin (ArnNotLike aws:PrincipalARN)`, action: 'iam:DeleteRole', resource: `arn:aws:iam::${A}:role/protected`, identity: [[allow()]], context: { 'aws:principalarn': USER.arn }, scp: [[FULL, [denyS('iam:DeleteRole', `arn:aws:iam::*:role/protected`, { Condition: { ArnNotLike: { 'aws:PrincipalARN': 'arn:aws:iam::*:role/admin' } } })]]], expect: 'explicit-scp' },
    // SCP syntax (full IAM policy language): Allow statements may use NotAction, Resource ARNs and conditions.
    { cite: `${SCPSYN}: an Allow with NotAction allows everything else`, identity: [[allow()]], scp: [[FULL], [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]]], expect: true },
    { cite: `${SCPSYN}: an Allow with NotAction leaves the listed actions without an Allow`, action: 'iam:CreateUser', resource: `arn:aws:iam::${A}:user/u`, identity: [[allow()]], scp: [[FULL], [[{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]]], expect: 'no-scp' },
    { cite: `${SCPSYN}: an Allow scoped to a bucket's objects`, identity: [[allow()]], scp: [[FULL], [[allow('s3:*', 'arn:aws:s3:::b/*')]]], expect: true },
    { cite: `${SCPSYN}: an Allow scoped to another bucket does not allow`, identity: [[allow()]], scp: [[FULL], [[allow('s3:*', 'arn:aws:s3:::other/*')]]], expect: 'no-scp' },
    { cite: `${SCPSYN}: an Allow with a condition that does not hold`, identity: [[allow()]], context: { 'aws:requestedregion': 'eu-west-1' }, scp: [[FULL], [[allow('*', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })]]], expect: 'no-scp' },
    { cite: `${SCPSYN}: a Deny with NotResource spares the listed resources`, identity: [[allow()]], scp: [[FULL, [{ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::b/*' }]]], expect: true },
    { cite: `${SCPSYN}: a Deny with NotResource denies the others`, resource: 'arn:aws:s3:::other/k', identity: [[allow()]], scp: [[FULL, [{ Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::b/*' }]]], expect: 'explicit-scp' },
    { cite: `${SCPSYN}: policy variables — deny outside the caller's home prefix`, resource: 'arn:aws:s3:::b/home/bob/k', identity: [[allow()]], context: { 'aws:username': 'alice' }, scp: [[FULL, [{ Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::b/home/${aws:username}/*' }]]], expect: 'explicit-scp' },
    // Which principals SCPs bind.
    { cite: `${SCPS}: SCPs restrict federated users of a member account`, principal: FED, identity: [[allow()]], scp: [[FULL, [denyS('s3:*')]]], expect: 'explicit-scp' },
    { cite: `${SCPS}: the member account's SCPs limit sts:AssumeRole even when the trust policy names the caller`, action: 'sts:AssumeRole', resource: `arn:aws:iam::${A}:role/app`, required: true, resourceKind: 'trust', identity: [], resourcePolicy: [rAllow({ AWS: USER.arn }, 'sts:AssumeRole')], scp: [[FULL, [denyS('sts:AssumeRole')]]], expect: 'explicit-scp' },
    { cite: `${SCPS}: no levels given (management account, or no organization) — SCPs play no part`, identity: [[allow()]], scp: [], expect: true },
    { cite: `${SCPS}: SCPs do not bind web-identity/SAML callers of AssumeRoleWith* (they have no account to bind)`, principal: IDP, action: 'sts:AssumeRoleWithWebIdentity', resource: `arn:aws:iam::${A}:role/web`, required: true, resourceKind: 'trust', identity: [], resourcePolicy: [rAllow({ Federated: IDP.federated }, 'sts:AssumeRoleWithWebIdentity')], scp: [[FULL, [denyS('*')]]], expect: true },
    // Flow chart: every explicit deny is evaluated before any Allow; a deny wins over the guardrails' missing Allow.
    { cite: `${FLOW}: an explicit identity deny is named before an SCP level's missing Allow`, identity: [[allow(), denyS('s3:GetObject')]], scp: [[[allow('ec2:*')]]], expect: 'explicit-identity' },
    { cite: `${FLOW}: an explicit resource-policy deny is named before an RCP level's missing Allow`, identity: [[allow()]], resourcePolicy: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: '*' }], rcp: [[]], expect: 'explicit-resource' },
    { cite: `${FLOW}: the SCP's missing Allow comes before the identity policy's (both implicit)`, identity: [], scp: [[[allow('ec2:*')]]], expect: 'no-scp' },
    { cite: `${FLOW}: RCPs before SCPs when both lack an Allow`, identity: [[allow()]], scp: [[[allow('ec2:*')]]], rcp: [[]], expect: 'no-rcp' },
    { cite: `${FLOW}: an SCP deny is named before an RCP's missing Allow (explicit before implicit)`, identity: [[allow()]], scp: [[FULL, [denyS()]]], rcp: [[]], expect: 'explicit-scp' },
    // Undocumented precedence between explicit denies (see evaluate.ts): RCP, then SCP, then the account's policies.
    { cite: `${FLOW}: both an RCP and an SCP deny — the RCP is named (choice: the flow chart's order)`, identity: [[allow()]], scp: [[FULL, [denyS()]]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${FLOW}: both an SCP and the identity policy deny — the SCP is named (choice)`, identity: [[allow(), denyS()]], scp: [[FULL, [denyS()]]], expect: 'explicit-scp' },
    { cite: `${FLOW}: an SCP deny wins over a permissions boundary's allow`, identity: [[allow()]], boundary: [allow()], scp: [[FULL, [denyS()]]], expect: 'explicit-scp' },
    { cite: `${FLOW}: within SCPs and RCPs, a session policy still narrows`, principal: SESSION, identity: [[allow()]], session: [allow('s3:ListBucket')], scp: scpFull(), rcp: rcpFull(), expect: 'no-session' },

    // RCP examples — "Enforce identity perimeter" (Organizations UG, RCP examples; KMS Developer Guide "Resource control
    // policies in AWS KMS"): Deny unless aws:PrincipalOrgID is the organization's, sparing AWS service principals.
    { cite: `${RCPX}: identity perimeter — a principal of the organization (other account) with a bucket-policy grant`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn })], context: { 'aws:principalorgid': ORG, 'aws:principalisawsservice': 'false' }, rcp: [[RCP_FULL, [PERIMETER]]], expect: true },
    { cite: `${RCPX}: identity perimeter — a principal of another organization is denied`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn })], context: { 'aws:principalorgid': 'o-other00000', 'aws:principalisawsservice': 'false' }, rcp: [[RCP_FULL, [PERIMETER]]], expect: 'explicit-rcp' },
    { cite: `${RCPX}: identity perimeter — a principal of an account outside any organization (no aws:PrincipalOrgID) is denied`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn })], context: { 'aws:principalisawsservice': 'false' }, rcp: [[RCP_FULL, [PERIMETER]]], expect: 'explicit-rcp' },
    { cite: `${RCPX}: identity perimeter — an AWS service principal is spared (aws:PrincipalIsAWSService true)`, principal: EC2, identity: [], resourcePolicy: [rAllow({ Service: 'ec2.amazonaws.com' }, 's3:GetObject')], context: { 'aws:principalisawsservice': 'true' }, rcp: [[RCP_FULL, [PERIMETER]]], expect: true },
    { cite: `${RCPX}: identity perimeter — anonymous access through a public bucket policy is denied`, principal: ANON, identity: [], resourcePolicy: [rAllow('*', 's3:GetObject')], context: {}, rcp: [[RCP_FULL, [PERIMETER]]], expect: 'explicit-rcp' },
    { cite: `${RCPX}: identity perimeter — the resource account's own user is in the organization`, identity: [[allow()]], context: { 'aws:principalorgid': ORG, 'aws:principalisawsservice': 'false' }, rcp: [[RCP_FULL], [RCP_FULL, [PERIMETER]]], expect: true },
    { cite: `${RCPX}: identity perimeter on s3:* does not cover SQS actions`, action: 'sqs:SendMessage', resource: `arn:aws:sqs:us-east-1:${A}:q`, principal: OTHER_USER, identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn })], context: { 'aws:principalorgid': 'o-other00000' }, rcp: [[RCP_FULL, [PERIMETER]]], expect: true },
    { cite: `${RCPX}: enforce TLS (Bool aws:SecureTransport false) — plain HTTP is denied`, identity: [[allow()]], context: { 'aws:securetransport': 'false' }, rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: ['s3:*', 'sqs:*'], Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } }]]], expect: 'explicit-rcp' },
    { cite: `${RCPX}: enforce TLS — HTTPS passes`, identity: [[allow()]], context: { 'aws:securetransport': 'true' }, rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: ['s3:*', 'sqs:*'], Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } }]]], expect: true },
    { cite: `${RCPX}: an RCP on sts:AssumeRole stops a role being assumed from outside the organization`, principal: OTHER_USER, action: 'sts:AssumeRole', resource: `arn:aws:iam::${A}:role/app`, required: true, resourceKind: 'trust', identity: [[allow()]], resourcePolicy: [rAllow({ AWS: OTHER_USER.arn }, 'sts:AssumeRole')], context: { 'aws:principalorgid': 'o-other00000', 'aws:principalisawsservice': 'false' }, rcp: [[RCP_FULL, [{ ...PERIMETER, Action: 'sts:AssumeRole' }]]], expect: 'explicit-rcp' },
    { cite: `${RCPX}: an RCP on sts:AssumeRoleWithWebIdentity binds identity-provider callers`, principal: IDP, action: 'sts:AssumeRoleWithWebIdentity', resource: `arn:aws:iam::${A}:role/web`, required: true, resourceKind: 'trust', identity: [], resourcePolicy: [rAllow({ Federated: IDP.federated }, 'sts:AssumeRoleWithWebIdentity')], rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRoleWithWebIdentity', Resource: '*' }]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: RCPs restrict the resource account's own root user`, principal: ROOT, identity: [], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: RCPs restrict AWS service principals that the RCP does not exempt`, principal: EC2, identity: [], resourcePolicy: [rAllow({ Service: 'ec2.amazonaws.com' }, 's3:GetObject')], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: an RCP scoped to one bucket leaves other buckets alone`, resource: 'arn:aws:s3:::other/k', identity: [[allow()]], rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }]]], expect: true },
    { cite: `${RCPS}: an RCP with NotResource spares the listed resources`, identity: [[allow()]], rcp: [[RCP_FULL, [{ Effect: 'Deny', Principal: '*', Action: 's3:*', NotResource: 'arn:aws:s3:::b/*' }]]], expect: true },
    { cite: `${RCPS}: RCPs grant nothing cross-account — the bucket policy must still name the caller`, principal: OTHER_USER, identity: [[allow()]], rcp: rcpFull(), expect: 'no-resource' },
    { cite: `${RCPS}: Resources and entities not restricted by RCPs — kms:RetireGrant (KMS Developer Guide: not effective in an RCP)`, action: 'kms:RetireGrant', resource: `arn:aws:kms:us-east-1:${A}:key/k`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: true },
    { cite: `${RCPS}: KMS supports RCPs (kms:Decrypt is denied)`, action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${A}:key/k`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: Secrets Manager supports RCPs`, action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:us-east-1:${A}:secret:s`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: IAM does not support RCPs`, action: 'iam:CreateUser', resource: `arn:aws:iam::${A}:user/u`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: true },
    { cite: `${RCPS}: Lambda does not support RCPs`, action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:us-east-1:${A}:function:f`, identity: [[allow()]], rcp: [[]], expect: true },
    { cite: `${RCPS}: DynamoDB supports RCPs`, action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:us-east-1:${A}:table/t`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: CloudWatch Logs supports RCPs`, action: 'logs:PutLogEvents', resource: `arn:aws:logs:us-east-1:${A}:log-group:g`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: Cognito user pools support RCPs`, action: 'cognito-idp:AdminGetUser', resource: `arn:aws:cognito-idp:us-east-1:${A}:userpool/p`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPS}: SNS is not on the list`, action: 'sns:Publish', resource: `arn:aws:sns:us-east-1:${A}:t`, identity: [[allow()]], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: true },
    { cite: `${RCPS}: not restricted — an AWS service assuming a service-linked role (its trust policy)`, principal: EC2, action: 'sts:AssumeRole', resource: slr.roleArn!, required: true, resourceKind: 'trust', identity: [], resourcePolicy: [rAllow({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole')], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: true },
    { cite: `${RCPS}: an AWS service assuming an ordinary role is restricted`, principal: EC2, action: 'sts:AssumeRole', resource: `arn:aws:iam::${A}:role/app`, required: true, resourceKind: 'trust', identity: [], resourcePolicy: [rAllow({ Service: 'ec2.amazonaws.com' }, 'sts:AssumeRole')], rcp: [[RCP_FULL, [RCP_DENY_ALL]]], expect: 'explicit-rcp' },
    { cite: `${RCPE}: a Deny at any of several levels (OU in the middle)`, identity: [[allow()]], rcp: [[RCP_FULL], [RCP_FULL, [RCP_DENY_ALL]], [RCP_FULL]], expect: 'explicit-rcp' },
  ];
}

describe('Organizations: deny reasons and their AccessDenied texts', () => {
  // IAM User Guide, "Troubleshoot access denied error messages", examples "Access denied due to a service control
  // policy – implicit denial" ("… because no service control policy allows the codecommit:ListRespositories action"),
  // "– explicit denial" ("… with an explicit deny in a service control policy") and "Access denied due to a resource
  // control policy – explicit denial" ("… with an explicit deny in a resource control policy"). AWS gives no implicit
  // RCP example (RCPFullAWSAccess cannot be detached): the general form "because no type policy allows the action action".
  const cases: [DenyReason, string][] = [
    ['explicit-scp', 'with an explicit deny in a service control policy'],
    ['no-scp', 'because no service control policy allows the s3:GetObject action'],
    ['explicit-rcp', 'with an explicit deny in a resource control policy'],
    ['no-rcp', 'because no resource control policy allows the s3:GetObject action'],
  ];
  for (const [reason, text] of cases) test(`${reason} → "${text}"`, () => assert.equal(denyReasonText(reason, 's3:GetObject'), text));
});

describe('Organizations: SCP and RCP documents (CreatePolicy / UpdatePolicy validation)', () => {
  const MALFORMED = 'The provided policy document does not meet the requirements of the specified policy type.';
  type Type = 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
  const SCP: Type = 'SERVICE_CONTROL_POLICY';
  const RCP: Type = 'RESOURCE_CONTROL_POLICY';
  const RCP_DENY = { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' };
  const cases: [string, Type, object[], boolean][] = [
    ['SCP syntax: FullAWSAccess', SCP, [allow()], true],
    ['SCP syntax: a Deny with a condition', SCP, [denyS('*', '*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } })], true],
    ['SCP syntax: Principal is not supported', SCP, [{ ...allow(), Principal: '*' }], false],
    ['SCP syntax / IAM UG NotPrincipal: SCPs do not support NotPrincipal', SCP, [{ Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${A}:root` }, Action: '*', Resource: '*' }], false],
    ['RCP syntax: a Deny with Principal "*"', RCP, [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }], true],
    ['RCP syntax: Allow is only supported for RCPFullAWSAccess', RCP, [rAllow('*')], false],
    ['RCP syntax: Principal is required', RCP, [denyS('s3:*')], false],
    ['RCP syntax: Principal must be "*"', RCP, [{ Effect: 'Deny', Principal: { AWS: A }, Action: 's3:*', Resource: '*' }], false],
    ['RCP syntax: NotAction is not supported', RCP, [{ Effect: 'Deny', Principal: '*', NotAction: 's3:GetObject', Resource: '*' }], false],
    // SCP syntax, elements summary: Action, NotAction, Resource, NotResource and Condition with Allow and Deny.
    ['SCP syntax: an Allow with NotAction', SCP, [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }], true],
    ['SCP syntax: an Allow with a resource ARN and a condition', SCP, [allow('s3:*', 'arn:aws:s3:::b/*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })], true],
    ['SCP syntax: a Deny with NotResource', SCP, [{ Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'] }], true],
    ['SCP syntax: the region-deny example (NotAction + StringNotEquals + ArnNotLike)', SCP, [{ Sid: 'DenyAllOutsideEU', Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1'] }, ArnNotLike: { 'aws:PrincipalARN': ['arn:aws:iam::*:role/admin'] } } }], true],
    ['SCP syntax: ForAnyValue:StringLike over aws:PrincipalOrgPaths', SCP, [denyS('*', '*', { Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'] } } })], true],
    ['SCP syntax: Effect must be Allow or Deny, exactly', SCP, [{ ...denyS(), Effect: 'deny' }], false],
    ['SCP syntax: a statement needs Action or NotAction', SCP, [{ Effect: 'Deny', Resource: '*' }], false],
    ['SCP syntax: actions are prefixed by a service', SCP, [denyS('GetObject')], false],
    ['SCP syntax: Action and NotAction together', SCP, [{ Effect: 'Deny', Action: 's3:*', NotAction: 'iam:*', Resource: '*' }], false],
    ['SCP syntax: unknown statement element', SCP, [{ ...denyS(), Principals: '*' }], false],
    ['SCP syntax: unknown condition operator', SCP, [denyS('*', '*', { Condition: { StringEqualsSometimes: { 'aws:RequestedRegion': 'us-east-1' } } })], false],
    ['SCP syntax: malformed IP address in a condition', SCP, [denyS('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.300/8' } } })], false],
    ['SCP syntax: Statement IDs must be unique', SCP, [{ ...denyS('s3:*'), Sid: 'One' }, { ...denyS('ec2:*'), Sid: 'One' }], false],
    ['SCP syntax: Resource must be an ARN or "*"', SCP, [denyS('s3:*', 'my-bucket')], false],
    ['RCP syntax: the identity-perimeter example (StringNotEqualsIfExists + BoolIfExists)', RCP, [{ Sid: 'EnforceOrgIdentities', Effect: 'Deny', Principal: '*', Action: ['s3:*', 'sqs:*', 'kms:*', 'secretsmanager:*', 'sts:AssumeRole'], Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } } }], true],
    ['RCP syntax: a Deny with NotResource', RCP, [{ Effect: 'Deny', Principal: '*', Action: 's3:*', NotResource: 'arn:aws:s3:::public/*' }], true],
    ['RCP syntax: "You cannot use "*" in the Action element of a customer managed RCP"', RCP, [RCP_DENY], false],
    ['RCP syntax: "*" among other actions is refused too', RCP, [{ ...RCP_DENY, Action: ['s3:*', '*'] }], false],
    ['RCP syntax: wildcards anywhere in a service\'s action name', RCP, [{ ...RCP_DENY, Action: ['s3:*Object*', 'sts:?ssumeRole'] }], true],
    ['RCP syntax: Condition in a Deny (the secure-transport example)', RCP, [{ ...RCP_DENY, Action: 's3:*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } }], true],
    ['RCP syntax / IAM UG NotPrincipal: RCPs do not support NotPrincipal', RCP, [{ Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${A}:root` }, Action: 's3:*', Resource: '*' }], false],
    ['RCP syntax: a statement needs Resource or NotResource', RCP, [{ Effect: 'Deny', Principal: '*', Action: 's3:*' }], false],
    ['RCP syntax: Principal {"AWS":"*"} is not the "*" the syntax allows (choice: refused)', RCP, [{ ...RCP_DENY, Action: 's3:*', Principal: { AWS: '*' } }], false],
    ['SCP syntax, unsupported elements: Principal even as {"AWS":"*"}', SCP, [{ ...denyS(), Principal: { AWS: '*' } }], false],
  ];
  for (const [what, type, statements, valid] of cases) {
    test(`${valid ? 'accepted' : 'refused'}: ${what}`, () => assert.equal(organizationPolicyProblem(doc(statements), type), valid ? undefined : MALFORMED));
  }
  test('refused: not JSON', () => assert.equal(organizationPolicyProblem('{', SCP), MALFORMED));
  test('refused: a JSON array is not a policy', () => assert.equal(organizationPolicyProblem('[]', RCP), MALFORMED));
  // SCP syntax / RCP syntax, Version element: "Every SCP [RCP] must include a Version element with the value 2012-10-17".
  test('refused: SCP without Version', () => assert.equal(organizationPolicyProblem(JSON.stringify({ Statement: [allow()] }), SCP), MALFORMED));
  test('refused: RCP with Version 2008-10-17', () => assert.equal(organizationPolicyProblem(doc([{ ...RCP_DENY, Action: 's3:*' }], '2008-10-17'), RCP), MALFORMED));
  test('refused: an empty Statement list', () => assert.equal(organizationPolicyProblem(doc([]), SCP), MALFORMED));
  test('the AWS-managed policies are valid of their type when compiled (FullAWSAccess, RCPFullAWSAccess)', () => {
    assert.equal(organizationPolicyProblem(doc([allow()]), SCP), undefined);
    // RCPFullAWSAccess is AWS's own (Allow is reserved to it): it compiles for evaluation but a customer cannot create it.
    assert.doesNotThrow(() => parsePolicy(doc([rAllow('*')]), 'rcp'));
    assert.equal(organizationPolicyProblem(doc([rAllow('*')]), RCP), MALFORMED);
  });
  test('an SCP compiled for evaluation refuses Principal, an RCP keeps it', () => {
    assert.throws(() => parsePolicy(doc([{ ...allow(), Principal: '*' }]), 'scp'), PolicyDocumentError);
    assert.equal(parsePolicy(doc([{ ...RCP_DENY, Action: 's3:*' }]), 'rcp').statements[0]!.principals?.any, true);
  });
});
