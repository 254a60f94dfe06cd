// The compare view: the statistics of a pair (forest plot, flip counts, step curves), the joined
// table of items (one row per item, each checkpoint's answer and reward, Δ, flip badges;
// filters, sorting by Δ, virtualised), and the selected item's traces side by side.

import type { CompareMethods, CompareTrace, CompareViewInit } from '../../../src/protocol/compareView';
import type { CompareRow, PairResult } from '../../../src/core/compare/compare';
import { parseTrace } from '../../../src/core/trace';
import type { RpcClient } from '../rpc';
import { append, clear, el, formatNumber } from '../dom';
import { visibleText } from '../traceText';
import { forestPlot } from './forestPlot';
import { stepCurves } from './stepCurves';
import { errorText } from '../../../src/core/errors';

type Filter = 'all' | 'flipped' | 'regressed' | 'improved';
const ROW_HEIGHT = 26;
const OVERSCAN = 10;

interface Row {
  item: CompareRow;
  delta: number | null;
  flip?: 'right-to-wrong' | 'wrong-to-right';
  formatRegression: boolean;
}

export class CompareView {
  private init!: CompareViewInit;
  private pair!: PairResult;
  private rows: Row[] = [];
  private shown: Row[] = [];
  private filter: Filter = 'all';
  private type = '';
  private text = '';
  private sortByDelta: 'none' | 'asc' | 'desc' = 'none';
  private selected: string | undefined;
  private readonly statsHost = el('section', { class: 'cmp-stats', testid: 'compare-stats' });
  private readonly tableBody = el('div', { class: 'cmp-table-body', testid: 'compare-table' });
  private readonly tableSpacer = el('div', { class: 'cmp-spacer' });
  private readonly tableRows = el('div', { class: 'cmp-rows' });
  private readonly countNode = el('span', { class: 'muted', testid: 'compare-count' });
  private readonly tracesHost = el('section', { class: 'cmp-traces', testid: 'compare-traces' });

  constructor(
    private readonly root: HTMLElement,
    private readonly rpc: RpcClient<CompareMethods>,
  ) {}

  async start(): Promise<void> {
    this.root.replaceChildren(el('div', { class: 'loading-note', text: 'Comparing…' }));
    try {
      this.init = await this.rpc.request('getCompareInit', {});
    } catch (e) {
      this.root.replaceChildren(el('div', { class: 'banner', text: `The comparison could not be loaded: ${errorText(e)}` }));
      return;
    }
    const c = this.init.comparison;
    if (c.pairs.length === 0) {
      this.root.replaceChildren(el('div', { class: 'banner', text: 'This comparison has no pair of checkpoints.' }));
      return;
    }
    this.selectPair(0);
  }

  private selectPair(i: number): void {
    const c = this.init.comparison;
    this.pair = c.pairs[i]!;
    const rtw = new Set(this.pair.flips.rightToWrong);
    const wtr = new Set(this.pair.flips.wrongToRight);
    const fr = new Set(this.pair.flips.formatRegressions);
    this.rows = c.items
      .filter((it) => it.byCheckpoint[this.pair.a] || it.byCheckpoint[this.pair.b])
      .map((item) => {
        const a = item.byCheckpoint[this.pair.a]?.rewards.accuracy;
        const b = item.byCheckpoint[this.pair.b]?.rewards.accuracy;
        const row: Row = { item, delta: a === null || a === undefined || b === null || b === undefined ? null : b - a, formatRegression: fr.has(item.key) };
        if (rtw.has(item.key)) row.flip = 'right-to-wrong';
        if (wtr.has(item.key)) row.flip = 'wrong-to-right';
        return row;
      });
    this.render();
  }

  private render(): void {
    const c = this.init.comparison;
    const types = [...new Set(c.items.map((i) => i.problemType))].sort();
    const pairPicker =
      c.pairs.length > 1
        ? el(
            'select',
            { class: 'cmp-pair', testid: 'compare-pair', attrs: { 'aria-label': 'pair of checkpoints' } },
            c.pairs.map((p, i) => {
              const o = el('option', { text: `${p.b} vs ${p.a}`, attrs: { value: i } });
              if (p === this.pair) o.selected = true;
              return o;
            }),
          )
        : null;
    pairPicker?.addEventListener('change', () => this.selectPair(Number(pairPicker.value)));
    const filterSel = el(
      'select',
      { testid: 'compare-filter', attrs: { 'aria-label': 'show' } },
      (['all', 'flipped', 'regressed', 'improved'] as Filter[]).map((f) => {
        const o = el('option', {
          text: f === 'all' ? 'all items' : f === 'flipped' ? 'answer flipped' : f === 'regressed' ? 'regressed (right → wrong, format)' : 'improved (wrong → right)',
          attrs: { value: f },
        });
        if (f === this.filter) o.selected = true;
        return o;
      }),
    );
    filterSel.addEventListener('change', () => {
      this.filter = filterSel.value as Filter;
      this.applyFilters();
    });
    const typeSel = el('select', { testid: 'compare-type', attrs: { 'aria-label': 'problem type' } }, [
      el('option', { text: 'all types', attrs: { value: '' } }),
      ...types.map((t) => el('option', { text: t, attrs: { value: t } })),
    ]);
    typeSel.value = this.type;
    typeSel.addEventListener('change', () => {
      this.type = typeSel.value;
      this.applyFilters();
    });
    const search = el('input', { testid: 'compare-search', attrs: { type: 'search', placeholder: 'Filter by text…', 'aria-label': 'filter by text' } });
    search.value = this.text;
    search.addEventListener('input', () => {
      this.text = search.value.trim().toLowerCase();
      this.applyFilters();
    });
    const p = this.pair;
    const header = el('header', { class: 'cmp-header' }, [
      el('h1', { testid: 'view-title', text: this.init.title }),
      pairPicker ?? el('span', { class: 'muted', text: `${p.b} vs ${p.a} (baseline)` }),
      el('span', {
        class: 'muted',
        testid: 'compare-matched',
        text: `paired by ${p.by}: ${p.matched} matched · ${p.onlyA} only in ${p.a} · ${p.onlyB} only in ${p.b}${p.ambiguous ? ` · ${p.ambiguous} repeated keys paired by order` : ''}`,
      }),
    ]);
    clear(this.statsHost);
    append(this.statsHost, [
      el('div', { class: 'cmp-flips', testid: 'compare-flips' }, [
        badge(`${p.flips.rightToWrong.length} right → wrong`, 'flip-bad'),
        badge(`${p.flips.wrongToRight.length} wrong → right`, 'flip-good'),
        badge(`${p.flips.formatRegressions.length} format regressions`, 'flip-bad'),
        badge(`${p.flips.formatFixes.length} format fixes`, 'flip-good'),
        p.flips.shortcutChanges.length ? badge(`${p.flips.shortcutChanges.length} shortcut verdict changes`, '') : null,
      ]),
      forestPlot(p.rewards),
      c.steps ? stepCurves(c.steps) : null,
      c.steps ? stepTable(c.steps) : null,
    ]);
    const deltaHead = el('button', {
      class: 'th sortable num',
      testid: 'th-delta',
      attrs: { type: 'button' },
      text: this.sortByDelta === 'none' ? 'Δ acc.' : this.sortByDelta === 'asc' ? 'Δ acc. ▲' : 'Δ acc. ▼',
      title: 'accuracy of B minus A — click to sort',
    });
    deltaHead.addEventListener('click', () => {
      this.sortByDelta = this.sortByDelta === 'desc' ? 'asc' : 'desc';
      this.render();
    });
    const tableHead = el('div', { class: 'cmp-row cmp-head' }, [
      el('div', { class: 'th', text: 'item' }),
      el('div', { class: 'th', text: 'type' }),
      el('div', { class: 'th', text: `${p.a} answer`, title: p.a }),
      el('div', { class: 'th', text: `${p.b} answer`, title: p.b }),
      deltaHead,
      el('div', { class: 'th', text: 'flip' }),
    ]);
    this.tableBody.replaceChildren(this.tableSpacer, this.tableRows);
    this.tableBody.onscroll = () => this.paintRows();
    this.root.replaceChildren(
      el('div', { class: 'cmp-view' }, [
        header,
        this.statsHost,
        el('div', { class: 'cmp-filters' }, [filterSel, typeSel, search, this.countNode]),
        el('section', { class: 'cmp-table' }, [tableHead, this.tableBody]),
        this.tracesHost,
      ]),
    );
    this.applyFilters();
  }

  private applyFilters(): void {
    const p = this.pair;
    this.shown = this.rows.filter((r) => {
      if (this.filter === 'flipped' && !r.flip) return false;
      if (this.filter === 'regressed' && r.flip !== 'right-to-wrong' && !r.formatRegression) return false;
      if (this.filter === 'improved' && r.flip !== 'wrong-to-right') return false;
      if (this.type && r.item.problemType !== this.type) return false;
      if (this.text) {
        const hay = [r.item.key, r.item.question ?? '', r.item.byCheckpoint[p.a]?.answer ?? '', r.item.byCheckpoint[p.b]?.answer ?? ''].join('\n').toLowerCase();
        if (!hay.includes(this.text)) return false;
      }
      return true;
    });
    if (this.sortByDelta !== 'none') {
      const dir = this.sortByDelta === 'asc' ? 1 : -1;
      this.shown.sort((x, y) => (x.delta === null ? 1 : y.delta === null ? -1 : dir * (x.delta - y.delta)));
    }
    this.countNode.textContent = `${this.shown.length.toLocaleString()} of ${this.rows.length.toLocaleString()} items`;
    this.tableSpacer.style.height = `${this.shown.length * ROW_HEIGHT}px`;
    this.paintRows();
  }

  /** Only the rows in view (plus a margin) exist in the DOM. */
  private paintRows(): void {
    const p = this.pair;
    const top = this.tableBody.scrollTop;
    const height = this.tableBody.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.shown.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    this.tableRows.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    const nodes: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const r = this.shown[i]!;
      const a = r.item.byCheckpoint[p.a];
      const b = r.item.byCheckpoint[p.b];
      const row = el('div', { class: ['cmp-row', r.item.key === this.selected ? 'selected' : null], testid: 'compare-row', attrs: { 'data-key': r.item.key, role: 'button', tabindex: 0 } }, [
        el('div', { class: 'mono cell', text: r.item.key.replace(/^(id|clip|prompt):/, ''), title: r.item.question ?? r.item.key }),
        el('div', { class: 'cell', text: r.item.problemType }),
        answerCell(a),
        answerCell(b),
        el('div', {
          class: ['cell', 'num', r.delta === null ? null : r.delta > 0 ? 'adv-pos' : r.delta < 0 ? 'adv-neg' : null],
          text: r.delta === null ? '—' : (r.delta > 0 ? '+' : '') + formatNumber(r.delta),
        }),
        el('div', { class: 'cell' }, [
          r.flip
            ? el('span', { class: ['badge', r.flip === 'right-to-wrong' ? 'flip-bad' : 'flip-good'], testid: 'flip-badge', text: r.flip === 'right-to-wrong' ? 'right → wrong' : 'wrong → right' })
            : null,
          r.formatRegression ? el('span', { class: 'badge flip-bad', text: 'format ✗' }) : null,
        ]),
      ]);
      row.addEventListener('click', () => void this.select(r.item.key));
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') void this.select(r.item.key);
      });
      nodes.push(row);
    }
    this.tableRows.replaceChildren(...nodes);
  }

  private async select(key: string): Promise<void> {
    this.selected = key;
    this.paintRows();
    this.tracesHost.replaceChildren(el('div', { class: 'loading-note', text: 'Reading the traces…' }));
    let traces: Record<string, CompareTrace>;
    try {
      traces = await this.rpc.request('getTraces', { key });
    } catch (e) {
      this.tracesHost.replaceChildren(el('div', { class: 'banner', text: `The traces could not be read: ${errorText(e)}` }));
      return;
    }
    if (this.selected !== key) return;
    const item = this.rows.find((r) => r.item.key === key)!.item;
    const names = [this.pair.a, this.pair.b].filter((n) => item.byCheckpoint[n]);
    const answers = names.map((n) => item.byCheckpoint[n]!.answer);
    const differ = new Set(answers).size > 1;
    this.tracesHost.replaceChildren(
      el('h2', { class: 'cmp-traces-title', testid: 'compare-traces-title', text: item.question ?? key }),
      el(
        'div',
        { class: 'cmp-columns' },
        names.map((n) => traceColumn(n, item, traces[n], differ)),
      ),
    );
  }
}

function badge(text: string, cls: string): HTMLElement {
  return el('span', { class: ['badge', cls], text });
}

function answerCell(cell: CompareRow['byCheckpoint'][string] | undefined): HTMLElement {
  if (!cell) return el('div', { class: 'cell muted', text: '(not in this checkpoint)' });
  const acc = cell.rewards.accuracy;
  return el('div', { class: ['cell', acc === 1 ? 'ans-right' : acc === 0 ? 'ans-wrong' : null], title: `${cell.where}${cell.samples > 1 ? ` · ${cell.samples} samples` : ''}` }, [
    visibleText(cell.answer || '∅'),
  ]);
}

function traceColumn(name: string, item: CompareRow, trace: CompareTrace | undefined, answersDiffer: boolean): HTMLElement {
  const cell = item.byCheckpoint[name]!;
  const chips = Object.entries(cell.rewards).map(([r, v]) => el('span', { class: 'chip', testid: 'compare-chip', attrs: { 'data-reward': r }, text: `${r} ${v === null ? '—' : formatNumber(v)}` }));
  const head = el('header', { class: 'cmp-col-head' }, [el('h3', { text: name }), el('span', { class: 'muted', text: cell.where }), el('div', { class: 'chip-row' }, chips)]);
  if (!trace || trace.completion === null) {
    return el('article', { class: 'cmp-col', testid: 'compare-column', attrs: { 'data-checkpoint': name } }, [
      head,
      el('div', { class: 'banner', text: trace?.error ?? 'this report does not carry the trace' }),
    ]);
  }
  const parsed = parseTrace(trace.completion);
  const panel = (kind: 'context' | 'think' | 'answer') => {
    const seg = parsed[kind];
    const body = el('div', { class: 'trace-text', attrs: { dir: 'auto' } }, [seg ? visibleText(seg.text) : el('span', { class: 'placeholder', text: `no <${kind}>` })]);
    return el('section', { class: ['cmp-panel', `panel-${kind}`, kind === 'answer' && answersDiffer ? 'answer-differs' : null], testid: `compare-${kind}` }, [el('h4', { text: kind }), body]);
  };
  return el('article', { class: 'cmp-col', testid: 'compare-column', attrs: { 'data-checkpoint': name } }, [head, panel('context'), panel('think'), panel('answer')]);
}

function stepTable(steps: NonNullable<CompareViewInit['comparison']['steps']>): HTMLElement {
  const rewards = [...new Set(steps.flatMap((s) => Object.keys(s.rewards)))].filter((r) => ['accuracy', 'format', 'context', 'logic'].includes(r));
  return el('table', { class: 'cmp-steps', testid: 'compare-steps' }, [
    el('thead', {}, [
      el('tr', {}, [
        el('th', { text: 'step' }),
        el('th', { text: 'n' }),
        ...rewards.map((r) => el('th', { text: `${r} (95% CI)` })),
        el('th', { text: 'response chars' }),
        el('th', { text: 'zero-var groups' }),
        el('th', { text: 'format failures' }),
      ]),
    ]),
    el(
      'tbody',
      {},
      steps.map((s) =>
        el('tr', {}, [
          el('td', { text: s.name }),
          el('td', { text: String(s.n) }),
          ...rewards.map((r) => {
            const v = s.rewards[r];
            return el('td', { text: v ? `${formatNumber(v.mean, 3)} [${formatNumber(v.ci95[0], 3)}, ${formatNumber(v.ci95[1], 3)}]` : '—' });
          }),
          el('td', { text: String(Math.round(s.meanResponseChars)) }),
          el('td', { text: s.zeroVarianceGroupShare === undefined ? '—' : formatNumber(s.zeroVarianceGroupShare, 2) }),
          el('td', {
            text:
              Object.entries(s.formatFailures)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || 'none',
          }),
        ]),
      ),
    ),
  ]);
}
