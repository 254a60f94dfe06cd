// A CodeLens above each rollout line of a JSONL file opened as text: that rollout's rewards at a
// glance, and a click opens it in the trace view. Lenses are listed cheaply (one per JSON-object
// line) and scored only when VS Code resolves them, which it does for the visible ones.

import * as vscode from 'vscode';
import { createRowMapper } from '../core/readers/mapping';
import type { FormatName } from '../core/readers/types';
import { scoreRecord } from '../core/score';
import type { RewardResult } from '../core/types';
import { Disposable } from './dispose';
import { readSettings, SECTION } from './settings';
import { errorText } from '../core/errors';

/** Past this many lines only a note is shown: listing 100k lenses costs more than it helps. */
export const MAX_LENSES = 20_000;
const VERL_STEP_FILE = /(^|[\\/])\d+\.jsonl$/i;

class RolloutLens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly uri: vscode.Uri,
    readonly text: string,
  ) {
    super(range);
  }
}

export function lensTitle(rewards: Record<string, RewardResult>, problemType: string | undefined): string {
  const parts: string[] = [];
  for (const [name, r] of Object.entries(rewards)) {
    const shown = r.status === 'ok' && r.value !== null ? String(Math.round(r.value * 100) / 100) : r.status;
    parts.push(`${name} ${shown}`);
  }
  return `$(beaker) ${parts.join(' · ')}${problemType ? ` — ${problemType}` : ''}`;
}

export class RolloutCodeLensProvider extends Disposable implements vscode.CodeLensProvider<RolloutLens> {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  /**
   * `judgedAt` gives the judged rewards of the rollout on a line when the file is also open in
   * the rollout view and was judged there; call `refresh` when those change.
   */
  constructor(
    private readonly openCommand: string,
    private readonly judgedAt: (uri: vscode.Uri, line: number) => Record<string, RewardResult> | undefined = () => undefined,
  ) {
    super();
    this._register(
      vscode.languages.registerCodeLensProvider(
        [
          { scheme: 'file', pattern: '**/*.jsonl' },
          { scheme: 'untitled', language: 'jsonl' },
        ],
        this,
      ),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.changed.fire();
      }),
    );
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): RolloutLens[] {
    if (!readSettings(doc.uri).codeLens) return [];
    const lenses: RolloutLens[] = [];
    const n = Math.min(doc.lineCount, MAX_LENSES);
    for (let i = 0; i < n; i++) {
      const line = doc.lineAt(i);
      if (line.text.charCodeAt(line.firstNonWhitespaceCharacterIndex) !== 123 /* { */) continue;
      lenses.push(new RolloutLens(line.range, doc.uri, line.text));
    }
    if (doc.lineCount > MAX_LENSES) {
      const first = new vscode.Range(0, 0, 0, 0);
      const note = new RolloutLens(first, doc.uri, '');
      note.command = {
        title: `Omni Trace: rewards shown for the first ${MAX_LENSES.toLocaleString()} lines — open the whole file in the rollout view`,
        command: this.openCommand,
        arguments: [doc.uri],
      };
      lenses.unshift(note);
    }
    return lenses;
  }

  resolveCodeLens(lens: RolloutLens): RolloutLens {
    if (lens.command) return lens;
    const line = lens.range.start.line + 1;
    const open = { command: this.openCommand, arguments: [lens.uri, line] };
    let row: unknown;
    try {
      row = JSON.parse(lens.text);
    } catch (e) {
      lens.command = { ...open, title: `$(warning) Omni Trace: line ${line} is not valid JSON (${errorText(e)})` };
      return lens;
    }
    const settings = readSettings(lens.uri);
    const format: FormatName = VERL_STEP_FILE.test(lens.uri.fsPath) ? 'verl' : 'jsonl';
    const record = createRowMapper(format, settings.fieldMap).map(row, line - 1, { file: lens.uri.fsPath, line });
    if (typeof record === 'string') {
      lens.command = { ...open, title: `$(warning) Omni Trace: ${record}` };
      return lens;
    }
    const scored = scoreRecord(record, { regressionVariant: settings.regressionVariant });
    const rewards = { ...scored.rewards, ...this.judgedAt(lens.uri, line) };
    lens.command = { ...open, title: lensTitle(rewards, record.question.problemType), tooltip: 'Open this rollout in the Omni Trace trace view' };
    return lens;
  }
}
