// Write-time policy validation, one table: every case names the AWS source for the answer it pins.
//
// Sources:
//  - REC(n) / RECV(n): AWS's answers to CreatePolicy recorded against a real account by LocalStack's AWS-validated
//    IAM suite (tests/aws/services/iam/test_iam_policies.py, test_create_policy_invalid_document[invalid-n] and
//    test_create_policy_valid_document[valid-n], snapshot test_iam_policies.snapshot.json). The documents here are
//    restated (other names), the shape and the answer are AWS's.
//  - ROLES(x): the same suite's recorded UpdateAssumeRolePolicy/CreateRole answers (test_iam_roles.py
//    test_update_assume_role_policy_errors, test_iam.py test_create_role_with_malformed_assume_role_policy_document).
//  - RULE(n): a variant of the recorded case n that exercises the same rule with other values.
//  - CLOUDTRAIL: errorMessage fields of CreatePolicy events in CloudTrail captures published by splunk/attack_data.
//  - Public threads quoting AWS's answer verbatim, and the IAM User Guide pages named in place.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyDocumentError, validatePolicyDocument, type PolicyKind } from '../src/policy/index.ts';

const REC = (n: number): string => `AWS recorded: CreatePolicy invalid-${n} (LocalStack AWS-validated test_iam_policies)`;
const RECV = (n: number): string => `AWS recorded: CreatePolicy valid-${n} (LocalStack AWS-validated test_iam_policies)`;
const ROLES = (what: string): string => `AWS recorded: ${what} (LocalStack AWS-validated test_iam_roles / test_iam)`;
const CLOUDTRAIL = 'AWS answer in CloudTrail records of CreatePolicy (splunk/attack_data, T1580 aws_iam_assume_role_policy_brute_force)';
const RULE = (n: number): string => `same rule as AWS recorded invalid/valid-${n}, other values`;
const GRAMMAR = 'IAM User Guide, "Grammar of the IAM JSON policy language"';
const EXAMPLES = 'IAM User Guide, "Example IAM identity-based policies"';
const SID_DOC = 'IAM User Guide, "IAM JSON policy elements: Sid" (IAM Sids: ASCII letters and digits only)';
const TRUST_DOC = 'IAM User Guide, "IAM JSON policy elements: Principal" (role trust policies)';
const BOUNDARY_DOC = 'IAM User Guide, "Permissions boundaries for IAM entities" (a boundary is a managed identity policy)';
const SESSION_DOC = 'IAM User Guide, "Session policies" (same grammar as identity policies)';
const S3_DOC = 'Amazon S3 User Guide, "Bucket policy examples"';

const SYNTAX = 'Syntax errors in policy.';
const VERSION = 'Policy document must be version 2012-10-17 or greater.';
const LEGACY = 'The policy failed legacy parsing';
const ACTIONS = 'Policy statement must contain actions.';
const RESOURCES = 'Policy statement must contain resources.';
const VENDOR = 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
const COLON = 'Actions/Condition can contain only one colon.';
const SID = 'Statement IDs (SID) in a single policy must be unique.';
const SID_CHARS = 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*';
const VENDOR_FQ = 'Resource vendor must be fully qualified and cannot contain regexes.';
const IAM_PATH = 'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.';
const NO_PRINCIPAL = 'Policy document should not specify a principal.';
const arnFormat = (r: string): string => `Resource ${r} must be in ARN format or "*".`;
const partition = (p: string, arn: string): string => `Partition "${p}" is not valid for resource "${arn}".`;
const BUCKET = 'arn:aws:s3:::reports';

interface Case { source: string; kind?: PolicyKind; doc: unknown; expect: string | null }

/** A 2012-10-17 document. */
const d = (statement: unknown, extra: object = {}): object => ({ Version: '2012-10-17', Statement: statement, ...extra });
/** A statement: Allow s3:ListBucket on the bucket, with fields replaced (undefined removes one). */
function s(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET, ...fields };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}
const cond = (condition: unknown): object => d(s({ Condition: condition }));
const res = (resource: unknown, extra: Record<string, unknown> = {}): object => d(s({ Resource: resource, ...extra }));
const act = (action: unknown): object => d(s({ Action: action }));
const trustStatement = (fields: Record<string, unknown> = {}): Record<string, unknown> => {
  const out: Record<string, unknown> = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', ...fields };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
};
const bucketStatement = (fields: Record<string, unknown> = {}): Record<string, unknown> => {
  const out: Record<string, unknown> = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET}/*`, ...fields };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
};

const identityCases: Case[] = [
  // Stage 1: JSON and schema.
  { source: REC(0), doc: 'Plainly not JSON', expect: SYNTAX },
  { source: RULE(0), doc: '{"Version": "2012-10-17", "Statement": [', expect: SYNTAX },
  { source: RULE(0), doc: '[]', expect: SYNTAX },
  { source: RULE(0), doc: '"a string"', expect: SYNTAX },
  { source: REC(3), doc: { Version: '2013-10-17', Statement: s() }, expect: SYNTAX },
  { source: RULE(3), doc: { Version: '2012-10-18', Statement: s() }, expect: SYNTAX },
  { source: RULE(3), doc: { Version: 20121017, Statement: s() }, expect: SYNTAX },
  { source: REC(4), doc: { Version: '2012-10-17' }, expect: SYNTAX },
  { source: REC(5), doc: d(['not a statement']), expect: SYNTAX },
  { source: RULE(5), doc: d([null]), expect: SYNTAX },
  { source: RULE(5), doc: d('a string'), expect: SYNTAX },
  { source: REC(6), doc: d(s(), { 'Other field': 'x' }), expect: SYNTAX },
  { source: RULE(6), doc: d(s(), { Statements: [] }), expect: SYNTAX },
  { source: REC(7), doc: d(s({ 'Other field': 'x' })), expect: SYNTAX },
  { source: RULE(7), doc: d(s({ Actions: 's3:*' })), expect: SYNTAX },
  { source: REC(8), doc: d(s(), { Id: ['an-id'] }), expect: SYNTAX },
  { source: REC(9), doc: d(s(), { Id: {} }), expect: SYNTAX },
  { source: RULE(9), doc: d(s(), { Id: 7 }), expect: SYNTAX },
  { source: REC(10), doc: d(s({ Effect: 'Permit' })), expect: SYNTAX },
  { source: RULE(10), doc: d(s({ Effect: true })), expect: SYNTAX },
  { source: REC(26), doc: d([]), expect: SYNTAX },
  { source: REC(31), doc: d(s({ Effect: undefined })), expect: SYNTAX },
  { source: REC(39), doc: res({ a: BUCKET }), expect: SYNTAX },
  { source: REC(40), doc: d(s({ Effect: 'Deny', Resource: ['noarn', {}] })), expect: SYNTAX },
  { source: RULE(40), doc: res([BUCKET, 5]), expect: SYNTAX },
  { source: REC(41), doc: d(s({ Action: undefined, NotAction: 's3:ListBucket', NotResource: [] })), expect: SYNTAX },
  { source: REC(42), doc: d(s({ Effect: 'Deny', Action: [[]] })), expect: SYNTAX },
  { source: RULE(42), doc: act(['s3:GetObject', null]), expect: SYNTAX },
  { source: REC(43), doc: d(s({ NotAction: 's3:GetObject', Action: [] })), expect: SYNTAX },
  { source: REC(44), doc: act({}), expect: SYNTAX },
  { source: RULE(44), doc: act(42), expect: SYNTAX },
  { source: REC(45), doc: cond([]), expect: SYNTAX },
  { source: REC(46), doc: cond('a'), expect: SYNTAX },
  { source: REC(47), doc: cond({ a: 'b' }), expect: SYNTAX },
  { source: REC(48), doc: cond({ DateGreaterThan: 'b' }), expect: SYNTAX },
  { source: REC(49), doc: cond({ DateGreaterThan: [] }), expect: SYNTAX },
  { source: REC(50), doc: cond({ DateGreaterThan: { a: {} } }), expect: SYNTAX },
  { source: RULE(50), doc: cond({ StringEquals: { 'aws:username': [{ nested: 1 }] } }), expect: SYNTAX },
  { source: RULE(50), doc: cond({ StringEquals: { 'aws:username': null } }), expect: SYNTAX },
  { source: REC(51), doc: d(s({ Action: undefined, Condition: { DateGreaterThan: { a: {} } } })), expect: SYNTAX },
  { source: REC(52), doc: cond({ NotAnOperator: { a: '1' } }), expect: SYNTAX },
  { source: RULE(52), doc: cond({ StringSortOf: { 'aws:username': 'x' } }), expect: SYNTAX },
  { source: RULE(52), doc: cond({ 'ForSomeValues:StringEquals': { 'aws:TagKeys': 'x' } }), expect: SYNTAX },
  { source: REC(53), doc: cond({ 'ForAnyValue::StringEqualsIfExists': { a: 'x' } }), expect: SYNTAX },
  { source: REC(54), doc: cond([{ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Team' } }]), expect: SYNTAX },
  { source: REC(57), doc: d(s({ Sid: {} })), expect: SYNTAX },
  { source: REC(58), doc: d(s({ Sid: [] })), expect: SYNTAX },
  { source: RULE(58), doc: d(s({ Sid: 1 })), expect: SYNTAX },
  { source: REC(61), doc: d(s({ NotAction: 's3:GetObject', Action: 'iam:GetUser' })), expect: SYNTAX },
  { source: REC(62), doc: d(s({ NotResource: '*' })), expect: SYNTAX },
  // Stage 2: the version (identity policies).
  { source: REC(1), doc: { Statement: s() }, expect: VERSION },
  { source: REC(2), doc: { Version: '2008-10-17', Statement: s() }, expect: VERSION },
  { source: REC(60), doc: { Statement: [s({ Sid: 'a' }), { Sid: 'a', Effect: 'Allow' }] }, expect: VERSION },
  { source: REC(65), doc: { Statement: s({ Condition: { DateGreaterThan: { a: 'not a date' } } }) }, expect: VERSION },
  { source: REC(66), doc: { Statement: s({ Effect: 'denY' }) }, expect: VERSION },
  { source: RULE(2), doc: { Version: '2008-10-17', Statement: [s(), s({ Action: [] })] }, expect: VERSION },
  // Stage 3: the legacy parser.
  { source: REC(63), doc: d(s({ Effect: 'denY' })), expect: LEGACY },
  { source: RULE(63), doc: d(s({ Effect: 'ALLOW' })), expect: LEGACY },
  { source: RULE(63), doc: d(s({ Effect: 'deny' })), expect: LEGACY },
  { source: REC(69), doc: d(s({ Effect: 'allow', Action: undefined, Resource: 'arn:aws:s3:us-east-1::reports' })), expect: LEGACY },
  { source: REC(70), doc: d([s({ Sid: 'a', Effect: 'aLLow' }), { Sid: 'a', Effect: 'Allow' }]), expect: LEGACY },
  { source: REC(64), doc: cond({ DateGreaterThan: { a: 'not a date' } }), expect: LEGACY },
  { source: REC(67), doc: d(s({ Action: undefined, Resource: undefined, Condition: { DateGreaterThan: { a: 'nope' } } })), expect: LEGACY },
  { source: REC(72), doc: cond({ DateLessThanEquals: { a: '234-13' } }), expect: LEGACY },
  { source: REC(73), doc: cond({ DateLessThanEquals: { a: '2016-12-13t2:00:00.593194+1' } }), expect: LEGACY },
  { source: REC(74), doc: cond({ DateLessThanEquals: { a: '2016-12-13t2:00:00.1999999999+10:59' } }), expect: LEGACY },
  { source: REC(75), doc: cond({ DateLessThan: { a: '9223372036854775808' } }), expect: LEGACY },
  { source: REC(76), doc: d(s({ Resource: 'arn:error:s3:::reports', Condition: { DateGreaterThan: { a: 'nope' } } })), expect: LEGACY },
  { source: RULE(72), doc: cond({ DateEquals: { 'aws:CurrentTime': '2020-00-10' } }), expect: LEGACY },
  { source: RULE(72), doc: cond({ DateEquals: { 'aws:CurrentTime': '2020-01-32' } }), expect: LEGACY },
  { source: RULE(72), doc: cond({ DateEquals: { 'aws:CurrentTime': '2020-01-01-01' } }), expect: LEGACY },
  { source: RULE(73), doc: cond({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T24:00:00Z' } }), expect: LEGACY },
  { source: RULE(73), doc: cond({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T10:60:00Z' } }), expect: LEGACY },
  { source: RULE(73), doc: cond({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T10:00:60Z' } }), expect: LEGACY },
  { source: RULE(73), doc: cond({ DateLessThan: { 'aws:CurrentTime': '2020-01-01T10:00:00Zulu' } }), expect: LEGACY },
  { source: RULE(64), doc: cond({ 'ForAnyValue:DateEqualsIfExists': { 'aws:CurrentTime': ['2020-01-01', 'tomorrow'] } }), expect: LEGACY },
  { source: RULE(64), doc: cond({ DateGreaterThan: { 'aws:TokenIssueTime': true } }), expect: LEGACY },
  { source: REC(36), doc: res('arn:aws:s3::reports'), expect: LEGACY },
  { source: REC(37), doc: d(s({ Action: undefined, Resource: 'arn:aws:s3::reports' })), expect: LEGACY },
  { source: REC(68), doc: d(s({ Action: undefined, NotAction: 's3:ListBucket', Resource: 'arn:aws::::reports' })), expect: LEGACY },
  { source: REC(71), doc: d(s({ Resource: undefined, NotResource: 'arn:aws:s3::reports' })), expect: LEGACY },
  { source: REC(77), doc: res('arn:aws::fdsasf'), expect: LEGACY },
  { source: RULE(36), doc: res([BUCKET, 'arn:aws:sqs::queue']), expect: LEGACY },
  // Stage 4: Sids, actions present, resource format, resources present, principals, action vendors.
  { source: REC(59), doc: d([s({ Sid: 'One' }), { Sid: 'One', Effect: 'Allow' }]), expect: SID },
  { source: RULE(59), doc: d([s({ Sid: 'X1' }), s({ Sid: 'X2' }), s({ Sid: 'X1' })]), expect: SID },
  { source: CLOUDTRAIL, doc: d(s({ Sid: 'Atomic_Red_Team', Action: 'iam:CreatePolicyVersion', Resource: 'arn:aws:iam::*:policy/*' })), expect: SID_CHARS },
  { source: SID_DOC, doc: d(s({ Sid: 'read-only' })), expect: SID_CHARS },
  { source: SID_DOC, doc: d(s({ Sid: 'Read only' })), expect: SID_CHARS },
  { source: REC(30), doc: d(s({ Action: undefined })), expect: ACTIONS },
  { source: REC(32), doc: d({ Effect: 'Allow' }), expect: ACTIONS },
  { source: REC(33), doc: act([]), expect: ACTIONS },
  { source: REC(34), doc: d([{ Effect: 'Deny' }, s()]), expect: ACTIONS },
  { source: RULE(33), doc: d(s({ Action: undefined, NotAction: [] })), expect: ACTIONS },
  { source: REC(16), doc: res('not an arn'), expect: arnFormat('not an arn') },
  { source: REC(17), doc: d([s({ Sid: 'A', Action: ['account:EnableRegion'], Resource: '' }), s({ Sid: 'B', Resource: '' })]), expect: arnFormat('') },
  { source: REC(18), doc: d(s({ Action: 's:3:ListBucket', Resource: 'nocolon' })), expect: arnFormat('nocolon') },
  { source: REC(19), doc: res(['xyz']), expect: arnFormat('xyz') },
  { source: CLOUDTRAIL, doc: res('174313347505.dkr.ecr.us-west-2.amazonaws.com/experimental'), expect: arnFormat('174313347505.dkr.ecr.us-west-2.amazonaws.com/experimental') },
  { source: REC(20), doc: res(''), expect: arnFormat('') },
  { source: RULE(16), doc: d(s({ Resource: undefined, NotResource: ['bucket/*'] })), expect: arnFormat('bucket/*') },
  { source: RULE(16), doc: res([BUCKET, 'reports/*']), expect: arnFormat('reports/*') },
  { source: REC(21), doc: d(s({ Action: undefined, NotAction: 's3s:ListBucket', Resource: 'a:qwerty' })), expect: partition('qwerty', 'arn:qwerty:*:*:*:*') },
  { source: REC(22), doc: d(s({ Action: undefined, NotAction: 's3s:ListBucket', Resource: 'a:b:svc' })), expect: partition('b', 'arn:b:svc:*:*:*') },
  { source: REC(23), doc: d(s({ Action: undefined, NotAction: 's3s:ListBucket', Resource: 'a:b:c:d:e:f:g:h' })), expect: partition('b', 'arn:b:c:d:e:f:g:h') },
  { source: REC(24), doc: res('aws:s3:::reports'), expect: partition('s3', 'arn:s3:::reports:*') },
  { source: REC(25), doc: res(['arn:error:s3:::reports', 'arn:error:s3::reports']), expect: partition('error', 'arn:error:s3:::reports') },
  { source: RULE(25), doc: res('arn:azure:storage:::x'), expect: partition('azure', 'arn:azure:storage:::x') },
  { source: RULE(25), doc: res('arn:AWS:s3:::reports'), expect: partition('AWS', 'arn:AWS:s3:::reports') },
  { source: REC(38), doc: res('arn:aws'), expect: VENDOR_FQ },
  { source: RULE(38), doc: res('arn:aws-cn'), expect: VENDOR_FQ },
  { source: REC(35), doc: res('arn:aws:iam:::reports'), expect: IAM_PATH },
  { source: RULE(35), doc: res('arn:aws:iam::123456789012:bucket/reports'), expect: IAM_PATH },
  { source: RULE(35), doc: res('arn:aws:iam::123456789012:users/alice'), expect: IAM_PATH },
  { source: REC(55), doc: res('arn:aws:iam:us-east-1::reports'), expect: 'IAM resource arn:aws:iam:us-east-1::reports cannot contain region information.' },
  { source: RULE(55), doc: res('arn:aws:iam:eu-west-1:123456789012:user/alice'), expect: 'IAM resource arn:aws:iam:eu-west-1:123456789012:user/alice cannot contain region information.' },
  { source: REC(56), doc: res('arn:aws:s3:us-east-1::reports'), expect: 'Resource arn:aws:s3:us-east-1::reports can not contain region information.' },
  { source: RULE(56), doc: res('arn:aws:s3:eu-west-1:123456789012:reports/key'), expect: 'Resource arn:aws:s3:eu-west-1:123456789012:reports/key can not contain region information.' },
  { source: REC(27), doc: d(s({ Resource: undefined })), expect: RESOURCES },
  { source: REC(28), doc: res([]), expect: RESOURCES },
  { source: REC(29), doc: d(s({ Action: 'invalid', Resource: undefined })), expect: RESOURCES },
  { source: RULE(28), doc: d([s(), s({ Resource: undefined, Action: 'ec2:*' })]), expect: RESOURCES },
  { source: 'AWS answer quoted in hashicorp/terraform#13449', doc: d(s({ Principal: { AWS: '*' } })), expect: NO_PRINCIPAL },
  { source: 'AWS answer quoted in hashicorp/terraform#13449', doc: d(s({ Principal: '*' })), expect: NO_PRINCIPAL },
  { source: RULE(11), doc: d(s({ NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' } })), expect: NO_PRINCIPAL },
  { source: REC(11), doc: act('invalid'), expect: VENDOR },
  { source: REC(12), doc: d(s({ Action: undefined, NotAction: '' })), expect: VENDOR },
  { source: RULE(11), doc: act(['s3:GetObject', 'GetObject']), expect: VENDOR },
  { source: REC(13), doc: act('a a:ListBucket'), expect: 'Vendor a a is not valid' },
  { source: RULE(13), doc: act('s3_x:GetObject'), expect: 'Vendor s3_x is not valid' },
  { source: RULE(13), doc: act('s3*:GetObject'), expect: 'Vendor s3* is not valid' },
  { source: REC(14), doc: act('s3:List:Bucket'), expect: COLON },
  { source: REC(15), doc: d([s({ Action: 's3s:ListBucket' }), s({ Action: 's:3s:ListBucket' })]), expect: COLON },
  { source: RULE(14), doc: d(s({ Action: undefined, NotAction: ['iam:*', 'a:b:c'] })), expect: COLON },
  // Accepted documents.
  { source: RECV(0), doc: res([BUCKET]), expect: null },
  { source: RECV(1), doc: act('iam: some odd action text '), expect: null },
  { source: RECV(2), doc: res([BUCKET, '*']), expect: null },
  { source: RECV(3), doc: act('*'), expect: null },
  { source: RECV(4), doc: d([s()]), expect: null },
  { source: RECV(5), doc: d(s({ Action: 'some-service:action-name', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2017-12-31T23:59:59Z' } } })), expect: null },
  { source: RECV(6), doc: act('fsx:ListBucket'), expect: null },
  { source: RECV(7), doc: res('arn:aws:iam:::user/reports'), expect: null },
  { source: RECV(8), doc: res('arn:aws:s33:::reports'), expect: null },
  { source: RECV(9), doc: res('arn:aws:fdsasf'), expect: null },
  { source: RECV(10), doc: cond({}), expect: null },
  { source: RECV(11), doc: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Team' } }), expect: null },
  { source: RECV(12), doc: res('arn:aws:cloudwatch:us-east-1::reports'), expect: null },
  { source: RECV(13), doc: res('arn:aws:ec2:us-east-1::reports'), expect: null },
  { source: RECV(14), doc: res('arn:aws:no-such-service:::reports'), expect: null },
  { source: RECV(15), doc: res('arn:aws:no-such-service:us-east-1::reports'), expect: null },
  { source: RECV(17), doc: cond({ DateGreaterThan: {} }), expect: null },
  { source: RECV(18), doc: cond({ DateGreaterThan: { a: [] } }), expect: null },
  { source: RECV(19), doc: cond({ NotAnOperator: {} }), expect: null },
  { source: RECV(20), doc: d(s({ Sid: 'abcdefABCDEF0123' })), expect: null },
  { source: RECV(21), doc: d([s({ Sid: 'Console', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' }), s({ Sid: 'Tag', Action: ['iam:TagUser'], Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/CostCenter': ['A-1', 'B-2'] }, 'ForAllValues:StringEquals': { 'aws:TagKeys': 'CostCenter' } } })]), expect: null },
  { source: RECV(22), doc: d(s({ Action: undefined, NotAction: 's3:ListBucket' })), expect: null },
  { source: RECV(23), doc: d(s({ Effect: 'Deny', Action: 's3:*', Resource: undefined, NotResource: [`${BUCKET}/Payroll`, `${BUCKET}/Payroll/*`] })), expect: null },
  { source: RECV(24), doc: d(s({ Action: undefined, NotAction: 's3:ListBucket' }), { Id: 'any-id' }), expect: null },
  { source: RECV(25), doc: act('averyveryveryveryverylongvendor:ListBucket'), expect: null },
  { source: RECV(26), doc: act('s3-s:ListBucket'), expect: null },
  { source: RECV(27), doc: act('s3.s:ListBucket'), expect: null },
  { source: RECV(28), doc: d(s({ Action: undefined, NotAction: 's3:ListBucket', Resource: undefined, NotResource: '*' })), expect: null },
  { source: RECV(29), doc: d([s({ Sid: 'one' }), s()]), expect: null },
  { source: RECV(30), doc: cond({ DateGreaterThan: { a: '01T' } }), expect: null },
  { source: RECV(31), doc: cond({ x: {}, y: {} }), expect: null },
  { source: RECV(32), doc: cond({ StringEqualsIfExists: { a: 'x' } }), expect: null },
  { source: RECV(33), doc: cond({ 'ForAnyValue:StringEqualsIfExists': { a: 'x' } }), expect: null },
  { source: RECV(34), doc: cond({ DateLessThanEquals: { a: '2019-07-01T13:20:15Z' } }), expect: null },
  { source: RECV(35), doc: cond({ DateLessThanEquals: { a: '2016-12-13T21:20:37.593194+00:00' } }), expect: null },
  { source: RECV(36), doc: cond({ DateLessThanEquals: { a: '2016-12-13t2:00:00.593194+23' } }), expect: null },
  { source: RECV(37), doc: cond({ DateLessThan: { a: '-292275054' } }), expect: null },
  { source: RECV(38), doc: d([s({ Sid: 'Own', Action: ['iam:ChangePassword'], Resource: 'arn:aws:iam::*:user/${aws:username}' }), s({ Sid: 'Mfa', Action: 'iam:CreateVirtualMFADevice', Resource: 'arn:aws:iam::*:mfa/${aws:username}' }), s({ Sid: 'NoMfa', Effect: 'Deny', Action: undefined, NotAction: ['iam:GetUser', 'sts:GetSessionToken'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })]), expect: null },
  { source: RECV(39), doc: d([s({ Action: ['dynamodb:List*', 'dynamodb:Describe*'], Resource: '*' }), s({ Action: ['dynamodb:Get*', 'dynamodb:Query'], Resource: 'arn:aws:dynamodb:*:*:table/Orders' })]), expect: null },
  { source: RECV(40), doc: d(s({ Action: ['ec2:AttachVolume'], Resource: ['arn:aws:ec2:*:*:volume/*'], Condition: { ArnEquals: { 'ec2:SourceInstanceARN': 'arn:aws:ec2:*:*:instance/i-1' } } })), expect: null },
  { source: RECV(41), doc: d(s({ Action: 'ec2:AttachVolume', Resource: 'arn:aws:ec2:*:*:volume/*', Condition: { StringEquals: { 'ec2:ResourceTag/VolumeUser': '${aws:username}' } } })), expect: null },
  { source: RECV(42), doc: d(s({ Action: 'ec2:StartInstances', Resource: 'arn:aws:ec2:region:account-id:instance/*' })), expect: null },
  { source: RECV(43), doc: d(s({ Action: 's3:GetObject', Resource: `${BUCKET}/cognito/app/\${cognito-identity.amazonaws.com:sub}/*` })), expect: null },
  { source: RECV(44), doc: d(s({ Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:userid}/*'] } } })), expect: null },
  { source: RECV(45), doc: d(s({ Action: 's3:*Object', Resource: [`${BUCKET}/*`] })), expect: null },
  { source: RECV(47), doc: d(s({ Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'ec2:Region': 'region' } } })), expect: null },
  { source: RECV(48), doc: d([s({ Action: 'rds:*', Resource: ['arn:aws:rds:region:*:*'] }), s({ Action: ['rds:Describe*'], Resource: ['*'] })]), expect: null },
  { source: RECV(49), doc: d([s({ Sid: '' }), s({ Sid: '' })]), expect: null },
  { source: RECV(50), doc: res(['arn:aws:s3:us-west-2:123456789012:accesspoint/ap', 'arn:aws:s3:us-west-2:123456789012:accesspoint/ap/object/*']), expect: null },
  { source: 'AWS recorded: CreatePolicy with true/false values (LocalStack AWS-validated test_iam_policies, kms example)', doc: d(s({ Action: 'kms:CreateGrant', Resource: ['arn:aws:kms:*:123456789012:key/*'], Condition: { Bool: { 'kms:GrantIsForAWSResource': true }, 'ForAnyValue:Bool': { 'kms:GrantIsForAWSResource': 'True' } } })), expect: null },
  { source: 'AWS recorded: CreatePolicy with Null and booleans (LocalStack AWS-validated test_iam_policies)', doc: d(s({ Action: 'kms:CreateGrant', Resource: '*', Condition: { Null: { 'kms:GrantOperations': false, 'kms:EncryptionContextKeys': 'true' } } })), expect: null },
  { source: 'AWS recorded: CreatePolicy with null inside Resource (LocalStack AWS-validated test_iam_policies)', doc: res(['arn:aws:kms:*:123456789012:key/*', null]), expect: null },
  { source: RULE(7), doc: res('arn:aws:iam::123456789012:root'), expect: null },
  { source: RULE(7), doc: res('arn:aws:iam::123456789012:*'), expect: null },
  { source: RULE(7), doc: res('arn:aws:iam::aws:policy/ReadOnlyAccess'), expect: null },
  { source: RULE(7), doc: res('arn:aws:iam::*:role/service-role/*'), expect: null },
  { source: RULE(7), doc: res('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com'), expect: null },
  { source: RULE(25), doc: res('arn:aws-cn:s3:::reports'), expect: null },
  { source: RULE(25), doc: res('arn:aws-us-gov:s3:::reports'), expect: null },
  { source: RULE(25), doc: res('arn:*:s3:::reports'), expect: null },
  { source: RULE(9), doc: res('arn:aws:sqs:us-east-1:123456789012:queue'), expect: null },
  { source: RULE(9), doc: res('arn:aws:lambda:*:*:function:app:prod'), expect: null },
  { source: RULE(30), doc: cond({ DateGreaterThan: { 'aws:CurrentTime': '2020' } }), expect: null },
  { source: RULE(30), doc: cond({ DateGreaterThan: { 'aws:CurrentTime': '2020-06' } }), expect: null },
  { source: RULE(30), doc: cond({ DateGreaterThan: { 'aws:CurrentTime': '2020-06-30' } }), expect: null },
  { source: RULE(30), doc: cond({ DateGreaterThan: { 'aws:CurrentTime': '1700000000' } }), expect: null },
  { source: RULE(30), doc: cond({ DateGreaterThan: { 'aws:CurrentTime': 1700000000 } }), expect: null },
  { source: RULE(34), doc: cond({ DateLessThan: { 'aws:CurrentTime': '2020-06-30T23:59:59.999Z' } }), expect: null },
  { source: RULE(34), doc: cond({ DateLessThan: { 'aws:CurrentTime': ['2020-06-30T10:00', '2021-01-01T00:00:00+01:00'] } }), expect: null },
  { source: EXAMPLES, doc: d(s({ Action: 's3:*', Resource: [BUCKET, `${BUCKET}/*`], Condition: { IpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] } } })), expect: null },
  { source: EXAMPLES, doc: d(s({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1'] } } })), expect: null },
  { source: EXAMPLES, doc: d(s({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*'] } } })), expect: null },
  { source: EXAMPLES, doc: d(s({ Action: 'ec2:*', Resource: '*', Condition: { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } } })), expect: null },
  { source: EXAMPLES, doc: d(s({ Action: 'dynamodb:GetItem', Resource: 'arn:aws:dynamodb:*:*:table/T', Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:userid}'] } } })), expect: null },
  { source: EXAMPLES, doc: d(s({ Action: 'iam:PassRole', Resource: 'arn:aws:iam::*:role/app-*', Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } })), expect: null },
];

const TRUST_NO_PRINCIPAL = 'Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!';
const trustCases: Case[] = [
  { source: ROLES('CreateRole with a trailing comma'), kind: 'trust', doc: '{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":"*","Effect":"Allow",}]}', expect: 'This policy contains invalid Json' },
  { source: ROLES('UpdateAssumeRolePolicy "not valid json"'), kind: 'trust', doc: 'not valid json', expect: 'This policy contains invalid Json' },
  { source: 'AWS answer quoted in AWSCookbook/Security#2 and aws-samples/aws-microservices-deploy-options#118 (a file name passed as the document)', kind: 'trust', doc: 'assume-role-policy.json', expect: 'This policy contains invalid Json' },
  { source: ROLES('UpdateAssumeRolePolicy sts:InvalidAction'), kind: 'trust', doc: d([trustStatement({ Action: 'sts:InvalidAction' })]), expect: 'AssumeRole policy may only specify STS AssumeRole actions.' },
  { source: ROLES('UpdateAssumeRolePolicy sts:InvalidAction'), kind: 'trust', doc: d([trustStatement({ Action: ['sts:AssumeRole', 's3:GetObject'] })]), expect: 'AssumeRole policy may only specify STS AssumeRole actions.' },
  { source: ROLES('UpdateAssumeRolePolicy with Resource'), kind: 'trust', doc: d([trustStatement({ Resource: BUCKET })]), expect: 'Has prohibited field Resource' },
  { source: ROLES('UpdateAssumeRolePolicy with Resource'), kind: 'trust', doc: d([trustStatement({ NotResource: '*' })]), expect: 'Has prohibited field Resource' },
  { source: 'AWS answer quoted in terraform-aws-modules/terraform-aws-iam#47, hashicorp/terraform-provider-aws#7756, cloudposse/terraform-aws-cloudwatch-logs#7', kind: 'trust', doc: d([trustStatement({ Principal: undefined })]), expect: TRUST_NO_PRINCIPAL },
  { source: 'AWS answer quoted in databrickslabs/ucx#2269 and opstrace/opstrace#88 (a role that does not exist)', kind: 'trust', doc: d([trustStatement({ Principal: { AWS: 'arn:aws:iam::123456789012:role/missing' } })]), expect: 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/missing"' },
  { source: 'AWS answer quoted in hashicorp/terraform-provider-aws#8905 (a user that does not exist)', kind: 'trust', doc: d([trustStatement({ Principal: { AWS: ['arn:aws:iam::123456789012:user/ghost'] } })]), expect: 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/ghost"' },
  { source: 'AWS answer quoted in aws/aws-cdk (ServicePrincipal with an empty name): the type in capitals', kind: 'trust', doc: d([trustStatement({ Principal: { Service: '' } })]), expect: 'Invalid principal in policy: "SERVICE":""' },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement()]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } })]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Principal: { AWS: '210987654321' } })]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Principal: { AWS: 'arn:aws:iam::123456789012:user/alice' } })]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Principal: { Federated: 'arn:aws:iam::123456789012:saml-provider/corp' }, Action: 'sts:AssumeRoleWithSAML', Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } } })]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }, Action: 'sts:AssumeRoleWithWebIdentity' })]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] })]), expect: null },
  { source: TRUST_DOC, kind: 'trust', doc: d([trustStatement({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } } })]), expect: null },
];

const R = 'Missing required field Principal';
const resourceCases: Case[] = [
  { source: 'AWS/S3 answer quoted in humanmade/S3-Uploads#191 and fredjean/middleman-s3_sync#133', kind: 'resource', doc: d([bucketStatement({ Principal: undefined })]), expect: R },
  { source: S3_DOC, kind: 'resource', doc: d([bucketStatement()]), expect: null },
  { source: `${S3_DOC} (bucket policies may be 2008-10-17)`, kind: 'resource', doc: { Version: '2008-10-17', Statement: [bucketStatement()] }, expect: null },
  { source: `${S3_DOC} (Sids with spaces, as in S3's examples)`, kind: 'resource', doc: d([bucketStatement({ Sid: 'Allow public read' })]), expect: null },
  { source: S3_DOC, kind: 'resource', doc: d([bucketStatement({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [BUCKET, `${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]), expect: null },
  { source: REC(59), kind: 'resource', doc: d([bucketStatement({ Sid: 'x' }), bucketStatement({ Sid: 'x' })]), expect: SID },
  { source: REC(63), kind: 'resource', doc: d([bucketStatement({ Effect: 'allow' })]), expect: LEGACY },
];

const boundaryAndSession: Case[] = [
  { source: `${BOUNDARY_DOC}; ${REC(1)}`, kind: 'boundary', doc: { Statement: s() }, expect: VERSION },
  { source: `${BOUNDARY_DOC}; ${REC(27)}`, kind: 'boundary', doc: d(s({ Resource: undefined })), expect: RESOURCES },
  { source: BOUNDARY_DOC, kind: 'boundary', doc: d(s({ Action: ['s3:*', 'cloudwatch:*'], Resource: '*' })), expect: null },
  { source: `${SESSION_DOC}; ${REC(27)}`, kind: 'session', doc: d(s({ Resource: undefined })), expect: RESOURCES },
  { source: `${SESSION_DOC}; hashicorp/terraform#13449`, kind: 'session', doc: d(s({ Principal: '*' })), expect: NO_PRINCIPAL },
  { source: `${SESSION_DOC}; ${REC(11)}`, kind: 'session', doc: act('GetObject'), expect: VENDOR },
  { source: SESSION_DOC, kind: 'session', doc: d(s({ Action: 's3:GetObject', Resource: `${BUCKET}/*` })), expect: null },
  { source: `${GRAMMAR}; ${REC(0)}`, kind: 'session', doc: '{', expect: SYNTAX },
];

const principals = new Set(['arn:aws:iam::123456789012:user/alice']);
const cases = [...identityCases, ...trustCases, ...resourceCases, ...boundaryAndSession];

describe('policy document validation (write time)', () => {
  test(`the table holds at least 200 documents (${cases.length})`, () => assert.ok(cases.length >= 200));
  cases.forEach((c, i) => {
    const kind = c.kind ?? 'identity';
    test(`PV${String(i + 1).padStart(3, '0')} ${kind}: ${c.expect ?? 'accepted'} [${c.source}]`, () => {
      const text = typeof c.doc === 'string' ? c.doc : JSON.stringify(c.doc);
      const run = (): unknown => validatePolicyDocument(text, kind, { principalExists: (arn) => principals.has(arn) });
      if (c.expect === null) assert.doesNotThrow(run);
      else assert.throws(run, (e: unknown) => e instanceof PolicyDocumentError && e.message === c.expect ? true : assert.fail(`got ${String(e instanceof Error ? e.message : e)}`));
    });
  });
});
