import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scoreRecord, scoreAll, scoreFile, RECORDED_PREFIX } from '../../src/core/score';
import type { RolloutRecord } from '../../src/core/types';

const FX = join(__dirname, '..', 'fixtures');

const base = (over: Partial<RolloutRecord>): RolloutRecord => ({
  index: 0,
  source: { file: 'mem' },
  question: { problemType: 'multiple choice' },
  reference: { solution: '<answer>B</answer>' },
  completion: '<context>c</context><think>t</think><answer>B</answer>',
  ...over,
});

test('recorded rewards sit beside ours under a prefix, never replacing them', () => {
  const s = scoreRecord(base({ recorded: { format: 0, accuracy: null } }));
  assert.equal(s.rewards.format.value, 1);
  assert.equal(s.rewards[`${RECORDED_PREFIX}format`].value, 0);
  assert.equal(s.rewards[`${RECORDED_PREFIX}accuracy`].value, null);
  assert.equal(s.rewards[`${RECORDED_PREFIX}accuracy`].status, 'not-computed');
  assert.equal(s.trace.answer?.text, 'B');
  assert.equal(s.referenceTrace?.answer?.text, 'B');
});

test('a record without a reference gets no accuracy number, not a silent zero', () => {
  const s = scoreRecord(base({ reference: {} }));
  assert.equal(s.rewards.accuracy.value, null);
  assert.equal(s.rewards.accuracy.status, 'not-computed');
  assert.match(s.rewards.accuracy.explanation, /no reference/);
  assert.equal(s.rewards.format.value, 1);
});

test('scoreAll attaches GRPO groups and a per-problem-type summary', async () => {
  const { scored, summary } = await scoreAll(join(FX, 'rollouts', 'sample.rollouts.jsonl'));
  assert.equal(scored.length, 9);
  assert.deepEqual(
    scored.slice(0, 4).map((s) => s.group?.advantage),
    [0.5, -0.5, -0.5, 0.5],
  );
  assert.equal(summary.read, 9);
  assert.equal(summary.rewards['multiple choice'].format.n, 4);
  assert.equal(summary.rewards['multiple choice'].format.sum, 3);
  assert.deepEqual(summary.formatFailures, { 'leading-text': 1 });
  assert.equal(summary.zeroVarianceGroups, 1);
});

test('scoreFile streams records in order and reports problems to the sink', async () => {
  const seen: number[] = [];
  const problems: number[] = [];
  const run = await scoreFile(
    join(FX, 'jsonl', 'malformed.jsonl'),
    {},
    {
      record: (s) => void seen.push(s.record.index),
      problem: (p) => void problems.push(p.line!),
    },
  );
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(problems, [4, 5, 6, 9]);
  assert.equal(run.summary.skipped, 4);
  assert.equal(run.groups.length, 3);
});
