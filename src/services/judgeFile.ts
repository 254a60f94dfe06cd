// `omnitrace judge` without the command line: scores a rollout file (format, accuracy), judges the
// requested rewards through a JudgeRunner, and writes one JSON object per rollout in input order,
// atomically. Calls run concurrently while the output stays ordered: rollouts wait in a bounded
// window and are written as soon as every earlier one is. GRPO groups (and, with markov, the
// partial-reward spans, which need each judge's group advantage) are known only at the end, so
// pass 1 writes lines to a temp file and pass 2 adds `group` (and `partialSpans`).

import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openAtomic, trackTemp, untrackTemp } from '../core/atomicFile';
import { defaultAdvantageRule, scoreFile, type ScoreOptions, type ScoreSummary } from '../core/score';
import { toScoreLine } from '../core/scoreLine';
import { computeGroups, groupKeyFor, partialRewardSpans } from '../core/grpo';
import { applyMarkovGating, totalReward, type MarkovOptions } from '../core/rewards/index';
import type { GroupStats, RewardResult, RewardStatus, ScoredRollout } from '../core/types';
import { readLineBatches } from '../core/readers/lines';
import { shardOf } from '../core/shard';
import type { JudgeRunner, JudgeStats } from '../core/judge/runner';
import type { JudgedReward } from '../core/judge/types';

export interface JudgeFileProgress {
  /** Rollouts written (judged or not applicable). */
  written: number;
  /** Rollouts read so far. */
  read: number;
  stats: JudgeStats;
}

export interface JudgeFileOptions extends ScoreOptions {
  runner: JudgeRunner;
  rewards: readonly JudgedReward[];
  /** Output file (atomically); stdout when undefined. */
  out?: string;
  stdout?: NodeJS.WritableStream;
  /** Apply the trainer's markov gating and add partial-reward spans to each line. */
  markov?: boolean | MarkovOptions;
  signal?: AbortSignal;
  /** After each rollout written (the caller throttles). */
  onProgress?: (p: JudgeFileProgress) => void;
  /** Rollouts in flight at most (default max(256, 8 × concurrency)). */
  window?: number;
  /** Only this slice of the rollouts (by GRPO group key, core/shard.ts); the others are left out of the output. */
  shard?: { index: number; count: number };
}

export interface JudgeFileSummary {
  score: ScoreSummary;
  rollouts: number;
  /** reward → status → count, over the judged rewards. */
  byReward: Record<string, Partial<Record<RewardStatus, number>>>;
  stats: JudgeStats;
  elapsedMs: number;
  cancelled: boolean;
}

interface Pending {
  /** Position among the records read (the scorer's groups are indexed by it). */
  at: number;
  scored: ScoredRollout;
  judged: Promise<Record<string, RewardResult>>;
}

/** The non-empty lines of a file without their newline (each a view into a reused buffer: use it at once). */
async function* lines(path: string): AsyncGenerator<Buffer> {
  for await (const batch of readLineBatches(path)) {
    for (const l of batch.lines) if (l.byteLength > 0) yield batch.buf.subarray(l.start, l.start + l.byteLength);
  }
}

function jsonValue(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

function groupJson(g: GroupStats | undefined): unknown {
  if (!g) return null;
  const o: Record<string, unknown> = {
    id: g.id,
    size: g.size,
    mean: jsonValue(g.mean),
    std: jsonValue(g.std),
    total: jsonValue(g.total),
    advantage: jsonValue(g.advantage),
    zeroVariance: g.zeroVariance,
  };
  if (g.excluded) o.excluded = g.excluded;
  if (g.note !== undefined) o.note = g.note;
  return o;
}

/** Judges `path` into JSON lines. A cancelled run still writes every rollout (unfinished: 'cancelled'). */
export async function judgeToJsonl(path: string, opts: JudgeFileOptions): Promise<JudgeFileSummary> {
  const started = Date.now();
  const markovOpts: MarkovOptions | undefined = opts.markov ? (opts.markov === true ? {} : opts.markov) : undefined;
  const window = Math.max(1, opts.window ?? Math.max(256, opts.runner.profile.concurrency * 8));
  const tmpDir = opts.out ? dirname(opts.out) : tmpdir();
  const pass1Path = join(tmpDir, `.omnitrace-judge.${process.pid}.${randomBytes(4).toString('hex')}.pass1.jsonl`);
  const byReward: JudgeFileSummary['byReward'] = {};
  const keys: string[] = [];
  const positions: number[] = [];
  const totals: (number | null)[] = [];
  const contextValues: (number | null)[] = [];
  const logicValues: (number | null)[] = [];
  let written = 0;
  let read = 0;

  const pass1 = await open(pass1Path, 'wx');
  trackTemp(pass1Path);
  try {
    let score: ScoreSummary;
    let scoredGroups: (GroupStats | undefined)[] = [];
    try {
      let buf: string[] = [];
      let bufLen = 0;
      const flush = async (fh: FileHandle) => {
        if (!bufLen) return;
        const s = buf.join('');
        buf = [];
        bufLen = 0;
        await fh.write(s);
      };
      const queue: Pending[] = [];
      const writeHead = async () => {
        const p = queue.shift()!;
        const judged = await p.judged;
        const s = p.scored;
        let rewards: Record<string, RewardResult> = { ...s.rewards, ...judged };
        let markov: { gated: string[]; notes: string[] } | undefined;
        if (markovOpts) {
          const m = applyMarkovGating(rewards, markovOpts);
          rewards = m.rewards;
          markov = { gated: m.gated, notes: m.notes };
        }
        const line = toScoreLine({ ...s, rewards }, true);
        // toScoreLine keeps the short form; judged rewards carry everything the detail view needs.
        const lineRewards = line.rewards as Record<string, unknown>;
        for (const name of Object.keys(judged)) lineRewards[name] = rewards[name];
        if (markov) {
          line.markov = markov;
          // Pass 2 needs the completion for the spans; it is removed before the line is written.
          line.__completion = s.record.completion;
          for (const name of markov.gated) lineRewards[name] = rewards[name];
        }
        for (const [name, r] of Object.entries(judged)) {
          const c = (byReward[name] ??= {});
          c[r.status] = (c[r.status] ?? 0) + 1;
        }
        keys.push(groupKeyFor(s.record));
        positions.push(p.at);
        const rule: Record<string, RewardResult> = {};
        for (const n of ['format', 'accuracy']) if (rewards[n]) rule[n] = rewards[n]!;
        // The trainer's recorded total when the file has one (as `score` uses), else ours after judging and gating.
        const recorded = opts.total !== 'recomputed' ? s.record.recordedTotal : undefined;
        totals.push(recorded ? recorded.value : totalReward(rule, opts.weights).total);
        contextValues.push(rewards.context?.status === 'ok' ? rewards.context.value : null);
        logicValues.push(rewards.logic?.status === 'ok' ? rewards.logic.value : null);
        const text = JSON.stringify(line) + '\n';
        buf.push(text);
        bufLen += text.length;
        if (bufLen > 1 << 20) await flush(pass1);
        written++;
        opts.onProgress?.({ written, read, stats: opts.runner.stats });
      };
      const run = await scoreFile(path, opts, {
        record: async (scored) => {
          read++;
          if (opts.shard && shardOf(groupKeyFor(scored.record), opts.shard.count) !== opts.shard.index) return;
          queue.push({ at: read - 1, scored, judged: opts.runner.judgeRollout(scored, { rewards: opts.rewards, signal: opts.signal }) });
          while (queue.length >= window) await writeHead();
        },
      });
      while (queue.length) await writeHead();
      await flush(pass1);
      score = run.summary;
      scoredGroups = run.groups;
    } finally {
      await pass1.close();
    }

    // Pass 2: groups from the (judged, possibly gated) totals; with markov, the spans too.
    // The groups are the scorer's (file ids, --group-size blocks or detected, or text), under the same advantage rule.
    const finalKeys = keys.map((key, i) => scoredGroups[positions[i]!]?.id ?? key);
    const grouping = { scaleRewards: opts.scaleRewards ?? false, rule: score.grouping?.rule ?? defaultAdvantageRule(score.format) };
    const total = computeGroups(
      finalKeys.map((key, i) => ({ key, total: totals[i]! })),
      grouping,
    ).perItem;
    let ctxAdv: (GroupStats | undefined)[] = [];
    let logicAdv: (GroupStats | undefined)[] = [];
    if (markovOpts) {
      ctxAdv = computeGroups(
        finalKeys.map((key, i) => ({ key, total: contextValues[i]! })),
        grouping,
      ).perItem;
      logicAdv = computeGroups(
        finalKeys.map((key, i) => ({ key, total: logicValues[i]! })),
        grouping,
      ).perItem;
    }
    const out = opts.out ? await openAtomic(opts.out) : undefined;
    const sink = opts.stdout ?? process.stdout;
    try {
      let parts: Buffer[] = [];
      let size = 0;
      const emit = async () => {
        if (!size) return;
        const b = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
        parts = [];
        size = 0;
        if (out) await out.fh.write(b);
        else if (!sink.write(b)) await new Promise<void>((r) => sink.once('drain', () => r()));
      };
      const push = (b: Buffer) => {
        parts.push(b);
        size += b.length;
      };
      let i = 0;
      for await (const raw of lines(pass1Path)) {
        if (markovOpts) {
          // Spans need the completion (kept in pass 1 for this) and each judge's group advantage.
          const line = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
          line.group = groupJson(total[i]);
          line.partialSpans = partialRewardSpans(line.__completion as string, {
            total: total[i]?.advantage ?? null,
            context: ctxAdv[i]?.advantage ?? null,
            logic: logicAdv[i]?.advantage ?? null,
          });
          delete line.__completion;
          push(Buffer.from(JSON.stringify(line) + '\n'));
        } else {
          // No re-parse: `{…}` becomes `{…,"group":{…}}`.
          push(Buffer.from(raw.subarray(0, raw.length - 1)));
          push(Buffer.from(`,"group":${JSON.stringify(groupJson(total[i]))}}\n`));
        }
        if (size > 1 << 20) await emit();
        i++;
      }
      await emit();
      if (out) await out.commit();
    } catch (e) {
      await out?.abort();
      throw e;
    }
    return { score, rollouts: written, byReward, stats: opts.runner.stats, elapsedMs: Date.now() - started, cancelled: opts.signal?.aborted ?? false };
  } finally {
    await unlink(pass1Path).catch(() => undefined);
    untrackTemp(pass1Path);
  }
}
