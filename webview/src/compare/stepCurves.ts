// Training steps as curves: each reward's mean per step with its 95% CI as a band, and the
// zero-variance-group share and the shortcut rate where the data has them.

import * as d3 from 'd3';
import type { StepPoint } from '../../../src/core/compare/compare';
import { el, formatNumber } from '../dom';

const W = 560;
const H = 180;
const M = { top: 12, right: 110, bottom: 24, left: 36 };

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

interface Series {
  name: string;
  points: { x: number; y: number; lo?: number; hi?: number }[];
}

export function stepCurves(steps: StepPoint[]): HTMLElement {
  const withStep = steps.filter((s) => s.step !== undefined).sort((a, b) => a.step! - b.step!);
  if (withStep.length < 2) return el('div');
  const series: Series[] = [];
  for (const reward of ['accuracy', 'format', 'context', 'logic']) {
    const pts = withStep.filter((s) => s.rewards[reward]).map((s) => ({ x: s.step!, y: s.rewards[reward]!.mean, lo: s.rewards[reward]!.ci95[0], hi: s.rewards[reward]!.ci95[1] }));
    if (pts.length >= 2) series.push({ name: reward, points: pts });
  }
  const zv = withStep.filter((s) => s.zeroVarianceGroupShare !== undefined).map((s) => ({ x: s.step!, y: s.zeroVarianceGroupShare! }));
  if (zv.length >= 2) series.push({ name: 'zero-variance groups', points: zv });
  const sc = withStep.filter((s) => s.shortcutRate !== undefined).map((s) => ({ x: s.step!, y: s.shortcutRate! }));
  if (sc.length >= 2) series.push({ name: 'shortcut rate', points: sc });
  const x = d3
    .scaleLinear()
    .domain(d3.extent(withStep, (s) => s.step!) as [number, number])
    .range([M.left, W - M.right]);
  const y = d3
    .scaleLinear()
    .domain([0, 1])
    .range([H - M.bottom, M.top]);
  const colours = ['--vscode-charts-blue', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'].map((v, i) =>
    cssVar(v, d3.schemeTableau10[i]!),
  );
  const text = cssVar('--vscode-foreground', '#ccc');
  const axisColour = cssVar('--vscode-panel-border', '#8884');
  const svg = d3.create('svg').attr('class', 'steps-svg').attr('viewBox', `0 0 ${W} ${H}`).attr('width', W).attr('height', H).attr('role', 'img');
  svg.append('title').text('Per-step means with 95% CIs');
  series.forEach((s, i) => {
    const c = colours[i % colours.length]!;
    const g = svg.append('g').attr('data-testid', 'step-series').attr('data-series', s.name);
    if (s.points.every((p) => p.lo !== undefined)) {
      g.append('path')
        .attr('fill', c)
        .attr('fill-opacity', 0.15)
        .attr(
          'd',
          d3
            .area<(typeof s.points)[number]>()
            .x((p) => x(p.x))
            .y0((p) => y(Math.max(0, p.lo!)))
            .y1((p) => y(Math.min(1, p.hi!)))(s.points) ?? '',
        );
    }
    g.append('path')
      .attr('fill', 'none')
      .attr('stroke', c)
      .attr('stroke-width', 1.5)
      .attr(
        'd',
        d3
          .line<(typeof s.points)[number]>()
          .x((p) => x(p.x))
          .y((p) => y(p.y))(s.points) ?? '',
      );
    g.selectAll('circle')
      .data(s.points)
      .join('circle')
      .attr('cx', (p) => x(p.x))
      .attr('cy', (p) => y(p.y))
      .attr('r', 2.5)
      .attr('fill', c)
      .append('title')
      .text((p) => `${s.name} at step ${p.x}: ${formatNumber(p.y, 3)}${p.lo !== undefined ? ` [${formatNumber(p.lo, 3)}, ${formatNumber(p.hi!, 3)}]` : ''}`);
    const last = s.points[s.points.length - 1]!;
    g.append('text')
      .attr('x', x(last.x) + 6)
      .attr('y', y(last.y))
      .attr('dy', '0.32em')
      .attr('fill', c)
      .attr('font-size', 11)
      .text(s.name);
  });
  const ax = svg
    .append('g')
    .attr('transform', `translate(0,${H - M.bottom})`)
    .call(d3.axisBottom(x).ticks(Math.min(8, withStep.length)).tickFormat(d3.format('~d')));
  const ay = svg.append('g').attr('transform', `translate(${M.left},0)`).call(d3.axisLeft(y).ticks(4));
  for (const a of [ax, ay]) {
    a.selectAll('text').attr('fill', text);
    a.selectAll('line,path').attr('stroke', axisColour);
  }
  return el('figure', { class: 'steps', testid: 'step-curves' }, [svg.node()!]);
}
