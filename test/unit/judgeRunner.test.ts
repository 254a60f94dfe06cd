import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, JudgeRunner, sleep } from '../../src/core/judge/runner';
import { Semaphore } from '../../src/core/orderedPool';
import { builtinTemplates } from '../../src/core/judge/builtinTemplates';
import { judgeCacheKey } from '../../src/core/judge/cache';
import { ChatCallError, DEFAULT_PROFILE, type ChatBackend } from '../../src/core/judge/types';
import { rollout } from '../helpers/judgeFixtures';

test('full-jitter backoff: uniform in [0, min(max, base × 2^retry)]', () => {
  assert.equal(
    backoffDelay(0, 100, 5000, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(3, 100, 5000, () => 1),
    800,
  );
  assert.equal(
    backoffDelay(10, 100, 5000, () => 1),
    5000,
  );
  assert.equal(
    backoffDelay(3, 100, 5000, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(2, 100, 5000, () => 0.5),
    200,
  );
});

test('semaphore: never more than the limit; an aborted waiter gives up its turn', async () => {
  const s = new Semaphore(2);
  assert.equal(await s.acquire(), true);
  assert.equal(await s.acquire(), true);
  const ac = new AbortController();
  const waiting = s.acquire(ac.signal);
  const next = s.acquire();
  ac.abort();
  assert.equal(await waiting, false);
  s.release();
  assert.equal(await next, true);
  assert.equal(s.inUse, 2);
  assert.equal(await sleep(1000, AbortSignal.abort()), false);
});

test('which errors are retried: 429, 408, 5xx, timeouts, connection errors; not 400/401/404', () => {
  assert.ok(new ChatCallError('x', 'http', 429).retryable);
  assert.ok(new ChatCallError('x', 'http', 503).retryable);
  assert.ok(new ChatCallError('x', 'timeout').retryable);
  assert.ok(new ChatCallError('x', 'connection').retryable);
  for (const s of [400, 401, 404]) assert.equal(new ChatCallError('x', 'http', s).retryable, false);
  assert.equal(new ChatCallError('x', 'aborted').retryable, false);
});

test('cache key: changes with model, template, prompt, sampling and repeat index', () => {
  const base = { model: 'm', templateHash: 'h', prompt: 'p', sampling: { temperature: 0, maxTokens: 16 }, repeat: 0 };
  const k = judgeCacheKey(base);
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.equal(judgeCacheKey({ ...base }), k);
  for (const v of [
    { model: 'n' },
    { templateHash: 'g' },
    { prompt: 'q' },
    { sampling: { temperature: 0.1, maxTokens: 16 } },
    { sampling: { temperature: 0, maxTokens: 16, seed: 1 } },
    { repeat: 1 },
  ]) {
    assert.notEqual(judgeCacheKey({ ...base, ...v }), k, JSON.stringify(v));
  }
});

test('retries with backoff through an in-memory backend; gives up after maxRetries', async () => {
  let calls = 0;
  const backend: ChatBackend = {
    async complete() {
      calls++;
      throw new ChatCallError('HTTP 503: busy', 'http', 503);
    },
  };
  const delays: number[] = [];
  const r = new JudgeRunner({
    profile: { ...DEFAULT_PROFILE, name: 'p', baseURL: 'x', model: 'm', maxRetries: 3, backoffBaseMs: 2, backoffMaxMs: 4 },
    backend,
    templates: { context: builtinTemplates().context! },
    random: () => 1,
    onEvent: (e) => e.type === 'retry' && delays.push(e.delayMs),
  });
  const res = (await r.judgeRollout(rollout(0), { rewards: ['context'] })).context!;
  assert.equal(calls, 4);
  assert.deepEqual(delays, [2, 4, 4]);
  assert.equal(res.status, 'call-error');
  assert.match(res.explanation, /gave up after 4 attempts/);
  assert.equal(r.stats.retries, 3);
});
