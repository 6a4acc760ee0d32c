// Runs AWS CLI v1 (`aws`) against a live iamlocal with an isolated HOME, so that no user configuration leaks in.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult { code: number; stdout: string; stderr: string }

export interface CliOptions {
  endpoint: string;
  /** The HOME the CLI runs with; `profile` is read from HOME/config. */
  home: string;
  /** A profile of HOME/config; without one, the root's test/test keys in us-east-1. */
  profile?: string;
  /** Appends `--output json`. */
  json?: boolean;
  cwd?: string;
}

/** One `aws` run: exit code 0 with its output, or 1 with what it printed (the CLI's error text is in stderr). */
export async function runAwsCli(args: string[], o: CliOptions): Promise<CliResult> {
  const credentials = o.profile !== undefined
    ? { AWS_CONFIG_FILE: join(o.home, 'config'), AWS_PROFILE: o.profile }
    : { AWS_CONFIG_FILE: join(o.home, 'none'), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' };
  const env = {
    PATH: process.env.PATH, HOME: o.home, AWS_SHARED_CREDENTIALS_FILE: join(o.home, 'none'), AWS_ENDPOINT_URL: o.endpoint, AWS_MAX_ATTEMPTS: '1', AWS_PAGER: '',
    ...credentials,
  };
  try {
    const { stdout, stderr } = await run('aws', o.json ? [...args, '--output', 'json'] : args, { env, cwd: o.cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { code: 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
