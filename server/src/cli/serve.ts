// `iamlocal serve`: the server in this process. It stops, closing the database cleanly, on SIGINT (Ctrl-C), SIGTERM
// (kill, docker stop) and SIGHUP (its terminal closed); a second signal while it stops ends it at once.
import { readFileSync } from 'node:fs';
import { LOG_LEVELS, type LogLevel } from '../log.ts';
import { DEFAULT_DB_PATH, startServer } from '../server.ts';
import { KEEP_RUNNING, listFlag, stringFlag, UsageError, type CliCommand, type FlagValues } from './command.ts';

/** The address to show for a wildcard listen address: a client connects to loopback, not to 0.0.0.0. */
function reachableUrl(url: string, host: string): string {
  if (host === '0.0.0.0') return url.replace('//0.0.0.0:', '//127.0.0.1:');
  if (host === '::' || host === '[::]') return url.replace('//[::]:', '//[::1]:');
  return url;
}

/** A process's parent, where /proc tells (Linux); the field after the command name in /proc/PID/stat. */
function parentOf(pid: number): number[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? [ppid] : [];
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function serve(values: FlagValues): Promise<number> {
  const env = process.env;
  const flag = (name: string, variable: string): string | undefined => stringFlag(values, name) ?? env[variable];
  const portText = flag('port', 'IAMLOCAL_PORT') ?? '4577';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`invalid port '${portText}'`);
  const fixtures = listFlag(values, 'fixtures') ?? (env.IAMLOCAL_FIXTURES ? env.IAMLOCAL_FIXTURES.split(',') : []);
  const accountId = flag('account-id', 'IAMLOCAL_ACCOUNT_ID');
  const region = flag('region', 'IAMLOCAL_REGION');
  const rootAccessKeyId = flag('root-access-key-id', 'IAMLOCAL_ROOT_ACCESS_KEY_ID');
  const rootSecretAccessKey = flag('root-secret-access-key', 'IAMLOCAL_ROOT_SECRET_ACCESS_KEY');
  const adminToken = flag('admin-token', 'IAMLOCAL_ADMIN_TOKEN');
  const enforce = flag('enforce', 'IAMLOCAL_ENFORCE') ?? 'on';
  if (enforce !== 'on' && enforce !== 'audit' && enforce !== 'off') throw new UsageError(`--enforce must be on, audit or off, got '${enforce}'`);
  const decisionLogText = flag('decision-log-size', 'IAMLOCAL_DECISION_LOG_SIZE');
  if (decisionLogText !== undefined && !/^\d{1,9}$/.test(decisionLogText)) throw new UsageError(`--decision-log-size must be a whole number, got '${decisionLogText}'`);
  const logLevel = flag('log-level', 'IAMLOCAL_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) throw new UsageError(`account id must be 12 digits, got '${accountId}'`);
  const host = flag('host', 'IAMLOCAL_HOST') ?? '127.0.0.1';
  const server = await startServer({
    host, port, db: flag('db', 'IAMLOCAL_DB') ?? DEFAULT_DB_PATH, fixtures, logLevel: logLevel as LogLevel,
    config: {
      enforce,
      ...(accountId !== undefined ? { accountId } : {}), ...(region !== undefined ? { region } : {}),
      ...(rootAccessKeyId !== undefined ? { rootAccessKeyId } : {}), ...(rootSecretAccessKey !== undefined ? { rootSecretAccessKey } : {}),
      ...(decisionLogText !== undefined ? { decisionLogSize: Number(decisionLogText) } : {}), ...(adminToken !== undefined ? { adminToken } : {}),
    },
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1); // a second signal: the user wants it gone now
    stopping = true;
    void server.close().then(() => process.exit(0), () => process.exit(1));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  // Started by npm (npx iamlocal, npm start), this process is npm's grandchild through `sh -c`, and `kill <npm's pid>`
  // does not reach it: once npm is gone, this process is re-parented. Stop then, rather than hold the port as an orphan.
  // npm killed with SIGKILL leaves `sh` waiting for us: watch npm itself (the grandparent) as well.
  if (env.npm_command !== undefined || env.npm_lifecycle_event !== undefined) {
    const parent = process.ppid;
    const launchers = [parent, ...parentOf(parent)];
    setInterval(() => {
      if (process.ppid !== parent || !launchers.every(alive)) stop();
    }, 250).unref();
  }

  const url = reachableUrl(server.url, host);
  console.log(url);
  const c = server.ctx.config;
  // The banner goes to stderr so that stdout's first line stays the URL for scripts.
  console.error([
    `iamlocal ready: STS, IAM and S3 at ${url}${url === server.url ? '' : ` (listening on ${server.url.replace('http://', '')})`} (account ${c.accountId}, region ${c.region}, enforcement ${c.enforce})`,
    `  root credentials: AWS_ACCESS_KEY_ID=${c.rootAccessKeyId} AWS_SECRET_ACCESS_KEY=${c.rootSecretAccessKey}`,
    `  try: AWS_ACCESS_KEY_ID=${c.rootAccessKeyId} AWS_SECRET_ACCESS_KEY=${c.rootSecretAccessKey} aws --endpoint-url ${url} --region ${c.region} sts get-caller-identity`,
    `  (profiles with role_arn ignore --endpoint-url: export AWS_ENDPOINT_URL=${url})`,
  ].join('\n'));
  return KEEP_RUNNING;
}

export const serveCommand: CliCommand = {
  summary: 'Run STS, IAM and S3 that verify SigV4 signatures and enforce IAM policies.',
  synopsis: '[--host H] [--port P] [--db PATH|:memory:] [--fixtures FILE]... [--enforce on|audit|off] [other options]',
  description: [
    'Serves STS, IAM and S3 on one port until stopped (Ctrl-C, SIGTERM, SIGHUP). Once ready it prints the URL',
    '(http://HOST:PORT, an address to connect to) alone on the first line of stdout, and a banner on stderr; with',
    '--log-level info and above, one line per request follows on stdout.',
  ].join('\n'),
  flags: {
    host: { arg: 'H', env: 'IAMLOCAL_HOST', text: 'Address to listen on (default 127.0.0.1; 0.0.0.0 for all, which requires admin credentials).' },
    port: { arg: 'P', env: 'IAMLOCAL_PORT', text: 'Port (default 4577; 0 picks a free one).' },
    db: { arg: 'PATH|:memory:', env: 'IAMLOCAL_DB', text: `SQLite state file, kept across restarts (default ${DEFAULT_DB_PATH}), or :memory:.` },
    fixtures: { arg: 'FILE', multiple: true, env: 'IAMLOCAL_FIXTURES', text: 'YAML or JSON fixture file loaded at start and by resets (the variable: comma-separated).' },
    enforce: { arg: 'on|audit|off', env: 'IAMLOCAL_ENFORCE', text: 'Deny as AWS does (on, the default), only record denials (audit), or allow all (off).' },
    'admin-token': { arg: 'TOKEN', env: 'IAMLOCAL_ADMIN_TOKEN', text: 'Bearer token for the admin API (/_iamlocal/).' },
    'log-level': { arg: 'LEVEL', env: 'IAMLOCAL_LOG_LEVEL', text: `Request log on stdout: ${LOG_LEVELS.join(', ')} (default info).` },
    'account-id': { arg: 'ID', env: 'IAMLOCAL_ACCOUNT_ID', text: 'The 12-digit account of the root credentials (default 123456789012).' },
    region: { arg: 'REGION', env: 'IAMLOCAL_REGION', text: 'Region (default us-east-1).' },
    'root-access-key-id': { arg: 'KEY', env: 'IAMLOCAL_ROOT_ACCESS_KEY_ID', text: 'Root access key id (default test).' },
    'root-secret-access-key': { arg: 'SECRET', env: 'IAMLOCAL_ROOT_SECRET_ACCESS_KEY', text: 'Root secret access key (default test).' },
    'decision-log-size': { arg: 'N', env: 'IAMLOCAL_DECISION_LOG_SIZE', text: 'Decisions kept for advise/unused (default 100000; 0 keeps none).' },
  },
  env: { IAMLOCAL_ROOT: 'Directory holding db/ (migrations, AWS managed policies); default: the package\'s own.' },
  exit: '0 also when stopped by a signal; 1 also when it cannot start (port in use, database, fixtures)',
  run: serve,
};
