// Runs judge calls for one profile: a concurrency limit (semaphore) on calls in flight, retries
// with exponential backoff and full jitter on 429, 5xx, connection errors and timeouts (a
// Retry-After, in seconds or as an HTTP date, is honoured instead of the jitter), a timeout per
// call, the persistent cache, repeats, and cancellation by AbortSignal that keeps every finished
// result. A slot is released while a call waits to retry, so a waiting retry never holds one.
// Usable from the extension host (progress callbacks, AbortSignal) and from the CLI.

import { parseReply } from './parse';
import { judgeCacheKey, type JudgeCache } from './cache';
import { trainerJudgeValue } from './trainerValue';
import { judgeTasksFor, type JudgeTask } from './items';
import { describeScale, type JudgeTemplate } from './template';
import { ChatCallError, type ChatBackend, type JudgedReward, type JudgeProfile, type JudgeProvenance, type JudgeRepeat, type JudgeSpread } from './types';
import type { RewardResult, ScoredRollout } from '../types';
import { errorText } from '../errors';
import { Semaphore } from '../orderedPool';
import { onAbort } from '../abortHub';

/** Resolves after ms, or early (false) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      forget?.();
      resolve(true);
    }, ms);
    const forget =
      signal &&
      onAbort(signal, () => {
        clearTimeout(t);
        resolve(false);
      });
  });
}

/** Full-jitter exponential backoff: uniform(0, min(max, base × 2^retry)). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return random() * Math.min(maxMs, baseMs * 2 ** retry);
}

export interface JudgeStats {
  /** HTTP attempts made (retries included). */
  calls: number;
  /** Attempts that were retries. */
  retries: number;
  cacheHits: number;
  /** Repeats whose call failed for good (call-error, cancelled included). */
  callErrors: number;
  parseFailures: number;
  /** Successful calls and the sum of their latencies. */
  okCalls: number;
  latencySumMs: number;
  inFlight: number;
  maxInFlight: number;
  startedAt: number;
}

export type JudgeEvent =
  | { type: 'call-start'; reward: JudgedReward; attempt: number }
  | { type: 'call-end'; reward: JudgedReward; attempt: number; ok: boolean; latencyMs: number; error?: string }
  | { type: 'retry'; reward: JudgedReward; attempt: number; delayMs: number; error: string }
  | { type: 'cache-hit'; reward: JudgedReward };

export interface JudgeRunnerOptions {
  profile: JudgeProfile;
  backend: ChatBackend;
  /** The template judging each reward. */
  templates: Partial<Record<JudgedReward, JudgeTemplate>>;
  cache?: JudgeCache;
  /** Judge each item k times (repeat index in the cache key); value = mean of the ok repeats. */
  repeats?: number;
  /** For tests: the jitter source. */
  random?: () => number;
  onEvent?: (e: JudgeEvent) => void;
  /** Share one profile's limit between runners (e.g. several judge jobs in the extension host). */
  semaphore?: Semaphore;
  /**
   * Offline: make no call. A repeat the cache does not answer is a call-error with this message
   * (a batch result's failure, or "not in the batch results"): never a number.
   */
  offline?: (cacheKey: string) => string;
}

/** One call a run would make, after the cache: what a batch request line needs. */
export interface PendingCall {
  cacheKey: string;
  templateHash: string;
  repeat: number;
  prompt: string;
}

export interface JudgeProgress {
  done: number;
  total: number;
  stats: JudgeStats;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/0+$/, '');
}

export class JudgeRunner {
  readonly stats: JudgeStats;
  readonly repeats: number;
  private readonly sem: Semaphore;

  constructor(readonly opts: JudgeRunnerOptions) {
    this.repeats = Math.max(1, Math.floor(opts.repeats ?? 1));
    this.sem = opts.semaphore ?? new Semaphore(Math.max(1, opts.profile.concurrency));
    this.stats = { calls: 0, retries: 0, cacheHits: 0, callErrors: 0, parseFailures: 0, okCalls: 0, latencySumMs: 0, inFlight: 0, maxInFlight: 0, startedAt: Date.now() };
  }

  get profile(): JudgeProfile {
    return this.opts.profile;
  }

  /**
   * The judged rewards of one rollout (only those requested that apply or are not-applicable;
   * rule accuracy of non-free-form questions is not included). Never throws for a failed call:
   * failures are results. After `signal` aborts, unfinished calls come back as call-error 'cancelled'.
   */
  async judgeRollout(s: ScoredRollout, opts: { rewards: readonly JudgedReward[]; signal?: AbortSignal }): Promise<Record<string, RewardResult>> {
    const tasks = judgeTasksFor(s, opts.rewards, this.opts.templates);
    const out: Record<string, RewardResult> = {};
    await Promise.all(
      Object.entries(tasks).map(async ([reward, t]) => {
        out[reward] = t.kind === 'result' ? t.result : await this.judgeTask(t.task, opts.signal);
      }),
    );
    // Keep a stable key order (context, logic, accuracy as requested).
    const ordered: Record<string, RewardResult> = {};
    for (const r of opts.rewards) if (out[r]) ordered[r] = out[r];
    return ordered;
  }

  /**
   * Judges many rollouts; results by index. A pool of workers pulls items in order, so progress
   * is steady and a cancelled run returns every finished result (the rest 'cancelled').
   */
  async judgeAll(
    items: readonly ScoredRollout[],
    opts: { rewards: readonly JudgedReward[]; signal?: AbortSignal; onProgress?: (p: JudgeProgress) => void; onResult?: (index: number, rewards: Record<string, RewardResult>) => void },
  ): Promise<Record<string, RewardResult>[]> {
    const results = new Array<Record<string, RewardResult>>(items.length);
    let next = 0;
    let done = 0;
    const workers = Math.min(items.length, Math.max(16, this.opts.profile.concurrency * 2));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < items.length) {
          const i = next++;
          results[i] = await this.judgeRollout(items[i]!, opts);
          done++;
          opts.onResult?.(i, results[i]!);
          opts.onProgress?.({ done, total: items.length, stats: this.stats });
        }
      }),
    );
    return results;
  }

  private get sampling(): { temperature: number; maxTokens: number; seed?: number } {
    const p = this.opts.profile;
    return { temperature: p.temperature, maxTokens: p.maxTokens, ...(p.seed !== undefined ? { seed: p.seed } : {}) };
  }

  /** Every call judging `s` takes (each task × repeat), with its cache key and whether the cache answers it. */
  private async *callsOf(s: ScoredRollout, rewards: readonly JudgedReward[]): AsyncGenerator<{ task: JudgeTask; repeat: number; cacheKey: string; cached: boolean }> {
    const p = this.opts.profile;
    const sampling = this.sampling;
    for (const t of Object.values(judgeTasksFor(s, rewards, this.opts.templates))) {
      if (t.kind !== 'task') continue;
      for (let repeat = 0; repeat < this.repeats; repeat++) {
        const cacheKey = judgeCacheKey({ model: p.model, templateHash: t.task.template.hash, prompt: t.task.prompt, sampling, repeat });
        const hit = this.opts.cache ? await this.opts.cache.get(cacheKey) : undefined;
        yield { task: t.task, repeat, cacheKey, cached: !!hit && hit.reply.trim() !== '' };
      }
    }
  }

  /**
   * What judging these rollouts would cost before anything is sent: the calls, how many of them
   * the cache already answers, and the prompt and reply tokens (about 4 characters a token).
   */
  async plan(items: readonly ScoredRollout[], rewards: readonly JudgedReward[]): Promise<{ calls: number; cached: number; promptTokens: number; replyTokens: number }> {
    let calls = 0;
    let cached = 0;
    let promptChars = 0;
    for (const s of items) {
      for await (const c of this.callsOf(s, rewards)) {
        calls++;
        promptChars += c.task.prompt.length;
        if (c.cached) cached++;
      }
    }
    return { calls, cached, promptTokens: Math.ceil(promptChars / 4), replyTokens: (calls - cached) * this.opts.profile.maxTokens };
  }

  /** The calls judging one rollout would make that the cache does not answer (for a batch file). */
  async pendingCalls(s: ScoredRollout, rewards: readonly JudgedReward[]): Promise<PendingCall[]> {
    const out: PendingCall[] = [];
    for await (const c of this.callsOf(s, rewards)) if (!c.cached) out.push({ cacheKey: c.cacheKey, templateHash: c.task.template.hash, repeat: c.repeat, prompt: c.task.prompt });
    return out;
  }

  /** One judged reward: all repeats, aggregated. */
  async judgeTask(task: JudgeTask, signal?: AbortSignal): Promise<RewardResult> {
    const repeats = await Promise.all(Array.from({ length: this.repeats }, (_, i) => this.judgeRepeat(task, i, signal)));
    return this.aggregate(task, repeats, signal);
  }

  private async judgeRepeat(task: JudgeTask, index: number, signal?: AbortSignal): Promise<JudgeRepeat> {
    const p = this.opts.profile;
    const t = task.template;
    const cacheKey = judgeCacheKey({ model: p.model, templateHash: t.hash, prompt: task.prompt, sampling: this.sampling, repeat: index });
    const failed = (error: string, attempts: number, latencyMs: number | null = null): JudgeRepeat => {
      this.stats.callErrors++;
      return { index, status: 'call-error', score: null, value: null, reply: null, error, latencyMs, attempts, cacheHit: false, cacheKey };
    };
    const fromReply = (reply: string, latencyMs: number, attempts: number, cacheHit: boolean, usage?: JudgeRepeat['usage'], origin?: string): JudgeRepeat => {
      const parsed = parseReply(reply, t);
      const r: JudgeRepeat = { index, status: parsed.status, score: parsed.score, value: parsed.value, reply, latencyMs, attempts, cacheHit, cacheKey };
      if (origin) r.origin = origin;
      if (parsed.span) r.span = parsed.span;
      if (parsed.reason) r.reason = parsed.reason;
      if (parsed.criteria) r.criteria = parsed.criteria;
      if (parsed.error) r.error = parsed.error;
      if (usage) r.usage = usage;
      if (parsed.status === 'parse-failure') this.stats.parseFailures++;
      return r;
    };

    if (signal?.aborted) return failed('cancelled', 0);
    const cache = this.opts.cache;
    if (cache) {
      const hit = await cache.get(cacheKey);
      if (hit && hit.reply.trim() !== '') {
        this.stats.cacheHits++;
        this.opts.onEvent?.({ type: 'cache-hit', reward: task.reward });
        return fromReply(hit.reply, hit.latencyMs, 0, true, hit.usage, hit.origin);
      }
    }
    if (this.opts.offline) return failed(this.opts.offline(cacheKey), 0);

    let attempts = 0;
    let lastError = '';
    for (;;) {
      if (!(await this.sem.acquire(signal))) return failed('cancelled', attempts);
      let retryIn: number | undefined;
      try {
        attempts++;
        this.stats.calls++;
        if (attempts > 1) this.stats.retries++;
        this.stats.inFlight++;
        if (this.stats.inFlight > this.stats.maxInFlight) this.stats.maxInFlight = this.stats.inFlight;
        this.opts.onEvent?.({ type: 'call-start', reward: task.reward, attempt: attempts });
        const t0 = performance.now();
        try {
          const res = await this.opts.backend.complete(
            {
              model: p.model,
              messages: [{ role: 'user', content: task.prompt }],
              temperature: p.temperature,
              maxTokens: p.maxTokens,
              ...(p.seed !== undefined ? { seed: p.seed } : {}),
              stream: p.stream,
            },
            { signal, timeoutMs: p.timeoutMs },
          );
          const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
          // An empty or null reply is the server failing, not the judge answering: never cached,
          // so a later run (or another server) is asked again.
          if (res.text.trim() === '') {
            this.opts.onEvent?.({ type: 'call-end', reward: task.reward, attempt: attempts, ok: false, latencyMs, error: 'empty reply' });
            return failed(`the judge replied with empty content${res.finishReason ? ` (finish_reason ${res.finishReason})` : ''} (not retried, not cached)`, attempts, latencyMs);
          }
          this.stats.okCalls++;
          this.stats.latencySumMs += latencyMs;
          this.opts.onEvent?.({ type: 'call-end', reward: task.reward, attempt: attempts, ok: true, latencyMs });
          const rep = fromReply(res.text, latencyMs, attempts, false, res.usage);
          if (res.endpoint) rep.endpoint = res.endpoint;
          if (cache) {
            try {
              await cache.put({
                v: 1,
                key: cacheKey,
                model: p.model,
                templateHash: t.hash,
                repeat: index,
                reply: res.text,
                ...(res.usage ? { usage: res.usage } : {}),
                ...(res.finishReason ? { finishReason: res.finishReason } : {}),
                latencyMs,
                attempts,
                createdAt: new Date().toISOString(),
              });
            } catch (e) {
              rep.error = `${rep.error ? rep.error + '; ' : ''}could not write the cache entry: ${(e as Error).message}`;
            }
          }
          return rep;
        } catch (e) {
          const latencyMs = Math.round((performance.now() - t0) * 10) / 10;
          const err = e instanceof ChatCallError ? e : new ChatCallError(errorText(e), 'protocol');
          this.opts.onEvent?.({ type: 'call-end', reward: task.reward, attempt: attempts, ok: false, latencyMs, error: err.message });
          if (err.kind === 'aborted' || signal?.aborted) return failed('cancelled', attempts, latencyMs);
          lastError = err.message;
          if (!err.retryable) return failed(`${err.message} (not retried)`, attempts, latencyMs);
          if (attempts > p.maxRetries) return failed(`${err.message} (gave up after ${attempts} attempt${attempts > 1 ? 's' : ''})`, attempts, latencyMs);
          if (err.retryAfterMs !== undefined) {
            const cap = p.maxRetryAfterMs ?? 120_000;
            if (err.retryAfterMs > cap) return failed(`${err.message}; the server asked to retry after ${Math.round(err.retryAfterMs)} ms, more than the ${cap} ms allowed`, attempts, latencyMs);
            retryIn = err.retryAfterMs;
          } else {
            retryIn = backoffDelay(attempts - 1, p.backoffBaseMs, p.backoffMaxMs, this.opts.random);
          }
          this.opts.onEvent?.({ type: 'retry', reward: task.reward, attempt: attempts, delayMs: retryIn, error: err.message });
        }
      } finally {
        this.stats.inFlight--;
        this.sem.release();
      }
      if (!(await sleep(retryIn ?? 0, signal))) return failed(`cancelled (while waiting to retry after: ${lastError})`, attempts);
    }
  }

  private aggregate(task: JudgeTask, repeats: JudgeRepeat[], signal?: AbortSignal): RewardResult {
    const p = this.opts.profile;
    const t = task.template;
    const ok = repeats.filter((r) => r.status === 'ok');
    const first = repeats[0]!;
    const prov: JudgeProvenance = {
      source: 'judge',
      reward: task.reward,
      profile: p.name,
      endpoint: p.baseURL,
      model: p.model,
      template: { name: t.name, hash: t.hash, file: t.file, parse: t.parse, scale: describeScale(t) },
      prompt: task.prompt,
      sampling: this.sampling,
      repeats,
      okRepeats: ok.length,
      failedRepeats: repeats.length - ok.length,
      reply: first.reply,
      latencyMs: first.latencyMs,
      attempts: first.attempts,
      cacheHit: first.cacheHit,
    };
    if (first.span) prov.span = first.span;
    if (first.criteria) prov.criteria = first.criteria;
    if (first.usage) prov.usage = first.usage;
    // What the trainer stored. For number replies (the HumanOmniV2 contract): ast.literal_eval(reply)
    // / 5.0, 0 when that raises, whatever our reading of the reply says (a "7" stored 1.4, a
    // "Score: 4" stored 0). Other templates: our value, a failure 0. Over k repeats, the mean.
    const trainerOf = (r: JudgeRepeat): number => {
      if (t.parse !== 'number') return r.status === 'ok' ? r.value! : 0;
      return r.reply === null ? 0 : (trainerJudgeValue(r.reply).stored ?? 0);
    };
    const trainerValue = mean(repeats.map(trainerOf));
    const trainerNote = t.parse === 'number' && first.reply !== null ? trainerJudgeValue(first.reply) : undefined;
    if (trainerNote) prov.trainer = { stored: trainerNote.stored, kind: trainerNote.kind, reason: trainerNote.reason };
    const scale = describeScale(t);
    const result: RewardResult = { value: null, status: 'ok', explanation: '', trainerValue, scale, provenance: prov as unknown as Record<string, unknown> };
    const notes = task.notes.length ? ` (${task.notes.join('; ')})` : '';
    if (ok.length > 0) {
      const values = ok.map((r) => r.value!);
      const m = mean(values);
      const spread: JudgeSpread = { min: Math.min(...values), max: Math.max(...values), std: Math.sqrt(mean(values.map((v) => (v - m) ** 2))) };
      prov.mean = m;
      prov.spread = spread;
      result.value = m;
      let text: string;
      if (repeats.length === 1) {
        text = `the judge answered ${fmt(first.score!)} on ${scale} → ${fmt(m)}`;
      } else {
        text = `mean of ${ok.length} judged repeat${ok.length > 1 ? 's' : ''}: ${fmt(m)} (scores ${ok.map((r) => fmt(r.score!)).join(', ')}; min ${fmt(spread.min)}, max ${fmt(spread.max)}, std ${fmt(spread.std)})`;
        const failedN = repeats.length - ok.length;
        if (failedN)
          text += `; ${failedN} of ${repeats.length} repeats failed (${repeats
            .filter((r) => r.status !== 'ok')
            .map((r) => r.status)
            .join(', ')}) and are left out`;
      }
      const crit = ok[0]!.criteria;
      if (crit) {
        const missed = crit.filter((c) => !c.met).map((c) => c.name);
        text += `; ${crit.length - missed.length} of ${crit.length} criteria met${missed.length ? `, not met: ${missed.join(', ')}` : ''}`;
      }
      result.explanation = text + notes;
      return result;
    }
    // All repeats failed.
    const cancelled = repeats.every((r) => r.status === 'call-error' && r.error?.startsWith('cancelled')) && (signal?.aborted ?? true);
    const anyReply = repeats.some((r) => r.status === 'parse-failure');
    result.status = anyReply ? 'parse-failure' : 'call-error';
    if (cancelled) {
      result.explanation = 'cancelled';
      return result;
    }
    const why = (anyReply ? repeats.find((r) => r.status === 'parse-failure') : first)!.error ?? 'unknown';
    const multi = repeats.length > 1 ? `all ${repeats.length} repeats failed; ` : '';
    const stored = `the trainer stored ${fmt(trainerValue)}${trainerNote && trainerValue !== 0 ? ` (${trainerNote.reason})` : ''}`;
    result.explanation = anyReply
      ? `${multi}the judge's reply could not be read: ${why}; ${stored}${notes}`
      : `${multi}the judge call failed after ${first.attempts} attempt${first.attempts === 1 ? '' : 's'}: ${why}; ${stored}${notes}`;
    return result;
  }
}
