// Comparing checkpoints on the same items: pairing records across sources, aggregating the
// samples of an item (n > 1, GRPO groups), answer and format flips, and per reward × problem type
// the paired test, the bootstrap CI of the difference and a verdict after adjusting for the number
// of tests. Pure: the service layer reads and scores the files.

import type { SourceRef } from '../types';
import { benjaminiHochberg, holm, mcnemarExact, minimumDetectableEffect, pairedBootstrapCi, wilcoxonSignedRank } from './stats';

export type PairBy = 'id' | 'clip' | 'prompt';

/** One scored rollout as the comparison needs it. */
export interface CompareSample {
  id?: string;
  clip?: string;
  start?: number;
  end?: number;
  question?: string;
  options?: string[];
  /** A stable hash of the logged prompt (or the question) for --by prompt. */
  promptHash?: string;
  /** The GRPO group the sample belongs to: samples of one item share it. */
  group?: string;
  problemType: string;
  answer: string;
  formatOk: boolean;
  formatReason?: string;
  /** Reward name → value (null when not computed). */
  rewards: Record<string, number | null>;
  /** Modality → shortcut verdict, when an analysis exists. */
  shortcut?: Record<string, string>;
  /** Where it came from, e.g. "run.jsonl:12", and how to re-read it. */
  where: string;
  ref?: SourceRef;
  completionChars: number;
  /** The completion itself, when the caller keeps text (views, reports). */
  completion?: string;
}

export interface CompareSource {
  name: string;
  source: string;
  samples: CompareSample[];
  step?: number;
}

export interface CompareItem {
  key: string;
  problemType: string;
  clip?: string;
  samples: CompareSample[];
  /** Reward → mean over the samples that have it. */
  rewards: Record<string, number | null>;
}

export interface RewardTest {
  reward: string;
  problemType: string;
  n: number;
  meanA: number;
  meanB: number;
  delta: number;
  ci95: [number, number];
  test: 'mcnemar-exact' | 'wilcoxon' | 'none';
  p: number;
  pHolm: number;
  pBH?: number;
  verdict: 'better' | 'worse' | 'inconclusive';
  /** When inconclusive: the smallest |delta| this many items would detect (α = 0.05, power 0.8). */
  mde?: number;
  /** McNemar's discordant pairs (A right & B wrong, A wrong & B right). */
  discordant?: [number, number];
}

export interface PairResult {
  a: string;
  b: string;
  by: PairBy;
  matched: number;
  onlyA: number;
  onlyB: number;
  ambiguous: number;
  flips: {
    rightToWrong: string[];
    wrongToRight: string[];
    formatRegressions: string[];
    formatFixes: string[];
    shortcutChanges: { key: string; modality: string; a: string; b: string }[];
  };
  rewards: RewardTest[];
}

export interface CompareOptions {
  by?: PairBy;
  /** Family-wise (holm, default) or false-discovery-rate (bh) adjustment for the verdicts. */
  adjust?: 'holm' | 'bh';
  alpha?: number;
  resamples?: number;
  seed?: number;
}

export class CompareError extends Error {}

const ALL = 'all';

function keyOf(s: CompareSample, by: PairBy): string | undefined {
  if (by === 'id') return s.id === undefined ? undefined : `id:${s.id}`;
  if (by === 'clip') {
    if (s.question === undefined && s.clip === undefined) return undefined;
    return `clip:${s.clip ?? ''}|${s.start ?? ''}|${s.end ?? ''}|${s.question ?? ''}|${(s.options ?? []).join('\n')}`;
  }
  return s.promptHash === undefined ? undefined : `prompt:${s.promptHash}`;
}

/** The strongest key every sample of every source has: id, else clip + question, else prompt. */
export function choosePairBy(sources: CompareSource[]): PairBy {
  for (const by of ['id', 'clip', 'prompt'] as const) {
    if (sources.every((src) => src.samples.length > 0 && src.samples.every((s) => keyOf(s, by) !== undefined))) return by;
  }
  return 'prompt';
}

/**
 * A source's items. Samples with the same key and the same group (or, without groups, next to
 * each other) are one item's samples; the same key again later is another occurrence of it,
 * keyed `key#2`, `key#3`…, so repeats pair by their order. Returns how many keys repeated.
 */
export function itemsOf(src: CompareSource, by: PairBy): { items: Map<string, CompareItem>; ambiguous: number; unkeyed: number } {
  const items = new Map<string, CompareItem>();
  const occurrences = new Map<string, number>();
  const lastGroup = new Map<string, string | undefined>();
  let unkeyed = 0;
  let prevKey: string | undefined;
  for (const s of src.samples) {
    const base = keyOf(s, by);
    if (base === undefined) {
      unkeyed++;
      prevKey = undefined;
      continue;
    }
    const occ = occurrences.get(base) ?? 0;
    const sameItem = occ > 0 && (s.group !== undefined ? lastGroup.get(base) === s.group : prevKey === base);
    let n = occ;
    if (!sameItem) {
      n = occ + 1;
      occurrences.set(base, n);
      lastGroup.set(base, s.group);
    }
    const key = n === 1 ? base : `${base}#${n}`;
    let item = items.get(key);
    if (!item) {
      item = { key, problemType: s.problemType, samples: [], rewards: {}, ...(s.clip !== undefined ? { clip: s.clip } : {}) };
      items.set(key, item);
    }
    item.samples.push(s);
    prevKey = base;
  }
  for (const item of items.values()) item.rewards = aggregate(item.samples);
  const ambiguous = [...occurrences.values()].filter((n) => n > 1).length;
  return { items, ambiguous, unkeyed };
}

/** Per reward the mean over samples; with several samples, pass@1, pass@k and all-correct from accuracy. */
export function aggregate(samples: CompareSample[]): Record<string, number | null> {
  const names = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.rewards)) names.add(k);
  const out: Record<string, number | null> = {};
  for (const name of names) {
    const vs = samples.map((s) => s.rewards[name]).filter((v): v is number => v !== null && v !== undefined);
    out[name] = vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
  }
  if (samples.length > 1) {
    const acc = samples.map((s) => s.rewards.accuracy).filter((v): v is number => v !== null && v !== undefined);
    if (acc.length) {
      out['pass@1'] = acc.filter((v) => v === 1).length / acc.length;
      out[`pass@${acc.length}`] = acc.some((v) => v === 1) ? 1 : 0;
      out['all-correct'] = acc.every((v) => v === 1) ? 1 : 0;
    }
  }
  return out;
}

/** Right: the item's (mean) accuracy is at least one half. */
function isRight(item: CompareItem): boolean | undefined {
  const a = item.rewards.accuracy;
  return a === null || a === undefined ? undefined : a >= 0.5;
}

const formatOk = (item: CompareItem) => item.samples.every((s) => s.formatOk);

function isBinary(xs: number[]): boolean {
  return xs.every((x) => x === 0 || x === 1);
}

export function comparePair(
  a: { name: string; items: Map<string, CompareItem>; ambiguous: number },
  b: { name: string; items: Map<string, CompareItem>; ambiguous: number },
  by: PairBy,
  opts: CompareOptions = {},
): PairResult {
  const keys = [...a.items.keys()].filter((k) => b.items.has(k));
  const onlyA = a.items.size - keys.length;
  const onlyB = b.items.size - keys.length;
  const flips: PairResult['flips'] = { rightToWrong: [], wrongToRight: [], formatRegressions: [], formatFixes: [], shortcutChanges: [] };
  for (const k of keys) {
    const ia = a.items.get(k)!;
    const ib = b.items.get(k)!;
    const ra = isRight(ia);
    const rb = isRight(ib);
    if (ra === true && rb === false) flips.rightToWrong.push(k);
    if (ra === false && rb === true) flips.wrongToRight.push(k);
    if (formatOk(ia) && !formatOk(ib)) flips.formatRegressions.push(k);
    if (!formatOk(ia) && formatOk(ib)) flips.formatFixes.push(k);
    const sa = ia.samples[0]?.shortcut;
    const sb = ib.samples[0]?.shortcut;
    if (sa && sb) for (const m of Object.keys(sa)) if (sb[m] !== undefined && sb[m] !== sa[m]) flips.shortcutChanges.push({ key: k, modality: m, a: sa[m]!, b: sb[m]! });
  }

  // Rewards both sides have; clusters are clips (several questions on one clip are not independent).
  const rewardNames = new Set<string>();
  for (const k of keys) for (const r of Object.keys(a.items.get(k)!.rewards)) if (r in b.items.get(k)!.rewards) rewardNames.add(r);
  const types = [ALL, ...[...new Set(keys.map((k) => a.items.get(k)!.problemType))].sort()];
  const tests: RewardTest[] = [];
  for (const reward of [...rewardNames].sort(rewardOrder)) {
    for (const type of types) {
      const xs: number[] = [];
      const ys: number[] = [];
      const clips: string[] = [];
      for (const k of keys) {
        const ia = a.items.get(k)!;
        if (type !== ALL && ia.problemType !== type) continue;
        const va = ia.rewards[reward];
        const vb = b.items.get(k)!.rewards[reward];
        if (va === null || va === undefined || vb === null || vb === undefined) continue;
        xs.push(va);
        ys.push(vb);
        clips.push(ia.clip ?? k);
      }
      if (xs.length === 0) continue;
      // A single problem type's row repeats the "all" row: keep one.
      if (type !== ALL && types.length === 2) continue;
      tests.push(testOf(reward, type, xs, ys, clips, opts));
    }
  }
  const holmPs = holm(tests.map((t) => t.p));
  const bhPs = opts.adjust === 'bh' ? benjaminiHochberg(tests.map((t) => t.p)) : undefined;
  const alpha = opts.alpha ?? 0.05;
  tests.forEach((t, i) => {
    t.pHolm = holmPs[i]!;
    if (bhPs) t.pBH = bhPs[i]!;
    const adjusted = bhPs ? bhPs[i]! : holmPs[i]!;
    if (t.test !== 'none' && adjusted < alpha && t.delta !== 0) t.verdict = t.delta > 0 ? 'better' : 'worse';
    else {
      t.verdict = 'inconclusive';
    }
    if (t.verdict !== 'inconclusive') delete t.mde;
  });
  return { a: a.name, b: b.name, by, matched: keys.length, onlyA, onlyB, ambiguous: Math.max(a.ambiguous, b.ambiguous), flips, rewards: tests };
}

function testOf(reward: string, problemType: string, xs: number[], ys: number[], clips: string[], opts: CompareOptions): RewardTest {
  const n = xs.length;
  const meanA = xs.reduce((s, v) => s + v, 0) / n;
  const meanB = ys.reduce((s, v) => s + v, 0) / n;
  const diffs = ys.map((y, i) => y - xs[i]!);
  const clusterIds = new Map<string, number>();
  const cluster = clips.map((c) => {
    let id = clusterIds.get(c);
    if (id === undefined) clusterIds.set(c, (id = clusterIds.size));
    return id;
  });
  const clustered = clusterIds.size < n;
  const ci95 = pairedBootstrapCi(diffs, clustered ? cluster : undefined, opts.resamples ?? 10_000, opts.seed ?? 20261202);
  let test: RewardTest['test'];
  let p: number;
  let discordant: [number, number] | undefined;
  if (isBinary(xs) && isBinary(ys)) {
    const b = xs.filter((x, i) => x === 1 && ys[i] === 0).length;
    const c = xs.filter((x, i) => x === 0 && ys[i] === 1).length;
    test = 'mcnemar-exact';
    p = mcnemarExact(b, c);
    discordant = [b, c];
  } else {
    test = 'wilcoxon';
    p = wilcoxonSignedRank(diffs).p;
  }
  const t: RewardTest = { reward, problemType, n, meanA, meanB, delta: meanB - meanA, ci95, test, p, pHolm: p, verdict: 'inconclusive' };
  if (discordant) t.discordant = discordant;
  const mde = minimumDetectableEffect(diffs, opts.alpha ?? 0.05);
  if (Number.isFinite(mde)) t.mde = mde;
  return t;
}

const ORDER = ['accuracy', 'format', 'context', 'logic', 'pass@1', 'all-correct'];
function rewardOrder(x: string, y: string): number {
  const rank = (r: string) => (ORDER.includes(r) ? ORDER.indexOf(r) : r.startsWith('pass@') ? 5 : r.startsWith('recorded:') ? 20 : 10);
  return rank(x) - rank(y) || x.localeCompare(y);
}

export interface StepPoint {
  name: string;
  step?: number;
  n: number;
  /** Reward → mean and 95% CI (normal approximation over the samples). */
  rewards: Record<string, { mean: number; ci95: [number, number]; n: number }>;
  formatFailures: Record<string, number>;
  meanResponseChars: number;
  /** Share of GRPO groups whose totals were all equal. */
  zeroVarianceGroupShare?: number;
  /** Share of analysed samples with an "ignored" shortcut verdict. */
  shortcutRate?: number;
}

/** Per-source curves for a series of training steps (the items are different prompts at each step). */
export function stepCurve(src: CompareSource, zeroVarianceGroupShare?: number): StepPoint {
  const rewards: StepPoint['rewards'] = {};
  const names = new Set<string>();
  for (const s of src.samples) for (const k of Object.keys(s.rewards)) names.add(k);
  for (const name of names) {
    const vs = src.samples.map((s) => s.rewards[name]).filter((v): v is number => v !== null && v !== undefined);
    if (!vs.length) continue;
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    const sd = vs.length > 1 ? Math.sqrt(vs.reduce((a, v) => a + (v - mean) ** 2, 0) / (vs.length - 1)) : 0;
    const half = (1.959963984540054 * sd) / Math.sqrt(vs.length);
    rewards[name] = { mean, ci95: [mean - half, mean + half], n: vs.length };
  }
  const formatFailures: Record<string, number> = {};
  for (const s of src.samples) if (!s.formatOk) formatFailures[s.formatReason ?? 'unexplained'] = (formatFailures[s.formatReason ?? 'unexplained'] ?? 0) + 1;
  const analysed = src.samples.filter((s) => s.shortcut);
  const point: StepPoint = {
    name: src.name,
    n: src.samples.length,
    rewards,
    formatFailures,
    meanResponseChars: src.samples.reduce((a, s) => a + s.completionChars, 0) / Math.max(1, src.samples.length),
  };
  if (src.step !== undefined) point.step = src.step;
  if (zeroVarianceGroupShare !== undefined) point.zeroVarianceGroupShare = zeroVarianceGroupShare;
  if (analysed.length) point.shortcutRate = analysed.filter((s) => Object.values(s.shortcut!).includes('ignored')).length / analysed.length;
  return point;
}

/** One item of the joined table: each checkpoint's aggregate. */
export interface CompareRow {
  key: string;
  problemType: string;
  clip?: string;
  question?: string;
  byCheckpoint: Record<string, { answer: string; formatOk: boolean; rewards: Record<string, number | null>; samples: number; where: string; ref?: SourceRef; shortcut?: Record<string, string> }>;
}

export interface Comparison {
  checkpoints: { name: string; source: string; records: number; items: number; step?: number }[];
  pairs: PairResult[];
  items: CompareRow[];
  steps?: StepPoint[];
  settings: { by: PairBy; adjust: 'holm' | 'bh'; alpha: number; resamples: number; seed: number; baseline: string; allPairs: boolean };
}

/**
 * Compares every later source with the first (the baseline), or every pair. Throws CompareError
 * when two sources share no item.
 */
export function compareSources(sources: CompareSource[], opts: CompareOptions & { allPairs?: boolean; zeroVarianceShares?: (number | undefined)[] } = {}): Comparison {
  if (sources.length < 2) throw new CompareError(`compare needs at least two sources (got ${sources.length})`);
  const by = opts.by ?? choosePairBy(sources);
  const built = sources.map((s) => ({ name: s.name, ...itemsOf(s, by) }));
  const pairs: [number, number][] = [];
  if (opts.allPairs) {
    for (let i = 0; i < sources.length; i++) for (let j = i + 1; j < sources.length; j++) pairs.push([i, j]);
  } else {
    for (let j = 1; j < sources.length; j++) pairs.push([0, j]);
  }
  const results: PairResult[] = [];
  for (const [i, j] of pairs) {
    const r = comparePair(built[i]!, built[j]!, by, opts);
    const isSteps = sources[i]!.step !== undefined && sources[j]!.step !== undefined;
    if (r.matched === 0 && !isSteps) {
      throw new CompareError(
        `${sources[i]!.name} and ${sources[j]!.name} have no item in common when paired by ${by} (${built[i]!.items.size} and ${built[j]!.items.size} items; ${built[i]!.unkeyed + built[j]!.unkeyed} records without a ${by} key): try --by ${by === 'id' ? 'clip' : by === 'clip' ? 'prompt' : 'id'}`,
      );
    }
    results.push(r);
  }
  // The joined table: every item of any source, each checkpoint's aggregate.
  const joined = new Map<string, Comparison['items'][number]>();
  built.forEach((b) => {
    for (const item of b.items.values()) {
      let row = joined.get(item.key);
      const first = item.samples[0]!;
      if (!row)
        joined.set(
          item.key,
          (row = { key: item.key, problemType: item.problemType, ...(item.clip ? { clip: item.clip } : {}), ...(first.question !== undefined ? { question: first.question } : {}), byCheckpoint: {} }),
        );
      row.byCheckpoint[b.name] = {
        answer: first.answer,
        formatOk: item.samples.every((s) => s.formatOk),
        rewards: item.rewards,
        samples: item.samples.length,
        where: first.where,
        ...(first.ref ? { ref: first.ref } : {}),
        ...(first.shortcut ? { shortcut: first.shortcut } : {}),
      };
    }
  });
  const steps = sources.every((s) => s.step !== undefined) ? sources.map((s, i) => stepCurve(s, opts.zeroVarianceShares?.[i])) : undefined;
  return {
    checkpoints: sources.map((s, i) => ({ name: s.name, source: s.source, records: s.samples.length, items: built[i]!.items.size, ...(s.step !== undefined ? { step: s.step } : {}) })),
    pairs: results,
    items: [...joined.values()],
    ...(steps ? { steps } : {}),
    settings: { by, adjust: opts.adjust ?? 'holm', alpha: opts.alpha ?? 0.05, resamples: opts.resamples ?? 10_000, seed: opts.seed ?? 20261202, baseline: sources[0]!.name, allPairs: !!opts.allPairs },
  };
}
