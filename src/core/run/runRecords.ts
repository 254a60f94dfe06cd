// A checkpoint run saved as rollout records (our *.rollouts.jsonl schema, see the comment at the
// top of src/core/readers/index.ts), one per sampled choice, so `omnitrace score` and the rollout
// view read it back. Field names avoid the readers' candidates for other fields (no top-level
// `prompt`, `input`, `media`, `type`, `reference`, `output`, `*reward`/`score`).

import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile';
import { profileForRecord, type BuiltRequest, type CheckpointProfile } from './request';

export interface RunChoice {
  index: number;
  text: string;
  finishReason?: string;
}

export interface RunOutcome {
  choices: RunChoice[];
  usage?: { promptTokens: number; completionTokens: number; totalTokens: number };
  model?: string;
  latency: { firstTokenMs?: number; totalMs: number };
  cancelled: boolean;
  /** Set when the call failed after part of the reply streamed. */
  error?: string;
}

export interface RunInput {
  runId: string;
  profile: CheckpointProfile;
  request: BuiltRequest;
  clip: { path: string; kind: 'video' | 'image' | 'audio'; hasAudio: boolean; start?: number; end?: number };
  question: { problem: string; options?: string[]; problemType?: string; answer?: string; solution?: string };
  startedAt: Date;
  finishedAt: Date;
  outcome: RunOutcome;
}

/** The sampling parameters as sent (the body without messages). */
function paramsOf(body: Record<string, unknown>): Record<string, unknown> {
  const { messages: _m, ...rest } = body;
  return rest;
}

export function runRecords(r: RunInput): Record<string, unknown>[] {
  const n = Math.max(1, Number(r.request.body.n ?? 1));
  const byIndex = new Map(r.outcome.choices.map((c) => [c.index, c]));
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const c = byIndex.get(i);
    if (!c && !r.outcome.cancelled && !r.outcome.error) continue;
    const rec: Record<string, unknown> = {
      id: `${r.runId}-${i}`,
      group_id: r.runId,
      run_id: r.runId,
      sample_index: i,
      checkpoint: r.profile.model,
      profile: profileForRecord(r.profile),
      problem: r.question.problem,
    };
    if (r.question.options?.length) rec.options = r.question.options;
    if (r.question.problemType) rec.problem_type = r.question.problemType;
    if (r.question.solution !== undefined) rec.solution = r.question.solution;
    if (r.question.answer !== undefined) rec.answer = r.question.answer;
    rec[r.clip.kind] = r.clip.path;
    if (r.clip.start !== undefined) rec.start = r.clip.start;
    if (r.clip.end !== undefined) rec.end = r.clip.end;
    rec.data_type = r.clip.kind;
    rec.has_audio = r.clip.hasAudio;
    rec.has_video = r.clip.kind !== 'audio';
    rec.completion = c?.text ?? '';
    rec.finish_reason = c?.finishReason ?? null;
    rec.cancelled = r.outcome.cancelled;
    if (r.outcome.error) rec.error = r.outcome.error;
    rec.request = {
      system: r.request.systemText,
      user_text: r.request.userText,
      params: paramsOf(r.request.body),
      media_parts: r.request.mediaParts,
      notes: r.request.notes,
    };
    if (r.outcome.usage) rec.usage = r.outcome.usage;
    if (r.outcome.model) rec.served_model = r.outcome.model;
    rec.latency_ms = { first_token: r.outcome.latency.firstTokenMs ?? null, total: r.outcome.latency.totalMs };
    rec.started_at = r.startedAt.toISOString();
    rec.finished_at = r.finishedAt.toISOString();
    out.push(rec);
  }
  return out;
}

/** `<dir>/<timestamp>-<model>.rollouts.jsonl` (model reduced to safe file-name characters). */
export function runFilePath(dir: string, model: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '');
  const safe =
    (model.split(/[\\/]/).filter(Boolean).pop() ?? model)
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(-80) || 'model';
  return join(dir, `${stamp}-${safe}.rollouts.jsonl`);
}

/** Writes (or rewrites, once judged) a run's own records file. */
export async function writeRunFile(path: string, records: Record<string, unknown>[]): Promise<void> {
  await writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''), { ownFile: true });
}
