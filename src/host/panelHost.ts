// What every Omni Trace webview panel needs, once: its HTML with a strict CSP and a fresh nonce,
// the typed RPC server over its own protocol (a reply for every request), the message wiring,
// and disposal with the panel. A new view costs a protocol file, a subclass and a webview entry.

import * as vscode from 'vscode';
import { Disposable } from './dispose';
import type { Log } from './log';
import { RpcServer, type Handlers, type MethodMap } from './rpcServer';
import { renderWebviewHtml } from './webviewHtml';

export interface PanelHostOptions<T extends MethodMap<T>> {
  viewType: string;
  title: string;
  /** The webview entry the bundle mounts (`document.body.dataset.view`). */
  view: string;
  handlers: Handlers<NoInfer<T>>;
  /** Folders the page may load from besides the bundle (clips). */
  resourceRoots?: vscode.Uri[];
  retainContextWhenHidden?: boolean;
}

export class PanelHost<T extends MethodMap<T>> extends Disposable {
  readonly panel: vscode.WebviewPanel;
  protected readonly server: RpcServer<T>;

  constructor(extensionUri: vscode.Uri, log: Log, opts: PanelHostOptions<T>) {
    super();
    const bundle = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.panel = vscode.window.createWebviewPanel(opts.viewType, opts.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      retainContextWhenHidden: opts.retainContextWhenHidden ?? false,
      localResourceRoots: [bundle, ...(opts.resourceRoots ?? [])],
    });
    const webview = this.panel.webview;
    this.server = this._register(new RpcServer<T>((m) => webview.postMessage(m), opts.handlers, { onError: (message, err) => log.error(`${opts.view}: ${message}`, err) }));
    this.html = () =>
      renderWebviewHtml({
        cspSource: webview.cspSource,
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'main.js')).toString(),
        title: opts.title,
        view: opts.view,
      }).html;
    webview.html = this.html();
    this._register(webview.onDidReceiveMessage((m) => this.server.handle(m)));
    this._register(this.panel.onDidDispose(() => this.dispose()));
  }

  private readonly html: () => string;

  /** Loads the page again (a fresh nonce); it asks for its state anew. */
  protected reload(): void {
    this.server.resetReady();
    this.panel.webview.html = this.html();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.panel.dispose();
  }
}
