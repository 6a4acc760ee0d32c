// The credential report as auditors fetch it, with SDK v3 and the AWS CLI: ReportNotPresent first, STARTED then
// COMPLETE, a CSV of root and users (password, MFA, keys, certificates), a snapshot that expires after four hours.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import {
  CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, CreateVirtualMFADeviceCommand, EnableMFADeviceCommand,
  GenerateCredentialReportCommand, GetCredentialReportCommand, IAMClient, UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { totp } from '../../server/src/auth/totp.ts';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { rejection } from './support.ts';

const run = promisify(execFile);
const ACCOUNT = '123456789012';
let server: RunningServer;
let iam: IAMClient;
/** The server's clock runs this far ahead of the real one (reports expire after four hours). */
let clockOffsetMs = 0;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', now: () => new Date(Date.now() + clockOffsetMs) });
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});
after(async () => {
  iam.destroy();
  await server.close();
});

function parseReport(content: Uint8Array): Map<string, Record<string, string>> {
  const [header, ...lines] = Buffer.from(content).toString('utf8').split('\n');
  const columns = header!.split(',');
  return new Map(lines.map((line) => {
    const values = line.split(',');
    assert.equal(values.length, columns.length, `a row has every column: ${line}`);
    return [values[0]!, Object.fromEntries(columns.map((c, i) => [c, values[i]!]))];
  }));
}

test('credential report: not present, STARTED then COMPLETE, a CSV of root and users, expired after four hours', async () => {
  const missing = await rejection(iam.send(new GetCredentialReportCommand({})));
  assert.equal(missing.name, 'CredentialReportNotPresentException');
  assert.equal(missing.status, 410);
  // AWS sends no message: the CLI prints "Unknown".
  const cli = await run('aws', ['iam', 'get-credential-report', '--endpoint-url', server.url], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' },
  }).then(() => '', (e: { stderr: string }) => e.stderr);
  assert.match(cli, /An error occurred \(ReportNotPresent\) when calling the GetCredentialReport operation: Unknown/);

  await iam.send(new CreateUserCommand({ UserName: 'alice', Path: '/staff/' }));
  await iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Correct-Horse-9' }));
  const first = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  const second = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: second.AccessKeyId, Status: 'Inactive' }));
  const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone' }))).VirtualMFADevice!;
  const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
  await iam.send(new EnableMFADeviceCommand({
    UserName: 'alice', SerialNumber: device.SerialNumber, AuthenticationCode1: totp(seed, Date.now() - 30_000), AuthenticationCode2: totp(seed, Date.now()),
  }));
  await iam.send(new CreateUserCommand({ UserName: 'bob' }));

  const started = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(started.State, 'STARTED');
  assert.equal(started.Description, 'No report exists. Starting a new report generation task');
  assert.equal((await iam.send(new GenerateCredentialReportCommand({}))).State, 'COMPLETE');

  const report = await iam.send(new GetCredentialReportCommand({}));
  assert.equal(report.ReportFormat, 'text/csv');
  assert.ok(report.GeneratedTime instanceof Date && Math.abs(report.GeneratedTime.getTime() - Date.now()) < 60_000);
  const rows = parseReport(report.Content!);
  // Every column the IAM User Guide documents ("Getting credential reports": report format), in its order.
  assert.deepEqual(Buffer.from(report.Content!).toString('utf8').split('\n')[0]!.split(','), [
    'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed', 'password_next_rotation', 'mfa_active',
    'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
    'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
    'cert_1_active', 'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
  ]);
  assert.deepEqual([...rows.keys()], ['<root_account>', 'alice', 'bob']);
  const root = rows.get('<root_account>')!;
  assert.equal(root.arn, `arn:aws:iam::${ACCOUNT}:root`);
  assert.equal(root.password_enabled, 'not_supported');
  assert.equal(root.access_key_1_active, 'true', 'the configured root key');
  const alice = rows.get('alice')!;
  assert.equal(alice.arn, `arn:aws:iam::${ACCOUNT}:user/staff/alice`);
  assert.match(alice.user_creation_time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  assert.equal(alice.password_enabled, 'true');
  assert.equal(alice.password_last_used, 'no_information');
  assert.equal(alice.mfa_active, 'true');
  assert.equal(alice.access_key_1_active, 'true');
  assert.equal(alice.access_key_2_active, 'false');
  assert.equal(alice.access_key_1_last_used_date, 'N/A', 'never used');
  assert.equal(alice.cert_1_active, 'false');
  const bob = rows.get('bob')!;
  assert.equal(bob.password_enabled, 'false');
  assert.equal(bob.password_last_used, 'N/A');
  assert.equal(bob.mfa_active, 'false');
  assert.equal(bob.access_key_1_active, 'false');
  assert.equal(bob.access_key_1_last_rotated, 'N/A');
  void first;

  // A snapshot: users created later wait for the next report, which comes once this one is four hours old.
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  assert.equal(parseReport((await iam.send(new GetCredentialReportCommand({}))).Content!).has('carol'), false);
  clockOffsetMs = 4 * 60 * 60 * 1000 + 1000;
  // The client signs with the same clock, or the server would see a request from four hours ago.
  iam.destroy();
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1, systemClockOffset: clockOffsetMs });
  const expired = await rejection(iam.send(new GetCredentialReportCommand({})));
  assert.equal(expired.name, 'CredentialReportExpiredException');
  assert.equal(expired.status, 410);
  const regenerated = await iam.send(new GenerateCredentialReportCommand({}));
  assert.equal(regenerated.State, 'STARTED');
  assert.equal(regenerated.Description, undefined);
  assert.equal(parseReport((await iam.send(new GetCredentialReportCommand({}))).Content!).has('carol'), true);
  clockOffsetMs = 0;
});
