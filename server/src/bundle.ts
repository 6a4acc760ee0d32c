// The entry of dist/iamlocal.script.js, the one implementation the package's entries load (through dist/loader.cjs, with
// V8's code cache): the public API (`api`, what dist/index.cjs and dist/index.mjs export), the command line (dist/cli.mjs)
// and the loader's hook to write the code cache once a server has served.
import * as api from './index.ts';

export { api };

/** The command line: loaded on its call, so that a test file's process does not load the CLI's modules (child_process…). */
export function runCli(argv: string[]): void {
  void import('./cli/main.ts').then((cli) => cli.runCli(argv), (error: unknown) => {
    console.error(`iamlocal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
export { afterServerStopped } from './after-stop.ts';
