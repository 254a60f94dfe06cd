// A real HTTP server on 127.0.0.1 speaking the chat-completions protocol (plain JSON and SSE
// streaming), scriptable per request: reply text, status code, Retry-After, delay, dropping the
// connection. Records every request and the most requests in flight at once.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal, type LocalServer } from './localServer';

export interface Script {
  /** Reply text (choices[0].message.content, or streamed in chunks). */
  reply?: string;
  /** HTTP status; non-2xx sends an OpenAI-style error body. */
  status?: number;
  /** Retry-After header value (seconds or an HTTP date), sent with any status. */
  retryAfter?: string;
  /** Wait this long before answering (ms). */
  delayMs?: number;
  /** Destroy the socket: before any response ('before-headers') or after part of the body ('mid-body'). */
  drop?: 'before-headers' | 'mid-body';
  /** Wait this long between streamed chunks (ms): a slow body after prompt headers. */
  chunkDelayMs?: number;
  /** Split the streamed reply into this many chunks (default 3). */
  chunks?: number;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

export interface RecordedRequest {
  n: number;
  url: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; messages?: { role: string; content: string }[]; stream?: boolean; temperature?: number; max_tokens?: number; seed?: number; [k: string]: unknown };
  at: number;
}

export type Handler = (req: RecordedRequest) => Script | Promise<Script>;

export interface FakeChatServer {
  url: string;
  baseURL: string;
  requests: RecordedRequest[];
  inFlight: number;
  maxInFlight: number;
  setHandler(h: Handler): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeChatServer(handler: Handler = () => ({ reply: '4' })): Promise<FakeChatServer> {
  let h = handler;
  const state: FakeChatServer = {
    url: '',
    baseURL: '',
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    setHandler(next) {
      h = next;
    },
    close: () => local.close(),
  };
  let local: LocalServer;
  let counter = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      const text = await readBody(req);
      let body: RecordedRequest['body'] = {};
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as {}
      }
      const rec: RecordedRequest = { n: counter++, url: req.url ?? '', headers: req.headers, body, at: Date.now() };
      state.requests.push(rec);
      const s = await h(rec);
      if (s.delayMs) await sleep(s.delayMs);
      if (s.drop === 'before-headers') {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = {};
      if (s.retryAfter !== undefined) headers['retry-after'] = s.retryAfter;
      const status = s.status ?? 200;
      if (status < 200 || status >= 300) {
        res.writeHead(status, { ...headers, 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `scripted ${status}`, type: 'scripted', code: status } }));
        return;
      }
      const reply = s.reply ?? '';
      const usage = s.usage ?? { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 };
      const id = `chatcmpl-${rec.n}`;
      const model = body.model ?? 'fake';
      if (body.stream) {
        res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const n = Math.max(1, s.chunks ?? 3);
        const size = Math.ceil(reply.length / n) || 1;
        const pieces: string[] = [];
        for (let i = 0; i < reply.length; i += size) pieces.push(reply.slice(i, i + size));
        if (!pieces.length) pieces.push('');
        const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
        send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
        for (let i = 0; i < pieces.length; i++) {
          if (s.drop === 'mid-body' && i === Math.floor(pieces.length / 2)) {
            await sleep(5);
            req.socket.destroy();
            return;
          }
          if (s.chunkDelayMs) await sleep(s.chunkDelayMs);
          if (res.destroyed) return;
          send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: { content: pieces[i] }, finish_reason: null }] });
        }
        send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
        if (body.stream_options && (body.stream_options as { include_usage?: boolean }).include_usage) {
          send({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage });
        }
        res.end('data: [DONE]\n\n');
        return;
      }
      const payload = JSON.stringify({
        id,
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
        usage,
      });
      if (s.drop === 'mid-body') {
        res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
        res.write(payload.slice(0, Math.floor(payload.length / 2)));
        await sleep(5);
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      res.end(payload);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    } finally {
      state.inFlight--;
    }
  });
  local = await listenLocal(server);
  const port = local.port;
  state.url = `http://127.0.0.1:${port}`;
  state.baseURL = `${state.url}/v1`;
  return state;
}
