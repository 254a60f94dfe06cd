// The compare view's protocol: what its webview asks of its host (the editor's panel, or the
// static report's in-page shim). A protocol of its own: the rollout view's methods are not its.

import type { Comparison } from '../core/compare/compare';

/** One checkpoint's completion of an item (null when it could not be read back), and where it is. */
export interface CompareTrace {
  completion: string | null;
  where: string;
  error?: string;
}

export interface CompareViewInit {
  title: string;
  comparison: Comparison;
  host: 'vscode' | 'report';
  /** Items whose traces the report does not carry (only shown when it holds some). */
  tracesOmitted?: number;
}

export interface CompareMethods {
  getCompareInit: { params: Record<string, never>; result: CompareViewInit };
  /** Each checkpoint's completion of the item with this key. */
  getTraces: { params: { key: string }; result: Record<string, CompareTrace> };
  /** Open one checkpoint's record of an item in a text editor (no-op in a report). */
  revealItem: { params: { key: string; checkpoint: string }; result: { revealed: boolean } };
}
