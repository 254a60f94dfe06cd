// Aggregates over a rollout file's shortcut lines: verdict counts and the shortcut rate
// per modality, per problem type and per checkpoint; "right for the wrong reasons"; blind-
// answerable and not-sent counts; and per-rollout reliance points for the audio-vs-visual scatter.
// Pure.
//
// Shortcut rate = ignored / rollouts where the modality is available and a verdict was reached
// (not 'undetermined', 'not-applicable' or 'not-sent'); null when there are none.
// Reliance (0..1, null when unmeasured): the sampled change rate of the modality's ablation
// above its all-media baseline's (max 0: a model that changes its answer 1 time in 3 with every
// medium does not rely on a medium for that third), or
// the log-probability drop mapped as min(1, −delta / RELIANCE_FULL_DROP) (a drop of 5 nats, a
// 150× less likely answer, counts as full reliance; a rise counts as 0).

import type { AblationResult, ShortcutAnalysis, ShortcutLine, ShortcutModality, ShortcutSummary, Verdict, VerdictCounts } from './types';
import { SHORTCUT_MODALITIES } from './types';
import { NO_PROBLEM_TYPE } from '../types';

export const RELIANCE_FULL_DROP = 5;

const NO_RATE: ReadonlySet<Verdict> = new Set(['undetermined', 'not-applicable', 'not-sent']);

function emptyCounts(): VerdictCounts {
  return { total: 0, byVerdict: {}, shortcutRate: null };
}
function emptyPair(): Record<ShortcutModality, VerdictCounts> {
  return { audio: emptyCounts(), visual: emptyCounts() };
}

function finishRate(c: VerdictCounts): void {
  let decided = 0;
  for (const [v, n] of Object.entries(c.byVerdict) as [Verdict, number][]) if (!NO_RATE.has(v)) decided += n;
  c.shortcutRate = decided > 0 ? (c.byVerdict.ignored ?? 0) / decided : null;
}

/** Reliance on a modality from its ablation, 0..1, or null when unmeasured. */
export function relianceOf(ab: AblationResult | undefined): number | null {
  if (!ab || ab.method === 'failed') return null;
  if (ab.method === 'logprob' && ab.logprob) return Math.max(0, Math.min(1, -ab.logprob.delta / RELIANCE_FULL_DROP));
  const rate = ab.changeRate ?? (ab.samples.length ? ab.samples.filter((s) => !s.same).length / ab.samples.length : undefined);
  if (rate === undefined) return null;
  return ab.baseline ? Math.max(0, rate - ab.baseline.changeRate) : rate;
}

export const MAX_RELIANCE_POINTS = 5000;

export function summariseShortcuts(lines: ShortcutLine[]): ShortcutSummary {
  const s: ShortcutSummary = {
    rollouts: lines.length,
    failed: 0,
    perModality: emptyPair(),
    perProblemType: {},
    perCheckpoint: {},
    rightForWrongReasons: { count: 0, of: 0, indices: [] },
    blindAnswerable: { yes: 0, no: 0, unknown: 0 },
    notSent: { audio: 0, visual: 0 },
    reliance: [],
  };
  for (const line of lines) {
    const a = line.shortcut;
    if (line.error || !a) {
      s.failed++;
      continue;
    }
    const pt = line.problemType ?? NO_PROBLEM_TYPE;
    const ck = line.checkpoint ?? NO_PROBLEM_TYPE;
    const groups = [s.perModality, (s.perProblemType[pt] ??= emptyPair()), (s.perCheckpoint[ck] ??= emptyPair())];
    let ignored = false;
    for (const m of SHORTCUT_MODALITIES) {
      const v = a[m].verdict;
      for (const g of groups) {
        g[m].total++;
        g[m].byVerdict[v] = (g[m].byVerdict[v] ?? 0) + 1;
      }
      if (v === 'ignored') ignored = true;
      if (v === 'not-sent') s.notSent[m]++;
    }
    if (line.accuracy === 1) {
      s.rightForWrongReasons.of++;
      if (ignored) {
        s.rightForWrongReasons.count++;
        s.rightForWrongReasons.indices.push(line.index);
      }
    }
    if (a.blindAnswerable === true) s.blindAnswerable.yes++;
    else if (a.blindAnswerable === false) s.blindAnswerable.no++;
    else s.blindAnswerable.unknown++;
    const point: ShortcutSummary['reliance'][number] = {
      index: line.index,
      audio: a.audio.available ? relianceOf(a.audio.used.ablation ?? a.ablations.find((x) => x.kind === 'no-audio')) : null,
      visual: a.visual.available ? relianceOf(a.visual.used.ablation ?? a.ablations.find((x) => x.kind === 'no-video')) : null,
    };
    if (line.accuracy === 1 || line.accuracy === 0) point.correct = line.accuracy === 1;
    if (line.problemType) point.problemType = line.problemType;
    if (line.checkpoint) point.checkpoint = line.checkpoint;
    // Only what the scatter can plot, and at most MAX_RELIANCE_POINTS of it: the summary crosses
    // to the view with every init, and 100k points would make that slow for no readable gain.
    if (point.audio === null || point.visual === null) continue;
    if (s.reliance.length < MAX_RELIANCE_POINTS) s.reliance.push(point);
    else s.relianceOmitted = (s.relianceOmitted ?? 0) + 1;
  }
  for (const g of [s.perModality, ...Object.values(s.perProblemType), ...Object.values(s.perCheckpoint)]) for (const m of SHORTCUT_MODALITIES) finishRate(g[m]);
  return s;
}

function slimAblation(a: AblationResult | undefined): AblationResult | undefined {
  if (!a) return undefined;
  return {
    kind: a.kind,
    method: a.method,
    samples: a.samples.map((x) => ({ answer: null, completion: '', same: x.same })),
    ...(a.changeRate !== undefined ? { changeRate: a.changeRate } : {}),
    ...(a.logprob ? { logprob: a.logprob } : {}),
    ...(a.baseline ? { baseline: { samples: [], changeRate: a.baseline.changeRate } } : {}),
  };
}

/**
 * What summariseShortcuts reads of a line, without sentences, completions and evidence texts: a
 * file of many rollouts is summarised without keeping every full line in memory.
 */
export function slimForSummary(line: ShortcutLine): ShortcutLine {
  const { shortcut: a, ...rest } = line;
  if (!a) return rest;
  const mv = (v: ShortcutAnalysis['audio']): ShortcutAnalysis['audio'] => {
    const ab = slimAblation(v.used.ablation);
    return {
      ...v,
      reason: '',
      needed: { ...v.needed, detail: '' },
      used: { ...v.used, detail: '', ...(ab ? { ablation: ab } : {}) },
      claimed: { value: v.claimed.value, sentences: [], findings: [] },
    };
  };
  return {
    ...rest,
    shortcut: { ...a, audio: mv(a.audio), visual: mv(a.visual), sentences: [], findings: [], sent: { ...a.sent, evidence: [] }, ablations: a.ablations.map((x) => slimAblation(x)!) },
  };
}
