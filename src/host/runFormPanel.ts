// The run form of "Run Checkpoint on Clip…" and "Run Again": a webview with the clip playing
// beside the question, options, problem type, reference answer and context, range, checkpoint
// and judge profiles and n. The webview validates as the user types; the host validates again
// on Run (src/core/run/runForm.ts, the same rules) and is the authority. `result` resolves with
// the parsed values on a valid Run, or undefined when the form is cancelled or closed.
// Tests drive it headlessly through its typed messages (RunFormMethods).

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunFormInit, RunFormMethods } from '../protocol/messages';
import { validateRunForm, type ParsedRunForm, type RunFormChoices } from '../core/run/runForm';
import type { Log } from './log';
import { PanelHost } from './panelHost';

export const RUN_FORM_VIEW_TYPE = 'omnitrace.runForm';

/** Everything the form shows except the clip's webview URI (the panel makes that). */
export type RunFormSetup = Omit<RunFormInit, 'clip'> & { clip: Omit<RunFormInit['clip'], 'src'> };

export class RunFormPanel extends PanelHost<RunFormMethods> {
  /** The valid values of Run, or undefined when the form was cancelled or closed. */
  readonly result: Promise<ParsedRunForm | undefined>;
  private settle!: (v: ParsedRunForm | undefined) => void;
  private settled = false;

  constructor(extensionUri: vscode.Uri, log: Log, setup: RunFormSetup) {
    const choices: RunFormChoices = {
      profiles: setup.profiles.map((p) => p.name),
      judges: setup.judges.map((j) => j.name),
      problemTypes: setup.problemTypes,
      duration: setup.clip.duration,
      isImage: setup.clip.kind === 'image',
    };
    // The handlers need the panel (for the clip's URI and to close it): they reach it through this box.
    const self: { panel?: RunFormPanel } = {};
    super(extensionUri, log, {
      viewType: RUN_FORM_VIEW_TYPE,
      title: `Run on ${setup.clip.name}`,
      view: 'runForm',
      // A half-filled form survives switching tabs.
      retainContextWhenHidden: true,
      resourceRoots: [vscode.Uri.file(path.dirname(setup.clip.path))],
      handlers: {
        getRunForm: () => ({ ...setup, clip: { ...setup.clip, src: self.panel!.panel.webview.asWebviewUri(vscode.Uri.file(setup.clip.path)).toString() } }),
        submitRunForm: ({ values }) => {
          const checked = validateRunForm(values, choices);
          if (!checked.ok) return { accepted: false, errors: checked.errors };
          // Settled after the reply is posted, so the page hears "accepted" before it closes.
          setImmediate(() => self.panel!.finish(checked.parsed));
          return { accepted: true, errors: {} };
        },
        cancelRunForm: () => {
          setImmediate(() => self.panel!.finish(undefined));
          return { cancelled: true };
        },
      },
    });
    self.panel = this;
    this.result = new Promise((resolve) => (this.settle = resolve));
  }

  /** Closes the form; a form closed before Run settles as cancelled. */
  override dispose(): void {
    if (this.isDisposed) return;
    this.settleOnce(undefined);
    super.dispose();
  }

  private finish(v: ParsedRunForm | undefined): void {
    this.settleOnce(v);
    this.dispose();
  }

  private settleOnce(v: ParsedRunForm | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(v);
  }
}
