// Drives the built extension's rollout editor through a fake `vscode`: a real file is read,
// scored and served to a fake webview over the real protocol.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot as root } from '../helpers/builtExtension';
import { createFakePanel, createFakeVscode, fakeToken, FakeUri, loadWithFakeVscode } from '../helpers/fakeVscode';

let dir: string;
let bundle: string;

const good = '<context>A dog barks.</context><think>The sound is a bark.</think><answer>B</answer>';
function row(i: number, extra: Record<string, unknown> = {}) {
  return {
    id: `r${i}`,
    group_id: `g${Math.floor(i / 2)}`,
    problem: `What makes the sound in clip ${i}?`,
    options: ['A. cat', 'B. dog'],
    problem_type: 'multiple choice',
    solution: '<answer>B</answer>',
    video: 'clips/a.mp4',
    completion: i % 2 ? good : 'B',
    ...extra,
  };
}
function writeRollouts(file: string, rows: unknown[], bad = false) {
  const lines = rows.map((r) => JSON.stringify(r));
  if (bad) lines.splice(1, 0, '{"id": "broken", ');
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

before(() => {
  bundle = extensionSnapshot();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-editor-'));
  fs.mkdirSync(path.join(dir, 'clips'));
  fs.writeFileSync(path.join(dir, 'clips', 'a.mp4'), 'not really a video');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function setup(opts: { trusted?: boolean } = {}) {
  const fake = createFakeVscode({ trusted: opts.trusted ?? true, workspaceFolders: [dir] });
  const ext = loadWithFakeVscode<{ activate(c: unknown): any; deactivate(): void }>(bundle, fake.vscode);
  const context = { subscriptions: [], extensionUri: FakeUri.file(root), extension: { packageJSON: {} } };
  ext.activate(context);
  const provider = fake.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
  return { ...fake, ext, provider };
}

async function open(file: string, opts: { trusted?: boolean } = {}) {
  const env = setup(opts);
  const uri = FakeUri.file(file);
  const doc = await env.provider.openCustomDocument(uri, {}, fakeToken);
  const fp = createFakePanel();
  await env.provider.resolveCustomEditor(doc, fp.panel, fakeToken);
  return { ...env, doc, fp, uri };
}

let nextId = 1;
async function request(fp: ReturnType<typeof createFakePanel>, method: string, params: unknown = {}) {
  const id = nextId++;
  await fp.send({ type: 'request', id, method, params });
  const r = fp.responses().find((m) => m.id === id);
  assert.ok(r, `no response to ${method}`);
  return r;
}

test('the panel gets a strict HTML shell, the bundle URI and the roots it needs', async () => {
  const file = path.join(dir, 'shell.rollouts.jsonl');
  writeRollouts(file, [row(0)]);
  const { fp, doc, ext } = await open(file);
  const w = fp.panel.webview;
  assert.match(w.html, /default-src 'none'/);
  assert.ok(w.html.includes(`src="https://fake.vscode-resource.test${path.join(root, 'dist/webview/main.js')}"`));
  assert.equal(fp.panel.title, 'shell.rollouts.jsonl');
  assert.equal(w.options.enableScripts, true);
  const roots = w.options.localResourceRoots.map((u: FakeUri) => u.fsPath);
  for (const r of [path.join(root, 'dist/webview'), path.join(root, 'media'), dir]) assert.ok(roots.includes(r), r);
  await doc.whenLoaded();
  ext.deactivate();
});

test('no events before getInit; init, rows and details come from the scored file', async () => {
  const file = path.join(dir, 'basic.rollouts.jsonl');
  writeRollouts(file, [row(0), row(1), row(2), row(3)], true);
  const { fp, doc, state, ext } = await open(file, { trusted: false });
  const result = await doc.whenLoaded();
  assert.equal(result.status, 'done');
  assert.equal(fp.posted.length, 0, 'nothing pushed before the webview asked');

  const init = await request(fp, 'getInit');
  assert.equal(init.ok, true);
  assert.equal(init.result.fileName, 'basic.rollouts.jsonl');
  assert.equal(init.result.total, 4);
  assert.equal(init.result.trusted, false);
  assert.equal(init.result.host, 'vscode');
  assert.equal(init.result.problemCount, 1);
  assert.equal(init.result.problems[0].line, 2);
  assert.ok(init.result.rewardNames.includes('format'));
  // The read problem is in the log with file:line.
  assert.ok(state.outputChannels[0]!.lines.some((l) => l.includes(`${file}:2:`)));

  const rows = await request(fp, 'getRows', { query: {}, offset: 0, limit: 10 });
  assert.equal(rows.result.total, 4);
  const first = rows.result.rows[0].row;
  assert.equal(first.index, 0);
  assert.equal(first.line, 1);
  assert.equal(first.formatOk, false);
  assert.equal(rows.result.rows[1].row.formatOk, true);
  assert.equal(rows.result.rows[1].row.line, 3, 'line numbers count the broken line');
  // Groups are applied after the whole file is read.
  assert.equal(first.groupId !== undefined, true);
  assert.equal(first.groupSize, 2);

  const detail = await request(fp, 'getRollout', { index: 1 });
  assert.equal(detail.ok, true);
  assert.equal(detail.result.scored.record.id, 'r1');
  assert.equal(detail.result.scored.record.completion, good);
  assert.equal(detail.result.scored.group.size, 2);
  assert.equal(detail.result.media.status, 'ok');
  assert.equal(detail.result.media.kind, 'video');
  assert.equal(detail.result.media.src, `https://fake.vscode-resource.test${path.join(dir, 'clips', 'a.mp4')}`);

  const missing = await request(fp, 'getRollout', { index: 99 });
  assert.equal(missing.ok, false);
  assert.match(missing.error, /99/);
  const unknown = await request(fp, 'dropTables', {});
  assert.equal(unknown.ok, false);
  ext.deactivate();
});

test('a missing clip is reported with the places tried', async () => {
  const file = path.join(dir, 'noclip.rollouts.jsonl');
  writeRollouts(file, [row(0, { video: 'elsewhere/b.mp4' })]);
  const { fp, doc, ext } = await open(file);
  await doc.whenLoaded();
  await request(fp, 'getInit');
  const d = await request(fp, 'getRollout', { index: 0 });
  assert.equal(d.result.media.status, 'missing');
  assert.ok(d.result.media.reason.includes(path.join(dir, 'elsewhere', 'b.mp4')));
  assert.match(d.result.media.reason, /omnitrace\.mediaRoot/);
  ext.deactivate();
});

test('setting the media root updates the webview roots, invalidates the view and finds the clip', async () => {
  const media = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-media-'));
  try {
    fs.mkdirSync(path.join(media, 'v'));
    fs.writeFileSync(path.join(media, 'v', 'c.wav'), 'RIFF');
    const file = path.join(dir, 'root.rollouts.jsonl');
    writeRollouts(file, [row(0, { video: undefined, audio: 'v/c.wav' })]);
    const { fp, doc, state, ext } = await open(file);
    await doc.whenLoaded();
    await request(fp, 'getInit');
    assert.equal((await request(fp, 'getRollout', { index: 0 })).result.media.status, 'missing');
    state.setConfig('omnitrace.mediaRoot', media);
    const roots = fp.panel.webview.options.localResourceRoots.map((u: FakeUri) => u.fsPath);
    assert.ok(roots.includes(media));
    // New roots reload the page in VS Code: events wait for the reloaded page's getInit.
    const before = fp.posted.length;
    await doc.reload('after root change');
    assert.equal(fp.posted.length, before);
    await request(fp, 'getInit');
    const d = await request(fp, 'getRollout', { index: 0 });
    assert.equal(d.result.media.status, 'ok');
    assert.equal(d.result.media.kind, 'audio');
    ext.deactivate();
  } finally {
    fs.rmSync(media, { recursive: true, force: true });
  }
});

test('revealSource opens the file as text at the record line', async () => {
  const file = path.join(dir, 'reveal.rollouts.jsonl');
  writeRollouts(file, [row(0), row(1)], true);
  const { fp, doc, state, ext } = await open(file);
  await doc.whenLoaded();
  await request(fp, 'getInit');
  const r = await request(fp, 'revealSource', { index: 1 });
  assert.deepEqual(r.result, { revealed: true });
  const call = state.executed.find((c) => c.command === 'vscode.openWith')!;
  assert.equal((call.args[0] as FakeUri).fsPath, file);
  assert.equal(call.args[1], 'default');
  const sel = (call.args[2] as { selection: { startLine: number; endLine: number } }).selection;
  assert.equal(sel.startLine, 2, 'line 3 of the file, 0-based');
  assert.equal(sel.endLine, 2);
  ext.deactivate();
});

test('a change on disk reloads the file and invalidates the view; newest load wins', async () => {
  const file = path.join(dir, 'watch.rollouts.jsonl');
  writeRollouts(file, [row(0)]);
  const { fp, doc, state, ext } = await open(file);
  await doc.whenLoaded();
  assert.equal((await request(fp, 'getInit')).result.total, 1);
  const watcher = state.watchers.find((w) => w.pattern.pattern === 'watch.rollouts.jsonl')!;
  assert.equal(watcher.pattern.baseFsPath, dir);
  writeRollouts(file, [row(0), row(1), row(2)]);
  watcher.change.fire(FakeUri.file(file));
  watcher.change.fire(FakeUri.file(file));
  // Debounced: the reload starts after a quiet moment.
  assert.equal(state.watchers.filter((w) => w.pattern.pattern === 'watch.rollouts.jsonl').length, 1);
  const deadline = Date.now() + 10_000;
  while (!fp.events().some((e) => e.event === 'progress' && e.data.done) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const result = await doc.whenLoaded();
  assert.equal(result.status, 'done');
  assert.equal(result.read, 3);
  assert.ok(fp.events().some((e) => e.event === 'invalidate'));
  assert.ok(fp.events().some((e) => e.event === 'progress' && e.data.done));
  assert.equal((await request(fp, 'getInit')).result.total, 3);

  // Two reloads back to back: the first is cancelled, the second's rows are shown.
  writeRollouts(file, [row(0), row(1)]);
  const first = doc.reload('test');
  const second = doc.reload('test');
  assert.equal((await first).status, 'cancelled');
  assert.equal((await second).status, 'done');
  assert.equal((await request(fp, 'getInit')).result.total, 2);
  ext.deactivate();
  assert.equal(watcher.disposed, true);
});

test('a hidden webview gets no events until it asks for init again; a disposed one gets none', async () => {
  const file = path.join(dir, 'hidden.rollouts.jsonl');
  writeRollouts(file, [row(0)]);
  const { fp, doc, state, ext } = await open(file);
  await doc.whenLoaded();
  await request(fp, 'getInit');
  fp.setVisible(false);
  const before = fp.events().length;
  await doc.reload('while hidden');
  assert.equal(fp.events().length, before);
  fp.setVisible(true);
  await request(fp, 'getInit');
  await doc.reload('visible again');
  assert.ok(fp.events().length > before);
  fp.dispose();
  const count = fp.posted.length;
  await doc.reload('after dispose');
  assert.equal(fp.posted.length, count);
  // The closed panel is forgotten: commands no longer target it.
  await state.commands.get('omnitrace.reload')!.fn();
  assert.ok(state.messages.some((m) => /open a rollout file first/.test(m.text)));
  ext.deactivate();
});

test('go to rollout by line selects the record in the active panel once it is ready', async () => {
  const file = path.join(dir, 'goto.rollouts.jsonl');
  writeRollouts(file, [row(0), row(1), row(2)], true);
  const { fp, doc, state, ext } = await open(file);
  await doc.whenLoaded();
  await state.commands.get('omnitrace.goToRollout')!.fn('L4');
  assert.equal(fp.events().length, 0, 'held until the webview asks for init');
  await request(fp, 'getInit');
  assert.deepEqual(fp.events().find((e) => e.event === 'select')?.data, { index: 2 });
  await state.commands.get('omnitrace.goToRollout')!.fn('7');
  assert.ok(state.messages.some((m) => m.level === 'error' && /no rollout 7/.test(m.text)));
  ext.deactivate();
});

test('an unreadable file opens with the problem shown, not a blank view', async () => {
  const file = path.join(dir, 'empty.rollouts.jsonl');
  fs.writeFileSync(file, '');
  const { fp, doc, ext } = await open(file);
  const r = await doc.whenLoaded();
  assert.equal(r.status, 'failed');
  const init = await request(fp, 'getInit');
  assert.equal(init.result.total, 0);
  assert.equal(init.result.complete, true);
  assert.match(init.result.problems[0].message, /empty/);
  ext.deactivate();
});

test('changing a scoring setting re-reads open files with it', async () => {
  const file = path.join(dir, 'settings.rollouts.jsonl');
  writeRollouts(file, [row(0), row(1)]);
  const { fp, doc, state, ext } = await open(file);
  await doc.whenLoaded();
  await request(fp, 'getInit');
  assert.equal((await request(fp, 'getRollout', { index: 1 })).result.scored.group.scaleRewards, false);
  state.setConfig('omnitrace.scaleRewards', true);
  assert.equal((await doc.whenLoaded()).status, 'done');
  const g = (await request(fp, 'getRollout', { index: 1 })).result.scored.group;
  assert.equal(g.scaleRewards, true);
  assert.ok(fp.events().some((e) => e.event === 'invalidate' && e.data.reason === 'settings changed'));
  ext.deactivate();
});

test('closing the document cancels its load and clears the status bar', async () => {
  const file = path.join(dir, 'big.rollouts.jsonl');
  writeRollouts(
    file,
    Array.from({ length: 6000 }, (_, i) => row(i)),
  );
  const { doc, state, ext } = await open(file);
  // Close as soon as rows are streaming.
  await new Promise<void>((resolve) => {
    const sub = doc.store.onDidProgress((p: { read: number }) => {
      if (p.read > 0) {
        sub.dispose();
        resolve();
      }
    });
  });
  doc.dispose();
  const r = await doc.whenLoaded();
  assert.equal(r.status, 'cancelled');
  assert.ok(r.read < 6000);
  assert.equal(state.statusBarItems[0]!.visible, false);
  ext.deactivate();
});

test('a media root inside the workspace keeps the roots (no reload) and invalidates the view', async () => {
  fs.mkdirSync(path.join(dir, 'ds', 'v'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ds', 'v', 'd.png'), 'PNG');
  const file = path.join(dir, 'inside.rollouts.jsonl');
  writeRollouts(file, [row(0, { video: undefined, image: 'v/d.png' })]);
  const { fp, doc, state, ext } = await open(file);
  await doc.whenLoaded();
  await request(fp, 'getInit');
  const options = fp.panel.webview.options;
  state.setConfig('omnitrace.mediaRoot', '${workspaceFolder}/ds');
  assert.equal(fp.panel.webview.options, options, 'options untouched');
  assert.ok(fp.events().some((e) => e.event === 'invalidate' && /media root/.test(e.data.reason)));
  const d = await request(fp, 'getRollout', { index: 0 });
  assert.equal(d.result.media.status, 'ok');
  assert.equal(d.result.media.kind, 'image');
  ext.deactivate();
});

test('omnitrace.maxProblemsShown limits the problems listed, not the count', async () => {
  const file = path.join(dir, 'problems.rollouts.jsonl');
  fs.writeFileSync(file, ['{', '{"x":', JSON.stringify(row(0)), '[', 'nope'].join('\n') + '\n');
  const env = setup();
  env.state.config['omnitrace.maxProblemsShown'] = 2;
  const doc = await env.provider.openCustomDocument(FakeUri.file(file), {}, fakeToken);
  const fp = createFakePanel();
  env.provider.resolveCustomEditor(doc, fp.panel, fakeToken);
  await doc.whenLoaded();
  const init = await request(fp, 'getInit');
  assert.equal(init.result.total, 1);
  assert.equal(init.result.problemCount, 4);
  assert.deepEqual(
    init.result.problems.map((p: { line: number }) => p.line),
    [1, 2],
  );
  const log = env.state.outputChannels[0]!.lines.join('\n');
  assert.ok(log.includes(`${file}:2:`));
  assert.ok(!log.includes(`${file}:4:`), 'only the first two are logged one by one');
  assert.match(log, /2 more not listed/);
  env.ext.deactivate();
});
