// Batch judging through existing engines: `omnitrace judge --batch-export` writes every call a run
// would make (after the cache) as OpenAI Batch request lines; `--batch-import` reads the engine's
// output lines into the judge cache, where the usual judge pass finds them (offline: a call the
// results do not answer is a call-error, never a number, and a later online run calls only for
// those). Both stream the rollout file and the results file line by line.

import { readLineBatches } from '../core/readers/lines';
import { openAtomic } from '../core/atomicFile';
import { scoreFile, type ScoreOptions, type ScoreSummary } from '../core/score';
import { groupKeyFor } from '../core/grpo';
import { shardOf } from '../core/shard';
import { batchRequestLine, readBatchResult } from '../core/judge/batchFormat';
import type { JudgeCache } from '../core/judge/cache';
import type { JudgeRunner } from '../core/judge/runner';
import type { JudgedReward } from '../core/judge/types';
import type { ScoredRollout } from '../core/types';

export interface BatchExportOptions extends ScoreOptions {
  runner: JudgeRunner;
  rewards: readonly JudgedReward[];
  out: string;
  shard?: { index: number; count: number };
}

export interface BatchExportSummary {
  score: ScoreSummary;
  /** Rollouts in the shard (all of them without one). */
  rollouts: number;
  /** Request lines written (identical calls of several rollouts written once). */
  requests: number;
  elapsedMs: number;
}

/**
 * Writes the calls judging `each` rollout would make (after the cache) as OpenAI Batch request
 * lines into `out`, atomically; identical calls of several rollouts are written once. `each` hands
 * every rollout to the callback it is given (a file being scored, or an open document's rows).
 */
export async function writeBatchRequests(
  out: string,
  runner: JudgeRunner,
  rewards: readonly JudgedReward[],
  each: (visit: (scored: ScoredRollout) => Promise<void>) => Promise<void>,
): Promise<{ rollouts: number; requests: number }> {
  const p = runner.profile;
  const file = await openAtomic(out);
  const seen = new Set<string>();
  let rollouts = 0;
  let buf: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!size) return;
    await file.fh.write(buf.join(''));
    buf = [];
    size = 0;
  };
  try {
    await each(async (scored) => {
      rollouts++;
      for (const c of await runner.pendingCalls(scored, rewards)) {
        if (seen.has(c.cacheKey)) continue;
        seen.add(c.cacheKey);
        const text = JSON.stringify(batchRequestLine({ ...c, model: p.model, temperature: p.temperature, maxTokens: p.maxTokens, ...(p.seed !== undefined ? { seed: p.seed } : {}) })) + '\n';
        buf.push(text);
        size += text.length;
        if (size > 1 << 20) await flush();
      }
    });
    await flush();
    await file.commit();
    return { rollouts, requests: seen.size };
  } catch (e) {
    await file.abort();
    throw e;
  }
}

/** Writes the pending calls of the rollout file `path` (one shard of it, when given) as OpenAI Batch request lines. */
export async function exportJudgeBatch(path: string, opts: BatchExportOptions): Promise<BatchExportSummary> {
  const started = Date.now();
  let summary: ScoreSummary | undefined;
  const r = await writeBatchRequests(opts.out, opts.runner, opts.rewards, async (visit) => {
    const run = await scoreFile(path, opts, {
      record: async (scored) => {
        if (opts.shard && shardOf(groupKeyFor(scored.record), opts.shard.count) !== opts.shard.index) return;
        await visit(scored);
      },
    });
    summary = run.summary;
  });
  return { score: summary!, ...r, elapsedMs: Date.now() - started };
}

export interface BatchImportSummary {
  /** Replies written to the cache. */
  replies: number;
  /** Calls the engine reports as failed, by cache key: why (a later online run calls for these). */
  failed: Map<string, string>;
  /** Lines that are not results of ours, with file:line and why. */
  skipped: string[];
  lines: number;
}

const WRITES_IN_FLIGHT = 64;

/** Reads an OpenAI Batch output file into the judge cache. A line that cannot be read is reported and skipped. */
export async function importJudgeBatch(resultsFile: string, cache: JudgeCache): Promise<BatchImportSummary> {
  const failed = new Map<string, string>();
  const skipped: string[] = [];
  let replies = 0;
  let lines = 0;
  const written = new Set<string>();
  const writes: Promise<void>[] = [];
  for await (const batch of readLineBatches(resultsFile)) {
    for (const l of batch.lines) {
      lines++;
      const text = batch.buf.toString('utf8', l.start, l.start + l.byteLength).trim();
      if (!text) continue;
      const where = `${resultsFile}:${l.line}`;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        skipped.push(`${where}: not JSON (${(e as Error).message})`);
        continue;
      }
      const r = readBatchResult(json, where);
      if (r.ok === 'skip') skipped.push(`${where}: ${r.error}`);
      else if (r.ok) {
        // Writes overlap (each is a file write and a rename): one at a time, 100k replies took
        // minutes. The bookkeeping stays in line order.
        writes.push(cache.put(r.entry));
        if (writes.length >= WRITES_IN_FLIGHT) await Promise.all(writes.splice(0));
        written.add(r.entry.key);
        failed.delete(r.entry.key);
        replies++;
      } else if (!written.has(r.key)) failed.set(r.key, r.error);
    }
  }
  await Promise.all(writes);
  return { replies, failed, skipped, lines };
}
