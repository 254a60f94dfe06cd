import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxBlockDiff, TEXT_CHANGE } from '../../src/cues/textChange';
import { meanAbsDiff } from '../../src/cues/motion';

const { thumbW: W, thumbH: H, block: B, minBlockDiff: MIN } = TEXT_CHANGE;

test('a few changed glyph pixels in one block count as a change the whole-frame mean cannot see; codec-level noise does not', () => {
  const a = new Float32Array(W * H).fill(0.2);
  // A subtitle character: 4×6 px going from background to white inside one block.
  const b = Float32Array.from(a);
  for (let y = 80; y < 86; y++) for (let x = 70; x < 74; x++) b[y * W + x] = 0.95;
  assert.ok(meanAbsDiff(a, b) < 0.002, 'over the whole frame the change is below any motion threshold');
  assert.ok(maxBlockDiff(a, b, W, H, B) >= MIN);
  // Noise of ±0.004 everywhere (re-encoding a still): no change.
  const noisy = a.map((v, i) => v + (i % 2 ? 0.004 : -0.004));
  assert.ok(maxBlockDiff(a, noisy, W, H, B) < MIN);
  // The value is the mean over the worst block, computed here by hand: 24 pixels of 100 changed by 0.75.
  assert.ok(Math.abs(maxBlockDiff(a, b, W, H, B) - (24 * 0.75) / 100) < 1e-6);
});
