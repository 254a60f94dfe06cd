// Bounded concurrency with results in input order (src/core/orderedPool.ts), and the shortcut
// analysis building the next rollouts' inventories while the current one waits. Every step is
// driven by promises the test resolves itself, so no test depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limiter, readAhead, runOrdered } from '../../src/core/orderedPool';
import { analyseShortcutsFile } from '../../src/services/shortcuts/analyseFile';
import type { CueInventory } from '../../src/core/shortcuts/types';
import { readJsonLines } from '../helpers/jsonLines';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/** Resolves once `check` holds, re-checked after each settled step of the code under test. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (check()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`never happened: ${what}`);
}

test('runOrdered: at most `jobs` in flight, results delivered in input order whatever finishes first', async () => {
  const gates = [...Array(6)].map(() => deferred<string>());
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const delivered: [string, number][] = [];
  const run = runOrdered(
    gates.map((_, i) => i),
    async (i) => {
      started.push(i);
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await gates[i]!.promise;
      } finally {
        inFlight--;
      }
    },
    (r, i) => {
      delivered.push([r, i]);
    },
    { jobs: 2 },
  );
  await until(() => started.length === 2, 'two started');
  assert.deepEqual(started, [0, 1]);
  gates[1]!.resolve('b'); // finishes before item 0: held back
  await until(() => started.length === 3, 'a third started once one finished');
  assert.deepEqual(delivered, []);
  gates[0]!.resolve('a');
  await until(() => delivered.length === 2, 'items 0 and 1 delivered');
  for (const [i, g] of gates.entries()) if (i >= 2) g.resolve(String.fromCharCode(97 + i));
  const r = await run;
  assert.deepEqual(delivered, [
    ['a', 0],
    ['b', 1],
    ['c', 2],
    ['d', 3],
    ['e', 4],
    ['f', 5],
  ]);
  assert.equal(most, 2);
  assert.deepEqual(r, { delivered: 6, cancelled: false });
});

test('runOrdered: a failure rejects the run after the items in flight settle; an abort stops new starts', async () => {
  const gates = [...Array(4)].map(() => deferred<number>());
  const settled: number[] = [];
  const run = runOrdered(
    [0, 1, 2, 3],
    async (i) => {
      try {
        return await gates[i]!.promise;
      } finally {
        settled.push(i);
      }
    },
    () => {},
    { jobs: 2 },
  );
  gates[0]!.reject(new Error('clip 0 broke'));
  await until(() => settled.length === 1, 'item 0 settled');
  gates[1]!.resolve(1);
  await assert.rejects(run, /clip 0 broke/);
  assert.deepEqual(settled, [0, 1], 'nothing new started after the failure, the one in flight settled');

  const abort = new AbortController();
  const seen: number[] = [];
  const r = await runOrdered(
    [0, 1, 2, 3, 4],
    async (i) => {
      if (i === 1) abort.abort();
      return i;
    },
    (v) => {
      seen.push(v);
    },
    { jobs: 1, signal: abort.signal },
  );
  assert.deepEqual(seen, [0, 1]);
  assert.deepEqual(r, { delivered: 2, cancelled: true });
  assert.deepEqual(
    await runOrdered(
      [],
      async () => 1,
      () => {},
      { jobs: 3 },
    ),
    { delivered: 0, cancelled: false },
  );
});

test('readAhead keeps a window of items read ahead and yields them in order; limiter caps concurrency', async () => {
  async function* numbers() {
    for (let i = 0; i < 5; i++) yield i;
  }
  const entered: number[] = [];
  const got: [number, number[]][] = [];
  for await (const x of readAhead(numbers(), 3, (i) => entered.push(i))) got.push([x, [...entered]]);
  assert.deepEqual(got, [
    [0, [0, 1, 2]],
    [1, [0, 1, 2, 3]],
    [2, [0, 1, 2, 3, 4]],
    [3, [0, 1, 2, 3, 4]],
    [4, [0, 1, 2, 3, 4]],
  ]);

  const slot = limiter(2);
  const gates = [...Array(4)].map(() => deferred<void>());
  let inside = 0;
  let most = 0;
  const calls = gates.map((g) =>
    slot(async () => {
      inside++;
      most = Math.max(most, inside);
      await g.promise;
      inside--;
    }),
  );
  await until(() => inside === 2, 'two inside');
  gates[2]!.resolve(); // waiting: cannot finish before it enters
  gates[0]!.resolve();
  await until(() => inside === 2 && most === 2, 'the third entered when the first left');
  for (const g of gates) g.resolve();
  await Promise.all(calls);
  assert.equal(most, 2);
});

function inventoryFor(path: string): CueInventory {
  return {
    version: 1,
    clip: { path, sha256: path, duration: 4, hasAudio: true, hasVideo: true },
    audio: { present: true, speech: [], speechSeconds: 0, sounds: [], soundSeconds: 0, silenceSeconds: 4, envelope: [], envelopeStep: 0.05 },
    visual: { present: true, fps: 1, text: [], textTracks: [], motion: [], sceneChanges: [], isStatic: true },
    models: { vad: 'v', ocrDetection: 'd', ocrRecognition: 'r' },
    timings: {},
    createdAt: '2026-12-03T00:00:00Z',
  };
}

test('shortcuts: with jobs 2 the next clip is analysed while the current one is, one build per clip, lines in input order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-prefetch-'));
  try {
    const clips = ['a.mp4', 'b.mp4', 'c.mp4'];
    for (const c of clips) writeFileSync(join(dir, c), 'not decoded by the fake');
    const rows = ['a.mp4', 'a.mp4', 'b.mp4', 'c.mp4'].map((video, i) => ({
      id: `r${i}`,
      problem: 'What colour is the door?',
      problem_type: 'multiple choice',
      solution: '<answer>A</answer>',
      video,
      completion: '<context>A red door.</context><think>Red.</think><answer>A</answer>',
    }));
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const gates = new Map(clips.map((c) => [join(dir, c), deferred<void>()]));
    const builds: string[] = [];
    let inside = 0;
    let most = 0;
    const deps = {
      buildInventory: async (clip: string) => {
        builds.push(clip);
        inside++;
        most = Math.max(most, inside);
        await gates.get(clip)!.promise;
        inside--;
        return inventoryFor(clip);
      },
      runAblations: () => Promise.reject(new Error('not used')),
      locateTools: () => ({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }),
    };
    const out = join(dir, 'out.jsonl');
    const done = analyseShortcutsFile({ file: input, out, cacheDir: join(dir, 'cues'), jobs: 2, deps });
    await until(() => builds.length === 2, 'the second clip started before the first finished');
    assert.deepEqual(builds, [join(dir, 'a.mp4'), join(dir, 'b.mp4')]);
    gates.get(join(dir, 'b.mp4'))!.resolve();
    await until(() => builds.length === 3, 'the third clip started when a slot was free');
    gates.get(join(dir, 'a.mp4'))!.resolve();
    gates.get(join(dir, 'c.mp4'))!.resolve();
    const r = await done;
    assert.equal(r.written, 4);
    assert.equal(most, 2);
    assert.deepEqual(
      builds,
      clips.map((c) => join(dir, c)),
      'a clip used by two rollouts is built once',
    );
    const lines = readJsonLines(out);
    assert.deepEqual(
      lines.map((l) => l.id),
      ['r0', 'r1', 'r2', 'r3'],
    );
    for (const l of lines) assert.equal(l.shortcut.inventoryError, undefined, JSON.stringify(l.shortcut));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
