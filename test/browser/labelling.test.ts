// Labelling by keyboard in the trace view (the webview as VS Code loads it, the test playing the
// host): L opens the bar, the judge's score stays hidden until labelled, number keys label the
// active reward, a label two away from the judge asks for a reason, j moves on, u undoes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreViewsFixture, viewsModel } from '../helpers/viewsFixture';
import { until } from '../helpers/until';
import { FakeHost, launchViews, openPage, withPage, type Views } from '../helpers/webviewPage';
import type { ScoredRollout } from '../../src/core/types';
import type { LabelState, WebviewToHost } from '../../src/protocol/messages';

let views: Views;
let scored: ScoredRollout[];

before(async () => {
  scored = await scoreViewsFixture();
  // Rollout 0 judged: context 4 (0.8), logic 1 (0.2).
  const judged = (reward: string, score: number) => ({
    value: score / 5,
    status: 'ok' as const,
    explanation: `judge said ${score}`,
    provenance: {
      source: 'judge',
      reward,
      profile: 'test',
      endpoint: 'http://127.0.0.1:1/v1',
      model: 'judge-7b',
      template: { name: reward, hash: 'h', file: `builtin:${reward}`, parse: 'number', scale: '0–5 ÷ 5' },
      prompt: 'the prompt',
      sampling: { temperature: 0, maxTokens: 8 },
      repeats: [{ index: 0, status: 'ok', score, value: score / 5, reply: String(score), latencyMs: 10, attempts: 1, cacheHit: false, cacheKey: 'k' }],
      okRepeats: 1,
      failedRepeats: 0,
      reply: String(score),
      latencyMs: 10,
      attempts: 1,
      cacheHit: false,
    },
  });
  scored[0] = { ...scored[0]!, rewards: { ...scored[0]!.rewards, context: judged('context', 4), logic: judged('logic', 1) } };
  views = await launchViews();
});
after(() => views?.close());

/** The host with labels in memory, as the extension keeps them in .omnitrace/labels/. */
class LabelHost extends FakeHost {
  labels = new Map<string, { score: number; reason?: string }>();
  undo: string[] = [];
  private state(index: number): LabelState {
    const s = scored[index]!;
    const rewards = ['context', 'logic']
      .filter((r) => s.rewards[r])
      .map((reward) => {
        const l = this.labels.get(`${index}:${reward}`);
        return {
          reward,
          scale: reward === 'context' ? [0, 1, 2, 4, 5] : [0, 1, 2, 3, 4, 5],
          judge: Math.round(s.rewards[reward]!.value! * 5),
          ...(l ? { label: l.score, ...(l.reason ? { reason: l.reason } : {}) } : {}),
        };
      });
    return { enabled: true, labeller: 'ann', blind: true, rewards };
  }
  protected override async answer(m: WebviewToHost): Promise<unknown> {
    if (m.method === 'getLabels') return this.state(m.params.index);
    if (m.method === 'setLabel') {
      const k = `${m.params.index}:${m.params.reward}`;
      this.labels.set(k, { score: m.params.score, ...(m.params.reason ? { reason: m.params.reason } : {}) });
      this.undo.push(k);
      return this.state(m.params.index);
    }
    if (m.method === 'undoLabel') {
      const k = this.undo.pop();
      if (k) this.labels.delete(k);
      return { undone: !!k };
    }
    return super.answer(m);
  }
}

test('blind keyboard labelling: hidden judge, number keys, a reason when far off, undo, next rollout', async () => {
  const model = viewsModel(scored, { getMedia: () => ({ status: 'missing', reason: 'no clip' }) });
  await withPage(
    openPage(views, (page) => new LabelHost(page, model), { ready: '[data-testid=rollout-row]' }),
    async (w) => {
      const { page, host } = w;
      await page.locator('[data-testid=rollout-row][data-index="0"]').click();
      await page.waitForSelector('[data-testid=trace-view][data-index="0"]');
      await page.locator('[data-testid=trace-view]').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('L');
      await page.waitForSelector('[data-testid=label-bar] [data-testid=label-row]');
      // Blind: neither the bar nor the chip shows the judge's score yet (the bar's judge cell fills in once its labels arrive).
      await until(async () => /hidden until you label/.test((await page.locator('[data-testid=label-judge]').first().textContent()) ?? ''), 'the judge hidden in the bar');
      await until(async () => ((await page.locator('[data-testid=chip-context] .chip-value').textContent()) ?? '') === '•••', 'the context chip masked');
      // The table leaves out the judged columns while labelling.
      assert.equal(await page.locator('[data-testid=th-reward\\:context]').count(), 0);
      // 4 on context: equals the judge; the chip shows its value again, logic becomes active.
      await page.keyboard.press('4');
      await until(async () => host.labels.get('0:context')?.score === 4, 'the context label');
      await until(async () => ((await page.locator('[data-testid=chip-context] .chip-value').textContent()) ?? '') !== '•••', 'the chip unmasked');
      // 5 on logic, four away from the judge's 1: a reason is asked; Enter saves it.
      await page.keyboard.press('5');
      await page.waitForSelector('[data-testid=label-reason]');
      await page.locator('[data-testid=label-reason]').fill('the reasoning checks the audio twice');
      await page.locator('[data-testid=label-reason]').press('Enter');
      await until(async () => host.labels.get('0:logic')?.reason === 'the reasoning checks the audio twice', 'the reason saved');
      // The page closes the reason box once the host's answer is back: until then a key still goes
      // into the box (under load, 'u' was typed there instead of undoing).
      await until(async () => (await page.locator('[data-testid=label-reason]').count()) === 0, 'the reason box closed');
      // u undoes the last label (the reasoned logic label went in twice: label, then reason).
      await page.keyboard.press('u');
      await until(async () => host.undo.length === 2, 'one undo');
      // j moves to the next rollout, whose bar opens with it.
      await page.keyboard.press('j');
      await page.waitForSelector('[data-testid=trace-view][data-index="1"]');
      // The host hears the page's request when it next polls: wait for it, not for a moment.
      await until(async () => host.seen.some((m) => m.method === 'getLabels' && m.params.index === 1), "rollout 1's labels asked for");
    },
  );
});

test('judge chips say whether their template is calibrated against labels, and when that is stale', async () => {
  const model = viewsModel(scored, { getMedia: () => ({ status: 'missing', reason: 'no clip' }) });
  class CalibratedHost extends LabelHost {
    protected override async answer(m: WebviewToHost): Promise<unknown> {
      const r = await super.answer(m);
      if (m.method !== 'getInit') return r;
      const rec = (reward: string, sha256: string, n: number) => ({ reward, variant: reward, sha256, model: 'judge-7b', labelSet: 'x', n, qwk: 0.71, exact: 0.5, time: '2026-12-01T00:00:00Z' });
      return { ...(r as object), calibrations: [rec('context', 'an-older-template', 80), rec('logic', 'h', 12)] };
    }
  }
  await withPage(
    openPage(views, (page) => new CalibratedHost(page, model), { ready: '[data-testid=rollout-row]' }),
    async (w) => {
      const { page } = w;
      await page.locator('[data-testid=rollout-row][data-index="0"]').click();
      await page.waitForSelector('[data-testid=trace-view][data-index="0"]');
      await page.locator('[data-testid=chip-context]').click();
      assert.match((await page.locator('[data-testid=chip-detail-context] [data-testid=judge-calibration]').textContent()) ?? '', /Calibration stale: the template changed/);
      await page.locator('[data-testid=chip-logic]').click();
      assert.match(
        (await page.locator('[data-testid=chip-detail-logic] [data-testid=judge-calibration]').textContent()) ?? '',
        /Calibrated against 12 labels: quadratic κ 0\.71 \(not established: fewer than 50 labels\)/,
      );
    },
  );
});
