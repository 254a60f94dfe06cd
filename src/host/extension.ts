// Entry point of the VS Code extension: wires the output channel, status bar, rollout editor
// and commands together. Everything is owned by one Disposable, so deactivation (and a failed
// activation) tears it all down.

import * as vscode from 'vscode';
import { Commands, COMMANDS } from './commands';
import { Disposable } from './dispose';
import { JudgeController } from './judgeController';
import { LoadingStatus } from './loadingStatus';
import { Log } from './log';
import { RolloutCodeLensProvider } from './rolloutCodeLens';
import { RolloutEditorProvider } from './rolloutEditorProvider';
import { RunController } from './runController';
import { ClipFolderController } from './clipFolderController';
import { ShortcutController } from './shortcutController';
import { CompareController, COMPARE_COMMANDS } from './compareController';
import { LabController } from './labController';
import { JUDGE_COMMANDS } from './judgeController';
import { RUN_COMMANDS } from './runController';
import { SHORTCUT_COMMANDS } from './shortcutController';
import { Sidebar } from './sidebar/sidebar';
import { WorkStatus } from './workStatus';
import { ViewKeys } from './viewKeys';
import { contributedCommandIds, registrationReport } from './contributedCommands';

class OmniTraceExtension extends Disposable {
  readonly log: Log;
  readonly provider: RolloutEditorProvider;
  readonly sidebar: Sidebar;
  readonly work: WorkStatus;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.log = this._register(new Log());
    const status = this._register(new LoadingStatus());
    this.provider = this._register(new RolloutEditorProvider(context.extensionUri, this.log, status));
    this._register(new Commands(context.extensionUri, this.provider, this.log));
    const provider = this.provider;
    const lenses = this._register(
      new RolloutCodeLensProvider(COMMANDS.openInViewer, (uri, line) => {
        const doc = provider.documentsFor(uri)[0];
        const index = doc?.store.indexAtLine(line);
        return index === undefined ? undefined : doc!.store.judgedFor(index);
      }),
    );
    this._register(new ViewKeys(this.provider));
    const work = this._register(new WorkStatus());
    const judges = this._register(new JudgeController(context.secrets, this.provider, this.log, () => lenses.refresh(), work));
    const runs = this._register(new RunController(context.secrets, this.provider, this.log, context.extensionUri, work, judges));
    this._register(new ShortcutController(context.secrets, this.provider, this.log, work, judges));
    this._register(new ClipFolderController(this.log, work));
    const compare = this._register(new CompareController(context.extensionUri, this.provider, this.log, work));
    this._register(new LabController(context.extensionUri, this.provider, judges, this.log, work));
    this.sidebar = this._register(
      new Sidebar(
        {
          openInViewer: COMMANDS.openInViewer,
          compareCheckpoints: COMPARE_COMMANDS.compareCheckpoints,
          judgeRollouts: JUDGE_COMMANDS.judgeRollouts,
          findShortcuts: SHORTCUT_COMMANDS.findShortcuts,
          runCheckpoint: RUN_COMMANDS.runCheckpoint,
          openSavedComparison: (p) => compare.openSaved(p),
          profiles: [
            { label: 'Checkpoints', profiles: runs.profiles, icon: 'server', contextValue: 'omnitrace.checkpointProfile' },
            { label: 'Judges', profiles: judges.profiles, icon: 'law', contextValue: 'omnitrace.judgeProfile' },
          ],
        },
        this.log,
      ),
    );
    this.work = work;
    this.log.info(`Omni Trace ${String(context.extension?.packageJSON?.version ?? '')} activated` + (vscode.workspace.isTrusted ? '' : ' (Restricted Mode: network features off)'));
    this.checkRegistrations(contributedCommandIds(context.extension?.packageJSON));
  }

  private checkRegistrations(contributed: string[]): void {
    vscode.commands.getCommands(true).then(
      (registered) => {
        const { ok, message } = registrationReport(contributed, registered);
        if (ok) this.log.info(message);
        else this.log.error(message);
      },
      (e: unknown) => this.log.error('listing the registered commands failed', e),
    );
  }
}

let instance: OmniTraceExtension | undefined;

export function activate(context: vscode.ExtensionContext): { provider: RolloutEditorProvider; sidebar: Sidebar; work: WorkStatus } {
  instance = new OmniTraceExtension(context);
  context.subscriptions.push(instance);
  // Returned for tests that drive the extension from inside VS Code (code-server e2e).
  return { provider: instance.provider, sidebar: instance.sidebar, work: instance.work };
}

export function deactivate(): void {
  instance?.dispose();
  instance = undefined;
}
