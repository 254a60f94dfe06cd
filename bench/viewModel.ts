// `npm run bench:view`: sorting and filtering 100,000 rows in the rollout view's model (what the
// table asks for on every header click or filter change), against the least work that answers
// the same question: sorting a Float64Array of the same keys / one pass over the rows. Rows come
// from the real pipeline (score + summarise) over bench/data's 100,000-rollout file. Medians of
// five runs per query, each on a fresh model (no cached order). Target (issue 17): ≤ 100 ms.

import { scoreFile } from '../src/core/score';
import { RolloutViewModel, summarise, withGroup } from '../src/core/viewModel';
import type { RowSummary } from '../src/protocol/messages';
import type { RowQuery } from '../src/core/viewTypes';
import { DATA, ensureData, median, runBench } from './common';

const RUNS = 5;

async function main() {
  await ensureData();
  const rows: RowSummary[] = [];
  const run = await scoreFile(DATA, {}, { record: (s) => void rows.push(summarise(s)) });
  // As the store does once the whole file is read: each row gets its group's statistics.
  run.groups.forEach((g, i) => {
    if (g) rows[i] = withGroup(rows[i]!, g);
  });
  const source = {
    title: 'bench',
    fileName: 'bench',
    format: 'jsonl',
    host: 'cli' as const,
    trusted: true,
    getDetail: () => Promise.reject(new Error('unused')),
    getMedia: () => ({ status: 'none' as const }),
  };
  const queries: Record<string, RowQuery> = {
    'sort by accuracy desc': { sort: { key: 'reward:accuracy', dir: 'desc' } },
    'sort by group': { sort: { key: 'group', dir: 'asc' } },
    'sort by problem type': { sort: { key: 'problemType', dir: 'asc' } },
    'filter failing format': { format: 'failing' },
    'filter problem type, sort by advantage': { problemType: 'multiple choice', sort: { key: 'advantage', dir: 'asc' } },
    'group by prompt': { groupByPrompt: true },
  };
  const results: Record<string, unknown> = {};
  for (const [name, q] of Object.entries(queries)) {
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const model = new RolloutViewModel(source as never, rows);
      const t0 = performance.now();
      const page = await model.getRows({ query: q, offset: 0, limit: 200 });
      ms.push(performance.now() - t0);
      if (!page.rows.length && !q.format) throw new Error(`${name}: no rows`);
    }
    results[name] = { ms: +median(ms).toFixed(1), pass: median(ms) <= 100 };
  }
  // The least work: a typed-array sort of the accuracy keys, and one filtering pass.
  const keys = Float64Array.from(rows, (r) => r.rewards.accuracy?.value ?? Number.NaN);
  const bare: number[] = [];
  const pass: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const k = keys.slice();
    let t0 = performance.now();
    k.sort();
    bare.push(performance.now() - t0);
    t0 = performance.now();
    let n = 0;
    for (const r of rows) if (!r.formatOk) n++;
    pass.push(performance.now() - t0 + n * 0);
  }
  return {
    rows: rows.length,
    queries: results,
    baseline: { typedArraySortMs: +median(bare).toFixed(1), filterPassMs: +median(pass).toFixed(1) },
    target: { msAtMost: 100 },
  };
}

runBench(main);
