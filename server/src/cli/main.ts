// The iamlocal command line. Each subcommand is one entry of COMMANDS (its flags, help and run function); this file
// only dispatches, prints help and turns failures into the exit-code rule: 0 done, 1 runtime failure, 2 usage error.
// Run by server/src/cli.ts (the sources) and by dist/cli.mjs (the built bundle, through runCli).
import { adviseCommand, unusedCommand } from './advice.ts';
import { CliFailure, commandHelp, KEEP_RUNNING, parseFlags, UsageError, wantsHelp, type CliCommand } from './command.ts';
import { bindCommand, credentialProcessCommand, execCommand } from './exec.ts';
import { envCommand, loginCommand } from './login.ts';
import { serveCommand } from './serve.ts';
import { FixtureError } from '../store/fixtures.ts';
import { StartupError } from '../server.ts';

export const COMMANDS: Record<string, CliCommand> = {
  serve: serveCommand,
  advise: adviseCommand,
  unused: unusedCommand,
  login: loginCommand,
  env: envCommand,
  exec: execCommand,
  'credential-process': credentialProcessCommand,
  bind: bindCommand,
};

export function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    'Usage: iamlocal COMMAND [options]        (iamlocal COMMAND --help for its options and environment variables)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    'Exit status: 0 done; 1 runtime failure (cannot start or reach the server, the server refused); 2 usage error.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(overview());
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = args[0] !== undefined ? COMMANDS[args[0]] : undefined;
    console.log(topic ? commandHelp(args[0]!, topic) : overview());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`iamlocal: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  if (wantsHelp(args)) {
    console.log(commandHelp(name, command));
    return 0;
  }
  try {
    const { values, positionals } = parseFlags(command, args);
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`iamlocal ${name}: ${error.message}\n(iamlocal ${name} --help lists the options)`);
      return 2;
    }
    if (error instanceof CliFailure || error instanceof FixtureError || error instanceof StartupError) {
      console.error(`iamlocal ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

/** Runs the command line `argv` (without node and the script) and sets the exit code when it is done. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code !== KEEP_RUNNING) process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`iamlocal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    },
  );
}
