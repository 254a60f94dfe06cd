// `omnitrace judge`: the LLM-judged rewards (context, logic, free-form accuracy) of every rollout
// through an OpenAI-compatible endpoint, beside format and accuracy, as JSON lines in input order.
// Progress (throttled) and a summary go to stderr. Ctrl-C stops launching calls, aborts those in
// flight, writes every rollout (unfinished judge calls as call-error 'cancelled') and exits 130.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptionValues, requireUrl } from '../options';
import { CancelledError, PartialFailureError, InputError, UsageError } from '../errors';
import { setInterruptHandler } from '../interrupt';
import { judgeToJsonl, type JudgeFileSummary } from '../../services/judgeFile';
import { TemplateError } from '../../core/judge/template';
import { JUDGED_REWARDS, type JudgedReward } from '../../core/judge/types';
import type { RewardStatus } from '../../core/types';
import { judgeApiKeyFromEnv } from '../../models/openaiChat';
import { openJudgeService } from '../../services/judgeService';
import { addJudgeEndpointOptions, int, judgeProfileFrom, type JudgeEndpointValues } from '../judgeOptions';
import type { RegressionVariant } from '../../core/rewards/accuracy';
import { errorText } from '../../core/errors';
import { parseShard } from '../../core/shard';
import { exportJudgeBatch, importJudgeBatch, type BatchImportSummary } from '../../services/judgeBatch';
import { JudgeCache } from '../../core/judge/cache';

interface JudgeCliOptions extends InputOptionValues, JudgeEndpointValues {
  out?: string;
  logicCriteria?: boolean;
  rewards?: string;
  markov?: boolean;
  markovOrder?: 'stage2' | 'default';
  scaleRewards?: boolean;
  regression?: RegressionVariant;
  progressMs?: number;
  batchExport?: string;
  batchImport?: string;
  shard?: { index: number; count: number };
}

export function parseRewardList(v: string): JudgedReward[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) throw new UsageError('--rewards needs at least one of ' + JUDGED_REWARDS.join(', '));
  for (const r of list) if (!(JUDGED_REWARDS as readonly string[]).includes(r)) throw new UsageError(`--rewards: unknown reward '${r}' (known: ${JUDGED_REWARDS.join(', ')})`);
  return [...new Set(list)] as JudgedReward[];
}

function ms(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`;
}

/** What the summary needs; `omnitrace run` has no file score summary, and counts samples. */
export type JudgeSummaryInput = Pick<JudgeFileSummary, 'rollouts' | 'byReward' | 'stats' | 'elapsedMs' | 'cancelled'> & { score?: { skipped: number } };

export function formatJudgeSummary(s: JudgeSummaryInput, noun = 'rollout'): string {
  const out: string[] = [];
  const plural = (n: number) => `${noun}${n === 1 ? '' : 's'}`;
  out.push(`judged ${s.rollouts} ${plural(s.rollouts)} in ${ms(s.elapsedMs)}${s.cancelled ? ' (cancelled: unfinished calls are marked call-error "cancelled")' : ''}`);
  if (s.score?.skipped) out.push(`skipped ${s.score.skipped} unreadable record${s.score.skipped === 1 ? '' : 's'} (see omnitrace score for the list)`);
  // The judge's own statuses always show; any other (a run's 'not-computed' context without a
  // reference context) gets a column only when it occurs, so it is counted, never hidden.
  const statuses: RewardStatus[] = ['ok', 'parse-failure', 'call-error', 'not-applicable'];
  for (const c of Object.values(s.byReward)) for (const st of Object.keys(c) as RewardStatus[]) if (!statuses.includes(st)) statuses.push(st);
  const names = Object.keys(s.byReward);
  if (names.length) {
    const rows = [['reward', ...statuses], ...names.map((n) => [n, ...statuses.map((st) => String(s.byReward[n]![st] ?? 0))])];
    const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    out.push('judged rewards by status:');
    for (const r of rows) out.push('  ' + r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  '));
  } else {
    out.push('no judged reward applied to these rollouts');
  }
  const st = s.stats;
  const secs = s.elapsedMs / 1000;
  const meanLatency = st.okCalls ? st.latencySumMs / st.okCalls : 0;
  out.push(
    `calls made: ${st.calls} (${st.retries} retries), cache hits: ${st.cacheHits}, mean latency: ${st.okCalls ? ms(meanLatency) : '—'}, ` +
      `throughput: ${secs > 0 ? (st.calls / secs).toFixed(1) : '0'} calls/s, ${secs > 0 ? (s.rollouts / secs).toFixed(1) : '0'} ${noun}s/s`,
  );
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  const cmd = program
    .command('judge')
    .description('judge the context, logic and free-form accuracy rewards with an LLM judge (OpenAI-compatible endpoint); one JSON object per rollout, in input order')
    .argument('<file-or-dir>', 'rollout file or directory (see Formats below)')
    .option('--out <file.jsonl>', 'write JSON lines here (atomically) instead of stdout')
    .option('--rewards <list>', `judged rewards to compute, comma-separated (${JUDGED_REWARDS.join(', ')})`, JUDGED_REWARDS.join(','))
    .option('--logic-criteria', 'judge logic criterion by criterion (JSON with a reason each) instead of one number')
    .option('--markov', "apply the trainer's markov gating (context/logic ≤ 0.4 zero accuracy) and add partial-reward spans")
    .addOption(new Option('--markov-order <order>', "reward column order for --markov: 'stage2' (published run) or 'default'").choices(['stage2', 'default']))
    .option('--scale-rewards', 'divide advantages by the group standard deviation (TRL scale_rewards)')
    .addOption(new Option('--regression <variant>', "regression accuracy: 'trainer' or 'eval'").choices(['trainer', 'eval']))
    .addOption(new Option('--progress-ms <ms>', 'progress line interval on stderr').argParser(int(0, 3_600_000)).default(1000).hideHelp())
    .option(
      '--batch-export <requests.jsonl>',
      'make no call: write every call the run would make (after the cache) as OpenAI Batch request lines, for vLLM run-batch or a provider batch API (needs --judge-model, not --judge-base-url)',
    )
    .option(
      '--batch-import <results.jsonl>',
      'make no call: read a batch output file into the judge cache and write the judged rewards as usual; a failed or missing call is a call-error, and a later online run calls only for those',
    )
    .addOption(
      new Option('--shard <i/N>', 'only the i-th of N slices of the rollouts (GRPO groups kept whole), for several machines sharing one --cache-dir').argParser((x) => {
        const s = parseShard(x);
        if (typeof s === 'string') throw new InvalidArgumentError(s);
        return s;
      }),
    );
  addJudgeEndpointOptions(cmd);
  addInputOptions(cmd);
  cmd.action(async (input: string, v: JudgeCliOptions) => {
    const inputOpts = inputOptionsFrom(v);
    const rewards = parseRewardList(v.rewards ?? JUDGED_REWARDS.join(','));
    if (v.batchExport && v.batchImport) throw new UsageError('--batch-export and --batch-import are two steps: give one at a time');
    guardOutputs(v.batchImport ? [input, v.batchImport] : [input], [
      ['--out', v.out],
      ['--batch-export', v.batchExport],
    ]);
    if (v.batchExport || v.batchImport) {
      if (v.cache === false) throw new UsageError(`${v.batchExport ? '--batch-export' : '--batch-import'} works through the judge cache: drop --no-cache`);
      if (v.judgeBaseUrl !== undefined) requireUrl('--judge-base-url', v.judgeBaseUrl, { several: true });
    } else requireUrl('--judge-base-url', v.judgeBaseUrl, { several: true });
    if (v.templates !== undefined && !(existsSync(v.templates) && statSync(v.templates).isDirectory())) throw new UsageError(`--templates ${v.templates} is not a folder`);
    const profile = judgeProfileFrom(v);
    // Provenance names where the replies came from.
    if (v.batchImport) profile.baseURL = `batch:${v.batchImport}`;
    let imported: BatchImportSummary | undefined;
    const key = judgeApiKeyFromEnv(process.env, v.judgeApiKeyEnv);
    if (v.judgeApiKeyEnv && !key.key) process.stderr.write(`omnitrace: note: ${v.judgeApiKeyEnv} is not set: calling the judge without an API key\n`);
    let service;
    try {
      service = await openJudgeService({
        workspace: process.cwd(),
        profile,
        apiKey: key.key,
        rewards,
        templateChoice: v.logicCriteria ? { logic: 'logic-criteria' } : {},
        ...(v.templates !== undefined ? { templatesDir: v.templates } : {}),
        cacheDir: v.cache === false ? false : v.cacheDir,
        repeats: v.repeats ?? 1,
        ...(v.batchImport
          ? { offline: (key: string) => imported?.failed.get(key) ?? `not in the batch results ${v.batchImport} (export again, or judge online: only the missing calls are made)` }
          : {}),
      });
    } catch (e) {
      if (e instanceof TemplateError) throw new UsageError(`judge template error: ${e.message}`);
      throw new UsageError(errorText(e));
    }
    for (const t of Object.values(service.templates)) for (const w of t.warnings) process.stderr.write(`omnitrace: note: ${t.file}: ${w}\n`);
    const runner = service.runner;
    if (v.batchExport) {
      const ex = await exportJudgeBatch(input, { ...inputOpts, runner, rewards, out: v.batchExport, ...(v.shard ? { shard: v.shard } : {}) });
      process.stderr.write(
        `wrote ${ex.requests} batch request line${ex.requests === 1 ? '' : 's'} for ${ex.rollouts} rollout${ex.rollouts === 1 ? '' : 's'}${v.shard ? ` (shard ${v.shard.index + 1}/${v.shard.count})` : ''} to ${v.batchExport} in ${ms(ex.elapsedMs)}; calls the cache answers are left out\n`,
      );
      if (ex.score.read === 0 && ex.score.skipped > 0) throw new InputError(`no rollout could be read from ${input}`);
      return;
    }
    if (v.batchImport) {
      if (!service.cacheDir) throw new UsageError('--batch-import needs the judge cache');
      imported = await importJudgeBatch(v.batchImport, new JudgeCache(service.cacheDir));
      for (const s of imported.skipped.slice(0, 20)) process.stderr.write(`omnitrace: skipped ${s}\n`);
      if (imported.skipped.length > 20) process.stderr.write(`omnitrace: … and ${imported.skipped.length - 20} more skipped lines\n`);
      process.stderr.write(
        `imported ${imported.replies} repl${imported.replies === 1 ? 'y' : 'ies'} from ${v.batchImport} into ${service.cacheDir}; ${imported.failed.size} failed call${imported.failed.size === 1 ? '' : 's'}\n`,
      );
    }

    const controller = new AbortController();
    setInterruptHandler(() => {
      process.stderr.write('\nomnitrace: interrupted: stopping judge calls and writing what finished (Ctrl-C again to quit at once)\n');
      controller.abort();
    });
    let lastProgress = Date.now();
    const every = v.progressMs ?? 1000;
    let summary: JudgeFileSummary;
    try {
      summary = await judgeToJsonl(input, {
        ...inputOpts,
        runner,
        rewards,
        out: v.out,
        markov: v.markov ? { columnOrder: v.markovOrder ?? 'stage2' } : false,
        scaleRewards: v.scaleRewards ?? false,
        regressionVariant: v.regression,
        ...(v.shard ? { shard: v.shard } : {}),
        signal: controller.signal,
        onProgress: (p) => {
          const now = Date.now();
          if (every === 0 || now - lastProgress < every) return;
          lastProgress = now;
          const secs = (now - runner.stats.startedAt) / 1000;
          process.stderr.write(
            `judge: ${p.written} rollouts written, ${p.stats.calls} calls (${p.stats.inFlight} in flight, ${p.stats.retries} retries), ${p.stats.cacheHits} cached, ` +
              `${p.stats.callErrors} call errors, ${p.stats.parseFailures} unreadable replies, ${(p.stats.calls / Math.max(secs, 1e-3)).toFixed(1)} calls/s\n`,
          );
        },
      });
    } finally {
      setInterruptHandler(undefined);
    }
    process.stderr.write(formatJudgeSummary(summary));
    if (summary.score.read === 0 && summary.score.skipped > 0) throw new InputError(`no rollout could be read from ${input}`);
    if (summary.cancelled) throw new CancelledError(`cancelled: ${v.out ? `wrote ${v.out}` : 'wrote'} with the ${summary.rollouts} rollouts; unfinished judge calls are marked call-error "cancelled"`);
    const callErrors = Object.values(summary.byReward).reduce((n, s) => n + (s['call-error'] ?? 0), 0);
    if (callErrors > 0) throw new PartialFailureError(`${callErrors} judgment(s) ended as call-error (everything else was written); run again to call only for those`);
  });
}
