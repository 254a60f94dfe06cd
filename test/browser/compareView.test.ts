// The compare view in a shared report, in headless Chromium: the statistics of the pair, the
// joined table with its filters, and the traces of a flipped item side by side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildOnce } from './buildOnce';
import { launchChromium } from '../helpers/chromium';
import { until } from '../helpers/until';

const ROOT = resolve(__dirname, '..', '..');
let browser: Browser;
let work: string;
let page: Page;
const problems: string[] = [];

function cli(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), ...args], { cwd: work, encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  buildOnce();
  work = mkdtempSync(join(tmpdir(), 'omnitrace-compare-view-'));
  const trace = (a: string, ctx: string) => `<context>${ctx}</context><think>Checking the audio again.</think><answer>${a}</answer>`;
  const rows = (ck: string, answers: string[]) =>
    answers
      .map((a, i) =>
        JSON.stringify({
          id: `q${i}`,
          checkpoint: ck,
          problem: `What is heard in clip ${i}?`,
          problem_type: 'multiple choice',
          solution: '<answer>A</answer>',
          completion: trace(a, `${ck} hears a bell in clip ${i}.`),
        }),
      )
      .join('\n') + '\n';
  writeFileSync(join(work, 'a.jsonl'), rows('base', ['A', 'A', 'B', 'B', 'A', 'B']));
  writeFileSync(join(work, 'b.jsonl'), rows('tuned', ['B', 'A', 'A', 'A', 'A', 'B']));
  cli('compare', 'a.jsonl', 'b.jsonl', '--out', 'compare.json');
  cli('report', '--compare', 'compare.json', '--out', 'compare.html');
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto('file://' + join(work, 'compare.html'));
  await page.waitForSelector('[data-testid=compare-row]', { timeout: 20_000 });
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the report names no local path and shows the pair, the flips and a forest plot', async () => {
  assert.ok(!readFileSync(join(work, 'compare.html'), 'utf8').includes(work), 'no absolute path in the shared file');
  assert.match((await page.locator('[data-testid=compare-matched]').textContent()) ?? '', /paired by id: 6 matched/);
  assert.match((await page.locator('[data-testid=compare-flips]').textContent()) ?? '', /1 right → wrong.*2 wrong → right/);
  const rows = page.locator('[data-testid=forest-row]');
  assert.ok((await rows.count()) >= 2);
  assert.equal(await page.locator('[data-testid=forest-row][data-reward=accuracy][data-type=all]').count(), 1);
  assert.deepEqual(problems, []);
});

test('the joined table filters to flipped items and sorts by Δ', async () => {
  assert.equal(await page.locator('[data-testid=compare-row]').count(), 6);
  await page.locator('[data-testid=compare-filter]').selectOption('flipped');
  await until(async () => (await page.locator('[data-testid=compare-row]').count()) === 3, 'three flipped rows');
  assert.equal(await page.locator('[data-testid=flip-badge]').count(), 3);
  await page.locator('[data-testid=th-delta]').click();
  await until(async () => ((await page.locator('[data-testid=th-delta]').textContent()) ?? '').includes('▼'), 'sorted by Δ');
  const first = await page.locator('[data-testid=compare-row]').first().getAttribute('data-key');
  assert.ok(first === 'id:q2' || first === 'id:q3', `a wrong → right item first, got ${first}`);
  await page.locator('[data-testid=compare-filter]').selectOption('regressed');
  await until(async () => (await page.locator('[data-testid=compare-row]').count()) === 1, 'one regressed row');
  assert.equal(await page.locator('[data-testid=compare-row]').first().getAttribute('data-key'), 'id:q0');
});

test('a selected item shows both traces side by side, the differing answers marked', async () => {
  await page.locator('[data-testid=compare-row][data-key="id:q0"]').click();
  await until(async () => (await page.locator('[data-testid=compare-column]').count()) === 2, 'two columns');
  const cols = page.locator('[data-testid=compare-column]');
  assert.deepEqual(await cols.evaluateAll((els) => els.map((e) => e.getAttribute('data-checkpoint'))), ['base', 'tuned']);
  assert.match((await cols.nth(1).locator('[data-testid=compare-context]').textContent()) ?? '', /tuned hears a bell in clip 0/);
  assert.equal(await page.locator('.answer-differs').count(), 2);
  assert.deepEqual(problems, []);
});

test('a series of training steps shows as curves with CIs beside the step table', async () => {
  const rows: string[] = [];
  for (const step of [100, 200, 300]) {
    for (let i = 0; i < 8; i++)
      rows.push(
        JSON.stringify({
          id: `p${step}-${i}`,
          step,
          problem: `Q${i}`,
          problem_type: 'multiple choice',
          solution: '<answer>A</answer>',
          completion: `<context>c</context><think>t</think><answer>${i < step / 50 ? 'A' : 'B'}</answer>`,
        }),
      );
  }
  writeFileSync(join(work, 'steps.jsonl'), rows.join('\n') + '\n');
  cli('compare', 'steps.jsonl', '--out', 'steps.json');
  cli('report', '--compare', 'steps.json', '--out', 'steps.html');
  const p = await (await browser.newContext()).newPage();
  await p.goto('file://' + join(work, 'steps.html'));
  await p.waitForSelector('[data-testid=step-curves]', { timeout: 20_000 });
  assert.ok((await p.locator('[data-testid=step-series][data-series=accuracy] circle').count()) === 3);
  assert.equal(await p.locator('[data-testid=compare-steps] tbody tr').count(), 3);
});
