// Persistent judge cache: one small JSON file per judge reply, under
// <dir>/<key[0:2]>/<key[2:4]>/<key>.json (default dir .omnitrace/cache/judge), written atomically
// (temp file + rename in the same folder), so an interrupted run leaves only whole entries and a
// re-run resumes from them.
//
// Key = sha256 of (model, template hash, rendered prompt, sampling parameters, repeat index).
// What is cached: replies the server gave, including ones that do not parse (parse-failure: the
// reply is what it is, and re-asking the same question at the same seed would cost a call for the
// same answer). Not cached: call errors (timeouts, 5xx, dropped connections, cancellation) — the
// next run tries again. Entries are parsed again on read, so a parsing fix applies to old replies.

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from './template';
import type { TokenUsage } from './types';

export interface CacheKeyParts {
  model: string;
  templateHash: string;
  prompt: string;
  sampling: { temperature: number; maxTokens: number; seed?: number };
  repeat: number;
}

export function judgeCacheKey(p: CacheKeyParts): string {
  // Fixed field order and explicit nulls: the same parts always give the same bytes.
  const canonical = JSON.stringify(['omnitrace-judge-v1', p.model, p.templateHash, p.prompt, p.sampling.temperature, p.sampling.maxTokens, p.sampling.seed ?? null, p.repeat]);
  return sha256Hex(canonical);
}

export interface CacheEntry {
  v: 1;
  key: string;
  model: string;
  templateHash: string;
  repeat: number;
  reply: string;
  usage?: TokenUsage;
  finishReason?: string;
  /** Latency and attempts of the call that produced the reply. */
  latencyMs: number;
  attempts: number;
  createdAt: string;
  /** Where the reply came from when not from an online call ("batch results.jsonl:12"). */
  origin?: string;
}

export class JudgeCache {
  private readonly made = new Set<string>();
  constructor(readonly dir: string) {}

  pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), key.slice(2, 4), `${key}.json`);
  }

  /** The entry, or undefined when absent or unreadable (a damaged entry is treated as a miss). */
  async get(key: string): Promise<CacheEntry | undefined> {
    const path = this.pathOf(key);
    // Synchronous on purpose: an entry is a few hundred bytes, and each asynchronous open, stat,
    // read and close is a thread-pool round trip (100k cached entries took 19 s that way, 100k
    // misses 12 s). A miss is answered without a failed open.
    if (!existsSync(path)) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const e = JSON.parse(text) as CacheEntry;
      return e && e.v === 1 && e.key === key && typeof e.reply === 'string' ? e : undefined;
    } catch {
      return undefined;
    }
  }

  async put(entry: CacheEntry): Promise<void> {
    const target = this.pathOf(entry.key);
    const folder = join(this.dir, entry.key.slice(0, 2), entry.key.slice(2, 4));
    if (!this.made.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.made.add(folder);
    }
    // Asynchronous, unlike get(): creating files is slow enough that overlapping them pays
    // (a batch import keeps 64 in flight).
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(entry));
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}
