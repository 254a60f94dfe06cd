// Judging from the editor: the context and logic rewards (and free-form accuracy) of every
// rollout in the active rollout view, through an OpenAI-compatible judge endpoint, with a
// cancellable notification and the work status item. Results land on the panels they score; the
// persistent judge cache (workspace .omnitrace/cache/judge) makes a second run cost nothing.
// API keys live in SecretStorage (or an environment variable a profile names), never in settings.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_PROFILE, JUDGED_REWARDS, type JudgeProfile, type JudgedReward } from '../core/judge/types';
import { JudgeRunner } from '../core/judge/runner';
import { Semaphore } from '../core/orderedPool';
import type { RewardStatus, ScoredRollout } from '../core/types';
import type { ClaimJudge } from '../core/shortcuts/claimJudge';
import { judgeApiKeyFromEnv } from '../models/openaiChat';
import { activeDocument, trustedActiveDocument } from './activeRollouts';
import { Disposable } from './dispose';
import type { WorkStatus } from './workStatus';
import { workspaceRootFor } from './workspaceRoot';
import { EndpointProfiles, parseNamedProfiles, registerSafeCommand, type EndpointKind } from './endpointProfiles';
import type { Log } from './log';
import type { RolloutEditorProvider } from './rolloutEditorProvider';
import { SECTION } from './settings';
import { openJudgeService } from '../services/judgeService';
import { importJudgeBatch, writeBatchRequests, type BatchImportSummary } from '../services/judgeBatch';
import { JudgeCache } from '../core/judge/cache';
import { LAYOUT } from '../core/workspaceLayout';
import type { RolloutDocument } from './rolloutDocument';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomicFile';
import { errorText } from '../core/errors';
import { judgedSidecarPath, judgedSidecarText } from '../core/judge/judgedSidecar';

export const JUDGE_COMMANDS = {
  judgeRollouts: 'omnitrace.judgeRollouts',
  setJudgeApiKey: 'omnitrace.setJudgeApiKey',
  exportJudgeBatch: 'omnitrace.exportJudgeBatch',
  importJudgeBatch: 'omnitrace.importJudgeBatch',
} as const;

/** Rollouts read back and judged per batch: bounded memory on a 100k-rollout file. */
const BATCH = 256;

const JUDGE_ENDPOINTS: EndpointKind = {
  label: 'judge',
  listSetting: 'judge.profiles',
  preferredSetting: 'judge.profile',
  settingsQuery: 'omnitrace.judge',
  secretPrefix: 'omnitrace.judge.apiKey',
};

export const RESTRICTED_JUDGE_MESSAGE = 'Omni Trace: judging calls a network endpoint, which Restricted Mode does not allow. Trust this workspace to judge rollouts.';

/** Profiles from settings, completed with the defaults; invalid entries are reported, not dropped silently. */
export function judgeProfilesFrom(raw: unknown): { profiles: JudgeProfile[]; problems: string[] } {
  return parseNamedProfiles(raw, { ...JUDGE_ENDPOINTS, setKeyTitle: 'Set Judge API Key…' }, (o, name) => {
    const num = (k: keyof JudgeProfile) => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : undefined);
    return {
      ...DEFAULT_PROFILE,
      name,
      baseURL: String(o.baseURL),
      // Replicas with no router in front: calls go to the least busy (src/models/replicaPool.ts).
      ...(Array.isArray(o.baseURLs) && o.baseURLs.length > 1 && o.baseURLs.every((u) => typeof u === 'string') ? { baseURLs: o.baseURLs as string[] } : {}),
      model: String(o.model),
      ...(typeof o.apiKeyEnv === 'string' && o.apiKeyEnv ? { apiKeyEnv: o.apiKeyEnv } : {}),
      ...(num('temperature') !== undefined ? { temperature: num('temperature')! } : {}),
      ...(num('maxTokens') !== undefined ? { maxTokens: num('maxTokens')! } : {}),
      ...(num('seed') !== undefined ? { seed: num('seed')! } : {}),
      ...(num('timeoutMs') !== undefined ? { timeoutMs: num('timeoutMs')! } : {}),
      ...(num('concurrency') !== undefined ? { concurrency: Math.max(1, Math.floor(num('concurrency')!)) } : {}),
      ...(num('maxRetries') !== undefined ? { maxRetries: Math.max(0, Math.floor(num('maxRetries')!)) } : {}),
      ...(typeof o.stream === 'boolean' ? { stream: o.stream } : {}),
    };
  });
}

export class JudgeController extends Disposable {
  readonly profiles: EndpointProfiles<JudgeProfile>;
  /** One concurrency limit per profile, shared by every judging job of this window. */
  private readonly limits = new Map<string, { concurrency: number; sem: Semaphore }>();

  constructor(
    secrets: vscode.SecretStorage,
    private readonly provider: RolloutEditorProvider,
    private readonly log: Log,
    /** Called after judging so CodeLenses over the same file show the judged rewards. */
    private readonly onJudged: () => void = () => undefined,
    private readonly work: WorkStatus,
  ) {
    super();
    this.profiles = new EndpointProfiles(JUDGE_ENDPOINTS, judgeProfilesFrom, secrets, log);
    this._register(registerSafeCommand(JUDGE_COMMANDS.judgeRollouts, () => this.judgeActive(), log));
    this._register(registerSafeCommand(JUDGE_COMMANDS.setJudgeApiKey, () => this.profiles.setKey(), log));
    this._register(registerSafeCommand(JUDGE_COMMANDS.exportJudgeBatch, () => this.exportBatch(), log));
    this._register(registerSafeCommand(JUDGE_COMMANDS.importJudgeBatch, () => this.importBatch(), log));
  }

  private limitFor(profile: JudgeProfile): Semaphore {
    let l = this.limits.get(profile.name);
    if (!l || l.concurrency !== profile.concurrency) {
      l = { concurrency: profile.concurrency, sem: new Semaphore(Math.max(1, profile.concurrency)) };
      this.limits.set(profile.name, l);
    }
    return l.sem;
  }

  async apiKeyFor(profile: JudgeProfile): Promise<string | undefined> {
    return (await this.profiles.storedKey(profile)) ?? judgeApiKeyFromEnv(process.env, profile.apiKeyEnv).key;
  }

  /** A judge for the shortcut analysis' classifications (claims the rules cannot place, what a question needs), cached like rewards. */
  async classifierFor(profile: JudgeProfile, root: string): Promise<ClaimJudge> {
    return (await openJudgeService({ workspace: root, profile, apiKey: await this.apiKeyFor(profile), rewards: [] })).classifier();
  }

  /** The judge profile to use (asks when several exist and none is chosen in settings). */
  pickProfile(): Promise<JudgeProfile | undefined> {
    return this.profiles.pick();
  }

  /** The judge profiles in settings (for the run form's judge choice). */
  judgeProfiles(): JudgeProfile[] {
    return this.profiles.list();
  }

  /**
   * A runner for `profile` as the settings configure judging (rewards, repeats, templates, with
   * the workspace's own templates under `root`), its key from SecretStorage, the persistent cache
   * under `root`, and this window's concurrency limit for the profile.
   */
  async runnerFor(profile: JudgeProfile, root: string, offline?: (cacheKey: string) => string): Promise<{ runner: JudgeRunner; rewards: JudgedReward[]; cacheDir?: string }> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const rewards = (config.get<string[]>('judge.rewards', [...JUDGED_REWARDS]) ?? []).filter((r): r is JudgedReward => (JUDGED_REWARDS as readonly string[]).includes(r));
    const repeats = Math.max(1, Math.floor(config.get<number>('judge.repeats', 1) ?? 1));
    const { runner, cacheDir } = await openJudgeService({
      workspace: root,
      profile,
      apiKey: await this.apiKeyFor(profile),
      rewards,
      templateChoice: config.get<Partial<Record<JudgedReward, string>>>('judge.templates', {}) ?? {},
      repeats,
      semaphore: this.limitFor(profile),
      ...(offline ? { offline } : {}),
    });
    return { runner, rewards, ...(cacheDir ? { cacheDir } : {}) };
  }

  private async judgeActive(): Promise<void> {
    const doc = await trustedActiveDocument(this.provider, RESTRICTED_JUDGE_MESSAGE);
    if (!doc) return;
    const profile = await this.profiles.pick();
    if (!profile) return;
    const { runner, rewards } = await this.runnerFor(profile, workspaceRootFor(doc.uri));
    await this.judgeDocument(doc, profile, runner, rewards);
  }

  /**
   * Batch judging, step 1: every call judging the active file would make (after the cache) as an
   * OpenAI Batch request file, for vLLM run-batch or a provider's batch API. No call is made.
   */
  private async exportBatch(): Promise<void> {
    const doc = await activeDocument(this.provider);
    if (!doc) return;
    const profile = await this.profiles.pick();
    if (!profile) return;
    const root = workspaceRootFor(doc.uri);
    const target = await vscode.window.showSaveDialog({
      title: 'Omni Trace: save the judge batch requests',
      defaultUri: vscode.Uri.file(path.join(root, LAYOUT.judgeBatches, `${doc.fileName.replace(/\.[^.]+$/, '')}.requests.jsonl`)),
      filters: { 'JSON lines': ['jsonl'] },
    });
    if (!target) return;
    const { runner, rewards } = await this.runnerFor(profile, root);
    const store = doc.store;
    const indices = store.indices();
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Omni Trace: writing judge batch requests for ${doc.fileName}` }, () =>
      writeBatchRequests(target.fsPath, runner, rewards, async (visit) => {
        for (let start = 0; start < indices.length; start += BATCH) {
          for (const item of await Promise.all(indices.slice(start, start + BATCH).map((i) => store.getDetail(i)))) await visit(item);
        }
      }),
    );
    this.log.info(`batch export of ${doc.fileName}: ${r.requests} requests for ${r.rollouts} rollouts to ${target.fsPath}`);
    void vscode.window.showInformationMessage(
      `Omni Trace: ${r.requests} judge requests for ${r.rollouts} rollouts written to ${path.basename(target.fsPath)} (calls the cache answers are left out). Run them with vLLM run-batch or a batch API, then import the results.`,
    );
  }

  /**
   * Batch judging, step 2: an OpenAI Batch output file into the judge cache, then the active file
   * judged from it without a call; a failed or missing line is a call-error, never a number.
   */
  private async importBatch(): Promise<void> {
    const doc = await activeDocument(this.provider);
    if (!doc) return;
    const profile = await this.profiles.pick();
    if (!profile) return;
    const picked = await vscode.window.showOpenDialog({ title: 'Omni Trace: import judge batch results', canSelectMany: false, filters: { 'JSON lines': ['jsonl'] } });
    const results = picked?.[0];
    if (!results) return;
    let imported: BatchImportSummary | undefined;
    const batchProfile = { ...profile, baseURL: `batch:${results.fsPath}` };
    const { runner, rewards, cacheDir } = await this.runnerFor(
      batchProfile,
      workspaceRootFor(doc.uri),
      (key) => imported?.failed.get(key) ?? `not in the batch results ${path.basename(results.fsPath)}`,
    );
    if (!cacheDir) throw new Error('importing batch results needs the judge cache');
    imported = await importJudgeBatch(results.fsPath, new JudgeCache(cacheDir));
    for (const line of imported.skipped.slice(0, 20)) this.log.warn(`batch import: skipped ${line}`);
    this.log.info(`batch import: ${imported.replies} replies from ${results.fsPath} into ${cacheDir}; ${imported.failed.size} failed calls`);
    await this.judgeDocument(doc, batchProfile, runner, rewards);
  }

  private async judgeDocument(doc: RolloutDocument, profile: JudgeProfile, runner: JudgeRunner, rewards: JudgedReward[]): Promise<void> {
    const store = doc.store;
    const indices = store.indices();
    const counts: Partial<Record<RewardStatus, number>> = {};
    let done = 0;
    this.log.info(`judging ${indices.length} rollouts of ${doc.fileName} with ${profile.model} (${profile.name}), rewards ${rewards.join(', ')}`);
    const cancelled = await this.work.run(
      { title: `Omni Trace: judging ${doc.fileName}`, cancellable: true, focus: () => this.provider.panelsFor(doc)[0]?.panel.reveal() },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          for (let start = 0; start < indices.length && !abort.signal.aborted; start += BATCH) {
            const batch = indices.slice(start, start + BATCH);
            const items: ScoredRollout[] = await Promise.all(batch.map((i) => store.getDetail(i)));
            await runner.judgeAll(items, {
              rewards,
              signal: abort.signal,
              onResult: (k, judged) => {
                store.applyJudged(batch[k]!, judged);
                for (const r of Object.values(judged)) counts[r.status] = (counts[r.status] ?? 0) + 1;
                done++;
                const s = runner.stats;
                const text = `${done.toLocaleString()}/${indices.length.toLocaleString()} · ${s.cacheHits} cached · ${s.callErrors} failed`;
                progress.report({ increment: 100 / indices.length, message: text });
              },
            });
            store.refresh('judged');
          }
        } finally {
          sub.dispose();
        }
        return abort.signal.aborted;
      },
    );
    this.onJudged();
    await this.saveJudged(doc);
    const s = runner.stats;
    const byStatus =
      Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'nothing judged';
    const summary = `${cancelled ? 'cancelled; kept ' : ''}${done} rollouts judged (${byStatus}); ${s.calls} calls, ${s.cacheHits} from the cache`;
    this.log.info(`judging ${doc.fileName}: ${summary}`);
    const failed = (counts['call-error'] ?? 0) + (counts['parse-failure'] ?? 0);
    const show = failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(`Omni Trace: ${summary}.${failed ? ' Failed judgments are marked on their chips, never shown as 0.' : ''}`);
  }

  /** The judged rewards, kept beside the workspace for `omnitrace report` (which reads them by default). */
  private async saveJudged(doc: RolloutDocument): Promise<void> {
    // Beside the judge cache of the same file.
    const file = judgedSidecarPath(workspaceRootFor(doc.uri), doc.uri.fsPath);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, judgedSidecarText(doc.store.judgedRows()) + '\n', { ownFile: true });
      this.log.info(`judged rewards saved to ${file}`);
    } catch (e) {
      this.log.warn(`the judged rewards could not be saved: ${errorText(e)}`);
    }
  }
}
