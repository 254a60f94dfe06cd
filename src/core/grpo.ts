// GRPO group statistics and advantages as the HumanOmniV2 trainer computes them
// (src/open-r1-multimodal/src/open_r1/trainer/grpo_trainer.py at d9123e6,
// VLMGRPOTrainer._generate_and_score_completions, the nested `compute_advantage`):
//   mean = rewards.view(-1, G).mean(dim=1)
//   std  = rewards.view(-1, G).std(dim=1)          torch's default: sample std, divisor n − 1
//   advantage = rewards − mean, then / (std + 1e-4) only when args.scale_rewards
// The published runs pass --scale_rewards false. The trainer groups by position (consecutive
// blocks of G = num_generations completions of one prompt); a rollout file rarely keeps that
// layout, so groups are rebuilt here from keys (groupKeyFor). The trainer works in float32 on
// the GPU; these numbers are float64, so they can differ from a logged advantage around 1e-7.
//
// How the partial rewards (context, logic) become span advantages — same file,
// `_generate_and_score_completions` (the `patial_rewards` loop and `find_mask_between_patterns_1d`)
// and `compute_loss` (`advantages + patial_advantage["reward"] * patial_advantage["mask"]`):
// - The value added is `compute_advantage(rewards)[0]` — the advantage of the TOTAL reward. The
//   loop variable holding the partial reward is overwritten before use, so the context and logic
//   judges' scores never reach the loss (with the stage-2 script they only matter through the
//   markov gating, if it is on). The intended value is the partial reward's own group advantage.
// - The mask for a reward is found by token-id patterns: the first start pattern (<context> or
//   <think>), then the first end pattern (</context> or </think>) after it; it is set on tokens
//   [0, start of end pattern) — from the first token of the completion, not from the opening tag
//   (the commented-out alternatives in the code suggest [after start tag, end tag) was meant). It
//   is empty when a tag is missing or the section is empty. So with both partial rewards the
//   context tokens get the total advantage three times, the think tokens twice, the answer once.
// - Token patterns become character offsets here: a tag tokenised differently (merged with a
//   neighbouring character) would be missed by the trainer and still found here.
// - The reward × mask product broadcasts a (B,) vector against (B, L); it is correct only with one
//   completion per device, which is how the published scripts run (per_device_train_batch_size 1).

import type { GroupStats, RolloutRecord } from './types';

/** The trainer's epsilon in advantage / (std + eps). */
export const STD_EPSILON = 1e-4;

export interface GroupItem {
  key: string;
  total: number | null;
  /** The advantage the file logged for this item (TRL), compared with ours. */
  recordedAdvantage?: number;
  /** Where the total came from when it is not our recomputed one, e.g. "recorded:score". */
  totalSource?: string;
}

/** Items as columns (the scorer's typed arrays at the end of a file): no object per item. */
export interface GroupColumns {
  length: number;
  key(i: number): string;
  total(i: number): number | null;
  recordedAdvantage(i: number): number | undefined;
  totalSource(i: number): string | undefined;
}

function columnsOf(items: readonly GroupItem[] | GroupColumns): GroupColumns {
  if (!Array.isArray(items)) return items as GroupColumns;
  const a = items as readonly GroupItem[];
  return { length: a.length, key: (i) => a[i]!.key, total: (i) => a[i]!.total, recordedAdvantage: (i) => a[i]!.recordedAdvantage, totalSource: (i) => a[i]!.totalSource };
}

export interface GroupSummary {
  id: string;
  /** Indices into the input, in input order. */
  members: number[];
  size: number;
  /** Members with a total (those the statistics are computed over). */
  counted: number;
  /** Undefined when no member has a total. */
  mean?: number;
  std?: number;
  zeroVariance: boolean;
  /** One member with a total: no variance to speak of. */
  singleton?: boolean;
  scaleRewards: boolean;
  note?: string;
}

export interface GroupsResult {
  /** One entry per input item; undefined when its group has no totals at all. */
  perItem: (GroupStats | undefined)[];
  groups: GroupSummary[];
}

/** Sample standard deviation (divisor n − 1), like torch.Tensor.std() by default. */
export function sampleStd(xs: number[], mean: number): number {
  if (xs.length < 2) return NaN;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * How a trainer turns a group's totals into advantages:
 * - humanomni: HumanOmniV2's trainer (above): total − mean; ÷ (sample std + 1e-4) only with
 *   scale_rewards (off in the published runs). A single total: std NaN, shown as 0.
 * - verl: core_algos.compute_grpo_outcome_advantage with norm_adv_by_std_in_grpo (the default):
 *   (score − mean) / (sample std + 1e-6); a group of one gets mean 0 and std 1.
 * - trl: GRPOTrainer with scale_rewards="group" (the default): (reward − mean) / (sample std + 1e-4);
 *   a group of one has a NaN std, so a NaN advantage (shown as none).
 */
export type AdvantageRule = 'humanomni' | 'verl' | 'trl';
export const ADVANTAGE_RULES: readonly AdvantageRule[] = ['humanomni', 'verl', 'trl'];
export const VERL_EPSILON = 1e-6;

/** A logged advantage further than this from ours is flagged. */
export const ADVANTAGE_TOLERANCE = 1e-6;

export interface GroupOptions {
  scaleRewards: boolean;
  /** Default humanomni. */
  rule?: AdvantageRule;
}

/**
 * Group statistics and advantages for items sharing a key. An item whose total is null gets a
 * null advantage and is left out of its group's mean and std (the note says so): a missing reward
 * is never counted as 0 here, unlike the trainer, which would have summed a 0.
 */
export function computeGroups(input: readonly GroupItem[] | GroupColumns, opts: GroupOptions): GroupsResult {
  const rule = opts.rule ?? 'humanomni';
  const items = columnsOf(input);
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < items.length; i++) {
    const key = items.key(i);
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  }
  const perItem: (GroupStats | undefined)[] = new Array(items.length).fill(undefined);
  const groups: GroupSummary[] = [];
  for (const [id, members] of byKey) {
    const totals = members.map((i) => items.total(i)).filter((t): t is number => t !== null);
    const counted = totals.length;
    const excluded = members.length - counted;
    const notes: string[] = [];
    if (excluded > 0) {
      notes.push(
        counted === 0
          ? `no member of this group has a total (${excluded} missing): no statistics`
          : `${excluded} of ${members.length} members have no total: mean and std are over the other ${counted}`,
      );
    }
    const summary: GroupSummary = { id, members, size: members.length, counted, zeroVariance: false, scaleRewards: opts.scaleRewards };
    groups.push(summary);
    if (counted === 0) {
      summary.note = notes.join('; ');
      continue;
    }
    const single = counted === 1;
    let mean = totals.reduce((a, b) => a + b, 0) / counted;
    let std = single ? 0 : sampleStd(totals, mean);
    let advantageOf: (total: number) => number | null;
    if (rule === 'verl') {
      if (single) {
        mean = 0;
        std = 1;
        notes.push('a group of one: verl uses mean 0 and std 1, so the advantage is score / (1 + 1e-6)');
      }
      advantageOf = (t) => (t - mean) / (std + VERL_EPSILON);
    } else if (rule === 'trl' || opts.scaleRewards) {
      if (single) notes.push("a single total: torch's sample std is NaN, so the trainer's scaled advantage is NaN (shown as none)");
      advantageOf = (t) => (single ? null : (t - mean) / (std + STD_EPSILON));
    } else {
      if (single) notes.push("a single total: torch's sample std is NaN (shown as 0); the advantage is 0");
      advantageOf = (t) => t - mean;
    }
    // A group of one has no variance to lose: only real groups whose totals are all equal count.
    const zeroVariance = !single && totals.every((t) => t === totals[0]);
    Object.assign(summary, { mean, std, zeroVariance });
    if (single) summary.singleton = true;
    const note = notes.length ? notes.join('; ') : undefined;
    if (note) summary.note = note;
    // Members with the same total (and no logged advantage of their own) share one object: GRPO
    // totals take a few values per group, and a million rollouts had a million of these.
    const shared = new Map<string, GroupStats>();
    for (const i of members) {
      const total = items.total(i);
      const recordedAdvantage = items.recordedAdvantage(i);
      const totalSource = items.totalSource(i);
      const shareKey = recordedAdvantage === undefined ? `${total}\u0000${totalSource ?? ''}` : undefined;
      const same = shareKey === undefined ? undefined : shared.get(shareKey);
      if (same) {
        perItem[i] = same;
        continue;
      }
      const advantage = total === null ? null : advantageOf(total);
      const g: GroupStats = { id, size: members.length, mean, std, total, advantage, zeroVariance, scaleRewards: opts.scaleRewards, rule };
      if (shareKey !== undefined) shared.set(shareKey, g);
      if (single) g.singleton = true;
      if (excluded > 0) g.excluded = excluded;
      if (note) g.note = note;
      if (recordedAdvantage !== undefined) {
        g.recordedAdvantage = recordedAdvantage;
        if (advantage !== null && Math.abs(advantage - recordedAdvantage) > ADVANTAGE_TOLERANCE) g.advantageMismatch = advantage - recordedAdvantage;
      }
      if (totalSource) g.totalSource = totalSource;
      perItem[i] = g;
    }
  }
  return { perItem, groups };
}

// ---------------------------------------------------------------- group keys

/** JSON with object keys sorted, so the same prompt always serialises the same way. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const entries = Object.keys(v as Record<string, unknown>)
    .sort()
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

const utf8 = new TextEncoder();

/**
 * FNV-1a 64-bit hash of the UTF-8 bytes of `s`, as 16 hex digits. Two 32-bit lanes instead of
 * BigInt so hashing a long prompt (inline media) stays fast; runs in the browser too.
 */
export function fnv1a64(s: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const byte of utf8.encode(s)) {
    lo = (lo ^ byte) >>> 0;
    // h × (2^40 + 0x1b3) mod 2^64 = h × 0x1b3 + (h << 40); each partial product stays below 2^53.
    const loProd = lo * 0x1b3;
    const carry = Math.floor(loProd / 0x100000000);
    const newLo = loProd >>> 0;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % 0x100000000;
    hi = newHi >>> 0;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * The GRPO group a record belongs to: its explicit groupId when the data has one, otherwise a hash
 * of what identifies the prompt — the logged prompt (canonical JSON), or the question text and
 * clip path when there is no prompt — together with checkpoint and step, since one prompt sampled
 * at two steps forms two groups. A record with nothing to identify its prompt gets a key of its
 * own rather than joining every other such record.
 */
export function groupKeyFor(record: RolloutRecord): string {
  if (record.groupId !== undefined && record.groupId !== '') return `id:${record.groupId}`;
  let basis: string;
  if (record.prompt !== undefined && record.prompt !== null) {
    basis = 'prompt\u0000' + canonicalJson(record.prompt);
  } else if (record.question.problem !== undefined || record.clip?.path !== undefined) {
    basis = `question\u0000${record.question.problem ?? ''}\u0000${record.clip?.path ?? ''}`;
  } else {
    // Where the record sits in its file, not its index: parallel scoring knows lines, not indices.
    const s = record.source;
    return s.line !== undefined ? `solo:${s.file}:${s.line}` : `solo:${s.file}#${s.recordIndex ?? record.index}`;
  }
  const context = `\u0000checkpoint\u0000${record.checkpoint ?? ''}\u0000step\u0000${record.step ?? ''}`;
  return `p:${fnv1a64(basis + context)}`;
}

// ---------------------------------------------------------------- partial-reward spans

export type PartialName = 'context' | 'logic';

export interface AdvantageSpan {
  /** Character offsets [start, end) into the completion. */
  start: number;
  end: number;
  reward: PartialName;
  /** The advantage added on this span; null when not known (e.g. the judge has not run). */
  added: number | null;
  description: string;
}

export interface AdvantageRange {
  start: number;
  end: number;
  /** Base advantage plus every span covering this range; null when any part is unknown. */
  advantage: number | null;
}

export interface PartialRewardSpans {
  /** What the published trainer adds. */
  published: AdvantageSpan[];
  /** What the code's intent (and the paper) describe: each judge's own advantage on its section. */
  intended: AdvantageSpan[];
  /** The per-character advantage under the published code, as consecutive ranges covering the completion. */
  publishedRanges: AdvantageRange[];
  intendedRanges: AdvantageRange[];
  notes: string[];
}

export interface PartialAdvantages {
  /** This completion's advantage from the total reward (what computeGroups gives). */
  total: number | null;
  /** The group advantage of the context judge's score (computeGroups over context values). */
  context?: number | null;
  /** The group advantage of the logic judge's score. */
  logic?: number | null;
}

const SECTION_TAGS: Record<PartialName, [string, string]> = {
  context: ['<context>', '</context>'],
  logic: ['<think>', '</think>'],
};

/** The trainer's pattern search on characters: first opening tag, first closing tag after it. */
function findSection(text: string, reward: PartialName): { contentStart: number; contentEnd: number } | string {
  const [open, close] = SECTION_TAGS[reward];
  const s = text.indexOf(open);
  if (s < 0) return `no ${open}: the trainer's ${reward} mask is empty`;
  const contentStart = s + open.length;
  const e = text.indexOf(close, contentStart);
  if (e < 0) return `no ${close} after ${open}: the trainer's ${reward} mask is empty`;
  if (e <= contentStart) return `empty ${open} section: the trainer's ${reward} mask is empty`;
  return { contentStart, contentEnd: e };
}

function rangesOf(length: number, base: number | null, spans: AdvantageSpan[]): AdvantageRange[] {
  const cuts = new Set<number>([0, length]);
  for (const s of spans) {
    cuts.add(s.start);
    cuts.add(s.end);
  }
  const points = [...cuts].filter((p) => p >= 0 && p <= length).sort((a, b) => a - b);
  const ranges: AdvantageRange[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1]!;
    let adv: number | null = base;
    for (const s of spans) {
      if (s.start <= start && s.end >= end) adv = adv === null || s.added === null ? null : adv + s.added;
    }
    ranges.push({ start, end, advantage: adv });
  }
  return ranges;
}

/**
 * Which characters of one completion get which extra advantage from the partial rewards, under
 * the published trainer and under the intended semantics. `partials` lists the partial rewards
 * the run used (stage 2: both; stage 3: none).
 */
export function partialRewardSpans(completion: string, adv: PartialAdvantages, partials: readonly PartialName[] = ['context', 'logic']): PartialRewardSpans {
  const published: AdvantageSpan[] = [];
  const intended: AdvantageSpan[] = [];
  const notes: string[] = [];
  for (const reward of partials) {
    const found = findSection(completion, reward);
    if (typeof found === 'string') {
      notes.push(found);
      continue;
    }
    const [, close] = SECTION_TAGS[reward];
    published.push({
      start: 0,
      end: found.contentEnd,
      reward,
      added: adv.total,
      description: `published trainer: the total-reward advantage again, from the start of the completion up to ${close}`,
    });
    const own = adv[reward];
    intended.push({
      start: found.contentStart,
      end: found.contentEnd,
      reward,
      added: own ?? null,
      description: `intended: the ${reward} judge's own group advantage on the ${SECTION_TAGS[reward][0]} section`,
    });
  }
  if (published.length > 0) {
    notes.push("the published trainer adds the total reward's advantage on these spans (compute_advantage(rewards)), not the partial reward's own");
  }
  return {
    published,
    intended,
    publishedRanges: rangesOf(completion.length, adv.total, published),
    intendedRanges: rangesOf(completion.length, adv.total, intended),
    notes,
  };
}
