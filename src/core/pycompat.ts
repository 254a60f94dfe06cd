// The HumanOmniV2 trainer is Python. Where its behaviour depends on Python's definitions
// (what `\s` and str.strip() treat as whitespace), we reproduce Python's, not JavaScript's:
// Python counts U+001C–U+001F and U+0085 as whitespace and JavaScript does not, while
// JavaScript counts U+FEFF and Python does not. A trace containing one of them would otherwise
// score differently here than in training.

/** Character class body matching exactly Python's str.isspace() / re `\s` (str patterns). */
export const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const PY_WS_RE = new RegExp(`[${PY_WS}]`);
const LEADING_WS = new RegExp(`^[${PY_WS}]+`);
const TRAILING_WS = new RegExp(`[${PY_WS}]+$`);

export function pyIsSpace(ch: string): boolean {
  return ch.length > 0 && PY_WS_RE.test(ch);
}

/** Python's str.strip() with no arguments. */
export function pyStrip(s: string): string {
  return s.replace(LEADING_WS, '').replace(TRAILING_WS, '');
}

/** Python's str.split() with no arguments: split on runs of whitespace, no empty parts. */
export function pySplitWhitespace(s: string): string[] {
  const stripped = pyStrip(s);
  return stripped === '' ? [] : stripped.split(new RegExp(`[${PY_WS}]+`));
}

/**
 * The trainer's format check: re.match(r"^<context>.*?</context>\s*<think>.*?</think>\s*<answer>.*?</answer>",
 * content, re.DOTALL). Anchored at the start only; text after </answer> is allowed.
 */
export const FORMAT_RE = new RegExp(`^<context>[\\s\\S]*?</context>[${PY_WS}]*<think>[\\s\\S]*?</think>[${PY_WS}]*<answer>[\\s\\S]*?</answer>`);

/** Python's str.isspace() for one UTF-16 code unit: the same set as PY_WS. */
export function isPyWsCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

function skipPyWsFrom(text: string, i: number): number {
  const n = text.length;
  while (i < n && isPyWsCode(text.charCodeAt(i))) i++;
  return i;
}

/** Where FORMAT_RE matches: its end, and the whitespace it reads between the sections. */
export interface FormatMatch {
  /** End of the match (FORMAT_RE.exec(text)[0].length); text after it is ignored by the check. */
  end: number;
  /** [start, end) of the whitespace between `</context>` and `<think>`. */
  gap1Start: number;
  gap1End: number;
  /** [start, end) of the whitespace between `</think>` and `<answer>`. */
  gap2Start: number;
  gap2End: number;
}

/**
 * FORMAT_RE without backtracking, in one linear pass of indexOf. Exact, match end included: at
 * each `.*?` the regex tries closing tags from the earliest on, and the earliest one after which
 * the next tag follows (across Python whitespace) dominates every later one — a later choice only
 * moves the next stage's start further right, and the stages after need only "a tag exists after
 * this position" — so if the earliest such candidate cannot complete the match, none can.
 * test/unit/formatMatcher.test.ts checks it against FORMAT_RE on generated traces.
 */
export function matchFormat(text: string): FormatMatch | undefined {
  if (!text.startsWith('<context>')) return undefined;
  const ctx = earliestCloseThenOpen(text, '</context>', '<think>', 9);
  if (!ctx) return undefined;
  const thk = earliestCloseThenOpen(text, '</think>', '<answer>', ctx.open + 7);
  if (!thk) return undefined;
  const a = text.indexOf('</answer>', thk.open + 8);
  if (a < 0) return undefined;
  return { end: a + 9, gap1Start: ctx.close + close.context, gap1End: ctx.open, gap2Start: thk.close + close.think, gap2End: thk.open };
}

const close = { context: '</context>'.length, think: '</think>'.length };

/** The earliest `closeTag` at or after `from` that is followed, across Python whitespace, by `openTag`. */
function earliestCloseThenOpen(text: string, closeTag: string, openTag: string, from: number): { close: number; open: number } | undefined {
  for (let c = text.indexOf(closeTag, from); c >= 0; c = text.indexOf(closeTag, c + 1)) {
    const q = skipPyWsFrom(text, c + closeTag.length);
    if (text.startsWith(openTag, q)) return { close: c, open: q };
  }
  return undefined;
}

// One-entry memo: the pipeline asks about the same completion twice in a row (parseTrace, then
// formatReward), and the second time it costs a string comparison.
let lastFormatText: string | undefined;
let lastFormatMatch: FormatMatch | undefined;

/** matchFormat, remembering the last answer. */
export function formatMatchOf(text: string): FormatMatch | undefined {
  if (text !== lastFormatText) {
    lastFormatMatch = matchFormat(text);
    lastFormatText = text;
  }
  return lastFormatMatch;
}

export function matchesHumanOmniFormat(completion: string): boolean {
  return formatMatchOf(completion) !== undefined;
}

/** The trainer's answer pattern (reference for extractAnswer, which finds the same match without it). */
export const ANSWER_RE = new RegExp(`<answer>[${PY_WS}]*([\\s\\S]*?)[${PY_WS}]*</answer>`, 'd');

/**
 * The trainer's answer extraction: first match of <answer>\s*(.*?)\s*</answer> (DOTALL), stripped,
 * or '' when there is none. Also reports where the answer sits, for underlining.
 *
 * Found without the regex, exactly as it matches: it starts at the first `<answer>` (a match
 * starting there exists iff some `</answer>` follows, and then no later start is tried); the
 * greedy `\s*` takes all the whitespace after the tag; the lazy group stops where whitespace
 * then `</answer>` first follows, i.e. before the whitespace run that precedes the first
 * `</answer>` after the tag.
 */
export function extractAnswer(text: string): { answer: string; found: boolean; start: number; end: number } {
  const open = text.indexOf('<answer>');
  const close = open < 0 ? -1 : text.indexOf('</answer>', open + 8);
  if (close < 0) return { answer: '', found: false, start: -1, end: -1 };
  const start = skipPyWsFrom(text, open + 8);
  let end = close;
  while (end > start && isPyWsCode(text.charCodeAt(end - 1))) end--;
  return { answer: pyStrip(text.slice(start, end)), found: true, start, end };
}
