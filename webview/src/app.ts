// The rollout browser: toolbar (filters), reward chart, virtualised table and the trace of the
// selected rollout. Everything it knows comes through the RpcClient.

import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';

import type { RolloutDetail, RowQuery, ViewInit, WebviewEvents } from '../../src/protocol/messages';
import type { ViewKeyAction } from '../../src/protocol/rolloutView';
import { parseTrace } from '../../src/core/trace';
import type { RpcClient } from './rpc';
import { el, custom, clear, debounce, append } from './dom';
import { RolloutTable } from './table';
import { renderTraceView } from './traceView';
import { renderChart } from './chart';
import { LabelBar } from './labelBar';
import { setCalibrations } from './judgeDetail';
import { RunStrip } from './runStrip';
import { renderShortcutSummary } from './shortcutSummary';
import type { StateStore, ViewState } from './state';
import { errorText } from '../../src/core/errors';
import { mark } from './timeline';

export class App {
  private init: ViewInit | undefined;
  private state: ViewState;
  private readonly table: RolloutTable;
  private readonly toolbar = el('header', { class: 'toolbar', testid: 'toolbar' });
  private readonly banner = el('div', { class: 'banner', testid: 'error', attrs: { hidden: true, role: 'alert' } });
  private readonly chartPanel = el('section', { class: 'chart-panel', testid: 'chart', attrs: { 'aria-label': 'Reward distributions' } });
  private readonly shortcutPanel = el('section', { class: 'chart-panel', testid: 'shortcut-panel', attrs: { 'aria-label': 'Shortcut rates', hidden: true } });
  private readonly tracePane = el('div', { class: 'trace-pane', testid: 'trace-pane' });
  private readonly countNode = el('span', { class: 'count', testid: 'row-count' });
  private readonly progressNode = el('span', { class: 'progress muted', testid: 'progress' });
  private openSeq = 0;
  /** The host was told this page painted its first rows of the file (it lets its load go on). */
  private firstRowsReported = false;
  /** The detail the trace pane shows, and (live run) the streamed text of each sample. */
  private shown: { detail: RolloutDetail; index: number } | undefined;
  private readonly streamed = new Map<number, string>();
  /** Live run only: each sample's state and verdicts, "k of n done". */
  private readonly runStrip = new RunStrip((index) => void this.open(index, true));
  /** Labelling by keyboard (editor only): the bar above the trace. */
  private readonly labelBar = new LabelBar({
    setLabel: (reward, score, reason) => this.rpc.request('setLabel', { index: this.shown!.index, reward, score, ...(reason ? { reason } : {}) }),
    changed: () => this.maskJudged(),
    undo: async () => {
      await this.rpc.request('undoLabel', {}).catch((e: unknown) => this.showError(`Could not undo: ${errorText(e)}`));
      if (this.shown) await this.showLabels(this.shown.index);
    },
    move: (step) => void this.moveSelection(step),
  });
  private readonly labelButton = el('button', { class: 'label-toggle', testid: 'label-toggle', attrs: { type: 'button', title: 'Label the judged rewards by keyboard (L)' }, text: 'Label' });
  private readonly stopButton = custom('vscode-button', { testid: 'stop-run', attrs: { title: 'Stop the run; the samples so far are saved' } }, ['Stop']);

  constructor(
    private readonly root: HTMLElement,
    private readonly rpc: RpcClient,
    private readonly store: StateStore,
  ) {
    this.state = store.load();
    this.table = new RolloutTable({
      fetch: (query, offset, limit) =>
        this.rpc.request('getRows', { query, offset, limit }).then((page) => {
          mark('rows', page.rows.length);
          this.updateCount(page.matched ?? page.total);
          return page;
        }),
      open: (index) => void this.open(index),
      sortChanged: (sort) => this.updateQuery({ ...this.state.query, sort }),
      error: (m) => this.showError(m),
    });
    root.replaceChildren(
      el('div', { class: 'app' }, [this.toolbar, this.banner, this.chartPanel, this.shortcutPanel, this.runStrip.element, el('div', { class: 'main' }, [this.table.element, this.tracePane])]),
    );
    this.toolbar.appendChild(el('div', { class: 'loading-note' }, [custom('vscode-progress-ring'), 'Loading rollouts…']));
    this.showTraceEmpty();
    rpc.on('invalidate', () => void this.refresh(true));
    rpc.on('progress', (p) => {
      this.progressNode.textContent = p.done ? '' : `reading… ${p.read.toLocaleString()} read${p.skipped ? `, ${p.skipped.toLocaleString()} skipped` : ''}`;
    });
    rpc.on('select', ({ index }) => void this.open(index, true));
    rpc.on('key', ({ action, score }) => this.onViewKey(action, score));
    rpc.on('streamDelta', (d) => this.applyDelta(d));
    rpc.on('runProgress', (p) => this.runStrip.update(p));
    this.stopButton.addEventListener('click', () => {
      this.stopButton.setAttribute('disabled', '');
      this.rpc.request('cancelRun', {}).catch((e: unknown) => this.showError(`Could not stop the run: ${errorText(e)}`));
    });
    this.labelButton.addEventListener('click', () => this.setLabelling(!this.state.labelling));
    document.addEventListener('keydown', (e) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName.startsWith('VSCODE-') || t.isContentEditable)) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'L' || (e.key === 'l' && !this.state.labelling)) {
        if (this.init?.host === 'vscode') this.setLabelling(!this.state.labelling);
        return;
      }
      if (this.state.labelling && this.labelBar.onKey(e)) e.preventDefault();
    });
    this.observeTheme();
  }

  private setLabelling(on: boolean): void {
    this.state = { ...this.state, labelling: on };
    this.save();
    this.labelButton.classList.toggle('on', on);
    if (this.init) this.table.setRewards(this.visibleRewards(), !!this.init.shortcuts, this.init.grouping);
    if (this.shown) this.renderDetail(this.shown.index, this.shown.detail, true);
  }

  /** While labelling blind, the table leaves out the judged rewards' columns (they would give the judge away). */
  private visibleRewards(): string[] {
    const names = this.init?.rewardNames ?? [];
    return this.state.labelling ? names.filter((n) => n !== 'context' && n !== 'logic') : names;
  }

  /** A keybinding of the view (VS Code's, so it shows in the keyboard-shortcuts editor). */
  private onViewKey(action: ViewKeyAction, score?: number): void {
    if (action === 'next' || action === 'previous') void this.moveSelection(action === 'next' ? 1 : -1);
    else if (action === 'toggleReference') {
      this.state = { ...this.state, showReference: !this.state.showReference };
      this.save();
      if (this.shown) this.renderDetail(this.shown.index, this.shown.detail, true);
    } else if (action === 'toggleLabelling') {
      if (this.init?.host === 'vscode') this.setLabelling(!this.state.labelling);
    } else if (this.state.labelling) {
      const key = action === 'label' ? String(score ?? '') : action === 'nextReward' ? 'ArrowRight' : action === 'previousReward' ? 'ArrowLeft' : 'u';
      this.labelBar.press(key);
    }
  }

  /** The next or previous row of the table becomes the selection. */
  private async moveSelection(step: 1 | -1): Promise<void> {
    if (this.state.selected === undefined) return;
    const { position } = await this.rpc.request('locateRow', { query: this.state.query, index: this.state.selected });
    if (position < 0) return;
    const page = await this.rpc.request('getRows', { query: this.state.query, offset: position + step, limit: 4 });
    const row = page.rows.find((r) => r.kind === 'rollout');
    if (row && row.kind === 'rollout') void this.open(row.row.index, true);
  }

  private async showLabels(index: number): Promise<void> {
    try {
      const st = await this.rpc.request('getLabels', { index });
      if (this.shown?.index !== index) return;
      this.labelBar.show(st);
    } catch (e) {
      this.showError(`Could not read the labels: ${errorText(e)}`);
    }
  }

  /** Blind labelling: a judged chip shows no value until its reward is labelled. */
  private maskJudged(): void {
    const hidden = this.labelBar.hiddenRewards();
    for (const chip of this.tracePane.querySelectorAll<HTMLElement>('.chip[data-testid^="chip-"]')) {
      const name = chip.dataset.testid!.slice('chip-'.length);
      const value = chip.querySelector<HTMLElement>('.chip-value');
      if (!value) continue;
      const blind = hidden.has(name);
      chip.classList.toggle('chip-blind', blind);
      if (blind) {
        value.dataset.real ??= value.textContent ?? '';
        value.textContent = '•••';
        chip.title = 'Hidden until you label this reward';
        chip.setAttribute('disabled', '');
      } else if (value.dataset.real !== undefined) {
        value.textContent = value.dataset.real;
        delete value.dataset.real;
        chip.removeAttribute('disabled');
        chip.title = 'Show why';
      }
    }
  }

  async start(): Promise<void> {
    await this.refresh(false);
    if (this.state.selected !== undefined && this.init && this.init.total > 0) void this.open(this.state.selected, true);
  }

  private async refresh(keepScroll: boolean): Promise<void> {
    // The rows are asked for with the init, not after it: one round trip to the host, not two.
    const prefetched = this.table.prefetch(this.state.query, keepScroll);
    try {
      this.init = await this.rpc.request('getInit', {});
      mark('init', this.init.total);
    } catch (e) {
      this.showError(`Could not load the rollouts: ${errorText(e)}`);
      if (!this.controls) clear(this.toolbar);
      return;
    }
    this.hideError();
    setCalibrations(this.init.calibrations);
    // Rows first, then the toolbar: its filters are web components whose render took longer than
    // the rows' on the way to the first screen.
    this.table.setRewards(this.visibleRewards(), !!this.init.shortcuts, this.init.grouping);
    await this.table.setQuery(this.state.query, keepScroll, prefetched);
    mark('shown');
    // The first rows reach the screen before the toolbar is built (its controls, made on its first
    // render): the first render of its web components would otherwise hold up that frame.
    const firstRows = !this.firstRowsReported && this.init.total > 0;
    if (!this.controls || firstRows) await afterNextPaint();
    if (firstRows) {
      this.firstRowsReported = true;
      // The editor's load waits after its first page until they are on screen; other hosts have no load.
      if (this.init.host === 'vscode') void this.rpc.request('firstRowsShown', {}).catch(() => undefined);
    }
    this.renderToolbar(this.init);
    this.runStrip.update(this.init.run);
    this.labelButton.hidden = this.init.host !== 'vscode';
    this.labelButton.classList.toggle('on', !!this.state.labelling);
    this.renderChartPanel();
    this.renderShortcutPanel();
    if (keepScroll && this.state.selected !== undefined) void this.open(this.state.selected, false);
  }

  private save(): void {
    this.store.save(this.state);
  }

  private updateQuery(query: RowQuery): void {
    this.state = { ...this.state, query };
    this.save();
    void this.table.setQuery(query).then(() => this.locateSelected());
  }

  private async locateSelected(): Promise<void> {
    if (this.state.selected === undefined) return;
    try {
      const { position } = await this.rpc.request('locateRow', { query: this.state.query, index: this.state.selected });
      this.table.setOpen(this.state.selected);
      if (position >= 0) this.table.reveal(position);
    } catch {
      // An older host without locateRow: the selection simply is not scrolled to.
    }
  }

  private async open(index: number, scrollTo = false): Promise<void> {
    const seq = ++this.openSeq;
    this.state = { ...this.state, selected: index };
    this.save();
    this.table.setOpen(index);
    if (scrollTo) void this.locateSelected();
    const shown = this.tracePane.querySelector<HTMLElement>('[data-testid=trace-view]')?.dataset.index;
    // Re-reading the rollout already shown (after an invalidate) keeps it on screen meanwhile.
    if (shown !== String(index)) {
      this.tracePane.replaceChildren(el('div', { class: 'loading-note' }, [custom('vscode-progress-ring'), 'Loading trace…']));
    }
    try {
      const detail = await this.rpc.request('getRollout', { index });
      if (seq !== this.openSeq || !this.init) return;
      // The host's text is current as of this reply; later deltas append to it.
      if (this.streamed.has(index) || this.init.live) this.streamed.set(index, detail.scored.record.completion);
      this.renderDetail(index, detail, shown === String(index));
    } catch (e) {
      if (seq !== this.openSeq) return;
      this.tracePane.replaceChildren(
        el('div', { class: 'empty-state error-state', testid: 'trace-error' }, [
          el('div', { class: 'empty-title', text: `Could not show rollout #${index}` }),
          el('div', { class: 'muted', text: errorText(e) }),
        ]),
      );
    }
  }

  /**
   * Live run: text appended to a sample. The selected sample's trace is re-parsed and its panels
   * re-rendered (still unscored); a gap re-reads the rollout; `done` re-reads it scored.
   */
  private applyDelta(d: WebviewEvents['streamDelta']): void {
    const cur = this.streamed.get(d.index) ?? '';
    let next = cur;
    if (d.at === undefined || d.at === cur.length) next = cur + d.text;
    else if (d.at < cur.length) next = cur.slice(0, d.at) + d.text; // the reply already had part of it
    const selected = this.state.selected === d.index && this.shown?.index === d.index;
    if (d.at !== undefined && d.at > cur.length) {
      // Missed text (the page loaded mid-stream): the host's copy is the truth.
      if (selected) void this.open(d.index);
      return;
    }
    this.streamed.set(d.index, next);
    if (d.done) {
      if (this.state.selected === d.index) void this.open(d.index);
      return;
    }
    if (!selected || next === cur) return;
    const prev = this.shown!.detail;
    const detail: RolloutDetail = {
      ...prev,
      scored: { ...prev.scored, record: { ...prev.scored.record, completion: next }, trace: parseTrace(next), rewards: {} },
      modality: undefined,
    };
    this.renderDetail(d.index, detail, true);
  }

  private renderDetail(index: number, detail: RolloutDetail, keepScroll: boolean): void {
    if (!this.init) return;
    this.shown = { detail, index };
    {
      const view = renderTraceView(detail, {
        init: this.init,
        showReference: !!this.state.showReference,
        modalityColours: this.state.modalityColours !== false,
        onToggleModalityColours: (on) => {
          this.state = { ...this.state, modalityColours: on };
          this.save();
        },
        onReveal: (i) => {
          this.rpc.request('revealSource', { index: i }).catch((e: unknown) => this.showError(`Could not open the source: ${errorText(e)}`));
        },
        onToggleReference: (show) => {
          this.state = { ...this.state, showReference: show };
          this.save();
          void this.open(index);
        },
      });
      const scroll = this.tracePane.scrollTop;
      this.tracePane.replaceChildren(...(this.state.labelling && this.init.host === 'vscode' ? [this.labelBar.element] : []), view);
      this.tracePane.scrollTop = keepScroll ? scroll : 0;
      if (this.state.labelling && this.init.host === 'vscode') void this.showLabels(index);
    }
  }

  private showTraceEmpty(): void {
    this.tracePane.replaceChildren(
      el('div', { class: 'empty-state', testid: 'trace-empty' }, [
        el('div', { class: 'empty-title', text: 'No rollout selected' }),
        el('div', { class: 'muted', text: 'Click a row, or move with ↑ ↓ and press Enter, to read its trace.' }),
      ]),
    );
  }

  private updateCount(shown: number): void {
    // While a file streams in, the page can be newer than init: never show "N of fewer".
    const total = Math.max(this.init?.total ?? 0, shown);
    this.countNode.textContent = shown === total ? `${total.toLocaleString()} rollouts` : `${shown.toLocaleString()} of ${total.toLocaleString()} rollouts`;
  }

  private controls: { typeSelect: VscodeSingleSelect; formatSelect: VscodeSingleSelect; search: VscodeTextfield; group: VscodeCheckbox; info: HTMLElement; optionsKey: string } | undefined;

  /**
   * The filter controls are built once and only their options and the title line change on a
   * refresh: the host invalidates often while a big file loads, and a rebuilt search box would
   * lose what the user is typing.
   */
  private renderToolbar(init: ViewInit): void {
    if (!this.controls) this.controls = this.buildControls();
    const c = this.controls;
    const q = this.state.query;
    const failing = Object.values(init.formatReasons).reduce((a, b) => a + b, 0);
    // Counts only once the whole file is read: while it loads they change on every refresh, and
    // each change re-renders both dropdowns, work taken from the load itself.
    const count = (n: number) => (init.complete === false ? '' : ` (${n.toLocaleString()})`);
    const typeOptions: [string, string][] = [['', 'all problem types'], ...init.problemTypes.map((t): [string, string] => [t, t])];
    const formatOptions: [string, string][] = [
      ['all', 'any format'],
      ['passing', `format passes${count(init.total - failing)}`],
      ['failing', `format fails${count(failing)}`],
      ...Object.entries(init.formatReasons)
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]): [string, string] => [code, `${code}${count(n)}`]),
    ];
    const optionsKey = JSON.stringify([typeOptions, formatOptions]);
    if (optionsKey !== c.optionsKey) {
      c.optionsKey = optionsKey;
      const option = ([value, label]: [string, string]) => custom('vscode-option', { attrs: { value }, text: label });
      c.typeSelect.replaceChildren(...typeOptions.map(option));
      c.formatSelect.replaceChildren(...formatOptions.map(option));
      // Values apply once the elements have upgraded and seen their new options.
      void Promise.all(['vscode-single-select', 'vscode-textfield', 'vscode-checkbox'].map((t) => customElements.whenDefined(t))).then(() =>
        requestAnimationFrame(() => {
          c.typeSelect.value = this.state.query.problemType ?? '';
          c.formatSelect.value = this.state.query.format ?? 'all';
        }),
      );
    }
    if (c.search.value !== (q.text ?? '') && document.activeElement !== c.search) c.search.value = q.text ?? '';
    c.group.checked = !!q.groupByPrompt;
    c.group.disabled = !init.hasGroups;
    c.group.title = init.hasGroups ? "Order rollouts group by group, with each group's statistics" : 'This file has no GRPO groups';

    const problems =
      init.problemCount > 0
        ? el('details', { class: 'problems', testid: 'read-problems' }, [
            el('summary', { text: `${init.problemCount.toLocaleString()} record${init.problemCount === 1 ? '' : 's'} could not be read` }),
            el(
              'ul',
              {},
              init.problems.map((p) => el('li', { text: `${p.file}${p.line !== undefined ? `:${p.line}` : ''} — ${p.message}` })),
            ),
          ])
        : null;
    const wasOpen = c.info.querySelector('details')?.open ?? false;
    c.info.replaceChildren();
    append(c.info, [
      el('h1', { testid: 'view-title', text: init.title }),
      el('span', { class: 'muted', text: `${init.fileName} · ${init.format}` }),
      this.countNode,
      init.zeroVarianceGroups > 0
        ? el('span', {
            class: 'badge zero-var-badge',
            testid: 'zero-variance-count',
            text: `${init.zeroVarianceGroups.toLocaleString()} zero-variance group${init.zeroVarianceGroups === 1 ? '' : 's'}`,
            title: 'Groups whose rollouts all got the same total: GRPO learns nothing from them',
          })
        : null,
      init.grouping && (init.grouping.basis === 'text' || init.grouping.basis === 'mixed')
        ? el('span', { class: 'badge grouping-badge', testid: 'grouping-note', text: 'groups inferred from identical text', title: init.grouping.note })
        : null,
      init.complete === false ? el('span', { class: 'muted', testid: 'still-reading', text: 'still reading…' }) : null,
      // Viewing only reads local files, so it works untrusted; what needs the network or runs an
      // executable (judging, running a checkpoint, clip analysis) waits for trust, and says so.
      init.host === 'vscode' && !init.trusted
        ? el('span', {
            class: 'badge trust-badge',
            testid: 'trust-note',
            text: 'Restricted Mode: judging, running checkpoints and clip analysis are off until you trust this workspace',
          })
        : null,
      this.progressNode,
      this.labelButton,
      init.live ? this.stopButton : null,
      problems,
    ]);
    if (problems && wasOpen) problems.open = true;
    this.updateCount(init.total);
  }

  private buildControls(): NonNullable<App['controls']> {
    clear(this.toolbar);
    const typeSelect = custom<VscodeSingleSelect>('vscode-single-select', { testid: 'filter-type', attrs: { 'aria-label': 'Problem type' } });
    const formatSelect = custom<VscodeSingleSelect>('vscode-single-select', { testid: 'filter-format', attrs: { 'aria-label': 'Format' } });
    const search = custom<VscodeTextfield>('vscode-textfield', {
      class: 'search',
      testid: 'filter-text',
      attrs: { placeholder: 'Search question, answer, trace…', type: 'search', 'aria-label': 'Search' },
    });
    const group = custom<VscodeCheckbox>('vscode-checkbox', { testid: 'group-by', attrs: { label: 'group by prompt' } });
    const chartLabel = () => (this.chartOpen() ? 'Hide distributions' : 'Show distributions');
    const chartBtn = custom('vscode-button', { testid: 'toggle-chart', attrs: { secondary: true } }, [chartLabel()]);

    typeSelect.addEventListener('change', () => this.updateQuery({ ...this.state.query, problemType: typeSelect.value || undefined }));
    formatSelect.addEventListener('change', () => this.updateQuery({ ...this.state.query, format: formatSelect.value }));
    const onText = debounce(() => this.updateQuery({ ...this.state.query, text: search.value || undefined }), 200);
    search.addEventListener('input', onText);
    group.addEventListener('change', () => this.updateQuery({ ...this.state.query, groupByPrompt: group.checked }));
    chartBtn.addEventListener('click', () => {
      this.state = { ...this.state, chartOpen: !this.chartOpen() };
      this.save();
      chartBtn.textContent = chartLabel();
      this.renderChartPanel();
    });
    const info = el('div', { class: 'toolbar-title' });
    this.toolbar.append(info, el('div', { class: 'toolbar-filters' }, [typeSelect, formatSelect, search, group, el('span', { class: 'spacer' }), chartBtn]));
    return { typeSelect, formatSelect, search, group, info, optionsKey: '' };
  }

  private chartOpen(): boolean {
    return this.state.chartOpen ?? this.init?.host === 'report';
  }

  private renderChartPanel(): void {
    if (!this.init) return;
    const reading = this.init.complete === false;
    const open = this.chartOpen() && (reading || this.init.histograms.length > 0);
    this.chartPanel.hidden = !open;
    if (!open) return;
    if (reading) this.chartPanel.replaceChildren(el('div', { class: 'empty-note', testid: 'chart-reading', text: 'The distributions are drawn once the whole file is read.' }));
    else renderChart(this.chartPanel, this.init.histograms, this.init.rewardNames);
  }

  private renderShortcutPanel(): void {
    const s = this.init?.shortcuts;
    this.shortcutPanel.hidden = !s;
    if (!s) return;
    const active = this.state.query.shortcut;
    const summary = renderShortcutSummary(
      s,
      (index) => void this.open(index, true),
      (spec) => {
        this.updateQuery({ ...this.state.query, shortcut: spec });
        this.renderShortcutPanel();
      },
    );
    let clearFilter: HTMLElement | null = null;
    if (active) {
      clearFilter = el('button', { class: 'link', testid: 'clear-shortcut-filter', attrs: { type: 'button' }, text: `showing ${active} — show all` });
      clearFilter.addEventListener('click', () => {
        this.updateQuery({ ...this.state.query, shortcut: undefined });
        this.renderShortcutPanel();
      });
    }
    this.shortcutPanel.replaceChildren(summary, ...(clearFilter ? [clearFilter] : []));
  }

  private observeTheme(): void {
    // VS Code swaps vscode-light / vscode-dark / vscode-high-contrast on <body>; the report follows
    // the OS scheme. Either way the chart reads its colours again.
    const rerender = () => {
      this.renderChartPanel();
      this.renderShortcutPanel();
    };
    new MutationObserver(rerender).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', rerender);
  }

  private showError(text: string): void {
    this.banner.textContent = text;
    this.banner.hidden = false;
  }

  private hideError(): void {
    this.banner.hidden = true;
  }
}

/** Resolves once the browser has painted a frame (or soon, in a page that paints none: a hidden one). */
function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(fallback);
        resolve();
      }, 0),
    );
  });
}
