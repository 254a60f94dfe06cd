// waitForFunction with a string is banned from the tests and benchmarks. A string holding an arrow
// function evaluates to the function itself, which is truthy: the wait passes at once and asserts
// nothing (several browser and end-to-end waits, and the editor benchmark's whole-file time, were
// like that). A string expression is compiled inside the page, which our views' CSP refuses once
// the first check fails (a browser test failed so in fresh-clone CI). test/helpers/pollPage.ts's
// untilTrue polls an expression with evaluate instead.

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

test('no waitForFunction is given a string (untilTrue polls instead)', () => {
  const bad: string[] = [];
  for (const dir of ['test', 'bench', 'scripts']) {
    for (const f of tsFiles(join(ROOT, dir))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/waitForFunction\(\s*[`'"]/g)) {
        bad.push(`${relative(ROOT, f)}:${text.slice(0, m.index).split('\n').length}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
