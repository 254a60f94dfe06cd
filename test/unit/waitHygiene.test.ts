// A wait that cannot fail is a defect: Playwright evaluates a string given to waitForFunction as
// an expression, so a string holding an arrow function evaluates to the function itself, which is
// truthy — the wait passes at once and asserts nothing. (Several browser and end-to-end waits,
// and the editor benchmark's whole-file time, were like that.) In a webview frame the page's CSP
// also refuses waitForFunction's predicate: poll an expression with evaluate there instead.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mjs|js)$/.test(name)) out.push(p);
  }
  return out;
}

test('no waitForFunction is given a string holding an arrow function', () => {
  const bad: string[] = [];
  for (const dir of ['test', 'bench', 'scripts']) {
    for (const f of tsFiles(join(ROOT, dir))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/waitForFunction\(\s*[`'"]\s*(?:\([^)]*\)|\w+)\s*=>/g)) {
        bad.push(`${relative(ROOT, f)}:${text.slice(0, m.index).split('\n').length}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
