// Judging one finished sample of a checkpoint run (the editor judges each as it completes). The
// context reward compares the completion's <context> with a reference one; a run the user gave
// no reference context gets 'not-computed' with that reason, and no call is made. That is not
// the trainer's 0 for a missing reference: here nothing was there to compare with, so no number.

import type { JudgeRunner } from '../judge/runner';
import type { JudgedReward } from '../judge/types';
import type { RewardResult, ScoredRollout } from '../types';

export const NO_REFERENCE_CONTEXT =
  'no reference context was given for this run: the context reward compares the completion\'s <context> with one (add it in the run form and Run Again)';

export async function judgeSample(
  runner: JudgeRunner,
  scored: ScoredRollout,
  opts: { rewards: readonly JudgedReward[]; hasReferenceContext: boolean; signal?: AbortSignal },
): Promise<Record<string, RewardResult>> {
  const skipContext = !opts.hasReferenceContext && opts.rewards.includes('context');
  const rewards = skipContext ? opts.rewards.filter((r) => r !== 'context') : opts.rewards;
  const judged = rewards.length ? await runner.judgeRollout(scored, { rewards, signal: opts.signal }) : {};
  if (!skipContext) return judged;
  return {
    context: { value: null, status: 'not-computed', explanation: NO_REFERENCE_CONTEXT, provenance: { 'judge profile': runner.profile.name, 'judge model': runner.profile.model } },
    ...judged,
  };
}
