// Where each rollout's record is read again (src/core/detailIndex.ts) and the row interner's
// shared reward cells (src/core/rowInterner.ts), checked against a plain Map and plain rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DetailIndex, type Detail } from '../../src/core/detailIndex';
import { RowInterner } from '../../src/core/rowInterner';
import type { RolloutRecord } from '../../src/core/types';
import type { RowSummary } from '../../src/core/viewTypes';

const record = (index: number): RolloutRecord => ({ index, source: { file: 'a.json', recordIndex: index }, question: {}, reference: {}, completion: `<answer>${index}</answer>` });

test('DetailIndex answers like a Map: refs keep exactly their fields, records stay objects, keys ascend', () => {
  const refs = fc
    .record(
      {
        file: fc.constantFrom('/data/a.jsonl', '/data/b.jsonl', 'c.jsonl'),
        line: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        byteOffset: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e15, noNaN: true })),
        byteLength: fc.integer({ min: 0, max: 2 ** 31 }),
        recordIndex: fc.integer({ min: 0, max: 5000 }),
      },
      { requiredKeys: ['file'] },
    )
    .map((r) => ({ ...r }));
  const detail: fc.Arbitrary<Detail> = fc.oneof(refs, fc.nat(50).map(record), fc.record({ file: fc.constant('x'), line: fc.constant(-3) }));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3000), detail), { maxLength: 300 }), (pairs) => {
      const idx = new DetailIndex();
      const map = new Map<number, Detail>();
      for (const [i, d] of pairs) {
        idx.set(i, d);
        map.set(i, d);
      }
      assert.equal(idx.size, map.size);
      const sorted = [...map.keys()].sort((a, b) => a - b);
      assert.deepEqual([...idx.keys()], sorted);
      for (const i of sorted) {
        assert.equal(idx.has(i), true);
        assert.deepStrictEqual(idx.get(i), map.get(i));
      }
      assert.deepStrictEqual(
        [...idx.values()],
        sorted.map((i) => map.get(i)),
      );
      for (const i of [-1, 3001, 99999]) assert.equal(idx.has(i), false);
    }),
  );
  assert.throws(() => new DetailIndex().set(1.5, record(1)), /whole number/);
});

test('RowInterner: rows with the same reward cells share one cells object; values are unchanged', () => {
  const row = (index: number, acc: number | null): RowSummary => ({
    index,
    formatOk: true,
    rewards: { format: { value: 1, status: 'ok' }, accuracy: { value: acc, status: acc === null ? 'error' : 'ok' } },
    question: 'Which sound comes first?',
    answer: 'B',
  });
  const interner = new RowInterner();
  const rows = [row(0, 1), row(1, 0), row(2, 1), row(3, null), row(4, 0)].map((r) => interner.row(r));
  assert.equal(rows[0]!.rewards, rows[2]!.rewards);
  assert.equal(rows[1]!.rewards, rows[4]!.rewards);
  assert.notEqual(rows[0]!.rewards, rows[1]!.rewards);
  assert.deepEqual(
    rows.map((r) => [r.rewards.format!.value, r.rewards.accuracy!.value, r.rewards.accuracy!.status]),
    [
      [1, 1, 'ok'],
      [1, 0, 'ok'],
      [1, 1, 'ok'],
      [1, null, 'error'],
      [1, 0, 'ok'],
    ],
  );
  // Same values under other reward names are other cells.
  const other = interner.row({ ...row(5, 1), rewards: { format: { value: 1, status: 'ok' }, context: { value: 1, status: 'ok' } } });
  assert.notEqual(other.rewards, rows[0]!.rewards);
});
