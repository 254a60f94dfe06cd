// Agreement figures against python3, from their formulas (scikit-learn's quadratic kappa with the
// scale as labels; Spearman with average ranks; Kendall tau-b; Krippendorff's ordinal alpha).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { agreement, krippendorffOrdinal } from '../../src/core/lab/agreement';

const PY = String.raw`
import json, sys, math
def conf(a, b, cats):
    idx = {c: i for i, c in enumerate(cats)}; k = len(cats)
    m = [[0] * k for _ in range(k)]
    for x, y in zip(a, b): m[idx[x]][idx[y]] += 1
    return m
def kappa(m, w):
    k = len(m); n = sum(map(sum, m))
    rows = [sum(r) for r in m]; cols = [sum(m[i][j] for i in range(k)) for j in range(k)]
    o = sum(w(i, j) * m[i][j] for i in range(k) for j in range(k))
    e = sum(w(i, j) * rows[i] * cols[j] / n for i in range(k) for j in range(k))
    return None if e == 0 else 1 - o / e
def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i]); r = [0.0] * len(xs); i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[order[j + 1]] == xs[order[i]]: j += 1
        for t in range(i, j + 1): r[order[t]] = (i + j + 2) / 2
        i = j + 1
    return r
def pearson(x, y):
    n = len(x); mx = sum(x) / n; my = sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y)); sxx = sum((a - mx) ** 2 for a in x); syy = sum((b - my) ** 2 for b in y)
    return None if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)
def tau_b(a, b):
    n = len(a); c = d = ta = tb = 0
    for i in range(n):
        for j in range(i + 1, n):
            da = (a[i] > a[j]) - (a[i] < a[j]); db = (b[i] > b[j]) - (b[i] < b[j])
            if da == 0 and db == 0: ta += 1; tb += 1
            elif da == 0: ta += 1
            elif db == 0: tb += 1
            elif da == db: c += 1
            else: d += 1
    n0 = n * (n - 1) / 2; den = math.sqrt((n0 - ta) * (n0 - tb))
    return None if den == 0 else (c - d) / den
out = []
for a, b, cats in json.load(sys.stdin):
    m = conf(a, b, cats); k = len(cats)
    out.append({"exact": sum(x == y for x, y in zip(a, b)) / len(a),
                "kappa": kappa(m, lambda i, j: 0 if i == j else 1),
                "qwk": kappa(m, lambda i, j: (i - j) ** 2 / (k - 1) ** 2),
                "spearman": pearson(ranks(a), ranks(b)), "kendall": tau_b(a, b)})
print(json.dumps(out))`;

const close = (x: number, y: number | null) => (y === null ? Number.isNaN(x) : Math.abs(x - y) < 1e-12);

test('exact agreement, kappa, quadratic kappa, Spearman and Kendall tau-b agree with python3', () => {
  const scales = [
    [0, 1, 2, 4, 5],
    [0, 1, 2, 3, 4, 5],
  ];
  const cases = scales.flatMap((cats) =>
    fc
      .sample(fc.array(fc.tuple(fc.constantFrom(...cats), fc.constantFrom(...cats)), { minLength: 2, maxLength: 40 }), { numRuns: 40, seed: cats.length })
      .map((pairs) => [pairs.map((p) => p[0]), pairs.map((p) => p[1]), cats] as [number[], number[], number[]]),
  );
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout);
  cases.forEach(([a, b, cats], i) => {
    const ours = agreement(a, b, cats);
    for (const k of ['exact', 'kappa', 'qwk', 'spearman', 'kendall'] as const) assert.ok(close(ours[k], expected[i][k]), `case ${i} ${k}: ${ours[k]} vs ${expected[i][k]}`);
    assert.equal(
      ours.confusion.flat().reduce((s, v) => s + v, 0),
      a.length,
    );
  });
});

test("Krippendorff's ordinal alpha matches the coincidence-matrix formula in python3", () => {
  const units = [[1, 1, 2], [2, 2], [4, 5, 5], [0, 1], [5, 5, 5], [2], [1, 2, 4]];
  const cats = [0, 1, 2, 4, 5];
  const py = String.raw`
import json, sys
units, cats = json.load(sys.stdin); idx = {c: i for i, c in enumerate(cats)}; k = len(cats)
o = [[0.0] * k for _ in range(k)]
for u in units:
    m = len(u)
    if m < 2: continue
    for i in range(m):
        for j in range(m):
            if i != j: o[idx[u[i]]][idx[u[j]]] += 1 / (m - 1)
nc = [sum(r) for r in o]; n = sum(nc)
def d(c, e):
    lo, hi = min(c, e), max(c, e)
    return (sum(nc[lo:hi + 1]) - (nc[lo] + nc[hi]) / 2) ** 2
do = sum(o[c][e] * d(c, e) for c in range(k) for e in range(k)) / n
de = sum(nc[c] * nc[e] * d(c, e) for c in range(k) for e in range(k)) / (n * (n - 1))
print(json.dumps(1 - do / de))`;
  const r = spawnSync('python3', ['-c', py], { input: JSON.stringify([units, cats]), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Math.abs(krippendorffOrdinal(units, cats) - JSON.parse(r.stdout)) < 1e-12);
  // Perfect agreement is 1.
  assert.equal(
    krippendorffOrdinal(
      [
        [1, 1],
        [4, 4],
        [5, 5, 5],
      ],
      cats,
    ),
    1,
  );
});

test('the template diff keeps common lines and marks what each side alone has', async () => {
  const { lineDiff } = await import('../../src/core/lab/textDiff');
  assert.deepEqual(lineDiff('a\nb\nc', 'a\nB\nc\nd'), [
    { op: ' ', text: 'a' },
    { op: '+', text: 'B' },
    { op: '-', text: 'b' },
    { op: ' ', text: 'c' },
    { op: '+', text: 'd' },
  ]);
});
