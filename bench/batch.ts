// `npm run bench:batch`: judge batch export and import of 100,000 calls (issue 17), beside their
// bare peers measured in the same run. Export: `omnitrace judge --batch-export` over the 100k bench
// file (one context call per rollout: read, score, render each prompt, write OpenAI Batch request
// lines) against a bare pass that JSON.parses the same rollout file. Import: `--batch-import` of the
// matching 100k result lines (into a fresh judge cache, then the judged rewards written) against a
// bare pass that JSON.parses the results file. Medians of three, child processes, alternating.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA, ROOT, ensureData, measure, median, runBench } from './common';

const RUNS = 3;
const CLI = join(ROOT, 'dist', 'cli.js');
const BARE = join(ROOT, 'bench', 'bare-parse.mjs');

/** A batch output line for each request, as vLLM run-batch writes them: a judge reply of "4". */
function resultsFor(requests: string, out: string): number {
  const lines = readFileSync(requests, 'utf8').split('\n').filter(Boolean);
  const body = (i: number) => ({
    id: `chatcmpl-${i}`,
    object: 'chat.completion',
    created: 0,
    model: 'bench-judge',
    choices: [{ index: 0, message: { role: 'assistant', content: '4' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 600, completion_tokens: 1, total_tokens: 601 },
  });
  const outLines = lines.map((l, i) =>
    JSON.stringify({ id: `vllm-${i}`, custom_id: JSON.parse(l).custom_id, response: { status_code: 200, request_id: `vllm-batch-${i}`, body: body(i) }, error: null }),
  );
  writeFileSync(out, outLines.join('\n') + '\n');
  return outLines.length;
}

async function main() {
  await ensureData();
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-bench-batch-'));
  const requests = join(dir, 'requests.jsonl');
  const results = join(dir, 'results.jsonl');
  const judged = join(dir, 'judged.jsonl');
  const common = ['--rewards', 'context', '--judge-model', 'bench-judge'];
  const exp: number[] = [];
  const expBare: number[] = [];
  const imp: number[] = [];
  const impBare: number[] = [];
  const peaks = { export: [] as number[], import: [] as number[] };
  let calls = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      const cache = join(dir, `cache-${i}`);
      expBare.push((await measure([BARE, DATA])).ms);
      const e = await measure([CLI, 'judge', DATA, ...common, '--cache-dir', cache, '--batch-export', requests]);
      exp.push(e.ms);
      peaks.export.push(e.peakRssMB);
      if (i === 0) calls = resultsFor(requests, results);
      impBare.push((await measure([BARE, results])).ms);
      const m = await measure([CLI, 'judge', DATA, ...common, '--cache-dir', cache, '--batch-import', results, '--out', judged]);
      imp.push(m.ms);
      peaks.import.push(m.peakRssMB);
      process.stderr.write(`run ${i + 1}: export ${e.ms} ms (bare ${expBare[i]} ms), import ${m.ms} ms (bare ${impBare[i]} ms)\n`);
      rmSync(cache, { recursive: true, force: true });
    }
    const judgedLines = readFileSync(judged, 'utf8').split('\n').filter(Boolean);
    const ok = judgedLines.filter((l) => JSON.parse(l).rewards?.context?.status === 'ok').length;
    return {
      calls,
      requestsBytes: statSync(requests).size,
      export: { ms: median(exp), peakRssMB: median(peaks.export), bareParseOfRolloutsMs: median(expBare), ratio: +(median(exp) / median(expBare)).toFixed(2) },
      import: { ms: median(imp), peakRssMB: median(peaks.import), bareParseOfResultsMs: median(impBare), ratio: +(median(imp) / median(impBare)).toFixed(2) },
      // Every imported reply became a judged reward (the file's unreadable lines are not rollouts).
      judgedOk: ok,
      note: 'export: read, score and render 100k prompts, write request lines; import: read results into a fresh judge cache (one entry per call), then score and write the judged rewards',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
