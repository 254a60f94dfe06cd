// Reward distributions as small multiples: one histogram per (reward, problem type), sharing
// an x range per reward. Values that are not numbers are listed by status beside each
// histogram, never folded into the zero bin. Colours come from the theme's CSS variables.

import * as d3 from 'd3';
import type { RewardHistogram } from '../../src/protocol/messages';
import { el, clear, formatNumber } from './dom';
import { statusText } from './chips';
import type { RewardStatus } from '../../src/core/types';

const W = 164;
const H = 58;
const M = { top: 4, right: 8, bottom: 16, left: 28 };

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export function renderChart(host: HTMLElement, histograms: RewardHistogram[], rewardNames: string[]): void {
  clear(host);
  if (histograms.length === 0) {
    host.appendChild(el('div', { class: 'empty-note', text: 'No reward values to chart.' }));
    return;
  }
  const colours = {
    bar: cssVar('--vscode-charts-blue', '#3794ff'),
    axis: cssVar('--vscode-descriptionForeground', '#888'),
    grid: cssVar('--vscode-panel-border', '#8884'),
  };
  for (const reward of rewardNames) {
    const hs = histograms.filter((h) => h.reward === reward);
    if (hs.length === 0) continue;
    const label = reward.startsWith('recorded:') ? `${reward.slice('recorded:'.length)} (file)` : reward;
    const row = el('div', { class: 'chart-row', testid: `chart-${reward}` }, [el('div', { class: 'chart-row-title', text: label, title: reward })]);
    const grid = el('div', { class: 'chart-grid' });
    row.appendChild(grid);
    const ymax = d3.max(hs, (h) => d3.max(h.counts) ?? 0) ?? 1;
    for (const h of hs) grid.appendChild(histogram(h, ymax, colours));
    host.appendChild(row);
  }
}

function histogram(h: RewardHistogram, ymax: number, c: { bar: string; axis: string; grid: string }): HTMLElement {
  const x = d3
    .scaleLinear()
    .domain([h.edges[0]!, h.edges[h.edges.length - 1]!])
    .range([M.left, W - M.right]);
  const y = d3
    .scaleLinear()
    .domain([0, Math.max(1, ymax)])
    .nice()
    .range([H - M.bottom, M.top]);
  const svg = d3.create('svg').attr('class', 'hist-svg').attr('viewBox', `0 0 ${W} ${H}`).attr('width', W).attr('height', H).attr('role', 'img');
  svg.append('title').text(`${h.reward} for ${h.problemType}: ${h.n} values`);
  const bins = h.counts.map((count, i) => ({ count, x0: h.edges[i]!, x1: h.edges[i + 1]! }));
  svg
    .append('g')
    .selectAll('rect')
    .data(bins)
    .join('rect')
    .attr('x', (b) => x(b.x0) + 0.5)
    .attr('width', (b) => Math.max(0, x(b.x1) - x(b.x0) - 1))
    .attr('y', (b) => y(b.count))
    .attr('height', (b) => y(0) - y(b.count))
    .attr('fill', c.bar)
    .append('title')
    .text((b) => `${formatNumber(b.x0)}–${formatNumber(b.x1)}: ${b.count}`);
  const xAxis = svg
    .append('g')
    .attr('transform', `translate(0,${H - M.bottom})`)
    .call(d3.axisBottom(x).ticks(3).tickSizeOuter(0));
  const yTicks = y.ticks(Math.min(3, Math.max(1, ymax))).filter((t) => Number.isInteger(t));
  const yAxis = svg
    .append('g')
    .attr('transform', `translate(${M.left},0)`)
    .call(d3.axisLeft(y).tickValues(yTicks).tickFormat(d3.format('~s')).tickSizeOuter(0));
  for (const axis of [xAxis, yAxis]) {
    axis.selectAll('text').attr('fill', c.axis);
    axis.selectAll('line,path').attr('stroke', c.grid);
  }
  const missing = Object.entries(h.missing).filter(([, n]) => (n ?? 0) > 0) as [RewardStatus, number][];
  return el('figure', { class: 'hist', testid: 'hist', attrs: { 'data-reward': h.reward, 'data-type': h.problemType } }, [
    el('figcaption', { class: 'hist-title' }, [
      el('span', { class: 'hist-type', text: h.problemType }),
      el('span', { class: 'muted', text: `n ${h.n}${h.mean !== null ? ` · mean ${formatNumber(h.mean)}` : ''}` }),
    ]),
    svg.node()!,
    missing.length
      ? el(
          'div',
          { class: 'hist-missing', testid: 'hist-missing' },
          missing.map(([status, n]) => el('span', { class: ['missing-pill', `st-${status}`], text: `${n} ${statusText(status)}` })),
        )
      : el('div', { class: 'hist-missing muted', text: 'no missing values' }),
  ]);
}
