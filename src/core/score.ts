// The scoring pipeline: a RolloutRecord becomes a ScoredRollout (parsed trace, rule rewards,
// the file's own recorded rewards alongside), and a whole file is scored as a stream with GRPO
// groups computed at the end. Only (group, total) per record is kept between the two, so a
// file of any size scores in bounded memory.

import { createHash } from 'node:crypto';
import { parseTrace, firstFormatFailure } from './trace';
import { computeRuleRewards, totalReward } from './rewards/index';
import { computeGroups, groupKeyFor, type AdvantageRule, type GroupColumns } from './grpo';
import { savedJudgedRewards } from './run/savedJudgement';
import { detectFormat, forEachRollout, type FormatName, type ReadOptions } from './readers/index';
import { NO_PROBLEM_TYPE, type GroupingInfo, type GroupStats, type ReadProblem, type RewardResult, type RolloutRecord, type ScoredRollout } from './types';
export { NO_PROBLEM_TYPE, type GroupingInfo } from './types';
import type { RegressionVariant } from './rewards/accuracy';
import { errorText } from './errors';

export interface ScoreOptions extends ReadOptions {
  /** Divide advantages by the group's standard deviation (TRL `scale_rewards`; off in the published runs). */
  scaleRewards?: boolean;
  /** 'trainer' (the training reward) or 'eval' (the evaluation script's mean relative accuracy). */
  regressionVariant?: RegressionVariant;
  /** Weights of the non-partial rewards in the total (default 1 each). */
  weights?: Record<string, number>;
  /** Groups are consecutive blocks of this many records (rollout.n, num_generations) where the data has no group id. */
  groupSize?: number;
  /** Which trainer's advantage formula; default: the one of the format (verl → verl, TRL → trl, else humanomni). */
  advantage?: AdvantageRule;
  /** Build groups from the total the file records (the trainer's own) when it has one (default), or always from ours. */
  total?: 'recorded' | 'recomputed';
  /**
   * Accuracy of a response without <answer>: 'trainer' (the training reward: empty answer) or
   * 'whole-output' (Video-R1's eval_bench.py scores the whole response).
   */
  answerRule?: 'trainer' | 'whole-output';
}

/** The advantage rule a format's trainer uses. */
export function defaultAdvantageRule(format: FormatName): AdvantageRule {
  return format === 'verl' ? 'verl' : format === 'trl' ? 'trl' : 'humanomni';
}

/** Recorded rewards from the file are kept beside ours under this prefix, never in place of them. */
export const RECORDED_PREFIX = 'recorded:';

/** Which of our numbers a recorded field should equal: an eval script's per-answer reward is accuracy; a trainer's score is the total. */
function counterpartOf(record: RolloutRecord, field: string): 'accuracy' | 'total' | undefined {
  if (record.recordedTotal?.field !== field) return undefined;
  return field === 'reward' || field === 'is_correct' ? 'accuracy' : 'total';
}

/** Why a recorded number may differ from ours, given the response. */
function likelyReason(record: RolloutRecord, counterpart: 'accuracy' | 'total'): string {
  if (!/<answer>[\s\S]*?<\/answer>/.test(record.completion)) {
    return "the response has no <answer>: HumanOmniV2's eval script then scores a stale variable (the last output decoded in the batch loop), Video-R1's scores the whole response";
  }
  return counterpart === 'total'
    ? "the trainer's reward functions or weights differ from format + accuracy"
    : "the eval script's own rule differs (e.g. regression by mean relative accuracy, a different answer extraction)";
}

/**
 * Adds the file's recorded rewards to `out` (after ours, so they come last in the output). Where
 * the file's number is the counterpart of one of ours and disagrees, its chip says so, with the
 * likely reason.
 */
function addRecordedRewards(record: RolloutRecord, out: Record<string, RewardResult>, total: number | null): void {
  const recorded = record.recorded;
  if (!recorded) return;
  for (const name in recorded) {
    if (!Object.prototype.hasOwnProperty.call(recorded, name)) continue;
    const value = recorded[name]!;
    if (value === null) {
      out[RECORDED_PREFIX + name] = { value: null, status: 'not-computed', explanation: `the file records no number for '${name}'`, provenance: { source: 'file', field: name } };
      continue;
    }
    const r: RewardResult = { value, status: 'ok', explanation: `as recorded in the file ('${name}')`, provenance: { source: 'file', field: name } };
    const counterpart = counterpartOf(record, name);
    const ours = counterpart === 'accuracy' ? out.accuracy?.value : counterpart === 'total' ? total : undefined;
    if (counterpart && ours !== null && ours !== undefined && Math.abs(ours - value) > 1e-9) {
      const disagreement = `recorded ${value} but we compute ${counterpart} ${ours}: ${likelyReason(record, counterpart)}`;
      r.explanation += `; ${disagreement}`;
      r.quirks = [disagreement];
    }
    out[RECORDED_PREFIX + name] = r;
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
    if (opts.answerRule === 'whole-output' && solution !== undefined && !/<answer>[\s\S]*?<\/answer>/.test(record.completion)) {
      // Video-R1's eval_bench.py: no <answer>, so the whole response is the answer.
      const whole = computeRuleRewards(`<answer>${record.completion}</answer>`, solution, problemType, { regressionVariant: opts.regressionVariant }).accuracy;
      if (whole)
        rewards.accuracy = { ...whole, explanation: `${whole.explanation} (no <answer>: the whole response scored, as Video-R1's eval script does; the training reward would use an empty answer)` };
    }
    const alternatives = record.reference.alternatives;
    if (alternatives && rewards.accuracy?.value !== null && rewards.accuracy !== undefined) {
      // Several acceptable references: the best match counts.
      let best = rewards.accuracy;
      let which = 0;
      alternatives.forEach((alt, i) => {
        if (i === 0) return;
        const r = computeRuleRewards(record.completion, alt, problemType, { regressionVariant: opts.regressionVariant, trace }).accuracy;
        if (r && r.value !== null && best.value !== null && r.value > best.value) {
          best = r;
          which = i;
        }
      });
      rewards.accuracy = { ...best, explanation: `${best.explanation} (best of ${alternatives.length} references: #${which + 1})` };
    }
  } catch (e) {
    const msg = `computing the rule rewards failed: ${errorText(e)}`;
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
  const { total: recomputed } = totalReward(ours, opts.weights);
  const total = opts.total !== 'recomputed' && record.recordedTotal ? record.recordedTotal.value : recomputed;
  // `ours` is a fresh object nobody else holds: the recorded rewards go in after ours.
  addRecordedRewards(record, ours, recomputed);
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
  /** Groups of one member with a total. */
  singletonGroups: number;
  /** How records were put into groups, and what the advantages follow. */
  grouping?: GroupingInfo;
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

/** What a record brings to its group besides its key and total. */
export interface GroupExtras {
  /** The file it was read from: blocks of --group-size never cross files. */
  file: string;
  recordedAdvantage?: number;
  totalSource?: string;
}

export interface GroupingOptions {
  scaleRewards: boolean;
  format: FormatName;
  groupSize?: number;
  rule?: AdvantageRule;
}

/** Where a record's group total comes from when it is the file's own ('recorded:<field>'), else undefined. */
export function totalSourceOf(record: RolloutRecord, opts: Pick<ScoreOptions, 'total'>): string | undefined {
  return opts.total !== 'recomputed' && record.recordedTotal ? `recorded:${record.recordedTotal.field}` : undefined;
}

/** The group extras of a record: where it came from, its logged advantage and where its total came from. */
export function groupExtrasOf(record: RolloutRecord, opts: Pick<ScoreOptions, 'total'>): GroupExtras {
  const e: GroupExtras = { file: record.source.file };
  if (record.recordedAdvantage !== undefined) e.recordedAdvantage = record.recordedAdvantage;
  const source = totalSourceOf(record, opts);
  if (source !== undefined) e.totalSource = source;
  return e;
}

/**
 * The group inputs of a block of records from one file, as tables plus typed arrays: cheap to
 * send from a scoring worker (one string per distinct key, not one object per record).
 */
export interface GroupBlock {
  file: string;
  /** Distinct group keys, and each record's index into them. */
  keyTable: string[];
  keyOf: Int32Array;
  /** Each record's total (NaN: none). */
  totals: Float64Array;
  /** Each record's logged advantage (NaN: none). */
  recordedAdvantage: Float64Array;
  /** Distinct total sources, and each record's index into them (-1: recomputed). */
  sourceTable: string[];
  sourceOf: Int32Array;
}

/**
 * The group size the layout of a verl or TRL dump gives away: both write each prompt's n samples
 * consecutively, so every run of identical prompt text is n long, or a multiple of n where
 * different prompts decode to the same text (their media tokens are gone). Undefined when the
 * runs do not say it unambiguously.
 */
export function detectGroupSize(runLengths: number[]): number | undefined {
  // One run (every prompt reads the same) says nothing about n.
  if (runLengths.length < 2) return undefined;
  const m = Math.min(...runLengths);
  if (m < 2) return undefined;
  return runLengths.every((l) => l % m === 0) ? m : undefined;
}

/** Keeps (group, total) per record in compact arrays; computes the groups at the end. */
export class GroupCollector {
  private readonly keys = new GroupKeys();
  private readonly groupOf = new GrowableArray((n) => new Int32Array(n));
  private readonly totals = new GrowableArray((n) => new Float64Array(n));
  private readonly fileOf = new GrowableArray((n) => new Int32Array(n));
  private readonly recordedAdv = new GrowableArray((n) => new Float64Array(n));
  private readonly sourceOf = new GrowableArray((n) => new Int32Array(n));
  private readonly files = new GroupKeys();
  private readonly sources = new GroupKeys();

  add(key: string, total: number | null, extras: GroupExtras): void {
    this.groupOf.push(this.keys.intern(key));
    this.totals.push(total === null ? NaN : total);
    this.fileOf.push(this.files.intern(extras.file));
    this.recordedAdv.push(extras.recordedAdvantage ?? NaN);
    this.sourceOf.push(extras.totalSource === undefined ? -1 : this.sources.intern(extras.totalSource));
  }

  /** add() for every record of a block, each distinct key and source interned once. */
  addBlock(b: GroupBlock): void {
    const keyIds = b.keyTable.map((k) => this.keys.intern(k));
    const sourceIds = b.sourceTable.map((k) => this.sources.intern(k));
    const file = this.files.intern(b.file);
    for (let i = 0; i < b.keyOf.length; i++) {
      this.groupOf.push(keyIds[b.keyOf[i]!]!);
      this.totals.push(b.totals[i]!);
      this.fileOf.push(file);
      this.recordedAdv.push(b.recordedAdvantage[i]!);
      const src = b.sourceOf[i]!;
      this.sourceOf.push(src < 0 ? -1 : sourceIds[src]!);
    }
  }

  get length(): number {
    return this.groupOf.length;
  }

  /** The key of every record: the file's group id, else blocks of the given or detected size, else identical text. */
  private finalKeys(opts: GroupingOptions): { keys: string[]; info: Pick<GroupingInfo, 'basis' | 'size' | 'sizeFrom' | 'note'> } {
    const n = this.groupOf.length;
    const names = this.keys.names;
    const keys = new Array<string>(n);
    let explicit = 0;
    for (let i = 0; i < n; i++) {
      keys[i] = names[this.groupOf.data[i]!]!;
      if (keys[i]!.startsWith('id:')) explicit++;
    }
    if (n === 0) return { keys, info: { basis: 'none', note: 'no records' } };
    if (explicit === n) return { keys, info: { basis: 'id', note: 'groups from the group ids in the file' } };
    let size = opts.groupSize;
    let sizeFrom: 'user' | 'detected' | undefined = size ? 'user' : undefined;
    if (!size && (opts.format === 'verl' || opts.format === 'trl') && explicit === 0) {
      const runs: number[] = [];
      for (let i = 0; i < n; ) {
        let j = i + 1;
        while (j < n && this.groupOf.data[j] === this.groupOf.data[i] && this.fileOf.data[j] === this.fileOf.data[i]) j++;
        runs.push(j - i);
        i = j;
      }
      size = detectGroupSize(runs);
      if (size) sizeFrom = 'detected';
    }
    if (size) {
      const pos = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        if (keys[i]!.startsWith('id:')) continue;
        const f = this.fileOf.data[i]!;
        const at = pos.get(f) ?? 0;
        pos.set(f, at + 1);
        keys[i] = `block:${f}:${Math.floor(at / size)}`;
      }
      const how = sizeFrom === 'user' ? 'given with --group-size' : 'detected: every run of identical prompts is a multiple of it';
      return {
        keys,
        info: {
          basis: explicit ? 'mixed' : 'blocks',
          size,
          sizeFrom,
          note: `groups are consecutive blocks of ${size} records (${how})${explicit ? `; ${explicit} records with a group id keep it` : ''}`,
        },
      };
    }
    const note =
      opts.format === 'verl' || opts.format === 'trl'
        ? 'groups inferred from identical prompt text: different prompts whose media tokens were stripped merge (set --group-size to rollout.n / num_generations)'
        : 'groups inferred from identical prompt text (the file has no group id)';
    return { keys, info: { basis: explicit ? 'mixed' : 'text', note } };
  }

  /** Group stats by record index; fills the summary's group counts and grouping. */
  finish(opts: GroupingOptions, summary: Pick<ScoreSummary, 'groups' | 'zeroVarianceGroups' | 'singletonGroups' | 'grouping'>): (GroupStats | undefined)[] {
    const n = this.groupOf.length;
    const { keys, info } = this.finalKeys(opts);
    let recorded = 0;
    for (let i = 0; i < n; i++) if (this.sourceOf.data[i]! >= 0) recorded++;
    const totals = this.totals.data;
    const recordedAdv = this.recordedAdv.data;
    const sourceOf = this.sourceOf.data;
    const sources = this.sources.names;
    // Read from the collector's arrays: a million item objects were the largest thing alive at the end of a file.
    const items: GroupColumns = {
      length: n,
      key: (i) => keys[i]!,
      total: (i) => (Number.isNaN(totals[i]!) ? null : totals[i]!),
      recordedAdvantage: (i) => (Number.isNaN(recordedAdv[i]!) ? undefined : recordedAdv[i]!),
      totalSource: (i) => (sourceOf[i]! >= 0 ? sources[sourceOf[i]!]! : undefined),
    };
    const rule = opts.rule ?? defaultAdvantageRule(opts.format);
    const { perItem, groups } = computeGroups(items, { scaleRewards: opts.scaleRewards, rule });
    summary.groups = groups.length;
    summary.zeroVarianceGroups = groups.filter((g) => g.zeroVariance).length;
    summary.singletonGroups = groups.filter((g) => g.singleton).length;
    const mismatches = perItem.filter((g) => g?.advantageMismatch !== undefined).length;
    summary.grouping = {
      ...info,
      rule,
      totals: recorded === 0 ? 'recomputed (format + accuracy)' : recorded === n ? `recorded (${this.sources.names.join(', ')})` : `recorded for ${recorded} of ${n}, recomputed for the rest`,
      ...(mismatches ? { advantageMismatches: mismatches } : {}),
    };
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
  return { format, formatReason, read: 0, skipped: 0, problems: [], rewards: {}, formatFailures: {}, groups: 0, zeroVarianceGroups: 0, singletonGroups: 0 };
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
    collector.add(groupKeyFor(item.record), total, groupExtrasOf(item.record, opts));
    const progress = sink.progress && summary.read % 5000 === 0 ? sink.progress : undefined;
    const pending = sink.record?.(scored);
    if (pending) return progress ? pending.then(() => progress({ read: summary.read, skipped: summary.skipped, done: false })) : pending;
    progress?.({ read: summary.read, skipped: summary.skipped, done: false });
    return undefined;
  });
  const groups = collector.finish(groupingOptions(opts, detected.format), summary);
  sink.progress?.({ read: summary.read, skipped: summary.skipped, done: true });
  return { summary, groups };
}

export function groupingOptions(opts: ScoreOptions, format: FormatName): GroupingOptions {
  return { scaleRewards: opts.scaleRewards ?? false, format, ...(opts.groupSize ? { groupSize: opts.groupSize } : {}), ...(opts.advantage ? { rule: opts.advantage } : {}) };
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
