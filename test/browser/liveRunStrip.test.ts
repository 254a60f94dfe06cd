// The live run view's strip in headless Chromium, with this test playing the host: "k of n done"
// counts up as `runProgress` events arrive, each finished sample shows done with its format and
// accuracy chips, the judged rewards join when they arrive (a context reward not computed reads
// as such, never as 0), tokens and latency show per sample, and a sample opens from the strip.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost, launchViews, openPage, withPage, type Views } from '../helpers/webviewPage';
import { scoreRecord } from '../../src/core/score';
import { RolloutViewModel, summarise } from '../../src/core/viewModel';
import type { LiveRunProgress, LiveSample, WebviewToHost } from '../../src/protocol/messages';
import type { ScoredRollout } from '../../src/core/types';
import { untilTrue } from '../helpers/pollPage';

let views: Views;

before(async () => {
  views = await launchViews();
});

after(() => views?.close());

const REPLIES = ['<context>A test pattern.</context><think>Bars.</think><answer>A</answer>', '<answer>B</answer>', '<context>A cat.</context><think>Fur.</think><answer>B</answer>'];

const scored: ScoredRollout[] = REPLIES.map((completion, index) =>
  scoreRecord({
    index,
    id: `sample ${index + 1}`,
    source: { file: 'ckpt (live)', recordIndex: index },
    question: { problem: 'What is on screen?', options: ['A. a test pattern', 'B. a cat'], problemType: 'multiple choice' },
    reference: { answer: 'A', solution: '<answer>A</answer>' },
    completion,
  }),
);

function sampleOf(i: number, state: LiveSample['state']): LiveSample {
  const s: LiveSample = { index: i, state, tokens: 10 + i, rewards: {} };
  if (state === 'streaming') s.firstTokenMs = 120;
  if (state === 'done') {
    const sc = scored[i]!;
    s.latencyMs = 1500 + 100 * i;
    s.formatOk = sc.trace.formatOk;
    if (!sc.trace.formatOk) s.formatReason = summarise(sc).formatReason;
    for (const [name, r] of Object.entries(sc.rewards)) s.rewards[name] = { value: r.value, status: r.status };
  }
  return s;
}

/** The live run view's host: its init carries the strip, and Stop is refused (the run is scripted). */
class LiveHost extends FakeHost {
  progress: LiveRunProgress = { n: 3, done: 0, running: true, judge: 'j', samples: [0, 1, 2].map((i) => sampleOf(i, 'streaming')) };

  /** Pushes the strip, and keeps it for an init asked again later. */
  async emitProgress(p: LiveRunProgress): Promise<void> {
    this.progress = p;
    await this.emit('runProgress', p);
  }

  protected override async answer(m: WebviewToHost): Promise<unknown> {
    if (m.method === 'getInit') return { ...(await this.model.getInit()), live: this.progress.running, run: this.progress };
    if (m.method === 'cancelRun') return { cancelled: false };
    return super.answer(m);
  }
}

function openLiveRun() {
  const model = new RolloutViewModel(
    {
      title: 'ckpt on clip.mp4 (live)',
      fileName: 'ckpt (running)',
      format: 'live run',
      host: 'vscode',
      trusted: true,
      getDetail: async (i) => scored[i]!,
      getMedia: () => ({ status: 'missing', reason: 'no clip in this test' }),
    },
    scored.map(summarise),
  );
  return openPage(views, (page) => new LiveHost(page, model), { ready: '[data-testid=run-strip]:not([hidden])' });
}

test('the strip: "k of n done" counts up, each done sample shows format and accuracy, then its judged rewards; a not-computed context is never a 0', async () => {
  await withPage(openLiveRun(), async ({ page, host }) => {
    const count = () => page.textContent('[data-testid=run-strip-count]');
    const sample = (i: number) => page.locator(`[data-testid=run-sample][data-index="${i}"]`);
    assert.match((await count()) ?? '', /^0 of 3 done · running · judge: j$/);
    assert.equal(await sample(0).getAttribute('data-state'), 'streaming');
    assert.equal(await sample(0).locator('[data-testid=sample-format]').count(), 0, 'no verdict while streaming');
    assert.match((await sample(0).locator('[data-testid=sample-latency]').textContent()) ?? '', /first token 0\.1 s/);

    // Samples finish one by one.
    const samples = [0, 1, 2].map((i) => sampleOf(i, 'streaming'));
    for (let k = 0; k < 3; k++) {
      samples[k] = sampleOf(k, 'done');
      await host.emitProgress({ n: 3, done: k + 1, running: k < 2, judge: 'j', samples: samples.map((s) => ({ ...s })) });
      await untilTrue(page, `document.querySelector('[data-testid=run-strip-count]')?.textContent.startsWith('${k + 1} of 3 done')`);
      assert.equal(await sample(k).getAttribute('data-state'), 'done');
      assert.equal(await sample(k).locator('[data-testid=sample-state]').textContent(), 'done');
    }
    assert.match((await count()) ?? '', /^3 of 3 done · judge: j$/);
    const chip = (i: number, id: string) => sample(i).locator(`[data-testid=${id}]`);
    assert.equal(await chip(0, 'sample-format').textContent(), 'format ✓');
    assert.equal(await chip(0, 'sample-reward-accuracy').textContent(), 'accuracy 1');
    assert.match((await chip(1, 'sample-format').textContent()) ?? '', /^format ✗ \S+/);
    assert.equal(await chip(1, 'sample-format').getAttribute('data-ok'), 'false');
    assert.equal(await chip(1, 'sample-reward-accuracy').textContent(), 'accuracy 0');
    assert.equal(await chip(2, 'sample-reward-accuracy').textContent(), 'accuracy 0');
    assert.equal(await chip(2, 'sample-tokens').textContent(), '12 tokens');
    assert.equal(await chip(2, 'sample-latency').textContent(), '1.7 s');

    // Judging, then the judged rewards.
    samples[0] = { ...samples[0]!, judge: 'judging' };
    await host.emitProgress({ n: 3, done: 3, running: false, judge: 'j', samples: samples.map((s) => ({ ...s })) });
    await page.waitForSelector('[data-testid=run-sample][data-index="0"] [data-testid=sample-judging]');
    samples[0] = { ...samples[0]!, judge: 'judged', rewards: { ...samples[0]!.rewards, context: { value: null, status: 'not-computed' }, logic: { value: 0.8, status: 'ok' } } };
    await host.emitProgress({ n: 3, done: 3, running: false, judge: 'j', samples: samples.map((s) => ({ ...s })) });
    await page.waitForSelector('[data-testid=run-sample][data-index="0"] [data-testid=sample-reward-logic]');
    assert.equal(await chip(0, 'sample-judging').count(), 0);
    assert.equal(await chip(0, 'sample-reward-logic').textContent(), 'logic 0.8');
    const ctx = chip(0, 'sample-reward-context');
    assert.equal(await ctx.textContent(), 'context not computed');
    assert.equal(await ctx.getAttribute('data-status'), 'not-computed');
    assert.doesNotMatch((await ctx.getAttribute('class')) ?? '', /v-zero|v-pass/);

    // A sample opens from the strip.
    await sample(1).locator('button').click();
    await page.waitForSelector('[data-testid=trace-view][data-index="1"]');
    assert.ok(host.seen.some((m) => m.method === 'getRollout' && m.params.index === 1));
  });
});
