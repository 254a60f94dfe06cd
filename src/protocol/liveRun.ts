// The live-run view's protocol: the rollout view in the editor, plus stopping the run and the
// samples streaming in.

import type { LiveRunProgress } from '../core/viewTypes';
import type { EditorRolloutMethods, RolloutViewEvents } from './rolloutView';

export type LiveRunMethods = EditorRolloutMethods & {
  /** Stop the checkpoint run this view shows; the partial samples are kept and saved. */
  cancelRun: { params: Record<string, never>; result: { cancelled: boolean } };
};

export interface LiveRunEvents extends RolloutViewEvents {
  /**
   * Text appended to sample `index`'s completion (coalesced by the host, at most every ~20 ms).
   * `at` is the completion's length before this text (a gap means: re-read the rollout); `done`
   * means the sample is finished and its scored detail can be re-read.
   */
  streamDelta: { index: number; text: string; at?: number; done?: boolean };
  /** A sample started, finished (scored) or was judged; the whole strip, it is small. */
  runProgress: LiveRunProgress;
}
