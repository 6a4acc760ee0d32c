// `iamlocal login` as the story's SAML sign-in: the built-in IdP signs an assertion, STS AssumeRoleWithSAML checks it,
// the profile lands in the credentials file; then the AWS CLI and boto3 use it. `iamlocal env` prints the exports.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../server/src/server.ts';

const run = promisify(execFile);
const SAML_ARN = 'arn:aws:sts::123456789012:assumed-role/PowerUser/kevin.hakanson@example.com';

let server: RunningServer;
let home: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  home = mkdtempSync(join(tmpdir(), 'iamlocal-login-'));
  // An existing profile must survive the login untouched.
  writeFileSync(join(home, 'credentials'), '[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keep-me\n');
  env = {
    PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', IAMLOCAL_ENDPOINT: server.url,
  };
});
after(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

interface Result { code: number; stdout: string; stderr: string }

async function exec(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(file, args, { env: { ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const iamlocal = (args: string[]): Promise<Result> => exec(process.execPath, ['bin/iamlocal.mjs', ...args]);

test('iamlocal login writes a working SAML profile; the story continues with the AWS CLI', async () => {
  const login = await iamlocal(['login', '--role', 'PowerUser', '--session', 'kevin.hakanson@example.com', '--profile', 'saml']);
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout.trim(), SAML_ARN);
  const credentials = readFileSync(join(home, 'credentials'), 'utf8');
  assert.match(credentials, /\[other\]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = keep-me\n/);
  assert.match(credentials, /\[saml\]\naws_access_key_id = ASIA[A-Z0-9]{16}\naws_secret_access_key = \S+\naws_session_token = \S+\n/);
  assert.match(readFileSync(join(home, 'config'), 'utf8'), new RegExp(`\\[profile saml\\]\\nregion = us-east-1\\nendpoint_url = ${server.url}`));

  // No AWS_ENDPOINT_URL: the profile's endpoint_url brings the CLI to iamlocal.
  const who = await exec('aws', ['sts', 'get-caller-identity', '--profile', 'saml', '--output', 'json']);
  assert.equal(who.code, 0, who.stderr);
  assert.equal((JSON.parse(who.stdout) as { Arn: string }).Arn, SAML_ARN);
  const listed = await exec('aws', ['s3api', 'list-objects', '--bucket', 'kjh-encryption-test1', '--prefix', 'cli-s3api-kms/', '--profile', 'saml', '--output', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  const contents = (JSON.parse(listed.stdout) as { Contents: { Key: string; Owner?: { DisplayName: string } }[] }).Contents;
  assert.deepEqual(contents.map((c) => [c.Key, c.Owner?.DisplayName]), [['cli-s3api-kms/QBF.txt.enc', 'redacted']]);

  // The role's trust policy still decides: the story's other role trusts only EC2.
  const refused = await iamlocal(['login', '--role', 'kjh-s3-encryption-test1-role', '--session', 'kevin', '--provider', 'ExampleIdP', '--profile', 'nope']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /An error occurred \(AccessDenied\) when calling the AssumeRoleWithSAML operation: Not authorized to perform sts:AssumeRoleWithSAML/);
  assert.doesNotMatch(readFileSync(join(home, 'credentials'), 'utf8'), /\[nope\]/);
});

test('iamlocal env prints export lines for the profile', async () => {
  const out = await iamlocal(['env', '--profile', 'saml']);
  assert.equal(out.code, 0, out.stderr);
  const vars = Object.fromEntries(out.stdout.trim().split('\n').map((line) => {
    const m = /^export ([A-Z_]+)='(.*)'$/.exec(line);
    assert.ok(m, line);
    return [m[1]!, m[2]!];
  }));
  assert.deepEqual(Object.keys(vars), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_DEFAULT_REGION']);
  assert.equal(vars.AWS_ENDPOINT_URL, server.url);
  const who = await exec('aws', ['sts', 'get-caller-identity', '--output', 'json'], { ...vars, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
  assert.equal(who.code, 0, who.stderr);
  assert.equal((JSON.parse(who.stdout) as { Arn: string }).Arn, SAML_ARN);

  const missing = await iamlocal(['env', '--profile', 'never-logged-in']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no credentials for profile 'never-logged-in'/);
});

test('boto3 calls AssumeRoleWithSAML unsigned with an assertion from the built-in IdP', async () => {
  const res = await fetch(`${server.url}/_iamlocal/saml/assertion`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'PowerUser', session: 'kevin.hakanson@example.com' }),
  });
  const assertion = (await res.json()) as { samlResponse: string; roleArn: string; principalArn: string };
  const script = [
    'import boto3, json, sys',
    'from botocore import UNSIGNED',
    'from botocore.config import Config',
    'a = json.load(sys.stdin)',
    `sts = boto3.client("sts", endpoint_url="${server.url}", region_name="us-east-1", config=Config(signature_version=UNSIGNED))`,
    'out = sts.assume_role_with_saml(RoleArn=a["roleArn"], PrincipalArn=a["principalArn"], SAMLAssertion=a["samlResponse"])',
    'c = out["Credentials"]',
    `me = boto3.client("sts", endpoint_url="${server.url}", region_name="us-east-1", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"]).get_caller_identity()`,
    'print(json.dumps({"arn": me["Arn"], "subject": out["Subject"], "issuer": out["Issuer"], "audience": out["Audience"]}))',
  ].join('\n');
  const child = execFile('python3', ['-c', script], { env: { PATH: process.env.PATH, HOME: home } });
  child.stdin?.end(JSON.stringify(assertion));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), { arn: SAML_ARN, subject: 'kevin.hakanson@example.com', issuer: 'urn:iamlocal:saml:idp', audience: 'https://signin.aws.amazon.com/saml' });
});
