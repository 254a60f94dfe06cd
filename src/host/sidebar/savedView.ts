// The Comparisons and Labs view: comparisons saved under `.omnitrace/comparisons` (the editor
// saves each one it shows; `omnitrace compare --out` can write there too) and judge labs under
// `.omnitrace/labs`. A file that does not read as what its folder says is listed with why.

import { basename } from 'node:path';
import { listSaved } from '../../services/sidebar/workspaceItems';
import { NodeTree, treeItem, type SidebarNode } from './nodeTree';

export const SAVED_VIEW = 'omnitrace.sidebar.saved';

export class SavedView extends NodeTree {
  constructor(private readonly openCommand: string) {
    super();
  }

  protected async roots(root: string): Promise<SidebarNode[]> {
    return (await listSaved(root)).map((s) => ({
      path: s.path,
      item: s.error
        ? treeItem(basename(s.path), { description: s.error, tooltip: s.path, icon: 'warning' })
        : treeItem(s.title, {
            description: `${s.kind === 'comparison' ? 'comparison' : 'judge lab'} · ${s.detail}`,
            tooltip: s.path,
            contextValue: s.kind === 'comparison' ? 'omnitrace.savedComparison' : 'omnitrace.savedLab',
            icon: s.kind === 'comparison' ? 'git-compare' : 'beaker',
            open: { command: this.openCommand, title: 'Open', arguments: [{ path: s.path }] },
          }),
    }));
  }
}
