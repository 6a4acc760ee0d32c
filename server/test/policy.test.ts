// The pure policy engine: parsing with AWS's error texts, and AWS's evaluation logic.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  evaluate, organizationGuardrails, parsePolicy, PolicyDocumentError, uniformUnderPrefix, validatePolicyDocument,
  type AuthorizationRequest, type BoundPolicy, type CallerPrincipal, type RequestContext,
} from '../src/policy/index.ts';

const ACCOUNT = '123456789012';
const session: CallerPrincipal = {
  kind: 'assumed-role', accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com`,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/PowerUser`,
};
const root: CallerPrincipal = { kind: 'root', accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root` };

const doc = (statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const identity = (statements: object[]): BoundPolicy => ({ source: { id: 'p', kind: 'identity' }, policy: parsePolicy(doc(statements), 'identity') });
const trust = (statements: object[]): BoundPolicy => ({ source: { id: 't', kind: 'trust' }, policy: parsePolicy(doc(statements), 'trust') });
const ctx = (entries: Record<string, string | string[]> = {}): RequestContext =>
  new Map(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v : [v]]));

function parseError(text: string, kind: Parameters<typeof validatePolicyDocument>[1] = 'identity'): string {
  try {
    validatePolicyDocument(text, kind);
  } catch (error) {
    assert.ok(error instanceof PolicyDocumentError);
    return error.message;
  }
  return assert.fail('expected a policy error');
}

// The full table, with AWS's source for each answer: policy-validation.test.ts.
describe('parsing', () => {
  test('AWS texts for bad documents', () => {
    assert.equal(parseError('{'), 'Syntax errors in policy.');
    assert.equal(parseError(doc([{ Effect: 'Allow', Resource: '*' }])), 'Policy statement must contain actions.');
    assert.equal(parseError(doc([{ Effect: 'Allow', Action: 's3:GetObject' }])), 'Policy statement must contain resources.');
    assert.equal(parseError(doc([{ Sid: 'a', Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'a', Effect: 'Allow', Action: '*', Resource: '*' }])), 'Statement IDs (SID) in a single policy must be unique.');
    assert.equal(parseError(doc([{ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' }])), 'Policy document should not specify a principal.');
    assert.equal(parseError(doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*', Principal: { Service: 'ec2.amazonaws.com' } }]), 'trust'), 'Has prohibited field Resource');
    assert.equal(parseError('{"Version":"2013-01-01","Statement":[]}'), 'Syntax errors in policy.');
  });
});

describe('evaluation', () => {
  const listBucket = (principal: CallerPrincipal, policies: BoundPolicy[], resource = 'arn:aws:s3:::kjh-encryption-test1', context = ctx()) =>
    evaluate({ principal, action: 's3:ListBucket', resource, resourceAccount: ACCOUNT, context, identityPolicies: policies });

  test('default deny, allow, explicit deny wins', () => {
    assert.deepEqual(listBucket(session, []).reason, 'no-identity');
    const allow = identity([{ Effect: 'Allow', Action: 's3:List*', Resource: 'arn:aws:s3:::kjh-*' }]);
    assert.equal(listBucket(session, [allow]).allowed, true);
    const deny = identity([{ Effect: 'Deny', Action: '*', Resource: '*' }]);
    const decision = listBucket(session, [allow, deny]);
    assert.equal(decision.allowed, false);
    assert.equal(decision.reason, 'explicit-identity');
  });

  test('NotAction, NotResource and ? wildcards', () => {
    const p = identity([{ Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::secret?' }]);
    assert.equal(listBucket(session, [p]).allowed, true);
    assert.equal(listBucket(session, [p], 'arn:aws:s3:::secret1').allowed, false);
    assert.equal(listBucket(session, [p], 'arn:aws:s3:::secret12').allowed, true);
  });

  test('conditions on s3:prefix', () => {
    const p = identity([{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': ['cli-s3api-kms/*'] } } }]);
    assert.equal(listBucket(session, [p], undefined, ctx({ 's3:prefix': 'cli-s3api-kms/' })).allowed, true);
    assert.equal(listBucket(session, [p], undefined, ctx({ 's3:prefix': 'other/' })).allowed, false);
  });

  test('root bypasses identity policies in its own account, not explicit denies', () => {
    assert.equal(listBucket(root, []).allowed, true);
    assert.equal(listBucket(root, [identity([{ Effect: 'Deny', Action: '*', Resource: '*' }])]).allowed, false);
  });

  const assumeRole = (principal: CallerPrincipal, trustPolicy: BoundPolicy, identityPolicies: BoundPolicy[]) => evaluate({
    principal, action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/kjh-s3-encryption-test1-role`, resourceAccount: ACCOUNT,
    context: ctx(), identityPolicies, resourcePolicy: trustPolicy, resourcePolicyRequired: true,
  });

  test('trust policy naming only a service denies a session even with identity permission', () => {
    const t = trust([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }]);
    const decision = assumeRole(session, t, [identity([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }])]);
    assert.equal(decision.allowed, false);
    assert.equal(decision.reason, 'no-resource');
  });

  test('trust policy naming the exact session ARN suffices without identity policies', () => {
    const t = trust([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: session.arn } }]);
    assert.equal(assumeRole(session, t, []).allowed, true);
  });

  test('trust policy naming the account root also needs an identity allow', () => {
    const t = trust([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }]);
    assert.equal(assumeRole(session, t, []).reason, 'no-identity');
    assert.equal(assumeRole(session, t, [identity([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }])]).allowed, true);
  });

  test('explicit deny in an identity policy beats a trust policy naming the session', () => {
    const t = trust([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: session.arn } }]);
    const decision = assumeRole(session, t, [identity([{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }])]);
    assert.equal(decision.reason, 'explicit-identity');
  });
});

// Organizations guardrails seen on their own (for the simulator's OrganizationsDecisionDetail and for explaining which
// guardrail blocks); the evaluation rules themselves are pinned case by case in policy-corpus.test.ts.
describe('organization guardrails', () => {
  const scp = (statements: object[]): BoundPolicy => ({ source: { id: 'p-scp', kind: 'scp' }, policy: parsePolicy(doc(statements), 'scp') });
  const rcp = (statements: object[]): BoundPolicy => ({ source: { id: 'p-rcp', kind: 'rcp' }, policy: parsePolicy(doc(statements), 'rcp') });
  const FULL = scp([{ Effect: 'Allow', Action: '*', Resource: '*' }]);
  const RCP_FULL = rcp([{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }]);
  const request = (extra: Partial<AuthorizationRequest>): AuthorizationRequest => ({
    principal: session, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourceAccount: ACCOUNT, context: ctx(),
    identityPolicies: [identity([{ Effect: 'Deny', Action: '*', Resource: '*' }])], ...extra,
  });

  test('each guardrail is judged whatever the identity policies say', () => {
    const denyS3 = scp([{ Sid: 'NoS3', Effect: 'Deny', Action: 's3:*', Resource: '*' }]);
    const out = organizationGuardrails(request({ serviceControlPolicies: [[FULL], [FULL, denyS3]], resourceControlPolicies: [[RCP_FULL]] }));
    assert.equal(out.scp.result, 'explicit-deny');
    assert.deepEqual(out.scp.statements.map((m) => [m.source.id, m.sid]), [['p-scp', 'NoS3']]);
    assert.equal(out.rcp.result, 'allowed');
    // evaluate() names the guardrail's explicit deny before the identity policy's (precedence: see the corpus).
    assert.equal(evaluate(request({ serviceControlPolicies: [[FULL], [FULL, denyS3]] })).reason, 'explicit-scp');
  });

  test('an implicit deny names the first level without an Allow', () => {
    const ec2Only = scp([{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }]);
    assert.deepEqual(organizationGuardrails(request({ serviceControlPolicies: [[FULL], [FULL], [ec2Only], []] })).scp, { result: 'implicit-deny', statements: [], level: 2 });
  });

  test('not applicable: no levels, a service-linked role, or a service without RCP support', () => {
    assert.equal(organizationGuardrails(request({})).scp.result, 'not-applicable');
    const slr: CallerPrincipal = { kind: 'assumed-role', accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForX/s`, roleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX` };
    assert.equal(organizationGuardrails(request({ principal: slr, serviceControlPolicies: [[]] })).scp.result, 'not-applicable');
    assert.equal(organizationGuardrails(request({ action: 'ec2:RunInstances', resourceControlPolicies: [[]] })).rcp.result, 'not-applicable');
    assert.equal(organizationGuardrails(request({ resourceControlPolicies: [[]] })).rcp.result, 'implicit-deny');
  });

  test('a listing is not evaluated once for a prefix that an SCP or RCP resource pattern splits', () => {
    const base = { principal: session, action: 's3:GetObject', resourceAccount: ACCOUNT, context: ctx(), identityPolicies: [identity([{ Effect: 'Allow', Action: '*', Resource: '*' }])] };
    const denySecret = scp([{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/secret*' }]);
    const rcpSecret = rcp([{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/secret*' }]);
    assert.equal(uniformUnderPrefix({ ...base, serviceControlPolicies: [[FULL]] }, 'arn:aws:s3:::b/'), true);
    assert.equal(uniformUnderPrefix({ ...base, serviceControlPolicies: [[FULL, denySecret]] }, 'arn:aws:s3:::b/'), false);
    assert.equal(uniformUnderPrefix({ ...base, resourceControlPolicies: [[RCP_FULL, rcpSecret]] }, 'arn:aws:s3:::b/'), false);
    assert.equal(uniformUnderPrefix({ ...base, serviceControlPolicies: [[FULL, denySecret]] }, 'arn:aws:s3:::b/public/'), true);
  });
});
