// How much the picture changes: mean absolute difference between consecutive sampled frames on
// 64×36 grey thumbnails (0..1), scene changes where that difference jumps, and whether the clip
// is a still (a slide).
//
// Thresholds and why (differences are per pixel, 0..1, between frames 1/fps apart):
//   - thumbnails of 64×36 average away codec noise and small subtitle changes while keeping
//     anything that moves across a noticeable part of the frame.
//   - scene change: difference ≥ 0.1 (a tenth of full scale on average over the whole frame:
//     a cut between shots, not a subtitle swap, which changes ~1% of the pixels) and at least
//     3× the median of the previous 5 differences, so a fast pan that moves a lot on every
//     frame is not a string of cuts. The change is put midway between the two frames: with
//     frames 1/fps apart the cut is known to ±0.5/fps.
//   - static: at most 10% of the differences exceed 0.02 and there is no scene change. 0.02 is
//     above re-encoding noise and a changing subtitle line (≈ 0.005–0.015) and below a person
//     moving in a medium shot at 1 fps (≈ 0.03 and up).

export const MOTION = {
  thumbW: 64,
  thumbH: 36,
  sceneMin: 0.1,
  sceneRatio: 3,
  sceneHistory: 5,
  staticDiff: 0.02,
  staticFraction: 0.1,
} as const;

export function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Scene changes and stillness from the differences; diffs[i] is between the frames at times[i]
 * and times[i + 1].
 */
export function analyseMotion(diffs: number[], times: number[], p = MOTION): { sceneChanges: number[]; isStatic: boolean } {
  const sceneChanges: number[] = [];
  diffs.forEach((d, i) => {
    const base = median(diffs.slice(Math.max(0, i - p.sceneHistory), i));
    if (d >= p.sceneMin && d >= p.sceneRatio * base) sceneChanges.push(Math.round(((times[i]! + times[i + 1]!) / 2) * 1000) / 1000);
  });
  const moving = diffs.filter((d) => d > p.staticDiff).length;
  return { sceneChanges, isStatic: sceneChanges.length === 0 && moving <= p.staticFraction * diffs.length };
}
