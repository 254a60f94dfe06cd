// The judge lab's figures for one reward: each variant's mean, status counts and noise; its
// agreement with each labeller; agreement between variants (and what switching changes in the
// GRPO signal); agreement between labellers, the ceiling a judge can reach; and what to label next.

import { agreement, krippendorffOrdinal, kendallTauB, quadraticKappa, spearman, type AgreementFigures } from './agreement';
import { latestLabels, type Label } from './labels';
import { lineDiff, type DiffLine } from './textDiff';

/** Agreement counts as established only from this many labelled items up. */
export const ESTABLISHED_AT = 50;

export interface LabItem {
  key: string;
  id?: string;
  /** The GRPO group the rollout belongs to (for the training impact). */
  group?: string;
}

export interface VariantJudgments {
  name: string;
  /** The template's text, for the diff between variants. */
  text?: string;
  /** sha256 of the template text (the calibration key). */
  sha256: string;
  model: string;
  /** Item key → the raw score of each repeat (null when that repeat failed) and its status. */
  byItem: Map<string, { scores: (number | null)[]; statuses: string[] }>;
}

export interface VariantFigures {
  name: string;
  sha256: string;
  model: string;
  n: number;
  mean: number | null;
  statuses: Record<string, number>;
  /** Spread across repeats: the mean per-item standard deviation, and the share of items whose score changes. */
  noise: { items: number; meanSpread: number; changedShare: number } | null;
  vsLabels: (AgreementFigures & { labeller: string; established: boolean })[];
}

export interface VariantPair {
  a: string;
  b: string;
  n: number;
  spearman: number;
  kendall: number;
  qwk: number;
  /** Mean of b − a on the raw scale. */
  meanDiff: number;
  changed: { key: string; a: number; b: number; diff: number }[];
  /** Items on opposite sides of the scale's midpoint under a and b. */
  flipsAcrossThreshold: { threshold: number; count: number };
  /** What switching from a to b does to the training signal. */
  trainingImpact: { groups: number; reordered: number; share: number; meanAbsAdvantageChange: number };
  /** The line diff of the two templates (absent when a text is unknown). */
  diff?: DiffLine[];
}

export interface LabResult {
  reward: string;
  scale: number[];
  variants: VariantFigures[];
  pairs: VariantPair[];
  labellers: (Pick<AgreementFigures, 'n' | 'exact' | 'qwk' | 'kappa'> & { a: string; b: string })[];
  /** Krippendorff's ordinal alpha over every labeller (null with fewer than two). */
  labellerAlpha: number | null;
  items: { key: string; id?: string; byVariant: Record<string, number | null>; labels: Record<string, number> }[];
  /** Labels whose item is not in the lab's set: listed and left out. */
  unknownLabels: { labeller: string; key: string; id?: string }[];
  /** Unlabelled items, most informative first: variants disagree, repeats spread, then by judge score stratum. */
  queue: { key: string; why: string }[];
  labelled: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** The variant's single judgment of an item: its first readable repeat (what one training call saw). */
function firstScore(j: VariantJudgments, key: string): number | null {
  return j.byItem.get(key)?.scores.find((s) => s !== null) ?? null;
}

function meanScore(j: VariantJudgments, key: string): number | null {
  const ok = (j.byItem.get(key)?.scores ?? []).filter((s): s is number => s !== null);
  return ok.length ? mean(ok) : null;
}

export function computeLab(reward: string, scale: number[], items: LabItem[], variants: VariantJudgments[], allLabels: Label[]): LabResult {
  const byKey = new Map(items.map((i) => [i.key, i]));
  const byId = new Map(items.filter((i) => i.id !== undefined).map((i) => [i.id!, i]));
  const labels = latestLabels(allLabels.filter((l) => l.reward === reward));
  const unknownLabels: LabResult['unknownLabels'] = [];
  // labeller → item key → score; a label finds its item by key, else by id.
  const labelled = new Map<string, Map<string, number>>();
  for (const l of labels) {
    const item = byKey.get(l.key) ?? (l.id !== undefined ? byId.get(l.id) : undefined);
    if (!item) {
      unknownLabels.push({ labeller: l.labeller, key: l.key, ...(l.id !== undefined ? { id: l.id } : {}) });
      continue;
    }
    if (!labelled.has(l.labeller)) labelled.set(l.labeller, new Map());
    labelled.get(l.labeller)!.set(item.key, l.score);
  }
  const labellers = [...labelled.keys()].sort();

  const variantFigures: VariantFigures[] = variants.map((v) => {
    const statuses: Record<string, number> = {};
    const means: number[] = [];
    const spreads: number[] = [];
    let changed = 0;
    for (const it of items) {
      const j = v.byItem.get(it.key);
      if (!j) continue;
      for (const s of j.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
      const ok = j.scores.filter((s): s is number => s !== null);
      if (ok.length) means.push(mean(ok));
      if (ok.length >= 2) {
        const m = mean(ok);
        spreads.push(Math.sqrt(mean(ok.map((s) => (s - m) ** 2))));
        if (ok.some((s) => s !== ok[0])) changed++;
      }
    }
    const vsLabels = labellers.map((labeller) => {
      const a: number[] = [];
      const b: number[] = [];
      for (const [key, score] of labelled.get(labeller)!) {
        const s = firstScore(v, key);
        if (s === null || !scale.includes(s)) continue;
        a.push(s);
        b.push(score);
      }
      return { labeller, ...agreement(a, b, scale, true), established: a.length >= ESTABLISHED_AT };
    });
    return {
      name: v.name,
      sha256: v.sha256,
      model: v.model,
      n: means.length,
      mean: means.length ? mean(means) : null,
      statuses,
      noise: spreads.length ? { items: spreads.length, meanSpread: mean(spreads), changedShare: changed / spreads.length } : null,
      vsLabels,
    };
  });

  const threshold = (scale[0]! + scale[scale.length - 1]!) / 2;
  const pairs: VariantPair[] = [];
  for (let i = 0; i < variants.length; i++) {
    for (let k = i + 1; k < variants.length; k++) {
      const va = variants[i]!;
      const vb = variants[k]!;
      const keys: string[] = [];
      const xa: number[] = [];
      const xb: number[] = [];
      for (const it of items) {
        const a = meanScore(va, it.key);
        const b = meanScore(vb, it.key);
        if (a === null || b === null) continue;
        keys.push(it.key);
        xa.push(a);
        xb.push(b);
      }
      const changed = keys
        .map((key, j) => ({ key, a: xa[j]!, b: xb[j]!, diff: xb[j]! - xa[j]! }))
        .filter((c) => c.diff !== 0)
        .sort((p, q) => Math.abs(q.diff) - Math.abs(p.diff));
      const fa = keys.map((key) => firstScore(va, key));
      const fb = keys.map((key) => firstScore(vb, key));
      const onScale = fa.map((x, j) => x !== null && fb[j] !== null && scale.includes(x) && scale.includes(fb[j]!));
      pairs.push({
        a: va.name,
        b: vb.name,
        n: keys.length,
        spearman: spearman(xa, xb),
        kendall: kendallTauB(xa, xb),
        qwk: quadraticKappa(fa.filter((_, j) => onScale[j]) as number[], fb.filter((_, j) => onScale[j]) as number[], scale),
        meanDiff: keys.length ? mean(xb) - mean(xa) : NaN,
        changed,
        flipsAcrossThreshold: { threshold, count: xa.filter((x, j) => x >= threshold !== xb[j]! >= threshold).length },
        trainingImpact: trainingImpact(items, keys, xa, xb),
        ...(va.text !== undefined && vb.text !== undefined ? { diff: lineDiff(va.text, vb.text) } : {}),
      });
    }
  }

  const labellerPairs: LabResult['labellers'] = [];
  for (let i = 0; i < labellers.length; i++) {
    for (let k = i + 1; k < labellers.length; k++) {
      const la = labelled.get(labellers[i]!)!;
      const lb = labelled.get(labellers[k]!)!;
      const a: number[] = [];
      const b: number[] = [];
      for (const [key, s] of la) {
        const t = lb.get(key);
        if (t === undefined) continue;
        a.push(s);
        b.push(t);
      }
      const f = agreement(a, b, scale);
      labellerPairs.push({ a: labellers[i]!, b: labellers[k]!, n: f.n, exact: f.exact, qwk: f.qwk, kappa: f.kappa });
    }
  }
  const alpha =
    labellers.length >= 2
      ? krippendorffOrdinal(
          items.map((it) => labellers.map((l) => labelled.get(l)!.get(it.key)).filter((s): s is number => s !== undefined)),
          scale,
        )
      : null;

  const labelledKeys = new Set([...labelled.values()].flatMap((m) => [...m.keys()]));
  const queue = items
    .filter((it) => !labelledKeys.has(it.key))
    .map((it) => {
      const scores = variants.map((v) => meanScore(v, it.key)).filter((s): s is number => s !== null);
      const disagreement = scores.length > 1 ? Math.max(...scores) - Math.min(...scores) : 0;
      const spread = Math.max(
        0,
        ...variants.map((v) => {
          const ok = (v.byItem.get(it.key)?.scores ?? []).filter((s): s is number => s !== null);
          return ok.length > 1 ? Math.max(...ok) - Math.min(...ok) : 0;
        }),
      );
      const stratum = scores.length ? Math.round(scores[0]!) : -1;
      return { key: it.key, disagreement, spread, stratum };
    })
    // Most informative first; then round-robin over judge-score strata, so the labelled set spans the scale.
    .sort((p, q) => q.disagreement - p.disagreement || q.spread - p.spread || p.stratum - q.stratum)
    .map((q) => ({ key: q.key, why: q.disagreement > 0 ? `variants differ by ${q.disagreement}` : q.spread > 0 ? `repeats spread by ${q.spread}` : `judge score ${q.stratum}` }));

  return {
    reward,
    scale,
    variants: variantFigures,
    pairs,
    labellers: labellerPairs,
    labellerAlpha: alpha === null || Number.isNaN(alpha) ? null : alpha,
    items: items.map((it) => ({
      key: it.key,
      ...(it.id !== undefined ? { id: it.id } : {}),
      byVariant: Object.fromEntries(variants.map((v) => [v.name, meanScore(v, it.key)])),
      labels: Object.fromEntries(labellers.flatMap((l) => (labelled.get(l)!.has(it.key) ? [[l, labelled.get(l)!.get(it.key)!]] : []))),
    })),
    unknownLabels,
    queue: interleaveStrata(queue),
    labelled: labelledKeys.size,
  };
}

/** Keeps the most informative items first, then alternates judge-score strata. */
function interleaveStrata(q: { key: string; why: string }[]): { key: string; why: string }[] {
  const informative = q.filter((x) => !x.why.startsWith('judge score'));
  const rest = q.filter((x) => x.why.startsWith('judge score'));
  const strata = new Map<string, { key: string; why: string }[]>();
  for (const x of rest) {
    if (!strata.has(x.why)) strata.set(x.why, []);
    strata.get(x.why)!.push(x);
  }
  const lists = [...strata.values()];
  const out = [...informative];
  for (let i = 0; out.length < q.length; i++) for (const l of lists) if (l[i]) out.push(l[i]!);
  return out;
}

/**
 * Within each GRPO group: does switching variants reorder the rollouts by this partial reward,
 * and how much does each rollout's intended span advantage (its score ÷ 5 minus the group mean)
 * move. Rollouts without a group form no group.
 */
function trainingImpact(items: LabItem[], keys: string[], xa: number[], xb: number[]): VariantPair['trainingImpact'] {
  const groupOf = new Map(items.map((i) => [i.key, i.group]));
  const groups = new Map<string, number[]>();
  keys.forEach((k, j) => {
    const g = groupOf.get(k);
    if (g === undefined) return;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(j);
  });
  let counted = 0;
  let reordered = 0;
  const changes: number[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    counted++;
    const order = (xs: number[]) => members.map((j) => members.filter((o) => xs[o]! < xs[j]!).length).join(',');
    if (order(xa) !== order(xb)) reordered++;
    const ma = mean(members.map((j) => xa[j]! / 5));
    const mb = mean(members.map((j) => xb[j]! / 5));
    for (const j of members) changes.push(Math.abs(xb[j]! / 5 - mb - (xa[j]! / 5 - ma)));
  }
  return { groups: counted, reordered, share: counted ? reordered / counted : 0, meanAbsAdvantageChange: changes.length ? mean(changes) : 0 };
}

/** A variant's agreement with the labels, saved keyed by template, judge model and label set. */
export interface CalibrationRecord {
  reward: string;
  variant: string;
  sha256: string;
  model: string;
  labelSet: string;
  n: number;
  qwk: number | null;
  exact: number | null;
  time: string;
}

export interface CalibrationState {
  variant: string;
  /** The record saved before this run, and whether template, model or labels changed since. */
  previous?: CalibrationRecord;
  stale: boolean;
  why?: string;
}
