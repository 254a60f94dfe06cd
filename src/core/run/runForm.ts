// The "Run Checkpoint on Clip…" form as data: the values exactly as typed, the one validation
// both the webview (errors as the user types) and the host (the authority on Run) apply, and the
// run question the valid values make. Pure and DOM-free, so the webview bundle imports it too.

import { parseTime } from '../time';
import { parseOptionsText } from './prompt';

/** Every field as typed; the host parses them. `judge` '' means no judge. */
export interface RunFormValues {
  question: string;
  /** One option per line, or "A. … | B. …". */
  options: string;
  problemType: string;
  answer: string;
  /** Reference <context> for the judge's context reward (optional). */
  referenceContext: string;
  /** Seconds or mm:ss(.ms); empty = the clip's start / end. */
  start: string;
  end: string;
  profile: string;
  judge: string;
  n: string;
}

export type RunFormField = keyof RunFormValues;

/** Field → what is wrong with it; `clip` for the clip itself (unreadable). */
export type RunFormErrors = Partial<Record<RunFormField | 'clip', string>>;

/** What the values are checked against. */
export interface RunFormChoices {
  profiles: readonly string[];
  judges: readonly string[];
  problemTypes: readonly string[];
  /** The clip's length in seconds when probed (0 for an image: no range). */
  duration?: number;
  isImage?: boolean;
}

export interface ParsedRunForm {
  problem: string;
  options?: string[];
  problemType: string;
  answer?: string;
  /** `<context>…</context><answer>…</answer>` when a reference context was given. */
  solution?: string;
  referenceContext?: string;
  range: { start?: number; end?: number };
  profile: string;
  judge?: string;
  n: number;
}

export const MAX_SAMPLES = 64;

/** The problem type the options suggest: lettered options are a multiple-choice question. */
export function suggestProblemType(optionsText: string): string {
  return parseOptionsText(optionsText).length ? 'multiple choice' : 'free-form';
}

/** The reference solution saved with the run: the context (when given) then the answer. */
export function solutionOf(answer: string | undefined, referenceContext: string | undefined): string | undefined {
  if (!referenceContext) return undefined;
  return `<context>${referenceContext}</context><answer>${answer ?? ''}</answer>`;
}

/** Seconds as the form shows them: m:ss with at most two decimals (parseTime reads it back). */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const cs = Math.round(seconds * 100);
  const m = Math.floor(cs / 6000);
  const rest = (cs - m * 6000) / 100;
  const s = rest.toFixed(2).replace(/\.?0+$/, '');
  return `${m}:${rest < 10 ? '0' : ''}${s}`;
}

function timeField(text: string, errors: RunFormErrors, field: 'start' | 'end'): number | undefined {
  if (!text.trim()) return undefined;
  try {
    return parseTime(text);
  } catch (e) {
    errors[field] = (e as Error).message;
    return undefined;
  }
}

/** Checks every field; the errors sit next to the fields they name. */
export function validateRunForm(v: RunFormValues, c: RunFormChoices): { ok: true; parsed: ParsedRunForm } | { ok: false; errors: RunFormErrors } {
  const errors: RunFormErrors = {};
  const problem = v.question.trim();
  if (!problem) errors.question = 'A question is needed: it is what the checkpoint answers about the clip.';
  const options = parseOptionsText(v.options);
  if (!c.problemTypes.includes(v.problemType)) errors.problemType = `Pick one of: ${c.problemTypes.join(', ')}.`;
  const answer = v.answer.trim();
  const referenceContext = v.referenceContext.trim();
  // The saved reference solution holds both; a context alone would be read back as the answer.
  if (referenceContext && !answer) errors.answer = 'A reference context goes with a reference answer (they are saved together as the reference solution).';

  const start = timeField(v.start, errors, 'start');
  const end = timeField(v.end, errors, 'end');
  if (c.isImage && (start !== undefined || end !== undefined)) {
    errors[start !== undefined ? 'start' : 'end'] = 'An image has no time range: leave start and end empty.';
  } else {
    if (start !== undefined && end !== undefined && end <= start) errors.end = `The end (${formatClock(end)}) must be after the start (${formatClock(start)}).`;
    const d = c.duration;
    if (d !== undefined && d > 0) {
      // ffprobe's duration and the player's currentTime may differ by a frame.
      if (start !== undefined && start >= d) errors.start = `The clip is ${formatClock(d)} long: start before its end.`;
      if (end !== undefined && end > d + 0.05 && !errors.end) errors.end = `The clip is ${formatClock(d)} long: end at ${formatClock(d)} or before.`;
    }
  }

  if (!c.profiles.includes(v.profile))
    errors.profile = c.profiles.length ? `Pick one of the checkpoint profiles: ${c.profiles.join(', ')}.` : 'No checkpoint profile is configured (omnitrace.checkpoints.profiles).';
  if (v.judge && !c.judges.includes(v.judge)) errors.judge = `No judge profile named '${v.judge}'.`;
  const nText = v.n.trim();
  const n = Number(nText);
  if (!/^\d+$/.test(nText) || n < 1 || n > MAX_SAMPLES) errors.n = `The number of samples is a whole number from 1 to ${MAX_SAMPLES}.`;

  if (Object.keys(errors).length) return { ok: false, errors };
  const range: ParsedRunForm['range'] = {};
  if (start !== undefined) range.start = start;
  if (end !== undefined) range.end = end;
  const parsed: ParsedRunForm = { problem, problemType: v.problemType, range, profile: v.profile, n };
  if (options.length) parsed.options = options;
  if (answer) parsed.answer = answer;
  if (referenceContext) {
    parsed.referenceContext = referenceContext;
    parsed.solution = solutionOf(answer, referenceContext);
  }
  if (v.judge) parsed.judge = v.judge;
  return { ok: true, parsed };
}
