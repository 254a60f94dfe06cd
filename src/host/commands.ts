// Every `omnitrace.*` command. The ids here and in package.json are checked against each other
// by test/unit/manifest.test.ts.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { FORMATS, FORMAT_NAMES } from '../core/readers';
import type { FormatName } from '../core/readers/types';
import { formatFieldMapText, parseFieldMapText } from '../core/fieldMapText';
import { Disposable } from './dispose';
import { registerSafeCommand } from './endpointProfiles';
import { parseGoToTarget } from './goToTarget';
import type { Log } from './log';
import { RolloutEditorProvider, VIEW_TYPE, viewTypeFor } from './rolloutEditorProvider';
import { SECTION } from './settings';

export const COMMANDS = {
  openInViewer: 'omnitrace.openInViewer',
  reopenWithFormat: 'omnitrace.reopenWithFormat',
  setMediaRoot: 'omnitrace.setMediaRoot',
  reload: 'omnitrace.reload',
  goToRollout: 'omnitrace.goToRollout',
  openDemo: 'omnitrace.openDemo',
  showLog: 'omnitrace.showLog',
} as const;

export const DEMO_PATH = ['media', 'demo', 'demo.rollouts.jsonl'] as const;

const ROLLOUT_FILE = /\.(jsonl|json|parquet)$/i;

export class Commands extends Disposable {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly provider: RolloutEditorProvider,
    private readonly log: Log,
  ) {
    super();
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => this._register(registerSafeCommand(id, fn, log));
    reg(COMMANDS.openInViewer, (uri, line) => this.openInViewer(asUri(uri), typeof line === 'number' ? line : undefined));
    reg(COMMANDS.reopenWithFormat, (uri) => this.reopenWithFormat(asUri(uri)));
    reg(COMMANDS.setMediaRoot, () => this.setMediaRoot());
    reg(COMMANDS.reload, () => this.reload());
    reg(COMMANDS.goToRollout, (arg) => this.goToRollout(arg));
    reg(COMMANDS.openDemo, () => this.openDemo());
    reg(COMMANDS.showLog, () => this.log.show());
  }

  /** `line` (1-based) comes from a CodeLens; without it, a file open as text lands on the cursor's rollout. */
  private async openInViewer(uri: vscode.Uri | undefined, line?: number): Promise<void> {
    const target = uri ?? activeResource() ?? (await pickRolloutFile());
    if (!target) return;
    const editor = vscode.window.activeTextEditor;
    const cursorLine = line ?? (editor?.document.uri.toString() === target.toString() ? editor.selection.active.line + 1 : undefined);
    await vscode.commands.executeCommand('vscode.openWith', target, viewTypeFor(target));
    if (cursorLine === undefined || cursorLine <= 1) return;
    const doc = this.provider.documentsFor(target)[0];
    if (!doc) return;
    await doc.whenLoaded();
    const index = doc.store.indexAtLine(cursorLine);
    if (index !== undefined) this.provider.panelsFor(doc)[0]?.select(index);
  }

  private async reopenWithFormat(uri: vscode.Uri | undefined): Promise<void> {
    const target = uri ?? this.provider.activePanel?.document.uri ?? activeResource() ?? (await pickRolloutFile());
    if (!target) return;
    const current = this.provider.getOverrides(target);
    type Item = vscode.QuickPickItem & { format: FormatName | undefined };
    const items: Item[] = [
      { label: 'Detect automatically', description: 'from the file name and first records', format: undefined },
      ...FORMAT_NAMES.map((f) => ({ label: f, description: FORMATS[f].files, detail: FORMATS[f].description, format: f })),
    ];
    for (const it of items) if (it.format === current.format) it.picked = true;
    const picked = await vscode.window.showQuickPick(items, {
      title: `Read ${path.basename(target.path)} as`,
      placeHolder: 'Rollout format',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return;
    const mapText = await vscode.window.showInputBox({
      title: 'Field mapping (optional)',
      prompt: 'field=path pairs, e.g. completion=output,solution=gts,clip=raw.video — empty to auto-detect',
      value: formatFieldMapText(current.map),
      validateInput: (v) => {
        const r = parseFieldMapText(v);
        return r.ok ? undefined : r.error;
      },
    });
    if (mapText === undefined) return;
    const parsed = parseFieldMapText(mapText);
    if (!parsed.ok) return;
    const overrides = { ...(picked.format ? { format: picked.format } : {}), map: parsed.map };
    this.provider.setOverrides(target, overrides);
    const open = this.provider.documentsFor(target);
    if (open.length) {
      for (const d of open) void d.reload('format or mapping changed', overrides);
      this.provider.panelsFor(open[0]!)[0]?.panel.reveal();
    } else {
      await vscode.commands.executeCommand('vscode.openWith', target, viewTypeFor(target));
    }
  }

  private async setMediaRoot(): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use as Media Root',
      title: 'Folder that clip paths in rollout files are relative to',
      defaultUri: folders[0]?.uri,
    });
    const folder = picked?.[0];
    if (!folder) return;
    // Restricted Mode ignores a workspace's mediaRoot (restrictedConfigurations): write it where it applies.
    const target = folders.length && vscode.workspace.isTrusted ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const value = target === vscode.ConfigurationTarget.Workspace ? relativeToWorkspace(folder.fsPath, folders[0]!.uri.fsPath) : folder.fsPath;
    await vscode.workspace.getConfiguration(SECTION).update('mediaRoot', value, target);
    void vscode.window.showInformationMessage(`Omni Trace: media root set to ${value}`);
  }

  private async reload(): Promise<void> {
    const panel = this.provider.activePanel;
    if (!panel) {
      void vscode.window.showInformationMessage('Omni Trace: open a rollout file first.');
      return;
    }
    await panel.document.reload('reloaded');
  }

  private async goToRollout(arg: unknown): Promise<void> {
    const panel = this.provider.activePanel;
    if (!panel) {
      void vscode.window.showInformationMessage('Omni Trace: open a rollout file first.');
      return;
    }
    const store = panel.document.store;
    const text =
      typeof arg === 'number' || typeof arg === 'string'
        ? String(arg)
        : await vscode.window.showInputBox({
            title: `Go to rollout in ${panel.document.fileName}`,
            prompt: `Rollout index (0–${Math.max(0, store.model.size - 1)}) or file line (L120)`,
            validateInput: (v) => {
              const t = parseGoToTarget(v);
              return typeof t === 'string' ? t : undefined;
            },
          });
    if (text === undefined) return;
    const t = parseGoToTarget(text);
    if (typeof t === 'string') throw new Error(t);
    const index = t.kind === 'index' ? t.index : store.indexAtLine(t.line);
    if (index === undefined || !store.model.row(index)) {
      throw new Error(t.kind === 'index' ? `there is no rollout ${t.index}` : `no rollout starts at or before line ${t.line}`);
    }
    panel.select(index);
  }

  private async openDemo(): Promise<void> {
    const uri = vscode.Uri.joinPath(this.extensionUri, ...DEMO_PATH);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      throw new Error(`the demo file is missing from this installation (${uri.fsPath})`);
    }
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
  }
}

function asUri(v: unknown): vscode.Uri | undefined {
  return v instanceof vscode.Uri ? v : undefined;
}

/** The file behind the active editor tab (text or custom editor), if it looks like rollouts. */
function activeResource(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input;
  let uri: vscode.Uri | undefined;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) uri = input.uri;
  uri ??= vscode.window.activeTextEditor?.document.uri;
  return uri && ROLLOUT_FILE.test(uri.path) ? uri : undefined;
}

async function pickRolloutFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Open in Rollout Viewer',
    filters: { Rollouts: ['jsonl', 'json', 'parquet'] },
  });
  return picked?.[0];
}

function relativeToWorkspace(folder: string, workspace: string): string {
  const rel = path.relative(workspace, folder);
  if (rel === '') return '${workspaceFolder}';
  if (rel.startsWith('..') || path.isAbsolute(rel)) return folder;
  return '${workspaceFolder}/' + rel.split(path.sep).join('/');
}
