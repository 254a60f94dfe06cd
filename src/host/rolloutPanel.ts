// Controller of one webview showing a RolloutDocument: HTML shell, options, and the RPC server
// that answers the webview's requests from the document's view model. Its listeners live as
// long as the panel; the document outlives it when other panels show the same file.

import * as vscode from 'vscode';
import type { MediaInfo, RolloutDetail } from '../protocol/messages';
import type { EditorRolloutMethods, RolloutViewMethods, ViewKeyAction } from '../protocol/rolloutView';
import { Disposable } from './dispose';
import type { Log } from './log';
import type { RolloutDocument } from './rolloutDocument';
import { RpcServer, type Handlers } from './rpcServer';
import { affectsMediaRoot } from './settings';
import { renderWebviewHtml } from './webviewHtml';
import { webviewRoots } from './webviewRoots';
import { handleRolloutRequest } from '../protocol/rolloutRequests';
import { labelHandlers } from './labelHandlers';
import { calibrationRecords } from '../services/judgeLab';
import { workspaceRootFor } from './workspaceRoot';

export class RolloutPanel extends Disposable {
  private readonly server: RpcServer<EditorRolloutMethods>;
  private pendingSelect: number | undefined;
  private rootsKey: string | undefined;
  private _selection: number | undefined;

  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this._onDidDispose.event;
  private readonly _onDidBecomeActive = this._register(new vscode.EventEmitter<void>());
  readonly onDidBecomeActive = this._onDidBecomeActive.event;

  constructor(
    readonly document: RolloutDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    log: Log,
  ) {
    super();
    const webview = panel.webview;
    this.server = this._register(
      new RpcServer<EditorRolloutMethods>((m) => webview.postMessage(m), this.handlers(), {
        onError: (message, err) => log.error(`${document.fileName}: ${message}`, err),
        onReady: () => this.flushSelect(),
      }),
    );
    this.applyOptions();
    webview.html = this.html();

    this._register(webview.onDidReceiveMessage((m) => this.server.handle(m)));
    this._register(document.store.onDidInvalidate((e) => this.server.emit('invalidate', e)));
    this._register(document.store.onDidProgress((p) => this.server.emit('progress', p)));
    this._register(
      panel.onDidChangeViewState(() => {
        // Without retainContextWhenHidden a hidden webview loses its page: it asks again when shown.
        if (!panel.visible) this.server.resetReady();
        if (panel.active) this._onDidBecomeActive.fire();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsMediaRoot(e)) return;
        // New roots reload the page, which asks for everything again; otherwise say so.
        if (!this.applyOptions()) this.server.emit('invalidate', { reason: 'media root changed' });
      }),
    );
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.applyOptions()));
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.document.store.model.invalidate();
        this.server.emit('invalidate', { reason: 'workspace trusted' });
      }),
    );
    this._register(panel.onDidDispose(() => this.dispose()));
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this._onDidDispose.fire();
    super.dispose();
  }

  get isActive(): boolean {
    return this.panel.active;
  }

  /** The rollout the view shows (the last one it opened, or was asked to select). */
  get selection(): number | undefined {
    return this._selection;
  }

  /** Ask the view to show one rollout; delivered once the view has loaded. */
  select(index: number): void {
    this._selection = index;
    if (!this.server.emit('select', { index })) this.pendingSelect = index;
    this.panel.reveal(undefined, false);
  }

  /** A keybinding of the view; false when the view has not loaded yet. */
  sendKey(action: ViewKeyAction, score?: number): boolean {
    return this.server.emit('key', score === undefined ? { action } : { action, score });
  }

  private flushSelect(): void {
    if (this.pendingSelect === undefined) return;
    const index = this.pendingSelect;
    this.pendingSelect = undefined;
    this.server.emit('select', { index });
  }

  /**
   * Sets the webview options when the allowed folders changed. VS Code reloads the page when
   * they do, so the server waits for the new page's getInit. Returns whether they changed.
   */
  private applyOptions(): boolean {
    const roots = webviewRoots(this.extensionUri, this.document.uri);
    const key = roots.map((r) => r.toString()).join('\n');
    if (key === this.rootsKey) return false;
    const first = this.rootsKey === undefined;
    this.rootsKey = key;
    this.panel.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: roots };
    if (!first) this.server.resetReady();
    return true;
  }

  private html(): string {
    const webview = this.panel.webview;
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'main.js'));
    return renderWebviewHtml({
      cspSource: webview.cspSource,
      scriptUri: script.toString(),
      title: this.document.fileName,
      view: 'rollouts',
    }).html;
  }

  private handlers(): Handlers<EditorRolloutMethods> {
    const model = () => this.document.store.model;
    // Table queries are the view model's; media URIs and opening files are this panel's.
    const byModel =
      <M extends keyof RolloutViewMethods>(method: M) =>
      (p: RolloutViewMethods[M]['params']) =>
        handleRolloutRequest(model(), method, p);
    return {
      getInit: async (p) => {
        const init = await handleRolloutRequest(model(), 'getInit', p);
        // The view model lists at most its own cap; the setting can only lower it.
        const max = this.document.store.options.maxProblems;
        const root = workspaceRootFor(this.document.uri);
        const calibrations = await calibrationRecords(root).catch(() => []);
        return { ...(init.problems.length > max ? { ...init, problems: init.problems.slice(0, max) } : init), ...(calibrations.length ? { calibrations } : {}) };
      },
      getRows: byModel('getRows'),
      locateRow: byModel('locateRow'),
      getRollout: async (p: RolloutViewMethods['getRollout']['params']): Promise<RolloutDetail> => {
        // The view asks for a rollout's detail only to show it: that is its selection.
        this._selection = p.index;
        const detail = await model().getRollout(p);
        return { ...detail, media: this.forWebview(detail.media) };
      },
      revealSource: (p: RolloutViewMethods['revealSource']['params']) => this.revealSource(p.index),
      firstRowsShown: async () => {
        this.document.store.resumeLoad();
        return {};
      },
      ...labelHandlers(this.document.uri, (i) => this.document.store.getDetail(i)),
    };
  }

  private forWebview(media: MediaInfo): MediaInfo {
    if (media.status !== 'ok') return media;
    return { ...media, src: this.panel.webview.asWebviewUri(vscode.Uri.file(media.path)).toString() };
  }

  /** Open the rollout file as text at the record's line, beside the view. */
  async revealSource(index: number): Promise<{ revealed: boolean }> {
    const row = this.document.store.model.row(index);
    if (!row) throw new Error(`no rollout with index ${index}`);
    if (row.line === undefined) return { revealed: false };
    await revealLine(this.document.uri, row.line);
    return { revealed: true };
  }
}

/** Opens `uri` in the text editor (not our custom editor, which may be the default) at a 1-based line. */
export async function revealLine(uri: vscode.Uri, line: number): Promise<void> {
  const l = Math.max(0, line - 1);
  const options: vscode.TextDocumentShowOptions = {
    selection: new vscode.Range(l, 0, l, Number.MAX_SAFE_INTEGER),
    viewColumn: vscode.ViewColumn.Beside,
    preview: true,
  };
  await vscode.commands.executeCommand('vscode.openWith', uri, 'default', options);
}
