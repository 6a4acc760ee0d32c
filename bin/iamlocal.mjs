#!/usr/bin/env node
// The iamlocal command runs the compiled CLI (dist/cli.mjs) in this very process: no child process, no bundling or
// TypeScript loader at run time, so a signal sent to this process (kill, Ctrl-C) reaches the server itself.
// dist/ is built by `npm ci`/`npm install` in a checkout (the prepare script) and shipped in the package (prepack).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  console.error('iamlocal: dist/cli.mjs is missing; in a checkout of iamlocal, build it with: npm run build');
  process.exit(1);
}
await import(cli.href);
