// The HTML report in a real (headless) Chromium: built with the real CLI from a fixture that
// mixes well-formed, malformed, grouped, multi-answer and hostile completions, then read the
// way a user would: click rows, open chips, sort, filter, scroll 20,000 rows.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { buildOnce } from './buildOnce';
import { launchChromium } from '../helpers/chromium';
import { untilTrue } from '../helpers/pollPage';

const ROOT = resolve(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'views.rollouts.jsonl');
const RESULTS = join(ROOT, 'test-results');
const REPORT = join(RESULTS, 'views.report.html');
const BIG_ROWS = 20_000;

let browser: Browser;
let work: string;
let bigReport: string;
/** One page on the small report, shared by the tests that only read it (pages are slow to open on a busy machine). */
let shared: Opened;

function run(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')} failed:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  buildOnce();
  mkdirSync(RESULTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'omnitrace-report-'));
  const out = run(['dist/cli.js', 'report', FIXTURE, '--out', REPORT, '--title', 'Views fixture']);
  assert.equal(out.stdout.trim(), REPORT, 'the CLI prints the path it wrote');

  const lines: string[] = [];
  for (let i = 0; i < BIG_ROWS; i++) {
    lines.push(
      JSON.stringify({
        id: `big-${i}`,
        group_id: `g${Math.floor(i / 8)}`,
        problem: `Question ${Math.floor(i / 8)}: what happens next?`,
        problem_type: 'multiple choice',
        solution: '<answer>A</answer>',
        completion: `<context>scene ${i}</context><think>step ${i}</think><answer>${i % 3 ? 'A' : 'B'}</answer>`,
      }),
    );
  }
  writeFileSync(join(work, 'big.jsonl'), lines.join('\n') + '\n');
  bigReport = join(work, 'big.report.html');
  run(['dist/cli.js', 'report', join(work, 'big.jsonl'), '--out', bigReport]);

  browser = await launchChromium();
  shared = await open(REPORT);
});

after(async () => {
  await shared?.close();
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  problems: string[];
  /** Console errors, page errors and CSP violations so far (and clears them). */
  drain(): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens a report and records every console error, page error and CSP violation. */
async function open(file: string, colorScheme: 'dark' | 'light' = 'dark'): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript("window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));");
  await page.goto('file://' + file);
  await page.waitForSelector('[data-testid=rollout-row]', { timeout: 20_000 });
  const drain = async () => {
    const csp = (await page.evaluate('window.__csp.splice(0)')) as string[];
    const all = [...problems.splice(0), ...csp.map((c) => `CSP violation: ${c}`)];
    return all;
  };
  return {
    page,
    problems,
    drain,
    async close() {
      problems.push(...(await drain()));
      await context.close();
    },
  };
}

async function select(page: Page, index: number): Promise<void> {
  await page.locator(`[data-testid=rollout-row][data-index="${index}"]`).click();
  await page.waitForSelector(`[data-testid=trace-view][data-index="${index}"]`);
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

// Fixture rows, by index (see test/fixtures/views.rollouts.jsonl).
const GOOD = 0;
const LEADING = 2;
const ZERO_A = 3;
const EMO = 5;
const BROKEN = 6;
const TWICE = 7;
const HOSTILE = 8;

test('the report carries a strict CSP and shows one row per readable record', async () => {
  const html = readFileSync(REPORT, 'utf8');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-[0-9a-f]{32,}'/);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  // The hostile text is in the data, but only in escaped form: nothing in it can close the element.
  assert.doesNotMatch(html.slice(html.indexOf('id="omnitrace-data"')), /<img src=x/);

  const { page } = shared;
  assert.equal(await page.locator('[data-testid=rollout-row]').count(), 10);
  assert.match(await text(page, '[data-testid=row-count]'), /^10 rollouts$/);
  assert.match(await text(page, '[data-testid=read-problems] summary'), /1 record could not be read/);
  assert.equal(await text(page, '[data-testid=view-title]'), 'Views fixture');
  const meta = (await page.evaluate(`document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content`)) as string;
  assert.equal(meta, csp.replace(/&#39;/g, "'"));
  assert.deepEqual(await shared.drain(), []);
});

test('clicking a row shows its sections in the three panels, with rewards on the right panels', async () => {
  const { page } = shared;
  {
    await select(page, GOOD);
    assert.match(await text(page, '[data-testid=panel-context] [data-testid=text-context]'), /^A man works at a bench; a drill whines behind him and he flinches\.$/);
    assert.match(await text(page, '[data-testid=panel-think] [data-testid=text-think]'), /^Each time the drill starts he frowns/);
    assert.equal(await text(page, '[data-testid=panel-answer] [data-testid=text-answer]'), 'B');
    // Placement: format and the file's own score on the header, accuracy on the Answer panel.
    const format = page.locator('[data-testid=trace-header] [data-testid=chip-format]');
    assert.equal(await format.getAttribute('data-value'), '1');
    assert.equal(await page.locator('[data-testid=trace-header] [data-testid="chip-recorded:score"]').count(), 1);
    const acc = page.locator('[data-testid=panel-answer] [data-testid=chip-accuracy]');
    assert.equal(await acc.getAttribute('data-status'), 'ok');
    assert.equal(await acc.locator('.chip-value').textContent(), '1');
    assert.equal(await page.locator('[data-testid=panel-context] [data-testid^=chip-], [data-testid=panel-think] [data-testid^=chip-]').count(), 0);
    assert.match(await text(page, '[data-testid=group-info]'), /size\s*3/);
    // The clip is not on this machine: a sentence says so, with the path and the fix.
    const missing = await text(page, '[data-testid=media-missing]');
    assert.match(missing, /clips\/workshop\.mp4/);
    assert.match(missing, /--media-root/);

    await page.locator('[data-testid=toggle-reference]').check();
    await page.waitForSelector('[data-testid=reference-think]');
    assert.match(await text(page, '[data-testid=reference-think]'), /covers one ear/);
  }
  assert.deepEqual(await shared.drain(), []);
});

test('multi-answer emotion accuracy shows its partial value and opens to the explanation', async () => {
  const { page } = shared;
  {
    await select(page, EMO);
    const chip = page.locator('[data-testid=panel-answer] [data-testid=chip-accuracy]');
    assert.equal(await chip.locator('.chip-value').textContent(), '0.67');
    assert.equal(await chip.getAttribute('data-status'), 'ok');
    assert.ok((await chip.getAttribute('class'))?.includes('v-partial'));
    const detail = page.locator('[data-testid=panel-answer] [data-testid=chip-detail-accuracy]');
    assert.equal(await detail.isVisible(), false, 'detail starts closed');
    await chip.click();
    assert.equal(await detail.isVisible(), true, 'clicking the chip opens the explanation');
    assert.ok(((await detail.textContent()) ?? '').length > 20);
  }
  assert.deepEqual(await shared.drain(), []);
});

test('format failures: the offending text is underlined where it occurs, with its message', async () => {
  const { page } = shared;
  {
    await select(page, LEADING);
    const format = page.locator('[data-testid=chip-format]');
    assert.equal(await format.getAttribute('data-value'), '0');
    assert.equal(await format.getAttribute('data-status'), 'ok');
    const underline = page.locator('[data-testid=outside-strip] [data-testid=diag-underline][data-code~="leading-text"]');
    assert.equal((await underline.textContent())?.trim(), 'Sure, here is my analysis.');
    assert.match(await text(page, '[data-testid=outside-strip] [data-testid=diag-list]'), /leading-text/);
    assert.equal(await text(page, '[data-testid=text-context]'), 'The man flinches at the drill.');

    await select(page, BROKEN);
    assert.equal(await text(page, '[data-testid=missing-think]'), 'no <think> section');
    assert.equal(await page.locator('[data-testid=panel-answer] [data-testid=unclosed]').count(), 1);
    assert.match(await text(page, '[data-testid=text-answer]'), /^A, because the paint is clearly red and$/);

    await select(page, TWICE);
    const between = page.locator('[data-testid=outside-strip] [data-testid=diag-underline][data-code~="text-between"]');
    assert.equal((await between.textContent())?.trim(), 'hmm, let me look again');
    const repeats = page.locator('[data-testid=repeats-answer]');
    assert.equal(await text(page, '[data-testid=repeats-answer] summary'), '2 more <answer> sections');
    await repeats.locator('summary').click();
    assert.match((await repeats.textContent()) ?? '', /No[\s\S]*Yes/);
  }
  assert.deepEqual(await shared.drain(), []);
});

test('hostile completions render as literal text and run nothing', async () => {
  const { page } = shared;
  {
    await select(page, HOSTILE);
    const context = await text(page, '[data-testid=text-context]');
    assert.ok(context.includes('<img src=x onerror="window.__pwned=1">'), context);
    assert.ok(context.includes('مرحبا'));
    assert.ok(context.includes('🎉'));
    const think = await text(page, '[data-testid=text-think]');
    assert.ok(think.includes('<script>window.__pwned=2</script>'));
    assert.ok(think.includes('</script><script>window.__pwned=4</script>'));
    assert.ok(think.includes('<a href="javascript:window.__pwned=5">this link</a>'));
    assert.ok((await text(page, '[data-testid=trace-question]')).includes('<img src=x onerror="window.__pwned=3">'));
    assert.ok((await text(page, '[data-testid=trace-options]')).includes('<b>bold</b>'));
    // Free-form accuracy needs the judge: shown as not computed, never as a zero.
    const acc = page.locator('[data-testid=panel-answer] [data-testid=chip-accuracy]');
    assert.equal(await acc.getAttribute('data-status'), 'not-computed');
    assert.equal(await acc.locator('.chip-value').textContent(), 'not computed');

    assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
    assert.equal(await page.locator('[data-testid^=panel-] img, [data-testid=trace-header] img, [data-testid=outside-strip] img').count(), 0);
    assert.equal(await page.locator('[data-testid=trace-view] a, [data-testid=trace-view] script, [data-testid=trace-view] b').count(), 0);
    assert.equal(await page.locator('script').count(), 2, 'only the data element and the bundle');
  }
  assert.deepEqual(await shared.drain(), []);
});

test('a clip that exists is played from a path relative to the report', async () => {
  const { page } = shared;
  {
    await select(page, ZERO_A);
    const img = page.locator('[data-testid=media] img');
    assert.equal(await img.getAttribute('src'), '../test/fixtures/views/still%20frame.png');
    await untilTrue(page, "document.querySelector('[data-testid=media] img')?.complete === true");
    assert.equal(await page.evaluate("document.querySelector('[data-testid=media] img').naturalWidth"), 4);
    assert.match(await text(page, '[data-testid=group-info]'), /ZERO-VARIANCE/);
  }
  assert.deepEqual(await shared.drain(), []);
});

test('sorting, searching, grouping and the keyboard work on the table', async () => {
  const { page } = shared;
  const order = async () => (await page.evaluate("[...document.querySelectorAll('[data-testid=rollout-row]')].map((r) => Number(r.dataset.index))")) as number[];
  {
    // The format reward is the ✓/reason column, not a second one.
    assert.equal(await page.locator('[data-testid="th-reward:format"]').count(), 0);
    assert.equal(await page.locator('button[data-testid=th-format]').count(), 1, 'and it sorts by the format reward');
    // Accuracy, descending: real values first, then the rollouts without a number, never among the zeros.
    await page.locator('[data-testid="th-reward:accuracy"]').click();
    // w-wrong (accuracy 0) drops below w-leading (1) once the sorted page has arrived.
    await untilTrue(page, "[...document.querySelectorAll('[data-testid=rollout-row]')].map((r) => r.dataset.index).slice(0, 2).join() === '0,2'");
    const rows = await order();
    const cells = (await page.evaluate(
      "[...document.querySelectorAll('[data-testid=rollout-row]')].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).map((r) => r.querySelector('[data-col=\"reward:accuracy\"]').textContent)",
    )) as string[];
    assert.equal(rows.length, 10);
    assert.deepEqual(cells.slice(0, 5), ['1', '1', '1', '1', '1']);
    assert.equal(cells[5], '0.67');
    const firstMissing = cells.findIndex((c) => !/^[0-9.]+$/.test(c));
    assert.ok(firstMissing > 0 && cells.slice(firstMissing).every((c) => !/^[0-9.]+$/.test(c)), cells.join(','));
    assert.ok(cells.slice(0, firstMissing).includes('0'));

    await page.locator('[data-testid=filter-text] input').fill('DOOR');
    await untilTrue(page, "document.querySelectorAll('[data-testid=rollout-row]').length === 1");
    assert.deepEqual(await order(), [TWICE]);
    await page.locator('[data-testid=filter-text] input').fill('no rollout says this');
    await page.waitForSelector('[data-testid=table-status]:not([hidden])');
    assert.match(await text(page, '[data-testid=table-status]'), /No rollouts match/);
    await page.locator('[data-testid=filter-text] input').fill('');
    await untilTrue(page, "document.querySelectorAll('[data-testid=rollout-row]').length === 10");

    await page.locator('[data-testid=filter-format]').click();
    await page.locator('[data-testid=filter-format] li', { hasText: 'format fails (3)' }).click();
    await untilTrue(page, "document.querySelectorAll('[data-testid=rollout-row]').length === 3");
    assert.deepEqual((await order()).sort(), [LEADING, BROKEN, TWICE]);
    assert.match(await text(page, '[data-testid=row-count]'), /^3 of 10 rollouts$/);
    await page.locator('[data-testid=filter-format]').click();
    await page.locator('[data-testid=filter-format] li', { hasText: 'any format' }).click();
    await untilTrue(page, "document.querySelectorAll('[data-testid=rollout-row]').length === 10");

    await page.locator('[data-testid=th-index]').click();
    await page.locator('[data-testid=group-by]').click();
    await page.waitForSelector('[data-testid=group-row]');
    const zero = page.locator('[data-testid=group-row]', { has: page.locator('[data-testid=zero-variance]') });
    assert.equal(await zero.count(), 1);
    assert.match((await zero.textContent()) ?? '', /g-same/);

    await page.locator('[data-testid=rollout-row][data-index="0"]').click();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=trace-view][data-index="2"]');
  }
  assert.deepEqual(await shared.drain(), []);
});

test('the chart shows each reward per problem type, with missing values counted apart', async () => {
  const { page } = shared;
  {
    assert.ok((await page.locator('[data-testid=chart-format] [data-testid=hist]').count()) >= 5);
    const freeForm = page.locator('[data-testid=chart-accuracy] [data-testid=hist][data-type="free-form"]');
    assert.match(await freeForm.locator('[data-testid=hist-missing]').innerText(), /1 not computed/);
    assert.match(await freeForm.locator('figcaption').innerText(), /n 0/);
    assert.equal(await freeForm.locator('rect[height]:not([height="0"])').count(), 0, 'a missing value is not drawn as a zero');
    // The chart takes its colours from the theme and redraws when the theme changes.
    const fill = () => page.locator('[data-testid=chart-format] rect').first().getAttribute('fill');
    assert.equal(await fill(), '#3794ff');
    await page.emulateMedia({ colorScheme: 'light' });
    await untilTrue(page, "document.querySelector('[data-testid=chart-format] rect')?.getAttribute('fill') === '#1a85ff'");
    await page.emulateMedia({ colorScheme: 'dark' });
    await untilTrue(page, "document.querySelector('[data-testid=chart-format] rect')?.getAttribute('fill') === '#3794ff'");
  }
  assert.deepEqual(await shared.drain(), []);
});

test('screenshots in dark and light', async () => {
  const shoot = async (page: Page, scheme: string) => {
    await select(page, LEADING);
    await page.screenshot({ path: join(RESULTS, `report-${scheme}.png`) });
    await select(page, EMO);
    await page.locator('[data-testid=panel-answer] [data-testid=chip-accuracy]').click();
    await page.screenshot({ path: join(RESULTS, `report-${scheme}-chip.png`) });
    return page.evaluate('getComputedStyle(document.body).backgroundColor');
  };
  // Dark on the shared page (by now grouped by prompt), light on a fresh one.
  assert.equal(await shoot(shared.page, 'dark'), 'rgb(31, 31, 31)');
  assert.deepEqual(await shared.drain(), []);
  const r = await open(REPORT, 'light');
  try {
    assert.equal(await shoot(r.page, 'light'), 'rgb(255, 255, 255)');
  } finally {
    await r.close();
  }
  assert.deepEqual(r.problems, []);
});

test('20,000 rollouts: the table keeps a few dozen rows in the DOM and scrolls to the end', async () => {
  const r = await open(bigReport);
  const { page } = r;
  try {
    assert.match(await text(page, '[data-testid=row-count]'), /^20,000 rollouts$/);
    const rendered = await page.locator('[data-testid=rollout-row]').count();
    assert.ok(rendered > 10 && rendered < 200, `rendered ${rendered} rows`);
    await page.evaluate("(() => { const t = document.querySelector('[data-testid=rollout-table]'); t.scrollTop = t.scrollHeight; })()");
    await page.waitForSelector(`[data-testid=rollout-row][data-index="${BIG_ROWS - 1}"]`);
    assert.ok((await page.locator('[data-testid=rollout-row]').count()) < 200);
    await page.locator(`[data-testid=rollout-row][data-index="${BIG_ROWS - 1}"]`).click();
    await page.waitForSelector(`[data-testid=trace-view][data-index="${BIG_ROWS - 1}"]`);
    assert.equal(await text(page, '[data-testid=text-context]'), `scene ${BIG_ROWS - 1}`);
    await page.screenshot({ path: join(RESULTS, 'report-20k.png') });
  } finally {
    await r.close();
  }
  assert.deepEqual(r.problems, []);
});

test('report --shortcuts: the demo analysed by `omnitrace shortcuts` shows verdict chips, rates and the cue timeline', async () => {
  const demo = join(ROOT, 'media', 'demo', 'demo.rollouts.jsonl');
  const lines = join(work, 'demo.shortcuts.jsonl');
  const cues = join(work, 'cues');
  run(['dist/cli.js', 'shortcuts', demo, '--out', lines, '--cache-dir', cues]);
  const file = join(RESULTS, 'demo-shortcuts.report.html');
  run(['dist/cli.js', 'report', demo, '--out', file, '--shortcuts', lines, '--cues-dir', cues]);
  const r = await open(file);
  const { page } = r;
  try {
    assert.match(await text(page, '[data-testid=shortcut-summary] summary'), /Shortcuts: 32 rollouts analysed/);
    await select(page, 0);
    // The phone call: speech found by VAD, the subtitle read by OCR, both on the timeline.
    assert.equal(await page.locator('[data-testid=panel-answer] [data-testid=chip-shortcut-audio]').count(), 1);
    await page.waitForSelector('[data-testid=cue-timeline]');
    assert.ok((await page.locator('[data-testid=cue-lane-speech] rect').count()) > 0);
    assert.match((await page.locator('[data-testid=cue-lane-text]').textContent()) ?? '', /make it tonight/);
    await page.locator('[data-testid=chip-shortcut-audio]').click();
    assert.match(await text(page, '[data-testid=sc-ablations-audio]'), /no ablation|ablations not run/);
  } finally {
    await r.close();
  }
  assert.deepEqual(r.problems, []);
});

test('bidi controls and invisible characters are marked in place with their code points; the text itself is unchanged', async () => {
  const context = 'The file is gnp\u202e.exe and a zero\u200bwidth\u2060joiner, hidden\udb40\udc41 tag.';
  const completion = `<context>${context}</context><think>Plain.</think><answer>A</answer>`;
  const file = join(work, 'invisible.rollouts.jsonl');
  writeFileSync(file, JSON.stringify({ id: 'inv', problem: 'What file?', problem_type: 'free-form', solution: '<answer>A</answer>', completion }) + '\n');
  const report = join(work, 'invisible.report.html');
  run(['dist/cli.js', 'report', file, '--out', report]);
  const opened = await open(report);
  try {
    const { page } = opened;
    await select(page, 0);
    const marks = page.locator('[data-testid=text-context] [data-testid=invisible-char]');
    assert.equal(await marks.count(), 4);
    assert.deepEqual(await marks.evaluateAll((els) => els.map((e) => [e.getAttribute('data-cp'), e.getAttribute('data-label')])), [
      ['U+202E', 'RLO'],
      ['U+200B', 'ZWSP'],
      ['U+2060', 'WJ'],
      ['U+E0041', 'TAG A'],
    ]);
    assert.match((await marks.first().getAttribute('title')) ?? '', /U\+202E RLO: bidi control/);
    // Each mark isolates its character, so the override cannot reorder what follows it.
    assert.equal(await marks.first().evaluate((e) => e.ownerDocument.defaultView!.getComputedStyle(e).unicodeBidi), 'isolate');
    // What a copy gives: the model's text, character for character (labels are CSS content).
    assert.equal(await page.locator('[data-testid=text-context]').evaluate((e) => e.textContent), context);
    const badge = page.locator('[data-testid=invisible-count]');
    assert.equal(await badge.getAttribute('data-count'), '4');
    assert.match((await badge.textContent()) ?? '', /1 bidi control, 3 invisible characters/);
    assert.deepEqual(await opened.drain(), []);
  } finally {
    await opened.close();
  }
});
