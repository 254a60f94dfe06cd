// The run form's rules (shared by its webview and the host), the clock format its start/end
// buttons write, and judged rewards saved in a run's records being read back (defensively).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClock, solutionOf, suggestProblemType, validateRunForm, type RunFormValues } from '../../src/core/run/runForm';
import { parseTime } from '../../src/core/time';
import { savedJudgedRewards, withJudgements } from '../../src/core/run/savedJudgement';
import { scoreRecord } from '../../src/core/score';
import { judgeSample, judgeSavedRun, NO_REFERENCE_CONTEXT } from '../../src/core/run/judgeSample';
import { writeRunFile } from '../../src/core/run/runRecords';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JudgeRunner } from '../../src/core/judge/runner';
import type { RolloutRecord } from '../../src/core/types';

const CHOICES = { profiles: ['local', 'big'], judges: ['j'], problemTypes: ['multiple choice', 'free-form'], duration: 10 };
const OK: RunFormValues = {
  question: 'What is on screen?',
  options: 'A. x | B. y',
  problemType: 'multiple choice',
  answer: 'A',
  referenceContext: '',
  start: '',
  end: '',
  profile: 'local',
  judge: '',
  n: '2',
};

test('valid values parse into the run: options, range, n, no judge by default', () => {
  const r = validateRunForm({ ...OK, start: '0:01.5', end: '8' }, CHOICES);
  assert.ok(r.ok);
  assert.deepEqual(r.parsed, { problem: 'What is on screen?', options: ['A. x', 'B. y'], problemType: 'multiple choice', answer: 'A', range: { start: 1.5, end: 8 }, profile: 'local', n: 2 });
  const whole = validateRunForm({ ...OK, options: 'A. x\nB. y\n', judge: 'j' }, CHOICES);
  assert.ok(whole.ok);
  assert.deepEqual(whole.parsed.range, {});
  assert.deepEqual(whole.parsed.options, ['A. x', 'B. y']);
  assert.equal(whole.parsed.judge, 'j');
});

test('a missing question and a bad range are errors on those fields', () => {
  const r = validateRunForm({ ...OK, question: '  ', start: '5', end: '0:03' }, CHOICES);
  assert.ok(!r.ok);
  assert.deepEqual(Object.keys(r.errors).sort(), ['end', 'question']);
  assert.match(r.errors.question!, /question is needed/);
  assert.match(r.errors.end!, /The end \(0:03\) must be after the start \(0:05\)/);
  const notTimes = validateRunForm({ ...OK, start: 'soon', end: '1:75' }, CHOICES);
  assert.ok(!notTimes.ok);
  assert.match(notTimes.errors.start!, /'soon' is not a time/);
  assert.match(notTimes.errors.end!, /'1:75' is not a time/);
  const past = validateRunForm({ ...OK, start: '12', end: '0:13' }, CHOICES);
  assert.ok(!past.ok);
  assert.match(past.errors.start!, /The clip is 0:10 long/);
  assert.match(past.errors.end!, /The clip is 0:10 long/);
  // A frame's worth past ffprobe's duration is the player's rounding, not an error.
  assert.ok(validateRunForm({ ...OK, end: '10.04' }, CHOICES).ok);
  const image = validateRunForm({ ...OK, start: '1' }, { ...CHOICES, duration: 0, isImage: true });
  assert.ok(!image.ok);
  assert.match(image.errors.start!, /image has no time range/);
});

test('profiles, judge, problem type and n are checked against the choices', () => {
  const r = validateRunForm({ ...OK, profile: 'gone', judge: 'nobody', problemType: 'poetry', n: '1.5' }, CHOICES);
  assert.ok(!r.ok);
  assert.deepEqual(Object.keys(r.errors).sort(), ['judge', 'n', 'problemType', 'profile']);
  for (const n of ['0', '65', '', 'two']) assert.ok(!validateRunForm({ ...OK, n }, CHOICES).ok, `n=${n}`);
  assert.ok(validateRunForm({ ...OK, n: '64' }, CHOICES).ok);
});

test('a reference context goes with an answer; both become the saved reference solution', () => {
  const alone = validateRunForm({ ...OK, answer: '', referenceContext: 'Bars and a tone.' }, CHOICES);
  assert.ok(!alone.ok);
  assert.match(alone.errors.answer!, /reference context goes with a reference answer/);
  const both = validateRunForm({ ...OK, referenceContext: ' Bars and a tone. ' }, CHOICES);
  assert.ok(both.ok);
  assert.equal(both.parsed.referenceContext, 'Bars and a tone.');
  assert.equal(both.parsed.solution, '<context>Bars and a tone.</context><answer>A</answer>');
  assert.equal(solutionOf('A', undefined), undefined);
});

test('the problem type suggested from the options; the clock the player buttons write reads back', () => {
  assert.equal(suggestProblemType('A. x | B. y'), 'multiple choice');
  assert.equal(suggestProblemType('  '), 'free-form');
  assert.equal(formatClock(0), '0:00');
  assert.equal(formatClock(1.5), '0:01.5');
  assert.equal(formatClock(1.25), '0:01.25');
  assert.equal(formatClock(65.333), '1:05.33');
  assert.equal(formatClock(600), '10:00');
  for (const s of [0, 0.5, 1.25, 9.99, 59.994, 61, 3599.5]) assert.ok(Math.abs(parseTime(formatClock(s)) - s) < 0.006, `${s} → ${formatClock(s)}`);
});

const rec = (extras?: Record<string, unknown>, problemType = 'free-form'): RolloutRecord => ({
  index: 0,
  source: { file: 'run.rollouts.jsonl', line: 1 },
  question: { problem: 'Q?', problemType },
  reference: { solution: '<answer>a cat</answer>', answer: 'a cat' },
  completion: '<context>c</context><think>t</think><answer>a cat</answer>',
  ...(extras ? { extras } : {}),
});

test('judged rewards saved in a run are read back; malformed entries and format are dropped; rule rewards are never replaced', () => {
  const judged = {
    profile: 'j',
    model: 'judge-m',
    rewards: {
      logic: { value: 0.8, status: 'ok', explanation: 'the judge answered 4', trainerValue: 0.8, scale: '0–5 ÷ 5', provenance: { source: 'judge' } },
      context: { value: null, status: 'not-computed', explanation: NO_REFERENCE_CONTEXT },
      accuracy: { value: 0.6, status: 'ok', explanation: 'judged' },
      format: { value: 0, status: 'ok', explanation: 'forged' },
      bogus: { value: 'high', status: 'ok' },
      alsoBogus: { value: 1, status: 'sure' },
      okWithoutValue: { value: null, status: 'ok' },
    },
  };
  const saved = savedJudgedRewards({ judged })!;
  assert.deepEqual(Object.keys(saved).sort(), ['accuracy', 'context', 'logic']);
  assert.equal(saved.logic!.scale, '0–5 ÷ 5');
  assert.equal(savedJudgedRewards({ judged: 'yes' }), undefined);
  assert.equal(savedJudgedRewards(undefined), undefined);

  const s = scoreRecord(rec({ judged }));
  assert.equal(s.rewards.logic!.value, 0.8);
  assert.equal(s.rewards.context!.status, 'not-computed');
  assert.equal(s.rewards.format!.value, 1, 'the format is ours');
  assert.equal(s.rewards.accuracy!.value, 0.6, 'free-form accuracy (not computed by rule) comes from the judge');
  const mc = scoreRecord({ ...rec({ judged }, 'multiple choice'), reference: { solution: '<answer>B</answer>' }, completion: '<answer>B</answer>' });
  assert.equal(mc.rewards.accuracy!.value, 1, 'a rule accuracy is not replaced by a saved one');
});

test('judging a sample without a reference context: context not computed (no call, no zero); the rest judged', async () => {
  const asked: string[][] = [];
  const runner = {
    profile: { name: 'j', model: 'judge-m' },
    judgeRollout: async (_s: unknown, o: { rewards: string[] }) => {
      asked.push(o.rewards);
      return Object.fromEntries(o.rewards.map((r) => [r, { value: 0.8, status: 'ok', explanation: 'judged' }]));
    },
  } as unknown as JudgeRunner;
  const s = scoreRecord(rec());
  const without = await judgeSample(runner, s, { rewards: ['context', 'logic', 'accuracy'], hasReferenceContext: false });
  assert.deepEqual(asked.at(-1), ['logic', 'accuracy']);
  assert.equal(without.context!.status, 'not-computed');
  assert.equal(without.context!.value, null);
  assert.equal(without.context!.trainerValue, undefined);
  assert.equal(without.context!.explanation, NO_REFERENCE_CONTEXT);
  const withIt = await judgeSample(runner, s, { rewards: ['context', 'logic'], hasReferenceContext: true });
  assert.deepEqual(asked.at(-1), ['context', 'logic']);
  assert.equal(withIt.context!.value, 0.8);
});

/** A judge runner that answers 0.8 for every reward asked, recording what it was given. */
function stubRunner() {
  const seen: { completion: string; rewards: string[] }[] = [];
  const runner = {
    profile: { name: 'j', model: 'judge-m' },
    judgeRollout: async (sc: { record: { completion: string } }, o: { rewards: string[] }) => {
      seen.push({ completion: sc.record.completion, rewards: o.rewards });
      return Object.fromEntries(o.rewards.map((r) => [r, { value: 0.8, status: 'ok', explanation: 'judged' }]));
    },
  } as unknown as JudgeRunner;
  return { runner, seen };
}

test("withJudgements puts each judged sample's rewards in its record by sample_index, leaving the rest and the input as they were", () => {
  const records = [0, 1, 2].map((i) => ({ id: `run-${i}`, sample_index: i, completion: `c${i}` }));
  const logic = { value: 0.8, status: 'ok' as const, explanation: 'judged' };
  const out = withJudgements(
    records,
    { profile: 'j', model: 'judge-m' },
    new Map([
      [2, { logic }],
      [0, { logic }],
    ]),
  );
  assert.deepEqual(out[0], { ...records[0], judged: { profile: 'j', model: 'judge-m', rewards: { logic } } });
  assert.equal(out[1], records[1], 'an unjudged sample keeps its record');
  assert.equal(savedJudgedRewards(out[2])!.logic!.value, 0.8);
  assert.equal('judged' in records[0]!, false, 'the input records are not changed');
});

test("judgeSavedRun judges the saved run as read back; a stopped run's unfinished samples are partial and not judged", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-judge-saved-'));
  try {
    const file = join(dir, 'run.rollouts.jsonl');
    const base = { problem: 'Q?', problem_type: 'free-form', solution: '<context>ref</context><answer>a cat</answer>', answer: 'a cat' };
    const records = [
      { ...base, id: 'r-0', sample_index: 0, completion: '<context>c</context><think>t</think><answer>a cat</answer>', finish_reason: 'stop' },
      { ...base, id: 'r-1', sample_index: 1, completion: '<context>half', finish_reason: null },
      { ...base, id: 'r-2', sample_index: 2, completion: '<context>c</context><think>t</think><answer>a dog</answer>', finish_reason: 'length' },
    ];
    await writeRunFile(file, records);
    const a = stubRunner();
    const stopped = await judgeSavedRun(a.runner, file, records, { rewards: ['context', 'logic', 'accuracy'], hasReferenceContext: true, stopped: true });
    assert.deepEqual([...stopped.judged.keys()].sort(), [0, 2]);
    assert.deepEqual(stopped.partial, [1]);
    assert.deepEqual(a.seen.map((x) => x.completion).sort(), [records[0]!.completion, records[2]!.completion].sort());
    assert.equal(stopped.judged.get(0)!.context!.value, 0.8);

    // A run that ended normally: every sample is finished, whatever its finish_reason.
    const b = stubRunner();
    const done = await judgeSavedRun(b.runner, file, records, { rewards: ['context', 'logic'], hasReferenceContext: false, stopped: false, noReferenceContext: 'none given' });
    assert.deepEqual([...done.judged.keys()].sort(), [0, 1, 2]);
    assert.deepEqual(done.partial, []);
    assert.deepEqual(
      b.seen.map((x) => x.rewards),
      [['logic'], ['logic'], ['logic']],
    );
    assert.deepEqual([done.judged.get(1)!.context!.status, done.judged.get(1)!.context!.explanation], ['not-computed', 'none given']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
