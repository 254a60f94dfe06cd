// Shortcut verdicts in the trace view: one chip per modality on the Answer panel, opening to the
// evidence side by side (what the clip contains, what the trace claims, what the answer did when
// the modality was removed), and the cue timeline under the player. Everything from the model or
// the clip (sentences, OCR words, ablation answers) becomes text nodes only.

import * as d3 from 'd3';
import type { AblationBaseline, AblationResult, AblationSample, ClaimSentence, CueInventory, ModalityVerdict, ShortcutAnalysis, ShortcutModality, Verdict } from '../../src/core/shortcuts/types';
import { el, formatNumber, type Child } from './dom';
import type { Chip } from './chips';

export const VERDICT_TEXT: Record<Verdict, string> = {
  grounded: 'grounded',
  ignored: 'ignored — shortcut',
  decorative: 'decorative',
  unspoken: 'unspoken',
  unused: 'not needed',
  'not-applicable': 'n/a',
  'not-sent': 'not sent',
  undetermined: 'undetermined',
};

export const VERDICT_HELP: Record<Verdict, string> = {
  grounded: 'the answer depends on it and the trace cites it',
  ignored: 'the question needs it, but the answer does not depend on it and the trace never cites it',
  decorative: 'the trace cites it, but the answer does not depend on it (or the cited cue is not in the clip)',
  unspoken: 'the answer depends on it, but the trace never cites it',
  unused: 'not cited, not used, and nothing shows the question needs it',
  'not-applicable': 'the clip has no such stream',
  'not-sent': 'the clip has it, but the model was never given it',
  undetermined: 'not enough signal to decide',
};

const MODALITY_NAME: Record<ShortcutModality, string> = { audio: 'audio', visual: 'visual' };
/** Ablations that speak to a modality: removing it, and removing everything. */
const ABLATIONS_FOR: Record<ShortcutModality, AblationResult['kind'][]> = { audio: ['no-audio', 'text-only'], visual: ['no-video', 'text-only'] };

function yesNo(v: boolean | 'unknown'): string {
  return v === 'unknown' ? 'unknown' : v ? 'yes' : 'no';
}

function field(label: string, value: Child, testid?: string): HTMLElement {
  return el('div', { class: 'sc-field', testid }, [el('span', { class: 'muted', text: label + ' ' }), value]);
}

function sampleList(samples: AblationSample[]): HTMLElement {
  return el(
    'ol',
    { class: 'sc-samples' },
    samples.map((s) =>
      el('li', { class: s.same ? 'sc-same' : 'sc-changed', title: s.completion }, [
        el('code', { text: s.answer ?? '(no answer)' }),
        el('span', { class: 'muted', text: s.same ? ' same' : ' changed' }),
        s.correct !== undefined ? el('span', { class: 'muted', text: s.correct ? ' · correct' : ' · wrong' }) : null,
      ]),
    ),
  );
}

/** The all-media samples the sampled ablations are measured against, shown first so the rows compare. */
function baselineBlock(b: AblationBaseline): HTMLElement {
  return el('div', { class: 'sc-ablation sc-baseline', testid: 'sc-ablation-baseline', attrs: { 'data-method': 'sampled' } }, [
    el('div', {}, [
      el('span', { class: 'mono', text: 'with all media' }),
      ' ',
      el('span', { text: `answer changed in ${formatNumber(b.changeRate * 100, 0)}% of ${b.samples.length} (the model's own noise)` }),
    ]),
    b.note ? el('div', { class: 'muted small', text: b.note }) : null,
    b.samples.length ? sampleList(b.samples) : null,
    b.runFile ? el('div', { class: 'muted small mono', text: `saved: ${b.runFile}` }) : null,
  ]);
}

function ablationBlock(a: AblationResult): HTMLElement {
  const head: Child[] = [el('span', { class: 'mono', text: a.kind }), ' '];
  if (a.method === 'failed') head.push(el('span', { class: 'badge st-call-error', text: 'failed' }));
  if (a.changeRate !== undefined) head.push(el('span', { text: `answer changed in ${formatNumber(a.changeRate * 100, 0)}% of ${a.samples.length}` }));
  if (a.logprob)
    head.push(
      el('span', { text: ` · log p(answer) ${formatNumber(a.logprob.full, 2)} → ${formatNumber(a.logprob.ablated, 2)} (Δ ${formatNumber(a.logprob.delta, 2)} over ${a.logprob.tokens} tokens)` }),
    );
  return el('div', { class: 'sc-ablation', testid: `sc-ablation-${a.kind}`, attrs: { 'data-method': a.method } }, [
    el('div', {}, head),
    a.error ? el('div', { class: 'sc-error', text: a.error }) : null,
    a.note ? el('div', { class: 'muted small', text: a.note }) : null,
    a.samples.length ? sampleList(a.samples) : null,
    a.runFile ? el('div', { class: 'muted small mono', text: `saved: ${a.runFile}` }) : null,
  ]);
}

function sentenceItem(s: ClaimSentence, modality: ShortcutModality): HTMLElement {
  const tags = s.kinds.map((k) => (s.negated[k] ? `${k} (absent)` : k)).join(', ');
  return el('li', { class: 'sc-sentence' }, [
    el('span', { class: 'badge', text: tags || 'none' }),
    ' ',
    el('span', { attrs: { dir: 'auto' }, text: s.text }),
    ...s.checks.filter((c) => c.modality === modality).map((c) => el('div', { class: ['sc-check', `sc-check-${c.kind}`], text: `${c.kind}: ${c.message}` })),
  ]);
}

function inventoryBlock(modality: ShortcutModality, cues: CueInventory | undefined, analysis: ShortcutAnalysis): HTMLElement {
  if (!cues) return el('div', { class: 'muted', text: analysis.inventoryError ? `No inventory: ${analysis.inventoryError}` : 'No inventory of the clip was made.' });
  if (modality === 'audio') {
    const a = cues.audio;
    if (!a.present) return el('div', { text: 'The clip has no audio stream.' });
    return el('div', {}, [
      a.error ? el('div', { class: 'sc-error', text: `audio analysis failed: ${a.error}` }) : null,
      el('div', { text: `speech ${formatNumber(a.speechSeconds, 1)} s in ${a.speech.length} segment(s)` }),
      el('div', { text: `other sound ${formatNumber(a.soundSeconds, 1)} s · silence ${formatNumber(a.silenceSeconds, 1)} s` }),
    ]);
  }
  const v = cues.visual;
  if (!v.present) return el('div', { text: 'The clip has no video stream.' });
  return el('div', {}, [
    v.error ? el('div', { class: 'sc-error', text: `visual analysis failed: ${v.error}` }) : null,
    el('div', { text: `${v.isStatic ? 'static picture' : 'moving picture'} · ${v.sceneChanges.length} scene change(s)` }),
    v.textTracks.length
      ? el(
          'ul',
          { class: 'sc-ocr' },
          v.textTracks
            .slice(0, 12)
            .map((t) => el('li', {}, [el('span', { class: 'muted mono', text: `${formatNumber(t.start, 1)}–${formatNumber(t.end, 1)}s ` }), el('span', { attrs: { dir: 'auto' }, text: t.text })])),
        )
      : el('div', { class: 'muted', text: 'no on-screen text found' }),
  ]);
}

function evidence(v: ModalityVerdict, analysis: ShortcutAnalysis, cues: CueInventory | undefined): HTMLElement {
  const claimed = v.claimed.sentences.map((i) => analysis.sentences[i]).filter((s): s is ClaimSentence => !!s);
  const ablations = analysis.ablations.filter((a) => ABLATIONS_FOR[v.modality].includes(a.kind));
  // One baseline per rollout, shared by the sampled kinds.
  const baseline = ablations.find((a) => a.baseline)?.baseline;
  const baselineError = baseline ? undefined : ablations.find((a) => a.baselineError)?.baselineError;
  return el('div', { class: 'chip-detail sc-detail', testid: `sc-detail-${v.modality}`, attrs: { hidden: true } }, [
    el('div', { class: 'chip-detail-title' }, [
      el('span', { class: 'chip-detail-name', text: `${MODALITY_NAME[v.modality]}: ${VERDICT_TEXT[v.verdict]}` }),
      el('span', { class: 'muted', text: `confidence ${v.confidence}` }),
    ]),
    el('p', { class: 'chip-explanation', testid: `sc-reason-${v.modality}`, text: v.reason }),
    analysis.findings.length
      ? el(
          'ul',
          { class: 'sc-findings' },
          analysis.findings.map((f) => el('li', { text: f })),
        )
      : null,
    el('div', { class: 'sc-grid' }, [
      el('section', { class: 'sc-col', testid: `sc-inventory-${v.modality}` }, [
        el('h4', { text: 'In the clip' }),
        field('available', yesNo(v.available)),
        inventoryBlock(v.modality, cues, analysis),
        field('needed', `${yesNo(v.needed.value)} (${v.needed.from})`),
        el('div', { class: 'muted small', text: v.needed.detail }),
      ]),
      el('section', { class: 'sc-col', testid: `sc-claims-${v.modality}` }, [
        el('h4', { text: 'In the trace' }),
        field('cited', yesNo(v.claimed.value)),
        claimed.length
          ? el(
              'ol',
              { class: 'sc-sentences' },
              claimed.map((s) => sentenceItem(s, v.modality)),
            )
          : el('div', { class: 'muted', text: 'no sentence cites it' }),
        // Findings not tied to a listed sentence (e.g. "no audio claimed although there is speech").
        ...v.claimed.findings
          .filter((c) => !claimed.some((s) => s.checks.some((k) => k.kind === c.kind && k.message === c.message)))
          .map((c) => el('div', { class: ['sc-check', `sc-check-${c.kind}`], text: `${c.kind}: ${c.message}` })),
      ]),
      el('section', { class: 'sc-col', testid: `sc-ablations-${v.modality}` }, [
        el('h4', { text: 'Without it' }),
        field('answer depends on it', `${yesNo(v.used.value)} (${v.used.from})`),
        el('div', { class: 'muted small', text: v.used.detail }),
        baseline ? baselineBlock(baseline) : null,
        baselineError ? el('div', { class: 'muted small', testid: 'sc-baseline-error', text: `no all-media baseline: ${baselineError}` }) : null,
        ...(ablations.length ? ablations.map(ablationBlock) : [el('div', { class: 'muted', text: analysis.ablationNote ?? 'no ablation was run' })]),
      ]),
    ]),
  ]);
}

/** The per-modality chips for the Answer panel (empty when the rollout was not analysed). */
export function shortcutChips(analysis: ShortcutAnalysis | undefined, cues: CueInventory | undefined): Chip[] {
  if (!analysis) return [];
  return (['audio', 'visual'] as const).map((m) => {
    const v = analysis[m];
    const detail = evidence(v, analysis, cues);
    const chip = el(
      'button',
      {
        class: ['chip', 'sc-chip', `sc-${v.verdict}`, `sc-conf-${v.confidence}`],
        testid: `chip-shortcut-${m}`,
        attrs: { type: 'button', 'aria-expanded': 'false', 'data-verdict': v.verdict, 'data-confidence': v.confidence },
        title: `${VERDICT_HELP[v.verdict]} (confidence ${v.confidence})`,
      },
      [
        el('span', { class: 'chip-name', text: m }),
        el('span', { class: 'chip-value', text: VERDICT_TEXT[v.verdict] }),
        v.confidence === 'low' ? el('span', { class: 'chip-quirk-mark', text: '?', attrs: { 'aria-label': 'low confidence' } }) : null,
      ],
    );
    chip.addEventListener('click', () => {
      const open = chip.getAttribute('aria-expanded') !== 'true';
      chip.setAttribute('aria-expanded', String(open));
      detail.hidden = !open;
    });
    return { chip, detail };
  });
}

/** A line under the player when the rollout's analysis failed as a whole. */
export function shortcutErrorNote(error: string | undefined): HTMLElement | null {
  return error ? el('div', { class: 'sc-error', testid: 'shortcut-error', text: `Shortcut analysis: ${error}` }) : null;
}

const LANES = ['speech', 'sound', 'loudness', 'text', 'scene'] as const;
const LANE_H = 14;
const LABEL_W = 58;

/**
 * The cue timeline: speech and other-sound spans, the loudness envelope, on-screen text spans
 * (their words in the tooltip and the label) and scene changes. Clicking seeks the player; a
 * playhead follows it. Times are the inventory's (from the analysed range's start).
 */
export function renderCueTimeline(cues: CueInventory, player: HTMLMediaElement | null, width = 420): HTMLElement {
  const offset = cues.range?.start ?? 0;
  const duration = Math.max(0.001, cues.range ? cues.range.end - cues.range.start : cues.clip.duration);
  const x = d3
    .scaleLinear()
    .domain([0, duration])
    .range([LABEL_W, width - 4]);
  const height = LANES.length * LANE_H + 16;
  const wrap = el('div', { class: 'cue-timeline', testid: 'cue-timeline' });
  const svg = d3.select(wrap).append('svg').attr('width', width).attr('height', height).attr('role', 'img').attr('aria-label', 'Cues found in the clip over time');
  const laneY = (lane: (typeof LANES)[number]) => LANES.indexOf(lane) * LANE_H;
  for (const lane of LANES)
    svg
      .append('text')
      .attr('class', 'cue-lane-label')
      .attr('x', 0)
      .attr('y', laneY(lane) + LANE_H - 4)
      .text(lane);

  const spans = (lane: (typeof LANES)[number], items: { start: number; end: number; title: string }[]) =>
    svg
      .append('g')
      .attr('data-testid', `cue-lane-${lane}`)
      .selectAll('rect')
      .data(items)
      .join('rect')
      .attr('class', `cue-span cue-${lane}`)
      .attr('x', (d) => x(d.start))
      .attr('y', laneY(lane) + 2)
      .attr('width', (d) => Math.max(1.5, x(d.end) - x(d.start)))
      .attr('height', LANE_H - 4)
      .append('title')
      .text((d) => d.title);

  const a = cues.audio;
  const v = cues.visual;
  if (a.present) {
    spans(
      'speech',
      a.speech.map((s) => ({ ...s, title: `speech ${formatNumber(s.start, 1)}–${formatNumber(s.end, 1)} s (p ${formatNumber(s.prob, 2)})` })),
    );
    spans(
      'sound',
      a.sounds.map((s) => ({ ...s, title: `sound ${formatNumber(s.start, 1)}–${formatNumber(s.end, 1)} s, ${formatNumber(s.db, 0)} dBFS` })),
    );
    if (a.envelope.length > 1) {
      const y = d3
        .scaleLinear()
        .domain([-70, 0])
        .range([laneY('loudness') + LANE_H - 1, laneY('loudness') + 1])
        .clamp(true);
      const line = d3
        .line<number>()
        .x((_, i) => x(i * a.envelopeStep))
        .y((d) => y(d));
      svg
        .append('path')
        .attr('class', 'cue-envelope')
        .attr('d', line(a.envelope) ?? '');
    }
  } else {
    svg
      .append('text')
      .attr('class', 'cue-absent')
      .attr('x', LABEL_W)
      .attr('y', laneY('speech') + LANE_H - 4)
      .text(a.error ? 'audio not analysed' : 'no audio stream');
  }
  if (v.present) {
    const step = v.fps > 0 ? 1 / v.fps : 1;
    spans(
      'text',
      v.textTracks.map((t) => ({ start: t.start, end: Math.max(t.end, t.start + step), title: `“${t.text}” ${formatNumber(t.start, 1)}–${formatNumber(t.end, 1)} s` })),
    );
    svg
      .append('g')
      .attr('data-testid', 'cue-lane-scene')
      .selectAll('line')
      .data(v.sceneChanges)
      .join('line')
      .attr('class', 'cue-scene')
      .attr('x1', (t) => x(t))
      .attr('x2', (t) => x(t))
      .attr('y1', laneY('scene') + 1)
      .attr('y2', laneY('scene') + LANE_H - 1)
      .append('title')
      .text((t) => `scene change at ${formatNumber(t, 1)} s`);
  } else {
    svg
      .append('text')
      .attr('class', 'cue-absent')
      .attr('x', LABEL_W)
      .attr('y', laneY('text') + LANE_H - 4)
      .text(v.error ? 'video not analysed' : 'no video stream');
  }
  const axis = d3
    .axisBottom(x)
    .ticks(Math.min(8, Math.ceil(duration)))
    .tickSizeOuter(0)
    .tickFormat((d) => `${d}s`);
  svg
    .append('g')
    .attr('class', 'cue-axis')
    .attr('transform', `translate(0,${LANES.length * LANE_H})`)
    .call(axis);

  const head = svg
    .append('line')
    .attr('class', 'cue-playhead')
    .attr('y1', 0)
    .attr('y2', LANES.length * LANE_H)
    .attr('x1', x(0))
    .attr('x2', x(0));
  if (player) {
    player.addEventListener('timeupdate', () => {
      const t = Math.min(duration, Math.max(0, player.currentTime - offset));
      head.attr('x1', x(t)).attr('x2', x(t));
    });
    svg.on('click', (event: MouseEvent) => {
      const [px] = d3.pointer(event);
      if (px < LABEL_W) return;
      player.currentTime = offset + Math.max(0, Math.min(duration, x.invert(px)));
    });
  }
  const words = v.textTracks.map((t) => t.text).filter(Boolean);
  return el('div', {}, [
    wrap,
    el('div', {
      class: 'muted small',
      testid: 'cue-summary',
      text:
        cueSummaryText(cues) +
        (words.length
          ? ` · on screen: ${words
              .slice(0, 4)
              .map((w) => `“${w}”`)
              .join(', ')}${words.length > 4 ? '…' : ''}`
          : ''),
    }),
  ]);
}

export function cueSummaryText(cues: CueInventory): string {
  const parts: string[] = [];
  const a = cues.audio;
  parts.push(!a.present ? 'no audio' : a.error ? 'audio: analysis failed' : `speech ${formatNumber(a.speechSeconds, 1)} s, sound ${formatNumber(a.soundSeconds, 1)} s`);
  const v = cues.visual;
  parts.push(!v.present ? 'no video' : v.error ? 'video: analysis failed' : `${v.textTracks.length} on-screen text span(s), ${v.sceneChanges.length} scene change(s)${v.isStatic ? ', static' : ''}`);
  return parts.join(' · ');
}
