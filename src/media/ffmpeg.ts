// ffmpeg / ffprobe for running checkpoints on clips: find the binaries, probe a file, cut and
// re-encode a range as a small H.264 MP4, extract 16 kHz mono WAV, sample frames. Every call
// spawns with an argument array (no shell), -nostdin, bounded output and an optional AbortSignal.
// Never imports vscode.

import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ffmpegTime } from '../core/time';

export { parseTime, ffmpegTime } from '../core/time';

export class MediaToolError extends Error {
  constructor(
    message: string,
    /** ffmpeg/ffprobe's own words, when it said something. */
    readonly toolMessage?: string,
  ) {
    super(message);
    this.name = 'MediaToolError';
  }
}

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}

export interface LocateOptions {
  ffmpeg?: string;
  ffprobe?: string;
  env?: NodeJS.ProcessEnv;
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      if (isExecutable(p)) return p;
    }
  }
  return undefined;
}

/** The option, else OMNITRACE_FFMPEG / OMNITRACE_FFPROBE, else the PATH. Throws naming what is missing. */
export function locateMediaTools(opts: LocateOptions = {}): MediaTools {
  const env = opts.env ?? process.env;
  const one = (name: 'ffmpeg' | 'ffprobe', given: string | undefined): string => {
    const envName = name === 'ffmpeg' ? 'OMNITRACE_FFMPEG' : 'OMNITRACE_FFPROBE';
    const explicit = given ?? (env[envName] || undefined);
    if (explicit !== undefined) {
      if (!isExecutable(explicit)) throw new MediaToolError(`${name} not found at ${explicit} (${given !== undefined ? 'as given' : `from ${envName}`}): not an executable file`);
      return explicit;
    }
    const found = findOnPath(name, env);
    if (!found) throw new MediaToolError(`${name} not found on the PATH: install ffmpeg (it provides ${name}) or set ${envName} to its path`);
    return found;
  };
  return { ffmpeg: one('ffmpeg', opts.ffmpeg), ffprobe: one('ffprobe', opts.ffprobe) };
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Most stdout bytes kept before the process is stopped (default 256 MB). */
  maxBytes?: number;
}

const STDERR_KEEP = 16 * 1024;

function abortError(): Error {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

/** Runs a tool; resolves with stdout when it exits 0, else rejects with MediaToolError (its stderr kept). */
export function runTool(bin: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError());
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let tooBig = false;
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (outBytes > maxBytes) {
        tooBig = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      if (err.length > STDERR_KEEP) err = err.slice(-STDERR_KEEP);
    });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new MediaToolError(`could not start ${bin}: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(abortError());
      if (tooBig) return reject(new MediaToolError(`${bin} produced more than ${maxBytes} bytes; stopped`));
      if (code !== 0) {
        const msg = err.trim();
        return reject(new MediaToolError(`${bin} failed (${code !== null ? `exit ${code}` : `signal ${sig}`})${msg ? `: ${msg}` : ''}`, msg || undefined));
      }
      resolve(Buffer.concat(out));
    });
  });
}

export interface VideoStreamInfo {
  codec: string;
  width: number;
  height: number;
  /** Frames per second (avg_frame_rate, else r_frame_rate); undefined for a still image. */
  fps?: number;
}

export interface AudioStreamInfo {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface MediaInfo {
  file: string;
  /** Seconds; 0 for a still image. */
  duration: number;
  formatName: string;
  video?: VideoStreamInfo;
  audio?: AudioStreamInfo;
  /** A still picture (png, jpeg, webp, …) rather than a clip. */
  isImage: boolean;
}

function rate(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const [a, b] = s.split('/').map(Number);
  if (!Number.isFinite(a) || !a) return undefined;
  const v = b ? a! / b : a!;
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

const IMAGE_CODECS = new Set(['png', 'mjpeg', 'webp', 'bmp', 'tiff', 'gif', 'jpeg2000', 'jpegls']);

/** Duration, first video stream and first audio stream (none when the file has no audio). */
export async function probe(file: string, tools: Pick<MediaTools, 'ffprobe'>, opts: RunOptions = {}): Promise<MediaInfo> {
  let raw: Buffer;
  try {
    raw = await runTool(
      tools.ffprobe,
      [
        '-v',
        'error',
        '-show_entries',
        'format=duration,format_name:stream=index,codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,sample_rate,channels:stream_disposition=attached_pic',
        '-of',
        'json',
        file,
      ],
      { ...opts, maxBytes: 4 * 1024 * 1024 },
    );
  } catch (e) {
    if (e instanceof MediaToolError) throw new MediaToolError(`cannot read ${file}: ${e.toolMessage ?? e.message}`, e.toolMessage);
    throw e;
  }
  const j = JSON.parse(raw.toString('utf8')) as {
    format?: { duration?: string; format_name?: string };
    streams?: {
      codec_type?: string;
      codec_name?: string;
      width?: number;
      height?: number;
      avg_frame_rate?: string;
      r_frame_rate?: string;
      sample_rate?: string;
      channels?: number;
      disposition?: { attached_pic?: number };
    }[];
  };
  const streams = j.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const a = streams.find((s) => s.codec_type === 'audio');
  const formatName = j.format?.format_name ?? '';
  const duration = Number(j.format?.duration);
  const isImage = !!v && !a && (/_pipe$|^image2$|^gif$/.test(formatName) || (IMAGE_CODECS.has(v.codec_name ?? '') && !(duration > 0.5)));
  if (!v && !a) throw new MediaToolError(`cannot read ${file}: no video or audio stream found`);
  const info: MediaInfo = { file, duration: isImage ? 0 : Number.isFinite(duration) ? duration : 0, formatName, isImage };
  if (v) {
    info.video = { codec: v.codec_name ?? '?', width: v.width ?? 0, height: v.height ?? 0 };
    const fps = isImage ? undefined : (rate(v.avg_frame_rate) ?? rate(v.r_frame_rate));
    if (fps !== undefined) info.video.fps = fps;
  }
  if (a) info.audio = { codec: a.codec_name ?? '?', sampleRate: Number(a.sample_rate) || 0, channels: a.channels ?? 0 };
  return info;
}

export interface TimeRange {
  start?: number;
  end?: number;
}

/** Checks a range against a clip's duration; returns the resolved [start, end]. */
export function resolveRange(range: TimeRange | undefined, duration: number, file = 'the clip'): { start: number; end: number } {
  const start = range?.start ?? 0;
  const end = range?.end ?? duration;
  if (start < 0 || end < 0) throw new MediaToolError(`the range ${start}–${end} s has a negative time`);
  if (duration > 0 && start >= duration) throw new MediaToolError(`the range starts at ${start} s but ${file} lasts ${duration.toFixed(2)} s`);
  if (end <= start) throw new MediaToolError(`the range end (${end} s) must be after its start (${start} s)`);
  return { start, end: duration > 0 ? Math.min(end, duration) : end };
}

function rangeArgs(range: TimeRange | undefined): { pre: string[]; post: string[] } {
  const pre = range?.start ? ['-ss', ffmpegTime(range.start)] : [];
  const post = range?.end !== undefined ? ['-t', ffmpegTime(range.end - (range.start ?? 0))] : [];
  return { pre, post };
}

function scaleFilter(maxSide: number): string {
  // Never upscales; keeps the aspect ratio; even sizes for yuv420p.
  return `scale=w=min(${maxSide}\\,iw):h=min(${maxSide}\\,ih):force_original_aspect_ratio=decrease:force_divisible_by=2`;
}

export interface EncodeOptions extends TimeRange {
  /** Longest side in pixels (default 448); never upscaled. */
  maxSide?: number;
  /** Output frame rate (default: the source's). */
  fps?: number;
  /** Keep the audio track inside the MP4 (default true when the source has one). */
  keepAudio?: boolean;
}

/** Runs `fn` with a fresh temporary folder, removed afterwards whatever happens. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'omnitrace-media-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The range re-encoded as a small H.264 (+ AAC) MP4, returned as bytes. */
export async function trimAndEncode(file: string, tools: MediaTools, opts: EncodeOptions = {}, run: RunOptions = {}): Promise<Buffer> {
  const { pre, post } = rangeArgs(opts);
  const filters = [...(opts.fps ? [`fps=${opts.fps}`] : []), scaleFilter(opts.maxSide ?? 448)];
  return withTempDir(async (dir) => {
    const out = join(dir, 'clip.mp4');
    const audio = opts.keepAudio === false ? ['-an'] : ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '64k', '-ac', '1'];
    await runTool(
      tools.ffmpeg,
      [
        '-v',
        'error',
        '-nostdin',
        '-y',
        ...pre,
        '-i',
        file,
        ...post,
        '-map',
        '0:v:0',
        ...audio,
        '-vf',
        filters.join(','),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '28',
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

/** A WAV header + 16-bit PCM samples. */
export function wavFromPcm16(pcm: Buffer, sampleRate: number, channels: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + pcm.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

/** The range's audio as 16 kHz mono s16 WAV bytes. Probe first: a file without audio makes ffmpeg fail. */
export async function extractWav16k(file: string, tools: Pick<MediaTools, 'ffmpeg'>, range: TimeRange = {}, run: RunOptions = {}): Promise<Buffer> {
  const { pre, post } = rangeArgs(range);
  const pcm = await runTool(tools.ffmpeg, ['-v', 'error', '-nostdin', ...pre, '-i', file, ...post, '-vn', '-ac', '1', '-ar', '16000', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'], {
    maxBytes: 64 * 1024 * 1024,
    ...run,
  });
  return wavFromPcm16(pcm, 16000, 1);
}

export interface FramesOptions extends TimeRange {
  /** 'jpeg' (default) or 'png'. */
  format?: 'jpeg' | 'png';
  /** Longest side (default 448); never upscaled. */
  maxSide?: number;
}

/** N frames spread evenly over the range (one for a still image), as JPEG or PNG bytes. */
export async function sampleFrames(file: string, n: number, tools: MediaTools, info: MediaInfo, opts: FramesOptions = {}, run: RunOptions = {}): Promise<Buffer[]> {
  if (!Number.isInteger(n) || n < 1) throw new MediaToolError(`frame count must be a whole number ≥ 1, got ${n}`);
  const ext = opts.format === 'png' ? 'png' : 'jpg';
  const scale = scaleFilter(opts.maxSide ?? 448);
  return withTempDir(async (dir) => {
    let args: string[];
    if (info.isImage) {
      args = ['-v', 'error', '-nostdin', '-y', '-i', file, '-vf', scale, '-frames:v', '1', join(dir, `f-%04d.${ext}`)];
    } else {
      const { start, end } = resolveRange(opts, info.duration, file);
      const d = end - start;
      args = [
        '-v',
        'error',
        '-nostdin',
        '-y',
        ...(start ? ['-ss', ffmpegTime(start)] : []),
        '-i',
        file,
        '-t',
        ffmpegTime(d),
        '-an',
        '-vf',
        `fps=${n}/${ffmpegTime(d)},${scale}`,
        '-frames:v',
        String(n),
        join(dir, `f-%04d.${ext}`),
      ];
    }
    await runTool(tools.ffmpeg, args, { ...run, maxBytes: 1024 * 1024 });
    const names = (await readdir(dir)).filter((f) => f.startsWith('f-')).sort();
    return Promise.all(names.map((f) => readFile(join(dir, f))));
  });
}
