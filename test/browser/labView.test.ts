// A saved judge lab in a shared report, in headless Chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildOnce } from './buildOnce';
import { launchChromium } from '../helpers/chromium';
import { computeLab } from '../../src/core/lab/lab';

const ROOT = resolve(__dirname, '..', '..');
let browser: Browser;
let work: string;

before(async () => {
  buildOnce();
  work = mkdtempSync(join(tmpdir(), 'omnitrace-lab-view-'));
  const items = Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, id: `r${i}`, group: `g${i >> 2}` }));
  const judged = (name: string, f: (i: number) => number) => ({
    name,
    sha256: 'a'.repeat(64),
    model: 'judge-7b',
    byItem: new Map(items.map((it, i) => [it.key, { scores: [f(i), f(i)], statuses: ['ok', 'ok'] }])),
  });
  const labels = items.slice(0, 6).map((it, i) => ({ id: it.id, reward: 'logic', score: i % 6, labeller: 'ann', time: '', key: it.key }));
  const lab = computeLab('logic', [0, 1, 2, 3, 4, 5], items, [judged('logic', (i) => i % 6), judged('strict', (i) => Math.max(0, (i % 6) - 1))], labels);
  writeFileSync(join(work, 'lab.json'), JSON.stringify({ ...lab, calibration: [{ variant: 'strict', stale: true, why: 'the template changed' }] }));
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'report', '--lab', 'lab.json', '--out', 'lab.html'], { cwd: work, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the lab report shows variants, agreement with labels, pairs, the queue and a stale calibration', async () => {
  const page = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('file://' + join(work, 'lab.html'));
  await page.waitForSelector('[data-testid=lab-variants]', { timeout: 20_000 });
  assert.equal(await page.locator('[data-testid=lab-variants] tbody tr').count(), 2);
  const vs = (await page.locator('[data-testid=lab-vs-labels] tbody tr').first().textContent()) ?? '';
  assert.match(vs, /logic.*ann.*6.*1.*not established/);
  assert.match((await page.locator('[data-testid=lab-pairs] tbody tr').first().textContent()) ?? '', /logic.*strict.*8/);
  assert.match((await page.locator('[data-testid=lab-stale]').textContent()) ?? '', /strict \(the template changed\)/);
  assert.equal(await page.locator('[data-testid=lab-queue] tbody tr').count(), 2);
  assert.deepEqual(errors, []);
});
