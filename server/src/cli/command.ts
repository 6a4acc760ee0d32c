// The shape of an iamlocal subcommand, and what every one gets from it: flag parsing, `--help` listing each flag with
// its environment variable, and the exit-code rule (0 done, 1 runtime failure, 2 usage error).
import { parseArgs } from 'node:util';

/** One flag of a subcommand. */
export interface Flag {
  /** Placeholder for the value (`--port P`); absent for a boolean flag. */
  arg?: string;
  /** May be given more than once. */
  multiple?: boolean;
  /** The environment variable read when the flag is absent. */
  env?: string;
  text: string;
}

/** One subcommand. Adding a subcommand is one entry in the CLI's table (server/src/cli.ts). */
export interface CliCommand {
  /** One line for `iamlocal --help`. */
  summary: string;
  /** The synopsis after `iamlocal NAME`, e.g. `--principal ARN [--since ISO-TIME]`. */
  synopsis: string;
  /** What the command does, for its --help. */
  description: string;
  flags: Record<string, Flag>;
  /** Environment variables read that no flag stands for. */
  env?: Record<string, string>;
  /** Exit statuses beyond the rule (0 done, 1 runtime failure, 2 usage error), for its --help. */
  exit?: string;
  /** Set when the command takes arguments besides flags (e.g. a command line after `--`); without it, any is an error. */
  positionals?: boolean;
  /** Runs the command; resolves to the exit status, or to KEEP_RUNNING for a server that exits on a signal. */
  run(values: FlagValues, positionals: string[]): Promise<number> | number;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** run()'s answer for a command that keeps the process alive (serve). */
export const KEEP_RUNNING = -1;

/** A usage error: bad or missing flags or values. The CLI prints it with a pointer to --help and exits 2. */
export class UsageError extends Error {}

/** A failure at run time that the user can act on (cannot reach the server, port in use): printed alone, exit 1. */
export class CliFailure extends Error {}

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listFlag(values: FlagValues, name: string): string[] | undefined {
  const value = values[name];
  return Array.isArray(value) ? value : undefined;
}

/** `--help` or `-h` among the flags (not among the arguments after `--`, which belong to another program). */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  const flags = end < 0 ? args : args.slice(0, end);
  return flags.includes('--help') || flags.includes('-h');
}

/** Parses a subcommand's arguments strictly: an unknown flag, a missing value or a stray argument is a UsageError. */
export function parseFlags(command: CliCommand, args: string[]): { values: FlagValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries(command.flags)) options[name] = { type: flag.arg ? 'string' : 'boolean', ...(flag.multiple ? { multiple: true } : {}) };
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: command.positionals === true });
    return { values: parsed.values as FlagValues, positionals: parsed.positionals };
  } catch (error) {
    // node:util's parseArgs reports bad arguments as TypeErrors with an ERR_PARSE_ARGS_* code.
    if (error instanceof TypeError && String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw new UsageError(error.message);
    throw error;
  }
}

/** `iamlocal NAME --help`. */
export function commandHelp(name: string, command: CliCommand): string {
  const rows = Object.entries(command.flags).map(([flag, spec]) => [`--${flag}${spec.arg ? ` ${spec.arg}` : ''}`, `${spec.text}${spec.multiple ? ' Repeatable.' : ''}${spec.env ? ` [env ${spec.env}]` : ''}`]);
  rows.push(['-h, --help', 'Show this help.']);
  const width = Math.max(...rows.map(([left]) => left!.length)) + 2;
  const lines = [`Usage: iamlocal ${name} ${command.synopsis}`.trimEnd(), '', command.description, '', 'Options:', ...rows.map(([left, right]) => `  ${left!.padEnd(width)}${right}`)];
  const env = Object.entries(command.env ?? {});
  if (env.length) {
    const envWidth = Math.max(...env.map(([k]) => k.length)) + 2;
    lines.push('', 'Environment (besides the variables named above; a flag wins over its variable):', ...env.map(([k, v]) => `  ${k.padEnd(envWidth)}${v}`));
  } else if (rows.some(([, right]) => right!.includes('[env '))) {
    lines.push('', 'A flag wins over its environment variable.');
  }
  lines.push('', `Exit status: 0 done${command.exit ? `; ${command.exit}` : ''}; 1 runtime failure; 2 usage error (bad flags or values).`);
  return lines.join('\n');
}
