// The "Omni Trace" output channel. Read problems are written as `file:line: message` so the
// terminal-style link opens the line. Only messages and paths go here: never record contents
// (model output can be huge) and never secrets.

import * as vscode from 'vscode';
import type { ReadProblem } from '../core/types';
import { errorMessage } from './rpcServer';
import { escapeControls } from '../core/invisibleChars';

export const OUTPUT_CHANNEL_NAME = 'Omni Trace';

export class Log implements vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  }

  info(message: string): void {
    this.channel.info(escapeControls(message));
  }

  warn(message: string): void {
    this.channel.warn(escapeControls(message));
  }

  error(message: string, err?: unknown): void {
    this.channel.error(escapeControls(err === undefined ? message : `${message}: ${errorMessage(err)}`));
  }

  problem(p: ReadProblem): void {
    this.channel.warn(escapeControls(formatProblem(p)));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

export function formatProblem(p: ReadProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.recordIndex !== undefined ? `${p.file} (record #${p.recordIndex})` : p.file;
  return `${where}: ${p.message}`;
}
