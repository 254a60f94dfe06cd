// omnitrace compare on a constructed pair of checkpoints with known flips and exact p-values.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
let dir: string;

before(() => {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'omnitrace-compare-'));
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'compare', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const trace = (a: string, ok = true) => (ok ? `<context>The clip shows a room.</context><think>Looking again.</think><answer>${a}</answer>` : `<answer>${a}</answer>`);

/**
 * 40 items, answer A right. Baseline: items 0–19 right. Candidate: 10 of the wrong ones become
 * right (20–29), 2 right ones become wrong (0, 1): McNemar on 2 vs 10 discordant pairs.
 */
function write(): void {
  const row = (i: number, right: boolean, formatOk: boolean, judge: number, checkpoint: string) =>
    JSON.stringify({
      id: `q${i}`,
      checkpoint,
      problem: `Question ${i}?`,
      problem_type: i % 2 ? 'multiple choice' : 'emer_ov_mc',
      solution: '<answer>A</answer>',
      completion: trace(right ? 'A' : 'B', formatOk),
      video: `clips/c${Math.floor(i / 2)}.mp4`,
      rewards: { judge },
    });
  const a: string[] = [];
  const b: string[] = [];
  for (let i = 0; i < 40; i++) {
    const rightA = i < 20;
    const rightB = (i < 20 && i > 1) || (i >= 20 && i < 30);
    a.push(row(i, rightA, true, (i % 5) / 5, 'step-100'));
    b.push(row(i, rightB, i !== 5, ((i % 5) + (i % 3 === 0 ? 1 : 0)) / 5, 'step-200'));
  }
  a.push(row(99, true, true, 1, 'step-100'));
  writeFileSync(join(dir, 'a.rollouts.jsonl'), a.join('\n') + '\n');
  writeFileSync(join(dir, 'b.rollouts.jsonl'), b.join('\n') + '\n');
}

test('pairs by id, names checkpoints from the records, finds the flips and the exact McNemar p', () => {
  write();
  const r = cli('a.rollouts.jsonl', 'b.rollouts.jsonl', '--out', 'compare.json');
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(readFileSync(join(dir, 'compare.json'), 'utf8'));
  assert.deepEqual(
    c.checkpoints.map((k: { name: string; records: number; items: number }) => [k.name, k.records, k.items]),
    [
      ['step-100', 41, 41],
      ['step-200', 40, 40],
    ],
  );
  const p = c.pairs[0];
  assert.equal(p.a, 'step-100');
  assert.equal(p.b, 'step-200');
  assert.equal(p.matched, 40);
  assert.equal(p.onlyA, 1);
  assert.equal(p.onlyB, 0);
  assert.equal(p.ambiguous, 0);
  assert.deepEqual(p.flips.rightToWrong, ['id:q0', 'id:q1']);
  assert.equal(p.flips.wrongToRight.length, 10);
  assert.deepEqual(p.flips.formatRegressions, ['id:q5']);
  const acc = p.rewards.find((t: { reward: string; problemType: string }) => t.reward === 'accuracy' && t.problemType === 'all');
  assert.equal(acc.test, 'mcnemar-exact');
  assert.deepEqual(acc.discordant, [2, 10]);
  // 2 · P(X ≤ 2), X ~ Binomial(12, ½) = 2 · (1 + 12 + 66) / 4096.
  assert.ok(Math.abs(acc.p - (2 * 79) / 4096) < 1e-12, String(acc.p));
  assert.equal(acc.n, 40);
  assert.equal(acc.meanA, 0.5);
  assert.equal(acc.meanB, 0.7);
  assert.ok(Math.abs(acc.delta - 0.2) < 1e-12);
  assert.ok(acc.ci95[0] < 0.2 && 0.2 < acc.ci95[1]);
  assert.ok(acc.pHolm >= acc.p);
  // Every test of the pair is adjusted together, and each has a verdict.
  for (const t of p.rewards) {
    for (const k of ['reward', 'problemType', 'n', 'meanA', 'meanB', 'delta', 'ci95', 'test', 'p', 'pHolm', 'verdict']) assert.ok(k in t, `${k} in ${t.reward}`);
    assert.ok(['better', 'worse', 'inconclusive'].includes(t.verdict));
  }
  const judge = p.rewards.find((t: { reward: string; problemType: string }) => t.reward === 'recorded:judge' && t.problemType === 'all');
  assert.equal(judge.test, 'wilcoxon');
  assert.ok(p.rewards.some((t: { problemType: string }) => t.problemType === 'emer_ov_mc') && p.rewards.some((t: { problemType: string }) => t.problemType === 'multiple choice'));
  assert.match(r.stderr, /step-200 vs step-100 \(baseline\), paired by id: 40 matched, 1 only in step-100/);
  assert.match(r.stderr, /2 right → wrong, 10 wrong → right, 1 format regressions/);
  assert.ok(Array.isArray(c.items) && c.items.length === 41);
});

test('--fail-if worse exits 4 when the candidate is significantly worse; --label names the sources', () => {
  write();
  const rows = (right: boolean) =>
    Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `w${i}`, problem: 'Q', problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: trace(right ? 'A' : 'B') })).join(
      '\n',
    ) + '\n';
  writeFileSync(join(dir, 'good.jsonl'), rows(true));
  writeFileSync(join(dir, 'bad.jsonl'), rows(false));
  const r = cli('--label', 'before=good.jsonl', '--label', 'after=bad.jsonl', '--fail-if', 'worse', '--out', 'w.json');
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /significantly worse: after vs before: accuracy/);
  const c = JSON.parse(readFileSync(join(dir, 'w.json'), 'utf8'));
  assert.equal(c.pairs[0].rewards.find((t: { reward: string }) => t.reward === 'accuracy').verdict, 'worse');
});

test('sources with nothing in common are a clear error with the counts', () => {
  writeFileSync(join(dir, 'x.jsonl'), JSON.stringify({ id: 'x1', problem: 'Q', completion: trace('A'), solution: '<answer>A</answer>' }) + '\n');
  writeFileSync(join(dir, 'y.jsonl'), JSON.stringify({ id: 'y1', problem: 'Q', completion: trace('A'), solution: '<answer>A</answer>' }) + '\n');
  const r = cli('x.jsonl', 'y.jsonl', '--by', 'id');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /x and y have no item in common when paired by id \(1 and 1 items/);
});

test('several samples per item are aggregated: mean, pass@1, pass@k and all-correct', () => {
  const rows = (answers: string[][]) =>
    answers
      .flatMap((as, i) => as.map((a) => JSON.stringify({ problem: `Item ${i}?`, group_id: `g${i}`, problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: trace(a) })))
      .join('\n') + '\n';
  writeFileSync(
    join(dir, 'k1.jsonl'),
    rows([
      ['A', 'B', 'B', 'B'],
      ['B', 'B', 'B', 'B'],
      ['A', 'A', 'A', 'A'],
    ]),
  );
  writeFileSync(
    join(dir, 'k2.jsonl'),
    rows([
      ['A', 'A', 'B', 'B'],
      ['A', 'B', 'B', 'B'],
      ['A', 'A', 'A', 'B'],
    ]),
  );
  const r = cli('k1.jsonl', 'k2.jsonl', '--out', 'k.json');
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(readFileSync(join(dir, 'k.json'), 'utf8'));
  assert.equal(c.pairs[0].by, 'clip');
  assert.equal(c.pairs[0].matched, 3);
  const item = c.items[0].byCheckpoint.k1;
  assert.equal(item.samples, 4);
  assert.equal(item.rewards['pass@1'], 0.25);
  assert.equal(item.rewards['pass@4'], 1);
  assert.equal(item.rewards['all-correct'], 0);
  const names = c.pairs[0].rewards.map((t: { reward: string }) => t.reward);
  for (const n of ['pass@1', 'pass@4', 'all-correct']) assert.ok(names.includes(n), n);
});

test("shortcut verdicts from the workspace's analyses join the items, and their changes are flips", async () => {
  const { shortcutSidecarPath } = await import('../../src/core/shortcuts/sidecar');
  const { mkdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const rows = (ck: string) =>
    Array.from({ length: 3 }, (_, i) => JSON.stringify({ id: `s${i}`, checkpoint: ck, problem: 'Q', problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: trace('A') })).join(
      '\n',
    ) + '\n';
  writeFileSync(join(dir, 'sa.jsonl'), rows('sa'));
  writeFileSync(join(dir, 'sb.jsonl'), rows('sb'));
  const sidecar = (file: string, audio: string[]) => {
    const p = shortcutSidecarPath(dir, join(dir, file));
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, audio.map((v, index) => JSON.stringify({ index, source: { file }, shortcut: { audio: { verdict: v }, visual: { verdict: 'grounded' } } })).join('\n') + '\n');
  };
  sidecar('sa.jsonl', ['grounded', 'grounded', 'ignored']);
  sidecar('sb.jsonl', ['grounded', 'ignored', 'ignored']);
  const r = cli('sa.jsonl', 'sb.jsonl', '--out', 's.json');
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  assert.deepEqual(c.pairs[0].flips.shortcutChanges, [{ key: 'id:s1', modality: 'audio', a: 'grounded', b: 'ignored' }]);
  assert.equal(c.items[2].byCheckpoint.sb.shortcut.audio, 'ignored');
});
