import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { DeltaThrottle, type StreamDelta } from '../../src/host/deltaThrottle';

test('deltas are coalesced per sample, sent once per interval, and at once (then done) when a sample finishes', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const sent: StreamDelta[] = [];
    const t = new DeltaThrottle((d) => sent.push(d), 20);
    t.push(0, '<context>');
    t.push(1, 'x');
    t.push(0, 'a ');
    t.push(0, '');
    assert.deepEqual(sent, [], 'nothing before the interval');
    mock.timers.tick(20);
    assert.deepEqual(sent, [
      { index: 0, text: '<context>a ', at: 0 },
      { index: 1, text: 'x', at: 0 },
    ]);
    t.push(0, 'b');
    t.done(0);
    assert.deepEqual(sent.slice(2), [
      { index: 0, text: 'b', at: 11 },
      { index: 0, text: '', at: 12, done: true },
    ]);
    mock.timers.tick(100);
    assert.equal(sent.length, 4, 'no empty flushes');
    t.push(1, 'y');
    t.dispose();
    mock.timers.tick(100);
    assert.equal(sent.length, 4, 'nothing after dispose');
  } finally {
    mock.timers.reset();
  }
});
