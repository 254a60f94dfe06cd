// The per-rollout JSON object of `omnitrace score` output: the parts of a ScoredRollout a
// script needs (sections, diagnostics, rewards), without the raw completion or the prompt.

import type { RewardResult, ScoredRollout } from './types';

/**
 * The JSON object `omnitrace score` writes per rollout, before `group` is added. Without
 * `includeIndex` the index is left for the writer to prepend (it is known only in order).
 */
export function toScoreLine(s: ScoredRollout, includeIndex = true): Record<string, unknown> {
  const r = s.record;
  const line: Record<string, unknown> = includeIndex ? { index: r.index } : {};
  if (r.id !== undefined) line.id = r.id;
  const src: Record<string, unknown> = { file: r.source.file };
  if (r.source.line !== undefined) src.line = r.source.line;
  if (r.source.recordIndex !== undefined) src.recordIndex = r.source.recordIndex;
  if (r.source.byteOffset !== undefined) {
    src.byteOffset = r.source.byteOffset;
    src.byteLength = r.source.byteLength;
  }
  line.source = src;
  if (r.checkpoint !== undefined) line.checkpoint = r.checkpoint;
  if (r.step !== undefined) line.step = r.step;
  line.problemType = r.question.problemType ?? null;
  line.formatOk = s.trace.formatOk;
  line.segments = s.trace.segments.map((g) => ({
    kind: g.kind,
    occurrence: g.occurrence,
    outerStart: g.outerStart,
    outerEnd: g.outerEnd,
    start: g.start,
    end: g.end,
    closed: g.closed,
    text: g.text,
  }));
  if (s.trace.outside.length) line.outside = s.trace.outside;
  line.diagnostics = s.trace.diagnostics;
  const rewards: Record<string, Partial<RewardResult>> = {};
  for (const [name, v] of Object.entries(s.rewards)) {
    const o: Partial<RewardResult> = { value: v.value, status: v.status, explanation: v.explanation };
    if (v.quirks?.length) o.quirks = v.quirks;
    if (v.trainerValue !== undefined) o.trainerValue = v.trainerValue;
    rewards[name] = o;
  }
  line.rewards = rewards;
  if (r.recordedAdvantage !== undefined) line.recordedAdvantage = r.recordedAdvantage;
  return line;
}
