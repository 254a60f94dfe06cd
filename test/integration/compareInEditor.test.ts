// Compare Checkpoints in the editor (the built extension over a fake vscode): two files selected
// in the explorer open the compare view; its webview gets the comparison and the traces over its
// own protocol, read back from the files by byte offset. Untrusted too: only local files are read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakeVscode, FakeUri } from '../helpers/fakeVscode';

let dir: string;
const trace = (a: string, who: string) => `<context>${who} sees a kettle.</context><think>Looking again.</think><answer>${a}</answer>`;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-compare-editor-'));
  const rows = (ck: string, answers: string[]) =>
    answers.map((a, i) => JSON.stringify({ id: `k${i}`, checkpoint: ck, problem: `Q${i}?`, problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: trace(a, ck) })).join('\n') +
    '\n';
  fs.writeFileSync(path.join(dir, 'old.jsonl'), rows('old', ['A', 'B', 'A']));
  fs.writeFileSync(path.join(dir, 'new.jsonl'), rows('new', ['A', 'A', 'B']));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const trusted of [true, false]) {
  test(`explorer selection → compare view with the pair and both traces (${trusted ? 'trusted' : 'Restricted Mode'})`, async () => {
    const fake = createFakeVscode({ trusted, workspaceFolders: [dir] });
    const ext = activateBuilt(extensionSnapshot(), repoRoot, fake);
    try {
      const files = ['old.jsonl', 'new.jsonl'].map((f) => FakeUri.file(path.join(dir, f)));
      await fake.state.commands.get('omnitrace.compareCheckpoints')!.fn(files[0], files);
      const panel = fake.state.webviewPanels.find((p) => p.panel.viewType === 'omnitrace.compare');
      assert.ok(panel, 'the compare view opened');
      assert.match(panel.panel.webview.html, /data-view="compare"/);
      assert.match(panel.panel.webview.html, /script-src 'nonce-/);
      await panel.send({ type: 'request', id: 1, method: 'getCompareInit', params: {} });
      const init = panel.responses().find((r: { id: number }) => r.id === 1).result;
      assert.deepEqual(
        init.comparison.checkpoints.map((c: { name: string }) => c.name),
        ['old', 'new'],
      );
      const pair = init.comparison.pairs[0];
      assert.deepEqual(pair.flips.wrongToRight, ['id:k1']);
      assert.deepEqual(pair.flips.rightToWrong, ['id:k2']);
      await panel.send({ type: 'request', id: 2, method: 'getTraces', params: { key: 'id:k2' } });
      const traces = panel.responses().find((r: { id: number }) => r.id === 2).result;
      assert.equal(traces.old.completion, trace('A', 'old'));
      assert.equal(traces.new.completion, trace('B', 'new'));
      await panel.send({ type: 'request', id: 3, method: 'nope', params: {} });
      assert.equal(panel.responses().find((r: { id: number }) => r.id === 3).ok, false, 'an unknown method still gets a reply');
    } finally {
      ext.deactivate();
    }
  });
}
