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
export const FORMAT_RE = new RegExp(
  `^<context>[\\s\\S]*?</context>[${PY_WS}]*<think>[\\s\\S]*?</think>[${PY_WS}]*<answer>[\\s\\S]*?</answer>`,
);

export function matchesHumanOmniFormat(completion: string): boolean {
  return FORMAT_RE.test(completion);
}

const ANSWER_RE = new RegExp(`<answer>[${PY_WS}]*([\\s\\S]*?)[${PY_WS}]*</answer>`, 'd');

/**
 * The trainer's answer extraction: first match of <answer>\s*(.*?)\s*</answer> (DOTALL), stripped,
 * or '' when there is none. Also reports where the answer sits, for underlining.
 */
export function extractAnswer(text: string): { answer: string; found: boolean; start: number; end: number } {
  const m = ANSWER_RE.exec(text);
  if (!m) return { answer: '', found: false, start: -1, end: -1 };
  const [start, end] = m.indices![1]!;
  return { answer: pyStrip(m[1]), found: true, start, end };
}
