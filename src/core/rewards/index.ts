// The rule-based HumanOmniV2 rewards of one completion, and how rewards add up to the total the
// trainer turns into advantages.

import { accuracyReward, type RegressionVariant } from './accuracy';
import { formatReward } from './format';
import type { ParsedTrace, RewardResult } from '../types';

export { accuracyReward, meanRelativeAccuracy, RULE_TYPES, type AccuracyOptions, type RegressionVariant } from './accuracy';
export { formatReward, PY_FORMAT_PATTERN } from './format';
export { applyMarkovGating, MARKOV_THRESHOLD, type MarkovOptions, type MarkovOutcome, type MarkovColumnOrder } from './markov';

/**
 * Rewards applied as span advantages rather than summed into the total. The trainer recognises
 * them by "patial" in the reward function's name (patial_context_reward, patial_reasoning_reward);
 * Omni Trace names them context and logic.
 */
export const PARTIAL_REWARDS: readonly string[] = ['context', 'logic'];

export interface RuleRewardOptions {
  regressionVariant?: RegressionVariant;
  /** The completion already parsed by parseTrace, for a better format explanation. */
  trace?: ParsedTrace;
}

/** format and accuracy, the two rewards computed without a judge. */
export function computeRuleRewards(completion: string, solution: string, problemType: string | undefined, opts: RuleRewardOptions = {}): Record<string, RewardResult> {
  return {
    format: formatReward(completion, opts.trace),
    accuracy: accuracyReward(completion, solution, problemType, { regressionVariant: opts.regressionVariant }),
  };
}

export interface TotalReward {
  /** Weighted sum of the non-partial rewards; null when one of them has no value. */
  total: number | null;
  /** Non-partial rewards without a value (not computed, judge failure, …). */
  missing: string[];
  /**
   * What the trainer summed: trainerValue where set (failures recorded as 0), else the value.
   * Null only when neither is known (e.g. free-form accuracy before the judge ran).
   */
  trainerTotal: number | null;
  trainerMissing: string[];
}

/**
 * Total reward = Σ weight × value over the non-partial rewards (weights default to 1), as the
 * trainer sums its "full" rewards. A reward without a value makes the total null and is named in
 * `missing`: it is never counted as 0 here. The trainer's own view, where failures became 0, is
 * `trainerTotal` (its torch.nansum would also have counted a reward function's None as 0).
 */
export function totalReward(rewards: Record<string, RewardResult>, weights: Record<string, number> = {}): TotalReward {
  let total = 0;
  let trainerTotal = 0;
  const missing: string[] = [];
  const trainerMissing: string[] = [];
  for (const name in rewards) {
    if (!Object.prototype.hasOwnProperty.call(rewards, name) || PARTIAL_REWARDS.includes(name)) continue;
    const r = rewards[name]!;
    const w = weights[name] ?? 1;
    if (typeof r.value === 'number') total += w * r.value;
    else missing.push(name);
    const tv = r.trainerValue ?? r.value;
    if (typeof tv === 'number') trainerTotal += w * tv;
    else trainerMissing.push(name);
  }
  return {
    total: missing.length ? null : total,
    missing,
    trainerTotal: trainerMissing.length ? null : trainerTotal,
    trainerMissing,
  };
}
