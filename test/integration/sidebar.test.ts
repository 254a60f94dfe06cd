// The Omni Trace sidebar through the built extension (fake `vscode`, real files, a real HTTP
// server for the reachability check): what each view lists from a workspace holding every
// rollout format, and its context actions — open, compare, delete a run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot as root } from '../helpers/builtExtension';
import { createFakeVscode, FakeUri, loadWithFakeVscode } from '../helpers/fakeVscode';

let dir: string;
let bundle: string;
let server: http.Server;
let serverUrl: string;

const FIX = path.join(root, 'test', 'fixtures');
const REF = '<context>A man frowns while a horn sounds.</context><think>He is annoyed.</think><answer>B</answer>';

function rollout(id: string, checkpoint: string, answer: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    id,
    checkpoint,
    problem: `Question ${id.replace(/\D/g, '')}: how does the man feel?`,
    options: ['A. Calm', 'B. Annoyed', 'C. Happy', 'D. Sad'],
    problem_type: 'multiple choice',
    solution: REF,
    completion: `<context>A man frowns.</context><think>Annoyed, probably.</think><answer>${answer}</answer>`,
    ...extra,
  });
}

before(async () => {
  bundle = extensionSnapshot();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-sidebar-'));
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  w('a.rollouts.jsonl', [0, 1, 2].map((i) => rollout(`q${i}`, 'ckpt-a', i === 0 ? 'B' : 'A')).join('\n') + '\n');
  w('b.rollouts.jsonl', [0, 1, 2].map((i) => rollout(`q${i}`, 'ckpt-b', 'B')).join('\n') + '\n\n');
  fs.mkdirSync(path.join(dir, 'verl-run'));
  for (const f of ['1.jsonl', '2.jsonl']) fs.copyFileSync(path.join(FIX, 'verl', f), path.join(dir, 'verl-run', f));
  fs.mkdirSync(path.join(dir, 'trl-run', 'completions'), { recursive: true });
  fs.copyFileSync(path.join(FIX, 'trl', 'completions', 'completions_00010.parquet'), path.join(dir, 'trl-run', 'completions', 'completions_00010.parquet'));
  fs.copyFileSync(path.join(FIX, 'humanomni', 'eval_results.json'), path.join(dir, 'eval_results.json'));
  // An R1-V / R1-Omni evaluation log, field for field as its eval script writes one.
  w(
    'r1/eval_log.json',
    JSON.stringify({
      accuracy: 50,
      results: [
        { question: 'Which emotion?', ground_truth: '<answer>sad</answer>', model_output: '<think>Tears.</think><answer>sad</answer>', extracted_answer: 'sad', is_correct: 1 },
        { question: 'Which emotion?', ground_truth: '<answer>angry</answer>', model_output: '<think>Smiles.</think><answer>happy</answer>', extracted_answer: 'happy', is_correct: 0 },
      ],
    }),
  );
  // Not rollouts: settings, a JSON object of another kind, JSON lines of something else.
  w('config/settings.json', JSON.stringify({ lr: 1e-5, epochs: 2 }));
  w('metrics.jsonl', '{"step": 1, "loss": 0.5}\n{"step": 2, "loss": 0.4}\n');
  w('node_modules/pkg/x.rollouts.jsonl', rollout('q9', 'hidden', 'B') + '\n');
  // A saved run (as src/core/run/runRecords.ts writes it) and labels.
  w(
    '.omnitrace/runs/20261201T101500.000Z-omni-7b.rollouts.jsonl',
    [
      rollout('r-0', 'omni-7b', 'B', { group_id: 'r', run_id: 'r', sample_index: 0, started_at: '2026-12-01T10:15:00.000Z' }),
      rollout('r-1', 'omni-7b', 'C', { group_id: 'r', run_id: 'r', sample_index: 1, started_at: '2026-12-01T10:15:00.000Z' }),
    ].join('\n') + '\n',
  );
  w(
    '.omnitrace/labels/ana.jsonl',
    [
      { id: 'q0', reward: 'context', score: 4, labeller: 'ana', time: '2026-12-01T10:00:00Z', key: 'k0' },
      { id: 'q0', reward: 'context', score: 5, labeller: 'ana', time: '2026-12-01T10:05:00Z', key: 'k0' },
      { id: 'q1', reward: 'context', score: 2, labeller: 'ana', time: '2026-12-01T10:06:00Z', key: 'k1' },
      { id: 'q1', reward: 'logic', score: 3, labeller: 'ana', time: '2026-12-01T10:07:00Z', key: 'k1' },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n') + '\nnot json\n',
  );
  server = http.createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'judge-m', object: 'model' }] }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
});

after(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function setup(trusted = true) {
  const fake = createFakeVscode({ trusted, workspaceFolders: [dir] });
  const ext = loadWithFakeVscode<{ activate(c: unknown): any; deactivate(): void }>(bundle, fake.vscode);
  const api = ext.activate({
    subscriptions: [],
    extensionUri: FakeUri.file(root),
    extension: { packageJSON: {} },
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined },
  });
  const view = (id: string) => fake.state.treeViews.find((v) => v.id === id)!.provider;
  const run = (id: string, ...args: unknown[]) => fake.state.commands.get(id)!.fn(...args);
  return { ...fake, ext, api, view, run };
}

/** Every node of a tree, depth first, as label and description. */
async function flatten(provider: any, node?: unknown, depth = 0): Promise<{ label: string; description?: string; depth: number; node: any }[]> {
  const out: { label: string; description?: string; depth: number; node: any }[] = [];
  for (const n of await provider.getChildren(node)) {
    const item = provider.getTreeItem(n);
    out.push({ label: item.label, description: item.description, depth, node: n });
    out.push(...(await flatten(provider, n, depth + 1)));
  }
  return out;
}

test('Rollouts lists every rollout format with its count, and nothing else', async () => {
  const { api, ext } = setup();
  const found = await api.sidebar.rollouts.found(dir);
  // Counts arrive in the background: wait for them.
  const deadline = Date.now() + 20_000;
  let rows = found;
  while (rows.some((r: { count?: number }) => r.count === undefined) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    rows = await api.sidebar.rollouts.found(dir);
  }
  const byPath = Object.fromEntries(rows.map((r: { path: string; format: string; count?: number }) => [path.relative(dir, r.path), `${r.format} ${r.count}`]));
  assert.deepEqual(byPath, {
    'a.rollouts.jsonl': 'jsonl 3',
    'b.rollouts.jsonl': 'jsonl 3',
    // Its entries that are objects: the fixture holds one that is not (the view's tooltip says so).
    'eval_results.json': `humanomni-eval ${JSON.parse(fs.readFileSync(path.join(FIX, 'humanomni', 'eval_results.json'), 'utf8')).results.filter((r: unknown) => typeof r === 'object' && r !== null).length}`,
    'r1/eval_log.json': 'r1-eval 2',
    'trl-run/completions': 'trl 4',
    'verl-run': 'verl 5',
  });
  ext.deactivate();
});

test('Runs lists a saved run with model, time, n and accuracy; Labels counts per labeller and reward', async () => {
  const { view, ext } = setup();
  const runs = await flatten(view('omnitrace.sidebar.runs'));
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.label, 'omni-7b');
  assert.equal(runs[0]!.description, '2026-12-01 10:15:00 UTC · n 2 · accuracy 50%');
  const labels = await flatten(view('omnitrace.sidebar.labels'));
  assert.deepEqual(
    labels.map((l) => [l.depth, l.label, l.description]),
    [
      [0, 'ana', '3 labels · 1 unreadable line'],
      [1, 'context', '2 items'],
      [1, 'logic', '1 item'],
    ],
  );
  ext.deactivate();
});

test('Profiles checks each endpoint with GET /models when trusted, and calls nothing in Restricted Mode', async () => {
  let calls = 0;
  server.on('request', () => calls++);
  const profiles = {
    'omnitrace.judge.profiles': [{ name: 'local-judge', baseURL: serverUrl, model: 'judge-m' }],
    'omnitrace.checkpoints.profiles': [
      { name: 'served', baseURL: serverUrl, model: 'other-model' },
      { name: 'down', baseURL: 'http://127.0.0.1:9/v1', model: 'x' },
    ],
  };
  const untrusted = setup(false);
  for (const [k, v] of Object.entries(profiles)) untrusted.state.setConfig(k, v);
  const off = await flatten(untrusted.view('omnitrace.sidebar.profiles'));
  assert.ok(
    off.filter((n) => n.depth === 1).every((n) => /not checked \(Restricted Mode\)/.test(n.description ?? '')),
    JSON.stringify(off),
  );
  assert.equal(calls, 0);
  untrusted.ext.deactivate();

  const trusted = setup(true);
  for (const [k, v] of Object.entries(profiles)) trusted.state.setConfig(k, v);
  const on = await flatten(trusted.view('omnitrace.sidebar.profiles'));
  const desc = Object.fromEntries(on.filter((n) => n.depth === 1).map((n) => [n.label, n.description]));
  assert.match(desc['local-judge']!, /judge-m @ .* · reachable$/);
  assert.match(desc.served!, / · model not served$/);
  assert.match(desc.down!, / · unreachable$/);
  assert.ok(calls >= 2);
  trusted.ext.deactivate();
});

test('compare the selected rollouts: the comparison opens, is saved, and reopens from Comparisons and Labs', async () => {
  const { run, view, state, ext } = setup();
  const nodes = [{ path: path.join(dir, 'a.rollouts.jsonl') }, { path: path.join(dir, 'b.rollouts.jsonl') }];
  await run('omnitrace.sidebar.compare', nodes[0], nodes);
  assert.equal(state.webviewPanels.filter((p) => p.panel.viewType === 'omnitrace.compare').length, 1);
  const saved = await flatten(view('omnitrace.sidebar.saved'));
  assert.equal(saved.length, 1);
  assert.equal(saved[0]!.label, 'ckpt-a vs ckpt-b');
  assert.match(saved[0]!.description!, /^comparison · 3 items, 1 pair$/);
  await run('omnitrace.sidebar.open', saved[0]!.node);
  assert.equal(state.webviewPanels.filter((p) => p.panel.viewType === 'omnitrace.compare').length, 2);
  ext.deactivate();
});

test('open a verl folder opens its last step; delete a run asks first, and only ever deletes saved runs', async () => {
  const { run, state, ext } = setup();
  await run('omnitrace.sidebar.open', { path: path.join(dir, 'verl-run') });
  const opened = state.executed.filter((c) => c.command === 'omnitrace.openInViewer').map((c) => (c.args[0] as FakeUri).fsPath);
  assert.deepEqual(opened, [path.join(dir, 'verl-run', '2.jsonl')]);

  const runFile = path.join(dir, '.omnitrace', 'runs', '20261201T101500.000Z-omni-7b.rollouts.jsonl');
  await run('omnitrace.sidebar.deleteRun', { path: runFile });
  assert.ok(fs.existsSync(runFile), 'dismissing the question keeps the run');
  assert.match(state.messages.at(-1)!.text, /Delete the run .* It goes to the trash/);
  // A rollout file outside .omnitrace/runs is never deleted, whatever the answer.
  await run('omnitrace.sidebar.deleteRun', { path: path.join(dir, 'a.rollouts.jsonl') });
  assert.ok(fs.existsSync(path.join(dir, 'a.rollouts.jsonl')));
  assert.ok(state.messages.some((m) => m.level === 'error' && /not a saved run/.test(m.text)));
  ext.deactivate();
});

test('long work shows in one status-bar item with its progress; clicking it can cancel the work', async () => {
  const { api, state, vscode, run, ext } = setup();
  const item = () => state.statusBarItems.find((i) => i.id === 'omnitrace.work')!;
  let cancelled = false;
  let progressed!: () => void;
  const reported = new Promise<void>((r) => (progressed = r));
  const work = api.work.run({ title: 'Omni Trace: judging demo', cancellable: true }, (progress: any, token: any) => {
    progress.report({ increment: 25, message: '1/4' });
    progressed();
    return new Promise<string>((resolve) =>
      token.onCancellationRequested(() => {
        cancelled = true;
        resolve('stopped');
      }),
    );
  });
  await reported;
  assert.equal(item().visible, true);
  assert.equal(item().text, '$(sync~spin) Omni Trace: judging demo 25%');
  // The user clicks the item and picks "Cancel".
  vscode.window.showQuickPick = (async (items: { label: string }[]) => items.find((i) => i.label.includes('Cancel'))) as never;
  await run('omnitrace.showWork');
  assert.equal(await work, 'stopped');
  assert.equal(cancelled, true);
  assert.equal(item().visible, false);
  ext.deactivate();
});
