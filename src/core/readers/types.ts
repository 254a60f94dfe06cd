// Shapes shared by every reader. A reader yields records and problems interleaved, in file
// order, so a caller can show progress and never loses track of what was skipped.

import type { ReadProblem, RolloutRecord } from '../types';

export type FormatName = 'humanomni-eval' | 'r1-eval' | 'humanomni-train' | 'verl' | 'trl' | 'jsonl' | 'json';

/** Tagged so a consumer can tell records from problems with one property check. */
export type ReadItem = { kind: 'record'; record: RolloutRecord } | { kind: 'problem'; problem: ReadProblem };

export interface ReadOptions {
  /** Skip detection and read as this format. */
  format?: FormatName;
  /** Field-mapping overrides: mapping field name (see MAPPING_FIELDS) → dotted path into the row. */
  map?: Record<string, string>;
  /** Problem type for records whose data has none (verl dumps log none). */
  defaultProblemType?: string;
  /** Read buffer size for line-oriented files, in bytes. */
  bufferSize?: number;
}

/** Extras key under which a reader leaves notes about how it interpreted a row. */
export const READER_NOTES_KEY = 'omnitrace:notes';
