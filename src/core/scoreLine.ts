// The per-rollout JSON object of `omnitrace score` output: the parts of a ScoredRollout a
// script needs (sections, diagnostics, rewards), without the raw completion or the prompt.
// Section texts are optional (`texts`): the offsets (start/end into the completion, which
// `source.byteOffset/byteLength` locate in the input) say the same in a fraction of the bytes,
// and writing every section's text, escaped, was most of `score`'s time on large files.

import type { RewardResult, ScoredRollout } from './types';
import type { JsonOut } from './jsonOut';

/**
 * The JSON object `omnitrace score` writes per rollout, before `group` is added. Without
 * `includeIndex` the index is left for the writer to prepend (it is known only in order).
 */
export function toScoreLine(s: ScoredRollout, includeIndex = true, texts = true): Record<string, unknown> {
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
    ...(texts ? { text: g.text } : {}),
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

/**
 * Writes JSON.stringify(toScoreLine(s, false)) as UTF-8 into `out`, without building the object
 * or the string (the scorer's hot path; test/unit/scoreLine.test.ts holds the two together).
 */
export function writeScoreLine(s: ScoredRollout, out: JsonOut, texts = true): void {
  const r = s.record;
  const src = r.source;
  out.byte(0x7b);
  // Ids are unique: kept out of the encoder's cache of repeating strings.
  const idWritten = typeof r.id === 'string' ? (out.key('id', true), out.unique(r.id), true) : out.prop('id', r.id, true);
  out.key('source', !idWritten);
  out.byte(0x7b);
  let f = !out.prop('file', src.file, true);
  if (out.prop('line', src.line, f)) f = false;
  if (out.prop('recordIndex', src.recordIndex, f)) f = false;
  if (src.byteOffset !== undefined) {
    if (out.prop('byteOffset', src.byteOffset, f)) f = false;
    out.prop('byteLength', src.byteLength, f);
  }
  out.byte(0x7d);
  out.prop('checkpoint', r.checkpoint);
  out.prop('step', r.step);
  out.prop('problemType', r.question.problemType ?? null);
  out.prop('formatOk', s.trace.formatOk);
  out.ascii(',"segments":[');
  const segs = s.trace.segments;
  for (let i = 0; i < segs.length; i++) {
    const g = segs[i]!;
    if (i > 0) out.byte(0x2c);
    out.byte(0x7b);
    let h = !out.prop('kind', g.kind, true);
    if (out.prop('occurrence', g.occurrence, h)) h = false;
    if (out.prop('outerStart', g.outerStart, h)) h = false;
    if (out.prop('outerEnd', g.outerEnd, h)) h = false;
    if (out.prop('start', g.start, h)) h = false;
    if (out.prop('end', g.end, h)) h = false;
    if (out.prop('closed', g.closed, h)) h = false;
    if (texts) out.prop('text', g.text, h);
    out.byte(0x7d);
  }
  out.byte(0x5d);
  if (s.trace.outside.length) out.prop('outside', s.trace.outside);
  out.prop('diagnostics', s.trace.diagnostics);
  out.ascii(',"rewards":{');
  let firstReward = true;
  for (const name in s.rewards) {
    if (!Object.prototype.hasOwnProperty.call(s.rewards, name)) continue;
    const v = s.rewards[name]!;
    if (!firstReward) out.byte(0x2c);
    firstReward = false;
    out.str(name);
    out.byte(0x3a);
    out.byte(0x7b);
    let h = !out.prop('value', v.value, true);
    if (out.prop('status', v.status, h)) h = false;
    if (out.prop('explanation', v.explanation, h)) h = false;
    if (v.quirks?.length && out.prop('quirks', v.quirks, h)) h = false;
    if (v.trainerValue !== undefined) out.prop('trainerValue', v.trainerValue, h);
    out.byte(0x7d);
  }
  out.byte(0x7d);
  out.prop('recordedAdvantage', r.recordedAdvantage);
  out.byte(0x7d);
}
