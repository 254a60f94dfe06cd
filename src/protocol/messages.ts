// Every message between the extension host (or the static report shim) and the webview.
// Both directions are discriminated unions; requests carry an id and get exactly one
// response, success or error. Shapes here are the contract: change them in one place.

import type { RunFormErrors, RunFormValues } from '../core/run/runForm';

export * from '../core/viewTypes';
import type { LabelState, LiveRunProgress, RolloutDetail, RowPage, RowQuery, ViewInit } from '../core/viewTypes';

/** Requests the webview makes of its host, and what each returns. */
export interface HostMethods {
  getInit: { params: Record<string, never>; result: ViewInit };
  getRows: { params: { query: RowQuery; offset: number; limit: number }; result: RowPage };
  getRollout: { params: { index: number }; result: RolloutDetail };
  /** Where a rollout sits in the rows of `query` (-1 when filtered out), to scroll to it. */
  locateRow: { params: { query: RowQuery; index: number }; result: { position: number } };
  /** Open the rollout's source line in a text editor (no-op in a report). */
  revealSource: { params: { index: number }; result: { revealed: boolean } };
  /** Stop the checkpoint run this view shows live (no-op elsewhere); the partial samples are kept and saved. */
  cancelRun: { params: Record<string, never>; result: { cancelled: boolean } };
  /** The labeller's labels of a rollout's judged rewards, with the judge's scores (hidden when blind). */
  getLabels: { params: { index: number }; result: LabelState };
  /** Label a reward of a rollout (score on the template's raw scale), with an optional reason. */
  setLabel: { params: { index: number; reward: string; score: number; reason?: string }; result: LabelState };
  /** Undo the last label of this session. */
  undoLabel: { params: Record<string, never>; result: { undone: boolean } };
}

export type HostMethod = keyof HostMethods;

/** Notifications the host pushes after the webview has asked for init. */
export interface WebviewEvents {
  /** The underlying data changed (file re-read, rescored): re-request what is shown. */
  invalidate: { reason: string };
  /** Long loading work, throttled. */
  progress: { read: number; skipped: number; done: boolean };
  /** Ask the view to select a rollout (e.g. from a CodeLens or a command). */
  select: { index: number };
  /**
   * Live run: text appended to sample `index`'s completion (coalesced by the host, at most every
   * ~20 ms). `at` is the completion's length before this text (a gap means: re-read the rollout);
   * `done` means the sample is finished and its scored detail can be re-read.
   */
  streamDelta: { index: number; text: string; at?: number; done?: boolean };
  /** Live run: a sample started, finished (scored) or was judged; the whole strip, it is small. */
  runProgress: LiveRunProgress;
}

export type WebviewEvent = keyof WebviewEvents;

export type WebviewToHost = {
  [M in HostMethod]: { type: 'request'; id: number; method: M; params: HostMethods[M]['params'] };
}[HostMethod];

export type HostToWebview =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { [E in WebviewEvent]: { type: 'event'; event: E; data: WebviewEvents[E] } }[WebviewEvent];

/** What the run form ("Run Checkpoint on Clip…") shows: the clip, the choices and the prefill. */
export interface RunFormInit {
  clip: {
    name: string;
    path: string;
    kind: 'video' | 'audio' | 'image';
    /** Webview URI of the clip for the player. */
    src: string;
    /** Seconds (ffprobe); 0 for an image. */
    duration?: number;
    hasAudio?: boolean;
    hasVideo?: boolean;
  };
  /** Checkpoint profiles (preferred first) with each one's default number of samples. */
  profiles: { name: string; model: string; baseURL: string; n: number }[];
  judges: { name: string; model: string }[];
  problemTypes: string[];
  values: RunFormValues;
  /** Where the prefill came from, e.g. "rollout 3 of run.rollouts.jsonl". */
  prefilledFrom?: string;
}

/** Requests the run form makes of its host (a protocol of its own: the form is not a rollout view). */
export interface RunFormMethods {
  getRunForm: { params: Record<string, never>; result: RunFormInit };
  /** Run with these values: accepted (the form closes, the run starts) or the errors by field. */
  submitRunForm: { params: { values: RunFormValues }; result: { accepted: boolean; errors: RunFormErrors } };
  /** Escape or Cancel: the form closes and nothing runs. */
  cancelRunForm: { params: Record<string, never>; result: { cancelled: boolean } };
}

export type RunFormMethod = keyof RunFormMethods;

export type RunFormToHost = {
  [M in RunFormMethod]: { type: 'request'; id: number; method: M; params: RunFormMethods[M]['params'] };
}[RunFormMethod];
