// OpenAI-compatible chat client for the judge (vLLM, SGLang, Ollama, hosted endpoints): POST
// {baseURL}/chat/completions over node:http with keep-alive, plain or streamed (SSE). Written
// directly rather than through the `openai` package because at judge rates (1,000+ calls a
// second against replicas) the package's per-call work — header objects, a debug-log record
// formatted even with logging off, an AbortSignal, a web Response — was the gap to an ideal
// client (bench/judge.ts). No retries here: the judge runner retries with its own policy. The
// timeout covers the whole call, a streamed body included. Errors become ChatCallError with a
// kind, the HTTP status and any Retry-After, and never carry the API key.

import http from 'node:http';
import https from 'node:https';
import { ChatCallError, type ChatBackend, type ChatRequest, type ChatResponse, type TokenUsage } from '../core/judge/types';
import { errorText } from '../core/errors';
import { SseReader } from './sse';
import { errorBodyMessage } from './errorBody';
import { onAbort } from '../core/abortHub';

export interface OpenAIChatOptions {
  baseURL: string;
  /** Sent as a Bearer token; a placeholder when the server needs none (vLLM without --api-key). */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
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

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

interface WireChoice {
  message?: { content?: string | null };
  delta?: { content?: string | null };
  finish_reason?: string | null;
}

/** What a stream has said so far. */
interface StreamState {
  text: string;
  usage?: TokenUsage;
  finishReason?: string;
  model?: string;
  /** `[DONE]` arrived: anything after it is ignored. */
  done: boolean;
}

interface WireReply {
  model?: string;
  choices?: WireChoice[];
  usage?: WireUsage | null;
  error?: unknown;
}

function usageOf(u: WireUsage | null | undefined): TokenUsage | undefined {
  if (!u) return undefined;
  return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, totalTokens: u.total_tokens };
}

/** What an error reply says: the message it names, else the start of its body. */
function errorMessageOf(body: string): string {
  const m = errorBodyMessage(body);
  if (m) return m;
  const t = body.trim();
  if (t === '') return '(no body)';
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

const headerGetter = (h: http.IncomingHttpHeaders) => ({
  get: (name: string) => {
    const v = h[name];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  },
});

interface Endpoint {
  proto: typeof http | typeof https;
  agent: http.Agent;
  target: { protocol: string; hostname: string; port: string; path: string };
}

export class OpenAIChatBackend implements ChatBackend {
  private readonly secret: string | undefined;
  private readonly headers: Record<string, string>;
  private endpoint: Endpoint | undefined;

  constructor(private readonly opts: OpenAIChatOptions) {
    this.secret = opts.apiKey && opts.apiKey !== NO_API_KEY ? opts.apiKey : undefined;
    this.headers = { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey || NO_API_KEY}`, 'user-agent': 'omni-trace' };
    // Given headers win (a gateway's own auth scheme), whatever their case.
    for (const [k, v] of Object.entries(opts.headers ?? {})) this.headers[k.toLowerCase()] = v;
  }

  /** Resolved at the first call: a client is also made for runs that never call (batch export). */
  private resolve(): Endpoint {
    if (this.endpoint) return this.endpoint;
    let u: URL | undefined;
    try {
      u = new URL(this.opts.baseURL);
    } catch {
      // reported below
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      throw new ChatCallError(`the judge's base URL is not an http: or https: URL: ${JSON.stringify(this.opts.baseURL)}`, 'protocol');
    }
    const proto = u.protocol === 'https:' ? https : http;
    this.endpoint = {
      proto,
      // The judge's own semaphore bounds the sockets in use.
      agent: new proto.Agent({ keepAlive: true, maxSockets: Infinity }),
      target: {
        protocol: u.protocol,
        // node:http wants IPv6 literals without their brackets.
        hostname: u.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: u.port,
        path: `${u.pathname.replace(/\/+$/, '')}/chat/completions${u.search}`,
      },
    };
    return this.endpoint;
  }

  /** Removes the API key from any text that could reach a log or an output file. */
  private redact(s: string): string {
    return this.secret ? s.split(this.secret).join('***') : s;
  }

  complete(req: ChatRequest, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ChatResponse> {
    let endpoint: Endpoint;
    try {
      endpoint = this.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
    const body = JSON.stringify({
      model: req.model,
      messages: req.messages,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.maxTokens !== undefined ? { max_tokens: req.maxTokens } : {}),
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      ...(req.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    return new Promise<ChatResponse>((resolve, reject) => {
      let settled = false;
      let stop: ChatCallError | undefined;
      const finish = (e: unknown, r?: ChatResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        forget?.();
        if (r) resolve(r);
        else reject(this.classify(e, stop));
      };
      const halt = (why: ChatCallError) => {
        stop ??= why;
        request.destroy(why);
        finish(why);
      };
      const aborted = () => halt(new ChatCallError('cancelled', 'aborted'));
      let forget: (() => void) | undefined;
      const timer = setTimeout(() => halt(new ChatCallError(`no complete reply within ${opts.timeoutMs} ms`, 'timeout')), opts.timeoutMs);
      const request = endpoint.proto.request(
        {
          ...endpoint.target,
          method: 'POST',
          agent: endpoint.agent,
          headers: { ...this.headers, accept: req.stream ? 'text/event-stream' : 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const streamed = ok && req.stream === true && (res.headers['content-type'] ?? '').includes('text/event-stream');
          const parts: Buffer[] = [];
          const sse = streamed ? new SseReader() : undefined;
          const acc: StreamState = { text: '', done: false };
          let ended = false;
          res.on('data', (c: Buffer) => {
            if (!sse) {
              parts.push(c);
              return;
            }
            try {
              for (const ev of sse.push(c)) this.onEvent(ev, acc);
            } catch (e) {
              request.destroy();
              finish(e);
            }
          });
          res.on('end', () => {
            ended = true;
            try {
              if (!ok) {
                const text = Buffer.concat(parts).toString('utf8');
                throw new ChatCallError(this.redact(`HTTP ${status}: ${errorMessageOf(text)}`), 'http', status, parseRetryAfter(headerGetter(res.headers)));
              }
              if (sse) {
                for (const ev of sse.end()) this.onEvent(ev, acc);
                if (acc.finishReason === undefined) throw new ChatCallError('the stream ended before the reply was finished (no finish_reason)', 'connection');
                const out: ChatResponse = { text: acc.text, finishReason: acc.finishReason };
                if (acc.usage) out.usage = acc.usage;
                if (acc.model) out.model = acc.model;
                return finish(undefined, out);
              }
              finish(undefined, this.plainReply(Buffer.concat(parts).toString('utf8')));
            } catch (e) {
              finish(e);
            }
          });
          res.on('error', (e) => finish(e));
          res.on('close', () => {
            if (!ended) finish(new Error('the connection closed before the reply was complete'));
          });
        },
      );
      request.on('error', (e) => finish(e));
      if (opts.signal?.aborted) return aborted();
      if (opts.signal) forget = onAbort(opts.signal, aborted);
      request.end(body);
    });
  }

  private plainReply(text: string): ChatResponse {
    let r: WireReply;
    try {
      r = JSON.parse(text) as WireReply;
    } catch {
      throw new ChatCallError(this.redact(`the reply is not JSON: ${errorMessageOf(text)}`), 'protocol');
    }
    const choice = r.choices?.[0];
    if (!choice) throw new ChatCallError('the reply has no choices', 'protocol');
    const out: ChatResponse = { text: choice.message?.content ?? '' };
    const usage = usageOf(r.usage);
    if (usage) out.usage = usage;
    if (choice.finish_reason) out.finishReason = choice.finish_reason;
    if (r.model) out.model = r.model;
    return out;
  }

  private onEvent(data: string, acc: StreamState): void {
    if (acc.done) return;
    if (data === '[DONE]') {
      acc.done = true;
      return;
    }
    let chunk: WireReply;
    try {
      chunk = JSON.parse(data) as WireReply;
    } catch {
      throw new ChatCallError(this.redact(`a streamed event is not JSON: ${errorMessageOf(data)}`), 'protocol');
    }
    // vLLM reports an engine failure mid-stream as an event with an error: the call failed, and
    // a retry may well succeed.
    if (chunk.error !== undefined) throw new ChatCallError(this.redact(`the server reported an error mid-stream: ${errorMessageOf(data)}`), 'connection');
    acc.model ??= chunk.model;
    const c = chunk.choices?.[0];
    if (c?.delta?.content) acc.text += c.delta.content;
    if (c?.finish_reason) acc.finishReason = c.finish_reason;
    if (chunk.usage) acc.usage = usageOf(chunk.usage);
  }

  private classify(e: unknown, stopped: ChatCallError | undefined): ChatCallError {
    if (stopped) return stopped;
    if (e instanceof ChatCallError) return e;
    const cause = (e as { cause?: unknown })?.cause;
    const detail = cause instanceof Error && cause.message ? ` (${cause.message})` : '';
    return new ChatCallError(this.redact(`connection error: ${errorText(e)}${detail}`), 'connection');
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
