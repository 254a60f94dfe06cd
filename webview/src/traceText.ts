// A block of trace text with the format diagnostics that fall inside it underlined in place,
// and their messages listed right under it, numbered to match.

import type { TraceDiagnostic } from '../../src/core/types';
import { el } from './dom';

export interface NumberedDiagnostic {
  n: number;
  d: TraceDiagnostic;
}

/** A region of the completion shown somewhere in the view. */
export interface Block {
  /** Offsets of the displayed text in the completion. */
  start: number;
  end: number;
  /** Offsets that belong to this block without being displayed (the tags). */
  outerStart: number;
  outerEnd: number;
}

/**
 * Give every diagnostic exactly one home: the first block whose text contains it, else the
 * first block whose tags contain it, else none (shown with the format chip).
 */
export function assignDiagnostics(blocks: Block[], diags: NumberedDiagnostic[]): { byBlock: NumberedDiagnostic[][]; unplaced: NumberedDiagnostic[] } {
  const byBlock = blocks.map(() => [] as NumberedDiagnostic[]);
  const unplaced: NumberedDiagnostic[] = [];
  for (const nd of diags) {
    const { start, end } = nd.d;
    let home = blocks.findIndex((b) => (end > start ? start < b.end && end > b.start && start >= b.start : start >= b.start && start <= b.end));
    if (home < 0) home = blocks.findIndex((b) => end > start ? start < b.end && end > b.start : false);
    if (home < 0) home = blocks.findIndex((b) => start >= b.outerStart && start <= b.outerEnd);
    if (home < 0) unplaced.push(nd);
    else byBlock[home]!.push(nd);
  }
  return { byBlock, unplaced };
}

/** The text with underlines (ranges) and carets (points) for the diagnostics given. */
export function renderText(text: string, base: number, diags: NumberedDiagnostic[], testid?: string): HTMLElement {
  const pre = el('div', { class: 'trace-text', testid, attrs: { dir: 'auto' } });
  const len = text.length;
  const ranges = diags
    .map((nd) => ({ nd, s: Math.max(0, nd.d.start - base), e: Math.min(len, nd.d.end - base) }))
    .filter((r) => r.nd.d.end > r.nd.d.start && r.e > r.s);
  const points = diags
    .filter((nd) => nd.d.end === nd.d.start || !ranges.some((r) => r.nd === nd))
    .map((nd) => ({ nd, at: Math.max(0, Math.min(len, nd.d.start - base)) }));
  const cuts = new Set<number>([0, len]);
  for (const r of ranges) {
    cuts.add(r.s);
    cuts.add(r.e);
  }
  for (const p of points) cuts.add(p.at);
  const sorted = [...cuts].sort((a, b) => a - b);
  const pointsAt = (at: number) => points.filter((p) => p.at === at);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    for (const p of pointsAt(a)) {
      // The number is CSS-generated content, so the text nodes stay exactly the model's text.
      pre.appendChild(
        el('span', {
          class: ['diag-point', `sev-${p.nd.d.severity}`],
          testid: 'diag-point',
          attrs: { 'data-code': p.nd.d.code, 'data-n': p.nd.n, 'aria-label': `finding ${p.nd.n}` },
          title: p.nd.d.message,
        }),
      );
    }
    const b = sorted[i + 1];
    if (b === undefined || b <= a) continue;
    const piece = text.slice(a, b);
    const covering = ranges.filter((r) => r.s <= a && r.e >= b);
    if (covering.length === 0) {
      pre.appendChild(document.createTextNode(piece));
      continue;
    }
    const worst = covering.some((r) => r.nd.d.severity === 'error') ? 'error' : covering.some((r) => r.nd.d.severity === 'warning') ? 'warning' : 'info';
    // The number goes after the last piece of a range, where a reader's eye ends.
    const ending = covering.filter((r) => r.e === b).map((r) => r.nd.n);
    const span = el('span', {
      class: ['diag-range', `sev-${worst}`],
      testid: 'diag-underline',
      attrs: {
        'data-code': covering.map((r) => r.nd.d.code).join(' '),
        'data-n': covering.map((r) => r.nd.n).join(' '),
        'data-ends': ending.length ? ending.join(',') : undefined,
      },
      title: covering.map((r) => r.nd.d.message).join('\n'),
      text: piece,
    });
    pre.appendChild(span);
  }
  return pre;
}

export function renderDiagnosticList(diags: NumberedDiagnostic[]): HTMLElement | null {
  if (diags.length === 0) return null;
  return el(
    'ol',
    { class: 'diag-list', testid: 'diag-list' },
    diags.map((nd) =>
      el('li', { class: ['diag-item', `sev-${nd.d.severity}`], attrs: { 'data-code': nd.d.code } }, [
        el('span', { class: 'diag-num-badge', text: String(nd.n) }),
        el('span', { class: 'diag-message', text: nd.d.message }),
        el('code', { class: 'diag-code', text: nd.d.code }),
        nd.d.breaksFormat ? el('span', { class: 'diag-breaks', text: 'fails format' }) : null,
      ]),
    ),
  );
}
