// Frozen sets for the judge lab: `.omnitrace/judge-sets/<name>.json`, the items of a rollout file
// by content key (and id), chosen by a text filter, as the labelled items, or as a sample
// stratified by problem type, so a set keeps its items whatever the file is renamed to.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../core/compare/stats';
import { contentKey } from '../core/lab/labelKeys';
import { parseLabels } from '../core/lab/labels';
import { scoreFile, type ScoreOptions } from '../core/score';
import type { ScoredRollout } from '../core/types';
import { LAYOUT } from '../core/workspaceLayout';

export type SetChoice = { kind: 'filter'; text: string } | { kind: 'labelled' } | { kind: 'sample'; size: number; seed: number };

export interface JudgeSet {
  name: string;
  created: string;
  source: string;
  how: string;
  items: { key: string; id?: string; problemType?: string }[];
}

export function judgeSetPath(workspace: string, name: string): string {
  return join(workspace, LAYOUT.judgeSets, `${name}.json`);
}

function labelledKeys(workspace: string): Set<string> {
  const dir = join(workspace, LAYOUT.labels);
  const keys = new Set<string>();
  if (!existsSync(dir)) return keys;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) for (const l of parseLabels(readFileSync(join(dir, f), 'utf8'), f).labels) keys.add(l.key);
  return keys;
}

export async function buildJudgeSet(file: string, name: string, choice: SetChoice, opts: ScoreOptions & { workspace: string }): Promise<JudgeSet> {
  const all: ScoredRollout[] = [];
  await scoreFile(file, opts, { record: (s) => void all.push(s) });
  const keyOf = (s: ScoredRollout) => contentKey(s.record.completion, s.record.reference.solution);
  let chosen: ScoredRollout[];
  let how: string;
  if (choice.kind === 'filter') {
    const t = choice.text.toLowerCase();
    chosen = all.filter((s) => [s.record.id ?? '', s.record.question.problem ?? '', s.record.completion].join('\n').toLowerCase().includes(t));
    how = `items whose id, question or completion contains "${choice.text}"`;
  } else if (choice.kind === 'labelled') {
    const keys = labelledKeys(opts.workspace);
    chosen = all.filter((s) => keys.has(keyOf(s)));
    how = 'the labelled items';
  } else {
    // Stratified: the same share of every problem type, each stratum shuffled with the seed.
    const rand = mulberry32(choice.seed);
    const strata = new Map<string, ScoredRollout[]>();
    for (const s of all) {
      const t = s.record.question.problemType ?? '(none)';
      if (!strata.has(t)) strata.set(t, []);
      strata.get(t)!.push(s);
    }
    const share = Math.min(1, choice.size / Math.max(1, all.length));
    chosen = [];
    for (const list of [...strata.values()]) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      chosen.push(...list.slice(0, Math.max(1, Math.round(list.length * share))));
    }
    chosen = chosen.slice(0, choice.size);
    how = `a sample of ${chosen.length} stratified by problem type (seed ${choice.seed})`;
  }
  return {
    name,
    created: new Date().toISOString(),
    source: file,
    how,
    items: chosen.map((s) => ({ key: keyOf(s), ...(s.record.id !== undefined ? { id: s.record.id } : {}), ...(s.record.question.problemType ? { problemType: s.record.question.problemType } : {}) })),
  };
}
