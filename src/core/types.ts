// The one record type that flows through Omni Trace: readers produce RolloutRecord,
// scoring turns it into ScoredRollout, views show it. Pure data, JSON-serialisable,
// so it crosses the host/webview boundary and lands in sidecar files unchanged.

export type SectionKind = 'context' | 'think' | 'answer';

/** Where a record came from, so a view can jump back to it. Offsets are in bytes of the file. */
export interface SourceRef {
  file: string;
  /** 1-based line number for line-oriented files (JSONL). */
  line?: number;
  byteOffset?: number;
  byteLength?: number;
  /** Position of the record within a JSON array / parquet file / results list. */
  recordIndex?: number;
}

export interface ClipRef {
  /** Path as written in the data (may be dataset-relative). */
  path?: string;
  start?: number;
  end?: number;
  /** The clip has an audio stream (from the data or a probe); undefined when not known. */
  hasAudio?: boolean;
  /** The clip has a video stream; undefined when not known. */
  hasVideo?: boolean;
  duration?: number;
  /** HumanOmniV2's `data_type`: 'video' | 'image' | 'audio' | … */
  dataType?: string;
}

export interface QuestionRef {
  problem?: string;
  options?: string[];
  problemType?: string;
}

export interface ReferenceRef {
  /** The reference trace (HumanOmniV2 `solution`), usually with <answer> and often <context>. */
  solution?: string;
  /** The bare answer (`answer` field) when the data has one. */
  answer?: string;
  /** Every acceptable reference when the data lists several (verl `gts` as a list), each as a solution. */
  alternatives?: string[];
}

export interface RolloutRecord {
  /** 0-based position among the records read (skipped lines do not count). */
  index: number;
  id?: string;
  source: SourceRef;
  checkpoint?: string;
  step?: number;
  /** Explicit GRPO group id when the data has one. */
  groupId?: string;
  /** The prompt as logged (chat messages or a string); used to rebuild groups. */
  prompt?: unknown;
  clip?: ClipRef;
  question: QuestionRef;
  reference: ReferenceRef;
  completion: string;
  /** Rewards and scores the file already carries (verl `score`, TRL reward columns, eval `reward`). */
  recorded?: Record<string, number | null>;
  /** Advantage as logged by the trainer, when present (TRL). */
  recordedAdvantage?: number;
  /** The total the trainer (or eval script) used, as the file records it: verl `score`, TRL's reward columns summed, HumanOmniV2's `reward`. */
  recordedTotal?: { field: string; value: number | null };
  /** Anything else on the row the user may want to see or filter by. */
  extras?: Record<string, unknown>;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export interface TraceDiagnostic {
  /** Stable machine code, e.g. 'leading-text', 'missing-close', 'text-between'. */
  code: string;
  message: string;
  severity: DiagnosticSeverity;
  /** Character offsets [start, end) into the completion; end === start for a point. */
  start: number;
  end: number;
  /** True when this diagnostic is (one of) the reason(s) the HumanOmniV2 format check fails. */
  breaksFormat: boolean;
}

export interface TraceSegment {
  kind: SectionKind;
  /** Offsets of the whole element including tags: completion.slice(outerStart, outerEnd). */
  outerStart: number;
  outerEnd: number;
  /** Offsets of the content between the tags: completion.slice(start, end) === text. */
  start: number;
  end: number;
  text: string;
  /** False when the closing tag is missing (truncated or still streaming). */
  closed: boolean;
  /** The tag as written, e.g. '<Context>' when the case differs. */
  openTag: string;
  /** 0 for the first section of this kind, 1 for a repeat, … */
  occurrence: number;
}

export interface OutsideSpan {
  start: number;
  end: number;
  text: string;
}

export interface ParsedTrace {
  /** Every section found, in order of appearance. */
  segments: TraceSegment[];
  /** The first section of each kind (what a reader and the reward functions look at). */
  context?: TraceSegment;
  think?: TraceSegment;
  answer?: TraceSegment;
  /** Non-whitespace text outside any top-level section. */
  outside: OutsideSpan[];
  diagnostics: TraceDiagnostic[];
  /** Exactly what the HumanOmniV2 format regex decides. */
  formatOk: boolean;
}

/**
 * Status of one reward value.
 * - ok: computed; value is a number.
 * - not-computed: needs something not available here (e.g. the LLM judge); value is null.
 * - error: computing it failed (the trainer would have recorded 0); value is null.
 * - parse-failure / call-error / not-applicable: used by judged rewards.
 */
export type RewardStatus = 'ok' | 'not-computed' | 'error' | 'parse-failure' | 'call-error' | 'not-applicable';

export interface RewardResult {
  value: number | null;
  status: RewardStatus;
  /** A sentence a researcher can read: why this value. */
  explanation: string;
  /** Known quirks of the trainer's code that decided this value. */
  quirks?: string[];
  /** What the HumanOmniV2 trainer would have recorded (failures become 0). */
  trainerValue?: number;
  /** Human-readable scale, e.g. '0–1' or '0–5 ÷ 5'. */
  scale?: string;
  /** Where the number came from: rule name, judge template hash, … */
  provenance?: Record<string, unknown>;
}

/** A rollout's group statistics. Members with the same total share one object: never change one in place. */
export interface GroupStats {
  id: string;
  /** Members of the group, including any without a total. */
  size: number;
  /** Mean of the members' totals (those that have one). */
  mean: number;
  /** Sample standard deviation (n − 1), as torch's Tensor.std() computes it; 0 for a single total. */
  std: number;
  /** This record's total reward (weighted sum of non-partial rewards); null when a reward is missing. */
  total: number | null;
  /** total − mean, divided by (std + 1e-4) when scaleRewards; null when total is null or undefined. */
  advantage: number | null;
  /** Two or more totals, all equal: GRPO gets no learning signal from this group. */
  zeroVariance: boolean;
  /** One member with a total. */
  singleton?: boolean;
  scaleRewards: boolean;
  /** Which trainer's advantage formula (grpo.ts AdvantageRule); humanomni when absent. */
  rule?: 'humanomni' | 'verl' | 'trl';
  /** The total is the trainer's recorded one (e.g. "recorded:score"), not our recomputed sum. */
  totalSource?: string;
  /** The advantage the file logged, and ours minus it when they differ by more than 1e-6. */
  recordedAdvantage?: number;
  advantageMismatch?: number;
  /** Members left out of mean/std because they have no total. */
  excluded?: number;
  /** Why the numbers are partial or differ from the trainer's (missing totals, a single member). */
  note?: string;
}

export interface ScoredRollout {
  record: RolloutRecord;
  trace: ParsedTrace;
  /** The reference solution parsed the same way, when there is one. */
  referenceTrace?: ParsedTrace;
  rewards: Record<string, RewardResult>;
  group?: GroupStats;
}

/** A record that could not be read: reported, never silently dropped. */
export interface ReadProblem {
  file: string;
  line?: number;
  recordIndex?: number;
  message: string;
}

/** Label used for rollouts whose data carries no problem type (and for any missing grouping field). */
export const NO_PROBLEM_TYPE = '(none)';

export interface GroupingInfo {
  /** id: the file's group ids; blocks: consecutive blocks of `size` (given or detected); text: identical prompt text; mixed. */
  basis: 'id' | 'blocks' | 'text' | 'mixed' | 'none';
  size?: number;
  /** 'user' (--group-size) or 'detected' (every run of identical prompts is a multiple of it). */
  sizeFrom?: 'user' | 'detected';
  rule: 'humanomni' | 'verl' | 'trl';
  /** What the totals are: the file's recorded field, our recomputed sum, or both. */
  totals: string;
  /** Logged advantages that differ from ours by more than 1e-6. */
  advantageMismatches?: number;
  note: string;
}
