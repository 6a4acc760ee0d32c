// The iamlocal command, from the sources (`node --import tsx server/src/cli.ts …`); the package runs the same through
// dist/cli.mjs.
import { runCli } from './cli/main.ts';

runCli(process.argv.slice(2));
