// Line splitting for JSONL that keeps exact byte positions, so a record can later be re-read by
// offset. readline would hide the byte positions and is slower than scanning a large Buffer for
// '\n' ourselves; decoding each line separately keeps multi-byte UTF-8 offsets exact.

import { open } from 'node:fs/promises';

export interface RawLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's first byte (after a BOM on line 1). */
  byteOffset: number;
  /** Bytes of the line without its '\n' or '\r\n'. */
  byteLength: number;
  /** Where the line's bytes sit in the batch buffer. */
  start: number;
  /** True for a last line that has no newline after it (possibly cut off mid-write). */
  unterminated: boolean;
}

/**
 * Lines of one buffer fill. Text is decoded only when asked for (lineText), one line at a time:
 * decoding a whole batch up front would keep megabytes of strings alive long enough for the
 * garbage collector to copy and promote them. The buffer is reused once the next batch is
 * requested, so use a batch before asking for the next.
 */
export interface LineBatch {
  buf: Buffer;
  lines: RawLine[];
}

export function lineText(batch: LineBatch, l: RawLine): string {
  return batch.buf.toString('utf8', l.start, l.start + l.byteLength);
}

/** True when the line's bytes are only ASCII whitespace (such lines are skipped silently). */
export function isBlankBytes(batch: LineBatch, l: RawLine): boolean {
  const b = batch.buf;
  for (let i = l.start, e = l.start + l.byteLength; i < e; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

const DEFAULT_BUFFER = 4 * 1024 * 1024;

/**
 * Yields the file's lines in batches (one batch per buffer fill): batching keeps the per-line
 * cost of the async machinery off the hot path. Blank lines are included; callers decide.
 */
export async function* readLineBatches(path: string, bufferSize = DEFAULT_BUFFER): AsyncGenerator<LineBatch> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.max(64, bufferSize));
    let end = 0; // bytes of buf holding data
    let bufFileOffset = 0; // file offset of buf[0]
    let lineNo = 0;
    let first = true;
    for (;;) {
      if (end === buf.length) {
        // One line longer than the buffer: grow rather than split it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
      const eof = bytesRead === 0;
      end += bytesRead;
      let pos = 0;
      if (first && end >= 3) {
        if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
        first = false;
      } else if (first && eof) {
        first = false;
      } else if (first) {
        continue; // fewer than 3 bytes so far: cannot decide about a BOM yet
      }
      const batch: RawLine[] = [];
      const view = buf.subarray(0, end);
      for (;;) {
        const nl = view.indexOf(10, pos);
        if (nl === -1) break;
        const contentEnd = nl > pos && view[nl - 1] === 13 ? nl - 1 : nl;
        batch.push({
          line: ++lineNo,
          byteOffset: bufFileOffset + pos,
          byteLength: contentEnd - pos,
          start: pos,
          unterminated: false,
        });
        pos = nl + 1;
      }
      if (eof) {
        if (pos < end) {
          const contentEnd = view[end - 1] === 13 ? end - 1 : end;
          batch.push({
            line: ++lineNo,
            byteOffset: bufFileOffset + pos,
            byteLength: contentEnd - pos,
            start: pos,
            unterminated: true,
          });
        }
        if (batch.length) yield { buf, lines: batch };
        return;
      }
      if (batch.length) yield { buf, lines: batch };
      // Keep the partial last line at the start of the buffer for the next read.
      if (pos > 0) {
        buf.copy(buf, 0, pos, end);
        bufFileOffset += pos;
        end -= pos;
      }
    }
  } finally {
    await fh.close();
  }
}

/** True when the line holds only whitespace (such lines are skipped silently). */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 0xfeff) return false;
  }
  return true;
}

/** Reads exactly [offset, offset + length) of a file, read-only. */
export async function readBytes(path: string, offset: number, length: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}
