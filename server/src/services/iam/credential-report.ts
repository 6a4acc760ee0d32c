// The credential report auditors (Prowler, Steampipe, CIS checks) read: GenerateCredentialReport, GetCredentialReport.
// A CSV of every user and the root account, with password, MFA, access key and signing certificate facts, taken
// when the report is generated and kept for four hours, as on AWS.
import { userArn } from '../../auth/caller.ts';
import { AwsError } from '../../errors.ts';
import { credentialsStore } from '../../store/credentials-store.ts';
import { iamEntities, type IamEntitiesStore, type PasswordPolicy } from '../../store/iam-entities-store.ts';
import type { AccessKeyRow } from '../../store/iam-store.ts';
import { isoSeconds } from '../../store/ids.ts';
import type { QueryCall, QueryHandler } from '../query-service.ts';
import { accountOf, authorize } from './authorize.ts';

/** AWS hands out a report for four hours after it was generated; then it must be generated again. */
const REPORT_LIFETIME_MS = 4 * 60 * 60 * 1000;

const COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed', 'password_next_rotation', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
  'cert_1_active', 'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
] as const;

interface StoredReport { generatedAt: string; csv: string }

const settingName = (accountId: string): string => `credential-report:${accountId}`;

/** The report's timestamps: ISO 8601 with an explicit +00:00 offset. */
function reportTime(iso: string | null | undefined): string {
  if (!iso) return 'N/A';
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function keyColumns(entities: IamEntitiesStore, key: AccessKeyRow | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const used = entities.keyLastUsed(key.access_key_id);
  return [
    String(key.status === 'Active'), reportTime(key.created_at), reportTime(used?.last_used_at),
    used?.last_used_region ?? 'N/A', used?.last_used_service ?? 'N/A',
  ];
}

function certColumns(cert: { status: string; uploaded_at: string } | undefined): string[] {
  return cert ? [String(cert.status === 'Active'), reportTime(cert.uploaded_at)] : ['false', 'N/A'];
}

function nextRotation(changedAt: string, policy: PasswordPolicy | undefined): string {
  if (!policy?.ExpirePasswords || !policy.MaxPasswordAge) return 'N/A';
  return reportTime(new Date(Date.parse(changedAt) + policy.MaxPasswordAge * 86_400_000).toISOString());
}

function buildReport(call: QueryCall): string {
  const accountId = accountOf(call);
  const { iam } = call.ctx;
  const entities = iamEntities(call.ctx.db);
  const credentials = credentialsStore(call.ctx.db);
  const policy = entities.passwordPolicy(accountId);
  const rows: string[][] = [];
  // The root account first, as AWS lists it: its password is not IAM's to report.
  const account = iam.account(accountId);
  const rootKeys = iam.rootAccessKeys(accountId);
  const rootMfa = credentials.mfaDevices(accountId).some((d) => d.user_name === null && d.enable_date !== null);
  const rootCerts = credentials.signingCertificatesOf(accountId, null);
  rows.push([
    '<root_account>', `arn:aws:iam::${accountId}:root`, reportTime(account?.created_at), 'not_supported', 'no_information', 'not_supported', 'not_supported',
    String(rootMfa), ...keyColumns(entities, rootKeys[0]), ...keyColumns(entities, rootKeys[1]), ...certColumns(rootCerts[0]), ...certColumns(rootCerts[1]),
  ]);
  for (let after = ''; ;) {
    const users = iam.users(accountId, '/', after, 1000);
    for (const user of users) {
      const login = entities.loginProfile(accountId, user.user_name);
      const keys = iam.userAccessKeys(accountId, user.user_name);
      const certs = credentials.signingCertificatesOf(accountId, user.user_name);
      const mfa = credentials.mfaDevicesOfUser(accountId, user.user_name).some((d) => d.enable_date !== null);
      rows.push([
        user.user_name, userArn(accountId, user.path, user.user_name), reportTime(user.created_at), String(login !== undefined),
        // Console sign-in is outside iamlocal: a password is never seen in use.
        login ? 'no_information' : 'N/A', login ? reportTime(login.created_at) : 'N/A', login ? nextRotation(login.created_at, policy) : 'N/A',
        String(mfa), ...keyColumns(entities, keys[0]), ...keyColumns(entities, keys[1]), ...certColumns(certs[0]), ...certColumns(certs[1]),
      ]);
    }
    if (users.length < 1000) break;
    after = users[users.length - 1]!.user_name;
  }
  return [COLUMNS.join(','), ...rows.map((row) => row.map(csvField).join(','))].join('\n');
}

function storedReport(call: QueryCall): StoredReport | undefined {
  const text = call.ctx.iam.setting(settingName(accountOf(call)));
  return text ? (JSON.parse(text) as StoredReport) : undefined;
}

const expired = (call: QueryCall, report: StoredReport): boolean => call.facts.now.getTime() - Date.parse(report.generatedAt) >= REPORT_LIFETIME_MS;

export const generateCredentialReport: QueryHandler = (call) => {
  authorize(call, '*');
  const existing = storedReport(call);
  if (existing && !expired(call, existing)) return { State: 'COMPLETE' };
  // Generation is immediate here; AWS's first answer still says it has started, and the next one COMPLETE.
  const report: StoredReport = { generatedAt: call.facts.now.toISOString(), csv: buildReport(call) };
  call.ctx.iam.putSetting(settingName(accountOf(call)), JSON.stringify(report));
  return existing ? { State: 'STARTED' } : { State: 'STARTED', Description: 'No report exists. Starting a new report generation task' };
};

export const getCredentialReport: QueryHandler = (call) => {
  authorize(call, '*');
  const report = storedReport(call);
  // AWS sends these two with no message at all (the CLI shows "Unknown").
  if (!report) throw new AwsError('ReportNotPresent', '', 410);
  if (expired(call, report)) throw new AwsError('ReportExpired', '', 410);
  return { Content: Buffer.from(report.csv, 'utf8').toString('base64'), ReportFormat: 'text/csv', GeneratedTime: isoSeconds(new Date(report.generatedAt)) };
};
