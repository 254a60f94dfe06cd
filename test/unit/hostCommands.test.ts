// The `omnitrace.*` commands, run through the built extension with a fake `vscode` whose
// pickers answer like a user would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot as root } from '../helpers/builtExtension';
import { createFakePanel, createFakeVscode, fakeToken, FakeUri, loadWithFakeVscode } from '../helpers/fakeVscode';

let dir: string;
let bundle: string;

before(() => {
  bundle = extensionSnapshot();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-cmd-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function setup(opts: { trusted?: boolean; folders?: string[] } = {}) {
  const fake = createFakeVscode({ trusted: opts.trusted ?? true, workspaceFolders: opts.folders ?? [dir] });
  const ext = loadWithFakeVscode<{ activate(c: unknown): any; deactivate(): void }>(bundle, fake.vscode);
  ext.activate({ subscriptions: [], extensionUri: FakeUri.file(root), extension: { packageJSON: {} } });
  const run = (id: string, ...args: unknown[]) => fake.state.commands.get(id)!.fn(...args);
  return { ...fake, ext, run };
}

test('open in viewer uses the default view type for rollout files and the opt-in one otherwise', async () => {
  const { state, run, ext } = setup();
  await run('omnitrace.openInViewer', FakeUri.file('/d/run.rollouts.jsonl'));
  await run('omnitrace.openInViewer', FakeUri.file('/d/completions/completions_00010.parquet'));
  await run('omnitrace.openInViewer', FakeUri.file('/d/eval_results.json'));
  const calls = state.executed.filter((c) => c.command === 'vscode.openWith').map((c) => [(c.args[0] as FakeUri).fsPath, c.args[1]]);
  assert.deepEqual(calls, [
    ['/d/run.rollouts.jsonl', 'omnitrace.rollouts'],
    ['/d/completions/completions_00010.parquet', 'omnitrace.rollouts'],
    ['/d/eval_results.json', 'omnitrace.rolloutsAny'],
  ]);
  ext.deactivate();
});

test('open demo opens the bundled demo rollouts in the viewer', async () => {
  const { state, run, ext } = setup();
  await run('omnitrace.openDemo');
  const call = state.executed.find((c) => c.command === 'vscode.openWith');
  assert.ok(call, state.messages.map((m) => m.text).join('\n'));
  assert.equal((call.args[0] as FakeUri).fsPath, path.join(root, 'media', 'demo', 'demo.rollouts.jsonl'));
  assert.equal(call.args[1], 'omnitrace.rollouts');
  ext.deactivate();
});

test('set media root writes ${workspaceFolder}-relative paths to the workspace when trusted', async () => {
  const { state, run, vscode, ext } = setup();
  vscode.window.showOpenDialog = async () => [FakeUri.file(path.join(dir, 'data', 'clips'))] as never;
  await run('omnitrace.setMediaRoot');
  assert.deepEqual(state.configUpdates, [{ key: 'omnitrace.mediaRoot', value: '${workspaceFolder}/data/clips', target: 2 }]);
  ext.deactivate();
});

test('set media root goes to user settings in Restricted Mode (workspace values are ignored there)', async () => {
  const { state, run, vscode, ext } = setup({ trusted: false });
  vscode.window.showOpenDialog = async () => [FakeUri.file('/mnt/data')] as never;
  await run('omnitrace.setMediaRoot');
  assert.deepEqual(state.configUpdates, [{ key: 'omnitrace.mediaRoot', value: '/mnt/data', target: 1 }]);
  ext.deactivate();
});

test('reopen with format and mapping re-reads an open file with the choice', async () => {
  const file = path.join(dir, 'mapped.jsonl');
  fs.writeFileSync(file, JSON.stringify({ out: '<answer>B</answer>', gold: '<answer>B</answer>', problem_type: 'multiple choice' }) + '\n');
  const { state, run, vscode, ext } = setup();
  const provider = state.editorProviders.find((p) => p.viewType === 'omnitrace.rolloutsAny')!.provider;
  const doc = await provider.openCustomDocument(FakeUri.file(file), {}, fakeToken);
  const fp = createFakePanel();
  provider.resolveCustomEditor(doc, fp.panel, fakeToken);
  await doc.whenLoaded();
  assert.equal(doc.store.model.size, 0, 'no completion field is found without a mapping');

  let validation: string | undefined;
  vscode.window.showQuickPick = (async (items: { format?: string }[]) => items.find((i) => i.format === 'jsonl')) as never;
  vscode.window.showInputBox = (async (o: { validateInput(v: string): string | undefined }) => {
    validation = o.validateInput('completon=out');
    return 'completion=out,solution=gold';
  }) as never;
  await run('omnitrace.reopenWithFormat', FakeUri.file(file));
  assert.match(validation ?? '', /unknown field/);
  const r = await doc.whenLoaded();
  assert.equal(r.status, 'done');
  assert.equal(doc.store.model.size, 1);
  assert.equal(doc.store.format, 'jsonl');
  const detail = await doc.store.getDetail(0);
  assert.equal(detail.rewards.accuracy.value, 1);
  ext.deactivate();
});

test('commands that need a rollout view say so instead of failing silently', async () => {
  const { state, run, ext } = setup();
  await run('omnitrace.reload');
  await run('omnitrace.goToRollout');
  assert.equal(state.messages.filter((m) => /open a rollout file first/.test(m.text)).length, 2);
  ext.deactivate();
});

test('open in viewer from the text editor selects the rollout under the cursor', async () => {
  const file = path.join(dir, 'cursor.rollouts.jsonl');
  fs.writeFileSync(file, [0, 1, 2].map((i) => JSON.stringify({ id: `c${i}`, completion: '<answer>A</answer>' })).join('\n') + '\n');
  const { state, run, vscode, ext } = setup();
  const uri = FakeUri.file(file);
  (vscode.window as { activeTextEditor: unknown }).activeTextEditor = {
    document: { uri },
    selection: { active: { line: 2, character: 0 } },
  };
  const provider = state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
  const fp = createFakePanel();
  // Stand in for VS Code: vscode.openWith opens the custom editor.
  vscode.commands.executeCommand = (async (command: string, target: FakeUri) => {
    state.executed.push({ command, args: [target] });
    const doc = await provider.openCustomDocument(target, {}, fakeToken);
    provider.resolveCustomEditor(doc, fp.panel, fakeToken);
  }) as never;
  await run('omnitrace.openInViewer', uri);
  await fp.send({ type: 'request', id: 1, method: 'getInit', params: {} });
  assert.deepEqual(fp.events().find((e) => e.event === 'select')?.data, { index: 2 });
  ext.deactivate();
});

test('activation logs that every command package.json contributes is registered, and names any that is not', async () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
  const logged = async (packageJSON: unknown, re: RegExp) => {
    const fake = createFakeVscode({ trusted: true, workspaceFolders: [dir] });
    const ext = loadWithFakeVscode<{ activate(c: unknown): any; deactivate(): void }>(bundle, fake.vscode);
    ext.activate({ subscriptions: [], extensionUri: FakeUri.file(root), extension: { packageJSON } });
    const lines = () => fake.state.outputChannels.flatMap((c) => c.lines);
    // The check runs once the registered commands are listed (a promise): wait for its line.
    for (let i = 0; i < 200 && !lines().some((l) => re.test(l)); i++) await new Promise((r) => setImmediate(r));
    ext.deactivate();
    return lines().filter((l) => /contributed commands/.test(l));
  };
  assert.deepEqual(await logged(manifest, /contributed commands/), [`[info] ${contributed.length} of ${contributed.length} contributed commands registered`]);
  const withStray = { ...manifest, contributes: { ...manifest.contributes, commands: [...manifest.contributes.commands, { command: 'omnitrace.notThere', title: 'Not There' }] } };
  assert.deepEqual(await logged(withStray, /contributed commands/), [`[error] 1 of ${contributed.length + 1} contributed commands are not registered: omnitrace.notThere`]);
});
