// Long work (judging, checkpoint runs, shortcut analyses, comparisons, labs) shows in one
// status-bar item while it runs, beside its notification: how far it is, and how many other
// pieces run. Clicking the item lists the work; each can be focused (its view or file) or
// cancelled, whether or not its notification is still on screen.

import * as vscode from 'vscode';
import { Disposable } from './dispose';
import { errorText } from '../core/errors';

export const WORK_COMMANDS = { showWork: 'omnitrace.showWork' } as const;

type Report = { message?: string; increment?: number };

interface Work {
  title: string;
  /** Percent done, when the work reports increments. */
  percent?: number;
  message?: string;
  focus?: () => unknown;
  cancel?: () => void;
}

export interface WorkOptions {
  title: string;
  cancellable?: boolean;
  /** Shows the work's view or file (clicking the status item, then "Focus"). */
  focus?: () => unknown;
}

export class WorkStatus extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly works = new Set<Work>();

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('omnitrace.work', vscode.StatusBarAlignment.Left, 30));
    this.item.name = 'Omni Trace: running work';
    this.item.command = WORK_COMMANDS.showWork;
    this._register(vscode.commands.registerCommand(WORK_COMMANDS.showWork, () => this.pick()));
  }

  /** Titles and progress of the running work (for tests and the picker). */
  get running(): { title: string; percent?: number; message?: string }[] {
    return [...this.works].map(({ title, percent, message }) => ({ title, percent, message }));
  }

  /**
   * Runs `fn` with a notification (as vscode.window.withProgress does) and this status item; the
   * token is cancelled from either.
   */
  run<T>(opts: WorkOptions, fn: (progress: vscode.Progress<Report>, token: vscode.CancellationToken) => Thenable<T>): Thenable<T> {
    const source = new vscode.CancellationTokenSource();
    const work: Work = { title: opts.title, focus: opts.focus, cancel: opts.cancellable ? () => source.cancel() : undefined };
    this.works.add(work);
    this.render();
    const done = () => {
      this.works.delete(work);
      source.dispose();
      this.render();
    };
    return vscode.window
      .withProgress({ location: vscode.ProgressLocation.Notification, title: opts.title, cancellable: opts.cancellable === true }, (progress, token) => {
        const sub = token.onCancellationRequested(() => source.cancel());
        const tracked: vscode.Progress<Report> = {
          report: (r) => {
            if (r.increment !== undefined) work.percent = Math.min(100, (work.percent ?? 0) + r.increment);
            if (r.message !== undefined) work.message = r.message;
            this.render();
            progress.report(r);
          },
        };
        return Promise.resolve(fn(tracked, source.token)).finally(() => sub.dispose());
      })
      .then(
        (v) => {
          done();
          return v;
        },
        (e) => {
          done();
          throw e;
        },
      );
  }

  private render(): void {
    if (this.isDisposed) return;
    const list = [...this.works];
    if (list.length === 0) {
      this.item.hide();
      return;
    }
    const first = list[0]!;
    const pct = first.percent === undefined ? '' : ` ${Math.round(first.percent)}%`;
    const more = list.length > 1 ? ` (+${list.length - 1} more)` : '';
    this.item.text = `$(sync~spin) ${first.title}${pct}${more}`;
    this.item.tooltip = list.map((w) => `${w.title}${w.percent === undefined ? '' : ` — ${Math.round(w.percent)}%`}${w.message ? `: ${w.message}` : ''}`).join('\n') + '\n\nClick to focus or cancel.';
    this.item.show();
  }

  private async pick(): Promise<void> {
    type Item = vscode.QuickPickItem & { run?: () => unknown };
    const items: Item[] = [];
    for (const w of this.works) {
      items.push({ label: w.title, kind: vscode.QuickPickItemKind.Separator });
      if (w.focus) items.push({ label: '$(eye) Focus', description: w.title, run: w.focus });
      if (w.cancel) items.push({ label: '$(close) Cancel', description: w.title, run: w.cancel });
      if (!w.focus && !w.cancel) items.push({ label: `${w.percent === undefined ? 'running' : `${Math.round(w.percent)}%`}`, description: w.message });
    }
    if (!items.length) return;
    const picked = await vscode.window.showQuickPick(items, { title: 'Omni Trace: running work' });
    try {
      await picked?.run?.();
    } catch (e) {
      // The work's view was closed meanwhile: nothing to focus.
      void vscode.window.showWarningMessage(`Omni Trace: ${errorText(e)}`);
    }
  }
}
