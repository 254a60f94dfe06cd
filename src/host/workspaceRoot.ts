// Where our sidecars for a file go: the workspace folder holding it (its .omnitrace/), else the
// file's own folder. One rule, so a judgment, a label or an analysis saved from one command is
// found by the others.

import * as path from 'node:path';
import * as vscode from 'vscode';

export function workspaceRootFor(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}
