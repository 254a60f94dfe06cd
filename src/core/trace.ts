// Splits a completion into <context>/<think>/<answer> sections and explains, with offsets,
// why HumanOmniV2's format check accepts or rejects it.
//
// Two views of the same text live here, on purpose:
// - a tolerant reading (what a person sees): sections with offsets, whatever the model emitted;
// - the trainer's reading (`matchesHumanOmniFormat`): a lazy, backtracking regex (FORMAT_RE,
//   matched by its exact linear equivalent, pycompat.matchFormat). Its verdict is the truth for
//   `formatOk`; `explainFormat` walks the regex stage by stage over the tag list to
//   say where no path through it can continue. The two readings can disagree on where a section
//   ends (`.*?` may run over a `</context>`), which is why they are kept apart.
//
// Cost: one indexOf pass to find tags, linear walks over the tags, no per-character allocation;
// the stage-by-stage diagnosis only builds messages when the check fails.

import { matchesHumanOmniFormat } from './pycompat';
import type { OutsideSpan, ParsedTrace, SectionKind, TraceDiagnostic, TraceSegment } from './types';

/** Every diagnostic code `parseTrace` can emit, with what it means. Stable: filters and CLI use them. */
export const DIAGNOSTIC_CODES: Record<string, string> = {
  'leading-whitespace': 'Whitespace before the first <context>; the format check is anchored at the very start.',
  'leading-text': 'Text before the first <context> (or before any section).',
  'missing-open': 'A section the format check requires is absent.',
  'missing-close': 'A section is opened but its closing tag never comes.',
  'text-between': 'Non-whitespace text between two sections.',
  'out-of-order': 'Sections appear in an order other than context, think, answer.',
  'wrong-case': "A tag with the wrong letter case; the trainer's check is case-sensitive.",
  'malformed-tag': 'Something that looks like a tag but is not one (spaces inside, self-closing).',
  'nested-tag': 'An opening tag inside another section.',
  'repeated-section': 'A section kind that appears more than once; rewards read the first.',
  'empty-section': 'A section with nothing but whitespace inside.',
  'trailing-text': 'Text after the last section; the format check ignores it.',
  'stray-close': 'A closing tag with no matching opening tag.',
  unclosed: 'A section that runs to the end of the text (truncated or still streaming).',
  'partial-tag': 'The text ends in the middle of a tag (truncated or still streaming).',
  'answer-extraction': "The trainer's answer extraction reads a different <answer> than the answer section, or none.",
  'format-unexplained': 'The format check fails for a reason the diagnosis could not locate (a bug: please report).',
};

const KINDS: readonly SectionKind[] = ['context', 'think', 'answer'];
const OPEN: readonly string[] = ['<context>', '<think>', '<answer>'];
const CLOSE: readonly string[] = ['</context>', '</think>', '</answer>'];
type KindIndex = 0 | 1 | 2;

/** A tag-like token found by the scan. */
interface Tag {
  kind: KindIndex;
  close: boolean;
  start: number;
  end: number;
  /** `<name>` / `</name>` with nothing else inside, any letter case. */
  wellFormed: boolean;
  /** Exactly the spelling the trainer's regex needs. */
  exact: boolean;
}

// The scan also accepts spaces inside and a trailing slash, so near-misses (`< think >`,
// `<think/>`) are found and reported; they never become section boundaries. A tag holds no `<`
// after its first character, so tags never overlap and every exact tag in the text is found.
const NAMES: readonly string[] = KINDS;

/** JavaScript's `\s` (what a person would call a space inside a tag), by code unit. */
function isJsWs(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Reads a tag-like token starting at `<` at `i`, or returns undefined. */
function readTag(text: string, i: number): Tag | undefined {
  const n = text.length;
  let j = i + 1;
  let spaced = false;
  while (j < n && isJsWs(text.charCodeAt(j))) {
    j++;
    spaced = true;
  }
  const close = text.charCodeAt(j) === 0x2f; /* / */
  if (close) {
    j++;
    while (j < n && isJsWs(text.charCodeAt(j))) {
      j++;
      spaced = true;
    }
  }
  const first = text.charCodeAt(j) | 0x20;
  const kind: KindIndex | -1 = first === 0x63 ? 0 : first === 0x74 ? 1 : first === 0x61 ? 2 : -1;
  if (kind < 0) return undefined;
  const name = NAMES[kind]!;
  let exactCase = true;
  for (let k = 0; k < name.length; k++) {
    const c = text.charCodeAt(j + k);
    const want = name.charCodeAt(k);
    // Lowercase ASCII letters differ from their capitals only in bit 0x20.
    if ((c | 0x20) !== want) return undefined;
    if (c !== want) exactCase = false;
  }
  j += name.length;
  while (j < n && isJsWs(text.charCodeAt(j))) {
    j++;
    spaced = true;
  }
  let selfClosing = false;
  if (text.charCodeAt(j) === 0x2f) {
    selfClosing = true;
    j++;
    while (j < n && isJsWs(text.charCodeAt(j))) {
      j++;
      spaced = true;
    }
  }
  if (text.charCodeAt(j) !== 0x3e /* > */) return undefined;
  const wellFormed = !spaced && !selfClosing;
  return { kind: kind as KindIndex, close, start: i, end: j + 1, wellFormed, exact: wellFormed && exactCase };
}

function scanTags(text: string): Tag[] {
  const tags: Tag[] = [];
  let i = text.indexOf('<');
  while (i >= 0) {
    const t = readTag(text, i);
    if (t) tags.push(t);
    i = text.indexOf('<', t ? t.end : i + 1);
  }
  return tags;
}

/** Python's str.isspace() for one UTF-16 code unit (the trainer's `\s`). */
function isPyWs(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

function skipPyWs(text: string, from: number, to: number): number {
  while (from < to && isPyWs(text.charCodeAt(from))) from++;
  return from;
}

function trimEndPyWs(text: string, from: number, to: number): number {
  while (to > from && isPyWs(text.charCodeAt(to - 1))) to--;
  return to;
}

// The longest proper prefix of a tag is `</context` (9 characters).
const MAX_PARTIAL = 9;

/** Start of an unfinished tag at the very end of the text (`…</thi`), or -1. */
function partialTagStart(text: string): number {
  const i = text.lastIndexOf('<');
  if (i < 0 || text.length - i > MAX_PARTIAL) return -1;
  const tail = text.slice(i).toLowerCase();
  for (let k = 0; k < 3; k++) {
    const o = OPEN[k]!,
      c = CLOSE[k]!;
    if ((tail.length < o.length && o.startsWith(tail)) || (tail.length < c.length && c.startsWith(tail))) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Message helpers

const QUOTE_MAX = 30;

/** Quotes model text for a message: escapes invisible characters, keeps at most ~30 characters. */
export function quoteSnippet(s: string): string {
  let cut = QUOTE_MAX - 1;
  if (s.length > QUOTE_MAX && (s.charCodeAt(cut - 1) & 0xfc00) === 0xd800) cut--; // keep surrogate pairs whole
  const long = s.length > QUOTE_MAX;
  const body = long ? s.slice(0, cut) : s;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c === 0x1680 || (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) || c === 0x3000 || c === 0xfeff) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else out += body[i];
  }
  return `"${out}${long ? '…' : ''}"`;
}

function tagText(text: string, t: Tag): string {
  const raw = text.slice(t.start, t.end);
  return t.wellFormed ? raw : raw.replace(/\s+/g, (w) => (w.includes('\n') ? '⏎' : ' '));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeWhitespace(text: string, from: number, to: number): string {
  let nl = 0,
    sp = 0,
    tab = 0,
    cr = 0,
    other = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) nl++;
    else if (c === 0x20) sp++;
    else if (c === 0x09) tab++;
    else if (c === 0x0d) cr++;
    else other++;
  }
  const parts: string[] = [];
  if (nl) parts.push(plural(nl, 'newline'));
  if (cr) parts.push(plural(cr, 'carriage return'));
  if (sp) parts.push(plural(sp, 'space'));
  if (tab) parts.push(plural(tab, 'tab'));
  if (other) parts.push(`${other} other whitespace character${other === 1 ? '' : 's'}`);
  return parts.join(', ');
}

function trimmedQuote(text: string, from: number, to: number): string {
  const s = skipPyWs(text, from, to);
  return quoteSnippet(text.slice(s, trimEndPyWs(text, s, to)));
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

function diag(code: string, message: string, severity: TraceDiagnostic['severity'], start: number, end: number, breaksFormat = false): TraceDiagnostic {
  return { code, message, severity, start, end, breaksFormat };
}

function breaking(code: string, message: string, start: number, end: number): TraceDiagnostic {
  return diag(code, message, 'error', start, end, true);
}

// ---------------------------------------------------------------------------------------------
// The trainer's reading

export interface FormatExplanation {
  /** Same verdict as `matchesHumanOmniFormat`. */
  ok: boolean;
  /** Reasons the check fails, each pointing at the spot (empty when ok). */
  breaks: TraceDiagnostic[];
  /** When ok: end of the regex match (text after it is ignored by the check). */
  matchEnd?: number;
  /**
   * Content ranges [start, end) of context/think/answer as the check reads them (with the fixes
   * the diagnosis assumed when it fails). Undefined where the walk could not get that far.
   */
  ranges: Array<[number, number] | undefined>;
  /** Where the walk ended (match end, or the end of the repaired answer), if it got there. */
  end?: number;
}

interface Span {
  start: number;
  end: number;
}

/** Index of the first tag at or after `from` (by offset) matching kind/close, or -1. */
function findTag(tags: Tag[], from: number, kind: KindIndex, close: boolean, exactOnly: boolean): number {
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    if (t.start >= from && t.kind === kind && t.close === close && (!exactOnly || t.exact)) return i;
  }
  return -1;
}

/** Index of the first opening tag of a kind after `kind`, at or after `from`, or -1. */
function findLaterOpen(tags: Tag[], from: number, kind: KindIndex): number {
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    if (t.start >= from && !t.close && t.kind > kind) return i;
  }
  return -1;
}

/**
 * Walks `^<context>.*?</context>\s*<think>.*?</think>\s*<answer>.*?</answer>` (DOTALL, Python `\s`)
 * stage by stage over the tags. When no path continues, it reports why, assumes the nearest
 * plausible fix and goes on, so every reason that would remain after fixing the earlier ones is
 * listed. Without any report the walk is exactly the regex: at each `.*?` the earliest closing
 * tag that lets the next stage continue dominates every later one (whatever a later one allows,
 * the earlier one allows too), so the search is greedy and linear, and ends where the regex does.
 */
function walkFormat(text: string, tags: Tag[], tailEnd: number): FormatExplanation {
  const breaks: TraceDiagnostic[] = [];
  const ranges: Array<[number, number] | undefined> = [undefined, undefined, undefined];
  const stopped: FormatExplanation = { ok: false, breaks, ranges };

  // Stage: ^<context>
  let contentStart: number;
  if (text.startsWith(OPEN[0]!)) {
    contentStart = OPEN[0]!.length;
  } else {
    const p = findTag(tags, 0, 0, false, false);
    if (p < 0) {
      breaks.push(breaking('missing-open', '`<context>` missing', 0, 0));
      return stopped;
    }
    const open = tags[p]!;
    for (let i = 0; i < p; i++) {
      const t = tags[i]!;
      if (!t.close && t.wellFormed && t.kind !== 0) {
        breaks.push(breaking('out-of-order', `sections out of order: \`${tagText(text, t)}\` before \`<context>\``, t.start, t.end));
        return stopped;
      }
    }
    if (open.start > 0) {
      if (skipPyWs(text, 0, open.start) === open.start) {
        breaks.push(breaking('leading-whitespace', `leading whitespace (${describeWhitespace(text, 0, open.start)}) before \`<context>\``, 0, open.start));
      } else {
        breaks.push(breaking('leading-text', `${plural(open.start, 'character')} before \`<context>\`: ${trimmedQuote(text, 0, open.start)}`, 0, open.start));
      }
    }
    if (!open.exact) breaks.push(tagBreak(text, open, 0));
    contentStart = open.end;
  }

  let kind: KindIndex = 0;
  for (;;) {
    // Stage: .*?</kind> — any exact closing tag from here on will do. Candidates are the exact
    // closing tags from index `firstCandidate` on; `repaired` stands in when there is none.
    const firstCandidate = findTag(tags, contentStart, kind, true, true);
    let repaired: Span | undefined;
    if (firstCandidate < 0) {
      const fallback = findTag(tags, contentStart, kind, true, false);
      const next = findLaterOpen(tags, contentStart, kind);
      if (fallback >= 0 && (next < 0 || tags[fallback]!.start < tags[next]!.start)) {
        breaks.push(tagBreak(text, tags[fallback]!, kind));
        repaired = tags[fallback]!;
      } else if (next < 0) {
        const partial = tailEnd < text.length ? ` (text ends with partial tag ${quoteSnippet(text.slice(tailEnd))})` : '';
        breaks.push(breaking('missing-close', `\`${CLOSE[kind]}\` missing${partial}`, tailEnd, tailEnd));
        ranges[kind] = [contentStart, tailEnd];
        return stopped;
      } else {
        const nt = tags[next]!;
        breaks.push(breaking('missing-close', `\`${CLOSE[kind]}\` missing before \`${tagText(text, nt)}\``, nt.start, nt.start));
        ranges[kind] = [contentStart, nt.start];
        if (nt.kind !== kind + 1) return stopped;
        // Assume the closing tag belonged right before the next section's opening tag.
        repaired = { start: nt.start, end: nt.start };
      }
    }
    if (kind === 2) {
      const close = repaired ?? tags[firstCandidate]!;
      ranges[2] = [contentStart, close.start];
      const ok = breaks.length === 0;
      return { ok, breaks, ranges, end: close.end, matchEnd: ok ? close.end : undefined };
    }

    // Stage: \s*<next>
    const nextKind = (kind + 1) as KindIndex;
    const nextOpen = OPEN[nextKind]!;
    let chosen: Span | undefined;
    let nextStart = -1;
    for (let j = repaired ? -1 : firstCandidate; j < tags.length; j++) {
      const c: Span = j < 0 ? repaired! : tags[j]!;
      if (j >= 0 && !(tags[j]!.exact && tags[j]!.close && tags[j]!.kind === kind)) continue;
      const q = skipPyWs(text, c.end, text.length);
      if (text.startsWith(nextOpen, q)) {
        chosen = c;
        nextStart = q + nextOpen.length;
        break;
      }
      if (j < 0) break;
    }
    if (chosen) {
      ranges[kind] = [contentStart, chosen.start];
    } else {
      const first = repaired ?? tags[firstCandidate]!;
      const ki = findTag(tags, first.end, nextKind, false, false);
      if (ki < 0) {
        breaks.push(breaking('missing-open', `\`${nextOpen}\` missing after \`${CLOSE[kind]}\``, first.end, first.end));
        ranges[kind] = [contentStart, first.start];
        return stopped;
      }
      const k = tags[ki]!;
      // The gap is measured from the last candidate before the tag: that path gets furthest.
      let base = first;
      if (!repaired) {
        for (let j = firstCandidate + 1; j < ki; j++) {
          const t = tags[j]!;
          if (t.exact && t.close && t.kind === kind) base = t;
        }
      }
      ranges[kind] = [contentStart, base.start];
      if (skipPyWs(text, base.end, k.start) < k.start) {
        if (nextKind === 1) {
          const later = findTag(tags, base.end, 2, false, false);
          if (later >= 0 && tags[later]!.wellFormed && tags[later]!.end <= k.start) {
            const lt = tags[later]!;
            breaks.push(breaking('out-of-order', `sections out of order: \`${tagText(text, lt)}\` before \`${nextOpen}\``, lt.start, lt.end));
            return stopped;
          }
        }
        breaks.push(breaking('text-between', `text between \`${CLOSE[kind]}\` and \`${nextOpen}\`: ${trimmedQuote(text, base.end, k.start)}`, base.end, k.start));
      }
      if (!k.exact) breaks.push(tagBreak(text, k, nextKind));
      nextStart = k.end;
    }
    contentStart = nextStart;
    kind = nextKind;
  }
}

/** A tag that stands where the exact one is needed: wrong case, or not a tag at all. */
function tagBreak(text: string, t: Tag, kind: KindIndex): TraceDiagnostic {
  const want = t.close ? CLOSE[kind]! : OPEN[kind]!;
  return t.wellFormed
    ? breaking('wrong-case', `\`${tagText(text, t)}\` has the wrong case; the trainer's check is case-sensitive`, t.start, t.end)
    : breaking('malformed-tag', `\`${tagText(text, t)}\` looks like a malformed tag; the check needs \`${want}\``, t.start, t.end);
}

/**
 * The trainer's format verdict with its reasons. `ok` is `matchesHumanOmniFormat(text)`; when it
 * is false, `breaks` holds at least one diagnostic pointing at the spot.
 */
export function explainFormat(text: string): FormatExplanation {
  const tailStart = partialTagStart(text);
  return explainWith(text, scanTags(text), tailStart < 0 ? text.length : tailStart);
}

function explainWith(text: string, tags: Tag[], tailEnd: number): FormatExplanation {
  const walk = walkFormat(text, tags, tailEnd);
  const ok = matchesHumanOmniFormat(text);
  if (ok === walk.ok) return walk;
  // The walk disagrees with the regex: a bug in the walk. The regex wins; say so rather than lie.
  if (ok) return { ...walk, ok: true, breaks: [], matchEnd: undefined, end: undefined };
  return {
    ok: false,
    ranges: [undefined, undefined, undefined],
    breaks: [breaking('format-unexplained', 'format check fails (reason not located)', 0, 0)],
  };
}

// ---------------------------------------------------------------------------------------------
// The tolerant reading

/**
 * For each tag index and kind: does a closing tag of that kind come before the next opening tag
 * of that kind? Computed backwards once, only when a nested open needs the answer.
 */
function closesFirstTable(tags: Tag[]): Uint8Array {
  const n = tags.length;
  const table = new Uint8Array(n * 3);
  // state per kind after position i: 0 = nothing ahead, 1 = close comes first, 2 = open comes first
  const state = [0, 0, 0];
  for (let i = n - 1; i >= 0; i--) {
    for (let k = 0; k < 3; k++) table[i * 3 + k] = state[k]!;
    const t = tags[i]!;
    if (t.wellFormed) state[t.kind] = t.close ? 1 : 2;
  }
  return table;
}

interface Reading {
  text: string;
  segments: TraceSegment[];
  diagnostics: TraceDiagnostic[];
  counts: [number, number, number];
}

function endSection(r: Reading, open: Tag, end: number, outerEnd: number, closed: boolean, endedBy?: Tag): void {
  const { text, diagnostics } = r;
  const occurrence = r.counts[open.kind]++;
  const openTag = text.slice(open.start, open.end);
  r.segments.push({
    kind: KINDS[open.kind]!,
    outerStart: open.start,
    outerEnd,
    start: open.end,
    end,
    text: text.slice(open.end, end),
    closed,
    openTag,
    occurrence,
  });
  if (occurrence > 0) {
    diagnostics.push(diag('repeated-section', `repeated \`${OPEN[open.kind]}\` section (${ordinal(occurrence + 1)}); rewards read the first`, 'warning', open.start, open.end));
  }
  // An unclosed empty section is a stream that has just started, not a problem.
  if (closed && skipPyWs(text, open.end, end) === end) {
    diagnostics.push(diag('empty-section', `empty \`${OPEN[open.kind]}\` section`, 'warning', open.start, outerEnd));
  }
  if (!closed) {
    const why = endedBy ? `before \`${tagText(text, endedBy)}\`` : '(truncated or still streaming)';
    diagnostics.push(diag('unclosed', `\`${openTag}\` is not closed ${why}`, 'warning', open.start, open.end));
  }
}

/** Parses a completion into sections, text outside them, and format diagnostics. Never throws. */
export function parseTrace(text: string): ParsedTrace {
  const tags = scanTags(text);
  const partialStart = partialTagStart(text);
  const tailEnd = partialStart < 0 ? text.length : partialStart;

  const segments: TraceSegment[] = [];
  const diagnostics: TraceDiagnostic[] = [];
  const r: Reading = { text, segments, diagnostics, counts: [0, 0, 0] };
  let cur: Tag | undefined;
  // Opens of other kinds seen inside the current section, so their closes are not called stray.
  const nested = [0, 0, 0];
  let closesFirst: Uint8Array | undefined;

  for (let i = 0; i < tags.length; i++) {
    const t = tags[i]!;
    if (!t.wellFormed) {
      diagnostics.push(diag('malformed-tag', `\`${tagText(text, t)}\` looks like a malformed tag`, 'warning', t.start, t.end));
      continue;
    }
    if (!t.exact) {
      diagnostics.push(diag('wrong-case', `\`${tagText(text, t)}\` has the wrong case; the trainer's check is case-sensitive`, 'warning', t.start, t.end));
    }
    if (!cur) {
      if (!t.close) {
        cur = t;
        nested[0] = nested[1] = nested[2] = 0;
      } else {
        diagnostics.push(diag('stray-close', `\`${tagText(text, t)}\` without a matching \`${OPEN[t.kind]}\``, 'warning', t.start, t.end));
      }
      continue;
    }
    if (t.close) {
      if (t.kind === cur.kind) {
        endSection(r, cur, t.start, t.end, true);
        cur = undefined;
      } else if (nested[t.kind]! > 0) nested[t.kind]!--;
      else {
        diagnostics.push(diag('stray-close', `\`${tagText(text, t)}\` inside \`${OPEN[cur.kind]}\` without a matching \`${OPEN[t.kind]}\``, 'warning', t.start, t.end));
      }
      continue;
    }
    // An opening tag inside an open section: nested if this section still closes before it is
    // reopened; otherwise the section was left unclosed and this tag starts the next one.
    closesFirst ??= closesFirstTable(tags);
    if (closesFirst[i * 3 + cur.kind] === 1) {
      diagnostics.push(diag('nested-tag', `\`${tagText(text, t)}\` inside \`${OPEN[cur.kind]}\``, 'warning', t.start, t.end));
      if (t.kind !== cur.kind) nested[t.kind]!++;
    } else {
      endSection(r, cur, t.start, t.start, false, t);
      cur = t;
      nested[0] = nested[1] = nested[2] = 0;
    }
  }
  if (cur) endSection(r, cur, tailEnd, tailEnd, false);
  if (partialStart >= 0) {
    diagnostics.push(diag('partial-tag', `partial tag ${quoteSnippet(text.slice(partialStart))} at the end (truncated or still streaming)`, 'info', partialStart, text.length));
  }

  // Text outside sections (a partial tag at the end is left out: it is reported on its own).
  const outside: OutsideSpan[] = [];
  const outsideNeighbours: Array<[number, number]> = [];
  let from = 0;
  for (let s = 0; s <= segments.length; s++) {
    const to = s < segments.length ? segments[s]!.outerStart : tailEnd;
    const a = skipPyWs(text, from, to);
    if (a < to) {
      const b = trimEndPyWs(text, a, to);
      outside.push({ start: a, end: b, text: text.slice(a, b) });
      outsideNeighbours.push([s - 1, s < segments.length ? s : -1]);
    }
    if (s < segments.length) from = segments[s]!.outerEnd;
  }

  const explanation = explainWith(text, tags, tailEnd);
  const formatOk = explanation.ok;
  if (!formatOk) mergeBreaks(diagnostics, explanation.breaks);
  if (outside.length > 0) describeOutside(outside, outsideNeighbours, segments, explanation, diagnostics);

  let context: TraceSegment | undefined, think: TraceSegment | undefined, answer: TraceSegment | undefined;
  for (const seg of segments) {
    if (seg.occurrence !== 0) continue;
    if (seg.kind === 'context') context = seg;
    else if (seg.kind === 'think') think = seg;
    else answer = seg;
  }
  checkAnswerExtraction(tags, answer, diagnostics);
  if (diagnostics.length > 1) diagnostics.sort(byOffset);
  return { segments, context, think, answer, outside, diagnostics, formatOk };
}

/**
 * The accuracy reward reads the first match of `<answer>\s*(.*?)\s*</answer>` anywhere in the
 * text: the first exact `<answer>` with an exact `</answer>` somewhere after it. When that is not
 * the answer section a reader sees (an answer drafted inside <think>, a wrong-case section), the
 * reward is computed from something else, and the reader should know.
 */
function checkAnswerExtraction(tags: Tag[], answer: TraceSegment | undefined, out: TraceDiagnostic[]): void {
  let lastClose = -1;
  for (let i = tags.length - 1; i >= 0; i--) {
    const t = tags[i]!;
    if (t.exact && t.close && t.kind === 2) {
      lastClose = t.start;
      break;
    }
  }
  let read: Tag | undefined;
  if (lastClose >= 0) {
    for (const t of tags) {
      if (t.start >= lastClose) break;
      if (t.exact && !t.close && t.kind === 2) {
        read = t;
        break;
      }
    }
  }
  if (read) {
    if (!answer || answer.outerStart !== read.start) {
      out.push(diag('answer-extraction', "the trainer's answer extraction reads this `<answer>`, not the answer section", 'warning', read.start, read.end));
    }
  } else if (answer && answer.closed) {
    out.push(diag('answer-extraction', 'no exact `<answer>…</answer>` pair: the trainer\'s answer extraction reads ""', 'warning', answer.outerStart, answer.start));
  }
}

function byOffset(x: TraceDiagnostic, y: TraceDiagnostic): number {
  return x.start - y.start || x.end - y.end;
}

/** Adds the walk's reasons; where the tolerant reading already flagged the same spot, upgrades it. */
function mergeBreaks(diagnostics: TraceDiagnostic[], breaks: TraceDiagnostic[]): void {
  for (const b of breaks) {
    const same = diagnostics.find((d) => d.code === b.code && d.start === b.start && d.end === b.end);
    if (same) {
      same.breaksFormat = true;
      same.severity = 'error';
      same.message = b.message;
    } else diagnostics.push(b);
  }
}

function describeOutside(outside: OutsideSpan[], neighbours: Array<[number, number]>, segments: TraceSegment[], ex: FormatExplanation, diagnostics: TraceDiagnostic[]): void {
  const closeOf = (s: TraceSegment) => (s.closed ? `</${s.kind}>` : s.openTag);
  for (let i = 0; i < outside.length; i++) {
    const o = outside[i]!;
    const covered = ex.breaks.some((b) => b.start < o.end && o.start < b.end && b.end > b.start && (b.code === 'leading-text' || b.code === 'text-between'));
    if (covered) continue;
    const [p, n] = neighbours[i]!;
    const prev = p >= 0 ? segments[p] : undefined;
    const next = n >= 0 ? segments[n] : undefined;
    const q = quoteSnippet(o.text);
    const inside = ex.ranges.findIndex((r) => r !== undefined && r[0] <= o.start && o.start < r[1]);
    if (ex.ok && inside >= 0 && prev && next) {
      diagnostics.push(diag('text-between', `text between \`${closeOf(prev)}\` and \`${next.openTag}\`: ${q}; the format check reads it as part of \`${OPEN[inside]}\``, 'info', o.start, o.end));
    } else if (!prev && !next) {
      diagnostics.push(diag('leading-text', `text outside any section: ${q}`, 'warning', o.start, o.end));
    } else if (!prev) {
      diagnostics.push(diag('leading-text', `text before \`${next!.openTag}\`: ${q}`, 'warning', o.start, o.end));
    } else if (!next || (ex.end !== undefined && o.start >= ex.end)) {
      diagnostics.push(diag('trailing-text', `text after \`${closeOf(prev)}\`: ${q} (the format check ignores it)`, 'info', o.start, o.end));
    } else {
      diagnostics.push(diag('text-between', `text between \`${closeOf(prev)}\` and \`${next.openTag}\`: ${q}`, 'warning', o.start, o.end));
    }
  }
}

/** The text of the first section of a kind, or undefined when there is none. */
export function sectionText(trace: ParsedTrace, kind: SectionKind): string | undefined {
  return trace[kind]?.text;
}

/** The first diagnostic (by offset) that makes the format check fail. */
export function firstFormatFailure(trace: ParsedTrace): TraceDiagnostic | undefined {
  return trace.diagnostics.find((d) => d.breaksFormat);
}

/** One line for tables and the CLI: "format ok", or the first reason it fails. */
export function summariseFormat(trace: ParsedTrace): string {
  if (trace.formatOk) return 'format ok';
  return firstFormatFailure(trace)?.message ?? 'format check fails';
}
