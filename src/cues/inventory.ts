// The cue inventory of a clip: what its audio and its picture contain, computed locally (Silero
// VAD, loudness, PaddleOCR, frame differences) and cached per content hash and range.
//
// Failure is reported where it happened: a file that cannot be probed rejects (there is nothing
// to say about it); a stage that fails after that sets `error` on its part and keeps the rest,
// so "no speech" and "VAD could not run" never look alike. An inventory with an error is not
// cached (the next call retries). Cancellation is checked between steps and between frames
// (a model run in progress cannot be interrupted).

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomicFile';
import type { AudioCues, CueInventory, TextFrame, VisualCues } from '../core/shortcuts/types';
import { probe, resolveRange, type MediaInfo, type MediaTools } from '../media/ffmpeg';
import { decodePcm16k, frameSize, rgbFrames, type DecodeRange } from './decode';
import { greyThumb } from './image';
import { soundsOutsideSpeech, rmsEnvelope, LOUDNESS } from './loudness';
import { modelIds } from './models';
import { MOTION, analyseMotion, meanAbsDiff } from './motion';
import { ocrFrame, type OcrTimings } from './ocr';
import { maxBlockDiff, TEXT_CHANGE } from './textChange';
import { buildTextTracks, inventoryKey } from './text';
import { VAD_SAMPLE_RATE, detectSpeech, round3 } from './vad';
import { errorText } from '../core/errors';

export { inventoryKey, textOnScreen, normaliseText, buildTextTracks } from './text';

export interface CueOptions {
  tools: MediaTools;
  range?: { start?: number; end?: number };
  /** Where inventories are cached (e.g. <workspace>/.omnitrace/cues); none: no cache. */
  cacheDir?: string;
  /** Frames per second sampled for OCR and motion (default 1). */
  fps?: number;
  /** Longest side of the decoded frames (default 960; OCR detection scales further down). */
  maxSide?: number;
  signal?: AbortSignal;
  onStage?: (stage: string) => void;
}

export const CUE_DEFAULTS = { fps: 1, maxSide: 960 } as const;

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const e = new Error('cancelled');
    e.name = 'AbortError';
    throw e;
  }
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e as Error)?.name === 'AbortError';
}

function msg(e: unknown): string {
  return errorText(e);
}

export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal, highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function safeModelIds(): CueInventory['models'] {
  try {
    return modelIds();
  } catch (e) {
    const m = `unavailable (${msg(e)})`;
    return { vad: m, ocrDetection: m, ocrRecognition: m };
  }
}

function emptyAudio(present: boolean): AudioCues {
  return { present, speech: [], speechSeconds: 0, sounds: [], soundSeconds: 0, silenceSeconds: 0, envelope: [], envelopeStep: LOUDNESS.window };
}

function emptyVisual(present: boolean, fps: number): VisualCues {
  return { present, fps, text: [], textTracks: [], motion: [], sceneChanges: [], isStatic: false };
}

type Timer = (name: string, started: number) => void;

async function analyseAudio(file: string, opts: CueOptions, range: DecodeRange, time: Timer): Promise<AudioCues> {
  const a = emptyAudio(true);
  let samples: Float32Array;
  let t = performance.now();
  try {
    opts.onStage?.('audio: decoding');
    samples = await decodePcm16k(file, opts.tools, range, opts.signal);
  } catch (e) {
    if (isAbort(e, opts.signal)) throw e;
    a.error = `cannot decode the audio of ${file}: ${msg(e)}`;
    return a;
  }
  time('audioDecode', t);
  const duration = samples.length / VAD_SAMPLE_RATE;
  a.envelope = rmsEnvelope(samples, VAD_SAMPLE_RATE, LOUDNESS.window);
  throwIfAborted(opts.signal);
  t = performance.now();
  try {
    opts.onStage?.('audio: speech detection');
    a.speech = await detectSpeech(samples, { signal: opts.signal });
    a.speechSeconds = round3(a.speech.reduce((s, x) => s + x.end - x.start, 0));
  } catch (e) {
    if (isAbort(e, opts.signal)) throw e;
    // Without speech segments, loud speech would be counted as "sound": report none.
    a.error = `speech detection (Silero VAD) failed: ${msg(e)}; sounds were not separated from speech`;
    const quiet = a.envelope.filter((db) => db <= LOUDNESS.loudDb).length;
    a.silenceSeconds = round3(Math.min(duration, quiet * LOUDNESS.window));
    return a;
  }
  time('vad', t);
  t = performance.now();
  const l = soundsOutsideSpeech(a.envelope, LOUDNESS.window, duration, a.speech);
  Object.assign(a, l);
  time('loudness', t);
  return a;
}

async function analyseVisual(file: string, info: MediaInfo, opts: CueOptions, range: DecodeRange, fps: number, time: Timer): Promise<{ visual: VisualCues; timings: Record<string, number> }> {
  const v = emptyVisual(true, fps);
  const started = performance.now();
  const ocrT: OcrTimings = { detSeconds: 0, recSeconds: 0 };
  let motionMs = 0;
  let ocrError: string | undefined;
  let prev: Float32Array | undefined;
  // The last frame OCR read (textChange.ts): an unchanged frame reuses its text.
  let lastRead: { thumb: Float32Array; boxes: TextFrame['boxes'] } | undefined;
  let ocrFramesRead = 0;
  const times: number[] = [];
  try {
    const size = await frameSize(file, opts.tools, info, opts.maxSide ?? CUE_DEFAULTS.maxSide, opts.signal);
    const expected = info.isImage ? 1 : Math.max(1, Math.ceil(((range.end ?? info.duration) - range.start) * fps));
    for await (const f of rgbFrames(file, opts.tools, info, { range, fps, width: size.width, height: size.height, signal: opts.signal })) {
      throwIfAborted(opts.signal);
      opts.onStage?.(`visual: frame ${times.length + 1}/${expected}`);
      const img = { width: f.width, height: f.height, data: f.rgb };
      const m0 = performance.now();
      const thumb = greyThumb(img, MOTION.thumbW, MOTION.thumbH);
      if (prev) v.motion.push(Math.round(meanAbsDiff(prev, thumb) * 1e4) / 1e4);
      prev = thumb;
      times.push(f.t);
      motionMs += performance.now() - m0;
      const frame: TextFrame = { t: f.t, boxes: [] };
      if (!ocrError) {
        try {
          const fine = greyThumb(img, TEXT_CHANGE.thumbW, TEXT_CHANGE.thumbH);
          if (lastRead && maxBlockDiff(lastRead.thumb, fine, TEXT_CHANGE.thumbW, TEXT_CHANGE.thumbH, TEXT_CHANGE.block) < TEXT_CHANGE.minBlockDiff) {
            frame.boxes = lastRead.boxes.map((b) => ({ ...b }));
          } else {
            frame.boxes = await ocrFrame(img, ocrT);
            ocrFramesRead++;
            lastRead = { thumb: fine, boxes: frame.boxes };
          }
        } catch (e) {
          // Motion goes on without OCR; frames after this one are not read.
          ocrError = `on-screen text recognition (PaddleOCR) failed at ${f.t} s: ${msg(e)}`;
        }
      }
      if (!ocrError) v.text.push(frame);
    }
  } catch (e) {
    if (isAbort(e, opts.signal)) throw e;
    v.error = times.length ? `frames after ${times[times.length - 1]} s could not be decoded: ${msg(e)}` : msg(e);
  }
  if (ocrError) v.error = v.error ? `${ocrError}; ${v.error}` : ocrError;
  const m0 = performance.now();
  Object.assign(v, analyseMotion(v.motion, times));
  motionMs += performance.now() - m0;
  const duration = info.isImage ? 0 : (range.end ?? info.duration) - range.start;
  v.textTracks = buildTextTracks(v.text, fps, duration);
  time('visual', started);
  return { visual: v, timings: { ocrDetection: round3(ocrT.detSeconds), ocrRecognition: round3(ocrT.recSeconds), motion: round3(motionMs / 1000), framesSampled: times.length, ocrFramesRead } };
}

/** The cached inventory for this key when it was made by the same models and frame rate. */
function readCache(path: string, models: CueInventory['models'], fps: number): CueInventory | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const inv = JSON.parse(readFileSync(path, 'utf8')) as CueInventory;
    if (inv.version !== 1) return undefined;
    if (inv.models.vad !== models.vad || inv.models.ocrDetection !== models.ocrDetection || inv.models.ocrRecognition !== models.ocrRecognition) return undefined;
    if (inv.visual.present && inv.visual.fps !== fps) return undefined;
    // A part that failed is retried, not served from the cache (it was written so views can show it).
    if (inv.audio.error || inv.visual.error) return undefined;
    return inv;
  } catch {
    return undefined; // unreadable cache: recompute and overwrite
  }
}

/** The cue inventory of `clip` (or of a range of it), from the cache when possible. */
export async function buildCueInventory(clip: string, opts: CueOptions): Promise<CueInventory> {
  const timings: Record<string, number> = {};
  const time: Timer = (name, started) => {
    timings[name] = round3((timings[name] ?? 0) + (performance.now() - started) / 1000);
  };
  const t0 = performance.now();
  const fps = opts.fps ?? CUE_DEFAULTS.fps;
  if (!(fps > 0 && fps <= 30)) throw new Error(`frame rate for cue extraction must be in (0, 30], got ${fps}`);
  throwIfAborted(opts.signal);
  opts.onStage?.('probing');
  let t = performance.now();
  const info = await probe(clip, opts.tools, { signal: opts.signal });
  time('probe', t);
  throwIfAborted(opts.signal);
  const r = info.isImage ? { start: 0, end: 0 } : resolveRange(opts.range, info.duration, clip);
  const whole = info.isImage || (r.start === 0 && r.end >= info.duration);
  opts.onStage?.('hashing');
  t = performance.now();
  const sha256 = await sha256File(clip, opts.signal);
  time('hash', t);
  const models = safeModelIds();
  const base: Pick<CueInventory, 'clip' | 'range'> = {
    clip: {
      path: clip,
      sha256,
      duration: info.duration,
      hasAudio: !!info.audio,
      hasVideo: !!info.video,
      ...(info.video ? { width: info.video.width, height: info.video.height } : {}),
    },
    ...(whole ? {} : { range: { start: r.start, end: r.end } }),
  };
  const cacheFile = opts.cacheDir ? join(opts.cacheDir, `${inventoryKey(base)}.json`) : undefined;
  if (cacheFile) {
    const cached = readCache(cacheFile, models, fps);
    if (cached) {
      opts.onStage?.('from cache');
      // Same content under another name: the cache is by content, the path is the caller's.
      return { ...cached, clip: { ...cached.clip, path: clip } };
    }
  }

  // The whole clip is decoded to its end, not to the container's duration (streams can be longer).
  const range: DecodeRange = whole ? { start: 0 } : { start: r.start, end: r.end };
  const audio = info.audio ? await analyseAudio(clip, opts, range, time) : emptyAudio(false);
  throwIfAborted(opts.signal);
  let visual = emptyVisual(false, fps);
  if (info.video) {
    const v = await analyseVisual(clip, info, opts, range, fps, time);
    visual = v.visual;
    Object.assign(timings, v.timings);
  }
  timings.total = round3((performance.now() - t0) / 1000);
  const inv: CueInventory = { version: 1, ...base, audio, visual, models, timings, createdAt: new Date().toISOString() };

  // Written even when a part failed: the views read the inventory an analysis used back from here.
  if (cacheFile && !models.vad.startsWith('unavailable')) {
    try {
      mkdirSync(opts.cacheDir!, { recursive: true });
      await writeFileAtomic(cacheFile, JSON.stringify(inv));
    } catch {
      // A cache that cannot be written costs time next run, not correctness.
    }
  }
  return inv;
}
