// The verdict per modality: combine needed (does the question rest on it), used (does
// the answer depend on it: ablations) and claimed (does the trace cite it). Pure.
//
// Order: not-sent first (present in the clip, never given to the model); absent → not-applicable.
// Then, with "used" measured by an ablation:
//   used & cited → grounded          used & not cited → unspoken
//   not used & cited → decorative    not used & not cited & needed → ignored (a shortcut)
//   not used & not cited & not needed / unknown → unused
// "Used" from the ablation of that modality (no-audio for audio, no-video for visual):
//   - log-probability of the original answer tokens (vLLM prompt_logprobs), full vs ablated:
//     delta ≤ USED_LOGPROB_DELTA (−1.0 nats, the answer became e^1 ≈ 2.7× less likely) → used;
//     delta ≥ NOT_USED_LOGPROB_DELTA (−0.2 nats, < 20 % less likely: noise of re-encoding the
//     prompt) → not used; between → weak, treated as unmeasured.
//   - sampled answers, against the all-media noise baseline (ablation.ts: the same request with
//     every medium, sampled k times; `baseline` on the result). With a = the ablated change rate
//     and b = the baseline's (both: share of samples whose answer differs from the original):
//       b ≥ NOISY_BASELINE_RATE (0.5)            → unmeasured: the model departs from its own
//                                                  answer in half its samples with every medium,
//                                                  so a change without one says nothing (and the
//                                                  original answer may itself be the outlier);
//       a − b ≥ USED_CHANGE_MARGIN (0.5)         → used;
//       a ≤ b, both with ≥ MIN_SAMPLES_NOT_USED (3) samples → not used (no more change than the
//                                                  model's own noise);
//       otherwise                                → weak, treated as unmeasured.
//     With a clean baseline (b = 0) this is exactly the earlier absolute rule (a ≥ 0.5 used, a = 0
//     with ≥ 3 samples not used), so a deterministic model gets the same verdicts. Why these
//     numbers — each sample departing independently with probability p with all media and q
//     without the modality (binomial, k samples each, exact sums over all outcomes):
//       * modality not used (q = p = 1/3): false "used" 9.3 % at k = 3, 4.4 % at k = 5 (the
//         absolute rule: 19 % / 17 %); "not used" reached 42 % / 43 % of the time (absolute rule:
//         22 % / 10 % — it needs 0 of k, which noise rarely allows: the suite's recall 0);
//       * modality used (q = 0.8, p = 1/3): false "not used" 4.9 % at k = 3, 2.1 % at k = 5
//         (absolute rule 0.6 % / 0 %) — the price of recall; an 'ignored' verdict also needs
//         "needed" established and no citation, and q = 1 never gives "not used";
//       * a one-sided Fisher exact test (p < 0.1) was the alternative: at k = 3 it cannot call
//         3 of 3 against 1 of 3 "used" (p = 0.2), so with p = 1/3 it finds a fully used modality
//         30 % of the time against 74 % here; at k = 5 both find it 79 % of the time.
//     Without a baseline (files written before it, or its request failed) the absolute rule
//     applies and the detail says there was no baseline.
// Without a usable ablation "used" is unknown, and the verdict is decided from the other signals
// with LOW confidence, saying so in `reason` (a guess is never shown as a measurement):
//   - every citation of the modality contradicted by the inventory (hallucinated) → decorative
//     (medium: the inventory measured the hallucination);
//   - cited but not needed → decorative (low); cited and needed (or need unknown) →
//     undetermined, "cited, not measured" (a right answer that cites the modality may still not
//     depend on it: 'grounded' says "used", which only an ablation measures);
//   - not cited, needed → undetermined, never 'ignored': "not used" is exactly what only an
//     ablation measures. With a wrong answer the reason says "possible shortcut". Measured on the
//     constructed suite (`npm run bench:shortcuts`): calling those 'ignored' (low) gave precision
//     0.765 on 'ignored', because a model that uses the audio without citing it and mishears it
//     looks the same in text; the target is ≥ 0.9, so 'ignored' requires an ablation.
//   - not cited, not needed → unused (low); not cited, needed unknown → undetermined.
// Confidence is high only when the ablation measured "used" and "needed" was established;
// medium when measured but needed is unknown.

import type { AblationResult, ClaimedEvidence, Confidence, ModalityVerdict, NeededEvidence, ShortcutModality, UsedEvidence, Verdict } from './types';

export const USED_LOGPROB_DELTA = -1.0;
export const NOT_USED_LOGPROB_DELTA = -0.2;
/** Without a baseline: the answer flips in at least half the samples. */
export const USED_CHANGE_RATE = 0.5;
export const MIN_SAMPLES_NOT_USED = 3;
/** With a baseline: the ablated change rate exceeds the baseline's by at least this. */
export const USED_CHANGE_MARGIN = 0.5;
/** A baseline changing this often is too noisy to measure anything against. */
export const NOISY_BASELINE_RATE = 0.5;
// Rates are k-sample fractions (1/3 + 1/6 is not exactly 0.5 in floating point).
const EPS = 1e-9;

/** Of `of` samples, `hits` moved (changed answer, or lost the correct one). */
export interface SampleCounts {
  hits: number;
  of: number;
}

export type NoiseComparison = 'above-noise' | 'within-noise' | 'weak' | 'noisy-baseline';

/**
 * The sampled rule of the header: an ablation's share of moved samples against the all-media
 * baseline's (or, without a baseline, against zero with the absolute thresholds). Shared by
 * "used", blind-answerable and "needed" (needed.ts: moved = lost the correct answer).
 */
export function compareWithBaseline(ablated: SampleCounts, baseline: SampleCounts | undefined): NoiseComparison {
  const a = ablated.hits / ablated.of;
  if (!baseline || baseline.of === 0) {
    if (a >= USED_CHANGE_RATE - EPS) return 'above-noise';
    if (ablated.hits === 0 && ablated.of >= MIN_SAMPLES_NOT_USED) return 'within-noise';
    return 'weak';
  }
  const b = baseline.hits / baseline.of;
  if (b >= NOISY_BASELINE_RATE - EPS) return 'noisy-baseline';
  if (a - b >= USED_CHANGE_MARGIN - EPS) return 'above-noise';
  if (a <= b + EPS && ablated.of >= MIN_SAMPLES_NOT_USED && baseline.of >= MIN_SAMPLES_NOT_USED) return 'within-noise';
  return 'weak';
}

const changedCounts = (samples: { same: boolean }[]): SampleCounts => ({ hits: samples.filter((s) => !s.same).length, of: samples.length });

const fmt = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

function changeRateOf(ab: AblationResult): number | undefined {
  if (ab.changeRate !== undefined) return ab.changeRate;
  if (ab.samples.length === 0) return undefined;
  return ab.samples.filter((s) => !s.same).length / ab.samples.length;
}

/** "Used" from one ablation result (see the thresholds in the header). */
export function usedFromAblation(ab: AblationResult | undefined, m: ShortcutModality): UsedEvidence {
  const without = m === 'audio' ? 'without the audio' : 'without the video';
  if (!ab) return { value: 'unknown', from: 'none', detail: `ablation signal unavailable: ${m === 'audio' ? 'no-audio' : 'no-video'} ablation not run` };
  if (ab.method === 'failed') return { value: 'unknown', from: 'none', detail: `ablation failed: ${ab.error ?? ab.note ?? 'unknown error'}`, ablation: ab };
  if (ab.method === 'logprob' && ab.logprob) {
    const d = ab.logprob.delta;
    const base = `log-probability of the answer ${without}: ${fmt(ab.logprob.ablated)} vs ${fmt(ab.logprob.full)} (Δ ${fmt(d)} nats)`;
    if (d <= USED_LOGPROB_DELTA) return { value: true, from: 'ablation-logprob', detail: `${base}: used`, ablation: ab };
    if (d >= NOT_USED_LOGPROB_DELTA) return { value: false, from: 'ablation-logprob', detail: `${base}: not used`, ablation: ab };
    return { value: 'unknown', from: 'ablation-logprob', detail: `${base}: weak (between ${NOT_USED_LOGPROB_DELTA} and ${USED_LOGPROB_DELTA})`, ablation: ab };
  }
  const rate = changeRateOf(ab);
  if (rate === undefined) return { value: 'unknown', from: 'none', detail: `ablation gave no samples${ab.note ? ` (${ab.note})` : ''}`, ablation: ab };
  const k = ab.samples.length;
  const changed = Math.round(rate * k);
  const answers = (xs: { answer: string | null }[]) => xs.map((s) => s.answer ?? '∅').join(', ');
  const base = `answer changed in ${changed} of ${k} samples ${without} (${answers(ab.samples)})`;
  const bl = ab.baseline;
  const blCounts = bl ? changedCounts(bl.samples) : undefined;
  const against =
    bl && blCounts
      ? ` vs ${blCounts.hits} of ${blCounts.of} with all media (${answers(bl.samples)})`
      : `; no all-media baseline${ab.baselineError ? ` (${ab.baselineError})` : ''}, so sampling noise is not accounted for`;
  const cmp = compareWithBaseline({ hits: changed, of: k }, blCounts);
  const detail = `${base}${against}`;
  switch (cmp) {
    case 'noisy-baseline':
      return {
        value: 'unknown',
        from: 'ablation-sampled',
        detail: `${detail}: unmeasured — with every medium the model already departs from its original answer in ${blCounts!.hits} of ${blCounts!.of} samples (≥ ${NOISY_BASELINE_RATE}), too noisy to tell an ablation's effect from chance`,
        ablation: ab,
      };
    case 'above-noise':
      return { value: true, from: 'ablation-sampled', detail: `${detail}: used${bl ? ` (${fmtPct(rate - bl.changeRate)} above the model's own noise)` : ''}`, ablation: ab };
    case 'within-noise':
      return { value: false, from: 'ablation-sampled', detail: `${detail}: not used${bl && blCounts!.hits > 0 ? ' (no more change than with every medium)' : ''}`, ablation: ab };
    default: {
      const few = k < MIN_SAMPLES_NOT_USED || (blCounts !== undefined && blCounts.of < MIN_SAMPLES_NOT_USED);
      const why = few ? ` (fewer than ${MIN_SAMPLES_NOT_USED} samples)` : bl ? ` (less than ${USED_CHANGE_MARGIN} above the baseline)` : '';
      return { value: 'unknown', from: 'ablation-sampled', detail: `${detail}: weak${why}`, ablation: ab };
    }
  }
}

const fmtPct = (x: number) => `${Math.round(x * 100)} points`;

/** Text alone gives the same answer (text-only ablation), by the same thresholds as "used". */
export function blindAnswerableFrom(ablations: AblationResult[]): boolean | 'unknown' {
  const ab = ablations.find((a) => a.kind === 'text-only');
  if (!ab || ab.method === 'failed') return 'unknown';
  if (ab.method === 'logprob' && ab.logprob) {
    if (ab.logprob.delta >= NOT_USED_LOGPROB_DELTA) return true;
    if (ab.logprob.delta <= USED_LOGPROB_DELTA) return false;
    return 'unknown';
  }
  const rate = changeRateOf(ab);
  if (rate === undefined) return 'unknown';
  const cmp = compareWithBaseline({ hits: Math.round(rate * ab.samples.length), of: ab.samples.length }, ab.baseline ? changedCounts(ab.baseline.samples) : undefined);
  return cmp === 'within-noise' ? true : cmp === 'above-noise' ? false : 'unknown';
}

export interface VerdictInput {
  modality: ShortcutModality;
  available: boolean;
  /** Why availability is what it is (probed, from the record, assumed). */
  availableFrom?: string;
  sent: boolean | 'unknown';
  needed: NeededEvidence;
  used: UsedEvidence;
  claimed: ClaimedEvidence;
  /** The original answer was right (accuracy 1), wrong (0), or not scored. */
  correct?: boolean;
}

const HALLUCINATED = new Set(['hallucinated-audio', 'hallucinated-text', 'hallucinated-visual']);

/** Every citation of the modality is contradicted by the inventory (and none confirmed). */
export function onlyHallucinated(c: ClaimedEvidence): boolean {
  return c.value && c.findings.some((f) => HALLUCINATED.has(f.kind)) && !c.findings.some((f) => f.kind === 'confirmed' || f.kind === 'quote-unverified');
}

export function decideVerdict(x: VerdictInput): ModalityVerdict {
  const { modality: m, needed, used, claimed } = x;
  const name = m === 'audio' ? 'audio' : 'visual';
  const out = (verdict: Verdict, confidence: Confidence, reason: string): ModalityVerdict => ({
    modality: m,
    verdict,
    available: x.available,
    needed,
    used,
    claimed,
    confidence,
    reason,
  });
  if (x.available && x.sent === false) return out('not-sent', 'high', `the clip has ${name} but the model was never given it`);
  if (!x.available) {
    const note = claimed.value ? `; the trace still cites ${name}${onlyHallucinated(claimed) ? ' (hallucinated)' : ''}` : '';
    return out('not-applicable', 'high', `the clip has no ${name}${x.availableFrom ? ` (${x.availableFrom})` : ''}${note}`);
  }
  const cited = claimed.value;
  const hallucinated = onlyHallucinated(claimed);
  const neededKnown = needed.value !== 'unknown';
  const neededSays = needed.value === true ? `needed (${needed.from})` : needed.value === false ? `not needed (${needed.from})` : 'need unknown';

  if (used.value !== 'unknown') {
    const conf: Confidence = neededKnown ? 'high' : 'medium';
    const measured = used.from === 'ablation-logprob' ? 'log-probability ablation' : 'sampled ablation';
    if (used.value && cited) return out('grounded', conf, `${measured}: the answer depends on the ${name}, and the trace cites it${hallucinated ? ' (though what it cites is not in the clip)' : ''}`);
    if (used.value) return out('unspoken', conf, `${measured}: the answer depends on the ${name}, but the trace never cites it`);
    if (cited) return out('decorative', conf, `${measured}: the answer does not depend on the ${name}, yet the trace cites it${hallucinated ? ' (and what it cites is not in the clip)' : ''}`);
    if (needed.value === true)
      return out('ignored', conf, `shortcut: the question needs the ${name} (${needed.from}), but the answer does not depend on it (${measured}) and the trace never cites it`);
    return out('unused', conf, `${measured}: the answer does not depend on the ${name} and the trace does not cite it; ${neededSays}`);
  }

  // No usable ablation: decide from the other signals, with low confidence, and say so.
  const why = used.from === 'none' ? used.detail : `ablation inconclusive: ${used.detail}`;
  if (cited && hallucinated) return out('decorative', 'medium', `the trace cites ${name} cues the clip does not have (${claimed.findings.find((f) => HALLUCINATED.has(f.kind))!.message}); ${why}`);
  if (cited) {
    if (needed.value === false)
      return out('decorative', 'low', `not measured (${why}): the trace cites the ${name}, but the question does not need it (${needed.from}), so the citation is unlikely to carry the answer`);
    return out(
      'undetermined',
      'low',
      `cited, not measured (${why}): the trace cites the ${name} and the answer is ${x.correct === true ? 'right' : x.correct === false ? 'wrong' : 'not scored'}; only an ablation shows whether the answer depends on it (grounded) or not (decorative)`,
    );
  }
  if (needed.value === true) {
    if (x.correct === false)
      return out(
        'undetermined',
        'low',
        `possible shortcut, not measured (${why}): the question needs the ${name} (${needed.from}), the trace never cites it and the answer is wrong — a shortcut, or an unspoken use that went wrong; an ablation tells them apart`,
      );
    return out(
      'undetermined',
      'low',
      `not measured (${why}): the question needs the ${name} (${needed.from}) and the trace never cites it, but the answer is ${x.correct ? 'right (an unspoken use or a lucky guess)' : 'not scored'}`,
    );
  }
  if (needed.value === false) return out('unused', 'low', `not measured (${why}): the trace does not cite the ${name} and the question does not need it (${needed.from})`);
  return out('undetermined', 'low', `not measured (${why}): the trace does not cite the ${name} and whether the question needs it is unknown`);
}

/** An 'undetermined' verdict that is a shortcut if an ablation shows the modality unused (see the header). */
export function isPossibleShortcut(v: Pick<ModalityVerdict, 'verdict' | 'reason'>): boolean {
  return v.verdict === 'undetermined' && v.reason.startsWith('possible shortcut');
}
