// What a static HTML report embeds, shared by the writer (CLI) and the page (webview shim).
// Section texts are dropped when they equal a slice of the completion and restored on load:
// a trace would otherwise be stored twice, and reports of 20k rollouts get big.

import type { Comparison } from './compare/compare';
import type { CalibrationState, LabResult } from './lab/lab';
import type { ParsedTrace, ReadProblem, ScoredRollout } from './types';
import type { MediaInfo, RewardPlacement } from './viewTypes';
import type { CueInventory, ShortcutLine, ShortcutSummary } from './shortcuts/types';

export interface ReportData {
  version: 1;
  title: string;
  fileName: string;
  format: string;
  problems: ReadProblem[];
  problemCount: number;
  scored: ScoredRollout[];
  /** Parallel to `scored`. */
  media: MediaInfo[];
  rewardPlacement?: Record<string, RewardPlacement>;
  /** A shortcut analysis of the same file (`omnitrace report --shortcuts`), with the inventories it used by key. */
  shortcuts?: { lines: ShortcutLine[]; summary: ShortcutSummary; inventories: Record<string, CueInventory> };
  /** A comparison of checkpoints (`omnitrace report --compare`): the report shows the compare view. */
  compare?: { comparison: Comparison; traces: Record<string, Record<string, string>>; tracesOmitted: number };
  /** A judge lab (`omnitrace report --lab`): the report shows the lab view. */
  lab?: LabResult & { calibration: CalibrationState[] };
}

/**
 * How the data element may hold the report compressed: gzip, then base64, inside a JSON
 * object. Large reports shrink ~10× and, more to the point, the browser's HTML parser no
 * longer has to tokenise tens of megabytes of script text before the page can start.
 */
export interface EncodedReportData {
  encoding: 'gzip-base64';
  data: string;
}

export function isEncodedReportData(v: unknown): v is EncodedReportData {
  return !!v && typeof v === 'object' && (v as EncodedReportData).encoding === 'gzip-base64' && typeof (v as EncodedReportData).data === 'string';
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

type Sliced = { start: number; end: number; text?: string };

function dropDerivable(items: Sliced[], source: string): Sliced[] {
  return items.map((it) => {
    if (it.text !== source.slice(it.start, it.end)) return it;
    const { text: _dropped, ...rest } = it;
    return rest;
  });
}

function restore(items: Sliced[], source: string): void {
  for (const it of items) if (it.text === undefined) it.text = source.slice(it.start, it.end);
}

const KINDS = ['context', 'think', 'answer'] as const;

function compactTrace(trace: ParsedTrace, source: string): ParsedTrace {
  const out: ParsedTrace = {
    ...trace,
    segments: dropDerivable(trace.segments, source) as ParsedTrace['segments'],
    outside: dropDerivable(trace.outside, source) as ParsedTrace['outside'],
  };
  for (const kind of KINDS) {
    const first = trace[kind];
    // The first-of-kind shortcut usually repeats an entry of `segments`; then it is rebuilt on load.
    if (first && trace.segments.some((s) => s.kind === kind && s.occurrence === 0 && s.outerStart === first.outerStart)) {
      delete out[kind];
    }
  }
  return out;
}

function expandTrace(trace: ParsedTrace, source: string): void {
  restore(trace.segments, source);
  restore(trace.outside, source);
  for (const seg of trace.segments) {
    if (seg.occurrence === 0 && trace[seg.kind] === undefined) trace[seg.kind] = seg;
  }
}

export function compactScored(s: ScoredRollout): ScoredRollout {
  const out: ScoredRollout = { ...s, trace: compactTrace(s.trace, s.record.completion) };
  if (s.referenceTrace) out.referenceTrace = compactTrace(s.referenceTrace, s.record.reference.solution ?? '');
  return out;
}

/** Undo compactScored in place (the parsed JSON is ours to mutate). */
export function expandScored(s: ScoredRollout): ScoredRollout {
  expandTrace(s.trace, s.record.completion);
  if (s.referenceTrace) expandTrace(s.referenceTrace, s.record.reference.solution ?? '');
  return s;
}

/** JSON safe to place inside <script type="application/json">: nothing in it can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
