// Where each rollout's record is read again (src/core/detailIndex.ts), checked against a plain Map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DetailIndex, type Detail } from '../../src/core/detailIndex';
import type { RolloutRecord } from '../../src/core/types';

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
