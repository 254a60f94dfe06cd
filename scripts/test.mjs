// Runs node's test runner over the TypeScript test files of the named suites
// (test/<suite>/**/*.test.ts), through tsx. Node 20's --test takes no globs, so we list files.
// The end-to-end suite (real VS Code) runs after the others, on its own, so it never competes
// with them for the two cores; a combined closing line counts both runs.
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const suites = process.argv.slice(2);
// `import text from './x.md'` under tsx, as esbuild's text loader gives it in the bundles.
const REGISTER_TEXT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, 'register-text.cjs');
if (suites.length === 0) suites.push('unit');

function filesOf(list) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) files.push(p);
    }
  };
  for (const s of list) {
    const dir = join('test', s);
    if (existsSync(dir)) walk(dir);
  }
  return files;
}

/** Runs one node --test process, echoing its output; resolves to its exit code and counts. */
function run(files) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', REGISTER_TEXT, '--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d;
    });
    child.on('close', (code) => {
      // The TAP reporter (not a terminal) prints "# pass N"; the spec reporter "ℹ pass N".
      const count = (what) => Number(out.match(new RegExp(`^(?:#|ℹ) ${what} (\\d+)`, 'm'))?.[1] ?? 0);
      resolve({ code: code ?? 1, passed: count('pass'), failed: count('fail') });
    });
  });
}

const groups = [suites.filter((s) => s !== 'e2e'), suites.filter((s) => s === 'e2e')].filter((g) => g.length);
let passed = 0;
let failed = 0;
let code = 0;
for (const g of groups) {
  const files = filesOf(g);
  if (files.length === 0) {
    console.error(`no test files under ${g.map((s) => 'test/' + s).join(', ')}`);
    process.exit(1);
  }
  const r = await run(files);
  passed += r.passed;
  failed += r.failed;
  if (r.code !== 0) {
    code = r.code;
    // A failing fast suite is reason enough: do not spend minutes starting VS Code.
    break;
  }
}
if (groups.length > 1) console.log(`\ntotal: ${passed} passed, ${failed} failed`);
process.exit(code);
