// Virtual MFA devices: create, enable with two consecutive RFC 6238 codes, resync, deactivate, delete, list, tags; and
// the check GetSessionToken and AssumeRole make of SerialNumber + TokenCode.
import { qrCodePng } from '../../auth/qr-png.ts';
import { newTotpSeed, totpAtStep, totpStep } from '../../auth/totp.ts';
import { AwsError, entityAlreadyExists, limitExceeded, noSuchEntity, validationError } from '../../errors.ts';
import type { XmlObject } from '../../protocol/xml.ts';
import { credentialsStore, mfaSerial, type MfaDeviceRow } from '../../store/credentials-store.ts';
import { iamEntities } from '../../store/iam-entities-store.ts';
import type { Db } from '../../store/db.ts';
import { isoSeconds } from '../../store/ids.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { entityTagHandlers, tagsJson } from './entity-tags.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { checkPath, requireUser, userResource } from './entities.ts';
import { inputTags, mergeTags, tagList } from './tags.ts';
import { userXml } from './shapes.ts';

/** AWS allows up to 8 MFA devices per user. */
const MFA_DEVICES_PER_USER = 8;
/** EnableMFADevice: the second code may be this many steps old (people type slowly). */
const ENABLE_WINDOW_STEPS = 3;
/** ResyncMFADevice looks this far either side of now for the two codes. */
const RESYNC_WINDOW_STEPS = 20;
/** STS accepts the codes of the step before and after the current one (clock skew). */
const STS_WINDOW_STEPS = 1;

const invalidCode = (): AwsError => new AwsError('InvalidAuthenticationCode', 'Authentication code for device is not valid.', 403);
const noSuchDevice = (serial: string): AwsError => noSuchEntity(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
const invalidForUser = (): AwsError => noSuchEntity('MFA Device invalid for user.');
// DeleteVirtualMFADevice and DeactivateMFADevice name a missing device this way (AWS's recorded answers).
const noSuchMfaDevice = (serial: string): AwsError => noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);

/** The IAM user a per-user credential call is about: UserName, else the calling IAM user. */
export function targetUserName(call: QueryCall): string {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  if (name === undefined) throw validationError('Must specify userName when calling with non-User credentials');
  return name;
}

/** The device an ARN names in the caller's account; NoSuchEntity otherwise. */
function requireDevice(call: QueryCall, serial: string): MfaDeviceRow {
  const row = credentialsStore(call.ctx.db).mfaDevice(serial);
  if (!row || row.account_id !== accountOf(call)) throw noSuchDevice(serial);
  return row;
}

/** The step at which `code1` and then `code2` were shown, searched over [from, to] for code2; undefined if none. */
function consecutiveStep(seed: string, code1: string, code2: string, from: number, to: number): number | undefined {
  for (let step = to; step >= from; step--) {
    if (totpAtStep(seed, step) === code2 && totpAtStep(seed, step - 1) === code1) return step;
  }
  return undefined;
}

/** Whether `code` is the device's code now (allowing for the drift ResyncMFADevice measured and one step of skew). */
export function mfaCodeMatches(device: MfaDeviceRow, code: string, now: Date): boolean {
  const current = totpStep(now) + device.drift;
  for (let step = current - STS_WINDOW_STEPS; step <= current + STS_WINDOW_STEPS; step++) if (totpAtStep(device.seed, step) === code) return true;
  return false;
}

export type MfaCheck = 'ok' | 'unknown-device' | 'invalid-code';

/** STS: checks SerialNumber + TokenCode against the devices of the IAM user `userName` (null: the root user, who has none here). */
export function checkMfaToken(db: Db, accountId: string, userName: string | null, serial: string, code: string, now: Date): MfaCheck {
  const device = credentialsStore(db).mfaDevice(serial);
  if (!device || device.account_id !== accountId || device.user_name === null || userName === null) return 'unknown-device';
  if (device.user_name.toLowerCase() !== userName.toLowerCase()) return 'unknown-device';
  return /^\d{6}$/.test(code) && mfaCodeMatches(device, code, now) ? 'ok' : 'invalid-code';
}

/** AWS's AccessDenied texts for an MFA check that failed in STS. */
export function mfaDenied(check: Exclude<MfaCheck, 'ok'>): AwsError {
  return check === 'unknown-device'
    ? new AwsError('AccessDenied', 'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.', 403)
    : new AwsError('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.', 403);
}

function virtualDeviceXml(call: QueryCall, row: MfaDeviceRow): XmlObject {
  const user = row.user_name === null ? undefined : call.ctx.iam.user(row.account_id, row.user_name);
  return { SerialNumber: row.serial_number, User: user ? userXml(user) : undefined, EnableDate: row.enable_date ?? undefined };
}

export const createVirtualMFADevice: QueryHandler = (call) => {
  const name = req(call.input, 'VirtualMFADeviceName');
  const path = checkPath(call.input, 'Path');
  const tags = mergeTags(null, inputTags(call.input));
  const serial = mfaSerial(accountOf(call), path, name);
  authorize(call, serial, requestTagContext(tags));
  const store = credentialsStore(call.ctx.db);
  if (store.mfaDevice(serial)) throw entityAlreadyExists('MFA device already exists.');
  const row: MfaDeviceRow = {
    serial_number: serial, account_id: accountOf(call), device_name: name, path, seed: newTotpSeed(), user_name: null, enable_date: null, drift: 0,
    created_at: isoSeconds(call.facts.now), tags: tagsJson(tags),
  };
  store.insertMfaDevice(row);
  // Blobs are base64 on the wire: the seed's base32 text, and a PNG of the otpauth:// URI authenticator apps scan.
  const label = `Amazon Web Services:${name}@${iamEntities(call.ctx.db).accountAlias(accountOf(call)) ?? accountOf(call)}`;
  const uri = `otpauth://totp/${encodeURIComponent(label)}?secret=${row.seed}&issuer=${encodeURIComponent('Amazon Web Services')}`;
  return {
    VirtualMFADevice: {
      SerialNumber: serial, Base32StringSeed: Buffer.from(row.seed, 'ascii').toString('base64'), QRCodePNG: qrCodePng(uri).toString('base64'), Tags: tagList(row.tags),
    },
  };
};

export const enableMFADevice: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const device = requireDevice(call, req(call.input, 'SerialNumber'));
  if (device.user_name !== null) throw entityAlreadyExists('MFA Device is already in use.');
  const store = credentialsStore(call.ctx.db);
  if (store.mfaDevicesOfUser(user.account_id, user.user_name).length >= MFA_DEVICES_PER_USER) {
    throw limitExceeded(`Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`);
  }
  const now = totpStep(call.facts.now);
  const step = consecutiveStep(device.seed, req(call.input, 'AuthenticationCode1'), req(call.input, 'AuthenticationCode2'), now - ENABLE_WINDOW_STEPS, now + 1);
  if (step === undefined) throw invalidCode();
  store.updateMfaDevice({ ...device, user_name: user.user_name, enable_date: isoSeconds(call.facts.now), drift: 0 });
  return null;
};

/** The device SerialNumber names, which must be assigned to the user `name`. */
function requireUserDevice(call: QueryCall, userName: string): MfaDeviceRow {
  const serial = req(call.input, 'SerialNumber');
  const device = credentialsStore(call.ctx.db).mfaDevice(serial);
  if (!device || device.account_id !== accountOf(call)) throw noSuchMfaDevice(serial);
  if (device.user_name === null || device.user_name.toLowerCase() !== userName.toLowerCase()) throw invalidForUser();
  return device;
}

export const deactivateMFADevice: QueryHandler = (call) => {
  const name = targetUserName(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const device = requireUserDevice(call, user.user_name);
  credentialsStore(call.ctx.db).updateMfaDevice({ ...device, user_name: null, enable_date: null, drift: 0 });
  return null;
};

export const resyncMFADevice: QueryHandler = (call) => {
  const name = req(call.input, 'UserName');
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const device = requireUserDevice(call, user.user_name);
  const now = totpStep(call.facts.now);
  const step = consecutiveStep(device.seed, req(call.input, 'AuthenticationCode1'), req(call.input, 'AuthenticationCode2'), now - RESYNC_WINDOW_STEPS, now + RESYNC_WINDOW_STEPS);
  if (step === undefined) throw invalidCode();
  credentialsStore(call.ctx.db).updateMfaDevice({ ...device, drift: step - now });
  return null;
};

export const deleteVirtualMFADevice: QueryHandler = (call) => {
  const serial = req(call.input, 'SerialNumber');
  authorize(call, serial);
  const device = credentialsStore(call.ctx.db).mfaDevice(serial);
  if (!device || device.account_id !== accountOf(call)) throw noSuchMfaDevice(serial);
  if (device.user_name !== null) throw new AwsError('DeleteConflict', 'MFA VirtualDevice in use. Must deactivate first.', 409);
  credentialsStore(call.ctx.db).deleteMfaDevice(device.serial_number);
  return null;
};

export const listMFADevices: QueryHandler = (call) => {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  if (name === undefined) {
    // The root user's own devices: none can be created through the API.
    authorize(call, call.caller.principal.arn);
    return { MFADevices: [], IsTruncated: false };
  }
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const after = afterMarker(call.input);
  const rows = credentialsStore(call.ctx.db).mfaDevicesOfUser(user.account_id, user.user_name).filter((d) => d.serial_number > after)
    .sort((a, b) => (a.serial_number < b.serial_number ? -1 : 1));
  return pageXml(page(rows, maxItems(call.input), (d) => d.serial_number), 'MFADevices', (d) => ({
    UserName: user.user_name, SerialNumber: d.serial_number, EnableDate: d.enable_date ?? undefined,
  }));
};

export const listVirtualMFADevices: QueryHandler = (call) => {
  // ListVirtualMFADevices has no resource type in the service authorization reference.
  authorize(call, '*');
  const status = str(call.input, 'AssignmentStatus') ?? 'Any';
  const after = afterMarker(call.input);
  const rows = credentialsStore(call.ctx.db).mfaDevices(accountOf(call))
    .filter((d) => status === 'Any' || (status === 'Assigned') === (d.user_name !== null))
    .filter((d) => d.serial_number > after);
  return pageXml(page(rows, maxItems(call.input), (d) => d.serial_number), 'VirtualMFADevices', (d) => virtualDeviceXml(call, d));
};

export const getMFADevice: QueryHandler = (call) => {
  const name = targetUserName(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const device = requireUserDevice(call, user.user_name);
  return { UserName: user.user_name, SerialNumber: device.serial_number, EnableDate: device.enable_date ?? undefined };
};

export const mfaDeviceTags = entityTagHandlers({
  resource: (call) => req(call.input, 'SerialNumber'),
  tags: (call) => requireDevice(call, req(call.input, 'SerialNumber')).tags,
  save: (call, tags) => {
    const device = requireDevice(call, req(call.input, 'SerialNumber'));
    credentialsStore(call.ctx.db).updateMfaDevice({ ...device, tags: tagsJson(tags) });
  },
});
