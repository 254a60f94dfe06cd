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
//    the answer rests on, its <think> the reasoning on them (see below).
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
//    the correct answer survives without it but is not kept with text only (the other modality
//    carries the answer, as when the number is both spoken and shown).
// The reference (2) in detail: see neededFromReference; in short, where the reference context
// puts the answer's words (answerCarrier.ts), then what its reasoning cites beyond stock openings,
// then explicit denials; anything else is unknown, never "not needed".

import { tagSentence, splitSentences, type Modality } from '../modality';
import { answerTerms, optionLines, placeAnswer } from './answerCarrier';
import { parseTrace } from '../trace';
import type { RolloutRecord } from '../types';
import type { AblationKind, AblationResult, AblationSample, DatasetCueLabels, NeededEvidence, NeededJudgement, ShortcutModality } from './types';
import { compareWithBaseline, type SampleCounts } from './verdict';

/** Log-probability drop (nats) of a correct original answer that counts as "lost" without the modality. */
export const NEEDED_LOGPROB_DROP = 1.0;
/** A correct answer whose log-probability falls by less than this (nats) without a modality is kept. */
export const REDUNDANT_LOGPROB_HOLD = 0.2;

/** What the needed rules read of a record: its extras (cue labels), reference and options. */
export type NeedsRecord = Pick<RolloutRecord, 'extras' | 'reference'> & { question?: Pick<RolloutRecord['question'], 'options' | 'problem'> };

/** The options of a record: its options field, else option lines in the question's text. */
const optionsOf = (r: NeedsRecord) => r.question?.options ?? optionLines(r.question?.problem);

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
 * Perception words and media nouns every trace opens with ("Okay, I'm watching this video", "I'm
 * listening to their conversation"): a sentence whose only cues are these says nothing the answer
 * rests on.
 */
const STOCK_CUE_RE =
  /^(?:see|sees|seen|saw|seeing|look(?:s|ed|ing)?|watch(?:es|ed|ing)?|observ\w*|notic\w*|hear|hears|heard|hearing|listen(?:s|ed|ing)?|audio|sound|recording|soundtrack|visible|audible|(?:video|clip|footage|image|picture|frame)s? \w+|frames?|scenes?|screens?|on[- ]?screen|conversation|dialogue|speech)$/i;

const WANT: Record<ShortcutModality, Modality[]> = { audio: ['audio', 'speech'], visual: ['visual', 'text'] };

/** Sentences citing the modality with content (not only stock perception words), positively. */
function contentCitations(text: string, m: ShortcutModality): string[] {
  return splitSentences(text)
    .filter((s) => tagSentence(s.text).some((t) => WANT[m].includes(t.modality) && !t.negated && t.cues.some((c) => /^["“'‘]/.test(c) || !STOCK_CUE_RE.test(c))))
    .map((s) => s.text);
}

/** Sentences citing the modality only as absent ("no sound can be heard"), and whether any cites it positively. */
function denials(text: string, m: ShortcutModality): { denied: string[]; cited: boolean } {
  const denied: string[] = [];
  let cited = false;
  for (const s of splitSentences(text)) {
    const tags = tagSentence(s.text).filter((t) => WANT[m].includes(t.modality));
    if (tags.some((t) => !t.negated)) cited = true;
    else if (tags.length) denied.push(s.text);
  }
  return { denied, cited };
}

const quote = (s: string) => `“${s.length > 140 ? s.slice(0, 137) + '…' : s}”`;
const WHAT: Record<ShortcutModality, string> = { audio: 'sound or speech', visual: 'what is seen or read' };
const CARRIER: Record<ShortcutModality, string> = { audio: 'the audio (sound or speech)', visual: 'the picture (seen or read on screen)' };

/**
 * What the reference says of a modality, or undefined when it has no context. In order:
 * 1. the reference context places the answer's words in the modality (answerCarrier.ts) → needed;
 * 2. the reference reasoning cites the modality with content, not only a stock opening ("I'm
 *    watching this video") → needed;
 * 3. the context puts the answer's words in the other modality only → not needed (that is
 *    evidence of where the answer is, not an absence);
 * 4. the context cites the modality only as absent ("no sound can be heard") → not needed;
 * 5. otherwise unknown: a context describes the whole scene besides the decisive cue, and a short
 *    or placeholder reasoning that never cites a modality is missing evidence, not evidence that
 *    the answer does not rest on it.
 */
export function neededFromReference(solution: string | undefined, m: ShortcutModality, options?: string[]): NeededEvidence | undefined {
  if (!solution) return undefined;
  const parsed = parseTrace(solution);
  const ctx = parsed.context?.text.trim() ? parsed.context.text : undefined;
  if (!ctx) return undefined;
  const placed = placeAnswer(ctx, answerTerms(parsed.answer?.text, options));
  const here = placed.find((p) => p.modality === m);
  if (here) return { value: true, from: 'reference-context', detail: `the reference context puts the answer (“${here.term}”) in ${CARRIER[m]}: ${quote(here.sentence)}` };
  const think = parsed.think?.text.trim() ? parsed.think.text : undefined;
  const inThink = think ? contentCitations(think, m) : [];
  if (inThink.length) return { value: true, from: 'reference-context', detail: `the reference reasoning rests on ${WHAT[m]}: ${quote(inThink[0]!)}` };
  if (placed.length)
    return {
      value: false,
      from: 'reference-context',
      detail: `the reference context puts the answer (“${placed[0]!.term}”) in ${CARRIER[placed[0]!.modality]} only, and its reasoning does not rest on ${WHAT[m]}: ${quote(placed[0]!.sentence)}`,
    };
  const d = denials(ctx, m);
  if (d.denied.length && !d.cited)
    return { value: false, from: 'reference-context', detail: `the reference context says there is no ${m === 'audio' ? 'sound or speech' : 'picture or text'}: ${quote(d.denied[0]!)}` };
  const inCtx = contentCitations(ctx, m);
  return {
    value: 'unknown',
    from: 'reference-context',
    detail: inCtx.length
      ? `the reference context describes ${WHAT[m]} (${quote(inCtx[0]!)}), but neither its reasoning nor the answer's place shows the answer rests on it`
      : `the reference context does not mention ${WHAT[m]}; a description that leaves it out is no evidence it is not needed`,
  };
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

/**
 * A measured text-only ablation that does not keep the correct answer (lost, or kept in no more
 * than half its samples): the correct answer needs some medium. It asks less than "lost beyond
 * the baseline's noise" on purpose: at k = 3 with sampling noise, a text-only guess that lands on
 * the right answer once cannot be told from noise, but it is no sign the question is
 * blind-answerable either (a blind-answerable question keeps the answer in most samples).
 */
function measuredNotKept(ab: AblationResult | undefined): boolean {
  if (!ab || ab.method === 'failed') return false;
  if (ab.method === 'logprob') return !!ab.logprob && ab.logprob.delta <= -NEEDED_LOGPROB_DROP;
  const judged = ab.samples.filter((s) => s.correct !== undefined);
  return judged.length > 0 && !keepsCorrect(ab);
}

/**
 * Dataset cue labels or a reference context decide "needed" for this record (sources 1 and 2), so
 * a judge classification would not be used: the caller need not ask for one.
 */
export function textSourcesDecide(record: NeedsRecord): boolean {
  if (datasetCueLabels(record.extras) !== undefined) return true;
  return (['audio', 'visual'] as const).every((m) => {
    const v = neededFromReference(record.reference.solution, m, optionsOf(record))?.value;
    return v !== undefined && v !== 'unknown';
  });
}

export function neededFor(
  record: NeedsRecord,
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
  const ref = labels ? undefined : neededFromReference(record.reference.solution, m, optionsOf(record));
  // An undecided reference leaves the question to the judge; its detail is kept for the unknown.
  const decided = labels ? fromLabels(labels, m) : ref && ref.value !== 'unknown' ? ref : neededFromJudgement(opts.judged, m);
  const fromText = decided ?? ref;
  const fromAb = neededFromAblation(opts.ablation, opts.originalCorrect, m);
  if (fromText?.value === true) {
    // Redundant cue: the answer is also carried by the other modality (right without this one,
    // lost with text only). Not needed: skipping a redundant cue is not a shortcut. A blind-
    // answerable question (right with text only too) keeps "needed": right for the wrong reasons.
    if (opts.originalCorrect === true && keepsCorrect(opts.ablation) && measuredNotKept(opts.textOnly)) {
      return { value: false, from: 'ablation', detail: `${fromText.detail}, but the correct answer survives without the ${m} and is lost with text only: the other modality carries it` };
    }
    return fromText;
  }
  if (fromAb) return decided ? { ...fromAb, detail: `${fromAb.detail} (although ${decided.detail})` } : fromAb;
  if (decided) return decided;
  const judge = opts.judged ? ', the judge is unsure' : opts.judgeNote ? ` (${opts.judgeNote})` : '';
  if (ref) return { value: 'unknown', from: 'none', detail: `${ref.detail}${judge}; no ablation shows the correct answer is lost without it` };
  return { value: 'unknown', from: 'none', detail: `no dataset cue labels, no reference context${judge}, and no ablation showing the correct answer is lost` };
}
