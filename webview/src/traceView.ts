// One rollout read the way the model wrote it: a header (identity, question, clip, format and
// other header rewards, GRPO group), then Context / Think / Answer panels carrying the rewards
// that score them, with format problems shown where they occur.

import type { RolloutDetail, RewardPlacement, ViewInit } from '../../src/protocol/messages';
import { DEFAULT_REWARD_PLACEMENT } from '../../src/protocol/messages';
import type { ParsedTrace, SectionKind, TraceSegment } from '../../src/core/types';
import { el, formatNumber, type Child } from './dom';
import { rewardChip, type Chip } from './chips';
import { renderMedia } from './media';
import type { PartialAdvantages, PartialRewardSpans } from '../../src/core/grpo';
import { countInvisible } from '../../src/core/invisibleChars';
import { assignDiagnostics, renderDiagnosticList, renderText, type Block, type NumberedDiagnostic, type SentenceMark } from './traceText';
import { MODALITIES, type Modality, type RolloutModalities } from '../../src/core/modality';
import { renderCueTimeline, shortcutChips, shortcutErrorNote } from './shortcutView';

const KINDS: SectionKind[] = ['context', 'think', 'answer'];
const TITLES: Record<SectionKind, string> = { context: 'Context', think: 'Think', answer: 'Answer' };

export interface TraceViewOptions {
  init: ViewInit;
  showReference: boolean;
  onReveal(index: number): void;
  onToggleReference(show: boolean): void;
  /** Colour Context and Think sentences by the modality they cite (default on). */
  modalityColours?: boolean;
  onToggleModalityColours?(on: boolean): void;
}

const MODALITY_LABELS: Record<Modality, string> = { visual: 'visual (seen)', audio: 'audio (heard)', speech: 'speech (said)', text: 'text (read)' };

/** The sentence marks of one section, in completion offsets, when the modality result covers it. */
function sentenceMarks(modality: RolloutModalities | undefined, seg: TraceSegment | undefined): SentenceMark[] {
  if (!modality || !seg) return [];
  const sec = modality.sections.find((s) => s.kind === seg.kind && s.base === seg.start);
  return sec ? sec.sentences.map((x) => ({ start: sec.base + x.start, end: sec.base + x.end, tags: x.tags })) : [];
}

/** Legend, counts, the colouring toggle and what could not be decided. */
function renderModalityBar(modality: RolloutModalities, opts: TraceViewOptions, root: () => HTMLElement | undefined): HTMLElement {
  const box = el('input', { testid: 'toggle-modality', attrs: { type: 'checkbox' } });
  box.checked = opts.modalityColours !== false;
  box.addEventListener('change', () => {
    root()?.classList.toggle('modality-off', !box.checked);
    opts.onToggleModalityColours?.(box.checked);
  });
  return el('div', { class: 'modality-bar', testid: 'modality-bar' }, [
    el('label', { class: 'ref-toggle' }, [box, 'colour sentences by modality']),
    el(
      'span',
      { class: 'modality-legend', testid: 'modality-legend' },
      MODALITIES.map((m) => {
        const c = modality.counts[m];
        const count = `${c.cited}${c.negated ? ` + ${c.negated} absent` : ''}`;
        return el('span', { class: ['legend-item', `legend-${m}`], attrs: { 'data-modality': m }, title: `${c.cited} sentence(s) cite ${m}; ${c.negated} say it is absent` }, [
          el('span', { class: 'legend-swatch' }),
          `${MODALITY_LABELS[m]} `,
          el('span', { class: 'muted mono', text: count }),
        ]);
      }).concat([
        el('span', { class: 'legend-item legend-negated', title: 'A dashed marker: the sentence says the modality is absent ("there is no music")' }, [
          el('span', { class: 'legend-swatch' }),
          'absent',
        ]),
      ]),
    ),
    modality.notes.length ? el('span', { class: 'muted small', testid: 'modality-notes', text: modality.notes.join('; ') }) : null,
  ]);
}

export function placementOf(reward: string, init: ViewInit): RewardPlacement {
  return init.rewardPlacement?.[reward] ?? DEFAULT_REWARD_PLACEMENT[reward] ?? 'header';
}

function chipRow(chips: Chip[], testid: string): HTMLElement | null {
  if (chips.length === 0) return null;
  return el('div', { class: 'chip-area', testid }, [
    el(
      'div',
      { class: 'chip-row' },
      chips.map((c) => c.chip),
    ),
    ...chips.map((c) => c.detail),
  ]);
}

function outsideLabel(span: { start: number; end: number }, segments: TraceSegment[]): string {
  const before = [...segments].reverse().find((s) => s.outerEnd <= span.start);
  const after = segments.find((s) => s.outerStart >= span.end);
  if (!before) return after ? `before <${after.openTag.replace(/[<>]/g, '')}>` : 'no sections at all';
  if (!after) return `after </${before.kind}>`;
  return `between </${before.kind}> and <${after.kind}>`;
}

export function renderTraceView(detail: RolloutDetail, opts: TraceViewOptions): HTMLElement {
  const { scored } = detail;
  const { record, trace, rewards, group } = scored;
  const init = opts.init;
  const hasReference = !!scored.referenceTrace && scored.referenceTrace.segments.length > 0;
  const showRef = opts.showReference && hasReference;

  // Diagnostics are numbered once, in document order, so markers and lists agree everywhere.
  const numbered: NumberedDiagnostic[] = [...trace.diagnostics].sort((a, b) => a.start - b.start || a.end - b.end).map((d, i) => ({ n: i + 1, d }));

  const firsts = KINDS.map((k) => trace[k] ?? trace.segments.find((s) => s.kind === k && s.occurrence === 0) ?? trace.segments.find((s) => s.kind === k));
  // By position, not identity: after a JSON round trip (postMessage) `trace.context` is a copy of its segment.
  const repeats = KINDS.map((k, i) => trace.segments.filter((s) => s.kind === k && s.outerStart !== firsts[i]?.outerStart));
  const blockOf = (s: { start: number; end: number; outerStart?: number; outerEnd?: number }): Block => ({
    start: s.start,
    end: s.end,
    outerStart: s.outerStart ?? s.start,
    outerEnd: s.outerEnd ?? s.end,
  });
  const blocks: Block[] = [];
  const outsideBase = blocks.length;
  for (const o of trace.outside) blocks.push(blockOf(o));
  const firstBase = blocks.length;
  for (const f of firsts) blocks.push(f ? blockOf(f) : { start: -1, end: -1, outerStart: -1, outerEnd: -1 });
  const repeatBase: number[] = [];
  for (const list of repeats) {
    repeatBase.push(blocks.length);
    for (const r of list) blocks.push(blockOf(r));
  }
  const { byBlock, unplaced } = assignDiagnostics(blocks, numbered);

  // Rewards by where they sit.
  const chipsAt: Record<RewardPlacement, Chip[]> = { header: [], context: [], think: [], answer: [] };
  const names = Object.keys(rewards).sort((a, b) => (a === 'format' ? -1 : b === 'format' ? 1 : 0));
  for (const name of names) chipsAt[placementOf(name, init)].push(rewardChip(name, rewards[name]!));
  // Whether the answer rests on the clip is a property of the answer: its verdicts sit there.
  chipsAt.answer.push(...shortcutChips(detail.shortcut, detail.cues));

  const header = renderHeader(detail, opts, chipsAt.header, unplaced, hasReference, showRef);

  const outsideStrip =
    trace.outside.length > 0
      ? el('section', { class: 'outside-strip', testid: 'outside-strip' }, [
          el('div', { class: 'outside-title', text: 'Text outside any section' }),
          ...trace.outside.map((o, i) =>
            el('div', { class: 'outside-item' }, [
              el('div', { class: 'outside-where', text: outsideLabel(o, trace.segments) }),
              renderText(o.text, o.start, byBlock[outsideBase + i]!, 'outside-text'),
              renderDiagnosticList(byBlock[outsideBase + i]!),
            ]),
          ),
        ])
      : null;

  const panels = KINDS.map((kind, i) =>
    renderPanel({
      kind,
      seg: firsts[i],
      diags: byBlock[firstBase + i]!,
      repeats: repeats[i]!.map((r, j) => ({ seg: r, diags: byBlock[repeatBase[i]! + j]! })),
      chips: chipsAt[kind],
      reference: showRef ? scored.referenceTrace : undefined,
      sentences: sentenceMarks(detail.modality, firsts[i]),
    }),
  );

  let article: HTMLElement | undefined;
  if (detail.modality) header.appendChild(renderModalityBar(detail.modality, opts, () => article));
  article = el('article', { class: ['trace-view', opts.modalityColours === false ? 'modality-off' : null], testid: 'trace-view', attrs: { 'data-index': record.index } }, [
    header,
    outsideStrip,
    el('div', { class: ['panels', showRef ? 'with-reference' : null] }, panels),
    group === undefined && record.recordedAdvantage !== undefined ? el('div', { class: 'muted footnote', text: `recorded advantage ${formatNumber(record.recordedAdvantage)}` }) : null,
  ]);
  return article;
}

function renderHeader(detail: RolloutDetail, opts: TraceViewOptions, chips: Chip[], unplaced: NumberedDiagnostic[], hasReference: boolean, showRef: boolean): HTMLElement {
  const { scored } = detail;
  const { record, group } = scored;
  const init = opts.init;
  const where = `${basename(record.source.file)}${record.source.line !== undefined ? `:${record.source.line}` : record.source.recordIndex !== undefined ? ` #${record.source.recordIndex}` : ''}`;
  let sourceNode: HTMLElement;
  if (init.host === 'vscode') {
    sourceNode = el('button', { class: 'link', testid: 'source-link', attrs: { type: 'button' }, text: where, title: `Open ${record.source.file} at this record` });
    sourceNode.addEventListener('click', () => opts.onReveal(record.index));
  } else {
    sourceNode = el('span', { class: 'mono muted', testid: 'source-link', text: where, title: record.source.file });
  }
  const refToggle = hasReference
    ? el('label', { class: 'ref-toggle' }, [
        (() => {
          const box = el('input', { testid: 'toggle-reference', attrs: { type: 'checkbox' } });
          box.checked = showRef;
          box.addEventListener('change', () => opts.onToggleReference(box.checked));
          return box;
        })(),
        'show reference',
      ])
    : el('span', { class: 'muted small', text: 'no reference solution' });

  const q = record.question;
  return el('header', { class: 'trace-header', testid: 'trace-header' }, [
    el('div', { class: 'trace-title-row' }, [
      el('h2', { class: 'trace-title' }, [el('span', { class: 'muted', text: `#${record.index}` }), ' ', el('span', { testid: 'trace-id', text: record.id ?? '(no id)' })]),
      sourceNode,
      q.problemType ? el('span', { class: 'badge type-badge', testid: 'trace-problem-type', text: q.problemType }) : null,
      ...(detail.modality?.badges ?? []).map((b) => el('span', { class: 'badge modality-badge', testid: 'modality-badge', attrs: { 'data-code': b.code }, text: b.label, title: b.detail })),
      invisibleBadge(record.completion),
      record.checkpoint ? el('span', { class: 'muted small', text: record.checkpoint }) : null,
      record.step !== undefined ? el('span', { class: 'muted small', text: `step ${record.step}` }) : null,
      el('span', { class: 'spacer' }),
      refToggle,
    ]),
    el('div', { class: 'trace-question-row' }, [
      el('div', { class: 'question-block' }, [
        el('div', { class: 'question', testid: 'trace-question', attrs: { dir: 'auto' }, text: q.problem ?? '(no question recorded)' }),
        q.options && q.options.length
          ? el(
              'ul',
              { class: 'options', testid: 'trace-options' },
              q.options.map((o) => el('li', { attrs: { dir: 'auto' }, text: o })),
            )
          : null,
        record.reference.answer !== undefined
          ? el('div', { class: 'reference-answer' }, [el('span', { class: 'muted', text: 'reference answer ' }), el('code', { text: record.reference.answer })])
          : null,
      ]),
      el('div', { class: 'media-block' }, [...mediaWithCues(detail), shortcutErrorNote(detail.shortcutError)]),
    ]),
    chipRow(chips, 'chips-header'),
    unplaced.length ? el('div', { class: 'header-diags' }, [el('div', { class: 'muted small', text: 'Format findings not tied to a section' }), renderDiagnosticList(unplaced)]) : null,
    group ? renderGroup(group) : null,
    detail.partialAdvantages && detail.partialSpans ? renderPartialSpans(detail.partialAdvantages, detail.partialSpans) : null,
    detail.markov ? renderMarkov(detail.markov) : null,
  ]);
}

/** How many bidi controls and invisible characters the completion holds: each is marked in place. */
function invisibleBadge(completion: string): HTMLElement | null {
  const n = countInvisible(completion);
  if (n.total === 0) return null;
  const parts = [n.bidi ? `${n.bidi} bidi control${n.bidi === 1 ? '' : 's'}` : '', n.invisible ? `${n.invisible} invisible character${n.invisible === 1 ? '' : 's'}` : ''].filter(Boolean);
  return el('span', {
    class: ['badge', 'invisible-badge', n.bidi ? 'has-bidi' : false],
    testid: 'invisible-count',
    attrs: { 'data-count': n.total },
    text: `⚠ ${parts.join(', ')}`,
    title: 'Marked in the panels with their code points; copying the text still gives exactly what the model emitted.',
  });
}

/** The player, and under it the clip's cue timeline when an analysis made one. */
function mediaWithCues(detail: RolloutDetail): HTMLElement[] {
  const player = renderMedia(detail.media, detail.scored.record.clip);
  if (!detail.cues) return [player];
  return [player, renderCueTimeline(detail.cues, player.querySelector<HTMLMediaElement>('video, audio'))];
}

function renderGroup(g: NonNullable<RolloutDetail['scored']['group']>): HTMLElement {
  const item = (label: string, value: string, testid?: string) =>
    el('span', { class: 'group-item', testid }, [el('span', { class: 'muted', text: label }), ' ', el('span', { class: 'mono', text: value })]);
  return el('div', { class: ['group-info', g.zeroVariance && g.size > 1 ? 'zero-var' : null], testid: 'group-info' }, [
    item('group', g.id.length > 48 ? g.id.slice(0, 47) + '…' : g.id),
    item('size', String(g.size)),
    item('mean', formatNumber(g.mean, 3)),
    item('std', formatNumber(g.std, 3)),
    item('total', g.total === null ? 'none' : formatNumber(g.total, 3)),
    item('advantage', g.advantage === null ? 'none' : (g.advantage > 0 ? '+' : '') + formatNumber(g.advantage, 3), 'group-advantage'),
    g.scaleRewards ? el('span', { class: 'muted small', text: '(scaled by std)' }) : null,
    g.zeroVariance && g.size > 1
      ? el('span', { class: 'badge zero-var-badge', testid: 'zero-variance', text: 'ZERO-VARIANCE', title: 'All totals in this group are equal: no learning signal' })
      : null,
    g.note ? el('span', { class: 'muted small group-note', text: g.note }) : null,
  ]);
}

const signed = (v: number | null) => (v === null ? 'unknown' : (v > 0 ? '+' : '') + formatNumber(v, 3));

/**
 * How the judged (partial) rewards become token advantages: what the published trainer adds on
 * which span, beside what its intent describes. A researcher reading the code expects the second.
 */
function renderPartialSpans(adv: PartialAdvantages, spans: PartialRewardSpans): HTMLElement {
  const row = (label: string, list: typeof spans.published) =>
    el('div', { class: 'partial-row' }, [
      el('span', { class: 'muted', text: label }),
      ...list.map((sp) => el('span', { class: 'partial-span mono', title: sp.description, text: `${sp.reward}: chars ${sp.start}–${sp.end} ${signed(sp.added)}` })),
    ]);
  return el('div', { class: 'partial-spans', testid: 'partial-spans' }, [
    el('div', { class: 'muted small', text: `Partial rewards as span advantages (base advantage ${signed(adv.total)})` }),
    row('published trainer', spans.published),
    row('intended', spans.intended),
    ...spans.notes.map((n) => el('div', { class: 'muted small', text: n })),
  ]);
}

/**
 * What HumanOmniV2's optional "markov" gating would do to this rollout (low context zeroes
 * accuracy and logic; low logic zeroes accuracy). Shown once a judged reward exists.
 */
function renderMarkov({ gated, notes, why }: NonNullable<RolloutDetail['markov']>): HTMLElement {
  const text = gated.length
    ? `With markov gating the trainer would zero ${gated.join(' and ')} (${why.join('; ')}).`
    : notes.length
      ? 'Markov gating (if enabled):'
      : 'Markov gating (if enabled) would change nothing here.';
  return el('div', { class: 'partial-spans', testid: 'markov' }, [el('div', { text }), ...notes.map((n) => el('div', { class: 'muted small', text: n }))]);
}

interface PanelInput {
  kind: SectionKind;
  seg: TraceSegment | undefined;
  diags: NumberedDiagnostic[];
  repeats: { seg: TraceSegment; diags: NumberedDiagnostic[] }[];
  chips: Chip[];
  reference: ParsedTrace | undefined;
  sentences: SentenceMark[];
}

function renderPanel(p: PanelInput): HTMLElement {
  const { kind, seg } = p;
  const title = el('div', { class: 'panel-title' }, [
    el('span', { class: 'panel-name', text: TITLES[kind] }),
    seg && seg.openTag !== `<${kind}>` ? el('code', { class: 'tag-note', text: `written as ${seg.openTag}` }) : null,
    seg && !seg.closed ? el('span', { class: 'badge unclosed', testid: 'unclosed', text: '(unclosed)' }) : null,
    el('span', { class: 'spacer' }),
    p.chips.length
      ? el(
          'div',
          { class: 'chip-row' },
          p.chips.map((c) => c.chip),
        )
      : null,
  ]);
  const body: Child[] = [];
  if (seg) {
    body.push(seg.text.trim() === '' ? el('div', { class: 'placeholder', text: `empty <${kind}> section` }) : renderText(seg.text, seg.start, p.diags, `text-${kind}`, p.sentences));
    if (seg.text.trim() === '' && p.diags.length) body.push(renderText(seg.text, seg.start, p.diags));
  } else {
    body.push(el('div', { class: 'placeholder', testid: `missing-${kind}`, text: `no <${kind}> section` }));
  }
  body.push(renderDiagnosticList(p.diags));
  if (p.repeats.length) {
    const n = p.repeats.length;
    body.push(
      el('details', { class: 'repeats', testid: `repeats-${kind}` }, [
        el('summary', { text: `${n} more <${kind}> section${n === 1 ? '' : 's'}` }),
        ...p.repeats.map((r, i) =>
          el('div', { class: 'repeat' }, [
            el('div', { class: 'muted small', text: `occurrence ${i + 2}${r.seg.closed ? '' : ' (unclosed)'}` }),
            renderText(r.seg.text, r.seg.start, r.diags),
            renderDiagnosticList(r.diags),
          ]),
        ),
      ]),
    );
  }
  const main = el('div', { class: 'panel-main' }, body);
  let content: HTMLElement = main;
  if (p.reference) {
    const ref = p.reference[kind] ?? p.reference.segments.find((s) => s.kind === kind);
    content = el('div', { class: 'panel-split' }, [
      main,
      el('div', { class: 'panel-reference', testid: `reference-${kind}` }, [
        el('div', { class: 'muted small', text: 'reference' }),
        ref ? el('div', { class: 'trace-text', attrs: { dir: 'auto' }, text: ref.text }) : el('div', { class: 'placeholder', text: `reference has no <${kind}> section` }),
      ]),
    ]);
  }
  const chipDetails = p.chips.map((c) => c.detail);
  return el('section', { class: ['panel', `panel-${kind}`, seg ? null : 'missing'], testid: `panel-${kind}` }, [
    title,
    chipDetails.length ? el('div', { class: 'chip-area' }, chipDetails) : null,
    content,
  ]);
}

function basename(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}
