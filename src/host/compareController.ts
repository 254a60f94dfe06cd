// "Compare Checkpoints" (two or more rollout files selected in the explorer) and "Compare
// with…" (from a rollout view): the sources are scored, paired and tested in the extension host
// (src/services/compareFiles.ts, src/core/compare), and the compare view shows the result. Only
// local files are read, so it works in Restricted Mode too.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { CompareError, compareSources, type Comparison } from '../core/compare/compare';
import { detectFormat, readRolloutAt, type FormatName } from '../core/readers/index';
import type { CompareMethods, CompareTrace } from '../protocol/compareView';
import { loadCompareSources, readSavedComparison, saveComparison } from '../services/compareFiles';
import { workspacePath } from '../core/workspaceLayout';
import { Disposable } from './dispose';
import type { WorkStatus } from './workStatus';
import { workspaceRootFor } from './workspaceRoot';
import { registerSafeCommand } from './endpointProfiles';
import type { Log } from './log';
import { PanelHost } from './panelHost';
import type { RolloutEditorProvider } from './rolloutEditorProvider';
import { readSettings } from './settings';
import { errorText } from '../core/errors';

export const COMPARE_COMMANDS = {
  compareCheckpoints: 'omnitrace.compareCheckpoints',
  compareWith: 'omnitrace.compareWith',
} as const;

export const COMPARE_VIEW_TYPE = 'omnitrace.compare';

const ROLLOUT_FILE = /\.(jsonl|json|parquet)$/i;

export class CompareController extends Disposable {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly provider: RolloutEditorProvider,
    private readonly log: Log,
    private readonly work: WorkStatus,
  ) {
    super();
    this._register(registerSafeCommand(COMPARE_COMMANDS.compareCheckpoints, (uri, uris) => this.compareSelected(uri, uris), log));
    this._register(registerSafeCommand(COMPARE_COMMANDS.compareWith, () => this.compareWith(), log));
  }

  private async compareSelected(uri: unknown, uris: unknown): Promise<void> {
    let picked = (Array.isArray(uris) ? uris : uri ? [uri] : []).filter((u): u is vscode.Uri => u instanceof vscode.Uri);
    if (picked.length < 2) {
      const chosen = await vscode.window.showOpenDialog({
        canSelectMany: true,
        canSelectFolders: true,
        openLabel: 'Compare',
        title: 'Pick two or more rollout files or folders (the first is the baseline)',
      });
      if (!chosen) return;
      picked = [...picked, ...chosen];
    }
    if (picked.length < 2) {
      void vscode.window.showWarningMessage('Compare Checkpoints needs two or more rollout files or folders.');
      return;
    }
    await this.open(picked.map((u) => u.fsPath));
  }

  private async compareWith(): Promise<void> {
    const doc = this.provider.activePanel?.document;
    if (!doc) {
      void vscode.window.showWarningMessage('Open a rollout file in the Omni Trace view first.');
      return;
    }
    const other = await vscode.window.showOpenDialog({
      canSelectMany: true,
      canSelectFolders: true,
      openLabel: 'Compare',
      title: `Compare ${path.basename(doc.uri.fsPath)} with…`,
      filters: { 'Rollout files': ['jsonl', 'json', 'parquet'] },
    });
    if (!other?.length) return;
    await this.open([doc.uri.fsPath, ...other.map((u) => u.fsPath)]);
  }

  /** Scores and compares the sources (cancellable, with progress), then shows the view. */
  async open(paths: string[]): Promise<ComparePanel | undefined> {
    const settings = readSettings(vscode.Uri.file(paths[0]!));
    const scoreOpts = {
      scaleRewards: settings.scaleRewards,
      regressionVariant: settings.regressionVariant,
      ...(settings.groupSize ? { groupSize: settings.groupSize } : {}),
      ...(settings.advantage ? { advantage: settings.advantage } : {}),
      total: settings.total,
      ...(settings.defaultFormat ? { format: settings.defaultFormat } : {}),
    };
    let comparison: Comparison;
    try {
      comparison = await this.work.run({ title: `Comparing ${paths.map((p) => path.basename(p)).join(' vs ')}` }, async () => {
        const loaded = await loadCompareSources(
          paths.map((p) => ({ path: p })),
          scoreOpts,
        );
        for (const p of loaded.problems.slice(0, 50)) this.log.warn(p);
        return compareSources(loaded.sources, { zeroVarianceShares: loaded.zeroVarianceShares });
      });
    } catch (e) {
      const message = e instanceof CompareError ? e.message : `the comparison failed: ${errorText(e)}`;
      void vscode.window.showErrorMessage(`Omni Trace: ${message}`);
      this.log.error(message);
      return undefined;
    }
    // Saved for the sidebar's Comparisons view (a sidecar of ours; the sources are untouched).
    try {
      const saved = await saveComparison(workspacePath(workspaceRootFor(vscode.Uri.file(paths[0]!)), 'comparisons'), comparison);
      this.log.info(`comparison saved to ${saved}`);
    } catch (e) {
      this.log.warn(`the comparison could not be saved: ${errorText(e)}`);
    }
    return this._register(new ComparePanel(this.extensionUri, this.log, comparison, settings.defaultFormat));
  }

  /** Shows a saved comparison (from the sidebar) as it was computed, without re-scoring. */
  async openSaved(file: string): Promise<ComparePanel | undefined> {
    let comparison: Comparison;
    try {
      comparison = await readSavedComparison(file);
    } catch (e) {
      void vscode.window.showErrorMessage(`Omni Trace: ${errorText(e)}`);
      return undefined;
    }
    return this._register(new ComparePanel(this.extensionUri, this.log, comparison, readSettings(vscode.Uri.file(file)).defaultFormat));
  }
}

/** The compare view of one comparison. */
export class ComparePanel extends PanelHost<CompareMethods> {
  constructor(
    extensionUri: vscode.Uri,
    log: Log,
    readonly comparison: Comparison,
    format: FormatName | undefined,
  ) {
    const title = comparison.checkpoints.map((c) => c.name).join(' vs ');
    const formats = new Map<string, Promise<FormatName | undefined>>();
    const formatOf = (file: string) => {
      let f = formats.get(file);
      if (!f)
        formats.set(
          file,
          (f = format
            ? Promise.resolve(format)
            : detectFormat(file).then(
                (d) => d.format,
                () => undefined,
              )),
        );
      return f;
    };
    const itemOf = (key: string) => {
      const item = comparison.items.find((i) => i.key === key);
      if (!item) throw new Error(`no item ${key} in this comparison`);
      return item;
    };
    super(extensionUri, log, {
      viewType: COMPARE_VIEW_TYPE,
      title: `Compare: ${title}`,
      view: 'compare',
      retainContextWhenHidden: true,
      handlers: {
        getCompareInit: () => ({ title, comparison, host: 'vscode' }),
        getTraces: async ({ key }) => {
          const out: Record<string, CompareTrace> = {};
          for (const [name, cell] of Object.entries(itemOf(key).byCheckpoint)) {
            if (!cell.ref) {
              out[name] = { completion: null, where: cell.where, error: 'no way to read this record back' };
              continue;
            }
            try {
              const got = await readRolloutAt(cell.ref, { format: await formatOf(cell.ref.file) });
              out[name] = got.kind === 'record' ? { completion: got.record.completion, where: cell.where } : { completion: null, where: cell.where, error: got.problem.message };
            } catch (e) {
              out[name] = { completion: null, where: cell.where, error: errorText(e) };
            }
          }
          return out;
        },
        revealItem: async ({ key, checkpoint }) => {
          const cell = itemOf(key).byCheckpoint[checkpoint];
          if (!cell?.ref || !ROLLOUT_FILE.test(cell.ref.file) || cell.ref.line === undefined) return { revealed: false };
          const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(cell.ref.file));
          const line = Math.max(0, cell.ref.line - 1);
          await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), preview: true });
          return { revealed: true };
        },
      },
    });
  }
}
