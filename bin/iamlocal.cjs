#!/usr/bin/env node
// The iamlocal command (package.json's bin): the compiled implementation (dist/iamlocal.script.js) run in this very process
// through its loader (dist/loader.cjs, V8's code cache), so a signal sent to this process reaches the server itself.
// CommonJS, so that Node starts it without its ES module loader (~4 ms of a cold start); bin/iamlocal.mjs does the
// same from an ES module. dist/ is built by `npm ci`/`npm install` in a checkout (the prepare script) and shipped in
// the package (prepack).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
if (!existsSync(join(dist, 'loader.cjs'))) {
  console.error('iamlocal: dist/loader.cjs is missing; in a checkout of iamlocal, build it with: npm run build');
  process.exit(1);
}
require(join(dist, 'loader.cjs')).loadImplementation(join(dist, 'iamlocal.script.js'), 'cli', require).runCli(process.argv.slice(2));
