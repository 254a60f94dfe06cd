// A real HTTP server on 127.0.0.1 playing vLLM's chat-completions endpoint for checkpoint runs:
// records each request, decodes its media parts for inspection (ffprobe on the decoded bytes),
// and streams a scripted completion token by token as SSE, `n` choices interleaved, with the
// usage chunk at the end. Errors are sent in vLLM's own top-level shape.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateMediaTools, probe, type MediaInfo } from '../../src/media/ffmpeg';

export interface VllmScript {
  /** Completion per choice index; fewer than n → the last one repeats. */
  replies?: string[];
  /** Non-2xx: vLLM's error shape {object: 'error', message, type, code}. */
  status?: number;
  message?: string;
  /** Stop after this many content chunks and keep the connection open (for cancellation). */
  holdAfter?: number;
  /** Called when the held stream's client went away. */
  onClientGone?: () => void;
}

export interface VllmRequest {
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
}

export interface FakeVllm {
  baseURL: string;
  requests: VllmRequest[];
  script(s: VllmScript | ((r: VllmRequest) => VllmScript)): void;
  close(): Promise<void>;
}

/** Splits text into word-ish tokens (each keeps its trailing space). */
export function tokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [''];
}

export async function startFakeVllm(): Promise<FakeVllm> {
  let script: VllmScript | ((r: VllmRequest) => VllmScript) = { replies: ['<answer>A</answer>'] };
  const sockets = new Set<Socket>();
  const requests: VllmRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    const rec: VllmRequest = { url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') };
    requests.push(rec);
    const s = typeof script === 'function' ? script(rec) : script;
    if (s.status && s.status >= 300) {
      res.writeHead(s.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'error', message: s.message ?? 'error', type: 'BadRequestError', param: null, code: s.status }));
      return;
    }
    const n = Number(rec.body.n ?? 1);
    const replies = s.replies ?? [''];
    const toks = Array.from({ length: n }, (_, i) => tokens(replies[Math.min(i, replies.length - 1)]!));
    const id = 'chatcmpl-fake';
    const model = rec.body.model;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    send({ id, object: 'chat.completion.chunk', model, choices: Array.from({ length: n }, (_, i) => ({ index: i, delta: { role: 'assistant', content: '' }, finish_reason: null })) });
    const longest = Math.max(...toks.map((t) => t.length));
    let sent = 0;
    for (let k = 0; k < longest; k++) {
      // Interleaved: one chunk per choice per step.
      for (let i = 0; i < n; i++) {
        const t = toks[i]![k];
        if (t === undefined) continue;
        if (s.holdAfter !== undefined && sent >= s.holdAfter) {
          res.on('close', () => s.onClientGone?.());
          return; // keep the stream open until the client goes away
        }
        send({ id, object: 'chat.completion.chunk', model, choices: [{ index: i, delta: { content: t }, finish_reason: null }] });
        sent++;
        await new Promise((r) => setImmediate(r));
      }
    }
    for (let i = 0; i < n; i++) send({ id, object: 'chat.completion.chunk', model, choices: [{ index: i, delta: {}, finish_reason: 'stop' }] });
    const completion = toks.reduce((a, t) => a + t.length, 0);
    if (rec.body.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 1234, completion_tokens: completion, total_tokens: 1234 + completion } });
    res.end('data: [DONE]\n\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script(s) {
      script = s;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface InspectedPart {
  type: string;
  mime?: string;
  info?: MediaInfo;
  bytes?: Buffer;
  text?: string;
}

/** Decodes every part of the user message (data: URLs to temp files, ffprobed). */
export async function inspectUserParts(body: Record<string, any>): Promise<InspectedPart[]> {
  const tools = locateMediaTools();
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-vllm-'));
  const user = (body.messages as { role: string; content: any }[]).find((m) => m.role === 'user')!;
  const out: InspectedPart[] = [];
  let k = 0;
  for (const p of user.content as Record<string, any>[]) {
    if (p.type === 'text') {
      out.push({ type: 'text', text: p.text });
      continue;
    }
    const url: string = p[p.type].url;
    const m = /^data:([^;]+);base64,(.*)$/s.exec(url);
    if (!m) {
      out.push({ type: p.type });
      continue;
    }
    const bytes = Buffer.from(m[2]!, 'base64');
    const ext = { 'video/mp4': '.mp4', 'audio/wav': '.wav', 'image/jpeg': '.jpg', 'image/png': '.png' }[m[1]!] ?? '.bin';
    const f = join(dir, `part${k++}${ext}`);
    writeFileSync(f, bytes);
    out.push({ type: p.type, mime: m[1], bytes, info: await probe(f, tools) });
  }
  return out;
}
