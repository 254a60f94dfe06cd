// The Omni Trace activity-bar container: its five views, their context actions (open, compare
// the selected items, judge, find shortcuts, run on a clip, delete a run) and the watchers that
// refresh them when files change.

import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import { registerSafeCommand } from '../endpointProfiles';
import type { Log } from '../log';
import { LabelsView, LABELS_VIEW } from './labelsView';
import type { SidebarNode } from './nodeTree';
import { ProfilesView, PROFILES_VIEW } from './profilesView';
import { RolloutsView, ROLLOUTS_VIEW } from './rolloutsView';
import { RunsView, RUNS_VIEW } from './runsView';
import { SavedView, SAVED_VIEW } from './savedView';

export const SIDEBAR_COMMANDS = {
  open: 'omnitrace.sidebar.open',
  compare: 'omnitrace.sidebar.compare',
  judge: 'omnitrace.sidebar.judge',
  findShortcuts: 'omnitrace.sidebar.findShortcuts',
  runOnClip: 'omnitrace.sidebar.runOnClip',
  deleteRun: 'omnitrace.sidebar.deleteRun',
  refresh: 'omnitrace.sidebar.refresh',
} as const;

/** What the sidebar calls in the rest of the extension. */
export interface SidebarActions {
  openInViewer: string;
  compareCheckpoints: string;
  judgeRollouts: string;
  findShortcuts: string;
  runCheckpoint: string;
  openSavedComparison(path: string): Promise<unknown>;
  profiles: ConstructorParameters<typeof ProfilesView>[0];
}

const REFRESH_DELAY_MS = 300;

/** The file of a folder the viewer opens: the last verl step, or the last TRL completions file. */
async function fileToOpen(path: string): Promise<string> {
  if (!(await stat(path)).isDirectory()) return path;
  const names = (await readdir(path)).filter((n) => /\.(jsonl|parquet)$/i.test(n));
  const step = (n: string) => Number(/(\d+)\.(?:jsonl|parquet)$/i.exec(n)?.[1] ?? -1);
  names.sort((a, b) => step(a) - step(b) || a.localeCompare(b));
  if (!names.length) throw new Error(`${path} holds no .jsonl or .parquet file`);
  return join(path, names[names.length - 1]!);
}

/** The nodes a context action was given: the selection when several are selected, else the one. */
function pathsOf(node: unknown, nodes?: unknown): string[] {
  const all = (Array.isArray(nodes) && nodes.length ? nodes : [node]) as (Partial<SidebarNode> | undefined)[];
  return all.map((n) => n?.path).filter((p): p is string => typeof p === 'string');
}

const pathOf = (node: unknown): string | undefined => pathsOf(node)[0];

export class Sidebar extends Disposable {
  readonly rollouts: RolloutsView;
  readonly runs: RunsView;
  readonly saved: SavedView;
  readonly profiles: ProfilesView;
  readonly labels: LabelsView;

  constructor(
    private readonly actions: SidebarActions,
    log: Log,
  ) {
    super();
    this.rollouts = this._register(new RolloutsView(SIDEBAR_COMMANDS.open));
    this.runs = this._register(new RunsView(SIDEBAR_COMMANDS.open));
    this.saved = this._register(new SavedView(SIDEBAR_COMMANDS.open));
    this.profiles = this._register(new ProfilesView(actions.profiles, { command: 'workbench.action.openSettings', title: 'Open Settings', arguments: ['omnitrace profiles'] }));
    this.labels = this._register(new LabelsView());
    const view = (id: string, tree: vscode.TreeDataProvider<SidebarNode>, many = false) =>
      this._register(vscode.window.createTreeView(id, { treeDataProvider: tree, canSelectMany: many, showCollapseAll: false }));
    view(ROLLOUTS_VIEW, this.rollouts, true);
    view(RUNS_VIEW, this.runs, true);
    view(SAVED_VIEW, this.saved);
    view(PROFILES_VIEW, this.profiles);
    view(LABELS_VIEW, this.labels);

    const reg = (id: string, fn: (...args: unknown[]) => unknown) => this._register(registerSafeCommand(id, fn, log));
    reg(SIDEBAR_COMMANDS.open, (node) => this.open(pathOf(node)));
    reg(SIDEBAR_COMMANDS.compare, (node, nodes) => this.compare(pathsOf(node, nodes)));
    reg(SIDEBAR_COMMANDS.judge, (node) => this.openThen(pathOf(node), actions.judgeRollouts));
    reg(SIDEBAR_COMMANDS.findShortcuts, (node) => this.openThen(pathOf(node), actions.findShortcuts));
    reg(SIDEBAR_COMMANDS.runOnClip, () => vscode.commands.executeCommand(actions.runCheckpoint));
    reg(SIDEBAR_COMMANDS.deleteRun, (node) => this.deleteRun(pathOf(node)));
    reg(SIDEBAR_COMMANDS.refresh, () => this.refreshAll());

    this.watch('**/*.{jsonl,json,parquet}', () => this.rollouts.refresh(), true);
    this.watch('.omnitrace/runs/*.rollouts.jsonl', () => this.runs.refresh());
    this.watch('.omnitrace/{comparisons,labs}/*.json', () => this.saved.refresh());
    this.watch('.omnitrace/labels/*.jsonl', () => this.labels.refresh());
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.refreshAll()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.profiles.recheck()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('omnitrace.judge.profiles') || e.affectsConfiguration('omnitrace.checkpoints.profiles')) this.profiles.recheck();
      }),
    );
  }

  refreshAll(): void {
    this.rollouts.refresh();
    this.runs.refresh();
    this.saved.refresh();
    this.profiles.recheck();
    this.labels.refresh();
  }

  /** A debounced refresh on create, change and delete under every workspace folder. */
  private watch(glob: string, refresh: () => void, skipOurs = false): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = (uri: vscode.Uri) => {
      // Our own sidecars (judge cache, labels, runs) change all the time while work runs.
      if (skipOurs && /[\\/]\.omnitrace[\\/]/.test(uri.fsPath)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        refresh();
      }, REFRESH_DELAY_MS);
    };
    const pattern = vscode.workspace.workspaceFolders?.length === 1 ? new vscode.RelativePattern(vscode.workspace.workspaceFolders[0]!, glob) : glob;
    const w = this._register(vscode.workspace.createFileSystemWatcher(pattern));
    this._register(w.onDidCreate(fire));
    this._register(w.onDidChange(fire));
    this._register(w.onDidDelete(fire));
    this._register({ dispose: () => timer && clearTimeout(timer) });
  }

  private async open(path: string | undefined): Promise<void> {
    if (!path) return;
    if (/[\\/]\.omnitrace[\\/]comparisons[\\/][^\\/]+\.json$/.test(path)) {
      await this.actions.openSavedComparison(path);
      return;
    }
    if (/[\\/]\.omnitrace[\\/]labs[\\/][^\\/]+\.json$/.test(path)) {
      // A lab is its JSON (`omnitrace report --lab` renders it); the judge lab view runs labs live.
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path));
      return;
    }
    await vscode.commands.executeCommand(this.actions.openInViewer, vscode.Uri.file(await fileToOpen(path)));
  }

  private async openThen(path: string | undefined, command: string): Promise<void> {
    if (!path) return;
    await this.open(path);
    await vscode.commands.executeCommand(command);
  }

  private async compare(paths: string[]): Promise<void> {
    const uris = paths.map((p) => vscode.Uri.file(p));
    await vscode.commands.executeCommand(this.actions.compareCheckpoints, uris[0], uris);
  }

  private async deleteRun(path: string | undefined): Promise<void> {
    if (!path) return;
    // Only our own saved runs: rollout files elsewhere are the user's and never deleted.
    if (!/[\\/]\.omnitrace[\\/]runs[\\/][^\\/]+\.rollouts\.jsonl$/.test(path)) throw new Error(`${path} is not a saved run (.omnitrace/runs/*.rollouts.jsonl)`);
    const yes = 'Move to Trash';
    const choice = await vscode.window.showWarningMessage(`Delete the run ${basename(path)}? It goes to the trash.`, { modal: true }, yes);
    if (choice !== yes) return;
    await vscode.workspace.fs.delete(vscode.Uri.file(path), { useTrash: true });
    this.runs.refresh();
  }
}
