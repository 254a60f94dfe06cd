// Checkpoint profiles and the exact chat-completions body sent to a checkpoint (pure: media bytes
// come in already prepared by src/media/prepare.ts).
//
// Default (vLLM, robust for Qwen2.5-Omni-based checkpoints and how HumanOmniV2 was evaluated):
// one video_url part (the trimmed clip as data:video/mp4) + one audio_url part (its sound as
// 16 kHz mono WAV) when the clip has audio + the text part; the no-audio line and no audio part
// when it has none. Images → image_url; 'frames' → several image_url parts; DashScope → stream
// required, one video_url carrying its own audio. mm_processor_kwargs.use_audio_in_video only when
// opted in AND the clip has audio; media_io_kwargs only when enabled.

import { createHash } from 'node:crypto';
import { buildUserText, DEFAULT_PROMPT_TEXTS, type MediaKind, type PromptTexts, type QuestionInput } from './prompt';

export type ServerKind = 'vllm' | 'dashscope' | 'openai-compatible';
export type MediaTransport = 'data-url' | 'file-url' | 'frames';
export const SERVER_KINDS: ServerKind[] = ['vllm', 'dashscope', 'openai-compatible'];
export const MEDIA_TRANSPORTS: MediaTransport[] = ['data-url', 'file-url', 'frames'];

export interface FramesConfig {
  /** Frames to sample ('frames' transport) or to ask the server for (media_io_kwargs.video.num_frames). */
  count?: number;
  /** Or a rate (media_io_kwargs.video.fps; for 'frames', count = ceil(fps × duration)). */
  fps?: number;
  /** Send media_io_kwargs (recent vLLM only; older servers reject unknown fields). */
  sendMediaIoKwargs?: boolean;
}

export interface CheckpointProfile {
  name?: string;
  baseURL: string;
  model: string;
  serverKind?: ServerKind;
  mediaTransport?: MediaTransport;
  frames?: FramesConfig;
  /** Opt-in: the audio rides inside the video (mm_processor_kwargs); only applied when the clip has audio. */
  useAudioInVideo?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens?: number;
  seed?: number;
  n?: number;
  systemPromptFile?: string;
  instructionFiles?: Record<string, string>;
  /** Name of the environment variable holding the API key (the key itself is never stored). */
  apiKeyEnv?: string;
}

export interface MediaBytes {
  bytes: Uint8Array;
  mime: string;
  /** For the 'file-url' transport: where the server can read these same bytes. */
  file?: string;
}

/** The clip, prepared: what buildChatRequest needs. */
export interface PreparedMedia {
  kind: 'video' | 'image' | 'audio';
  hasAudio: boolean;
  /** Trimmed MP4 (video kinds, unless frames were sampled instead). */
  video?: MediaBytes;
  /** 16 kHz mono WAV of the range (when the clip has audio). */
  audio?: MediaBytes;
  image?: MediaBytes;
  frames?: MediaBytes[];
  /** Seconds of the range sent. */
  duration?: number;
}

export interface MediaPartInfo {
  type: 'video_url' | 'audio_url' | 'image_url';
  mime: string;
  bytes: number;
  sha256: string;
  /** The file:// URL when sent by reference. */
  url?: string;
}

export interface BuiltRequest {
  body: Record<string, unknown>;
  systemText: string;
  userText: string;
  mediaParts: MediaPartInfo[];
  /** Things the user asked for that were not applied, and why. */
  notes: string[];
}

export function sha256Hex(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

function dataUrl(m: MediaBytes): string {
  return `data:${m.mime};base64,${Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength).toString('base64')}`;
}

function fileUrl(path: string): string {
  const abs = path.startsWith('/') ? path : '/' + path.replace(/\\/g, '/');
  return 'file://' + abs.split('/').map(encodeURIComponent).join('/');
}

/** The profile as saved with a run: no secrets (the key's variable name at most). */
export function profileForRecord(p: CheckpointProfile): CheckpointProfile {
  const out: CheckpointProfile = { ...p };
  delete (out as { apiKey?: unknown }).apiKey;
  return out;
}

export function buildChatRequest(profile: CheckpointProfile, media: PreparedMedia, question: QuestionInput, texts: PromptTexts = DEFAULT_PROMPT_TEXTS): BuiltRequest {
  const server = profile.serverKind ?? 'vllm';
  const transport = profile.mediaTransport ?? 'data-url';
  const notes: string[] = [];
  const parts: Record<string, unknown>[] = [];
  const mediaParts: MediaPartInfo[] = [];
  const add = (type: MediaPartInfo['type'], m: MediaBytes) => {
    const info: MediaPartInfo = { type, mime: m.mime, bytes: m.bytes.byteLength, sha256: sha256Hex(m.bytes) };
    let url: string;
    if (transport === 'file-url' && m.file) url = info.url = fileUrl(m.file);
    else url = dataUrl(m);
    parts.push({ type, [type]: { url } });
    mediaParts.push(info);
  };

  const audioInVideo = !!profile.useAudioInVideo && media.hasAudio && media.kind === 'video' && server !== 'dashscope';
  if (profile.useAudioInVideo && !media.hasAudio) notes.push('use_audio_in_video not sent: the clip has no audio stream (vLLM fails on such clips)');

  let mediaKind: MediaKind;
  if (media.kind === 'image') {
    if (!media.image) throw new Error('image media without image bytes');
    add('image_url', media.image);
    mediaKind = 'image';
  } else if (media.kind === 'audio') {
    if (!media.audio) throw new Error('audio media without audio bytes');
    add('audio_url', media.audio);
    mediaKind = 'audio';
  } else {
    mediaKind = media.hasAudio ? 'video-audio' : 'video';
    if (transport === 'frames' && server !== 'dashscope') {
      if (!media.frames?.length) throw new Error("the 'frames' transport needs sampled frames");
      for (const f of media.frames) add('image_url', f);
      if (media.hasAudio && media.audio) add('audio_url', media.audio);
    } else {
      if (!media.video) throw new Error('video media without the encoded clip');
      add('video_url', media.video);
      // DashScope and use_audio_in_video: the video part carries its own audio.
      if (media.hasAudio && server !== 'dashscope' && !audioInVideo) {
        if (!media.audio) throw new Error('a clip with audio needs its 16 kHz WAV');
        add('audio_url', media.audio);
      }
    }
  }
  const userText = buildUserText(question, mediaKind, texts);
  parts.push({ type: 'text', text: userText });

  const body: Record<string, unknown> = {
    model: profile.model,
    messages: [...(texts.system ? [{ role: 'system', content: texts.system }] : []), { role: 'user', content: parts }],
  };
  if (profile.temperature !== undefined) body.temperature = profile.temperature;
  if (profile.topP !== undefined) body.top_p = profile.topP;
  if (profile.topK !== undefined) {
    if (server === 'vllm' || server === 'openai-compatible') body.top_k = profile.topK;
    else notes.push(`top_k not sent: ${server} does not take it`);
  }
  if (profile.maxTokens !== undefined) body.max_tokens = profile.maxTokens;
  if (profile.seed !== undefined) body.seed = profile.seed;
  if (profile.n !== undefined && profile.n !== 1) body.n = profile.n;
  body.stream = true;
  body.stream_options = { include_usage: true };
  if (audioInVideo) body.mm_processor_kwargs = { use_audio_in_video: true };
  const fr = profile.frames;
  if (fr?.sendMediaIoKwargs && media.kind === 'video' && transport !== 'frames') {
    if (fr.count !== undefined) body.media_io_kwargs = { video: { num_frames: fr.count } };
    else if (fr.fps !== undefined) body.media_io_kwargs = { video: { fps: fr.fps } };
  }
  return { body, systemText: texts.system, userText, mediaParts, notes };
}

/** The body for printing: every data: URL shortened to `data:<mime>;base64,<41 KB, sha256 ab12cd34ef56…>`. */
export function dryRunView(body: unknown): unknown {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = /^data:([^;,]+);base64,/.exec(v);
      if (!m) return v;
      const bytes = Buffer.from(v.slice(m[0].length), 'base64');
      const kb = bytes.length < 1024 ? `${bytes.length} B` : `${Math.round(bytes.length / 1024)} KB`;
      return `${m[0]}<${kb}, sha256 ${sha256Hex(bytes).slice(0, 12)}…>`;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(body);
}
