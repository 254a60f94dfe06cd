// Scores JSONL inputs on worker threads. The main thread only reads blocks of whole lines,
// counts their newlines (so every block knows its first line number) and hands the bytes over;
// workers parse, map, score and serialise; results are written back strictly in block order,
// so output order and line numbers are exactly those of the sequential path.

import { Worker } from 'node:worker_threads';
import { listInput } from '../core/readers/index';
import { readLineBatches } from '../core/readers/lines';
import type { FormatName } from '../core/readers/types';
import { emptySummary, GroupCollector, groupingOptions, MAX_KEPT_PROBLEMS, mergeSummary, type ScoreOptions, type ScoreRun } from '../core/score';
import type { ChunkResult, ChunkSettings, ChunkTask } from '../core/scoreChunk';

export interface WorkerSpec {
  /** Script a worker runs; it must call runScoreWorkerIfAsked() first thing (dist/cli.js does). */
  script: string;
  count: number;
}

/** workerData marker telling a script it was started as a scoring worker. */
export const SCORE_WORKER_MARK = 'omnitraceScoreWorker';

// Small blocks keep the bytes in flight (and the workers' heaps) small.
const BLOCK = 1 << 20;

export async function scoreLinesParallel(
  path: string,
  format: FormatName,
  formatReason: string,
  opts: ScoreOptions & { texts?: boolean },
  spec: WorkerSpec,
  write: (bytes: Uint8Array) => Promise<void>,
): Promise<ScoreRun> {
  const { files, skipped } = await listInput(path, format);
  const settings: ChunkSettings = {
    format,
    map: opts.map,
    defaultProblemType: opts.defaultProblemType,
    texts: opts.texts === true,
    score: { scaleRewards: opts.scaleRewards, regressionVariant: opts.regressionVariant, weights: opts.weights, ...(opts.total ? { total: opts.total } : {}) },
  };
  const summary = emptySummary(format, formatReason);
  for (const p of skipped) {
    summary.skipped++;
    if (summary.problems.length < MAX_KEPT_PROBLEMS) summary.problems.push(p);
  }
  const collector = new GroupCollector();

  const results = new Map<number, ChunkResult>();
  const waiting = new Map<number, () => void>();
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    for (const w of waiting.values()) w();
  };
  const workers = Array.from({ length: Math.max(1, spec.count) }, () => {
    const w = new Worker(spec.script, { workerData: { [SCORE_WORKER_MARK]: true, settings } });
    w.on('message', (r: ChunkResult) => {
      results.set(r.seq, r);
      waiting.get(r.seq)?.();
    });
    w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`a scoring worker stopped (exit code ${code})`));
    });
    return w;
  });

  let nextSeq = 0;
  let nextToWrite = 0;
  const inFlightMax = workers.length * 2;

  const take = async (seq: number): Promise<ChunkResult> => {
    if (!results.has(seq) && !failure) await new Promise<void>((resolve) => waiting.set(seq, resolve));
    waiting.delete(seq);
    if (failure) throw failure;
    const r = results.get(seq)!;
    results.delete(seq);
    return r;
  };
  const writeNext = async () => {
    const r = await take(nextToWrite++);
    if (r.out.byteLength) await write(r.out);
    summary.read += r.records;
    summary.skipped += r.problems.length;
    for (const p of r.problems) if (summary.problems.length < MAX_KEPT_PROBLEMS) summary.problems.push(p);
    mergeSummary(summary, r.summary);
    collector.addBlock(r.groups);
  };
  const dispatch = async (task: ChunkTask) => {
    while (nextSeq - nextToWrite >= inFlightMax) await writeNext();
    workers[task.seq % workers.length].postMessage(task, [task.bytes.buffer as ArrayBuffer]);
  };

  try {
    for (const file of files) {
      // Each buffer fill of whole lines becomes one task; the worker splits it again itself.
      for await (const { buf, lines } of readLineBatches(file, BLOCK)) {
        const first = lines[0]!;
        const last = lines[lines.length - 1]!;
        const contentEnd = last.start + last.byteLength;
        // Up to and including the last newline; an unterminated final line ends with its content
        // (a stray '\r' there is stripped by the worker either way).
        const cut = last.unterminated ? contentEnd : buf.indexOf(10, contentEnd) + 1;
        const bytes = new Uint8Array(cut - first.start);
        bytes.set(buf.subarray(first.start, cut));
        await dispatch({ seq: nextSeq++, file, fileOffset: first.byteOffset, startLine: first.line, unterminatedTail: last.unterminated, bytes });
      }
    }
    while (nextToWrite < nextSeq) await writeNext();
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const groups = collector.finish(groupingOptions(opts, format), summary);
  return { summary, groups };
}
