// Does the question need a modality? Available is not needed: a clip with on-screen
// text and a question about the speaker's words does not need the text. Only an established
// "needed" lets a verdict say 'ignored' (a shortcut). Pure.
//
// Sources, first that decides wins, except that an ablation showing the right answer is lost
// overrides a "not needed" read from text (the measurement beats the description):
// 1. dataset cue labels on the record (extras: visual_clues / audio_clues / speech_clues /
//    text_clues, the same with "cues", or `clues` / `cues` as an object of such lists or a list of
//    sentences, also inside extras.raw): a modality with labels is needed; when the labels
//    exist for some modality and this one has none, it is not needed.
// 2. the reference (reference.solution): its <context> is HumanOmniV2's description of the cues
//    the answer rests on: a sentence citing sound or speech → audio needed; seen or on-screen text
//    → visual needed; a context that cites neither → not needed. When the reference also has a
//    <think>, a modality the context describes but the reasoning never cites is not needed.
// 3. a judge classification of the question and reference (neededJudge.ts), asked only when 1 and
//    2 are both missing: audio / visual / both / neither decide; 'unsure', a failed call or an
//    unreadable reply leave it to the ablations, else unknown (the detail says why).
// 4. ablations: the original answer was correct and, without the modality, the correct answer is
//    lost in most samples (or its log-probability drops by ≥ NEEDED_LOGPROB_DROP nats). Sampled
//    ablations with an all-media baseline must also lose it beyond the model's own noise, by the
//    rule of verdict.ts with "moved" = lost the correct answer: lost-rate − baseline lost-rate ≥
//    0.5, and nothing is established when the baseline itself loses it in half its samples (a
//    model that is mostly wrong with every medium cannot show what a medium adds). An ablation
//    alone never shows "not needed" (a model that ignores the audio keeps its answer without it),
//    with one exception: a cue the labels/reference call needed is redundant — not needed — when
//    the correct answer survives without it but is lost with text only (the other modality
//    carries the answer, as when the number is both spoken and shown).

import { tagSentence, splitSentences, type Modality } from '../modality';
import { parseTrace } from '../trace';
import type { RolloutRecord } from '../types';
import type { AblationKind, AblationResult, AblationSample, DatasetCueLabels, NeededEvidence, NeededJudgement, ShortcutModality } from './types';
import { compareWithBaseline, type SampleCounts } from './verdict';

/** Log-probability drop (nats) of a correct original answer that counts as "lost" without the modality. */
export const NEEDED_LOGPROB_DROP = 1.0;
/** A correct answer whose log-probability falls by less than this (nats) without a modality is kept. */
export const REDUNDANT_LOGPROB_HOLD = 0.2;

export const ABLATION_FOR: Record<ShortcutModality, AblationKind> = { audio: 'no-audio', visual: 'no-video' };

const LABEL_KEYS: Record<keyof DatasetCueLabels, string[]> = {
  visual: ['visual_clues', 'visual_cues', 'video_clues', 'video_cues', 'visual_clue', 'visual'],
  audio: ['audio_clues', 'audio_cues', 'audio_clue', 'acoustic_clues', 'audio'],
  speech: ['speech_clues', 'speech_cues', 'subtitle_clues', 'asr_clues', 'speech'],
  text: ['text_clues', 'text_cues', 'ocr_clues', 'text'],
};

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  return undefined;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labelsIn(obj: Record<string, unknown>, bareNames: boolean): DatasetCueLabels | undefined {
  const out: DatasetCueLabels = {};
  let any = false;
  for (const [field, keys] of Object.entries(LABEL_KEYS) as [keyof DatasetCueLabels, string[]][]) {
    for (const k of keys) {
      // Bare names (visual, audio…) only inside a clues object, never as top-level row fields.
      if (!bareNames && !k.includes('_')) continue;
      const s = strings(obj[k]);
      if (s !== undefined) {
        out[field] = [...(out[field] ?? []), ...s];
        any = true;
      }
    }
  }
  return any ? out : undefined;
}

/** Classifies free-text clue sentences by the modality each cites. */
function labelsFromSentences(list: string[]): DatasetCueLabels {
  const out: DatasetCueLabels = {};
  const key: Record<Modality, keyof DatasetCueLabels> = { visual: 'visual', audio: 'audio', speech: 'speech', text: 'text' };
  for (const s of list) {
    for (const t of tagSentence(s)) if (!t.negated) (out[key[t.modality]] ??= []).push(s);
  }
  return out;
}

/** Dataset cue labels of a record, when it carries any. */
export function datasetCueLabels(extras: Record<string, unknown> | undefined): DatasetCueLabels | undefined {
  if (!extras) return undefined;
  const scopes = [extras, ...(isObj(extras.raw) ? [extras.raw] : [])];
  for (const scope of scopes) {
    const direct = labelsIn(scope, false);
    if (direct) return direct;
    for (const k of ['clues', 'cues', 'cue_labels', 'clue_labels']) {
      const v = scope[k];
      if (isObj(v)) {
        const l = labelsIn(v, true);
        if (l) return l;
      }
      const list = strings(v);
      if (list && list.length) return labelsFromSentences(list);
    }
  }
  return undefined;
}

function fromLabels(labels: DatasetCueLabels, m: ShortcutModality): NeededEvidence {
  const mine = m === 'audio' ? [...(labels.audio ?? []), ...(labels.speech ?? [])] : [...(labels.visual ?? []), ...(labels.text ?? [])];
  if (mine.length)
    return {
      value: true,
      from: 'dataset-labels',
      detail: `dataset ${m} cue labels: ${mine
        .slice(0, 3)
        .map((s) => `“${s}”`)
        .join('; ')}${mine.length > 3 ? ` (+${mine.length - 3})` : ''}`,
    };
  return { value: false, from: 'dataset-labels', detail: `the dataset labels cues for this sample but none ${m === 'audio' ? 'audio or speech' : 'visual or on-screen text'}` };
}

/**
 * The reference's verdict on a modality, or undefined when the reference has no context. Reference
 * contexts describe the whole scene (the hallway, the lighting) besides the decisive cue, so when
 * the reference also has a <think>, a modality counts as needed only when that reasoning cites it
 * too: described but not reasoned on is "not needed". Without a <think>, the context decides.
 */
export function neededFromReference(solution: string | undefined, m: ShortcutModality): NeededEvidence | undefined {
  if (!solution) return undefined;
  const parsed = parseTrace(solution);
  const ctx = parsed.context;
  if (!ctx || !ctx.text.trim()) return undefined;
  const want: Modality[] = m === 'audio' ? ['audio', 'speech'] : ['visual', 'text'];
  const citing = (text: string) => splitSentences(text).filter((s) => tagSentence(s.text).some((t) => want.includes(t.modality) && !t.negated));
  const what = m === 'audio' ? 'sound or speech' : 'what is seen or read';
  const quote = (s: string) => `“${s.length > 140 ? s.slice(0, 137) + '…' : s}”`;
  const inCtx = citing(ctx.text);
  const think = parsed.think?.text.trim() ? parsed.think.text : undefined;
  const inThink = think ? citing(think) : [];
  if (inThink.length) return { value: true, from: 'reference-context', detail: `the reference reasoning cites ${what}: ${quote(inThink[0]!.text)}` };
  if (inCtx.length && !think) return { value: true, from: 'reference-context', detail: `the reference context cites ${what}: ${quote(inCtx[0]!.text)}` };
  if (inCtx.length) return { value: false, from: 'reference-context', detail: `the reference context describes ${what} (${quote(inCtx[0]!.text)}) but its reasoning does not rest on it` };
  return { value: false, from: 'reference-context', detail: `the reference context cites no ${m === 'audio' ? 'sound or speech' : 'visual cue or on-screen text'}` };
}

/** What the judgement says of one modality, or undefined when it says nothing ('unsure'). */
export function neededFromJudgement(j: NeededJudgement | undefined, m: ShortcutModality): NeededEvidence | undefined {
  if (!j || j.needed === 'unsure') return undefined;
  const value = j.needed === 'both' || j.needed === m;
  const said = j.needed === 'neither' ? 'neither audio nor visual cues' : j.needed === 'both' ? 'audio and visual cues' : `${j.needed} cues only`;
  return { value, from: 'judge', detail: `the judge classifies the question as resting on ${said}${j.reason ? `: ${j.reason}` : ''}` };
}

/** The right answer is lost without the modality (see the header), or undefined when the ablation cannot say. */
export function neededFromAblation(ab: AblationResult | undefined, originalCorrect: boolean | undefined, m: ShortcutModality): NeededEvidence | undefined {
  if (!ab || ab.method === 'failed' || originalCorrect !== true) return undefined;
  if (ab.method === 'logprob' && ab.logprob) {
    if (ab.logprob.delta <= -NEEDED_LOGPROB_DROP) return { value: true, from: 'ablation', detail: `without ${m} the correct answer's log-probability drops by ${(-ab.logprob.delta).toFixed(2)} nats` };
    return undefined;
  }
  const lost = lostCounts(ab.samples);
  if (!lost || !lostBeyondNoise(ab, lost)) return undefined;
  const base = ab.baseline ? lostCounts(ab.baseline.samples) : undefined;
  return { value: true, from: 'ablation', detail: `without ${m} the correct answer is lost in ${lost.hits} of ${lost.of} samples${base ? ` (with all media in ${base.hits} of ${base.of})` : ''}` };
}

/** Samples judged against the reference, and how many of them lost the correct answer. */
function lostCounts(samples: AblationSample[]): SampleCounts | undefined {
  const judged = samples.filter((s) => s.correct !== undefined);
  return judged.length ? { hits: judged.filter((s) => s.correct === false).length, of: judged.length } : undefined;
}

/** Lost in most samples and, with a baseline, beyond the baseline's own losses (see the header). */
function lostBeyondNoise(ab: AblationResult, lost: SampleCounts): boolean {
  if (lost.hits * 2 <= lost.of) return false;
  const base = ab.baseline ? lostCounts(ab.baseline.samples) : undefined;
  return !base || compareWithBaseline(lost, base) === 'above-noise';
}

/** The correct answer survives an ablation (most samples correct, or its log-probability holds). */
function keepsCorrect(ab: AblationResult | undefined): boolean {
  if (!ab || ab.method === 'failed') return false;
  if (ab.method === 'logprob') return !!ab.logprob && ab.logprob.delta >= -REDUNDANT_LOGPROB_HOLD;
  const judged = ab.samples.filter((s) => s.correct !== undefined);
  return judged.length > 0 && judged.filter((s) => s.correct).length * 2 > judged.length;
}

/** The correct answer is lost under an ablation (most samples wrong beyond the baseline's noise, or its log-probability drops). */
function losesCorrect(ab: AblationResult | undefined): boolean {
  if (!ab || ab.method === 'failed') return false;
  if (ab.method === 'logprob') return !!ab.logprob && ab.logprob.delta <= -NEEDED_LOGPROB_DROP;
  const lost = lostCounts(ab.samples);
  return !!lost && lostBeyondNoise(ab, lost);
}

/**
 * Dataset cue labels or a reference context decide "needed" for this record (sources 1 and 2), so
 * a judge classification would not be used: the caller need not ask for one.
 */
export function textSourcesDecide(record: Pick<RolloutRecord, 'extras' | 'reference'>): boolean {
  // neededFromReference is undefined exactly when there is no context, whatever the modality.
  return datasetCueLabels(record.extras) !== undefined || neededFromReference(record.reference.solution, 'audio') !== undefined;
}

export function neededFor(
  record: Pick<RolloutRecord, 'extras' | 'reference'>,
  m: ShortcutModality,
  opts: {
    ablation?: AblationResult;
    textOnly?: AblationResult;
    originalCorrect?: boolean;
    labels?: DatasetCueLabels;
    /** The judge's classification of the question (neededJudge.ts), used only without labels and reference context. */
    judged?: NeededJudgement;
    /** Why the judge gave no classification (failed call, unreadable reply), for an unknown's detail. */
    judgeNote?: string;
  } = {},
): NeededEvidence {
  const labels = opts.labels ?? datasetCueLabels(record.extras);
  const fromText = labels ? fromLabels(labels, m) : (neededFromReference(record.reference.solution, m) ?? neededFromJudgement(opts.judged, m));
  const fromAb = neededFromAblation(opts.ablation, opts.originalCorrect, m);
  if (fromText?.value === true) {
    // Redundant cue: the answer is also carried by the other modality (right without this one,
    // lost with text only). Not needed: skipping a redundant cue is not a shortcut. A blind-
    // answerable question (right with text only too) keeps "needed": right for the wrong reasons.
    if (opts.originalCorrect === true && keepsCorrect(opts.ablation) && losesCorrect(opts.textOnly)) {
      return { value: false, from: 'ablation', detail: `${fromText.detail}, but the correct answer survives without the ${m} and is lost with text only: the other modality carries it` };
    }
    return fromText;
  }
  if (fromAb) return fromText ? { ...fromAb, detail: `${fromAb.detail} (although ${fromText.detail})` } : fromAb;
  if (fromText) return fromText;
  const judge = opts.judged ? ', the judge is unsure' : opts.judgeNote ? ` (${opts.judgeNote})` : '';
  return { value: 'unknown', from: 'none', detail: `no dataset cue labels, no reference context${judge}, and no ablation showing the correct answer is lost` };
}
