// Where to read each rollout's full record again, by rollout index. A rollout read from JSON lines
// needs only its file, line, byte offset and length, kept here in typed arrays: a Map of a million
// SourceRef objects was about a sixth of the extension host's memory at a million rows. Anything
// else (a whole record of a JSON or parquet file) is kept as the object it is.

import type { RolloutRecord, SourceRef } from './types';

const ABSENT = -1;
const AS_OBJECT = -2;

export type Detail = SourceRef | RolloutRecord;

/** A whole record kept as the detail, not a place to read it again from. */
export function isRecordDetail(d: Detail): d is RolloutRecord {
  return (d as RolloutRecord).completion !== undefined;
}

export class DetailIndex {
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  private fileOf = new Int32Array(0);
  private line = new Int32Array(0);
  private recordIndex = new Int32Array(0);
  private offset = new Float64Array(0);
  private length = new Float64Array(0);
  private readonly objects = new Map<number, Detail>();
  private count = 0;
  /** One past the highest index set. */
  private end = 0;

  get size(): number {
    return this.count;
  }

  set(index: number, d: Detail): void {
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`rollout index ${index} is not a whole number ≥ 0`);
    this.grow(index + 1);
    if (this.fileOf[index] === ABSENT) this.count++;
    this.end = Math.max(this.end, index + 1);
    const compact = !isRecordDetail(d) && isSmallInt(d.line) && isSmallInt(d.recordIndex) && isNumberOrAbsent(d.byteOffset) && isNumberOrAbsent(d.byteLength);
    if (!compact) {
      this.fileOf[index] = AS_OBJECT;
      this.objects.set(index, d);
      return;
    }
    this.objects.delete(index);
    let id = this.fileIds.get(d.file);
    if (id === undefined) {
      id = this.files.length;
      this.files.push(d.file);
      this.fileIds.set(d.file, id);
    }
    this.fileOf[index] = id;
    this.line[index] = d.line ?? ABSENT;
    this.recordIndex[index] = d.recordIndex ?? ABSENT;
    this.offset[index] = d.byteOffset ?? Number.NaN;
    this.length[index] = d.byteLength ?? Number.NaN;
  }

  has(index: number): boolean {
    return index >= 0 && index < this.end && this.fileOf[index] !== ABSENT;
  }

  /** The detail as it was set (a new SourceRef object with the same fields). */
  get(index: number): Detail | undefined {
    if (!this.has(index)) return undefined;
    const f = this.fileOf[index]!;
    if (f === AS_OBJECT) return this.objects.get(index);
    const ref: SourceRef = { file: this.files[f]! };
    if (this.line[index] !== ABSENT) ref.line = this.line[index];
    if (!Number.isNaN(this.offset[index])) ref.byteOffset = this.offset[index];
    if (!Number.isNaN(this.length[index])) ref.byteLength = this.length[index];
    if (this.recordIndex[index] !== ABSENT) ref.recordIndex = this.recordIndex[index];
    return ref;
  }

  /** Indices set, in ascending order (the order of the file). */
  *keys(): IterableIterator<number> {
    for (let i = 0; i < this.end; i++) if (this.fileOf[i] !== ABSENT) yield i;
  }

  *values(): IterableIterator<Detail> {
    for (const i of this.keys()) yield this.get(i)!;
  }

  private grow(n: number): void {
    if (n <= this.fileOf.length) return;
    const cap = Math.max(n, this.fileOf.length * 2, 1024);
    const more = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A, fill: number): A => {
      const b = make(cap);
      b.set(a);
      b.fill(fill, a.length);
      return b;
    };
    this.fileOf = more(this.fileOf, (c) => new Int32Array(c), ABSENT);
    this.line = more(this.line, (c) => new Int32Array(c), ABSENT);
    this.recordIndex = more(this.recordIndex, (c) => new Int32Array(c), ABSENT);
    this.offset = more(this.offset, (c) => new Float64Array(c), Number.NaN);
    this.length = more(this.length, (c) => new Float64Array(c), Number.NaN);
  }
}

function isSmallInt(v: number | undefined): boolean {
  return v === undefined || (Number.isInteger(v) && v >= 0 && v <= 0x7fffffff);
}

function isNumberOrAbsent(v: number | undefined): boolean {
  return v === undefined || (typeof v === 'number' && !Number.isNaN(v));
}
