import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const FX = join(ROOT, 'test', 'fixtures');

before(() => {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

test('score writes one object per rollout in input order, with rewards, sections and groups', () => {
  const r = cli('score', join(FX, 'rollouts', 'sample.rollouts.jsonl'));
  assert.equal(r.code, 0, r.stderr);
  const out = lines(r.stdout);
  assert.deepEqual(
    out.map((o) => o.index),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.deepEqual(
    out.map((o) => o.id),
    ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'],
  );
  const [r1, r2, r3] = out;
  assert.equal(r1.source.file, join(FX, 'rollouts', 'sample.rollouts.jsonl'));
  assert.equal(r1.source.line, 1);
  assert.equal(r1.source.byteOffset, 0);
  assert.equal(r3.source.line, 3);
  assert.equal(r1.problemType, 'multiple choice');
  assert.equal(r1.formatOk, true);
  assert.deepEqual(
    r1.segments.map((s: { kind: string }) => s.kind),
    ['context', 'think', 'answer'],
  );
  // Offsets by default; the text is where they point in the completion, and --text writes it too.
  assert.equal(r1.segments[2].text, undefined);
  assert.equal(r1.segments[2].closed, true);
  const completion = JSON.parse(readFileSync(join(FX, 'rollouts', 'sample.rollouts.jsonl'), 'utf8').split('\n')[0]!).completion as string;
  assert.equal(completion.slice(r1.segments[2].start, r1.segments[2].end), 'B');
  const withText = lines(cli('score', join(FX, 'rollouts', 'sample.rollouts.jsonl'), '--text').stdout);
  assert.equal(withText[0].segments[2].text, 'B');
  assert.deepEqual(
    withText.map((o) => ({ ...o, segments: o.segments.map(({ text: _t, ...rest }: { text: string }) => rest) })),
    out,
    '--text adds the texts and changes nothing else',
  );
  assert.equal(r1.rewards.format.value, 1);
  assert.equal(r1.rewards.accuracy.value, 1);
  assert.equal(r2.rewards.accuracy.value, 0, 'answered C, reference B');
  assert.equal(r3.formatOk, false);
  assert.equal(r3.rewards.format.value, 0, 'text before <context> fails the anchored regex');
  assert.ok(r3.diagnostics.some((d: { code: string; breaksFormat: boolean }) => d.code === 'leading-text' && d.breaksFormat));
  // The file's own numbers sit beside ours, never in their place.
  assert.deepEqual(r3.rewards['recorded:format'].value, 0);
  assert.equal(r3.rewards['recorded:format'].status, 'ok');
  for (const o of out) for (const v of Object.values(o.rewards) as { status: string }[]) assert.ok(['ok', 'not-computed', 'error'].includes(v.status));
  // Group g1 by hand: totals (format + accuracy) 2, 1, 1, 2 → mean 1.5, advantages ±0.5.
  const g1 = out.slice(0, 4).map((o) => o.group);
  assert.deepEqual(
    g1.map((g) => g.advantage),
    [0.5, -0.5, -0.5, 0.5],
  );
  assert.deepEqual(
    g1.map((g) => g.total),
    [2, 1, 1, 2],
  );
  for (const g of g1) {
    assert.equal(g.id, 'id:g1');
    assert.equal(g.size, 4);
    assert.equal(g.mean, 1.5);
    assert.ok(Math.abs(g.std - Math.sqrt(1 / 3)) < 1e-12, 'sample std of 2,1,1,2');
    assert.equal(g.zeroVariance, false);
  }
  // g3: both judge answers contain "yes" and match the format → equal totals, no learning signal.
  assert.deepEqual(
    out.slice(7).map((o) => [o.group.id, o.group.zeroVariance, o.group.advantage]),
    [
      ['id:g3', true, 0],
      ['id:g3', true, 0],
    ],
  );
  // Summary on stderr.
  assert.match(r.stderr, /read 9 rollouts, skipped 0/);
  assert.match(r.stderr, /multiple choice\s+4\s+0\.750\s+0\.750/);
  assert.match(r.stderr, /leading-text\s+1/);
  assert.match(r.stderr, /zero-variance groups: 1/);
});

test('--scale-rewards divides advantages by the group std (+1e-4)', () => {
  const r = cli('score', join(FX, 'rollouts', 'sample.rollouts.jsonl'), '--scale-rewards');
  assert.equal(r.code, 0, r.stderr);
  const adv = lines(r.stdout)[0].group.advantage;
  assert.ok(Math.abs(adv - 0.5 / (Math.sqrt(1 / 3) + 1e-4)) < 1e-9, String(adv));
});

test('skipped lines are named with file:line and the run still succeeds', () => {
  const file = join(FX, 'jsonl', 'malformed.jsonl');
  const r = cli('score', file);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    lines(r.stdout).map((o) => [o.index, o.id, o.source.line]),
    [
      [0, 'm1', 1],
      [1, 'm2', 2],
      [2, 'm5', 8],
    ],
  );
  assert.match(r.stderr, /read 3 rollouts, skipped 4/);
  for (const n of [4, 5, 6, 9]) assert.ok(r.stderr.includes(`${file}:${n}: `), `line ${n} named in:\n${r.stderr}`);
});

test('long problem lists are capped with a count of the rest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-cli-'));
  const file = join(dir, 'many-bad.jsonl');
  const good = JSON.stringify({ completion: '<context>a</context><think>b</think><answer>A</answer>', answer: 'A', problem_type: 'multiple choice' });
  writeFileSync(file, [good, ...Array.from({ length: 25 }, (_, i) => `{"broken": ${i}`), good].join('\n') + '\n');
  const r = cli('score', file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout).length, 2);
  assert.match(r.stderr, /skipped 25/);
  assert.match(r.stderr, /and 5 more/);
  assert.ok(r.stderr.includes(`${file}:21:`) && !r.stderr.includes(`${file}:22:`), 'exactly 20 listed');
});

test('--out is written atomically and equals the stdout output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-cli-'));
  const out = join(dir, 'scores.jsonl');
  const input = join(FX, 'verl');
  // verl logs no problem type: give one so accuracy (and so totals and groups) can be computed.
  const viaStdout = cli('score', input, '--problem-type', 'multiple choice');
  const r = cli('score', input, '--problem-type', 'multiple choice', '--out', out, '--json-summary', join(dir, 'summary.json'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(readFileSync(out, 'utf8'), viaStdout.stdout);
  assert.equal(lines(viaStdout.stdout).length, 5);
  assert.deepEqual(readdirSync(dir).sort(), ['scores.jsonl', 'summary.json'], 'no temp files left behind');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.read, 5);
  assert.equal(summary.format, 'verl');
  // verl groups are rebuilt from identical inputs at the same step.
  const groups = lines(viaStdout.stdout).map((o) => o.group.size);
  assert.deepEqual(groups, [2, 2, 1, 2, 2]);

  // A failing run leaves an existing output untouched.
  writeFileSync(out, 'previous\n');
  const bad = cli('score', join(dir, 'missing.jsonl'), '--out', out);
  assert.equal(bad.code, 1);
  assert.equal(readFileSync(out, 'utf8'), 'previous\n');
  assert.deepEqual(readdirSync(dir).sort(), ['scores.jsonl', 'summary.json']);
});

test('other formats score from the CLI too', () => {
  const trl = cli('score', join(FX, 'trl'));
  assert.equal(trl.code, 0, trl.stderr);
  const t = lines(trl.stdout);
  assert.equal(t.length, 4);
  assert.equal(t[1].rewards['recorded:format_reward'].value, 0);
  assert.equal(t[1].rewards.format.value, 0);
  assert.equal(t[1].recordedAdvantage, -0.5);
  const ev = cli('score', join(FX, 'humanomni', 'eval_results.json'));
  assert.equal(ev.code, 0, ev.stderr);
  assert.equal(lines(ev.stdout).length, 2);
  assert.match(ev.stderr, /eval_results\.json:83: results #2: /);
  const tr = cli('score', join(FX, 'humanomni', 'train.json'), '--format', 'humanomni-train');
  assert.equal(tr.code, 0, tr.stderr);
  assert.equal(lines(tr.stdout)[0].rewards.format.value, 1);
});

test('exit codes: 1 when the input cannot be read, 2 for usage errors; messages name the file, no stack', () => {
  const missing = cli('score', 'no/such/file.jsonl');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no\/such\/file\.jsonl/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);

  // A bad row costs only itself; a file with no good row cannot be read.
  const partly = cli('score', join(FX, 'json', 'broken.json'));
  assert.equal(partly.code, 0, partly.stderr);
  assert.match(partly.stderr, /broken\.json:3: row #1: invalid JSON at line 3/);
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-broken-'));
  writeFileSync(join(dir, 'none.json'), '[\n  {"problem": "c" "completion": "d"}\n]\n');
  const broken = cli('score', join(dir, 'none.json'));
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /none\.json:2: row #0: invalid JSON at line 2/);
  assert.match(broken.stderr, /no rollout could be read/);

  assert.equal(cli('score', join(FX, 'verl'), '--format', 'csv').code, 2);
  const badMap = cli('score', join(FX, 'verl'), '--map', 'completoin=output');
  assert.equal(badMap.code, 2);
  assert.match(badMap.stderr, /unknown field 'completoin'/);
  assert.equal(cli('score', join(FX, 'verl'), '--map', 'completion').code, 2);
  assert.equal(cli('score', join(FX, 'verl'), '--regression', 'median').code, 2);
  assert.equal(cli('score').code, 2);
  assert.equal(cli('frobnicate').code, 2);

  const noDir = cli('score', join(FX, 'verl'), '--out', join(tmpdir(), 'omnitrace-no-such-dir', 'x.jsonl'));
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /omnitrace-no-such-dir.*does not exist/);

  const sample = join(FX, 'rollouts', 'sample.rollouts.jsonl');
  const before = readFileSync(sample);
  const self = cli('score', sample, '--out', sample);
  assert.equal(self.code, 2);
  assert.match(self.stderr, /never overwritten/);
  assert.deepEqual(readFileSync(sample), before);
});

test('score --help lists the formats and the mapping fields', () => {
  const r = cli('score', '--help');
  assert.equal(r.code, 0);
  for (const s of ['humanomni-eval', 'humanomni-train', 'verl', 'trl', 'jsonl', '--map', 'completion', 'problemType', 'groupId', '--scale-rewards', '--regression']) {
    assert.ok(r.stdout.includes(s), `help mentions ${s}`);
  }
  assert.ok(existsSync(CLI));
});

test('--jobs 2 (worker threads) gives byte-identical output and summary to one thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-cli-'));
  // Several 1 MB blocks, with bad lines, blank lines, CRLF and multi-byte text spread through them.
  const big = join(dir, 'big.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < 1200; i++) {
    const answer = 'ABCD'[i % 4];
    const filler = `Überprüfung ${i} — 音声と映像 🎧 `.repeat(20);
    const completion = `${i % 7 === 0 ? 'So: ' : ''}<context>${filler}</context>\n<think>${filler}</think>\n<answer>${'ABCD'[(i * 7) % 4]}</answer>`;
    rows.push(JSON.stringify({ id: `b${i}`, group_id: `g${Math.floor(i / 8)}`, problem_type: 'multiple choice', answer, completion }));
    if (i % 500 === 250) rows.push('{"id": "torn", "completion": "<context>');
    if (i % 300 === 0) rows.push('');
  }
  writeFileSync(big, rows.join('\r\n') + '\r\n');
  // Records with nothing to group them by, after a bad line: each is its own group, named by
  // its line in both paths (worker threads know lines before they know indices).
  const solo = join(dir, 'solo.jsonl');
  writeFileSync(
    solo,
    ['{"completion":"<answer>A</answer>","answer":"A","problem_type":"judge"}', 'not json', '{"completion":"<answer>B</answer>","answer":"A","problem_type":"judge"}'].join('\n') + '\n',
  );
  assert.deepEqual(
    lines(cli('score', solo, '--jobs', '0').stdout).map((l) => l.group.id),
    [`solo:${solo}:1`, `solo:${solo}:3`],
  );
  for (const input of [big, solo, join(FX, 'jsonl', 'malformed.jsonl'), join(FX, 'rollouts', 'sample.rollouts.jsonl'), join(FX, 'verl')]) {
    const one = cli('score', input, '--jobs', '0');
    const two = cli('score', input, '--jobs', '2');
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.ok(one.stdout.length > 0);
    assert.equal(two.stdout, one.stdout, input);
    assert.equal(two.stderr, one.stderr, input);
  }
  const out = lines(cli('score', big, '--jobs', '2').stdout);
  assert.equal(out.length, 1200);
  assert.deepEqual([out[0].index, out[1199].index, out[1199].id], [0, 1199, 'b1199']);
});
