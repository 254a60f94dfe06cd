// A block of trace text with the format diagnostics that fall inside it underlined in place,
// and their messages listed right under it, numbered to match.

import type { TraceDiagnostic } from '../../src/core/types';
import type { ModalityTag } from '../../src/core/modality';
import { el } from './dom';
import { INVISIBLE_RE, classifyInvisible, codePointLabel } from '../../src/core/invisibleChars';

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
    if (home < 0) home = blocks.findIndex((b) => (end > start ? start < b.end && end > b.start : false));
    if (home < 0) home = blocks.findIndex((b) => start >= b.outerStart && start <= b.outerEnd);
    if (home < 0) unplaced.push(nd);
    else byBlock[home]!.push(nd);
  }
  return { byBlock, unplaced };
}

/** A sentence coloured by the modalities it cites; offsets into the completion. */
export interface SentenceMark {
  start: number;
  end: number;
  tags: ModalityTag[];
}

/** One sentence's span: data-modality lists what it cites ("none" when nothing), data-negated what it cites as absent. */
function sentenceSpan(mark: SentenceMark): HTMLElement {
  const mods = mark.tags.map((t) => t.modality);
  const negated = mark.tags.filter((t) => t.negated).map((t) => t.modality);
  const classes: string[] = ['modality-sentence'];
  mark.tags.forEach((t, i) => {
    classes.push(`m${i + 1}-${t.modality}`);
    if (t.negated) classes.push(`m${i + 1}-neg`);
  });
  if (mark.tags.length > 0 && mark.tags.some((t) => !t.negated)) classes.push(`tint-${mark.tags.find((t) => !t.negated)!.modality}`);
  return el('span', {
    class: classes,
    testid: 'modality-sentence',
    attrs: {
      'data-modality': mods.length ? mods.join(' ') : 'none',
      'data-negated': negated.length ? negated.join(' ') : undefined,
    },
    title: mark.tags.length ? mark.tags.map((t) => `${t.negated ? 'no ' : ''}${t.modality}: ${t.cues.join(', ')}`).join('\n') : undefined,
  });
}

/**
 * The text with underlines (ranges) and carets (points) for the diagnostics given and, when
 * `sentences` are given, each sentence wrapped in a span coloured by its modalities. Sentences
 * never overlap each other; a diagnostic range that crosses a sentence boundary is split into
 * one underline per piece (the finding number goes on the last piece). Only text nodes carry
 * the model's text.
 */
export function renderText(text: string, base: number, diags: NumberedDiagnostic[], testid?: string, sentences: SentenceMark[] = []): HTMLElement {
  const pre = el('div', { class: 'trace-text', testid, attrs: { dir: 'auto' } });
  const len = text.length;
  const ranges = diags.map((nd) => ({ nd, s: Math.max(0, nd.d.start - base), e: Math.min(len, nd.d.end - base) })).filter((r) => r.nd.d.end > r.nd.d.start && r.e > r.s);
  const points = diags.filter((nd) => nd.d.end === nd.d.start || !ranges.some((r) => r.nd === nd)).map((nd) => ({ nd, at: Math.max(0, Math.min(len, nd.d.start - base)) }));
  // Sentences, in local offsets, clipped to the text, in order and without overlaps.
  const marks: { s: number; e: number; mark: SentenceMark }[] = [];
  for (const m of [...sentences].sort((a, b) => a.start - b.start)) {
    const s = Math.max(0, m.start - base);
    const e = Math.min(len, m.end - base);
    if (e <= s || (marks.length && s < marks[marks.length - 1]!.e)) continue;
    marks.push({ s, e, mark: m });
  }
  const cuts = new Set<number>([0, len]);
  for (const r of ranges) {
    cuts.add(r.s);
    cuts.add(r.e);
  }
  for (const p of points) cuts.add(p.at);
  for (const m of marks) {
    cuts.add(m.s);
    cuts.add(m.e);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const pointsAt = (at: number) => points.filter((p) => p.at === at);
  let mi = 0;
  let open: { e: number; node: HTMLElement } | undefined;
  /** Where content at offset `a` goes: the sentence span covering it, else the block. */
  const containerAt = (a: number): HTMLElement => {
    if (open && a >= open.e) open = undefined;
    while (mi < marks.length && marks[mi]!.e <= a) mi++;
    const m = marks[mi];
    if (!open && m && m.s <= a && a < m.e) {
      open = { e: m.e, node: sentenceSpan(m.mark) };
      pre.appendChild(open.node);
    }
    return open ? open.node : pre;
  };
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1];
    const here = pointsAt(a);
    if (here.length) {
      const into = containerAt(a);
      for (const p of here) {
        // The number is CSS-generated content, so the text nodes stay exactly the model's text.
        into.appendChild(
          el('span', {
            class: ['diag-point', `sev-${p.nd.d.severity}`],
            testid: 'diag-point',
            attrs: { 'data-code': p.nd.d.code, 'data-n': p.nd.n, 'aria-label': `finding ${p.nd.n}` },
            title: p.nd.d.message,
          }),
        );
      }
    }
    if (b === undefined || b <= a) continue;
    const into = containerAt(a);
    const piece = text.slice(a, b);
    const covering = ranges.filter((r) => r.s <= a && r.e >= b);
    if (covering.length === 0) {
      into.appendChild(visibleText(piece));
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
    });
    span.appendChild(visibleText(piece));
    into.appendChild(span);
  }
  return pre;
}

/**
 * Model text with its bidi controls and invisible characters shown, as VS Code's editor shows
 * them. Each stays in the DOM as itself (so copying gives exactly what the model emitted) inside
 * an isolating span (so a bidi override cannot reorder the text around it); its label is
 * CSS-generated content, which is never copied.
 */
export function visibleText(text: string): Node {
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const m of text.matchAll(INVISIBLE_RE)) {
    if (m.index > at) frag.appendChild(document.createTextNode(text.slice(at, m.index)));
    const c = classifyInvisible(m[0]);
    frag.appendChild(
      el('span', {
        class: ['invisible-char', `invisible-${c.kind}`],
        testid: 'invisible-char',
        attrs: { 'data-label': c.label, 'data-cp': codePointLabel(c.codePoint) },
        title: `${codePointLabel(c.codePoint)} ${c.label}: ${c.kind === 'bidi' ? 'bidi control (reorders the text around it)' : c.kind === 'control' ? 'control character' : c.kind === 'tag' ? 'Unicode tag (hidden text)' : 'invisible character'}`,
        text: m[0],
      }),
    );
    at = m.index + m[0].length;
  }
  if (at < text.length) frag.appendChild(document.createTextNode(text.slice(at)));
  return frag;
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
