// Streams chat completions from a checkpoint server (vLLM, DashScope, any OpenAI-compatible one)
// through the `openai` package. No retries (a sampling request is not blindly repeated). `n`
// choices are accumulated by index; usage comes from stream_options.include_usage; latency to
// the first token and in total. Cancelling keeps the partial text (result.cancelled). Server
// errors become CheckpointCallError with a kind, the server's raw reply and hints for known
// pitfalls; the API key never appears in any message.

import OpenAI from 'openai';
import { createNodeFetch } from './nodeFetch';
import { NO_API_KEY } from './openaiChat';
import { errorBodyMessage } from './errorBody';
import { errorText as textOf } from '../core/errors';

export interface CheckpointClientOptions {
  baseURL: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /** Whole-call limit (default 600 000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ChoiceResult {
  index: number;
  text: string;
  finishReason?: string;
}

export interface CheckpointUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface CheckpointResult {
  choices: ChoiceResult[];
  usage?: CheckpointUsage;
  model?: string;
  latency: { firstTokenMs?: number; totalMs: number };
  /** Stopped by the caller's AbortSignal: texts are partial. */
  cancelled: boolean;
}

export type CheckpointErrorKind = 'model-not-found' | 'media-rejected' | 'context-too-long' | 'unknown-field' | 'auth' | 'http' | 'connection' | 'timeout' | 'protocol';

export class CheckpointCallError extends Error {
  constructor(
    message: string,
    readonly kind: CheckpointErrorKind,
    readonly status?: number,
    /** The server's reply body as received (redacted). */
    readonly serverReply?: string,
    readonly hints: string[] = [],
    /** What had streamed before the failure. */
    readonly partial?: CheckpointResult,
  ) {
    super(message);
    this.name = 'CheckpointCallError';
  }
  /** Message, hints and the server's reply, for a terminal. */
  describe(): string {
    const lines = [this.message];
    for (const h of this.hints) lines.push(`hint: ${h}`);
    if (this.serverReply) lines.push(`server replied: ${this.serverReply.length > 2000 ? this.serverReply.slice(0, 2000) + '…' : this.serverReply}`);
    return lines.join('\n');
  }
}

const THINKER_HINT =
  "HumanOmniV2's published checkpoint is thinker-only (model_type qwen2_5_omni_thinker) and does not load in vLLM as published (its repository's issues 2 and 6); wrap it as a full Qwen2.5-Omni config with the weights renamed under a `thinker.` prefix, then serve that";

/** Maps a failed reply to a kind, a readable message and hints. `body` is the request that was sent. */
export function classifyServerError(status: number, replyText: string, body: Record<string, unknown> = {}): { kind: CheckpointErrorKind; message: string; hints: string[] } {
  const serverMessage = errorBodyMessage(replyText) ?? replyText;
  const msg = serverMessage.trim() || `HTTP ${status}`;
  const model = typeof body.model === 'string' ? body.model : '?';
  const hints: string[] = [];
  const sentFields = ['media_io_kwargs', 'mm_processor_kwargs', 'top_k'].filter((f) => f in body);
  if (status === 404 || /does not exist|model .*not found|no such model|unknown model/i.test(msg)) {
    hints.push(`check the name the server serves (GET <base URL>/models lists them; vLLM serves --served-model-name, else the path it was started with)`);
    if (/humanomni/i.test(model) || /thinker/i.test(msg)) hints.push(THINKER_HINT);
    else hints.push(`for HumanOmniV2: ${THINKER_HINT}`);
    return { kind: 'model-not-found', message: `the server has no model '${model}': ${msg}`, hints };
  }
  if (status === 401 || status === 403) {
    hints.push('pass the key through an environment variable named with --model-api-key-env');
    return { kind: 'auth', message: `the server refused the credentials (HTTP ${status}): ${msg}`, hints };
  }
  if (status === 400 || status === 422) {
    const unknownField =
      /extra (inputs|fields) (are )?not permitted|extra_forbidden|unrecognized (request )?(argument|field|key)|unknown (field|parameter|argument)|unexpected keyword|not a valid (parameter|field)/i;
    if (unknownField.test(msg) || (sentFields.some((f) => msg.includes(f)) && /not (permitted|allowed|supported)|unknown|unexpected|invalid/i.test(msg))) {
      const named = sentFields.filter((f) => msg.includes(f));
      if (named.includes('media_io_kwargs') || (!named.length && 'media_io_kwargs' in body))
        hints.push('media_io_kwargs (per-request frame sampling) needs a recent vLLM: drop --frames, or upgrade the server');
      if (named.includes('mm_processor_kwargs') || (!named.length && 'mm_processor_kwargs' in body))
        hints.push('mm_processor_kwargs (use_audio_in_video) needs a recent vLLM: drop --use-audio-in-video to send the audio as its own part');
      if (named.includes('top_k')) hints.push('this server does not take top_k: drop --top-k or use --server openai-compatible without it');
      if (!hints.length) hints.push('an older or stricter server rejects fields it does not know');
      return { kind: 'unknown-field', message: `the server rejected a request field: ${msg}`, hints };
    }
    if (/maximum context length|context length|max_model_len|too long|exceeds|too many tokens/i.test(msg)) {
      hints.push("send fewer frames (--frames N), a shorter range (--start/--end), or lower --max-tokens; or raise the server's --max-model-len");
      return { kind: 'context-too-long', message: `the request does not fit the model's context: ${msg}`, hints };
    }
    if (/video|audio|image|multimodal|multi-modal|modalit|mm_|media|mime/i.test(msg)) {
      if ('mm_processor_kwargs' in body) hints.push('use_audio_in_video fails on clips without an audio track and on older vLLM: drop --use-audio-in-video to send the audio as its own part');
      hints.push('a server without video input (llama.cpp, text/image-only models) takes sampled frames: --media frames --frames 8');
      if (/allowed-local-media-path|local (file|media)|file:\/\//i.test(msg))
        hints.push("file:// media need the server started with --allowed-local-media-path covering the run's media folder; or use --media data-url");
      hints.push(THINKER_HINT.replace(/^HumanOmniV2/, 'If this is HumanOmniV2: its'));
      return { kind: 'media-rejected', message: `the server rejected the media: ${msg}`, hints };
    }
  }
  return { kind: 'http', message: `HTTP ${status}: ${msg}`, hints };
}

export class CheckpointClient {
  private readonly secret: string | undefined;

  constructor(private readonly opts: CheckpointClientOptions) {
    this.secret = opts.apiKey && opts.apiKey !== NO_API_KEY ? opts.apiKey : undefined;
  }

  private redact(s: string): string {
    return this.secret ? s.split(this.secret).join('***') : s;
  }

  /**
   * What one request needs: a client that keeps the raw body of an error reply (the SDK drops
   * bodies that are not {"error": …}, and vLLM's are top-level), the timeout, and the caller's
   * signal joined to it. `close` when the request is over.
   */
  private openCall(signal: AbortSignal | undefined) {
    const inner = this.opts.fetch ?? createNodeFetch();
    const timeoutMs = this.opts.timeoutMs ?? 600_000;
    const controller = new AbortController();
    const call = {
      client: undefined as unknown as OpenAI,
      timeoutMs,
      signal: controller.signal,
      timedOut: false,
      errorText: undefined as string | undefined,
      close: () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      },
    };
    const capturing = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await inner(input, init);
      if (res.status >= 400) {
        call.errorText = await res.text();
        return new Response(call.errorText, { status: res.status, statusText: res.statusText, headers: res.headers });
      }
      return res;
    }) as typeof fetch;
    call.client = new OpenAI({ baseURL: this.opts.baseURL, apiKey: this.opts.apiKey || NO_API_KEY, maxRetries: 0, defaultHeaders: this.opts.headers, fetch: capturing });
    const timer = setTimeout(() => {
      call.timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return call;
  }

  /** A server or connection failure in words, with hints; `partial` is what streamed before it. */
  private callError(e: unknown, body: Record<string, unknown>, errorText: string | undefined, partial?: CheckpointResult): CheckpointCallError {
    if (e instanceof OpenAI.APIError && e.status !== undefined) {
      const reply = this.redact(errorText ?? JSON.stringify(e.error ?? e.message));
      const c = classifyServerError(e.status, reply, body);
      return new CheckpointCallError(this.redact(c.message), c.kind, e.status, reply, c.hints, partial);
    }
    if (e instanceof OpenAI.APIConnectionError) {
      const cause = (e as { cause?: unknown }).cause;
      const detail = cause instanceof Error ? `: ${cause.message}` : '';
      return new CheckpointCallError(this.redact(`cannot reach ${this.opts.baseURL}${detail}`), 'connection', undefined, undefined, [
        'is the server running, and is --model-base-url right (it usually ends in /v1)?',
      ]);
    }
    const msg = textOf(e);
    return new CheckpointCallError(this.redact(`connection error: ${msg}`), 'connection', undefined, undefined, [], partial);
  }

  /**
   * One non-streaming request (`stream` and `stream_options` are dropped; vLLM refuses
   * stream_options without stream, and returns `prompt_logprobs` only in a non-streamed reply).
   * Resolves with the reply's JSON as received, vLLM-only fields (e.g. `prompt_logprobs`)
   * included; errors are the same CheckpointCallError kinds as `stream`. Used by the ablations'
   * forced-continuation scoring.
   */
  async complete(body: Record<string, unknown>, opts: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    const call = this.openCall(opts.signal);
    const { client, timeoutMs } = call;
    try {
      const { stream: _s, stream_options: _o, ...rest } = body;
      const params = rest as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const reply = await client.chat.completions.create(params, { signal: call.signal, maxRetries: 0, timeout: timeoutMs + 1000 });
      return reply as unknown as Record<string, unknown>;
    } catch (e) {
      if (opts.signal?.aborted && !call.timedOut) {
        const err = new Error('cancelled');
        err.name = 'AbortError';
        throw err;
      }
      if (call.timedOut) throw new CheckpointCallError(`no complete reply within ${timeoutMs} ms`, 'timeout');
      throw this.callError(e, body, call.errorText);
    } finally {
      call.close();
    }
  }

  /**
   * Streams one request (`body` as built by buildChatRequest; `stream` is forced on).
   * `onDelta(choiceIndex, text)` sees every piece as it arrives; `onChoiceDone` each choice's
   * finish_reason once, when it arrives.
   */
  async stream(
    body: Record<string, unknown>,
    opts: { signal?: AbortSignal; onDelta?: (index: number, text: string) => void; onChoiceDone?: (index: number, finishReason: string) => void } = {},
  ): Promise<CheckpointResult> {
    const call = this.openCall(opts.signal);
    const { client, timeoutMs } = call;

    const t0 = performance.now();
    const texts = new Map<number, ChoiceResult>();
    let usage: CheckpointUsage | undefined;
    let model: string | undefined;
    let firstTokenMs: number | undefined;
    const result = (): CheckpointResult => {
      const out: CheckpointResult = {
        choices: [...texts.values()].sort((a, b) => a.index - b.index),
        latency: { totalMs: performance.now() - t0, ...(firstTokenMs !== undefined ? { firstTokenMs } : {}) },
        cancelled: !!opts.signal?.aborted && !call.timedOut,
      };
      if (usage) out.usage = usage;
      if (model) out.model = model;
      return out;
    };
    try {
      const params = { ...body, stream: true, stream_options: { include_usage: true } } as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
      const stream = await client.chat.completions.create(params, { signal: call.signal, maxRetries: 0, timeout: timeoutMs + 1000 });
      for await (const chunk of stream) {
        model ??= chunk.model;
        for (const c of chunk.choices ?? []) {
          let slot = texts.get(c.index);
          if (!slot) texts.set(c.index, (slot = { index: c.index, text: '' }));
          const piece = c.delta?.content;
          if (piece) {
            firstTokenMs ??= performance.now() - t0;
            slot.text += piece;
            opts.onDelta?.(c.index, piece);
          }
          if (c.finish_reason && slot.finishReason === undefined) {
            slot.finishReason = c.finish_reason;
            // With n > 1 the choices end at different times: each can be scored as it ends.
            opts.onChoiceDone?.(c.index, c.finish_reason);
          }
        }
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens };
      }
      // An aborted stream ends the loop silently: say why it ended.
      if (opts.signal?.aborted && !call.timedOut) return result();
      if (call.timedOut) throw new CheckpointCallError(`no complete reply within ${timeoutMs} ms`, 'timeout', undefined, undefined, [], result());
      const unfinished = [...texts.values()].filter((c) => c.finishReason === undefined);
      if (!texts.size || unfinished.length) {
        throw new CheckpointCallError('the stream ended before the reply was finished (no finish_reason)', 'connection', undefined, undefined, [], result());
      }
      return result();
    } catch (e) {
      if (e instanceof CheckpointCallError) throw e;
      if (opts.signal?.aborted && !call.timedOut) return result();
      if (call.timedOut) throw new CheckpointCallError(`no complete reply within ${timeoutMs} ms`, 'timeout', undefined, undefined, [], result());
      throw this.callError(e, body, call.errorText, texts.size ? result() : undefined);
    } finally {
      call.close();
    }
  }
}
