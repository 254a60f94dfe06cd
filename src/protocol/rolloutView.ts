// The rollout view's protocol: what it asks of its host (the editor's panel, or the static
// report's in-page view model), and what the host pushes. The view model answers the base
// methods everywhere; labelling exists only in the editor.

import type { LabelState, RolloutDetail, RowPage, RowQuery, ViewInit } from '../core/viewTypes';

/** What every host of the rollout view answers (the report's in-page view model too). */
export interface RolloutViewMethods {
  getInit: { params: Record<string, never>; result: ViewInit };
  getRows: { params: { query: RowQuery; offset: number; limit: number }; result: RowPage };
  getRollout: { params: { index: number }; result: RolloutDetail };
  /** Where a rollout sits in the rows of `query` (-1 when filtered out), to scroll to it. */
  locateRow: { params: { query: RowQuery; index: number }; result: { position: number } };
  /** Open the rollout's source line in a text editor (no-op in a report). */
  revealSource: { params: { index: number }; result: { revealed: boolean } };
}

/** Labelling from the trace view: the editor's hosts only. */
export interface LabelMethods {
  /** The labeller's labels of a rollout's judged rewards, with the judge's scores (hidden when blind). */
  getLabels: { params: { index: number }; result: LabelState };
  /** Label a reward of a rollout (score on the template's raw scale), with an optional reason. */
  setLabel: { params: { index: number; reward: string; score: number; reason?: string }; result: LabelState };
  /** Undo the last label of this session. */
  undoLabel: { params: Record<string, never>; result: { undone: boolean } };
}

/** The editor's file load: its worker waits after the first page until a view has painted it. */
export interface LoadMethods {
  /** The view painted its first rows of this file (once per page). */
  firstRowsShown: { params: Record<string, never>; result: Record<string, never> };
}

/** The rollout view in the editor. */
export type EditorRolloutMethods = RolloutViewMethods & LabelMethods & LoadMethods;

/** Notifications the host pushes after the view has asked for init. */
export interface RolloutViewEvents {
  /** The underlying data changed (file re-read, rescored): re-request what is shown. */
  invalidate: { reason: string };
  /** Long loading work, throttled. */
  progress: { read: number; skipped: number; done: boolean };
  /** Ask the view to select a rollout (e.g. from a CodeLens or a command). */
  select: { index: number };
  /** A VS Code keybinding for the view (listed in the keyboard-shortcuts editor, rebindable). */
  key: { action: ViewKeyAction; score?: number };
}

/** What the view's keybindings do: move between rollouts, show the reference, and label. */
export type ViewKeyAction = 'next' | 'previous' | 'toggleReference' | 'toggleLabelling' | 'label' | 'nextReward' | 'previousReward' | 'undoLabel';
