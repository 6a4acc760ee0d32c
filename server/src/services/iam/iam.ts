import modelJson from './model.json' with { type: 'json' };
import type { ServiceModel } from '../../protocol/query.ts';
import type { QueryService } from '../query-service.ts';
import { samlProviderHandlers } from './saml-providers.ts';
import { generateCredentialReport, getCredentialReport } from './credential-report.ts';
import { createAccountAlias, deleteAccountAlias, deleteAccountPasswordPolicy, getAccountAuthorizationDetails, getAccountPasswordPolicy, getAccountSummary, listAccountAliases, updateAccountPasswordPolicy } from './account.ts';
import { addRoleToInstanceProfile, createInstanceProfile, deleteInstanceProfile, getInstanceProfile, instanceProfileTags, listInstanceProfiles, listInstanceProfilesForRole, removeRoleFromInstanceProfile } from './instance-profiles.ts';
import { deleteServerCertificate, deleteSigningCertificate, getServerCertificate, listServerCertificates, listSigningCertificates, serverCertificateTags, updateServerCertificate, updateSigningCertificate, uploadServerCertificate, uploadSigningCertificate } from './certificates.ts';
import { listOrganizationsFeatures, setSecurityTokenServicePreferences } from './credentials.ts';
import { createVirtualMFADevice, deactivateMFADevice, deleteVirtualMFADevice, enableMFADevice, getMFADevice, listMFADevices, listVirtualMFADevices, mfaDeviceTags, resyncMFADevice } from './mfa.ts';
import { createServiceSpecificCredential, deleteServiceSpecificCredential, listServiceSpecificCredentials, resetServiceSpecificCredential, updateServiceSpecificCredential } from './service-credentials.ts';
import { deleteSSHPublicKey, getSSHPublicKey, listSSHPublicKeys, updateSSHPublicKey, uploadSSHPublicKey } from './ssh-keys.ts';
import { addUserToGroup, createGroup, deleteGroup, getGroup, listGroups, listGroupsForUser, removeUserFromGroup, updateGroup } from './groups.ts';
import { createLoginProfile, deleteLoginProfile, getLoginProfile, updateLoginProfile } from './login-profiles.ts';
import { addClientIDToOpenIDConnectProvider, createOpenIDConnectProvider, deleteOpenIDConnectProvider, getOpenIDConnectProvider, listOpenIDConnectProviders, oidcProviderTags, removeClientIDFromOpenIDConnectProvider, updateOpenIDConnectProviderThumbprint } from './oidc-providers.ts';
import { createPolicy, createPolicyVersion, deletePolicy, deletePolicyVersion, getPolicy, getPolicyVersion, listEntitiesForPolicy, listPolicies, listPolicyVersions, policyTags, setDefaultPolicyVersion } from './policies.ts';
import { createRole, createServiceLinkedRole, deleteRole, deleteServiceLinkedRole, getRole, getServiceLinkedRoleDeletionStatus, listRoles, updateAssumeRolePolicy, updateRole, updateRoleDescription } from './roles.ts';
import { createUser, deleteUser, getAccessKeyLastUsed, getUser, listUsers, updateUser } from './users.ts';
import { getContextKeysForCustomPolicy, getContextKeysForPrincipalPolicy, simulateCustomPolicy, simulatePrincipalPolicy } from './simulate.ts';
import { createAccessKey, deleteAccessKey, listAccessKeys, updateAccessKey } from './access-keys.ts';
import { groupPolicies, rolePolicies, userPolicies } from './principal-policies.ts';
import { roleTags, userTags } from './entity-tags.ts';

export const iamService: QueryService = {
  name: 'iam',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  model: modelJson as ServiceModel,
  handlers: {
    CreateUser: createUser, GetUser: getUser, DeleteUser: deleteUser, ListUsers: listUsers,
    CreateAccessKey: createAccessKey, DeleteAccessKey: deleteAccessKey, UpdateAccessKey: updateAccessKey, ListAccessKeys: listAccessKeys,
    CreateRole: createRole, GetRole: getRole, DeleteRole: deleteRole, ListRoles: listRoles,
    UpdateAssumeRolePolicy: updateAssumeRolePolicy, UpdateRole: updateRole,
    CreatePolicy: createPolicy, GetPolicy: getPolicy, DeletePolicy: deletePolicy, ListPolicies: listPolicies,
    CreatePolicyVersion: createPolicyVersion, GetPolicyVersion: getPolicyVersion, ListPolicyVersions: listPolicyVersions,
    DeletePolicyVersion: deletePolicyVersion, SetDefaultPolicyVersion: setDefaultPolicyVersion,
    AttachUserPolicy: userPolicies.attach, DetachUserPolicy: userPolicies.detach, ListAttachedUserPolicies: userPolicies.listAttached,
    PutUserPolicy: userPolicies.put, GetUserPolicy: userPolicies.get, DeleteUserPolicy: userPolicies.delete, ListUserPolicies: userPolicies.list,
    PutUserPermissionsBoundary: userPolicies.putBoundary, DeleteUserPermissionsBoundary: userPolicies.deleteBoundary,
    PutRolePermissionsBoundary: rolePolicies.putBoundary, DeleteRolePermissionsBoundary: rolePolicies.deleteBoundary,
    SimulatePrincipalPolicy: simulatePrincipalPolicy, SimulateCustomPolicy: simulateCustomPolicy,
    GetContextKeysForPrincipalPolicy: getContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy: getContextKeysForCustomPolicy,
    TagUser: userTags.tag, UntagUser: userTags.untag, ListUserTags: userTags.list,
    TagRole: roleTags.tag, UntagRole: roleTags.untag, ListRoleTags: roleTags.list,
    CreateGroup: createGroup, GetGroup: getGroup, DeleteGroup: deleteGroup, ListGroups: listGroups,
    AddUserToGroup: addUserToGroup, RemoveUserFromGroup: removeUserFromGroup, ListGroupsForUser: listGroupsForUser,
    AttachGroupPolicy: groupPolicies.attach, DetachGroupPolicy: groupPolicies.detach, ListAttachedGroupPolicies: groupPolicies.listAttached,
    PutGroupPolicy: groupPolicies.put, GetGroupPolicy: groupPolicies.get, DeleteGroupPolicy: groupPolicies.delete, ListGroupPolicies: groupPolicies.list,
    AttachRolePolicy: rolePolicies.attach, DetachRolePolicy: rolePolicies.detach, ListAttachedRolePolicies: rolePolicies.listAttached,
    ...samlProviderHandlers,
    PutRolePolicy: rolePolicies.put, GetRolePolicy: rolePolicies.get, DeleteRolePolicy: rolePolicies.delete, ListRolePolicies: rolePolicies.list,
    UpdateUser: updateUser, GetAccessKeyLastUsed: getAccessKeyLastUsed, UpdateGroup: updateGroup,
    CreateLoginProfile: createLoginProfile, GetLoginProfile: getLoginProfile, UpdateLoginProfile: updateLoginProfile, DeleteLoginProfile: deleteLoginProfile,
    UpdateRoleDescription: updateRoleDescription, CreateServiceLinkedRole: createServiceLinkedRole, DeleteServiceLinkedRole: deleteServiceLinkedRole,
    GetServiceLinkedRoleDeletionStatus: getServiceLinkedRoleDeletionStatus,
    CreateInstanceProfile: createInstanceProfile, GetInstanceProfile: getInstanceProfile, DeleteInstanceProfile: deleteInstanceProfile, ListInstanceProfiles: listInstanceProfiles,
    AddRoleToInstanceProfile: addRoleToInstanceProfile, RemoveRoleFromInstanceProfile: removeRoleFromInstanceProfile, ListInstanceProfilesForRole: listInstanceProfilesForRole,
    TagInstanceProfile: instanceProfileTags.tag, UntagInstanceProfile: instanceProfileTags.untag, ListInstanceProfileTags: instanceProfileTags.list,
    TagPolicy: policyTags.tag, UntagPolicy: policyTags.untag, ListPolicyTags: policyTags.list, ListEntitiesForPolicy: listEntitiesForPolicy,
    CreateOpenIDConnectProvider: createOpenIDConnectProvider, GetOpenIDConnectProvider: getOpenIDConnectProvider, DeleteOpenIDConnectProvider: deleteOpenIDConnectProvider,
    ListOpenIDConnectProviders: listOpenIDConnectProviders, AddClientIDToOpenIDConnectProvider: addClientIDToOpenIDConnectProvider,
    RemoveClientIDFromOpenIDConnectProvider: removeClientIDFromOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint: updateOpenIDConnectProviderThumbprint,
    TagOpenIDConnectProvider: oidcProviderTags.tag, UntagOpenIDConnectProvider: oidcProviderTags.untag, ListOpenIDConnectProviderTags: oidcProviderTags.list,
    CreateAccountAlias: createAccountAlias, DeleteAccountAlias: deleteAccountAlias, ListAccountAliases: listAccountAliases,
    GetAccountPasswordPolicy: getAccountPasswordPolicy, UpdateAccountPasswordPolicy: updateAccountPasswordPolicy, DeleteAccountPasswordPolicy: deleteAccountPasswordPolicy,
    GetAccountSummary: getAccountSummary, GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
    GenerateCredentialReport: generateCredentialReport, GetCredentialReport: getCredentialReport,
    CreateVirtualMFADevice: createVirtualMFADevice, EnableMFADevice: enableMFADevice, DeactivateMFADevice: deactivateMFADevice, ResyncMFADevice: resyncMFADevice,
    DeleteVirtualMFADevice: deleteVirtualMFADevice, ListMFADevices: listMFADevices, ListVirtualMFADevices: listVirtualMFADevices, GetMFADevice: getMFADevice,
    TagMFADevice: mfaDeviceTags.tag, UntagMFADevice: mfaDeviceTags.untag, ListMFADeviceTags: mfaDeviceTags.list,
    UploadSSHPublicKey: uploadSSHPublicKey, GetSSHPublicKey: getSSHPublicKey, UpdateSSHPublicKey: updateSSHPublicKey, DeleteSSHPublicKey: deleteSSHPublicKey,
    ListSSHPublicKeys: listSSHPublicKeys,
    UploadServerCertificate: uploadServerCertificate, GetServerCertificate: getServerCertificate, UpdateServerCertificate: updateServerCertificate,
    DeleteServerCertificate: deleteServerCertificate, ListServerCertificates: listServerCertificates,
    TagServerCertificate: serverCertificateTags.tag, UntagServerCertificate: serverCertificateTags.untag, ListServerCertificateTags: serverCertificateTags.list,
    UploadSigningCertificate: uploadSigningCertificate, UpdateSigningCertificate: updateSigningCertificate, DeleteSigningCertificate: deleteSigningCertificate,
    ListSigningCertificates: listSigningCertificates,
    CreateServiceSpecificCredential: createServiceSpecificCredential, UpdateServiceSpecificCredential: updateServiceSpecificCredential,
    ResetServiceSpecificCredential: resetServiceSpecificCredential, DeleteServiceSpecificCredential: deleteServiceSpecificCredential,
    ListServiceSpecificCredentials: listServiceSpecificCredentials,
    SetSecurityTokenServicePreferences: setSecurityTokenServicePreferences, ListOrganizationsFeatures: listOrganizationsFeatures,
  },
};
