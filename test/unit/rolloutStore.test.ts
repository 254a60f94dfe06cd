// The data side of the rollout editor, without VS Code: streaming load, details on demand
// (re-read by byte offset for JSONL, kept in memory for JSON), search, line lookup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RolloutStore, type LoadOptions } from '../../src/host/rolloutStore';
import { readAll } from '../../src/core/readers/index';

let dir: string;
const options: LoadOptions = { score: { scaleRewards: false, regressionVariant: 'trainer' }, maxProblems: 10 };
const rows = Array.from({ length: 7 }, (_, i) => ({
  id: `r${i}`,
  group_id: `g${i % 3}`,
  problem: i === 4 ? 'Which INSTRUMENT plays?' : `question ${i}`,
  problem_type: 'multiple choice',
  solution: '<answer>A</answer>',
  completion: `<context>c</context><think>t</think><answer>${i % 2 ? 'A' : 'B'}</answer>${i === 5 ? ' needle' : ''}`,
}));

function store(file: string) {
  return new RolloutStore(file, { title: 't', fileName: path.basename(file), trusted: () => true, getMedia: async () => ({ status: 'missing', reason: 'none' }) }, options);
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-store-'));
  fs.writeFileSync(path.join(dir, 'a.jsonl'), rows.map((r, i) => (i === 2 ? '\n' : '') + JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify(rows, null, 2));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const name of ['a.jsonl', 'a.json']) {
  test(`${name}: every detail equals the record the reader produces, with its group`, async () => {
    const file = path.join(dir, name);
    const s = store(file);
    const r = await s.load();
    assert.equal(r.status, 'done');
    assert.equal(r.read, rows.length);
    const { records } = await readAll(file);
    for (const rec of records) {
      const d = await s.getDetail(rec.index);
      assert.deepEqual(d.record, rec);
      assert.equal(d.group?.size, rec.index % 3 === 0 ? 3 : 2);
      assert.equal(s.model.row(rec.index)?.groupSize, d.group?.size);
    }
    await assert.rejects(s.getDetail(rows.length), /no rollout/);
  });

  test(`${name}: search looks into completions, case-insensitively`, async () => {
    const s = store(path.join(dir, name));
    await s.load();
    const page = await s.model.getRows({ query: { text: 'NEEDLE' }, offset: 0, limit: 10 });
    assert.deepEqual(
      page.rows.map((r) => (r.kind === 'rollout' ? r.row.index : -1)),
      [5],
    );
    const page2 = await s.model.getRows({ query: { text: 'instrument' }, offset: 0, limit: 10 });
    assert.deepEqual(
      page2.rows.map((r) => (r.kind === 'rollout' ? r.row.index : -1)),
      [4],
    );
  });
}

test('JSONL: a line maps to the rollout on it (blank lines counted)', async () => {
  const s = store(path.join(dir, 'a.jsonl'));
  await s.load();
  assert.equal(s.indexAtLine(1), 0);
  assert.equal(s.model.row(2)?.line, 4);
  assert.equal(s.indexAtLine(4), 2);
  assert.equal(s.indexAtLine(3), 1, 'the blank line belongs to the record before it');
});

test('a rewritten JSONL file is reported, not misread, until it is reloaded', async () => {
  const file = path.join(dir, 'changing.jsonl');
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const s = store(file);
  await s.load();
  fs.writeFileSync(file, 'x'.repeat(20) + '\n' + rows.map((r) => JSON.stringify(r)).join('\n'));
  await assert.rejects(s.getDetail(1), /changed/);
  await s.load();
  assert.equal((await s.getDetail(1)).record.id, 'r1');
});

test('progress is throttled and ends with done; the first load streams into the visible model', async () => {
  const file = path.join(dir, 'many.jsonl');
  fs.writeFileSync(file, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ...rows[0], id: `m${i}` })).join('\n'));
  const s = store(file);
  const progress: { read: number; done: boolean }[] = [];
  const sizes: number[] = [];
  s.onDidProgress((p) => progress.push(p));
  s.onDidInvalidate(() => sizes.push(s.model.size));
  const r = await s.load();
  assert.equal(r.read, 3000);
  assert.equal(progress.filter((p) => p.done).length, 1);
  assert.deepEqual(progress.at(-1), { read: 3000, skipped: 0, done: true });
  assert.ok(progress.length < 3000 / 10, `throttled (${progress.length} events)`);
  assert.equal(sizes.at(-1), 3000);
  assert.equal((await s.model.getInit()).complete, true);
});

test('a large file shows its first page as soon as it is read, before the rest (and long before the 500 ms growth tick)', async () => {
  const file = path.join(dir, 'first-page.jsonl');
  fs.writeFileSync(file, Array.from({ length: 5000 }, (_, i) => JSON.stringify({ ...rows[0], id: `p${i}` })).join('\n'));
  const s = store(file);
  const seen: { size: number; reason: string }[] = [];
  s.onDidInvalidate((e) => seen.push({ size: s.model.size, reason: e.reason }));
  const r = await s.load();
  assert.equal(r.status, 'done');
  const loading = seen.filter((e) => e.reason === 'loading');
  assert.ok(loading.length >= 1, JSON.stringify(seen));
  // An event carries exactly the first page: it fired when the 100th row was read, not on the timer
  // (which on a fast read fires first at 500 ms, with thousands of rows).
  assert.ok(
    loading.some((e) => e.size === 100),
    JSON.stringify(loading),
  );
});
