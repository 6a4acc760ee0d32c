// `iamlocal exec`: the story's unchanged code (SDK v3, boto3, AWS CLI) runs as the story's role through the container
// credentials endpoint (ECS task role) and through instance metadata (EC2 instance profile), with the role's policy
// enforced; the role must trust the service that would assume it on AWS.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { startServer, type RunningServer } from '../../server/src/server.ts';

const ACCOUNT = '123456789012';
const ROLE = 'kjh-s3-encryption-test1-role';
const DIR = 'client-tests/exec';

let server: RunningServer;
let iam: IAMClient;

before(async () => {
  server = await startServer({ port: 0, db: ':memory:', fixtures: ['db/fixtures/seed-story.yaml'] });
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
after(async () => {
  iam.destroy();
  await server.close();
});

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * `iamlocal exec … -- CMD` with an environment that would win on its own (root's keys, a profile): exec must clear
 * it. No region or endpoint either: exec provides them.
 */
function iamlocalExec(args: string[], command: string[], onStart?: (pid: number) => void, onStdout?: (text: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/iamlocal.mjs', 'exec', '--endpoint', server.url, ...args, '--', ...command], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PROFILE: 'no-such-profile', AWS_PAGER: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); onStdout?.(stdout); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('spawn', () => onStart?.(child.pid!));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

interface StoryResult { arn: string; keys: string[]; owner: unknown; denied: { code: string; message: string } | null }

const SESSION_ARN = (session: string): string => `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/${session}`;
// AWS's text for an implicit deny (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
const DENIED = (session: string): string =>
  `User: ${SESSION_ARN(session)} is not authorized to perform: s3:ListAllMyBuckets on resource: "arn:aws:s3:::*" because no identity-based policy allows the s3:ListAllMyBuckets action`;

/** The story's script with each client, as the role; checks what each saw. */
async function storyWithEveryClient(args: string[], sessionPattern: RegExp): Promise<void> {
  const [sdk, boto3, cli] = await Promise.all([
    iamlocalExec(args, [process.execPath, `${DIR}/story-sdk.mjs`]),
    iamlocalExec(args, ['python3', `${DIR}/story_boto3.py`]),
    iamlocalExec(args, ['sh', `${DIR}/story-cli.sh`]),
  ]);
  for (const [name, run] of [['SDK v3', sdk], ['boto3', boto3]] as const) {
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as StoryResult;
    const session = result.arn.split('/').at(-1)!;
    assert.match(session, sessionPattern, name);
    assert.equal(result.arn, SESSION_ARN(session), name);
    assert.deepEqual(result.keys, ['cli-s3api-kms/QBF.txt.enc'], name);
    // The role lacks s3:GetObjectAcl: ListObjects leaves Owner out, as in the story.
    assert.equal(result.owner ?? null, null, name);
    assert.deepEqual(result.denied, { code: 'AccessDenied', message: DENIED(session) }, name);
  }
  assert.equal(cli.code, 0, cli.stderr);
  const [, listPart, deniedPart] = cli.stdout.split(/^--- .*$/m);
  const listed = JSON.parse(listPart!) as { Contents: { Key: string; Owner?: unknown }[] };
  assert.deepEqual(listed.Contents.map((o) => [o.Key, o.Owner]), [['cli-s3api-kms/QBF.txt.enc', undefined]]);
  // The denial names the session, so it also shows whom the CLI ran as.
  const session = /assumed-role\/kjh-s3-encryption-test1-role\/([\w+=,.@-]+) is not/.exec(deniedPart!)?.[1] ?? '';
  assert.match(session, sessionPattern, deniedPart);
  assert.ok(deniedPart!.includes(`An error occurred (AccessDenied) when calling the ListBuckets operation: ${DENIED(session)}`), deniedPart);
  assert.match(cli.stdout, /--- exit 255/);
}

test('a role that does not trust the service cannot be used, with a message naming the missing trust', async () => {
  const [ecs, imds] = await Promise.all([iamlocalExec(['--role', ROLE, '--as', 'ecs'], ['true']), iamlocalExec(['--role', 'PowerUser', '--as', 'imds'], ['true'])]);
  assert.equal(ecs.code, 125);
  assert.ok(ecs.stderr.includes(`iamlocal exec: Role ${ROLE} cannot be used as an ECS task role: its trust policy does not allow the service principal ecs-tasks.amazonaws.com to perform sts:AssumeRole.`), ecs.stderr);
  assert.ok(ecs.stderr.includes('{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}'), ecs.stderr);
  // PowerUser trusts only the SAML provider.
  assert.equal(imds.code, 125);
  assert.match(imds.stderr, /Role PowerUser cannot be used as an EC2 instance profile role: its trust policy does not allow the service principal ec2\.amazonaws\.com to perform sts:AssumeRole\./);
});

test('as an EC2 instance profile (IMDS): SDK v3, boto3 and the AWS CLI run as the role', async () => {
  // Without --as: the story's role trusts EC2, so it runs through instance metadata (its instance profile is in the
  // seed). The session is named after the instance, as on EC2.
  await storyWithEveryClient(['--role', ROLE], /^i-[0-9a-f]{17}$/);
});

test('as an ECS task role (container endpoint), once the role trusts ecs-tasks.amazonaws.com', async () => {
  await iam.send(new UpdateAssumeRolePolicyCommand({
    RoleName: ROLE,
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { Service: ['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com'] }, Action: 'sts:AssumeRole' },
      // EKS Pod Identity, for the refresh test below: it tags sessions, so it also needs sts:TagSession.
      { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    ] }),
  }));
  await storyWithEveryClient(['--role', ROLE, '--as', 'ecs', '--session', 'story-task'], /^story-task$/);
  // Each session was vended by the service principal, and the decision log says how.
  const res = await fetch(`${server.url}/_iamlocal/decisions?principal=ecs-tasks.amazonaws.com&action=sts:AssumeRole`);
  const { decisions } = (await res.json()) as { decisions: { decision: string; resource: string; context: Record<string, string[]> }[] };
  assert.ok(decisions.length >= 1);
  for (const d of decisions) {
    assert.equal(d.decision, 'allow');
    assert.equal(d.resource, `arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
    assert.deepEqual(d.context['iamlocal:credentialsource'], ['ecs']);
    assert.deepEqual(d.context['iamlocal:launchedby'], ['exec']);
  }
});

test('long-running SDK v3 and boto3 clients keep working across credential expiry', async () => {
  // 4-second sessions (a test-only option: AWS's minimum is 15 minutes), renewed with two seconds to go; each client runs
  // for 5 seconds, past the first session's expiry. SDK v3 through the container endpoint and through instance
  // metadata; boto3 as EKS Pod Identity, whose token comes in a file (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE).
  const args = (kind: string): string[] => ['--role', ROLE, '--as', kind, '--test-only-duration', '4'];
  const runs = await Promise.all([
    iamlocalExec(args('ecs'), [process.execPath, `${DIR}/refresh-sdk.mjs`, '5']),
    iamlocalExec(args('imds'), [process.execPath, `${DIR}/refresh-sdk.mjs`, '5']),
    iamlocalExec(args('eks'), ['python3', `${DIR}/refresh_boto3.py`, '5']),
  ]);
  for (const [name, run] of [['SDK v3 (ecs)', runs[0]], ['SDK v3 (imds)', runs[1]], ['boto3 (eks)', runs[2]]] as const) {
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { calls: number; errors: string[]; keys: string[] };
    assert.deepEqual(result.errors, [], name);
    assert.ok(result.calls >= 8, `${name}: ${run.stdout}`);
    // Sessions expired under the client, which moved to new ones without a failed call.
    assert.ok(result.keys.length >= 2, `${name}: ${run.stdout}`);
  }
});

test('--duration below 15 minutes is refused; the test-only option says what it is', async () => {
  const run = await iamlocalExec(['--role', ROLE, '--duration', '60'], ['true']);
  assert.equal(run.code, 125);
  assert.match(run.stderr, /durationSeconds must be from 900 \(15 minutes, as on AWS\) to 43200; shorter sessions are a test-only option/);
});

test('exit status and signals pass through', async () => {
  const [exited, killed] = await Promise.all([
    iamlocalExec(['--role', ROLE], ['sh', '-c', 'exit 7']),
    iamlocalExec(['--role', ROLE], ['sh', '-c', 'kill -TERM $$']),
  ]);
  assert.equal(exited.code, 7);
  assert.deepEqual([killed.code, killed.signal], [null, 'SIGTERM']);
  // A signal sent to exec reaches the command, whose own exit status then comes back.
  let execPid = 0;
  let ready = (): void => undefined;
  const trapInstalled = new Promise<void>((resolve) => { ready = resolve; });
  const trapped = iamlocalExec(['--role', ROLE], ['sh', '-c', 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done'], (pid) => { execPid = pid; },
    (text) => { if (text.includes('ready')) ready(); });
  await waitFor(async () => (await fetch(`${server.url}/_iamlocal/credential-bindings`).then((r) => r.json()) as { bindings: unknown[] }).bindings.length > 0);
  // The command has installed its trap once it printed "ready" (a fixed sleep would race on a busy machine).
  await trapInstalled;
  process.kill(execPid, 'SIGTERM');
  assert.equal((await trapped).code, 42);
  // exec removed its binding on the way out.
  assert.deepEqual((await fetch(`${server.url}/_iamlocal/credential-bindings`).then((r) => r.json()) as { bindings: unknown[] }).bindings, []);
});

test('credential-process prints a session of the role for credential_process =', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['bin/iamlocal.mjs', 'credential-process', '--role', ROLE, '--endpoint', server.url], (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)));
  });
  const creds = JSON.parse(out) as Record<string, unknown>;
  assert.equal(creds.Version, 1);
  assert.match(String(creds.AccessKeyId), /^ASIA/);
  assert.equal(typeof creds.SecretAccessKey, 'string');
  assert.equal(typeof creds.SessionToken, 'string');
  assert.match(String(creds.Expiration), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('bind makes a binding that stays, with a token chosen in advance (docker compose)', async () => {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['bin/iamlocal.mjs', 'bind', '--role', ROLE, '--as', 'ecs', '--token', 'compose-app-token-0001', '--endpoint', server.url],
      (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)));
  });
  const binding = JSON.parse(out) as { id: string; token: string; credentialsUri: string };
  assert.equal(binding.token, 'compose-app-token-0001');
  const res = await fetch(binding.credentialsUri, { headers: { authorization: 'compose-app-token-0001' } });
  assert.equal(res.status, 200);
  assert.match(((await res.json()) as { AccessKeyId: string }).AccessKeyId, /^ASIA/);
  assert.equal((await fetch(`${server.url}/_iamlocal/credential-bindings/${binding.id}`, { method: 'DELETE' })).status, 204);
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('timed out');
}
