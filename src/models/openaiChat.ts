// OpenAI-compatible chat client (vLLM, SGLang, Ollama, hosted endpoints) through the `openai`
// package, plain or streaming. The SDK's own retries are off (maxRetries: 0): the judge runner
// retries with its own policy. The timeout covers the whole call, a streamed body included (the
// SDK's timeout stops at the response headers). Errors become ChatCallError with a kind, the HTTP
// status and any Retry-After, and never carry the API key.

import OpenAI from 'openai';
import { createNodeFetch } from './nodeFetch';
import { ChatCallError, type ChatBackend, type ChatRequest, type ChatResponse, type TokenUsage } from '../core/judge/types';
import { errorText } from '../core/errors';

export interface OpenAIChatOptions {
  baseURL: string;
  /** Any string when the server needs none (vLLM); the openai package requires one. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
  /** HTTP transport: 'node' (node:http keep-alive, less CPU per call; default) or 'fetch' (Node's built-in fetch). */
  transport?: 'node' | 'fetch';
}

/** Placeholder sent when no key is configured (local servers ignore it). */
export const NO_API_KEY = 'no-key';

/** Retry-After as ms: delay-seconds or an HTTP date; also the non-standard retry-after-ms. */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function usageOf(u: OpenAI.CompletionUsage | null | undefined): TokenUsage | undefined {
  if (!u) return undefined;
  return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, totalTokens: u.total_tokens };
}

export class OpenAIChatBackend implements ChatBackend {
  private readonly client: OpenAI;
  private readonly secret: string | undefined;

  constructor(opts: OpenAIChatOptions) {
    this.secret = opts.apiKey && opts.apiKey !== NO_API_KEY ? opts.apiKey : undefined;
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey || NO_API_KEY,
      maxRetries: 0,
      defaultHeaders: opts.headers,
      ...(opts.transport === 'fetch' ? {} : { fetch: createNodeFetch() }),
    });
  }

  /** Removes the API key from any text that could reach a log or an output file. */
  private redact(s: string): string {
    return this.secret ? s.split(this.secret).join('***') : s;
  }

  async complete(req: ChatRequest, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ChatResponse> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.timeoutMs);
    const onAbort = () => controller.abort();
    if (opts.signal?.aborted) controller.abort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const stopped = (): ChatCallError | undefined => {
      if (timedOut) return new ChatCallError(`no complete reply within ${opts.timeoutMs} ms`, 'timeout');
      if (opts.signal?.aborted) return new ChatCallError('cancelled', 'aborted');
      return undefined;
    };
    const base = {
      model: req.model,
      messages: req.messages,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
    };
    // The SDK's timeout (headers only) is a backstop; ours covers the body too.
    const reqOpts = { signal: controller.signal, maxRetries: 0, timeout: Math.max(1, Math.ceil(opts.timeoutMs)) + 1000 };
    try {
      if (!req.stream) {
        const r = await this.client.chat.completions.create({ ...base, stream: false }, reqOpts);
        const choice = r.choices?.[0];
        if (!choice) throw new ChatCallError('the reply has no choices', 'protocol');
        const out: ChatResponse = { text: choice.message?.content ?? '' };
        const usage = usageOf(r.usage);
        if (usage) out.usage = usage;
        if (choice.finish_reason) out.finishReason = choice.finish_reason;
        if (r.model) out.model = r.model;
        return out;
      }
      const stream = await this.client.chat.completions.create({ ...base, stream: true, stream_options: { include_usage: true } }, reqOpts);
      let text = '';
      let usage: TokenUsage | undefined;
      let finishReason: string | undefined;
      let model: string | undefined;
      for await (const chunk of stream) {
        model ??= chunk.model;
        const c = chunk.choices?.[0];
        if (c?.delta?.content) text += c.delta.content;
        if (c?.finish_reason) finishReason = c.finish_reason;
        if (chunk.usage) usage = usageOf(chunk.usage);
      }
      // An aborted stream ends the loop silently: say why it ended.
      const why = stopped();
      if (why) throw why;
      if (finishReason === undefined) throw new ChatCallError('the stream ended before the reply was finished (no finish_reason)', 'connection');
      const out: ChatResponse = { text, finishReason };
      if (usage) out.usage = usage;
      if (model) out.model = model;
      return out;
    } catch (e) {
      throw this.classify(e, stopped());
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  private classify(e: unknown, stopped: ChatCallError | undefined): ChatCallError {
    if (e instanceof ChatCallError) return e;
    if (stopped) return stopped;
    if (e instanceof OpenAI.APIConnectionTimeoutError) return new ChatCallError('the request timed out', 'timeout');
    if (e instanceof OpenAI.APIUserAbortError) return new ChatCallError('cancelled', 'aborted');
    if (e instanceof OpenAI.APIConnectionError) {
      const cause = (e as { cause?: unknown }).cause;
      const detail = cause instanceof Error ? `: ${cause.message}${(cause as { cause?: Error }).cause?.message ? ` (${(cause as { cause?: Error }).cause!.message})` : ''}` : '';
      return new ChatCallError(this.redact(`connection error${detail}`), 'connection');
    }
    if (e instanceof OpenAI.APIError && e.status !== undefined) {
      return new ChatCallError(this.redact(`HTTP ${e.status}: ${e.message}`), 'http', e.status, parseRetryAfter(e.headers));
    }
    // Errors while reading a streamed body (socket closed mid-way) surface as plain errors.
    const msg = errorText(e);
    return new ChatCallError(this.redact(`connection error: ${msg}`), 'connection');
  }
}

/** The key for a profile: the named env var, else OMNITRACE_JUDGE_API_KEY, else OPENAI_API_KEY. */
export function judgeApiKeyFromEnv(env: NodeJS.ProcessEnv, apiKeyEnv?: string): { key?: string; from?: string } {
  const names = apiKeyEnv ? [apiKeyEnv] : ['OMNITRACE_JUDGE_API_KEY', 'OPENAI_API_KEY'];
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') return { key: v, from: n };
  }
  return {};
}
