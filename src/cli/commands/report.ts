// `omnitrace report`: one self-contained HTML file with the rollout table, traces, rewards and
// charts of a rollout file, for sharing or for CI artefacts.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptions, type InputOptionValues } from '../options';
import { InputError, UsageError } from '../errors';
import { scoreAll } from '../../core/score';
import { writeFileAtomic } from '../../core/atomicFile';
import { buildReportHtml } from '../../core/report';
import { resolveMediaPath } from '../../core/mediaPaths';
import type { Comparison } from '../../core/compare/compare';
import { detectFormat, readRolloutAt, type ReadOptions } from '../../core/readers/index';
import type { MediaInfo } from '../../core/viewTypes';
import type { ReadProblem, RewardResult, ScoredRollout } from '../../core/types';
import type { ReportData } from '../../core/reportData';
import type { CueInventory } from '../../core/shortcuts/types';
import { readInventory, readShortcutLines } from '../../core/shortcuts/sidecar';
import { judgedSidecarPath } from '../../core/judge/judgedSidecar';
import { summariseShortcuts } from '../../core/shortcuts/summary';

/** Rollout count above which the embedded data is gzip-compressed. */
const COMPRESS_ABOVE = 2000;

interface ReportCliOptions extends InputOptionValues {
  /** A judge output file; false with --no-judged. */
  judged?: string | false;
  compare?: string;
  lab?: string;
  plainData?: boolean;
  out: string;
  mediaRoot?: string;
  title?: string;
  scaleRewards?: boolean;
  shortcuts?: string;
  cuesDir?: string;
}

/** dist/cli.js sits beside dist/webview/main.js; from sources (tests via tsx) look in dist/. */
export function webviewBundlePath(): string {
  const candidates = [join(__dirname, 'webview', 'main.js'), join(__dirname, '..', '..', '..', 'dist', 'webview', 'main.js')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new InputError(`the webview bundle is missing (looked for ${candidates.join(', ')}): run the build first`);
  return found;
}

/** A URL path from the report's folder to the clip, each segment percent-encoded. */
export function relativeMediaSrc(reportDir: string, clip: string): string {
  return relative(reportDir, clip)
    .split(sep)
    .map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s)))
    .join('/');
}

/** `path` is `root` or inside it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A path as a shared report may show it: relative to the first root that holds it, else its base name. */
export function shareablePath(path: string, roots: string[]): string {
  const abs = resolve(path);
  for (const root of roots) if (inside(root, abs)) return relative(root, abs).split(sep).join('/') || basename(abs);
  return basename(abs);
}

/**
 * Where each rollout's clip is, relative to the report, or why it is not shown. A shared report
 * links only clips inside the input's folder or the media root: anything else would put a local
 * path (and a way to it) into a file meant for others, so such clips are listed as not included.
 */
export async function reportMedia(scored: ScoredRollout[], reportDir: string, mediaRoot: string | undefined, inputRoot: string): Promise<MediaInfo[]> {
  const known = new Map<string, Promise<boolean>>();
  const exists = (p: string) => {
    let hit = known.get(p);
    if (!hit)
      known.set(
        p,
        (hit = stat(p).then(
          (s) => s.isFile(),
          () => false,
        )),
      );
    return hit;
  };
  const roots = [inputRoot, ...(mediaRoot ? [mediaRoot] : [])];
  const real = (p: string) => realpath(p).catch(() => resolve(p));
  const realRoots = await Promise.all(roots.map(real));
  const out: MediaInfo[] = [];
  for (const s of scored) {
    const clip = s.record.clip;
    const r = await resolveMediaPath(clip?.path, { rolloutFile: resolve(s.record.source.file), mediaRoots: mediaRoot ? [mediaRoot] : [], dataType: clip?.dataType }, exists);
    if (r.status === 'found') {
      const at = await real(r.path);
      if (realRoots.some((root) => inside(root, at))) {
        out.push({ status: 'ok', kind: r.kind, src: relativeMediaSrc(reportDir, r.path), path: shareablePath(r.path, roots) });
      } else {
        out.push({ status: 'missing', path: basename(r.path), reason: "not included in this report: the clip is outside the input's folder and --media-root" });
      }
    } else {
      const reason = r.reason.replace(
        'Set omnitrace.mediaRoot to the folder the clip paths are relative to.',
        'Pass --media-root DIR (the folder the clip paths are relative to) when writing the report.',
      );
      // The places tried are named from the input's folder and the media root, not from /.
      let shared = reason.split(inputRoot + sep).join('<input folder>/');
      if (mediaRoot) shared = shared.split(mediaRoot + sep).join('<media root>/');
      out.push({ status: 'missing', ...(r.path ? { path: shareablePath(r.path, roots) } : {}), reason: shared });
    }
  }
  return out;
}

/** The records with the local paths they carry (their file, an absolute clip path) made shareable. */
function withShareablePaths(scored: ScoredRollout[], roots: string[]): ScoredRollout[] {
  return scored.map((s) => {
    const rec = s.record;
    const clip = rec.clip?.path && isAbsolute(rec.clip.path) ? { ...rec.clip, path: shareablePath(rec.clip.path, roots) } : rec.clip;
    return { ...s, record: { ...rec, source: { ...rec.source, file: shareablePath(rec.source.file, roots) }, ...(clip ? { clip } : {}) } };
  });
}

/** A shortcut sidecar and the inventories its lines refer to (a missing one is a problem, not a failure). */
async function reportShortcuts(file: string, cuesDir: string): Promise<{ data: NonNullable<ReportData['shortcuts']>; problems: ReadProblem[] }> {
  let read;
  try {
    read = await readShortcutLines(file);
  } catch (e) {
    throw new InputError(`--shortcuts ${file}: ${(e as Error).message}`);
  }
  const { lines, problems } = read;
  const inventories: Record<string, CueInventory> = {};
  for (const key of new Set(lines.map((l) => l.shortcut?.inventoryKey).filter((k): k is string => !!k))) {
    try {
      inventories[key] = await readInventory(cuesDir, key);
    } catch (e) {
      problems.push({ file: join(cuesDir, `${key}.json`), message: `cue inventory not included (no timeline): ${(e as Error).message}` });
    }
  }
  return { data: { lines, summary: summariseShortcuts(lines), inventories }, problems };
}

/**
 * The judged rewards of `omnitrace judge --out` (one score line per rollout, by index) joined to
 * the rollouts, so the shared report shows the judge's chips and evidence as the editor does.
 */
async function mergeJudged(file: string, scored: ScoredRollout[]): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`--judged ${file}: ${(e as Error).message}`);
  }
  const byIndex = new Map(scored.map((s) => [s.record.index, s]));
  let joined = 0;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: { index?: unknown; rewards?: Record<string, RewardResult> };
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new InputError(`--judged ${file}:${i + 1}: ${(e as Error).message}`);
    }
    const s = typeof v.index === 'number' ? byIndex.get(v.index) : undefined;
    if (!s || !v.rewards) return;
    for (const [name, r] of Object.entries(v.rewards)) {
      if ((r?.provenance as { source?: string } | undefined)?.source !== 'judge') continue;
      s.rewards = { ...s.rewards, [name]: r };
      joined++;
    }
  });
  if (joined === 0) throw new InputError(`--judged ${file}: no judged reward for these rollouts (is it the output of omnitrace judge on the same file?)`);
}

/** Traces of up to this many items go into a comparison report; beyond it, only the flipped ones. */
const COMPARE_TRACES_MAX = 5000;

/**
 * A comparison made shareable: its traces read back from the sources (every item's, or only the
 * flipped ones of a large comparison), the local paths it carries reduced to file names.
 */
async function compareForReport(file: string, opts: InputOptions): Promise<{ compare: NonNullable<ReportData['compare']>; problems: string[] }> {
  let comparison: Comparison;
  try {
    comparison = JSON.parse(await readFile(file, 'utf8')) as Comparison;
  } catch (e) {
    throw new InputError(`--compare ${file}: ${(e as Error).message}`);
  }
  if (!Array.isArray(comparison?.pairs) || !Array.isArray(comparison?.items)) throw new InputError(`--compare ${file}: not the output of omnitrace compare (no pairs and items)`);
  const flipped = new Set(comparison.pairs.flatMap((p) => [...p.flips.rightToWrong, ...p.flips.wrongToRight, ...p.flips.formatRegressions]));
  const wanted = comparison.items.length <= COMPARE_TRACES_MAX ? comparison.items : comparison.items.filter((i) => flipped.has(i.key));
  const traces: Record<string, Record<string, string>> = {};
  const problems: string[] = [];
  const formatOf = new Map<string, Promise<ReadOptions['format']>>();
  for (const item of wanted) {
    for (const [name, cell] of Object.entries(item.byCheckpoint)) {
      if (!cell.ref) continue;
      const ref = cell.ref;
      let format = formatOf.get(ref.file);
      if (!format)
        formatOf.set(
          ref.file,
          (format = detectFormat(ref.file).then(
            (d) => d.format,
            () => undefined,
          )),
        );
      try {
        const got = await readRolloutAt(ref, { ...opts, format: opts.format ?? (await format) });
        if (got.kind === 'record') (traces[item.key] ??= {})[name] = got.record.completion;
        else problems.push(`${cell.where}: ${got.problem.message}`);
      } catch (e) {
        problems.push(`${cell.where}: ${(e as Error).message}`);
      }
    }
  }
  // The shared file names no local path: sources by file name, no byte references.
  const shared: Comparison = {
    ...comparison,
    checkpoints: comparison.checkpoints.map((c) => ({ ...c, source: basename(c.source) })),
    items: comparison.items.map((i) => ({
      ...i,
      byCheckpoint: Object.fromEntries(
        Object.entries(i.byCheckpoint).map(([k, v]) => {
          const { ref: _ref, ...rest } = v;
          return [k, rest];
        }),
      ),
    })),
  };
  return { compare: { comparison: shared, traces, tracesOmitted: comparison.items.length - wanted.length }, problems };
}

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description('write one self-contained HTML report (table, traces, rewards, charts) of a rollout file')
    .argument('[file-or-dir]', 'rollout file or directory (see Formats below); not needed with --compare')
    .requiredOption('--out <report.html>', 'the HTML file to write (atomically)')
    .option('--media-root <dir>', 'folder the clip paths in the data are relative to')
    .option('--title <text>', 'title shown at the top of the report')
    .option('--scale-rewards', 'divide advantages by the group standard deviation (TRL scale_rewards)')
    .option('--shortcuts <file.jsonl>', 'show a shortcut analysis of the same file (the output of `omnitrace shortcuts --out`)')
    .option('--cues-dir <dir>', 'where that analysis cached its cue inventories, for the timelines', join('.omnitrace', 'cues'))
    .option('--compare <compare.json>', 'show a comparison of checkpoints (the output of `omnitrace compare --out`), with the traces read back from its sources')
    .option('--judged <file.jsonl>', 'show the judged rewards of `omnitrace judge --out` (the same file), with their evidence (default: the ones the editor saved in .omnitrace/judged/ for this file)')
    .option('--no-judged', 'leave out the judged rewards the editor saved')
    .option('--lab <lab.json>', 'show a judge lab (the output of `omnitrace judge-lab --out`)')
    .option('--plain-data', `never compress the embedded data (by default it is compressed above ${COMPRESS_ABOVE} rollouts)`);
  addInputOptions(cmd);
  cmd.action(async (input: string | undefined, values: ReportCliOptions) => {
    const inputOpts = inputOptionsFrom(values);
    const out = resolve(values.out);
    if (values.lab !== undefined) {
      guardOutputs([values.lab], [['--out', values.out]]);
      let lab: NonNullable<ReportData['lab']>;
      try {
        lab = JSON.parse(await readFile(values.lab, 'utf8'));
      } catch (e) {
        throw new InputError(`--lab ${values.lab}: ${(e as Error).message}`);
      }
      if (!Array.isArray(lab?.variants) || typeof lab.reward !== 'string') throw new InputError(`--lab ${values.lab}: not the output of omnitrace judge-lab (no reward and variants)`);
      const html = buildReportHtml({ title: values.title ?? `Omni Trace — judge lab: ${lab.reward}`, scored: [], webviewJs: await readFile(webviewBundlePath(), 'utf8'), lab });
      await writeFileAtomic(out, html);
      process.stdout.write(out + '\n');
      return;
    }
    if (values.compare !== undefined) {
      guardOutputs([values.compare], [['--out', values.out]]);
      const { compare, problems } = await compareForReport(values.compare, inputOpts);
      const html = buildReportHtml({
        title: values.title ?? `Omni Trace — ${compare.comparison.checkpoints.map((c) => c.name).join(' vs ')}`,
        scored: [],
        webviewJs: await readFile(webviewBundlePath(), 'utf8'),
        compare,
        gzip: compare.comparison.items.length > COMPRESS_ABOVE && !values.plainData ? (b) => gzipSync(b, { level: 6 }) : undefined,
      });
      await writeFileAtomic(out, html);
      process.stdout.write(out + '\n');
      process.stderr.write(`${compare.comparison.items.length} items compared${compare.tracesOmitted ? `, traces of ${compare.tracesOmitted} unflipped items left out` : ''}\n`);
      for (const p of problems.slice(0, 20)) process.stderr.write(`${p}\n`);
      return;
    }
    if (input === undefined) throw new UsageError('a rollout file or folder is needed (or --compare FILE)');
    guardOutputs([input, values.shortcuts, values.judged || undefined], [['--out', values.out]]);
    const mediaRoot = values.mediaRoot ? resolve(values.mediaRoot) : undefined;
    if (
      mediaRoot &&
      !(await stat(mediaRoot).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      throw new UsageError(`--media-root ${values.mediaRoot} is not a folder`);
    }
    const webviewJs = await readFile(webviewBundlePath(), 'utf8');
    const { scored, summary } = await scoreAll(input, { ...inputOpts, scaleRewards: values.scaleRewards ?? false });
    if (summary.read === 0 && summary.skipped > 0) throw new InputError(`no rollout could be read from ${input}`);
    // Without --judged, the judged rewards the editor saved for this file in this workspace.
    const sidecar = judgedSidecarPath(process.cwd(), input);
    const judged = values.judged === false ? undefined : (values.judged ?? (existsSync(sidecar) ? sidecar : undefined));
    if (judged) {
      await mergeJudged(judged, scored);
      if (!values.judged) process.stderr.write(`judged rewards from ${judged} (saved by the editor; --no-judged leaves them out)\n`);
    }
    const inputRoot = (await stat(input)).isDirectory() ? resolve(input) : dirname(resolve(input));
    const roots = [inputRoot, ...(mediaRoot ? [mediaRoot] : [])];
    const media = await reportMedia(scored, dirname(out), mediaRoot, inputRoot);
    const shortcuts = values.shortcuts ? await reportShortcuts(values.shortcuts, resolve(values.cuesDir ?? join('.omnitrace', 'cues'))) : undefined;
    const html = buildReportHtml({
      title: values.title ?? `Omni Trace — ${basename(resolve(input))}`,
      init: { fileName: basename(resolve(input)), format: summary.format, problems: summary.problems.map((p) => ({ ...p, file: shareablePath(p.file, roots) })), problemCount: summary.skipped },
      scored: withShareablePaths(scored, roots),
      media,
      webviewJs,
      ...(shortcuts ? { shortcuts: shortcuts.data } : {}),
      // Small reports stay readable JSON; large ones load far faster compressed.
      gzip: scored.length > COMPRESS_ABOVE && !values.plainData ? (b) => gzipSync(b, { level: 6 }) : undefined,
    });
    await writeFileAtomic(out, html);
    process.stdout.write(out + '\n');
    const missing = media.filter((m) => m.status === 'missing').length;
    process.stderr.write(`${scored.length} rollouts${summary.skipped ? `, ${summary.skipped} records skipped` : ''}${missing ? `, ${missing} without a playable clip` : ''}\n`);
    for (const p of shortcuts?.problems ?? []) process.stderr.write(`${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}\n`);
  });
}
