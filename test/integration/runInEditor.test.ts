// Running a checkpoint from the editor, through the built extension with a fake `vscode`, a REAL
// fake-vLLM server on 127.0.0.1 and a clip made with ffmpeg: the run form is driven through its
// typed messages (as its webview would), the request carries the clip's video and audio, the run
// is saved under the workspace's .omnitrace/runs/ and opened in the rollout view (scored), Run
// Again prefills the form from the selected rollout, the form rejects a bad range and a missing
// question next to those fields, the key comes from SecretStorage and is never shown, Restricted
// Mode makes no call, and a 404 reads as such.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakePanel, createFakeVscode, fakeToken, FakeUri } from '../helpers/fakeVscode';
import { inspectUserParts, type FakeVllm } from '../helpers/fakeVllmServer';
import { nextRunForm } from '../helpers/runForm';
import { makeRunWorkspace, removeRunWorkspace } from '../helpers/runWorkspace';

const KEY = 'sk-checkpoint-secret-42';
const REPLY = '<context>A test pattern with a tone.</context><think>The picture is a test pattern.</think><answer>A</answer>';
let dir: string;
let clip: string;
let vllm: FakeVllm;

before(async () => {
  ({ dir, clip, vllm } = await makeRunWorkspace('omnitrace-run-editor-', 2));
});

after(() => removeRunWorkspace({ dir, vllm }));

function activate(opts: { trusted: boolean; model?: string }) {
  const fake = createFakeVscode({ trusted: opts.trusted, workspaceFolders: [dir] });
  fake.state.config['omnitrace.checkpoints.profiles'] = [{ name: 'local', baseURL: vllm.baseURL, model: opts.model ?? 'ckpt', n: 2, temperature: 1, maxTokens: 64 }];
  const secrets = new Map<string, string>([['omnitrace.checkpoints.apiKey/local', KEY]]);
  // Only the API-key command still asks through input boxes and quick picks.
  const asked: string[] = [];
  const answers: (string | undefined)[] = [];
  const w = fake.vscode.window as Record<string, unknown>;
  w.showInputBox = async (o: { title?: string }) => {
    asked.push(o.title ?? '');
    return answers.shift();
  };
  w.showQuickPick = async (items: { label: string }[], o: { title?: string }) => {
    asked.push(o.title ?? '');
    const a = answers.shift();
    return items.find((i) => i.label === a);
  };
  let errorChoice: string | undefined;
  w.showErrorMessage = async (text: string, ...buttons: string[]) => {
    fake.state.messages.push({ level: 'error', text });
    return buttons.includes(errorChoice ?? '') ? errorChoice : undefined;
  };
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake, secrets);
  const run = (id: string, ...args: unknown[]) => fake.state.commands.get(id)!.fn(...args) as Promise<unknown>;
  const said = () => fake.state.outputChannels.flatMap((ch) => ch.lines).join('\n') + '\n' + fake.state.messages.map((m) => m.text).join('\n');
  /** Starts a command and returns it with the run form it opens. */
  const withForm = async (id: string, ...args: unknown[]) => {
    const running = run(id, ...args);
    return { running, form: await nextRunForm(fake.state, running) };
  };
  return { ...fake, ext, run, withForm, answers, asked, said, secrets, chooseOnError: (b: string) => (errorChoice = b) };
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

test('Run Checkpoint on Clip: the form runs it; video + audio reach the server, the run is saved under .omnitrace/runs and opened scored; Run Again prefills the form from the rollout', async () => {
  vllm.script({ replies: [REPLY] });
  const x = activate({ trusted: true });
  const before = vllm.requests.length;
  const filesBefore = new Set(runFiles());
  const { running, form } = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  assert.equal(form.panel.panel.viewType, 'omnitrace.runForm');
  assert.match(form.panel.panel.webview.html, /Content-Security-Policy/);
  assert.match(form.panel.panel.webview.html, /data-view="runForm"/);
  // The clip's folder is a resource root: the form plays the clip.
  const roots = (form.panel.panel.webview.options.localResourceRoots as FakeUri[]).map((u) => u.fsPath);
  assert.ok(roots.includes(dir), roots.join(', '));
  const init = await form.init();
  assert.equal(init.clip.path, clip);
  assert.equal(init.clip.kind, 'video');
  assert.ok(Math.abs(init.clip.duration! - 2) < 0.2, `probed duration ${init.clip.duration}`);
  assert.equal(init.clip.hasAudio, true);
  assert.match(init.clip.src, /^https:\/\/fake\.vscode-resource\.test\//);
  assert.deepEqual(
    init.profiles.map((p) => [p.name, p.n]),
    [['local', 2]],
  );
  assert.equal(init.values.profile, 'local');
  assert.equal(init.values.n, '2');
  assert.equal(init.values.judge, '');
  assert.ok(init.problemTypes.includes('multiple choice') && init.problemTypes.includes('free-form'));
  const reply = await form.submit({ question: 'What is on screen?', options: 'A. a test pattern | B. a cat', problemType: 'multiple choice', answer: 'A', start: '0', end: '0:01.5' });
  assert.deepEqual(reply, { accepted: true, errors: {} });
  await running;
  assert.equal(vllm.requests.length, before + 1, x.said());
  const req = vllm.requests[before]!;
  assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  assert.equal(req.body.model, 'ckpt');
  assert.equal(req.body.n, 2);
  const parts = await inspectUserParts(req.body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  assert.ok(parts[0]!.info?.video && Math.abs(parts[0]!.info.duration - 1.5) < 0.3, `video trimmed to the range: ${parts[0]!.info?.duration}`);
  assert.equal(parts[1]!.mime, 'audio/wav');
  assert.match(parts[2]!.text!, /What is on screen\? Options:\nA\. a test pattern\nB\. a cat/);

  const created = runFiles().filter((f) => !filesBefore.has(f));
  assert.equal(created.length, 1);
  const file = created[0]!;
  const lines = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].video, clip);
  assert.equal(lines[0].answer, 'A');
  assert.equal(lines[0].problem_type, 'multiple choice');
  assert.equal(lines[0].judged, undefined, 'no judge profile: nothing judged');
  const opened = x.state.executed.find((e) => e.command === 'vscode.openWith');
  assert.ok(opened, 'the run was opened');
  assert.equal((opened.args[0] as FakeUri).fsPath, file);
  assert.equal(opened.args[1], 'omnitrace.rollouts');
  const reports = x.state.progress.at(-1)!.reports.map((r) => (r as { message?: string }).message ?? '');
  assert.ok(
    reports.some((m) => /^sample 2\/2: \d+ tokens$/.test(m)),
    reports.join('\n'),
  );
  assert.ok(
    x.state.messages.some((m) => m.level === 'info' && /2 sample\(s\) of ckpt/.test(m.text)),
    x.said(),
  );
  assert.doesNotMatch(x.said(), new RegExp(KEY));
  assert.doesNotMatch(fs.readFileSync(file, 'utf8'), new RegExp(KEY));

  // The saved run reads back scored, as the rollout view shows it.
  const provider = x.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
  const doc = await provider.openCustomDocument(FakeUri.file(file), {}, fakeToken);
  const fp = createFakePanel();
  await provider.resolveCustomEditor(doc, fp.panel, fakeToken);
  await doc.whenLoaded();
  const scored = await doc.store.getDetail(0);
  assert.equal(scored.rewards.format.value, 1);
  assert.equal(scored.rewards.accuracy.value, 1);

  // Run Again on the rollout the view shows, with another profile: the form comes prefilled with
  // the rollout's clip, question, options, type, answer and range, and runs as it is.
  x.state.config['omnitrace.checkpoints.profiles'] = [...(x.state.config['omnitrace.checkpoints.profiles'] as unknown[]), { name: 'other', baseURL: vllm.baseURL, model: 'ckpt-2' }];
  await fp.send({ type: 'request', id: 1, method: 'getRollout', params: { index: 1 } });
  vllm.script({ replies: ['<answer>B</answer>'] });
  const again = await x.withForm('omnitrace.runAgain');
  const prefill = await again.form.init();
  assert.equal(prefill.clip.path, clip);
  assert.match(prefill.prefilledFrom ?? '', /^rollout 1 of /);
  assert.deepEqual(
    { ...prefill.values },
    {
      question: 'What is on screen?',
      options: 'A. a test pattern\nB. a cat',
      problemType: 'multiple choice',
      answer: 'A',
      referenceContext: '',
      start: '0:00',
      end: '0:01.5',
      profile: 'local',
      judge: '',
      n: '2',
    },
  );
  assert.deepEqual(
    prefill.profiles.map((p) => p.name),
    ['local', 'other'],
  );
  assert.deepEqual(await again.form.submit({ profile: 'other', n: '1' }), { accepted: true, errors: {} });
  await again.running;
  assert.equal(vllm.requests.length, before + 2, x.said());
  assert.equal(vllm.requests[before + 1]!.body.model, 'ckpt-2');
  assert.equal(vllm.requests[before + 1]!.body.n ?? 1, 1, 'n from the form');
  // That profile has no stored key: none is sent.
  assert.notEqual(vllm.requests[before + 1]!.headers.authorization, `Bearer ${KEY}`);
  const againParts = await inspectUserParts(vllm.requests[before + 1]!.body);
  assert.deepEqual(
    againParts.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  assert.equal(againParts[2]!.text, parts[2]!.text);
  const second = runFiles().filter((f) => !filesBefore.has(f) && f !== file);
  assert.equal(second.length, 1);
  const rerun = JSON.parse(fs.readFileSync(second[0]!, 'utf8').split('\n')[0]!);
  assert.equal(rerun.video, clip);
  assert.equal(rerun.answer, 'A');
  assert.equal(rerun.start, 0);
  assert.equal(rerun.end, 1.5);
  x.ext.deactivate();
});

test('the form keeps a bad range and a missing question out: the errors name those fields, nothing runs; the fixed form runs', async () => {
  vllm.script({ replies: [REPLY] });
  const x = activate({ trusted: true });
  const before = vllm.requests.length;
  const { running, form } = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  await form.init();
  const bad = await form.submit({ question: '   ', start: '0:01.5', end: '1', n: '2' });
  assert.equal(bad.accepted, false);
  assert.match(bad.errors.question ?? '', /question is needed/);
  assert.match(bad.errors.end ?? '', /must be after the start/);
  assert.deepEqual(Object.keys(bad.errors).sort(), ['end', 'question']);
  const worse = await form.submit({ question: 'Q?', start: 'soon', end: '9', n: '0', profile: 'nope', judge: 'nobody' });
  assert.match(worse.errors.start ?? '', /'soon' is not a time/);
  assert.match(worse.errors.end ?? '', /The clip is 0:02(\.\d+)? long/);
  assert.match(worse.errors.n ?? '', /whole number from 1/);
  assert.match(worse.errors.profile ?? '', /local/);
  assert.match(worse.errors.judge ?? '', /nobody/);
  assert.equal(vllm.requests.length, before, 'nothing ran');
  assert.equal(form.panel.panel.webview.html.length > 0, true);
  assert.deepEqual(await form.submit({ question: 'Q?', start: '', end: '', n: '1' }), { accepted: true, errors: {} });
  await running;
  assert.equal(vllm.requests.length, before + 1, x.said());
  x.ext.deactivate();
});

test('Escape (cancelRunForm) or closing the form ends the command quietly, with no call', async () => {
  const x = activate({ trusted: true });
  const before = vllm.requests.length;
  const first = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  assert.deepEqual(await first.form.cancel(), { cancelled: true });
  await first.running;
  const second = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  second.form.panel.dispose();
  await second.running;
  // A second Run while a form is open replaces it: the first command ends quietly.
  const third = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  const fourth = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  await third.running;
  assert.deepEqual(await fourth.form.cancel(), { cancelled: true });
  await fourth.running;
  // From the palette without a media file open: the file dialog (the fake's) is dismissed.
  await x.run('omnitrace.runCheckpoint');
  // Run Again without a selected rollout says so.
  await x.run('omnitrace.runAgain');
  assert.equal(vllm.requests.length, before);
  assert.equal(x.state.webviewPanels.filter((p) => p.panel.viewType === 'omnitrace.liveRun').length, 0, 'no live view');
  assert.ok(!x.state.messages.some((m) => m.level === 'error'), x.said());
  x.ext.deactivate();
});

test('a file ffmpeg cannot read is named in the error, before any form opens', async () => {
  const x = activate({ trusted: true });
  const broken = path.join(dir, 'broken.mp4');
  fs.writeFileSync(broken, 'this is not a video');
  const before = vllm.requests.length;
  await x.run('omnitrace.runCheckpoint', FakeUri.file(broken));
  assert.equal(x.state.webviewPanels.length, 0, 'no form');
  assert.equal(vllm.requests.length, before);
  const err = x.state.messages.find((m) => m.level === 'error');
  assert.ok(err, x.said());
  assert.match(err.text, /broken\.mp4/);
  x.ext.deactivate();
});

test('without a checkpoint profile the command says how to add one and asks nothing', async () => {
  const x = activate({ trusted: true });
  x.state.config['omnitrace.checkpoints.profiles'] = [];
  await x.run('omnitrace.runCheckpoint', FakeUri.file(clip));
  assert.deepEqual(x.asked, []);
  assert.equal(x.state.webviewPanels.length, 0, 'no form');
  assert.ok(
    x.state.messages.some((m) => m.level === 'warn' && /omnitrace\.checkpoints\.profiles/.test(m.text)),
    x.said(),
  );
  x.ext.deactivate();
});

test('Set Checkpoint API Key stores the key in SecretStorage (never in settings or messages) and empty removes it', async () => {
  const x = activate({ trusted: true });
  x.answers.push('sk-new-key-7');
  await x.run('omnitrace.setCheckpointApiKey');
  assert.equal(x.secrets.get('omnitrace.checkpoints.apiKey/local'), 'sk-new-key-7');
  assert.deepEqual(x.state.configUpdates, []);
  assert.doesNotMatch(x.said(), /sk-new-key-7/);
  x.answers.push('');
  await x.run('omnitrace.setCheckpointApiKey');
  assert.equal(x.secrets.has('omnitrace.checkpoints.apiKey/local'), false);
  x.ext.deactivate();
});

test('Restricted Mode: running a checkpoint says why it is off, asks nothing and makes no call', async () => {
  const x = activate({ trusted: false });
  const before = vllm.requests.length;
  await x.run('omnitrace.runCheckpoint', FakeUri.file(clip));
  await x.run('omnitrace.runAgain');
  assert.equal(vllm.requests.length, before);
  assert.deepEqual(x.asked, []);
  assert.equal(x.state.webviewPanels.length, 0, 'no form');
  assert.equal(x.state.messages.filter((m) => /Restricted Mode/.test(m.text)).length, 2);
  x.ext.deactivate();
});

test('a 404 from the server reads as "model not found" with hints; "Show server reply" logs the raw reply', async () => {
  vllm.script({ status: 404, message: 'The model `no-such-ckpt` does not exist.' });
  const x = activate({ trusted: true, model: 'no-such-ckpt' });
  x.chooseOnError('Show server reply');
  const filesBefore = runFiles().length;
  const { running, form } = await x.withForm('omnitrace.runCheckpoint', FakeUri.file(clip));
  assert.equal((await form.submit({ question: 'What is on screen?', problemType: 'free-form' })).accepted, true);
  await running;
  const err = x.state.messages.find((m) => m.level === 'error');
  assert.ok(err, x.said());
  assert.match(err.text, /the server has no model 'no-such-ckpt'/);
  assert.match(err.text, /Hint: check the name the server serves/);
  assert.match(x.said(), /server reply \(HTTP 404\): .*does not exist/);
  assert.equal(runFiles().length, filesBefore, 'nothing saved when nothing streamed');
  assert.ok(!x.state.executed.some((e) => e.command === 'vscode.openWith'));
  assert.doesNotMatch(x.said(), new RegExp(KEY));
  x.ext.deactivate();
});
