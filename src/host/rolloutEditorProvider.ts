// The rollout custom editor (readonly). Two view types share this provider because VS Code
// allows one priority per contributed view type: `omnitrace.rollouts` is the default editor
// for files that are unmistakably rollouts (*.rollouts.jsonl, TRL completions_*.parquet);
// `omnitrace.rolloutsAny` is offered under "Reopen With" for any JSON/JSONL/parquet file.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import type { Log } from './log';
import type { LoadingStatus } from './loadingStatus';
import { RolloutDocument, type ReadOverrides } from './rolloutDocument';
import { RolloutPanel } from './rolloutPanel';
import { affectsScoring } from './settings';

export const VIEW_TYPE = 'omnitrace.rollouts';
export const VIEW_TYPE_ANY = 'omnitrace.rolloutsAny';
export const VIEW_TYPES = [VIEW_TYPE, VIEW_TYPE_ANY] as const;

/** The view type to open a file with: the default one when its selector matches. */
export function viewTypeFor(uri: vscode.Uri): string {
  const name = path.basename(uri.path).toLowerCase();
  return name.endsWith('.rollouts.jsonl') || /^completions_.*\.parquet$/.test(name) ? VIEW_TYPE : VIEW_TYPE_ANY;
}

export class RolloutEditorProvider extends Disposable implements vscode.CustomReadonlyEditorProvider<RolloutDocument> {
  private readonly documents = new Set<RolloutDocument>();
  private readonly panels = new Set<RolloutPanel>();
  private lastActive: RolloutPanel | undefined;
  /** Format/mapping chosen per file; applies to documents opened later too. */
  private readonly overrides = new Map<string, ReadOverrides>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: Log,
    private readonly status: LoadingStatus,
  ) {
    super();
    for (const viewType of VIEW_TYPES) {
      this._register(
        vscode.window.registerCustomEditorProvider(viewType, this, {
          supportsMultipleEditorsPerDocument: true,
          webviewOptions: { retainContextWhenHidden: false, enableFindWidget: true },
        }),
      );
    }
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsScoring(e)) return;
        for (const d of this.documents) void d.reload('settings changed');
      }),
    );
  }

  openCustomDocument(uri: vscode.Uri): RolloutDocument {
    const doc = new RolloutDocument(uri, { extensionUri: this.extensionUri, log: this.log, status: this.status }, this.overrides.get(uri.toString()));
    this.documents.add(doc);
    doc.onDidDispose(() => this.documents.delete(doc));
    // Not awaited: the editor opens at once and rows stream in with progress events.
    void doc.open();
    return doc;
  }

  resolveCustomEditor(document: RolloutDocument, webviewPanel: vscode.WebviewPanel): void {
    // VS Code titles the tab with the file name already; set it so tests and restores agree.
    webviewPanel.title = document.fileName;
    const panel = new RolloutPanel(document, webviewPanel, this.extensionUri, this.log);
    this.panels.add(panel);
    if (webviewPanel.active) this.lastActive = panel;
    panel.onDidBecomeActive(() => (this.lastActive = panel));
    panel.onDidDispose(() => {
      this.panels.delete(panel);
      if (this.lastActive === panel) this.lastActive = undefined;
    });
  }

  /** The rollout panel the user is looking at, else the last one that was. */
  get activePanel(): RolloutPanel | undefined {
    for (const p of this.panels) if (p.isActive) return p;
    return this.lastActive && this.panels.has(this.lastActive) ? this.lastActive : undefined;
  }

  documentsFor(uri: vscode.Uri): RolloutDocument[] {
    return [...this.documents].filter((d) => d.uri.toString() === uri.toString());
  }

  panelsFor(doc: RolloutDocument): RolloutPanel[] {
    return [...this.panels].filter((p) => p.document === doc);
  }

  getOverrides(uri: vscode.Uri): ReadOverrides {
    return { ...(this.overrides.get(uri.toString()) ?? {}) };
  }

  setOverrides(uri: vscode.Uri, o: ReadOverrides): void {
    this.overrides.set(uri.toString(), { ...o });
  }

  override dispose(): void {
    for (const p of this.panels) p.dispose();
    for (const d of this.documents) d.dispose();
    super.dispose();
  }
}
