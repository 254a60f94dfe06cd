// Whether a sampled frame can show different text from the last frame OCR read: OCR is most of
// the cue inventory's time, and slides, titles and subtitles stay on screen for seconds, so a
// frame whose picture did not change anywhere gets the last frame's text without reading it.
//
// The test: 160×90 grey thumbnails cut into 10×10 blocks (a 16×9 grid); the frame changed when
// any block's mean absolute difference from the last read frame reaches 0.03 (0..1 scale). Why:
//   - per block, not over the whole frame: a new subtitle line changes ~1 % of the pixels, which a
//     whole-frame mean (≈ 0.005–0.015, see motion.ts) cannot tell from codec noise, but inside the
//     blocks it covers the glyphs change a fifth or more of full scale;
//   - 0.03 is well above re-encoding noise on a still (≈ 0.003 per block) and below one changed
//     character of a 36 px subtitle of a 720p frame in the block that holds it;
//   - compared with the last frame read, not the previous sample, so a slow fade that changes a
//     little per frame is read once it adds up.
// A changing picture (people moving) is read on every frame, as before: nothing is skipped that
// might differ.

export const TEXT_CHANGE = { thumbW: 160, thumbH: 90, block: 10, minBlockDiff: 0.03 } as const;

/** The largest mean absolute difference over the blocks of two thumbnails of the same size. */
export function maxBlockDiff(a: Float32Array, b: Float32Array, w: number, h: number, block: number): number {
  let max = 0;
  for (let by = 0; by < h; by += block) {
    const y1 = Math.min(h, by + block);
    for (let bx = 0; bx < w; bx += block) {
      const x1 = Math.min(w, bx + block);
      let s = 0;
      for (let y = by; y < y1; y++) {
        const row = y * w;
        for (let x = bx; x < x1; x++) s += Math.abs(a[row + x]! - b[row + x]!);
      }
      const d = s / ((y1 - by) * (x1 - bx));
      if (d > max) max = d;
    }
  }
  return max;
}
