// HumanOmniV2's `accuracy` reward, rule by rule, exactly as the trainer computes it
// (qwenomni_module.py, QwenOmniModule.accuracy_reward, repository HumanMLLM/HumanOmniV2 at
// d9123e6), quirks included, with a sentence per value saying why and a note for every quirk
// that decided it. Facts checked against that code:
// - Both answers come from the first <answer>\s*(.*?)\s*</answer> (DOTALL), stripped, or ''.
//   The reference is extract(solution) with NO fallback to the raw solution or the dataset's
//   `answer` field: a solution without the tag is compared as ''.
// - The whole batch is scored with the problem type of its first row (kwargs['problem_type'][0]);
//   the published scripts run one completion per device (per_device_train_batch_size 1), so each
//   row's own type is what training used.
// - Any exception inside the per-row try records 0.0; unknown types record 0.0.
// - 'emer_ov' calls emer_ov_gpt, which the published code never defines: always 0.0.
// - OCR uses the trainer's own word-level edit distance (not jiwer): words from str.split(),
//   exact comparison (no lower-casing, no punctuation removal), divided by max(1, reference words).
// - emer_ov_mc's variables are named the other way round (its "precision" divides by the
//   reference's length); F1 is symmetric so the value is the same. Here precision is over the
//   answer's parts, recall over the reference's, as a researcher would read them.
// - The evaluation script (eval/eval_humanomniv2.py) differs only for regression: mean relative
//   accuracy over thresholds 0.50…0.95 in float32 (torch). It also replaces an empty prediction by
//   the last decoded output of the loop (a bug that cannot be reproduced per row), and scores OCR
//   and free-form as 0.

import { extractAnswer, pySplitWhitespace, pyStrip } from '../pycompat';
import { pyFloat, pyRound } from '../pyfloat';
import type { RewardResult } from '../types';

export type RegressionVariant = 'trainer' | 'eval';

export interface AccuracyOptions {
  /** 'trainer' (default): 1 − relative error. 'eval': the evaluation script's mean relative accuracy. */
  regressionVariant?: RegressionVariant;
}

interface RuleOutcome {
  value: number;
  explanation: string;
  quirks: string[];
}

/** A string as a researcher should see it: quoted, with invisible characters spelled out. */
export function quote(s: string): string {
  const shown = s.replace(/[\x00-\x1f\x7f-\xa0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]/g, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
  return `'${shown}'`;
}

/** Bare when unambiguous (as in "3.0 vs 3"), quoted otherwise. */
function shown(s: string): string {
  return /^[^\s'\x00-\x1f\x7f-\xa0\ufeff]+$/u.test(s) ? s : quote(s);
}

export function fmtValue(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return Number.isInteger(x) ? String(x) : x.toFixed(2);
}

function fmtNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return String(x);
}

// Python's min(1.0, x) and max(0.0, x) keep the first argument unless the second compares
// strictly less/greater, so a NaN never gets through: max(0.0, nan) is 0.0.
const pyMax0 = (x: number) => (x > 0.0 ? x : 0.0);
const pyMin1 = (x: number) => (x < 1.0 ? x : 1.0);

// ---------------------------------------------------------------- multiple choice

function multipleChoice(out: string, gt: string): RuleOutcome {
  const value = pyStrip(out) === pyStrip(gt) ? 1 : 0;
  const quirks: string[] = [];
  if (value === 1) return { value, explanation: `${quote(out)} equals the reference ${quote(gt)} → 1`, quirks };
  if (out.toLowerCase() === gt.toLowerCase()) {
    quirks.push(`case-sensitive comparison: ${quote(out)} ≠ ${quote(gt)}`);
  } else {
    const letter = /^\(?([A-Za-z])(?:[).:,]|\s|$)/.exec(out)?.[1];
    if (letter !== undefined && letter === gt) {
      quirks.push(`exact string comparison: ${quote(out)} names option ${gt} but is not the string ${quote(gt)}`);
    }
  }
  return { value, explanation: `${quote(out)} differs from the reference ${quote(gt)} → 0`, quirks };
}

// ---------------------------------------------------------------- numbers

/** The trainer's normalize_number: drop every ',' then float(); None (here undefined) on failure. */
function normalizeNumber(s: string): number | undefined {
  return pyFloat(s.replaceAll(',', ''));
}

function notANumber(out: string, gt: string, o: number | undefined): RuleOutcome {
  const bad = o === undefined ? out : gt;
  const whose = o === undefined ? '' : 'the reference ';
  const sentence = `${whose}${quote(bad)} is not a number: the trainer's float() raised and it recorded 0`;
  return { value: 0, explanation: sentence, quirks: [sentence] };
}

function commaQuirks(out: string, gt: string, o: number | undefined, g: number | undefined): string[] {
  const q: string[] = [];
  for (const [s, n, whose] of [
    [out, o, ''],
    [gt, g, 'the reference '],
  ] as const) {
    if (s.includes('_') && n !== undefined) q.push(`Python's float() accepts '_' between digits: ${whose}${quote(s)} is ${fmtNumber(n)}`);
  }
  if (out.includes(',') && o !== undefined) q.push(`commas are removed before float(): ${quote(out)} is read as ${fmtNumber(o)}`);
  if (gt.includes(',') && g !== undefined) q.push(`commas are removed before float(): the reference ${quote(gt)} is read as ${fmtNumber(g)}`);
  return q;
}

function naiveRound2(x: number): number {
  return Number.isFinite(x) ? Number(x.toFixed(2)) : x;
}

function numerical(out: string, gt: string): RuleOutcome {
  const outMark = out.includes('.') || out.includes(',');
  const gtMark = gt.includes('.') || gt.includes(',');
  if (outMark !== gtMark) {
    const marked = outMark ? out : gt;
    const mark = marked.includes('.') ? '.' : ',';
    const quirks: string[] = [];
    const o = normalizeNumber(out);
    const g = normalizeNumber(gt);
    if (o !== undefined && g !== undefined && pyRound(o, 2) === pyRound(g, 2)) {
      quirks.push(`numerical decimal-mark asymmetry: ${shown(out)} and ${shown(gt)} are the same number, but only one contains '.' or ',' so the trainer scores 0`);
    }
    return {
      value: 0,
      explanation: `${shown(out)} vs ${shown(gt)}: exactly one contains '${mark}', the trainer returns 0 without parsing`,
      quirks,
    };
  }
  const o = normalizeNumber(out);
  const g = normalizeNumber(gt);
  if (o === undefined || g === undefined) return notANumber(out, gt, o);
  const ro = pyRound(o, 2);
  const rg = pyRound(g, 2);
  const value = ro === rg ? 1 : 0;
  const quirks = commaQuirks(out, gt, o, g);
  if (value === 1 && o !== g) {
    quirks.push(`both round to ${fmtNumber(rg)} at 2 decimals, so ${fmtNumber(o)} and ${fmtNumber(g)} count as equal`);
  }
  const naiveSame = naiveRound2(o) === naiveRound2(g);
  if (naiveSame !== (value === 1)) {
    for (const x of [o, g]) {
      if (naiveRound2(x) !== pyRound(x, 2)) {
        quirks.push(`Python's round(${fmtNumber(x)}, 2) is ${fmtNumber(pyRound(x, 2))} (exact binary value, ties to even), not ${fmtNumber(naiveRound2(x))}`);
      }
    }
  }
  const verb = value === 1 ? 'equals' : 'differs from';
  return {
    value,
    explanation: `round(${fmtNumber(o)}, 2) = ${fmtNumber(ro)} ${verb} the reference's round(${fmtNumber(g)}, 2) = ${fmtNumber(rg)} → ${value}`,
    quirks,
  };
}

function regressionTrainer(out: string, gt: string): RuleOutcome {
  const o = normalizeNumber(out);
  const g = normalizeNumber(gt);
  if (o === undefined || g === undefined) return notANumber(out, gt, o);
  const rel = (Math.abs(o - g) + 1e-9) / (Math.abs(g) + 1e-9);
  const capped = pyMin1(pyMax0(rel));
  const value = 1 - capped;
  const quirks = commaQuirks(out, gt, o, g);
  if (Number.isNaN(rel)) {
    quirks.push("the relative error is NaN (nan or inf involved): Python's max(0.0, nan) returns 0.0, so the trainer gives 1");
  } else if (g === 0) {
    quirks.push('reference 0: the relative error (|answer| + 1e-9) / 1e-9 is at least 1, so even an exact 0 scores 0');
  } else if (o === g) {
    quirks.push(`the 1e-9 added to the numerator keeps an exact answer just under 1 (${value})`);
  }
  const cap = rel > 1 ? ' (capped at 1)' : '';
  // With a zero reference the 1e-9 terms are the whole story, so show them.
  const formula = g === 0 ? `(|${fmtNumber(o)} − 0| + 1e-9) / (0 + 1e-9)` : `|${fmtNumber(o)} − ${fmtNumber(g)}| / |${fmtNumber(g)}|`;
  return {
    value,
    explanation: `relative error ${formula} = ${fmtValue(rel)}${cap} → ${fmtValue(value)}`,
    quirks,
  };
}

/** Float32 thresholds 0.50, 0.55, … 0.95 as torch.arange(0.5, 0.975, 0.05, dtype=float32) makes them. */
const MRA_THRESHOLDS = Array.from({ length: 10 }, (_, i) => Math.fround(0.5 + i * 0.05));

/** The evaluation script's mean_relative_accuracy, in float32 like its torch tensors. */
export function meanRelativeAccuracy(pred: number, target: number): { value: number; relError: number; passed: number } {
  const f = Math.fround;
  const p = f(pred);
  const t = f(target);
  const relError = f(f(Math.abs(f(p - t))) / f(f(Math.abs(t)) + f(1e-8)));
  let passed = 0;
  for (const th of MRA_THRESHOLDS) if (relError < f(1 - th)) passed++;
  return { value: f(passed / MRA_THRESHOLDS.length), relError, passed };
}

function regressionEval(out: string, gt: string): RuleOutcome {
  const o = normalizeNumber(out);
  const g = normalizeNumber(gt);
  if (o === undefined || g === undefined) return notANumber(out, gt, o);
  const { value, relError, passed } = meanRelativeAccuracy(o, g);
  const quirks = commaQuirks(out, gt, o, g);
  return {
    value,
    explanation: `mean relative accuracy (evaluation script): relative error ${fmtValue(relError)} is under 1 − θ for ${passed} of 10 thresholds θ = 0.50…0.95 → ${fmtValue(value)}`,
    quirks,
  };
}

// ---------------------------------------------------------------- OCR

/** Word-level Levenshtein distance, the trainer's dynamic programme. */
function wordEditDistance(ref: string[], hyp: string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) {
      cur[j] = ref[i - 1] === hyp[j - 1] ? prev[j - 1]! : 1 + Math.min(prev[j]!, cur[j - 1]!, prev[j - 1]!);
    }
    prev = cur;
  }
  return prev[hyp.length]!;
}

function ocr(out: string, gt: string): RuleOutcome {
  const ref = pySplitWhitespace(gt);
  const hyp = pySplitWhitespace(out);
  const edits = wordEditDistance(ref, hyp);
  const denom = Math.max(1, ref.length);
  const raw = 1 - edits / denom;
  const value = pyMax0(pyMin1(raw));
  const quirks: string[] = [];
  if (ref.length === 0 && hyp.length > 0) {
    quirks.push('empty reference: the trainer divides by max(1, 0) = 1, so every answer word is an error');
  }
  const normalise = (ws: string[]) => ws.map((w) => w.toLowerCase().replace(/\p{P}/gu, '')).filter((w) => w !== '');
  if (edits > 0 && wordEditDistance(normalise(ref), normalise(hyp)) < edits) {
    quirks.push("the trainer's WER compares words exactly: case and punctuation differences count as errors");
  }
  const clipped = raw < 0 ? ` (1 − ${fmtValue(edits / denom)} clipped to 0)` : '';
  return { value, explanation: `WER ${edits}/${denom} words → ${fmtValue(value)}${clipped}`, quirks };
}

// ---------------------------------------------------------------- emer_ov_mc

function braces(parts: string[]): string {
  const plain = parts.every((p) => p !== '' && pyStrip(p) === p && !p.includes("'"));
  return `{${plain ? parts.join(',') : parts.map(quote).join(',')}}`;
}

function f1Of(ans: string[], ref: string[]): number {
  const refSet = new Set(ref);
  let tp = 0;
  for (const p of new Set(ans)) if (refSet.has(p)) tp++;
  const precision = tp / ans.length;
  const recall = tp / ref.length;
  return precision + recall > 0 ? (2 * (precision * recall)) / (precision + recall) : 0;
}

function firstRepeat(parts: string[]): string | undefined {
  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p)) return p;
    seen.add(p);
  }
  return undefined;
}

function emerOvMc(out: string, gt: string): RuleOutcome {
  // Python's str.split(',') never returns an empty list, so neither length is ever 0.
  const ans = out.split(',');
  const ref = gt.split(',');
  const refSet = new Set(ref);
  let tp = 0;
  for (const p of new Set(ans)) if (refSet.has(p)) tp++;
  const value = f1Of(ans, ref);
  const quirks: string[] = [];
  const untrimmed = [...ans, ...ref].find((p) => pyStrip(p) !== p);
  if (untrimmed !== undefined && f1Of(ans.map(pyStrip), ref.map(pyStrip)) !== value) {
    quirks.push(`emer_ov_mc parts are not trimmed: ${quote(untrimmed)} ≠ ${quote(pyStrip(untrimmed))}`);
  }
  const repeatedAns = firstRepeat(ans);
  if (repeatedAns !== undefined && tp > 0) {
    quirks.push(`repeated letter ${quote(repeatedAns)} counts once in the matches but every time in the answer's length, lowering precision`);
  }
  const repeatedRef = firstRepeat(ref);
  if (repeatedRef !== undefined && tp > 0) {
    quirks.push(`repeated letter ${quote(repeatedRef)} in the reference counts every time in its length, lowering recall`);
  }
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  if (f1Of(lower(ans), lower(ref)) > value) {
    const a = ans.find((p) => !refSet.has(p) && ref.some((r) => r.toLowerCase() === p.toLowerCase()));
    const r = a === undefined ? undefined : ref.find((x) => x.toLowerCase() === a.toLowerCase());
    if (a !== undefined && r !== undefined) quirks.push(`case-sensitive comparison: ${quote(a)} ≠ ${quote(r)}`);
  }
  return {
    value,
    explanation: `F1 of ${braces(ans)} vs ${braces(ref)}: precision ${(tp / ans.length).toFixed(2)}, recall ${(tp / ref.length).toFixed(2)} → ${fmtValue(value)}`,
    quirks,
  };
}

// ---------------------------------------------------------------- judge (yes/no)

const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Where `needle` occurs in `lower`: standalone somewhere, or only inside longer words (the first one). */
function occurrence(lower: string, needle: string): { found: boolean; insideWord?: string } {
  let i = lower.indexOf(needle);
  if (i < 0) return { found: false };
  let firstWord: string | undefined;
  while (i >= 0) {
    let a = i;
    let b = i + needle.length;
    while (a > 0 && WORD_CHAR.test(lower[a - 1]!)) a--;
    while (b < lower.length && WORD_CHAR.test(lower[b]!)) b++;
    const word = lower.slice(a, b);
    if (word === needle) return { found: true };
    firstWord ??= word;
    i = lower.indexOf(needle, i + 1);
  }
  return { found: true, insideWord: firstWord };
}

function describeYesNo(lower: string): string {
  const y = lower.includes('yes');
  const n = lower.includes('no');
  if (y && n) return "contains both 'yes' and 'no'";
  if (y) return "contains 'yes' but not 'no'";
  if (n) return "contains 'no' but not 'yes'";
  return "contains neither 'yes' nor 'no'";
}

function judge(out: string, gt: string): RuleOutcome {
  const lo = out.toLowerCase();
  const lg = gt.toLowerCase();
  let word: 'yes' | 'no' | undefined;
  if (lg.includes('yes') && lo.includes('yes')) word = 'yes';
  else if (lg.includes('no') && lo.includes('no')) word = 'no';
  if (word === undefined) {
    return {
      value: 0,
      explanation: `${quote(out)} ${describeYesNo(lo)}, the reference ${quote(gt)} ${describeYesNo(lg)}: no common word → 0`,
      quirks: [],
    };
  }
  const inAns = occurrence(lo, word);
  const inRef = occurrence(lg, word);
  const where = (o: { insideWord?: string }) => (o.insideWord ? ` (inside '${o.insideWord}')` : '');
  const quirks: string[] = [];
  for (const [o, whose] of [
    [inAns, 'the answer'],
    [inRef, 'the reference'],
  ] as const) {
    if (o.insideWord) quirks.push(`judge matches substrings: '${word}' inside '${o.insideWord}' in ${whose} counts as '${word}'`);
  }
  return {
    value: 1,
    explanation: `${quote(out)} contains '${word}'${where(inAns)}, reference contains '${word}'${where(inRef)} → 1`,
    quirks,
  };
}

// ---------------------------------------------------------------- entry point

/** Problem types the trainer scores by rule (free-form needs the judge; others record 0). */
export const RULE_TYPES: ReadonlySet<string> = new Set(['multiple choice', 'numerical', 'OCR', 'regression', 'emer_ov_mc', 'judge']);

const FREE_FORM_EXPLANATION = 'needs the LLM judge (free-form accuracy is judged 0–5 ÷ 5)';

// The members of a GRPO group share one solution: extract its answer once per run of equal ones.
// The result is shared and read-only.
let lastSolution: string | undefined;
let lastReference: ReturnType<typeof extractAnswer> | undefined;
function referenceAnswerOf(solution: string): ReturnType<typeof extractAnswer> {
  if (solution !== lastSolution || !lastReference) {
    lastReference = extractAnswer(solution);
    lastSolution = solution;
  }
  return lastReference;
}

/**
 * The accuracy reward of one completion against its reference solution, as the HumanOmniV2
 * trainer computes it. `trainerValue` is always what the trainer records, except for free-form,
 * whose value only the LLM judge can give (status 'not-computed').
 */
export function accuracyReward(completion: string, solution: string, problemType: string | undefined, opts: AccuracyOptions = {}): RewardResult {
  const outEx = extractAnswer(completion);
  const gtEx = referenceAnswerOf(solution);
  const out = outEx.answer;
  const gt = gtEx.answer;
  const variant = opts.regressionVariant ?? 'trainer';
  const provenance: Record<string, unknown> = {
    rule: problemType ?? null,
    completionAnswer: out,
    referenceAnswer: gt,
    completionAnswerFound: outEx.found,
    referenceAnswerFound: gtEx.found,
  };
  if (problemType === 'regression') provenance.regressionVariant = variant;

  if (problemType === undefined) {
    return {
      value: null,
      status: 'error',
      explanation: 'no problem type on this record: the trainer needs problem_type to pick the accuracy rule',
      scale: '0–1',
      provenance,
    };
  }
  if (problemType === 'free-form') {
    return { value: null, status: 'not-computed', explanation: FREE_FORM_EXPLANATION, scale: '0–5 ÷ 5', provenance };
  }

  let outcome: RuleOutcome;
  switch (problemType) {
    case 'multiple choice':
      outcome = multipleChoice(out, gt);
      break;
    case 'numerical':
      outcome = numerical(out, gt);
      break;
    case 'OCR':
      outcome = ocr(out, gt);
      break;
    case 'regression':
      outcome = variant === 'eval' ? regressionEval(out, gt) : regressionTrainer(out, gt);
      break;
    case 'emer_ov_mc':
      outcome = emerOvMc(out, gt);
      break;
    case 'judge':
      outcome = judge(out, gt);
      break;
    case 'emer_ov': {
      const s = "'emer_ov' calls emer_ov_gpt, which the published trainer never defines: the NameError is caught and it records 0";
      outcome = { value: 0, explanation: s, quirks: [s] };
      break;
    }
    default: {
      const s = `unknown problem type ${quote(problemType)}: the trainer returns 0`;
      outcome = { value: 0, explanation: s, quirks: [s] };
    }
  }

  const quirks = [...outcome.quirks];
  const knownRule = RULE_TYPES.has(problemType);
  if (knownRule && !outEx.found) {
    quirks.push(`the completion has no <answer>…</answer>: the trainer compared '' and it scored ${fmtValue(outcome.value)}`);
  }
  if (knownRule && !gtEx.found) {
    quirks.push("the solution has no <answer>…</answer>: the trainer does not fall back to the raw solution and compared against ''");
  }
  const result: RewardResult = {
    value: outcome.value,
    status: 'ok',
    explanation: outcome.explanation,
    trainerValue: outcome.value,
    scale: '0–1',
    provenance,
  };
  if (quirks.length) result.quirks = quirks;
  return result;
}
