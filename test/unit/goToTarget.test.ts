import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoToTarget } from '../../src/host/goToTarget';

test('indices and lines are told apart', () => {
  assert.deepEqual(parseGoToTarget(' 42 '), { kind: 'index', index: 42 });
  assert.deepEqual(parseGoToTarget('#7'), { kind: 'index', index: 7 });
  assert.deepEqual(parseGoToTarget('L120'), { kind: 'line', line: 120 });
  assert.deepEqual(parseGoToTarget('line 3'), { kind: 'line', line: 3 });
  assert.deepEqual(parseGoToTarget(':9'), { kind: 'line', line: 9 });
});

test('anything else is explained', () => {
  for (const t of ['', 'abc', '-1', '1.5', 'L0']) assert.equal(typeof parseGoToTarget(t), 'string', t);
});
