// Console passwords (login profiles), checked against the account password policy.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { AwsError, entityAlreadyExists, noSuchEntity, validationError } from '../../errors.ts';
import { iamEntities, type LoginProfileRow, type PasswordPolicy } from '../../store/iam-entities-store.ts';
import { isoSeconds } from '../../store/ids.ts';
import { bool, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';
import { requireUser, userResource } from './entities.ts';

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

export function passwordMatches(hash: string, password: string): boolean {
  const [scheme, salt, digest] = hash.split('$');
  if (scheme !== 'scrypt' || !salt || !digest) return false;
  const expected = Buffer.from(digest, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

/** PasswordReusePrevention is at most 24. */
const PASSWORD_HISTORY_MAX = 23;

const SYMBOLS = /[!@#$%^&*()_+\-=[\]{}|']/;

/** Why a password breaks the account's password policy (AWS's default policy when the account has none), or undefined. */
export function passwordProblem(password: string, policy: PasswordPolicy | undefined, accountId: string): string | undefined {
  if (!policy) {
    // IAM's default: 8+ characters, three of the four character kinds, not the account name.
    const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
    if (password.length < 8 || kinds < 3 || password === accountId) return 'Password does not conform to the account password policy.';
    return undefined;
  }
  const broken = password.length < policy.MinimumPasswordLength
    || (policy.RequireSymbols && !SYMBOLS.test(password))
    || (policy.RequireNumbers && !/[0-9]/.test(password))
    || (policy.RequireUppercaseCharacters && !/[A-Z]/.test(password))
    || (policy.RequireLowercaseCharacters && !/[a-z]/.test(password));
  return broken ? 'Password does not conform to the account password policy.' : undefined;
}

function checkPassword(call: QueryCall, password: string): void {
  const problem = passwordProblem(password, iamEntities(call.ctx.db).passwordPolicy(accountOf(call)), accountOf(call));
  if (problem) throw new AwsError('PasswordPolicyViolation', problem, 400);
}

/** The user a login-profile call is about: UserName, else the calling IAM user. */
function targetUser(call: QueryCall): string {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  if (name === undefined) throw validationError('Must specify userName when calling with non-User credentials');
  return name;
}

function requireLoginProfile(call: QueryCall, user: string): LoginProfileRow {
  const row = iamEntities(call.ctx.db).loginProfile(accountOf(call), user);
  if (!row) throw noSuchEntity(`Login Profile for User ${user} cannot be found.`);
  return row;
}

const profileXml = (row: LoginProfileRow): { UserName: string; CreateDate: string; PasswordResetRequired: boolean } => ({
  UserName: row.user_name, CreateDate: row.created_at, PasswordResetRequired: row.password_reset_required === 1,
});

export const createLoginProfile: QueryHandler = (call) => {
  const name = targetUser(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const store = iamEntities(call.ctx.db);
  if (store.loginProfile(user.account_id, user.user_name)) throw entityAlreadyExists(`Login Profile for user ${user.user_name} already exists.`);
  const password = str(call.input, 'Password');
  if (password === undefined) throw validationError('Password is required.');
  checkPassword(call, password);
  const row: LoginProfileRow = {
    account_id: user.account_id, user_name: user.user_name, password_hash: hashPassword(password),
    password_reset_required: bool(call.input, 'PasswordResetRequired') ? 1 : 0, created_at: isoSeconds(call.facts.now), password_history: null,
  };
  store.putLoginProfile(row);
  return { LoginProfile: profileXml(row) };
};

export const getLoginProfile: QueryHandler = (call) => {
  const name = targetUser(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  return { LoginProfile: profileXml(requireLoginProfile(call, user.user_name)) };
};

export const updateLoginProfile: QueryHandler = (call) => {
  const name = targetUser(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  const row = requireLoginProfile(call, user.user_name);
  const password = str(call.input, 'Password');
  const history = row.password_history ? (JSON.parse(row.password_history) as string[]) : [];
  if (password !== undefined) {
    checkPassword(call, password);
    // PasswordReusePrevention N: none of the last N passwords (the current one included) may come back.
    const reuse = iamEntities(call.ctx.db).passwordPolicy(accountOf(call))?.PasswordReusePrevention ?? 0;
    if (reuse > 0 && [row.password_hash, ...history].slice(0, reuse).some((hash) => passwordMatches(hash, password))) {
      throw new AwsError('PasswordPolicyViolation', 'Password does not conform to the account password policy.', 400);
    }
  }
  const reset = bool(call.input, 'PasswordResetRequired');
  iamEntities(call.ctx.db).putLoginProfile({
    ...row, password_hash: password === undefined ? row.password_hash : hashPassword(password),
    password_reset_required: reset === undefined ? row.password_reset_required : reset ? 1 : 0,
    password_history: password === undefined ? row.password_history : JSON.stringify([row.password_hash, ...history].slice(0, PASSWORD_HISTORY_MAX)),
  });
  return null;
};

export const deleteLoginProfile: QueryHandler = (call) => {
  const name = targetUser(call);
  authorize(call, userResource(call, name));
  const user = requireUser(call, name);
  requireLoginProfile(call, user.user_name);
  iamEntities(call.ctx.db).deleteLoginProfile(user.account_id, user.user_name);
  return null;
};
