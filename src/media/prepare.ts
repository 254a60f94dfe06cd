// From a clip on disk to the bytes a checkpoint request carries: probe, then the trimmed MP4 and
// the 16 kHz WAV (only when the file has audio), sampled frames, or the image as it is.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { extractWav16k, probe, resolveRange, sampleFrames, trimAndEncode, type MediaInfo, type MediaTools, type TimeRange } from './ffmpeg';
import { sha256Hex, type CheckpointProfile, type PreparedMedia } from '../core/run/request';

const IMAGE_MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif', '.bmp': 'image/bmp' };

export interface PrepareOptions {
  range?: TimeRange;
  maxSide?: number;
  /** Where 'file-url' media are written so the server can read them (default: a temp dir is not used; required for file-url). */
  mediaDir?: string;
  signal?: AbortSignal;
}

export interface Prepared {
  info: MediaInfo;
  media: PreparedMedia;
  /** The range actually sent (undefined for an image). */
  range?: { start: number; end: number };
}

export async function prepareMedia(file: string, profile: CheckpointProfile, tools: MediaTools, opts: PrepareOptions = {}): Promise<Prepared> {
  const run = { signal: opts.signal };
  const info = await probe(file, tools, run);
  const server = profile.serverKind ?? 'vllm';
  const transport = profile.mediaTransport ?? 'data-url';
  if (info.isImage) {
    const mime = IMAGE_MIME[extname(file).toLowerCase()] ?? 'image/png';
    return { info, media: { kind: 'image', hasAudio: false, image: { bytes: await readFile(file), mime, file: resolve(file) } } };
  }
  const range = resolveRange(opts.range, info.duration, file);
  const hasAudio = !!info.audio;
  const media: PreparedMedia = { kind: info.video ? 'video' : 'audio', hasAudio, duration: range.end - range.start };
  if (hasAudio) media.audio = { bytes: await extractWav16k(file, tools, range, run), mime: 'audio/wav' };
  if (info.video) {
    if (transport === 'frames' && server !== 'dashscope') {
      const fr = profile.frames ?? {};
      const n = fr.count ?? (fr.fps ? Math.max(1, Math.ceil(fr.fps * (range.end - range.start))) : 8);
      media.frames = (await sampleFrames(file, n, tools, info, { ...range, maxSide: opts.maxSide }, run)).map((bytes) => ({ bytes, mime: 'image/jpeg' }));
    } else {
      // The audio stays inside the MP4 only when the video part is to carry it.
      const keepAudio = hasAudio && (server === 'dashscope' || !!profile.useAudioInVideo);
      media.video = { bytes: await trimAndEncode(file, tools, { ...range, maxSide: opts.maxSide, keepAudio }, run), mime: 'video/mp4' };
    }
  }
  if (transport === 'file-url') {
    if (!opts.mediaDir) throw new Error("the 'file-url' transport needs a folder the server can read (mediaDir)");
    await mkdir(opts.mediaDir, { recursive: true });
    for (const [m, ext] of [
      [media.video, '.mp4'],
      [media.audio, '.wav'],
    ] as const) {
      if (!m) continue;
      const p = resolve(join(opts.mediaDir, sha256Hex(m.bytes) + ext));
      await writeFile(p, m.bytes);
      m.file = p;
    }
  }
  return { info, media, range };
}
