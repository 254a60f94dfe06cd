// The answer-token span finder: which trailing prompt tokens spell the answer inside
// <answer>…</answer>, and the sum of their logprobs, on hand-made vLLM prompt_logprobs lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAnswerSpan, SpanNotFoundError, type PromptLogprobs } from '../../src/core/shortcuts/ablationLogprobs';
import { sameAnswer, answerOf, scoringBody } from '../../src/services/shortcuts/ablation';

/** prompt_logprobs for tokens [text, logprob] (the first entry null, like vLLM's). */
function lp(tokens: [string, number][], prefix: string[] = ['<|im_start|>', 'user', '\n', 'Q?', '<|im_end|>', '\n', '<|im_start|>', 'assistant', '\n']): PromptLogprobs {
  const all: [string, number][] = [...prefix.map((t) => [t, -1] as [string, number]), ...tokens];
  return all.map(([t, l], i) => (i === 0 ? null : { [String(1000 + i)]: { logprob: l, rank: 1, decoded_token: t } }));
}

const C = '<context>a voice</context><think>low</think><answer>B</answer>';
const ctxToks: [string, number][] = [
  ['<context>', -0.01],
  ['a ', -0.2],
  ['voice', -0.3],
  ['</context>', -0.01],
  ['<think>', -0.01],
  ['low', -0.4],
  ['</think>', -0.01],
];

test('tags as their own tokens: only the answer token counts', () => {
  const s = findAnswerSpan(lp([...ctxToks, ['<answer>', -0.05], ['B', -0.7], ['</answer>', -0.02]]), C);
  assert.equal(s.logprob, -0.7);
  assert.equal(s.tokens, 1);
  assert.deepEqual(s.pieces, ['B']);
  assert.equal(s.skippedTrailing, 0);
});

test('a token that straddles the tag and the answer is counted whole', () => {
  const s = findAnswerSpan(lp([...ctxToks, ['<answer', -0.05], ['>B', -0.6], ['</', -0.02], ['answer>', -0.01]]), C);
  assert.deepEqual(s.pieces, ['>B']);
  assert.equal(s.logprob, -0.6);
});

test('a multi-token answer sums every token inside it', () => {
  const c = '<context>x</context><think>y</think><answer>the red door</answer>';
  const s = findAnswerSpan(
    lp([
      ['<context>', 0],
      ['x', 0],
      ['</context>', 0],
      ['<think>', 0],
      ['y', 0],
      ['</think>', 0],
      ['<answer>', -0.1],
      ['the', -0.5],
      [' red', -1.5],
      [' door', -0.25],
      ['</answer>', -0.1],
    ]),
    c,
  );
  assert.equal(s.tokens, 3);
  assert.ok(Math.abs(s.logprob - -2.25) < 1e-12);
  assert.deepEqual(s.pieces, ['the', ' red', ' door']);
});

test('an end-of-turn marker (and newline) after the content is skipped', () => {
  const s = findAnswerSpan(lp([...ctxToks, ['<answer>', -0.05], ['B', -0.7], ['</answer>', -0.02], ['<|im_end|>', -0.3], ['\n', -0.01]]), C);
  assert.equal(s.logprob, -0.7);
  assert.equal(s.skippedTrailing, 2);
});

test('trailing whitespace stripped by the template, and whitespace around the answer', () => {
  const c = '<context>a</context><think>b</think><answer>  B \n</answer>\n\n';
  const s = findAnswerSpan(
    lp([
      ['<context>', 0],
      ['a', 0],
      ['</context>', 0],
      ['<think>', 0],
      ['b', 0],
      ['</think>', 0],
      ['<answer>', 0],
      ['  ', -0.01],
      ['B', -0.9],
      [' \n', -0.02],
      ['</answer>', 0],
    ]),
    c,
  );
  assert.equal(s.logprob, -0.9, 'only the token holding the stripped answer text');
  assert.deepEqual(s.pieces, ['B']);
});

test('text after </answer> is not counted; the answer is found inside the content', () => {
  const c = '<context>a</context><think>b</think><answer>7</answer> done';
  const s = findAnswerSpan(
    lp([
      ['<context>', 0],
      ['a', 0],
      ['</context>', 0],
      ['<think>', 0],
      ['b', 0],
      ['</think>', 0],
      ['<answer>', 0],
      ['7', -1.25],
      ['</answer>', 0],
      [' done', -3],
    ]),
    c,
  );
  assert.equal(s.logprob, -1.25);
});

test('several candidates at a position (prompt_logprobs ≥ 1): the one spelling the completion is the prompt token', () => {
  const list = lp([...ctxToks, ['<answer>', -0.05], ['B', -0.7], ['</answer>', -0.02]]);
  const bIndex = list.length - 2;
  // The top-1 alternative 'A' (rank 1) sits beside the prompt token 'B' (rank 2); JSON key order is lost.
  list[bIndex] = { '5': { logprob: -0.2, rank: 1, decoded_token: 'A' }, '9': { logprob: -1.9, rank: 2, decoded_token: 'B' } };
  const s = findAnswerSpan(list, C);
  assert.equal(s.logprob, -1.9);
});

test('a character split into byte tokens (U+FFFD pieces) and empty pieces', () => {
  const c = '<context>a</context><think>b</think><answer>猫</answer>';
  const s = findAnswerSpan(
    lp([
      ['<context>', 0],
      ['a', 0],
      ['</context>', 0],
      ['<think>', 0],
      ['b', 0],
      ['</think>', 0],
      ['<answer>', 0],
      ['\uFFFD', -0.5],
      ['\uFFFD', -0.25],
      ['</answer>', 0],
    ]),
    c,
  );
  assert.equal(s.tokens, 1, 'the run of byte pieces maps to the one character; the last piece takes it');
  const t = findAnswerSpan(
    lp([
      ['<context>', 0],
      ['a', 0],
      ['</context>', 0],
      ['<think>', 0],
      ['b', 0],
      ['</think>', 0],
      ['<answer>', 0],
      ['', -0.5],
      ['猫', -0.25],
      ['</answer>', 0],
    ]),
    c,
  );
  assert.equal(t.logprob, -0.25);
});

test('failures say why: no answer, empty answer, tokens that do not spell the completion', () => {
  assert.throws(
    () => findAnswerSpan(lp([['x', 0]]), 'no tags here'),
    (e: unknown) => e instanceof SpanNotFoundError && /no <answer>/.test((e as Error).message),
  );
  assert.throws(() => findAnswerSpan(lp([['x', 0]]), '<answer> </answer>'), /empty/);
  assert.throws(
    () =>
      findAnswerSpan(
        lp([
          ['<answer>', 0],
          ['C', -1],
          ['</answer>', 0],
        ]),
        '<answer>B</answer>',
      ),
    (e: unknown) => e instanceof SpanNotFoundError && /do not spell/.test((e as Error).message),
  );
  assert.throws(() => findAnswerSpan([], C), /empty/);
});

test('sameAnswer normalises per problem type like the accuracy reward reads answers', () => {
  assert.equal(sameAnswer('B', '(B)', 'multiple choice'), true);
  assert.equal(sameAnswer('B. a woman', 'B', 'multiple choice'), true);
  assert.equal(sameAnswer('A', 'B', 'multiple choice'), false);
  assert.equal(sameAnswer('3', '3.00', 'numerical'), true);
  assert.equal(sameAnswer('1,000', '1000', 'numerical'), true);
  assert.equal(sameAnswer('3.1', '3.2', 'numerical'), false);
  assert.equal(sameAnswer('A,C', 'C, A', 'emer_ov_mc'), true);
  assert.equal(sameAnswer('Yes.', 'yes', 'judge'), true);
  assert.equal(sameAnswer('Yes', 'No', 'judge'), false);
  assert.equal(sameAnswer('EXIT  now', 'EXIT now', 'OCR'), true);
  assert.equal(sameAnswer('A red door!', 'a red door', 'free-form'), true);
  assert.equal(sameAnswer(null, null, 'multiple choice'), true);
  assert.equal(sameAnswer(null, 'A', 'multiple choice'), false);
  assert.equal(answerOf('<answer> B </answer>'), 'B');
  assert.equal(answerOf('no answer'), null);
});

test('the scoring body: the completion as a continued assistant message, greedy, one token, no stream', () => {
  const body = scoringBody(
    {
      body: { model: 'm', messages: [{ role: 'user', content: 'q' }], stream: true, stream_options: { include_usage: true }, n: 3, temperature: 1, top_k: 20, seed: 1, max_tokens: 512 },
      systemText: '',
      userText: 'q',
      mediaParts: [],
      notes: [],
    },
    C,
  );
  assert.deepEqual(body, {
    model: 'm',
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: C },
    ],
    add_generation_prompt: false,
    continue_final_message: true,
    prompt_logprobs: 0,
    max_tokens: 1,
    temperature: 0,
  });
});
