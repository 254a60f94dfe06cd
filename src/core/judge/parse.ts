// Reading a number out of a judge's reply, by the template's `parse` rule, with the offsets of
// what was read (for highlighting in the raw reply).
//
// - number: the reply must be the number alone (whitespace, a trailing full stop, and wrapping
//   **bold**, `code` or quotes are tolerated). Prose around it is a parse-failure, not a guess:
//   "4 out of 5" read by "last number" would give 5.
// - last-number: the last number anywhere in the reply (for templates that ask for reasoning first).
// - json: a JSON object (bare, inside ```json fences, or the outermost {…} in prose) with a
//   numeric `score` (and optional `reason`), or, when the template names `criteria`, one entry per
//   criterion holding true/false or {"met": true/false, "reason": "…"}; the score is the count met.
//
// Out-of-range values are never clamped: a score outside the template's scale (7 on 0–5) or
// outside its allowed set (3 on the context scale, which has no 3) is a parse-failure whose reason
// says so, with the number and its span kept for the detail view. The trainer recorded 0 for these.

import type { JudgeTemplate } from './template';
import type { CriterionResult, ReplySpan } from './types';

export interface ParsedReply {
  status: 'ok' | 'parse-failure';
  /** The number read on the judge's scale, even when it was rejected (out of range). */
  score: number | null;
  /** score ÷ divide when ok, else null. */
  value: number | null;
  span?: ReplySpan;
  reason?: string;
  criteria?: CriterionResult[];
  /** Why it is a parse-failure. */
  error?: string;
}

const NUM = String.raw`[+-]?\d+(?:\.\d+)?`;
const BARE_RE = new RegExp(String.raw`^\s*(?:\*\*|__|\x60|"|')?\s*(${NUM})\s*(?:\*\*|__|\x60|"|')?\s*\.?\s*$`, 'd');
const ANY_NUM_RE = new RegExp(String.raw`(?<![\d.])${NUM}`, 'g');

function fail(error: string, extra: Partial<ParsedReply> = {}): ParsedReply {
  return { status: 'parse-failure', score: null, value: null, ...extra, error };
}

function snippet(s: string, n = 60): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return JSON.stringify(one.length > n ? one.slice(0, n) + '…' : one);
}

/** Checks the score against the scale and the allowed set. */
function finish(t: JudgeTemplate, score: number, span: ReplySpan | undefined, extra: Partial<ParsedReply> = {}): ParsedReply {
  const scaleText = `${t.scale.min}–${t.scale.max}`;
  if (!Number.isFinite(score)) return fail(`the score is not a finite number`, { span, ...extra });
  if (score < t.scale.min || score > t.scale.max) {
    return fail(`the judge answered ${score}, outside the scale ${scaleText} (not clamped)`, { score, span, ...extra });
  }
  if (t.allowed && !t.allowed.includes(score)) {
    return fail(`the judge answered ${score}, which is not one of the allowed scores ${t.allowed.join('/')}`, { score, span, ...extra });
  }
  return { status: 'ok', score, value: score / t.divide, ...(span ? { span } : {}), ...extra };
}

function parseNumber(reply: string, t: JudgeTemplate): ParsedReply {
  const m = BARE_RE.exec(reply);
  if (m?.indices?.[1]) {
    const [start, end] = m.indices[1];
    return finish(t, Number(m[1]), { start, end });
  }
  const count = [...reply.matchAll(ANY_NUM_RE)].length;
  if (count === 0) return fail(`no number in the reply ${snippet(reply)}`);
  return fail(`expected the number alone, got text around it (${count} number${count > 1 ? 's' : ''} in ${snippet(reply)}); a template that wants prose should use parse: last-number or json`);
}

function parseLastNumber(reply: string, t: JudgeTemplate): ParsedReply {
  let last: RegExpMatchArray | undefined;
  for (const m of reply.matchAll(ANY_NUM_RE)) last = m;
  if (!last || last.index === undefined) return fail(`no number in the reply ${snippet(reply)}`);
  const text = last[0];
  return finish(t, Number(text), { start: last.index, end: last.index + text.length });
}

/** The JSON text in a reply: a ```json fence, else the outermost {…}. */
function locateJson(reply: string): { text: string; start: number } | undefined {
  const fence = /```(?:json|JSON)?[ \t]*\r?\n?([\s\S]*?)```/d.exec(reply);
  if (fence?.indices?.[1]) {
    const inner = fence[1]!;
    const lead = inner.length - inner.trimStart().length;
    return { text: inner.trim(), start: fence.indices[1][0] + lead };
  }
  const a = reply.indexOf('{');
  const b = reply.lastIndexOf('}');
  if (a < 0 || b < a) return undefined;
  return { text: reply.slice(a, b + 1), start: a };
}

function truthy(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === 'yes') return true;
    if (s === 'false' || s === 'no') return false;
  }
  if (v === 1 || v === 0) return v === 1;
  return undefined;
}

function keySpan(json: string, base: number, key: string): ReplySpan | undefined {
  const i = json.indexOf(JSON.stringify(key));
  return i < 0 ? undefined : { start: base + i, end: base + i + key.length + 2 };
}

function parseJson(reply: string, t: JudgeTemplate): ParsedReply {
  const loc = locateJson(reply);
  if (!loc) return fail(`no JSON object in the reply ${snippet(reply)}`);
  let obj: unknown;
  try {
    obj = JSON.parse(loc.text);
  } catch (e) {
    return fail(`the reply's JSON does not parse (${(e as Error).message})`, { span: { start: loc.start, end: loc.start + loc.text.length } });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return fail("the reply's JSON is not an object");
  const o = obj as Record<string, unknown>;
  const whole: ReplySpan = { start: loc.start, end: loc.start + loc.text.length };
  const reason = typeof o.reason === 'string' ? o.reason : undefined;
  if (t.criteria) {
    // Criteria may sit at the top level or under "criteria".
    const src = o.criteria && typeof o.criteria === 'object' && !Array.isArray(o.criteria) ? (o.criteria as Record<string, unknown>) : o;
    const criteria: CriterionResult[] = [];
    for (const name of t.criteria) {
      if (!(name in src)) return fail(`criterion '${name}' is missing from the reply's JSON`, { span: whole, criteria });
      const entry = src[name];
      const met = entry !== null && typeof entry === 'object' ? truthy((entry as Record<string, unknown>).met) : truthy(entry);
      if (met === undefined) return fail(`criterion '${name}' is neither true nor false (${snippet(JSON.stringify(entry), 40)})`, { span: whole, criteria });
      const c: CriterionResult = { name, met };
      const r = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).reason : undefined;
      if (typeof r === 'string') c.reason = r;
      const span = keySpan(loc.text, loc.start, name);
      if (span) c.span = span;
      criteria.push(c);
    }
    const score = t.scale.min + criteria.filter((c) => c.met).length;
    return finish(t, score, whole, { criteria, ...(reason ? { reason } : {}) });
  }
  if (!('score' in o)) return fail("the reply's JSON has no 'score'", { span: whole });
  const s = o.score;
  const score = typeof s === 'number' ? s : typeof s === 'string' && s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : NaN;
  if (Number.isNaN(score)) return fail(`'score' is not a number (${snippet(JSON.stringify(s), 40)})`, { span: whole });
  const m = /"score"\s*:\s*"?([^",}\s]+)/d.exec(loc.text);
  const span = m?.indices?.[1] ? { start: loc.start + m.indices[1][0], end: loc.start + m.indices[1][1] } : whole;
  return finish(t, score, span, reason ? { reason } : {});
}

/** Reads the judge's reply by the template's rule. Never throws. */
export function parseReply(reply: string | null | undefined, t: JudgeTemplate): ParsedReply {
  if (reply === null || reply === undefined || reply.trim() === '') return fail('the judge replied with nothing');
  switch (t.parse) {
    case 'number':
      return parseNumber(reply, t);
    case 'last-number':
      return parseLastNumber(reply, t);
    case 'json':
      return parseJson(reply, t);
  }
}
