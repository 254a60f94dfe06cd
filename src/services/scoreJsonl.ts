// Scores a rollout file into JSON lines (one object per rollout, input order, with its GRPO
// group). Groups are known only after the last record, so pass 1 writes each line without its
// group (to the output's temp file, or a temp file when writing to stdout) while keeping just
// (group, total) per record; pass 2 rewrites those bytes, adding `"index":i` at the front and
// `,"group":{…}` before each line's final `}` — no re-parse. For a file output pass 2 works in
// place, from the end backwards. JSON-lines inputs can be scored on worker threads (scoreParallel.ts).

import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openAtomic, trackTemp, untrackTemp } from '../core/atomicFile';
import { scoreFile, type ScoreOptions, type ScoreRun } from '../core/score';
import { scoreLinesParallel, type WorkerSpec } from './scoreParallel';
import { detectFormat, LINE_FORMATS, ReadError } from '../core/readers/index';
import { mappingFieldError } from '../core/readers/mapping';
import { readLineBatches } from '../core/readers/lines';
import type { GroupStats } from '../core/types';
import { writeScoreLine } from '../core/scoreLine';
import { JsonOut } from '../core/jsonOut';

export { toScoreLine } from '../core/scoreLine';

/** Where output bytes go: a file handle or a stream such as stdout (with back-pressure). */
type ByteSink = { write(b: Buffer, length: number): Promise<void> };

function streamSink(stream: NodeJS.WritableStream): ByteSink {
  // One listener for the stream's whole life: an error (EPIPE when the reader of a pipe goes
  // away) can arrive after the write that caused it has returned.
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  stream.on('error', (e: Error) => {
    error ??= e;
    wake?.();
  });
  return {
    // A stream may hold on to the buffer after write returns: hand it a copy.
    write: (b, length) =>
      new Promise<void>((resolve, reject) => {
        if (error) return reject(error);
        const ok = stream.write(Buffer.from(b.subarray(0, length)));
        if (ok) return resolve();
        const done = () => {
          wake = undefined;
          stream.removeListener('drain', done);
          if (error) reject(error);
          else resolve();
        };
        wake = done;
        stream.once('drain', done);
      }),
  };
}

function fileSink(fh: FileHandle): ByteSink {
  return {
    async write(b, length) {
      let off = 0;
      while (off < length) off += (await fh.write(b, off, length - off)).bytesWritten;
    },
  };
}

const WRITE_BUFFER = 4 << 20;

/**
 * Encodes strings straight into one of two reused buffers and writes a full one while the other
 * fills: no per-flush allocation (fresh memory costs page faults at these volumes) and the
 * disk write overlaps the CPU work of the next batch.
 */
class BufferedWriter {
  private bufs = [Buffer.allocUnsafe(WRITE_BUFFER), Buffer.allocUnsafe(WRITE_BUFFER)];
  private cur = 0;
  private used = 0;
  private pending: Promise<void> = Promise.resolve();
  constructor(private readonly sink: ByteSink) {}

  /**
   * Encodes a string into the buffer. Returns a promise only when it had to wait for a flush,
   * so the common case costs no promise (this runs once per rollout).
   */
  writeString(s: string): Promise<void> | undefined {
    const need = s.length * 3; // worst case UTF-8 bytes per UTF-16 unit
    if (WRITE_BUFFER - this.used >= need) {
      this.used += this.bufs[this.cur].write(s, this.used, 'utf8');
      return undefined;
    }
    return this.writeStringSlow(s, need);
  }

  /** writeString plus '\n', without building `s + '\n'` (that would copy the line once more). */
  writeLine(s: string): Promise<void> | undefined {
    const need = s.length * 3 + 1;
    if (WRITE_BUFFER - this.used >= need) {
      const buf = this.bufs[this.cur];
      this.used += buf.write(s, this.used, 'utf8');
      buf[this.used++] = 10;
      return undefined;
    }
    return this.writeStringSlow(s + '\n', need);
  }

  private async writeStringSlow(s: string, need: number): Promise<void> {
    await this.flush();
    if (need <= WRITE_BUFFER) {
      this.used += this.bufs[this.cur].write(s, this.used, 'utf8');
      return;
    }
    const b = Buffer.from(s, 'utf8');
    await this.pending;
    await this.sink.write(b, b.length);
  }

  /** Copies bytes in (pass 2 uses this for the pass-1 lines); a promise only when it waited. */
  writeBytes(src: Buffer, start: number, end: number): Promise<void> | undefined {
    const n = end - start;
    if (WRITE_BUFFER - this.used >= n) {
      this.used += src.copy(this.bufs[this.cur], this.used, start, end);
      return undefined;
    }
    return this.writeBytesSlow(src, start, end);
  }

  private async writeBytesSlow(src: Buffer, start: number, end: number): Promise<void> {
    await this.flush();
    if (end - start <= WRITE_BUFFER) {
      this.used += src.copy(this.bufs[this.cur], this.used, start, end);
      return;
    }
    await this.pending;
    await this.sink.write(src.subarray(start, end), end - start);
  }

  async flush(): Promise<void> {
    await this.pending;
    if (this.used === 0) return;
    const buf = this.bufs[this.cur];
    const n = this.used;
    const write = this.sink.write(buf, n);
    // Awaited at the next flush; until then a failure must not count as unhandled.
    write.catch(() => undefined);
    this.pending = write;
    this.cur ^= 1;
    this.used = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.pending;
  }
}

/**
 * Pass-1 lines written straight into one of two big JsonOut buffers; a full one goes to the file
 * while the other fills (no per-line copy). A line may grow its buffer; that is fine.
 */
class LineFile {
  private outs = [new JsonOut(WRITE_BUFFER + (64 << 10)), new JsonOut(WRITE_BUFFER + (64 << 10))];
  private cur = 0;
  private pending: Promise<void> = Promise.resolve();
  constructor(private readonly sink: ByteSink) {}

  get out(): JsonOut {
    return this.outs[this.cur]!;
  }

  /** Call after each line; a promise only when it had to wait for the disk. */
  lineDone(): Promise<void> | undefined {
    return this.out.pos >= WRITE_BUFFER ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    await this.pending;
    const full = this.out;
    if (full.pos === 0) return;
    const write = this.sink.write(full.buf, full.pos).then(() => {
      full.pos = 0;
    });
    // Awaited at the next flush; until then a failure must not count as unhandled.
    write.catch(() => undefined);
    this.pending = write;
    this.cur ^= 1;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.pending;
  }
}

/**
 * Group objects as JSON. Members of a group differ only in total and advantage (a function of the
 * total), so a few strings per group id serve all of them: pass 2 asks twice per record.
 */
class GroupJson {
  private memo = new Map<string, { total: number | null; advantage: number | null; recorded?: number; json: string; tail?: Buffer }[]>();

  private entry(g: GroupStats): { json: string; tail?: Buffer } {
    let seen = this.memo.get(g.id);
    if (seen) for (const e of seen) if (e.total === g.total && e.advantage === g.advantage && e.recorded === g.recordedAdvantage) return e;
    const num = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? 'null' : String(x));
    let s = `{"id":${JSON.stringify(g.id)},"size":${g.size},"mean":${num(g.mean)},"std":${num(g.std)},"total":${num(g.total)},"advantage":${num(g.advantage)},"zeroVariance":${g.zeroVariance}`;
    if (g.singleton) s += ',"singleton":true';
    if (g.rule) s += `,"rule":"${g.rule}"`;
    if (g.totalSource !== undefined) s += `,"totalSource":${JSON.stringify(g.totalSource)}`;
    if (g.recordedAdvantage !== undefined) s += `,"recordedAdvantage":${num(g.recordedAdvantage)}`;
    if (g.advantageMismatch !== undefined) s += `,"advantageMismatch":${num(g.advantageMismatch)}`;
    if (g.excluded) s += `,"excluded":${g.excluded}`;
    if (g.note !== undefined) s += `,"note":${JSON.stringify(g.note)}`;
    s += '}';
    const e = { total: g.total, advantage: g.advantage, recorded: g.recordedAdvantage, json: s };
    if (!seen) {
      if (this.memo.size >= 50_000) this.memo.clear(); // bounded: many tiny groups get little from it
      this.memo.set(g.id, (seen = []));
    }
    if (seen.length < 4) seen.push(e);
    return e;
  }

  of(g: GroupStats | undefined): string {
    return g ? this.entry(g).json : 'null';
  }

  /** `,"group":{…}}\n`, the end of an output line, as UTF-8. */
  tail(g: GroupStats | undefined): Buffer {
    if (!g) return NULL_TAIL;
    const e = this.entry(g);
    return (e.tail ??= Buffer.from(`,"group":${e.json}}\n`, 'utf8'));
  }
}

const NULL_TAIL = Buffer.from(',"group":null}\n', 'latin1');

/** Pass 2: copy pass-1 lines, inserting each record's group before its closing brace. */
async function spliceGroups(pass1: string, groups: (GroupStats | undefined)[], out: BufferedWriter): Promise<void> {
  const json = new GroupJson();
  let index = 0;
  for await (const { buf, lines } of readLineBatches(pass1)) {
    for (const l of lines) {
      if (l.unterminated) throw new Error(`internal: pass-1 file ends without a newline (${pass1})`);
      // Each line is one JSON object without its index: `{…}` becomes `{"index":i,…,"group":{…}}`.
      const a = out.writeString(`{"index":${index},`);
      if (a) await a;
      const b = out.writeBytes(buf, l.start + 1, l.start + l.byteLength - 1);
      if (b) await b;
      const c = out.writeString(`,"group":${json.of(groups[index++])}}\n`);
      if (c) await c;
    }
  }
}

export interface ScoreToJsonlOptions extends ScoreOptions {
  /** Output file (written atomically); stdout when undefined. */
  out?: string;
  /** Stream for output when `out` is undefined (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** Score JSON-lines inputs on worker threads running this script (see scoreWorker.ts). */
  workers?: WorkerSpec;
  /** Write each section's text beside its offsets (default: offsets only; see core/scoreLine.ts). */
  texts?: boolean;
}

/** Pass 1: scores `path`, writing each line without index and group to `fh`. */
async function scorePass1(path: string, opts: ScoreToJsonlOptions, fh: FileHandle): Promise<ScoreRun> {
  let run: ScoreRun;
  const detected = opts.format ? { format: opts.format, reason: 'set by the user' } : await detectFormat(path);
  if (opts.workers && opts.workers.count > 0 && LINE_FORMATS.includes(detected.format)) {
    if (opts.map) {
      const bad = mappingFieldError(opts.map);
      if (bad) throw new ReadError(bad, path);
    }
    const w = new BufferedWriter(fileSink(fh));
    run = await scoreLinesParallel(
      path,
      detected.format,
      detected.reason,
      opts,
      opts.workers,
      (b) => w.writeBytes(Buffer.from(b.buffer, b.byteOffset, b.byteLength), 0, b.byteLength) ?? Promise.resolve(),
    );
    await w.close();
  } else {
    const lines = new LineFile(fileSink(fh));
    run = await scoreFile(
      path,
      { ...opts, format: detected.format },
      {
        record: (s) => {
          const out = lines.out;
          writeScoreLine(s, out, opts.texts === true);
          out.byte(10);
          return lines.lineDone();
        },
      },
    );
    await lines.close();
    if (!opts.format) run.summary.formatReason = detected.reason;
  }
  return run;
}

async function readAt(fh: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new Error('internal: pass-1 output is shorter than written');
    got += bytesRead;
  }
}

async function writeAt(fh: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let off = 0;
  while (off < length) off += (await fh.write(buf, off, length - off, position + off)).bytesWritten;
}

const INDEX_KEY = Buffer.from('{"index":', 'latin1');
function digitsOf(i: number): number {
  let d = 1;
  for (let x = i; x >= 10; x = Math.floor(x / 10)) d++;
  return d;
}

/**
 * Pass 2 for a file output, in place: the pass-1 lines in `fh` become `{"index":i,…,"group":{…}}`
 * where they are. Every line grows, so working from the last line backwards each one moves only
 * onto bytes already read: no second file (writing fresh pages cost more than the copy itself).
 */
async function spliceGroupsInPlace(fh: FileHandle, size: number, groups: (GroupStats | undefined)[]): Promise<void> {
  const n = groups.length;
  const json = new GroupJson();
  // Bytes each line gains: the head replaces its '{', the tail its '}\n'.
  const growth = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    // `{"index":` i `,` for '{', the tail for '}\n'
    growth[i] = INDEX_KEY.length + digitsOf(i) + 1 - 1 + json.tail(groups[i]).length - 2;
    total += growth[i]!;
  }
  let buf = Buffer.allocUnsafe(Math.min(4 << 20, Math.max(64, size)));
  let out = Buffer.allocUnsafe(buf.length * 2);
  let readEnd = size; // pass-1 bytes [0, readEnd) are still to do
  let writeEnd = size + total; // output bytes from writeEnd on are final
  let line = n; // lines [line, n) are done
  if (size > 0) {
    await readAt(fh, buf, 1, size - 1);
    if (buf[0] !== 10) throw new Error('internal: pass-1 output ends without a newline');
  }
  while (readEnd > 0) {
    const start = Math.max(0, readEnd - buf.length);
    const len = readEnd - start;
    await readAt(fh, buf, len, start);
    // Whole lines only: the first one starts after the first newline unless the block is the file's start.
    let first = 0;
    if (start > 0) {
      const nl = buf.indexOf(10);
      if (nl === -1 || nl === len - 1) {
        // One line longer than the buffer: grow it and read again.
        buf = Buffer.allocUnsafe(buf.length * 2);
        continue;
      }
      first = nl + 1;
    }
    let count = 0;
    let extra = 0;
    for (let p = buf.indexOf(10, first); p !== -1 && p < len; p = buf.indexOf(10, p + 1)) {
      count++;
      extra += growth[line - count]!;
    }
    if (count > line) throw new Error('internal: pass-1 output has more lines than records');
    const outLen = len - first + extra;
    if (out.length < outLen) out = Buffer.allocUnsafe(outLen * 2);
    let o = 0;
    let i = line - count;
    for (let p = first; p < len; i++) {
      const nl = buf.indexOf(10, p);
      out.set(INDEX_KEY, o);
      o += INDEX_KEY.length;
      const d = digitsOf(i);
      for (let k = d - 1, x = i; k >= 0; k--, x = Math.floor(x / 10)) out[o + k] = 0x30 + (x % 10);
      o += d;
      out[o++] = 0x2c;
      o += buf.copy(out, o, p + 1, nl - 1);
      const tail = json.tail(groups[i]);
      out.set(tail, o);
      o += tail.length;
      p = nl + 1;
    }
    if (o !== outLen) throw new Error('internal: pass-2 line lengths do not add up');
    await writeAt(fh, out, outLen, writeEnd - outLen);
    writeEnd -= outLen;
    readEnd = start + first;
    line -= count;
  }
  if (line !== 0 || writeEnd !== 0) throw new Error('internal: pass-1 output and records do not match');
}

/** Scores `path` into JSON lines. Returns the run (summary + groups). */
export async function scoreToJsonl(path: string, opts: ScoreToJsonlOptions = {}): Promise<ScoreRun> {
  if (opts.out) {
    // Pass 1 writes into the output's temp file and pass 2 rewrites it in place.
    const out = await openAtomic(opts.out);
    try {
      const run = await scorePass1(path, opts, out.fh);
      const { size } = await out.fh.stat();
      await spliceGroupsInPlace(out.fh, size, run.groups);
      await out.commit();
      return run;
    } catch (e) {
      await out.abort();
      throw e;
    }
  }
  const pass1Path = join(tmpdir(), `.omnitrace-score.${process.pid}.${randomBytes(4).toString('hex')}.pass1.jsonl`);
  const pass1 = await open(pass1Path, 'wx');
  trackTemp(pass1Path);
  try {
    let run: ScoreRun;
    try {
      run = await scorePass1(path, opts, pass1);
    } finally {
      await pass1.close();
    }
    const w = new BufferedWriter(streamSink(opts.stdout ?? process.stdout));
    await spliceGroups(pass1Path, run.groups, w);
    await w.close();
    return run;
  } finally {
    await unlink(pass1Path).catch(() => undefined);
    untrackTemp(pass1Path);
  }
}
