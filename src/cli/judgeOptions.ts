// The judge endpoint options every judging command shares (judge, judge-lab), and the profile
// they describe.

import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_PROFILE, type JudgeProfile } from '../core/judge/types';
import { LAYOUT } from '../core/workspaceLayout';

export interface JudgeEndpointValues {
  /** Required by every command but `judge --batch-export/--batch-import` (checked there). */
  judgeBaseUrl?: string;
  judgeModel: string;
  judgeApiKeyEnv?: string;
  profileName?: string;
  templates?: string;
  cacheDir?: string;
  cache?: boolean;
  concurrency?: number;
  repeats?: number;
  timeout?: number;
  maxRetries?: number;
  backoffBase?: number;
  backoffMax?: number;
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  stream?: boolean;
}

export const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};

export const num = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};

export function addJudgeEndpointOptions(cmd: Command): Command {
  const d = DEFAULT_PROFILE;
  cmd.option(
    '--judge-base-url <url[,url…]>',
    'OpenAI-compatible base URL of the judge, e.g. http://127.0.0.1:8000/v1 (required); several, comma-separated: replicas with no router in front, each call to the least busy, a failing one backed off',
  );
  cmd.requiredOption('--judge-model <name>', 'model name to ask for');
  cmd.option('--judge-api-key-env <NAME>', 'environment variable holding the API key (default: OMNITRACE_JUDGE_API_KEY, then OPENAI_API_KEY; the key is never printed)');
  cmd.option('--profile-name <name>', 'name recorded with every score', 'cli');
  cmd.option('--templates <dir>', `folder of judge templates (context.md, logic.md, logic-criteria.md, accuracy.md) replacing the built-ins (default: ${LAYOUT.judgeTemplates} when it exists)`);
  cmd.option('--cache-dir <dir>', `judge cache folder (default: ${LAYOUT.judgeCache})`);
  cmd.option('--no-cache', 'neither read nor write the judge cache');
  cmd.option('--concurrency <n>', `judge calls in flight at most (default ${d.concurrency})`, int(1, 1024));
  cmd.option('--repeats <k>', 'judge each item k times; the value is the mean, with the spread recorded (default 1)', int(1, 100));
  cmd.option('--timeout <ms>', `timeout per call, whole reply included (default ${d.timeoutMs})`, int(1, 3_600_000));
  cmd.option('--max-retries <n>', `retries on 429, 5xx, connection errors and timeouts (default ${d.maxRetries})`, int(0, 100));
  cmd.option('--backoff-base <ms>', `backoff base (full jitter, doubling per retry; default ${d.backoffBaseMs})`, int(0, 3_600_000));
  cmd.option('--backoff-max <ms>', `longest backoff (default ${d.backoffMaxMs})`, int(0, 3_600_000));
  cmd.option('--temperature <t>', `sampling temperature (default ${d.temperature})`, num);
  cmd.option('--max-tokens <n>', `max tokens of a judge reply (default ${d.maxTokens})`, int(1, 1_000_000));
  cmd.option('--seed <n>', 'sampling seed sent to the judge', int(-(2 ** 31), 2 ** 31 - 1));
  cmd.option('--stream', 'use streaming chat completions');
  return cmd;
}

/** The base URL, or the first of several and the list (comma-separated on the command line). */
export function urlsOf(v: string | undefined): { baseURL: string; baseURLs?: string[] } {
  const urls = (v ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  return urls.length > 1 ? { baseURL: urls[0]!, baseURLs: urls } : { baseURL: urls[0] ?? '' };
}

export function judgeProfileFrom(v: JudgeEndpointValues): JudgeProfile {
  return {
    ...DEFAULT_PROFILE,
    name: v.profileName ?? 'cli',
    ...urlsOf(v.judgeBaseUrl),
    model: v.judgeModel,
    ...(v.judgeApiKeyEnv ? { apiKeyEnv: v.judgeApiKeyEnv } : {}),
    ...(v.concurrency !== undefined ? { concurrency: v.concurrency } : {}),
    ...(v.timeout !== undefined ? { timeoutMs: v.timeout } : {}),
    ...(v.maxRetries !== undefined ? { maxRetries: v.maxRetries } : {}),
    ...(v.backoffBase !== undefined ? { backoffBaseMs: v.backoffBase } : {}),
    ...(v.backoffMax !== undefined ? { backoffMaxMs: v.backoffMax } : {}),
    ...(v.temperature !== undefined ? { temperature: v.temperature } : {}),
    ...(v.maxTokens !== undefined ? { maxTokens: v.maxTokens } : {}),
    ...(v.seed !== undefined ? { seed: v.seed } : {}),
    stream: v.stream ?? false,
  };
}
