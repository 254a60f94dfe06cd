// Reads and scores the sources of a comparison: each path with the scorer the CLI and the editor
// use, named by its label, its records' checkpoint, or its file name, and split when one file
// holds several checkpoints or steps.

import { basename } from 'node:path';
import { canonicalJson, fnv1a64 } from '../core/grpo';
import { extractAnswer } from '../core/pycompat';
import { scoreFile, type ScoreOptions } from '../core/score';
import { firstFormatFailure } from '../core/trace';
import type { ScoredRollout } from '../core/types';
import { CompareError, type CompareSample, type CompareSource } from '../core/compare/compare';

export interface SourceSpec {
  path: string;
  /** From --label NAME=PATH. */
  label?: string;
}

/** A file's name without its extensions ("step-100.rollouts.jsonl" → "step-100"). */
export function bareName(path: string): string {
  const b = basename(path.replace(/[\\/]+$/, ''));
  const dot = b.indexOf('.');
  return dot > 0 ? b.slice(0, dot) : b;
}

function sampleOf(s: ScoredRollout): CompareSample {
  const r = s.record;
  const rewards: Record<string, number | null> = {};
  for (const [name, v] of Object.entries(s.rewards)) rewards[name] = v.value;
  const ans = extractAnswer(r.completion);
  const sample: CompareSample = {
    problemType: r.question.problemType ?? '(none)',
    answer: ans.found ? ans.answer : (s.trace.answer?.text ?? ''),
    formatOk: s.trace.formatOk,
    rewards,
    where: `${basename(r.source.file)}:${r.source.line ?? `#${r.source.recordIndex ?? r.index}`}`,
    completionChars: r.completion.length,
  };
  if (!s.trace.formatOk) sample.formatReason = firstFormatFailure(s.trace)?.code ?? 'unexplained';
  if (r.id !== undefined) sample.id = r.id;
  if (r.clip?.path !== undefined) sample.clip = r.clip.path;
  if (r.clip?.start !== undefined) sample.start = r.clip.start;
  if (r.clip?.end !== undefined) sample.end = r.clip.end;
  if (r.question.problem !== undefined) sample.question = r.question.problem;
  if (r.question.options) sample.options = r.question.options;
  const basis = r.prompt ?? r.question.problem;
  if (basis !== undefined) sample.promptHash = fnv1a64(canonicalJson(basis));
  if (s.group) sample.group = s.group.id;
  else if (r.groupId !== undefined) sample.group = r.groupId;
  return sample;
}

export interface LoadedSources {
  sources: CompareSource[];
  /** Per source: share of its GRPO groups with zero variance (for step curves). */
  zeroVarianceShares: (number | undefined)[];
  problems: string[];
}

/** Scores each path and splits it by checkpoint or step when its records name several. */
export async function loadCompareSources(specs: SourceSpec[], opts: ScoreOptions): Promise<LoadedSources> {
  const sources: CompareSource[] = [];
  const zeroVarianceShares: (number | undefined)[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    const scored: ScoredRollout[] = [];
    const run = await scoreFile(spec.path, opts, { record: (s) => void scored.push(s) });
    run.groups.forEach((g, i) => {
      if (g && scored[i]) scored[i]!.group = g;
    });
    for (const p of run.summary.problems) problems.push(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
    if (scored.length === 0) throw new CompareError(`${spec.path}: no rollout could be read${run.summary.skipped ? ` (${run.summary.skipped} records skipped)` : ''}`);
    const zeroShare = run.summary.groups ? run.summary.zeroVarianceGroups / run.summary.groups : undefined;
    const checkpoints = new Set(scored.map((s) => s.record.checkpoint));
    const steps = new Set(scored.map((s) => s.record.step));
    const base = spec.label ?? bareName(spec.path);
    if (checkpoints.size > 1 && !spec.label) {
      for (const ck of checkpoints) {
        const part = scored.filter((s) => s.record.checkpoint === ck);
        sources.push({ name: ck ?? `${base} (no checkpoint)`, source: spec.path, samples: part.map(sampleOf) });
        zeroVarianceShares.push(undefined);
      }
    } else if (steps.size > 1) {
      for (const st of [...steps].sort((x, y) => (x ?? -1) - (y ?? -1))) {
        const part = scored.filter((s) => s.record.step === st);
        sources.push({ name: st === undefined ? `${base} (no step)` : `${base}@${st}`, source: spec.path, samples: part.map(sampleOf), ...(st !== undefined ? { step: st } : {}) });
        zeroVarianceShares.push(undefined);
      }
    } else {
      const only = [...checkpoints][0];
      const step = [...steps][0];
      sources.push({ name: spec.label ?? only ?? base, source: spec.path, samples: scored.map(sampleOf), ...(step !== undefined ? { step } : {}) });
      zeroVarianceShares.push(zeroShare);
    }
  }
  // Two sources of one name cannot be told apart in the results.
  const seen = new Map<string, number>();
  for (const s of sources) {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    if (n > 1) s.name = `${s.name} (${n})`;
  }
  // Steps only count as a series when every source is one.
  if (!sources.every((s) => s.step !== undefined)) for (const s of sources) delete s.step;
  return { sources, zeroVarianceShares, problems };
}
