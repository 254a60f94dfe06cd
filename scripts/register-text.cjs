// Under tsx (tests, benchmarks), `import text from './x.md'` gives the file's text, as esbuild's
// text loader does in the bundles.
const { readFileSync } = require('node:fs');
require.extensions['.md'] = (module, filename) => {
  module.exports = { __esModule: true, default: readFileSync(filename, 'utf8') };
};
