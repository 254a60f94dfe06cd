// What the sidebar lists from a workspace's `.omnitrace/` folder: saved checkpoint runs (with
// model, time, size and accuracy), saved comparisons and labs, and labels per labeller and
// reward. Each reader reports an unreadable file as such instead of dropping it.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLabels, latestLabels } from '../../core/lab/labels';
import { scoreFile } from '../../core/score';
import { LAYOUT } from '../../core/workspaceLayout';

export interface RunSummary {
  path: string;
  model: string;
  /** When the run started (ISO), from its records, else the file's time. */
  startedAt: string;
  records: number;
  /** Mean rule accuracy over records that have one; null when none has (free-form, no reference). */
  accuracy: number | null;
  /** Records whose accuracy is left to the judge or has no reference. */
  unscoredAccuracy: number;
  problems: number;
}

async function filesIn(dir: string, suffix: string): Promise<string[]> {
  try {
    const names = await readdir(dir, { withFileTypes: true });
    return names
      .filter((d) => d.isFile() && d.name.endsWith(suffix))
      .map((d) => join(dir, d.name))
      .sort()
      .reverse();
  } catch {
    return [];
  }
}

/** Saved checkpoint runs, newest first (their names start with the time stamp). */
export async function listRuns(root: string): Promise<string[]> {
  return filesIn(join(root, LAYOUT.runs), '.rollouts.jsonl');
}

export async function summariseRun(path: string): Promise<RunSummary> {
  let model: string | undefined;
  let startedAt: string | undefined;
  let sum = 0;
  let n = 0;
  let unscored = 0;
  const run = await scoreFile(
    path,
    {},
    {
      record: (s) => {
        model ??= s.record.checkpoint;
        const at = s.record.extras?.started_at;
        if (startedAt === undefined && typeof at === 'string') startedAt = at;
        const acc = s.rewards.accuracy;
        if (acc && typeof acc.value === 'number' && acc.status === 'ok') {
          sum += acc.value;
          n++;
        } else unscored++;
      },
    },
  );
  return {
    path,
    model: model ?? 'unknown model',
    startedAt: startedAt ?? (await stat(path)).mtime.toISOString(),
    records: run.summary.read,
    accuracy: n ? sum / n : null,
    unscoredAccuracy: unscored,
    problems: run.summary.skipped,
  };
}

export interface SavedItem {
  path: string;
  kind: 'comparison' | 'lab';
  title: string;
  detail: string;
  /** Set when the file could not be read as what its folder says. */
  error?: string;
}

function comparisonItem(path: string, v: Record<string, unknown>): SavedItem {
  const cps = Array.isArray(v.checkpoints) ? (v.checkpoints as { name?: unknown }[]) : undefined;
  if (!cps || !Array.isArray(v.pairs) || !Array.isArray(v.items)) return { path, kind: 'comparison', title: path, detail: '', error: 'not a comparison (no checkpoints, pairs and items)' };
  return { path, kind: 'comparison', title: cps.map((c) => String(c.name)).join(' vs '), detail: `${v.items.length} items, ${v.pairs.length} pair${v.pairs.length === 1 ? '' : 's'}` };
}

function labItem(path: string, v: Record<string, unknown>): SavedItem {
  const variants = Array.isArray(v.variants) ? (v.variants as { name?: unknown }[]) : undefined;
  if (!variants) return { path, kind: 'lab', title: path, detail: '', error: 'not a judge lab (no variants)' };
  const items = Array.isArray(v.items) ? v.items.length : undefined;
  return { path, kind: 'lab', title: variants.map((x) => String(x.name)).join(' vs '), detail: items === undefined ? '' : `${items} items` };
}

/** Saved comparisons (`compare --out`, or saved from the editor) and judge labs, newest first. */
export async function listSaved(root: string): Promise<SavedItem[]> {
  const out: SavedItem[] = [];
  for (const [key, make] of [
    ['comparisons', comparisonItem],
    ['labs', labItem],
  ] as const) {
    for (const path of await filesIn(join(root, LAYOUT[key]), '.json')) {
      try {
        out.push(make(path, JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>));
      } catch (e) {
        out.push({ path, kind: key === 'comparisons' ? 'comparison' : 'lab', title: path, detail: '', error: `cannot read: ${(e as Error).message}` });
      }
    }
  }
  return out;
}

export interface LabellerSummary {
  labeller: string;
  path: string;
  /** reward → labelled items (latest label per item). */
  byReward: Record<string, number>;
  problems: number;
}

export async function listLabels(root: string): Promise<LabellerSummary[]> {
  const out: LabellerSummary[] = [];
  for (const path of (await filesIn(join(root, LAYOUT.labels), '.jsonl')).sort()) {
    const parsed = parseLabels(await readFile(path, 'utf8'), path);
    const byReward: Record<string, number> = {};
    for (const l of latestLabels(parsed.labels)) byReward[l.reward] = (byReward[l.reward] ?? 0) + 1;
    const labeller = parsed.labels[0]?.labeller ?? path.replace(/^.*[\\/]/, '').replace(/\.jsonl$/, '');
    out.push({ labeller, path, byReward, problems: parsed.problems.length });
  }
  return out;
}
