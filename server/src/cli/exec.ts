// `iamlocal exec` and `iamlocal credential-process`: run unchanged code as a role. exec asks a running iamlocal for a
// credential binding and starts the command with an environment in which every SDK's and the AWS CLI's default
// credential chain reaches the role through the container endpoint or an instance metadata listener; nothing else
// (keys in the environment, profiles) can take precedence.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { devNull, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, type CliCommand, type Flag, type FlagValues } from './command.ts';

/** Variables that would win over the container or instance-metadata providers, or point them elsewhere. */
const CLEARED = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'AWS_ACCOUNT_ID',
  'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE', 'AWS_EC2_METADATA_DISABLED', 'AWS_EC2_METADATA_V1_DISABLED',
];

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

class ExecError extends Error {}

interface BindingView {
  id: string; token: string; kind: string; roleArn: string; region: string; sessionName: string; credentialsUri?: string; imdsEndpoint?: string | null;
}

const BINDING_FLAGS = {
  role: { arg: 'NAME|ARN', text: 'The role to run as. Required.' },
  session: { arg: 'S', text: 'The role session name (default: one made up per binding).' },
  duration: { arg: 'SECONDS', text: 'Session duration: 900 (15 minutes, as on AWS) to 43200; default 3600.' },
  'test-only-duration': { arg: 'SECONDS', text: 'A shorter session, for tests of credential refresh only.' },
  policy: { arg: 'FILE', text: 'A session policy (JSON) that caps the role\'s permissions.' },
  endpoint: { arg: 'URL', env: 'IAMLOCAL_ENDPOINT', text: 'The running iamlocal (else AWS_ENDPOINT_URL, else http://127.0.0.1:4577).' },
  'admin-token': { arg: 'TOKEN', env: 'IAMLOCAL_ADMIN_TOKEN', text: 'Bearer token for a server whose admin API needs one.' },
} satisfies Record<string, Flag>;

const WORKLOAD_FLAGS = {
  as: { arg: 'ecs|eks|imds', text: 'How the credentials are reached: ECS container endpoint, EKS Pod Identity, or EC2 instance metadata (default: the first the role trusts).' },
  'instance-profile': { arg: 'NAME', text: 'imds: the instance profile to serve (default: one holding the role).' },
  'http-tokens': { arg: 'optional|required', text: 'imds: whether IMDSv1 requests without a token are refused (required).' },
} satisfies Record<string, Flag>;

const ENDPOINT_ENV = { AWS_ENDPOINT_URL: 'Used when neither --endpoint nor IAMLOCAL_ENDPOINT is set.' };

function endpointOf(given: string | undefined): string {
  return (given ?? process.env.IAMLOCAL_ENDPOINT ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4577').replace(/\/$/, '');
}

type Values = Partial<Record<keyof typeof BINDING_FLAGS | keyof typeof WORKLOAD_FLAGS | 'token', string>>;

/** The string flags of a parsed command line (every flag of these commands takes a value). */
function valuesOf(flags: FlagValues): Values {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(flags)) if (typeof value === 'string') values[name] = value;
  return values;
}

async function request(endpoint: string, path: string, init: RequestInit, adminToken: string | undefined): Promise<{ status: number; text: string }> {
  try {
    const headers = { 'content-type': 'application/json', ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}), ...(init.headers as Record<string, string> | undefined) };
    const res = await fetch(`${endpoint}${path}`, { ...init, headers });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    throw new ExecError(`cannot reach iamlocal at ${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new ExecError(`--${name} must be a whole number of seconds, got '${text}'`);
  return Number(text);
}

async function createBinding(values: Values, extra: Record<string, unknown>): Promise<{ endpoint: string; adminToken: string | undefined; binding: BindingView }> {
  if (!values.role) throw new ExecError('--role NAME is required');
  const endpoint = endpointOf(values.endpoint);
  const adminToken = values['admin-token'] ?? process.env.IAMLOCAL_ADMIN_TOKEN;
  let policy: string | undefined;
  if (values.policy !== undefined) {
    try {
      policy = readFileSync(values.policy, 'utf8');
    } catch (error) {
      throw new ExecError(`cannot read --policy ${values.policy}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const body = {
    role: values.role, kind: values.as ?? 'auto', sessionName: values.session, durationSeconds: seconds('duration', values.duration),
    testOnlyDurationSeconds: seconds('test-only-duration', values['test-only-duration']), policy, instanceProfile: values['instance-profile'],
    httpTokens: values['http-tokens'], token: values.token, ...extra,
  };
  const res = await request(endpoint, '/_iamlocal/credential-bindings', { method: 'POST', body: JSON.stringify(body) }, adminToken);
  if (res.status !== 201) {
    let message = res.text;
    try {
      message = (JSON.parse(res.text) as { error?: string }).error ?? res.text;
    } catch {
      // Not JSON: show it as it came.
    }
    throw new ExecError(message);
  }
  return { endpoint, adminToken, binding: JSON.parse(res.text) as BindingView };
}

/**
 * The child's environment: the binding's endpoint for credentials, iamlocal for every service, and nothing that
 * outranks them. `tokenFile`: where the token was written for eks (Pod Identity hands pods a token file).
 */
export function execEnvironment(base: NodeJS.ProcessEnv, endpoint: string, binding: BindingView, tokenFile?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of CLEARED) delete env[name];
  // Profiles in ~/.aws (a [default] with keys, credential_process, sso) come before container and instance credentials
  // in every SDK's chain: the command sees empty shared files instead.
  env.AWS_SHARED_CREDENTIALS_FILE = devNull;
  env.AWS_CONFIG_FILE = devNull;
  env.AWS_ENDPOINT_URL = endpoint;
  env.AWS_REGION ??= binding.region;
  env.AWS_DEFAULT_REGION ??= env.AWS_REGION;
  env.IAMLOCAL_CREDENTIAL_BINDING = binding.id;
  if (binding.kind === 'imds') {
    env.AWS_EC2_METADATA_SERVICE_ENDPOINT = binding.imdsEndpoint ?? '';
  } else {
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI = binding.credentialsUri ?? `${endpoint}/_iamlocal/credentials`;
    if (tokenFile !== undefined) env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE = tokenFile;
    else env.AWS_CONTAINER_AUTHORIZATION_TOKEN = binding.token;
    // Nothing to find there: spare the SDKs a timeout on 169.254.169.254 should the container endpoint fail.
    env.AWS_EC2_METADATA_DISABLED = 'true';
  }
  return env;
}

function fail(command: string, error: unknown): number {
  if (error instanceof ExecError) {
    console.error(`iamlocal ${command}: ${error.message}`);
    return command === 'exec' ? 125 : 1;
  }
  throw error;
}

/** `iamlocal exec … -- CMD ARGS…`; resolves to CMD's exit status (or re-raises the signal that ended it). */
async function exec(flags: FlagValues, command: string[]): Promise<number> {
  const values = valuesOf(flags);
  if (!values.role || command.length === 0) throw new UsageError('--role NAME and a command after -- are required');
  let created: Awaited<ReturnType<typeof createBinding>>;
  try {
    created = await createBinding(values, { launchedBy: 'exec' });
  } catch (error) {
    return fail('exec', error);
  }
  const { endpoint, adminToken, binding } = created;
  let tokenDir: string | undefined;
  if (binding.kind === 'eks') {
    tokenDir = mkdtempSync(join(tmpdir(), 'iamlocal-exec-'));
    writeFileSync(join(tokenDir, 'token'), binding.token, { mode: 0o600 });
  }
  const release = async (): Promise<void> => {
    if (tokenDir) rmSync(tokenDir, { recursive: true, force: true });
    await request(endpoint, `/_iamlocal/credential-bindings/${binding.id}`, { method: 'DELETE' }, adminToken).catch(() => undefined);
  };
  const env = execEnvironment(process.env, endpoint, binding, tokenDir === undefined ? undefined : join(tokenDir, 'token'));
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, forward);
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await release();
  for (const signal of SIGNALS) process.off(signal, forward);
  if (outcome.error) {
    console.error(`iamlocal exec: ${command[0]}: ${outcome.error.code === 'ENOENT' ? 'command not found' : outcome.error.message}`);
    return outcome.error.code === 'ENOENT' ? 127 : 126;
  }
  if (outcome.signal) {
    // Die of the same signal, so whoever started exec sees what happened to the command.
    process.kill(process.pid, outcome.signal);
    return -1;
  }
  return outcome.code ?? 1;
}

/** `iamlocal credential-process`: one session of the role, as credential_process output (Version 1). */
async function credentialProcess(flags: FlagValues): Promise<number> {
  const values = valuesOf(flags);
  try {
    const { endpoint, adminToken, binding } = await createBinding(values, { launchedBy: 'credential-process', imdsListener: false });
    try {
      const res = await request(endpoint, '/_iamlocal/credentials', { method: 'GET', headers: { authorization: binding.token } }, undefined);
      const body = JSON.parse(res.text) as Record<string, string>;
      if (res.status !== 200) throw new ExecError(body.Message ?? res.text);
      process.stdout.write(`${JSON.stringify({ Version: 1, AccessKeyId: body.AccessKeyId, SecretAccessKey: body.SecretAccessKey, SessionToken: body.Token, Expiration: body.Expiration })}\n`);
      return 0;
    } finally {
      await request(endpoint, `/_iamlocal/credential-bindings/${binding.id}`, { method: 'DELETE' }, adminToken).catch(() => undefined);
    }
  } catch (error) {
    return fail('credential-process', error);
  }
}

/** `iamlocal bind`: a binding that stays until deleted (DELETE /_iamlocal/credential-bindings/ID) or the server stops. */
async function bind(flags: FlagValues): Promise<number> {
  const values = valuesOf(flags);
  try {
    const { binding } = await createBinding(values, { launchedBy: 'bind' });
    process.stdout.write(`${JSON.stringify(binding, null, 2)}\n`);
    return 0;
  } catch (error) {
    return fail('bind', error);
  }
}

export const execCommand: CliCommand = {
  summary: 'Run a command as a session of a role, through the container endpoint or instance metadata.',
  synopsis: '--role NAME|ARN [--as ecs|eks|imds] [--session S] [--duration SECONDS] [--policy FILE] [other options] -- CMD ARGS...',
  description: [
    'Runs CMD as a session of the role, the way ECS (task role), EKS Pod Identity or EC2 (instance profile) would: its',
    'SDKs and the AWS CLI get the role\'s credentials from iamlocal\'s container endpoint (ecs, eks) or an instance metadata',
    'service (imds), and refresh them before they expire. The role must trust ecs-tasks.amazonaws.com, pods.eks.amazonaws.com',
    'or ec2.amazonaws.com (imds also needs an instance profile). Variables and profiles that would take precedence',
    '(AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws files, …) are cleared for CMD. Needs a running iamlocal.',
  ].join('\n'),
  flags: { ...BINDING_FLAGS, ...WORKLOAD_FLAGS },
  env: {
    ...ENDPOINT_ENV,
    AWS_REGION: 'Passed to CMD; set to the server\'s region when absent.',
    AWS_DEFAULT_REGION: 'Passed to CMD; set to AWS_REGION when absent (the AWS CLI v1 reads this one).',
    IAMLOCAL_CREDENTIAL_BINDING: 'Set for CMD: the id of its credential binding (GET /_iamlocal/credential-bindings/ID).',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'Set for CMD (ecs, eks): the container credentials endpoint; with AWS_CONTAINER_AUTHORIZATION_TOKEN (ecs) or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (eks).',
    AWS_EC2_METADATA_SERVICE_ENDPOINT: 'Set for CMD (imds): the instance metadata listener; for ecs and eks AWS_EC2_METADATA_DISABLED=true instead.',
    AWS_CONFIG_FILE: 'Set to /dev/null for CMD, with AWS_SHARED_CREDENTIALS_FILE: profiles would outrank the role.',
  },
  exit: "CMD's own status, or its signal, once it ran; 125 when exec itself fails (the role cannot be bound), 126/127 when CMD cannot run",
  positionals: true,
  run: exec,
};

export const credentialProcessCommand: CliCommand = {
  summary: 'Print a session of a role as credential_process output (for credential_process = in an AWS profile).',
  synopsis: '--role NAME|ARN [--session S] [--duration SECONDS] [--policy FILE] [other options]',
  description: 'Prints one session of the role as credential_process JSON (Version 1). The role must trust a workload service, as for exec.',
  flags: BINDING_FLAGS,
  env: ENDPOINT_ENV,
  run: credentialProcess,
};

export const bindCommand: CliCommand = {
  summary: 'Make a credential binding that outlives the command (for containers) and print it as JSON.',
  synopsis: '--role NAME|ARN [--as ecs|eks|imds] [--token TOKEN] [other options]',
  description: [
    'Makes a credential binding that stays until deleted or the server stops (for containers: docker compose), and prints',
    'it as JSON: its token for AWS_CONTAINER_AUTHORIZATION_TOKEN, or its instance metadata URL.',
  ].join('\n'),
  flags: { ...BINDING_FLAGS, ...WORKLOAD_FLAGS, token: { arg: 'TOKEN', text: 'A token chosen in advance (e.g. written into a compose file).' } },
  env: ENDPOINT_ENV,
  run: bind,
};
