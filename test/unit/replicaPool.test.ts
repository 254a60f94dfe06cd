import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicaPool } from '../../src/models/replicaPool';
import { ChatCallError, type ChatBackend, type ChatResponse } from '../../src/core/judge/types';

/** A backend whose calls finish when the test says so. */
function held(name: string) {
  const pending: { resolve: (r: ChatResponse) => void; reject: (e: unknown) => void }[] = [];
  const backend: ChatBackend = { complete: () => new Promise((resolve, reject) => pending.push({ resolve, reject })) };
  return { name, backend, pending, finish: () => pending.shift()!.resolve({ text: name }) };
}
const req = { model: 'm', messages: [{ role: 'user' as const, content: 'p' }], temperature: 0, maxTokens: 8 };

test('each call goes to the replica with the fewest outstanding; ties go to the one used least recently', async () => {
  const [a, b, c] = [held('a'), held('b'), held('c')];
  const pool = new ReplicaPool([a, b, c].map((r) => ({ url: r.name, backend: r.backend })));
  const calls = [0, 1, 2].map(() => pool.complete(req, { timeoutMs: 1000 }));
  assert.deepEqual([a.pending.length, b.pending.length, c.pending.length], [1, 1, 1]);
  b.finish();
  assert.equal((await calls[1])!.endpoint, 'b');
  // b is the only one free: the next call goes there, and the one after to the least recently used of the busy ones.
  const d = pool.complete(req, { timeoutMs: 1000 });
  assert.deepEqual([a.pending.length, b.pending.length, c.pending.length], [1, 1, 1]);
  pool.complete(req, { timeoutMs: 1000 });
  assert.deepEqual([a.pending.length, b.pending.length, c.pending.length], [2, 1, 1]);
  b.finish();
  assert.equal((await d).text, 'b');
  assert.deepEqual(
    pool.stats().map((s) => [s.url, s.calls, s.outstanding]),
    [
      ['a', 2, 2],
      ['b', 2, 0],
      ['c', 1, 1],
    ],
  );
});

test('a failing replica is backed off and named in the error; a fatal error is passed on without backoff', async () => {
  let now = 0;
  const dead: ChatBackend = { complete: async () => Promise.reject(new ChatCallError('connect ECONNREFUSED', 'connection')) };
  const bad: ChatBackend = { complete: async () => Promise.reject(new ChatCallError('HTTP 400: bad request', 'http', 400)) };
  const ok: ChatBackend = { complete: async () => ({ text: 'ok' }) };
  const pool = new ReplicaPool(
    [
      { url: 'dead', backend: dead },
      { url: 'ok', backend: ok },
    ],
    { now: () => now, backoffBaseMs: 100, backoffMaxMs: 1000 },
  );
  await assert.rejects(pool.complete(req, { timeoutMs: 10 }), (e: ChatCallError) => e.retryable && /^dead: connect ECONNREFUSED/.test(e.message));
  // Backed off for 100 ms: every call goes to the live replica meanwhile.
  for (let i = 0; i < 5; i++) assert.equal((await pool.complete(req, { timeoutMs: 10 })).endpoint, 'ok');
  now = 150;
  await assert.rejects(pool.complete(req, { timeoutMs: 10 }));
  // The second failure doubles the backoff.
  assert.equal(pool.stats()[0]!.backedOffForMs, 200);
  const fatal = new ReplicaPool([{ url: 'bad', backend: bad }], { now: () => now });
  await assert.rejects(fatal.complete(req, { timeoutMs: 10 }), (e: ChatCallError) => !e.retryable && e.message === 'HTTP 400: bad request');
  assert.equal(fatal.stats()[0]!.backedOffForMs, 0);
  // Every replica backed off: the one whose backoff ends first is still tried (the run slows, it never stops).
  const alone = new ReplicaPool([{ url: 'dead', backend: dead }], { now: () => now });
  await assert.rejects(alone.complete(req, { timeoutMs: 10 }));
  await assert.rejects(alone.complete(req, { timeoutMs: 10 }), /dead: connect/);
});
