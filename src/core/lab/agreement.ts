// Agreement between two raters (a judge variant and a labeller, two variants, two labellers) on
// the items both scored, and Krippendorff's alpha over many. Definitions:
// - Cohen's kappa: (po − pe) / (1 − pe) over the categories;
// - quadratic-weighted kappa: 1 − Σ w·O / Σ w·E with w_ij = (i − j)² / (k − 1)² over the scale's
//   categories in order (scikit-learn's cohen_kappa_score(weights='quadratic', labels=scale));
// - Spearman: Pearson's r of average ranks (ties share their mean rank);
// - Kendall tau-b: (C − D) / √((n0 − n1)(n0 − n2)), ties corrected;
// - Krippendorff's alpha (ordinal): 1 − Do / De with the ordinal distance metric.
// The tests compare each with python3 from the same formulas.

import { mulberry32, quantileSorted } from '../compare/stats';

export interface PairedScores {
  a: number[];
  b: number[];
}

/** Count matrix over `categories` (rows a, columns b); values outside them are skipped. */
export function confusion(a: readonly number[], b: readonly number[], categories: readonly number[]): number[][] {
  const idx = new Map(categories.map((c, i) => [c, i]));
  const m = categories.map(() => categories.map(() => 0));
  for (let i = 0; i < a.length; i++) {
    const x = idx.get(a[i]!);
    const y = idx.get(b[i]!);
    if (x !== undefined && y !== undefined) m[x]![y]!++;
  }
  return m;
}

function kappaFrom(m: number[][], weight: (i: number, j: number) => number): number {
  const k = m.length;
  const n = m.reduce((s, r) => s + r.reduce((t, v) => t + v, 0), 0);
  if (n === 0) return NaN;
  const rows = m.map((r) => r.reduce((t, v) => t + v, 0));
  const cols = m[0]!.map((_, j) => m.reduce((t, r) => t + r[j]!, 0));
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = weight(i, j);
      observed += w * m[i]![j]!;
      expected += (w * rows[i]! * cols[j]!) / n;
    }
  }
  return expected === 0 ? (observed === 0 ? 1 : NaN) : 1 - observed / expected;
}

/** Unweighted Cohen's kappa. */
export function cohenKappa(a: readonly number[], b: readonly number[], categories: readonly number[]): number {
  return kappaFrom(confusion(a, b, categories), (i, j) => (i === j ? 0 : 1));
}

/** Quadratic-weighted kappa over the scale's categories in order. */
export function quadraticKappa(a: readonly number[], b: readonly number[], categories: readonly number[]): number {
  const k = categories.length;
  return kappaFrom(confusion(a, b, categories), (i, j) => ((i - j) * (i - j)) / ((k - 1) * (k - 1)));
}

/** Average ranks (1-based), ties sharing their mean rank. */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((p, q) => p.x - q.x);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.x === order[i]!.x) j++;
    for (let k = i; k <= j; k++) ranks[order[k]!.i] = (i + j + 2) / 2;
    i = j + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export function spearman(a: readonly number[], b: readonly number[]): number {
  return pearson(averageRanks(a), averageRanks(b));
}

export function kendallTauB(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) {
        tiesA++;
        tiesB++;
      } else if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt((n0 - tiesA) * (n0 - tiesB));
  return denom === 0 ? NaN : (concordant - discordant) / denom;
}

/** Percentile 95% CI of the quadratic-weighted kappa, resampling items. */
export function kappaBootstrapCi(a: readonly number[], b: readonly number[], categories: readonly number[], resamples = 2000, seed = 20261202): [number, number] {
  const n = a.length;
  if (n < 2) return [NaN, NaN];
  const rand = mulberry32(seed);
  const out: number[] = [];
  const ra = new Array<number>(n);
  const rb = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = (rand() * n) | 0;
      ra[i] = a[k]!;
      rb[i] = b[k]!;
    }
    const q = quadraticKappa(ra, rb, categories);
    if (Number.isFinite(q)) out.push(q);
  }
  out.sort((x, y) => x - y);
  return out.length ? [quantileSorted(out, 0.025), quantileSorted(out, 0.975)] : [NaN, NaN];
}

/**
 * Krippendorff's alpha with the ordinal metric. `units` are the items; each holds the values the
 * raters gave it (missing raters simply absent). Units with fewer than two values do not count.
 */
export function krippendorffOrdinal(units: readonly (readonly number[])[], categories: readonly number[]): number {
  const idx = new Map(categories.map((c, i) => [c, i]));
  const k = categories.length;
  // Coincidence matrix.
  const o = categories.map(() => new Array<number>(k).fill(0));
  for (const u of units) {
    const vals = u.filter((v) => idx.has(v));
    const m = vals.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) o[idx.get(vals[i]!)!]![idx.get(vals[j]!)!]! += 1 / (m - 1);
  }
  const nc = o.map((r) => r.reduce((s, v) => s + v, 0));
  const n = nc.reduce((s, v) => s + v, 0);
  if (n <= 1) return NaN;
  // Ordinal distance: (Σ_{g=c..k} n_g − (n_c + n_k)/2)².
  const delta = (c: number, e: number): number => {
    const lo = Math.min(c, e);
    const hi = Math.max(c, e);
    let s = 0;
    for (let g = lo; g <= hi; g++) s += nc[g]!;
    s -= (nc[lo]! + nc[hi]!) / 2;
    return s * s;
  };
  let dO = 0;
  let dE = 0;
  for (let c = 0; c < k; c++) {
    for (let e = 0; e < k; e++) {
      const d = delta(c, e);
      dO += o[c]![e]! * d;
      dE += nc[c]! * nc[e]! * d;
    }
  }
  dO /= n;
  dE /= n * (n - 1);
  return dE === 0 ? NaN : 1 - dO / dE;
}

export interface AgreementFigures {
  n: number;
  exact: number;
  qwk: number;
  kappa: number;
  spearman: number;
  kendall: number;
  confusion: number[][];
  qwkCi95?: [number, number];
}

/** Every agreement figure between two raters on the items both scored. */
export function agreement(a: readonly number[], b: readonly number[], categories: readonly number[], withCi = false): AgreementFigures {
  const n = a.length;
  const f: AgreementFigures = {
    n,
    exact: n ? a.filter((x, i) => x === b[i]).length / n : NaN,
    qwk: quadraticKappa(a, b, categories),
    kappa: cohenKappa(a, b, categories),
    spearman: spearman(a, b),
    kendall: kendallTauB(a, b),
    confusion: confusion(a, b, categories),
  };
  if (withCi) f.qwkCi95 = kappaBootstrapCi(a, b, categories);
  return f;
}
