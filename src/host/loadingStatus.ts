// One status bar item for every file being read. Small files finish before it would appear:
// it only shows once a load has run for a moment, so opening a 20-row file does not flash it.

import * as vscode from 'vscode';
import { Disposable } from './dispose';

const SHOW_AFTER_MS = 400;

interface Load {
  name: string;
  read: number;
  startedAt: number;
}

export class LoadingStatus extends Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly loads = new Map<string, Load>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('omnitrace.loading', vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'Omni Trace: loading';
    this.item.command = 'omnitrace.showLog';
    this._register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  /** A load started or made progress. `key` identifies the document. */
  update(key: string, name: string, read: number): void {
    const prev = this.loads.get(key);
    this.loads.set(key, { name, read, startedAt: prev?.startedAt ?? Date.now() });
    this.render();
  }

  finish(key: string): void {
    this.loads.delete(key);
    this.render();
  }

  /**
   * Text for the current loads (exported through the item; kept pure for reading). The icon
   * stands still: a spinning one repaints the window every frame, and where Chromium renders in
   * software that took about half a core from the load it reports (bench:editor's cpuSeconds).
   */
  static text(loads: { name: string; read: number }[]): string {
    const total = loads.reduce((a, l) => a + l.read, 0);
    const where = loads.length === 1 ? loads[0]!.name : `${loads.length} files`;
    return `$(sync) Omni Trace: scoring ${total.toLocaleString('en-US')} rollouts… (${where})`;
  }

  private render(): void {
    if (this.isDisposed) return;
    if (this.loads.size === 0) {
      this.item.hide();
      return;
    }
    const now = Date.now();
    const due = [...this.loads.values()].filter((l) => now - l.startedAt >= SHOW_AFTER_MS);
    if (due.length === 0) {
      this.item.hide();
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.render();
      }, SHOW_AFTER_MS);
      return;
    }
    this.item.text = LoadingStatus.text(due);
    this.item.tooltip = due.map((l) => `${l.name}: ${l.read.toLocaleString('en-US')} read`).join('\n');
    this.item.show();
  }
}
