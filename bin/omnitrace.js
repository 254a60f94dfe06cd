#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/cli.js by `npm run build`.
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('omnitrace: dist/cli.js is missing; run `npm run build` (or `npm ci`, which builds) first.');
  process.exit(2);
}
require(cli);
