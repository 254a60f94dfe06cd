// Judging from the editor, through the built extension with a fake `vscode` and a REAL chat
// server on 127.0.0.1: judged rewards reach the rollout view on the panels they score, the API
// key comes from SecretStorage, a second run costs no calls, a failed judge call is a failure
// (never a 0), and Restricted Mode makes no network call at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakePanel, createFakeVscode, fakeToken, FakeRange, FakeUri } from '../helpers/fakeVscode';
import { startFakeChatServer, type FakeChatServer } from '../helpers/fakeChatServer';

let dir: string;
let server: FakeChatServer;

const trace = (c: string, t: string, a: string) => `<context>${c}</context><think>${t}</think><answer>${a}</answer>`;
const rows = [
  { id: 'a', problem_type: 'multiple choice', solution: trace('A dog barks twice.', 'A bark.', 'B'), completion: trace('A dog barks.', 'It is a bark.', 'B') },
  { id: 'b', problem_type: 'multiple choice', solution: trace('A cat meows.', 'A meow.', 'A'), completion: trace('A cat.', 'Meow means cat.', 'A') },
  { id: 'c', problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: 'A' },
];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-judge-editor-'));
  fs.writeFileSync(path.join(dir, 'run.rollouts.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  server = await startFakeChatServer((req) => {
    const prompt = req.body.messages?.map((m) => m.content).join('\n') ?? '';
    // The logic judge of rollout b fails for good: the extension must show a failure.
    if (prompt.includes('Meow means cat') && !prompt.includes('A cat meows')) return { status: 500 };
    return { reply: prompt.includes('A cat meows') ? '2' : '4' };
  });
});
after(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function openInEditor(trusted: boolean) {
  const fake = createFakeVscode({ trusted, workspaceFolders: [dir] });
  fake.state.config['omnitrace.judge.profiles'] = [{ name: 'local', baseURL: server.baseURL, model: 'judge-test', concurrency: 2, maxRetries: 1, timeoutMs: 5000 }];
  const secrets = new Map<string, string>([['omnitrace.judge.apiKey/local', 'sk-secret-from-storage']]);
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake, secrets);
  const provider = fake.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
  const doc = await provider.openCustomDocument(FakeUri.file(path.join(dir, 'run.rollouts.jsonl')), {}, fakeToken);
  const fp = createFakePanel();
  await provider.resolveCustomEditor(doc, fp.panel, fakeToken);
  await doc.whenLoaded();
  const run = (id: string) => fake.state.commands.get(id)!.fn();
  return { ...fake, ext, doc, fp, run };
}

test('judging the open rollouts puts context and logic on their rows and details; a re-run is all cache', async () => {
  const { doc, run, state, ext } = await openInEditor(true);
  const before = server.requests.length;
  await run('omnitrace.judgeRollouts');
  const made = server.requests.slice(before);
  assert.ok(made.length >= 4, `expected judge calls, saw ${made.length}`);
  for (const r of made) assert.equal(r.headers.authorization, 'Bearer sk-secret-from-storage');

  const a = await doc.store.getDetail(0);
  assert.equal(a.rewards.context.value, 0.8);
  assert.equal(a.rewards.context.status, 'ok');
  assert.equal(a.rewards.logic.value, 0.8);
  assert.equal(doc.store.model.row(0).rewards.context.value, 0.8);
  const b = await doc.store.getDetail(1);
  assert.equal(b.rewards.context.value, 0.4);
  assert.equal(b.rewards.logic.status, 'call-error');
  assert.equal(b.rewards.logic.value, null);
  assert.equal(b.rewards.logic.trainerValue, 0);
  // No reference context and no <context> in the completion: not applicable, as the trainer's 0.
  const c = await doc.store.getDetail(2);
  assert.equal(c.rewards.context.status, 'not-applicable');
  assert.equal(c.rewards.logic.status, 'not-applicable');
  assert.ok(state.progress.length === 1 && state.progress[0]!.reports.length === 3);
  assert.ok(
    state.messages.some((m) => m.level === 'warn' && /call-error/.test(m.text)),
    state.messages.map((m) => m.text).join('\n'),
  );
  // The key never reaches a log or a message.
  const logs = state.outputChannels.flatMap((ch) => ch.lines).join('\n') + state.messages.map((m) => m.text).join('\n');
  assert.doesNotMatch(logs, /sk-secret-from-storage/);

  // A CodeLens over the same file open as text shows the judged rewards too.
  const file = path.join(dir, 'run.rollouts.jsonl');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const textDoc = {
    uri: FakeUri.file(file),
    lineCount: lines.length,
    lineAt: (i: number) => ({ text: lines[i]!, range: new FakeRange(i, 0, i, lines[i]!.length), firstNonWhitespaceCharacterIndex: 0 }),
  };
  const lensProvider = state.codeLensProviders[0]!.provider;
  const lens = lensProvider.resolveCodeLens(lensProvider.provideCodeLenses(textDoc)[1]);
  assert.match(lens.command.title, /context 0\.4 · logic call-error/);

  // The judged rewards are kept in .omnitrace/judged/, and `omnitrace report` run in the
  // workspace shows them without being told where (a failure stays a failure there too).
  const sidecars = fs.readdirSync(path.join(dir, '.omnitrace', 'judged'));
  assert.equal(sidecars.length, 1);
  assert.match(sidecars[0]!, /^run\.rollouts\.jsonl\.[0-9a-f]{8}\.judged\.jsonl$/);
  const html = path.join(dir, 'shared.html');
  const rep = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'report', 'run.rollouts.jsonl', '--out', html], { cwd: dir, encoding: 'utf8' });
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stderr, /judged rewards from .*\.omnitrace[\\/]judged[\\/]run\.rollouts\.jsonl\./);
  const data = JSON.parse(/<script type="application\/json" id="omnitrace-data">([\s\S]*?)<\/script>/.exec(fs.readFileSync(html, 'utf8'))![1]!.replace(/\\u003c/g, '<'));
  const byIndex = (i: number) => data.scored.find((x: { record: { index: number } }) => x.record.index === i);
  assert.equal(byIndex(0).rewards.context.value, 0.8);
  assert.equal(byIndex(0).rewards.context.provenance.source, 'judge');
  assert.equal(byIndex(1).rewards.logic.status, 'call-error');
  assert.equal(byIndex(1).rewards.logic.value, null);
  const without = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'report', 'run.rollouts.jsonl', '--no-judged', '--out', html], { cwd: dir, encoding: 'utf8' });
  assert.equal(without.status, 0, without.stderr);
  assert.doesNotMatch(without.stderr, /judged rewards from/);

  // Second run: successful judgments come from the cache; only the failed call is retried.
  const second = server.requests.length;
  await run('omnitrace.judgeRollouts');
  const again = server.requests.slice(second);
  assert.ok(
    again.every((r) => (r.body.messages ?? []).some((m) => m.content.includes('Meow means cat'))),
    'a cached judgment was asked again',
  );
  ext.deactivate();
});

test('Restricted Mode: judging says why it is off and makes no call', async () => {
  const { run, state, ext } = await openInEditor(false);
  const before = server.requests.length;
  await run('omnitrace.judgeRollouts');
  assert.equal(server.requests.length, before);
  assert.ok(state.messages.some((m) => /Restricted Mode/.test(m.text)));
  ext.deactivate();
});

test('batch judging from the editor: export writes the OpenAI Batch requests with no call; importing the results judges the view offline, a failed line a call-error', async () => {
  const { doc, run, vscode: api, ext, state } = await openInEditor(false);
  const w = api.window as unknown as { showSaveDialog: unknown; showOpenDialog: unknown };
  const requests = path.join(dir, 'requests.jsonl');
  const results = path.join(dir, 'results.jsonl');
  w.showSaveDialog = async () => FakeUri.file(requests);
  w.showOpenDialog = async () => [FakeUri.file(results)];
  const before = server.requests.length;
  // A fresh cache: the tests above filled this workspace's, and export leaves out what it answers.
  fs.rmSync(path.join(dir, '.omnitrace', 'cache'), { recursive: true, force: true });
  // Both steps make no network call, so they work in Restricted Mode too.
  await run('omnitrace.exportJudgeBatch');
  assert.equal(server.requests.length, before);
  const lines = fs
    .readFileSync(requests, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(lines.length >= 4, `${lines.length} request lines`);
  for (const l of lines) assert.deepEqual([l.method, l.url, l.body.model], ['POST', '/v1/chat/completions', 'judge-test']);
  // The engine's output: every call answered "3", the first one failed.
  const out = lines.map((l, i) =>
    JSON.stringify(
      i === 0
        ? { custom_id: l.custom_id, response: null, error: { code: 'server_error', message: 'replica lost' } }
        : {
            custom_id: l.custom_id,
            response: { status_code: 200, body: { model: 'judge-test', choices: [{ index: 0, message: { role: 'assistant', content: '3' }, finish_reason: 'stop' }] } },
            error: null,
          },
    ),
  );
  fs.writeFileSync(results, out.join('\n') + '\n');
  await run('omnitrace.importJudgeBatch');
  assert.equal(server.requests.length, before, 'import makes no call');
  const judged = await Promise.all([0, 1].map((i) => doc.store.getDetail(i)));
  const all = judged.flatMap((d) => [d.rewards.context, d.rewards.logic]).filter((r) => r && r.status !== 'not-applicable');
  assert.equal(all.filter((r) => r!.status === 'call-error').length, 1);
  assert.ok(all.filter((r) => r!.status === 'ok').every((r) => r!.value === 0.6));
  assert.match(all.find((r) => r!.status === 'call-error')!.explanation, /replica lost/);
  assert.ok(state.messages.some((m) => /1 .*call-error/.test(m.text)));
  ext.deactivate();
});
