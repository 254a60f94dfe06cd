// Shows the shortcut sidecar of a rollout file (left by "Find Shortcuts" or by
// `omnitrace shortcuts --out` into .omnitrace/shortcuts/) in its view. Only reads local files,
// so it also runs in Restricted Mode.

import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readShortcutLines, shortcutSidecarPath } from '../core/shortcuts/sidecar';
import { summariseShortcuts } from '../core/shortcuts/summary';
import type { Log } from './log';
import type { RolloutStore } from './rolloutStore';
import { workspaceRootFor } from './workspaceRoot';
import { LAYOUT } from '../core/workspaceLayout';

/** Shows a sidecar analysis in the document's view, if one exists; a bad line is logged and skipped. */
export async function showShortcutSidecar(doc: { uri: vscode.Uri; fileName: string; store: RolloutStore }, log: Log): Promise<boolean> {
  const root = workspaceRootFor(doc.uri);
  const file = shortcutSidecarPath(root, doc.uri.fsPath);
  if (!existsSync(file)) return false;
  const { lines, problems } = await readShortcutLines(file);
  for (const p of problems) log.warn(`${p.file}:${p.line}: ${p.message}`);
  doc.store.applyShortcuts(lines, summariseShortcuts(lines), path.join(root, LAYOUT.cues));
  log.info(`shortcut analysis of ${doc.fileName}: ${lines.length} rollout(s) from ${file}`);
  return true;
}
