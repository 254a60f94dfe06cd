// The CustomDocument of the rollout editor: a thin adapter that gives a RolloutStore a file
// watcher, the output channel, the status bar and media resolution. One document per file and
// view type; several panels may show it.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MediaInfo } from '../protocol/messages';
import type { ScoredRollout } from '../core/types';
import type { FormatName } from '../core/readers/types';
import { resolveMediaPath } from '../core/mediaPaths';
import { Disposable, toDisposable } from './dispose';
import type { Log } from './log';
import { formatProblem } from './log';
import type { LoadingStatus } from './loadingStatus';
import { RolloutStore, type LoadOptions, type LoadResult } from './rolloutStore';
import { mediaRootFor, readSettings } from './settings';
import { showShortcutSidecar } from './shortcutSidecar';
import { isUnderRoots, webviewRoots } from './webviewRoots';

/**
 * How long the first load waits after its first page for a view to paint it (RolloutPanel's
 * firstRowsShown) before it goes on anyway: a view that is hidden or slower than this gets no
 * more of the CPU by waiting.
 */
const FIRST_SCREEN_HOLD_MS = 1000;

/** Per-file choices made with "Reopen with Format and Field Mapping" (override the settings). */
export interface ReadOverrides {
  format?: FormatName;
  map?: Record<string, string>;
}

export interface DocumentEnv {
  extensionUri: vscode.Uri;
  log: Log;
  status: LoadingStatus;
}

const RELOAD_DEBOUNCE_MS = 400;

export class RolloutDocument extends Disposable implements vscode.CustomDocument {
  readonly store: RolloutStore;
  private overrides: ReadOverrides;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private problemsLogged = 0;
  private problemsUnlogged = 0;
  private lastLoad: Promise<LoadResult> | undefined;

  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this._onDidDispose.event;

  constructor(
    readonly uri: vscode.Uri,
    private readonly env: DocumentEnv,
    overrides: ReadOverrides = {},
  ) {
    super();
    this.overrides = { ...overrides };
    const fileName = path.basename(uri.fsPath);
    this.store = this._register(
      new RolloutStore(
        uri.fsPath,
        {
          title: fileName,
          fileName,
          trusted: () => vscode.workspace.isTrusted,
          getMedia: (scored) => this.resolveMedia(scored),
          scoreWorker: path.join(env.extensionUri.fsPath, 'dist', 'scoreRowsWorker.js'),
          holdAfterFirstPageMs: FIRST_SCREEN_HOLD_MS,
        },
        this.loadOptions(),
      ),
    );
    this._register(this.store.onDidProblem((p) => this.logProblem(p)));
    this._register(
      this.store.onDidProgress((p) => {
        if (p.done) env.status.finish(uri.toString());
        else env.status.update(uri.toString(), fileName, p.read);
      }),
    );
    this._register(toDisposable(() => env.status.finish(uri.toString())));
    this._register(toDisposable(() => this.reloadTimer && clearTimeout(this.reloadTimer)));
    this.watch();
  }

  get fileName(): string {
    return path.basename(this.uri.fsPath);
  }

  /** Settings, then this file's overrides. */
  loadOptions(): LoadOptions {
    const s = readSettings(this.uri);
    const map = { ...s.fieldMap, ...(this.overrides.map ?? {}) };
    const o: LoadOptions = {
      score: {
        scaleRewards: s.scaleRewards,
        regressionVariant: s.regressionVariant,
        ...(s.groupSize ? { groupSize: s.groupSize } : {}),
        ...(s.advantage ? { advantage: s.advantage } : {}),
        total: s.total,
      },
      maxProblems: s.maxProblemsShown,
      map,
    };
    const format = this.overrides.format ?? s.defaultFormat;
    if (format) o.format = format;
    return o;
  }

  get readOverrides(): ReadOverrides {
    return { ...this.overrides };
  }

  /** Read the file again with the current settings (and new overrides, when given). Newest wins. */
  reload(reason: string, overrides?: ReadOverrides): Promise<LoadResult> {
    if (overrides) this.overrides = { ...overrides };
    return this.startLoad(reason);
  }

  /** The first load; later ones go through `reload`. */
  open(): Promise<LoadResult> {
    return this.startLoad('opened');
  }

  /** Resolves when the latest load has finished (for tests and commands that need the rows). */
  whenLoaded(): Promise<LoadResult | undefined> {
    return this.lastLoad ?? Promise.resolve(undefined);
  }

  private startLoad(reason: string): Promise<LoadResult> {
    this.problemsLogged = 0;
    this.problemsUnlogged = 0;
    const options = this.loadOptions();
    const p = this.store.load(options, reason).then(
      (r) => {
        this.logResult(r);
        // A shortcut analysis saved earlier shows with the rows (kept by the store across reloads).
        if (reason === 'opened') void showShortcutSidecar(this, this.env.log).catch((e: unknown) => this.env.log.error('reading the shortcut analysis failed', e));
        return r;
      },
      (err) => {
        // store.load reports its own failures; this is a bug guard, never a silent hang.
        this.env.log.error(`Loading ${this.uri.fsPath} failed`, err);
        return { status: 'failed', read: 0, skipped: 0, ms: 0, error: String(err) } as LoadResult;
      },
    );
    this.lastLoad = p;
    return p;
  }

  private logProblem(p: Parameters<typeof formatProblem>[0]): void {
    const max = this.store.options.maxProblems;
    if (this.problemsLogged < max) {
      this.problemsLogged++;
      this.env.log.problem(p);
    } else {
      this.problemsUnlogged++;
    }
  }

  private logResult(r: LoadResult): void {
    if (r.status === 'cancelled') return;
    const more = this.problemsUnlogged ? ` (${this.problemsUnlogged.toLocaleString('en-US')} more not listed)` : '';
    const line =
      `${r.status === 'failed' ? 'Could not read' : 'Read'} ${r.read.toLocaleString('en-US')} rollouts from ${this.uri.fsPath}` +
      ` as ${r.format ?? 'unknown format'} in ${(r.ms / 1000).toFixed(1)} s (this thread busy ${(r.hostBusyMs / 1000).toFixed(1)} s); ${r.skipped} problems${more}` +
      (r.error ? `: ${r.error}` : '');
    if (r.status === 'failed' || r.skipped > 0) this.env.log.warn(line);
    else this.env.log.info(line);
  }

  private watch(): void {
    if (this.uri.scheme !== 'file') return;
    const dir = vscode.Uri.file(path.dirname(this.uri.fsPath));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, path.basename(this.uri.fsPath))));
    const changed = () => this.scheduleReload('file changed on disk');
    this._register(watcher.onDidChange(changed));
    this._register(watcher.onDidCreate(changed));
    this._register(watcher.onDidDelete(() => this.env.log.warn(`${this.uri.fsPath} was deleted; showing what was read before`)));
  }

  /** Writers append in bursts: wait for a quiet moment instead of re-reading on every write. */
  scheduleReload(reason: string): void {
    if (this.isDisposed) return;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload(reason);
    }, RELOAD_DEBOUNCE_MS);
  }

  /**
   * Where the rollout's clip is, as a `file:` URI in `src`; each panel turns it into a URI its
   * webview can load (`asWebviewUri` belongs to the webview).
   */
  async resolveMedia(scored: ScoredRollout): Promise<MediaInfo> {
    const clip = scored.record.clip;
    const root = mediaRootFor(this.uri);
    const r = await resolveMediaPath(
      clip?.path,
      {
        rolloutFile: this.uri.fsPath,
        mediaRoots: root.path ? [root.path] : [],
        dataType: clip?.dataType,
        rootProblem: root.problem,
      },
      fileExists,
    );
    if (r.status === 'missing') {
      const m: MediaInfo = { status: 'missing', reason: r.reason };
      if (r.path !== undefined) m.path = r.path;
      return m;
    }
    if (!isUnderRoots(r.path, webviewRoots(this.env.extensionUri, this.uri))) {
      return {
        status: 'missing',
        path: r.path,
        reason:
          `The clip exists at ${r.path}, outside the folders this view may load from ` +
          `(the workspace, the rollout file's folder and omnitrace.mediaRoot). ` +
          `Set omnitrace.mediaRoot to a folder that contains it.`,
      };
    }
    return { status: 'ok', kind: r.kind, path: r.path, src: vscode.Uri.file(r.path).toString() };
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.store.cancel();
    this._onDidDispose.fire();
    super.dispose();
  }
}

async function fileExists(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}
