// Judged rewards saved inside a run's own records (field `judged`), so a run judged while it ran
// reopens with its context/logic/free-form accuracy rewards, provenance included. The field is
// read back defensively: a run file is user-editable data, and a malformed entry is dropped
// (the reward then simply shows as not judged), never guessed at.

import type { RewardResult, RewardStatus } from '../types';

/** The record field holding the judged rewards of one sample. */
export const JUDGED_FIELD = 'judged';

export interface SavedJudgement {
  profile: string;
  model: string;
  rewards: Record<string, RewardResult>;
}

const STATUSES: readonly RewardStatus[] = ['ok', 'not-computed', 'error', 'parse-failure', 'call-error', 'not-applicable'];

function rewardResult(v: unknown): RewardResult | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (!(STATUSES as readonly unknown[]).includes(o.status)) return undefined;
  const value = o.value === null ? null : typeof o.value === 'number' && Number.isFinite(o.value) ? o.value : undefined;
  if (value === undefined || (o.status === 'ok') !== (value !== null)) return undefined;
  const r: RewardResult = { value, status: o.status as RewardStatus, explanation: typeof o.explanation === 'string' ? o.explanation : '' };
  if (typeof o.trainerValue === 'number' && Number.isFinite(o.trainerValue)) r.trainerValue = o.trainerValue;
  if (typeof o.scale === 'string') r.scale = o.scale;
  if (Array.isArray(o.quirks) && o.quirks.every((q) => typeof q === 'string')) r.quirks = o.quirks as string[];
  if (o.provenance && typeof o.provenance === 'object' && !Array.isArray(o.provenance)) r.provenance = o.provenance as Record<string, unknown>;
  return r;
}

/** The judged rewards a record carries in `extras.judged`, or undefined when it has none. */
export function savedJudgedRewards(extras: Record<string, unknown> | undefined): Record<string, RewardResult> | undefined {
  const field = extras?.[JUDGED_FIELD];
  if (!field || typeof field !== 'object') return undefined;
  const rewards = (field as { rewards?: unknown }).rewards;
  if (!rewards || typeof rewards !== 'object' || Array.isArray(rewards)) return undefined;
  const out: Record<string, RewardResult> = {};
  for (const [name, v] of Object.entries(rewards as Record<string, unknown>)) {
    // Only judged rewards: a saved entry must not replace the rule-computed format.
    if (name === 'format') continue;
    const r = rewardResult(v);
    if (r) out[name] = r;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Who judged a run: saved beside the rewards so a reopened run says which judge gave them. */
export interface JudgedBy {
  profile: string;
  model: string;
}

/**
 * The run's records with each judged sample's rewards in its `judged` field, matched by
 * `sample_index` (the editor's live run and `omnitrace run` both judge by sample, not by line).
 * Returns new records for the judged samples and leaves the others (partial samples that were not
 * judged) as they are; the input array is not changed, so a caller still holds the run as saved.
 */
export function withJudgements(records: readonly Record<string, unknown>[], by: JudgedBy, judged: ReadonlyMap<number, Record<string, RewardResult>>): Record<string, unknown>[] {
  return records.map((rec) => {
    const rewards = judged.get(Number(rec.sample_index));
    if (!rewards) return rec;
    const saved: SavedJudgement = { profile: by.profile, model: by.model, rewards };
    return { ...rec, [JUDGED_FIELD]: saved };
  });
}
