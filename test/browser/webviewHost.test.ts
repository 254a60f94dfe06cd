// The webview bundle as VS Code loads it (the host's HTML, acquireVsCodeApi, window messages),
// with this test playing the extension host: it answers the page's requests from a real
// RolloutViewModel over the scored fixture, pushes events, and fails requests on purpose.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTrace } from '../../src/core/trace';
import { summarise } from '../../src/core/viewModel';
import type { ScoredRollout } from '../../src/core/types';
import { FakeHost, launchViews, openPage, openWebview, withPage, type Views } from '../helpers/webviewPage';
import type { WebviewToHost } from '../../src/protocol/messages';
import { scoreViewsFixture, viewsModel } from '../helpers/viewsFixture';
import { untilTrue } from '../helpers/pollPage';
import { until } from '../helpers/until';

const ROOT = resolve(__dirname, '..', '..');

let views: Views;
let scored: ScoredRollout[];

before(async () => {
  scored = await scoreViewsFixture();
  views = await launchViews();
});

after(() => views?.close());

/** The rollout view over the scored fixture (re-read on each request, so a test may swap rows in). */
function openViews(state: unknown = undefined) {
  const model = viewsModel(scored, {
    getMedia: (s) => ({ status: 'missing', path: s.record.clip?.path, reason: `clip not found: ${s.record.clip?.path ?? '(none)'} — set omnitrace.mediaRoot` }),
  });
  return openWebview(views, model, state);
}

test('the view asks for init and its first page together, then details, and remembers the selection', async () => {
  await withPage(openViews(), async (w) => {
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 10);
    // One round trip, not two: the first page is asked for before init has come back.
    const asked = (method: string, offset?: number) =>
      w.host.repliesBefore[w.host.seen.findIndex((m) => m.method === method && (offset === undefined || (m.params as { offset?: number }).offset === offset))];
    assert.equal(asked('getInit'), 0, 'init is asked for first thing');
    assert.equal(asked('getRows', 0), 0, 'the first page is asked for before any reply, init included');
    await w.page.locator('[data-testid=rollout-row][data-index="5"]').click();
    await w.page.waitForSelector('[data-testid=trace-view][data-index="5"]');
    assert.ok(w.host.seen.some((m) => m.method === 'getRollout' && m.params.index === 5));
    assert.match((await w.page.locator('[data-testid=media-missing]').textContent()) ?? '', /set omnitrace\.mediaRoot/);
    const state = (await w.page.evaluate('window.__state')) as { selected?: number };
    assert.equal(state.selected, 5);

    // In the editor the source line is a link that asks the host to reveal it.
    await w.page.locator('[data-testid=source-link]').click();
    const [reveal] = await w.host.waitFor('revealSource');
    assert.equal(reveal!.method === 'revealSource' && reveal!.params.index, 5);
  });
});

/** Holds its replies to the requests named (`getRows#2`: the second getRows) until the test lets each go, as a host busy with a load does. */
class HoldingHost extends FakeHost {
  private readonly gates = new Map<string, () => void>();
  private readonly counts = new Map<string, number>();
  holds: string[] = [];
  protected override hold(m: WebviewToHost): Promise<void> | undefined {
    const n = (this.counts.get(m.method) ?? 0) + 1;
    this.counts.set(m.method, n);
    const key = `${m.method}#${n}`;
    return this.holds.includes(key) ? new Promise((release) => this.gates.set(key, release)) : undefined;
  }
  held(): string[] {
    return [...this.gates.keys()];
  }
  release(key: string): void {
    const go = this.gates.get(key);
    assert.ok(go, `${key} is not held (held: ${this.held().join(', ')})`);
    this.gates.delete(key);
    go();
  }
}

function openHolding(holds: string[]) {
  const model = viewsModel(scored, { getMedia: () => ({ status: 'missing', reason: 'no clip' }) });
  return openPage(
    views,
    (page) => {
      const host = new HoldingHost(page, model);
      host.holds = holds;
      return host;
    },
    { ready: '[data-testid=rollout-table]' },
  );
}

const marks = (name: string, n: number) => `performance.getEntriesByName('omnitrace:${name}').length === ${n}`;
const rowsShown = (n: number) => `document.querySelectorAll('[data-testid=rollout-row]').length === ${n}`;

test('while a file loads, a first page that comes back after a newer refresh started is shown, not dropped', async () => {
  await withPage(openHolding(['getRows#1', 'getRows#2']), async (w) => {
    // The view has its init and waits for its first page, held.
    await untilTrue(w.page, marks('init', 1));
    // The host invalidates (more rows read): a newer refresh starts and asks for the page again, held too.
    await w.host.emit('invalidate', { reason: 'loading' });
    await untilTrue(w.page, marks('init', 2));
    assert.deepEqual(w.host.held(), ['getRows#1', 'getRows#2']);
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 0);
    // The first page comes back: nothing is shown yet, so it is shown, not dropped for being older.
    w.host.release('getRows#1');
    await untilTrue(w.page, rowsShown(10), 'the first page shown', 10_000);
    // The newer page replaces it when it comes.
    w.host.release('getRows#2');
    await untilTrue(w.page, marks('rows', 2));
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 10);
  });
});

test('a refresh that starts while an earlier one waits for its init leaves the earlier one its page', async () => {
  await withPage(openHolding(['getInit#1', 'getRows#2', 'getInit#2']), async (w) => {
    // The first page is back; the init is not.
    await untilTrue(w.page, marks('rows', 1));
    // A newer refresh asks for both again, held.
    await w.host.emit('invalidate', { reason: 'loading' });
    await until(() => w.host.held().length === 3, "the newer refresh's requests held");
    // The first init comes back: the first refresh shows the page it asked for, not the newer one still held.
    w.host.release('getInit#1');
    await untilTrue(w.page, rowsShown(10), 'the first page shown', 10_000);
    assert.equal(w.host.seen.filter((m) => m.method === 'getRows').length, 2, 'no page asked for a third time');
    w.host.release('getRows#2');
    w.host.release('getInit#2');
    await untilTrue(w.page, marks('init', 2));
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 10);
  });
});

test('the view tells the editor once that it has painted its first rows, not while it has none', async () => {
  await withPage(openHolding(['getRows#1']), async (w) => {
    const reports = async () =>
      w.host.seen.filter((m) => m.method === 'firstRowsShown').length + ((await w.page.evaluate(`window.__sent.filter((m) => m.method === 'firstRowsShown').length`)) as number);
    // Init is back (the file has rows), the first page is held: nothing is on screen yet.
    await untilTrue(w.page, marks('init', 1));
    assert.equal(await reports(), 0);
    w.host.release('getRows#1');
    await w.host.waitFor('firstRowsShown');
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 10);
    // Later refreshes say nothing: once that refresh has shown its rows and two frames have passed
    // (a report follows the first frame after the rows), there is still one.
    await w.host.emit('invalidate', { reason: 'loading' });
    await untilTrue(w.page, marks('shown', 2));
    await w.page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(() => setTimeout(r, 0)), 0)))');
    assert.equal(await reports(), 1);
  });
});

test('while the file is still read, the format filter names its choices without counts and the distributions wait; once read, both come', async () => {
  const model = viewsModel(scored, { getMedia: () => ({ status: 'missing', reason: 'no clip' }) });
  model.setComplete(false);
  await withPage(
    openPage(views, (page) => new FakeHost(page, model), { ready: '[data-testid=rollout-row]' }),
    async (w) => {
      const options = `[...document.querySelectorAll('[data-testid=filter-format] vscode-option')].map((o) => o.textContent).join('|')`;
      await untilTrue(w.page, `document.querySelector('[data-testid=still-reading]') !== null && ${options}.startsWith('any format|format passes|format fails')`, 'options without counts');
      // The distributions too wait for the whole file.
      await w.page.locator('[data-testid=toggle-chart]').click();
      await w.page.waitForSelector('[data-testid=chart-reading]');
      assert.equal(await w.page.locator('[data-testid=chart-accuracy]').count(), 0);
      model.setComplete(true);
      model.invalidate();
      await w.host.emit('invalidate', { reason: 'loaded' });
      await untilTrue(w.page, `/^any format\\|format passes \\(\\d+\\)\\|format fails \\(\\d+\\)/.test(${options})`, 'options with counts');
      await w.page.waitForSelector('[data-testid=chart-accuracy]');
      assert.equal(await w.page.locator('[data-testid=chart-reading]').count(), 0);
    },
  );
});

test('host events: select opens a rollout, invalidate re-reads init and rows', async () => {
  await withPage(openViews(), async (w) => {
    await w.host.emit('select', { index: 8 });
    await w.page.waitForSelector('[data-testid=trace-view][data-index="8"]');
    const inits = () => w.host.seen.filter((m) => m.method === 'getInit').length;
    const before = inits();
    await w.host.emit('progress', { read: 1234, skipped: 2, done: false });
    await w.page.waitForSelector('[data-testid=progress]:text("1,234 read")');
    await w.host.emit('invalidate', { reason: 'rescored' });
    await w.page.waitForSelector('[data-testid=trace-view][data-index="8"]');
    for (let i = 0; i < 40 && inits() === before; i++) await w.page.waitForTimeout(25);
    assert.equal(inits(), before + 1);

    // Rows arriving while a file loads: the host adds them and invalidates; the view grows.
    const first = scored[0]!;
    const late: ScoredRollout = { ...first, record: { ...first.record, index: scored.length, id: 'late-arrival' } };
    scored.push(late);
    try {
      w.host.model.add(summarise(late));
      w.host.model.invalidate();
      await w.host.emit('invalidate', { reason: 'more rows' });
      await w.page.waitForSelector(`[data-testid=rollout-row][data-index="${late.record.index}"]`);
      assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 11);
      assert.equal(await w.page.locator('.tr.loading').count(), 0);
      // The count settles once the re-requested init (with the new total) has arrived.
      const count = async () => (await w.page.locator('[data-testid=row-count]').textContent())?.trim();
      for (let waited = 0; (await count()) !== '11 rollouts' && waited < 10_000; waited += 50) await w.page.waitForTimeout(50);
      assert.equal(await count(), '11 rollouts');
      await w.page.waitForSelector('[data-testid=trace-view][data-index="8"]');
    } finally {
      scored.pop();
    }
  });
});

test('a failed request is shown in the view, and the saved state is restored on reload', async () => {
  await withPage(openViews({ query: { format: 'failing' }, selected: 7 }), async (w) => {
    // Restored: the failing-format filter and the selected rollout.
    await w.page.waitForSelector('[data-testid=trace-view][data-index="7"]');
    assert.equal(await w.page.locator('[data-testid=rollout-row]').count(), 3);
    w.host.failIndex = 6;
    await w.page.locator('[data-testid=rollout-row][data-index="6"]').click();
    await w.page.waitForSelector('[data-testid=trace-error]');
    assert.match((await w.page.locator('[data-testid=trace-error]').textContent()) ?? '', /line 7 could not be re-read/);
  });
});

test('judged rewards: the evidence opens under the chip; a failed judge call never looks like a zero', async () => {
  const reply = 'The answer covers the apology and the low voice. <img src=x onerror="window.__pwned=1"> Score: 4';
  const at = reply.lastIndexOf('4');
  const base = scored[0]!;
  const judged: ScoredRollout = {
    ...base,
    rewards: {
      ...base.rewards,
      context: {
        value: 0.8,
        status: 'ok',
        explanation: 'judge score 4 of 0/1/2/4/5, ÷ 5',
        trainerValue: 0.8,
        provenance: {
          source: 'judge',
          reward: 'context',
          profile: 'local',
          model: 'judge-72b',
          template: { name: 'context', hash: 'ab12cd34ef56ab12cd34', file: '(built-in)', parse: 'last-number', scale: '0,1,2,4,5 ÷ 5' },
          prompt: 'Reference context: …\nCandidate context: …\nReply with one number.',
          sampling: { temperature: 0, maxTokens: 512 },
          repeats: [
            { index: 0, status: 'ok', score: 4, value: 0.8, reply, span: { start: at, end: at + 1 }, latencyMs: 120, attempts: 1, cacheHit: false, cacheKey: 'k0' },
            { index: 1, status: 'call-error', score: null, value: null, reply: null, error: 'HTTP 500', latencyMs: null, attempts: 3, cacheHit: false, cacheKey: 'k1' },
          ],
          okRepeats: 1,
          failedRepeats: 1,
          mean: 0.8,
          spread: { min: 0.8, max: 0.8, std: 0 },
          reply,
          span: { start: at, end: at + 1 },
          latencyMs: 120,
          attempts: 1,
          cacheHit: false,
        },
      },
      logic: { value: null, status: 'call-error', explanation: 'the judge did not answer: timed out after 3 attempts', trainerValue: 0 },
    },
  };
  const saved = scored[0];
  scored[0] = judged;
  await withPage(openViews(), async (w) => {
    await w.page.locator('[data-testid=rollout-row][data-index="0"]').click();
    await w.page.waitForSelector('[data-testid=trace-view][data-index="0"]');
    // Each judged reward sits on the panel it scores.
    assert.equal(await w.page.locator('[data-testid=panel-context] [data-testid=chip-context]').count(), 1);
    assert.equal(await w.page.locator('[data-testid=panel-think] [data-testid=chip-logic]').count(), 1);
    const logic = w.page.locator('[data-testid=chip-logic]');
    assert.equal(await logic.getAttribute('data-status'), 'call-error');
    assert.doesNotMatch((await logic.textContent()) ?? '', /\b0\b/);
    await logic.click();
    assert.match((await w.page.locator('[data-testid=chip-detail-logic]').textContent()) ?? '', /trainer would have recorded 0/);

    await w.page.locator('[data-testid=chip-context]').click();
    const detail = w.page.locator('[data-testid=chip-detail-context]');
    assert.equal(await detail.locator('[data-testid=judge-span]').textContent(), '4');
    assert.match((await detail.locator('[data-testid=judge-reply]').textContent()) ?? '', /<img src=x onerror/);
    assert.equal(await detail.locator('img').count(), 0);
    assert.match((await detail.locator('[data-testid=judge-repeats-summary]').textContent()) ?? '', /2 repeats, 1 ok · mean 0\.8/);
    assert.match((await detail.locator('[data-testid=judge-repeats]').textContent()) ?? '', /HTTP 500/);
    assert.match((await detail.locator('[data-testid=judge-prompt]').textContent()) ?? '', /Reply with one number/);
    assert.equal(await w.page.evaluate('window.__pwned'), undefined);
    await w.page.screenshot({ path: join(ROOT, 'test-results', 'judge-detail.png'), fullPage: true });
    // The judged context reward as the trainer applies it: the total advantage again, from the
    // start up to </context>; beside what was intended (its own advantage on <context> only).
    const spans = (await w.page.locator('[data-testid=partial-spans]').textContent()) ?? '';
    assert.match(spans, /published trainer\s*context: chars 0–\d+/);
    assert.match(spans, /intended\s*context: chars 9–\d+/);
    assert.match(spans, /logic: .*unknown/);
    // The failed logic call recorded 0 in training, which gates accuracy under markov gating.
    assert.match((await w.page.locator('[data-testid=markov]').textContent()) ?? '', /logic' has no value \(call-error\).*the trainer recorded 0 and zeroed accuracy/);
  }).finally(() => {
    scored[0] = saved;
  });
});

/** VS Code's Dark Modern colours (the report's dark theme), as a stylesheet the webview's CSP allows. */
function darkThemeCss(): string {
  const css = readFileSync(join(ROOT, 'webview', 'src', 'reportTheme.css'), 'utf8');
  const light = css.slice(css.indexOf(':root.report-mode'), css.indexOf('@media (prefers-color-scheme: dark)'));
  const dark = css.slice(css.indexOf('@media (prefers-color-scheme: dark)'));
  return (light + dark).replaceAll(':root.report-mode', ':root').replace('@media (prefers-color-scheme: dark)', '@media all');
}

test('modality colouring: sentences by what they cite, hostile text stays text, toggle, "cites no audio" badge', async () => {
  const context =
    'The woman in the red coat frowns at the camera. Her voice trembles while she speaks. ' +
    "She says \"I'm not angry.\" The subtitle reads 'Leave me alone'. There is no music. " +
    'A note < think > sits on the table. <img src=x onerror="window.__pwned=1"> Therefore it is B.';
  const think = 'Her frown and shaking voice suggest anger. The caption confirms it. So the answer is B.';
  const cites = `<context>${context}</context><think>${think}</think><answer>B</answer>`;
  const seenOnly = '<context>A man in a grey suit sits at a desk and stares at the wall.</context><think>He looks bored. So B.</think><answer>B</answer>';
  const saved = [scored[0]!, scored[1]!];
  const withCompletion = (s: ScoredRollout, completion: string, clip: ScoredRollout['record']['clip']): ScoredRollout => ({
    ...s,
    record: { ...s.record, completion, clip },
    trace: parseTrace(completion),
  });
  scored[0] = withCompletion(saved[0]!, cites, { path: 'clips/a.mp4', hasAudio: true, hasVideo: true });
  // A finding whose range crosses a sentence boundary ("camera. Her voice"): it must be split, not break the nesting.
  const across = cites.indexOf('camera. Her voice');
  scored[0].trace.diagnostics.push({ code: 'test-across', message: 'spans two sentences', severity: 'info', start: across, end: across + 'camera. Her voice'.length, breaksFormat: false });
  scored[1] = withCompletion(saved[1]!, seenOnly, { path: 'clips/b.mp4', hasAudio: true });
  const themeFile = join(views.dir, 'dark-theme.css');
  writeFileSync(themeFile, darkThemeCss());
  await withPage(openViews(), async (w) => {
    await w.page.emulateMedia({ colorScheme: 'dark' });
    await w.page.addStyleTag({ url: 'file://' + themeFile });
    await w.page.locator('[data-testid=rollout-row][data-index="0"]').click();
    await w.page.waitForSelector('[data-testid=trace-view][data-index="0"]');
    const sentences = w.page.locator('[data-testid=panel-context] [data-testid=modality-sentence]');
    const rows = (await sentences.evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('data-modality'), e.getAttribute('data-negated')]))) as [string, string, string | null][];
    const byStart = (prefix: string) => rows.find((r) => r[0].startsWith(prefix));
    assert.deepEqual(byStart('The woman in the red coat')?.slice(1), ['visual', null]);
    assert.deepEqual(byStart('Her voice trembles')?.slice(1), ['audio speech', null]);
    assert.deepEqual(byStart('She says')?.slice(1), ['speech', null]);
    assert.deepEqual(byStart('The subtitle reads')?.slice(1), ['text', null]);
    assert.deepEqual(byStart('There is no music')?.slice(1), ['audio', 'audio']);
    assert.deepEqual(byStart('<img')?.slice(1), ['none', null]);
    // The sentences together are exactly the panel's text (whitespace between them aside).
    const panelText = (await w.page.locator('[data-testid=text-context]').textContent()) ?? '';
    assert.equal(panelText, context);
    // The hostile sentence is text, not an element.
    assert.ok(rows.some((r) => r[0] === '<img src=x onerror="window.__pwned=1"> Therefore it is B.'));
    assert.equal(await w.page.locator('[data-testid=trace-view] img').count(), 0);
    assert.equal(await w.page.evaluate('window.__pwned'), undefined);
    // The format diagnostic is still underlined, inside its sentence.
    const underline = w.page.locator('[data-testid=panel-context] [data-testid=modality-sentence] [data-testid=diag-underline][data-code~=malformed-tag]');
    assert.equal(await underline.count(), 1);
    assert.equal(await underline.textContent(), '< think >');
    // A range over two sentences: one underline piece inside each (and one for the space between), the number on the last piece only.
    const pieces = (await w.page
      .locator('[data-testid=diag-underline][data-code=test-across]')
      .evaluateAll((els) => els.map((e) => [e.textContent, e.parentElement?.getAttribute('data-modality'), e.getAttribute('data-ends')]))) as [string, string | null, string | null][];
    assert.equal(pieces.map((p) => p[0]).join(''), 'camera. Her voice');
    assert.deepEqual(
      pieces.map((p) => p[1]),
      ['visual', null, 'audio speech'],
    );
    assert.equal(pieces[0]![2], null);
    assert.notEqual(pieces[pieces.length - 1]![2], null);
    // The first section arrives as a copy of its segment (JSON): it is not listed again as a repeat.
    assert.equal(await w.page.locator('[data-testid=repeats-context]').count(), 0);
    // Think is coloured too; Answer is not.
    assert.ok((await w.page.locator('[data-testid=panel-think] [data-testid=modality-sentence]').count()) >= 2);
    assert.equal(await w.page.locator('[data-testid=panel-answer] [data-testid=modality-sentence]').count(), 0);
    // This trace cites audio: no badge; the legend counts it.
    assert.equal(await w.page.locator('[data-testid=modality-badge]').count(), 0);
    assert.match((await w.page.locator('[data-testid=modality-legend] [data-modality=audio]').textContent()) ?? '', /audio \(heard\) 2 \+ 1 absent/);

    const visual = w.page.locator('[data-testid=panel-context] [data-testid=modality-sentence][data-modality=visual]').first();
    type Styles = { getComputedStyle(e: unknown): { backgroundImage: string; backgroundColor: string } };
    const paint = () =>
      visual.evaluate((e) => {
        const cs = (globalThis as unknown as Styles).getComputedStyle(e);
        return [cs.backgroundImage, cs.backgroundColor];
      });
    const [image, colour] = await paint();
    assert.match(image!, /gradient/);
    assert.notEqual(colour, 'rgba(0, 0, 0, 0)');
    await w.page.locator('[data-testid=trace-view]').screenshot({ path: join(ROOT, 'test-results', 'modality.png') });

    // The toggle turns colouring off, and the view remembers it.
    await w.page.locator('[data-testid=toggle-modality]').click();
    assert.deepEqual(await paint(), ['none', 'rgba(0, 0, 0, 0)']);
    const state = (await w.page.evaluate('window.__state')) as { modalityColours?: boolean };
    assert.equal(state.modalityColours, false);
    await w.page.locator('[data-testid=rollout-row][data-index="1"]').click();
    await w.page.waitForSelector('[data-testid=trace-view][data-index="1"]');
    assert.equal(await w.page.locator('[data-testid=trace-view].modality-off').count(), 1);
    assert.equal(await w.page.locator('[data-testid=toggle-modality]').isChecked(), false);

    // A clip with audio whose trace cites none: the badge, on the header.
    const badge = w.page.locator('[data-testid=trace-header] [data-testid=modality-badge]');
    assert.equal(await badge.count(), 1);
    assert.equal(await badge.getAttribute('data-code'), 'cites-no-audio');
    assert.equal(await badge.textContent(), 'cites no audio');
    // hasVideo is unknown for this clip: no guess, a note.
    assert.match((await w.page.locator('[data-testid=modality-notes]').textContent()) ?? '', /clip not probed for video/);
  }).finally(() => {
    scored[0] = saved[0]!;
    scored[1] = saved[1]!;
  });
});

test('live run: streamDelta grows the Context panel, then Think and Answer; "(unclosed)" only while a section is open; hostile text stays text', async () => {
  await withPage(openViews(), async (w) => {
    await w.page.locator('[data-testid=rollout-row][data-index="0"]').click();
    await w.page.waitForSelector('[data-testid=trace-view][data-index="0"]');
    const ctx = w.page.locator('[data-testid=panel-context] [data-testid=text-context]');
    const unclosed = (kind: string) => w.page.locator(`[data-testid=panel-${kind}] [data-testid=unclosed]`);
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const pieces = ['<context>The woman ', 'frowns. ', hostile, ' She sighs.'];
    let sent = '';
    for (const p of pieces) {
      await w.host.emit('streamDelta', { index: 0, text: p, at: sent.length });
      sent += p;
      // The panel shows everything streamed so far inside <context>, still open.
      await untilTrue(w.page, `document.querySelector('[data-testid=panel-context] [data-testid=text-context]')?.textContent === ${JSON.stringify(sent.slice('<context>'.length))}`);
      assert.equal(await unclosed('context').count(), 1);
    }
    assert.equal(await w.page.locator('[data-testid=panel-context] img, [data-testid=trace-view] script').count(), 0, 'markup in a delta is text');
    assert.match((await ctx.textContent()) ?? '', /<img src=x onerror/);
    const rest = ['</context><think>She is upset', ', so B.</think>', '<answer>B'];
    for (const p of rest) {
      await w.host.emit('streamDelta', { index: 0, text: p, at: sent.length });
      sent += p;
    }
    await untilTrue(w.page, `document.querySelector('[data-testid=panel-answer] [data-testid=text-answer]')?.textContent === 'B'`);
    assert.equal(await unclosed('context').count(), 0, 'closed context: no badge');
    assert.equal(await unclosed('think').count(), 0);
    assert.equal(await unclosed('answer').count(), 1, 'the answer is still open');
    assert.equal(await w.page.locator('[data-testid=panel-think] [data-testid=text-think]').textContent(), 'She is upset, so B.');
    await w.host.emit('streamDelta', { index: 0, text: '</answer>', at: sent.length });
    await untilTrue(w.page, `!document.querySelector('[data-testid=panel-answer] [data-testid=unclosed]')`);
    assert.equal(await w.page.evaluate('window.__pwned ?? null'), null);
    // A live view offers Stop, which asks the host to cancel the run.
    assert.equal(await w.page.locator('[data-testid=stop-run]').count(), 0, 'no Stop on a saved file');
    const model = w.host.model as unknown as { getInit(): Promise<Record<string, unknown>> };
    const getInit = model.getInit.bind(model);
    model.getInit = async () => ({ ...(await getInit()), live: true });
    await w.host.emit('invalidate', { reason: 'live run' });
    await w.page.locator('[data-testid=stop-run]').click();
    await untilTrue(w.page, `document.querySelector('[data-testid=stop-run]')?.hasAttribute('disabled')`);
    for (let k = 0; k < 200 && !w.host.seen.some((m) => m.method === 'cancelRun'); k++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(
      w.host.seen.some((m) => m.method === 'cancelRun'),
      'cancelRun sent',
    );
  });
});
