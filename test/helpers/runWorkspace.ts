// What every checkpoint-run test starts from: a workspace folder of its own holding a tiny test
// clip, and the fake vLLM server on 127.0.0.1 to run against. Made in a file's `before`, removed
// in its `after`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestClip } from './testClip';
import { startFakeVllm, type FakeVllm } from './fakeVllmServer';

export interface RunWorkspace {
  dir: string;
  /** `dir`/clip.mp4, a test pattern with a tone. */
  clip: string;
  vllm: FakeVllm;
}

/** A fresh temporary folder (named from `prefix`) with a `seconds`-long clip, and a started fake vLLM. */
export async function makeRunWorkspace(prefix: string, seconds: number): Promise<RunWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const clip = makeTestClip(dir, seconds);
    return { dir, clip, vllm: await startFakeVllm() };
  } catch (e) {
    // `after` never sees a workspace that failed half-way: nothing would remove the folder.
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Stops the server and removes the folder; takes what `before` got to set, as it may have failed. */
export async function removeRunWorkspace(ws: Partial<RunWorkspace>): Promise<void> {
  await ws.vllm?.close();
  if (ws.dir) rmSync(ws.dir, { recursive: true, force: true });
}
