// HumanOmniV2's `format` reward: 1.0 when the completion matches the trainer's regex, else 0.0
// (qwenomni_module.py, QwenOmniModule.format_reward: re.search with a '^'-anchored pattern and
// re.DOTALL, so effectively a match at the start only). The value comes from the regex alone; a
// parsed trace only supplies a readable reason and the quirk notes say when the regex's letter,
// not its intent, decided the value.

import { FORMAT_RE, PY_WS, formatMatchOf, isPyWsCode, type FormatMatch } from '../pycompat';
import type { ParsedTrace, RewardResult } from '../types';

/** The trainer's pattern as written in Python (matched with re.DOTALL). */
export const PY_FORMAT_PATTERN = String.raw`^<context>.*?</context>\s*<think>.*?</think>\s*<answer>.*?</answer>`;
const MATCHES = "matches the trainer's format regex";
const NO_MATCH = `does not match the trainer's format regex ${PY_FORMAT_PATTERN}`;

// The same pattern with a whitespace class that is the union of Python's and JavaScript's, to
// tell when a character only one of the two calls whitespace decided the result.
const ANY_WS = `${PY_WS}\\s`;
const LOOSE_WS_RE = new RegExp(`^<context>[\\s\\S]*?</context>[${ANY_WS}]*<think>[\\s\\S]*?</think>[${ANY_WS}]*<answer>[\\s\\S]*?</answer>`);
const CASE_INSENSITIVE_RE = new RegExp(FORMAT_RE.source, 'i');
const LEADING_ANY_WS = new RegExp(`^[${ANY_WS}]+`);
// Characters Python's \s accepts and JavaScript's does not (U+001C–U+001F, U+0085).
const PY_ONLY_WS = /[\x1c-\x1f\x85]/;
// Characters JavaScript's \s accepts and Python's does not.
const JS_ONLY_WS = /[\ufeff]/;

function codePoints(s: string, re: RegExp): string {
  const found = new Set<string>();
  for (const ch of s) if (re.test(ch)) found.add('U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0'));
  return [...found].join(', ');
}

/** Some character of text[from, to) is one only Python's \s accepts (U+001C–U+001F, U+0085). */
function hasPyOnlyWs(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x1c && c <= 0x1f) || c === 0x85) return true;
  }
  return false;
}

/** Something other than Python whitespace follows `from` (what pyStrip(rest) !== '' asked). */
function hasTextAfter(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) if (!isPyWsCode(text.charCodeAt(i))) return true;
  return false;
}

function quirksFor(completion: string, match: FormatMatch | undefined): string[] {
  const quirks: string[] = [];
  if (match) {
    if (hasTextAfter(completion, match.end)) {
      quirks.push("text after </answer> is allowed: the trainer's regex is anchored at the start only");
    }
    if (hasPyOnlyWs(completion, match.gap1Start, match.gap1End) || hasPyOnlyWs(completion, match.gap2Start, match.gap2End)) {
      const gaps = completion.slice(match.gap1Start, match.gap1End) + completion.slice(match.gap2Start, match.gap2End);
      quirks.push(`${codePoints(gaps, PY_ONLY_WS)} between sections counts as whitespace in Python's \\s, so the trainer accepted it`);
    }
    return quirks;
  }
  const leading = LEADING_ANY_WS.exec(completion)?.[0] ?? '';
  if (leading && LOOSE_WS_RE.test(completion.slice(leading.length))) {
    quirks.push(
      leading.includes('\ufeff')
        ? "a leading U+FEFF (byte-order mark) fails: the trainer's regex requires '<context>' as the very first characters"
        : "leading whitespace fails: the trainer's regex requires '<context>' as the very first characters",
    );
  } else if (LOOSE_WS_RE.test(completion)) {
    const culprit = codePoints(completion, JS_ONLY_WS) || 'a character';
    quirks.push(`${culprit} between sections is not whitespace to Python's \\s, so the trainer's regex failed`);
  } else if (CASE_INSENSITIVE_RE.test(completion)) {
    quirks.push("tags are case-sensitive: the trainer's regex needs lower-case <context>, <think>, <answer>");
  }
  return quirks;
}

/**
 * The format reward of one completion. `trace` (from parseTrace) is optional and only improves
 * the explanation: its first format-breaking diagnostic becomes the reason for a 0.
 */
export function formatReward(completion: string, trace?: ParsedTrace): RewardResult {
  const match = formatMatchOf(completion);
  const ok = match !== undefined;
  const value = ok ? 1 : 0;
  let explanation = ok ? MATCHES : NO_MATCH;
  if (!ok && trace) {
    const breaking = trace.diagnostics.find((d) => d.breaksFormat);
    if (breaking) explanation = breaking.message;
  }
  const quirks = quirksFor(completion, match);
  const result: RewardResult = {
    value,
    status: 'ok',
    explanation,
    trainerValue: value,
    scale: '0–1',
    provenance: { rule: 'format', pattern: PY_FORMAT_PATTERN },
  };
  if (quirks.length) result.quirks = quirks;
  return result;
}
