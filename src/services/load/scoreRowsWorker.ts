// Reads and scores a rollout file on a worker thread for the rollout view, so the extension
// host's thread only adds rows and answers the view: the first page goes out as soon as it is
// scored, then batches every BATCH_MS. Each row is what the table shows (RowSummary) plus where to
// read its full record again (a SourceRef for JSON lines, the record itself otherwise), packed
// (core/rowBatch.ts). At the end: the GRPO groups and how they were formed. Problems go out as
// they are met. Pure Node: the bundle (dist/scoreRowsWorker.js) has no `vscode`.

import { parentPort, workerData } from 'node:worker_threads';
import { scoreFile, type ScoreOptions } from '../../core/score';
import { detailRefOf } from '../../core/readers/index';
import { summarise } from '../../core/viewModel';
import type { GroupStats, GroupingInfo, ReadProblem } from '../../core/types';
import { RowBatchEncoder, transferablesOf, type RowBatch } from '../../core/rowBatch';
import { errorText } from '../../core/errors';

export interface ScoreRowsRequest {
  file: string;
  options: ScoreOptions;
  /**
   * After the first page, wait until the host says `resume` (its view has painted those rows) or
   * this many ms have passed. On 2 cores a worker scoring at full speed made the view's page
   * load, fetch its script and paint its first frame compete for the CPU.
   */
  holdAfterFirstPageMs?: number;
}

export type ScoreRowsMessage =
  | { type: 'rows'; batches: RowBatch[] }
  | { type: 'problem'; problem: ReadProblem }
  /**
   * GRPO groups, in slices: `table` holds the statistics new in this slice (members of a group
   * with the same total share one), and rollout `indices[i]` has statistics `refs[i]` (a position
   * in every table sent so far). A million GroupStats objects, one per rollout, were the largest
   * single copy of a load.
   */
  | { type: 'groups'; table: GroupStats[]; indices: Int32Array; refs: Int32Array }
  /** Waiting after the first page (holdAfterFirstPageMs) until `resume` or the time is up. */
  | { type: 'held' }
  | { type: 'done'; grouping?: GroupingInfo }
  | { type: 'error'; message: string };

/** Rows of the first batch: a screenful, sent before anything else is scored. */
export const FIRST_BATCH = 100;
const BATCH_MS = 100;
/**
 * Rows kept before they are sent whatever the time: rows held for 100 ms outlived the young
 * generation and were promoted, so at a million rows the worker's heap grew by hundreds of MB of
 * garbage waiting for a full collection.
 */
const ROWS_PER_MESSAGE = 2000;
const GROUPS_PER_MESSAGE = 20_000;
/**
 * Row messages the host may have unread before scoring waits, so a host thread slower than the
 * worker (busy with the view) cannot let messages pile up in the port without bound.
 */
const MAX_UNREAD = 4;

/** What the host sends the worker: that it has read one more row message, or that a hold is over. */
export type ScoreRowsControl = { type: 'read' } | { type: 'resume' };

async function serve(req: ScoreRowsRequest, post: (m: ScoreRowsMessage) => void, onControl: (listener: (m: ScoreRowsControl) => void) => void): Promise<void> {
  const rows = new RowBatchEncoder();
  let sent = 0;
  let last = Date.now();
  let unread = 0;
  let wake: (() => void) | undefined;
  // A resume that comes before the first page means no hold at all.
  let resumed = !req.holdAfterFirstPageMs;
  let release: (() => void) | undefined;
  onControl((m) => {
    if (m.type === 'resume') {
      resumed = true;
      release?.();
      return;
    }
    unread--;
    if (wake && unread < MAX_UNREAD) {
      wake();
      wake = undefined;
    }
  });
  const hold = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => release?.(), req.holdAfterFirstPageMs);
      release = () => {
        release = undefined;
        clearTimeout(timer);
        resolve();
      };
      post({ type: 'held' });
    });
  const flush = () => {
    if (!rows.length) return;
    sent += rows.length;
    post({ type: 'rows', batches: rows.take() });
    unread++;
    last = Date.now();
  };
  const run = await scoreFile(req.file, req.options, {
    problem: (problem) => post({ type: 'problem', problem }),
    record: (scored) => {
      rows.add(summarise(scored), detailRefOf(scored.record));
      if (sent === 0 && rows.length === FIRST_BATCH) {
        flush();
        if (!resumed) return hold();
      } else if (rows.length >= ROWS_PER_MESSAGE || Date.now() - last >= BATCH_MS) flush();
      return unread < MAX_UNREAD ? undefined : new Promise<void>((resolve) => (wake = resolve));
    },
  });
  flush();
  const seen = new Map<string, number>();
  let table: GroupStats[] = [];
  let indices: number[] = [];
  let refs: number[] = [];
  const send = () => {
    if (!indices.length) return;
    post({ type: 'groups', table, indices: Int32Array.from(indices), refs: Int32Array.from(refs) });
    table = [];
    indices = [];
    refs = [];
  };
  // Members with the same total share one object (grpo.ts): most lookups are by identity.
  const refOf = new Map<GroupStats, number>();
  run.groups.forEach((g, i) => {
    if (!g) return;
    let ref = refOf.get(g);
    if (ref === undefined) {
      const key = groupStatsKey(g);
      ref = seen.get(key);
      if (ref === undefined) {
        ref = seen.size;
        seen.set(key, ref);
        table.push(g);
      }
      refOf.set(g, ref);
    }
    indices.push(i);
    refs.push(ref);
    if (indices.length === GROUPS_PER_MESSAGE) send();
  });
  send();
  post({ type: 'done', ...(run.summary.grouping ? { grouping: run.summary.grouping } : {}) });
}

/** Every field of GroupStats (types.ts), so only equal statistics share an object. */
function groupStatsKey(g: GroupStats): string {
  return [g.id, g.size, g.mean, g.std, g.total, g.advantage, g.zeroVariance, g.singleton, g.scaleRewards, g.rule, g.totalSource, g.recordedAdvantage, g.advantageMismatch, g.excluded, g.note].join(
    '\u0000',
  );
}

if (parentPort && workerData?.omnitraceScoreRows) {
  const port = parentPort;
  serve(
    workerData.request as ScoreRowsRequest,
    (m) => port.postMessage(m, m.type === 'groups' ? [m.indices.buffer as ArrayBuffer, m.refs.buffer as ArrayBuffer] : m.type === 'rows' ? transferablesOf(m.batches) : []),
    (listener) => port.on('message', (m: ScoreRowsControl) => (m?.type === 'read' || m?.type === 'resume') && listener(m)),
  ).catch((e) => port.postMessage({ type: 'error', message: errorText(e) } satisfies ScoreRowsMessage));
}
