// The rollout file a command acts on: the active rollout view's document, fully loaded. Commands
// that run things (judging, shortcut analysis) check trust first and say why they did nothing.

import * as vscode from 'vscode';
import type { RolloutDocument } from './rolloutDocument';
import type { RolloutEditorProvider } from './rolloutEditorProvider';

export async function trustedActiveDocument(provider: RolloutEditorProvider, restrictedMessage: string): Promise<RolloutDocument | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(restrictedMessage);
    return undefined;
  }
  return activeDocument(provider);
}

/** The active rollout view's document, loaded; for work that makes no network call (allowed in Restricted Mode). */
export async function activeDocument(provider: RolloutEditorProvider): Promise<RolloutDocument | undefined> {
  const panel = provider.activePanel;
  if (!panel) {
    void vscode.window.showInformationMessage('Omni Trace: open a rollout file in the rollout view first.');
    return undefined;
  }
  await panel.document.whenLoaded();
  return panel.document;
}
