// The trainer's optional "markov" gating (grpo_trainer.py, VLMGRPOTrainer.
// _generate_and_score_completions, the block under `# markov`): when the trainer has exactly four
// reward functions and `markov_reward` is on, a weak context or weak reasoning zeroes the
// accuracy, so a right answer reached without evidence earns nothing.
//
// The code works on column positions, not names: with columns [format, accuracy, X, Y] it zeroes
// accuracy and X where Y ≤ 0.4, and zeroes accuracy where X ≤ 0.4, both conditions read from the
// values before any zeroing. The published stage-2 script passes
// `--reward_funcs format accuracy reasoning context`, so Y is context and X is reasoning (logic):
// context ≤ 0.4 zeroes accuracy and logic; logic ≤ 0.4 zeroes accuracy — the intended semantics.
// The script's default order (format, accuracy, context, reasoning) swaps the roles of the two
// judges. Neither published script sets markov_reward, and its default lives in a GRPOConfig
// that is not in the repository.

import type { RewardResult } from '../types';

export const MARKOV_THRESHOLD = 0.4;

export type MarkovColumnOrder = 'stage2' | 'default';

export interface MarkovOptions {
  /**
   * 'stage2' (the published run's --reward_funcs order, and the intended meaning): context gates
   * accuracy and logic, logic gates accuracy. 'default' (the script's default order): logic gates
   * accuracy and context, context gates accuracy.
   */
  columnOrder?: MarkovColumnOrder;
}

export interface MarkovOutcome {
  rewards: Record<string, RewardResult>;
  /** Names of the rewards that were zeroed. */
  gated: string[];
  /** Readable notes, including gates that could not be decided because a judge value is missing. */
  notes: string[];
}

function zeroed(r: RewardResult, because: string, zeroValue: boolean, zeroTrainer: boolean): RewardResult {
  const out: RewardResult = { ...r, provenance: { ...r.provenance, markovGate: because } };
  if (zeroValue && r.value !== null) {
    out.value = 0;
    out.explanation = `markov gating: ${because}, so it is zeroed (was ${r.value}; ${r.explanation})`;
  }
  if (zeroTrainer) out.trainerValue = 0;
  return out;
}

/**
 * Apply the gating to one completion's rewards (keys 'accuracy', 'context', 'logic'). Returns new
 * objects; the input is not modified. A gate decides `value` from the judge's value and
 * `trainerValue` from what the trainer recorded (a failed judge call recorded 0, which gates).
 */
export function applyMarkovGating(rewards: Record<string, RewardResult>, opts: MarkovOptions = {}): MarkovOutcome {
  const order = opts.columnOrder ?? 'stage2';
  // [gate, targets]: a gate reward at or below the threshold zeroes its targets.
  const gates: [string, string[]][] =
    order === 'stage2'
      ? [
          ['context', ['accuracy', 'logic']],
          ['logic', ['accuracy']],
        ]
      : [
          ['logic', ['accuracy', 'context']],
          ['context', ['accuracy']],
        ];
  const result: Record<string, RewardResult> = { ...rewards };
  const gated = new Set<string>();
  const notes: string[] = [];
  for (const [gate, targets] of gates) {
    const g = rewards[gate];
    if (!g) {
      notes.push(`no '${gate}' reward: its gate was not applied`);
      continue;
    }
    const trainerGate = g.trainerValue ?? g.value;
    const valueFires = g.value !== null && g.value <= MARKOV_THRESHOLD;
    const trainerFires = trainerGate !== null && trainerGate !== undefined && trainerGate <= MARKOV_THRESHOLD;
    if (g.value === null) {
      notes.push(`'${gate}' has no value (${g.status}): its gate is undetermined` + (trainerFires ? `; the trainer recorded ${trainerGate} and zeroed ${targets.join(' and ')}` : ''));
    }
    if (!valueFires && !trainerFires) continue;
    const because = `${gate} ${valueFires ? g.value : trainerGate} ≤ ${MARKOV_THRESHOLD}`;
    for (const t of targets) {
      const r = result[t];
      if (!r) continue;
      result[t] = zeroed(r, because, valueFires, trainerFires);
      if (valueFires) gated.add(t);
    }
    if (valueFires) notes.push(`${because}: zeroed ${targets.filter((t) => result[t]).join(' and ')}`);
  }
  return { rewards: result, gated: [...gated], notes };
}
