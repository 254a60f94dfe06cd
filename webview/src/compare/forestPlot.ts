// A forest plot of the differences between two checkpoints: one row per reward × problem type,
// the point at Δ = B − A with its bootstrap 95% CI, a line at zero, and the verdict as colour.

import * as d3 from 'd3';
import type { RewardTest } from '../../../src/core/compare/compare';
import { el, formatNumber } from '../dom';

const ROW = 20;
const M = { top: 18, right: 16, bottom: 22, left: 210 };
const W = 560;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export function forestPlot(tests: RewardTest[]): HTMLElement {
  if (tests.length === 0) return el('div', { class: 'empty-note', text: 'No reward both checkpoints have.' });
  const h = M.top + M.bottom + ROW * tests.length;
  const lo = d3.min(tests, (t) => Math.min(t.ci95[0], t.delta)) ?? -1;
  const hi = d3.max(tests, (t) => Math.max(t.ci95[1], t.delta)) ?? 1;
  const span = Math.max(Math.abs(lo), Math.abs(hi), 0.05);
  const x = d3
    .scaleLinear()
    .domain([-span, span])
    .nice()
    .range([M.left, W - M.right]);
  const colour = {
    better: cssVar('--vscode-charts-green', '#388a34'),
    worse: cssVar('--vscode-charts-red', '#e51400'),
    inconclusive: cssVar('--vscode-descriptionForeground', '#888'),
    axis: cssVar('--vscode-panel-border', '#8884'),
    text: cssVar('--vscode-foreground', '#ccc'),
  };
  const svg = d3.create('svg').attr('class', 'forest-svg').attr('viewBox', `0 0 ${W} ${h}`).attr('width', W).attr('height', h).attr('role', 'img');
  svg.append('title').text('Difference B − A per reward and problem type, with its 95% bootstrap CI');
  svg
    .append('line')
    .attr('x1', x(0))
    .attr('x2', x(0))
    .attr('y1', M.top - 6)
    .attr('y2', h - M.bottom)
    .attr('stroke', colour.axis)
    .attr('stroke-dasharray', '3 3');
  const rows = svg
    .append('g')
    .selectAll('g')
    .data(tests)
    .join('g')
    .attr('class', (t) => `forest-row verdict-${t.verdict}`)
    .attr('data-testid', 'forest-row')
    .attr('data-reward', (t) => t.reward)
    .attr('data-type', (t) => t.problemType)
    .attr('transform', (_, i) => `translate(0,${M.top + i * ROW + ROW / 2})`);
  rows
    .append('text')
    .attr('x', M.left - 8)
    .attr('dy', '0.32em')
    .attr('text-anchor', 'end')
    .attr('fill', colour.text)
    .text((t) => `${t.reward} · ${t.problemType}`);
  rows
    .append('line')
    .attr('x1', (t) => x(t.ci95[0]))
    .attr('x2', (t) => x(t.ci95[1]))
    .attr('stroke', (t) => colour[t.verdict])
    .attr('stroke-width', 2);
  rows
    .append('circle')
    .attr('cx', (t) => x(t.delta))
    .attr('r', 4)
    .attr('fill', (t) => colour[t.verdict]);
  rows
    .append('title')
    .text(
      (t) =>
        `${t.reward} (${t.problemType}): Δ ${formatNumber(t.delta, 3)} [${formatNumber(t.ci95[0], 3)}, ${formatNumber(t.ci95[1], 3)}], n ${t.n}, ${t.test} p ${formatNumber(t.p, 4)}, adjusted ${formatNumber(t.pBH ?? t.pHolm, 4)} → ${t.verdict}${t.mde !== undefined ? ` (MDE ${formatNumber(t.mde, 3)})` : ''}`,
    );
  const axis = svg
    .append('g')
    .attr('transform', `translate(0,${h - M.bottom})`)
    .call(d3.axisBottom(x).ticks(6).tickSizeOuter(0));
  axis.selectAll('text').attr('fill', colour.text);
  axis.selectAll('line,path').attr('stroke', colour.axis);
  return el('figure', { class: 'forest', testid: 'forest-plot' }, [svg.node()!]);
}
