// What the editor's Run Checkpoint prompts accept: a time range and answer options as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeRange } from '../../src/core/time';
import { parseOptionsText } from '../../src/core/run/prompt';

test('time ranges: seconds or mm:ss on either side, either side optional, empty = whole clip', () => {
  assert.deepEqual(parseTimeRange(''), {});
  assert.deepEqual(parseTimeRange(' 3.5-8 '), { start: 3.5, end: 8 });
  assert.deepEqual(parseTimeRange('1:05-1:20'), { start: 65, end: 80 });
  assert.deepEqual(parseTimeRange('0:05 - 12'), { start: 5, end: 12 });
  assert.deepEqual(parseTimeRange('10-'), { start: 10 });
  assert.deepEqual(parseTimeRange('-0:30'), { end: 30 });
  assert.throws(() => parseTimeRange('8-3'), /must be after/);
  assert.throws(() => parseTimeRange('5'), /not a range/);
  assert.throws(() => parseTimeRange('a-b'), /not a time/);
  assert.throws(() => parseTimeRange('-'), /start, an end/);
});

test('options: separated by | or one per line, blanks dropped', () => {
  assert.deepEqual(parseOptionsText(''), []);
  assert.deepEqual(parseOptionsText('A. happy | B. sad|C. angry'), ['A. happy', 'B. sad', 'C. angry']);
  assert.deepEqual(parseOptionsText('A. yes\nB. no\n'), ['A. yes', 'B. no']);
});
