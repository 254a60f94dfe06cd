// Shortcut verdicts in the real webview bundle (headless Chromium): chips per modality on the
// Answer panel with the evidence side by side, the cue timeline under the player (click seeks),
// the rates panel with its filter and scatter, and hostile text from the model or OCR kept text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { summarise, type RolloutViewModel } from '../../src/core/viewModel';
import type { ScoredRollout } from '../../src/core/types';
import type { CueInventory, ModalityVerdict, ShortcutAnalysis, ShortcutSummary, VerdictCounts } from '../../src/core/shortcuts/types';
import { launchViews, openWebview, withPage, type Views } from '../helpers/webviewPage';
import { scoreViewsFixture, viewsModel } from '../helpers/viewsFixture';
import { untilTrue } from '../helpers/pollPage';

const ROOT = resolve(__dirname, '..', '..');
const WAV = resolve(ROOT, 'media', 'demo', 'doorbell.wav');
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

let views: Views;
let scored: ScoredRollout[];

before(async () => {
  scored = await scoreViewsFixture();
  views = await launchViews();
});

after(() => views?.close());

const inventory: CueInventory = {
  version: 1,
  clip: { path: WAV, sha256: 'ab'.repeat(32), duration: 3.17, hasAudio: true, hasVideo: true },
  audio: {
    present: true,
    speech: [{ start: 0.4, end: 1.6, prob: 0.92 }],
    speechSeconds: 1.2,
    sounds: [{ start: 2.0, end: 2.8, db: -18 }],
    soundSeconds: 0.8,
    silenceSeconds: 1.17,
    envelope: [-80, -30, -20, -25, -60, -15, -16, -70],
    envelopeStep: 0.4,
  },
  visual: {
    present: true,
    fps: 1,
    text: [{ t: 1, boxes: [{ box: [0.1, 0.8, 0.9, 0.95], text: `OPEN ${HOSTILE}`, score: 0.9 }] }],
    textTracks: [{ start: 1, end: 2, text: `OPEN ${HOSTILE}`, score: 0.9 }],
    motion: [0.01, 0.3],
    sceneChanges: [2],
    isStatic: false,
  },
  models: { vad: 'silero_vad.onnx', ocrDetection: 'det.onnx', ocrRecognition: 'rec.onnx' },
  timings: {},
  createdAt: '2026-11-24T00:00:00Z',
};

function verdict(modality: 'audio' | 'visual', v: Partial<ModalityVerdict>): ModalityVerdict {
  return {
    modality,
    verdict: 'grounded',
    available: true,
    needed: { value: true, from: 'reference-context', detail: 'the reference context cites the speech' },
    used: { value: false, from: 'ablation-sampled', detail: 'answer unchanged in 3 of 3 samples without audio' },
    claimed: { value: false, sentences: [], findings: [] },
    confidence: 'high',
    reason: 'why',
    ...v,
  };
}

const analysis: ShortcutAnalysis = {
  version: 1,
  audio: verdict('audio', { verdict: 'ignored', reason: 'The question needs the audio; the answer did not change without it and no sentence cites it.' }),
  visual: verdict('visual', {
    verdict: 'decorative',
    confidence: 'low',
    used: { value: 'unknown', from: 'none', detail: 'no video ablation' },
    claimed: { value: true, sentences: [0], findings: [{ kind: 'quote-is-on-screen', modality: 'visual', message: 'the quote is on screen at 1–2 s' }] },
    reason: 'Cited, but nothing shows the answer depends on it.',
  }),
  blindAnswerable: true,
  sent: { audio: true, visual: true, from: 'run-request', evidence: ['audio part present'] },
  findings: [],
  sentences: [
    {
      section: 'context',
      start: 0,
      end: 10,
      text: `The sign says ${HOSTILE}.`,
      kinds: ['read'],
      negated: {},
      source: 'rules',
      checks: [{ kind: 'quote-is-on-screen', modality: 'visual', message: 'the quote is on screen at 1–2 s' }],
    },
  ],
  inventoryKey: 'abab',
  ablations: [
    {
      kind: 'no-audio',
      method: 'sampled',
      samples: [
        { answer: 'B', completion: `<answer>B</answer> ${HOSTILE}`, same: true, correct: true },
        { answer: 'B', completion: '<answer>B</answer>', same: true, correct: true },
        { answer: 'C', completion: '<answer>C</answer>', same: false, correct: false },
      ],
      changeRate: 1 / 3,
      runFile: '.omnitrace/runs/ablations/x.rollouts.jsonl',
      // The model's own noise with every medium: as often as without the audio.
      baseline: {
        samples: [
          { answer: 'B', completion: '<answer>B</answer>', same: true, correct: true },
          { answer: 'B', completion: '<answer>B</answer>', same: true, correct: true },
          { answer: `D ${HOSTILE}`, completion: `<answer>D</answer> ${HOSTILE}`, same: false, correct: false },
        ],
        changeRate: 1 / 3,
        runFile: '.omnitrace/runs/ablations/x-full.rollouts.jsonl',
      },
    },
    { kind: 'text-only', method: 'failed', samples: [], error: 'model not found: ckpt-x (HTTP 404)' },
  ],
};

const counts = (ignored: number, total: number): VerdictCounts => ({ total, byVerdict: { ignored, grounded: total - ignored }, shortcutRate: ignored / total });
const summary: ShortcutSummary = {
  rollouts: 2,
  failed: 1,
  perModality: { audio: counts(1, 2), visual: counts(0, 2) },
  perProblemType: { 'multiple choice': { audio: counts(1, 2), visual: counts(0, 2) } },
  perCheckpoint: { 'ckpt-40': { audio: counts(1, 2), visual: counts(0, 2) } },
  rightForWrongReasons: { count: 1, of: 2, indices: [0] },
  blindAnswerable: { yes: 1, no: 0, unknown: 1 },
  notSent: { audio: 1, visual: 0 },
  reliance: [
    { index: 0, audio: 0.33, visual: 0, correct: true },
    { index: 1, audio: 0.9, visual: 0.1, correct: false },
    { index: 2, audio: null, visual: null },
  ],
};

function modelWithShortcuts(): RolloutViewModel {
  const lines = new Map<number, { shortcut?: ShortcutAnalysis; cues?: CueInventory; error?: string }>([
    [0, { shortcut: analysis, cues: inventory }],
    [1, { shortcut: { ...analysis, audio: { ...analysis.audio, verdict: 'grounded' } } }],
    [2, { error: 'clip not found: clips/x.mp4' }],
  ]);
  return viewsModel(
    scored,
    {
      getMedia: (s) => (s.record.index === 0 ? { status: 'ok', kind: 'audio', src: 'file://' + WAV, path: WAV } : { status: 'missing', reason: 'no clip' }),
      getShortcut: async (i) => lines.get(i),
      shortcutSummary: () => summary,
    },
    scored.map((s, i) => {
      const row = summarise(s);
      const sc = lines.get(i)?.shortcut;
      return sc ? { ...row, shortcut: { audio: sc.audio.verdict, visual: sc.visual.verdict } } : row;
    }),
  );
}

test('shortcut chips on Answer open the evidence side by side; hostile text stays text', async () => {
  await withPage(openWebview(views, modelWithShortcuts()), async ({ page: p }) => {
    await p.locator('[data-testid=rollout-row][data-index="0"]').click();
    await p.waitForSelector('[data-testid=trace-view][data-index="0"]');
    const audio = p.locator('[data-testid=panel-answer] [data-testid=chip-shortcut-audio]');
    const visual = p.locator('[data-testid=panel-answer] [data-testid=chip-shortcut-visual]');
    assert.equal(await audio.getAttribute('data-verdict'), 'ignored');
    assert.match((await audio.textContent()) ?? '', /ignored — shortcut/);
    assert.equal(await visual.getAttribute('data-confidence'), 'low');
    assert.equal(await visual.locator('.chip-quirk-mark').count(), 1, 'a low-confidence verdict is marked');

    const detail = p.locator('[data-testid=sc-detail-audio]');
    assert.equal(await detail.isVisible(), false);
    await audio.click();
    assert.equal(await detail.isVisible(), true);
    assert.match((await p.locator('[data-testid=sc-reason-audio]').textContent()) ?? '', /needs the audio/);
    assert.match((await p.locator('[data-testid=sc-inventory-audio]').textContent()) ?? '', /speech 1\.2 s in 1 segment/);
    const noAudio = p.locator('[data-testid=sc-ablations-audio] [data-testid=sc-ablation-no-audio]');
    assert.match((await noAudio.textContent()) ?? '', /answer changed in 33% of 3/);
    assert.deepEqual(await noAudio.locator('code').allTextContents(), ['B', 'B', 'C']);
    // The all-media baseline sits first, so its answers read against the ablation's.
    const baseline = p.locator('[data-testid=sc-ablations-audio] [data-testid=sc-ablation-baseline]');
    assert.match((await baseline.textContent()) ?? '', /with all media.*answer changed in 33% of 3.*x-full\.rollouts\.jsonl/);
    assert.deepEqual(await baseline.locator('code').allTextContents(), ['B', 'B', `D ${HOSTILE}`]);
    assert.equal(await p.locator('[data-testid=sc-ablations-audio] .sc-ablation').first().getAttribute('data-testid'), 'sc-ablation-baseline');
    // Shared by the rollout's sampled kinds, but shown only beside them: the visual column's only ablation failed.
    assert.equal(await p.locator('[data-testid=sc-ablations-visual] [data-testid=sc-ablation-baseline]').count(), 0);
    // A failed ablation says so, with the server's message.
    const failed = p.locator('[data-testid=sc-ablations-audio] [data-testid=sc-ablation-text-only]');
    assert.equal(await failed.getAttribute('data-method'), 'failed');
    assert.match((await failed.textContent()) ?? '', /model not found/);

    await visual.click();
    const claims = p.locator('[data-testid=sc-claims-visual]');
    assert.match((await claims.textContent()) ?? '', /The sign says <img src=x onerror/);
    assert.match((await claims.textContent()) ?? '', /quote-is-on-screen/);
    assert.match((await p.locator('[data-testid=sc-inventory-visual]').textContent()) ?? '', /OPEN <img/);
    assert.equal(await p.locator('[data-testid=trace-view] img').count(), 0);
    assert.equal(await p.evaluate('window.__pwned'), undefined);
    await p.screenshot({ path: resolve(ROOT, 'test-results', 'shortcuts.png'), fullPage: true });

    // A rollout whose analysis failed says so instead of showing chips.
    await p.locator('[data-testid=rollout-row][data-index="2"]').click();
    await p.waitForSelector('[data-testid=trace-view][data-index="2"]');
    assert.match((await p.locator('[data-testid=shortcut-error]').textContent()) ?? '', /clip not found/);
    assert.equal(await p.locator('[data-testid=chip-shortcut-audio]').count(), 0);
  });
});

test('the cue timeline shows speech, sound, text and scene lanes, and a click seeks the player', async () => {
  await withPage(openWebview(views, modelWithShortcuts()), async ({ page: p }) => {
    await p.locator('[data-testid=rollout-row][data-index="0"]').click();
    await p.waitForSelector('[data-testid=cue-timeline]');
    assert.equal(await p.locator('[data-testid=cue-lane-speech] rect').count(), 1);
    assert.equal(await p.locator('[data-testid=cue-lane-sound] rect').count(), 1);
    assert.equal(await p.locator('[data-testid=cue-lane-text] rect').count(), 1);
    assert.equal(await p.locator('[data-testid=cue-lane-scene] line').count(), 1);
    assert.match((await p.locator('[data-testid=cue-lane-text] title').textContent()) ?? '', /OPEN <img/);
    assert.match((await p.locator('[data-testid=cue-summary]').textContent()) ?? '', /speech 1\.2 s/);
    // The speech span starts 0.4 s in; the clip is 3.17 s. Click the middle of the span.
    const audioEl = p.locator('[data-testid=media] audio');
    await untilTrue(p, `(document.querySelector('[data-testid=media] audio')?.readyState ?? 0) >= 1`);
    const rect = await p.locator('[data-testid=cue-lane-speech] rect').boundingBox();
    assert.ok(rect);
    await p.mouse.click(rect.x + rect.width / 2, rect.y + rect.height / 2);
    const t = (await audioEl.evaluate((a) => (a as unknown as { currentTime: number }).currentTime)) as number;
    assert.ok(Math.abs(t - 1.0) < 0.15, `seeked to ${t}, expected about 1.0 s`);
  });
});

test('the rates panel: per modality, type and checkpoint, right for the wrong reasons, filter, scatter', async () => {
  await withPage(openWebview(views, modelWithShortcuts()), async ({ page: p }) => {
    const panel = p.locator('[data-testid=shortcut-summary]');
    await panel.waitFor();
    assert.match((await p.locator('[data-testid=sc-verdicts-audio]').textContent()) ?? '', /shortcut rate 50%/);
    assert.match((await p.locator('[data-testid=sc-per-type]').textContent()) ?? '', /multiple choice\s*50%\s*0%\s*2/);
    assert.match((await p.locator('[data-testid=sc-per-checkpoint]').textContent()) ?? '', /ckpt-40/);
    assert.match((await p.locator('[data-testid=sc-not-sent]').textContent()) ?? '', /audio 1/);
    assert.equal(await p.locator('[data-testid=reliance-scatter] circle').count(), 2, 'unmeasured rollouts are not plotted');
    // The table gains a shortcut column.
    assert.match((await p.locator('[data-testid=rollout-row][data-index="0"]').textContent()) ?? '', /A IGNORED · V decor\./);
    // "Right for the wrong reasons" filters the table to the shortcut rollouts.
    const before = await p.locator('[data-testid=rollout-row]').count();
    await p.locator('[data-testid=right-for-wrong-reasons]').click();
    // Functions, not bare expressions: Playwright re-evals a bare expression on every poll, which
    // the webview's CSP (no 'unsafe-eval') refuses once the first check has not already passed.
    // Wait for the filtered table itself (a count below the first one can be a table still re-rendering).
    const rows = () => p.locator('[data-testid=rollout-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-index')));
    const end = Date.now() + 10_000;
    let shown = await rows();
    while (JSON.stringify(shown) !== JSON.stringify(['0']) && Date.now() < end) {
      await p.waitForTimeout(25);
      shown = await rows();
    }
    assert.deepEqual(shown, ['0']);
    await p.locator('[data-testid=clear-shortcut-filter]').click();
    await untilTrue(p, `document.querySelectorAll('[data-testid=rollout-row]').length === ${before}`);
    // A point opens its rollout.
    await p.locator('[data-testid=reliance-scatter] circle[data-index="1"]').click();
    await p.waitForSelector('[data-testid=trace-view][data-index="1"]');
  });
});
