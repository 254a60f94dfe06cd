// The rollout table: virtualised with a fixed row height. Only the visible rows plus a small
// overscan exist in the DOM; rows come from the host in pages as the user scrolls, so a file
// of 100k rollouts costs the same to show as one of 100.

import type { GroupingInfo } from '../../src/core/viewTypes';
import type { RowPage, RowQuery, RowSummary, SortKey, TableRow } from '../../src/protocol/messages';
import { el, clear, formatNumber } from './dom';
import { valueClass, valueText } from './chips';
import type { Verdict } from '../../src/core/shortcuts/types';
import { errorText } from '../../src/core/errors';
import { queryKey } from '../../src/core/viewModel';

export const ROW_HEIGHT = 26;
const OVERSCAN = 8;
const PAGE = 100;

export interface TableCallbacks {
  fetch(query: RowQuery, offset: number, limit: number): Promise<RowPage>;
  open(index: number): void;
  sortChanged(sort: NonNullable<RowQuery['sort']>): void;
  error(message: string): void;
}

interface Column {
  id: string;
  label: string;
  title?: string;
  width: string;
  sort?: SortKey;
  cell(r: RowSummary): HTMLElement;
}

function cellText(text: string, cls?: string, title?: string): HTMLElement {
  return el('div', { class: ['cell', cls], text, title });
}

/** Short forms for the table cell; the chips and the tooltip spell them out. */
const SHORT_VERDICT: Record<Verdict, string> = {
  grounded: 'ok',
  ignored: 'IGNORED',
  decorative: 'decor.',
  unspoken: 'unspoken',
  unused: '–',
  'not-applicable': 'n/a',
  'not-sent': 'NOT SENT',
  undetermined: '?',
};

/** Pages asked for ahead of a setQuery (RolloutTable.prefetch), for one query. */
export interface Prefetched {
  /** queryKey of the query. */
  key: string;
  pages: Map<number, Promise<RowPage>>;
}

export class RolloutTable {
  readonly element: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly header: HTMLElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private columns: Column[] = [];
  private query: RowQuery = {};
  private total = 0;
  private generation = 0;
  private readonly pages = new Map<number, TableRow[]>();
  private readonly inflight = new Set<number>();
  private cursor = -1;
  private openIndex: number | undefined;
  private frame = 0;
  private loaded = false;

  constructor(private readonly cb: TableCallbacks) {
    this.header = el('div', { class: 'table-header', attrs: { role: 'row' } });
    this.body = el('div', { class: 'table-body', testid: 'table-body', attrs: { role: 'rowgroup' } });
    this.status = el('div', { class: 'table-status', testid: 'table-status', attrs: { hidden: true } });
    this.viewport = el('div', { class: 'table-viewport', testid: 'rollout-table', attrs: { tabindex: 0, role: 'grid', 'aria-label': 'Rollouts' } }, [this.header, this.body, this.status]);
    this.element = el('div', { class: 'table-pane' }, [this.viewport]);
    this.viewport.addEventListener('scroll', () => this.schedule());
    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.viewport);
  }

  get rowCount(): number {
    return this.total;
  }

  setRewards(rewardNames: string[], withShortcuts = false, grouping?: GroupingInfo): void {
    const fmt = (r: RowSummary) => (r.formatOk ? cellText('✓', 'fmt-ok', 'format check passes') : cellText(r.formatReason ?? 'fails', 'fmt-fail', 'first reason the format check fails'));
    this.columns = [
      { id: 'index', label: '#', width: '56px', sort: 'index', cell: (r) => cellText(String(r.index), 'num') },
      {
        id: 'id',
        label: 'id / line',
        width: '130px',
        cell: (r) => {
          // In a folder of step files a line number alone is ambiguous: name the file too.
          const where = r.line !== undefined ? (r.file ? `${r.file}:${r.line}` : `line ${r.line}`) : undefined;
          return cellText(r.id ?? where ?? '—', 'mono', where);
        },
      },
      { id: 'type', label: 'type', width: '120px', sort: 'problemType', cell: (r) => cellText(r.problemType ?? '—') },
      // The format reward is the ✓/reason column itself (sortable by its value), not a second column.
      { id: 'format', label: 'format', width: '104px', sort: rewardNames.includes('format') ? 'reward:format' : undefined, cell: fmt },
      ...rewardNames
        .filter((name) => name !== 'format')
        .map<Column>((name) => ({
          id: `reward:${name}`,
          label: name.startsWith('recorded:') ? `${name.slice('recorded:'.length)} (file)` : name,
          title: name.startsWith('recorded:') ? `${name.slice('recorded:'.length)} as recorded in the file` : name,
          width: '92px',
          sort: `reward:${name}`,
          cell: (r) => {
            const v = r.rewards[name];
            if (!v) return cellText('', 'num');
            return cellText(valueText(v.value, v.status), `num reward ${valueClass(v.value, v.status)}`, v.status === 'ok' ? undefined : `status: ${v.status}`);
          },
        })),
      {
        id: 'group',
        label: 'group',
        width: '110px',
        sort: 'group',
        cell: (r) => cellText(r.groupId ?? '—', ['mono', r.zeroVarianceGroup ? 'zero-var' : ''].join(' '), r.groupId),
      },
      {
        id: 'advantage',
        // Which trainer's formula the numbers follow, and from which totals: the column says so.
        label: grouping ? `adv. (${grouping.rule})` : 'adv.',
        title: grouping ? `advantage by the ${grouping.rule} rule, from ${grouping.totals} totals; ${grouping.note}` : 'advantage',
        width: '64px',
        sort: 'advantage',
        cell: (r) =>
          cellText(
            r.advantage === undefined ? '—' : (r.advantage > 0 ? '+' : '') + formatNumber(r.advantage),
            `num ${r.advantage === undefined ? '' : r.advantage > 0 ? 'adv-pos' : r.advantage < 0 ? 'adv-neg' : 'adv-zero'}`,
          ),
      },
      ...(withShortcuts
        ? [
            {
              id: 'shortcut',
              label: 'shortcut',
              title: 'Shortcut verdicts: audio / visual',
              width: '128px',
              cell: (r: RowSummary) =>
                r.shortcut
                  ? cellText(
                      `A ${SHORT_VERDICT[r.shortcut.audio]} · V ${SHORT_VERDICT[r.shortcut.visual]}`,
                      ['mono', r.shortcut.audio === 'ignored' || r.shortcut.visual === 'ignored' ? 'sc-flag' : ''].join(' '),
                      `audio: ${r.shortcut.audio}; visual: ${r.shortcut.visual}`,
                    )
                  : cellText('—', 'muted', 'not analysed'),
            } satisfies Column,
          ]
        : []),
      { id: 'answer', label: 'answer', width: 'minmax(160px, 1fr)', cell: (r) => cellText(r.answer || '∅', r.answer ? 'answer' : 'answer muted') },
    ];
    this.viewport.style.setProperty('--table-columns', this.columns.map((c) => c.width).join(' '));
    // Header and rows share one minimum width so their grids resolve to the same columns.
    const fixed = this.columns.reduce((sum, c) => sum + (parseInt(c.width.replace(/^minmax\(/, ''), 10) || 0), 0);
    this.viewport.style.setProperty('--table-min-width', `${fixed}px`);
    this.renderHeader();
  }

  /**
   * Asks now for the pages setQuery(query, keepScroll) will show, so that their round trip to the
   * host overlaps the caller's other requests (the view's getInit) instead of following them.
   * Hand the result to that setQuery; it is used only for the same query.
   */
  prefetch(query: RowQuery, keepScroll = false): Prefetched {
    const pages = new Map<number, Promise<RowPage>>();
    for (const page of keepScroll ? this.visiblePages() : [0]) {
      const p = this.cb.fetch(query, page * PAGE, PAGE);
      // Awaited by setQuery, or dropped with the refresh: a failure of a dropped one is not unhandled.
      p.catch(() => undefined);
      pages.set(page, p);
    }
    return { key: queryKey(query), pages };
  }

  /**
   * New query. A fresh one starts at the top; a refresh of the same view (`keepScroll`, e.g.
   * rows arriving while a file loads) keeps showing the old rows until the visible pages of the
   * new order have arrived, so the table does not flash placeholders on every update.
   */
  async setQuery(query: RowQuery, keepScroll = false, prefetched?: Prefetched): Promise<void> {
    const ready = prefetched?.key === queryKey(query) ? prefetched.pages : undefined;
    this.query = query;
    const gen = ++this.generation;
    this.inflight.clear();
    this.renderHeader();
    if (!keepScroll) {
      this.pages.clear();
      this.loaded = false;
      this.viewport.scrollTop = 0;
      this.cursor = -1;
      await this.loadPage(0, ready?.get(0));
      this.render();
      return;
    }
    const fresh = new Map<number, TableRow[]>();
    let total = this.total;
    try {
      await Promise.all(
        this.visiblePages().map(async (page) => {
          const res = await (ready?.get(page) ?? this.cb.fetch(query, page * PAGE, PAGE));
          fresh.set(page, res.rows);
          total = res.total;
        }),
      );
    } catch (e) {
      if (gen === this.generation) this.cb.error(errorText(e));
      return;
    }
    if (!this.usable(gen, query)) return;
    this.pages.clear();
    for (const [page, rows] of fresh) this.pages.set(page, rows);
    this.total = total;
    this.loaded = true;
    this.render();
  }

  private visiblePages(): number[] {
    const { first, last } = this.visibleRange();
    const pages = new Set<number>([Math.floor(first / PAGE)]);
    for (let p = first; p < Math.max(first + 1, last); p += PAGE) pages.add(Math.floor(p / PAGE));
    pages.add(Math.floor(Math.max(0, last - 1) / PAGE));
    return [...pages];
  }

  private visibleRange(): { first: number; last: number } {
    const top = Math.max(0, this.viewport.scrollTop);
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    return { first, last };
  }

  setOpen(index: number | undefined): void {
    this.openIndex = index;
    this.render();
  }

  focus(): void {
    this.viewport.focus();
  }

  /** Scroll so that `position` is visible and put the keyboard cursor there. */
  reveal(position: number): void {
    if (position < 0) return;
    this.cursor = position;
    const top = position * ROW_HEIGHT;
    const headerH = this.header.offsetHeight;
    const view = this.viewport.clientHeight - headerH;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > this.viewport.scrollTop + view) this.viewport.scrollTop = top + ROW_HEIGHT - view;
    this.render();
  }

  private renderHeader(): void {
    clear(this.header);
    const sort = this.query.sort ?? { key: 'index', dir: 'asc' };
    for (const c of this.columns) {
      const active = c.sort !== undefined && c.sort === sort.key;
      const cell = el(
        c.sort ? 'button' : 'div',
        {
          class: ['th', c.sort ? 'sortable' : null, active ? 'sorted' : null, c.id.startsWith('reward:') || c.id === 'advantage' || c.id === 'index' ? 'num' : null],
          testid: `th-${c.id}`,
          attrs: c.sort ? { type: 'button', 'aria-sort': active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none' } : {},
          title: c.sort ? `${c.title ?? c.label} — click to sort` : (c.title ?? c.label),
        },
        [el('span', { text: c.label }), active ? el('span', { class: 'sort-mark', text: sort.dir === 'asc' ? '▲' : '▼' }) : null],
      );
      if (c.sort) {
        const key = c.sort;
        cell.addEventListener('click', () => {
          const dir: 'asc' | 'desc' = active ? (sort.dir === 'asc' ? 'desc' : 'asc') : key.startsWith('reward:') || key === 'advantage' ? 'desc' : 'asc';
          this.cb.sortChanged({ key, dir });
        });
      }
      this.header.appendChild(cell);
    }
  }

  /** Fetches a page of the current query (or awaits `pending`, the same page already asked for). */
  private async loadPage(page: number, pending?: Promise<RowPage>): Promise<void> {
    if (this.pages.has(page) || this.inflight.has(page)) return;
    const gen = this.generation;
    const query = this.query;
    this.inflight.add(page);
    try {
      const res = await (pending ?? this.cb.fetch(query, page * PAGE, PAGE));
      if (!this.usable(gen, query)) return;
      this.total = res.total;
      this.pages.set(page, res.rows);
      this.loaded = true;
    } catch (e) {
      if (gen === this.generation) this.cb.error(errorText(e));
    } finally {
      if (gen === this.generation) this.inflight.delete(page);
    }
  }

  /**
   * Whether pages asked for in generation `gen` may still be shown: those of the latest request,
   * and, while the table shows nothing yet, those of an earlier request for the same query. A big
   * file invalidates the view every half second while it loads; a first page arriving just after
   * a newer refresh started was dropped, and the table stayed empty until the next one came back.
   */
  private usable(gen: number, query: RowQuery): boolean {
    return gen === this.generation || (!this.loaded && queryKey(query) === queryKey(this.query));
  }

  private rowAt(position: number): TableRow | undefined {
    return this.pages.get(Math.floor(position / PAGE))?.[position % PAGE];
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    this.body.style.height = `${this.total * ROW_HEIGHT}px`;
    this.status.hidden = !(this.loaded && this.total === 0);
    if (!this.status.hidden) this.status.textContent = 'No rollouts match these filters.';
    const { first, last } = this.visibleRange();
    const missing = new Set<number>();
    const frag = document.createDocumentFragment();
    for (let p = first; p < last; p++) {
      const row = this.rowAt(p);
      if (!row) missing.add(Math.floor(p / PAGE));
      frag.appendChild(this.renderRow(p, row));
    }
    this.body.replaceChildren(frag);
    for (const page of missing) void this.loadPage(page).then(() => this.schedule());
  }

  private renderRow(position: number, row: TableRow | undefined): HTMLElement {
    let node: HTMLElement;
    if (!row) {
      node = el('div', { class: 'tr loading', attrs: { role: 'row' } }, [el('div', { class: 'cell muted', text: '…' })]);
    } else if (row.kind === 'group') {
      const g = row.group;
      node = el('div', { class: ['tr', 'group-row', g.zeroVariance ? 'zero-var' : null], testid: 'group-row', attrs: { role: 'row', 'data-group': g.groupId } }, [
        el('div', { class: 'group-cell' }, [
          el('span', { class: 'group-label', text: 'group' }),
          el('code', { class: 'group-id', text: g.groupId }),
          el('span', { class: 'muted', text: `${g.size} rollouts${g.shown !== g.size ? ` (${g.shown} shown)` : ''}` }),
          el('span', { class: 'muted', text: `mean ${formatNumber(g.mean)} · std ${formatNumber(g.std)}` }),
          g.zeroVariance
            ? el('span', { class: 'badge zero-var-badge', testid: 'zero-variance', text: 'ZERO-VARIANCE', title: 'All totals in this group are equal: GRPO gets no learning signal from it' })
            : null,
        ]),
      ]);
    } else {
      const r = row.row;
      node = el(
        'div',
        {
          class: [
            'tr',
            'rollout-row',
            r.index === this.openIndex ? 'selected' : null,
            position === this.cursor ? 'cursor' : null,
            r.groupId !== undefined && this.query.groupByPrompt ? 'in-group' : null,
          ],
          testid: 'rollout-row',
          attrs: { role: 'row', 'data-index': r.index, 'aria-selected': r.index === this.openIndex ? 'true' : 'false' },
        },
        this.columns.map((c) => {
          const cell = c.cell(r);
          cell.dataset.col = c.id;
          return cell;
        }),
      );
      node.addEventListener('click', () => {
        this.cursor = position;
        this.viewport.focus({ preventScroll: true });
        this.cb.open(r.index);
      });
    }
    node.style.transform = `translateY(${position * ROW_HEIGHT}px)`;
    return node;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Enter' && e.key !== 'Home' && e.key !== 'End' && e.key !== 'PageDown' && e.key !== 'PageUp') return;
    e.preventDefault();
    if (this.total === 0) return;
    if (e.key === 'Enter') {
      const row = this.rowAt(this.cursor);
      if (row?.kind === 'rollout') this.cb.open(row.row.index);
      return;
    }
    const pageRows = Math.max(1, Math.floor((this.viewport.clientHeight - this.header.offsetHeight) / ROW_HEIGHT) - 1);
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'PageDown' ? pageRows : e.key === 'PageUp' ? -pageRows : 0;
    let next = e.key === 'Home' ? 0 : e.key === 'End' ? this.total - 1 : this.cursor < 0 ? 0 : this.cursor + step;
    next = Math.max(0, Math.min(this.total - 1, next));
    // Group headers are not selectable: keep going in the same direction.
    const dir = step < 0 || e.key === 'End' ? -1 : 1;
    while (this.rowAt(next)?.kind === 'group') {
      const n = next + dir;
      if (n < 0 || n >= this.total) break;
      next = n;
    }
    this.reveal(next);
  }
}
