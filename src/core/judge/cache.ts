// Persistent judge cache, under <dir> (default .omnitrace/cache/judge). Replies are appended to
// pack files, <dir>/packs/<writer>.jsonl, one entry per line. Each process appends only to its
// own pack (named by host, process and a random tag), so shards on several machines can share
// one folder without locks, and a run cut short leaves whole lines plus at most one torn last
// line, which readers skip. The layout before issue 17, one file per reply under
// <dir>/<key[0:2]>/<key[2:4]>/<key>.json, is still read (100k small files took minutes to create).
//
// Key = sha256 of (model, template hash, rendered prompt, sampling parameters, repeat index).
// What is cached: replies the server gave, including ones that do not parse (parse-failure: the
// reply is what it is, and re-asking the same question at the same seed would cost a call for the
// same answer). Not cached: call errors (timeouts, 5xx, dropped connections, cancellation) — the
// next run tries again. Entries are parsed again on read, so a parsing fix applies to old replies.

import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
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

/** Where an entry sits in a pack: the pack's number, and the line's byte range. */
interface PackPlace {
  pack: number;
  start: number;
  end: number;
}

/** How often a miss may look for entries other processes appended since the last look. */
const RESCAN_MS = 1000;
const PACKS = 'packs';
const LINE_HEAD = '{"v":1,"key":"';
const SCAN_SLICE = 8 << 20;
/** Packs kept open for reading at once (one per writer process that filled the folder). */
const MAX_OPEN_PACKS = 32;
const READ_WINDOW = 256 << 10;

/** The packs of one cache folder as this process knows them; shared by every JudgeCache on it. */
class PackIndex {
  private readonly places = new Map<string, PackPlace>();
  private readonly packs: { path: string; scanned: number; gone?: boolean }[] = [];
  private readonly byPath = new Map<string, number>();
  private lastScan = -Infinity;
  private writer: { fd: number; pack: number; size: number } | undefined;
  private readonly readers = new Map<number, number>();
  private readonly windows = new Map<number, { start: number; bytes: Buffer }>();

  constructor(private readonly dir: string) {}

  private get packDir(): string {
    return join(this.dir, PACKS);
  }

  find(key: string): PackPlace | undefined {
    let place = this.places.get(key);
    if (place === undefined && performance.now() - this.lastScan >= RESCAN_MS) {
      this.scan();
      place = this.places.get(key);
    }
    return place && !this.packs[place.pack]!.gone ? place : undefined;
  }

  /** Reads what every pack holds beyond what was read before (whole lines only). */
  scan(): void {
    this.lastScan = performance.now();
    let names: string[];
    try {
      names = readdirSync(this.packDir).filter((n) => n.endsWith('.jsonl'));
    } catch {
      names = []; // no packs (yet, or any more)
    }
    // A pack deleted since (the cache cleared by hand): its entries are no longer served.
    const present = new Set(names.map((n) => join(this.packDir, n)));
    for (const [i, pack] of this.packs.entries()) {
      if (!pack.gone && !present.has(pack.path)) {
        pack.gone = true;
        this.closeReader(i);
      }
    }
    if (this.writer && this.packs[this.writer.pack]!.gone) {
      // Later entries go to a new pack.
      closeSync(this.writer.fd);
      this.writer = undefined;
    }
    for (const name of names) {
      const path = join(this.packDir, name);
      let n = this.byPath.get(path);
      if (n === undefined) {
        n = this.packs.length;
        this.packs.push({ path, scanned: 0 });
        this.byPath.set(path, n);
      }
      if (n === this.writer?.pack) continue; // ours: indexed as written
      const pack = this.packs[n]!;
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        continue;
      }
      // In slices, so a pack of a million replies is never one buffer.
      let slice = SCAN_SLICE;
      while (pack.scanned < size) {
        const bytes = this.read(path, pack.scanned, Math.min(size, pack.scanned + slice));
        if (!bytes) break;
        let pos = 0;
        for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, pos)) {
          const key = keyOfLine(bytes, pos, nl);
          if (key !== undefined && !this.places.has(key)) this.places.set(key, { pack: n, start: pack.scanned + pos, end: pack.scanned + nl });
          pos = nl + 1;
        }
        if (pos === 0) {
          // No whole line in the slice: a longer line, or a torn last one (read again next time).
          if (pack.scanned + bytes.length >= size) break;
          slice *= 2;
          continue;
        }
        pack.scanned += pos;
      }
    }
  }

  entryAt(place: PackPlace): string | undefined {
    const n = place.pack;
    let fd = this.readers.get(n);
    try {
      if (fd === undefined) {
        // Kept open: an open and a close per hit were most of a cached re-run's system time.
        if (this.readers.size >= MAX_OPEN_PACKS) this.closeReader(this.readers.keys().next().value!);
        fd = openSync(this.packs[n]!.path, 'r');
        this.readers.set(n, fd);
      }
      // Replies are mostly read in the order they were written (a re-run, or the run after an
      // import): one read of a window serves the lines after it too.
      let w = this.windows.get(n);
      if (!w || place.start < w.start || place.end > w.start + w.bytes.length) {
        w = { start: place.start, bytes: readRange(fd, place.start, Math.max(place.end, place.start + READ_WINDOW)) };
        this.windows.set(n, w);
      }
      return w.bytes.toString('utf8', place.start - w.start, place.end - w.start);
    } catch {
      if (fd !== undefined) this.closeReader(n);
      return undefined;
    }
  }

  private closeReader(n: number): void {
    const fd = this.readers.get(n);
    this.readers.delete(n);
    this.windows.delete(n);
    if (fd !== undefined) closeSync(fd);
  }

  /** Bytes [start, end) of a file, or undefined when it cannot be read. */
  private read(path: string, start: number, end: number): Buffer | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      return readRange(fd, start, end);
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  append(entry: CacheEntry): void {
    if (!this.writer) {
      mkdirSync(this.packDir, { recursive: true });
      const tag = `${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
      const path = join(this.packDir, `${tag}.jsonl`);
      const fd = openSync(path, 'a');
      const pack = this.packs.length;
      this.packs.push({ path, scanned: 0 });
      this.byPath.set(path, pack);
      this.writer = { fd, pack, size: fstatSync(fd).size };
    }
    const w = this.writer;
    // `v` and `key` first, so a scan finds the key without parsing the line.
    const { v, key, ...rest } = entry;
    const line = Buffer.from(`${JSON.stringify({ v, key, ...rest })}\n`, 'utf8');
    let off = 0;
    while (off < line.length) off += writeSync(w.fd, line, off, line.length - off);
    this.places.set(key, { pack: w.pack, start: w.size, end: w.size + line.length - 1 });
    w.size += line.length;
  }
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** The key of a pack line written by append() (no parse), or from a full parse of any other line. */
function keyOfLine(bytes: Buffer, start: number, end: number): string | undefined {
  const head = LINE_HEAD.length;
  if (end - start > head + 65 && bytes.toString('latin1', start, start + head) === LINE_HEAD && bytes[start + head + 64] === 0x22) {
    return bytes.toString('latin1', start + head, start + head + 64);
  }
  try {
    const e = JSON.parse(bytes.toString('utf8', start, end)) as Partial<CacheEntry>;
    return typeof e?.key === 'string' ? e.key : undefined;
  } catch {
    return undefined;
  }
}

const indexes = new Map<string, PackIndex>();

function validEntry(text: string, key: string): CacheEntry | undefined {
  try {
    const e = JSON.parse(text) as CacheEntry;
    return e && e.v === 1 && e.key === key && typeof e.reply === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

export class JudgeCache {
  private readonly index: PackIndex;

  constructor(readonly dir: string) {
    const abs = resolve(dir);
    let index = indexes.get(abs);
    if (!index) {
      index = new PackIndex(abs);
      indexes.set(abs, index);
    } else {
      // A new cache object is a new run (the editor keeps its process): see what changed since.
      index.scan();
    }
    this.index = index;
  }

  /** Reads what other processes appended since the last look (a miss does so at most once a second). */
  refresh(): void {
    this.index.scan();
  }

  /** Where the layout before packs kept an entry (still read). */
  legacyPathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), key.slice(2, 4), `${key}.json`);
  }

  /** The entry, or undefined when absent or unreadable (a damaged entry is treated as a miss). */
  async get(key: string): Promise<CacheEntry | undefined> {
    // Synchronous on purpose: an entry is a few hundred bytes, and each asynchronous open, read
    // and close is a thread-pool round trip (100k cached entries took 19 s that way).
    const place = this.index.find(key);
    if (place) {
      const text = this.index.entryAt(place);
      const e = text === undefined ? undefined : validEntry(text, key);
      if (e) return e;
    }
    const path = this.legacyPathOf(key);
    if (!existsSync(path)) return undefined;
    try {
      return validEntry(readFileSync(path, 'utf8'), key);
    } catch {
      return undefined;
    }
  }

  /** Appends the entry to this process's pack (synchronous: one small write, no thread-pool trip). */
  async put(entry: CacheEntry): Promise<void> {
    this.index.append(entry);
  }
}
