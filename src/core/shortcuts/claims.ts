// What a trace claims to have perceived, sentence by sentence: the modality
// tagger (src/core/modality.ts) renamed to perception kinds — visual → seen, audio → heard
// (sound, paralinguistics), speech → said (the words), text → read (on screen) — plus
// 'inferred' for reasoning sentences that cite no perception ("this suggests she is upset") and
// 'none' for the rest. Negation is the tagger's, per kind: "there is no music" claims the audio
// is absent, which is still a claim about the audio. Pure.
//
// The modality a sentence counts for in a verdict: audio = heard or said, visual = seen or read
// (ShortcutModality). A sentence whose quote, or words, OCR finds on screen is reassigned from
// audio to visual by `citedModalities`: the words could be read, so they show no listening.

import { splitSentences, tagSentence, type Modality } from '../modality';
import { parseTrace } from '../trace';
import type { ParsedTrace } from '../types';
import type { ClaimKind, ClaimSentence, ShortcutModality } from './types';

export const KIND_OF_MODALITY: Record<Modality, ClaimKind> = { visual: 'seen', audio: 'heard', speech: 'said', text: 'read' };
export const MODALITY_OF_KIND: Partial<Record<ClaimKind, ShortcutModality>> = { seen: 'visual', read: 'visual', heard: 'audio', said: 'audio' };

/**
 * Words of reasoning: a sentence built on them with no perceptual cue is an inference, not an
 * observation. "so" and "thus" count only at the start of a clause, where they introduce a
 * conclusion ("so she is upset"), not as intensifiers ("so loud").
 */
const INFERENCE_RE =
  /\b(?:suggests?|suggesting|suggested|likely|unlikely|implies|imply|implied|implying|therefore|thus|hence|consequently|probably|presumably|perhaps|maybe|indicates?|indicating|indicated|seems?|seemingly|apparently|must be|might|may be|could be|infers?|inferred|conclude[sd]?|conclusion|because|since|means|reason(?:s|ing)?|which shows|this shows|points? to)\b|(?:^|[,;:]\s*|\band\s+)so\b/i;

/** Sentence tags of one sentence (kinds, negation), from the modality tagger and the inference words. */
export function claimKindsOf(text: string): { kinds: ClaimKind[]; negated: Partial<Record<ClaimKind, boolean>>; cues: Partial<Record<ClaimKind, string[]>> } {
  const tags = tagSentence(text);
  const kinds: ClaimKind[] = [];
  const negated: Partial<Record<ClaimKind, boolean>> = {};
  const cues: Partial<Record<ClaimKind, string[]>> = {};
  for (const t of tags) {
    const k = KIND_OF_MODALITY[t.modality];
    kinds.push(k);
    negated[k] = t.negated;
    cues[k] = t.cues;
  }
  if (kinds.length === 0) kinds.push(INFERENCE_RE.test(text) ? 'inferred' : 'none');
  return { kinds, negated, cues };
}

/** Tagged sentences of the trace's Context and Think (first section of each), offsets in the completion. */
export function claimSentences(completion: string, parsed: ParsedTrace = parseTrace(completion)): ClaimSentence[] {
  const out: ClaimSentence[] = [];
  for (const section of ['context', 'think'] as const) {
    const seg = parsed[section];
    if (!seg) continue;
    for (const s of splitSentences(seg.text)) {
      const { kinds, negated } = claimKindsOf(s.text);
      out.push({ section, start: seg.start + s.start, end: seg.start + s.end, text: s.text, kinds, negated, source: 'rules', checks: [] });
    }
  }
  return out;
}

/** A kind claimed positively (present and not only as absent). */
export function claimsKind(s: ClaimSentence, kind: ClaimKind): boolean {
  return s.kinds.includes(kind) && !s.negated[kind];
}

/** A kind claimed only as absent ("no one speaks"). */
export function deniesKind(s: ClaimSentence, kind: ClaimKind): boolean {
  return s.kinds.includes(kind) && !!s.negated[kind];
}

/**
 * Which modalities a sentence cites positively, after its checks: a sentence whose audio claim is
 * only an on-screen quote (a 'quote-is-on-screen' check and no 'heard' cue) cites the visual, not
 * the audio.
 */
export function citedModalities(s: ClaimSentence): Set<ShortcutModality> {
  const out = new Set<ShortcutModality>();
  if (claimsKind(s, 'seen') || claimsKind(s, 'read')) out.add('visual');
  if (claimsKind(s, 'heard')) out.add('audio');
  if (claimsKind(s, 'said')) {
    const onScreen = s.checks.some((c) => c.kind === 'quote-is-on-screen');
    if (onScreen) out.add('visual');
    else out.add('audio');
  }
  return out;
}

/** Quoted spans of a sentence (double quotes, or single quotes around 2+ characters), without the marks. */
export function quotesOf(text: string): string[] {
  const out: string[] = [];
  const re = /“([^”]{2,})”|"([^"\n]{2,})"|(?<![\p{L}\p{N}])[‘']([^'’\n]{2,}?)['’](?![\p{L}\p{N}])/gu;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push((m[1] ?? m[2] ?? m[3])!.trim());
  return out.filter(Boolean);
}
