// What the judge is asked about one rollout: which judged rewards apply (as the trainer decides),
// the template variables, and the rendered prompt. Pure: no network, no files.

import { renderTemplate, describeScale, type JudgeTemplate } from './template';
import type { JudgedReward } from './types';
import type { RewardResult, ScoredRollout, TraceSegment } from '../types';

export interface JudgeTask {
  reward: JudgedReward;
  template: JudgeTemplate;
  vars: Record<string, string>;
  prompt: string;
  /** Things the researcher should know about the inputs (e.g. an empty question). */
  notes: string[];
}

export type TaskOrResult = { kind: 'task'; task: JudgeTask } | { kind: 'result'; result: RewardResult };

/** A section's text the way the trainer's `<tag>(.*?)</tag>` search reads it: only when closed. */
function closedText(seg: TraceSegment | undefined): string | undefined {
  return seg && seg.closed ? seg.text : undefined;
}

/** Every template variable for one rollout (undefined when the rollout has none). */
export function judgeVariables(s: ScoredRollout): Record<string, string | undefined> {
  const prov = (s.rewards.accuracy?.provenance ?? {}) as Record<string, unknown>;
  const q = s.record.question;
  return {
    reference_context: s.referenceTrace ? closedText(s.referenceTrace.context) : undefined,
    context: closedText(s.trace.context),
    think: closedText(s.trace.think),
    answer: s.trace.answer?.text,
    question: q.problem ?? '',
    options: (q.options ?? []).join('\n'),
    reference_answer: typeof prov.referenceAnswer === 'string' ? prov.referenceAnswer : undefined,
    completion_answer: typeof prov.completionAnswer === 'string' ? prov.completionAnswer : undefined,
  };
}

function notApplicable(reward: JudgedReward, t: JudgeTemplate, why: string): TaskOrResult {
  return {
    kind: 'result',
    result: {
      value: null,
      status: 'not-applicable',
      explanation: `${why}: not judged; the trainer recorded 0`,
      trainerValue: 0,
      scale: describeScale(t),
      provenance: { source: 'judge', reward, template: { name: t.name, hash: t.hash, file: t.file } },
    },
  };
}

/** Whether a rollout's accuracy is the free-form kind only the judge can score. */
export function needsJudgedAccuracy(s: ScoredRollout): boolean {
  return s.record.question.problemType === 'free-form' && s.record.reference.solution !== undefined;
}

/**
 * The judge task for each requested reward, or the result when it does not apply:
 * - context: not-applicable when the reference solution has no closed <context> (trainer: 0);
 * - logic: not-applicable when the completion lacks a closed <context> or <think> (trainer: 0);
 * - accuracy: judged only for free-form questions with a reference; other types keep their rule
 *   reward (no entry here).
 */
export function judgeTasksFor(s: ScoredRollout, rewards: readonly JudgedReward[], templates: Partial<Record<JudgedReward, JudgeTemplate>>): Partial<Record<JudgedReward, TaskOrResult>> {
  const vars = judgeVariables(s);
  const out: Partial<Record<JudgedReward, TaskOrResult>> = {};
  for (const reward of rewards) {
    const t = templates[reward];
    if (!t) continue;
    const notes: string[] = [];
    if (reward === 'context') {
      if (vars.reference_context === undefined) {
        out.context = notApplicable('context', t, s.record.reference.solution === undefined ? 'no reference solution' : 'the reference solution has no <context>');
        continue;
      }
      if (vars.context === undefined) notes.push('the completion has no closed <context>: the judge saw an empty description');
    } else if (reward === 'logic') {
      const missing = [vars.context === undefined ? '<context>' : '', vars.think === undefined ? '<think>' : ''].filter(Boolean);
      if (missing.length) {
        out.logic = notApplicable('logic', t, `the completion has no closed ${missing.join(' or ')}`);
        continue;
      }
    } else if (reward === 'accuracy') {
      if (!needsJudgedAccuracy(s)) continue;
      if (!s.trace.answer) notes.push('the completion has no <answer>: the judge compared an empty answer');
    }
    const filled: Record<string, string> = {};
    for (const v of t.variables) filled[v] = vars[v] ?? '';
    if (t.variables.includes('question') && !vars.question) notes.push('the record has no question text');
    out[reward] = { kind: 'task', task: { reward, template: t, vars: filled, prompt: renderTemplate(t, filled), notes } };
  }
  return out;
}
