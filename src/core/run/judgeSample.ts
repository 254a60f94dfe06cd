// Judging one finished sample of a checkpoint run (the editor judges each as it completes;
// `omnitrace run` judges the saved run's finished samples once it is saved). The context reward
// compares the completion's <context> with a reference one; a run the user gave no reference
// context gets 'not-computed' with that reason, and no call is made. That is not the trainer's 0
// for a missing reference: here nothing was there to compare with, so no number.

import type { JudgeRunner } from '../judge/runner';
import type { JudgedReward } from '../judge/types';
import { readRollouts } from '../readers/index';
import { scoreRecord } from '../score';
import type { RewardResult, ScoredRollout } from '../types';

export const NO_REFERENCE_CONTEXT = "no reference context was given for this run: the context reward compares the completion's <context> with one (add it in the run form and Run Again)";

export async function judgeSample(
  runner: JudgeRunner,
  scored: ScoredRollout,
  opts: {
    rewards: readonly JudgedReward[];
    hasReferenceContext: boolean;
    signal?: AbortSignal;
    /** Why context is not computed, in the caller's words (the CLI names its flag); default NO_REFERENCE_CONTEXT. */
    noReferenceContext?: string;
  },
): Promise<Record<string, RewardResult>> {
  const skipContext = !opts.hasReferenceContext && opts.rewards.includes('context');
  const rewards = skipContext ? opts.rewards.filter((r) => r !== 'context') : opts.rewards;
  const judged = rewards.length ? await runner.judgeRollout(scored, { rewards, signal: opts.signal }) : {};
  if (!skipContext) return judged;
  return {
    context: {
      value: null,
      status: 'not-computed',
      explanation: opts.noReferenceContext ?? NO_REFERENCE_CONTEXT,
      provenance: { 'judge profile': runner.profile.name, 'judge model': runner.profile.model },
    },
    ...judged,
  };
}

export interface SavedRunJudging {
  /** sample_index → judged rewards, for withJudgements (savedJudgement.ts). */
  judged: Map<number, Record<string, RewardResult>>;
  /** sample_index of the samples left unjudged because they are partial. */
  partial: number[];
}

/**
 * Judges the finished samples of a run just saved by runCheckpoint: `file` is read back with the
 * readers and scored, so the judge sees each sample exactly as the reopened run will show it.
 * `records` are the saved records (same order as the file's lines), for the fields the readers
 * keep only as extras. When the run `stopped` (cancelled or failed mid-stream), only samples whose
 * finish_reason arrived are finished: the rest are partial, as in the editor, and a half trace is
 * not worth a judge call. The samples are judged concurrently (the runner bounds the calls).
 */
export async function judgeSavedRun(
  runner: JudgeRunner,
  file: string,
  records: readonly Record<string, unknown>[],
  opts: { rewards: readonly JudgedReward[]; hasReferenceContext: boolean; stopped: boolean; signal?: AbortSignal; noReferenceContext?: string },
): Promise<SavedRunJudging> {
  const judged = new Map<number, Record<string, RewardResult>>();
  const partial: number[] = [];
  const calls: Promise<void>[] = [];
  for await (const item of readRollouts(file, { format: 'jsonl' })) {
    // The file was written a moment ago from `records`: a line it cannot read is a bug, not data.
    if (item.kind === 'problem') throw new Error(`reading the saved run back failed: ${item.problem.file}:${item.problem.line ?? '?'}: ${item.problem.message}`);
    const raw = records[(item.record.source.line ?? 0) - 1];
    if (!raw) throw new Error(`reading the saved run back failed: line ${item.record.source.line} has no saved record`);
    const i = Number(raw.sample_index);
    if (opts.stopped && typeof raw.finish_reason !== 'string') {
      partial.push(i);
      continue;
    }
    const scored = scoreRecord(item.record);
    calls.push(judgeSample(runner, scored, opts).then((r) => void judged.set(i, r)));
  }
  await Promise.all(calls);
  return { judged, partial };
}
