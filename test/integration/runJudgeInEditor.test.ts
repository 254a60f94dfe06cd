// A checkpoint run from the editor with a judge profile chosen in the run form, through the built
// extension with a fake `vscode`, the fake vLLM server and a REAL chat server playing the judge
// on 127.0.0.1: each sample is judged when it completes, the judged rewards reach the live view
// (strip and detail) and land in the saved run, which reopens with them in the rollout view.
// Without a reference context the context reward is 'not-computed' with the reason (no call, no
// zero); with one, it is judged against it. The judge key comes from SecretStorage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakePanel, createFakeVscode, fakeToken, FakeUri } from '../helpers/fakeVscode';
import type { FakeVllm } from '../helpers/fakeVllmServer';
import { startFakeChatServer, type FakeChatServer } from '../helpers/fakeChatServer';
import { nextRunForm } from '../helpers/runForm';
import { makeRunWorkspace, removeRunWorkspace } from '../helpers/runWorkspace';
import type { RunFormValues } from '../../src/core/run/runForm';

const REPLY = '<context>A test pattern with a tone.</context><think>The picture is a test pattern.</think><answer>A</answer>';
const REF_CONTEXT = 'Coloured bars move across the screen while a steady 440 Hz tone plays.';
const JUDGE_KEY = 'sk-judge-in-storage-9';
let dir: string;
let clip: string;
let vllm: FakeVllm;
let judge: FakeChatServer;

before(async () => {
  ({ dir, clip, vllm } = await makeRunWorkspace('omnitrace-run-judge-', 1));
  // Context scores 2 of 5 (its scale skips 3), logic and free-form accuracy 4 of 5.
  judge = await startFakeChatServer((req) => {
    const prompt = req.body.messages?.map((m) => m.content).join('\n') ?? '';
    return { reply: prompt.includes(REF_CONTEXT) ? '2' : '4' };
  });
});

after(async () => {
  await judge?.close();
  await removeRunWorkspace({ dir, vllm });
});

function activate(trusted = true) {
  const fake = createFakeVscode({ trusted, workspaceFolders: [dir] });
  fake.state.config['omnitrace.checkpoints.profiles'] = [{ name: 'local', baseURL: vllm.baseURL, model: 'ckpt', n: 2, maxTokens: 64 }];
  fake.state.config['omnitrace.judge.profiles'] = [{ name: 'j', baseURL: judge.baseURL, model: 'judge-m', maxRetries: 0, timeoutMs: 5000 }];
  const secrets = new Map([['omnitrace.judge.apiKey/j', JUDGE_KEY]]);
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake, secrets);
  const said = () => fake.state.outputChannels.flatMap((ch) => ch.lines).join('\n') + '\n' + fake.state.messages.map((m) => m.text).join('\n');
  const runOnClip = async (values: Partial<RunFormValues>) => {
    const running = fake.state.commands.get('omnitrace.runCheckpoint')!.fn(FakeUri.file(clip)) as Promise<unknown>;
    const form = await nextRunForm(fake.state, running);
    const init = await form.init();
    const reply = await form.submit(values);
    assert.equal(reply.accepted, true, JSON.stringify(reply.errors));
    await running;
    return init;
  };
  return { ...fake, ext, said, runOnClip };
}

const runFiles = () => {
  const d = path.join(dir, '.omnitrace', 'runs');
  return fs.existsSync(d)
    ? fs
        .readdirSync(d)
        .filter((f) => f.endsWith('.rollouts.jsonl'))
        .map((f) => path.join(d, f))
    : [];
};
const newRun = (before: string[]) => {
  const files = runFiles().filter((f) => !before.includes(f));
  assert.equal(files.length, 1);
  return {
    file: files[0]!,
    lines: fs
      .readFileSync(files[0]!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  };
};

test('a judge profile in the form: each sample judged as it completes; the saved run holds the rewards; no reference context → context not computed, with the reason', async () => {
  vllm.script({ replies: [REPLY] });
  const x = activate();
  const filesBefore = runFiles();
  const calls = judge.requests.length;
  const init = await x.runOnClip({ question: 'What is on screen?', options: 'A. a test pattern | B. a cat', problemType: 'multiple choice', answer: 'A', judge: 'j' });
  assert.deepEqual(init.judges, [{ name: 'j', model: 'judge-m' }]);
  assert.equal(init.values.judge, '', "'none' is the default");
  const made = judge.requests.slice(calls);
  assert.equal(made.length, 2, 'logic per sample; no context call without a reference context');
  for (const r of made) assert.equal(r.headers.authorization, `Bearer ${JUDGE_KEY}`);

  const { file, lines } = newRun(filesBefore);
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.equal(line.judged.profile, 'j');
    assert.equal(line.judged.model, 'judge-m');
    const { logic, context } = line.judged.rewards;
    assert.equal(logic.status, 'ok');
    assert.equal(logic.value, 0.8);
    assert.equal(logic.provenance.model, 'judge-m');
    assert.match(logic.provenance.prompt, /The picture is a test pattern/);
    assert.equal(context.status, 'not-computed');
    assert.equal(context.value, null);
    assert.equal(context.trainerValue, undefined, 'never a zero');
    assert.match(context.explanation, /no reference context/);
  }
  assert.doesNotMatch(fs.readFileSync(file, 'utf8'), new RegExp(JUDGE_KEY));
  assert.doesNotMatch(x.said(), new RegExp(JUDGE_KEY));

  // The live view: the strip shows the judged rewards per sample; the detail has the chips.
  const live = x.state.webviewPanels.find((p) => p.panel.viewType === 'omnitrace.liveRun')!;
  await live.send({ type: 'request', id: 1, method: 'getInit', params: {} });
  const strip = live.responses().find((r) => r.id === 1).result.run;
  assert.equal(strip.judge, 'j');
  for (const s of strip.samples) {
    assert.equal(s.judge, 'judged');
    assert.deepEqual(s.rewards.logic, { value: 0.8, status: 'ok' });
    assert.deepEqual(s.rewards.context, { value: null, status: 'not-computed' });
    assert.equal(s.rewards.accuracy.value, 1);
  }
  await live.send({ type: 'request', id: 2, method: 'getRollout', params: { index: 1 } });
  const detail = live.responses().find((r) => r.id === 2).result;
  assert.equal(detail.scored.rewards.logic.value, 0.8);
  assert.equal(detail.scored.rewards.context.status, 'not-computed');
  assert.ok(
    x.state.messages.some((m) => /judged by j/.test(m.text)),
    x.said(),
  );

  // The saved run reopens in the rollout view with the judged rewards, provenance included.
  const provider = x.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
  const doc = await provider.openCustomDocument(FakeUri.file(file), {}, fakeToken);
  await provider.resolveCustomEditor(doc, createFakePanel().panel, fakeToken);
  await doc.whenLoaded();
  const scored = await doc.store.getDetail(0);
  assert.equal(scored.rewards.logic.value, 0.8);
  assert.equal((scored.rewards.logic.provenance as { source: string }).source, 'judge');
  assert.equal(scored.rewards.context.status, 'not-computed');
  assert.equal(scored.rewards.format.value, 1);
  assert.equal(scored.rewards.accuracy.value, 1);
  assert.deepEqual(doc.store.model.row(0).rewards.logic, { value: 0.8, status: 'ok' });
  x.ext.deactivate();
});

test('with a reference context the context reward is judged against it; a free-form answer is judged too', async () => {
  vllm.script({ replies: [REPLY.replace('<answer>A</answer>', '<answer>a test pattern</answer>')] });
  const x = activate();
  const filesBefore = runFiles();
  const calls = judge.requests.length;
  await x.runOnClip({ question: 'What is on screen?', options: '', problemType: 'free-form', answer: 'a test pattern', referenceContext: REF_CONTEXT, judge: 'j', n: '1' });
  const made = judge.requests.slice(calls);
  // Logic sees the same <context>/<think> as the first test's run: it comes from the judge cache.
  assert.equal(made.length, 2, 'context and free-form accuracy called; logic cached');
  const { lines } = newRun(filesBefore);
  assert.equal(lines[0].solution, `<context>${REF_CONTEXT}</context><answer>a test pattern</answer>`);
  const { context, logic, accuracy } = lines[0].judged.rewards;
  assert.equal(context.status, 'ok');
  assert.equal(context.value, 0.4);
  assert.match(context.provenance.prompt, /440 Hz tone/);
  assert.equal(logic.value, 0.8);
  assert.equal(logic.provenance.cacheHit, true);
  assert.equal(accuracy.status, 'ok');
  assert.equal(accuracy.value, 0.8);
  x.ext.deactivate();
});

test('Restricted Mode: a run with a judge is off before any form, call or judge call', async () => {
  const x = activate(false);
  const calls = judge.requests.length;
  const runs = vllm.requests.length;
  await x.state.commands.get('omnitrace.runCheckpoint')!.fn(FakeUri.file(clip));
  assert.equal(x.state.webviewPanels.length, 0);
  assert.equal(judge.requests.length, calls);
  assert.equal(vllm.requests.length, runs);
  assert.ok(x.state.messages.some((m) => /Restricted Mode/.test(m.text)));
  x.ext.deactivate();
});

test('closing the live view mid-run still judges every finished sample and saves the rewards', async () => {
  vllm.script({ replies: [REPLY] });
  const x = activate();
  const w = x.vscode.window as Record<string, unknown>;
  const create = w.createWebviewPanel as (...a: unknown[]) => { viewType: string; dispose(): void };
  w.createWebviewPanel = (...a: unknown[]) => {
    const panel = create(...a);
    if (panel.viewType === 'omnitrace.liveRun') setImmediate(() => panel.dispose());
    return panel;
  };
  const filesBefore = runFiles();
  await x.runOnClip({ question: 'What is on screen?', options: 'A. a test pattern | B. a cat', problemType: 'multiple choice', answer: 'A', judge: 'j' });
  const { lines } = newRun(filesBefore);
  assert.equal(lines.length, 2);
  for (const line of lines) assert.equal(line.judged.rewards.logic.value, 0.8, x.said());
  assert.doesNotMatch(x.said(), /\[error\]/);
  x.ext.deactivate();
});
