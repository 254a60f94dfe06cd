// Table rows and their re-read locations packed for the trip from the scoring worker to the
// extension host. Posted as objects, 100k rows cost the worker about 0.25 s to serialise and the
// host about 0.7 s to deserialise and intern, half the host thread's time during a load. Packed,
// the numbers travel in transferred typed arrays and each repeated string (file, checkpoint,
// problem type, group id, question, answer) and each set of reward cells crosses once: the
// decoder's tables make the rows share them, as the host's interner used to.

import { isRecordDetail, type Detail } from './detailIndex';
import type { RolloutRecord, SourceRef } from './types';
import type { RowSummary } from './viewTypes';

type Cells = RowSummary['rewards'];

/** Columns of strings, by position in `RowBatch.strs` (stride STR_COLS). */
const STR_COLS = ['file', 'checkpoint', 'problemType', 'formatReason', 'groupId', 'question', 'answer', 'audio', 'visual', 'sourceFile'] as const;
/** Numeric columns, by position in `RowBatch.nums` (stride NUM_COLS). */
const NUM_COLS = ['index', 'line', 'step', 'groupSize', 'groupMean', 'groupStd', 'total', 'advantage', 'srcLine', 'srcRecordIndex', 'srcByteOffset', 'srcByteLength'] as const;
const S = STR_COLS.length;
const N = NUM_COLS.length;
const NONE = -1;

export interface RowBatch {
  n: number;
  /** The decoder starts new string and cell tables before reading this batch. */
  reset: boolean;
  /** Strings first used in this batch, appended to the decoder's table in order. */
  strings: string[];
  /** Reward cells first used in this batch, appended to the decoder's table in order. */
  cells: Cells[];
  /** Rollout ids (unique, so not worth a table). */
  ids: (string | undefined)[];
  /** Per row, a string-table position per STR_COLS entry, or -1 for undefined. */
  strs: Int32Array;
  /** Per row, a cells-table position. */
  cellRefs: Int32Array;
  /** Per row, NUM_COLS values; bit i of `present` says whether column i is defined. */
  nums: Float64Array;
  present: Uint16Array;
  /** Per row: bit 0 formatOk; bits 1-2 zeroVarianceGroup (0 undefined, 1 false, 2 true); bit 3 the detail is a source ref. */
  flags: Uint8Array;
  /** Details that are whole records (JSON, parquet), in row order: the rows whose flag bit 3 is clear. */
  records: RolloutRecord[];
}

/** The typed arrays of batches, to transfer rather than copy. */
export function transferablesOf(batches: RowBatch[]): ArrayBuffer[] {
  return batches.flatMap((b) => [b.strs.buffer, b.cellRefs.buffer, b.nums.buffer, b.present.buffer, b.flags.buffer] as ArrayBuffer[]);
}

/**
 * A copy of `s` that holds no other string. A row's answer is cut from its completion, and V8
 * keeps a cut of 13 characters or more as a view of the whole: a table of 50,000 long answers
 * would keep 50,000 completions alive in the worker's bounded heap.
 */
function flat(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * Packs rows in the worker, each as it is added, so the row objects die young (rows waiting for
 * their message were promoted and kept the worker's collector busy). Tables are bounded: when a
 * row could overfill one, a new batch starts with fresh tables (a file of all-distinct answers
 * should not grow the worker's heap without end), and the decoder follows.
 */
export class RowBatchEncoder {
  private strings = new Map<string, number>();
  private cells = new Map<string, number>();
  private done: RowBatch[] = [];
  private b: RowBatch;

  constructor(
    private readonly maxStrings = 50_000,
    private readonly maxCells = 10_000,
    private readonly capacity = 2048,
  ) {
    this.b = this.empty(false);
  }

  /** Rows added since the last take. */
  get length(): number {
    let n = this.b.n;
    for (const d of this.done) n += d.n;
    return n;
  }

  private empty(reset: boolean): RowBatch {
    const c = this.capacity;
    return {
      n: 0,
      reset,
      strings: [],
      cells: [],
      ids: [],
      strs: new Int32Array(c * S),
      cellRefs: new Int32Array(c),
      nums: new Float64Array(c * N),
      present: new Uint16Array(c),
      flags: new Uint8Array(c),
      records: [],
    };
  }

  private grow(): void {
    const b = this.b;
    const grown = (a: Int32Array | Float64Array | Uint16Array | Uint8Array, n: number) => {
      const g = new (a.constructor as new (n: number) => typeof a)(n);
      g.set(a);
      return g;
    };
    const c = b.cellRefs.length * 2;
    b.strs = grown(b.strs, c * S) as Int32Array;
    b.cellRefs = grown(b.cellRefs, c) as Int32Array;
    b.nums = grown(b.nums, c * N) as Float64Array;
    b.present = grown(b.present, c) as Uint16Array;
    b.flags = grown(b.flags, c) as Uint8Array;
  }

  private str(s: string | undefined): number {
    if (s === undefined) return NONE;
    let at = this.strings.get(s);
    if (at === undefined) {
      at = this.strings.size;
      this.strings.set(flat(s), at);
      this.b.strings.push(s);
    }
    return at;
  }

  add(r: RowSummary, d: Detail): void {
    // At most S new strings and one new cell set per row: start again before a table overfills.
    if (this.strings.size + S > this.maxStrings || this.cells.size + 1 > this.maxCells) {
      this.strings = new Map();
      this.cells = new Map();
      if (this.b.n > 0) this.done.push(this.seal());
      this.b = this.empty(true);
    }
    let b = this.b;
    if (b.n === b.cellRefs.length) {
      this.grow();
      b = this.b;
    }
    const i = b.n++;
    const src = isRecordDetail(d) ? undefined : d;
    const o = i * S;
    const strs = b.strs;
    strs[o] = this.str(r.file);
    strs[o + 1] = this.str(r.checkpoint);
    strs[o + 2] = this.str(r.problemType);
    strs[o + 3] = this.str(r.formatReason);
    strs[o + 4] = this.str(r.groupId);
    strs[o + 5] = this.str(r.question);
    strs[o + 6] = this.str(r.answer);
    strs[o + 7] = this.str(r.shortcut?.audio);
    strs[o + 8] = this.str(r.shortcut?.visual);
    strs[o + 9] = this.str(src?.file);
    let key = '';
    for (const name in r.rewards) {
      const e = r.rewards[name]!;
      key += `${name}\u0001${Object.is(e.value, -0) ? '-0' : e.value}\u0000${e.status}\u0002`;
    }
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = this.cells.size;
      this.cells.set(key, cell);
      b.cells.push(r.rewards);
    }
    b.cellRefs[i] = cell;
    let bits = 0;
    const put = (c: number, x: number | undefined) => {
      if (x === undefined) return;
      b.nums[i * N + c] = x;
      bits |= 1 << c;
    };
    put(0, r.index);
    put(1, r.line);
    put(2, r.step);
    put(3, r.groupSize);
    put(4, r.groupMean);
    put(5, r.groupStd);
    put(6, r.total);
    put(7, r.advantage);
    put(8, src?.line);
    put(9, src?.recordIndex);
    put(10, src?.byteOffset);
    put(11, src?.byteLength);
    b.present[i] = bits;
    b.flags[i] = (r.formatOk ? 1 : 0) | (r.zeroVarianceGroup === undefined ? 0 : r.zeroVarianceGroup ? 4 : 2) | (src ? 8 : 0);
    b.ids.push(r.id);
    if (!src) b.records.push(d as RolloutRecord);
  }

  /** The batch so far, its arrays cut to its rows (they are transferred whole). */
  private seal(): RowBatch {
    const b = this.b;
    const n = b.n;
    return { ...b, strs: b.strs.slice(0, n * S), cellRefs: b.cellRefs.slice(0, n), nums: b.nums.slice(0, n * N), present: b.present.slice(0, n), flags: b.flags.slice(0, n) };
  }

  /** The rows added since the last take, packed, in order; the encoder is then empty. */
  take(): RowBatch[] {
    const out = this.done;
    if (this.b.n > 0) out.push(this.seal());
    this.done = [];
    this.b = this.empty(false);
    return out;
  }
}

/**
 * A whole number in int32 range as an int32, so a row stores it untagged (a Smi). Read from a
 * Float64Array as they are, a row's whole numbers (index, line, step, group size) were kept in
 * boxed doubles: 48 bytes a row more (heap snapshot of a 100k load).
 */
function smi(x: number): number {
  return (x | 0) === x && !Object.is(x, -0) ? x | 0 : x;
}

/** Unpacks batches on the host, in the order they were taken. */
export class RowBatchDecoder {
  private strings: string[] = [];
  private cells: Cells[] = [];

  /** Calls `onRow` for each row of the batch, in order, with where to re-read it. */
  decode(b: RowBatch, onRow: (row: RowSummary, detail: Detail) => void): void {
    if (b.reset) {
      this.strings = [];
      this.cells = [];
    }
    for (const s of b.strings) this.strings.push(s);
    for (const c of b.cells) this.cells.push(c);
    const strings = this.strings;
    const { strs, nums, present, flags } = b;
    const str = (i: number, c: number) => {
      const at = strs[i * S + c]!;
      return at === NONE ? undefined : strings[at];
    };
    // Column c of row i, or undefined when the row has none.
    let i = 0;
    let bits = 0;
    const num = (c: number) => (bits & (1 << c) ? nums[i * N + c] : undefined);
    const int = (c: number) => (bits & (1 << c) ? smi(nums[i * N + c]!) : undefined);
    let record = 0;
    for (; i < b.n; i++) {
      bits = present[i]!;
      const f = flags[i]!;
      const zv = (f >> 1) & 3;
      const audio = str(i, 7);
      const visual = str(i, 8);
      // Every field, in summarise's order (viewModel.ts): one shape keeps the table's passes monomorphic.
      const row: RowSummary = {
        index: smi(nums[i * N]!),
        id: b.ids[i],
        line: int(1),
        file: str(i, 0),
        checkpoint: str(i, 1),
        step: int(2),
        problemType: str(i, 2),
        formatOk: (f & 1) === 1,
        formatReason: str(i, 3),
        rewards: this.cells[b.cellRefs[i]!]!,
        groupId: str(i, 4),
        groupSize: int(3),
        groupMean: num(4),
        groupStd: num(5),
        total: num(6),
        advantage: num(7),
        zeroVarianceGroup: zv === 0 ? undefined : zv === 2,
        question: str(i, 5)!,
        answer: str(i, 6)!,
        shortcut: audio !== undefined && visual !== undefined ? ({ audio, visual } as RowSummary['shortcut']) : undefined,
      };
      let detail: Detail;
      if (f & 8) {
        const ref: SourceRef = { file: str(i, 9)! };
        const line = num(8);
        const recordIndex = num(9);
        const byteOffset = num(10);
        const byteLength = num(11);
        if (line !== undefined) ref.line = line;
        if (recordIndex !== undefined) ref.recordIndex = recordIndex;
        if (byteOffset !== undefined) ref.byteOffset = byteOffset;
        if (byteLength !== undefined) ref.byteLength = byteLength;
        detail = ref;
      } else detail = b.records[record++]!;
      onRow(row, detail);
    }
  }
}
