// What the sidebar's Rollouts view needs to know of a candidate file or folder: does it read as
// rollouts (the format is detected and its first record maps to one), and how many it holds.
// Counting is cheap where the format allows it: non-blank lines for JSON lines, row-group
// metadata for parquet; other JSON files are read through.

import { open } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { detectFormat, LINE_FORMATS, listInput, readRollouts, type FormatName } from '../../core/readers/index';

export interface SniffedRollouts {
  path: string;
  format: FormatName;
  /** Why the format was chosen (detectFormat's words). */
  reason: string;
}

/** Candidates in `paths` gathered for sniffing: verl step files and parquet files stand for their folder. */
export function rolloutCandidates(paths: readonly string[]): { path: string; folder: boolean }[] {
  const folders = new Set<string>();
  const out: { path: string; folder: boolean }[] = [];
  for (const p of paths) {
    const name = basename(p);
    if (/^\d+\.jsonl$/.test(name) || name.toLowerCase().endsWith('.parquet')) {
      const dir = dirname(p);
      // TRL writes completions/completions_00010.parquet: the run folder is the one to open.
      if (!folders.has(dir)) {
        folders.add(dir);
        out.push({ path: dir, folder: true });
      }
      continue;
    }
    out.push({ path: p, folder: false });
  }
  return out;
}

/**
 * The format of `path` when it reads as rollouts, else undefined (not JSON, a settings file, a
 * JSON list whose first row has no completion, …). Reads only the head, plus the first record.
 */
export async function sniffRollouts(path: string): Promise<SniffedRollouts | undefined> {
  let detected: { format: FormatName; reason: string };
  try {
    detected = await detectFormat(path);
  } catch {
    return undefined;
  }
  // Training data has no completion by design; its first row still has to map.
  let seen = 0;
  try {
    for await (const item of readRollouts(path, { format: detected.format })) {
      if (item.kind === 'record') return { path, ...detected };
      // A bad first line does not make a file something else: look a little further.
      if (++seen >= 3) return undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

async function nonBlankLines(file: string): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let lines = 0;
    let blank = true;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) {
        const c = buf[i]!;
        if (c === 10) {
          if (!blank) lines++;
          blank = true;
        } else if (c !== 32 && c !== 9 && c !== 13) blank = false;
      }
    }
    return blank ? lines : lines + 1;
  } finally {
    await fh.close();
  }
}

/**
 * How many rollouts `path` holds: exact for JSON files and parquet, the non-blank lines for JSON
 * lines (a line that fails to parse still counts; the view reports it when the file opens).
 */
export async function countRollouts(path: string, format: FormatName): Promise<{ count: number; exact: boolean; unreadable?: number }> {
  const { files } = await listInput(path, format);
  let count = 0;
  if (LINE_FORMATS.includes(format)) {
    for (const f of files) count += await nonBlankLines(f);
    return { count, exact: false };
  }
  if (format === 'trl') {
    for (const f of files) {
      const meta = await parquetMetadataAsync(await asyncBufferFromFile(f));
      count += Number(meta.num_rows);
    }
    return { count, exact: true };
  }
  let unreadable = 0;
  for await (const item of readRollouts(path, { format })) {
    if (item.kind === 'record') count++;
    else unreadable++;
  }
  return { count, exact: true, ...(unreadable ? { unreadable } : {}) };
}
