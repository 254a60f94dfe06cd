// The one place a judge is assembled, for the editor, `omnitrace judge`, `run --judge-*`,
// `shortcuts` and the judge lab: the templates (built-in, overridden by the workspace's own
// `.omnitrace/judges/*.md`), the cache folder, the profile with its key and concurrency. Two
// entry points that assemble a judge differently give the same rollout different judgments.

import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { JudgeCache } from '../core/judge/cache';
import { loadTemplateLibrary, templatesForRewards } from '../core/judge/loadTemplates';
import { JudgeRunner, type JudgeEvent } from '../core/judge/runner';
import type { Semaphore } from '../core/orderedPool';
import type { JudgeTemplate } from '../core/judge/template';
import type { ChatBackend, JudgedReward, JudgeProfile } from '../core/judge/types';
import type { ClaimJudge } from '../core/shortcuts/claimJudge';
import { LAYOUT } from '../core/workspaceLayout';
import { OpenAIChatBackend } from '../models/openaiChat';
import { ReplicaPool } from '../models/replicaPool';

export interface JudgeServiceConfig {
  /** The workspace root whose `.omnitrace/` holds the templates and the cache. */
  workspace: string;
  profile: JudgeProfile;
  apiKey?: string;
  rewards: readonly JudgedReward[];
  /** Template name per reward (default: each reward's built-in, or the workspace file of that name). */
  templateChoice?: Partial<Record<JudgedReward, string>>;
  /** Another folder of templates instead of the workspace's. */
  templatesDir?: string;
  /** Templates from elsewhere (a git revision, a training script), by name, over the library. */
  extraTemplates?: Record<string, JudgeTemplate>;
  /** Another cache folder, or false for none. */
  cacheDir?: string | false;
  repeats?: number;
  /** One limit shared by every runner of a profile in a long-lived process. */
  semaphore?: Semaphore;
  onEvent?: (e: JudgeEvent) => void;
  /** Make no call: a repeat the cache does not answer fails with this message (batch import). */
  offline?: (cacheKey: string) => string;
}

export interface JudgeService {
  runner: JudgeRunner;
  rewards: JudgedReward[];
  templates: Partial<Record<JudgedReward, JudgeTemplate>>;
  /** Where the templates came from besides the built-ins, and where replies are cached. */
  templatesDir?: string;
  cacheDir?: string;
  /** The same endpoint and cache, for the shortcut analysis' classification calls. */
  classifier(): ClaimJudge;
}

/** The workspace's template folder when it exists. */
export function workspaceTemplatesDir(workspace: string): string | undefined {
  const dir = join(workspace, LAYOUT.judgeTemplates);
  return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
}

/** One client, or a pool of replicas when the profile lists several base URLs. */
export function chatBackendFor(profile: Pick<JudgeProfile, 'baseURL' | 'baseURLs'>, apiKey?: string): ChatBackend {
  const urls = profile.baseURLs?.length ? profile.baseURLs : [profile.baseURL];
  if (urls.length === 1) return new OpenAIChatBackend({ baseURL: urls[0]!, apiKey });
  return new ReplicaPool(urls.map((url) => ({ url, backend: new OpenAIChatBackend({ baseURL: url, apiKey }) })));
}

export async function openJudgeService(cfg: JudgeServiceConfig): Promise<JudgeService> {
  const templatesDir = cfg.templatesDir ?? workspaceTemplatesDir(cfg.workspace);
  const lib = { ...(await loadTemplateLibrary(templatesDir)), ...(cfg.extraTemplates ?? {}) };
  const rewards = [...cfg.rewards];
  const templates = templatesForRewards(lib, rewards, cfg.templateChoice ?? {});
  const cacheDir =
    cfg.cacheDir === false ? undefined : cfg.cacheDir === undefined ? join(cfg.workspace, LAYOUT.judgeCache) : isAbsolute(cfg.cacheDir) ? cfg.cacheDir : join(cfg.workspace, cfg.cacheDir);
  const cache = cacheDir === undefined ? undefined : new JudgeCache(cacheDir);
  const backend = chatBackendFor(cfg.profile, cfg.apiKey);
  const runner = new JudgeRunner({
    profile: cfg.profile,
    backend,
    templates,
    cache,
    repeats: cfg.repeats ?? 1,
    ...(cfg.semaphore ? { semaphore: cfg.semaphore } : {}),
    ...(cfg.onEvent ? { onEvent: cfg.onEvent } : {}),
    ...(cfg.offline ? { offline: cfg.offline } : {}),
  });
  const p = cfg.profile;
  return {
    runner,
    rewards,
    templates,
    ...(templatesDir ? { templatesDir } : {}),
    ...(cacheDir ? { cacheDir } : {}),
    classifier: () => ({
      backend,
      model: p.model,
      ...(cache ? { cache } : {}),
      timeoutMs: p.timeoutMs,
      temperature: p.temperature,
      maxTokens: p.maxTokens,
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
    }),
  };
}
