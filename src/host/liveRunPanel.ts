// The live view of a checkpoint run: a webview panel with the rollout app over an in-memory
// RolloutViewModel, one row per sample. Streamed text reaches the view as throttled
// `streamDelta` events (the view re-parses and re-renders the selected trace); a finished sample
// is scored and the view re-reads it (format/accuracy chips appear). Stop (`cancelRun`) aborts
// the run through `onCancel`. The panel stays open after the run, showing the scored samples.

import * as vscode from 'vscode';
import type { HostMethods, RolloutDetail } from '../protocol/messages';
import type { RolloutRecord, ScoredRollout } from '../core/types';
import { scoreRecord } from '../core/score';
import { RolloutViewModel, summarise } from '../core/viewModel';
import type { RunQuestion } from '../core/run/runCheckpoint';
import { DeltaThrottle } from './deltaThrottle';
import { Disposable } from './dispose';
import type { Log } from './log';
import { RpcServer } from './rpcServer';
import { renderWebviewHtml } from './webviewHtml';

export const LIVE_VIEW_TYPE = 'omnitrace.liveRun';

export interface LiveRunInfo {
  title: string;
  model: string;
  clip: string;
  question: RunQuestion;
  n: number;
}

export class LiveRunPanel extends Disposable {
  readonly panel: vscode.WebviewPanel;
  private readonly server: RpcServer;
  private readonly model: RolloutViewModel;
  private readonly texts: string[] = [];
  private readonly scored: (ScoredRollout | undefined)[] = [];
  private readonly throttle: DeltaThrottle;
  private running = true;

  constructor(
    private readonly extensionUri: vscode.Uri,
    log: Log,
    private readonly info: LiveRunInfo,
    private readonly onCancel: () => void,
  ) {
    super();
    this.panel = vscode.window.createWebviewPanel(LIVE_VIEW_TYPE, info.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
    });
    this.model = new RolloutViewModel({
      title: info.title,
      fileName: `${info.model} (running)`,
      format: 'live run',
      host: 'vscode',
      trusted: true,
      getDetail: async (i) => this.scoredAt(i),
      getMedia: () => ({ status: 'missing', path: info.clip, reason: 'the clip shows once the run is saved' }),
    });
    for (let i = 0; i < info.n; i++) this.ensure(i);
    const webview = this.panel.webview;
    this.server = this._register(
      new RpcServer((m) => webview.postMessage(m), {
        getInit: async () => ({ ...(await this.model.getInit()), live: this.running }),
        getRows: (p) => this.model.getRows(p),
        locateRow: (p) => this.model.handle('locateRow', p),
        getRollout: (p) => this.getRollout(p),
        revealSource: () => ({ revealed: false }),
        cancelRun: () => {
          if (!this.running) return { cancelled: false };
          onCancel();
          return { cancelled: true };
        },
      }, { onError: (message, err) => log.error(`live run: ${message}`, err) }),
    );
    this.throttle = new DeltaThrottle((d) => void this.server.emit('streamDelta', d));
    this._register({ dispose: () => this.throttle.dispose() });
    webview.html = renderWebviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js')).toString(),
      title: info.title,
      view: 'rollouts',
    }).html;
    this._register(webview.onDidReceiveMessage((m) => this.server.handle(m)));
    this._register(this.panel.onDidChangeViewState(() => { if (!this.panel.visible) this.server.resetReady(); }));
    this._register(this.panel.onDidDispose(() => this.dispose()));
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Streamed text for sample `index` (from runCheckpoint's onDelta). */
  delta(index: number, text: string): void {
    if (this.isDisposed || !this.running) return;
    const fresh = this.ensure(index);
    this.texts[index] += text;
    this.throttle.push(index, text);
    if (fresh) {
      this.model.invalidate();
      this.server.emit('invalidate', { reason: 'new sample' });
    }
  }

  /**
   * The run ended (finished, stopped or failed): every sample is scored, each gets `done`, and
   * the view re-reads its rows. `completions` are the saved samples' texts, when known.
   */
  finish(completions?: string[]): void {
    if (this.isDisposed || !this.running) return;
    completions?.forEach((c, i) => {
      this.ensure(i);
      const had = this.texts[i]!;
      if (c.startsWith(had) && c.length > had.length) this.delta(i, c.slice(had.length));
      else if (c !== had) this.texts[i] = c;
    });
    this.throttle.flush();
    this.running = false;
    for (let i = 0; i < this.texts.length; i++) {
      this.scored[i] = scoreRecord(this.record(i));
      this.model.add(summarise(this.scored[i]!));
    }
    this.model.invalidate();
    for (let i = 0; i < this.texts.length; i++) this.throttle.done(i);
    this.server.emit('invalidate', { reason: 'run finished' });
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
      this.model.add(streamingRow(scoreRecord(this.record(i))));
    }
    return true;
  }

  private record(i: number): RolloutRecord {
    const q = this.info.question;
    // As the reader takes the saved run back: a bare answer is the reference <answer>.
    const solution = q.solution !== undefined && !q.solution.includes('<answer>') ? `<answer>${q.solution}</answer>` : q.solution ?? (q.answer !== undefined ? `<answer>${q.answer}</answer>` : undefined);
    return {
      index: i,
      id: `sample ${i + 1}`,
      source: { file: `${this.info.model} (live)`, recordIndex: i },
      checkpoint: this.info.model,
      clip: { path: this.info.clip },
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
