// The local console (/_iamlocal/ui/) in a real browser: Debian's Chromium driven by playwright-core, against a live
// server, with SDK v3 calls made beside it. Skips, saying why, when no Chromium is installed (.ci/run installs it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/src/server.ts';
import { rejection } from '../sdk/support.ts';

const run = promisify(execFile);
const CHROMIUM = process.env.IAMLOCAL_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) to run the console's browser tests`;
/** Screenshots of each view, kept as test artifacts (gitignored). */
const ARTIFACTS = join('client-tests', 'console', 'artifacts');

const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/kjh-s3-encryption-test1-role`;
const SAML_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/PowerUser/kevin.hakanson@example.com`;
const SAML = { accessKeyId: 'ASIAEXAMPLESAMLLOGIN', secretAccessKey: 'saml-login-secret-access-key-example0000', sessionToken: 'saml-login-session-token-example' };
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' };
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/dev`;
const BUCKET = 'console-test';
// dev may list the bucket and write (it never will), not read; Sid NoDeletes denies deletes outright.
const DEV_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` },
    { Sid: 'NoDeletes', Effect: 'Deny', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
    { Sid: 'Writes', Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
  ],
});

interface Creds { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
let server: RunningServer;
let browser: BrowserContext | undefined;
let page: Page;
let profile: string;
let dev: Creds;
const config = (credentials: Creds) => ({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const s3 = (c: Creds) => new S3Client({ ...config(c), forcePathStyle: true });

before(async () => {
  if (skip) return;
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  const iam = new IAMClient(config(ROOT));
  await iam.send(new CreateUserCommand({ UserName: 'dev' }));
  const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: 'dev-s3', PolicyDocument: DEV_POLICY }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'dev', PolicyArn: Policy!.Arn }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'dev' }));
  dev = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  await s3(ROOT).send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3(ROOT).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a.txt', Body: 'hello' }));
  const { chromium } = await import('playwright-core');
  profile = await mkdtemp(join(tmpdir(), 'iamlocal-chromium-'));
  // A fresh profile (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1360, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? await browser.newPage();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The AWS CLI (v1) with the story's SAML session credentials in its environment, against the server. */
async function aws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: profile, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: server.url, AWS_ACCESS_KEY_ID: SAML.accessKeyId, AWS_SECRET_ACCESS_KEY: SAML.secretAccessKey, AWS_SESSION_TOKEN: SAML.sessionToken,
  };
  try {
    const { stdout, stderr } = await run('aws', [...args, '--output', 'json'], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const rowFor = (action: string, decision: string) => page.locator(`#decisions tbody tr.${decision}`, { hasText: action }).first();
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

test('the console in Chromium: live denial, why, trust fix, filters, pause, advice applied, state', { skip, timeout: 60_000 }, async (t) => {
  await page.goto(`${server.url}/_iamlocal/ui/`);
  await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 5000 });

  await t.test('a denied AssumeRole appears in the stream within a second; why names the missing trust statement; applying it lets the call through', async () => {
    // The README's story, with the AWS CLI: the SAML session may not assume the role (its trust policy names EC2 only).
    const assumeArgs = ['sts', 'assume-role', '--role-arn', ROLE_ARN, '--role-session-name', 'console'];
    const refused = await aws(assumeArgs);
    assert.notEqual(refused.code, 0);
    // AWS's AccessDenied text for AssumeRole (STS keeps the short form), as the client got it.
    const denied = { message: `User: ${SAML_ARN} is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}` };
    assert.match(refused.stderr, new RegExp(`An error occurred \\(AccessDenied\\) when calling the AssumeRole operation: ${escape(denied.message)}`));
    // Pushed live (no reload): the row appears within seconds even on a slow machine with a freshly installed Chromium.
    await rowFor('sts:AssumeRole', 'deny').waitFor({ timeout: 5000 });

    await rowFor('sts:AssumeRole', 'deny').click();
    const why = page.locator('#why-body');
    await why.getByText('Missing trust-policy statement').waitFor();
    assert.match(await why.locator('.reason').innerText(), /trust policy/);
    // Deny by absence: the policy types consulted, the trust policy marked as the one that allowed nothing.
    assert.equal(await why.locator('ul.consulted-types li.lacking').innerText(), 'trust (resource-based): role/kjh-s3-encryption-test1-role/trust — allowed nothing');
    assert.match(await why.locator('ul.consulted-types').innerText(), /identity: arn:aws:iam::123456789012:policy\/PowerUserAccess v1/);
    assert.equal(await why.locator('pre.message').innerText(), denied.message);
    assert.match(await why.locator('pre.added').first().innerText(), new RegExp(escape(SAML_ARN)));
    // The trust policy consulted is shown as stored: only EC2 may assume the role.
    assert.match(await why.locator('section.policy[data-policy="role/kjh-s3-encryption-test1-role/trust"]').innerText(), /ec2\.amazonaws\.com/);
    await shot('why-assume-role');

    // Simulate first: the edited trust policy naming the session would allow.
    const trust = why.locator('section.policy[data-policy="role/kjh-s3-encryption-test1-role/trust"]');
    await trust.getByRole('button', { name: 'Edit and simulate' }).click();
    await trust.locator('textarea').fill(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: SAML_ARN }, Action: 'sts:AssumeRole' }] }));
    await trust.getByRole('button', { name: 'Simulate', exact: true }).click();
    await trust.locator('.sim-result', { hasText: 'Simulated: allow' }).waitFor();

    await why.getByRole('button', { name: 'Add it to the trust policy' }).click();
    await why.getByText('Added to the role\'s trust policy').waitFor();
    const allowed = await aws(assumeArgs);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((JSON.parse(allowed.stdout) as { AssumedRoleUser: { Arn: string } }).AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/kjh-s3-encryption-test1-role/console`);
    await rowFor('sts:AssumeRole', 'allow').waitFor({ timeout: 5000 });
  });

  await t.test('why names the explicit Deny statement (policy, version, Sid) and highlights it', async () => {
    const denied = await rejection(s3(dev).send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })));
    assert.equal(denied.name, 'AccessDenied');
    // By keyboard: rows take focus, Enter opens the why view and moves focus to it.
    await rowFor('s3:DeleteObject', 'deny').focus();
    await page.keyboard.press('Enter');
    const why = page.locator('#why-body');
    const ref = why.locator('li.statement-ref').first();
    await ref.waitFor();
    assert.equal(await ref.innerText(), `Deny statement 1 (Sid NoDeletes) of identity policy arn:aws:iam::${ACCOUNT}:policy/dev-s3 version v1`);
    assert.match(await why.locator('li.matched.Deny').innerText(), /"Sid": "NoDeletes"/);
    // S3's AccessDenied text names why (IAM and S3 add the reason; the resource is quoted).
    assert.equal(await why.locator('pre.message').innerText(),
      `User: ${USER_ARN} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::${BUCKET}/a.txt" with an explicit deny in an identity-based policy`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'why');
    await shot('why-explicit-deny');
  });

  await t.test('filters are applied by the server, to the list and to the stream; pause holds new rows', async () => {
    await rejection(s3(dev).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })));
    await page.fill('#filters input[name=service]', 's3');
    await page.selectOption('#filters select[name=decision]', 'deny');
    await page.click('#filters button[type=submit]');
    await page.locator('#decisions tbody tr').first().waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('#decisions tbody tr')].every((tr) => tr.classList.contains('deny') && tr.textContent!.includes('s3:')));
    const actions = await page.locator('#decisions tbody tr td:nth-child(4)').allInnerTexts();
    assert.deepEqual([...new Set(actions)].sort(), ['s3:DeleteObject', 's3:GetObject']);
    await page.fill('#filters input[name=q]', 'a.txt');
    await page.click('#filters button[type=submit]');
    await page.locator('#status', { hasText: 'live' }).waitFor();
    await page.click('#pause');
    // Neither an allowed STS call nor an allowed S3 call passes the filter on the stream; the denied GetObject does.
    await new STSClient(config(SAML)).send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'filtered-out' }));
    await s3(dev).send(new ListObjectsV2Command({ Bucket: BUCKET }));
    await rejection(s3(dev).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' })));
    await page.locator('#pause', { hasText: 'Resume (1 new)' }).waitFor({ timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await page.locator('#pause').innerText(), 'Resume (1 new)');
    assert.equal(await page.locator('#decisions tbody tr').count(), 2);
    await page.click('#pause');
    assert.equal(await page.locator('#decisions tbody tr').count(), 3);
    assert.ok((await page.locator('#decisions tbody tr td:nth-child(4)').allInnerTexts()).every((a) => a.startsWith('s3:')));
    await shot('decisions-filtered');
  });

  await t.test('least privilege: the advice diff applies as a new default version, and the same call then succeeds', async () => {
    const admin = (path: string) => fetch(`${server.url}/_iamlocal${path}`, { method: 'POST' });
    await admin('/enforce?mode=audit');
    await s3(dev).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
    await admin('/enforce?mode=on');
    await page.goto(`${server.url}/_iamlocal/ui/#advice`);
    await page.fill('#advice-principal', USER_ARN);
    await page.getByRole('button', { name: 'Advise' }).click();
    await page.locator('li.added', { hasText: '+ s3:GetObject' }).waitFor();
    await page.locator('li.added', { hasText: '+ s3:ListBucket' }).waitFor();
    // Granted and never used: the Writes statement's s3:PutObject.
    assert.equal(await page.locator('ul.removed-list').innerText(), `- s3:PutObject (arn:aws:iam::${ACCOUNT}:policy/dev-s3 Sid Writes)`);
    await shot('least-privilege');
    await page.getByRole('button', { name: 'Apply as new default version' }).click();
    await page.getByText(`Applied: arn:aws:iam::${ACCOUNT}:policy/dev-s3 v2 (default)`).waitFor();
    const { Body } = await s3(dev).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
    assert.equal(await Body!.transformToString(), 'hello');
  });

  await t.test('state browser: roles with trust policies, policies with versions, buckets with object counts, sessions', async () => {
    await page.goto(`${server.url}/_iamlocal/ui/#state`);
    const state = page.locator('#state-body');
    await state.locator('table.state caption', { hasText: 'Roles' }).waitFor();
    assert.match(await state.locator('table.state', { hasText: 'Managed policies' }).innerText(), /dev-s3[\s\S]*v2 \(default\)/);
    assert.match(await state.locator('table.state', { hasText: 'Buckets' }).innerText(), new RegExp(`${BUCKET}\\s+${ACCOUNT}\\s+1`));
    assert.match(await state.locator('table.state', { hasText: 'Role sessions' }).innerText(), /kjh-s3-encryption-test1-role\/console/);
    await shot('state');
    // A snapshot taken from the page is listed by the admin API.
    await page.fill('#snapshot-name', 'from-console');
    await page.click('#take-snapshot');
    await page.locator('#status', { hasText: 'snapshot from-console taken' }).waitFor();
    const listed = await (await fetch(`${server.url}/_iamlocal/snapshots`)).json() as { snapshots: unknown[] };
    assert.ok(JSON.stringify(listed.snapshots).includes('from-console'));
  });

  await t.test('off loopback the page asks for the admin token (form or URL fragment), keeps it out of the URL and sends it as a header', async () => {
    const guarded = await startServer({ port: 0, db: ':memory:', config: { adminToken: 'console-secret', adminAuthRequired: true } });
    try {
      const other = await browser!.newPage();
      await other.goto(`${guarded.url}/_iamlocal/ui/`);
      await other.locator('#login').waitFor();
      await other.getByLabel('Admin token').fill('console-secret');
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.locator('#status', { hasText: 'live' }).waitFor({ timeout: 5000 });
      await other.close();
      const linked = await browser!.newPage();
      await linked.goto(`${guarded.url}/_iamlocal/ui/#token=console-secret`);
      await linked.locator('#status', { hasText: 'live' }).waitFor({ timeout: 5000 });
      assert.equal(new URL(linked.url()).hash, '');
      assert.ok(await linked.locator('#login').isHidden());
      await linked.close();
    } finally {
      await guarded.close();
    }
  });
});
