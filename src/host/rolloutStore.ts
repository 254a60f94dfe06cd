// The data side of an open rollout file, free of the `vscode` runtime: streams the file through
// the readers and scoring into a RolloutViewModel, keeps one small summary per rollout in
// memory, and fetches full records on demand (by byte offset for JSONL; JSON and parquet rows
// are kept, since re-reading them means re-parsing the whole file). The CustomDocument wraps
// this with file watching, logging and media URIs.
//
// Loads are newest-wins: starting one aborts the previous. The first load streams into the
// visible model so rows appear while a large file is read; later loads (file changed, settings
// changed) build a fresh model and swap it in when complete, so a log that a trainer keeps
// appending to does not empty the table on every write.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { basename } from 'node:path';
import type { MediaInfo, RowSummary, WebviewEvents } from '../protocol/messages';
import type { ReadProblem, RewardResult, RolloutRecord, ScoredRollout, SourceRef } from '../core/types';
import { DetailIndex, isRecordDetail } from '../core/detailIndex';
import { RolloutViewModel, assignGroup, summarise, withShortcutVerdicts, type RolloutSource } from '../core/viewModel';
import { detailRefOf, detectFormat, readRolloutAt, readRollouts, type FormatName, type ReadOptions } from '../core/readers/index';
import { scoreFile, scoreRecord, type ScoreOptions } from '../core/score';
import type { AdvantageRule } from '../core/grpo';
import type { GroupingInfo, GroupStats } from '../core/types';
import { FIRST_BATCH, type ScoreRowsControl, type ScoreRowsMessage, type ScoreRowsRequest } from '../services/load/scoreRowsWorker';
import { Disposable, toDisposable } from './dispose';
import { Emitter } from './events';
import { errorMessage } from './rpcServer';
import type { CueInventory, ShortcutLine, ShortcutSummary } from '../core/shortcuts/types';
import { readInventory } from '../core/shortcuts/sidecar';
import type { RegressionVariant } from '../core/rewards/accuracy';
import { CancellationError } from '../core/errors';
import { RowBatchDecoder } from '../core/rowBatch';

/** A shortcut analysis of this file: by rollout index, with its rates and where its inventories are. */
interface ShortcutState {
  lines: Map<number, ShortcutLine>;
  summary: ShortcutSummary;
  cuesDir: string;
  /** Inventories read back recently: a GRPO group's rollouts share one clip, and readers step through them. */
  inventories: Map<string, Promise<CueInventory>>;
}

const INVENTORIES_KEPT = 8;

export interface ScoreSettings {
  scaleRewards: boolean;
  regressionVariant: RegressionVariant;
  groupSize?: number;
  advantage?: AdvantageRule;
  total?: 'recorded' | 'recomputed';
}

class LoadCancelled extends CancellationError {}

/** The scoring worker reached its heap limit: the load is tried again without one. */
class WorkerOutOfMemory extends Error {}

/**
 * The scoring worker's heap limits. Its live set is small while it reads (one batch of rows) and
 * at the end (the groups); without limits V8 let its heap grow to about 400 MB, mostly garbage, at
 * a million rows. 128 MB held on Node 20, but the Node 24 of today's VS Code and code-server ran
 * out at the end of a million rows and read the whole file again; with 256 MB the worker ends at
 * about 315 MB for the process. A file that really needs more (groups keyed by long prompt texts)
 * is read again without limits.
 */
const WORKER_OLD_GENERATION_MB = 256;
const WORKER_YOUNG_GENERATION_MB = 8;

export interface LoadOptions {
  /** undefined = detect from the file. */
  format?: FormatName;
  map?: Record<string, string>;
  score: ScoreSettings;
  /** How many problems are written to the log one by one (the rest are counted). */
  maxProblems: number;
}

export interface StoreHost {
  title: string;
  fileName: string;
  trusted(): boolean;
  /** Media for a rollout, already in the form the view can load. */
  getMedia(scored: ScoredRollout): Promise<MediaInfo>;
  /**
   * The worker bundle that reads and scores the file off this thread (dist/scoreRowsWorker.js);
   * without one the load runs here, yielding between batches.
   */
  scoreWorker?: string;
  /** The worker's old-generation limit in MB (default WORKER_OLD_GENERATION_MB; tests set a tiny one). */
  workerHeapMb?: number;
  /**
   * The first load's worker waits after the first page until resumeLoad() (the view has painted
   * those rows) or this many ms: on 2 cores, a view starting beside a worker at full speed showed
   * a 100k-rollout file's first rows 300–550 ms after a 10-rollout file's (bench:editor).
   */
  holdAfterFirstPageMs?: number;
}

export interface LoadResult {
  status: 'done' | 'cancelled' | 'failed';
  read: number;
  skipped: number;
  format?: string;
  error?: string;
  ms: number;
  /** Time the extension host's thread was busy during the load (anyone's work, not only ours). */
  hostBusyMs: number;
}

/** What one load produced; a reload replaces the whole generation at once. */
interface Generation {
  model: RolloutViewModel;
  options: LoadOptions;
  format: FormatName | undefined;
  /** How the groups were formed (known once the whole file is scored). */
  grouping?: GroupingInfo;
  /** Where to get the full record back: a SourceRef to re-read, or the record itself. */
  details: DetailIndex;
  /** By rollout index (a sparse array: a Map of a million entries cost several times more). */
  groups: (GroupStats | undefined)[];
  /** Judged rewards (context, logic, free-form accuracy) by index, merged over the rule rewards. */
  judged: Map<number, Record<string, RewardResult>>;
}

const PROGRESS_EVERY_MS = 150;
const GROW_EVERY_MS = 500;
const GROW_FACTOR = 1.5;
/** Rows read before the table first shows them: a screenful, so a large file shows at once. */
const FIRST_PAGE_ROWS = FIRST_BATCH;
const YIELD_EVERY_MS = 30;

/** (rollout index, its group statistics) from the worker's slices, without a tuple per rollout held. */
function* groupPairs(table: GroupStats[], slices: { indices: Int32Array; refs: Int32Array }[]): Generator<[number, GroupStats]> {
  for (const { indices, refs } of slices) for (let i = 0; i < indices.length; i++) yield [indices[i]!, table[refs[i]!]!];
}

export class RolloutStore extends Disposable {
  private current: Generation;
  private loadSeq = 0;
  private running: AbortController | undefined;
  private everLoaded = false;
  /** Cleared for good once the worker ran out of its limited heap on this file. */
  private limitWorkerHeap = true;
  /** Kept across reloads: the sidecar is keyed by index, which a re-read of the same file keeps. */
  private shortcuts: ShortcutState | undefined;
  /** Ends the running load's hold after its first page (a no-op once it has ended). */
  private resumeRunning: (() => void) | undefined;
  /** A view has painted rows of this file: no later load holds. */
  private shown = false;

  /** Whether loads still run the worker with a limited heap (false after one ran out of it). */
  get workerHeapLimited(): boolean {
    return this.limitWorkerHeap;
  }

  private readonly _onDidProgress = this._register(new Emitter<WebviewEvents['progress']>());
  /** Throttled while reading; once with done: true at the end. */
  readonly onDidProgress = this._onDidProgress.event;
  private readonly _onDidInvalidate = this._register(new Emitter<WebviewEvents['invalidate']>());
  /** The model changed: views re-request what they show. */
  readonly onDidInvalidate = this._onDidInvalidate.event;
  private readonly _onDidHold = this._register(new Emitter<void>());
  /** The load waits after its first page (holdAfterFirstPageMs) until resumeLoad() or the time is up. */
  readonly onDidHold = this._onDidHold.event;
  private readonly _onDidProblem = this._register(new Emitter<ReadProblem>());
  /** Every read problem, also beyond the listed maximum (for the log). */
  readonly onDidProblem = this._onDidProblem.event;

  constructor(
    readonly file: string,
    private readonly host: StoreHost,
    initial: LoadOptions,
  ) {
    super();
    this.current = this.newGeneration(initial);
    this._register(toDisposable(() => this.running?.abort()));
  }

  get model(): RolloutViewModel {
    return this.current.model;
  }

  get options(): LoadOptions {
    return this.current.options;
  }

  /** The format the last load used ('detecting' before it knows). */
  get format(): string {
    return this.current.format ?? 'detecting';
  }

  get isLoading(): boolean {
    return this.running !== undefined;
  }

  /** Read (or re-read) the file. Resolves when this load ends, however it ends. */
  async load(options: LoadOptions = this.current.options, reason = 'reloaded'): Promise<LoadResult> {
    this.running?.abort();
    const abort = new AbortController();
    this.running = abort;
    const seq = ++this.loadSeq;
    const started = Date.now();
    const elu = performance.eventLoopUtilization();
    const streaming = !this.everLoaded;
    const gen = this.newGeneration(options);
    // Until a load completes, the visible model is the one being filled (a superseded first
    // load's partial rows are dropped with its generation).
    if (streaming) this.current = gen;
    gen.model.setComplete(false);

    let read = 0;
    let skipped = 0;
    let lastProgress = 0;
    let lastGrow = Date.now();
    let grownAt = FIRST_PAGE_ROWS;
    let lastYield = Date.now();
    const progress = (done: boolean) => {
      lastProgress = Date.now();
      this._onDidProgress.fire({ read, skipped, done });
    };
    const finishWith = (status: LoadResult['status'], error?: string): LoadResult => {
      if (this.running === abort) this.running = undefined;
      return { status, read, skipped, format: gen.format, error, ms: Date.now() - started, hostBusyMs: performance.eventLoopUtilization(elu).active };
    };

    try {
      gen.format = options.format ?? (await detectFormat(this.file)).format;
      if (streaming) {
        gen.model.invalidate();
        this._onDidInvalidate.fire({ reason: 'format detected' });
      }
      const onProblem = (p: ReadProblem) => {
        skipped++;
        this._onDidProblem.fire(p);
        gen.model.addProblem(p);
      };
      /** One row added; the first page and then every GROW_EVERY_MS are shown while reading. */
      const added = () => {
        read++;
        const now = Date.now();
        if (now - lastProgress >= PROGRESS_EVERY_MS) progress(false);
        // Each growth makes the view recompute its page and summary over every row so far: growing
        // by half again at least keeps that linear in the file's size (1M rows: ~30 refreshes).
        if (streaming && (read === FIRST_PAGE_ROWS || (now - lastGrow >= GROW_EVERY_MS && read >= grownAt * GROW_FACTOR))) {
          lastGrow = now;
          grownAt = read;
          gen.model.invalidate();
          this._onDidInvalidate.fire({ reason: 'loading' });
        }
      };
      let result: { groups: Iterable<[number, GroupStats]>; grouping?: GroupingInfo };
      if (this.host.scoreWorker) {
        // Only the first load holds: a reload keeps the old rows on screen until it is done.
        const hold = streaming && !this.shown ? this.host.holdAfterFirstPageMs : undefined;
        result = await this.loadInWorker(
          this.host.scoreWorker,
          gen,
          abort.signal,
          onProblem,
          (row, detail) => {
            gen.details.set(row.index, detail);
            gen.model.add(this.withShortcut(row));
            added();
          },
          hold,
        );
      } else {
        const run = await scoreFile(this.file, this.scoreOptions(gen), {
          problem: onProblem,
          record: async (scored) => {
            // Throwing out of the sink ends scoreFile's read loop, which closes the file.
            if (abort.signal.aborted) throw new LoadCancelled();
            const record = scored.record;
            gen.details.set(record.index, detailRefOf(record));
            gen.model.add(this.withShortcut(summarise(scored)));
            added();
            if (read === FIRST_PAGE_ROWS || Date.now() - lastYield >= YIELD_EVERY_MS) {
              // Scoring is synchronous here: let webview requests and UI events in between batches.
              await yieldToEventLoop();
              lastYield = Date.now();
              if (abort.signal.aborted) throw new LoadCancelled();
            }
          },
        });
        result = { groups: run.groups.flatMap((g, i): [number, GroupStats][] => (g ? [[i, g]] : [])), ...(run.summary.grouping ? { grouping: run.summary.grouping } : {}) };
      }
      if (abort.signal.aborted || seq !== this.loadSeq) return finishWith('cancelled');
      // Group statistics need every member of a group: applied once the whole file is read.
      gen.grouping = result.grouping;
      for (const [index, group] of result.groups) {
        gen.groups[index] = group;
        // This load's own rows: filled in place (the view re-reads them at the commit below).
        const row = gen.model.row(index);
        if (row) assignGroup(row, group);
      }
    } catch (err) {
      if (err instanceof LoadCancelled || abort.signal.aborted || seq !== this.loadSeq) return finishWith('cancelled');
      if (err instanceof WorkerOutOfMemory && this.limitWorkerHeap) {
        this.limitWorkerHeap = false;
        if (this.running === abort) this.running = undefined;
        return this.load(options, reason);
      }
      const problem: ReadProblem = { file: this.file, message: errorMessage(err) };
      this._onDidProblem.fire(problem);
      gen.model.addProblem(problem);
      this.commit(gen, streaming, 'read failed');
      progress(true);
      return finishWith('failed', problem.message);
    }
    this.commit(gen, streaming, reason);
    progress(true);
    return finishWith('done');
  }

  /**
   * Reads and scores the file on a worker thread (services/load/scoreRowsWorker.ts): this thread
   * only adds the rows it sends. Resolves with the groups; an abort terminates the worker.
   */
  private loadInWorker(
    script: string,
    gen: Generation,
    signal: AbortSignal,
    onProblem: (p: ReadProblem) => void,
    onRow: (row: RowSummary, detail: SourceRef | RolloutRecord) => void,
    hold: number | undefined,
  ): Promise<{ groups: Iterable<[number, GroupStats]>; grouping?: GroupingInfo }> {
    if (signal.aborted) return Promise.reject(new LoadCancelled());
    const request: ScoreRowsRequest = { file: this.file, options: this.scoreOptions(gen), ...(hold ? { holdAfterFirstPageMs: hold } : {}) };
    const worker = new Worker(script, {
      workerData: { omnitraceScoreRows: true, request },
      // The worker is a self-contained bundle: it needs none of the host's Node flags. Inherited
      // loader hooks (tsx, in tests and the bench) cost 150 ms of start-up before the first page.
      execArgv: [],
      ...(this.limitWorkerHeap ? { resourceLimits: { maxOldGenerationSizeMb: this.host.workerHeapMb ?? WORKER_OLD_GENERATION_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } } : {}),
    });
    const table: GroupStats[] = [];
    const rows = new RowBatchDecoder();
    const slices: { indices: Int32Array; refs: Int32Array }[] = [];
    const resume = () => worker.postMessage({ type: 'resume' } satisfies ScoreRowsControl);
    if (hold) this.resumeRunning = resume;
    const forget = () => {
      if (this.resumeRunning === resume) this.resumeRunning = undefined;
    };
    return new Promise((resolve, reject) => {
      const stop = () => {
        forget();
        void worker.terminate();
        reject(new LoadCancelled());
      };
      signal.addEventListener('abort', stop, { once: true });
      const settle = (f: () => void) => {
        signal.removeEventListener('abort', stop);
        forget();
        void worker.terminate();
        f();
      };
      worker.on('message', (m: ScoreRowsMessage) => {
        if (signal.aborted) return;
        if (m.type === 'rows') {
          for (const b of m.batches) rows.decode(b, onRow);
          worker.postMessage({ type: 'read' } satisfies ScoreRowsControl);
        } else if (m.type === 'held') this._onDidHold.fire();
        else if (m.type === 'problem') onProblem(m.problem);
        else if (m.type === 'groups') {
          table.push(...m.table);
          slices.push({ indices: m.indices, refs: m.refs });
        } else if (m.type === 'done') settle(() => resolve({ groups: groupPairs(table, slices), ...(m.grouping ? { grouping: m.grouping } : {}) }));
        else settle(() => reject(new Error(m.message)));
      });
      worker.on('error', (e) => settle(() => reject((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY' ? new WorkerOutOfMemory(e.message) : e)));
      worker.on('exit', (code) => {
        if (!signal.aborted) settle(() => reject(new Error(`the scoring worker stopped (exit ${code}) before the end of the file`)));
      });
    });
  }

  private commit(gen: Generation, streaming: boolean, reason: string): void {
    gen.model.setComplete(true);
    gen.model.invalidate();
    this.current = gen;
    this.everLoaded = true;
    this._onDidInvalidate.fire({ reason: streaming ? 'loaded' : reason });
  }

  /** A view has painted its first rows: the load goes on at full speed (see holdAfterFirstPageMs). */
  resumeLoad(): void {
    this.shown = true;
    this.resumeRunning?.();
  }

  /** Stop the running load (the document closed or the user cancelled). */
  cancel(): void {
    this.running?.abort();
    this.running = undefined;
  }

  /** The full scored rollout for one index of the current generation. */
  async getDetail(index: number, gen: Generation = this.current): Promise<ScoredRollout> {
    const where = gen.details.get(index);
    if (!where) throw new Error(`no rollout with index ${index}`);
    let record: RolloutRecord;
    if (isRecordDetail(where)) {
      record = where;
    } else {
      const opts: ReadOptions & { index?: number } = { index };
      if (gen.format) opts.format = gen.format;
      if (gen.options.map && Object.keys(gen.options.map).length) opts.map = gen.options.map;
      const item = await readRolloutAt(where, opts);
      if (item.kind === 'problem') throw new Error(item.problem.message);
      record = item.record;
    }
    const scored = scoreRecord(record, this.scoreOptions(gen));
    const group = gen.groups[index];
    if (group) scored.group = group;
    const judged = gen.judged.get(index);
    if (judged) scored.rewards = { ...scored.rewards, ...judged };
    return scored;
  }

  /** Indices of the current generation, in file order (what "judge all" walks). */
  indices(): number[] {
    return [...this.current.details.keys()];
  }

  /**
   * Merges judged rewards into one rollout's row and detail. Call `refresh` after a batch. A
   * reload starts a new generation without them: re-judging then comes from the judge cache.
   */
  applyJudged(index: number, rewards: Record<string, RewardResult>): void {
    const gen = this.current;
    gen.judged.set(index, { ...gen.judged.get(index), ...rewards });
    const row = gen.model.row(index);
    if (!row) return;
    const cells = { ...row.rewards };
    for (const [name, r] of Object.entries(rewards)) cells[name] = { value: r.value, status: r.status };
    gen.model.add({ ...row, rewards: cells });
  }

  /** Shows a shortcut analysis (from `Find Shortcuts` or a sidecar); replaces any earlier one. */
  applyShortcuts(lines: ShortcutLine[], summary: ShortcutSummary, cuesDir: string): void {
    this.shortcuts = { lines: new Map(lines.map((l) => [l.index, l])), summary, cuesDir, inventories: new Map() };
    const gen = this.current;
    for (const index of gen.details.keys()) {
      const row = gen.model.row(index);
      if (row) gen.model.add(this.withShortcut(row));
    }
    this.refresh('shortcuts analysed');
  }

  private withShortcut(row: RowSummary): RowSummary {
    return withShortcutVerdicts(row, this.shortcuts?.lines.get(row.index));
  }

  private async shortcutOf(index: number): Promise<{ shortcut?: ShortcutLine['shortcut']; cues?: CueInventory; error?: string } | undefined> {
    const state = this.shortcuts;
    const line = state?.lines.get(index);
    if (!state || !line) return undefined;
    if (line.error) return { error: line.error };
    const key = line.shortcut?.inventoryKey;
    if (!key) return { shortcut: line.shortcut };
    try {
      let cues = state.inventories.get(key);
      if (!cues) {
        cues = readInventory(state.cuesDir, key);
        cues.catch(() => state.inventories.delete(key));
        state.inventories.set(key, cues);
        if (state.inventories.size > INVENTORIES_KEPT) state.inventories.delete(state.inventories.keys().next().value!);
      }
      return { shortcut: line.shortcut, cues: await cues };
    } catch (e) {
      return { shortcut: line.shortcut, error: `the cue inventory ${key} could not be read back: ${errorMessage(e)}` };
    }
  }

  judgedFor(index: number): Record<string, RewardResult> | undefined {
    return this.current.judged.get(index);
  }

  /** Every judged rollout of the current load: index, id and its judged rewards. */
  judgedRows(): { index: number; id?: string; rewards: Record<string, RewardResult> }[] {
    const gen = this.current;
    return [...gen.judged].map(([index, rewards]) => {
      const id = gen.model.row(index)?.id;
      return id === undefined ? { index, rewards } : { index, id, rewards };
    });
  }

  /** Tell the views the model changed (after applyJudged). */
  refresh(reason: string): void {
    this.current.model.invalidate();
    this._onDidInvalidate.fire({ reason });
  }

  /** Indices whose question, completion or id contain `text` (lower-cased by the caller). */
  async search(text: string, gen: Generation = this.current): Promise<Set<number>> {
    const hits = new Set<number>();
    const test = (r: RolloutRecord) => {
      if ((r.question.problem ?? '').toLowerCase().includes(text) || r.completion.toLowerCase().includes(text) || (r.id ?? '').toLowerCase().includes(text)) hits.add(r.index);
    };
    let onDisk = false;
    for (const d of gen.details.values()) {
      if (isRecordDetail(d)) continue;
      onDisk = true;
      break;
    }
    if (!onDisk) {
      for (const d of gen.details.values()) test(d as RolloutRecord);
      return hits;
    }
    const opts: ReadOptions = {};
    if (gen.format) opts.format = gen.format;
    if (gen.options.map && Object.keys(gen.options.map).length) opts.map = gen.options.map;
    let lastYield = Date.now();
    for await (const item of readRollouts(this.file, opts)) {
      if (gen !== this.current || this.isDisposed) break;
      if (item.kind === 'record' && gen.details.has(item.record.index)) test(item.record);
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
    return hits;
  }

  /** Index of the rollout on a 1-based line of the file, if any. */
  indexAtLine(line: number): number | undefined {
    let best: RowSummary | undefined;
    // A record may span several lines (pretty-printed JSON): take the last one starting at or before it.
    for (const r of this.rowsOf(this.current)) {
      if (r.line === undefined || r.line > line) continue;
      if (!best || (best.line ?? 0) < r.line) best = r;
    }
    return best?.index;
  }

  private scoreOptions(gen: Generation): ScoreOptions {
    const o: ScoreOptions = { ...gen.options.score };
    if (gen.format) o.format = gen.format;
    if (gen.options.map && Object.keys(gen.options.map).length) o.map = gen.options.map;
    return o;
  }

  private *rowsOf(gen: Generation): Iterable<RowSummary> {
    for (const index of gen.details.keys()) {
      const r = gen.model.row(index);
      if (r) yield r;
    }
  }

  private newGeneration(options: LoadOptions): Generation {
    const gen: Generation = {
      model: undefined as unknown as RolloutViewModel,
      options,
      format: options.format,
      details: new DetailIndex(),
      groups: [],
      judged: new Map(),
    };
    const host = this.host;
    const source: RolloutSource = {
      title: host.title,
      fileName: host.fileName || basename(this.file),
      get format() {
        return gen.format ?? 'detecting';
      },
      host: 'vscode',
      get trusted() {
        return host.trusted();
      },
      grouping: () => gen.grouping,
      getDetail: (index) => this.getDetail(index, gen),
      getMedia: (scored) => host.getMedia(scored),
      search: (text) => this.search(text, gen),
      getShortcut: (index) => this.shortcutOf(index),
      shortcutSummary: () => this.shortcuts?.summary,
    };
    gen.model = new RolloutViewModel(source);
    return gen;
  }
}
