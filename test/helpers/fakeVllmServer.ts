// A real HTTP server on 127.0.0.1 playing vLLM's chat-completions endpoint for checkpoint runs:
// records each request, decodes its media parts for inspection (ffprobe on the decoded bytes),
// and streams a scripted completion token by token as SSE, `n` choices interleaved, with the
// usage chunk at the end. Errors are sent in vLLM's own top-level shape.
//
// Also (for ablations and the constructed shortcut suite): a request without `stream: true` gets a
// whole `chat.completion` JSON reply, with vLLM's top-level `prompt_logprobs` when the request asks
// for it — one entry per fake prompt token (null first, then {tokenId: {logprob, rank,
// decoded_token}}), the assistant content's tokens last, their logprobs from the script. Scripts
// can depend on what a request carries: `requestModalities(body)` reads its parts, and
// `scriptedModel({...})` turns "(modalities) => completion" into a script. See the exported
// presets (usesAudioModel, ignoresAudioModel, claimsAudioModel) for models that use the audio,
// ignore it, or claim audio they do not use.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from './localServer';
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
  /** Stop after this many content chunks and keep the connection open (for cancellation); a non-streamed reply is held back whole. */
  holdAfter?: number;
  /** Called when the held stream's client went away. */
  onClientGone?: () => void;
  /**
   * Pause the stream after this many content chunks until `resume` settles, then finish it: a
   * test (the end-to-end one) can look at the half-streamed trace before the run completes.
   */
  pauseAfter?: number;
  resume?: Promise<unknown>;
  /** Called when the stream reaches `pauseAfter`. */
  onPause?: () => void;
  /**
   * How `prompt_logprobs` is treated: 'support' (default) returns it on a non-streamed reply;
   * 'reject' answers 400 with pydantic's extra_forbidden message naming the field (a strict or
   * older server); 'ignore' answers normally without it (a server that drops unknown fields).
   */
  promptLogprobs?: 'support' | 'reject' | 'ignore';
  /** Logprob of the i-th token of the final assistant message's content (default -0.5). */
  tokenLogprob?: (token: string, index: number) => number;
  /** How the assistant content is cut into fake tokens (default logprobTokens). */
  tokenize?: (text: string) => string[];
  /** Close the final assistant turn anyway ("<|im_end|>", "\n"), as a template ignoring continue_final_message would. */
  endOfTurn?: boolean;
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
    if (rec.body.prompt_logprobs !== undefined && s.promptLogprobs === 'reject') {
      res.writeHead(400, { 'content-type': 'application/json' });
      const message = `[{'type': 'extra_forbidden', 'loc': ('body', 'prompt_logprobs'), 'msg': 'Extra inputs are not permitted', 'input': ${JSON.stringify(rec.body.prompt_logprobs)}}]`;
      res.end(JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 }));
      return;
    }
    if (rec.body.stream !== true) {
      if (s.holdAfter !== undefined) {
        // A whole reply is held back entirely (a slow scoring call), until the client goes away.
        res.on('close', () => s.onClientGone?.());
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(wholeReply(rec.body, s)));
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
        if (s.pauseAfter !== undefined && sent === s.pauseAfter) {
          s.onPause?.();
          await s.resume;
        }
        send({ id, object: 'chat.completion.chunk', model, choices: [{ index: i, delta: { content: t }, finish_reason: null }] });
        sent++;
        await new Promise((r) => setImmediate(r));
      }
    }
    for (let i = 0; i < n; i++) send({ id, object: 'chat.completion.chunk', model, choices: [{ index: i, delta: {}, finish_reason: 'stop' }] });
    const completion = toks.reduce((a, t) => a + t.length, 0);
    if (rec.body.stream_options?.include_usage)
      send({ id, object: 'chat.completion.chunk', model, choices: [], usage: { prompt_tokens: 1234, completion_tokens: completion, total_tokens: 1234 + completion } });
    res.end('data: [DONE]\n\n');
  });
  const local = await listenLocal(server);
  const port = local.port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    script(s) {
      script = s;
    },
    close: () => local.close(),
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

// ------------------------------------------------------------------------------------------------
// Non-streamed replies, prompt_logprobs, and scripts that depend on the request's modalities.

/** What a request carries, read from the user message's parts (nothing decoded). */
export interface RequestModalities {
  video: boolean;
  /** An audio part (audio_url / input_audio), or use_audio_in_video with a video part. */
  audio: boolean;
  image: boolean;
  /** image_url parts (sampled frames or one image). */
  images: number;
  /** The part types in order, e.g. ['video_url', 'audio_url', 'text']. */
  parts: string[];
  /** The text parts joined by newlines. */
  text: string;
}

export function requestModalities(body: Record<string, any>): RequestModalities {
  const user = ((body.messages ?? []) as { role: string; content: any }[]).filter((m) => m.role === 'user').at(-1);
  const content: Record<string, any>[] = typeof user?.content === 'string' ? [{ type: 'text', text: user.content }] : (user?.content ?? []);
  const parts = content.map((p) => String(p.type));
  const video = parts.includes('video_url');
  const images = parts.filter((p) => p === 'image_url').length;
  const audio = parts.includes('audio_url') || parts.includes('input_audio') || (video && body.mm_processor_kwargs?.use_audio_in_video === true);
  const text = content
    .filter((p) => p.type === 'text')
    .map((p) => String(p.text))
    .join('\n');
  return { video, audio, image: images > 0, images, parts, text };
}

/** Fake tokens for logprob scoring: tags alone ("<answer>"), words with their trailing space, spaces. */
export function logprobTokens(text: string): string[] {
  return text.match(/<\/?[A-Za-z_]+>|[^\s<]+\s*|\s+|</g) ?? [];
}

/** A stable fake token id for a token's text. */
export function fakeTokenId(token: string): number {
  let h = 2166136261;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 16777619) >>> 0;
  return h % 150000;
}

const PART_TOKENS: Record<string, string[]> = {
  video_url: ['<|vision_start|>', '<|VIDEO|>', '<|vision_end|>'],
  image_url: ['<|vision_start|>', '<|IMAGE|>', '<|vision_end|>'],
  audio_url: ['<|audio_bos|>', '<|AUDIO|>', '<|audio_eos|>'],
  input_audio: ['<|audio_bos|>', '<|AUDIO|>', '<|audio_eos|>'],
};

/** The fake prompt, token by token: Qwen-style turns, media placeholders, the assistant content last. */
export function fakePromptTokens(body: Record<string, any>, s: Pick<VllmScript, 'tokenize' | 'endOfTurn'> = {}): { tokens: string[]; contentStart: number; contentEnd: number } {
  const tokenize = s.tokenize ?? logprobTokens;
  const messages = (body.messages ?? []) as { role: string; content: any }[];
  const out: string[] = [];
  let contentStart = -1;
  let contentEnd = -1;
  messages.forEach((m, k) => {
    out.push('<|im_start|>', m.role, '\n');
    const last = k === messages.length - 1 && m.role === 'assistant';
    if (last) contentStart = out.length;
    const parts: Record<string, any>[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content ?? []);
    for (const p of parts) {
      if (p.type === 'text') out.push(...(last ? tokenize(String(p.text)) : logprobTokens(String(p.text))));
      else out.push(...(PART_TOKENS[p.type] ?? ['<|unknown_part|>']));
    }
    if (last) contentEnd = out.length;
    // continue_final_message leaves the final message open; a template may close it anyway.
    if (!(last && body.continue_final_message === true) || s.endOfTurn) out.push('<|im_end|>', '\n');
  });
  if (body.add_generation_prompt !== false && !(messages.at(-1)?.role === 'assistant' && body.continue_final_message)) out.push('<|im_start|>', 'assistant', '\n');
  return { tokens: out, contentStart, contentEnd };
}

/** A whole chat.completion reply (non-streamed), with prompt_logprobs when asked and supported. */
function wholeReply(body: Record<string, any>, s: VllmScript): Record<string, unknown> {
  const n = Number(body.n ?? 1);
  const replies = s.replies ?? [''];
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  const choices = Array.from({ length: n }, (_, i) => {
    let text = replies[Math.min(i, replies.length - 1)]!;
    const toks = tokens(text);
    let finish = 'stop';
    if (maxTokens !== undefined && toks.length > maxTokens) {
      text = toks.slice(0, maxTokens).join('');
      finish = 'length';
    }
    return { index: i, message: { role: 'assistant', content: text, reasoning_content: null, tool_calls: [] }, logprobs: null, finish_reason: finish, stop_reason: null };
  });
  const prompt = fakePromptTokens(body, s);
  const completionTokens = choices.reduce((a, c) => a + tokens(c.message.content).length, 0);
  const reply: Record<string, unknown> = {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices,
    usage: { prompt_tokens: prompt.tokens.length, completion_tokens: completionTokens, total_tokens: prompt.tokens.length + completionTokens },
    prompt_logprobs: null,
  };
  if (body.prompt_logprobs !== undefined && body.prompt_logprobs !== null && s.promptLogprobs !== 'ignore') {
    reply.prompt_logprobs = prompt.tokens.map((t, i) => {
      if (i === 0) return null;
      const inContent = i >= prompt.contentStart && i < prompt.contentEnd && prompt.contentStart >= 0;
      const logprob = inContent ? (s.tokenLogprob?.(t, i - prompt.contentStart) ?? -0.5) : -1;
      return { [String(fakeTokenId(t))]: { logprob, rank: 1, decoded_token: t } };
    });
  }
  if (s.promptLogprobs === 'ignore') delete reply.prompt_logprobs;
  return reply;
}

/** A scripted model: what it answers, and how likely it finds tokens, from what a request carries. */
export interface ScriptedModel {
  /** The completion(s) for this request (an array: one per choice, the last repeating). */
  reply: (m: RequestModalities, r: VllmRequest) => string | string[];
  /** Logprob of the i-th token of a forced assistant message under this request (default -0.5). */
  logprob?: (token: string, m: RequestModalities, index: number) => number;
  promptLogprobs?: VllmScript['promptLogprobs'];
  endOfTurn?: boolean;
  tokenize?: (text: string) => string[];
  /** Per request: answer with an error instead (e.g. fail only the text-only request). */
  error?: (m: RequestModalities, r: VllmRequest) => { status: number; message: string } | undefined;
}

/** Turns a ScriptedModel into a script for `FakeVllm.script`. */
export function scriptedModel(model: ScriptedModel): (r: VllmRequest) => VllmScript {
  return (r) => {
    const m = requestModalities(r.body);
    const err = model.error?.(m, r);
    if (err) return { status: err.status, message: err.message };
    const reply = model.reply(m, r);
    return {
      replies: Array.isArray(reply) ? reply : [reply],
      ...(model.promptLogprobs ? { promptLogprobs: model.promptLogprobs } : {}),
      ...(model.logprob ? { tokenLogprob: (t: string, i: number) => model.logprob!(t, m, i) } : {}),
      ...(model.endOfTurn ? { endOfTurn: true } : {}),
      ...(model.tokenize ? { tokenize: model.tokenize } : {}),
    };
  };
}

/** A HumanOmniV2-shaped completion. */
export function omniCompletion(context: string, think: string, answer: string): string {
  return `<context>${context}</context><think>${think}</think><answer>${answer}</answer>`;
}

/** The answer tokens' logprob under a model that relies on `on`: near 0 with it, low without. */
const reliant = (has: boolean) => (has ? -0.1 : -2.5);

/**
 * Uses the audio: answers `withAudio` only when an audio part is present, else `without`; the
 * forced answer is likely (-0.1 per token) with the audio and unlikely (-2.5) without it.
 */
export function usesAudioModel(o: { withAudio: string; without: string; context?: string } = { withAudio: 'B', without: 'A' }): ScriptedModel {
  return {
    reply: (m) => omniCompletion(o.context ?? (m.audio ? 'a voice says the number' : 'a picture, no sound'), 'I rely on what I hear', m.audio ? o.withAudio : o.without),
    logprob: (_t, m) => reliant(m.audio),
  };
}

/** Uses the picture: answers `withVideo` only when a video or image part is present. */
export function usesVideoModel(o: { withVideo: string; without: string } = { withVideo: 'C', without: 'A' }): ScriptedModel {
  return {
    reply: (m) => omniCompletion(m.video || m.image ? 'the screen shows the word' : 'nothing to see', 'I rely on what I see', m.video || m.image ? o.withVideo : o.without),
    logprob: (_t, m) => reliant(m.video || m.image),
  };
}

/** Ignores the audio: the same answer and the same token logprobs whatever the request carries. */
export function ignoresAudioModel(answer = 'A'): ScriptedModel {
  return { reply: () => omniCompletion('a test pattern', 'the picture decides', answer), logprob: () => -0.2 };
}

/** Claims audio it does not use: its context cites sound, its answer and logprobs never change. */
export function claimsAudioModel(answer = 'A'): ScriptedModel {
  return { reply: () => omniCompletion('a man says the door is open, in a low voice', 'the voice I heard settles it', answer), logprob: () => -0.2 };
}
