// Running a checkpoint from the editor (issue 5): on a clip from the explorer, the active editor or
// a file dialog, or again on the clip of the rollout selected in the rollout view. Asks for the
// profile, question, options, problem type, reference answer and range, then runs the same
// pipeline as `omnitrace run` (src/core/run/runCheckpoint.ts) under a cancellable notification,
// saves the run to <workspace>/.omnitrace/runs/ and opens it in the rollout view, scored.
// Network calls and ffmpeg stay off in Restricted Mode. API keys live in SecretStorage (or an
// environment variable a profile names), never in settings, logs or messages.

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { locateMediaTools, MediaToolError } from '../media/ffmpeg';
import { parseTimeRange } from '../media/time';
import { DEFAULT_PROMPT_TEXTS, parseOptionsText, PROBLEM_TYPES, withOverrides } from '../core/run/prompt';
import { MEDIA_TRANSPORTS, SERVER_KINDS, type CheckpointProfile, type FramesConfig, type MediaTransport, type ServerKind } from '../core/run/request';
import { runCheckpoint, RunCancelledError, type RunQuestion } from '../core/run/runCheckpoint';
import { CheckpointCallError } from '../models/checkpointClient';
import { Disposable } from './dispose';
import { EndpointProfiles, registerSafeCommand, type EndpointKind } from './endpointProfiles';
import type { Log } from './log';
import { LiveRunPanel } from './liveRunPanel';
import { VIEW_TYPE, type RolloutEditorProvider } from './rolloutEditorProvider';
import { SECTION } from './settings';

export const RUN_COMMANDS = {
  runCheckpoint: 'omnitrace.runCheckpoint',
  runAgain: 'omnitrace.runAgain',
  setCheckpointApiKey: 'omnitrace.setCheckpointApiKey',
} as const;

export const RESTRICTED_RUN_MESSAGE =
  'Omni Trace: running a checkpoint calls a model server and runs ffmpeg, which Restricted Mode does not allow. Trust this workspace to run checkpoints.';

export const MEDIA_EXTENSIONS = ['mp4', 'mkv', 'webm', 'mov', 'avi', 'm4v', 'mpg', 'mpeg', 'wav', 'mp3', 'flac', 'ogg', 'm4a', 'aac', 'opus', 'png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'];
const MEDIA_FILE = new RegExp(`\\.(${MEDIA_EXTENSIONS.join('|')})$`, 'i');
const CHECKPOINT_ENDPOINTS: EndpointKind = {
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
  const profiles: NamedCheckpointProfile[] = [];
  const problems: string[] = [];
  if (!Array.isArray(raw)) return { profiles, problems: raw === undefined ? [] : ['omnitrace.checkpoints.profiles must be a list'] };
  raw.forEach((p, i) => {
    const o = (p ?? {}) as Record<string, unknown>;
    const missing = ['name', 'baseURL', 'model'].filter((k) => typeof o[k] !== 'string' || !(o[k] as string).trim());
    if (missing.length) {
      problems.push(`checkpoint profile ${i + 1} lacks ${missing.join(', ')}`);
      return;
    }
    const name = String(o.name);
    if ('apiKey' in o) problems.push(`checkpoint profile '${name}' has an apiKey in settings: it is ignored — use "Omni Trace: Set Checkpoint API Key…"`);
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
    profiles.push(prof);
  });
  return { profiles, problems };
}

/** What the prompts start from (Run Again fills them from the selected rollout). */
type RunDefaults = Partial<Omit<RunQuestion, 'problem'>> & { question?: string; start?: number; end?: number };

export class RunController extends Disposable {
  private readonly profiles: EndpointProfiles<NamedCheckpointProfile>;

  constructor(
    secrets: vscode.SecretStorage,
    private readonly provider: RolloutEditorProvider,
    private readonly log: Log,
    private readonly extensionUri?: vscode.Uri,
  ) {
    super();
    this.profiles = new EndpointProfiles(CHECKPOINT_ENDPOINTS, checkpointProfilesFrom, secrets, log);
    const reg = (id: string, fn: (...args: unknown[]) => unknown) => this._register(registerSafeCommand(id, fn, log));
    reg(RUN_COMMANDS.runCheckpoint, (uri) => this.runOnClip(uri instanceof vscode.Uri ? uri : undefined));
    reg(RUN_COMMANDS.runAgain, () => this.runAgain());
    reg(RUN_COMMANDS.setCheckpointApiKey, () => this.profiles.setKey());
  }

  private async apiKeyFor(profile: NamedCheckpointProfile): Promise<string | undefined> {
    const stored = await this.profiles.storedKey(profile);
    if (stored) return stored;
    if (!profile.apiKeyEnv) return undefined;
    const v = process.env[profile.apiKeyEnv];
    if (!v) this.log.warn(`checkpoint profile '${profile.name}': environment variable ${profile.apiKeyEnv} is not set; calling without a key`);
    return v || undefined;
  }

  private async runOnClip(uri: vscode.Uri | undefined): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(RESTRICTED_RUN_MESSAGE);
      return;
    }
    const profile = await this.profiles.pick(false);
    if (!profile) return;
    const clip = uri ?? activeMediaResource() ?? (await pickClip());
    if (!clip) return;
    await this.flow(clip, profile, {});
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
    const profile = await this.profiles.pick(true);
    if (!profile) return;
    const detail = await panel.document.store.model.getRollout({ index });
    if (detail.media.status !== 'ok') {
      void vscode.window.showWarningMessage(`Omni Trace: the clip of rollout ${index} cannot be run: ${detail.media.reason}`);
      return;
    }
    const r = detail.scored.record;
    await this.flow(
      vscode.Uri.file(detail.media.path),
      profile,
      {
        question: r.question.problem,
        options: r.question.options,
        problemType: r.question.problemType,
        answer: r.reference.answer,
        solution: r.reference.solution,
        start: r.clip?.start,
        end: r.clip?.end,
      },
    );
  }

  private async flow(clip: vscode.Uri, profile: NamedCheckpointProfile, d: RunDefaults): Promise<void> {
    const name = path.basename(clip.fsPath);
    const problem = await vscode.window.showInputBox({
      title: `Question about ${name} (1/5)`,
      prompt: 'The question the checkpoint answers about the clip',
      value: d.question ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A question is needed'),
    });
    if (problem === undefined || !problem.trim()) return;
    const optionsText = await vscode.window.showInputBox({
      title: 'Answer options (2/5, optional)',
      prompt: 'Separated by |, e.g. "A. happy | B. sad | C. angry"; empty for none',
      value: (d.options ?? []).join(' | '),
      ignoreFocusOut: true,
    });
    if (optionsText === undefined) return;
    const options = parseOptionsText(optionsText);
    const suggested = d.problemType ?? (options.length ? 'multiple choice' : 'free-form');
    const types = [suggested, ...PROBLEM_TYPES.filter((t) => t !== suggested)];
    const typePick = await vscode.window.showQuickPick(
      types.map((t) => ({ label: t, description: PROBLEM_TYPES.includes(t) ? undefined : 'from the rollout' })),
      { title: 'Problem type (3/5): picks the answer instruction and the accuracy rule', ignoreFocusOut: true },
    );
    if (!typePick) return;
    const answer = await vscode.window.showInputBox({
      title: 'Reference answer (4/5, optional)',
      prompt: 'Enables the accuracy reward, e.g. B; empty for none',
      value: d.answer ?? '',
      ignoreFocusOut: true,
    });
    if (answer === undefined) return;
    const rangeDefault = d.start !== undefined || d.end !== undefined ? `${d.start ?? ''}-${d.end ?? ''}` : '';
    const rangeText = await vscode.window.showInputBox({
      title: 'Time range (5/5, optional)',
      prompt: 'start-end in seconds or mm:ss (e.g. 0:05-0:12); empty for the whole clip',
      value: rangeDefault,
      ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          parseTimeRange(v);
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      },
    });
    if (rangeText === undefined) return;
    const question: RunQuestion = {
      problem: problem.trim(),
      ...(options.length ? { options } : {}),
      problemType: typePick.label,
      ...(answer.trim() ? { answer: answer.trim() } : {}),
      ...(d.solution !== undefined ? { solution: d.solution } : {}),
    };
    await this.execute(clip, profile, question, parseTimeRange(rangeText));
  }

  private workspaceRoot(clip: vscode.Uri): string {
    return vscode.workspace.getWorkspaceFolder(clip)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(clip.fsPath);
  }

  private async execute(clip: vscode.Uri, named: NamedCheckpointProfile, question: RunQuestion, range: { start?: number; end?: number }): Promise<void> {
    const root = this.workspaceRoot(clip);
    const profile: CheckpointProfile = { ...named };
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
    const config = vscode.workspace.getConfiguration(SECTION);
    const tool = (k: string) => (config.get<string>(k, '') ?? '').trim() || undefined;
    let tools;
    try {
      tools = locateMediaTools({ ffmpeg: tool('ffmpegPath'), ffprobe: tool('ffprobePath') });
    } catch (e) {
      if (e instanceof MediaToolError) throw new Error(`${e.message} (or set omnitrace.ffmpegPath / omnitrace.ffprobePath in your user settings)`);
      throw e;
    }
    const apiKey = await this.apiKeyFor(named);
    const runsDir = path.join(root, '.omnitrace', 'runs');
    const clipName = path.basename(clip.fsPath);
    const n = Math.max(1, profile.n ?? 1);
    this.log.info(`running ${profile.model} (${named.name}) on ${clip.fsPath}${range.start !== undefined || range.end !== undefined ? ` [${range.start ?? 0}-${range.end ?? 'end'}]` : ''}, ${n} sample(s)`);

    type Outcome =
      | { kind: 'done'; result: Awaited<ReturnType<typeof runCheckpoint>> }
      | { kind: 'error'; error: unknown };
    // The live view opens before the call: one row per sample, text as it streams, Stop aborts.
    const abort = new AbortController();
    const live = this.extensionUri
      ? new LiveRunPanel(this.extensionUri, this.log, { title: `${profile.model} on ${clipName} (live)`, model: profile.model, clip: clip.fsPath, question, n }, () => abort.abort())
      : undefined;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Omni Trace: ${profile.model} on ${clipName}`, cancellable: true },
      async (progress, token): Promise<Outcome> => {
        const sub = token.onCancellationRequested(() => abort.abort());
        const counts = new Array<number>(n).fill(0);
        progress.report({ message: 'preparing the clip (ffmpeg)…' });
        try {
          const result = await runCheckpoint({
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
            },
            onDelta: (i, text) => {
              live?.delta(i, text);
              if (i >= counts.length) counts.length = i + 1;
              counts[i] = (counts[i] ?? 0) + 1;
              progress.report({ message: `sample ${i + 1}/${n}: ${counts[i]} tokens` });
            },
          });
          return { kind: 'done', result };
        } catch (error) {
          return { kind: 'error', error };
        } finally {
          sub.dispose();
        }
      },
    );

    live?.finish(outcome.kind === 'done' ? outcome.result.outcome?.choices.map((c) => c.text) : undefined);
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
    if (result.outcome?.cancelled) void vscode.window.showInformationMessage(`Omni Trace: cancelled; the partial samples are saved to ${rel}.`);
    else void vscode.window.showInformationMessage(`Omni Trace: ${records.length} sample(s) of ${profile.model}${stats} saved to ${rel}.`);
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
