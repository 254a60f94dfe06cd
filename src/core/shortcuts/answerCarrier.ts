// Where a reference description puts the answer: the cheapest strong evidence that a question
// needs a modality. When the reference answer's words ("blue", or option B's text) stand in a
// sentence of the reference context, the cue that carries them there names the modality: "a
// voice can be heard announcing that the password is blue" puts it in the speech; "the screen is
// dark green with the word SEVEN in white" puts it on screen. Pure.
//
// Rules:
// - Terms: a letter answer ("B", "B,E", "(B)") is replaced by its option's text; a numeral also
//   matches its word (7 ↔ seven, up to twenty); a leading article is dropped ("the station").
//   Yes/no/true/false and one-character terms carry nothing and are skipped.
// - A term matches as whole words, case-insensitive; an option written as a phrase (three or more
//   words) also matches a sentence holding two thirds of its content words, by a crude stem
//   ("The speaker is angry" meets "a man shouts angrily at the speaker").
// - The carrier of a match, first that applies:
//   1. the quote it stands in (speech, or on-screen text when the sentence cites text);
//   2. the nearest carrier cue before it in its clause: a verb of saying or perceiving, a quote,
//      on-screen text ("announcing that … blue", "the word SEVEN");
//   3. the term's own cue when it is one ("a rising melody", "a dark green screen");
//   4. the nearest carrier cue after it in its clause, then before it in the sentence;
//   5. in a context, the sentence just before when this one cites nothing at all ("Two voices
//      talk. The first wants the harbour, the second the station.").
//   A match with no carrier by these rules says nothing.

import { clauseAt, cueSpans, splitSentences, type CueSpan, type Modality } from '../modality';
import type { ShortcutModality } from './types';

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];
const EMPTY_TERMS = new Set(['yes', 'no', 'true', 'false', 'none', 'all of the above', 'none of the above']);

export const SHORTCUT_OF: Record<Modality, ShortcutModality> = { audio: 'audio', speech: 'audio', visual: 'visual', text: 'visual' };

/** Option text by letter, from "A. text", "A) text", "(A) text", "A: text" or a bare list in order. */
function optionTexts(options: string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  (options ?? []).forEach((o, i) => {
    const m = /^\s*\(?([A-Za-z])[.):]\s*(.+)$/s.exec(o);
    if (m) out.set(m[1]!.toUpperCase(), m[2]!.trim());
    else if (i < 26) out.set(String.fromCharCode(65 + i), o.trim());
  });
  return out;
}

/** Option lines written into a question's text ("…?\nA. red\nB. blue"), when it has two or more. */
export function optionLines(problem: string | undefined): string[] | undefined {
  const lines = (problem ?? '').split(/\r?\n/).filter((l) => /^\s*\(?[A-Z][.):]\s*\S/.test(l));
  return lines.length >= 2 ? lines.map((l) => l.trim()) : undefined;
}

/** The words of the answer as a description would write them (see the header). */
export function answerTerms(answer: string | undefined, options?: string[]): string[] {
  if (!answer) return [];
  const raw = answer.trim();
  const opts = optionTexts(options);
  const letters = /^\(?[A-Za-z]\)?(?:\s*[,;/]\s*\(?[A-Za-z]\)?)*$/.test(raw) ? raw.match(/[A-Za-z]/g)!.map((l) => l.toUpperCase()) : [];
  const bases = letters.length && letters.every((l) => opts.has(l)) ? letters.map((l) => opts.get(l)!) : [raw];
  const out = new Set<string>();
  for (const b of bases) {
    const t = b.replace(/[.!?]+$/, '').trim();
    const noArticle = t.replace(/^(?:the|a|an)\s+/i, '');
    for (const x of [t, noArticle]) if (x.length > 1 && !EMPTY_TERMS.has(x.toLowerCase())) out.add(x);
    const n = /^\d+$/.test(noArticle) ? Number(noArticle) : NUMBER_WORDS.indexOf(noArticle.toLowerCase());
    if (n >= 0 && n < NUMBER_WORDS.length) {
      out.add(String(n));
      out.add(NUMBER_WORDS[n]!);
    }
  }
  return [...out];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const STOPWORDS = new Set(
  'the a an is are was were be been of to in on at by for with and or but that this these those it its he she they his her their them him who what which there here very from into than then as not no'.split(
    ' ',
  ),
);
/** A crude stem: enough for "angry" / "angrily", "argues" / "arguing" to meet. */
const stem = (w: string) => w.toLowerCase().replace(/(?:ily|ly|ing|ed|es|s|y)$/, '');

/**
 * Whole-word matches of each term; a term of three or more words (an option written as a phrase)
 * also matches a sentence holding at least two thirds of its content words, by stem, at the first.
 */
function matchesOf(sentence: string, terms: string[]): { start: number; end: number; term: string }[] {
  const out: { start: number; end: number; term: string }[] = [];
  const words = [...sentence.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ stem: stem(m[0]), start: m.index!, end: m.index! + m[0].length }));
  for (const t of terms) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(t).replace(/\s+/g, '\\s+')}(?![\\p{L}\\p{N}])`, 'giu');
    const before = out.length;
    for (let m = re.exec(sentence); m; m = re.exec(sentence)) out.push({ start: m.index, end: m.index + m[0].length, term: t });
    const content = t.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 2 && !STOPWORDS.has(w.toLowerCase()));
    if (out.length > before || t.split(/\s+/).length < 3 || content.length < 2) continue;
    const hits = content.map((w) => words.find((x) => x.stem === stem(w))).filter((x) => x !== undefined);
    if (hits.length * 3 >= content.length * 2) {
      const first = hits.reduce((a, b) => (b.start < a.start ? b : a));
      out.push({ start: first.start, end: first.end, term: t });
    }
  }
  return out;
}

/** The cue carrying one match (rules 1–4 of the header). */
function carrierOf(cues: CueSpan[], at: { start: number; end: number }, clause: number): CueSpan | undefined {
  const overlaps = (c: CueSpan) => c.start < at.end && c.end > at.start;
  const quote = cues.find((c) => c.start <= at.start && c.end >= at.end && /^["“'‘]/.test(c.text));
  if (quote) return quote;
  const before = cues.filter((c) => c.carrier && c.end <= at.start && c.clause === clause);
  if (before.length) return before[before.length - 1];
  const own = cues.find(overlaps);
  if (own) return own;
  return cues.find((c) => c.carrier && c.start >= at.end && c.clause === clause) ?? cues.filter((c) => c.carrier && c.end <= at.start).pop();
}

export interface AnswerPlacement {
  modality: ShortcutModality;
  /** The sentence that holds the answer's words, and the term found. */
  sentence: string;
  term: string;
  /** The cue that carries it (or the sentence before, for rule 5). */
  cue: string;
}

/** Where a description (a reference context) places the answer's words, one entry per carrying match. */
export function placeAnswer(description: string, terms: string[]): AnswerPlacement[] {
  if (!terms.length) return [];
  const out: AnswerPlacement[] = [];
  const sentences = splitSentences(description);
  let previousCues: CueSpan[] = [];
  for (const s of sentences) {
    const cues = cueSpans(s.text);
    const clause = clauseAt(s.text);
    for (const m of matchesOf(s.text, terms)) {
      const c = carrierOf(cues, m, clause(m.start));
      if (c) out.push({ modality: SHORTCUT_OF[c.modality], sentence: s.text, term: m.term, cue: c.text });
      else if (cues.length === 0) {
        // Rule 5: a sentence that cites nothing continues the one before.
        const carriers = previousCues.filter((x) => x.carrier);
        for (const mod of new Set(carriers.map((x) => SHORTCUT_OF[x.modality]))) {
          out.push({ modality: mod, sentence: s.text, term: m.term, cue: carriers.find((x) => SHORTCUT_OF[x.modality] === mod)!.text });
        }
      }
    }
    if (cues.length) previousCues = cues;
  }
  return out;
}
