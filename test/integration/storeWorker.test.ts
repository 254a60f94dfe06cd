// The rollout view's load off the extension host's thread: the built worker bundle
// (dist/scoreRowsWorker.js) reads and scores the file, and the store ends with exactly what the
// in-thread load gives — rows, details, groups, problems — and stops the worker when cancelled.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RolloutStore, type LoadOptions } from '../../src/host/rolloutStore';

const ROOT = path.join(__dirname, '..', '..');
const WORKER = path.join(ROOT, 'dist', 'scoreRowsWorker.js');
const options: LoadOptions = { score: { scaleRewards: false, regressionVariant: 'trainer' }, maxProblems: 10 };
let dir: string;

before(() => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-store-worker-'));
});

const store = (file: string, worker: boolean, workerHeapMb?: number, holdAfterFirstPageMs?: number) =>
  new RolloutStore(
    file,
    {
      title: 't',
      fileName: path.basename(file),
      trusted: () => true,
      getMedia: async () => ({ status: 'missing', reason: 'none' }),
      ...(worker ? { scoreWorker: WORKER } : {}),
      ...(workerHeapMb ? { workerHeapMb } : {}),
      ...(holdAfterFirstPageMs ? { holdAfterFirstPageMs } : {}),
    },
    options,
  );

function rowsFile(name: string, n: number, bad: number[] = []): string {
  const file = path.join(dir, name);
  const lines = Array.from({ length: n }, (_, i) =>
    bad.includes(i)
      ? '{"completion": "<context>torn'
      : JSON.stringify({
          id: `r${i}`,
          group_id: `g${i % 4}`,
          problem: `q${i % 4}`,
          problem_type: 'multiple choice',
          solution: '<answer>A</answer>',
          completion: `<context>c</context><think>t</think><answer>${'AB'[i % 2]}</answer>`,
        }),
  );
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('the worker load ends with the same rows, details, groups and problems as the in-thread load, and streams the first page first', async () => {
  for (const [name, file] of [
    ['jsonl', rowsFile('w.jsonl', 3000, [7, 1500])],
    [
      'json',
      (() => {
        const f = path.join(dir, 'w.json');
        fs.writeFileSync(
          f,
          JSON.stringify(
            Array.from({ length: 50 }, (_, i) => ({
              id: `j${i}`,
              group_id: `g${i % 5}`,
              problem_type: 'multiple choice',
              solution: '<answer>A</answer>',
              completion: `<answer>${'AB'[i % 2]}</answer>`,
            })),
          ),
        );
        return f;
      })(),
    ],
  ] as const) {
    const a = store(file, false);
    const b = store(file, true);
    const sizes: number[] = [];
    const problems: string[] = [];
    b.onDidInvalidate(() => sizes.push(b.model.size));
    b.onDidProblem((p) => problems.push(`${p.line}`));
    const [ra, rb] = [await a.load(), await b.load()];
    assert.equal(rb.status, 'done', `${name}: ${rb.error}`);
    assert.deepEqual([rb.read, rb.skipped], [ra.read, ra.skipped], name);
    const pa = await a.model.getRows({ query: {}, offset: 0, limit: 10_000 });
    const pb = await b.model.getRows({ query: {}, offset: 0, limit: 10_000 });
    assert.deepEqual(pb, pa, `${name}: the same rows, with their groups`);
    for (const i of [0, 1, 2, ra.read - 1]) assert.deepEqual(await b.getDetail(i), await a.getDetail(i), `${name}: detail ${i}`);
    if (name === 'jsonl') {
      assert.deepEqual(problems, ['8', '1501'], 'problems named by line');
      assert.ok(sizes.includes(100), `the first page showed on its own: ${sizes.slice(0, 5)}`);
    }
  }
});

test('cancelling a worker load stops the worker; a reload afterwards completes', async () => {
  const file = rowsFile('big.jsonl', 60_000);
  const s = store(file, true);
  // Cancelled once the first rows are in: the worker is mid-file.
  let cancelledAt = -1;
  const sub = s.onDidInvalidate(() => {
    if (cancelledAt < 0 && s.model.size > 0) {
      cancelledAt = s.model.size;
      s.cancel();
    }
  });
  const first = await s.load();
  sub.dispose();
  assert.equal(first.status, 'cancelled');
  assert.ok(cancelledAt > 0 && first.read < 60_000, `stopped mid-file (${first.read} read)`);
  // Cancelled before the worker starts: no worker left behind either.
  const early = s.load();
  s.cancel();
  assert.equal((await early).status, 'cancelled');
  const again = await s.load();
  assert.deepEqual([again.status, again.read], ['done', 60_000]);
});

test('a worker that runs out of its limited heap is started again without the limit; the load completes with every row and each problem once', async () => {
  const file = rowsFile('oom.jsonl', 20_000, [11]);
  const a = store(file, false);
  // 2 MB cannot hold the worker's code and a batch of rows: the limited attempt fails.
  const b = store(file, true, 2);
  assert.equal(b.workerHeapLimited, true);
  const [ra, rb] = [await a.load(), await b.load()];
  assert.equal(rb.status, 'done', rb.error);
  assert.equal(b.workerHeapLimited, false, 'the limited worker ran out of heap and the load was retried without the limit');
  assert.deepEqual([rb.read, rb.skipped], [ra.read, ra.skipped]);
  const pa = await a.model.getRows({ query: {}, offset: 0, limit: 20_000 });
  const pb = await b.model.getRows({ query: {}, offset: 0, limit: 20_000 });
  assert.deepEqual(pb, pa);
  assert.deepEqual(
    (await b.model.getInit()).problems.map((p) => p.line),
    [12],
  );
});

test('the first load holds after its first page until a view has painted it, and only the first load', { timeout: 60_000 }, async () => {
  const file = rowsFile('hold.jsonl', 3000);
  // An hour: only resumeLoad can end this hold within the test's time.
  const s = store(file, true, undefined, 3_600_000);
  let holds = 0;
  const held = new Promise<number>((resolve) =>
    s.onDidHold(() => {
      holds++;
      resolve(s.model.size);
    }),
  );
  const load = s.load();
  // The worker posts the first page before it says it holds: the page is in the model by then.
  assert.equal(await held, 100, 'the first page, and no more, while held');
  s.resumeLoad();
  const r = await load;
  assert.deepEqual([r.status, r.read], ['done', 3000]);
  // A view has shown this file: a reload does not hold (the hour would time the test out).
  const again = await s.load();
  assert.deepEqual([again.status, again.read, holds], ['done', 3000, 1]);
});

test('a hold ends by itself when no view says it painted, and a view that painted before the first page means no hold', { timeout: 60_000 }, async () => {
  const file = rowsFile('hold-timeout.jsonl', 3000);
  const a = store(file, true, undefined, 50);
  let heldA = 0;
  a.onDidHold(() => heldA++);
  const ra = await a.load();
  assert.deepEqual([ra.status, ra.read, heldA], ['done', 3000, 1]);

  const b = store(file, true, undefined, 3_600_000);
  let heldB = 0;
  b.onDidHold(() => heldB++);
  const load = b.load();
  b.resumeLoad();
  const rb = await load;
  assert.deepEqual([rb.status, rb.read, heldB], ['done', 3000, 0]);
});
