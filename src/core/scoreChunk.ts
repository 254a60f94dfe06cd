// Scores a block of JSONL bytes: the unit of work of the parallel scorer (one worker thread per
// core). Everything a block needs is in its arguments and everything it produces is in the
// result, so blocks can be scored anywhere and stitched back together in order.

import { createRowMapper, mapExact } from './readers/mapping';
import { jsonLineError } from './readers/jsonPositions';
import type { FormatName } from './readers/types';
import { addToSummary, scoreWithTotal, totalSourceOf, type GroupBlock, type ScoreOptions, type ScoreSummary } from './score';
import { groupKeyFor } from './grpo';
import { writeScoreLine } from './scoreLine';
import { JsonOut } from './jsonOut';
import type { ReadProblem } from './types';

export interface ChunkTask {
  seq: number;
  file: string;
  /** File offset of bytes[0]. */
  fileOffset: number;
  /** Line number of the first line in bytes. */
  startLine: number;
  /** The block ends at end of file without a newline (its last line may be cut off). */
  unterminatedTail: boolean;
  bytes: Uint8Array;
}

export interface ChunkSettings {
  format: FormatName;
  map?: Record<string, string>;
  defaultProblemType?: string;
  score: ScoreOptions;
  /** Write each section's text (default: offsets only). */
  texts?: boolean;
}

export interface ChunkResult {
  seq: number;
  /** Pass-1 JSON lines (no index, no group), UTF-8. */
  out: Uint8Array;
  records: number;
  /** What the groups need of each record, in typed arrays (transferred, not cloned). */
  groups: GroupBlock;
  problems: ReadProblem[];
  summary: Pick<ScoreSummary, 'rewards' | 'formatFailures'>;
}

export function createChunkScorer(settings: ChunkSettings): (task: ChunkTask) => ChunkResult {
  const mapper = createRowMapper(settings.format, settings.map, settings.defaultProblemType);
  // Lines are written as UTF-8 straight into a reused buffer (no per-line object or string).
  const enc = new JsonOut(8 << 20);
  return (task) => {
    const buf = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    enc.pos = 0;
    const table = new TableBuilder();
    const sources = new TableBuilder();
    const keyOf: number[] = [];
    const sourceOf: number[] = [];
    const totals: number[] = [];
    const recordedAdvantage: number[] = [];
    const problems: ReadProblem[] = [];
    const summary: ChunkResult['summary'] = { rewards: {}, formatFailures: {} };
    let line = task.startLine;
    let pos = 0;
    while (pos < buf.length) {
      let nl = buf.indexOf(10, pos);
      const last = nl === -1;
      if (last) nl = buf.length;
      let end = nl;
      if (end > pos && buf[end - 1] === 13) end--;
      const lineNo = line++;
      const start = pos;
      pos = nl + 1;
      let blank = true;
      for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c !== 32 && c !== 9 && c !== 13) {
          blank = false;
          break;
        }
      }
      if (blank) continue;
      let row: unknown;
      const text = buf.toString('utf8', start, end);
      try {
        row = JSON.parse(text);
      } catch (e) {
        const cut = last && task.unterminatedTail ? 'last line is cut off (no newline at end of file); ' : '';
        problems.push({ file: task.file, line: lineNo, message: cut + jsonLineError(e) });
        continue;
      }
      // The final index is known only once earlier blocks are counted; the line number stands
      // in (unique within the file) for anything that needs one now, and pass 2 writes the index.
      const source = { file: task.file, line: lineNo, byteOffset: task.fileOffset + start, byteLength: end - start };
      const rec = mapExact(mapper, row, text, lineNo, source);
      if (typeof rec === 'string') {
        problems.push({ file: task.file, line: lineNo, message: rec });
        continue;
      }
      const { scored, total } = scoreWithTotal(rec, settings.score);
      addToSummary(summary, scored);
      keyOf.push(table.index(groupKeyFor(rec)));
      const totalSource = totalSourceOf(rec, settings.score);
      sourceOf.push(totalSource === undefined ? -1 : sources.index(totalSource));
      recordedAdvantage.push(rec.recordedAdvantage ?? NaN);
      totals.push(total === null ? NaN : total);
      writeScoreLine(scored, enc, settings.texts === true);
      enc.byte(10);
    }
    // A copy that owns its memory, so it can be transferred to the main thread.
    const out = new Uint8Array(enc.pos);
    out.set(enc.buf.subarray(0, enc.pos));
    return {
      seq: task.seq,
      out,
      records: keyOf.length,
      groups: {
        file: task.file,
        keyTable: table.names,
        keyOf: Int32Array.from(keyOf),
        totals: Float64Array.from(totals),
        recordedAdvantage: Float64Array.from(recordedAdvantage),
        sourceTable: sources.names,
        sourceOf: Int32Array.from(sourceOf),
      },
      problems,
      summary,
    };
  };
}

/** Distinct strings in first-seen order; a run of the same string (a GRPO group) costs no lookup. */
class TableBuilder {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private last: string | undefined;
  private lastId = -1;
  index(s: string): number {
    if (s === this.last) return this.lastId;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(s);
      this.ids.set(s, id);
    }
    this.last = s;
    this.lastId = id;
    return id;
  }
}
