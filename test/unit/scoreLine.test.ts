// The hand-written score-line serializer (writeScoreLine) must produce exactly the bytes of
// JSON.stringify(toScoreLine(…)) encoded as UTF-8: on fixtures and on generated records with
// every kind of character JSON escapes or UTF-8 encodes specially.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { scoreRecord, scoreAll } from '../../src/core/score';
import { toScoreLine, writeScoreLine } from '../../src/core/scoreLine';
import { JsonOut } from '../../src/core/jsonOut';
import type { RolloutRecord, ScoredRollout } from '../../src/core/types';

const out = new JsonOut(16);

function check(s: ScoredRollout): void {
  for (const texts of [true, false]) {
    out.pos = 0;
    writeScoreLine(s, out, texts);
    const want = Buffer.from(JSON.stringify(toScoreLine(s, false, texts)), 'utf8');
    const got = out.buf.subarray(0, out.pos);
    if (!got.equals(want)) assert.equal(got.toString('utf8'), want.toString('utf8'));
  }
}

test('JsonOut writes strings and numbers as JSON.stringify does', () => {
  const strings = ['', 'a"b\\c', '\x00\x01\x08\x09\x0a\x0b\x0c\x0d\x1f\x7f', 'é→€', '\ud83d\ude00', '\ud800', 'x\udc00y', '\ud83d', '\u2028\u2029\ufeff'];
  const numbers = [0, -0, 7, 10, 99, 100, 2147483647, 2147483648, -1, 0.1, 1e21, 1e-7, NaN, Infinity, -Infinity, 5e-324];
  for (const v of [...strings, ...numbers, null, true, false, [1, 'a', null], { a: 1, b: undefined, c: 'x' }, [undefined]]) {
    out.pos = 0;
    out.value(v);
    assert.equal(out.buf.toString('utf8', 0, out.pos), JSON.stringify(v), `value ${String(v)}`);
  }
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.double(), (a, b, x) => {
      for (const v of [a, b, x]) {
        out.pos = 0;
        out.value(v);
        assert.deepEqual(out.buf.subarray(0, out.pos), Buffer.from(JSON.stringify(v), 'utf8'));
      }
    }),
    { numRuns: 2000 },
  );
});

test('JsonOut: a repeated string comes from the cache byte for byte; unique strings and slices bypass it', () => {
  const o = new JsonOut(4);
  const cases = ["matches the trainer's format regex", "'B' differs from the reference 'C' → 0", 'x"\n\u0001', 'é'.repeat(100), 'y'.repeat(200)];
  for (const v of [...cases, ...cases, ...cases]) {
    o.pos = 0;
    o.str(v);
    assert.equal(o.buf.toString('utf8', 0, o.pos), JSON.stringify(v));
    o.pos = 0;
    o.unique(v);
    assert.equal(o.buf.toString('utf8', 0, o.pos), JSON.stringify(v));
    o.pos = 0;
    o.str(v, 1, 3);
    assert.equal(o.buf.toString('utf8', 0, o.pos), JSON.stringify(v.slice(1, 3)));
  }
});

test('score lines of the fixtures are byte-identical', async () => {
  const fixtures = join(__dirname, '..', 'fixtures');
  for (const f of ['views.rollouts.jsonl', 'rollouts/sample.rollouts.jsonl', 'jsonl/malformed.jsonl', 'verl', 'humanomni/eval_results.json', 'humanomni/train.json']) {
    const { scored } = await scoreAll(join(fixtures, f));
    assert.ok(scored.length > 0, f);
    for (const s of scored) check(s);
  }
});

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('<context>a "q"</context>\n<think>\\b</think>\n<answer>B</answer>', ' <context>x</context><think>y</think><answer>1,5</answer> tail', '<Think>é</Think><answer>\ud800</answer>', ''),
);
const piece = fc.oneof(text, fc.constantFrom('<context>', '</context>', '<think>', '</think>', '<answer>', '</answer>', '\x1c', '\ufeff', '\u2192'));
const completion = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''));
const record = fc.record(
  {
    completion,
    solution: fc.option(completion, { nil: undefined }),
    problemType: fc.option(fc.constantFrom('multiple choice', 'numerical', 'OCR', 'regression', 'emer_ov_mc', 'judge', 'free-form', 'weird\u2028type'), { nil: undefined }),
    id: fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: undefined }),
    step: fc.option(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), { nil: undefined }),
    checkpoint: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    line: fc.option(fc.nat(), { nil: undefined }),
    recordIndex: fc.option(fc.nat(), { nil: undefined }),
    byteOffset: fc.option(fc.nat(), { nil: undefined }),
    recorded: fc.option(fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.option(fc.double(), { nil: null }), { maxKeys: 3 }), { nil: undefined }),
    advantage: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
  },
  { requiredKeys: ['completion'] },
);

test('generated records: byte-identical score lines', () => {
  fc.assert(
    fc.property(record, (g) => {
      const r: RolloutRecord = {
        index: 3,
        source: { file: 'dir/f\u00e9"le.jsonl', line: g.line, recordIndex: g.recordIndex, byteOffset: g.byteOffset, byteLength: g.byteOffset === undefined ? undefined : 17 },
        question: g.problemType === undefined ? {} : { problemType: g.problemType },
        reference: g.solution === undefined ? {} : { solution: g.solution },
        completion: g.completion,
      };
      if (g.id !== undefined) r.id = g.id;
      if (g.step !== undefined) r.step = g.step;
      if (g.checkpoint !== undefined) r.checkpoint = g.checkpoint;
      if (g.recorded !== undefined) r.recorded = g.recorded;
      if (g.advantage !== undefined) r.recordedAdvantage = g.advantage;
      check(scoreRecord(r));
    }),
    { numRuns: 3000 },
  );
});
