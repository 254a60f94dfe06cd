// Which modality each sentence of a trace cites: what was seen (visual), heard as sound or
// paralinguistics (audio), said as words (speech), or read on screen (text). The first
// shortcut signal: a trace about a clip with sound that never cites audio or speech probably
// answered from the frames (or from nothing). Pure and browser-safe: no node built-ins, no DOM.
//
// Rules, in one place:
// - Sentences end at . ! ? … (plus any closing quotes/brackets) followed by whitespace and a
//   character that is not a lowercase letter, and at every line break (so bullet lists split per
//   item). Not an end: abbreviations (e.g., i.e., Mr., vs. …), single-letter initials, decimals
//   (3.5 has no space after the point), list markers ("1." at the start of a line), and
//   punctuation followed by a lowercase word ("“Fine?” she asks", "wait... then"), and
//   punctuation inside a double-quoted span that closes later on the same line (a quoted
//   utterance of several sentences stays one sentence).
//   Sentences never include the whitespace between them; every other character is in one.
// - Cues come from LEXICON below: whole words (\b…\b), case-insensitive, then the context rules of
//   `sentenceCues` (words inside quotes cite nothing; off screen places a sound; what follows a
//   verb of saying is reported; a text "says" what it shows; "word(s)" is read beside a screen;
//   places count as seen only without sound or text). Quotes are speech: a double-quoted span
//   (“…” or "…") unless the sentence cites on-screen text (then the quote is what the text reads),
//   and a single-quoted span ('…' or ‘…’) only after a speech cue. Measured on 113 hand-labelled
//   sentences in HumanOmniV2's style (bench/labelled/tagging.tsv, `npm run bench:shortcuts`).
// - Negation: a claim that a modality is absent still cites it ("there is no music" is a claim
//   about the audio), so it is kept with `negated: true`. Within a clause (split at , ; : — and
//   at and/but/while/whereas/although/though/yet), a cue is negated when a negator (no, not,
//   never, without, nobody, no one, nothing, cannot, can't, don't, lack of, …) comes before it,
//   or when the clause holds an absence word of that modality or of any (silent, silence, muted,
//   inaudible → audio; absent, missing → any). A negated perception cue (hear, see, visible,
//   audible…) negates every cue of its modality in the clause ("her voice cannot be heard").
//   "no doubt", "not only", "no matter" are not negations. A modality's tag is negated only when
//   every one of its cues in the sentence is; a mix ("no music, but she sighs") is a positive
//   claim. Double negation is not resolved.

import type { ParsedTrace, SectionKind } from './types';

export type Modality = 'visual' | 'audio' | 'speech' | 'text';
export const MODALITIES: readonly Modality[] = ['visual', 'audio', 'speech', 'text'];

export interface ModalityTag {
  modality: Modality;
  /** Every cue of this modality in the sentence is negated: a claim that it is absent. */
  negated: boolean;
  /** The words matched, as written (a quote is given as its full quoted text). */
  cues: string[];
}

export interface ModalitySentence {
  /** Offsets into the text given to `splitSentences` / the section text: text.slice(start, end) === text. */
  start: number;
  end: number;
  text: string;
  /** In MODALITIES order; empty when the sentence cites none. */
  tags: ModalityTag[];
}

export interface SectionModalities {
  kind: SectionKind;
  /** Offset of the section's text in the completion: sentence offsets + base = completion offsets. */
  base: number;
  sentences: ModalitySentence[];
}

export interface ModalityCount {
  /** Sentences citing the modality positively. */
  cited: number;
  /** Sentences citing it only as absent. */
  negated: number;
}

export interface TraceModalities {
  /** Context and Think (the first of each), when present. */
  sections: SectionModalities[];
  counts: Record<Modality, ModalityCount>;
}

// ---------------------------------------------------------------------------------------------
// The lexicon. `re` is a regex source matched as a whole word, case-insensitive. `perception`
// marks verbs/adjectives of perceiving: negated, they negate the whole clause's modality.

interface LexEntry {
  modality: Modality;
  re: string;
  perception?: boolean;
  /** Places and settings: dropped when the sentence also cites sound or text (see the entry). */
  weak?: boolean;
  /** A verb of saying: what follows it up to the clause's end is reported content (see tagSentence). */
  speechVerb?: boolean;
  /** "word(s)": said or read by its context. */
  wordNoun?: boolean;
  note: string;
}

export const LEXICON: readonly LexEntry[] = [
  // ---- visual: what is seen
  { modality: 'visual', re: 'see|sees|seen|saw|seeing|visible|visibly|invisible|unseen', perception: true, note: 'seeing' },
  {
    modality: 'visual',
    re: 'look(?:s|ed|ing)?|appear(?:s|ed|ing|ance)?|watch(?:es|ed|ing)?|glanc(?:e|es|ed|ing)|star(?:e|es|ed|ing)|gaz(?:e|es|ed|ing)',
    perception: true,
    note: 'looking, appearing',
  },
  {
    modality: 'visual',
    re: '(?:video|clip|footage|image|picture|photo|shot|frame)s? (?:shows?|showed|showing|features?|featuring|depicts?|depicting|opens?|begins?|starts?|captures?|cuts?)|(?:primary|main|central) focus|close-up|wide view|view of',
    note: 'what the picture shows (not "the video" alone: the video holds the sound too)',
  },
  {
    modality: 'visual',
    re: 'faces?|facial|expressions?|smil(?:e|es|ed|ing)|frown(?:s|ed|ing)?|grin(?:s|ned|ning)?|scowl(?:s|ed|ing)?|glar(?:e|es|ed|ing)|eyes|eye contact|eyebrows?|brows?|tears?|teary|blush(?:es|ed|ing)?|wink(?:s|ed|ing)?|nod(?:s|ded|ding)?|grimac(?:e|es|ed|ing)|lips|mouth|cheeks?|jaw',
    note: 'face and expressions',
  },
  {
    modality: 'visual',
    re: 'hair|haired|bald|beard(?:ed)?|moustache|mustache|middle-aged|elderly|teenager|(?:young|old|little|tall|short) (?:man|woman|men|women|boy|girl|lady|couple|person|people)',
    note: 'how people look',
  },
  {
    modality: 'visual',
    re: 'gestur(?:e|es|ed|ing)|posture|body language|shrug(?:s|ged|ging)?|arms crossed|crossed arms|folds? (?:his|her|their) arms|fists?|clench(?:es|ed|ing)?|point(?:s|ed|ing) at|lean(?:s|ed|ing)|hug(?:s|ged|ging)?|shak(?:e|es|ing) (?:his|her|their) head|hands?|fidget(?:s|ed|ing)?|shoulders?|slump(?:s|ed|ing)?',
    note: 'gestures and body',
  },
  { modality: 'visual', re: 'wear(?:s|ing)?|wore|dressed|shirt|jacket|suit|dress|uniform|hat|glasses|clothes|clothing|outfit|coat|scarf|hoodie|raincoat', note: 'clothing' },
  { modality: 'visual', re: 'camera|lighting|lit|dim|bright|shadows?|light(?!\\s+of)|darkness', note: 'camera and lighting' },
  { modality: 'visual', re: 'colou?rs?|colou?rful|red|blue|green|yellow|black|white|gr[ae]y|brown|pink|purple|orange', note: 'colours' },
  {
    modality: 'visual',
    re: 'walk(?:s|ed|ing)?|mov(?:e|es|ed|ing|ement|ements)|enter(?:s|ed|ing)?|sit(?:s|ting)?|sat|stand(?:s|ing)?|stood|turn(?:s|ed|ing)? away|runs|running|ran|jump(?:s|ed|ing)?|danc(?:e|es|ed|ing)|kneel(?:s|ing)?|knelt|hold(?:s|ing)?|held|carr(?:y|ies|ied|ying)|plac(?:e|es|ed|ing)|slam(?:s|med|ming)?|throw(?:s|ing)?|threw|reach(?:es|ed|ing) (?:for|out)|wav(?:e|es|ed|ing) (?:at|to|goodbye)|clap(?:s|ped|ping)?|bow(?:s|ed|ing)|strok(?:e|es|ed|ing)|wip(?:e|es|ed|ing)|cover(?:s|ed|ing) (?:his|her|their)|step(?:s|ped)? (?:back|forward|away|out)|gathered|parked|playing (?:football|soccer|cards|with)|pans? across|zoom(?:s|ed|ing)? in|snow(?:ing)?',
    note: 'visible actions and movement',
  },
  {
    modality: 'visual',
    re: 'scene|room|screens?|background(?!\\s+(?:music|noise|sounds?|voices?|chatter))|setting|kitchen|office|street|outdoors|indoors|frames?|on[- ]?screen|approach(?:es|ed|ing)',
    weak: true,
    note: 'settings and places: they also locate sounds ("laughter from the next room") and text ("the top of the frame"), so they count only when the sentence cites no sound and no text',
  },

  // ---- audio: heard, paralinguistic (how it sounds, not what is said)
  { modality: 'audio', re: 'hear|hears|heard|hearing|audible|inaudible|listen(?:s|ed|ing)?', perception: true, note: 'hearing' },
  { modality: 'audio', re: 'sound(?:s|ed|ing)?|noises?|audio|acoustic|recording|soundtrack', note: 'sound in general' },
  {
    modality: 'audio',
    re: 'tone|pitch|pace|volume|loud(?:ly|er)?|quiet(?:ly)?|soft(?:ly|er)?|intonation|prosody|monotone|timbre|hoarse|raspy|shaky|trembl(?:e|es|ing)|crack(?:s|ed|ing)',
    note: 'paralinguistics',
  },
  { modality: 'audio', re: 'voices?|voiced|vocal(?:ly)?', note: 'voice quality' },
  {
    modality: 'audio',
    re: 'whisper(?:s|ed|ing)?|shout(?:s|ed|ing)?|yell(?:s|ed|ing)?|scream(?:s|ed|ing)?|sigh(?:s|ed|ing)?|laugh(?:s|ed|ing|ter)?|giggl(?:e|es|ed|ing)|chuckl(?:e|es|ed|ing)|sob(?:s|bed|bing)?|gasp(?:s|ed|ing)?|groan(?:s|ed|ing)?|stutter(?:s|ed|ing)?|stammer(?:s|ed|ing)?|mumbl(?:e|es|ed|ing)|murmur(?:s|ed|ing)?|mutter(?:s|ed|ing)?|pauses?|paused',
    note: 'vocal events',
  },
  { modality: 'audio', re: 'silent|silence|muted|mute', note: 'silence (an absence: see ABSENCE)' },
  {
    modality: 'audio',
    re: 'music|musical|song|melody|tune|applause|applaud(?:s|ed|ing)?|cheer(?:s|ed|ing)?|footsteps|ring(?:s|ing)|beeps?|knock(?:s|ed|ing)?|bang(?:s|ed)?|thud|bark(?:s|ed|ing)?|creak(?:s|ed|ing)?|wail(?:s|ed|ing)?|roar(?:s|ed|ing)?|rumbl(?:e|es|ed|ing)|chirp(?:s|ed|ing)?|shatter(?:s|ed|ing)?|honk(?:s|ed|ing)?|buzz(?:es|ed|ing)?|hum(?:s|ming)?|siren|alarm|thunder|engine|bells?|horns?',
    note: 'music and sounds',
  },

  // ---- speech: what was said (content of the words)
  {
    modality: 'speech',
    re: 'say|says|said|saying|ask(?:s|ed|ing)?|repl(?:y|ies|ied|ying)|mention(?:s|ed|ing)?|tell(?:s|ing)?|told|speak(?:s|ing)?|spoke|spoken|talk(?:s|ed|ing)?|explain(?:s|ed|ing)?|remark(?:s|ed)?|exclaim(?:s|ed)?|insist(?:s|ed)?|admit(?:s|ted)?|apologi[sz](?:e|es|ed|ing)|complain(?:s|ed|ing)?|respond(?:s|ed) (?:with|that)|answer(?:s|ed) (?:that|with|him|her|them)|utter(?:s|ed|ance)?|announc(?:e|es|ed|ing)|stat(?:e|es|ed|ing) that|declar(?:e|es|ed|ing)|promis(?:e|es|ed|ing)|warn(?:s|ed|ing)?|argu(?:e|es|ed|ing)|thank(?:s|ed|ing)?|greet(?:s|ed|ing)?|introduc(?:e|es|ed|ing) (?:himself|herself|themselves)|discuss(?:es|ed|ing)?|chat(?:s|ted|ting)?|narrat(?:e|es|ed|ing|or|ion)|calls? out|reads? (?:it |them |this |that )?aloud|repeat(?:s|ed|ing)?',
    speechVerb: true,
    note: 'speech verbs (not "answer" alone: the answer is ours)',
  },
  { modality: 'speech', re: '(?:whisper|shout|yell|scream|murmur|mutter|mumble)(?:s|ed|ing)? (?:that|something|about)', speechVerb: true, note: 'reported speech with a vocal verb (also audio)' },
  { modality: 'speech', re: 'dialogue|conversation|speech|speaker|transcript|verbal(?:ly)?|statement|question(?:s|ed)? (?:him|her|them)', note: 'speech nouns' },
  { modality: 'speech', re: 'words?', wordNoun: true, note: '"word(s)": read when the sentence shows text or a screen ("the word SEVEN in white"), said otherwise or when someone\'s ("her words")' },

  // ---- text: read on screen
  {
    modality: 'text',
    re: 'subtitles?|subtitled|captions?|captioned|on-screen text|text|written|printed|handwritten|slides?|signboard|signs? (?:that|which) (?:reads?|says)|sign(?:s)? (?:reads?|says|saying)|the sign|(?:a|red|neon|road|street|shop|warning|stop) sign|banner|poster|headline|title card|titled?|labels?|logo|ocr|letter(?:ing|s)|spell(?:s|ed|ing)? out|capitals|chalkboard|whiteboard|menu board|overlay|(?:displays?|shows?) the (?:message|date|number|words?)|message on',
    note: 'on-screen text',
  },
];

/** Cues that mean absence by themselves ("the audio is silent"): they negate their modality in the clause. */
const ABSENCE: readonly { modality: Modality | 'any'; re: string }[] = [
  { modality: 'audio', re: 'silent|silence|muted|mute|inaudible|soundless' },
  { modality: 'visual', re: 'invisible|unseen' },
  { modality: 'any', re: 'absent|missing' },
];

/** Words that negate what follows them in the clause. */
const NEGATORS = String.raw`no(?!\s+(?:doubt|matter|wonder)\b)|not(?!\s+only\b)|never|none|nobody|no one|nothing|neither|nor|without|cannot|can['’]t|couldn['’]t|don['’]t|doesn['’]t|didn['’]t|isn['’]t|aren['’]t|wasn['’]t|weren['’]t|won['’]t|hasn['’]t|haven['’]t|lacks?|lacking|absence`;

/** Clause boundaries: punctuation, and conjunctions that start a new claim. */
const CLAUSE_RE = /[,;:—–]|\s-\s|\b(?:and|but|while|whereas|although|though|yet)\b/gi;

interface Compiled {
  modality: Modality;
  re: RegExp;
  perception: boolean;
  weak: boolean;
  speechVerb: boolean;
  wordNoun: boolean;
}

const COMPILED: Compiled[] = LEXICON.map((e) => ({
  modality: e.modality,
  re: new RegExp(`\\b(?:${e.re})\\b`, 'gi'),
  perception: !!e.perception,
  weak: !!e.weak,
  speechVerb: !!e.speechVerb,
  wordNoun: !!e.wordNoun,
}));
const ABSENCE_RE = ABSENCE.map((a) => ({ modality: a.modality, re: new RegExp(`\\b(?:${a.re})\\b`, 'i') }));
const NEGATOR_RE = new RegExp(`\\b(?:${NEGATORS})\\b`, 'gi');
// An opening quote stands after a space, a line start or opening punctuation (not `=`: attribute values are not dialogue).
const DOUBLE_QUOTE_RE = /(?<![^\s(\[{—–:-])(?:“[^”]*”|"[^"\n]*")/g;
const SINGLE_QUOTE_RE = /(?<![\p{L}\p{N}])['‘](?=\S)[^\n]*?['’](?![\p{L}\p{N}])/gu;
/** Off screen / off camera: a place the picture does not show (a sound's source), never on-screen text. */
const OFF_SCREEN_RE = /\boff[- ]?(?:screen|camera)\b/gi;
/** Whose words: "her words" are speech even beside a subtitle. */
const POSSESSIVE_BEFORE_RE = /\b(?:his|her|their|its|my|your|our|[\p{L}]+['’]s)\s+$/iu;
/** A subject that speaks: "he says" beside a subtitle is still someone speaking. */
const SPEAKER_BEFORE_RE =
  /\b(?:he|she|they|him|her|them|i|we|you|someone|somebody|man|woman|men|women|boy|girl|person|people|speaker|narrator|voice|host|child|mother|father|friend)(?:['’](?:s|re|d|ll))?\s+(?:\w+\s+)?$/i;
/** The question, an option or the task "asks": ours, not the clip's. An infinitive ("is to apologize") reports nothing said. */
const NOT_SPOKEN_BEFORE_RE = /(?:\b(?:question|options?|task|prompt|problem|instruction)s?\s+(?:\w+\s+)?|\bto\s+)$/i;
/** Says/reads/shows of a text: a subtitle, sign or caption "says" what it shows. */
const TEXT_VERB_RE = /^(?:say|says|said|saying|reads?|reading|announc(?:e|es|ed|ing)|stat(?:e|es|ed|ing) that|declar(?:e|es|ed|ing))$/i;

// ---------------------------------------------------------------------------------------------
// Sentence splitting

const ABBREVIATIONS = new Set(['e.g', 'i.e', 'etc', 'vs', 'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'approx', 'cf', 'fig', 'no', 'vol', 'ca', 'al', 'min', 'sec', 'u.s', 'a.m', 'p.m']);
/** Abbreviations that often end a sentence too: they end one when a capital follows. */
const FINAL_ABBREVIATIONS = new Set(['etc', 'a.m', 'p.m', 'min', 'sec']);

const CLOSERS = new Set(['"', "'", '”', '’', ')', ']', '»', '*', '_']);

/** Spaces within a line: what JavaScript's \s matches besides line breaks, \v and \f (models emit en spaces, thin spaces, BOMs). */
const OTHER_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]/;
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || (c > '\u007f' && OTHER_SPACE.test(c));
}
function isLineBreak(c: string): boolean {
  return c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';
}
function isWs(c: string): boolean {
  return isSpace(c) || isLineBreak(c) || c === '\v' || c === '\f';
}
function isLower(c: string): boolean {
  return c !== c.toUpperCase() && c === c.toLowerCase();
}

/** Does the `.` at `i` end a sentence (given that whitespace follows it)? */
function periodEnds(text: string, i: number, lineStart: number, next: string | undefined): boolean {
  // The word before the point, with inner points (e.g, i.e, a.m).
  let j = i;
  while (j > lineStart && /[\p{L}\p{N}.]/u.test(text[j - 1]!)) j--;
  const word = text.slice(j, i).toLowerCase();
  if (word === '') return true;
  if (ABBREVIATIONS.has(word)) return FINAL_ABBREVIATIONS.has(word) && next !== undefined && /\p{Lu}/u.test(next);
  // A single capital initial ("J. Smith").
  if (/^\p{Lu}$/u.test(text.slice(j, i))) return false;
  // A list marker: digits alone at the start of the line ("1. The woman frowns").
  if (/^\d{1,3}$/.test(word) && text.slice(lineStart, j).trim() === '') return false;
  return true;
}

/**
 * Double-quoted spans closed on the same line, as [open, close] offsets of the quote marks: a
 * quoted utterance of several sentences ("Sorry. Maybe next week.") stays in one sentence. A
 * straight quote opens only after a line start, a space or opening punctuation.
 */
function quoteSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    let closer: string | undefined;
    if (c === '“') closer = '”';
    else if (c === '"' && (i === 0 || /[\s(\[{—–:-]/.test(text[i - 1]!))) closer = '"';
    if (!closer) continue;
    for (let j = i + 1; j < text.length; j++) {
      const d = text[j]!;
      if (isLineBreak(d)) break;
      if (d === closer) {
        spans.push([i, j]);
        i = j;
        break;
      }
    }
  }
  return spans;
}

/** Splits text into sentences with offsets; never throws; whitespace between sentences is left out. */
export function splitSentences(text: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  const n = text.length;
  const quotes = quoteSpans(text);
  let q = 0;
  let start = -1;
  let lineStart = 0;
  const push = (end: number) => {
    if (start < 0) return;
    let e = end;
    while (e > start && isWs(text[e - 1]!)) e--;
    if (e > start) out.push({ start, end: e, text: text.slice(start, e) });
    start = -1;
  };
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (isLineBreak(c)) {
      push(i);
      lineStart = i + 1;
      continue;
    }
    if (start < 0) {
      if (isWs(c)) continue;
      start = i;
    }
    if (c !== '.' && c !== '!' && c !== '?' && c !== '…') continue;
    // Run of terminators and closers: "?!", "...", '."', '.)'.
    let k = i + 1;
    while (k < n && (text[k] === '.' || text[k] === '!' || text[k] === '?' || text[k] === '…' || CLOSERS.has(text[k]!))) k++;
    if (k < n && !isWs(text[k]!)) {
      i = k - 1;
      continue;
    }
    // Inside a quote that closes later on the line: the utterance goes on.
    while (q < quotes.length && quotes[q]![1] < i) q++;
    if (q < quotes.length && quotes[q]![0] < i && k <= quotes[q]![1]) {
      i = k - 1;
      continue;
    }
    // Next non-space character on the line (undefined at a line end or the end of the text).
    let m = k;
    while (m < n && isSpace(text[m]!)) m++;
    const next = m < n && !isLineBreak(text[m]!) ? text[m] : undefined;
    let ends = next === undefined || !isLower(next);
    if (ends && c === '.' && k === i + 1) ends = periodEnds(text, i, Math.max(lineStart, start), next);
    if (ends) {
      push(k);
      i = k - 1;
    } else i = k - 1;
  }
  push(n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tagging

interface Cue {
  modality: Modality;
  start: number;
  end: number;
  text: string;
  perception: boolean;
  weak: boolean;
  speechVerb: boolean;
}

function clauseBounds(s: string): number[] {
  const cuts = [0];
  CLAUSE_RE.lastIndex = 0;
  for (let m = CLAUSE_RE.exec(s); m; m = CLAUSE_RE.exec(s)) {
    cuts.push(m.index);
    if (m[0].length === 0) CLAUSE_RE.lastIndex++;
  }
  cuts.push(s.length + 1);
  return cuts;
}

function clauseOf(cuts: number[], at: number): number {
  let c = 0;
  while (c + 1 < cuts.length && cuts[c + 1]! <= at) c++;
  return c;
}

/** Quoted spans [start, end) of a sentence: double quotes, and single quotes after `from`. */
function quotedSpans(sentence: string, singleFrom: number): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  DOUBLE_QUOTE_RE.lastIndex = 0;
  for (let m = DOUBLE_QUOTE_RE.exec(sentence); m; m = DOUBLE_QUOTE_RE.exec(sentence)) if (m[0].length > 2) out.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
  if (Number.isFinite(singleFrom)) {
    SINGLE_QUOTE_RE.lastIndex = 0;
    for (let m = SINGLE_QUOTE_RE.exec(sentence); m; m = SINGLE_QUOTE_RE.exec(sentence)) {
      if (m.index > singleFrom && m[0].length > 2 && !out.some((q) => m!.index >= q.start && m!.index < q.end)) out.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
    }
  }
  return out;
}

/**
 * The cues of one sentence after the context rules, in order:
 * 1. words inside a quote are its content, not the observer's description, so they cite nothing
 *    ("the logo 'Morning Talk'" is no talking; the quoted "Quiet" is no sound); the quote itself
 *    is speech, unless the sentence cites on-screen text (then it is what the text reads);
 * 2. "off screen" / "off camera" place a sound, they show nothing;
 * 3. a speech verb whose subject is the question or an option, or an infinitive, reports nothing;
 * 4. "says/reads" after a text cue in its clause is the text's ("a caption at the bottom says"),
 *    unless a speaker is its subject ("the subtitles show that he says");
 * 5. "word(s)" is read when the sentence shows text or a screen, or describes the look of
 *    something, said when it is someone's ("her words") or nothing on screen is described;
 * 6. after a speech verb, up to the clause's end, is reported content: what it sees or hears is
 *    the speaker's, not the clip's ("he says the password is blue": blue is heard, not seen;
 *    "she asks whether anyone has seen her keys");
 * 7. weak visual cues (places, settings) count only when no sound and no text is cited.
 */
function sentenceCues(sentence: string): { cues: Cue[]; quotes: { start: number; end: number }[] } {
  const raw: (Cue & { wordNoun: boolean })[] = [];
  for (const entry of COMPILED) {
    entry.re.lastIndex = 0;
    for (let m = entry.re.exec(sentence); m; m = entry.re.exec(sentence)) {
      if (m[0].length === 0) {
        entry.re.lastIndex++;
        continue;
      }
      raw.push({
        modality: entry.modality,
        start: m.index,
        end: m.index + m[0].length,
        text: m[0],
        perception: entry.perception,
        weak: entry.weak,
        speechVerb: entry.speechVerb,
        wordNoun: entry.wordNoun,
      });
    }
  }
  const firstSpeech = raw.reduce((m, c) => (c.modality === 'speech' && !c.wordNoun && c.start < m ? c.start : m), Infinity);
  const quotes = quotedSpans(sentence, firstSpeech);
  const inside = (c: { start: number; end: number }, spans: { start: number; end: number }[]) => spans.some((q) => c.start >= q.start && c.end <= q.end);
  const off: { start: number; end: number }[] = [];
  OFF_SCREEN_RE.lastIndex = 0;
  for (let m = OFF_SCREEN_RE.exec(sentence); m; m = OFF_SCREEN_RE.exec(sentence)) off.push({ start: m.index, end: m.index + m[0].length });
  // 1–3
  let cues = raw.filter((c) => !inside(c, quotes) && !inside(c, off) && !(c.speechVerb && NOT_SPOKEN_BEFORE_RE.test(sentence.slice(0, c.start))));
  const cuts = clauseBounds(sentence);
  // 4
  const textCues = cues.filter((c) => c.modality === 'text');
  cues = cues.filter((c) => {
    if (!(c.speechVerb && TEXT_VERB_RE.test(c.text))) return true;
    const before = sentence.slice(0, c.start);
    const textFirst = textCues.some((t) => t.end <= c.start && clauseOf(cuts, t.start) === clauseOf(cuts, c.start));
    return !textFirst || SPEAKER_BEFORE_RE.test(before);
  });
  // 5
  const showsText = cues.some(
    (c) => c.modality === 'text' || (c.modality === 'visual' && !c.perception && /screen|colou?r|white|black|red|blue|green|yellow|grey|gray|frame/i.test(c.text)) || /^appear/i.test(c.text),
  );
  for (const c of cues) {
    if (!c.wordNoun) continue;
    const theirs = POSSESSIVE_BEFORE_RE.test(sentence.slice(0, c.start));
    if (!theirs && showsText) c.modality = 'text';
  }
  // 6
  const reported: { start: number; end: number }[] = [];
  for (const v of cues) {
    if (!v.speechVerb) continue;
    const clause = clauseOf(cuts, v.start);
    reported.push({ start: v.end, end: Math.min(sentence.length, cuts[clause + 1]!) });
  }
  cues = cues.filter((c) => c.modality === 'speech' || (c.modality === 'audio' && !c.perception) || !inside(c, reported));
  // 7
  const soundOrText = cues.some((c) => c.modality === 'audio' || c.modality === 'text');
  if (soundOrText) cues = cues.filter((c) => !c.weak);
  // The quotes themselves: speech, unless the sentence cites text (then they are what it reads).
  const cites = (m: Modality) => cues.some((c) => c.modality === m);
  for (const q of quotes) {
    const single = q.text.startsWith("'") || q.text.startsWith('‘');
    const quoteIsSpeech = !cites('text') && (!single || cues.some((c) => c.modality === 'speech' && c.start < q.start));
    if (quoteIsSpeech) cues.push({ modality: 'speech', start: q.start, end: q.end, text: q.text, perception: false, weak: false, speechVerb: false, wordNoun: false });
  }
  return { cues, quotes };
}

/** A cue of a sentence with its offsets, after the context rules (for attributing a word to the modality that carries it). */
export interface CueSpan {
  modality: Modality;
  start: number;
  end: number;
  text: string;
  /** A verb of perceiving or saying, a quote, or on-screen text: a cue that carries content rather than describing it. */
  carrier: boolean;
  /** Index of the clause it stands in (clauses split as for negation). */
  clause: number;
}

/** The clause index of each offset of a sentence (clauses split as for negation). */
export function clauseAt(sentence: string): (at: number) => number {
  const cuts = clauseBounds(sentence);
  return (at) => clauseOf(cuts, at);
}

/** The cues of one sentence with offsets (negation is not resolved here: see tagSentence). */
export function cueSpans(sentence: string): CueSpan[] {
  const clause = clauseAt(sentence);
  return sentenceCues(sentence)
    .cues.map((c) => ({
      modality: c.modality,
      start: c.start,
      end: c.end,
      text: c.text,
      carrier: c.perception || c.speechVerb || c.modality === 'speech' || c.modality === 'text',
      clause: clause(c.start),
    }))
    .sort((a, b) => a.start - b.start);
}

/** The modalities one sentence cites. */
export function tagSentence(sentence: string): ModalityTag[] {
  const { cues: kept, quotes } = sentenceCues(sentence);
  if (kept.length === 0) return [];

  // Negation.
  const cuts = clauseBounds(sentence);
  const negAt: number[][] = cuts.map(() => []);
  NEGATOR_RE.lastIndex = 0;
  for (let m = NEGATOR_RE.exec(sentence); m; m = NEGATOR_RE.exec(sentence)) {
    if (quotes.some((q) => m!.index > q.start && m!.index < q.end)) continue;
    negAt[clauseOf(cuts, m.index)]!.push(m.index + m[0].length);
  }
  const clauseText = (c: number) => sentence.slice(cuts[c]!, Math.min(sentence.length, cuts[c + 1]!));
  const negated = new Map<Cue, boolean>();
  for (const cue of kept) {
    const c = clauseOf(cuts, cue.start);
    const before = negAt[c]!.some((e) => e <= cue.start);
    negated.set(cue, before);
  }
  for (const cue of kept) {
    const c = clauseOf(cuts, cue.start);
    const ct = clauseText(c);
    const absent = ABSENCE_RE.some((a) => (a.modality === 'any' || a.modality === cue.modality) && a.re.test(ct));
    const perceptionDenied = kept.some((o) => o.perception && o.modality === cue.modality && negated.get(o) && clauseOf(cuts, o.start) === c);
    if (absent || perceptionDenied) negated.set(cue, true);
  }

  const tags: ModalityTag[] = [];
  for (const modality of MODALITIES) {
    const mine = kept.filter((c) => c.modality === modality).sort((a, b) => a.start - b.start);
    if (mine.length === 0) continue;
    const cueTexts: string[] = [];
    for (const c of mine) if (!cueTexts.includes(c.text)) cueTexts.push(c.text);
    tags.push({ modality, negated: mine.every((c) => negated.get(c)), cues: cueTexts });
  }
  return tags;
}

/** Sentences of a section's text, each tagged with the modalities it cites. */
export function sentenceModalities(text: string): ModalitySentence[] {
  return splitSentences(text).map((s) => ({ ...s, tags: tagSentence(s.text) }));
}

function emptyCounts(): Record<Modality, ModalityCount> {
  return { visual: { cited: 0, negated: 0 }, audio: { cited: 0, negated: 0 }, speech: { cited: 0, negated: 0 }, text: { cited: 0, negated: 0 } };
}

/** Sentence modalities of the trace's Context and Think (the first section of each kind). */
export function traceModalities(parsed: ParsedTrace): TraceModalities {
  const sections: SectionModalities[] = [];
  const counts = emptyCounts();
  for (const kind of ['context', 'think'] as const) {
    const seg = parsed[kind];
    if (!seg) continue;
    const sentences = sentenceModalities(seg.text);
    for (const s of sentences) for (const t of s.tags) counts[t.modality][t.negated ? 'negated' : 'cited']++;
    sections.push({ kind, base: seg.start, sentences });
  }
  return { sections, counts };
}

/** Does the trace cite a modality at all (positively or as absent)? */
export function citesModality(summary: TraceModalities, modality: Modality): boolean {
  const c = summary.counts[modality];
  return c.cited + c.negated > 0;
}

export interface ModalityBadge {
  code: 'cites-no-audio' | 'cites-nothing-visual';
  label: string;
  /** Why, in a sentence. */
  detail: string;
}

export interface ModalityBadges {
  badges: ModalityBadge[];
  /** What could not be decided ("clip not probed for audio"), never guessed. */
  notes: string[];
}

/**
 * Shortcut badges: the clip has an audio stream but the trace cites no audio and no speech at
 * all, or it has video but the trace cites nothing visual. Unknown streams give a note, no badge.
 */
export function modalityBadges(summary: TraceModalities, clip: { hasAudio?: boolean; hasVideo?: boolean } | undefined): ModalityBadges {
  const badges: ModalityBadge[] = [];
  const notes: string[] = [];
  const hasAudio = clip?.hasAudio;
  const hasVideo = clip?.hasVideo;
  if (hasAudio === undefined) notes.push('clip not probed for audio');
  else if (hasAudio && !citesModality(summary, 'audio') && !citesModality(summary, 'speech')) {
    badges.push({
      code: 'cites-no-audio',
      label: 'cites no audio',
      detail: 'The clip has an audio stream, but no sentence of Context or Think cites sound or speech.',
    });
  }
  if (hasVideo === undefined) notes.push('clip not probed for video');
  else if (hasVideo && !citesModality(summary, 'visual')) {
    badges.push({
      code: 'cites-nothing-visual',
      label: 'cites nothing visual',
      detail: 'The clip has a video stream, but no sentence of Context or Think cites anything seen.',
    });
  }
  return { badges, notes };
}

/** What a rollout's detail carries: the sentence tags of Context and Think, and the badges. */
export interface RolloutModalities extends TraceModalities, ModalityBadges {}

/** The modalities of a parsed trace and its shortcut badges for the clip. Never throws. */
export function rolloutModalities(parsed: ParsedTrace, clip: { hasAudio?: boolean; hasVideo?: boolean } | undefined): RolloutModalities {
  const summary = traceModalities(parsed);
  return { ...summary, ...modalityBadges(summary, clip) };
}
