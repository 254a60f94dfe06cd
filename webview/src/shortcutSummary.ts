// Shortcut rates across a file or a run: per modality, per problem type and per checkpoint, the
// "right for the wrong reasons" count, and a scatter of how much each answer relies on the audio
// against the visuals (from the ablations). Shown above the table beside the reward charts.

import * as d3 from 'd3';
import type { ShortcutModality, ShortcutSummary, Verdict, VerdictCounts } from '../../src/core/shortcuts/types';
import { el, formatNumber } from './dom';
import { VERDICT_TEXT } from './shortcutView';

const ORDER: Verdict[] = ['ignored', 'decorative', 'unspoken', 'grounded', 'unused', 'undetermined', 'not-sent', 'not-applicable'];

function rate(c: VerdictCounts | undefined): string {
  return !c || c.shortcutRate === null ? '—' : `${formatNumber(c.shortcutRate * 100, 1)}%`;
}

function ratesTable(title: string, rows: [string, Record<ShortcutModality, VerdictCounts>][], testid: string): HTMLElement {
  return el('table', { class: 'sc-table', testid }, [
    el('thead', {}, [el('tr', {}, [el('th', { text: title }), el('th', { text: 'audio shortcut rate' }), el('th', { text: 'visual shortcut rate' }), el('th', { text: 'n' })])]),
    el(
      'tbody',
      {},
      rows.map(([name, c]) =>
        el('tr', {}, [
          el('td', { text: name }),
          el('td', { class: 'num', text: rate(c.audio) }),
          el('td', { class: 'num', text: rate(c.visual) }),
          el('td', { class: 'num', text: String(c.audio.total) }),
        ]),
      ),
    ),
  ]);
}

function scatter(points: ShortcutSummary['reliance'], analysed: number, omitted: number, onOpen: (index: number) => void): HTMLElement {
  const measured = points.filter((p) => p.audio !== null && p.visual !== null);
  const box = el('div', { class: 'sc-scatter', testid: 'reliance-scatter' });
  if (measured.length === 0) {
    box.appendChild(el('div', { class: 'muted small', text: 'Reliance needs ablations (run Find Shortcuts with a checkpoint endpoint).' }));
    return box;
  }
  const W = 220;
  const H = 180;
  const M = { top: 8, right: 8, bottom: 28, left: 34 };
  const x = d3
    .scaleLinear()
    .domain([0, 1])
    .range([M.left, W - M.right]);
  const y = d3
    .scaleLinear()
    .domain([0, 1])
    .range([H - M.bottom, M.top]);
  const svg = d3.select(box).append('svg').attr('width', W).attr('height', H).attr('role', 'img').attr('aria-label', 'Audio against visual reliance per rollout');
  svg
    .append('g')
    .attr('class', 'cue-axis')
    .attr('transform', `translate(0,${H - M.bottom})`)
    .call(d3.axisBottom(x).ticks(4));
  svg.append('g').attr('class', 'cue-axis').attr('transform', `translate(${M.left},0)`).call(d3.axisLeft(y).ticks(4));
  svg
    .append('text')
    .attr('class', 'sc-axis-label')
    .attr('x', W / 2)
    .attr('y', H - 2)
    .attr('text-anchor', 'middle')
    .text('audio reliance');
  svg
    .append('text')
    .attr('class', 'sc-axis-label')
    .attr('transform', `translate(10,${H / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text('visual reliance');
  svg
    .append('g')
    .selectAll('circle')
    .data(measured)
    .join('circle')
    .attr('class', (p) => `sc-point ${p.correct === true ? 'sc-correct' : p.correct === false ? 'sc-wrong' : ''}`)
    .attr('data-index', (p) => p.index)
    .attr('cx', (p) => x(p.audio!))
    .attr('cy', (p) => y(p.visual!))
    .attr('r', 3.5)
    .on('click', (_e, p) => onOpen(p.index))
    .append('title')
    .text(
      (p) =>
        `#${p.index}${p.problemType ? ` ${p.problemType}` : ''}${p.checkpoint ? ` · ${p.checkpoint}` : ''}: audio ${formatNumber(p.audio!, 2)}, visual ${formatNumber(p.visual!, 2)}${p.correct === undefined ? '' : p.correct ? ' · correct' : ' · wrong'}`,
    );
  box.appendChild(el('div', { class: 'muted small', text: `${measured.length} of ${analysed} rollouts measured${omitted ? ` (${omitted} more not plotted)` : ''}; filled = correct answer` }));
  return box;
}

export function renderShortcutSummary(s: ShortcutSummary, onOpen: (index: number) => void, onFilter: (spec: string) => void): HTMLElement {
  const verdictRow = (m: ShortcutModality) => {
    const c = s.perModality[m];
    return el('div', { class: 'sc-verdicts', testid: `sc-verdicts-${m}` }, [
      el('span', { class: 'chip-name', text: m }),
      el('span', { class: 'mono', text: ` shortcut rate ${rate(c)} ` }),
      ...ORDER.filter((v) => c.byVerdict[v]).map((v) => {
        const b = el('button', {
          class: ['chip', 'sc-chip', `sc-${v}`],
          attrs: { type: 'button', 'data-verdict': v },
          title: `Show the ${m} ${VERDICT_TEXT[v]} rollouts`,
          text: `${VERDICT_TEXT[v]} ${c.byVerdict[v]}`,
        });
        b.addEventListener('click', () => onFilter(`${m}:${v}`));
        return b;
      }),
    ]);
  };
  const rfw = s.rightForWrongReasons;
  const rfwButton = el('button', { class: 'link', testid: 'right-for-wrong-reasons', attrs: { type: 'button' }, text: `${rfw.count} of ${rfw.of} correct answers are right for the wrong reasons` });
  rfwButton.addEventListener('click', () => onFilter('any-ignored'));
  const headline = `Shortcuts: ${s.rollouts} rollouts analysed${s.failed ? `, ${s.failed} failed` : ''} · audio ${rate(s.perModality.audio)} · visual ${rate(s.perModality.visual)}`;
  return el('details', { class: 'sc-summary', testid: 'shortcut-summary', attrs: { open: true } }, [
    el('summary', { class: 'sc-title', text: headline }),
    el('div', { class: 'sc-summary-grid' }, [
      el('div', {}, [
        verdictRow('audio'),
        verdictRow('visual'),
        el('div', {}, [rfwButton]),
        el('div', {
          class: 'muted small',
          text: `blind-answerable (text alone gives the same answer): ${s.blindAnswerable.yes} yes, ${s.blindAnswerable.no} no, ${s.blindAnswerable.unknown} unknown`,
        }),
        s.notSent.audio || s.notSent.visual
          ? el('div', { class: 'sc-error', testid: 'sc-not-sent', text: `Present in the clip but never sent to the model: audio ${s.notSent.audio}, visual ${s.notSent.visual}` })
          : null,
      ]),
      ratesTable('problem type', Object.entries(s.perProblemType), 'sc-per-type'),
      Object.keys(s.perCheckpoint).length ? ratesTable('checkpoint', Object.entries(s.perCheckpoint), 'sc-per-checkpoint') : null,
      scatter(s.reliance, s.rollouts - s.failed, s.relianceOmitted ?? 0, onOpen),
    ]),
  ]);
}
