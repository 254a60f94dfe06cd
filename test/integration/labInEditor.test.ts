// The judge lab in the editor (the built extension over a fake vscode, a real judge on 127.0.0.1):
// the command asks for the reward, the variants and the profile, judges, and shows the lab view;
// saving a template re-runs it, and only the changed variant calls the judge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakePanel, createFakeVscode, fakeToken, FakeUri } from '../helpers/fakeVscode';
import { startFakeChatServer, type FakeChatServer } from '../helpers/fakeChatServer';
import { BUILTIN_TEMPLATE_TEXT } from '../../src/core/judge/builtinTemplates';

let dir: string;
let server: FakeChatServer;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-lab-editor-'));
  server = await startFakeChatServer((req) => ({ reply: (req.body.messages?.[0]?.content ?? '').includes('HARSH') ? '1' : '4' }));
  const rows = Array.from({ length: 4 }, (_, i) =>
    JSON.stringify({
      id: `r${i}`,
      problem: 'Q',
      problem_type: 'multiple choice',
      solution: '<answer>A</answer>',
      completion: `<context>Item ${i}.</context><think>Thinking ${i}.</think><answer>A</answer>`,
    }),
  );
  fs.writeFileSync(path.join(dir, 'runs.rollouts.jsonl'), rows.join('\n') + '\n');
  fs.mkdirSync(path.join(dir, '.omnitrace', 'judges'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.omnitrace', 'judges', 'mine.md'), BUILTIN_TEMPLATE_TEXT.logic!.replace('name: logic', 'name: mine'));
});
after(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Open Judge Lab judges the variants, shows the figures, and re-runs when a template is saved', async () => {
  const fake = createFakeVscode({ trusted: true, workspaceFolders: [dir] });
  fake.state.setConfig('omnitrace.judge.profiles', [{ name: 'local', baseURL: server.baseURL, model: 'judge-7b' }]);
  (fake.vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: (string | { label: string })[], opts: { canPickMany?: boolean }) =>
    opts?.canPickMany ? items.filter((i) => typeof i !== 'string' && (i.label === 'logic' || i.label === 'mine')) : items.find((i) => (typeof i === 'string' ? i : i.label) === 'logic');
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake);
  try {
    const provider = fake.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
    const doc = await provider.openCustomDocument(FakeUri.file(path.join(dir, 'runs.rollouts.jsonl')), {}, fakeToken);
    await provider.resolveCustomEditor(doc, createFakePanel().panel, fakeToken);
    await doc.whenLoaded();
    await fake.state.commands.get('omnitrace.openJudgeLab')!.fn();
    const panel = fake.state.webviewPanels.find((p) => p.panel.viewType === 'omnitrace.judgeLab');
    assert.ok(panel, 'the lab view opened');
    assert.match(panel.panel.webview.html, /data-view="lab"/);
    await panel.send({ type: 'request', id: 1, method: 'getLabInit', params: {} });
    const lab = panel.responses().find((r: { id: number }) => r.id === 1).result.lab;
    assert.deepEqual(
      lab.variants.map((v: { name: string; mean: number }) => [v.name, v.mean]),
      [
        ['logic', 4],
        ['mine', 4],
      ],
    );
    const calls = server.requests.length;
    assert.equal(calls, 8);
    // Editing one template: the lab runs again, and only that variant's prompts reach the judge.
    const html = panel.panel.webview.html;
    fs.writeFileSync(path.join(dir, '.omnitrace', 'judges', 'mine.md'), BUILTIN_TEMPLATE_TEXT.logic!.replace('name: logic', 'name: mine').replace('You are grading', 'Be HARSH. You are grading'));
    const watcher = fake.state.watchers.find((w) => String(w.pattern.pattern) === '*.md')!;
    watcher.change.fire(FakeUri.file(path.join(dir, '.omnitrace', 'judges', 'mine.md')));
    const end = Date.now() + 10_000;
    while (panel.panel.webview.html === html && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(panel.panel.webview.html, html, 'the page was reloaded with the new figures');
    assert.equal(server.requests.length - calls, 4, 'only the edited variant called the judge');
    await panel.send({ type: 'request', id: 2, method: 'getLabInit', params: {} });
    const again = panel.responses().find((r: { id: number }) => r.id === 2).result.lab;
    assert.equal(again.variants.find((v: { name: string }) => v.name === 'mine').mean, 1);
  } finally {
    ext.deactivate();
  }
});
