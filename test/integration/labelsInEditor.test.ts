// Labels made in the editor go to the workspace's .omnitrace/labels/<labeller>.jsonl, keyed by the
// content hash (so judge-lab finds them), validated against the reward's scale, and undoable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakePanel, createFakeVscode, fakeToken, FakeUri } from '../helpers/fakeVscode';
import { parseLabels } from '../../src/core/lab/labels';
import { contentKey } from '../../src/core/lab/labelKeys';

let dir: string;
const completion = '<context>A dog barks twice.</context><think>Two barks.</think><answer>2</answer>';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-labels-editor-'));
  fs.writeFileSync(
    path.join(dir, 'runs.rollouts.jsonl'),
    JSON.stringify({ id: 'r0', problem: 'How many barks?', problem_type: 'numerical', solution: '<context>A dog barks two times.</context><think>t</think><answer>2</answer>', completion }) + '\n',
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('setLabel writes the labeller’s file; an off-scale score is refused; undo restores it', async () => {
  const fake = createFakeVscode({ trusted: true, workspaceFolders: [dir] });
  fake.state.setConfig('omnitrace.labeller', 'ann');
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake);
  try {
    const provider = fake.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
    const doc = await provider.openCustomDocument(FakeUri.file(path.join(dir, 'runs.rollouts.jsonl')), {}, fakeToken);
    const panel = createFakePanel();
    await provider.resolveCustomEditor(doc, panel.panel, fakeToken);
    await doc.whenLoaded();
    doc.store.applyJudged(0, { context: { value: 0.8, status: 'ok', explanation: 'judge said 4', provenance: { source: 'judge', repeats: [{ score: 4, status: 'ok' }] } } });
    await panel.send({ type: 'request', id: 1, method: 'getInit', params: {} });
    await panel.send({ type: 'request', id: 2, method: 'getLabels', params: { index: 0 } });
    const state = panel.responses().find((r: { id: number }) => r.id === 2).result;
    assert.equal(state.labeller, 'ann');
    assert.equal(state.blind, true);
    assert.deepEqual(state.rewards, [{ reward: 'context', scale: [0, 1, 2, 4, 5], judge: 4 }]);
    await panel.send({ type: 'request', id: 3, method: 'setLabel', params: { index: 0, reward: 'context', score: 3 } });
    const refused = panel.responses().find((r: { id: number }) => r.id === 3);
    assert.equal(refused.ok, false);
    assert.match(refused.error, /3 is not on the context scale/);
    await panel.send({ type: 'request', id: 4, method: 'setLabel', params: { index: 0, reward: 'context', score: 2, reason: 'misses the count' } });
    const file = path.join(dir, '.omnitrace', 'labels', 'ann.jsonl');
    const { labels, problems } = parseLabels(fs.readFileSync(file, 'utf8'), file);
    assert.deepEqual(problems, []);
    assert.equal(labels.length, 1);
    assert.equal(labels[0]!.id, 'r0');
    assert.equal(labels[0]!.score, 2);
    assert.equal(labels[0]!.reason, 'misses the count');
    assert.equal(labels[0]!.key, contentKey(completion, '<context>A dog barks two times.</context><think>t</think><answer>2</answer>'));
    await panel.send({ type: 'request', id: 5, method: 'undoLabel', params: {} });
    assert.equal(panel.responses().find((r: { id: number }) => r.id === 5).result.undone, true);
    assert.equal(fs.readFileSync(file, 'utf8'), '');
  } finally {
    ext.deactivate();
  }
});
