// Non-speech sound vs silence from loudness: an RMS envelope of the 16 kHz samples, and the
// loud stretches that lie outside the speech segments.
//
// Thresholds and why:
//   - 50 ms windows: short enough for a knock or a doorbell chime, long enough that one window
//     holds several periods of any audible tone (an RMS over less than a period wobbles).
//   - loud = RMS above −40 dBFS. This is absolute on purpose: a threshold relative to the clip's
//     noise floor would hide a constant bed of music or traffic (the floor would be the music),
//     and "there is music throughout" is exactly the kind of audio cue a trace may cite. −40
//     dBFS sits well above dither, room tone and codec noise in recorded clips (typically −60 to
//     −50) and below quiet speech or music (typically −30 to −15).
//   - loud windows closer than 0.15 s are joined (the gaps inside a chime or between footsteps),
//     and stretches shorter than 0.2 s are dropped (single clicks, codec pops).
//   - silence = the rest of the time outside speech: not loud, not speech.

import type { SoundSegment, SpeechSegment } from '../core/shortcuts/types';
import { round3 } from './vad';

export const LOUDNESS = {
  window: 0.05,
  loudDb: -40,
  floorDb: -90,
  joinGap: 0.15,
  minSound: 0.2,
} as const;

/** RMS dBFS per `step` seconds (floor −90), the last window possibly shorter. */
export function rmsEnvelope(samples: Float32Array, sampleRate: number, step: number = LOUDNESS.window): number[] {
  const w = Math.max(1, Math.round(step * sampleRate));
  const out: number[] = [];
  for (let i = 0; i < samples.length; i += w) {
    const end = Math.min(samples.length, i + w);
    let sum = 0;
    for (let j = i; j < end; j++) sum += samples[j]! * samples[j]!;
    const rms = Math.sqrt(sum / (end - i));
    const db = rms > 0 ? 20 * Math.log10(rms) : LOUDNESS.floorDb;
    out.push(Math.round(Math.max(LOUDNESS.floorDb, db) * 10) / 10);
  }
  return out;
}

export interface LoudnessResult {
  sounds: SoundSegment[];
  soundSeconds: number;
  silenceSeconds: number;
}

/** Loud stretches outside speech, and how much of the rest is silence. */
export function soundsOutsideSpeech(envelope: number[], step: number, duration: number, speech: SpeechSegment[], p = LOUDNESS): LoudnessResult {
  const inSpeech = (t0: number, t1: number) => speech.some((s) => s.start < t1 && s.end > t0);
  // Windows that are loud and do not touch speech; speech windows break a stretch.
  const state: ('loud' | 'quiet' | 'speech')[] = envelope.map((db, i) => {
    const t0 = i * step;
    const t1 = Math.min(duration, t0 + step);
    if (inSpeech(t0, t1)) return 'speech';
    return db > p.loudDb ? 'loud' : 'quiet';
  });
  const runs: { a: number; b: number }[] = [];
  for (let i = 0; i < state.length; i++) {
    if (state[i] !== 'loud') continue;
    const last = runs[runs.length - 1];
    // Join across a short quiet gap, never across speech.
    if (last && (i - last.b) * step < p.joinGap + 1e-9 && state.slice(last.b, i).every((s) => s === 'quiet')) last.b = i + 1;
    else runs.push({ a: i, b: i + 1 });
  }
  const sounds: SoundSegment[] = [];
  for (const r of runs) {
    const start = r.a * step;
    const end = Math.min(duration, r.b * step);
    if (end - start < p.minSound - 1e-9) continue;
    // Mean loudness as the RMS of the windows (power mean), not the mean of their dB values.
    let pow = 0;
    for (let i = r.a; i < r.b; i++) pow += Math.pow(10, envelope[i]! / 10);
    sounds.push({ start: round3(start), end: round3(end), db: Math.round(10 * Math.log10(pow / (r.b - r.a)) * 10) / 10 });
  }
  const speechSeconds = speech.reduce((a, s) => a + (s.end - s.start), 0);
  const soundSeconds = sounds.reduce((a, s) => a + (s.end - s.start), 0);
  return { sounds, soundSeconds: round3(soundSeconds), silenceSeconds: round3(Math.max(0, duration - speechSeconds - soundSeconds)) };
}
