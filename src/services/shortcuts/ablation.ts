// Ablations ("whether the answer depends on it"): the rollout's question asked again with
// a modality removed — no-audio, no-video, text-only — against the checkpoint's endpoint.
//
// Two measurements, per ablation kind:
// - 'logprob' (vLLM): the ORIGINAL completion is scored as a forced continuation, once with all
//   media and once under the ablation, without sampling; delta = ablated − full log-probability of
//   the answer tokens (negative: the answer became less likely without the modality). Cheaper and
//   less noisy than sampling. See ablationLogprobs.ts for the vLLM fields and response shape.
// - 'sampled': `samples` completions at the profile's settings (n = samples, one streamed call),
//   each answer extracted like the accuracy reward and compared with the original answer;
//   changeRate = differing / samples. A model sampled at temperature departs from its own answer
//   now and then even with every medium, so the sampled kinds share a noise baseline: the same
//   request with ALL media, n = samples, sent once per rollout (before the first sampled kind, and
//   only when some kind is sampled — never in logprob mode), saved as kind 'full' and attached to
//   every sampled result. verdict.ts measures "used" as the ablated change rate above it.
// `useLogprobs: 'auto'` (default) tries the scoring once, on the full-media request, and samples
// when the server rejects the fields or answers without prompt_logprobs, saying why in `note`.
//
// The clip is prepared (cut, encoded) once; the variants reuse its bytes (src/media/ablate.ts).
// Every call is saved as rollout records under <runsDir>/ablations/, with an `ablation` field
// naming the kind and the original rollout, so it opens in the rollout viewer like any run. A
// failed call gives method 'failed' with the server's readable message; the other kinds still run.

import { mkdir, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { MediaTools, TimeRange } from '../../media/ffmpeg';
import { prepareMedia, type Prepared } from '../../media/prepare';
import { ablateMedia, type MediaVariant } from '../../media/ablate';
import { CheckpointCallError, CheckpointClient } from '../../models/checkpointClient';
import { extractAnswer, pySplitWhitespace, pyStrip } from '../../core/pycompat';
import { pyFloat, pyRound } from '../../core/pyfloat';
import { buildUserText, DEFAULT_PROMPT_TEXTS, type PromptTexts, type QuestionInput } from '../../core/run/prompt';
import { buildChatRequest, type BuiltRequest, type CheckpointProfile, type PreparedMedia } from '../../core/run/request';
import { newRunId } from '../run/runCheckpoint';
import { runFilePath, runRecords, writeRunFile, type RunOutcome } from '../../core/run/runRecords';
import { findAnswerSpan, SpanNotFoundError, type AnswerSpan, type PromptLogprobs } from '../../core/shortcuts/ablationLogprobs';
import type { AblationBaseline, AblationKind, AblationResult, AblationSample } from '../../core/shortcuts/types';
import { CancellationError, errorText } from '../../core/errors';

export interface AblationRollout {
  /** The original rollout's id (named in the saved ablation records). */
  id?: string;
  completion: string;
  /** The original answer as extracted by the accuracy reward (null: none). */
  answer: string | null;
  problemType?: string;
  /** The reference: a solution with <answer>…</answer>, or the bare answer. */
  reference?: string;
  question: { problem: string; options?: string[]; problemType?: string };
}

export type UseLogprobs = 'auto' | 'never' | 'always';

export interface RunAblationsOptions {
  rollout: AblationRollout;
  clip: string;
  range?: TimeRange;
  profile: CheckpointProfile;
  apiKey?: string;
  tools: MediaTools;
  kinds: AblationKind[];
  /** Samples per ablation (the sampling method). */
  samples: number;
  runsDir: string;
  texts?: PromptTexts;
  useLogprobs?: UseLogprobs;
  /** no-video: send black frames of the same duration instead of no video part. */
  blackFrames?: boolean;
  maxSide?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Per kind: units done of total (samples for 'sampled', 1 for 'logprob'). */
  onProgress?: (kind: AblationKind, done: number, total: number) => void;
}

/** Stopped by the caller's signal. `partial` holds the ablations finished before. */
export class AblationCancelledError extends CancellationError {
  constructor(readonly partial: AblationResult[]) {
    super('ablations cancelled');
    this.name = 'AblationCancelledError';
  }
}

// ------------------------------------------------------------------------------------ answers

/** The answer as the accuracy reward extracts it; null when there is no <answer>…</answer>. */
export function answerOf(completion: string): string | null {
  const ex = extractAnswer(completion);
  return ex.found ? ex.answer : null;
}

const MC_LETTER = /^\(?([A-Za-z])(?:[).:,]|\s|$)/;
const yesNo = (s: string) => {
  const l = s.toLowerCase();
  return l.includes('yes') ? 'yes' : l.includes('no') ? 'no' : undefined;
};
const freeForm = (s: string) =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * Whether two extracted answers are the same answer for the problem type, normalised as the
 * accuracy reward reads them: multiple choice by option letter ("B", "(B)", "B. a cat" are B);
 * numerical / regression as numbers (commas dropped, Python's float(), equal at 2 decimals as the
 * trainer rounds); emer_ov_mc as sets of letters; judge by yes/no; OCR word by word; free-form
 * (and unknown types) as lower-cased text without punctuation. Deliberately looser than the reward
 * where the trainer's quirks would call a format change a different answer ("3" vs "3.0", "b" vs
 * "B"): the question here is whether the model changed its mind.
 */
export function sameAnswer(a: string | null, b: string | null, problemType: string | undefined): boolean {
  if (a === null || b === null) return a === b;
  const x = pyStrip(a);
  const y = pyStrip(b);
  if (x === y) return true;
  switch (problemType) {
    case 'multiple choice': {
      const la = MC_LETTER.exec(x)?.[1];
      const lb = MC_LETTER.exec(y)?.[1];
      return la !== undefined && lb !== undefined ? la.toUpperCase() === lb.toUpperCase() : false;
    }
    case 'numerical':
    case 'regression': {
      const na = pyFloat(x.replaceAll(',', ''));
      const nb = pyFloat(y.replaceAll(',', ''));
      if (na === undefined || nb === undefined) return false;
      return pyRound(na, 2) === pyRound(nb, 2);
    }
    case 'emer_ov_mc': {
      const set = (s: string) =>
        [
          ...new Set(
            s
              .split(',')
              .map((p) => pyStrip(p).toUpperCase())
              .filter(Boolean),
          ),
        ]
          .sort()
          .join(',');
      return set(x) === set(y);
    }
    case 'judge': {
      const ya = yesNo(x);
      return ya !== undefined && ya === yesNo(y);
    }
    case 'OCR':
      return pySplitWhitespace(x).join(' ') === pySplitWhitespace(y).join(' ');
    default:
      return freeForm(x) === freeForm(y);
  }
}

function referenceAnswer(reference: string | undefined): string | null | undefined {
  if (reference === undefined) return undefined;
  return reference.includes('<answer>') ? answerOf(reference) : pyStrip(reference);
}

// ------------------------------------------------------------------------------------ requests

/**
 * The request for one variant, built by the run's own buildChatRequest so the sampling settings
 * are the run's. No media (text-only, or nothing left): the question without any media line.
 */
export function buildAblationRequest(profile: CheckpointProfile, variant: MediaVariant, original: PreparedMedia, question: QuestionInput, texts: PromptTexts = DEFAULT_PROMPT_TEXTS): BuiltRequest {
  if (variant.media) {
    const built = buildChatRequest(profile, variant.media, question, texts);
    // "use_audio_in_video not sent: the clip has no audio" is about a clip, not an ablation.
    return { ...built, notes: [...variant.notes, ...built.notes.filter((n) => !n.startsWith('use_audio_in_video not sent'))] };
  }
  const base = buildChatRequest(profile, original, question, texts);
  // 'image' is buildUserText's "no media line" case: neither the audio nor the no-audio line.
  const userText = buildUserText(question, 'image', texts);
  const body: Record<string, unknown> = {
    ...base.body,
    messages: [...(texts.system ? [{ role: 'system', content: texts.system }] : []), { role: 'user', content: [{ type: 'text', text: userText }] }],
  };
  delete body.mm_processor_kwargs;
  delete body.media_io_kwargs;
  return { body, systemText: base.systemText, userText, mediaParts: [], notes: [...variant.notes] };
}

/**
 * The forced-continuation request: the messages plus an assistant message holding the completion,
 * continued (not a new turn), scored without sampling. Not streamed: vLLM returns prompt_logprobs
 * only in a whole reply, and refuses prompt_logprobs > 0 or stream_options with streaming.
 */
export function scoringBody(built: BuiltRequest, completion: string): Record<string, unknown> {
  const { stream: _s, stream_options: _o, n: _n, top_p: _p, top_k: _k, seed: _seed, ...rest } = built.body;
  const messages = [...(built.body.messages as unknown[]), { role: 'assistant', content: completion }];
  return { ...rest, messages, add_generation_prompt: false, continue_final_message: true, prompt_logprobs: 0, max_tokens: 1, temperature: 0 };
}

/** The server does not do forced-continuation scoring: fall back (as opposed to a failed call). */
class LogprobsUnsupported extends Error {}

const SCORING_FIELDS = /prompt_logprobs|continue_final_message|add_generation_prompt/;

async function scoreForced(client: CheckpointClient, built: BuiltRequest, completion: string, signal?: AbortSignal): Promise<{ span: AnswerSpan; body: Record<string, unknown> }> {
  const body = scoringBody(built, completion);
  let reply: Record<string, unknown>;
  try {
    reply = await client.complete(body, { signal });
  } catch (e) {
    if (e instanceof CheckpointCallError && (e.kind === 'unknown-field' || ((e.status === 400 || e.status === 422) && SCORING_FIELDS.test(e.message)))) {
      throw new LogprobsUnsupported(`the server rejected the scoring fields: ${e.message}`);
    }
    throw e;
  }
  const choices = reply.choices as { prompt_logprobs?: unknown }[] | undefined;
  const lp = (reply.prompt_logprobs ?? choices?.[0]?.prompt_logprobs) as PromptLogprobs | undefined | null;
  if (!Array.isArray(lp) || lp.length === 0) throw new LogprobsUnsupported('the server answered without prompt_logprobs (not vLLM, or a vLLM that ignores the field)');
  return { span: findAnswerSpan(lp, completion), body };
}

// ------------------------------------------------------------------------------------ saving

const safeKind = (k: string) => k.replace(/[^A-Za-z0-9_-]+/g, '-');

/** 'full': the all-media noise baseline of the sampled kinds. */
type SavedKind = AblationKind | 'full';

async function saveAblationRun(dir: string, model: string, kind: SavedKind, at: Date, records: Record<string, unknown>[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stem = runFilePath(dir, model, at).replace(/\.rollouts\.jsonl$/, `-${safeKind(kind)}`);
  const existing = new Set(await readdir(dir));
  let file = `${stem}.rollouts.jsonl`;
  for (let k = 2; existing.has(basename(file)); k++) file = `${stem}-${k}.rollouts.jsonl`;
  await writeRunFile(file, records);
  return file;
}

const errorMessage = (e: unknown) => errorText(e);

// ------------------------------------------------------------------------------------ the runner

/**
 * Runs the ablations of one rollout, kind after kind (one request at a time: the server is
 * usually busy enough). Resolves with one AblationResult per kind, in the order asked. Throws
 * MediaToolError when the clip cannot be prepared (nothing was sent) and AblationCancelledError
 * when the signal fires.
 */
export async function runAblations(o: RunAblationsOptions): Promise<AblationResult[]> {
  const runsDir = resolve(o.runsDir);
  const outDir = join(runsDir, 'ablations');
  const texts = o.texts ?? DEFAULT_PROMPT_TEXTS;
  const results: AblationResult[] = [];
  const cancelled = () => new AblationCancelledError(results.slice());
  const samples = Math.max(1, Math.floor(o.samples));
  const problemType = o.rollout.problemType ?? o.rollout.question.problemType;
  const question: QuestionInput = { problem: o.rollout.question.problem, options: o.rollout.question.options, problemType: o.rollout.question.problemType ?? o.rollout.problemType };
  const refAnswer = referenceAnswer(o.rollout.reference);
  const recordQuestion = { ...question, ...(o.rollout.reference === undefined ? {} : o.rollout.reference.includes('<answer>') ? { solution: o.rollout.reference } : { answer: o.rollout.reference }) };

  let prepared: Prepared;
  try {
    prepared = await prepareMedia(o.clip, o.profile, o.tools, { range: o.range, maxSide: o.maxSide, mediaDir: join(runsDir, 'media'), signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted) throw cancelled();
    throw e;
  }
  const client = new CheckpointClient({ baseURL: o.profile.baseURL, apiKey: o.apiKey, timeoutMs: o.timeoutMs, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const fullBuilt = buildChatRequest(o.profile, prepared.media, question, texts);
  const clipPath = resolve(o.clip);
  const baseRecord = (runId: string, kind: SavedKind, method: AblationResult['method'], variant: Pick<MediaVariant, 'description'>) => ({
    kind,
    rollout_id: o.rollout.id ?? null,
    method,
    variant: variant.description,
    original_answer: o.rollout.answer,
    run_id: runId,
  });

  // Log-probability scoring: tried once, on the full-media request.
  const mode: UseLogprobs = o.useLogprobs ?? 'auto';
  let full: AnswerSpan | undefined;
  let logprobNote: string | undefined;
  if (mode === 'never') logprobNote = "log-probability scoring not asked for (useLogprobs 'never')";
  else if ((o.profile.serverKind ?? 'vllm') === 'dashscope') logprobNote = 'DashScope takes omni requests only streamed and returns no prompt_logprobs: sampled instead';
  else if (o.rollout.answer === null || !extractAnswer(o.rollout.completion).found) logprobNote = 'the original completion has no <answer>…</answer> to score: sampled instead';
  else {
    try {
      full = (await scoreForced(client, fullBuilt, o.rollout.completion, o.signal)).span;
    } catch (e) {
      if (o.signal?.aborted) throw cancelled();
      const why =
        e instanceof LogprobsUnsupported
          ? e.message
          : e instanceof SpanNotFoundError
            ? `could not find the answer's tokens in prompt_logprobs: ${e.message}`
            : `log-probability scoring with all media failed: ${errorMessage(e)}`;
      logprobNote = mode === 'always' ? why : `${why}; sampled instead`;
    }
  }

  const toSample = (c: { text: string }): AblationSample => {
    const answer = answerOf(c.text);
    const s: AblationSample = { answer, completion: c.text, same: sameAnswer(answer, o.rollout.answer, problemType) };
    if (refAnswer !== undefined) s.correct = sameAnswer(answer, refAnswer, problemType);
    return s;
  };

  // The noise baseline, asked for by the first kind that samples (so logprob mode, or a rollout
  // whose every kind failed before sending, never pays for it) and shared by the rest.
  let baselineRun: Promise<{ baseline?: AblationBaseline; error?: string }> | undefined;
  /**
   * k samples of one request, saved as an ablation run. `error`: the call failed before anything
   * came back; `failure`: it failed part-way (what came back is kept and saved).
   */
  type RunClip = Parameters<typeof runRecords>[0]['clip'];
  const sampleAndSave = async (
    label: SavedKind,
    req: BuiltRequest,
    variant: Pick<MediaVariant, 'description'>,
    clip: RunClip,
  ): Promise<{ error: string } | { got: AblationSample[]; failure?: string; runFile?: string }> => {
    const body = { ...req.body, n: samples };
    const runId = newRunId();
    const startedAt = new Date();
    let outcome: RunOutcome;
    let failure: string | undefined;
    try {
      outcome = await client.stream(body, { signal: o.signal });
    } catch (e) {
      if (o.signal?.aborted) throw cancelled();
      const message = e instanceof CheckpointCallError ? e.message : errorMessage(e);
      if (!(e instanceof CheckpointCallError) || !e.partial) return { error: message };
      failure = message;
      outcome = { ...e.partial, error: message };
    }
    if (outcome.cancelled || o.signal?.aborted) throw cancelled();
    const got = outcome.choices.map(toSample);
    const records = runRecords({ runId, profile: { ...o.profile, n: samples }, request: { ...req, body }, clip, question: recordQuestion, startedAt, finishedAt: new Date(), outcome });
    for (const r of records) {
      const s = got[Number(r.sample_index)];
      r.ablation = { ...baseRecord(runId, label, failure ? 'failed' : 'sampled', variant), ...(s ? { answer: s.answer, same: s.same } : {}) };
    }
    const runFile = records.length ? await saveAblationRun(outDir, o.profile.model, label, startedAt, records) : undefined;
    return { got, ...(failure ? { failure } : {}), ...(runFile ? { runFile } : {}) };
  };

  const runBaseline = async (): Promise<{ baseline?: AblationBaseline; error?: string }> => {
    const clip = { path: clipPath, kind: prepared.media.kind, hasAudio: !!prepared.media.hasAudio, ...(prepared.range ?? {}) };
    const run = await sampleAndSave('full', fullBuilt, { description: 'all media (the noise baseline of the sampled ablations)' }, clip);
    if ('error' in run) return { error: `the all-media baseline failed: ${run.error}` };
    const { got, failure, runFile } = run;
    // A partial baseline is not a baseline: its missing samples could be the noisy ones.
    if (failure) return { error: `the all-media baseline failed: ${failure}${runFile ? ` (saved: ${runFile})` : ''}` };
    if (!got.length) return { error: 'the all-media baseline returned no samples' };
    const baseline: AblationBaseline = { samples: got, changeRate: got.filter((s) => !s.same).length / got.length, ...(runFile ? { runFile } : {}) };
    if (got.length < samples) baseline.note = `the server returned ${got.length} of ${samples} samples`;
    return { baseline };
  };

  for (const kind of o.kinds) {
    if (o.signal?.aborted) throw cancelled();
    const useScoring = full !== undefined;
    o.onProgress?.(kind, 0, useScoring ? 1 : samples);
    if (mode === 'always' && !useScoring) {
      results.push({ kind, method: 'failed', samples: [], error: logprobNote ?? 'log-probability scoring unavailable', note: "useLogprobs 'always': not sampled" });
      continue;
    }
    let variant: MediaVariant;
    try {
      variant = await ablateMedia(prepared.media, kind, o.tools, { profile: o.profile, blackFrames: o.blackFrames, mediaDir: join(runsDir, 'media'), signal: o.signal });
    } catch (e) {
      if (o.signal?.aborted) throw cancelled();
      results.push({ kind, method: 'failed', samples: [], error: `could not make the ${kind} media: ${errorMessage(e)}` });
      continue;
    }
    if (variant.notApplicable) {
      results.push({ kind, method: 'failed', samples: [], error: `not applicable: ${variant.notApplicable}`, note: 'nothing was sent' });
      continue;
    }
    const built = buildAblationRequest(o.profile, variant, prepared.media, question, texts);
    const clip = { path: clipPath, kind: prepared.media.kind, hasAudio: !!variant.media?.hasAudio, ...(prepared.range ?? {}) };
    let note = logprobNote;

    if (useScoring) {
      const runId = newRunId();
      const startedAt = new Date();
      try {
        const { span, body } = await scoreForced(client, built, o.rollout.completion, o.signal);
        const logprob = { full: full!.logprob, ablated: span.logprob, delta: span.logprob - full!.logprob, tokens: span.tokens };
        const outcome: RunOutcome = { choices: [{ index: 0, text: o.rollout.completion, finishReason: 'forced' }], latency: { totalMs: Date.now() - startedAt.getTime() }, cancelled: false };
        const records = runRecords({ runId, profile: o.profile, request: { ...built, body }, clip, question: recordQuestion, startedAt, finishedAt: new Date(), outcome });
        for (const r of records)
          r.ablation = { ...baseRecord(runId, kind, 'logprob', variant), logprob, answer_tokens: span.pieces, full_answer_tokens: full!.pieces, full_media_parts: fullBuilt.mediaParts };
        const runFile = await saveAblationRun(outDir, o.profile.model, kind, startedAt, records);
        results.push({ kind, method: 'logprob', samples: [], logprob, runFile });
        o.onProgress?.(kind, 1, 1);
        continue;
      } catch (e) {
        if (o.signal?.aborted) throw cancelled();
        const why =
          e instanceof LogprobsUnsupported
            ? e.message
            : e instanceof SpanNotFoundError
              ? `could not find the answer's tokens in prompt_logprobs: ${e.message}`
              : `log-probability scoring failed: ${errorMessage(e)}`;
        if (mode === 'always') {
          results.push({ kind, method: 'failed', samples: [], error: why });
          continue;
        }
        note = `${why}; sampled instead`;
        o.onProgress?.(kind, 0, samples);
      }
    }

    // Sampling: first the shared all-media baseline (once per rollout), then this kind.
    const base = await (baselineRun ??= runBaseline());
    if (o.signal?.aborted) throw cancelled();
    const withBaseline = base.baseline ? { baseline: base.baseline } : { baselineError: base.error ?? 'no baseline' };
    const run = await sampleAndSave(kind, built, variant, clip);
    if ('error' in run) {
      results.push({ kind, method: 'failed', samples: [], error: run.error, ...(note ? { note } : {}) });
      continue;
    }
    const { got, failure, runFile } = run;
    if (failure) {
      results.push({ kind, method: 'failed', samples: got, error: failure, ...(runFile ? { runFile } : {}), ...(note ? { note } : {}) });
      continue;
    }
    const differing = got.filter((s) => !s.same).length;
    const r: AblationResult = { kind, method: 'sampled', samples: got, changeRate: got.length ? differing / got.length : undefined, ...(runFile ? { runFile } : {}), ...withBaseline };
    const notes = [note, got.length < samples ? `the server returned ${got.length} of ${samples} samples` : undefined].filter(Boolean);
    if (notes.length) r.note = notes.join('; ');
    if (!got.length) {
      results.push({ kind, method: 'failed', samples: [], error: 'the server returned no samples', ...(runFile ? { runFile } : {}) });
      continue;
    }
    results.push(r);
    o.onProgress?.(kind, got.length, samples);
  }
  return results;
}
