// Every path Omni Trace keeps under a workspace's `.omnitrace/` folder, in one place: the editor,
// the CLI and the sidebar must agree on them, or the same rollout gets a different judgment (or
// loses its labels) depending on where it was opened.

import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';

export const OMNITRACE_DIR = '.omnitrace';

/** Folders relative to the workspace root. */
export const LAYOUT = {
  /** Saved checkpoint runs (`<stamp>-<model>.rollouts.jsonl`) and their media. */
  runs: join(OMNITRACE_DIR, 'runs'),
  /** Ablation runs of the shortcut analysis. */
  ablationRuns: join(OMNITRACE_DIR, 'runs', 'ablations'),
  /** Shortcut analyses, one sidecar per rollout file. */
  shortcuts: join(OMNITRACE_DIR, 'shortcuts'),
  /** Cue inventories, by clip content hash and range. */
  cues: join(OMNITRACE_DIR, 'cues'),
  /** One line per clip of a folder analysed from the editor (`<folder>.<hash>.clips.jsonl`). */
  clipFolders: join(OMNITRACE_DIR, 'cues', 'folders'),
  /** Judge replies, by model, template, prompt and sampling. */
  judgeCache: join(OMNITRACE_DIR, 'cache', 'judge'),
  /** The workspace's own judge templates (`<name>.md`). */
  judgeTemplates: join(OMNITRACE_DIR, 'judges'),
  /** Judged rewards of a rollout file, as the editor shows them. */
  judged: join(OMNITRACE_DIR, 'judged'),
  /** Human labels, one JSONL file per labeller. */
  labels: join(OMNITRACE_DIR, 'labels'),
  /** Frozen sets of items for the judge lab. */
  judgeSets: join(OMNITRACE_DIR, 'judge-sets'),
  /** Judge batch request files written from the editor (OpenAI Batch format). */
  judgeBatches: join(OMNITRACE_DIR, 'batch'),
  /** Saved checkpoint comparisons. */
  comparisons: join(OMNITRACE_DIR, 'comparisons'),
  /** Saved judge labs and calibration records. */
  labs: join(OMNITRACE_DIR, 'labs'),
} as const;

export type LayoutKey = keyof typeof LAYOUT;

/**
 * A result file of ours about one rollout file: in the workspace's `key` folder, named after the
 * file plus a hash of its absolute path, so two `results.jsonl` in different folders do not collide.
 */
export function fileSidecarPath(root: string, key: LayoutKey, rolloutFile: string, suffix: string): string {
  const abs = resolve(rolloutFile);
  const tag = createHash('sha1').update(abs).digest('hex').slice(0, 8);
  return join(root, LAYOUT[key], `${basename(abs)}.${tag}.${suffix}`);
}

/** The absolute folder of `key` in the workspace at `root`. */
export function workspacePath(root: string, key: LayoutKey): string {
  return join(root, LAYOUT[key]);
}
