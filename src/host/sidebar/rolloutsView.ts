// The Rollouts view: the workspace's rollout files and folders (our *.rollouts.jsonl, verl step
// folders, TRL completions, HumanOmniV2 and R1 eval results, other JSON/JSONL that reads as
// rollouts), each with its format and count. Found by one file search plus a sniff of each
// candidate's head; counts follow in the background, cached by size and modification time.

import { limiter } from '../../core/orderedPool';
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { countRollouts, rolloutCandidates, sniffRollouts, type SniffedRollouts } from '../../services/sidebar/rolloutSniff';
import { NodeTree, treeItem, type SidebarNode } from './nodeTree';

export const ROLLOUTS_VIEW = 'omnitrace.sidebar.rollouts';
export const ROLLOUT_GLOB = '**/*.{jsonl,json,parquet}';
/** Never rollouts, or ours: runs have their own view. */
const EXCLUDE = '{**/node_modules/**,**/.git/**,**/.omnitrace/**,**/.vscode/**,**/package.json,**/package-lock.json,**/tsconfig*.json}';
const MAX_FILES = 5000;

interface Known {
  stamp: string;
  sniffed: SniffedRollouts | undefined;
  count?: { count: number; exact: boolean; unreadable?: number } | { error: string };
  /** Set while the count runs, so a refresh meanwhile does not start another. */
  counting?: Promise<void>;
}

async function stampOf(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Files read at once while sniffing the workspace's candidates. */
const SNIFFS_AT_ONCE = 8;

/** Counts finishing together make one refresh. */
const COUNTED_REFRESH_MS = 100;

export class RolloutsView extends NodeTree {
  private readonly known = new Map<string, Known>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly openCommand: string) {
    super();
  }

  /** What the view found, for tests and "compare": path, format, count. */
  async found(root: string): Promise<{ path: string; format: string; count?: number }[]> {
    const nodes = await this.roots(root);
    return nodes.filter((n) => n.path).map((n) => ({ path: n.path!, format: this.known.get(n.path!)!.sniffed!.format, count: this.countOf(n.path!) }));
  }

  private countOf(path: string): number | undefined {
    const c = this.known.get(path)?.count;
    return c && 'count' in c ? c.count : undefined;
  }

  protected async roots(root: string): Promise<SidebarNode[]> {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(root, ROLLOUT_GLOB), EXCLUDE, MAX_FILES);
    const candidates = rolloutCandidates(uris.map((u) => u.fsPath).sort());
    const slot = limiter(SNIFFS_AT_ONCE);
    const sniffed = await Promise.all(
      candidates.map((c) =>
        slot(async () => {
          const stamp = (await stampOf(c.path)) ?? '';
          let k = this.known.get(c.path);
          if (!k || (k.stamp !== stamp && !c.folder)) {
            k = { stamp, sniffed: await sniffRollouts(c.path) };
            this.known.set(c.path, k);
          }
          return { c, k };
        }),
      ),
    );
    const nodes: SidebarNode[] = [];
    for (const { c, k } of sniffed) {
      if (!k.sniffed) continue;
      nodes.push({ path: c.path, item: this.itemFor(root, c.path, c.folder, k) });
      if (k.count === undefined) k.counting ??= this.count(c.path, k);
    }
    return nodes;
  }

  private itemFor(root: string, path: string, folder: boolean, k: Known): vscode.TreeItem {
    const s = k.sniffed!;
    const c = k.count;
    const count = c === undefined ? 'counting…' : 'error' in c ? 'count failed' : `${c.count.toLocaleString('en-US')} rollout${c.count === 1 ? '' : 's'}`;
    const rel = relative(root, path) || path;
    return treeItem(rel, {
      description: `${s.format} · ${count}`,
      tooltip: [
        path,
        `${s.format}: ${s.reason}`,
        c && 'exact' in c && !c.exact ? 'counted as non-blank lines' : '',
        c && 'unreadable' in c && c.unreadable ? `${c.unreadable} entr${c.unreadable === 1 ? 'y' : 'ies'} could not be read as rollouts` : '',
        c && 'error' in c ? c.error : '',
      ]
        .filter(Boolean)
        .join('\n'),
      contextValue: folder ? 'omnitrace.rolloutFolder' : 'omnitrace.rolloutFile',
      resource: path,
      icon: folder ? 'folder' : undefined,
      open: { command: this.openCommand, title: 'Open', arguments: [{ path }] },
    });
  }

  private async count(path: string, k: Known): Promise<void> {
    try {
      k.count = await countRollouts(path, k.sniffed!.format);
    } catch (e) {
      k.count = { error: (e as Error).message };
    }
    k.counting = undefined;
    // The whole view again, from what is known: a refresh of the one node was lost when the view
    // had been rebuilt in between (its node objects replaced), leaving "counting…" for good.
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, COUNTED_REFRESH_MS);
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    super.dispose();
  }
}
