// Listings of credential kinds iamlocal cannot create (MFA devices, SSH keys, signing and server certificates,
// service-specific credentials). Nothing of these kinds can exist, so the lists are truthfully empty; they let clients
// that clean up a user before deleting it (Terraform's force_destroy, for one) run unchanged.
import { validationError } from '../../http/errors.ts';
import { str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize, requireUser, userResource } from './iam.ts';

/** Authorizes against the user named (or the calling user) and checks it exists. */
function forUser(call: QueryCall): void {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  if (name === undefined) {
    if (call.caller.principal.kind === 'root') {
      authorize(call, call.caller.principal.arn);
      return;
    }
    throw validationError('Must specify userName when calling with non-User credentials');
  }
  authorize(call, userResource(call, name));
  requireUser(call, name);
}

const userList = (member: string): QueryHandler => (call) => {
  forUser(call);
  return { [member]: [], IsTruncated: false };
};

export const listMFADevices = userList('MFADevices');
export const listSSHPublicKeys = userList('SSHPublicKeys');
export const listSigningCertificates = userList('Certificates');
export const listServiceSpecificCredentials: QueryHandler = (call) => {
  if (call.input.AllUsers === true) authorize(call, `arn:aws:iam::${accountOf(call)}:user/*`);
  else forUser(call);
  return { ServiceSpecificCredentials: [], IsTruncated: false };
};
export const listVirtualMFADevices: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:mfa/*`);
  return { VirtualMFADevices: [], IsTruncated: false };
};
export const listServerCertificates: QueryHandler = (call) => {
  authorize(call, `arn:aws:iam::${accountOf(call)}:server-certificate/*`);
  return { ServerCertificateMetadataList: [], IsTruncated: false };
};
