// Scoring an answer as a forced continuation with vLLM's `prompt_logprobs` (pure: no network).
//
// What vLLM returns, checked in its source (vllm-project/vllm, vllm/entrypoints/openai/protocol.py):
// - ChatCompletionRequest takes `prompt_logprobs: Optional[int]`, `add_generation_prompt`
//   (default true) and `continue_final_message` ("the final message in the chat is open-ended,
//   without any EOS tokens … cannot be used at the same time as add_generation_prompt"; a request
//   with both true is a 400). `prompt_logprobs > 0` with `stream: true` is a 400, and
//   `stream_options` without `stream` is a 400: the scoring request is not streamed.
// - ChatCompletionResponse carries `prompt_logprobs: Optional[list[Optional[dict[int, Logprob]]]]`
//   at the top level (not per choice): one entry per prompt token, null for the first, else a map
//   from token id to Logprob {logprob, rank, decoded_token}. With prompt_logprobs = 0 the map holds
//   the prompt token alone; with k > 0 it may also hold the top-k alternatives, and once in JSON
//   the ids are object keys whose order JavaScript does not keep — so the prompt token is picked
//   by its decoded text fitting the completion, not by position in the map.
// - Older servers built on the same OpenAIBaseModel (extra="allow") ignore unknown fields and
//   answer without `prompt_logprobs`; stricter ones reply 400 (extra_forbidden). Both fall back.

import { extractAnswer } from '../pycompat';

export interface PromptLogprobEntry {
  logprob: number;
  rank?: number | null;
  decoded_token?: string | null;
}

/** vLLM's `prompt_logprobs`: per prompt token, null or {token id: entry}. */
export type PromptLogprobs = (Record<string, PromptLogprobEntry> | null)[];

export interface AnswerSpan {
  /** Sum of the log-probabilities of the tokens that overlap the answer text. */
  logprob: number;
  /** How many tokens that is. */
  tokens: number;
  /** [first, last] prompt-token indices of the answer tokens. */
  first: number;
  last: number;
  /** Their decoded texts, in order (the first/last may stick out of the answer: "<answer>B"). */
  pieces: string[];
  /** Template tokens skipped after the content (an end-of-turn marker the template added). */
  skippedTrailing: number;
}

export class SpanNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpanNotFoundError';
  }
}

const REPLACEMENT = '\uFFFD';
/** At most this many template tokens after the content ("<|im_end|>", "\n") are skipped. */
const MAX_TRAILING = 8;

function candidates(e: Record<string, PromptLogprobEntry> | null): { text: string; logprob: number; rank?: number | null }[] {
  if (!e) return [];
  return Object.values(e).map((x) => ({ text: typeof x?.decoded_token === 'string' ? x.decoded_token : '', logprob: Number(x?.logprob), rank: x?.rank }));
}

/** A piece made only of U+FFFD: part of a multi-byte character split across tokens. */
const isPartialChar = (t: string) => t.length > 0 && [...t].every((c) => c === REPLACEMENT);

/**
 * Finds the tokens of the answer inside the trailing prompt tokens and sums their logprobs.
 *
 * The prompt ends with the assistant message holding `completion` (continue_final_message);
 * walking back from the last token, each token's decoded text must be the text just before the
 * current position in the completion. Tokens at the very end that do not fit (an end-of-turn
 * marker a template added anyway, a newline) are skipped, up to a few; the completion's trailing
 * whitespace may be missing (templates strip it). Empty pieces consume nothing; a run of U+FFFD
 * pieces (one character split over byte tokens) consumes one non-ASCII character. Every token
 * that overlaps the answer text — the characters extractAnswer returns from inside
 * <answer>…</answer> — is counted. Throws SpanNotFoundError saying where alignment failed.
 */
export function findAnswerSpan(promptLogprobs: PromptLogprobs, completion: string): AnswerSpan {
  const ex = extractAnswer(completion);
  if (!ex.found) throw new SpanNotFoundError('the completion has no <answer>…</answer> to score');
  if (ex.end <= ex.start) throw new SpanNotFoundError('the answer inside <answer>…</answer> is empty: no tokens to score');
  if (!Array.isArray(promptLogprobs) || promptLogprobs.length === 0) throw new SpanNotFoundError('prompt_logprobs is empty');

  // Try each way the content may end: as sent, or with its trailing whitespace stripped.
  const ends = [completion.length];
  const trimmed = completion.replace(/\s+$/, '').length;
  if (trimmed !== completion.length) ends.push(trimmed);
  let lastError = '';
  for (let skip = 0; skip <= MAX_TRAILING && skip < promptLogprobs.length; skip++) {
    for (const end of ends) {
      if (end < ex.end) continue;
      const r = alignFrom(promptLogprobs, promptLogprobs.length - 1 - skip, completion, end, ex.start, ex.end);
      if (typeof r === 'string') {
        lastError = r;
        continue;
      }
      return { ...r, skippedTrailing: skip };
    }
  }
  throw new SpanNotFoundError(`the prompt's last tokens do not spell the completion's end (${lastError || 'no fit'})`);
}

function alignFrom(lp: PromptLogprobs, lastIndex: number, text: string, end: number, aStart: number, aEnd: number): Omit<AnswerSpan, 'skippedTrailing'> | string {
  let p = end;
  let sum = 0;
  let count = 0;
  let first = -1;
  let last = -1;
  const pieces: string[] = [];
  let matchedAny = false;
  for (let i = lastIndex; i >= 0 && p > aStart; i--) {
    const cands = candidates(lp[i] ?? null);
    if (!cands.length) return `token ${i} has no logprob entry`;
    // The prompt token is the candidate whose text ends exactly at p; prefer a non-empty one.
    let pick: { text: string; logprob: number } | undefined;
    let consumed = 0;
    for (const c of cands) {
      if (c.text.length > 0 && !isPartialChar(c.text) && text.slice(0, p).endsWith(c.text)) {
        if (!pick || c.text.length > consumed) {
          pick = c;
          consumed = c.text.length;
        }
      }
    }
    if (!pick) {
      const partial = cands.find((c) => isPartialChar(c.text));
      const empty = cands.find((c) => c.text === '');
      if (partial) {
        // A run of U+FFFD pieces is one character split into bytes: the last of the run (first
        // seen walking back) takes the character, the rest take nothing.
        const prevWasPartial = i < lastIndex && candidates(lp[i + 1] ?? null).some((c) => isPartialChar(c.text)) && matchedAny;
        const cp = text.codePointAt(p - 1) ?? 0;
        const isLowSurrogate = cp >= 0xdc00 && cp <= 0xdfff;
        const ch = isLowSurrogate ? text.slice(p - 2, p) : text.slice(p - 1, p);
        if (prevWasPartial) {
          pick = partial;
          consumed = 0;
        } else if (ch && ch.charCodeAt(0) > 0x7f) {
          pick = partial;
          consumed = ch.length;
        } else return `token ${i} is a partial character but the completion has ${JSON.stringify(ch)} there`;
      } else if (empty) {
        pick = empty;
        consumed = 0;
      } else {
        const seen = cands.map((c) => JSON.stringify(c.text)).join(' or ');
        return `token ${i} is ${seen} but the completion has ${JSON.stringify(text.slice(Math.max(0, p - 12), p))} before offset ${p}`;
      }
    }
    matchedAny = true;
    const from = p - consumed;
    // A token overlapping the answer [aStart, aEnd) counts whole (zero-width pieces never do).
    if (consumed > 0 && from < aEnd && p > aStart) {
      if (!Number.isFinite(pick.logprob)) return `token ${i} has no numeric logprob`;
      sum += pick.logprob;
      count++;
      if (last < 0) last = i;
      first = i;
      pieces.unshift(pick.text);
    }
    p = from;
  }
  if (p > aStart) return 'the prompt ended before the answer was reached';
  if (!count) return 'no token overlaps the answer';
  return { logprob: sum, tokens: count, first, last, pieces };
}
