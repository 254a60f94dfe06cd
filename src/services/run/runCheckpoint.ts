// The one pipeline behind `omnitrace run` and the editor's "Run Checkpoint on Clip…": prepare the
// clip (probe, trim, encode), build the request, stream it, save the samples as rollout records
// under `runsDir` (atomically, never overwriting an earlier run). Callers decide what to show.
// No vscode here (src/core), and no process/stdio: progress and notes come back by callback.

import { mkdir, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { MediaTools, TimeRange } from '../../media/ffmpeg';
import { prepareMedia, type Prepared } from '../../media/prepare';
import { CheckpointCallError, CheckpointClient } from '../../models/checkpointClient';
import { DEFAULT_PROMPT_TEXTS, type PromptTexts } from '../../core/run/prompt';
import { buildChatRequest, type BuiltRequest, type CheckpointProfile } from '../../core/run/request';
import { runFilePath, runRecords, writeRunFile, type RunOutcome } from '../../core/run/runRecords';
import { CancellationError } from '../../core/errors';

export interface RunQuestion {
  problem: string;
  options?: string[];
  problemType?: string;
  answer?: string;
  solution?: string;
}

export interface RunCheckpointOptions {
  clip: string;
  profile: CheckpointProfile;
  question: RunQuestion;
  tools: MediaTools;
  runsDir: string;
  texts?: PromptTexts;
  range?: TimeRange;
  maxSide?: number;
  apiKey?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Build the request and stop before any call. */
  dryRun?: boolean;
  /** Save the run as its own file under runsDir (default); false: the caller saves the records. */
  save?: boolean;
  /** Things asked for but not applied (called once, before the call). */
  onNotes?: (notes: string[]) => void;
  onDelta?: (choiceIndex: number, text: string) => void;
  /** A sample is finished (its finish_reason arrived); the others may still be streaming. */
  onSampleDone?: (choiceIndex: number, finishReason: string) => void;
  /** For tests. */
  fetch?: typeof fetch;
}

export interface RunCheckpointResult {
  runId: string;
  prepared: Prepared;
  built: BuiltRequest;
  /** Absent on a dry run. */
  outcome?: RunOutcome;
  records?: Record<string, unknown>[];
  /** The saved run (absent on a dry run). */
  file?: string;
  /** The call failed after part of the reply streamed: the partial samples are saved. */
  failure?: CheckpointCallError;
}

/** Stopped while the clip was being prepared: nothing was sent. */
export class RunCancelledError extends CancellationError {
  constructor() {
    super('cancelled while preparing the clip; nothing was sent');
    this.name = 'RunCancelledError';
  }
}

export function newRunId(at = new Date()): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs the pipeline. Throws MediaToolError (the clip or ffmpeg), RunCancelledError, or
 * CheckpointCallError when the call failed before anything streamed (nothing is saved then).
 */
export async function runCheckpoint(o: RunCheckpointOptions): Promise<RunCheckpointResult> {
  const runId = newRunId();
  const runsDir = resolve(o.runsDir);
  let prepared: Prepared;
  try {
    prepared = await prepareMedia(o.clip, o.profile, o.tools, { range: o.range, maxSide: o.maxSide, mediaDir: join(runsDir, 'media'), signal: o.signal });
  } catch (e) {
    if (o.signal?.aborted) throw new RunCancelledError();
    throw e;
  }
  const question = { problem: o.question.problem, options: o.question.options, problemType: o.question.problemType };
  const built = buildChatRequest(o.profile, prepared.media, question, o.texts ?? DEFAULT_PROMPT_TEXTS);
  o.onNotes?.(built.notes);
  if (o.dryRun) return { runId, prepared, built };

  const client = new CheckpointClient({ baseURL: o.profile.baseURL, apiKey: o.apiKey, timeoutMs: o.timeoutMs, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const startedAt = new Date();
  let outcome: RunOutcome;
  let failure: CheckpointCallError | undefined;
  try {
    outcome = await client.stream(built.body, { signal: o.signal, onDelta: o.onDelta, onChoiceDone: o.onSampleDone });
  } catch (e) {
    if (!(e instanceof CheckpointCallError) || !e.partial) throw e;
    failure = e;
    outcome = { ...e.partial, error: e.message };
  }
  const finishedAt = new Date();
  const records = runRecords({
    runId,
    profile: o.profile,
    request: built,
    clip: { path: resolve(o.clip), kind: prepared.media.kind, hasAudio: prepared.media.hasAudio, ...(prepared.range ? prepared.range : {}) },
    question: { ...question, answer: o.question.answer, solution: o.question.solution },
    startedAt,
    finishedAt,
    outcome,
  });
  if (o.save === false) return { runId, prepared, built, outcome, records, ...(failure ? { failure } : {}) };
  await mkdir(runsDir, { recursive: true });
  let file = runFilePath(runsDir, o.profile.model, startedAt);
  const existing = new Set(await readdir(runsDir));
  for (let k = 2; existing.has(basename(file)); k++) file = file.replace(/(-\d+)?\.rollouts\.jsonl$/, `-${k}.rollouts.jsonl`);
  await writeRunFile(file, records);
  return { runId, prepared, built, outcome, records, file, ...(failure ? { failure } : {}) };
}
