// Labelling from the trace view: the labeller's labels of a rollout's judged rewards, kept in
// the workspace's `.omnitrace/labels/<labeller>.jsonl` (src/services/labelFiles.ts). The judge's
// score is hidden until the rollout is labelled (blind by default).

import * as os from 'node:os';
import * as vscode from 'vscode';
import { contentKey } from '../core/lab/labelKeys';
import { scaleOf } from '../core/lab/labels';
import type { ScoredRollout } from '../core/types';
import type { LabelState } from '../core/viewTypes';
import type { HostMethods } from '../protocol/messages';
import { LabelFile } from '../services/labelFiles';
import { SECTION } from './settings';
import { workspaceRootFor } from './workspaceRoot';

const LABELLED = ['context', 'logic', 'accuracy'] as const;

/** The labeller's name: the setting, else the OS user. */
export function labellerName(): string {
  const set = vscode.workspace.getConfiguration(SECTION).get<string>('labeller', '')?.trim();
  if (set) return set;
  try {
    return os.userInfo().username || 'labeller';
  } catch {
    return 'labeller';
  }
}

/** The judge's score of a reward on the template's raw scale (value × divide). */
function judgeScore(s: ScoredRollout, reward: string): number | null {
  const r = s.rewards[reward];
  if (!r || r.status !== 'ok' || r.value === null) return null;
  const prov = r.provenance as { repeats?: { score: number | null }[] } | undefined;
  return prov?.repeats?.find((x) => x.score !== null)?.score ?? Math.round(r.value * 5 * 1000) / 1000;
}

export function labelHandlers(
  fileUri: vscode.Uri,
  detail: (index: number) => Promise<ScoredRollout>,
): Pick<{ [M in keyof HostMethods]: (p: HostMethods[M]['params']) => Promise<HostMethods[M]['result']> }, 'getLabels' | 'setLabel' | 'undoLabel'> {
  const workspace = workspaceRootFor(fileUri);
  let file: LabelFile | undefined;
  const labels = () => {
    const name = labellerName();
    if (!file || file.labeller !== name) file = new LabelFile(workspace, name);
    return file;
  };
  const state = async (index: number): Promise<LabelState> => {
    const s = await detail(index);
    const key = contentKey(s.record.completion, s.record.reference.solution);
    const f = labels();
    const mine = (await f.read()).labels.filter((l) => l.key === key || (s.record.id !== undefined && l.id === s.record.id));
    const blind = vscode.workspace.getConfiguration(SECTION).get<boolean>('labels.blind', true) !== false;
    // Only rewards a judge gave: a rule-based accuracy (multiple choice, numbers) has nothing to calibrate.
    const judged = (r: string) => (s.rewards[r]?.provenance as { source?: string } | undefined)?.source === 'judge';
    const rewards = LABELLED.filter(judged).map((reward) => {
      const label = mine.find((l) => l.reward === reward);
      return { reward, scale: [...scaleOf(reward)], judge: judgeScore(s, reward), ...(label ? { label: label.score, ...(label.reason ? { reason: label.reason } : {}) } : {}) };
    });
    return { enabled: true, labeller: f.labeller, blind, rewards };
  };
  return {
    getLabels: ({ index }) => state(index),
    setLabel: async ({ index, reward, score, reason }) => {
      if (!scaleOf(reward).includes(score)) throw new Error(`${score} is not on the ${reward} scale (${scaleOf(reward).join(', ')})`);
      const s = await detail(index);
      await labels().add({
        ...(s.record.id !== undefined ? { id: s.record.id } : {}),
        reward,
        score,
        labeller: labels().labeller,
        time: new Date().toISOString(),
        ...(reason?.trim() ? { reason: reason.trim() } : {}),
        key: contentKey(s.record.completion, s.record.reference.solution),
      });
      return state(index);
    },
    undoLabel: async () => ({ undone: await labels().undoLast() }),
  };
}
