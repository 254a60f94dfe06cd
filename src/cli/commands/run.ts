// `omnitrace run <clip>`: run a checkpoint on one clip and question. The clip is probed, trimmed
// and encoded (ffmpeg), the HumanOmniV2-style request is built and streamed (the first sample's
// text goes to stderr as it arrives), and the run is saved as rollout records to
// <runs-dir>/<timestamp>-<model>.rollouts.jsonl (atomically). With a judge, each finished sample
// is judged as the editor judges it (src/core/run/judgeSample.ts) and the judged rewards are
// written into the saved run's records (field `judged`), so the run reopens with them. Then that
// saved file is scored exactly as `omnitrace score` would score it, and the score lines
// (segments, rule and judged rewards, group) go to --out or stdout. --dry-run prints the request
// body with media abbreviated.

import { urlsOf } from '../judgeOptions';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CancelledError, InputError, UsageError } from '../errors';
import { setInterruptHandler } from '../interrupt';
import { apiKeyFromEnvFlag, guardOutputs, requireUrl } from '../options';
import { locateMediaTools, MediaToolError, parseTime } from '../../media/ffmpeg';
import { dryRunView, MEDIA_TRANSPORTS, SERVER_KINDS, type CheckpointProfile, type MediaTransport, type ServerKind } from '../../core/run/request';
import { DEFAULT_PROMPT_TEXTS, withOverrides } from '../../core/run/prompt';
import { runCheckpoint, RunCancelledError } from '../../services/run/runCheckpoint';
import { CheckpointCallError } from '../../models/checkpointClient';
import { scoreToJsonl } from '../../services/scoreJsonl';
import { JudgeRunner } from '../../core/judge/runner';
import { DEFAULT_PROFILE, JUDGED_REWARDS } from '../../core/judge/types';
import { judgeApiKeyFromEnv } from '../../models/openaiChat';
import { judgeSavedRun } from '../../core/run/judgeSample';
import { withJudgements } from '../../core/run/savedJudgement';
import { writeRunFile } from '../../core/run/runRecords';
import { solutionOf } from '../../core/run/runForm';
import { parseTrace } from '../../core/trace';
import type { RewardResult, RewardStatus } from '../../core/types';
import { formatJudgeSummary } from './judge';
import { openJudgeService } from '../../services/judgeService';
import { runItems } from '../../services/run/runItems';

interface RunCliOptions {
  items?: string;
  concurrency?: number;
  mediaRoot?: string[];
  question?: string;
  options?: string[];
  problemType?: string;
  answer?: string;
  solution?: string;
  referenceContext?: string;
  start?: number;
  end?: number;
  modelBaseUrl?: string;
  model?: string;
  n?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens?: number;
  seed?: number;
  server: ServerKind;
  media: MediaTransport;
  frames?: number;
  framesFps?: number;
  mediaIoKwargs?: boolean;
  useAudioInVideo?: boolean;
  systemPromptFile?: string;
  instructionFile?: string;
  modelApiKeyEnv?: string;
  maxSide?: number;
  timeout?: number;
  runsDir: string;
  dryRun?: boolean;
  out?: string;
  judgeBaseUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const num = (what: string, check: (n: number) => boolean) => (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`expected ${what}`);
  return n;
};
const time = (v: string) => {
  try {
    return parseTime(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};
const int = (lo: number) => num(`a whole number ≥ ${lo}`, (n) => Number.isInteger(n) && n >= lo);

/** The checkpoint profile the flags describe. */
function profileFrom(o: RunCliOptions): CheckpointProfile {
  const profile: CheckpointProfile = { baseURL: o.modelBaseUrl!, model: o.model!, serverKind: o.server, mediaTransport: o.media };
  if (o.frames !== undefined || o.framesFps !== undefined || o.mediaIoKwargs) {
    profile.frames = { ...(o.frames !== undefined ? { count: o.frames } : o.framesFps !== undefined ? { fps: o.framesFps } : {}), sendMediaIoKwargs: !!o.mediaIoKwargs };
  }
  if (o.useAudioInVideo) profile.useAudioInVideo = true;
  for (const [k, v] of [
    ['temperature', o.temperature],
    ['topP', o.topP],
    ['topK', o.topK],
    ['maxTokens', o.maxTokens],
    ['seed', o.seed],
    ['n', o.n],
  ] as const) {
    if (v !== undefined) (profile as unknown as Record<string, number>)[k] = v;
  }
  if (o.modelApiKeyEnv) profile.apiKeyEnv = o.modelApiKeyEnv;
  return profile;
}

/** `run --items FILE`: every item of a rollout file against this checkpoint, into --out. */
async function runOnItems(clip: string | undefined, o: RunCliOptions): Promise<void> {
  if (clip !== undefined) throw new UsageError('--items runs on the clips of its items: give no clip');
  if (!o.out) throw new UsageError('--items needs --out FILE (the run appends to it, and a rerun resumes it)');
  if (!o.model?.trim() || !o.modelBaseUrl?.trim()) throw new UsageError('--model and --model-base-url are required');
  requireUrl('--model-base-url', o.modelBaseUrl);
  guardOutputs([o.items!], [['--out', o.out]]);
  for (const r of o.mediaRoot ?? []) if (!(existsSync(r) && statSync(r).isDirectory())) throw new UsageError(`--media-root ${r} is not a folder`);
  const controller = new AbortController();
  setInterruptHandler(() => {
    process.stderr.write('\nomnitrace: stopping after the items in flight; run the same command again to resume\n');
    controller.abort();
  });
  try {
    const r = await runItems({
      itemsFile: o.items!,
      mediaRoots: (o.mediaRoot ?? []).map((d) => resolve(d)),
      profile: profileFrom(o),
      tools: locateMediaTools(),
      runsDir: resolve(o.runsDir),
      ...(apiKeyFromEnvFlag('--model-api-key-env', o.modelApiKeyEnv) ? { apiKey: apiKeyFromEnvFlag('--model-api-key-env', o.modelApiKeyEnv)! } : {}),
      ...(o.timeout ? { timeoutMs: o.timeout } : {}),
      concurrency: o.concurrency ?? 4,
      out: o.out,
      signal: controller.signal,
      onItem: (p) => process.stderr.write(`items: ${p.done} of ${p.total} done${p.failed ? `, ${p.failed} failed` : ''}${p.error ? ` (${p.key}: ${p.error})` : ''}\n`),
    });
    for (const p of r.problems.slice(0, 20)) process.stderr.write(`${p}\n`);
    process.stderr.write(`omnitrace: ${r.items} items: ${r.ran} run now, ${r.skipped} already in ${o.out}, ${r.failed.length} failed\n`);
    if (controller.signal.aborted) throw new CancelledError(`stopped: ${r.ran} items saved to ${o.out}; run again to resume`);
    if (r.failed.length)
      throw new InputError(
        `${r.failed.length} item(s) could not be run (first: ${r.failed[0]!.key}: ${r.failed[0]!.message}); the others are saved in ${o.out}, and a rerun tries only the failed ones`,
      );
  } finally {
    setInterruptHandler(undefined);
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a checkpoint on a clip (video, audio or image) with a question, save the samples as rollout records and score them')
    .argument('[clip]', 'media file (video with or without audio, audio, or image); not with --items')
    .option('--question <text>', 'the question (required with a clip)')
    .option('--items <rollouts>', "run on every item of this rollout file (its clips and questions, e.g. another checkpoint's eval results); appends to --out, resumable")
    .option('--concurrency <c>', 'items in flight at once with --items (default 4)', int(1))
    .option('--media-root <dir>', 'folder the clip paths of --items are relative to (repeatable)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--options <option>', 'an answer option, e.g. "A. happy" (repeatable, in order)', collect)
    .option('--problem-type <type>', "'multiple choice', emer_ov_mc, numerical, regression, judge, OCR or free-form (picks the answer instruction and the accuracy rule)")
    .option('--answer <ref>', 'reference answer (enables the accuracy reward)')
    .option('--solution <trace>', 'reference trace <context>…</context><think>…</think><answer>…</answer>')
    .option(
      '--reference-context <text>',
      "reference description for the judge's context reward (with --answer; saved with it as the solution <context>…</context><answer>…</answer>, as the editor's run form does)",
    )
    .option('--start <time>', 'range start: seconds or mm:ss(.ms) / hh:mm:ss', time)
    .option('--end <time>', 'range end: seconds or mm:ss(.ms) / hh:mm:ss', time)
    .option('--model-base-url <url>', 'the server, e.g. http://127.0.0.1:8000/v1 (required)')
    .option('--model <name>', 'model name as the server serves it (required)')
    .option('--n <k>', 'samples for this prompt (a GRPO-style group)', int(1))
    .option(
      '--temperature <t>',
      'sampling temperature',
      num('a number ≥ 0', (n) => n >= 0),
    )
    .option(
      '--top-p <p>',
      'nucleus sampling',
      num('a number in (0, 1]', (n) => n > 0 && n <= 1),
    )
    .option(
      '--top-k <k>',
      'top-k sampling (vLLM)',
      num('a whole number (-1 = off)', (n) => Number.isInteger(n) && n >= -1),
    )
    .option('--max-tokens <n>', 'most new tokens per sample', int(1))
    .option('--seed <n>', 'sampling seed', num('a whole number', Number.isInteger))
    .addOption(new Option('--server <kind>', 'server kind').choices(SERVER_KINDS).default('vllm'))
    .addOption(new Option('--media <transport>', 'how media are sent: data: URLs, file:// URLs (vLLM --allowed-local-media-path) or sampled frames').choices(MEDIA_TRANSPORTS).default('data-url'))
    .option('--frames <n>', 'frames: sampled locally with --media frames; else asked of the server with --media-io-kwargs', int(1))
    .option(
      '--frames-fps <fps>',
      'frame rate instead of a count',
      num('a number > 0', (n) => n > 0),
    )
    .option('--media-io-kwargs', 'send media_io_kwargs.video (num_frames / fps) to the server (recent vLLM only)')
    .option('--use-audio-in-video', 'let the video part carry its audio (mm_processor_kwargs; recent vLLM, clips with audio only)')
    .option('--system-prompt-file <file>', 'system prompt text (default: the built-in one, src/core/run/prompts/system.md)')
    .option('--instruction-file <file>', 'answer instruction for this problem type (default: the built-in one, src/core/run/prompts/instruction.<type>.md)')
    .option('--model-api-key-env <name>', 'environment variable holding the API key (none is sent by default)')
    .option('--max-side <px>', 'longest side of the encoded video or frames (default 448; never upscaled)', int(16))
    .option('--timeout <ms>', 'whole-call limit in ms (default 600000)', int(1))
    .option('--runs-dir <dir>', 'where runs are saved', join('.omnitrace', 'runs'))
    .option('--dry-run', 'print the request body (media abbreviated) and make no call')
    .option('--out <file.jsonl>', 'write the score lines of the samples here (atomically) instead of stdout')
    .option(
      '--judge-base-url <url>',
      'also judge each finished sample (context, logic, free-form accuracy) with this OpenAI-compatible judge and save the judged rewards in the run (templates and cache as `omnitrace judge` uses them: .omnitrace/judges/*.md over the built-ins, .omnitrace/cache/judge); context needs a reference context (--reference-context or --solution)',
    )
    .option('--judge-model <name>', 'the judge model (with --judge-base-url)')
    .option('--judge-api-key-env <name>', 'environment variable holding the judge API key (default: OMNITRACE_JUDGE_API_KEY, then OPENAI_API_KEY)')
    .action(async (clip: string | undefined, o: RunCliOptions) => {
      if (o.items !== undefined) return runOnItems(clip, o);
      if (clip === undefined) throw new UsageError('a clip is required (or --items FILE)');
      if (!o.question?.trim()) throw new UsageError('--question is required');
      if (!o.model?.trim()) throw new UsageError('--model is required');
      if (!o.modelBaseUrl?.trim()) throw new UsageError('--model-base-url is required');
      requireUrl('--model-base-url', o.modelBaseUrl);
      if (o.start !== undefined && o.end !== undefined && o.end <= o.start) throw new UsageError(`--end (${o.end}) must be after --start (${o.start})`);
      guardOutputs([clip], [['--out', o.out]]);
      if ((o.judgeBaseUrl === undefined) !== (o.judgeModel === undefined)) throw new UsageError('--judge-base-url and --judge-model go together');
      if (o.judgeBaseUrl !== undefined) {
        requireUrl('--judge-base-url', o.judgeBaseUrl, { several: true });
      }
      if (o.referenceContext !== undefined) {
        // As in the run form: the context is saved with the answer as the reference solution, so
        // it needs the answer, and a --solution of its own would be a second, competing one.
        if (!o.referenceContext.trim()) throw new UsageError('--reference-context is empty');
        if (o.solution !== undefined) throw new UsageError('--reference-context and --solution both give the reference solution: use one (put the context in --solution as <context>…</context>)');
        if (!o.answer?.trim()) throw new UsageError('--reference-context goes with --answer (they are saved together as the reference solution)');
      }
      const apiKey = apiKeyFromEnvFlag('--model-api-key-env', o.modelApiKeyEnv);
      if (!existsSync(clip) || !statSync(clip).isFile()) throw new InputError(`clip not found: ${clip}`);

      const profile = profileFrom(o);
      const readText = async (f: string, flag: string) => {
        try {
          return await readFile(f, 'utf8');
        } catch (e) {
          throw new InputError(`${flag} ${f}: ${(e as Error).message}`);
        }
      };
      let texts = DEFAULT_PROMPT_TEXTS;
      if (o.systemPromptFile || o.instructionFile) {
        const system = o.systemPromptFile ? await readText(o.systemPromptFile, '--system-prompt-file') : undefined;
        const instr = o.instructionFile ? { [o.problemType ?? 'free-form']: await readText(o.instructionFile, '--instruction-file') } : undefined;
        texts = withOverrides(texts, { system, instructions: instr });
        if (o.systemPromptFile) profile.systemPromptFile = resolve(o.systemPromptFile);
        if (o.instructionFile) profile.instructionFiles = { [o.problemType ?? 'free-form']: resolve(o.instructionFile) };
      }
      const runsDir = resolve(o.runsDir);

      const controller = new AbortController();
      setInterruptHandler(() => {
        process.stderr.write('\nomnitrace: stopping (the partial samples are saved); Ctrl-C again to quit at once\n');
        controller.abort();
      });
      try {
        const solution = o.referenceContext !== undefined ? solutionOf(o.answer, o.referenceContext.trim()) : o.solution;
        const question = { problem: o.question, options: o.options, problemType: o.problemType, answer: o.answer, solution };
        let result;
        try {
          result = await runCheckpoint({
            clip,
            profile,
            question,
            tools: locateMediaTools(),
            runsDir,
            texts,
            range: { start: o.start, end: o.end },
            maxSide: o.maxSide,
            apiKey,
            timeoutMs: o.timeout,
            signal: controller.signal,
            dryRun: o.dryRun,
            onNotes: (notes) => {
              for (const note of notes) process.stderr.write(`omnitrace: note: ${note}\n`);
            },
            onDelta: (i, t) => {
              if (i === 0) process.stderr.write(t);
            },
          });
        } catch (e) {
          if (e instanceof RunCancelledError) throw new CancelledError(e.message);
          if (e instanceof MediaToolError) throw new InputError(e.message);
          if (e instanceof CheckpointCallError) throw new InputError(e.describe());
          throw e;
        }
        if (o.dryRun) {
          process.stdout.write(JSON.stringify(dryRunView(result.built.body), null, 2) + '\n');
          return;
        }
        const { failure } = result;
        const outcome = result.outcome!;
        const records = result.records!;
        const file = result.file!;
        process.stderr.write('\n');
        process.stderr.write(`omnitrace: saved ${records.length} sample(s) to ${file}\n`);
        let judgeCancelled = false;
        if (records.length && o.judgeBaseUrl && o.judgeModel) {
          if (controller.signal.aborted) {
            process.stderr.write('omnitrace: not judged: the run was cancelled\n');
          } else {
            const rewards = [...JUDGED_REWARDS];
            const jprofile = { ...DEFAULT_PROFILE, name: 'run', ...urlsOf(o.judgeBaseUrl), model: o.judgeModel, ...(o.judgeApiKeyEnv ? { apiKeyEnv: o.judgeApiKeyEnv } : {}) };
            const key = judgeApiKeyFromEnv(process.env, o.judgeApiKeyEnv);
            // The same templates and cache as `omnitrace judge` in this folder, so both judge a sample alike.
            const { runner } = await openJudgeService({ workspace: process.cwd(), profile: jprofile, apiKey: key.key, rewards });
            const started = Date.now();
            const { judged, partial } = await judgeSavedRun(runner, file, records, {
              rewards,
              hasReferenceContext: hasReferenceContext(solution),
              stopped: outcome.cancelled || !!failure,
              signal: controller.signal,
              noReferenceContext: NO_REFERENCE_CONTEXT_CLI,
            });
            judgeCancelled = controller.signal.aborted;
            if (judged.size) await writeRunFile(file, withJudgements(records, { profile: jprofile.name, model: jprofile.model }, judged));
            process.stderr.write(judgeReport(judged, partial, runner.stats, Date.now() - started, judgeCancelled, file));
          }
        }
        // Scored from the saved file: the score lines carry the judged rewards the run now holds.
        if (records.length) await scoreToJsonl(file, { format: 'jsonl', out: o.out, texts: true });
        const u = outcome.usage;
        process.stderr.write(
          `omnitrace: ${outcome.latency.firstTokenMs !== undefined ? `first token ${Math.round(outcome.latency.firstTokenMs)} ms, ` : ''}total ${Math.round(outcome.latency.totalMs)} ms` +
            (u ? `, tokens: prompt ${u.promptTokens}, completion ${u.completionTokens}` : '') +
            '\n',
        );
        if (outcome.cancelled) throw new CancelledError(`cancelled: partial samples saved to ${file}`);
        if (judgeCancelled) throw new CancelledError(`cancelled while judging: the samples are saved to ${file}; unfinished judge calls are marked call-error "cancelled"`);
        if (failure) throw new InputError(`${failure.describe()}\n(partial samples saved to ${file})`);
      } finally {
        setInterruptHandler(undefined);
      }
    });
}

export const NO_REFERENCE_CONTEXT_CLI =
  "no reference context was given for this run: the context reward compares the completion's <context> with one (give it with --reference-context, or as <context>…</context> in --solution)";

/** Whether the reference solution the user gave holds a closed <context> for the judge to compare with. */
function hasReferenceContext(solution: string | undefined): boolean {
  return solution !== undefined && !!parseTrace(solution).context?.closed;
}

/**
 * The judge summary on stderr: counts per reward and status, then what each status that is not
 * 'ok' was about (its first explanation), so a failed call reads as a failure and a reward that
 * could not be computed says why; neither is ever shown as a number.
 */
function judgeReport(judged: Map<number, Record<string, RewardResult>>, partial: number[], stats: JudgeRunner['stats'], elapsedMs: number, cancelled: boolean, file: string): string {
  const byReward: Record<string, Partial<Record<RewardStatus, number>>> = {};
  const why = new Map<string, string>();
  for (const rewards of judged.values()) {
    for (const [name, r] of Object.entries(rewards)) {
      const c = (byReward[name] ??= {});
      c[r.status] = (c[r.status] ?? 0) + 1;
      if (r.status !== 'ok' && !why.has(`${name} ${r.status}`)) why.set(`${name} ${r.status}`, r.explanation);
    }
  }
  const lines = formatJudgeSummary({ rollouts: judged.size, byReward, stats, elapsedMs, cancelled }, 'sample')
    .trimEnd()
    .split('\n')
    .map((l) => `omnitrace: ${l}`);
  for (const [k, explanation] of why) {
    const [name, status] = k.split(' ') as [string, RewardStatus];
    const n = byReward[name]![status]!;
    lines.push(`omnitrace: ${name} ${status} (${n} sample${n === 1 ? '' : 's'}): ${explanation}`);
  }
  if (partial.length)
    lines.push(
      `omnitrace: not judged: sample${partial.length === 1 ? '' : 's'} ${partial.map((i) => i + 1).join(', ')} (partial: the run stopped before ${partial.length === 1 ? 'it' : 'they'} finished)`,
    );
  lines.push(judged.size ? `omnitrace: judged rewards saved in ${file} (field judged)` : 'omnitrace: no sample was judged');
  return lines.join('\n') + '\n';
}
