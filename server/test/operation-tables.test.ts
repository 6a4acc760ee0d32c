// The IAM and STS operation tables against their botocore models (model.json, from scripts/gen-models.py): every
// handler answers an operation the model has, and every operation of the model has a handler or is listed here as
// deliberately unimplemented, with the reason. Adding an operation means adding its handler to the table in
// services/<service>/<service>.ts and removing it from this list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iamService } from '../src/services/iam/iam.ts';
import type { QueryService } from '../src/services/query-service.ts';
import { stsService } from '../src/services/sts/sts.ts';

const ORGANIZATIONS = 'needs AWS Organizations (an organization, its management account and member accounts), which iamlocal does not emulate';
const DELEGATION = 'delegation requests (a partner asking a customer for temporary permissions) are not emulated';
const OUTBOUND_FEDERATION = 'outbound web identity federation (AWS-issued JWTs for external services) is not emulated';
const LAST_ACCESSED = 'service last-accessed data (access advisor) is not recorded in the shape AWS reports it';

const NOT_IMPLEMENTED: Record<'iam' | 'sts', Readonly<Record<string, string>>> = {
  iam: {
    AcceptDelegationRequest: DELEGATION, AssociateDelegationRequest: DELEGATION, CreateDelegationRequest: DELEGATION,
    GetDelegationRequest: DELEGATION, ListDelegationRequests: DELEGATION, RejectDelegationRequest: DELEGATION,
    SendDelegationToken: DELEGATION, UpdateDelegationRequest: DELEGATION,
    ChangePassword: 'an IAM user changing its own console password: there is no console sign-in to use it',
    DisableOrganizationsRootCredentialsManagement: ORGANIZATIONS, EnableOrganizationsRootCredentialsManagement: ORGANIZATIONS,
    DisableOrganizationsRootSessions: ORGANIZATIONS, EnableOrganizationsRootSessions: ORGANIZATIONS,
    GenerateOrganizationsAccessReport: ORGANIZATIONS, GetOrganizationsAccessReport: ORGANIZATIONS,
    DisableOutboundWebIdentityFederation: OUTBOUND_FEDERATION, EnableOutboundWebIdentityFederation: OUTBOUND_FEDERATION,
    GetOutboundWebIdentityFederationInfo: OUTBOUND_FEDERATION,
    GenerateServiceLastAccessedDetails: LAST_ACCESSED, GetServiceLastAccessedDetails: LAST_ACCESSED,
    GetServiceLastAccessedDetailsWithEntities: LAST_ACCESSED, ListPoliciesGrantingServiceAccess: LAST_ACCESSED,
    GetHumanReadableSummary: 'a natural-language summary of a policy, written by an AWS model, cannot be reproduced locally',
  },
  sts: {
    AssumeRoot: ORGANIZATIONS,
    GetDelegatedAccessToken: DELEGATION,
    GetWebIdentityToken: OUTBOUND_FEDERATION,
  },
};

for (const service of [iamService, stsService] satisfies QueryService[]) {
  const modelOperations = Object.keys(service.model.operations).sort();
  const handled = Object.keys(service.handlers).sort();
  const skipped = NOT_IMPLEMENTED[service.name];

  test(`${service.name}: every handler answers an operation of the model`, () => {
    assert.ok(modelOperations.length > 0, 'the model lists operations');
    assert.deepEqual(handled.filter((op) => !modelOperations.includes(op)), []);
  });

  test(`${service.name}: every operation of the model has a handler or is deliberately unimplemented`, () => {
    assert.deepEqual(modelOperations.filter((op) => !Object.hasOwn(service.handlers, op) && !Object.hasOwn(skipped, op)), []);
  });

  test(`${service.name}: the unimplemented list names model operations that have no handler`, () => {
    assert.deepEqual(Object.keys(skipped).filter((op) => !modelOperations.includes(op)), [], 'listed but not in the model');
    assert.deepEqual(Object.keys(skipped).filter((op) => Object.hasOwn(service.handlers, op)), [], 'listed but implemented');
  });
}
