// `omnitrace shortcuts <file-or-dir>`: per rollout, does the answer rest on the audio and the
// visuals? Cue inventory of the clip (local: VAD, loudness, OCR), the trace's claims checked
// against it, what the model was sent, what the question needs, and — with a checkpoint endpoint
// — ablations (no audio / no video / text only). One ShortcutLine per rollout to --out
// (atomically); a summary to stderr: verdicts and shortcut rates per modality, problem type and
// checkpoint, right-for-the-wrong-reasons, and failures with file:line. Without a model URL no
// ablation runs and every verdict says the ablation signal is unavailable.

import { urlsOf } from '../judgeOptions';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptionValues, requireUrl, apiKeyFromEnvFlag } from '../options';
import { CancelledError, InputError, UsageError } from '../errors';
import { setInterruptHandler } from '../interrupt';
import { problemLocation, LISTED_PROBLEMS } from '../summaryText';
import { analyseShortcutsFile, type AnalyseFileResult, type ShortcutEndpoint } from '../../services/shortcuts/analyseFile';
import { nodeShortcutDeps } from '../../services/shortcuts/nodeDeps';
import { ReadError } from '../../core/readers/index';
import { SERVER_KINDS, type CheckpointProfile, type ServerKind } from '../../core/run/request';
import { shortcutSidecarPath } from '../../core/shortcuts/sidecar';
import type { ClaimJudge } from '../../core/shortcuts/claimJudge';
import { judgeApiKeyFromEnv } from '../../models/openaiChat';
import type { AblationKind, ShortcutLine, ShortcutModality, ShortcutSummary, Verdict, VerdictCounts } from '../../core/shortcuts/types';
import { SHORTCUT_MODALITIES } from '../../core/shortcuts/types';
import { isPossibleShortcut } from '../../core/shortcuts/verdict';
import { LAYOUT } from '../../core/workspaceLayout';
import { openJudgeService } from '../../services/judgeService';
import { DEFAULT_PROFILE } from '../../core/judge/types';
import { NO_PROBLEM_TYPE } from '../../core/types';

interface ShortcutsCliOptions extends InputOptionValues {
  out?: string;
  sidecar?: string | boolean;
  modelBaseUrl?: string;
  model?: string;
  modelApiKeyEnv?: string;
  server: ServerKind;
  ablations: string;
  samples: number;
  logprobs: boolean;
  mediaRoot?: string[];
  cacheDir: string;
  runsDir: string;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  judgeBaseUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  judgeCacheDir?: string;
  progressMs?: number;
  jobs: number;
}

const ABLATION_NAMES: Record<string, AblationKind> = { audio: 'no-audio', video: 'no-video', text: 'text-only' };

/** "audio,video,text" → ablation kinds (also accepts the kind names themselves). */
export function parseAblationList(v: string): AblationKind[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) throw new UsageError('--ablations needs at least one of audio, video, text');
  const out: AblationKind[] = [];
  for (const name of list) {
    const k = ABLATION_NAMES[name] ?? (Object.values(ABLATION_NAMES).includes(name as AblationKind) ? (name as AblationKind) : undefined);
    if (!k) throw new UsageError(`--ablations: unknown '${name}' (known: audio, video, text)`);
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const int = (lo: number, hi: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`expected a whole number from ${lo} to ${hi}`);
  return n;
};
const num = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
};

const VERDICT_ORDER: Verdict[] = ['ignored', 'decorative', 'unspoken', 'grounded', 'unused', 'undetermined', 'not-sent', 'not-applicable'];
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(0)}%`);

function table(rows: string[][]): string[] {
  const w = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!)))
        .join('  ')
        .trimEnd(),
  );
}

function countsRows(label: string, pair: Record<ShortcutModality, VerdictCounts>): string[][] {
  return SHORTCUT_MODALITIES.map((m) => [`${label}${label ? ' ' : ''}${m}`, ...VERDICT_ORDER.map((v) => String(pair[m].byVerdict[v] ?? 0)), pct(pair[m].shortcutRate)]);
}

/** The stderr summary. */
export function formatShortcutSummary(
  s: ShortcutSummary,
  failures: ShortcutLine[],
  r: Pick<AnalyseFileResult, 'problems' | 'cancelled'>,
  ablations: boolean,
  possible: Record<ShortcutModality, number> = { audio: 0, visual: 0 },
  inventoryErrors: Map<string, number> = new Map(),
): string {
  const out: string[] = [];
  out.push(`analysed ${s.rollouts} rollout${s.rollouts === 1 ? '' : 's'}${s.failed ? `, ${s.failed} failed` : ''}${r.cancelled ? ' (cancelled: the rest were not analysed)' : ''}`);
  // Without an inventory every clip-based check is off: say so before the verdicts that lack it.
  for (const [message, n] of inventoryErrors) out.push(`no cue inventory for ${n} rollout${n === 1 ? '' : 's'}: ${message}`);
  if (!ablations) out.push('no checkpoint endpoint (--model-base-url): ablations not run; verdicts rest on the claims, the cues and the references, with low confidence');
  const head = ['', ...VERDICT_ORDER, 'shortcut rate'];
  out.push('verdicts per modality:');
  out.push(...table([head, ...countsRows('', s.perModality)]));
  const types = Object.keys(s.perProblemType);
  if (types.length > 1 || (types.length === 1 && types[0] !== NO_PROBLEM_TYPE)) {
    out.push('per problem type:');
    out.push(...table([head, ...types.flatMap((t) => countsRows(t, s.perProblemType[t]!))]));
  }
  const cks = Object.keys(s.perCheckpoint);
  if (cks.length > 1 || (cks.length === 1 && cks[0] !== NO_PROBLEM_TYPE)) {
    out.push('per checkpoint:');
    out.push(...table([head, ...cks.flatMap((c) => countsRows(c, s.perCheckpoint[c]!))]));
  }
  if (possible.audio || possible.visual) {
    out.push(
      `possible shortcuts, not measured (needed, never cited, answer wrong; 'undetermined' until an ablation shows the modality unused): audio ${possible.audio}, visual ${possible.visual}${ablations ? '' : ' — run with --model-base-url to measure'}`,
    );
  }
  const rw = s.rightForWrongReasons;
  out.push(
    `right for the wrong reasons (correct, with an 'ignored' verdict): ${rw.count} of ${rw.of} correct${rw.indices.length ? ` (rollouts ${rw.indices.slice(0, 10).join(', ')}${rw.indices.length > 10 ? ', …' : ''})` : ''}`,
  );
  out.push(`blind-answerable (text alone gives the same answer): ${s.blindAnswerable.yes} yes, ${s.blindAnswerable.no} no, ${s.blindAnswerable.unknown} unknown`);
  if (s.notSent.audio || s.notSent.visual) out.push(`NOT SENT to the model though the clip has it: audio in ${s.notSent.audio}, visual in ${s.notSent.visual} rollouts`);
  if (failures.length) {
    out.push('failed:');
    for (const f of failures.slice(0, LISTED_PROBLEMS)) out.push(`  ${f.source.file}${f.source.line !== undefined ? `:${f.source.line}` : ''}: ${f.error}`);
    if (failures.length > LISTED_PROBLEMS) out.push(`  … and ${failures.length - LISTED_PROBLEMS} more`);
  }
  if (r.problems.length) {
    out.push(`skipped ${r.problems.length} unreadable record${r.problems.length === 1 ? '' : 's'}:`);
    for (const p of r.problems.slice(0, LISTED_PROBLEMS)) out.push(`  ${problemLocation(p)}: ${p.message}`);
    if (r.problems.length > LISTED_PROBLEMS) out.push(`  … and ${r.problems.length - LISTED_PROBLEMS} more`);
  }
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  const cmd = program
    .command('shortcuts')
    .description('shortcut detection: per rollout and modality (audio, visual), is the answer grounded in the clip, ignoring a needed cue, citing one it does not use…; one JSON line per rollout')
    .argument('<file-or-dir>', 'rollout file or directory (see Formats below)')
    .option('--out <file.jsonl>', 'write the shortcut lines here, atomically (this or --sidecar is required)')
    .option(
      '--sidecar [workspace]',
      "write them where the editor's rollout view finds them: <workspace>/.omnitrace/shortcuts/ (workspace: the current folder by default), with the cue cache in <workspace>/.omnitrace/cues",
    )
    .option('--model-base-url <url>', "the checkpoint's OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1: enables ablations")
    .option('--model <name>', 'model name as the server serves it (with --model-base-url)')
    .option('--model-api-key-env <name>', 'environment variable holding the API key (none is sent by default)')
    .addOption(new Option('--server <kind>', 'server kind').choices(SERVER_KINDS).default('vllm'))
    .option('--ablations <list>', 'which ablations to run: audio (no audio), video (no video), text (text only), comma-separated', 'audio,video,text')
    .option('--samples <k>', 'samples per ablation when log-probabilities are not used (plus one all-media request of as many samples per rollout: the noise baseline)', int(1, 64), 3)
    .option('--no-logprobs', "don't score the answer with prompt_logprobs; always sample")
    .option('--temperature <t>', "sampling temperature of the ablation samples (the run's setting)", num)
    .option('--max-tokens <n>', 'most new tokens per ablation sample', int(1, 1_000_000))
    .option('--seed <n>', 'sampling seed', int(-(2 ** 31), 2 ** 31 - 1))
    .option('--media-root <dir>', "folder clip paths are relative to (repeatable; tried after the rollout file's folder)", collect)
    .option('--cache-dir <dir>', 'cue inventory cache', LAYOUT.cues)
    .option('--jobs <n>', 'clips whose cue inventories are built at once, read ahead of the rollout being analysed (0: one per core)', int(0, 256), 0)
    .option('--runs-dir <dir>', 'where ablation runs are saved (under ablations/)', LAYOUT.runs)
    .option(
      '--judge-base-url <url>',
      'optional: an OpenAI-compatible judge places the sentences the rules cannot (one cached call per trace), and says which cues a question needs when it has no dataset cue labels or reference context (one cached call per distinct question)',
    )
    .option('--judge-model <name>', 'the judge model (with --judge-base-url)')
    .option('--judge-api-key-env <name>', 'environment variable holding the judge API key (default: OMNITRACE_JUDGE_API_KEY, then OPENAI_API_KEY)')
    .option('--judge-cache-dir <dir>', `judge cache folder (default: ${LAYOUT.judgeCache})`)
    .addOption(new Option('--progress-ms <ms>', 'progress line interval on stderr').argParser(int(0, 3_600_000)).default(2000).hideHelp());
  addInputOptions(cmd);
  cmd.action(async (input: string, v: ShortcutsCliOptions) => {
    const read = inputOptionsFrom(v);
    if (v.sidecar !== undefined) {
      if (v.out) throw new UsageError('--out and --sidecar are alternatives: give one');
      const workspace = resolve(typeof v.sidecar === 'string' ? v.sidecar : '.');
      v.out = shortcutSidecarPath(workspace, input);
      mkdirSync(dirname(v.out), { recursive: true });
      if (v.cacheDir === LAYOUT.cues) v.cacheDir = join(workspace, LAYOUT.cues);
    }
    if (!v.out) throw new UsageError('--out <file.jsonl> (or --sidecar) is required');
    guardOutputs([input], [['--out', v.out]]);
    if ((v.modelBaseUrl === undefined) !== (v.model === undefined)) throw new UsageError('--model-base-url and --model go together');
    for (const r of v.mediaRoot ?? []) if (!(existsSync(r) && statSync(r).isDirectory())) throw new UsageError(`--media-root ${r} is not a folder`);
    const kinds = parseAblationList(v.ablations);
    let endpoint: ShortcutEndpoint | undefined;
    if (v.modelBaseUrl !== undefined) {
      requireUrl('--model-base-url', v.modelBaseUrl);
      const apiKey = apiKeyFromEnvFlag('--model-api-key-env', v.modelApiKeyEnv);
      const profile: CheckpointProfile = { baseURL: v.modelBaseUrl, model: v.model!, serverKind: v.server };
      if (v.temperature !== undefined) profile.temperature = v.temperature;
      if (v.maxTokens !== undefined) profile.maxTokens = v.maxTokens;
      if (v.seed !== undefined) profile.seed = v.seed;
      if (v.modelApiKeyEnv) profile.apiKeyEnv = v.modelApiKeyEnv;
      endpoint = { profile, ...(apiKey ? { apiKey } : {}), kinds, samples: v.samples, runsDir: resolve(v.runsDir), useLogprobs: v.logprobs === false ? 'never' : 'auto' };
    }

    if ((v.judgeBaseUrl === undefined) !== (v.judgeModel === undefined)) throw new UsageError('--judge-base-url and --judge-model go together');
    let claimJudge: ClaimJudge | undefined;
    if (v.judgeBaseUrl !== undefined) {
      requireUrl('--judge-base-url', v.judgeBaseUrl, { several: true });
      const key = judgeApiKeyFromEnv(process.env, v.judgeApiKeyEnv);
      if (v.judgeApiKeyEnv && !key.key) process.stderr.write(`omnitrace: note: ${v.judgeApiKeyEnv} is not set: calling the judge without an API key\n`);
      const profile = { ...DEFAULT_PROFILE, name: 'shortcuts', ...urlsOf(v.judgeBaseUrl), model: v.judgeModel! };
      claimJudge = (await openJudgeService({ workspace: process.cwd(), profile, apiKey: key.key, rewards: [], ...(v.judgeCacheDir ? { cacheDir: resolve(v.judgeCacheDir) } : {}) })).classifier();
    }

    const controller = new AbortController();
    setInterruptHandler(() => {
      process.stderr.write('\nomnitrace: interrupted: finishing the current rollout and writing what is done (Ctrl-C again to quit at once)\n');
      controller.abort();
    });
    const failures: ShortcutLine[] = [];
    const possible: Record<ShortcutModality, number> = { audio: 0, visual: 0 };
    const inventoryErrors = new Map<string, number>();
    // Rollouts whose question the judge could not classify (failed call, unreadable reply), and the first reason.
    const neededNotes = { count: 0, first: '' };
    let last = Date.now();
    const every = v.progressMs ?? 2000;
    let result: AnalyseFileResult;
    try {
      result = await analyseShortcutsFile({
        file: input,
        out: v.out,
        mediaRoots: (v.mediaRoot ?? []).map((r) => resolve(r)),
        cacheDir: resolve(v.cacheDir),
        jobs: v.jobs || availableParallelism(),
        ...(endpoint ? { endpoint } : {}),
        ...(claimJudge ? { claimJudge } : {}),
        read,
        signal: controller.signal,
        deps: nodeShortcutDeps(),
        onLine: (l) => {
          if (l.error) failures.push(l);
          const ie = l.shortcut?.inventoryError;
          if (ie) inventoryErrors.set(ie, (inventoryErrors.get(ie) ?? 0) + 1);
          const nn = l.shortcut?.neededNote;
          if (nn && !neededNotes.count++) neededNotes.first = nn;
          for (const m of SHORTCUT_MODALITIES) if (l.shortcut && isPossibleShortcut(l.shortcut[m])) possible[m]++;
        },
        onProgress: (p) => {
          const now = Date.now();
          if (every === 0 || now - last < every) return;
          last = now;
          process.stderr.write(
            `shortcuts: ${p.done} rollouts done${p.failed ? `, ${p.failed} failed` : ''}${p.stage ? ` (now: ${p.stage}${p.index !== undefined ? ` of rollout ${p.index}` : ''})` : ''}\n`,
          );
        },
      });
    } catch (e) {
      if (e instanceof ReadError) throw new InputError(e.message);
      throw e;
    } finally {
      setInterruptHandler(undefined);
    }
    process.stderr.write(formatShortcutSummary(result.summary, failures, result, endpoint !== undefined, possible, inventoryErrors));
    if (neededNotes.count) process.stderr.write(`omnitrace: note: ${neededNotes.count} rollout(s) without a judge classification of the needed cues (left unknown); first: ${neededNotes.first}\n`);
    // Like `report`, the file written goes to stdout, so scripts (the demo) can pick it up.
    process.stdout.write(resolve(v.out) + '\n');
    if (result.written === 0 && result.problems.length > 0) throw new InputError(`no rollout could be read from ${input}`);
    if (result.cancelled) throw new CancelledError(`cancelled: wrote ${v.out} with the ${result.written} rollouts analysed`);
  });
}
