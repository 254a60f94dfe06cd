// HumanOmniV2's `format` reward: 1.0 when the completion matches the trainer's regex, else 0.0
// (qwenomni_module.py, QwenOmniModule.format_reward: re.search with a '^'-anchored pattern and
// re.DOTALL, so effectively a match at the start only). The value comes from the regex alone; a
// parsed trace only supplies a readable reason and the quirk notes say when the regex's letter,
// not its intent, decided the value.

import { FORMAT_RE, PY_WS, matchesHumanOmniFormat, pyStrip } from '../pycompat';
import type { ParsedTrace, RewardResult } from '../types';

/** The trainer's pattern as written in Python (matched with re.DOTALL). */
export const PY_FORMAT_PATTERN = String.raw`^<context>.*?</context>\s*<think>.*?</think>\s*<answer>.*?</answer>`;
const MATCHES = "matches the trainer's format regex";
const NO_MATCH = `does not match the trainer's format regex ${PY_FORMAT_PATTERN}`;

// The same pattern with a whitespace class that is the union of Python's and JavaScript's, to
// tell when a character only one of the two calls whitespace decided the result.
const ANY_WS = `${PY_WS}\\s`;
const LOOSE_WS_RE = new RegExp(
  `^<context>[\\s\\S]*?</context>[${ANY_WS}]*<think>[\\s\\S]*?</think>[${ANY_WS}]*<answer>[\\s\\S]*?</answer>`,
);
const CASE_INSENSITIVE_RE = new RegExp(FORMAT_RE.source, 'i');
const LEADING_ANY_WS = new RegExp(`^[${ANY_WS}]+`);
// Characters Python's \s accepts and JavaScript's does not (U+001C–U+001F, U+0085).
const PY_ONLY_WS = /[\x1c-\x1f\x85]/;
// Characters JavaScript's \s accepts and Python's does not.
const JS_ONLY_WS = /[\ufeff]/;

const GAPS_RE = new RegExp(
  `^<context>[\\s\\S]*?</context>([${PY_WS}]*)<think>[\\s\\S]*?</think>([${PY_WS}]*)<answer>[\\s\\S]*?</answer>`,
);

function codePoints(s: string, re: RegExp): string {
  const found = new Set<string>();
  for (const ch of s) if (re.test(ch)) found.add('U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0'));
  return [...found].join(', ');
}

function quirksFor(completion: string, ok: boolean): string[] {
  const quirks: string[] = [];
  if (ok) {
    const m = GAPS_RE.exec(completion)!;
    const rest = completion.slice(m[0].length);
    if (pyStrip(rest) !== '') {
      quirks.push("text after </answer> is allowed: the trainer's regex is anchored at the start only");
    }
    const gaps = (m[1] ?? '') + (m[2] ?? '');
    if (PY_ONLY_WS.test(gaps)) {
      quirks.push(
        `${codePoints(gaps, PY_ONLY_WS)} between sections counts as whitespace in Python's \\s, so the trainer accepted it`,
      );
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
  const ok = matchesHumanOmniFormat(completion);
  const value = ok ? 1 : 0;
  let explanation = ok ? MATCHES : NO_MATCH;
  if (!ok && trace) {
    const breaking = trace.diagnostics.find((d) => d.breaksFormat);
    if (breaking) explanation = breaking.message;
  }
  const quirks = quirksFor(completion, ok);
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
