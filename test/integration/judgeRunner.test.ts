// The judge runner against a real HTTP server on 127.0.0.1 (test/helpers/fakeChatServer.ts),
// through the chat-completions client, plain and streaming.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeChatServer, type FakeChatServer, type Script } from '../helpers/fakeChatServer';
import { rollout } from '../helpers/judgeFixtures';
import { JudgeRunner } from '../../src/core/judge/runner';
import { JudgeCache } from '../../src/core/judge/cache';
import { builtinTemplates } from '../../src/core/judge/builtinTemplates';
import { parseTemplate } from '../../src/core/judge/template';
import { DEFAULT_PROFILE, type JudgeProfile, type JudgeProvenance, type JudgedReward } from '../../src/core/judge/types';
import { OpenAIChatBackend, parseRetryAfter } from '../../src/models/openaiChat';
import type { RewardResult } from '../../src/core/types';

let server: FakeChatServer;
before(async () => {
  server = await startFakeChatServer();
});
after(async () => {
  await server.close();
});

const b = builtinTemplates();
const SECRET = 'sk-test-secret-123';

function runner(over: Partial<JudgeProfile> = {}, extra: { cache?: JudgeCache; repeats?: number; templates?: Partial<Record<JudgedReward, ReturnType<typeof parseTemplate>>> } = {}) {
  const profile: JudgeProfile = {
    ...DEFAULT_PROFILE,
    name: 'test',
    baseURL: server.baseURL,
    model: 'judge-7b',
    timeoutMs: 2000,
    maxRetries: 2,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    concurrency: 4,
    seed: 7,
    ...over,
  };
  return new JudgeRunner({
    profile,
    backend: new OpenAIChatBackend({ baseURL: profile.baseURL, apiKey: SECRET }),
    templates: extra.templates ?? { context: b.context!, logic: b.logic!, accuracy: b.accuracy! },
    cache: extra.cache,
    repeats: extra.repeats,
  });
}

function reset(handler: (n: number) => Script) {
  server.requests.length = 0;
  server.maxInFlight = 0;
  server.setHandler((r) => handler(server.requests.indexOf(r)));
}

const prov = (r: RewardResult) => r.provenance as unknown as JudgeProvenance;

for (const stream of [false, true]) {
  const mode = stream ? 'streaming' : 'plain';

  test(`${mode}: a bare number becomes the reward, with prompt, reply, span, usage, latency and attempts`, async () => {
    reset(() => ({ reply: '4', usage: { prompt_tokens: 120, completion_tokens: 1, total_tokens: 121 } }));
    const r = await runner({ stream }).judgeRollout(rollout(0), { rewards: ['context'] });
    const c = r.context!;
    assert.equal(c.status, 'ok');
    assert.equal(c.value, 0.8);
    assert.equal(c.trainerValue, 0.8);
    assert.equal(c.scale, '0/1/2/4/5 ÷ 5');
    const p = prov(c);
    assert.equal(p.reply, '4');
    assert.deepEqual(p.span, { start: 0, end: 1 });
    assert.equal(p.attempts, 1);
    assert.equal(p.cacheHit, false);
    assert.equal(p.model, 'judge-7b');
    assert.equal(p.profile, 'test');
    assert.equal(p.endpoint, server.baseURL);
    assert.equal(p.template.hash, b.context!.hash);
    assert.deepEqual(p.usage, { promptTokens: 120, completionTokens: 1, totalTokens: 121 });
    assert.ok(typeof p.latencyMs === 'number' && p.latencyMs >= 0);
    assert.ok(p.prompt.includes('checks her watch while a horn sounds'), 'reference context in the prompt');
    assert.ok(p.prompt.includes('Item 0: a woman looks at her wrist'), 'completion context in the prompt');
    assert.equal(server.requests.length, 1);
    const req = server.requests[0]!;
    assert.equal(req.url, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(req.body.model, 'judge-7b');
    assert.equal(req.body.stream ?? false, stream);
    assert.equal(req.body.temperature, 0);
    assert.equal(req.body.seed, 7);
    assert.equal(req.body.messages![0]!.content, p.prompt, 'the recorded prompt is exactly what was sent');
  });

  test(`${mode}: prose, JSON, out-of-range, garbage and empty replies get the right status`, async () => {
    const lastNumber = parseTemplate(
      b.logic!.file.startsWith('builtin') ? (await import('../../src/core/judge/builtinTemplates')).BUILTIN_TEMPLATE_TEXT.logic!.replace('parse: number', 'parse: last-number') : '',
      'logic-prose.md',
    );
    // trainer: what HumanOmniV2 stored, ast.literal_eval(reply) / 5.0 (0 when that raises).
    const cases: { reply: string; template: 'logic' | 'prose' | 'criteria'; status: string; value: number | null; trainer: number }[] = [
      { reply: '3', template: 'logic', status: 'ok', value: 0.6, trainer: 0.6 },
      { reply: 'Points: 1, 3 and 4 hold, so the total is 3', template: 'prose', status: 'ok', value: 0.6, trainer: 0.6 },
      { reply: '{"integration": true, "reflection": false, "soundness": true, "relevance": true, "consistency": true}', template: 'criteria', status: 'ok', value: 0.8, trainer: 0.8 },
      // Off the 0–5 scale: flagged, and the trainer still stored 7 / 5.0.
      { reply: '7', template: 'logic', status: 'parse-failure', value: null, trainer: 1.4 },
      { reply: 'no idea, sorry', template: 'logic', status: 'parse-failure', value: null, trainer: 0 },
      // An empty reply is the server failing, not the judge answering: a call-error, never cached.
      { reply: '', template: 'logic', status: 'call-error', value: null, trainer: 0 },
      { reply: '  \n', template: 'logic', status: 'call-error', value: null, trainer: 0 },
    ];
    for (const c of cases) {
      reset(() => ({ reply: c.reply }));
      const t = c.template === 'logic' ? b.logic! : c.template === 'prose' ? lastNumber : b['logic-criteria']!;
      const r = (await runner({ stream }, { templates: { logic: t } }).judgeRollout(rollout(1), { rewards: ['logic'] })).logic!;
      assert.equal(r.status, c.status, `${JSON.stringify(c.reply)}: ${r.explanation}`);
      assert.equal(r.value, c.value, JSON.stringify(c.reply));
      assert.equal(r.trainerValue, c.trainer, `${JSON.stringify(c.reply)}: what the trainer stored`);
      if (c.status === 'parse-failure') assert.match(r.explanation, new RegExp(`the trainer stored ${c.trainer}`));
      assert.equal(prov(r).reply, c.status === 'call-error' ? null : c.reply);
      if (c.status === 'parse-failure') assert.match(r.explanation, /could not be read/);
      if (c.status === 'call-error') assert.match(r.explanation, /empty content/);
      if (c.template === 'criteria') assert.match(r.explanation, /4 of 5 criteria met, not met: reflection/);
    }
  });

  test(`${mode}: 500 is retried, then succeeds; attempts recorded`, async () => {
    reset((n) => (n === 0 ? { status: 500 } : { reply: '5' }));
    const r = (await runner({ stream }).judgeRollout(rollout(2), { rewards: ['context'] })).context!;
    assert.equal(r.status, 'ok');
    assert.equal(r.value, 1);
    assert.equal(prov(r).attempts, 2);
    assert.equal(server.requests.length, 2);
  });

  test(`${mode}: a dropped connection (before headers, or mid-body) is retried`, async () => {
    for (const drop of ['before-headers', 'mid-body'] as const) {
      reset((n) => (n === 0 ? { reply: '2 is my answer here', drop } : { reply: '2' }));
      const run = runner({ stream });
      const r = (await run.judgeRollout(rollout(3), { rewards: ['context'] })).context!;
      assert.equal(r.status, 'ok', `${drop}: ${r.explanation}`);
      assert.equal(r.value, 0.4);
      assert.equal(prov(r).attempts, 2, drop);
      assert.equal(run.stats.retries, 1);
    }
    reset(() => ({ reply: '2', drop: 'before-headers' }));
    const r = (await runner({ stream, maxRetries: 1 }).judgeRollout(rollout(3), { rewards: ['context'] })).context!;
    assert.equal(r.status, 'call-error');
    assert.equal(r.value, null);
    assert.equal(r.trainerValue, 0);
    assert.match(r.explanation, /connection error.*gave up after 2 attempts.*trainer stored 0/);
    assert.equal(server.requests.length, 2);
  });

  test(`${mode}: replies slower than the timeout end as call-error after the retries`, async () => {
    // Plain: slow before the headers. Streaming: headers at once, then a slow body.
    reset(() => (stream ? { reply: 'a slow 4', chunks: 4, chunkDelayMs: 150 } : { reply: '4', delayMs: 400 }));
    const t0 = Date.now();
    const r = (await runner({ stream, timeoutMs: 120, maxRetries: 1 }).judgeRollout(rollout(4), { rewards: ['context'] })).context!;
    assert.equal(r.status, 'call-error');
    assert.match(r.explanation, /within 120 ms|timed out/);
    assert.equal(prov(r).attempts, 2);
    assert.equal(server.requests.length, 2);
    assert.ok(Date.now() - t0 < 1500, 'timed out rather than waiting for the reply');
  });
}

test('429 with Retry-After is retried no sooner than the server asked', async () => {
  reset((n) => (n === 0 ? { status: 429, retryAfter: '1' } : { reply: '4' }));
  const r = (await runner().judgeRollout(rollout(5), { rewards: ['context'] })).context!;
  assert.equal(r.status, 'ok');
  assert.equal(prov(r).attempts, 2);
  const gap = server.requests[1]!.at - server.requests[0]!.at;
  assert.ok(gap >= 1000, `retried after ${gap} ms`);
  assert.ok(gap < 1800, `retried after ${gap} ms: Retry-After replaces the backoff`);
});

test('Retry-After: seconds, HTTP date, retry-after-ms; a 400 is not retried', async () => {
  const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] ?? null });
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter(h({ 'retry-after': '3' }), now), 3000);
  assert.equal(parseRetryAfter(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
  assert.equal(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
  assert.equal(parseRetryAfter(h({ 'retry-after': 'soon' }), now), undefined);
  reset(() => ({ status: 400 }));
  const r = (await runner().judgeRollout(rollout(6), { rewards: ['context'] })).context!;
  assert.equal(r.status, 'call-error');
  assert.equal(prov(r).attempts, 1);
  assert.match(r.explanation, /HTTP 400.*not retried/);
  assert.ok(!r.explanation.includes(SECRET));
});

test('cache: a second run over unchanged inputs makes zero requests; parse-failures cached, call errors not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-judge-cache-'));
  const items = [0, 1, 2, 3, 4].map((i) => rollout(i));
  reset((n) => ({ reply: n === 2 ? 'garbage' : '4' }));
  const first = await runner({}, { cache: new JudgeCache(dir) }).judgeAll(items, { rewards: ['context', 'logic'] });
  assert.equal(server.requests.length, 10);
  assert.equal(first.filter((r) => r.context!.status === 'parse-failure' || r.logic!.status === 'parse-failure').length, 1);
  // One pack of whole lines, appended by this process.
  assert.deepEqual(readdirSync(dir), ['packs']);
  const packs = readdirSync(join(dir, 'packs'));
  assert.equal(packs.length, 1);
  const packLines = readFileSync(join(dir, 'packs', packs[0]!), 'utf8').split('\n');
  assert.equal(packLines.pop(), '', 'the pack ends with a newline');
  assert.equal(packLines.length, 10);
  for (const l of packLines) assert.match(l, /^\{"v":1,"key":"[0-9a-f]{64}",/);
  reset(() => ({ reply: '0' }));
  const run2 = runner({}, { cache: new JudgeCache(dir) });
  const second = await run2.judgeAll(items, { rewards: ['context', 'logic'] });
  assert.equal(server.requests.length, 0, 'no calls on the cached re-run');
  assert.equal(run2.stats.cacheHits, 10);
  assert.deepEqual(
    second.map((r) => [r.context!.value, r.logic!.value, r.context!.status, r.logic!.status]),
    first.map((r) => [r.context!.value, r.logic!.value, r.context!.status, r.logic!.status]),
  );
  assert.equal(prov(second[0]!.context!).cacheHit, true);
  assert.equal(prov(second[0]!.context!).attempts, 0);
  // A changed sampling parameter is a different key.
  await runner({ temperature: 0.7 }, { cache: new JudgeCache(dir) }).judgeRollout(items[0]!, { rewards: ['context'] });
  assert.equal(server.requests.length, 1);
  // Call errors are not cached: the next run asks again.
  const dir2 = mkdtempSync(join(tmpdir(), 'omnitrace-judge-cache-'));
  reset(() => ({ status: 503 }));
  await runner({ maxRetries: 0 }, { cache: new JudgeCache(dir2) }).judgeRollout(items[0]!, { rewards: ['context'] });
  reset(() => ({ reply: '5' }));
  const again = (await runner({ maxRetries: 0 }, { cache: new JudgeCache(dir2) }).judgeRollout(items[0]!, { rewards: ['context'] })).context!;
  assert.equal(again.status, 'ok');
  assert.equal(server.requests.length, 1);
});

test('concurrency never exceeds the limit, yet reaches it', async () => {
  reset(() => ({ reply: '4', delayMs: 40 }));
  const run = runner({ concurrency: 3 });
  const res = await run.judgeAll(
    Array.from({ length: 12 }, (_, i) => rollout(i)),
    { rewards: ['context', 'logic'] },
  );
  assert.equal(res.length, 12);
  assert.equal(server.requests.length, 24);
  assert.equal(server.maxInFlight, 3);
  assert.equal(run.stats.maxInFlight, 3);
});

test('repeats: mean and spread of the ok repeats; failed repeats noted; all failed → the failure', async () => {
  const scores = ['2', '4', '5'];
  reset((n) => ({ reply: scores[n % 3]! }));
  const r = (await runner({}, { repeats: 3 }).judgeRollout(rollout(7), { rewards: ['context'] })).context!;
  assert.equal(r.status, 'ok');
  assert.ok(Math.abs(r.value! - 11 / 15) < 1e-12);
  const p = prov(r);
  assert.equal(p.repeats.length, 3);
  assert.deepEqual(p.repeats.map((x) => x.value).sort(), [0.4, 0.8, 1]);
  assert.deepEqual(
    p.repeats.map((x) => x.index),
    [0, 1, 2],
  );
  assert.equal(p.spread!.min, 0.4);
  assert.equal(p.spread!.max, 1);
  assert.ok(Math.abs(p.spread!.std - Math.sqrt(((0.4 - 11 / 15) ** 2 + (0.8 - 11 / 15) ** 2 + (1 - 11 / 15) ** 2) / 3)) < 1e-12);
  assert.equal(new Set(p.repeats.map((x) => x.cacheKey)).size, 3, 'the repeat index is in the key');
  reset((n) => (n === 0 ? { status: 500 } : { reply: '4' }));
  const partial = (await runner({ maxRetries: 0, concurrency: 1 }, { repeats: 3 }).judgeRollout(rollout(8), { rewards: ['context'] })).context!;
  assert.equal(partial.status, 'ok');
  assert.equal(partial.value, 0.8);
  assert.equal(prov(partial).okRepeats, 2);
  assert.match(partial.explanation, /1 of 3 repeats failed \(call-error\)/);
  assert.ok(Math.abs(partial.trainerValue! - (0.8 * 2) / 3) < 1e-12, "failed repeats count as the trainer's 0");
  reset(() => ({ reply: 'nope' }));
  const none = (await runner({}, { repeats: 2 }).judgeRollout(rollout(9), { rewards: ['context'] })).context!;
  assert.equal(none.status, 'parse-failure');
  assert.equal(none.value, null);
  assert.equal(none.trainerValue, 0);
});

test('cancellation keeps finished results; unfinished ones are call-error "cancelled"', async () => {
  reset((n) => ({ reply: '4', delayMs: n < 2 ? 30 : 2000 }));
  const ac = new AbortController();
  const run = runner({ concurrency: 2 });
  const progress: number[] = [];
  const t0 = Date.now();
  setTimeout(() => ac.abort(), 300);
  const res = await run.judgeAll(
    Array.from({ length: 8 }, (_, i) => rollout(i)),
    { rewards: ['context'], signal: ac.signal, onProgress: (p) => progress.push(p.done) },
  );
  assert.ok(Date.now() - t0 < 1500, 'in-flight calls were aborted');
  const statuses = res.map((r) => r.context!.status);
  assert.equal(statuses.filter((s) => s === 'ok').length, 2, statuses.join());
  assert.deepEqual(
    res.slice(2).map((r) => [r.context!.status, r.context!.explanation, r.context!.trainerValue]),
    Array(6).fill(['call-error', 'cancelled', 0]),
  );
  assert.equal(progress.at(-1), 8);
  assert.ok(server.requests.length <= 4, 'nothing launched after the abort');
});

test('not applicable: no reference <context> → context; no <think> → logic; no call made', async () => {
  reset(() => ({ reply: '5' }));
  const noRefCtx = rollout(0, { solution: '<answer>B</answer>' });
  const noThink = rollout(1, { completion: '<context>a horn</context><answer>B</answer>' });
  const run = runner();
  const a = await run.judgeRollout(noRefCtx, { rewards: ['context'] });
  const c = await run.judgeRollout(noThink, { rewards: ['logic'] });
  assert.equal(a.context!.status, 'not-applicable');
  assert.equal(a.context!.trainerValue, 0);
  assert.match(a.context!.explanation, /reference solution has no <context>/);
  assert.equal(c.logic!.status, 'not-applicable');
  assert.match(c.logic!.explanation, /no closed <think>/);
  // Free-form accuracy is judged; other types keep their rule reward (no judged entry).
  const ff = await run.judgeRollout(
    rollout(2, {
      problemType: 'free-form',
      solution: '<context>x</context><answer>She is worried about the time</answer>',
      completion: '<context>x</context><think>y</think><answer>She is anxious</answer>',
    }),
    { rewards: ['accuracy'] },
  );
  const mc = await run.judgeRollout(rollout(3), { rewards: ['accuracy'] });
  assert.equal(ff.accuracy!.status, 'ok');
  assert.equal(ff.accuracy!.value, 1);
  assert.ok(prov(ff.accuracy!).prompt.includes('She is worried about the time') && prov(ff.accuracy!).prompt.includes('She is anxious'));
  assert.deepEqual(mc, {});
  assert.equal(server.requests.length, 1);
});

test('an interrupted run resumes from the cache: only unfinished calls are made again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-judge-resume-'));
  const items = Array.from({ length: 6 }, (_, i) => rollout(i));
  reset((n) => ({ reply: '5', delayMs: n < 3 ? 10 : 3000 }));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 250);
  const first = await runner({ concurrency: 3 }, { cache: new JudgeCache(dir) }).judgeAll(items, { rewards: ['context'], signal: ac.signal });
  const finished = first.filter((r) => r.context!.status === 'ok').length;
  assert.equal(finished, 3);
  reset(() => ({ reply: '5' }));
  const second = await runner({ concurrency: 3 }, { cache: new JudgeCache(dir) }).judgeAll(items, { rewards: ['context'] });
  assert.equal(server.requests.length, items.length - finished, 'finished entries came from disk');
  assert.ok(second.every((r) => r.context!.status === 'ok'));
});
