// Rows packed in the scoring worker and unpacked on the host (src/core/rowBatch.ts): every row and
// its re-read location come back equal, in order, through any batching and any table restarts,
// and rows with the same reward cells share one cells object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RowBatchDecoder, RowBatchEncoder, type RowBatch } from '../../src/core/rowBatch';
import type { RolloutRecord, SourceRef } from '../../src/core/types';
import type { RowSummary } from '../../src/core/viewTypes';

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const text = fc.oneof(fc.constantFrom('', 'A', 'B', 'q1', 'étude 🎧', '\u202eevil'), fc.string({ maxLength: 12 }));
const num = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double(), fc.constantFrom(-0, 0.1 + 0.2));
const verdict = fc.constantFrom('grounded', 'ignored', 'unclear');
const cellValue = fc.oneof(fc.constant(null), fc.constantFrom(0, 1, -0, 0.5), fc.double());
const cells = fc.dictionary(fc.constantFrom('format', 'accuracy', 'recorded:format', 'context'), fc.record({ value: cellValue, status: fc.constantFrom('ok', 'error', 'not-computed') }), {
  maxKeys: 4,
  noNullPrototype: true,
}) as fc.Arbitrary<RowSummary['rewards']>;

// Every key present, as summarise writes rows (viewModel.ts).
const row = (index: number) =>
  fc
    .record({
      id: maybe(text),
      line: maybe(fc.nat()),
      file: maybe(text),
      checkpoint: maybe(text),
      step: maybe(num),
      problemType: maybe(text),
      formatOk: fc.boolean(),
      formatReason: maybe(text),
      rewards: cells.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, { ...v }]))),
      groupId: maybe(text),
      groupSize: maybe(fc.nat()),
      groupMean: maybe(num),
      groupStd: maybe(num),
      total: maybe(num),
      advantage: maybe(num),
      zeroVarianceGroup: maybe(fc.boolean()),
      question: text,
      answer: text,
      shortcut: maybe(fc.record({ audio: verdict, visual: verdict }).map((v) => ({ ...v }))),
    })
    .map(
      (r): RowSummary => ({
        index,
        id: r.id,
        line: r.line,
        file: r.file,
        checkpoint: r.checkpoint,
        step: r.step,
        problemType: r.problemType,
        formatOk: r.formatOk,
        formatReason: r.formatReason,
        rewards: r.rewards,
        groupId: r.groupId,
        groupSize: r.groupSize,
        groupMean: r.groupMean,
        groupStd: r.groupStd,
        total: r.total,
        advantage: r.advantage,
        zeroVarianceGroup: r.zeroVarianceGroup,
        question: r.question,
        answer: r.answer,
        shortcut: r.shortcut as RowSummary['shortcut'],
      }),
    );

const ref: fc.Arbitrary<SourceRef> = fc
  .record({ file: text, line: fc.nat(), byteOffset: fc.oneof(fc.nat(), fc.constant(2 ** 40 + 3)), byteLength: fc.nat(), recordIndex: fc.nat() }, { requiredKeys: ['file'] })
  .map((r) => ({ ...r }));
const record = (index: number): RolloutRecord => ({ index, source: { file: 'a.json', recordIndex: index }, question: {}, reference: {}, completion: `<answer>${index}</answer>` });

/** Through a real structured clone with the arrays transferred, as the worker posts them. */
const cross = (batches: RowBatch[]): RowBatch[] => structuredClone(batches);

test('rows and details come back equal and in order, through batching and table restarts', () => {
  fc.assert(
    fc.property(
      fc
        .array(fc.tuple(fc.boolean(), fc.nat(1000)), { maxLength: 120 })
        .chain((shape) =>
          fc.tuple(
            fc.tuple(...shape.map((_, i) => row(i))),
            fc.tuple(...shape.map(([isRef], i) => (isRef ? ref : fc.constant(record(i))))),
            fc.array(fc.nat(120), { maxLength: 6 }),
            fc.integer({ min: 10, max: 200 }),
            fc.integer({ min: 1, max: 40 }),
            fc.integer({ min: 1, max: 8 }),
          ),
        ),
      ([rows, details, cuts, maxStrings, maxCells, capacity]) => {
        const enc = new RowBatchEncoder(maxStrings, maxCells, capacity);
        const dec = new RowBatchDecoder();
        const got: [RowSummary, SourceRef | RolloutRecord][] = [];
        const flushAt = new Set(cuts);
        rows.forEach((r, i) => {
          enc.add(r, details[i]!);
          if (flushAt.has(i)) for (const b of cross(enc.take())) dec.decode(b, (x, d) => got.push([x, d]));
        });
        assert.equal(enc.length, rows.length - got.length);
        for (const b of cross(enc.take())) dec.decode(b, (x, d) => got.push([x, d]));
        assert.equal(enc.length, 0);
        assert.deepStrictEqual(
          got.map(([x]) => x),
          rows,
        );
        assert.deepStrictEqual(
          got.map(([, d]) => d),
          details,
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('rows with the same reward cells share one cells object; other names or values are other cells', () => {
  const base = (index: number, acc: number | null, names = ['format', 'accuracy']): RowSummary => ({
    index,
    formatOk: true,
    rewards: Object.fromEntries(names.map((n) => [n, n === 'format' ? { value: 1, status: 'ok' } : { value: acc, status: acc === null ? 'error' : 'ok' }])),
    question: 'Which sound comes first?',
    answer: 'B',
  });
  const enc = new RowBatchEncoder();
  const src = (i: number): SourceRef => ({ file: 'f.jsonl', line: i + 1 });
  [base(0, 1), base(1, 0), base(2, 1), base(3, null), base(4, -0), base(5, 1, ['format', 'context'])].forEach((r, i) => enc.add(r, src(i)));
  const got: RowSummary[] = [];
  for (const b of cross(enc.take())) new RowBatchDecoder().decode(b, (r) => got.push(r));
  assert.equal(got[0]!.rewards, got[2]!.rewards);
  assert.notEqual(got[0]!.rewards, got[1]!.rewards);
  assert.notEqual(got[1]!.rewards, got[4]!.rewards, '-0 and 0 are different values');
  assert.ok(Object.is(got[4]!.rewards.accuracy!.value, -0));
  assert.notEqual(got[5]!.rewards, got[0]!.rewards);
  assert.equal(got[3]!.rewards.accuracy!.status, 'error');
  // Strings repeated across rows cross once.
  const enc2 = new RowBatchEncoder();
  for (let i = 0; i < 50; i++) enc2.add(base(i, 1), src(i));
  const [b] = enc2.take();
  assert.deepEqual(b!.strings.sort(), ['B', 'Which sound comes first?', 'f.jsonl'].sort());
  assert.equal(b!.cells.length, 1);
});
