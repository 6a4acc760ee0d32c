import { parseArgs } from 'node:util';
import { LOG_LEVELS, type LogLevel } from './http/log.ts';
import { envCommand, LOGIN_USAGE, loginCommand } from './cli/login.ts';
import { bindCommand, credentialProcessCommand, EXEC_USAGE, execCommand } from './cli/exec.ts';
import { FixtureError } from './store/fixtures.ts';
import { DEFAULT_DB_PATH, startServer, StartupError } from './server.ts';

const USAGE = `Usage:
  iamlocal serve [--host H] [--port P] [--db PATH|:memory:] [--fixtures FILE]... [--enforce on|audit|off]
                 [--decision-log-size N]
      Local STS, IAM and S3 that verify SigV4 and enforce IAM policies. The decision log keeps the last N
      decisions (default 100000; 0 keeps none, which also leaves advise, unused and DecodeAuthorizationMessage blind).
  iamlocal advise --principal ARN [--since ISO-TIME] [--granularity exact|prefix|bucket] [--format json|terraform] [--apply] [--endpoint URL]
      The least-privilege policy covering the calls ARN made (a role ARN covers all its sessions); --apply makes it the policy.
  iamlocal unused --principal ARN [--since ISO-TIME] [--endpoint URL]
      Statements and actions of ARN's policies that no recorded call used.
${LOGIN_USAGE}
${EXEC_USAGE}
  Environment: IAMLOCAL_HOST, IAMLOCAL_PORT, IAMLOCAL_DB, IAMLOCAL_FIXTURES, IAMLOCAL_ACCOUNT_ID, IAMLOCAL_REGION,
               IAMLOCAL_ROOT_ACCESS_KEY_ID, IAMLOCAL_ROOT_SECRET_ACCESS_KEY, IAMLOCAL_DECISION_LOG_SIZE`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'advise' || command === 'unused') return adviceCommand(command, rest);
  if (command === 'login') return loginCommand(rest);
  if (command === 'env') return envCommand(rest);
  if (command === 'exec') return execCommand(rest);
  if (command === 'credential-process') return credentialProcessCommand(rest);
  if (command === 'bind') return bindCommand(rest);
  if (command !== 'serve') {
    console.error(`iamlocal: unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      host: { type: 'string' }, port: { type: 'string' }, db: { type: 'string' }, fixtures: { type: 'string', multiple: true },
      enforce: { type: 'string' }, 'admin-token': { type: 'string' }, 'log-level': { type: 'string' }, 'account-id': { type: 'string' }, region: { type: 'string' }, 'root-access-key-id': { type: 'string' }, 'root-secret-access-key': { type: 'string' }, 'decision-log-size': { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  const portText = values.port ?? env.IAMLOCAL_PORT ?? '4577';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    console.error(`iamlocal: invalid port '${portText}'`);
    return 2;
  }
  const fixtures = values.fixtures ?? (env.IAMLOCAL_FIXTURES ? env.IAMLOCAL_FIXTURES.split(',') : []);
  const config = {
    ...(values['account-id'] ?? env.IAMLOCAL_ACCOUNT_ID ? { accountId: values['account-id'] ?? env.IAMLOCAL_ACCOUNT_ID } : {}),
    ...(values.region ?? env.IAMLOCAL_REGION ? { region: values.region ?? env.IAMLOCAL_REGION } : {}),
    ...(values['root-access-key-id'] ?? env.IAMLOCAL_ROOT_ACCESS_KEY_ID ? { rootAccessKeyId: values['root-access-key-id'] ?? env.IAMLOCAL_ROOT_ACCESS_KEY_ID } : {}),
    ...(values['root-secret-access-key'] ?? env.IAMLOCAL_ROOT_SECRET_ACCESS_KEY ? { rootSecretAccessKey: values['root-secret-access-key'] ?? env.IAMLOCAL_ROOT_SECRET_ACCESS_KEY } : {}),
  };
  const enforce = values.enforce ?? env.IAMLOCAL_ENFORCE ?? 'on';
  if (enforce !== 'on' && enforce !== 'audit' && enforce !== 'off') {
    console.error(`iamlocal: --enforce must be on, audit or off, got '${enforce}'`);
    return 2;
  }
  const decisionLogText = values['decision-log-size'] ?? env.IAMLOCAL_DECISION_LOG_SIZE;
  if (decisionLogText !== undefined && !/^\d{1,9}$/.test(decisionLogText)) {
    console.error(`iamlocal: --decision-log-size must be a whole number, got '${decisionLogText}'`);
    return 2;
  }
  const logLevel = values['log-level'] ?? env.IAMLOCAL_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    console.error(`iamlocal: --log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
    return 2;
  }
  if (config.accountId !== undefined && !/^\d{12}$/.test(config.accountId)) {
    console.error(`iamlocal: account id must be 12 digits, got '${config.accountId}'`);
    return 2;
  }
  const server = await startServer({
    host: values.host ?? env.IAMLOCAL_HOST ?? '127.0.0.1', port, db: values.db ?? env.IAMLOCAL_DB ?? DEFAULT_DB_PATH, fixtures, config: { ...config, enforce, ...(decisionLogText !== undefined ? { decisionLogSize: Number(decisionLogText) } : {}), ...(values['admin-token'] ?? env.IAMLOCAL_ADMIN_TOKEN ? { adminToken: values['admin-token'] ?? env.IAMLOCAL_ADMIN_TOKEN } : {}) }, logLevel: logLevel as LogLevel,
  });
  console.log(server.url);
  const c = server.ctx.config;
  // The banner goes to stderr so that stdout's first line stays the URL for scripts.
  console.error([
    `iamlocal ready: STS, IAM and S3 at ${server.url} (account ${c.accountId}, region ${c.region}, enforcement ${c.enforce})`,
    `  root credentials: AWS_ACCESS_KEY_ID=${c.rootAccessKeyId} AWS_SECRET_ACCESS_KEY=${c.rootSecretAccessKey}`,
    `  try: AWS_ACCESS_KEY_ID=${c.rootAccessKeyId} AWS_SECRET_ACCESS_KEY=${c.rootSecretAccessKey} aws --endpoint-url ${server.url} --region ${c.region} sts get-caller-identity`,
    `  (profiles with role_arn ignore --endpoint-url: export AWS_ENDPOINT_URL=${server.url})`,
  ].join('\n'));
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

/** advise/unused ask a running server (its decision log) over the admin API. */
async function adviceCommand(command: 'advise' | 'unused', args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      principal: { type: 'string' }, since: { type: 'string' }, granularity: { type: 'string' }, format: { type: 'string' },
      apply: { type: 'boolean' }, endpoint: { type: 'string' },
    },
    strict: true,
  });
  if (!values.principal) {
    console.error(`iamlocal ${command}: --principal ARN is required`);
    return 2;
  }
  const endpoint = (values.endpoint ?? process.env.IAMLOCAL_ENDPOINT ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4577').replace(/\/$/, '');
  const q = new URLSearchParams({ principal: values.principal });
  if (values.since) q.set('since', values.since);
  if (values.granularity) q.set('granularity', values.granularity);
  if (values.format) q.set('format', values.format);
  const path = command === 'unused' ? '/_iamlocal/unused' : values.apply ? '/_iamlocal/advice/apply' : '/_iamlocal/advice';
  let res: Response;
  try {
    res = await fetch(`${endpoint}${path}?${q}`, { method: values.apply ? 'POST' : 'GET' });
  } catch (error) {
    console.error(`iamlocal ${command}: cannot reach ${endpoint}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    console.error(`iamlocal ${command}: ${res.status} ${text}`);
    return 1;
  }
  process.stdout.write(values.format === 'terraform' && !values.apply ? text : `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof FixtureError || error instanceof StartupError) console.error(`iamlocal: ${error.message}`);
    else console.error(`iamlocal: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
