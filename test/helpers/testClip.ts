// Tiny clips for run tests, made with Debian's ffmpeg from lavfi sources: a test pattern with a
// sine tone, 160x90, a few seconds, so every test stays cheap on two cores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export function makeTestClip(dir: string, seconds: number, name = 'clip.mp4'): string {
  const clip = path.join(dir, name);
  const r = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=160x90:r=10:d=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=f=440:d=${seconds}`,
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      clip,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return clip;
}
