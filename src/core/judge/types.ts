// Types of the LLM judge (HumanOmniV2's context and logic rewards, and free-form accuracy):
// profiles, the chat backend the runner calls through, and what a judged reward records.
// Pure types: safe to import from the webview.

/** Rewards a judge can produce. */
export type JudgedReward = 'context' | 'logic' | 'accuracy';
export const JUDGED_REWARDS: readonly JudgedReward[] = ['context', 'logic', 'accuracy'];

/** One judge endpoint and how to call it. Several profiles can exist (one runner each). */
export interface JudgeProfile {
  name: string;
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1. */
  baseURL: string;
  /** Several replicas with no router in front (baseURL is the first): calls go to the least busy (src/models/replicaPool.ts). */
  baseURLs?: string[];
  model: string;
  /** Name of the environment variable holding the API key (the key itself never sits in a profile). */
  apiKeyEnv?: string;
  temperature: number;
  maxTokens: number;
  seed?: number;
  /** Per-call timeout, covering the whole reply (a streamed body included). */
  timeoutMs: number;
  /** Calls in flight at most, for this profile. */
  concurrency: number;
  /** Retries after the first attempt (so maxRetries + 1 attempts at most). */
  maxRetries: number;
  /** Exponential backoff with full jitter: wait uniform(0, min(backoffMaxMs, backoffBaseMs × 2^retry)). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Longest Retry-After we wait for; a server asking for more ends the call as call-error. */
  maxRetryAfterMs?: number;
  /** Use streaming chat completions (SSE). */
  stream: boolean;
}

export const DEFAULT_PROFILE: Omit<JudgeProfile, 'name' | 'baseURL' | 'model'> = {
  temperature: 0,
  maxTokens: 512,
  // The trainer's judge calls had a 15 s timeout.
  timeoutMs: 15_000,
  concurrency: 8,
  maxRetries: 5,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxRetryAfterMs: 120_000,
  stream: false,
};

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  stream?: boolean;
}

export interface TokenUsage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

export interface ChatResponse {
  text: string;
  usage?: TokenUsage;
  finishReason?: string;
  /** Model name the server reports. */
  model?: string;
  /** The replica that answered, when the profile lists several. */
  endpoint?: string;
}

/** Why a call failed; the runner decides from `retryable` and `retryAfterMs`. */
export type ChatErrorKind = 'http' | 'timeout' | 'connection' | 'aborted' | 'protocol';

export class ChatCallError extends Error {
  constructor(
    message: string,
    readonly kind: ChatErrorKind,
    readonly status?: number,
    /** From a Retry-After (or retry-after-ms) header, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChatCallError';
  }
  /** 429, 5xx (and 408), connection errors and timeouts are retried; other statuses are not. */
  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'connection') return true;
    if (this.kind === 'http' && this.status !== undefined) return this.status === 429 || this.status === 408 || this.status >= 500;
    return false;
  }
}

/** What the runner calls: the chat-completions client implements it (src/models/openaiChat.ts). */
export interface ChatBackend {
  complete(req: ChatRequest, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ChatResponse>;
}

/** Offsets [start, end) into the raw reply, for highlighting what was read. */
export interface ReplySpan {
  start: number;
  end: number;
}

export interface CriterionResult {
  name: string;
  met: boolean;
  reason?: string;
  span?: ReplySpan;
}

/** One judge call (or cached reply) of one repeat. */
export interface JudgeRepeat {
  index: number;
  status: 'ok' | 'parse-failure' | 'call-error';
  /** The judge's number on its own scale (e.g. 4 of 0–5), when one was read. */
  score: number | null;
  /** score ÷ divide when ok. */
  value: number | null;
  reply: string | null;
  /** Where the score was read in `reply`. */
  span?: ReplySpan;
  reason?: string;
  criteria?: CriterionResult[];
  /** Why parsing or the call failed. */
  error?: string;
  latencyMs: number | null;
  usage?: TokenUsage;
  /** HTTP attempts for this repeat (0 when it came from the cache). */
  attempts: number;
  cacheHit: boolean;
  cacheKey: string;
  /** A cached reply that came from elsewhere than an online call (a batch results file). */
  origin?: string;
  /** The replica that answered, when the profile lists several. */
  endpoint?: string;
}

export interface JudgeSpread {
  min: number;
  max: number;
  /** Population standard deviation of the ok repeats' values. */
  std: number;
}

/** `provenance` of a judged RewardResult: everything the detail view shows. */
export interface JudgeProvenance {
  source: 'judge';
  reward: JudgedReward;
  profile: string;
  /** What the trainer stored for the first reply (ast.literal_eval(reply) / 5.0), for number templates. */
  trainer?: { stored: number | null; kind: string; reason: string };
  /** The base URL the judge was called at (a cached reply keeps the one that answered it first). */
  endpoint: string;
  model: string;
  template: { name: string; hash: string; file: string; parse: string; scale: string };
  /** The rendered prompt, exactly as sent (user message). */
  prompt: string;
  sampling: { temperature: number; maxTokens: number; seed?: number };
  repeats: JudgeRepeat[];
  okRepeats: number;
  failedRepeats: number;
  /** Over the ok repeats, when there is at least one. */
  mean?: number;
  spread?: JudgeSpread;
  /** Shorthands from the first repeat, for a one-repeat view. */
  reply: string | null;
  span?: ReplySpan;
  criteria?: CriterionResult[];
  latencyMs: number | null;
  usage?: TokenUsage;
  attempts: number;
  cacheHit: boolean;
}
