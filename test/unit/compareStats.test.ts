// The comparison statistics against python3's standard library, computed from the formulas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { benjaminiHochberg, holm, mcnemarExact, minimumDetectableEffect, normalQuantile, pairedBootstrapCi, wilcoxonSignedRank } from '../../src/core/compare/stats';

function py(code: string, input: unknown): any {
  const r = spawnSync('python3', ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const close = (a: number, b: number, rel = 1e-6, abs = 1e-9) => Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b));

test('exact McNemar equals the two-sided binomial test on the discordant pairs', () => {
  const cases = [
    [0, 0],
    [0, 5],
    [3, 3],
    [1, 9],
    [10, 2],
    [25, 40],
    [120, 150],
    [0, 30],
    [400, 470],
  ];
  const expected: number[] = py(
    String.raw`
import json, math, sys
out = []
for b, c in json.load(sys.stdin):
    n = b + c
    if n == 0:
        out.append(1.0); continue
    k = min(b, c)
    out.append(min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n))
print(json.dumps(out))`,
    cases,
  );
  cases.forEach(([b, c], i) => assert.ok(close(mcnemarExact(b!, c!), expected[i]!, 1e-9), `${b},${c}: ${mcnemarExact(b!, c!)} vs ${expected[i]}`));
});

const WILCOXON_PY = String.raw`
import json, sys
from statistics import NormalDist
out = []
for diffs in json.load(sys.stdin):
    d = [x for x in diffs if x != 0]
    n = len(d)
    if n == 0:
        out.append([1.0, 0.0]); continue
    order = sorted(range(n), key=lambda i: abs(d[i]))
    ranks = [0.0] * n
    i = 0; ties = False; tie = 0.0
    while i < n:
        j = i
        while j + 1 < n and abs(d[order[j + 1]]) == abs(d[order[i]]): j += 1
        for k in range(i, j + 1): ranks[order[k]] = (i + j + 2) / 2
        t = j - i + 1
        if t > 1: ties = True; tie += t ** 3 - t
        i = j + 1
    w = sum(r for r, x in zip(ranks, d) if x > 0)
    if n <= 50 and not ties:
        # exact: count sign assignments by enumeration of rank sums
        m = n * (n + 1) // 2
        counts = [0] * (m + 1); counts[0] = 1
        for r in range(1, n + 1):
            for s in range(m, r - 1, -1): counts[s] += counts[s - r]
        le = sum(counts[: int(w) + 1]); ge = sum(counts[int(w):])
        out.append([min(1.0, 2 * min(le, ge) / 2 ** n), w])
    else:
        mean = n * (n + 1) / 4
        var = n * (n + 1) * (2 * n + 1) / 24 - tie / 48
        z = (w - mean) / var ** 0.5
        out.append([min(1.0, 2 * (1 - NormalDist().cdf(abs(z)))), w])
print(json.dumps(out))`;

test('Wilcoxon signed-rank: exact for small untied samples, normal with the tie correction otherwise', () => {
  const samples = [
    [0.5, -0.2, 1.1, 0.7, 0.3, -0.9, 1.6, 0.05],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    [0.2, 0.2, -0.2, 0.4, 0, 0.6, 0.6, 0.8, -0.4, 0.2, 1, 0],
    ...fc.sample(
      fc.array(
        fc.integer({ min: -5, max: 5 }).map((x) => x / 5),
        { minLength: 1, maxLength: 120 },
      ),
      { numRuns: 60, seed: 7 },
    ),
    ...fc.sample(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 45 }), { numRuns: 40, seed: 8 }),
  ];
  const expected: [number, number][] = py(WILCOXON_PY, samples);
  samples.forEach((d, i) => {
    const r = wilcoxonSignedRank(d);
    assert.equal(r.wPlus, expected[i]![1], `W+ of sample ${i}`);
    // The normal tail here is erfc to ~1e-7 relative; the exact branch is exact.
    assert.ok(close(r.p, expected[i]![0], 2e-6, 1e-12), `sample ${i} (${r.method}): ${r.p} vs ${expected[i]![0]}`);
  });
});

test('Holm and Benjamini–Hochberg adjustments follow their step-down and step-up formulas', () => {
  const ps = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04, 0.9];
  const [h, bh]: [number[], number[]] = py(
    String.raw`
import json, sys
ps = json.load(sys.stdin); m = len(ps)
order = sorted(range(m), key=lambda i: ps[i])
holm = [0.0] * m; run = 0.0
for k, i in enumerate(order):
    run = max(run, min(1.0, (m - k) * ps[i])); holm[i] = run
bh = [0.0] * m; run = 1.0
for k in range(m - 1, -1, -1):
    i = order[k]; run = min(run, min(1.0, m * ps[i] / (k + 1))); bh[i] = run
print(json.dumps([holm, bh]))`,
    ps,
  );
  holm(ps).forEach((v, i) => assert.ok(close(v, h[i]!, 1e-12), `holm ${i}`));
  benjaminiHochberg(ps).forEach((v, i) => assert.ok(close(v, bh[i]!, 1e-12), `bh ${i}`));
});

test('the bootstrap CI repeats exactly for a seed, covers the mean difference, and resamples whole clips', () => {
  const diffs = Array.from({ length: 200 }, (_, i) => ((i * 37) % 11) / 10 - 0.3);
  const a = pairedBootstrapCi(diffs, undefined, 10_000, 1);
  assert.deepEqual(pairedBootstrapCi(diffs, undefined, 10_000, 1), a);
  const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
  assert.ok(a[0] < mean && mean < a[1], `${a} holds ${mean}`);
  // The CI's half-width is about 1.96 standard errors (normal theory), within bootstrap noise.
  const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / (diffs.length - 1));
  const se = sd / Math.sqrt(diffs.length);
  assert.ok(Math.abs((a[1] - a[0]) / 2 - 1.96 * se) < 0.15 * 1.96 * se, `half-width ${(a[1] - a[0]) / 2} vs ${1.96 * se}`);
  // Pairs of items on one clip move together: clustering widens the CI of correlated data.
  const twin = diffs.flatMap((d) => [d, d]);
  const clusters = diffs.flatMap((_, i) => [i, i]);
  const naive = pairedBootstrapCi(twin, undefined, 10_000, 1);
  const clustered = pairedBootstrapCi(twin, clusters, 10_000, 1);
  assert.ok(clustered[1] - clustered[0] > 1.3 * (naive[1] - naive[0]), `clustered ${clustered} vs naive ${naive}`);
});

test('the minimum detectable effect and the normal quantile match the formula', () => {
  const [z975, z80]: number[] = py('import json,sys\nfrom statistics import NormalDist as N\nprint(json.dumps([N().inv_cdf(0.975), N().inv_cdf(0.8)]))', null);
  assert.ok(close(normalQuantile(0.975), z975!, 1e-8));
  assert.ok(close(normalQuantile(0.8), z80!, 1e-8));
  const diffs = [1, 0, 0, -1, 1, 1, 0, 0, 0, 1];
  const mean = 0.3;
  const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / 9);
  assert.ok(close(minimumDetectableEffect(diffs), ((z975! + z80!) * sd) / Math.sqrt(10), 1e-8));
});
