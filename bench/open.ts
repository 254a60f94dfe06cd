// `npm run bench:open`: how long opening (scoring) a large rollout file takes compared with
// the bare minimum of parsing its lines, and how much memory it needs. Generates a
// deterministic ~150 MB JSONL once into bench/data/ (reused while the parameters match), then
// runs each side three times, alternating, in child processes; reports medians as JSON. The
// machine's load is reported too: on shared cores the absolute numbers move a lot.

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { DATA, HAVE_TIME, ROOT, ensureData, measure, median } from './common';

const RUNS = 3;
const TARGETS = { ratioMax: 3, peakRssMBMax: 400 };

async function main() {
  await ensureData();
  const bytes = statSync(DATA).size;
  const out = join(tmpdir(), `omnitrace-bench-${process.pid}.scores.jsonl`);
  const bare: { ms: number; peakRssMB: number }[] = [];
  const score: { ms: number; peakRssMB: number }[] = [];
  const parallel: { ms: number; peakRssMB: number }[] = [];
  const peer: { ms: number; peakRssMB: number }[] = [];
  const withText: { ms: number; peakRssMB: number }[] = [];
  const minimal: { ms: number; peakRssMB: number }[] = [];
  const peerOut = join(tmpdir(), `omnitrace-bench-${process.pid}.peer.jsonl`);
  let records = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      const b = await measure([join(ROOT, 'bench', 'bare-parse.mjs'), DATA]);
      records = JSON.parse(b.stdout).records;
      bare.push(b);
      score.push(await measure([join(ROOT, 'dist', 'cli.js'), 'score', DATA, '--out', out, '--jobs', '0']));
      // For information: the same with two worker threads (opt-in below 4 cores).
      parallel.push(await measure([join(ROOT, 'dist', 'cli.js'), 'score', DATA, '--out', out, '--jobs', '2']));
      withText.push(await measure([join(ROOT, 'dist', 'cli.js'), 'score', DATA, '--out', out, '--jobs', '0', '--text']));
      // The floor of a JavaScript scorer: rewards and advantages with none of the evidence (bench/minimal-score.mjs).
      minimal.push(await measure([join(ROOT, 'bench', 'minimal-score.mjs'), DATA, peerOut]));
      // The peer: the plain Python script a researcher would write (bench/peer_score.py).
      peer.push(await measure([join(ROOT, 'bench', 'peer_score.py'), DATA, peerOut], 'python3'));
      process.stderr.write(
        `run ${i + 1}: bare ${b.ms} ms / ${b.peakRssMB} MB, score ${score[i].ms} ms / ${score[i].peakRssMB} MB, score --jobs 2 ${parallel[i].ms} ms / ${parallel[i].peakRssMB} MB\n`,
      );
    }
  } finally {
    rmSync(out, { force: true });
    rmSync(peerOut, { force: true });
  }
  const b = { ms: median(bare.map((x) => x.ms)), peakRssMB: median(bare.map((x) => x.peakRssMB)) };
  const s = { ms: median(score.map((x) => x.ms)), peakRssMB: median(score.map((x) => x.peakRssMB)) };
  const p = { ms: median(parallel.map((x) => x.ms)), peakRssMB: median(parallel.map((x) => x.peakRssMB)), jobs: 2 };
  const ratio = Math.round((s.ms / b.ms) * 100) / 100;
  const med = (xs: { ms: number; peakRssMB: number }[]) => ({ ms: median(xs.map((x) => x.ms)), peakRssMB: median(xs.map((x) => x.peakRssMB)) });
  const pe = med(peer);
  const t = med(withText);
  const result = {
    records,
    bytes,
    bare: b,
    score: s,
    ratio,
    scoreJobs2: { ...p, ratio: Math.round((p.ms / b.ms) * 100) / 100 },
    // Section texts too (the default before issue 17): what the default gave up.
    scoreWithText: { ...t, ratio: Math.round((t.ms / b.ms) * 100) / 100 },
    // The Python peer doing the same format and accuracy rewards and group advantages (it leaves
    // free-form answers at 0 where we leave them to the judge); target: score at most half its time.
    pythonPeer: { ...pe, scoreOverPeer: Math.round((s.ms / pe.ms) * 100) / 100 },
    // For information: rewards and advantages without offsets, diagnostics, explanations or
    // recorded rewards; the gap between it and `score` is the price of the evidence.
    minimalScorer: { ...med(minimal), ratio: Math.round((med(minimal).ms / b.ms) * 100) / 100 },
    cores: availableParallelism(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    targets: TARGETS,
    pass: { ratio: ratio <= TARGETS.ratioMax, peakRss: s.peakRssMB <= TARGETS.peakRssMBMax, halfOfPeer: s.ms <= pe.ms / 2 },
    rssMethod: HAVE_TIME ? '/usr/bin/time %M' : '/proc/<pid>/status VmHWM (polled)',
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? e.message : e) + '\n');
  process.exitCode = 1;
});
