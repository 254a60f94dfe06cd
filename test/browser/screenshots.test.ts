// The README's pictures: the demo's rollout view as the browser tests render it, taken here and
// checked, and written into media/screenshots/ when OMNITRACE_SCREENSHOTS=1 (`npm run
// screenshots`, which also renders media/icon.svg into the Marketplace icon). The view keys that
// VS Code keybindings send are tested on the same page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scoreAll } from '../../src/core/score';
import { RolloutViewModel, summarise } from '../../src/core/viewModel';
import type { ScoredRollout } from '../../src/core/types';
import { launchViews, openWebview, withPage, type Views } from '../helpers/webviewPage';
import { untilTrue } from '../helpers/pollPage';

const ROOT = resolve(__dirname, '..', '..');
const DEMO = join(ROOT, 'media', 'demo', 'demo.rollouts.jsonl');
const WRITE = process.env.OMNITRACE_SCREENSHOTS === '1';
const OUT = WRITE ? join(ROOT, 'media', 'screenshots') : mkdtempSync(join(tmpdir(), 'omnitrace-shots-'));

let views: Views;
let scored: ScoredRollout[];

before(async () => {
  scored = (await scoreAll(DEMO)).scored;
  views = await launchViews();
  mkdirSync(OUT, { recursive: true });
});

after(() => views?.close());

function demoModel(): RolloutViewModel {
  return new RolloutViewModel(
    {
      title: 'demo.rollouts.jsonl',
      fileName: 'demo.rollouts.jsonl',
      format: 'jsonl',
      host: 'vscode',
      trusted: true,
      getDetail: async (i) => scored[i]!,
      // The demo's clips sit beside the file, as in the editor (a file: URL stands in for the webview URI).
      getMedia: (s) => {
        const path = join(ROOT, 'media', 'demo', s.record.clip?.path ?? '');
        return s.record.clip && existsSync(path) ? { status: 'ok', kind: 'video', src: 'file://' + path, path: s.record.clip.path ?? '' } : { status: 'missing', reason: 'no clip' };
      },
    },
    scored.map(summarise),
  );
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(b: Buffer): { width: number; height: number } {
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG', 'not a PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

test('the demo rollout view, with its reference, as the README shows it; the view keys move, toggle and label', async () => {
  await withPage(openWebview(views, demoModel()), async (w) => {
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), scored.length);
    await w.page.locator('[data-testid=rollout-row][data-index="0"]').click();
    await w.page.waitForSelector('[data-testid=trace-view][data-index="0"]');

    // The keybindings' events (src/host/viewKeys.ts): next rollout, previous, the reference panel.
    await w.host.emit('key', { action: 'next' });
    await w.page.waitForSelector('[data-testid=trace-view][data-index="1"]');
    await w.host.emit('key', { action: 'previous' });
    await w.page.waitForSelector('[data-testid=trace-view][data-index="0"]');
    const withRef = scored.findIndex((s) => (s.referenceTrace?.segments.length ?? 0) > 0);
    assert.ok(withRef >= 0, 'the demo has a rollout with a reference trace');
    await w.host.emit('select', { index: withRef });
    await w.page.waitForSelector(`[data-testid=trace-view][data-index="${withRef}"]`);
    const refShown = () => w.page.locator('.panels.with-reference').count();
    const before = await refShown();
    await w.host.emit('key', { action: 'toggleReference' });
    await untilTrue(w.page, `document.querySelectorAll('.panels.with-reference').length === ${before ? 0 : 1}`);
    if (before) await w.host.emit('key', { action: 'toggleReference' });
    await w.page.waitForSelector('.panels.with-reference');

    // The clip has loaded its first frame (a screenshot of an empty player says nothing).
    await untilTrue(w.page, `[...document.querySelectorAll('video')].some((v) => v.readyState >= 2)`);
    const file = join(OUT, 'rollout-view.png');
    await w.page.screenshot({ path: file });
    const size = pngSize(readFileSync(file));
    assert.deepEqual(size, { width: 1300, height: 850 });
  });
});

test('the Marketplace icon renders from media/icon.svg at 128 × 128', async () => {
  const page = await views.browser.newPage({ viewport: { width: 128, height: 128 } });
  try {
    const svg = readFileSync(join(ROOT, 'media', 'icon.svg'), 'utf8');
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="256" height="256"', 'width="128" height="128"')}</body></html>`);
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
    assert.deepEqual(pngSize(png), { width: 128, height: 128 });
    if (WRITE) writeFileSync(join(ROOT, 'media', 'icon.png'), png);
    // The committed icon is the rendered one, at the size the Marketplace shows.
    assert.deepEqual(pngSize(readFileSync(join(ROOT, 'media', 'icon.png'))), { width: 128, height: 128 });
  } finally {
    await page.close();
  }
});
