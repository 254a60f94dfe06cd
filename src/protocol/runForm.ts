// The run form's protocol ("Run Checkpoint on Clip…"): a view of its own, not a rollout view.

import type { RunFormErrors, RunFormValues } from '../core/run/runForm';
import type { RequestOf } from './envelope';

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

export type RunFormToHost = RequestOf<RunFormMethods>;
