// `npm run bench:compare`: comparing two 100k-rollout files against scoring both. The second file
// is the first with a fifth of the answers changed to the reference (a "tuned" checkpoint), made
// once into bench/data/. Medians of three runs, each side in a child process, as JSON.

import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { DATA, DATA_DIR, ROOT, ensureData, measure, median, mulberry32 } from './common';

const RUNS = 3;
const TARGET_RATIO = 3;
const B = join(DATA_DIR, 'rollouts-100000-tuned.jsonl');

async function ensureTuned(): Promise<void> {
  if (existsSync(B)) return;
  process.stderr.write(`generating ${B} …\n`);
  const rnd = mulberry32(7);
  const out = createWriteStream(B + '.tmp');
  for await (const line of createInterface({ input: createReadStream(DATA), crlfDelay: Infinity })) {
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      out.write(line + '\n');
      continue;
    }
    row.checkpoint = 'ckpt-tuned';
    if (rnd() < 0.2 && typeof row.completion === 'string' && typeof row.answer === 'string') row.completion = row.completion.replace(/<answer>[^<]*<\/answer>/, `<answer>${row.answer}</answer>`);
    out.write(JSON.stringify(row) + '\n');
  }
  await new Promise<void>((resolve, reject) => out.end(() => resolve()).on('error', reject));
  (await import('node:fs')).renameSync(B + '.tmp', B);
}

async function main() {
  await ensureData();
  await ensureTuned();
  const outA = join(tmpdir(), `omnitrace-bench-a-${process.pid}.jsonl`);
  const outB = join(tmpdir(), `omnitrace-bench-b-${process.pid}.jsonl`);
  const outC = join(tmpdir(), `omnitrace-bench-c-${process.pid}.json`);
  const both: number[] = [];
  const compare: { ms: number; peakRssMB: number }[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const a = await measure([join(ROOT, 'dist', 'cli.js'), 'score', DATA, '--out', outA, '--jobs', '0']);
      const b = await measure([join(ROOT, 'dist', 'cli.js'), 'score', B, '--out', outB, '--jobs', '0']);
      both.push(a.ms + b.ms);
      compare.push(await measure([join(ROOT, 'dist', 'cli.js'), 'compare', DATA, B, '--out', outC]));
      process.stderr.write(`run ${i + 1}: score both ${a.ms + b.ms} ms, compare ${compare[i]!.ms} ms / ${compare[i]!.peakRssMB} MB\n`);
    }
  } finally {
    for (const f of [outA, outB, outC]) rmSync(f, { force: true });
  }
  const scoreBoth = median(both)!;
  const cmp = { ms: median(compare.map((c) => c.ms))!, peakRssMB: median(compare.map((c) => c.peakRssMB))! };
  const ratio = Math.round((cmp.ms / scoreBoth) * 100) / 100;
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'compare',
        records: 100_000,
        scoreBothMs: scoreBoth,
        compare: cmp,
        ratio,
        target: { ratioMax: TARGET_RATIO },
        pass: ratio <= TARGET_RATIO,
        cores: availableParallelism(),
        loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? e.message : e) + '\n');
  process.exitCode = 1;
});
