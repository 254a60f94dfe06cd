// `omnitrace shortcuts` as a function (node side): every rollout of a file or directory
// (readRollouts: any supported format), its clip resolved against the media roots, the cue
// inventory built once per clip + range (kept in memory here; src/cues caches it on disk by
// content hash), ablations against the checkpoint endpoint when one is given, the pure analysis
// (analyse.ts), and one ShortcutLine per rollout written to `out` atomically, in input order.
//
// Failures stay local: a clip that cannot be found or analysed gives its rollout an
// `inventoryError`; failed ablations are AblationResults with method 'failed'; an exception in
// one rollout's analysis gives that rollout a line with `error`; the rest continue. Cancelling
// (signal) stops before the next rollout and keeps the lines written so far.

import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { openAtomic } from '../../core/atomicFile';
import { limiter, readAhead } from '../../core/orderedPool';
import { resolveMediaPath } from '../../core/mediaPaths';
import { extractAnswer } from '../../core/pycompat';
import { readRollouts, type ReadOptions } from '../../core/readers/index';
import type { CheckpointProfile } from '../../core/run/request';
import type { ReadProblem, RolloutRecord } from '../../core/types';
import type { MediaTools } from '../../media/ffmpeg';
import { accuracyOf, analyseRollout, availabilityOf } from '../../core/shortcuts/analyse';
import type { RunAblationsOptions } from './ablation';
import type { OnScreenMatcher } from '../../core/shortcuts/claimChecks';
import { judgeUnplacedClaims, type ClaimJudge } from '../../core/shortcuts/claimJudge';
import { claimSentences } from '../../core/shortcuts/claims';
import { textSourcesDecide } from '../../core/shortcuts/needed';
import { judgeNeeded, type NeededJudgeResult } from '../../core/shortcuts/neededJudge';
import { modalitySent } from '../../core/shortcuts/sent';
import { slimForSummary, summariseShortcuts } from '../../core/shortcuts/summary';
import type { AblationKind, AblationResult, ClaimSentence, CueInventory, ShortcutAnalysis, ShortcutLine, ShortcutSummary } from '../../core/shortcuts/types';
import { errorText } from '../../core/errors';

export interface ShortcutEndpoint {
  profile: CheckpointProfile;
  apiKey?: string;
  kinds: AblationKind[];
  samples: number;
  runsDir: string;
  useLogprobs?: 'auto' | 'never' | 'always';
}

export interface InventoryRequest {
  tools: MediaTools;
  range?: { start?: number; end?: number };
  cacheDir?: string;
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
}

/** What the analysis asks of the ablation runner: runAblations' options, minus the test hooks. */
export type AblationRequest = Omit<RunAblationsOptions, 'fetch' | 'onProgress'>;

/** What the analysis needs from cue extraction and ablations (src/cues, ablation.ts); injectable for tests. */
export interface ShortcutDeps {
  buildInventory(clip: string, opts: InventoryRequest): Promise<CueInventory>;
  runAblations(req: AblationRequest): Promise<AblationResult[]>;
  locateTools(): MediaTools;
  onScreen?: OnScreenMatcher;
}

export interface ShortcutProgress {
  done: number;
  failed: number;
  /** What is running now: 'cues', 'ablations', or a cue-extraction stage. */
  stage?: string;
  index?: number;
}

export interface AnalyseFileOptions {
  file: string;
  out: string;
  mediaRoots?: string[];
  tools?: MediaTools;
  cacheDir: string;
  endpoint?: ShortcutEndpoint;
  signal?: AbortSignal;
  read?: ReadOptions;
  onProgress?: (p: ShortcutProgress) => void;
  onLine?: (line: ShortcutLine) => void;
  /**
   * Clips whose inventories are built at once (default 1): the next rollouts' clips are started
   * while the current one is analysed, so ffmpeg decodes one clip while the models read another.
   */
  jobs?: number;
  /** Optional: a judge places the sentences the rules tag 'none' (one cached call per trace). */
  claimJudge?: ClaimJudge;
  /**
   * Optional: a judge classifies which cues a question needs, for questions without dataset cue
   * labels or a reference context (one cached call per distinct question). Default: claimJudge,
   * so one judge endpoint serves both passes; `false` turns this pass off.
   */
  neededJudge?: ClaimJudge | false;
  deps: ShortcutDeps;
}

export interface AnalyseFileResult {
  written: number;
  failed: number;
  summary: ShortcutSummary;
  problems: ReadProblem[];
  cancelled: boolean;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const errText = (e: unknown) => errorText(e);

function rangeOf(r: RolloutRecord): { start?: number; end?: number } | undefined {
  const c = r.clip;
  if (c?.start === undefined && c?.end === undefined) return undefined;
  // An open end is the clip's end (resolved against its duration by the media stage).
  return { ...(c?.start !== undefined ? { start: c.start } : {}), ...(c?.end !== undefined ? { end: c.end } : {}) };
}

/** What the media stage needs for the file: tools found once, inventories built once per clip + range. */
class ClipStage {
  private tools: MediaTools | undefined;
  private toolsError: string | undefined;
  private readonly inventories = new Map<string, Promise<CueInventory>>();
  private readonly slot: <R>(f: () => Promise<R>) => Promise<R>;

  constructor(private readonly o: AnalyseFileOptions) {
    this.tools = o.tools;
    this.slot = limiter(o.jobs ?? 1);
  }

  /** Starts the rollout's inventory ahead of its turn (what it finds is kept for inventoryOf). */
  prefetch(r: RolloutRecord, rolloutFile: string): void {
    if (!this.o.signal?.aborted) void this.inventoryOf(r, rolloutFile, () => {}).catch(() => {});
  }

  getTools(): { tools?: MediaTools; error?: string } {
    if (!this.tools && !this.toolsError) {
      try {
        this.tools = this.o.deps.locateTools();
      } catch (e) {
        this.toolsError = errText(e);
      }
    }
    return this.tools ? { tools: this.tools } : { error: this.toolsError ?? 'ffmpeg not found' };
  }

  /** The clip's path and inventory, or why there is none. A failed inventory is not retried for the file. */
  async inventoryOf(r: RolloutRecord, rolloutFile: string, progress: (stage: string) => void): Promise<{ clip?: string; inventory?: CueInventory; error?: string }> {
    const found = await resolveMediaPath(r.clip?.path, { rolloutFile, mediaRoots: this.o.mediaRoots ?? [], dataType: r.clip?.dataType }, exists);
    if (found.status === 'missing') return { error: found.reason };
    const clip = found.path;
    const t = this.getTools();
    if (!t.tools) return { clip, error: `cannot analyse the clip: ${t.error}` };
    const range = rangeOf(r);
    const key = `${clip}\u0000${range?.start ?? ''}\u0000${range?.end ?? ''}`;
    let p = this.inventories.get(key);
    if (!p) {
      progress('cues');
      const tools = t.tools;
      p = this.slot(() => this.o.deps.buildInventory(clip, { tools, ...(range ? { range } : {}), cacheDir: this.o.cacheDir, ...(this.o.signal ? { signal: this.o.signal } : {}), onStage: progress }));
      this.inventories.set(key, p);
    }
    try {
      return { clip, inventory: await p };
    } catch (e) {
      if (this.o.signal?.aborted) throw e;
      return { clip, error: `cue extraction failed: ${errText(e)}` };
    }
  }
}

/** The rollout's ablations, or why there are none (no endpoint, no clip, media withheld, failure). */
async function ablationsOf(
  r: RolloutRecord,
  clip: string | undefined,
  inventory: CueInventory | undefined,
  stage: ClipStage,
  o: AnalyseFileOptions,
): Promise<{ ablations?: AblationResult[]; note?: string }> {
  const e = o.endpoint;
  if (!e) return { note: 'no checkpoint endpoint given: ablations not run' };
  if (!clip) return { note: 'the clip was not found: ablations need it' };
  const sent = modalitySent(r);
  const withheld = (['audio', 'visual'] as const).filter((m) => sent[m] === false && availabilityOf(r, inventory, m).available);
  // The ablations send the clip's media; the original answer was made without some of them, so
  // comparing the two would measure the pipeline fault, not the model.
  if (withheld.length) return { note: `not run: the original request never sent the ${withheld.join(' and ')}, so ablations would compare against media the model never saw` };
  const t = stage.getTools();
  if (!t.tools) return { note: `ablations need ffmpeg: ${t.error}` };
  // Only ablate what the clip has: removing absent audio measures nothing.
  const kinds = e.kinds.filter((k) => (k === 'no-audio' ? availabilityOf(r, inventory, 'audio').available : k === 'no-video' ? availabilityOf(r, inventory, 'visual').available : true));
  if (!kinds.length) return { ablations: [] };
  const question = { problem: r.question.problem ?? '', ...(r.question.options ? { options: r.question.options } : {}), ...(r.question.problemType ? { problemType: r.question.problemType } : {}) };
  const reference = r.reference.solution ? extractAnswer(r.reference.solution).answer : r.reference.answer;
  const ex = extractAnswer(r.completion);
  const range = rangeOf(r);
  try {
    const ablations = await o.deps.runAblations({
      rollout: {
        ...(r.id !== undefined ? { id: r.id } : {}),
        completion: r.completion,
        answer: ex.found ? ex.answer : null,
        ...(r.question.problemType ? { problemType: r.question.problemType } : {}),
        ...(reference !== undefined ? { reference } : {}),
        question,
      },
      clip,
      ...(range ? { range } : {}),
      profile: e.profile,
      ...(e.apiKey ? { apiKey: e.apiKey } : {}),
      tools: t.tools,
      kinds,
      samples: e.samples,
      runsDir: e.runsDir,
      ...(e.useLogprobs ? { useLogprobs: e.useLogprobs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { ablations };
  } catch (err) {
    if (o.signal?.aborted) throw err;
    // Nothing was measured (the clip could not be prepared…): say so, keep the other signals.
    return { note: `ablations failed: ${errText(err)}` };
  }
}

/** The judge's classification of the question's needed cues, when labels and the reference context cannot say. */
async function neededJudgementOf(r: RolloutRecord, o: AnalyseFileOptions, memo: Map<string, Promise<NeededJudgeResult>>, progress: (stage: string) => void): Promise<NeededJudgeResult | undefined> {
  const judge = o.neededJudge === undefined ? o.claimJudge : o.neededJudge || undefined;
  if (!judge || textSourcesDecide(r)) return undefined;
  progress('needed judge');
  // No reference context here (it would have decided): the answer is what the judge gets of the reference.
  const sol = r.reference.solution?.trim();
  const ex = sol ? extractAnswer(sol) : undefined;
  // A solution without <answer> tags is taken as the bare answer when the record has no other.
  const referenceAnswer = ex?.found ? ex.answer : (r.reference.answer ?? (sol && !sol.includes('<') ? sol.slice(0, 300) : undefined));
  return judgeNeeded(
    {
      problem: r.question.problem ?? '',
      ...(r.question.options ? { options: r.question.options } : {}),
      ...(r.question.problemType ? { problemType: r.question.problemType } : {}),
      ...(referenceAnswer ? { referenceAnswer } : {}),
    },
    judge,
    { memo, ...(o.signal ? { signal: o.signal } : {}) },
  );
}

async function analyseOne(
  r: RolloutRecord,
  rolloutFile: string,
  stage: ClipStage,
  o: AnalyseFileOptions,
  memo: Map<string, Promise<NeededJudgeResult>>,
  progress: (stage: string) => void,
): Promise<ShortcutAnalysis> {
  const { clip, inventory, error: inventoryError } = await stage.inventoryOf(r, rolloutFile, progress);
  if (o.endpoint && clip) progress('ablations');
  const { ablations, note: ablationNote } = await ablationsOf(r, clip, inventory, stage, o);
  // Optional judge classification of the sentences the rules could not place.
  let sentences: ClaimSentence[] | undefined;
  let claimsNote: string | undefined;
  if (o.claimJudge) {
    progress('claim judge');
    const j = await judgeUnplacedClaims(claimSentences(r.completion), o.claimJudge, o.signal);
    sentences = j.sentences;
    claimsNote = j.note;
  }
  const nj = await neededJudgementOf(r, o, memo, progress);
  return analyseRollout(r, {
    ...(nj?.judgement ? { neededJudgement: nj.judgement } : {}),
    ...(nj?.note ? { neededNote: nj.note } : {}),
    ...(sentences ? { sentences } : {}),
    ...(claimsNote ? { claimsNote } : {}),
    ...(inventory ? { inventory } : {}),
    ...(inventoryError ? { inventoryError } : {}),
    ...(ablations ? { ablations } : {}),
    ...(ablationNote ? { ablationNote } : {}),
    ...(o.deps.onScreen ? { onScreen: o.deps.onScreen } : {}),
  });
}

export async function analyseShortcutsFile(o: AnalyseFileOptions): Promise<AnalyseFileResult> {
  const problems: ReadProblem[] = [];
  const lines: ShortcutLine[] = [];
  const rolloutFile = resolve(o.file);
  const stage = new ClipStage(o);
  // Judge classifications of "needed" shared by the rollouts of the same question (a GRPO group).
  const neededMemo = new Map<string, Promise<NeededJudgeResult>>();
  const sink = await openAtomic(resolve(o.out));
  let failed = 0;
  let cancelled = false;
  try {
    // Rollouts read ahead start their clips' inventories, at most `jobs` at once.
    const ahead = (o.jobs ?? 1) > 1 ? 2 * o.jobs! : 1;
    const items = readAhead(readRollouts(o.file, o.read ?? {}), ahead, (item) => {
      if (ahead > 1 && item.kind !== 'problem') stage.prefetch(item.record, rolloutFile);
    });
    for await (const item of items) {
      if (item.kind === 'problem') {
        problems.push(item.problem);
        continue;
      }
      if (o.signal?.aborted) {
        cancelled = true;
        break;
      }
      const r = item.record;
      const line: ShortcutLine = { index: r.index, source: { file: r.source.file, ...(r.source.line !== undefined ? { line: r.source.line } : {}) } };
      if (r.id !== undefined) line.id = r.id;
      if (r.question.problemType) line.problemType = r.question.problemType;
      if (r.checkpoint) line.checkpoint = r.checkpoint;
      try {
        line.accuracy = accuracyOf(r);
        line.shortcut = await analyseOne(r, rolloutFile, stage, o, neededMemo, (st) => o.onProgress?.({ done: lines.length, failed, stage: st, index: r.index }));
      } catch (e) {
        if (o.signal?.aborted) {
          cancelled = true;
          break;
        }
        line.error = errText(e);
        failed++;
      }
      lines.push(slimForSummary(line));
      await sink.fh.write(JSON.stringify(line) + '\n');
      o.onLine?.(line);
      o.onProgress?.({ done: lines.length, failed });
    }
    await sink.commit();
  } catch (e) {
    await sink.abort();
    throw e;
  }
  return { written: lines.length, failed, summary: summariseShortcuts(lines), problems, cancelled };
}
