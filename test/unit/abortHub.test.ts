// One abort listener per signal, fanned out: each registered function runs once on abort, an
// unregistered one never, and a signal already aborted calls nothing (as addEventListener).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { onAbort } from '../../src/core/abortHub';

test('each waiter runs once on abort; unregistered ones and other signals do not', () => {
  const a = new AbortController();
  const b = new AbortController();
  const calls: string[] = [];
  const forget = [1, 2, 3].map((i) => onAbort(a.signal, () => calls.push(`a${i}`)));
  onAbort(b.signal, () => calls.push('b'));
  forget[1]!();
  forget[1]!(); // twice is harmless
  assert.equal(getEventListeners(a.signal, 'abort').length, 1, 'one listener on the signal, whatever the number of waiters');
  a.abort();
  a.abort();
  assert.deepEqual(calls, ['a1', 'a3']);
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
  b.abort();
  assert.deepEqual(calls, ['a1', 'a3', 'b']);
});

test('a waiter added once the signal has aborted is not called; one added while others fire is not either', () => {
  const a = new AbortController();
  const calls: string[] = [];
  onAbort(a.signal, () => {
    calls.push('first');
    onAbort(a.signal, () => calls.push('late'));
  });
  a.abort();
  onAbort(a.signal, () => calls.push('after'));
  assert.deepEqual(calls, ['first']);
});

test('a waiter that unregisters another before it runs keeps it from running', () => {
  const a = new AbortController();
  const calls: string[] = [];
  let forgetSecond = () => {};
  onAbort(a.signal, () => {
    calls.push('first');
    forgetSecond();
  });
  forgetSecond = onAbort(a.signal, () => calls.push('second'));
  a.abort();
  assert.deepEqual(calls, ['first']);
});
