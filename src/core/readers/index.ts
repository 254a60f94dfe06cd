// Rollout readers: every supported file layout becomes a stream of RolloutRecord, with bad rows
// reported (file + line) and skipped rather than failing the whole read. Files are only ever
// opened for reading.

import { open, readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { ReadProblem, RolloutRecord, SourceRef } from '../types';
import { isBlank, isBlankBytes, lineText, readBytes, readLineBatches, type LineBatch, type RawLine } from './lines';
import { arrayElementLines, describeJsonError, jsonLineError } from './jsonPositions';
import { createRowMapper, mapExact, mappingFieldError, type RowMapper } from './mapping';
import { isPlainObject } from './fields';
import { JsonListScanner, type ListElement } from './jsonListScanner';
import { protectInput } from '../protectedFiles';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { FormatName, ReadItem, ReadOptions } from './types';
import { errorText } from '../errors';

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
  'r1-eval': {
    description: 'R1-V / R1-Omni evaluation log: {"accuracy", "results": [{question, ground_truth, model_output, extracted_answer, is_correct}]}; is_correct is the recorded reward',
    files: '*.json',
  },
  'humanomni-train': {
    description: 'HumanOmniV2 training data (no completions: the reference solution is scored as the completion, to check the data)',
    files: '*.json (a list of rows)',
  },
  verl: {
    description:
      "verl rollout dump: {step}.jsonl with input/output/gts/score; groups from uid when dumped, else consecutive blocks of rollout.n (--group-size, or detected), advantages by verl's GRPO rule",
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

/** What a path stands for: its files in reading order, and the entries skipped with why. */
export interface InputListing {
  files: string[];
  skipped: ReadProblem[];
}

/**
 * The regular files among `names` in `dir`. A symlink loop, a dangling symlink, a folder or a
 * FIFO with a rollout file's name is a problem naming its path, never a stop (or, for a FIFO, a
 * read that blocks forever).
 */
async function regularFiles(dir: string, names: string[]): Promise<InputListing> {
  const files: string[] = [];
  const skipped: ReadProblem[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const why = await notARegularFile(path);
    if (why === undefined) files.push(path);
    else skipped.push({ file: path, message: `${why}: skipped` });
  }
  return { files, skipped };
}

/** Why `path` cannot be read as a rollout file, or undefined when it is a regular file. */
async function notARegularFile(path: string): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (st.isFile()) {
      protectInput(path);
      return undefined;
    }
    if (st.isDirectory()) return 'is a folder, not a file';
    return `is not a regular file (${st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device'}), so it is not read`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'is a symlink loop';
    if (code === 'ENOENT') return 'is a dangling symlink (its target does not exist)';
    return `cannot be read (${code ?? String(e)})`;
  }
}

/** The files a path stands for, in reading order (verl/TRL steps numerically), and the entries skipped. */
export async function listInput(path: string, format: FormatName): Promise<InputListing> {
  const st = await statOrThrow(path);
  if (!st.isDirectory()) {
    const why = await notARegularFile(path);
    if (why !== undefined) throw new ReadError(`${path} ${why}`, path);
    return { files: [path], skipped: [] };
  }
  let dir = path;
  let names = await readdirOrThrow(dir);
  if (format === 'trl' && !names.some(isParquet) && names.includes('completions')) {
    dir = join(path, 'completions');
    names = await readdirOrThrow(dir);
  }
  // Newer TRL writes completions/<mode>/ (train, eval): the training steps.
  if (format === 'trl' && !names.some(isParquet) && names.includes('train')) {
    dir = join(dir, 'train');
    names = await readdirOrThrow(dir);
  }
  const wanted = format === 'trl' ? names.filter(isParquet) : names.filter((n) => n.toLowerCase().endsWith('.jsonl'));
  const stepOf = (n: string) => Number(/(\d+)\D*$/.exec(n)?.[1] ?? NaN);
  wanted.sort((a, b) => {
    const sa = stepOf(a);
    const sb = stepOf(b);
    return Number.isNaN(sa) || Number.isNaN(sb) || sa === sb ? a.localeCompare(b) : sa - sb;
  });
  const listing = await regularFiles(dir, wanted);
  if (listing.files.length === 0) {
    const also = listing.skipped.length ? ` (${listing.skipped.map((p) => `${p.file} ${p.message}`).join('; ')})` : '';
    throw new ReadError(`no readable ${format === 'trl' ? '.parquet' : '.jsonl'} files in directory ${path}${also}`, path);
  }
  return listing;
}

async function readdirOrThrow(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    throw new ReadError(`${dir}: cannot list the folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`, dir);
  }
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'ELOOP' ? 'a symlink loop' : `cannot read (${code ?? String(e)})`;
    throw new ReadError(`${path}: ${why}`, path);
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
      const train = inner.includes('train') ? await readdir(join(path, 'completions', 'train')).catch(() => [] as string[]) : [];
      if (train.some(isParquet)) return { format: 'trl', reason: 'completions/train/ directory of .parquet files' };
    }
    names = (
      await regularFiles(
        path,
        names.filter((n) => n.toLowerCase().endsWith('.jsonl')),
      )
    ).files.map((f) => basename(f));
    if (names.length === 0) throw new ReadError(`${path}: directory holds no readable .jsonl or .parquet files`, path);
    const first = names.find((n) => VERL_FILE.test(n)) ?? names[0];
    const inner = await detectFormat(join(path, first));
    if (names.every((n) => VERL_FILE.test(n)) && inner.format === 'verl') return { format: 'verl', reason: `directory of {step}.jsonl files with verl fields (${inner.reason})` };
    return { format: inner.format === 'verl' ? 'verl' : 'jsonl', reason: `directory of .jsonl files (${inner.reason})` };
  }
  const name = basename(path);
  const notRegular = await notARegularFile(path);
  if (notRegular !== undefined) throw new ReadError(`${path} ${notRegular}`, path);
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
      const firstResult = /"results"\s*:\s*\[\s*\{([\s\S]{0,20000})/.exec(head)?.[1] ?? '';
      if (/"model_output"\s*:/.test(firstResult) && /"ground_truth"\s*:/.test(firstResult)) {
        return { format: 'r1-eval', reason: 'JSON object with a "results" list of model_output / ground_truth rows (R1-V / R1-Omni evaluation log)' };
      }
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
  const { files, skipped } = await listInput(path, format);
  for (const p of skipped) yield { kind: 'problem', problem: p };
  const counter = { next: 0 };
  for (const file of files) {
    if (format === 'trl') yield* readParquet(file, mapper, counter);
    else if (format === 'humanomni-eval' || format === 'r1-eval' || format === 'humanomni-train' || format === 'json') yield* readJsonFile(file, mapper, counter);
    else yield* readJsonl(file, mapper, counter, opts.bufferSize);
  }
}

/** One JSONL line as a record, a problem, or nothing (blank); advances the record counter. */
function jsonlItem(file: string, batch: LineBatch, l: RawLine, mapper: RowMapper, counter: { next: number }): ReadItem | undefined {
  if (isBlankBytes(batch, l)) return undefined;
  let row: unknown;
  // Decoded once: the text is parsed, and read again only when an id lost digits (mapExact).
  const text = lineText(batch, l);
  try {
    row = JSON.parse(text);
  } catch (e) {
    const cut = l.unterminated ? 'last line is cut off (no newline at end of file); ' : '';
    return problem(file, cut + jsonLineError(e), { line: l.line });
  }
  const source: SourceRef = { file, line: l.line, byteOffset: l.byteOffset, byteLength: l.byteLength };
  const rec = mapExact(mapper, row, text, counter.next, source);
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
  const { files, skipped } = await listInput(path, format);
  for (const p of skipped) {
    const r = onItem({ kind: 'problem', problem: p });
    if (r) await r;
  }
  for (const file of files) {
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
  if (format === 'humanomni-eval' || format === 'r1-eval') {
    if (isPlainObject(value) && Array.isArray(value.results)) return { rows: value.results, key: 'results' };
    return 'expected a JSON object with a "results" list (HumanOmniV2 evaluation output)';
  }
  if (Array.isArray(value)) return { rows: value };
  if (isPlainObject(value) && Array.isArray(value.results)) return { rows: value.results, key: 'results' };
  return 'expected a JSON list of rows';
}

const JSON_CHUNK = 1 << 20;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads the rows of a JSON list file as a stream: each element is parsed on its own, so a file of
 * any size loads with memory bounded by its largest row, and a bad row costs only itself. Each
 * row keeps its byte range, so it can be re-read alone.
 */
async function* readJsonFile(file: string, mapper: RowMapper, counter: { next: number }): AsyncGenerator<ReadItem> {
  const eval_ = mapper.format === 'humanomni-eval' || mapper.format === 'r1-eval';
  const fh = await open(file, 'r');
  let scanner: JsonListScanner | undefined;
  const ready: ListElement[] = [];
  try {
    let position = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(JSON_CHUNK);
      const { bytesRead } = await fh.read(buf, 0, JSON_CHUNK, position);
      if (bytesRead === 0) break;
      let chunk = buf.subarray(0, bytesRead);
      if (scanner === undefined) {
        const bom = chunk.subarray(0, 3).equals(UTF8_BOM);
        scanner = new JsonListScanner({ key: 'results', rootList: !eval_, startOffset: bom ? 3 : 0 });
        if (bom) chunk = chunk.subarray(3);
      }
      position += bytesRead;
      scanner.feed(chunk, (e) => ready.push(e));
      while (ready.length) yield jsonElementItem(file, ready.shift()!, mapper, counter);
    }
  } finally {
    await fh.close();
  }
  if (scanner === undefined || !scanner.found) {
    yield problem(file, eval_ ? 'expected a JSON object with a "results" list (an evaluation output)' : 'expected a JSON list of rows', {});
  } else if (!scanner.complete) {
    yield problem(file, 'the file ends inside the list (cut off?): the rows before the end were read', {});
  }
}

function jsonElementItem(file: string, e: ListElement, mapper: RowMapper, counter: { next: number }): ReadItem {
  const label = mapper.format === 'humanomni-eval' || mapper.format === 'r1-eval' ? 'results' : 'row';
  const text = e.bytes.toString('utf8');
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (err) {
    return problem(file, `${label} #${e.index}: ${describeJsonError(err, text, e)}`, { recordIndex: e.index, line: e.line });
  }
  const source: SourceRef = { file, recordIndex: e.index, line: e.line, byteOffset: e.byteOffset, byteLength: e.bytes.length };
  const rec = mapExact(mapper, row, text, counter.next, source);
  if (typeof rec === 'string') return problem(file, `${label} #${e.index}: ${rec}`, { recordIndex: e.index, line: e.line });
  counter.next++;
  return { kind: 'record', record: rec };
}

/** Reads a parquet file one row group at a time, so a large file is never held whole. */
async function* readParquet(file: string, mapper: RowMapper, counter: { next: number }, only?: { rowStart: number; rowEnd: number }): AsyncGenerator<ReadItem> {
  let metadata;
  let buffer;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    yield problem(file, `not a readable parquet file: ${errorText(e)}`, {});
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
      yield problem(file, `rows ${range.rowStart}–${range.rowEnd - 1} could not be decoded: ${errorText(e)}`, {
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

/** A record read by byte offset is found again cheaply (readRolloutAt); others are kept whole. */
export function isReReadable(source: SourceRef): boolean {
  return source.byteOffset !== undefined && source.byteLength !== undefined;
}

/** Where to get a record back later: its source when it can be re-read by byte offset, else the record itself. */
export function detailRefOf(record: RolloutRecord): SourceRef | RolloutRecord {
  return isReReadable(record.source) ? record.source : record;
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
  if (isReReadable(source)) {
    const bytes = await readBytes(file, source.byteOffset!, source.byteLength!);
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
