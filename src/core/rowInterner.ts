// One copy of each repeated value across a file's row summaries. Rows that cross from the scoring
// worker arrive as fresh objects, each with its own copy of the file name, checkpoint, problem
// type, group id and question (shared by a whole GRPO group) and its own reward cells; at a
// million rows those copies were most of the extension host's memory. Rows, their reward cells
// and reward entries are never changed in place (a change makes a new row), so sharing is safe.

import type { RowSummary } from './viewTypes';

const MAX_STRINGS = 500_000;
/** Continuous rewards have many distinct values: only the common ones are shared. */
const MAX_ENTRIES = 10_000;

export class RowInterner {
  private readonly strings = new Map<string, string>();
  private readonly entries = new Map<string, RowSummary['rewards'][string]>();
  private readonly cells = new Map<string, RowSummary['rewards']>();

  str<T extends string | undefined>(s: T): T {
    if (s === undefined) return s;
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit as T;
    // Bounded: a file of all-distinct questions should not keep a second index of them.
    if (this.strings.size >= MAX_STRINGS) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  /** The same row, its repeated strings and reward entries replaced by shared ones. */
  row(r: RowSummary): RowSummary {
    r.file = this.str(r.file);
    r.checkpoint = this.str(r.checkpoint);
    r.problemType = this.str(r.problemType);
    r.formatReason = this.str(r.formatReason);
    r.groupId = this.str(r.groupId);
    r.question = this.str(r.question);
    r.answer = this.str(r.answer);
    // The reward cells as a whole repeat too (a GRPO file has a few combinations of format and
    // accuracy): rows with the same cells share one object.
    let cellsKey = '';
    for (const name in r.rewards) {
      const e = r.rewards[name]!;
      const key = `${e.value}\u0000${e.status}`;
      cellsKey += `${name}\u0001${key}\u0002`;
      const hit = this.entries.get(key);
      if (hit !== undefined) r.rewards[name] = hit;
      else if (this.entries.size < MAX_ENTRIES) this.entries.set(key, e);
    }
    const cells = this.cells.get(cellsKey);
    if (cells !== undefined) r.rewards = cells;
    else if (this.cells.size < MAX_ENTRIES) this.cells.set(cellsKey, r.rewards);
    return r;
  }
}
