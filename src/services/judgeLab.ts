// The judge lab over a file: its items (optionally a frozen set), each variant judged through the
// one judge service and cache `omnitrace judge` uses, the labels, and the figures (core/lab/lab.ts).
// A variant is a template name — built-in, or `.omnitrace/judges/<name>.md` — or `<name>@<rev>`,
// that template file at a git revision of the workspace.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scoreFile, type ScoreOptions } from '../core/score';
import { parseTemplate, type JudgeTemplate } from '../core/judge/template';
import type { JudgedReward, JudgeProfile } from '../core/judge/types';
import { computeLab, type CalibrationRecord, type CalibrationState, type LabItem, type LabResult, type VariantJudgments } from '../core/lab/lab';
export type { CalibrationRecord, CalibrationState } from '../core/lab/lab';
import { parseLabels, scaleOf, type Label, type LabelProblem } from '../core/lab/labels';
import { contentKey, labelSetHash } from '../core/lab/labelKeys';
import type { ScoredRollout } from '../core/types';
import { LAYOUT } from '../core/workspaceLayout';
import { openJudgeService } from './judgeService';
import { writeFileAtomic } from '../core/atomicFile';

const run = promisify(execFile);

export class LabError extends Error {}

export interface LabOptions extends ScoreOptions {
  workspace: string;
  reward: JudgedReward;
  variants: string[];
  profile: JudgeProfile;
  apiKey?: string;
  templatesDir?: string;
  labelFiles?: string[];
  setFile?: string;
  repeats?: number;
  cacheDir?: string | false;
  /** Stop after the cost preview. */
  previewOnly?: boolean;
  onPreview?: (p: { variant: string; calls: number; cached: number; promptTokens: number; replyTokens: number }) => void;
  onProgress?: (done: number, total: number, variant: string) => void;
  signal?: AbortSignal;
}

export interface LabRun {
  lab: LabResult & { calibration: CalibrationState[] };
  labelProblems: LabelProblem[];
}

/** A template at a git revision of the workspace: `context@HEAD` reads .omnitrace/judges/context.md there. */
async function templateAtRevision(workspace: string, name: string, rev: string): Promise<JudgeTemplate> {
  const path = `${LAYOUT.judgeTemplates.split('\\').join('/')}/${name}.md`;
  try {
    const { stdout } = await run('git', ['show', `${rev}:${path}`], { cwd: workspace, maxBuffer: 16 << 20 });
    return { ...parseTemplate(stdout, `${path}@${rev}`), name: `${name}@${rev}` };
  } catch (e) {
    throw new LabError(`variant ${name}@${rev}: ${path} could not be read at ${rev} (${(e as Error).message.split('\n')[0]})`);
  }
}

async function readLabelFiles(workspace: string, files: string[] | undefined): Promise<{ labels: Label[]; problems: LabelProblem[] }> {
  let list = files;
  if (!list) {
    const dir = join(workspace, LAYOUT.labels);
    list = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).map((n) => join(dir, n)) : [];
  }
  const labels: Label[] = [];
  const problems: LabelProblem[] = [];
  for (const f of list) {
    const parsed = parseLabels(await readFile(f, 'utf8'), f);
    labels.push(...parsed.labels);
    problems.push(...parsed.problems);
  }
  return { labels, problems };
}

/** The keys a frozen set lists (`{"items": [{"key"}…]}` or a list of keys). */
async function readSet(file: string): Promise<Set<string>> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new LabError(`--set ${file}: ${(e as Error).message}`);
  }
  const list = Array.isArray(v) ? v : (v as { items?: unknown })?.items;
  if (!Array.isArray(list)) throw new LabError(`--set ${file}: expected {"items": [{"key": …}]} or a list of keys`);
  return new Set(list.map((x) => (typeof x === 'string' ? x : String((x as { key?: unknown }).key))));
}

const CALIBRATION_FILE = 'calibration.jsonl';

/** The workspace's calibration records, oldest first (unreadable lines skipped). */
export async function calibrationRecords(workspace: string): Promise<CalibrationRecord[]> {
  const f = join(workspace, LAYOUT.labs, CALIBRATION_FILE);
  if (!existsSync(f)) return [];
  return (await readFile(f, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as CalibrationRecord];
      } catch {
        return [];
      }
    });
}

export async function runJudgeLab(file: string, opts: LabOptions): Promise<LabRun> {
  // Variants first: one that cannot load is named before anything is scored or sent.
  const extraTemplates: Record<string, JudgeTemplate> = {};
  for (const v of opts.variants) {
    const at = v.lastIndexOf('@');
    if (at > 0) extraTemplates[v] = await templateAtRevision(opts.workspace, v.slice(0, at), v.slice(at + 1));
  }
  const services = [];
  for (const variant of opts.variants) {
    try {
      services.push(
        await openJudgeService({
          workspace: opts.workspace,
          profile: opts.profile,
          ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
          rewards: [opts.reward],
          templateChoice: { [opts.reward]: variant },
          ...(opts.templatesDir ? { templatesDir: opts.templatesDir } : {}),
          extraTemplates,
          repeats: opts.repeats ?? 1,
          ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
        }),
      );
    } catch (e) {
      throw new LabError(`variant ${variant} could not be loaded: ${(e as Error).message}`);
    }
  }

  const all: ScoredRollout[] = [];
  const runScore = await scoreFile(file, opts, { record: (s) => void all.push(s) });
  runScore.groups.forEach((g, i) => {
    if (g && all[i]) all[i]!.group = g;
  });
  const keyOf = (s: ScoredRollout) => contentKey(s.record.completion, s.record.reference.solution);
  const wanted = opts.setFile ? await readSet(opts.setFile) : undefined;
  const scored = wanted ? all.filter((s) => wanted.has(keyOf(s)) || (s.record.id !== undefined && wanted.has(s.record.id))) : all;
  if (scored.length === 0) throw new LabError(wanted ? `--set ${opts.setFile}: none of its items is in ${file}` : `${file}: no rollout could be read`);
  const items: LabItem[] = scored.map((s) => ({ key: keyOf(s), ...(s.record.id !== undefined ? { id: s.record.id } : {}), ...(s.group ? { group: s.group.id } : {}) }));

  for (let v = 0; v < services.length; v++) {
    const plan = await services[v]!.runner.plan(scored, [opts.reward]);
    opts.onPreview?.({ variant: opts.variants[v]!, ...plan });
  }
  const labelsRead = await readLabelFiles(opts.workspace, opts.labelFiles);
  const scale = [...scaleOf(opts.reward)];
  const judgments: VariantJudgments[] = [];
  if (!opts.previewOnly) {
    for (let v = 0; v < services.length; v++) {
      const svc = services[v]!;
      const template = svc.templates[opts.reward]!;
      const byItem: VariantJudgments['byItem'] = new Map();
      let done = 0;
      await Promise.all(
        scored.map(async (s, i) => {
          const r = (await svc.runner.judgeRollout(s, { rewards: [opts.reward], signal: opts.signal }))[opts.reward];
          const repeats = (r?.provenance as { repeats?: { score: number | null; status: string }[] } | undefined)?.repeats;
          if (repeats) byItem.set(items[i]!.key, { scores: repeats.map((x) => (x.status === 'ok' ? x.score : null)), statuses: repeats.map((x) => x.status) });
          else if (r) byItem.set(items[i]!.key, { scores: [], statuses: [r.status] });
          opts.onProgress?.(++done, scored.length, opts.variants[v]!);
        }),
      );
      judgments.push({ name: opts.variants[v]!, text: template.body, sha256: template.hash, model: opts.profile.model, byItem });
    }
  }
  const lab = computeLab(opts.reward, scale, items, judgments, labelsRead.labels);

  // Calibration: each variant's agreement keyed by template, judge model and label set; stale
  // when any of the three changed since the last record.
  const previous = await calibrationRecords(opts.workspace);
  const labelSet = labelSetHash(labelsRead.labels.filter((l) => l.reward === opts.reward));
  const calibration: CalibrationState[] = [];
  const records: CalibrationRecord[] = [];
  for (const v of lab.variants) {
    const prev = [...previous].reverse().find((r) => r.reward === opts.reward && r.variant === v.name);
    const why = prev
      ? [prev.sha256 !== v.sha256 ? 'the template changed' : '', prev.model !== v.model ? 'the judge model changed' : '', prev.labelSet !== labelSet ? 'the labels changed' : '']
          .filter(Boolean)
          .join(', ')
      : '';
    calibration.push({ variant: v.name, ...(prev ? { previous: prev } : {}), stale: !!why, ...(why ? { why } : {}) });
    const best = v.vsLabels.reduce<(typeof v.vsLabels)[number] | undefined>((b, x) => (!b || x.n > b.n ? x : b), undefined);
    if (best && best.n > 0)
      records.push({
        reward: opts.reward,
        variant: v.name,
        sha256: v.sha256,
        model: v.model,
        labelSet,
        n: best.n,
        qwk: Number.isFinite(best.qwk) ? best.qwk : null,
        exact: Number.isFinite(best.exact) ? best.exact : null,
        time: new Date().toISOString(),
      });
  }
  if (records.length && !opts.previewOnly) {
    const f = join(opts.workspace, LAYOUT.labs, CALIBRATION_FILE);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(opts.workspace, LAYOUT.labs), { recursive: true });
    const before = existsSync(f) ? await readFile(f, 'utf8') : '';
    await writeFileAtomic(f, before + records.map((r) => JSON.stringify(r)).join('\n') + '\n', { ownFile: true });
  }
  return { lab: { ...lab, calibration }, labelProblems: labelsRead.problems };
}
