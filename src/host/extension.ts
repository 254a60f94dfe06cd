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
import { ShortcutController } from './shortcutController';
import { CompareController } from './compareController';
import { LabController } from './labController';

class OmniTraceExtension extends Disposable {
  readonly log: Log;
  readonly provider: RolloutEditorProvider;

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
    const judges = this._register(new JudgeController(context.secrets, this.provider, this.log, () => lenses.refresh()));
    this._register(new RunController(context.secrets, this.provider, this.log, context.extensionUri, judges));
    this._register(new ShortcutController(context.secrets, this.provider, this.log, judges));
    this._register(new CompareController(context.extensionUri, this.provider, this.log));
    this._register(new LabController(context.extensionUri, this.provider, judges, this.log));
    this.log.info(`Omni Trace ${String(context.extension?.packageJSON?.version ?? '')} activated` + (vscode.workspace.isTrusted ? '' : ' (Restricted Mode: network features off)'));
  }
}

let instance: OmniTraceExtension | undefined;

export function activate(context: vscode.ExtensionContext): { provider: RolloutEditorProvider } {
  instance = new OmniTraceExtension(context);
  context.subscriptions.push(instance);
  // Returned for tests that drive the extension from inside VS Code (code-server e2e).
  return { provider: instance.provider };
}

export function deactivate(): void {
  instance?.dispose();
  instance = undefined;
}
