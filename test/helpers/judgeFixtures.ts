// Small rollouts for judge tests, scored the way `omnitrace score` scores them.
import { scoreRecord } from '../../src/core/score';
import type { RolloutRecord, ScoredRollout } from '../../src/core/types';

export const REF = '<context>A woman at a bus stop checks her watch while a horn sounds.</context><think>She is late.</think><answer>B</answer>';

export function rolloutRecord(i: number, over: Partial<{ completion: string; solution: string | undefined; problemType: string; problem: string }> = {}): RolloutRecord {
  const solution = 'solution' in over ? over.solution : REF;
  return {
    index: i,
    id: `r${i}`,
    source: { file: 'mem.jsonl', line: i + 1 },
    question: { problem: over.problem ?? `How does the woman feel? (item ${i})`, options: ['A. bored', 'B. anxious'], problemType: over.problemType ?? 'multiple choice' },
    reference: solution === undefined ? {} : { solution },
    completion: over.completion ?? `<context>Item ${i}: a woman looks at her wrist; a car horn.</context><think>The horn and the watch suggest hurry.</think><answer>B</answer>`,
  };
}

export function rollout(i: number, over: Parameters<typeof rolloutRecord>[1] = {}): ScoredRollout {
  return scoreRecord(rolloutRecord(i, over));
}
