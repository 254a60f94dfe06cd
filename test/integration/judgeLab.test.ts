// omnitrace judge-lab against a real HTTP judge on 127.0.0.1: two variants (a built-in template and
// a workspace one, and the same file at a git revision), labels from two labellers (one bad line,
// one for an item not in the lab), the cost preview, the figures, and the calibration record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeChatServer, type FakeChatServer } from '../helpers/fakeChatServer';
import { contentKey } from '../../src/core/lab/labelKeys';
import { BUILTIN_TEMPLATE_TEXT } from '../../src/core/judge/builtinTemplates';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
let dir: string;
let server: FakeChatServer;

const completion = (i: number) => `<context>Item ${i}: a man waves.</context><think>Reasoning number ${i}.</think><answer>A</answer>`;
const N = 6;
// The built-in logic variant scores item i as i % 6; the strict one one lower (at least 0).
const lenient = (i: number) => i % 6;
const strict = (i: number) => Math.max(0, (i % 6) - 1);

before(async () => {
  spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
  dir = mkdtempSync(join(tmpdir(), 'omnitrace-lab-'));
  server = await startFakeChatServer((req) => {
    const prompt = req.body.messages?.[0]?.content ?? '';
    const i = Number(/Reasoning number (\d+)/.exec(prompt)?.[1] ?? 0);
    return { reply: String(prompt.includes('STRICTLY') ? strict(i) : lenient(i)) };
  });
  const rows = Array.from({ length: N }, (_, i) =>
    JSON.stringify({ id: `r${i}`, group_id: `g${i >> 1}`, problem: 'Who waves?', problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: completion(i) }),
  );
  writeFileSync(join(dir, 'runs.jsonl'), rows.join('\n') + '\n');
  mkdirSync(join(dir, '.omnitrace', 'judges'), { recursive: true });
  const strictText = BUILTIN_TEMPLATE_TEXT.logic!.replace('name: logic', 'name: strict').replace('You are grading', 'Grade STRICTLY. You are grading');
  writeFileSync(join(dir, '.omnitrace', 'judges', 'strict.md'), strictText);
  spawnSync('git', ['init', '-q'], { cwd: dir });
  spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.omnitrace/judges/strict.md'], { cwd: dir });
  spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'strict'], { cwd: dir });
  mkdirSync(join(dir, '.omnitrace', 'labels'), { recursive: true });
  const label = (labeller: string, i: number, score: number) =>
    JSON.stringify({ id: `r${i}`, reward: 'logic', score, labeller, time: '2026-12-01T10:00:00Z', key: contentKey(completion(i), '<answer>A</answer>') });
  writeFileSync(
    join(dir, '.omnitrace', 'labels', 'ann.jsonl'),
    [0, 1, 2, 3, 4, 5].map((i) => label('ann', i, lenient(i))).join('\n') + '\n' + '{"reward": "logic", "score": 9, "labeller": "ann", "key": "x"}\n',
  );
  writeFileSync(
    join(dir, '.omnitrace', 'labels', 'bob.jsonl'),
    [0, 1, 2, 3].map((i) => label('bob', i, strict(i))).join('\n') + '\n' + JSON.stringify({ id: 'gone', reward: 'logic', score: 2, labeller: 'bob', time: '', key: 'not-an-item' }) + '\n',
  );
});
after(() => server?.close());

function lab(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'judge-lab', 'runs.jsonl', '--reward', 'logic', '--judge-base-url', server.baseURL, '--judge-model', 'judge-7b', ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the preview counts calls before any is made', async () => {
  const before = server.requests.length;
  const r = await lab('--variants', 'logic,strict', '--preview', '--repeats', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(server.requests.length, before, 'no call');
  assert.match(r.stderr, /cost preview, logic: 12 calls, 0 from the cache/);
  assert.match(r.stderr, /cost preview, strict: 12 calls/);
});

test('variants against each other and against the labels; labeller agreement; calibration saved', async () => {
  const r = await lab('--variants', 'logic,strict', '--out', 'lab.json');
  assert.equal(r.code, 0, r.stderr);
  const l = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
  assert.equal(l.reward, 'logic');
  const [v1, v2] = l.variants;
  assert.equal(v1.name, 'logic');
  assert.equal(v1.n, 6);
  assert.equal(v1.mean, 2.5);
  assert.equal(v2.mean, (0 + 0 + 1 + 2 + 3 + 4) / 6);
  assert.match(v1.sha256, /^[0-9a-f]{64}$/);
  const ann1 = v1.vsLabels.find((x: { labeller: string }) => x.labeller === 'ann');
  assert.equal(ann1.n, 6);
  assert.equal(ann1.exact, 1);
  assert.equal(ann1.qwk, 1);
  assert.equal(ann1.established, false, 'fewer than 50 labels');
  const bob2 = v2.vsLabels.find((x: { labeller: string }) => x.labeller === 'bob');
  assert.equal(bob2.exact, 1);
  for (const k of ['n', 'exact', 'qwk', 'kappa', 'spearman', 'kendall', 'confusion']) assert.ok(k in ann1, k);
  const pair = l.pairs[0];
  assert.deepEqual([pair.a, pair.b, pair.n], ['logic', 'strict', 6]);
  assert.ok(Math.abs(pair.meanDiff - -5 / 6) < 1e-12);
  assert.equal(pair.changed.length, 5, 'every item but the one already at 0');
  for (const k of ['spearman', 'kendall', 'qwk']) assert.ok(k in pair, k);
  // The labellers on the four items both labelled: ann says i, bob says i − 1.
  assert.equal(l.labellers[0].n, 4);
  assert.equal(l.labellers[0].exact, 0.25);
  assert.equal(typeof l.labellerAlpha, 'number');
  assert.deepEqual(
    l.unknownLabels.map((u: { id: string }) => u.id),
    ['gone'],
  );
  assert.match(r.stderr, /ann\.jsonl:7: score 9 is not on the logic scale/);
  const records = readFileSync(join(dir, '.omnitrace', 'labs', 'calibration.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((x) => JSON.parse(x));
  assert.deepEqual(records.map((x: { variant: string }) => x.variant).sort(), ['logic', 'strict']);
  assert.ok(records.every((x: { labelSet: string; model: string }) => x.labelSet && x.model === 'judge-7b'));
});

test('a template at a git revision is a variant; an edit since makes the calibration stale', async () => {
  const file = join(dir, '.omnitrace', 'judges', 'strict.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace('Grade STRICTLY.', 'Grade gently.'));
  const r = await lab('--variants', 'strict@HEAD,strict', '--out', 'lab2.json');
  assert.equal(r.code, 0, r.stderr);
  const l = JSON.parse(readFileSync(join(dir, 'lab2.json'), 'utf8'));
  assert.deepEqual(
    l.variants.map((v: { name: string }) => v.name),
    ['strict@HEAD', 'strict'],
  );
  assert.ok(Math.abs(l.pairs[0].meanDiff - 5 / 6) < 1e-12, 'HEAD is strict, the working copy gentle');
  assert.ok(l.pairs[0].diff.some((d: { op: string; text: string }) => d.op === '+' && d.text.includes('Grade gently.')));
  assert.ok(l.pairs[0].diff.some((d: { op: string; text: string }) => d.op === '-' && d.text.includes('Grade STRICTLY.')));
  assert.equal(l.calibration.find((c: { variant: string }) => c.variant === 'strict').stale, true);
  assert.match(r.stderr, /calibration stale: the template changed/);
  const bad = await lab('--variants', 'nosuch');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /variant nosuch could not be loaded/);
});

test('a frozen set (a stratified sample, the labelled items) limits the lab to its items', async () => {
  const mk = (...args: string[]) => spawnSync(process.execPath, [CLI, 'judge-set', 'runs.jsonl', ...args], { cwd: dir, encoding: 'utf8' });
  const sample = mk('--name', 'four', '--sample', '4');
  assert.equal(sample.status, 0, sample.stderr);
  const set = JSON.parse(readFileSync(join(dir, '.omnitrace', 'judge-sets', 'four.json'), 'utf8'));
  assert.equal(set.items.length, 4);
  assert.match(set.how, /stratified by problem type/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, '.omnitrace', 'judge-sets', 'four.json'), 'utf8')).items, set.items, 'the same seed, the same set');
  const labelled = mk('--name', 'labelled', '--labelled');
  assert.equal(labelled.status, 0, labelled.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, '.omnitrace', 'judge-sets', 'labelled.json'), 'utf8')).items.length, 6);
  const r = await lab('--variants', 'logic', '--set', '.omnitrace/judge-sets/four.json', '--out', 'lab3.json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'lab3.json'), 'utf8')).items.length, 4);
  assert.equal(mk('--name', 'none', '--filter', 'no such text anywhere').status, 2);
});
