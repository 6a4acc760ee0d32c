// uniformUnderPrefix lets a listing evaluate the Owner rule once per page. It may only say "uniform" when evaluate()
// really gives the same answer for every key: checked here against per-key evaluation on generated policies and keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluate, parsePolicy, uniformUnderPrefix, type BoundPolicy, type CallerPrincipal, type RequestContext } from '../src/policy/index.ts';

const PREFIX = 'arn:aws:s3:::data/';
const ALICE: CallerPrincipal = { kind: 'user', accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/alice' };

// Resource patterns near the bucket: whole bucket, other buckets, case variants, key prefixes, inner wildcards.
const PATTERNS = [
  '*', 'arn:aws:s3:::*', 'arn:aws:s3:::data/*', 'arn:aws:s3:::data*', 'arn:aws:s3:::data', 'arn:aws:s3:::DATA/*',
  'arn:aws:s3:::dat?/*', 'arn:aws:s3:::data/a*', 'arn:aws:s3:::data/a', 'arn:aws:s3:::data/*.csv', 'arn:aws:s3:::data/?',
  'arn:aws:s3:::other/*', 'arn:aws:s3:::data-2/*', 'arn:aws:s3:::data/${aws:username}/*', 'arn:aws:s3:::*/a*', 'arn:aws:iam::123456789012:role/*',
];
// Those that cover all of data/ or none of it: weighted up, so that "uniform" is claimed often enough to be tested.
const WHOLE_OR_NONE = ['*', 'arn:aws:s3:::*', 'arn:aws:s3:::data/*', 'arn:aws:s3:::data', 'arn:aws:s3:::other/*', 'arn:aws:s3:::data-2/*', 'arn:aws:iam::123456789012:role/*'];
const KEYS = ['a', 'a/b.csv', 'b', 'alice/x', 'A', 'x:y:z', 'z.csv', '', '\n', 'a*'];

const statement = fc.record({
  effect: fc.constantFrom('Allow', 'Deny'),
  resources: fc.array(fc.oneof({ arbitrary: fc.constantFrom(...WHOLE_OR_NONE), weight: 4 }, { arbitrary: fc.constantFrom(...PATTERNS), weight: 1 }), { minLength: 1, maxLength: 3 }),
  notResource: fc.boolean(),
  action: fc.constantFrom('s3:GetObjectAcl', 's3:Get*', 's3:PutObject', '*'),
});

function bound(statements: Array<{ effect: string; resources: string[]; notResource: boolean; action: string }>, id: string, principal = false): BoundPolicy {
  const doc = {
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      Effect: s.effect, Action: s.action, [s.notResource ? 'NotResource' : 'Resource']: s.resources,
      ...(principal ? { Principal: { AWS: ALICE.arn } } : {}),
    })),
  };
  return { source: { id, kind: principal ? 'resource' : 'identity' }, policy: parsePolicy(JSON.stringify(doc), principal ? 'resource' : 'identity') };
}

test('whenever uniformUnderPrefix says so, every key under the prefix gets the same decision', () => {
  const context: RequestContext = new Map([['aws:username', ['alice']]]);
  let uniformSeen = 0;
  let mixedSeen = 0;
  fc.assert(fc.property(
    fc.array(statement, { minLength: 1, maxLength: 4 }), fc.option(fc.array(statement, { minLength: 1, maxLength: 3 })),
    fc.option(fc.array(statement, { minLength: 1, maxLength: 3 })),
    (identity, boundary, bucketPolicy) => {
      const request = {
        principal: ALICE, action: 's3:GetObjectAcl', resourceAccount: '123456789012', context,
        identityPolicies: [bound(identity, 'identity')],
        permissionsBoundary: boundary ? bound(boundary, 'boundary') : undefined,
        resourcePolicy: bucketPolicy ? bound(bucketPolicy, 'bucket', true) : undefined,
      };
      const answers = new Set(KEYS.map((key) => evaluate({ ...request, resource: PREFIX + key }).allowed));
      if (uniformUnderPrefix(request, PREFIX)) {
        uniformSeen++;
        assert.equal(answers.size, 1, `uniform claimed, but keys disagree: ${JSON.stringify({ identity, boundary, bucketPolicy })}`);
      } else if (answers.size > 1) mixedSeen++;
    },
  ), { numRuns: 3000, seed: 20261125 });
  // The generator must exercise both sides, or the property says nothing.
  assert.ok(uniformSeen > 300, `uniform cases: ${uniformSeen}`);
  assert.ok(mixedSeen > 100, `mixed cases: ${mixedSeen}`);
});

test('the usual shapes are recognised as uniform; key-specific ones are not', () => {
  const context: RequestContext = new Map();
  const request = (resources: string[]) => ({
    principal: ALICE, action: 's3:GetObjectAcl', resourceAccount: '123456789012', context,
    identityPolicies: [bound([{ effect: 'Allow', resources, notResource: false, action: 's3:*' }], 'p')],
  });
  assert.equal(uniformUnderPrefix(request(['arn:aws:s3:::data', 'arn:aws:s3:::data/*']), PREFIX), true);
  assert.equal(uniformUnderPrefix(request(['*']), PREFIX), true);
  assert.equal(uniformUnderPrefix(request(['arn:aws:s3:::other/*']), PREFIX), true);
  assert.equal(uniformUnderPrefix(request(['arn:aws:s3:::data/cli-s3api-kms/*']), PREFIX), false);
  assert.equal(uniformUnderPrefix(request(['arn:aws:s3:::data/${aws:username}/*']), PREFIX), false);
});
