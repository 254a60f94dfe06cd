// The live view of a checkpoint run, through the built extension with a fake `vscode` and the fake
// vLLM server: a panel opens before the call, streamed text reaches it as `streamDelta` events
// whose concatenation is the saved completion and which end with `done`; Stop (`cancelRun`) from
// the view aborts a stream the server holds open, and the partial text is saved.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakeVscode, FakeUri, type FakePanel } from '../helpers/fakeVscode';
import type { FakeVllm } from '../helpers/fakeVllmServer';
import { nextRunForm } from '../helpers/runForm';
import { makeRunWorkspace, removeRunWorkspace } from '../helpers/runWorkspace';
import type { RunFormValues } from '../../src/core/run/runForm';

const REPLY = '<context>A test pattern with a tone.</context><think>The picture is a test pattern.</think><answer>A</answer>';
let dir: string;
let clip: string;
let vllm: FakeVllm;

before(async () => {
  ({ dir, clip, vllm } = await makeRunWorkspace('omnitrace-live-run-', 1));
});

after(() => removeRunWorkspace({ dir, vllm }));

const FORM = { question: 'What is on screen?', options: 'A. a test pattern | B. a cat', problemType: 'multiple choice', answer: 'A' };

function activate(profile: Record<string, unknown> = {}) {
  const fake = createFakeVscode({ trusted: true, workspaceFolders: [dir] });
  fake.state.config['omnitrace.checkpoints.profiles'] = [{ name: 'local', baseURL: vllm.baseURL, model: 'ckpt', n: 2, maxTokens: 64, ...profile }];
  const w = fake.vscode.window as Record<string, unknown>;
  // The live panel's page asks for its init as soon as it loads (before anything streams).
  const create = w.createWebviewPanel as (...a: unknown[]) => unknown;
  w.createWebviewPanel = (...a: unknown[]) => {
    const panel = create(...a);
    const fp = fake.state.webviewPanels.at(-1)!;
    if (fp.panel.viewType === 'omnitrace.liveRun') setImmediate(() => void fp.send({ type: 'request', id: 1, method: 'getInit', params: {} }));
    return panel;
  };
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake);
  /** Runs on the clip through the run form, submitted with `values`; resolves when the command ends. */
  const runOnClip = async (values: Partial<RunFormValues> = {}) => {
    const running = fake.state.commands.get('omnitrace.runCheckpoint')!.fn(FakeUri.file(clip)) as Promise<unknown>;
    const form = await nextRunForm(fake.state, running);
    const reply = await form.submit({ ...FORM, ...values });
    assert.equal(reply.accepted, true, JSON.stringify(reply.errors));
    return running;
  };
  const live = () => fake.state.webviewPanels.filter((p) => p.panel.viewType === 'omnitrace.liveRun');
  return { ...fake, ext, runOnClip, live };
}

type Delta = { index: number; text: string; at?: number; done?: boolean };
const deltas = (fp: FakePanel, index: number): Delta[] =>
  fp
    .events()
    .filter((e) => e.event === 'streamDelta' && e.data.index === index)
    .map((e) => e.data as Delta);
const joined = (ds: Delta[]) => ds.map((d) => d.text).join('');

const newRunFile = (before: Set<string>) => {
  const d = path.join(dir, '.omnitrace', 'runs');
  const files = fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.rollouts.jsonl'))
    .map((f) => path.join(d, f))
    .filter((f) => !before.has(f));
  assert.equal(files.length, 1);
  return fs
    .readFileSync(files[0]!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
};
const runFiles = () => {
  const d = path.join(dir, '.omnitrace', 'runs');
  return new Set(fs.existsSync(d) ? fs.readdirSync(d).map((f) => path.join(d, f)) : []);
};

test('a run streams its samples into the live panel: deltas add up to the saved completion, then done and the scored rows', async () => {
  vllm.script({ replies: [REPLY, '<answer>B</answer>'] });
  const x = activate();
  const before = runFiles();
  await x.runOnClip();
  assert.equal(x.live().length, 1, 'one live panel');
  const fp = x.live()[0]!;
  assert.equal(fp.panel.viewType, 'omnitrace.liveRun');
  assert.match(fp.panel.webview.html, /Content-Security-Policy/);
  const init = fp.responses().find((r) => r.id === 1);
  assert.equal(init.ok, true);
  assert.equal(init.result.live, true, 'the view offers Stop while running');
  assert.match(init.result.fileName, /\(running\)$/);
  assert.equal(init.result.total, 2, 'one row per sample');
  const lines = newRunFile(before);
  for (const i of [0, 1]) {
    const ds = deltas(fp, i);
    assert.ok(ds.length >= 2, `sample ${i} streamed`);
    assert.equal(joined(ds), lines[i].completion);
    assert.equal(ds.at(-1)!.done, true, 'ends with done');
    assert.equal(ds.filter((d) => d.done).length, 1);
    // `at` is where each piece goes: the pieces are contiguous.
    let at = 0;
    for (const d of ds) {
      assert.equal(d.at, at);
      at += d.text.length;
    }
  }
  assert.equal(joined(deltas(fp, 0)), REPLY);
  // After the run: scored detail (format and accuracy) and no Stop.
  await fp.send({ type: 'request', id: 2, method: 'getInit', params: {} });
  await fp.send({ type: 'request', id: 3, method: 'getRollout', params: { index: 0 } });
  assert.equal(fp.responses().find((r) => r.id === 2).result.live, false);
  assert.match(fp.responses().find((r) => r.id === 2).result.fileName, /\(finished\)$/, 'the subtitle no longer says running');
  const detail = fp.responses().find((r) => r.id === 3).result;
  assert.equal(detail.scored.rewards.format.value, 1);
  assert.equal(detail.scored.rewards.accuracy.value, 1, JSON.stringify(detail.scored.rewards.accuracy));
  assert.ok(fp.events().some((e) => e.event === 'invalidate' && e.data.reason === 'run finished'));
  // The saved run still opens in the rollout view.
  assert.ok(x.state.executed.some((e) => e.command === 'vscode.openWith'));
  x.ext.deactivate();
});

test('Stop in the live view aborts a held stream; the partial text streamed is what is saved', async () => {
  let gone = false;
  vllm.script({ replies: [REPLY], holdAfter: 5, onClientGone: () => (gone = true) });
  const x = activate();
  const before = runFiles();
  const running = x.runOnClip();
  // Wait (no time limit asserted) until text has reached the panel, then press Stop.
  for (;;) {
    const fp = x.live()[0];
    if (fp && joined(deltas(fp, 0)).length > 0 && joined(deltas(fp, 1)).length > 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const fp = x.live()[0]!;
  assert.ok(!deltas(fp, 0).some((d) => d.done), 'not done while held');
  await fp.send({ type: 'request', id: 5, method: 'cancelRun', params: {} });
  assert.deepEqual(fp.responses().find((r) => r.id === 5).result, { cancelled: true });
  await running;
  const lines = newRunFile(before);
  assert.equal(lines.length, 2);
  for (const i of [0, 1]) {
    const ds = deltas(fp, i);
    assert.equal(joined(ds), lines[i].completion, `sample ${i}: saved = streamed`);
    assert.ok(lines[i].completion.length > 0 && REPLY.startsWith(lines[i].completion) && lines[i].completion !== REPLY, 'partial');
    assert.equal(ds.at(-1)!.done, true);
  }
  assert.ok(x.state.messages.some((m) => /cancelled; the partial samples are saved/.test(m.text)));
  const strip = progressEvents(fp).at(-1)!;
  assert.deepEqual(
    strip.samples.map((s) => s.state),
    ['stopped', 'stopped'],
    'stopped, not done',
  );
  assert.equal(strip.done, 0);
  // A second Stop after the run does nothing.
  await fp.send({ type: 'request', id: 6, method: 'cancelRun', params: {} });
  assert.deepEqual(fp.responses().find((r) => r.id === 6).result, { cancelled: false });
  for (let k = 0; !gone && k < 500; k++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(gone, 'the server saw the client go away');
  x.ext.deactivate();
});

type Progress = {
  n: number;
  done: number;
  running: boolean;
  samples: { index: number; state: string; tokens: number; latencyMs?: number; formatOk?: boolean; formatReason?: string; rewards: Record<string, { value: number | null; status: string }> }[];
};
const progressEvents = (fp: FakePanel): Progress[] =>
  fp
    .events()
    .filter((e) => e.event === 'runProgress')
    .map((e) => e.data as Progress);

test('n = 3: each sample is scored as its finish_reason arrives — done, format and accuracy, tokens and latency, "k of n done" counting up', async () => {
  vllm.script({ replies: [REPLY, '<answer>B</answer>', REPLY.replace('<answer>A</answer>', '<answer>B</answer>')] });
  const x = activate({ n: 1 });
  const before = runFiles();
  await x.runOnClip({ n: '3' });
  const fp = x.live()[0]!;
  const events = progressEvents(fp);
  assert.ok(events.length >= 4, `progress events: ${events.length}`);
  // Done counts up one sample at a time, and every sample was done before the run itself ended.
  const counts = events.map((e) => e.done).filter((d, i, a) => i === 0 || d !== a[i - 1]);
  assert.deepEqual(counts, [0, 1, 2, 3]);
  const posted = fp.events();
  const allDone = posted.findIndex((e) => e.event === 'runProgress' && e.data.done === 3);
  const finished = posted.findIndex((e) => e.event === 'invalidate' && e.data.reason === 'run finished');
  assert.ok(allDone >= 0 && finished > allDone, 'samples are scored as they finish, before the run ends');
  assert.ok(
    events.some((e) => e.samples.some((s) => s.state === 'streaming')),
    'streaming state seen',
  );
  const last = events.at(-1)!;
  assert.equal(last.n, 3);
  assert.equal(last.done, 3);
  assert.equal(last.running, false);
  const lines = newRunFile(before);
  assert.equal(lines.length, 3);
  const expect = [
    { formatOk: true, accuracy: 1 },
    { formatOk: false, accuracy: 0 },
    { formatOk: true, accuracy: 0 },
  ];
  last.samples.forEach((s, i) => {
    assert.equal(s.state, 'done');
    assert.equal(s.formatOk, expect[i]!.formatOk, `sample ${i} format`);
    assert.equal(s.rewards.format!.value, expect[i]!.formatOk ? 1 : 0);
    assert.equal(s.rewards.accuracy!.value, expect[i]!.accuracy, `sample ${i} accuracy`);
    assert.ok(s.tokens > 0 && s.tokens === deltaTokenCount(lines[i].completion), `sample ${i} tokens ${s.tokens}`);
    assert.ok(typeof s.latencyMs === 'number' && s.latencyMs >= 0, 'latency recorded');
  });
  assert.ok(last.samples[1]!.formatReason, 'a failed format says why');
  // A page (re)loaded after the run gets the same strip with its init.
  await fp.send({ type: 'request', id: 9, method: 'getInit', params: {} });
  const init = fp.responses().find((r) => r.id === 9).result;
  assert.equal(init.run.done, 3);
  assert.deepEqual(
    init.run.samples.map((s: { state: string }) => s.state),
    ['done', 'done', 'done'],
  );
  // The rows carry the verdicts too.
  await fp.send({ type: 'request', id: 10, method: 'getRows', params: { query: {}, offset: 0, limit: 10 } });
  const rows = fp
    .responses()
    .find((r) => r.id === 10)
    .result.rows.map((r: { row: { formatOk: boolean; rewards: Record<string, { value: number }> } }) => r.row);
  assert.deepEqual(
    rows.map((r: { formatOk: boolean }) => r.formatOk),
    [true, false, true],
  );
  assert.deepEqual(
    rows.map((r: { rewards: Record<string, { value: number }> }) => r.rewards.accuracy!.value),
    [1, 0, 0],
  );
  x.ext.deactivate();
});

/** The fake server sends one piece per word-ish token. */
function deltaTokenCount(text: string): number {
  return (text.match(/\S+\s*|\s+/g) ?? []).length;
}
