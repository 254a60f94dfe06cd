// The live view of a checkpoint run: a webview panel with the rollout app over an in-memory
// RolloutViewModel, one row per sample. Streamed text reaches the view as throttled
// `streamDelta` events (the view re-parses and re-renders the selected trace). Each sample is
// scored the moment its finish_reason arrives (format, accuracy), and its judged rewards join
// when the judge answers; the run strip (`runProgress`: state, tokens, latency, verdicts, "k of
// n done") follows along. Stop (`cancelRun`) aborts the run through `onCancel`. The panel stays
// open after the run, showing the scored samples.

import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostMethods, LiveRunProgress, LiveSample, MediaInfo, RolloutDetail } from '../protocol/messages';
import type { LiveRunMethods } from '../protocol/liveRun';
import type { RewardResult, RolloutRecord, ScoredRollout } from '../core/types';
import { mediaKindOf } from '../core/mediaPaths';
import { scoreRecord } from '../core/score';
import { RolloutViewModel, summarise } from '../core/viewModel';
import type { RunQuestion } from '../services/run/runCheckpoint';
import { DeltaThrottle } from './deltaThrottle';
import type { Log } from './log';
import { PanelHost } from './panelHost';
import { handleRolloutRequest } from '../protocol/rolloutRequests';

export const LIVE_VIEW_TYPE = 'omnitrace.liveRun';

export interface LiveRunInfo {
  title: string;
  model: string;
  clip: string;
  question: RunQuestion;
  n: number;
  /** The judge profile judging each sample as it completes, if any. */
  judge?: string;
  /** The range of the clip that was sent (the player starts there). */
  range?: { start?: number; end?: number };
}

/** Progress events at most this often while tokens stream (a sample's start or end goes at once). */
const PROGRESS_EVERY_MS = 250;

export class LiveRunPanel extends PanelHost<LiveRunMethods> {
  private readonly model: RolloutViewModel;
  private readonly texts: string[] = [];
  private readonly scored: (ScoredRollout | undefined)[] = [];
  private readonly throttle: DeltaThrottle;
  private running = true;
  private readonly samples: LiveSample[] = [];
  /** When the request went out (latencies count from here); set by `requestSent`. */
  private sentAt: number | undefined;
  private progressTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    extensionUri: vscode.Uri,
    log: Log,
    private readonly info: LiveRunInfo,
    onCancel: () => void,
  ) {
    // The handlers answer from the panel's model: they reach the panel through this box.
    const self: { p?: LiveRunPanel } = {};
    const live = () => self.p!;
    super(extensionUri, log, {
      viewType: LIVE_VIEW_TYPE,
      title: info.title,
      view: 'rollouts',
      // The clip's folder too: the view plays the clip beside the streaming trace.
      resourceRoots: [vscode.Uri.file(path.dirname(info.clip))],
      handlers: {
        getInit: async () => ({ ...(await live().model.getInit()), live: live().running, run: live().progress() }),
        getRows: (p) => live().model.getRows(p),
        locateRow: (p) => handleRolloutRequest(live().model, 'locateRow', p),
        getRollout: (p) => live().getRollout(p),
        revealSource: () => ({ revealed: false }),
        // A run is labelled once saved, from its rollout view: its samples are still arriving here.
        getLabels: () => ({ enabled: false, why: 'label this run from its saved file, once it is done', blind: true, rewards: [] }),
        setLabel: () => {
          throw new Error('label this run from its saved file, once it is done');
        },
        undoLabel: () => ({ undone: false }),
        // Samples arrive from the run, not from a worker reading a file: nothing waits for the view.
        firstRowsShown: () => ({}),
        cancelRun: () => {
          if (!live().running) return { cancelled: false };
          onCancel();
          return { cancelled: true };
        },
      },
    });
    self.p = this;
    const clipKind = mediaKindOf(info.clip);
    const isRunning = () => this.running;
    this.model = new RolloutViewModel({
      title: info.title,
      // Read on every init: the view re-reads it when the run ends.
      get fileName() {
        return `${info.model} (${isRunning() ? 'running' : 'finished'})`;
      },
      format: 'live run',
      host: 'vscode',
      trusted: true,
      getDetail: async (i) => this.scoredAt(i),
      getMedia: (): MediaInfo =>
        clipKind
          ? { status: 'ok', kind: clipKind, path: info.clip, src: this.panel.webview.asWebviewUri(vscode.Uri.file(info.clip)).toString() }
          : { status: 'missing', path: info.clip, reason: 'the clip is not a video, audio or image file this view can play' },
    });
    for (let i = 0; i < info.n; i++) this.ensure(i);
    this.throttle = new DeltaThrottle((d) => void this.server.emit('streamDelta', d));
    this._register({ dispose: () => this.throttle.dispose() });
    this._register({ dispose: () => clearTimeout(this.progressTimer) });
    // Hidden without retained context, the page is discarded: hold events until it asks again.
    this._register(
      this.panel.onDidChangeViewState(() => {
        if (!this.panel.visible) this.server.resetReady();
      }),
    );
  }

  get isRunning(): boolean {
    return this.running;
  }

  // The samples are kept and scored even after the user closes the panel (its events then go
  // nowhere): the judge still gets every finished sample, and the saved run its judged rewards.

  /** Streamed text for sample `index` (from runCheckpoint's onDelta). */
  delta(index: number, text: string): void {
    if (!this.running) return;
    const fresh = this.ensure(index);
    if (this.scored[index]) return; // finished: nothing more belongs to it
    this.texts[index] += text;
    this.throttle.push(index, text);
    const s = this.samples[index]!;
    s.tokens++;
    const started = s.state === 'waiting';
    if (started) {
      s.state = 'streaming';
      if (this.sentAt !== undefined) s.firstTokenMs = Date.now() - this.sentAt;
    }
    if (fresh) {
      this.model.invalidate();
      this.server.emit('invalidate', { reason: 'new sample' });
    }
    if (started) this.emitProgress();
    else this.scheduleProgress();
  }

  /** The request went out: latencies count from now. */
  requestSent(): void {
    this.sentAt = Date.now();
  }

  /**
   * Sample `index` is finished (its finish_reason arrived) while others may still stream: it is
   * scored now, its row and detail show format and accuracy, and the strip says done.
   */
  sampleDone(index: number, finishReason?: string): void {
    if (!this.running) return;
    this.ensure(index);
    if (this.scored[index]) return;
    this.complete(index, 'done', finishReason);
    this.throttle.done(index);
    this.model.invalidate();
    this.server.emit('invalidate', { reason: 'sample done' });
    this.emitProgress();
  }

  /** The judge's calls for a finished sample went out. */
  judging(index: number): void {
    const s = this.samples[index];
    if (!s) return;
    s.judge = 'judging';
    this.emitProgress();
  }

  /** The judged rewards of a finished sample: onto its row, its chips and the strip. */
  judged(index: number, rewards: Record<string, RewardResult>): void {
    const scored = this.scored[index];
    const s = this.samples[index];
    if (!scored || !s) return;
    scored.rewards = { ...scored.rewards, ...rewards };
    this.model.add(summarise(scored));
    s.judge = 'judged';
    for (const [name, r] of Object.entries(rewards)) s.rewards[name] = { value: r.value, status: r.status };
    this.model.invalidate();
    this.server.emit('invalidate', { reason: 'sample judged' });
    this.emitProgress();
  }

  /** The finished sample as scored (what the judge is given), once it is done. */
  scoredSample(index: number): ScoredRollout | undefined {
    return this.scored[index];
  }

  /**
   * The run ended (finished, stopped or failed): every sample is scored, each gets `done`, and
   * the view re-reads its rows. `completions` are the saved samples' texts, when known.
   */
  finish(completions?: string[], outcome: { stopped?: boolean } = {}): void {
    if (!this.running) return;
    completions?.forEach((c, i) => {
      this.ensure(i);
      if (this.scored[i]) return;
      const had = this.texts[i]!;
      if (c.startsWith(had) && c.length > had.length) this.delta(i, c.slice(had.length));
      else if (c !== had) this.texts[i] = c;
    });
    this.throttle.flush();
    this.running = false;
    // Samples the server finished were scored as they ended; the rest end here.
    for (let i = 0; i < this.texts.length; i++) {
      if (this.scored[i]) continue;
      this.complete(i, outcome.stopped ? 'stopped' : 'done');
      this.throttle.done(i);
    }
    this.model.invalidate();
    this.server.emit('invalidate', { reason: 'run finished' });
    this.emitProgress();
  }

  /** The strip's state (also part of getInit, for a page that loads mid-run). */
  progress(): LiveRunProgress {
    const p: LiveRunProgress = {
      n: Math.max(this.info.n, this.samples.length),
      done: this.samples.filter((s) => s.state === 'done').length,
      running: this.running,
      samples: this.samples.map((s) => ({ ...s, rewards: { ...s.rewards } })),
    };
    if (this.info.judge) p.judge = this.info.judge;
    return p;
  }

  private complete(index: number, state: 'done' | 'stopped', finishReason?: string): void {
    const scored = scoreRecord(this.record(index));
    this.scored[index] = scored;
    this.model.add(summarise(scored));
    const s = this.samples[index]!;
    s.state = state;
    if (this.sentAt !== undefined) s.latencyMs = Date.now() - this.sentAt;
    if (finishReason) s.finishReason = finishReason;
    s.formatOk = scored.trace.formatOk;
    const row = this.model.row(index);
    if (row?.formatReason) s.formatReason = row.formatReason;
    for (const [name, r] of Object.entries(scored.rewards)) s.rewards[name] = { value: r.value, status: r.status };
  }

  private emitProgress(): void {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    if (!this.isDisposed) this.server.emit('runProgress', this.progress());
  }

  private scheduleProgress(): void {
    this.progressTimer ??= setTimeout(() => this.emitProgress(), PROGRESS_EVERY_MS);
  }

  /** The text so far of each sample. */
  get completions(): readonly string[] {
    return this.texts;
  }

  private ensure(index: number): boolean {
    if (index < this.texts.length) return false;
    while (this.texts.length <= index) {
      const i = this.texts.length;
      this.texts.push('');
      this.samples.push({ index: i, state: 'waiting', tokens: 0, rewards: {} });
      this.model.add(streamingRow(scoreRecord(this.record(i))));
    }
    return true;
  }

  private record(i: number): RolloutRecord {
    const q = this.info.question;
    // As the reader takes the saved run back: a bare answer is the reference <answer>.
    const solution =
      q.solution !== undefined && !q.solution.includes('<answer>') ? `<answer>${q.solution}</answer>` : (q.solution ?? (q.answer !== undefined ? `<answer>${q.answer}</answer>` : undefined));
    return {
      index: i,
      id: `sample ${i + 1}`,
      source: { file: `${this.info.model} (live)`, recordIndex: i },
      checkpoint: this.info.model,
      clip: { path: this.info.clip, ...this.info.range },
      question: { problem: q.problem, options: q.options, problemType: q.problemType },
      reference: { answer: q.answer, solution },
      completion: this.texts[i] ?? '',
    };
  }

  private scoredAt(i: number): ScoredRollout {
    if (i < 0 || i >= this.texts.length) throw new Error(`no sample ${i}`);
    return this.scored[i] ?? scoreRecord(this.record(i));
  }

  private async getRollout(p: HostMethods['getRollout']['params']): Promise<RolloutDetail> {
    const detail = await this.model.getRollout(p);
    // Rewards are shown once the sample is finished and scored, not on half a trace.
    if (this.scored[p.index]) return detail;
    return { ...detail, scored: { ...detail.scored, rewards: {} }, modality: undefined };
  }
}

/** A row for a sample still streaming: no rewards yet. */
function streamingRow(s: ScoredRollout) {
  return { ...summarise(s), rewards: {}, formatOk: false, formatReason: 'streaming' };
}
