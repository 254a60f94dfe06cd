// Optional: a judge model says which cues a question's correct answer rests on ("a judge
// classification of the question and reference"), for questions with neither dataset cue labels
// nor a reference context — the two stronger sources of needed.ts. One call per distinct question:
// the prompt holds only the question, its options, the problem type and the reference (answer,
// and context when there is one), never the model's completion, so the 8 rollouts of a GRPO group
// render the same prompt. Calls are shared in memory within a run (`memo`) and cached on disk in
// the judge cache (src/core/judge/cache.ts) under model + template hash + prompt + sampling, so a
// re-run costs nothing. The memo keeps a failed call too (one failure per question per run, not
// one per rollout); the disk cache does not, so the next run asks again. A failed call or an
// unreadable reply is reported (note); it and 'unsure' leave "needed" to the ablations, else
// unknown — never a guess (neededFromJudgement in needed.ts maps a class to each modality).
//
// The template lives here rather than in judge/templates/: those files are reward templates (a
// numeric scale, a `reward:` the judge library scores), and this is a classification that no
// reward uses, like the claim judge's template (claimJudge.ts).

import { judgeCacheKey } from '../judge/cache';
import { sha256Hex } from '../judge/template';
import { cachedJudgeCall, jsonObjectIn, judgeSampling, type ClaimJudge, type JudgeSampling } from './claimJudge';
import type { NeededClass, NeededJudgement } from './types';

/** The same endpoint settings as the claim judge: one --judge-base-url serves both passes. */
export type NeededJudge = ClaimJudge;

const CLASSES: readonly NeededClass[] = ['audio', 'visual', 'both', 'neither', 'unsure'];

export interface NeededQuestion {
  problem: string;
  options?: string[];
  problemType?: string;
  referenceAnswer?: string;
  referenceContext?: string;
}

export interface NeededJudgeResult {
  judgement?: NeededJudgement;
  /** Backend calls made for this question (0 when served from the cache or the run's memo). */
  calls: number;
  cached: number;
  /** Why there is no judgement (the call failed, the reply was unreadable). */
  note?: string;
}

export const NEEDED_TEMPLATE = `You decide what a viewer must perceive in a video clip to answer a question about it correctly. You do not see the clip: decide from the question and the reference answer.
Cues:
- audio: what is heard — the words someone speaks, or a sound, music or tone of voice
- visual: what is seen — people, actions, objects, places, or text shown on screen
- both: the answer needs one audio cue and one visual cue together
- neither: the answer follows from the question text or general knowledge alone
- unsure: the question and reference do not let you tell
Reply with one JSON object only, with a one-sentence reason, e.g. {"needed": "audio", "reason": "The answer is the number the man says."}

Question: {{problem}}
Options:
{{options}}
Problem type: {{problem_type}}
Reference answer: {{reference_answer}}
Reference description of the clip: {{reference_context}}`;

const TEMPLATE_HASH = sha256Hex(NEEDED_TEMPLATE);

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function neededPrompt(q: NeededQuestion): string {
  const vars: Record<string, string> = {
    problem: oneLine(q.problem) || '(none)',
    options: q.options?.length ? q.options.map((o) => `- ${oneLine(o)}`).join('\n') : '(none)',
    problem_type: q.problemType ? oneLine(q.problemType) : '(not given)',
    reference_answer: q.referenceAnswer ? oneLine(q.referenceAnswer) : '(not given)',
    reference_context: q.referenceContext ? oneLine(q.referenceContext) : '(none)',
  };
  // One pass with a function replacer: a question that itself contains "{{options}}" or "$&" is
  // inserted as written, never expanded again.
  return NEEDED_TEMPLATE.replace(/\{\{([a-z_]+)\}\}/g, (all, k: string) => vars[k] ?? all);
}

/** The judge's class and reason, or undefined when the reply is not a JSON object with a known `needed`. */
export function parseNeededReply(reply: string): NeededJudgement | undefined {
  const o = jsonObjectIn(reply);
  if (!o) return undefined;
  if (typeof o.needed !== 'string') return undefined;
  const needed = o.needed.trim().toLowerCase() as NeededClass;
  if (!CLASSES.includes(needed)) return undefined;
  return { needed, reason: typeof o.reason === 'string' ? oneLine(o.reason).slice(0, 300) : '' };
}

/** Asks the judge once for the question (memo within a run, disk cache across runs). */
export function judgeNeeded(q: NeededQuestion, judge: NeededJudge, opts: { signal?: AbortSignal; memo?: Map<string, Promise<NeededJudgeResult>> } = {}): Promise<NeededJudgeResult> {
  const prompt = neededPrompt(q);
  const sampling = judgeSampling(judge, 256);
  const key = judgeCacheKey({ model: judge.model, templateHash: TEMPLATE_HASH, prompt, sampling, repeat: 0 });
  const shared = opts.memo?.get(key);
  if (shared) return shared.then((r) => ({ ...r, calls: 0, cached: 0 }));
  const p = ask(prompt, key, sampling, judge, opts.signal);
  opts.memo?.set(key, p);
  return p;
}

async function ask(prompt: string, key: string, sampling: JudgeSampling, judge: NeededJudge, signal?: AbortSignal): Promise<NeededJudgeResult> {
  const r = await cachedJudgeCall(judge, prompt, key, TEMPLATE_HASH, sampling, signal);
  const { calls, cached } = r;
  if ('error' in r) return { calls, cached, note: `needed judge call failed: ${r.error}` };
  const reply = r.reply;
  const judgement = parseNeededReply(reply);
  if (!judgement) return { calls, cached, note: `needed judge reply unreadable (${JSON.stringify(reply.slice(0, 80))})` };
  return { judgement, calls, cached };
}
