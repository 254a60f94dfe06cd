// The shape every Omni Trace sidebar view shares: nodes that carry their own TreeItem, the
// path they stand for (for context actions) and, for groups, their children; a view refreshes
// as a whole when the files under it change.

import * as vscode from 'vscode';

export interface SidebarNode {
  item: vscode.TreeItem;
  /** The file or folder the node stands for. */
  path?: string;
  children?: () => Promise<SidebarNode[]>;
}

export abstract class NodeTree implements vscode.TreeDataProvider<SidebarNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SidebarNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  refresh(node?: SidebarNode): void {
    this.changed.fire(node);
  }

  getTreeItem(node: SidebarNode): vscode.TreeItem {
    return node.item;
  }

  async getChildren(node?: SidebarNode): Promise<SidebarNode[]> {
    if (node) return node.children ? node.children() : [];
    const roots = vscode.workspace.workspaceFolders ?? [];
    const out: SidebarNode[] = [];
    for (const f of roots) out.push(...(await this.roots(f.uri.fsPath)));
    return out;
  }

  /** The nodes of one workspace folder. */
  protected abstract roots(root: string): Promise<SidebarNode[]>;

  dispose(): void {
    this.changed.dispose();
  }
}

/** A leaf or group item; `open` is the command a click runs. */
export function treeItem(
  label: string,
  opts: { description?: string; tooltip?: string; contextValue?: string; icon?: string; resource?: string; open?: vscode.Command; expanded?: boolean; group?: boolean } = {},
): vscode.TreeItem {
  const state = opts.group ? (opts.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None;
  const item = new vscode.TreeItem(label, state);
  if (opts.description !== undefined) item.description = opts.description;
  if (opts.tooltip !== undefined) item.tooltip = opts.tooltip;
  if (opts.contextValue) item.contextValue = opts.contextValue;
  if (opts.icon) item.iconPath = new vscode.ThemeIcon(opts.icon);
  if (opts.resource) item.resourceUri = vscode.Uri.file(opts.resource);
  if (opts.open) item.command = opts.open;
  return item;
}

/** A node that says why a view is empty or what failed, instead of an empty list. */
export function messageNode(text: string, icon = 'info'): SidebarNode {
  return { item: treeItem(text, { icon }) };
}
