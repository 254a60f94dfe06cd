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

/** Writes the pending calls of `path` as OpenAI Batch request lines, atomically. */
export async function exportJudgeBatch(path: string, opts: BatchExportOptions): Promise<BatchExportSummary> {
  const started = Date.now();
  const p = opts.runner.profile;
  const out = await openAtomic(opts.out);
  const seen = new Set<string>();
  let rollouts = 0;
  let buf: string[] = [];
  let size = 0;
  const flush = async () => {
    if (!size) return;
    await out.fh.write(buf.join(''));
    buf = [];
    size = 0;
  };
  try {
    const run = await scoreFile(path, opts, {
      record: async (scored) => {
        if (opts.shard && shardOf(groupKeyFor(scored.record), opts.shard.count) !== opts.shard.index) return;
        rollouts++;
        for (const c of await opts.runner.pendingCalls(scored, opts.rewards)) {
          if (seen.has(c.cacheKey)) continue;
          seen.add(c.cacheKey);
          const line = batchRequestLine({ ...c, model: p.model, temperature: p.temperature, maxTokens: p.maxTokens, ...(p.seed !== undefined ? { seed: p.seed } : {}) });
          const text = JSON.stringify(line) + '\n';
          buf.push(text);
          size += text.length;
          if (size > 1 << 20) await flush();
        }
      },
    });
    await flush();
    await out.commit();
    return { score: run.summary, rollouts, requests: seen.size, elapsedMs: Date.now() - started };
  } catch (e) {
    await out.abort();
    throw e;
  }
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

/** Reads an OpenAI Batch output file into the judge cache. A line that cannot be read is reported and skipped. */
export async function importJudgeBatch(resultsFile: string, cache: JudgeCache): Promise<BatchImportSummary> {
  const failed = new Map<string, string>();
  const skipped: string[] = [];
  let replies = 0;
  let lines = 0;
  const written = new Set<string>();
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
        await cache.put(r.entry);
        written.add(r.entry.key);
        failed.delete(r.entry.key);
        replies++;
      } else if (!written.has(r.key)) failed.set(r.key, r.error);
    }
  }
  return { replies, failed, skipped, lines };
}
