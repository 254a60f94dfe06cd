// The CodeLens over a JSONL file open as text, through the built extension and a fake `vscode`:
// one lens per rollout line, scored when resolved, each opening its rollout in the trace view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { createFakeVscode, FakeRange, FakeUri, loadWithFakeVscode } from '../helpers/fakeVscode';

const demo = path.join(repoRoot, 'media', 'demo', 'demo.rollouts.jsonl');

function textDocument(file: string, text: string) {
  const lines = text.split('\n');
  return {
    uri: FakeUri.file(file),
    lineCount: lines.length,
    lineAt(i: number) {
      const t = lines[i]!;
      return { text: t, range: new FakeRange(i, 0, i, t.length), firstNonWhitespaceCharacterIndex: t.length - t.trimStart().length };
    },
  };
}

function setup(config: Record<string, unknown> = {}) {
  const fake = createFakeVscode({ workspaceFolders: [repoRoot] });
  Object.assign(fake.state.config, config);
  const ext = loadWithFakeVscode<{ activate(c: unknown): unknown; deactivate(): void }>(extensionSnapshot(), fake.vscode);
  ext.activate({ subscriptions: [], extensionUri: FakeUri.file(repoRoot), extension: { packageJSON: {} } });
  const [entry] = fake.state.codeLensProviders;
  assert.ok(entry, 'no CodeLens provider registered');
  return { ext, provider: entry.provider, state: fake.state };
}

test("one lens per rollout line, with that rollout's rewards, opening it in the trace view", () => {
  const { ext, provider } = setup();
  const text = fs.readFileSync(demo, 'utf8');
  const doc = textDocument(demo, text);
  const lenses = provider.provideCodeLenses(doc);
  assert.equal(lenses.length, text.trim().split('\n').length);
  const first = provider.resolveCodeLens(lenses[0]);
  assert.match(first.command.title, /format 1 · accuracy 1 — multiple choice/);
  assert.equal(first.command.command, 'omnitrace.openInViewer');
  assert.deepEqual([first.command.arguments[0].fsPath, first.command.arguments[1]], [demo, 1]);
  // Line 12 is the '42.0' answer to a numerical question: the trainer's decimal-point quirk gives 0.
  const slide = provider.resolveCodeLens(lenses[11]);
  assert.match(slide.command.title, /accuracy 0 — numerical/);
  assert.equal(slide.command.arguments[1], 12);
  ext.deactivate();
});

test('a line that is not JSON says so instead of showing rewards; the setting turns lenses off', () => {
  const { ext, provider } = setup();
  const doc = textDocument('/tmp/x.jsonl', '{"completion": "<answer>A</answer>"}\n{"completion": oops}\n');
  const lenses = provider.provideCodeLenses(doc);
  assert.equal(lenses.length, 2);
  assert.match(provider.resolveCodeLens(lenses[1]).command.title, /line 2 is not valid JSON/);
  ext.deactivate();
  const off = setup({ 'omnitrace.codeLens': false });
  assert.deepEqual(off.provider.provideCodeLenses(doc), []);
  off.ext.deactivate();
});
