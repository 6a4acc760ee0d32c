// What the credential kinds of a user mean for DeleteUser, plus the account-level STS preference and the
// organization features an account outside any organization reports.
import { AwsError, deleteConflict } from '../../errors.ts';
import { credentialsStore } from '../../store/credentials-store.ts';
import { organizationsStore } from '../../store/organizations-store.ts';
import type { UserRow } from '../../store/iam-store.ts';
import { req, type QueryCall, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';

/** DeleteUser refuses while the user still has MFA devices, signing certificates, SSH keys or service-specific credentials. */
export function checkCredentialsDeletable(call: QueryCall, user: UserRow): void {
  const store = credentialsStore(call.ctx.db);
  if (store.mfaDevicesOfUser(user.account_id, user.user_name).length) throw deleteConflict('Cannot delete entity, must delete MFA device first.');
  if (store.signingCertificatesOf(user.account_id, user.user_name).length) throw deleteConflict('Cannot delete entity, must delete certificates first.');
  if (store.sshKeysOfUser(user.account_id, user.user_name).length) throw deleteConflict('Cannot delete entity, must remove referenced objects first.');
  if (store.serviceCredentialsOfUser(user.account_id, user.user_name).length) throw deleteConflict('Cannot delete entity, must remove referenced objects first.');
}

export const setSecurityTokenServicePreferences: QueryHandler = (call) => {
  authorize(call, '*');
  credentialsStore(call.ctx.db).setGlobalEndpointTokenVersion(accountOf(call), req(call.input, 'GlobalEndpointTokenVersion'));
  return null;
};

/** GetAccountSummary's GlobalEndpointTokenVersion: 1 (v1Token) or 2 (v2Token). */
export function globalEndpointTokenVersion(call: QueryCall): number {
  return credentialsStore(call.ctx.db).globalEndpointTokenVersion(accountOf(call)) === 'v2Token' ? 2 : 1;
}

/** iamlocal's accounts belong to no organization. */
export const listOrganizationsFeatures: QueryHandler = (call) => {
  authorize(call, '*');
  const org = organizationsStore(call.ctx.db).organizationOfAccount(accountOf(call));
  if (!org) throw new AwsError('OrganizationNotFoundException', 'The request failed because your account is not a member of an organization.', 400);
  if (org.management_account !== accountOf(call)) {
    throw new AwsError('AccountNotManagementOrDelegatedAdministratorException', 'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.', 400);
  }
  // Centralized root access needs IAM's trusted access in Organizations (EnableAWSServiceAccess), which iamlocal does not emulate.
  throw new AwsError('ServiceAccessNotEnabledException', 'The request was rejected because trusted access is not enabled for IAM in Organizations. For details, see IAM and Organizations in the Organizations User Guide.', 400);
};
