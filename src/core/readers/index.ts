// Rollout readers: every supported file layout becomes a stream of RolloutRecord, with bad rows
// reported (file + line) and skipped rather than failing the whole read. Files are only ever
// opened for reading.

import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ReadProblem, RolloutRecord, SourceRef } from '../types';
import { isBlank, isBlankBytes, lineText, readBytes, readLineBatches, type LineBatch, type RawLine } from './lines';
import { arrayElementLines, describeJsonError, jsonLineError } from './jsonPositions';
import { createRowMapper, mappingFieldError, type RowMapper } from './mapping';
import { isPlainObject } from './fields';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { FormatName, ReadItem, ReadOptions } from './types';

export type { FormatName, ReadItem, ReadOptions } from './types';
export { READER_NOTES_KEY } from './types';
export { MAPPING_FIELDS, MAPPING_FIELD_NAMES, type MappingField } from './mapping';
export { getPath } from './fields';

/**
 * Our own `*.rollouts.jsonl` (read by the generic JSONL reader; every field optional except
 * `completion`). One JSON object per line:
 *
 *   id           string   stable id of this rollout
 *   group_id     string   GRPO group (rollouts of one prompt); rebuilt from the prompt when absent
 *   step         number   training step;  checkpoint: string, the model that produced it
 *   problem      string   the question;   options: string[] ("A. …" lines) for multiple choice
 *   problem_type string   'multiple choice' | 'numerical' | 'OCR' | 'regression' | 'emer_ov_mc' | 'judge' | 'free-form'
 *   solution     string   reference trace <context>…</context><think>…</think><answer>…</answer>
 *   answer       string   bare reference answer (wrapped in <answer> when there is no solution)
 *   video | audio | image  string  media path (relative to the file's folder or absolute)
 *   start, end   number   clip range in seconds
 *   completion   string   the model output being scored
 *   rewards      object   recorded rewards {name: number|null}; top-level numeric fields named
 *                         like `reward`, `score`, `*_reward` are recorded rewards too
 *   advantage    number   advantage the trainer logged
 * Any other field is kept in `extras`.
 */
export const FORMATS: Record<FormatName, { description: string; files: string }> = {
  'humanomni-eval': {
    description: 'HumanOmniV2 evaluation results: {"results": [...], "final_acc": [...]}; completion = output, recorded reward',
    files: '*.json',
  },
  'humanomni-train': {
    description: 'HumanOmniV2 training data (no completions: the reference solution is scored as the completion, to check the data)',
    files: '*.json (a list of rows)',
  },
  verl: {
    description: 'verl rollout dump: {step}.jsonl with input/output/gts/score; groups rebuilt from identical inputs',
    files: 'a directory of {step}.jsonl, or one of them',
  },
  trl: {
    description: 'TRL GRPO completions parquet: step, prompt, completion, one column per reward function, advantage',
    files: 'completions/completions_{step:05d}.parquet, or the directory of them',
  },
  jsonl: {
    description: 'any JSONL (including our *.rollouts.jsonl): fields auto-detected or set with --map',
    files: '*.jsonl, *.rollouts.jsonl',
  },
  json: {
    description: 'a JSON list of rows, fields auto-detected or set with --map',
    files: '*.json',
  },
};

export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

/** The input cannot be read at all (missing, unreadable, unrecognised): not a per-record problem. */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ReadError';
  }
}

/** Formats read line by line (and so re-readable by byte offset). */
export const LINE_FORMATS: readonly FormatName[] = ['jsonl', 'verl'];

const HEAD_BYTES = 256 * 1024;

async function readHead(path: string, bytes = HEAD_BYTES): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '');
  } finally {
    await fh.close();
  }
}

function firstNonBlankLine(head: string): string | undefined {
  for (const line of head.split('\n')) if (!isBlank(line)) return line.replace(/\r$/, '');
  return undefined;
}

const VERL_FILE = /^\d+\.jsonl$/;
const isParquet = (name: string) => name.toLowerCase().endsWith('.parquet');

/** The files a path stands for, in reading order (verl/TRL steps numerically). */
export async function filesOf(path: string, format: FormatName): Promise<string[]> {
  const st = await statOrThrow(path);
  if (!st.isDirectory()) return [path];
  let dir = path;
  let names = await readdir(dir);
  if (format === 'trl' && !names.some(isParquet) && names.includes('completions')) {
    dir = join(path, 'completions');
    names = await readdir(dir);
  }
  const wanted = format === 'trl' ? names.filter(isParquet) : names.filter((n) => n.toLowerCase().endsWith('.jsonl'));
  const stepOf = (n: string) => Number(/(\d+)\D*$/.exec(n)?.[1] ?? NaN);
  wanted.sort((a, b) => {
    const sa = stepOf(a);
    const sb = stepOf(b);
    return Number.isNaN(sa) || Number.isNaN(sb) || sa === sb ? a.localeCompare(b) : sa - sb;
  });
  if (wanted.length === 0) throw new ReadError(`no ${format === 'trl' ? '.parquet' : '.jsonl'} files in directory ${path}`, path);
  return wanted.map((n) => join(dir, n));
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReadError(code === 'ENOENT' ? `${path}: no such file or directory` : `${path}: cannot read (${code ?? String(e)})`, path);
  }
}

/** Works out the format from the path and the first record(s). */
export async function detectFormat(path: string): Promise<{ format: FormatName; reason: string }> {
  const st = await statOrThrow(path);
  if (st.isDirectory()) {
    let names = await readdir(path);
    if (names.some(isParquet)) return { format: 'trl', reason: 'directory of .parquet files' };
    if (names.includes('completions')) {
      const inner = await readdir(join(path, 'completions')).catch(() => [] as string[]);
      if (inner.some(isParquet)) return { format: 'trl', reason: 'completions/ directory of .parquet files' };
    }
    names = names.filter((n) => n.toLowerCase().endsWith('.jsonl'));
    if (names.length === 0) throw new ReadError(`${path}: directory holds no .jsonl or .parquet files`, path);
    const first = names.find((n) => VERL_FILE.test(n)) ?? names[0];
    const inner = await detectFormat(join(path, first));
    if (names.every((n) => VERL_FILE.test(n)) && inner.format === 'verl') return { format: 'verl', reason: `directory of {step}.jsonl files with verl fields (${inner.reason})` };
    return { format: inner.format === 'verl' ? 'verl' : 'jsonl', reason: `directory of .jsonl files (${inner.reason})` };
  }
  const name = basename(path);
  if (isParquet(name)) return { format: 'trl', reason: 'parquet file (TRL completions layout)' };
  let head: string;
  try {
    head = await readHead(path);
  } catch (e) {
    throw new ReadError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, path);
  }
  const trimmed = head.trimStart();
  if (trimmed === '') throw new ReadError(`${path}: file is empty`, path);
  if (trimmed[0] === '[') {
    const firstRow = /^\[\s*\{([\s\S]{0,20000})/.exec(trimmed)?.[1] ?? '';
    const hasKey = (k: string) => new RegExp(`"${k}"\\s*:`).test(firstRow);
    if (hasKey('solution') && hasKey('problem') && !['completion', 'output', 'response', 'generated_text'].some(hasKey)) {
      return { format: 'humanomni-train', reason: 'JSON list of rows with problem and solution but no completion (HumanOmniV2 training data)' };
    }
    return { format: 'json', reason: 'JSON list of rows' };
  }
  if (trimmed[0] === '{') {
    const line = firstNonBlankLine(head);
    let firstObj: unknown;
    try {
      firstObj = line === undefined ? undefined : JSON.parse(line);
    } catch {
      firstObj = undefined;
    }
    if (isPlainObject(firstObj) && !(Array.isArray(firstObj.results) && head.split('\n').filter((l) => !isBlank(l)).length <= 1)) {
      if ('input' in firstObj && 'output' in firstObj && ('gts' in firstObj || 'score' in firstObj)) {
        return { format: 'verl', reason: `JSON lines with input/output/gts/score${VERL_FILE.test(name) ? ` in a {step}.jsonl file` : ''}` };
      }
      return { format: 'jsonl', reason: name.endsWith('.rollouts.jsonl') ? 'Omni Trace rollouts JSONL' : 'one JSON object per line' };
    }
    if (/^\{\s*"results"\s*:/.test(trimmed) || /"results"\s*:\s*\[/.test(head)) {
      return { format: 'humanomni-eval', reason: 'JSON object with a "results" list (HumanOmniV2 evaluation output)' };
    }
    if (extname(name).toLowerCase() === '.jsonl') return { format: 'jsonl', reason: '.jsonl extension (first line is not valid JSON)' };
    throw new ReadError(`${path}: a JSON object without a "results" list; not a format Omni Trace knows (use --format)`, path);
  }
  if (extname(name).toLowerCase() === '.jsonl') return { format: 'jsonl', reason: '.jsonl extension' };
  throw new ReadError(`${path}: not JSON, JSONL or parquet (starts with ${JSON.stringify(trimmed.slice(0, 20))})`, path);
}

function problem(file: string, message: string, where: { line?: number; recordIndex?: number }): ReadItem {
  const p: ReadProblem = { file, message };
  if (where.line !== undefined) p.line = where.line;
  if (where.recordIndex !== undefined) p.recordIndex = where.recordIndex;
  return { kind: 'problem', problem: p };
}

/** Streams records (and problems) from a file or directory, in file order. */
export async function* readRollouts(path: string, opts: ReadOptions = {}): AsyncGenerator<ReadItem> {
  const mapErr = mappingFieldError(opts.map);
  if (mapErr) throw new ReadError(mapErr, path);
  const format = opts.format ?? (await detectFormat(path)).format;
  if (!FORMAT_NAMES.includes(format)) throw new ReadError(`unknown format '${format}' (known: ${FORMAT_NAMES.join(', ')})`, path);
  const mapper = createRowMapper(format, opts.map, opts.defaultProblemType);
  const files = await filesOf(path, format);
  const counter = { next: 0 };
  for (const file of files) {
    if (format === 'trl') yield* readParquet(file, mapper, counter);
    else if (format === 'humanomni-eval' || format === 'humanomni-train' || format === 'json') yield* readJsonFile(file, mapper, counter);
    else yield* readJsonl(file, mapper, counter, opts.bufferSize);
  }
}

/** One JSONL line as a record, a problem, or nothing (blank); advances the record counter. */
function jsonlItem(file: string, batch: LineBatch, l: RawLine, mapper: RowMapper, counter: { next: number }): ReadItem | undefined {
  if (isBlankBytes(batch, l)) return undefined;
  let row: unknown;
  try {
    row = JSON.parse(lineText(batch, l));
  } catch (e) {
    const cut = l.unterminated ? 'last line is cut off (no newline at end of file); ' : '';
    return problem(file, cut + jsonLineError(e), { line: l.line });
  }
  const source: SourceRef = { file, line: l.line, byteOffset: l.byteOffset, byteLength: l.byteLength };
  const rec = mapper.map(row, counter.next, source);
  if (typeof rec === 'string') return problem(file, rec, { line: l.line });
  counter.next++;
  return { kind: 'record', record: rec };
}

async function* readJsonl(file: string, mapper: RowMapper, counter: { next: number }, bufferSize?: number): AsyncGenerator<ReadItem> {
  for await (const batch of readLineBatches(file, bufferSize)) {
    for (const l of batch.lines) {
      const item = jsonlItem(file, batch, l, mapper, counter);
      if (item) yield item;
    }
  }
}

/**
 * readRollouts as a loop with a callback: the same items in the same order, but JSON lines are
 * handed over straight from each buffer fill, without an async-generator round trip per record
 * (the scorer's hot path). A promise returned by `onItem` is awaited before the next item.
 */
export async function forEachRollout(path: string, opts: ReadOptions, onItem: (item: ReadItem) => void | Promise<void>): Promise<void> {
  const format = opts.format ?? (await detectFormat(path)).format;
  if (format !== 'jsonl' && format !== 'verl') {
    for await (const item of readRollouts(path, { ...opts, format })) {
      const p = onItem(item);
      if (p) await p;
    }
    return;
  }
  const mapErr = mappingFieldError(opts.map);
  if (mapErr) throw new ReadError(mapErr, path);
  const mapper = createRowMapper(format, opts.map, opts.defaultProblemType);
  const counter = { next: 0 };
  for (const file of await filesOf(path, format)) {
    for await (const batch of readLineBatches(file, opts.bufferSize)) {
      for (const l of batch.lines) {
        const item = jsonlItem(file, batch, l, mapper, counter);
        if (item === undefined) continue;
        const p = onItem(item);
        if (p) await p;
      }
    }
  }
}

async function parseJsonFile(file: string): Promise<{ text: string; value: unknown } | { error: string }> {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  try {
    return { text, value: JSON.parse(text) };
  } catch (e) {
    return { error: describeJsonError(e, text) };
  }
}

function rowsOf(value: unknown, format: FormatName): { rows: unknown[]; key?: string } | string {
  if (format === 'humanomni-eval') {
    if (isPlainObject(value) && Array.isArray(value.results)) return { rows: value.results, key: 'results' };
    return 'expected a JSON object with a "results" list (HumanOmniV2 evaluation output)';
  }
  if (Array.isArray(value)) return { rows: value };
  if (isPlainObject(value) && Array.isArray(value.results)) return { rows: value.results, key: 'results' };
  return 'expected a JSON list of rows';
}

async function* readJsonFile(file: string, mapper: RowMapper, counter: { next: number }): AsyncGenerator<ReadItem> {
  const parsed = await parseJsonFile(file);
  if ('error' in parsed) {
    yield problem(file, parsed.error, {});
    return;
  }
  const got = rowsOf(parsed.value, mapper.format);
  if (typeof got === 'string') {
    yield problem(file, got, {});
    return;
  }
  const lines = arrayElementLines(parsed.text, got.key);
  const haveLines = lines.length === got.rows.length;
  for (let i = 0; i < got.rows.length; i++) {
    const source: SourceRef = { file, recordIndex: i };
    if (haveLines) source.line = lines[i];
    const rec = mapper.map(got.rows[i], counter.next, source);
    if (typeof rec === 'string') {
      yield problem(file, `${got.key ?? 'row'} #${i}: ${rec}`, { recordIndex: i, line: source.line });
      continue;
    }
    counter.next++;
    yield { kind: 'record', record: rec };
  }
}


/** Reads a parquet file one row group at a time, so a large file is never held whole. */
async function* readParquet(
  file: string,
  mapper: RowMapper,
  counter: { next: number },
  only?: { rowStart: number; rowEnd: number },
): AsyncGenerator<ReadItem> {
  let metadata;
  let buffer;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    yield problem(file, `not a readable parquet file: ${e instanceof Error ? e.message : String(e)}`, {});
    return;
  }
  const ranges: { rowStart: number; rowEnd: number }[] = [];
  if (only) ranges.push(only);
  else {
    let start = 0;
    for (const rg of metadata.row_groups) {
      const n = Number(rg.num_rows);
      ranges.push({ rowStart: start, rowEnd: start + n });
      start += n;
    }
  }
  for (const range of ranges) {
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, ...range });
    } catch (e) {
      yield problem(file, `rows ${range.rowStart}–${range.rowEnd - 1} could not be decoded: ${e instanceof Error ? e.message : String(e)}`, {
        recordIndex: range.rowStart,
      });
      continue;
    }
    for (let i = 0; i < rows.length; i++) {
      const recordIndex = range.rowStart + i;
      const rec = mapper.map(rows[i], counter.next, { file, recordIndex });
      if (typeof rec === 'string') {
        yield problem(file, `row ${recordIndex}: ${rec}`, { recordIndex });
        continue;
      }
      counter.next++;
      yield { kind: 'record', record: rec };
    }
  }
}

/**
 * Re-reads one record: by byte offset for JSON lines (cheap, the rest of the file is not
 * touched), by record index for JSON and parquet files. `index` is the record's position in
 * the original read (defaults to source.recordIndex or 0).
 */
export async function readRolloutAt(source: SourceRef, opts: ReadOptions & { index?: number } = {}): Promise<ReadItem> {
  const file = source.file;
  const format = opts.format ?? (await detectFormat(file)).format;
  const mapper = createRowMapper(format, opts.map, opts.defaultProblemType);
  const index = opts.index ?? source.recordIndex ?? 0;
  if (source.byteOffset !== undefined && source.byteLength !== undefined) {
    const bytes = await readBytes(file, source.byteOffset, source.byteLength);
    let row: unknown;
    try {
      row = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      return problem(file, `${jsonLineError(e)} (the file may have changed since it was read)`, { line: source.line });
    }
    const rec = mapper.map(row, index, { ...source });
    return typeof rec === 'string' ? problem(file, rec, { line: source.line }) : { kind: 'record', record: rec };
  }
  if (source.recordIndex === undefined) throw new ReadError(`${file}: a source needs a byte offset or a record index to be re-read`, file);
  const counter = { next: index };
  const ri = source.recordIndex;
  const gen =
    format === 'trl'
      ? readParquet(file, mapper, counter, { rowStart: ri, rowEnd: ri + 1 })
      : (async function* (): AsyncGenerator<ReadItem> {
          const parsed = await parseJsonFile(file);
          if ('error' in parsed) {
            yield problem(file, parsed.error, {});
            return;
          }
          const got = rowsOf(parsed.value, format);
          if (typeof got === 'string') {
            yield problem(file, got, {});
            return;
          }
          if (ri >= got.rows.length) {
            yield problem(file, `no record #${ri} (the file has ${got.rows.length})`, { recordIndex: ri });
            return;
          }
          const lines = arrayElementLines(parsed.text, got.key);
          const src: SourceRef = { file, recordIndex: ri };
          if (lines.length === got.rows.length) src.line = lines[ri];
          const rec = mapper.map(got.rows[ri], index, src);
          yield typeof rec === 'string' ? problem(file, rec, { recordIndex: ri, line: src.line }) : ({ kind: 'record', record: rec } as ReadItem);
        })();
  for await (const item of gen) return item;
  return problem(file, `no record #${ri}`, { recordIndex: ri });
}

/** Convenience for small inputs: everything read, records and problems apart. */
export async function readAll(path: string, opts: ReadOptions = {}): Promise<{ records: RolloutRecord[]; problems: ReadProblem[] }> {
  const records: RolloutRecord[] = [];
  const problems: ReadProblem[] = [];
  for await (const item of readRollouts(path, opts)) {
    if (item.kind === 'record') records.push(item.record);
    else problems.push(item.problem);
  }
  return { records, problems };
}
