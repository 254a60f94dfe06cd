// Where the editor keeps the judged rewards of a rollout file, so a shared report carries them:
// `.omnitrace/judged/<file>.<hash of its absolute path>.judged.jsonl`, one line per judged
// rollout, `{"index", "id"?, "rewards": {name: RewardResult}}` — the fields of `omnitrace judge
// --out` that `omnitrace report --judged` reads.

import type { RewardResult } from '../types';
import { fileSidecarPath } from '../workspaceLayout';

export function judgedSidecarPath(workspaceRoot: string, rolloutFile: string): string {
  return fileSidecarPath(workspaceRoot, 'judged', rolloutFile, 'judged.jsonl');
}

/** The sidecar's text: one line per rollout that has judged rewards, in index order. */
export function judgedSidecarText(rows: { index: number; id?: string; rewards: Record<string, RewardResult> }[]): string {
  return rows
    .filter((r) => Object.keys(r.rewards).length > 0)
    .sort((a, b) => a.index - b.index)
    .map((r) => JSON.stringify(r.id === undefined ? { index: r.index, rewards: r.rewards } : { index: r.index, id: r.id, rewards: r.rewards }))
    .join('\n');
}
