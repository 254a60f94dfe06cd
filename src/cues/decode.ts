// Decoding for cue extraction: the range's audio as 16 kHz mono float samples, and frames as
// raw RGB at a fixed rate and a bounded size, streamed one at a time so a long clip never sits
// in memory as a whole (the consumer's pace throttles ffmpeg through the pipe).

import { spawn } from 'node:child_process';
import { MediaToolError, ffmpegTime, runTool, type MediaInfo, type MediaTools } from '../media/ffmpeg';
import { VAD_SAMPLE_RATE } from './vad';

export interface DecodeRange {
  start: number;
  /** Absent: to the end of the stream. */
  end?: number;
}

function rangeArgs(range: DecodeRange): { pre: string[]; post: string[] } {
  return {
    pre: range.start > 0 ? ['-ss', ffmpegTime(range.start)] : [],
    post: range.end !== undefined ? ['-t', ffmpegTime(range.end - range.start)] : [],
  };
}

function abortError(): Error {
  const e = new Error('cancelled');
  e.name = 'AbortError';
  return e;
}

/** 16 kHz mono samples in [-1, 1). Probe first: ffmpeg fails on a file without audio. */
export async function decodePcm16k(file: string, tools: Pick<MediaTools, 'ffmpeg'>, range: DecodeRange, signal?: AbortSignal, maxSeconds = 4 * 3600): Promise<Float32Array> {
  const { pre, post } = rangeArgs(range);
  const d = range.end !== undefined ? range.end - range.start : maxSeconds;
  const pcm = await runTool(
    tools.ffmpeg,
    ['-v', 'error', '-nostdin', ...pre, '-i', file, ...post, '-vn', '-ac', '1', '-ar', String(VAD_SAMPLE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'],
    {
      signal,
      maxBytes: Math.ceil((d + 5) * VAD_SAMPLE_RATE * 2 * 1.05),
    },
  );
  const n = pcm.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
  return out;
}

export interface RgbFrame {
  /** Seconds from the start of the range. */
  t: number;
  width: number;
  height: number;
  /** width * height * 3 bytes, rgb24, row-major. */
  rgb: Uint8Array;
}

/** Degrees the player turns the picture (phone videos): ffmpeg applies it when decoding. */
async function rotation(file: string, tools: Pick<MediaTools, 'ffprobe'>, signal?: AbortSignal): Promise<number> {
  try {
    const raw = await runTool(tools.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream_tags=rotate:stream_side_data=rotation', '-of', 'json', file], {
      signal,
      maxBytes: 1 << 20,
    });
    const j = JSON.parse(raw.toString('utf8')) as { streams?: { tags?: { rotate?: string }; side_data_list?: { rotation?: number }[] }[] };
    const s = j.streams?.[0];
    const r = Number(s?.side_data_list?.find((x) => x.rotation !== undefined)?.rotation ?? s?.tags?.rotate ?? 0);
    return Number.isFinite(r) ? r : 0;
  } catch {
    return 0;
  }
}

/**
 * The decoded frame size: the displayed size (after rotation) scaled so its longest side is at
 * most maxSide, never upscaled, even sides. Computed here rather than left to ffmpeg's scale
 * expressions so the byte count of each raw frame is known exactly.
 */
export async function frameSize(file: string, tools: Pick<MediaTools, 'ffprobe'>, info: MediaInfo, maxSide: number, signal?: AbortSignal): Promise<{ width: number; height: number }> {
  let w = info.video?.width ?? 0;
  let h = info.video?.height ?? 0;
  if (!(w > 0 && h > 0)) throw new MediaToolError(`cannot read ${file}: the video stream has no frame size`);
  if (Math.abs(await rotation(file, tools, signal)) % 180 === 90) [w, h] = [h, w];
  const s = Math.min(1, maxSide / Math.max(w, h));
  return { width: Math.max(2, Math.round((w * s) / 2) * 2), height: Math.max(2, Math.round((h * s) / 2) * 2) };
}

export interface FrameStreamOptions {
  range: DecodeRange;
  /** Frames per second; ignored for a still image (one frame). */
  fps: number;
  width: number;
  height: number;
  signal?: AbortSignal;
}

/**
 * Frames at `fps` over the range. ffmpeg's fps filter (round=near) gives frame i the source
 * picture nearest to i / fps, so that is its time. Throws MediaToolError when ffmpeg fails,
 * after yielding the frames it produced before failing.
 */
export async function* rgbFrames(file: string, tools: Pick<MediaTools, 'ffmpeg'>, info: MediaInfo, opts: FrameStreamOptions): AsyncGenerator<RgbFrame> {
  const { width, height, range, fps, signal } = opts;
  if (signal?.aborted) throw abortError();
  const scale = `scale=${width}:${height}:flags=area,setsar=1`;
  const { pre, post } = rangeArgs(range);
  const args = info.isImage
    ? ['-v', 'error', '-nostdin', '-i', file, '-an', '-vf', scale, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']
    : ['-v', 'error', '-nostdin', ...pre, '-i', file, ...post, '-an', '-vf', `fps=${fps},${scale}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const child = spawn(tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-16 * 1024);
  });
  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.on('error', (e) => resolve({ code: null, sig: null, spawnError: e }));
    child.on('close', (code, sig) => resolve({ code, sig }));
  });
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  const size = width * height * 3;
  let buf = Buffer.alloc(size);
  let filled = 0;
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const take = Math.min(size - filled, chunk.length - off);
        chunk.copy(buf, filled, off, off + take);
        filled += take;
        off += take;
        if (filled === size) {
          const t = info.isImage ? 0 : index / fps;
          yield { t: Math.round(t * 1000) / 1000, width, height, rgb: new Uint8Array(buf.buffer, buf.byteOffset, size) };
          index++;
          buf = Buffer.alloc(size);
          filled = 0;
        }
      }
    }
    const r = await exited;
    if (signal?.aborted) throw abortError();
    if (r.spawnError) throw new MediaToolError(`could not start ${tools.ffmpeg}: ${r.spawnError.message}`);
    if (r.code !== 0) {
      const msg = stderr.trim();
      throw new MediaToolError(`cannot decode the frames of ${file} (ffmpeg ${r.code !== null ? `exit ${r.code}` : `signal ${r.sig}`})${msg ? `: ${msg}` : ''}`, msg || undefined);
    }
    if (index === 0) throw new MediaToolError(`cannot decode the frames of ${file}: ffmpeg produced no frame${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // The consumer stopped early (an error, a break): do not leave ffmpeg writing to a full pipe.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
