// What the rollout views show: the rows of the table, a rollout's detail, the view's init. Built
// by the view model (core) for the editor and the static report alike; the protocol carries them.

import type { ReadProblem, ScoredRollout, RewardStatus, SectionKind } from './types';
import type { PartialAdvantages, PartialRewardSpans } from './grpo';
import type { RolloutModalities } from './modality';
import type { GroupingInfo } from './types';
import type { CalibrationRecord } from './lab/lab';
export type { GroupingInfo } from './types';
import type { CueInventory, ShortcutAnalysis, ShortcutSummary, Verdict } from './shortcuts/types';

/** Where a reward's chip sits in the trace view: the header or the panel it scores. */
export type RewardPlacement = 'header' | SectionKind;

/** Default chip placement; rewards not listed go on the header. */
export const DEFAULT_REWARD_PLACEMENT: Readonly<Record<string, RewardPlacement>> = {
  format: 'header',
  context: 'context',
  logic: 'think',
  accuracy: 'answer',
};

/** One row of the rollout table: small, so pages of them cross the boundary cheaply. */
export interface RowSummary {
  index: number;
  id?: string;
  line?: number;
  /** The base name of the file the rollout was read from (a folder holds several). */
  file?: string;
  checkpoint?: string;
  step?: number;
  problemType?: string;
  formatOk: boolean;
  /** Code of the first diagnostic that breaks the format check, when it fails. */
  formatReason?: string;
  rewards: Record<string, { value: number | null; status: RewardStatus }>;
  groupId?: string;
  groupSize?: number;
  groupMean?: number;
  groupStd?: number;
  /** This rollout's total reward (what the advantage is computed from). */
  total?: number;
  advantage?: number;
  zeroVarianceGroup?: boolean;
  /** Start of the question, for the table (full text is in the detail). */
  question: string;
  /** The extracted answer, shortened. */
  answer: string;
  /** Shortcut verdicts, once `Find Shortcuts` (or the CLI's sidecar) has analysed this rollout. */
  shortcut?: { audio: Verdict; visual: Verdict };
}

export type SortKey = 'index' | 'problemType' | 'group' | 'advantage' | `reward:${string}`;

export interface RowQuery {
  sort?: { key: SortKey; dir: 'asc' | 'desc' };
  problemType?: string;
  /** 'failing' / 'passing', or one diagnostic code (e.g. 'leading-text'). */
  format?: 'all' | 'failing' | 'passing' | string;
  /** Case-insensitive substring over question, answer and completion. */
  text?: string;
  /** When true, rows are ordered group by group and each group's summary row is included. */
  groupByPrompt?: boolean;
  /** 'any-ignored' (a shortcut on either modality), 'analysed', or '<audio|visual>:<verdict>'. */
  shortcut?: string;
}

export interface GroupHeader {
  groupId: string;
  size: number;
  /** Members of the group that pass the current filter (≤ size). */
  shown: number;
  mean: number;
  std: number;
  zeroVariance: boolean;
}

export type TableRow = { kind: 'rollout'; row: RowSummary } | { kind: 'group'; group: GroupHeader };

export interface RowPage {
  /** Rows in the filtered, sorted view (group header rows included). */
  total: number;
  /** Rollouts that match the query (group header rows not counted). */
  matched?: number;
  offset: number;
  rows: TableRow[];
}

export interface RewardHistogram {
  reward: string;
  problemType: string;
  /** Bin edges (length bins + 1) and counts (length bins). */
  edges: number[];
  counts: number[];
  /** Values that are not numbers (not-computed, error…), by status. */
  missing: Partial<Record<RewardStatus, number>>;
  mean: number | null;
  n: number;
}

export interface ViewInit {
  title: string;
  fileName: string;
  format: string;
  total: number;
  problems: ReadProblem[];
  /** Count of problems when more exist than are listed. */
  problemCount: number;
  rewardNames: string[];
  problemTypes: string[];
  /** Diagnostic codes that break the format check, with counts. */
  formatReasons: Record<string, number>;
  histograms: RewardHistogram[];
  hasGroups: boolean;
  zeroVarianceGroups: number;
  /** False in an untrusted workspace or a static report: features needing it say why they are off. */
  trusted: boolean;
  /** 'vscode' inside the editor, 'report' in a shared HTML file. */
  host: 'vscode' | 'report';
  /** Reward → where its chip goes; missing entries fall back to DEFAULT_REWARD_PLACEMENT, then 'header'. */
  rewardPlacement?: Record<string, RewardPlacement>;
  /** False while a large file is still being read (rows arrive through `invalidate`). */
  complete?: boolean;
  /** True while this view shows a checkpoint run that is still streaming (it offers Stop). */
  live?: boolean;
  /** A checkpoint run's samples (live view only): state, tokens, latency, verdicts; updated by `runProgress`. */
  run?: LiveRunProgress;
  /** Shortcut rates over the analysed rollouts, when a shortcut analysis exists for this file. */
  shortcuts?: ShortcutSummary;
  /** How rollouts were grouped and whose advantage formula the view shows (once the file is scored). */
  grouping?: GroupingInfo;
  /** The workspace's judge calibration records (judge chips say whether theirs is current). */
  calibrations?: CalibrationRecord[];
}

export type MediaInfo = { status: 'ok'; kind: 'video' | 'audio' | 'image'; src: string; path: string } | { status: 'missing'; path?: string; reason: string };

export interface RolloutDetail {
  scored: ScoredRollout;
  media: MediaInfo;
  /**
   * The GRPO advantages the partial (judged) rewards give this rollout: its total-reward
   * advantage and, per judged reward, its value minus the group's mean of that reward.
   */
  partialAdvantages?: PartialAdvantages;
  /** Which characters get which extra advantage from the partial rewards (published vs intended), computed once here. */
  partialSpans?: PartialRewardSpans;
  /** What HumanOmniV2's optional markov gating would zero, once a judged reward exists. */
  markov?: { gated: string[]; why: string[]; notes: string[] };
  /**
   * Which modality each sentence of Context and Think cites (visual, audio, speech, text; a
   * negated claim kept as such), with the shortcut badges for the clip ("cites no audio") when
   * the clip's streams are known. Computed by the view model so the editor and report agree.
   */
  modality?: RolloutModalities;
  /** The rollout's shortcut analysis (verdicts with their evidence), when one exists. */
  shortcut?: ShortcutAnalysis;
  /** The clip's cue inventory the analysis used, for the timeline under the player. */
  cues?: CueInventory;
  /** The analysis of this rollout failed as a whole, or its inventory could not be read back. */
  shortcutError?: string;
}

/** One sample of a live checkpoint run, as the run strip shows it. */
export interface LiveSample {
  index: number;
  state: 'waiting' | 'streaming' | 'done' | 'stopped';
  /** Streamed pieces so far (vLLM sends about one token per piece). */
  tokens: number;
  /** From sending the request to this sample's first and last piece. */
  firstTokenMs?: number;
  latencyMs?: number;
  finishReason?: string;
  /** Set once the sample is finished and scored. */
  formatOk?: boolean;
  formatReason?: string;
  /** format and accuracy once scored, then the judged rewards as they arrive. */
  rewards: Record<string, { value: number | null; status: RewardStatus }>;
  /** 'judging' while the judge profile's calls for this sample are out. */
  judge?: 'judging' | 'judged';
}

export interface LiveRunProgress {
  n: number;
  /** Samples finished (scored), whatever their verdict. */
  done: number;
  running: boolean;
  /** The judge profile's name, when the run is judged. */
  judge?: string;
  samples: LiveSample[];
}

/** What the trace view's label bar shows for one rollout. */
export interface LabelState {
  /** False in a shared report, or without a workspace to keep labels in (`why` says so). */
  enabled: boolean;
  why?: string;
  labeller?: string;
  /** The judge's score stays hidden until the rollout is labelled. */
  blind: boolean;
  rewards: { reward: string; scale: number[]; judge: number | null; label?: number; reason?: string }[];
}
