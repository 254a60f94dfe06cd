// Ablated media for shortcut detection: from ONE prepared clip (src/media/prepare.ts),
// the variants that remove a modality, so the clip is cut and encoded once and every ablation
// sends the same bytes minus what it removes.
//
//   no-audio   the video without its sound: no audio part, hasAudio false, so buildChatRequest
//              writes the checkpoint's no-audio instruction exactly as for a clip without audio.
//              When the MP4 itself carries the sound (DashScope, use_audio_in_video) the track is
//              dropped by stream copy (no re-encode).
//   no-video   the audio alone (the WAV part; the prompt then has no media line, as for an audio
//              clip). `blackFrames: true` keeps a video part for servers or checkpoints that need
//              one: black frames of the same size, rate and duration, made with ffmpeg's lavfi
//              `color=c=black` source (with the sound muxed in when the video part is to carry it;
//              JPEG black frames for the 'frames' transport). An image: no-video = no image.
//   text-only  no media parts at all (`media` undefined).
//
// A variant that would remove nothing (no-audio on a silent clip, no-video on an audio file) is
// returned with `notApplicable` saying why, instead of silently sending the original request.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AblationKind } from '../core/shortcuts/types';
import { sha256Hex, type CheckpointProfile, type MediaBytes, type PreparedMedia } from '../core/run/request';
import { ffmpegTime, probe, runTool, withTempDir, type MediaTools, type RunOptions } from './ffmpeg';

export interface MediaVariant {
  kind: AblationKind;
  /** What to send; undefined = no media parts (text only). */
  media?: PreparedMedia;
  /** One line for records and the evidence view: what this variant sends. */
  description: string;
  /** Set when the ablation removes nothing this clip has: it should not be run. */
  notApplicable?: string;
  notes: string[];
}

export interface AblateOptions {
  /** The profile the clip was prepared for (server kind, transport, use_audio_in_video). */
  profile?: CheckpointProfile;
  /** no-video: send black frames of the same duration instead of no video part. */
  blackFrames?: boolean;
  /** For the 'file-url' transport: where new media (black video, stripped MP4) are written. */
  mediaDir?: string;
  signal?: AbortSignal;
}

/** The MP4 with its audio track dropped (stream copy: the picture is not re-encoded). */
export async function stripAudioTrack(mp4: Uint8Array, tools: MediaTools, run: RunOptions = {}): Promise<Buffer> {
  return withTempDir(async (dir) => {
    const inp = join(dir, 'in.mp4');
    const out = join(dir, 'out.mp4');
    await writeFile(inp, mp4);
    await runTool(tools.ffmpeg, ['-v', 'error', '-nostdin', '-y', '-i', inp, '-map', '0:v:0', '-c', 'copy', '-an', '-movflags', '+faststart', out], { ...run, maxBytes: 1024 * 1024 });
    return readFile(out);
  });
}

export interface BlackVideoOptions {
  width: number;
  height: number;
  /** Seconds. */
  duration: number;
  /** Frames per second (default 10: the picture carries nothing, fewer frames are cheaper). */
  fps?: number;
  /** WAV bytes to mux in as AAC (when the video part is to carry the sound). */
  audio?: Uint8Array;
}

/** A black H.264 MP4 made with lavfi `color=c=black:s=WxH:r=R:d=D` (even sizes for yuv420p). */
export async function blackVideo(tools: MediaTools, o: BlackVideoOptions, run: RunOptions = {}): Promise<Buffer> {
  const even = (x: number) => Math.max(2, Math.round(x / 2) * 2);
  const d = ffmpegTime(Math.max(0.04, o.duration));
  return withTempDir(async (dir) => {
    const out = join(dir, 'black.mp4');
    const audioIn: string[] = [];
    const audioOut: string[] = ['-an'];
    if (o.audio) {
      const wav = join(dir, 'a.wav');
      await writeFile(wav, o.audio);
      audioIn.push('-i', wav);
      audioOut.splice(0, 1, '-map', '0:v:0', '-map', '1:a:0', '-c:a', 'aac', '-b:a', '64k', '-ac', '1');
    }
    await runTool(
      tools.ffmpeg,
      [
        '-v',
        'error',
        '-nostdin',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `color=c=black:s=${even(o.width)}x${even(o.height)}:r=${o.fps ?? 10}:d=${d}`,
        ...audioIn,
        '-t',
        d,
        ...audioOut,
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '35',
        '-pix_fmt',
        'yuv420p',
        '-movflags',
        '+faststart',
        out,
      ],
      { ...run, maxBytes: 1024 * 1024 },
    );
    return readFile(out);
  });
}

/** N black JPEG frames of the given size (the 'frames' transport's no-video with black frames). */
export async function blackFrames(tools: MediaTools, n: number, width: number, height: number, run: RunOptions = {}): Promise<Buffer[]> {
  return withTempDir(async (dir) => {
    const out = join(dir, 'f.jpg');
    await runTool(tools.ffmpeg, ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `color=c=black:s=${Math.max(2, width)}x${Math.max(2, height)}`, '-frames:v', '1', out], {
      ...run,
      maxBytes: 1024 * 1024,
    });
    const one = await readFile(out);
    return Array.from({ length: n }, () => one);
  });
}

async function sizeOf(m: MediaBytes, tools: MediaTools, ext: string, run: RunOptions): Promise<{ width: number; height: number; fps?: number }> {
  return withTempDir(async (dir) => {
    const f = join(dir, 'probe' + ext);
    await writeFile(f, m.bytes);
    const info = await probe(f, tools, run);
    return { width: info.video?.width ?? 160, height: info.video?.height ?? 90, fps: info.video?.fps };
  });
}

async function placed(m: MediaBytes, ext: string, mediaDir: string | undefined, transport: string): Promise<MediaBytes> {
  // The 'file-url' transport sends a path the server reads: new bytes need their own file.
  if (transport !== 'file-url' || !mediaDir) return m;
  await mkdir(mediaDir, { recursive: true });
  const p = resolve(join(mediaDir, sha256Hex(m.bytes) + ext));
  await writeFile(p, m.bytes);
  return { ...m, file: p };
}

/**
 * One ablated variant of a prepared clip. Reuses the prepared bytes; only a stripped MP4 (when
 * the video carries its own sound) or black frames (when asked for) are made here.
 */
export async function ablateMedia(media: PreparedMedia, kind: AblationKind, tools: MediaTools, opts: AblateOptions = {}): Promise<MediaVariant> {
  const run = { signal: opts.signal };
  const server = opts.profile?.serverKind ?? 'vllm';
  const transport = opts.profile?.mediaTransport ?? 'data-url';
  const notes: string[] = [];
  if (kind === 'text-only') return { kind, description: 'the question text only, no media parts', notes };

  if (kind === 'no-audio') {
    if (!media.hasAudio) {
      return {
        kind,
        description: 'unchanged',
        notApplicable: media.kind === 'image' ? 'the clip is an image: there is no audio to remove' : 'the clip has no audio stream: there is nothing to remove',
        notes,
      };
    }
    if (media.kind === 'audio') {
      notes.push('the clip is audio only: without its audio no media is left (the same request as text-only)');
      return { kind, description: 'no media parts (the clip has only audio)', notes };
    }
    const out: PreparedMedia = { ...media, hasAudio: false };
    delete out.audio;
    // The MP4 carries the sound only for DashScope or use_audio_in_video (prepare.ts keepAudio).
    const audioInMp4 = !!media.video && transport !== 'frames' && (server === 'dashscope' || !!opts.profile?.useAudioInVideo);
    if (audioInMp4) {
      out.video = await placed({ bytes: await stripAudioTrack(media.video!.bytes, tools, run), mime: 'video/mp4' }, '.mp4', opts.mediaDir, transport);
      notes.push('the audio track was removed from the MP4 (stream copy)');
    }
    return { kind, media: out, description: media.frames ? 'sampled frames without the audio part' : 'the video without its audio (no audio part; no-audio instruction)', notes };
  }

  // no-video
  if (media.kind === 'audio') return { kind, description: 'unchanged', notApplicable: 'the clip is audio only: there is no picture to remove', notes };
  if (media.kind === 'image') {
    if (opts.blackFrames && media.image) {
      const { width, height } = await sizeOf(media.image, tools, media.image.mime === 'image/png' ? '.png' : '.jpg', run);
      const [black] = await blackFrames(tools, 1, width, height, run);
      return {
        kind,
        media: { kind: 'image', hasAudio: false, image: await placed({ bytes: black!, mime: 'image/jpeg' }, '.jpg', opts.mediaDir, transport) },
        description: 'a black image of the same size',
        notes,
      };
    }
    return { kind, description: 'no image (no media parts)', notes };
  }
  if (!opts.blackFrames) {
    if (!media.hasAudio || !media.audio) {
      notes.push('the clip has no audio: without its picture no media is left (the same request as text-only)');
      return { kind, description: 'no media parts (the clip has no audio)', notes };
    }
    return {
      kind,
      media: { kind: 'audio', hasAudio: true, audio: media.audio, ...(media.duration !== undefined ? { duration: media.duration } : {}) },
      description: 'the audio alone (16 kHz WAV part, no video part)',
      notes,
    };
  }
  // Black frames, same duration: for servers (or chat templates) that need a video part.
  const duration = media.duration ?? 1;
  if (media.frames?.length) {
    const { width, height } = await sizeOf(media.frames[0]!, tools, '.jpg', run);
    const frames = await blackFrames(tools, media.frames.length, width, height, run);
    const placedFrames = await Promise.all(frames.map((b) => placed({ bytes: b, mime: 'image/jpeg' }, '.jpg', opts.mediaDir, transport)));
    return { kind, media: { ...media, frames: placedFrames }, description: `${frames.length} black frames${media.hasAudio ? ' + the audio part' : ''}`, notes };
  }
  if (!media.video) throw new Error('video media without the encoded clip');
  const size = await sizeOf(media.video, tools, '.mp4', run);
  const audioInMp4 = media.hasAudio && (server === 'dashscope' || !!opts.profile?.useAudioInVideo);
  const bytes = await blackVideo(tools, { width: size.width, height: size.height, duration, ...(audioInMp4 && media.audio ? { audio: media.audio.bytes } : {}) }, run);
  notes.push(`black frames: ffmpeg lavfi color=c=black, ${size.width}x${size.height}, ${duration.toFixed(2)} s`);
  return {
    kind,
    media: { ...media, video: await placed({ bytes, mime: 'video/mp4' }, '.mp4', opts.mediaDir, transport) },
    description: `black frames of the same duration${media.hasAudio ? ' + the audio part' : ''}`,
    notes,
  };
}
