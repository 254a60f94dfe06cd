// Scores JSONL inputs on worker threads. The main thread only reads blocks of whole lines,
// counts their newlines (so every block knows its first line number) and hands the bytes over;
// workers parse, map, score and serialise; results are written back strictly in block order,
// so output order and line numbers are exactly those of the sequential path.

import { Worker } from 'node:worker_threads';
import { open } from 'node:fs/promises';
import { filesOf } from './readers/index';
import type { FormatName } from './readers/types';
import { emptySummary, GroupCollector, MAX_KEPT_PROBLEMS, mergeSummary, type ScoreOptions, type ScoreRun } from './score';
import type { ChunkResult, ChunkSettings, ChunkTask } from './scoreChunk';

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
  opts: ScoreOptions,
  spec: WorkerSpec,
  write: (bytes: Uint8Array) => Promise<void>,
): Promise<ScoreRun> {
  const files = await filesOf(path, format);
  const settings: ChunkSettings = {
    format,
    map: opts.map,
    defaultProblemType: opts.defaultProblemType,
    score: { scaleRewards: opts.scaleRewards, regressionVariant: opts.regressionVariant, weights: opts.weights },
  };
  const summary = emptySummary(format, formatReason);
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
    for (let i = 0; i < r.records; i++) {
      const t = r.totals[i];
      collector.add(r.keys[i], Number.isNaN(t) ? null : t);
    }
  };
  const dispatch = async (task: ChunkTask) => {
    while (nextSeq - nextToWrite >= inFlightMax) await writeNext();
    workers[task.seq % workers.length].postMessage(task, [task.bytes.buffer as ArrayBuffer]);
  };

  try {
    for (const file of files) {
      const fh = await open(file, 'r');
      try {
        let buf = Buffer.allocUnsafe(BLOCK);
        let end = 0;
        let fileOffset = 0; // file offset of buf[0]
        let line = 1;
        let first = true;
        for (;;) {
          if (end === buf.length) {
            const bigger = Buffer.allocUnsafe(buf.length * 2);
            buf.copy(bigger, 0, 0, end);
            buf = bigger;
          }
          const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
          const eof = bytesRead === 0;
          end += bytesRead;
          let start = 0;
          if (first) {
            if (end < 3 && !eof) continue;
            first = false;
            if (end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
          }
          const lastNl = buf.subarray(0, end).lastIndexOf(10);
          const cut = eof ? end : lastNl + 1;
          if (cut <= start) {
            if (eof) break;
            continue; // no complete line yet: read more (the buffer grows if full)
          }
          const bytes = new Uint8Array(cut - start);
          bytes.set(buf.subarray(start, cut));
          // Count on a Buffer view: Buffer#indexOf is native memchr, TypedArray#indexOf is not.
          const counted = Buffer.from(bytes.buffer, 0, bytes.byteLength);
          let lines = 0;
          for (let i = counted.indexOf(10); i !== -1; i = counted.indexOf(10, i + 1)) lines++;
          const unterminatedTail = eof && bytes[bytes.length - 1] !== 10;
          await dispatch({ seq: nextSeq++, file, fileOffset: fileOffset + start, startLine: line, unterminatedTail, bytes });
          line += lines + (unterminatedTail ? 1 : 0);
          if (eof) break;
          buf.copy(buf, 0, cut, end);
          fileOffset += cut;
          end -= cut;
        }
      } finally {
        await fh.close();
      }
    }
    while (nextToWrite < nextSeq) await writeNext();
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const groups = collector.finish(opts.scaleRewards ?? false, summary);
  return { summary, groups };
}
