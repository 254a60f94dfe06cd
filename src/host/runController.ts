// Running a checkpoint from the editor: on a clip from the explorer, the active editor or
// a file dialog, or again on the clip of the rollout selected in the rollout view. The run form
// (src/host/runFormPanel.ts) asks for the question, options, problem type, reference answer and
// context, range, checkpoint and judge profiles and n with the clip playing beside it; then the
// same pipeline as `omnitrace run` (src/core/run/runCheckpoint.ts) runs under a cancellable
// notification with the live view open. Each sample is scored as it finishes and, with a judge
// profile, judged at once; the run (judged rewards included) is saved to
// <workspace>/.omnitrace/runs/ and opened in the rollout view, scored.
// Network calls and ffmpeg stay off in Restricted Mode. API keys live in SecretStorage (or an
// environment variable a profile names), never in settings, logs or messages.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MediaToolError, probe, type MediaInfo } from '../media/ffmpeg';
import { mediaToolsFromSettings } from './mediaTools';
import { DEFAULT_PROMPT_TEXTS, PROBLEM_TYPES, withOverrides } from '../core/run/prompt';
import { MEDIA_TRANSPORTS, SERVER_KINDS, type CheckpointProfile, type FramesConfig, type MediaTransport, type ServerKind } from '../core/run/request';
import { runCheckpoint, RunCancelledError, type RunQuestion } from '../services/run/runCheckpoint';
import { formatClock, suggestProblemType, type ParsedRunForm, type RunFormValues } from '../core/run/runForm';
import { judgeSample } from '../core/run/judgeSample';
import { withJudgements } from '../core/run/savedJudgement';
import { writeRunFile } from '../core/run/runRecords';
import type { JudgeProfile } from '../core/judge/types';
import type { RewardResult } from '../core/types';
import { mediaKindOf } from '../core/mediaPaths';
import { CheckpointCallError } from '../models/checkpointClient';
import { Disposable } from './dispose';
import type { WorkStatus } from './workStatus';
import { EndpointProfiles, parseNamedProfiles, registerSafeCommand, type EndpointKind } from './endpointProfiles';
import type { JudgeController } from './judgeController';
import type { Log } from './log';
import { LiveRunPanel } from './liveRunPanel';
import { RunFormPanel, type RunFormSetup } from './runFormPanel';
import { VIEW_TYPE, type RolloutEditorProvider } from './rolloutEditorProvider';
import { SECTION } from './settings';

export const RUN_COMMANDS = {
  runCheckpoint: 'omnitrace.runCheckpoint',
  runAgain: 'omnitrace.runAgain',
  setCheckpointApiKey: 'omnitrace.setCheckpointApiKey',
} as const;

export const RESTRICTED_RUN_MESSAGE = 'Omni Trace: running a checkpoint calls a model server and runs ffmpeg, which Restricted Mode does not allow. Trust this workspace to run checkpoints.';

export const MEDIA_EXTENSIONS = ['mp4', 'mkv', 'webm', 'mov', 'avi', 'm4v', 'mpg', 'mpeg', 'wav', 'mp3', 'flac', 'ogg', 'm4a', 'aac', 'opus', 'png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'];
const MEDIA_FILE = new RegExp(`\\.(${MEDIA_EXTENSIONS.join('|')})$`, 'i');
export const CHECKPOINT_ENDPOINTS: EndpointKind = {
  label: 'checkpoint',
  listSetting: 'checkpoints.profiles',
  preferredSetting: 'checkpoints.profile',
  settingsQuery: 'omnitrace.checkpoints',
  secretPrefix: 'omnitrace.checkpoints.apiKey',
};

export interface NamedCheckpointProfile extends CheckpointProfile {
  name: string;
}

/** Profiles from settings; invalid entries are reported, not dropped silently. */
export function checkpointProfilesFrom(raw: unknown): { profiles: NamedCheckpointProfile[]; problems: string[] } {
  return parseNamedProfiles(raw, { ...CHECKPOINT_ENDPOINTS, setKeyTitle: 'Set Checkpoint API Key…' }, (o, name, problems) => {
    const prof: NamedCheckpointProfile = { name, baseURL: String(o.baseURL), model: String(o.model) };
    if (typeof o.serverKind === 'string') {
      if ((SERVER_KINDS as string[]).includes(o.serverKind)) prof.serverKind = o.serverKind as ServerKind;
      else problems.push(`checkpoint profile '${name}': serverKind '${o.serverKind}' is not one of ${SERVER_KINDS.join(', ')}`);
    }
    if (typeof o.mediaTransport === 'string') {
      if ((MEDIA_TRANSPORTS as string[]).includes(o.mediaTransport)) prof.mediaTransport = o.mediaTransport as MediaTransport;
      else problems.push(`checkpoint profile '${name}': mediaTransport '${o.mediaTransport}' is not one of ${MEDIA_TRANSPORTS.join(', ')}`);
    }
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    if (num(o.frames) !== undefined) prof.frames = { count: Math.max(1, Math.floor(num(o.frames)!)) };
    else if (o.frames && typeof o.frames === 'object') {
      const f = o.frames as Record<string, unknown>;
      const fr: FramesConfig = {};
      if (num(f.count) !== undefined) fr.count = Math.max(1, Math.floor(num(f.count)!));
      else if (num(f.fps) !== undefined) fr.fps = num(f.fps)!;
      if (f.sendMediaIoKwargs === true) fr.sendMediaIoKwargs = true;
      prof.frames = fr;
    }
    if (o.useAudioInVideo === true) prof.useAudioInVideo = true;
    // Sampling: flat, or grouped under `sampling`.
    const s = { ...(o.sampling && typeof o.sampling === 'object' ? (o.sampling as Record<string, unknown>) : {}), ...o };
    for (const k of ['temperature', 'topP', 'topK', 'maxTokens', 'seed', 'n'] as const) {
      const v = num(s[k]);
      if (v !== undefined) prof[k] = v;
    }
    if (typeof o.systemPromptFile === 'string' && o.systemPromptFile.trim()) prof.systemPromptFile = o.systemPromptFile.trim();
    if (typeof o.apiKeyEnv === 'string' && o.apiKeyEnv.trim()) prof.apiKeyEnv = o.apiKeyEnv.trim();
    return prof;
  });
}

/** What the form starts from (Run Again fills it from the selected rollout). */
type RunDefaults = Partial<Omit<RunFormValues, 'start' | 'end' | 'options'>> & { options?: string[]; start?: number; end?: number };

/** The judge side the run needs: the judge profiles, and a runner for one (JudgeController). */
export type RunJudges = Pick<JudgeController, 'judgeProfiles' | 'runnerFor'>;

export class RunController extends Disposable {
  readonly profiles: EndpointProfiles<NamedCheckpointProfile>;
  /** The open run form, if any: a new one replaces it (newest wins). */
  private form: RunFormPanel | undefined;

  constructor(
    secrets: vscode.SecretStorage,
    private readonly provider: RolloutEditorProvider,
    private readonly log: Log,
    private readonly extensionUri: vscode.Uri,
    private readonly work: WorkStatus,
    private readonly judges?: RunJudges,
  ) {
    super();
    this.profiles = new EndpointProfiles(CHECKPOINT_ENDPOINTS, checkpointProfilesFrom, secrets, log);
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => this._register(registerSafeCommand(id, fn, log));
    reg(RUN_COMMANDS.runCheckpoint, (uri) => this.runOnClip(uri instanceof vscode.Uri ? uri : undefined));
    reg(RUN_COMMANDS.runAgain, () => this.runAgain());
    reg(RUN_COMMANDS.setCheckpointApiKey, () => this.profiles.setKey());
    this._register({ dispose: () => this.form?.dispose() });
  }

  /** The profiles, preferred first; none → says how to add one (and returns an empty list). */
  private async checkpointProfiles(): Promise<NamedCheckpointProfile[]> {
    const list = this.profiles.list();
    if (!list.length) {
      await this.profiles.pick(false); // shows "no checkpoint profile" with a way to settings
      return [];
    }
    const preferred = vscode.workspace.getConfiguration(SECTION).get<string>(CHECKPOINT_ENDPOINTS.preferredSetting, '');
    const hit = list.find((p) => p.name === preferred);
    return hit ? [hit, ...list.filter((p) => p !== hit)] : list;
  }

  private async runOnClip(uri: vscode.Uri | undefined): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(RESTRICTED_RUN_MESSAGE);
      return;
    }
    const profiles = await this.checkpointProfiles();
    if (!profiles.length) return;
    const clip = uri ?? activeMediaResource() ?? (await pickClip());
    if (!clip) return;
    await this.flow(clip, profiles, {});
  }

  private async runAgain(): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(RESTRICTED_RUN_MESSAGE);
      return;
    }
    const panel = this.provider.activePanel;
    const index = panel?.selection;
    if (!panel || index === undefined) {
      void vscode.window.showInformationMessage('Omni Trace: select a rollout in the rollout view first.');
      return;
    }
    const profiles = await this.checkpointProfiles();
    if (!profiles.length) return;
    const detail = await panel.document.store.model.getRollout({ index });
    if (detail.media.status !== 'ok') {
      void vscode.window.showWarningMessage(`Omni Trace: the clip of rollout ${index} cannot be run: ${detail.media.reason}`);
      return;
    }
    const s = detail.scored;
    const r = s.record;
    const refContext = s.referenceTrace?.context;
    await this.flow(
      vscode.Uri.file(detail.media.path),
      profiles,
      {
        question: r.question.problem,
        options: r.question.options,
        problemType: r.question.problemType,
        answer: r.reference.answer ?? s.referenceTrace?.answer?.text,
        referenceContext: refContext?.closed ? refContext.text : undefined,
        start: r.clip?.start,
        end: r.clip?.end,
      },
      `rollout ${index} of ${panel.document.fileName}`,
    );
  }

  /** Probes the clip, opens the run form with it playing, and runs what the form submits. */
  private async flow(clip: vscode.Uri, profiles: NamedCheckpointProfile[], d: RunDefaults, prefilledFrom?: string): Promise<void> {
    const name = path.basename(clip.fsPath);
    let info: MediaInfo;
    try {
      info = await probe(clip.fsPath, mediaToolsFromSettings());
    } catch (e) {
      // A file ffmpeg cannot read is named, before any form opens.
      if (e instanceof MediaToolError) throw new Error(`${name}: ${e.message}`);
      throw e;
    }
    // By extension first: an mp3's cover art is a video stream, but the file is audio.
    const kind = mediaKindOf(clip.fsPath) ?? (info.isImage ? 'image' : info.video ? 'video' : 'audio');
    const judges = this.judges?.judgeProfiles() ?? [];
    const options = d.options ?? [];
    const problemTypes = d.problemType && !PROBLEM_TYPES.includes(d.problemType) ? [...PROBLEM_TYPES, d.problemType] : [...PROBLEM_TYPES];
    const optionsText = options.join('\n');
    const setup: RunFormSetup = {
      clip: { name, path: clip.fsPath, kind, duration: info.duration, hasAudio: !!info.audio, hasVideo: !!info.video && !info.isImage },
      profiles: profiles.map((p) => ({ name: p.name, model: p.model, baseURL: p.baseURL, n: Math.max(1, Math.floor(p.n ?? 1)) })),
      judges: judges.map((j) => ({ name: j.name, model: j.model })),
      problemTypes,
      values: {
        question: d.question ?? '',
        options: optionsText,
        problemType: d.problemType ?? suggestProblemType(optionsText),
        answer: d.answer ?? '',
        referenceContext: d.referenceContext ?? '',
        start: d.start !== undefined ? formatClock(d.start) : '',
        end: d.end !== undefined ? formatClock(d.end) : '',
        profile: d.profile ?? profiles[0]!.name,
        judge: d.judge ?? '',
        n: String(Math.max(1, Math.floor(profiles[0]!.n ?? 1))),
      },
    };
    if (prefilledFrom) setup.prefilledFrom = prefilledFrom;
    this.form?.dispose();
    const form = (this.form = new RunFormPanel(this.extensionUri, this.log, setup));
    const submitted = await form.result;
    if (this.form === form) this.form = undefined;
    if (!submitted) return;
    const profile = profiles.find((p) => p.name === submitted.profile)!;
    const judge = submitted.judge ? judges.find((j) => j.name === submitted.judge) : undefined;
    await this.execute(clip, profile, submitted, judge);
  }

  private workspaceRoot(clip: vscode.Uri): string {
    return vscode.workspace.getWorkspaceFolder(clip)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(clip.fsPath);
  }

  private async execute(clip: vscode.Uri, named: NamedCheckpointProfile, form: ParsedRunForm, judgeProfile: JudgeProfile | undefined): Promise<void> {
    const root = this.workspaceRoot(clip);
    const profile: CheckpointProfile = { ...named, n: form.n };
    let texts = DEFAULT_PROMPT_TEXTS;
    if (named.systemPromptFile) {
      const file = path.resolve(root, named.systemPromptFile);
      let system: string;
      try {
        system = await readFile(file, 'utf8');
      } catch (e) {
        throw new Error(`checkpoint profile '${named.name}': systemPromptFile ${file}: ${(e as Error).message}`);
      }
      texts = withOverrides(texts, { system });
      profile.systemPromptFile = file;
    }
    const tools = mediaToolsFromSettings();
    const apiKey = await this.profiles.keyFor(named);
    const judge = judgeProfile && this.judges ? { profile: judgeProfile, ...(await this.judges.runnerFor(judgeProfile, root)) } : undefined;
    const question: RunQuestion = {
      problem: form.problem,
      ...(form.options ? { options: form.options } : {}),
      problemType: form.problemType,
      ...(form.answer !== undefined ? { answer: form.answer } : {}),
      ...(form.solution !== undefined ? { solution: form.solution } : {}),
    };
    const range = form.range;
    const runsDir = path.join(root, '.omnitrace', 'runs');
    const clipName = path.basename(clip.fsPath);
    const n = form.n;
    this.log.info(
      `running ${profile.model} (${named.name}) on ${clip.fsPath}${range.start !== undefined || range.end !== undefined ? ` [${range.start ?? 0}-${range.end ?? 'end'}]` : ''}, ${n} sample(s)` +
        (judge ? `, judged by ${judge.profile.model} (${judge.profile.name})` : ''),
    );

    type Outcome = { kind: 'done'; result: Awaited<ReturnType<typeof runCheckpoint>> } | { kind: 'error'; error: unknown };
    // The live view opens before the call: one row per sample, text as it streams, Stop aborts.
    const abort = new AbortController();
    const live = new LiveRunPanel(
      this.extensionUri,
      this.log,
      { title: `${profile.model} on ${clipName} (live)`, model: profile.model, clip: clip.fsPath, question, n, range, ...(judge ? { judge: judge.profile.name } : {}) },
      () => abort.abort(),
    );
    // Each sample is judged as soon as it is finished and scored, while the others stream.
    const judgedRewards = new Map<number, Record<string, RewardResult>>();
    const judgeCalls: Promise<void>[] = [];
    const judgeStarted = new Set<number>();
    const judgeSampleNow = (i: number) => {
      const scored = live.scoredSample(i);
      if (!judge || !scored || abort.signal.aborted || judgeStarted.has(i)) return;
      judgeStarted.add(i);
      live.judging(i);
      judgeCalls.push(
        judgeSample(judge.runner, scored, { rewards: judge.rewards, hasReferenceContext: form.referenceContext !== undefined, signal: abort.signal }).then(
          (rewards) => {
            judgedRewards.set(i, rewards);
            live.judged(i, rewards);
          },
          (e) => this.log.error(`judging sample ${i + 1} failed`, e),
        ),
      );
    };
    const outcome = await this.work.run({ title: `Omni Trace: ${profile.model} on ${clipName}`, cancellable: true, focus: () => live.panel.reveal() }, async (progress, token): Promise<Outcome> => {
      const sub = token.onCancellationRequested(() => abort.abort());
      const counts = new Array<number>(n).fill(0);
      progress.report({ message: 'preparing the clip (ffmpeg)…' });
      try {
        let result: Awaited<ReturnType<typeof runCheckpoint>>;
        try {
          result = await runCheckpoint({
            clip: clip.fsPath,
            profile,
            question,
            tools,
            runsDir,
            texts,
            range,
            apiKey,
            signal: abort.signal,
            onNotes: (notes) => {
              for (const note of notes) this.log.info(`note: ${note}`);
              progress.report({ message: 'waiting for the first token…' });
              live.requestSent();
            },
            onDelta: (i, text) => {
              live.delta(i, text);
              if (i >= counts.length) counts.length = i + 1;
              counts[i] = (counts[i] ?? 0) + 1;
              progress.report({ message: `sample ${i + 1}/${n}: ${counts[i]} tokens` });
            },
            onSampleDone: (i, finishReason) => {
              live.sampleDone(i, finishReason);
              judgeSampleNow(i);
            },
          });
        } catch (error) {
          live.finish(undefined, { stopped: true });
          return { kind: 'error', error };
        }
        const stopped = !!result.outcome?.cancelled || !!result.failure;
        live.finish(
          result.outcome?.choices.map((c) => c.text),
          { stopped },
        );
        // A stopped sample is partial: not worth a judge call. A finished one is judged if its
        // end came without a finish_reason event.
        if (!stopped) for (let i = 0; i < n; i++) judgeSampleNow(i);
        if (judgeCalls.length) {
          progress.report({ message: `judging ${judgeCalls.length} sample(s) with ${judge!.profile.model}…` });
          await Promise.all(judgeCalls);
          await this.saveJudged(result, judge!.profile, judgedRewards);
        }
        return { kind: 'done', result };
      } finally {
        sub.dispose();
      }
    });

    if (outcome.kind === 'error') {
      const e = outcome.error;
      if (e instanceof RunCancelledError) {
        void vscode.window.showInformationMessage(`Omni Trace: ${e.message}.`);
        return;
      }
      if (e instanceof MediaToolError) throw new Error(`${clipName}: ${e.message}`);
      if (e instanceof CheckpointCallError) {
        await this.showCallError(e, named, undefined);
        return;
      }
      throw e;
    }
    const { result } = outcome;
    const file = result.file!;
    const records = result.records ?? [];
    const rel = path.relative(root, file) || file;
    this.log.info(`saved ${records.length} sample(s) to ${file}`);
    if (records.length) await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
    if (result.failure) {
      await this.showCallError(result.failure, named, rel);
      return;
    }
    const u = result.outcome?.usage;
    const stats = u ? ` (${u.completionTokens} tokens)` : '';
    const judged = judge ? `, judged by ${judge.profile.name}` : '';
    if (result.outcome?.cancelled) void vscode.window.showInformationMessage(`Omni Trace: cancelled; the partial samples are saved to ${rel}.`);
    else void vscode.window.showInformationMessage(`Omni Trace: ${records.length} sample(s) of ${profile.model}${stats}${judged} saved to ${rel}.`);
  }

  /** The judged rewards go into the saved run's records (field `judged`), as the run is rewritten. */
  private async saveJudged(result: Awaited<ReturnType<typeof runCheckpoint>>, judge: JudgeProfile, judged: Map<number, Record<string, RewardResult>>): Promise<void> {
    if (!result.file || !result.records?.length || !judged.size) return;
    result.records = withJudgements(result.records, { profile: judge.name, model: judge.model }, judged);
    await writeRunFile(result.file, result.records);
  }

  private async showCallError(e: CheckpointCallError, profile: NamedCheckpointProfile, savedTo: string | undefined): Promise<void> {
    this.log.error(`checkpoint call (${profile.name}) failed: ${e.message}`);
    for (const h of e.hints) this.log.info(`hint: ${h}`);
    const hints = e.hints.length ? ' ' + e.hints.map((h) => `Hint: ${h}.`).join(' ') : '';
    const saved = savedTo ? ` Partial samples saved to ${savedTo}.` : '';
    const show = 'Show server reply';
    const choice = await vscode.window.showErrorMessage(`Omni Trace: ${e.message}.${hints}${saved}`, ...(e.serverReply ? [show] : []));
    if (choice === show && e.serverReply) {
      this.log.info(`server reply${e.status !== undefined ? ` (HTTP ${e.status})` : ''}: ${e.serverReply}`);
      this.log.show();
    }
  }
}

/** The media file behind the active editor tab, if any. */
function activeMediaResource(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups?.activeTabGroup?.activeTab?.input;
  let uri: vscode.Uri | undefined;
  if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) uri = input.uri;
  uri ??= vscode.window.activeTextEditor?.document.uri;
  return uri && uri.scheme === 'file' && MEDIA_FILE.test(uri.path) ? uri : undefined;
}

async function pickClip(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Run Checkpoint on This Clip',
    title: 'Clip to run a checkpoint on',
    filters: { 'Video, audio or image': MEDIA_EXTENSIONS },
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}
