// The Labels view: human labels under `.omnitrace/labels`, per labeller, then per reward with
// the number of items labelled (the latest label per item counts once).

import { listLabels } from '../../services/sidebar/workspaceItems';
import { NodeTree, treeItem, type SidebarNode } from './nodeTree';

export const LABELS_VIEW = 'omnitrace.sidebar.labels';

export class LabelsView extends NodeTree {
  protected async roots(root: string): Promise<SidebarNode[]> {
    return (await listLabels(root)).map((l) => {
      const total = Object.values(l.byReward).reduce((a, b) => a + b, 0);
      return {
        path: l.path,
        item: treeItem(l.labeller, {
          description: `${total} label${total === 1 ? '' : 's'}${l.problems ? ` · ${l.problems} unreadable line${l.problems === 1 ? '' : 's'}` : ''}`,
          tooltip: l.path,
          contextValue: 'omnitrace.labeller',
          icon: 'person',
          group: true,
          expanded: true,
        }),
        children: async () =>
          Object.entries(l.byReward)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([reward, n]) => ({ item: treeItem(reward, { description: `${n} item${n === 1 ? '' : 's'}`, icon: 'tag' }) })),
      };
    });
  }
}
