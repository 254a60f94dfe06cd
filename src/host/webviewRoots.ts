// Which folders a rollout webview may load files from. Kept to what the view needs: our own
// bundle and media, the workspace, the rollout file's folder (clips next to it) and the media
// root. A clip found elsewhere is reported with a hint instead of widening this list on the
// fly, because changing a webview's roots reloads it.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { mediaRootFor } from './settings';

export function webviewRoots(extensionUri: vscode.Uri, documentUri: vscode.Uri): vscode.Uri[] {
  const roots = [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media'), ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)];
  if (documentUri.scheme === 'file') roots.push(vscode.Uri.file(path.dirname(documentUri.fsPath)));
  const media = mediaRootFor(documentUri).path;
  if (media) roots.push(vscode.Uri.file(media));
  // Drop duplicates and folders inside other roots: a media root under the workspace then
  // leaves the list unchanged, and changing the list is what makes VS Code reload the page.
  const unique: vscode.Uri[] = [];
  for (const r of roots) if (!unique.some((u) => u.toString() === r.toString())) unique.push(r);
  return unique.filter((r) => !unique.some((o) => o !== r && o.scheme === 'file' && r.scheme === 'file' && isStrictlyInside(r.fsPath, o.fsPath)));
}

function isStrictlyInside(p: string, folder: string): boolean {
  const rel = path.relative(path.resolve(folder), path.resolve(p));
  return rel !== '' && !isOutside(rel);
}

function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel);
}

/** True when `file` lies inside one of `roots` (file-scheme roots only). */
export function isUnderRoots(file: string, roots: readonly vscode.Uri[]): boolean {
  const target = path.resolve(file);
  return roots.some((r) => {
    if (r.scheme !== 'file') return false;
    const rel = path.relative(path.resolve(r.fsPath), target);
    return !isOutside(rel);
  });
}
