// Reads and scores the sources of a comparison: each path with the scorer the CLI and the editor
// use, named by its label, its records' checkpoint, or its file name, and split when one file
// holds several checkpoints or steps.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomicFile';
import { readShortcutLines, shortcutSidecarPath } from '../core/shortcuts/sidecar';
import { canonicalJson, fnv1a64 } from '../core/grpo';
import { extractAnswer } from '../core/pycompat';
import { scoreFile, type ScoreOptions } from '../core/score';
import { firstFormatFailure } from '../core/trace';
import type { ScoredRollout } from '../core/types';
import { CompareError, type CompareSample, type CompareSource, type Comparison } from '../core/compare/compare';

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
  // The scorer's groups are known only at the end: loadCompareSources fills them in then.
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
    ref: { ...r.source },
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
  if (r.groupId !== undefined) sample.group = r.groupId;
  return sample;
}

export interface LoadedSources {
  sources: CompareSource[];
  /** Per source: share of its GRPO groups with zero variance (for step curves). */
  zeroVarianceShares: (number | undefined)[];
  problems: string[];
}

export interface LoadCompareOptions extends ScoreOptions {
  /** Keep each sample's completion (for views and reports that show the traces). */
  keepText?: boolean;
  /** The workspace whose shortcut analyses (.omnitrace/shortcuts/) give each rollout's verdicts. */
  workspace?: string;
}

/** Verdicts per rollout index from the workspace's shortcut analysis of a file, when there is one. */
async function shortcutVerdicts(workspace: string | undefined, file: string): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  if (!workspace) return out;
  const sidecar = shortcutSidecarPath(workspace, file);
  if (!existsSync(sidecar)) return out;
  const { lines } = await readShortcutLines(sidecar);
  for (const l of lines) if (l.shortcut) out.set(l.index, { audio: l.shortcut.audio.verdict, visual: l.shortcut.visual.verdict });
  return out;
}

/** Scores each path and splits it by checkpoint or step when its records name several. */
export async function loadCompareSources(specs: SourceSpec[], opts: LoadCompareOptions): Promise<LoadedSources> {
  const sources: CompareSource[] = [];
  const zeroVarianceShares: (number | undefined)[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    // Only the small sample of each rollout is kept, never the scored rollout: two 100k files fit.
    const samples: (CompareSample & { checkpoint?: string; step?: number })[] = [];
    const verdicts = await shortcutVerdicts(opts.workspace, spec.path);
    const run = await scoreFile(spec.path, opts, {
      record: (s) => {
        const sample: CompareSample & { checkpoint?: string; step?: number } = sampleOf(s);
        const v = verdicts.get(s.record.index);
        if (v) sample.shortcut = v;
        if (s.record.checkpoint !== undefined) sample.checkpoint = s.record.checkpoint;
        if (s.record.step !== undefined) sample.step = s.record.step;
        if (opts.keepText) sample.completion = s.record.completion;
        samples.push(sample);
      },
    });
    run.groups.forEach((g, i) => {
      if (g && samples[i]) samples[i]!.group = g.id;
    });
    for (const p of run.summary.problems) problems.push(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`);
    if (samples.length === 0) throw new CompareError(`${spec.path}: no rollout could be read${run.summary.skipped ? ` (${run.summary.skipped} records skipped)` : ''}`);
    const zeroShare = run.summary.groups ? run.summary.zeroVarianceGroups / run.summary.groups : undefined;
    const checkpoints = new Set(samples.map((s) => s.checkpoint));
    const steps = new Set(samples.map((s) => s.step));
    const base = spec.label ?? bareName(spec.path);
    if (checkpoints.size > 1 && !spec.label) {
      for (const ck of checkpoints) {
        sources.push({ name: ck ?? `${base} (no checkpoint)`, source: spec.path, samples: samples.filter((s) => s.checkpoint === ck) });
        zeroVarianceShares.push(undefined);
      }
    } else if (steps.size > 1) {
      for (const st of [...steps].sort((x, y) => (x ?? -1) - (y ?? -1))) {
        sources.push({ name: st === undefined ? `${base} (no step)` : `${base}@${st}`, source: spec.path, samples: samples.filter((s) => s.step === st), ...(st !== undefined ? { step: st } : {}) });
        zeroVarianceShares.push(undefined);
      }
    } else {
      const only = [...checkpoints][0];
      const step = [...steps][0];
      sources.push({ name: spec.label ?? only ?? base, source: spec.path, samples, ...(step !== undefined ? { step } : {}) });
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

/**
 * Saves a comparison the editor showed into `dir` (`.omnitrace/comparisons`), named by time and
 * checkpoints, in the shape `omnitrace compare --out` writes; returns its path.
 */
export async function saveComparison(dir: string, comparison: Comparison, at = new Date()): Promise<string> {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const names = comparison.checkpoints
    .map((c) => c.name.replace(/[^A-Za-z0-9._-]+/g, '_'))
    .join('-vs-')
    .slice(0, 120);
  const file = join(dir, `${stamp}-${names}.json`);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(file, JSON.stringify(comparison, null, 2) + '\n', { ownFile: true });
  return file;
}

/** A comparison saved by saveComparison or `compare --out`, checked for the parts the view needs. */
export async function readSavedComparison(file: string): Promise<Comparison> {
  const v = JSON.parse(await readFile(file, 'utf8')) as Partial<Comparison>;
  if (!Array.isArray(v.checkpoints) || !Array.isArray(v.pairs) || !Array.isArray(v.items) || typeof v.settings !== 'object') {
    throw new Error(`${file} is not a saved comparison (it needs checkpoints, pairs, items and settings)`);
  }
  return v as Comparison;
}
