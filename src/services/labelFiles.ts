// One labeller's labels in `.omnitrace/labels/<labeller>.jsonl`: read, add (the file rewritten
// atomically with the new line), and undo the last label this session added.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomicFile';
import { formatLabel, latestLabels, parseLabels, type Label, type LabelProblem } from '../core/lab/labels';
import { LAYOUT } from '../core/workspaceLayout';

export function labelFilePath(workspace: string, labeller: string): string {
  return join(workspace, LAYOUT.labels, `${labeller.replace(/[^\w.-]+/g, '_') || 'labeller'}.jsonl`);
}

export class LabelFile {
  private readonly undo: string[] = [];

  constructor(
    readonly workspace: string,
    readonly labeller: string,
  ) {}

  get path(): string {
    return labelFilePath(this.workspace, this.labeller);
  }

  private async text(): Promise<string> {
    return existsSync(this.path) ? readFile(this.path, 'utf8') : '';
  }

  /** The latest label per (item, reward), and the lines that could not be read. */
  async read(): Promise<{ labels: Label[]; problems: LabelProblem[] }> {
    const parsed = parseLabels(await this.text(), this.path);
    return { labels: latestLabels(parsed.labels), problems: parsed.problems };
  }

  async add(label: Label): Promise<void> {
    const before = await this.text();
    await mkdir(join(this.workspace, LAYOUT.labels), { recursive: true });
    await writeFileAtomic(this.path, (before && !before.endsWith('\n') ? before + '\n' : before) + formatLabel(label) + '\n', { ownFile: true });
    this.undo.push(before);
  }

  /** Puts the file back as it was before the last add of this session; false when there is none. */
  async undoLast(): Promise<boolean> {
    const before = this.undo.pop();
    if (before === undefined) return false;
    await writeFileAtomic(this.path, before, { ownFile: true });
    return true;
  }
}
