// The scoring pipeline: a RolloutRecord becomes a ScoredRollout (parsed trace, rule rewards,
// the file's own recorded rewards alongside), and a whole file is scored as a stream with GRPO
// groups computed at the end. Only (group, total) per record is kept between the two, so a
// file of any size scores in bounded memory.

import { createHash } from 'node:crypto';
import { parseTrace, firstFormatFailure } from './trace';
import { computeRuleRewards, totalReward } from './rewards/index';
import { computeGroups, groupKeyFor } from './grpo';
import { savedJudgedRewards } from './run/savedJudgement';
import { detectFormat, forEachRollout, type FormatName, type ReadOptions } from './readers/index';
import { NO_PROBLEM_TYPE, type GroupStats, type ReadProblem, type RewardResult, type RolloutRecord, type ScoredRollout } from './types';
export { NO_PROBLEM_TYPE } from './types';
import type { RegressionVariant } from './rewards/accuracy';

export interface ScoreOptions extends ReadOptions {
  /** Divide advantages by the group's standard deviation (TRL `scale_rewards`; off in the published runs). */
  scaleRewards?: boolean;
  /** 'trainer' (the training reward) or 'eval' (the evaluation script's mean relative accuracy). */
  regressionVariant?: RegressionVariant;
  /** Weights of the non-partial rewards in the total (default 1 each). */
  weights?: Record<string, number>;
}

/** Recorded rewards from the file are kept beside ours under this prefix, never in place of them. */
export const RECORDED_PREFIX = 'recorded:';

/** Adds the file's recorded rewards to `out` (after ours, so they come last in the output). */
function addRecordedRewards(record: RolloutRecord, out: Record<string, RewardResult>): void {
  const recorded = record.recorded;
  if (!recorded) return;
  for (const name in recorded) {
    if (!Object.prototype.hasOwnProperty.call(recorded, name)) continue;
    const value = recorded[name]!;
    out[RECORDED_PREFIX + name] =
      value === null
        ? { value: null, status: 'not-computed', explanation: `the file records no number for '${name}'`, provenance: { source: 'file', field: name } }
        : { value, status: 'ok', explanation: `as recorded in the file ('${name}')`, provenance: { source: 'file', field: name } };
  }
}

function failed(message: string): RewardResult {
  return { value: null, status: 'error', explanation: message, trainerValue: 0 };
}

/** Our rule rewards only (format, accuracy): what the total and the groups are built from. */
function ruleRewards(record: RolloutRecord, trace: ScoredRollout['trace'], opts: ScoreOptions): Record<string, RewardResult> {
  const problemType = record.question.problemType;
  const solution = record.reference.solution;
  let rewards: Record<string, RewardResult>;
  try {
    rewards = computeRuleRewards(record.completion, solution ?? '', problemType, { regressionVariant: opts.regressionVariant, trace });
  } catch (e) {
    const msg = `computing the rule rewards failed: ${e instanceof Error ? e.message : String(e)}`;
    return { format: failed(msg), accuracy: failed(msg) };
  }
  // The trainer would score these as 0; we say why instead of showing a real-looking zero.
  if (solution === undefined) {
    rewards.accuracy = {
      value: null,
      status: 'not-computed',
      explanation: 'the data has no reference solution or answer (map one with --map solution=<field>)',
      trainerValue: 0,
    };
  } else if (problemType === undefined && rewards.accuracy) {
    rewards.accuracy = { ...rewards.accuracy, explanation: `${rewards.accuracy.explanation} (set one with --map problemType=<field> or --problem-type)` };
  }
  return rewards;
}

/**
 * A checkpoint run judged while it ran carries its judged rewards (src/core/run/savedJudgement.ts):
 * they join ours, but never replace a reward our rules computed.
 */
function addSavedJudgedRewards(record: RolloutRecord, out: Record<string, RewardResult>): void {
  if (!record.extras) return;
  const saved = savedJudgedRewards(record.extras);
  if (!saved) return;
  for (const [name, r] of Object.entries(saved)) if (out[name]?.status !== 'ok') out[name] = r;
}

/** Scores one record. Never throws for bad data: failures become `error` rewards with a reason. */
export function scoreRecord(record: RolloutRecord, opts: ScoreOptions = {}): ScoredRollout {
  const scored = scoreWithTotal(record, opts);
  return scored.scored;
}

// Members of a GRPO group share one reference: parse it once per run of equal solutions. The
// parsed trace is shared between those records and must be treated as read-only.
let lastSolution: string | undefined;
let lastReferenceTrace: ScoredRollout['trace'] | undefined;
function referenceTraceOf(solution: string): ScoredRollout['trace'] {
  if (solution !== lastSolution || !lastReferenceTrace) {
    lastReferenceTrace = parseTrace(solution);
    lastSolution = solution;
  }
  return lastReferenceTrace;
}

/** scoreRecord plus the total reward the GRPO groups are built from. */
export function scoreWithTotal(record: RolloutRecord, opts: ScoreOptions): { scored: ScoredRollout; total: number | null } {
  const trace = parseTrace(record.completion);
  const referenceTrace = record.reference.solution !== undefined ? referenceTraceOf(record.reference.solution) : undefined;
  const ours = ruleRewards(record, trace, opts);
  addSavedJudgedRewards(record, ours);
  const { total } = totalReward(ours, opts.weights);
  // `ours` is a fresh object nobody else holds: the recorded rewards go in after ours.
  addRecordedRewards(record, ours);
  const scored: ScoredRollout = { record, trace, rewards: ours };
  if (referenceTrace) scored.referenceTrace = referenceTrace;
  return { scored, total };
}

/** Per-problem-type means and counts, accumulated while streaming. */
export interface ScoreSummary {
  format: FormatName;
  formatReason: string;
  read: number;
  skipped: number;
  /** The first problems (up to MAX_KEPT_PROBLEMS); `skipped` has the full count. */
  problems: ReadProblem[];
  /** problem type → reward name → running sums (value null counts in `missing`). */
  rewards: Record<string, Record<string, { sum: number; n: number; missing: number }>>;
  /** Code of the first diagnostic that breaks the format check → count. */
  formatFailures: Record<string, number>;
  groups: number;
  zeroVarianceGroups: number;
}

export const MAX_KEPT_PROBLEMS = 1000;

export interface ScoreSink {
  /** Each record as soon as it is scored, in input order; its group is not known yet. */
  record?(scored: ScoredRollout): void | Promise<void>;
  problem?(problem: ReadProblem): void;
  /** Throttled progress (every few thousand records and at the end). */
  progress?(counts: { read: number; skipped: number; done: boolean }): void;
}

export interface ScoreRun {
  summary: ScoreSummary;
  /** GRPO group stats by record index. */
  groups: (GroupStats | undefined)[];
}

/** Grows in place so 100k totals cost 800 KB rather than 100k boxed numbers. */
export class GrowableArray<A extends Float64Array | Int32Array> {
  data: A;
  length = 0;
  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }
  push(v: number) {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** Group keys can be whole prompts: intern them to short ids (readable ones kept as they are). */
export class GroupKeys {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  intern(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(key, id);
      this.names.push(key.length <= 64 ? key : 'g:' + createHash('sha1').update(key).digest('hex').slice(0, 16));
    }
    return id;
  }
}

export function addToSummary(summary: Pick<ScoreSummary, 'rewards' | 'formatFailures'>, scored: ScoredRollout): void {
  const pt = scored.record.question.problemType ?? NO_PROBLEM_TYPE;
  const byReward = (summary.rewards[pt] ??= {});
  const rewards = scored.rewards;
  for (const name in rewards) {
    if (!Object.prototype.hasOwnProperty.call(rewards, name)) continue;
    const r = rewards[name]!;
    const acc = (byReward[name] ??= { sum: 0, n: 0, missing: 0 });
    if (r.value === null) acc.missing++;
    else {
      acc.sum += r.value;
      acc.n++;
    }
  }
  if (!scored.trace.formatOk) {
    const code = firstFormatFailure(scored.trace)?.code ?? 'unexplained';
    summary.formatFailures[code] = (summary.formatFailures[code] ?? 0) + 1;
  }
}

/** Keeps (group, total) per record in compact arrays; computes the groups at the end. */
export class GroupCollector {
  private readonly keys = new GroupKeys();
  private readonly groupOf = new GrowableArray((n) => new Int32Array(n));
  private readonly totals = new GrowableArray((n) => new Float64Array(n));

  add(key: string, total: number | null): void {
    this.groupOf.push(this.keys.intern(key));
    this.totals.push(total === null ? NaN : total);
  }

  get length(): number {
    return this.groupOf.length;
  }

  /** Group stats by record index; fills the summary's group counts. */
  finish(scaleRewards: boolean, summary: Pick<ScoreSummary, 'groups' | 'zeroVarianceGroups'>): (GroupStats | undefined)[] {
    const n = this.groupOf.length;
    const items = new Array<{ key: string; total: number | null }>(n);
    for (let i = 0; i < n; i++) {
      const t = this.totals.data[i];
      items[i] = { key: this.keys.names[this.groupOf.data[i]], total: Number.isNaN(t) ? null : t };
    }
    const { perItem, groups } = computeGroups(items, { scaleRewards });
    summary.groups = groups.length;
    // A group of one has no variance to lose; only real groups whose totals are all equal count.
    summary.zeroVarianceGroups = groups.filter((g) => g.zeroVariance && g.counted > 1).length;
    return perItem;
  }
}

/** Adds a block's partial summary (from a worker) into the run's. */
export function mergeSummary(into: ScoreSummary, part: Pick<ScoreSummary, 'rewards' | 'formatFailures'>): void {
  for (const [pt, byReward] of Object.entries(part.rewards)) {
    const target = (into.rewards[pt] ??= {});
    for (const [name, c] of Object.entries(byReward)) {
      const t = (target[name] ??= { sum: 0, n: 0, missing: 0 });
      t.sum += c.sum;
      t.n += c.n;
      t.missing += c.missing;
    }
  }
  for (const [code, n] of Object.entries(part.formatFailures)) into.formatFailures[code] = (into.formatFailures[code] ?? 0) + n;
}

export function emptySummary(format: FormatName, formatReason: string): ScoreSummary {
  return { format, formatReason, read: 0, skipped: 0, problems: [], rewards: {}, formatFailures: {}, groups: 0, zeroVarianceGroups: 0 };
}

/**
 * Scores every record of a file or directory, in input order, then computes GRPO groups.
 * `sink.record` sees each scored rollout as it is produced (the caller decides what to keep);
 * the result carries the group stats by index and a summary.
 */
export async function scoreFile(path: string, opts: ScoreOptions = {}, sink: ScoreSink = {}): Promise<ScoreRun> {
  const detected = opts.format ? { format: opts.format, reason: 'set by the user' } : await detectFormat(path);
  const summary = emptySummary(detected.format, detected.reason);
  const collector = new GroupCollector();
  await forEachRollout(path, { ...opts, format: detected.format }, (item) => {
    if (item.kind === 'problem') {
      summary.skipped++;
      if (summary.problems.length < MAX_KEPT_PROBLEMS) summary.problems.push(item.problem);
      sink.problem?.(item.problem);
      return undefined;
    }
    const { scored, total } = scoreWithTotal(item.record, opts);
    summary.read++;
    addToSummary(summary, scored);
    collector.add(groupKeyFor(item.record), total);
    const progress = sink.progress && summary.read % 5000 === 0 ? sink.progress : undefined;
    const pending = sink.record?.(scored);
    if (pending) return progress ? pending.then(() => progress({ read: summary.read, skipped: summary.skipped, done: false })) : pending;
    progress?.({ read: summary.read, skipped: summary.skipped, done: false });
    return undefined;
  });
  const groups = collector.finish(opts.scaleRewards ?? false, summary);
  sink.progress?.({ read: summary.read, skipped: summary.skipped, done: true });
  return { summary, groups };
}

/** For small files (reports): every scored rollout in memory, groups attached. */
export async function scoreAll(path: string, opts: ScoreOptions = {}): Promise<{ scored: ScoredRollout[]; summary: ScoreSummary }> {
  const scored: ScoredRollout[] = [];
  const run = await scoreFile(path, opts, { record: (s) => void scored.push(s) });
  for (let i = 0; i < scored.length; i++) {
    const g = run.groups[i];
    if (g) scored[i].group = g;
  }
  return { scored, summary: run.summary };
}

/** Mean of a summary cell, or null when nothing was a number. */
export function meanOf(cell: { sum: number; n: number } | undefined): number | null {
  return cell && cell.n > 0 ? cell.sum / cell.n : null;
}
