// Training and evaluation dumps read as their writers write them, with groups and advantages
// checked against values python3 computes from the trainers' formulas:
// - verl RayPPOTrainer._dump_generations: {step}.jsonl with input (decoded, special tokens
//   skipped), output, gts, score, step and the reward function's extras; n samples per prompt
//   consecutive; GRPO advantage (score − mean) / (unbiased std + 1e-6), a group of one mean 0, std 1;
// - TRL GRPOTrainer log_completions: completions/completions_{step:05d}.parquet with step, prompt,
//   completion, one column per reward function, advantage; scale_rewards="group": / (std + 1e-4);
// - R1-V / R1-Omni evaluation logs: {"accuracy", "results": [{question, ground_truth, model_output,
//   extracted_answer, is_correct}]}.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
let dir: string;

before(() => {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
  dir = mkdtempSync(join(tmpdir(), 'omnitrace-dumps-'));
});

function score(...args: string[]): { lines: Record<string, any>[]; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'score', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return {
    lines: r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    stderr: r.stderr,
  };
}

/** Advantages from the formulas, in python3: groups are consecutive blocks of n. */
function pythonAdvantages(scores: number[], n: number, rule: 'verl' | 'trl'): number[] {
  const py = String.raw`
import json, statistics, sys
scores, n, rule = json.load(sys.stdin)
out = []
for g in range(0, len(scores), n):
    block = scores[g:g + n]
    if len(block) == 1:
        mean, std = (0.0, 1.0) if rule == "verl" else (block[0], float("nan"))
    else:
        mean, std = statistics.fmean(block), statistics.stdev(block)
    eps = 1e-6 if rule == "verl" else 1e-4
    out += [(s - mean) / (std + eps) for s in block]
print(json.dumps([None if x != x else x for x in out]))
`;
  const r = spawnSync('python3', ['-c', py], { input: JSON.stringify([scores, n, rule]), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const decoded = (user: string) => `system\nYou are a careful assistant. Describe the clip in <context>, reason in <think>, answer in <answer>.\nuser\n${user}\nassistant\n`;
const trace = (c: string, a: string) => `<context>${c}</context>\n<think>I check the clip again.</think>\n<answer>${a}</answer>`;

test('verl: groups are detected as consecutive blocks of rollout.n, advantages follow verl, gts lists and dicts are references', () => {
  const vd = join(dir, 'verl');
  mkdirSync(vd);
  // Four prompts × rollout.n = 2. The first two are different images with the same question, so
  // their decoded inputs are identical (a run of 4); the layout still says n = 2.
  const same = 'The audio of the video is included.\nWhat is on the table? Options:\nA. a cup\nB. a book\nPlease answer with the option letter.';
  const rows = [
    { input: decoded(same), output: trace('A cup sits on a table.', 'A'), gts: 'A', score: 2.0, acc: true },
    { input: decoded(same), output: trace('A cup is there.', 'A'), gts: 'A', score: 2.0, acc: true },
    { input: decoded(same), output: trace('A book lies open.', 'A'), gts: 'B', score: 1.0, acc: false },
    { input: decoded(same), output: trace('A thick book.', 'B'), gts: 'B', score: 2.0, acc: true },
    { input: decoded('How many claps are heard?'), output: trace('Someone claps.', '3'), gts: ['3', 'three'], score: 2.0, acc: true },
    { input: decoded('How many claps are heard?'), output: trace('Claps twice.', 'three'), gts: ['3', 'three'], score: 2.0, acc: true },
    { input: decoded('Which word is written?'), output: '<answer>STOP</answer>', gts: { ground_truth: 'STOP' }, score: 1.0, acc: true },
    { input: decoded('Which word is written?'), output: trace('A sign.', 'STOP'), gts: { ground_truth: 'STOP' }, score: 2.0, acc: true },
  ].map((r) => ({ ...r, step: 30, pred: 'x' }));
  writeFileSync(join(vd, '30.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const { lines, stderr } = score('verl', '--problem-type', 'multiple choice');
  const expected = pythonAdvantages(
    rows.map((r) => r.score),
    2,
    'verl',
  );
  assert.equal(lines.length, 8);
  lines.forEach((l, i) => {
    assert.equal(l.group.rule, 'verl');
    assert.equal(l.group.totalSource, 'recorded:score');
    assert.equal(l.group.size, 2, `line ${i}: blocks of 2`);
    assert.ok(Math.abs(l.group.advantage - expected[i]!) < 1e-12, `line ${i}: ${l.group.advantage} vs python ${expected[i]}`);
  });
  assert.match(stderr, /groups: 4, zero-variance groups: 2, single-member groups: 0/);
  assert.match(stderr, /consecutive blocks of 2 records \(detected/);
  assert.match(stderr, /verl rule, from recorded \(recorded:score\) totals/);
  // Booleans under a reward's name are recorded rewards; the question is the user turn, options split.
  assert.equal(lines[2].rewards['recorded:acc'].value, 0);
  assert.equal(lines[0].rewards['recorded:acc'].value, 1);
  // gts as a list: any answer counts; as a dict: its ground_truth.
  assert.equal(lines[5].rewards.accuracy.value, 1, lines[5].rewards.accuracy.explanation);
  assert.match(lines[5].rewards.accuracy.explanation, /best of 2 references: #2/);
  assert.equal(lines[7].rewards.accuracy.value, 1);
});

test('verl: one run of identical prompts is not guessed at; --group-size splits it', () => {
  const vd = join(dir, 'verl-one');
  mkdirSync(vd);
  const scores = [1, 0, 1, 1, 0, 0, 1, 0];
  writeFileSync(join(vd, '7.jsonl'), scores.map((s) => JSON.stringify({ input: decoded('Is the person happy?'), output: trace('x', 'Yes'), gts: 'Yes', score: s, step: 7 })).join('\n') + '\n');
  const merged = score('verl-one');
  assert.equal(merged.lines[0].group.size, 8);
  assert.match(merged.stderr, /inferred from identical prompt text.*--group-size/);
  const split = score('verl-one', '--group-size', '2');
  const expected = pythonAdvantages(scores, 2, 'verl');
  split.lines.forEach((l, i) => assert.ok(Math.abs(l.group.advantage - expected[i]!) < 1e-12, `${i}`));
  assert.match(split.stderr, /zero-variance groups: 2/);
  // The HumanOmniV2 rule on the same blocks: total − mean.
  const ho = score('verl-one', '--group-size', '2', '--advantage', 'humanomni');
  assert.deepEqual(
    ho.lines.map((l) => l.group.advantage),
    [0.5, -0.5, 0, 0, 0, 0, 0.5, -0.5],
  );
});

test('TRL: reward columns summed into the recorded total, scale_rewards="group" advantages, logged advantages compared', () => {
  const td = join(dir, 'trl', 'completions');
  mkdirSync(td, { recursive: true });
  const prompt = (q: string) => `<|im_start|>system\nThink first.<|im_end|>\n<|im_start|>user\n${q}<|im_end|>\n<|im_start|>assistant\n`;
  const fmt = [1, 1, 0, 1, 1, 1, 1, 0];
  const acc = [1, 0, 0, 1, 1, 1, 1, 1];
  const totals = fmt.map((f, i) => f + acc[i]!);
  const logged = pythonAdvantages(totals, 4, 'trl');
  logged[6] = logged[6]! + 0.01; // one logged advantage that is off
  parquetWriteFile({
    filename: join(td, 'completions_00005.parquet'),
    columnData: [
      { name: 'step', data: fmt.map(() => 5), type: 'INT32' },
      { name: 'prompt', data: fmt.map((_, i) => prompt(i < 4 ? 'Which instrument plays? Options:\nA. piano\nB. drum' : 'What colour is the scarf?')), type: 'STRING' },
      { name: 'completion', data: fmt.map((_, i) => trace('music plays', i < 4 ? 'A' : 'red')), type: 'STRING' },
      { name: 'format_reward', data: fmt, type: 'DOUBLE' },
      { name: 'accuracy_reward', data: acc, type: 'DOUBLE' },
      { name: 'advantage', data: logged, type: 'DOUBLE' },
    ],
  });
  const { lines, stderr } = score(join(dir, 'trl'));
  const ours = pythonAdvantages(totals, 4, 'trl');
  lines.forEach((l, i) => {
    assert.equal(l.group.rule, 'trl');
    assert.equal(l.group.total, totals[i]);
    assert.ok(Math.abs(l.group.advantage - ours[i]!) < 1e-12, `${i}`);
    assert.equal(l.group.recordedAdvantage, logged[i]);
    assert.equal(l.group.advantageMismatch !== undefined, i === 6, `${i}: flagged only where the log differs`);
  });
  assert.equal(lines[0].group.totalSource, 'recorded:sum of format_reward + accuracy_reward');
  assert.match(stderr, /1 logged advantages differ from ours by more than 1e-6/);
});

test('R1-V / R1-Omni eval logs are read with no field map', () => {
  const log = {
    accuracy: 50.0,
    results: [
      {
        question: { image_path: 'imgs/a.png', question: 'How many cubes are there?', problem_type: 'numerical' },
        ground_truth: 3,
        model_output: trace('Three cubes.', '3'),
        extracted_answer: 3,
        is_correct: true,
      },
      {
        question: { image_path: 'imgs/b.png', question: 'How many spheres are there?', problem_type: 'numerical' },
        ground_truth: 2,
        model_output: '<answer>4</answer>',
        extracted_answer: 4,
        is_correct: false,
      },
    ],
  };
  writeFileSync(join(dir, 'r1.json'), JSON.stringify(log, null, 2));
  const { lines, stderr } = score('r1.json');
  assert.match(stderr, /R1-V \/ R1-Omni evaluation log/);
  assert.equal(lines.length, 2);
  assert.equal(lines[0].rewards['recorded:is_correct'].value, 1);
  assert.equal(lines[1].rewards['recorded:is_correct'].value, 0);
  assert.equal(lines[0].rewards.accuracy.value, 1);
  assert.equal(lines[1].rewards.accuracy.value, 0);
});

test('HumanOmniV2 eval: a recorded reward that disagrees says why; the eval-script answer rule is an option', () => {
  const result = (output: string, reward: number) => ({
    prompt: [{ role: 'user', content: [{ type: 'video' }, { type: 'text', text: 'Who speaks first? Options:\nA. the man\nB. the woman' }] }],
    solution: '<answer>B</answer>',
    problem_type: 'multiple choice',
    raw: { problem: 'Who speaks first?', options: ['A. the man', 'B. the woman'], path: 'clips/talk.mp4', data_type: 'video', answer: 'B' },
    output,
    prediction: output,
    reward,
  });
  writeFileSync(join(dir, 'eval.json'), JSON.stringify({ results: [result(trace('The woman talks.', 'B'), 1), result('B', 1)], final_acc: [{ mean_acc: 1 }] }, null, 2));
  const trainer = score('eval.json');
  assert.equal(trainer.lines[1].rewards.accuracy.value, 0, 'no <answer>: the training reward compares an empty answer');
  assert.match(trainer.lines[1].rewards['recorded:reward'].explanation, /recorded 1 but we compute accuracy 0: the response has no <answer>: HumanOmniV2's eval script then scores a stale variable/);
  assert.equal(trainer.lines[0].rewards['recorded:reward'].quirks, undefined, 'agreeing numbers carry no note');
  const whole = score('eval.json', '--answer-rule', 'whole-output');
  assert.equal(whole.lines[1].rewards.accuracy.value, 1);
  assert.match(whole.lines[1].rewards.accuracy.explanation, /whole response scored/);
});
