// The IAM and STS operation tables against their botocore models (model.json, from scripts/gen-models.py): every
// handler answers an operation the model has, and every operation of the model has a handler or is listed here as
// deliberately unimplemented, with the reason. Adding an operation means adding its handler to the table in
// services/<service>/<service>.ts and removing it from this list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iamService } from '../src/services/iam/iam.ts';
import type { QueryService } from '../src/services/query-service.ts';
import { stsService } from '../src/services/sts/sts.ts';
import { organizationsModel } from '../src/services/organizations/organizations.ts';
import { ORGANIZATIONS_HANDLERS } from '../src/services/organizations/operations.ts';

const ORGANIZATIONS = "centralized root access for member accounts (IAM's and STS's Organizations features) is not emulated";
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

// Organizations (awsJson1_1): the SCP/RCP guardrails and the tree they attach to are emulated; the rest is not.
const HANDSHAKES = 'handshakes (inviting existing accounts, transferring responsibility) are not emulated: member accounts are created with CreateAccount';
const DELEGATION_ORG = 'delegated administrators and trusted service access are not emulated';
const OTHER_POLICIES = 'effective policies belong to the management policy types (tag, backup, AI opt-out …), which iamlocal does not emulate';
const ORGANIZATIONS_NOT_IMPLEMENTED: Readonly<Record<string, string>> = {
  AcceptHandshake: HANDSHAKES, CancelHandshake: HANDSHAKES, DeclineHandshake: HANDSHAKES, DescribeHandshake: HANDSHAKES,
  InviteAccountToOrganization: HANDSHAKES, ListHandshakesForAccount: HANDSHAKES, ListHandshakesForOrganization: HANDSHAKES,
  InviteOrganizationToTransferResponsibility: HANDSHAKES, DescribeResponsibilityTransfer: HANDSHAKES, ListInboundResponsibilityTransfers: HANDSHAKES,
  ListOutboundResponsibilityTransfers: HANDSHAKES, TerminateResponsibilityTransfer: HANDSHAKES, UpdateResponsibilityTransfer: HANDSHAKES,
  DeregisterDelegatedAdministrator: DELEGATION_ORG, RegisterDelegatedAdministrator: DELEGATION_ORG, ListDelegatedAdministrators: DELEGATION_ORG,
  ListDelegatedServicesForAccount: DELEGATION_ORG, DisableAWSServiceAccess: DELEGATION_ORG, EnableAWSServiceAccess: DELEGATION_ORG,
  ListAWSServiceAccessForOrganization: DELEGATION_ORG, PutResourcePolicy: DELEGATION_ORG, DescribeResourcePolicy: DELEGATION_ORG, DeleteResourcePolicy: DELEGATION_ORG,
  DescribeEffectivePolicy: OTHER_POLICIES, ListAccountsWithInvalidEffectivePolicy: OTHER_POLICIES, ListEffectivePolicyValidationErrors: OTHER_POLICIES,
  CloseAccount: 'accounts stay open: closing one (and its 90-day suspension) is not emulated',
  CreateGovCloudAccount: 'GovCloud (US) accounts are not emulated',
  EnableAllFeatures: 'organizations are created with all features; the consolidated-billing-only feature set is not emulated',
  LeaveOrganization: 'removing accounts from an organization is not emulated', RemoveAccountFromOrganization: 'removing accounts from an organization is not emulated',
};

test('organizations: every handler answers an operation of the model, every other operation is listed with its reason', () => {
  const modelOperations = Object.keys(organizationsModel.operations).sort();
  assert.ok(modelOperations.length > 0, 'the model lists operations');
  assert.deepEqual(Object.keys(ORGANIZATIONS_HANDLERS).filter((op) => !modelOperations.includes(op)), []);
  assert.deepEqual(modelOperations.filter((op) => !Object.hasOwn(ORGANIZATIONS_HANDLERS, op) && !Object.hasOwn(ORGANIZATIONS_NOT_IMPLEMENTED, op)), []);
  assert.deepEqual(Object.keys(ORGANIZATIONS_NOT_IMPLEMENTED).filter((op) => !modelOperations.includes(op) || Object.hasOwn(ORGANIZATIONS_HANDLERS, op)), []);
});
