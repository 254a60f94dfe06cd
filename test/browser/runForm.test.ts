// The run form as VS Code loads it (the host's HTML and CSP, acquireVsCodeApi, window messages)
// in headless Chromium, with this test playing the extension host: the clip plays beside the
// fields, errors show next to the fields as the user types (bad range, missing question), the
// options suggest the problem type, the start/end buttons copy the player's time, Run submits the
// typed values (and shows the host's errors), Escape cancels. Prefilled text stays text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeTestClip } from '../helpers/testClip';
import { launchViews, openPage, PageHost, withPage, type Views } from '../helpers/webviewPage';
import type { RunFormInit, RunFormToHost } from '../../src/protocol/messages';
import type { RunFormErrors } from '../../src/core/run/runForm';
import { untilTrue } from '../helpers/pollPage';

let form: Views;

before(async () => {
  form = await launchViews('runForm');
  makeTestClip(form.dir, 2);
});

after(() => form?.close());

const HOSTILE = '<img src=x onerror="window.__pwned=1">What is on screen?';

function formInit(): RunFormInit {
  return {
    clip: { name: 'clip.mp4', path: join(form.dir, 'clip.mp4'), kind: 'video', src: './clip.mp4', duration: 2, hasAudio: true, hasVideo: true },
    profiles: [
      { name: 'local', model: 'ckpt', baseURL: 'http://127.0.0.1:8000/v1', n: 2 },
      { name: 'big', model: 'ckpt-7b', baseURL: 'http://127.0.0.1:8001/v1', n: 8 },
    ],
    judges: [{ name: 'j', model: 'judge-m' }],
    problemTypes: ['multiple choice', 'numerical', 'free-form'],
    values: { question: HOSTILE, options: '', problemType: 'free-form', answer: '', referenceContext: '', start: '', end: '', profile: 'local', judge: '', n: '2' },
    prefilledFrom: 'rollout 3 of run.rollouts.jsonl',
  };
}

/** The host side of the run form's protocol, driven from the test. */
class FormHost extends PageHost<RunFormToHost> {
  /** Errors the next submit answers with (then accepted). */
  reject: RunFormErrors | undefined;

  protected override answer(m: RunFormToHost): unknown {
    if (m.method === 'getRunForm') return formInit();
    if (m.method === 'submitRunForm') {
      const result = this.reject ? { accepted: false, errors: this.reject } : { accepted: true, errors: {} };
      this.reject = undefined;
      return result;
    }
    return { cancelled: true };
  }
}

/** Runs `body` on the form once it is up, then checks the page logged no error and broke no CSP rule. */
function withForm(body: (f: { page: Page; host: FormHost }) => Promise<void>): Promise<void> {
  const ready = '[data-testid=run-form][data-ready], #root[data-ready=true] [data-testid=run-form]';
  return withPage(
    openPage(form, (page) => new FormHost(page), { ready }),
    body,
  );
}

/** Types into a vscode-elements field the way a user does (its inner input or textarea). */
async function type(page: Page, field: string, text: string): Promise<void> {
  await page.locator(`[data-testid=field-${field}] input, [data-testid=field-${field}] textarea`).first().fill(text);
}

const value = (page: Page, field: string) => page.evaluate(`document.querySelector('[data-testid=field-${field}]').value`) as Promise<string>;
const errorText = (page: Page, field: string) =>
  page.evaluate(`(() => { const e = document.querySelector('[data-testid=error-${field}]'); return e.hidden ? '' : e.textContent; })()`) as Promise<string>;

/** Waits until the field shows an error matching `re` (validation runs on input events, after typing returns). */
async function expectError(page: Page, field: string, re: RegExp): Promise<void> {
  const end = Date.now() + 10_000;
  let last = '';
  while (!re.test((last = await errorText(page, field)))) {
    if (Date.now() > end) assert.fail(`field ${field}: expected an error matching ${re}, shows ${JSON.stringify(last)}`);
    await page.waitForTimeout(20);
  }
}

/** Waits until no field shows an error. */
async function expectNoErrors(page: Page): Promise<void> {
  const end = Date.now() + 10_000;
  while ((await page.locator('[data-testid^=error-]:not([hidden])').count()) !== 0) {
    if (Date.now() > end) assert.fail('errors still shown');
    await page.waitForTimeout(20);
  }
}

test('the form shows the clip playing beside the prefilled fields; hostile prefill is text', async () => {
  await withForm(async ({ page }) => {
    assert.match((await page.textContent('[data-testid=run-form-title]')) ?? '', /Run a checkpoint on clip\.mp4/);
    assert.match((await page.textContent('[data-testid=prefilled-from]')) ?? '', /rollout 3 of run\.rollouts\.jsonl/);
    await untilTrue(page, `document.querySelector('[data-testid=run-form-player] video')?.readyState >= 1`);
    assert.equal(await page.evaluate(`Math.round(document.querySelector('[data-testid=run-form-player] video').duration)`), 2);
    assert.match((await page.textContent('[data-testid=clip-caption]')) ?? '', /video \+ audio · 0:02/);
    assert.equal(await value(page, 'question'), HOSTILE);
    assert.equal(await value(page, 'profile'), 'local');
    assert.equal(await value(page, 'judge'), '');
    assert.equal(await value(page, 'n'), '2');
    assert.equal(await value(page, 'problemType'), 'free-form');
    assert.equal(await page.evaluate('window.__pwned ?? null'), null);
    assert.equal(await page.locator('[data-testid=run-form] img').count(), 0, 'markup in a prefill is text');
    // No errors on a fresh form.
    assert.equal(await page.locator('[data-testid^=error-]:not([hidden])').count(), 0);
  });
});

test('validation: a missing question and a bad range show next to their fields, and Run sends nothing until fixed', async () => {
  await withForm(async ({ page, host }) => {
    await type(page, 'question', '');
    await untilTrue(page, `!document.querySelector('[data-testid=error-question]').hidden`);
    await expectError(page, 'question', /question is needed/);
    assert.ok(await page.evaluate(`document.querySelector('[data-testid=error-question]').closest('[data-field]').dataset.field === 'question'`), 'the error sits in the question field');
    await type(page, 'start', '0:01.5');
    await type(page, 'end', '1');
    await expectError(page, 'end', /must be after the start/);
    await type(page, 'end', '5');
    await expectError(page, 'end', /The clip is 0:02 long/);
    await type(page, 'start', 'later');
    await expectError(page, 'start', /'later' is not a time/);
    await type(page, 'n', '0');
    await expectError(page, 'n', /whole number/);
    await page.locator('[data-testid=run-submit]').click();
    // The click decides synchronously: anything it sent is already in the page's outbox or seen.
    await expectError(page, 'n', /whole number/);
    const pending = (await page.evaluate(`(window.__sent ?? []).filter((m) => m.method === 'submitRunForm').length`)) as number;
    assert.equal(host.seen.filter((m) => m.method === 'submitRunForm').length + pending, 0, 'nothing submitted with errors');
    // Fixed: the errors go, Run submits the values as typed.
    await type(page, 'question', 'What is on screen?');
    await type(page, 'start', '0:00.5');
    await type(page, 'end', '1.5');
    await type(page, 'n', '3');
    await expectNoErrors(page);
    // The host has the last word: its errors show too.
    host.reject = { answer: 'the host says: needed with a reference context' };
    await page.locator('[data-testid=run-submit]').click();
    await host.waitFor('submitRunForm');
    await untilTrue(page, `!document.querySelector('[data-testid=error-answer]').hidden`);
    await expectError(page, 'answer', /the host says/);
    await page.locator('[data-testid=run-submit]').click();
    const [, second] = await host.waitFor('submitRunForm', 2);
    assert.equal(second!.method, 'submitRunForm');
    const values = (second as Extract<RunFormToHost, { method: 'submitRunForm' }>).params.values;
    assert.deepEqual(
      { question: values.question, start: values.start, end: values.end, n: values.n, profile: values.profile },
      { question: 'What is on screen?', start: '0:00.5', end: '1.5', n: '3', profile: 'local' },
    );
  });
});

test('options suggest the problem type; the profile sets n; start/end come from the player; Escape cancels', async () => {
  await withForm(async ({ page, host }) => {
    await type(page, 'options', 'A. a test pattern\nB. a cat');
    await untilTrue(page, `document.querySelector('[data-testid=field-problemType]').value === 'multiple choice'`);
    await page.evaluate(`(() => { const s = document.querySelector('[data-testid=field-profile]'); s.value = 'big'; s.dispatchEvent(new Event('change')); })()`);
    assert.equal(await value(page, 'n'), '8', "n follows the profile's default until edited");
    await untilTrue(page, `document.querySelector('[data-testid=run-form-player] video')?.readyState >= 1`);
    await page.evaluate(
      `(() => { const v = document.querySelector('[data-testid=run-form-player] video'); return new Promise((r) => { v.addEventListener('seeked', r, { once: true }); v.currentTime = 0.5; }); })()`,
    );
    await page.locator('[data-testid=set-start]').click();
    assert.equal(await value(page, 'start'), '0:00.5');
    await page.evaluate(
      `(() => { const v = document.querySelector('[data-testid=run-form-player] video'); return new Promise((r) => { v.addEventListener('seeked', r, { once: true }); v.currentTime = 1.25; }); })()`,
    );
    await page.locator('[data-testid=set-end]').click();
    assert.equal(await value(page, 'end'), '0:01.25');
    assert.equal(await page.locator('[data-testid^=error-]:not([hidden])').count(), 0);
    await page.locator('[data-testid=field-question] textarea').focus();
    await page.keyboard.press('Escape');
    await host.waitFor('cancelRunForm');
    assert.equal(host.seen.filter((m) => m.method === 'submitRunForm').length, 0);
  });
});
