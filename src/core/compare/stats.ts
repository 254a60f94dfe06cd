// Paired statistics for comparing two checkpoints on the same items: the exact McNemar test for
// binary rewards, the Wilcoxon signed-rank test for graded ones, a paired (cluster) bootstrap CI
// of the mean difference, Holm and Benjamini–Hochberg adjustment, and the minimum detectable
// effect. Each follows its textbook definition; the tests check them against python3.

/** Two-sided exact McNemar: a binomial(b + c, ½) test on the discordant pairs. */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so large n cannot overflow.
  let logTerm = -n * Math.LN2; // C(n, 0) / 2^n
  let cdf = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    cdf += Math.exp(logTerm);
  }
  return Math.min(1, 2 * cdf);
}

/** Standard normal upper tail P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** erfc by Chebyshev fitting (Numerical Recipes' erfcc): relative error below 1.2e-7 everywhere. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Inverse of the standard normal CDF (Acklam's algorithm, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export interface WilcoxonResult {
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** Non-zero differences ranked. */
  n: number;
  p: number;
  method: 'exact' | 'normal';
}

/**
 * Two-sided Wilcoxon signed-rank test of paired differences (zeros dropped, as in Wilcoxon's
 * original method; tied magnitudes get their average rank). Exact null distribution for up to 50
 * differences without ties, else the normal approximation with the tie correction (no
 * continuity correction): scipy.stats.wilcoxon's defaults.
 */
export function wilcoxonSignedRank(diffs: readonly number[]): WilcoxonResult {
  const nz = diffs.filter((d) => d !== 0);
  const n = nz.length;
  if (n === 0) return { wPlus: 0, n: 0, p: 1, method: 'exact' };
  const order = nz.map((d, i) => ({ a: Math.abs(d), i })).sort((x, y) => x.a - y.a);
  const ranks = new Array<number>(n);
  let ties = false;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && order[j + 1]!.a === order[i]!.a) j++;
    const avg = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]!.i] = avg;
    const t = j - i + 1;
    if (t > 1) {
      ties = true;
      tieTerm += t * t * t - t;
    }
    i = j + 1;
  }
  let wPlus = 0;
  nz.forEach((d, i) => {
    if (d > 0) wPlus += ranks[i]!;
  });
  if (n <= 50 && !ties) {
    // Number of subsets of {1..n} with each rank sum: the exact null distribution.
    const max = (n * (n + 1)) / 2;
    let counts = new Float64Array(max + 1);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) {
      const next = counts.slice();
      for (let s = r; s <= max; s++) next[s]! += counts[s - r]!;
      counts = next;
    }
    const total = 2 ** n;
    let le = 0;
    for (let s = 0; s <= wPlus; s++) le += counts[s]!;
    let ge = 0;
    for (let s = wPlus; s <= max; s++) ge += counts[s]!;
    return { wPlus, n, p: Math.min(1, (2 * Math.min(le, ge)) / total), method: 'exact' };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (variance <= 0) return { wPlus, n, p: 1, method: 'normal' };
  const z = (wPlus - mean) / Math.sqrt(variance);
  return { wPlus, n, p: Math.min(1, 2 * normalSf(Math.abs(z))), method: 'normal' };
}

/** Holm's step-down adjustment (family-wise error), in input order. */
export function holm(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up adjustment (false discovery rate), in input order. */
export function benjaminiHochberg(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(m);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const { p, i } = order[k]!;
    running = Math.min(running, Math.min(1, (m * p) / (k + 1)));
    out[i] = running;
  }
  return out;
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same resamples everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Percentile 95% CI of the mean paired difference by the bootstrap, resampling clusters (a clip
 * holding several items is one cluster) with replacement. `cluster[i]` is item i's cluster index.
 */
export function pairedBootstrapCi(diffs: readonly number[], cluster: readonly number[] | undefined, resamples: number, seed: number): [number, number] {
  const n = diffs.length;
  if (n === 0) return [NaN, NaN];
  // Per cluster: sum of differences and number of items.
  let sums: Float64Array;
  let sizes: Float64Array;
  if (cluster) {
    const k = Math.max(...cluster) + 1;
    sums = new Float64Array(k);
    sizes = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      sums[cluster[i]!]! += diffs[i]!;
      sizes[cluster[i]!]! += 1;
    }
  } else {
    sums = Float64Array.from(diffs);
    sizes = new Float64Array(n).fill(1);
  }
  const k = sums.length;
  const rand = mulberry32(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    let c = 0;
    for (let j = 0; j < k; j++) {
      const pick = (rand() * k) | 0;
      s += sums[pick]!;
      c += sizes[pick]!;
    }
    means[r] = s / c;
  }
  means.sort();
  return [quantileSorted(means, 0.025), quantileSorted(means, 0.975)];
}

/** Linear-interpolated quantile of sorted values (numpy's default, 'linear'). */
export function quantileSorted(xs: ArrayLike<number>, q: number): number {
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

/**
 * The smallest mean difference a two-sided paired test at `alpha` would detect with `power`,
 * given the differences' spread: (z₁₋α/₂ + z_power) · sd / √n.
 */
export function minimumDetectableEffect(diffs: readonly number[], alpha = 0.05, power = 0.8): number {
  const n = diffs.length;
  if (n < 2) return NaN;
  const mean = diffs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1));
  return ((normalQuantile(1 - alpha / 2) + normalQuantile(power)) * sd) / Math.sqrt(n);
}
