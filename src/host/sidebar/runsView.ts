// The Runs view: checkpoint runs saved under `.omnitrace/runs`, newest first, each with its
// model, start time, number of samples and rule accuracy (scored when listed, cached by file).

import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { listRuns, summariseRun, type RunSummary } from '../../services/sidebar/workspaceItems';
import { NodeTree, messageNode, treeItem, type SidebarNode } from './nodeTree';

export const RUNS_VIEW = 'omnitrace.sidebar.runs';

export function runDescription(r: RunSummary): string {
  const when = r.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const acc = r.accuracy === null ? 'accuracy: judge' : `accuracy ${(r.accuracy * 100).toFixed(0)}%`;
  return `${when} · n ${r.records} · ${acc}`;
}

export class RunsView extends NodeTree {
  private readonly summaries = new Map<string, { stamp: string; summary: Promise<RunSummary> }>();

  constructor(private readonly openCommand: string) {
    super();
  }

  /** The runs as listed (for tests): path and summary. */
  async listed(root: string): Promise<RunSummary[]> {
    return Promise.all((await listRuns(root)).map((p) => this.summaryOf(p)));
  }

  private async summaryOf(path: string): Promise<RunSummary> {
    const st = await stat(path);
    const stamp = `${st.size}:${st.mtimeMs}`;
    let s = this.summaries.get(path);
    if (!s || s.stamp !== stamp) {
      s = { stamp, summary: summariseRun(path) };
      this.summaries.set(path, s);
    }
    return s.summary;
  }

  protected async roots(root: string): Promise<SidebarNode[]> {
    const out: SidebarNode[] = [];
    for (const path of await listRuns(root)) {
      try {
        const r = await this.summaryOf(path);
        out.push({
          path,
          item: treeItem(r.model, {
            description: runDescription(r),
            tooltip: `${path}${r.unscoredAccuracy ? `\n${r.unscoredAccuracy} sample(s) without a rule accuracy (free-form or no reference)` : ''}${r.problems ? `\n${r.problems} line(s) could not be read` : ''}`,
            contextValue: 'omnitrace.run',
            icon: 'run',
            open: { command: this.openCommand, title: 'Open', arguments: [{ path }] },
          }),
        });
      } catch (e) {
        out.push({ ...messageNode(`${basename(path)}: ${(e as Error).message}`, 'warning'), path });
      }
    }
    return out;
  }
}
