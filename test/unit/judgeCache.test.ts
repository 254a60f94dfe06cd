// The judge cache's pack files (src/core/judge/cache.ts): entries appended by this process, packs
// written by other processes (shards on other machines), torn and damaged lines, and the
// one-file-per-entry layout of earlier versions, which is still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { JudgeCache, judgeCacheKey, type CacheEntry } from '../../src/core/judge/cache';

function entry(n: number, reply = `${n}`): CacheEntry {
  const key = judgeCacheKey({ model: 'm', templateHash: 't', prompt: `prompt ${n}`, sampling: { temperature: 0, maxTokens: 8 }, repeat: 0 });
  return { v: 1, key, model: 'm', templateHash: 't', repeat: 0, reply, latencyMs: 5, attempts: 1, createdAt: '2026-12-03T00:00:00Z' };
}

function withDir(f: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omnitrace-judgecache-'));
    try {
      await f(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'entries put are read back, by this instance and by another on the same folder; a miss is undefined',
  withDir(async (dir) => {
    const a = new JudgeCache(dir);
    const e = entry(1, 'Score: 4 — with "quotes" and ünïcode\nand a newline');
    await a.put(e);
    assert.deepEqual(await a.get(e.key), e);
    assert.deepEqual(await new JudgeCache(dir).get(e.key), e);
    assert.equal(await a.get(entry(2).key), undefined);
    assert.deepEqual(readdirSync(join(dir, 'packs')).length, 1);
  }),
);

test(
  "another process's pack is read, a torn last line is a miss until it is whole, a damaged line is skipped, a line in any field order is found",
  withDir(async (dir) => {
    const cache = new JudgeCache(dir);
    const [e1, e2, e3, e4] = [entry(1), entry(2), entry(3), entry(4)];
    mkdirSync(join(dir, 'packs'));
    const other = join(dir, 'packs', 'other-host-123-abcd.jsonl');
    const { key: k4, ...rest4 } = e4;
    const torn = JSON.stringify(e3);
    writeFileSync(other, `${JSON.stringify(e1)}\n{"v":1,"key":"damaged\n${JSON.stringify({ ...rest4, key: k4 })}\n${torn.slice(0, 40)}`);
    cache.refresh();
    assert.deepEqual(await cache.get(e1.key), e1);
    assert.deepEqual(await cache.get(e4.key), e4, 'found by parsing when key is not the second field');
    assert.equal(await cache.get(e3.key), undefined, 'a torn line is not an entry');
    appendFileSync(other, `${torn.slice(40)}\n${JSON.stringify(e2)}\n`);
    cache.refresh();
    assert.deepEqual(await cache.get(e3.key), e3, 'the line, once whole, is read');
    assert.deepEqual(await cache.get(e2.key), e2);
  }),
);

test(
  'the one-file-per-entry layout of earlier versions is still read; a damaged old entry is a miss',
  withDir(async (dir) => {
    const cache = new JudgeCache(dir);
    const old = entry(7);
    const path = cache.legacyPathOf(old.key);
    assert.equal(path, join(dir, old.key.slice(0, 2), old.key.slice(2, 4), `${old.key}.json`));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(old));
    assert.deepEqual(await cache.get(old.key), old);
    const bad = entry(8);
    mkdirSync(dirname(cache.legacyPathOf(bad.key)), { recursive: true });
    writeFileSync(cache.legacyPathOf(bad.key), '{"v":1,');
    assert.equal(await cache.get(bad.key), undefined);
  }),
);

test(
  'a cleared cache folder: its entries are no longer served (even by an open pack), later entries go to a new pack',
  withDir(async (dir) => {
    const cache = new JudgeCache(dir);
    await cache.put(entry(1));
    assert.deepEqual(await cache.get(entry(1).key), entry(1));
    rmSync(join(dir, 'packs'), { recursive: true });
    assert.equal(await new JudgeCache(dir).get(entry(1).key), undefined, 'a new run sees the cleared folder');
    const e = entry(2);
    await cache.put(e);
    assert.equal(readdirSync(join(dir, 'packs')).length, 1);
    assert.equal(await cache.get(entry(1).key), undefined);
    assert.deepEqual(await new JudgeCache(dir).get(e.key), e);
  }),
);
