// Keybindings of the rollout view as VS Code commands, so they are listed (and can be rebound)
// in the keyboard-shortcuts editor: next and previous rollout, the reference panel, labelling
// and the label keys of the judge lab. Each goes to the active rollout view.

import * as vscode from 'vscode';
import type { ViewKeyAction } from '../protocol/rolloutView';
import { Disposable } from './dispose';
import type { RolloutEditorProvider } from './rolloutEditorProvider';

/** Command id → the view's action (label commands carry their score). */
export const VIEW_KEY_COMMANDS: Record<string, { action: ViewKeyAction; score?: number }> = {
  'omnitrace.view.nextRollout': { action: 'next' },
  'omnitrace.view.previousRollout': { action: 'previous' },
  'omnitrace.view.toggleReference': { action: 'toggleReference' },
  'omnitrace.view.toggleLabelling': { action: 'toggleLabelling' },
  'omnitrace.view.nextReward': { action: 'nextReward' },
  'omnitrace.view.previousReward': { action: 'previousReward' },
  'omnitrace.view.undoLabel': { action: 'undoLabel' },
  ...Object.fromEntries([0, 1, 2, 3, 4, 5].map((n) => [`omnitrace.view.label${n}`, { action: 'label' as const, score: n }])),
};

export class ViewKeys extends Disposable {
  constructor(provider: RolloutEditorProvider) {
    super();
    for (const [id, { action, score }] of Object.entries(VIEW_KEY_COMMANDS)) {
      this._register(vscode.commands.registerCommand(id, () => provider.activePanel?.sendKey(action, score) ?? false));
    }
  }
}
