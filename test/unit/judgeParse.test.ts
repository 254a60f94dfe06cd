import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReply } from '../../src/core/judge/parse';
import { parseTemplate } from '../../src/core/judge/template';
import { builtinTemplates } from '../../src/core/judge/builtinTemplates';

const b = builtinTemplates();
const tpl = (parse: string, extra = '') => parseTemplate(`---\nreward: logic\nscale: 0-5\ndivide: 5\nparse: ${parse}\n${extra}variables: [think]\n---\n{think}\n`, `${parse}.md`);

const spanText = (reply: string, r: { span?: { start: number; end: number } }) => reply.slice(r.span!.start, r.span!.end);

test('bare numbers: value = score ÷ 5, span points at the digits', () => {
  for (const [reply, score] of [
    ['4', 4],
    [' 5\n', 5],
    ['**2**', 2],
    ['1.', 1],
    ['"0"', 0],
  ] as const) {
    const r = parseReply(reply, b.context!);
    assert.equal(r.status, 'ok', `${JSON.stringify(reply)}: ${r.error}`);
    assert.equal(r.score, score);
    assert.equal(r.value, score / 5);
    assert.equal(spanText(reply, r), String(score));
  }
});

test('number mode refuses prose instead of guessing ("4 out of 5" is not 5)', () => {
  const r = parseReply('I would say 4 out of 5.', b.logic!);
  assert.equal(r.status, 'parse-failure');
  assert.equal(r.value, null);
  assert.match(r.error!, /number alone/);
});

test('last-number reads the last number in prose, with its span', () => {
  const reply = 'The reasoning checks 3 things. Final score: 4.';
  const r = parseReply(reply, tpl('last-number'));
  assert.equal(r.status, 'ok');
  assert.equal(r.score, 4);
  assert.equal(r.value, 0.8);
  assert.equal(r.span!.start, reply.lastIndexOf('4'));
  assert.equal(spanText(reply, r), '4');
});

test('JSON with score and reason, bare or inside ```json fences', () => {
  const t = tpl('json');
  const bare = '{"score": 3, "reason": "partly grounded"}';
  const r1 = parseReply(bare, t);
  assert.equal(r1.status, 'ok');
  assert.equal(r1.value, 0.6);
  assert.equal(r1.reason, 'partly grounded');
  assert.equal(spanText(bare, r1), '3');
  const fenced = 'Here you go:\n```json\n{"reason": "ok", "score": "5"}\n```\nThanks';
  const r2 = parseReply(fenced, t);
  assert.equal(r2.status, 'ok', r2.error);
  assert.equal(r2.score, 5);
  assert.equal(spanText(fenced, r2), '5');
  assert.equal(parseReply('{"score": "high"}', t).status, 'parse-failure');
  assert.match(parseReply('{"score": 3,, }', t).error!, /does not parse/);
  assert.match(parseReply('{"reason": "x"}', t).error!, /no 'score'/);
});

test('per-criterion JSON: value = criteria met ÷ 5, failed criteria named with reasons and spans', () => {
  const t = b['logic-criteria']!;
  const reply =
    '```json\n{"integration": {"met": true, "reason": "uses the horn and the watch"}, "reflection": {"met": false, "reason": "never re-checks"},' +
    ' "soundness": {"met": true, "reason": "ok"}, "relevance": true, "consistency": {"met": "false", "reason": "contradicts the context"}}\n```';
  const r = parseReply(reply, t);
  assert.equal(r.status, 'ok', r.error);
  assert.equal(r.score, 3);
  assert.equal(r.value, 0.6);
  assert.deepEqual(
    r.criteria!.filter((c) => !c.met).map((c) => c.name),
    ['reflection', 'consistency'],
  );
  assert.equal(r.criteria![1]!.reason, 'never re-checks');
  assert.equal(spanText(reply, r.criteria![1]!), '"reflection"');
  const missing = parseReply('{"integration": true}', t);
  assert.equal(missing.status, 'parse-failure');
  assert.match(missing.error!, /criterion 'reflection' is missing/);
  assert.match(parseReply('{"integration": "maybe", "reflection": true, "soundness": true, "relevance": true, "consistency": true}', t).error!, /neither true nor false/);
});

test('out of range and outside the allowed set: parse-failure with the reason, never clamped', () => {
  const r7 = parseReply('7', b.logic!);
  assert.equal(r7.status, 'parse-failure');
  assert.equal(r7.value, null);
  assert.equal(r7.score, 7, 'the number read is kept for the detail view');
  assert.match(r7.error!, /7, outside the scale 0–5 \(not clamped\)/);
  const r3 = parseReply('3', b.context!);
  assert.equal(r3.status, 'parse-failure');
  assert.match(r3.error!, /3, which is not one of the allowed scores 0\/1\/2\/4\/5/);
  assert.equal(parseReply('3', b.logic!).status, 'ok', 'logic has a 3');
  assert.equal(parseReply('-1', b.logic!).status, 'parse-failure');
  assert.equal(parseReply('4.5', b.accuracy!).status, 'parse-failure', 'accuracy allows whole scores only');
});

test('garbage and empty replies are parse-failures', () => {
  for (const t of [b.context!, tpl('last-number'), tpl('json')]) {
    assert.equal(parseReply('', t).status, 'parse-failure');
    assert.match(parseReply('   ', t).error!, /nothing/);
    assert.equal(parseReply(null, t).status, 'parse-failure');
    const g = parseReply('I cannot grade this.', t);
    assert.equal(g.status, 'parse-failure');
    assert.equal(g.value, null);
  }
});
