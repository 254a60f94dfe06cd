// Browser test files run in parallel and each needs a fresh build: the first one to get here
// builds, the others wait for it, so no test reads dist/ while esbuild is rewriting it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
const LOCK = join(ROOT, 'dist', '.browser-build.lock');
const STAMP = join(ROOT, 'dist', '.browser-build.stamp');
const FRESH_MS = 60_000;
const STALE_LOCK_MS = 120_000;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

export function buildOnce(): void {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (ageMs(LOCK) > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      sleep(100);
    }
  }
  try {
    if (ageMs(STAMP) > FRESH_MS) {
      const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `build failed:\n${r.stderr}`);
      writeFileSync(STAMP, new Date().toISOString());
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
