import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createFakeVscode, loadWithFakeVscode } from '../helpers/fakeVscode';

const fake = createFakeVscode();
const { LoadingStatus } = loadWithFakeVscode<typeof import('../../src/host/loadingStatus')>(path.resolve(__dirname, '../../src/host/loadingStatus.ts'), fake.vscode);

test('the text counts rollouts with thousands separators', () => {
  assert.equal(LoadingStatus.text([{ name: 'a.jsonl', read: 12345 }]), '$(sync) Omni Trace: scoring 12,345 rollouts… (a.jsonl)');
  assert.match(
    LoadingStatus.text([
      { name: 'a', read: 1 },
      { name: 'b', read: 2 },
    ]),
    /scoring 3 rollouts… \(2 files\)/,
  );
});

test('short loads never show the item; long ones do until they finish', async () => {
  const status = new LoadingStatus();
  const item = fake.state.statusBarItems.at(-1)!;
  status.update('a', 'small.jsonl', 10);
  status.finish('a');
  assert.equal(item.visible, false);
  status.update('b', 'big.jsonl', 1000);
  assert.equal(item.visible, false, 'not shown at once');
  // Shown once the load has run for a moment (polled: a busy machine may fire the timer late).
  for (let waited = 0; !item.visible && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  assert.equal(item.visible, true);
  status.update('b', 'big.jsonl', 12345);
  assert.match(item.text, /Omni Trace: scoring 12,345 rollouts…/);
  status.finish('b');
  assert.equal(item.visible, false);
  status.dispose();
  assert.equal(item.disposed, true);
});
