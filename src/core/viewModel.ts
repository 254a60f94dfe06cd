// The data behind the rollout views, shared by the VS Code host and the static report.
// It keeps one small RowSummary per rollout in memory and fetches full details on demand,
// so a 100k-row file costs a few tens of MB, not the whole dump. Pure TS: no vscode, no DOM,
// no node built-ins (the report bundles it into the page).

import type { GroupStats, ReadProblem, ScoredRollout } from './types';
import { partialRewardSpans, sampleStd, type PartialAdvantages } from './grpo';
import { applyMarkovGating } from './rewards/markov';
import type { GroupHeader, MediaInfo, RewardHistogram, RolloutDetail, RowPage, RowQuery, RowSummary, SortKey, TableRow, ViewInit } from './viewTypes';
import { extractAnswer } from './pycompat';
import { firstFormatFailure } from './trace';
import { rolloutModalities } from './modality';
import type { CueInventory, ShortcutAnalysis, ShortcutLine, ShortcutSummary } from './shortcuts/types';

export { NO_PROBLEM_TYPE } from './types';
import { NO_PROBLEM_TYPE } from './types';
import { errorText } from './errors';

const QUESTION_CHARS = 160;
const ANSWER_CHARS = 120;
const HISTOGRAM_BINS = 10;

// The members of a GRPO group come one after another with the same question: the last result for
// each length is kept, so a group costs one whitespace pass, not one per member.
const lastShortened = new Map<number, { text: string; short: string }>();

export function shorten(text: string, max: number): string {
  const last = lastShortened.get(max);
  if (last?.text === text) return last.short;
  const short = shortenOnce(text, max);
  if (last) {
    last.text = text;
    last.short = short;
  } else if (lastShortened.size < 8) lastShortened.set(max, { text, short });
  return short;
}

function shortenOnce(text: string, max: number): string {
  // Only the head can show: collapsing the whitespace of a whole long text costs for nothing.
  // (When the head collapses to less than fits, long whitespace runs hid more: do it all.)
  if (text.length > 4 * max) {
    const head = text
      .slice(0, 4 * max)
      .replace(/\s+/g, ' ')
      .trim();
    if (head.length > max) return head.slice(0, max - 1) + '…';
  }
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? oneLine.slice(0, max - 1) + '…' : oneLine;
}

/** The table's view of one scored rollout. */
const fileNames = new Map<string, string>();
/** A source file's base name, interned: every row of a file shares one string. */
function fileNameOf(path: string): string {
  let name = fileNames.get(path);
  if (name === undefined) {
    if (fileNames.size > 10_000) fileNames.clear();
    name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    fileNames.set(path, name);
  }
  return name;
}

export function summarise(scored: ScoredRollout): RowSummary {
  const { record, trace, group } = scored;
  const rewards: RowSummary['rewards'] = {};
  for (const [name, r] of Object.entries(scored.rewards)) rewards[name] = { value: r.value, status: r.status };
  const failure = trace.formatOk ? undefined : firstFormatFailure(trace);
  const answer = extractAnswer(record.completion);
  // Every field present, in one order, even when undefined: rows of one shape keep the table's
  // sort and filter passes over 100k of them monomorphic (rows of several shapes read 8× slower).
  const row: RowSummary = {
    index: record.index,
    id: record.id,
    line: record.source.line,
    file: fileNameOf(record.source.file),
    checkpoint: record.checkpoint,
    step: record.step,
    problemType: record.question.problemType,
    formatOk: trace.formatOk,
    // Same fallback as the CLI's summary, so the counts in both agree.
    formatReason: trace.formatOk ? undefined : (failure?.code ?? 'unexplained'),
    rewards,
    groupId: group === undefined ? record.groupId : undefined,
    groupSize: undefined,
    groupMean: undefined,
    groupStd: undefined,
    total: undefined,
    advantage: group === undefined ? record.recordedAdvantage : undefined,
    zeroVarianceGroup: undefined,
    question: shorten(record.question.problem ?? '', QUESTION_CHARS),
    // The trainer's extraction, not the parser's, because that is what accuracy compared.
    answer: shorten(answer.found ? answer.answer : (trace.answer?.text ?? ''), ANSWER_CHARS),
    shortcut: undefined,
  };
  return group ? withGroup(row, group) : row;
}

/** The row with a rollout's shortcut verdicts (or without any, when it has no analysis). */
export function withShortcutVerdicts(row: RowSummary, line: Pick<ShortcutLine, 'shortcut'> | undefined): RowSummary {
  const sc = line?.shortcut;
  if (!sc) return row.shortcut ? { ...row, shortcut: undefined } : row;
  return { ...row, shortcut: { audio: sc.audio.verdict, visual: sc.visual.verdict } };
}

/** The row with a group's statistics, e.g. once groups are known after streaming a file (same shape: see summarise). */
export function withGroup(row: RowSummary, group: GroupStats): RowSummary {
  return assignGroup({ ...row }, group);
}

/**
 * Writes the group's statistics into `row` itself (it has these fields already, so its shape
 * stays). For a store filling rows it owns: a new row per rollout at the end of a load doubled
 * the memory of a million rows.
 */
export function assignGroup(row: RowSummary, group: GroupStats): RowSummary {
  row.groupId = group.id;
  row.groupSize = group.size;
  row.groupMean = group.mean;
  row.groupStd = group.std;
  row.total = group.total ?? undefined;
  row.advantage = group.advantage ?? undefined;
  // A group of one has no variance to lose; only real groups are worth flagging.
  row.zeroVarianceGroup = group.zeroVariance && group.size > 1;
  return row;
}

/** Where the view model gets what it does not keep in memory. */
export interface RolloutSource {
  title: string;
  fileName: string;
  format: string;
  host: ViewInit['host'];
  trusted: boolean;
  /** The full scored rollout for one index (the host re-reads it by byte offset). */
  getDetail(index: number): Promise<ScoredRollout>;
  /** How the view should play the rollout's clip. */
  getMedia(scored: ScoredRollout): Promise<MediaInfo> | MediaInfo;
  /** Indices whose question, answer or completion contain `text` (already lower-cased). */
  search?(text: string): Promise<Set<number>>;
  rewardPlacement?: ViewInit['rewardPlacement'];
  /** One rollout's shortcut analysis and its clip's cue inventory, when an analysis exists. */
  getShortcut?(index: number): Promise<{ shortcut?: ShortcutAnalysis; cues?: CueInventory; error?: string } | undefined>;
  /** Rates over the analysed rollouts, when an analysis exists. */
  shortcutSummary?(): ShortcutSummary | undefined;
  /** How the rollouts were grouped, once known. */
  grouping?(): ViewInit['grouping'];
}

const MAX_LISTED_PROBLEMS = 200;

/**
 * A position in a query's order: a rollout's row itself, or a group's header. Rows are wrapped as
 * table rows only for the page sent, not one wrapper per row kept (at a million rows, 40 MB).
 */
type GroupEntry = { kind: 'group'; group: GroupHeader };
type OrderEntry = RowSummary | GroupEntry;

function isGroupEntry(e: OrderEntry): e is GroupEntry {
  return (e as { kind?: string }).kind === 'group';
}

function tableRowOf(e: OrderEntry): TableRow {
  return isGroupEntry(e) ? e : { kind: 'rollout', row: e };
}

export class RolloutViewModel {
  private readonly rows: RowSummary[] = [];
  /** Rollout index → position in rows (an array: indices are small integers, and a Map of a million cost ~5× the memory). */
  private readonly byIndex: number[] = [];
  private readonly problems: ReadProblem[] = [];
  private problemCount = 0;
  private complete = true;
  private initCache: ViewInit | undefined;
  private orderCache: { key: string; order: OrderEntry[]; matched: number } | undefined;
  private searchCache: { text: string; hits: Set<number> } | undefined;
  private groupCache: Map<string, GroupHeader> | undefined;

  constructor(
    private readonly source: RolloutSource,
    rows: Iterable<RowSummary> = [],
  ) {
    for (const r of rows) this.add(r);
  }

  get size(): number {
    return this.rows.length;
  }

  /** Append (or replace) one row; call `invalidate` once a batch has been added. */
  add(row: RowSummary): void {
    const at = this.byIndex[row.index];
    if (at !== undefined) {
      this.rows[at] = row;
    } else {
      this.byIndex[row.index] = this.rows.length;
      this.rows.push(row);
    }
  }

  addProblem(problem: ReadProblem): void {
    this.problemCount++;
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push(problem);
  }

  /** Replace the problem list wholesale (e.g. from a report, where the count may exceed the list). */
  setProblems(problems: ReadProblem[], count = problems.length): void {
    this.problems.length = 0;
    this.problems.push(...problems.slice(0, MAX_LISTED_PROBLEMS));
    this.problemCount = Math.max(count, problems.length);
    this.initCache = undefined;
  }

  /** Mark whether more rows are still coming (shown by the view as "loading"). */
  setComplete(complete: boolean): void {
    this.complete = complete;
    this.initCache = undefined;
  }

  /** Drop every derived cache; the next request recomputes from the current rows. */
  invalidate(): void {
    this.initCache = undefined;
    this.orderCache = undefined;
    this.searchCache = undefined;
    this.groupCache = undefined;
  }

  /** Where rollout `index` sits in rows; undefined for anything but a known whole number (a request's index is checked here). */
  private slotOf(index: number): number | undefined {
    return Number.isInteger(index) && index >= 0 ? this.byIndex[index] : undefined;
  }

  row(index: number): RowSummary | undefined {
    const at = this.slotOf(index);
    return at === undefined ? undefined : this.rows[at];
  }

  async getInit(): Promise<ViewInit> {
    if (!this.initCache) this.initCache = this.computeInit();
    return this.initCache;
  }

  async getRows({ query, offset, limit }: { query: RowQuery; offset: number; limit: number }): Promise<RowPage> {
    const order = await this.order(query);
    const start = Math.max(0, Math.min(offset, order.length));
    return { total: order.length, matched: this.orderCache?.matched ?? order.length, offset: start, rows: order.slice(start, start + Math.max(0, limit)).map(tableRowOf) };
  }

  async getRollout({ index }: { index: number }): Promise<RolloutDetail> {
    if (this.slotOf(index) === undefined) throw new Error(`no rollout with index ${index}`);
    const scored = await this.source.getDetail(index);
    let media: MediaInfo;
    try {
      media = await this.source.getMedia(scored);
    } catch (e) {
      media = { status: 'missing', path: scored.record.clip?.path, reason: `could not resolve the clip: ${errorText(e)}` };
    }
    const detail: RolloutDetail = { scored, media };
    if (this.source.getShortcut) {
      try {
        const sc = await this.source.getShortcut(index);
        if (sc?.shortcut) detail.shortcut = sc.shortcut;
        if (sc?.cues) detail.cues = sc.cues;
        if (sc?.error) detail.shortcutError = sc.error;
      } catch (e) {
        detail.shortcutError = `could not read the shortcut analysis: ${errorText(e)}`;
      }
    }
    // The inventory probed the clip: its streams decide the "cites no audio" badges when the data does not say.
    const clip = scored.record.clip;
    const streams = detail.cues ? { hasAudio: clip?.hasAudio ?? detail.cues.audio.present, hasVideo: clip?.hasVideo ?? detail.cues.visual.present } : clip;
    try {
      detail.modality = rolloutModalities(scored.trace, streams);
    } catch {
      // A tagging bug must not cost the reader the trace; the view simply shows no colours.
    }
    const partial = this.partialAdvantagesOf(scored);
    if (partial) {
      detail.partialAdvantages = partial;
      detail.partialSpans = partialRewardSpans(
        scored.record.completion,
        partial,
        (['context', 'logic'] as const).filter((r) => r in partial),
      );
    }
    if (scored.rewards.context || scored.rewards.logic) {
      const { gated, notes, rewards: after } = applyMarkovGating(scored.rewards);
      detail.markov = { gated, notes, why: [...new Set(gated.map((g) => String(after[g]?.provenance?.markovGate ?? '')).filter(Boolean))] };
    }
    return detail;
  }

  /**
   * Each judged partial reward's group advantage (value − mean over the group's members that
   * have a value; scaled like the total when the run scales), from the rows in memory. Undefined
   * when the rollout has no group or no judged partial reward yet.
   */
  private partialAdvantagesOf(scored: ScoredRollout): PartialAdvantages | undefined {
    const g = scored.group;
    if (!g) return undefined;
    const out: PartialAdvantages = { total: g.advantage };
    let any = false;
    for (const name of ['context', 'logic'] as const) {
      const own = scored.rewards[name];
      if (!own) continue;
      any = true;
      if (own.value === null) {
        out[name] = null;
        continue;
      }
      // The other members' values from the rows; this rollout's own from its detail.
      const values: number[] = [own.value];
      for (const r of this.rows) {
        const v = r.groupId === g.id && r.index !== scored.record.index ? r.rewards[name] : undefined;
        if (v && v.value !== null) values.push(v.value);
      }
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
      out[name] = g.scaleRewards ? (own.value - mean) / (std + 1e-4) : own.value - mean;
    }
    return any ? out : undefined;
  }

  /** Position of a rollout in the current order of `query`, or -1 when it is filtered out. */
  async positionOf(query: RowQuery, index: number): Promise<number> {
    const order = await this.order(query);
    return order.findIndex((r) => !isGroupEntry(r) && r.index === index);
  }

  private async order(query: RowQuery): Promise<OrderEntry[]> {
    const key = queryKey(query);
    if (this.orderCache?.key === key) return this.orderCache.order;
    const text = (query.text ?? '').trim().toLowerCase();
    let hits: Set<number> | undefined;
    if (text && this.source.search) {
      if (this.searchCache?.text !== text) this.searchCache = { text, hits: await this.source.search(text) };
      hits = this.searchCache.hits;
    }
    const keep = this.rowFilter(query, text, hits);
    const filtered: RowSummary[] = [];
    for (const r of this.rows) if (keep(r)) filtered.push(r);
    const sorted = sortRows(filtered, query.sort ?? { key: 'index', dir: 'asc' });
    const order = query.groupByPrompt ? this.withGroupHeaders(sorted) : sorted;
    this.orderCache = { key, order, matched: sorted.length };
    return order;
  }

  private rowFilter(query: RowQuery, text: string, hits: Set<number> | undefined): (r: RowSummary) => boolean {
    const type = query.problemType;
    const format = query.format ?? 'all';
    const shortcut = shortcutFilter(query.shortcut);
    return (r) => {
      if (shortcut && !shortcut(r)) return false;
      if (type !== undefined && type !== '' && (r.problemType ?? NO_PROBLEM_TYPE) !== type) return false;
      if (format === 'passing' && !r.formatOk) return false;
      if (format === 'failing' && r.formatOk) return false;
      if (format !== 'all' && format !== 'passing' && format !== 'failing' && r.formatReason !== format) return false;
      if (text) {
        if (hits) return hits.has(r.index);
        return r.question.toLowerCase().includes(text) || r.answer.toLowerCase().includes(text) || (r.id ?? '').toLowerCase().includes(text);
      }
      return true;
    };
  }

  private groups(): Map<string, GroupHeader> {
    if (this.groupCache) return this.groupCache;
    const acc = new Map<string, { totals: number[]; header?: GroupHeader }>();
    for (const r of this.rows) {
      if (r.groupId === undefined) continue;
      let g = acc.get(r.groupId);
      if (!g) acc.set(r.groupId, (g = { totals: [] }));
      if (r.total !== undefined) g.totals.push(r.total);
      if (!g.header && r.groupSize !== undefined && r.groupMean !== undefined && r.groupStd !== undefined) {
        g.header = {
          groupId: r.groupId,
          size: r.groupSize,
          shown: 0,
          mean: r.groupMean,
          std: r.groupStd,
          zeroVariance: (r.zeroVarianceGroup ?? false) && r.groupSize > 1,
        };
      }
    }
    const out = new Map<string, GroupHeader>();
    for (const [id, g] of acc) {
      // Groups rebuilt only from a recorded id (no scoring stats): derive what we can.
      out.set(id, g.header ?? derivedHeader(id, g.totals));
    }
    this.groupCache = out;
    return out;
  }

  private withGroupHeaders(sorted: RowSummary[]): OrderEntry[] {
    const groups = this.groups();
    const members = new Map<string, RowSummary[]>();
    const units: (string | RowSummary)[] = [];
    for (const r of sorted) {
      if (r.groupId === undefined) {
        units.push(r);
        continue;
      }
      let list = members.get(r.groupId);
      if (!list) {
        members.set(r.groupId, (list = []));
        units.push(r.groupId);
      }
      list.push(r);
    }
    const out: OrderEntry[] = [];
    for (const u of units) {
      if (typeof u !== 'string') {
        out.push(u);
        continue;
      }
      const list = members.get(u)!;
      const header = groups.get(u) ?? derivedHeader(u, []);
      out.push({ kind: 'group', group: { ...header, shown: list.length } });
      for (const r of list) out.push(r);
    }
    return out;
  }

  private computeInit(): ViewInit {
    const rewardNames = new Set<string>();
    const problemTypes = new Set<string>();
    const formatReasons: Record<string, number> = {};
    const zeroVar = new Set<string>();
    let hasGroups = false;
    for (const r of this.rows) {
      for (const name of Object.keys(r.rewards)) rewardNames.add(name);
      problemTypes.add(r.problemType ?? NO_PROBLEM_TYPE);
      if (r.formatReason) formatReasons[r.formatReason] = (formatReasons[r.formatReason] ?? 0) + 1;
      if (r.groupId !== undefined) hasGroups = true;
      if (r.groupId !== undefined && r.zeroVarianceGroup && (r.groupSize ?? 0) > 1) zeroVar.add(r.groupId);
    }
    const names = orderRewardNames([...rewardNames]);
    const types = [...problemTypes].sort((a, b) => (a === NO_PROBLEM_TYPE ? 1 : b === NO_PROBLEM_TYPE ? -1 : a.localeCompare(b)));
    const init: ViewInit = {
      title: this.source.title,
      fileName: this.source.fileName,
      format: this.source.format,
      total: this.rows.length,
      problems: [...this.problems],
      problemCount: this.problemCount,
      rewardNames: names,
      problemTypes: types,
      formatReasons,
      // Once the whole file is read: while it loads, every refresh would chart the rows so far
      // again, on the extension host's thread, for a panel most never open.
      histograms: this.complete ? histograms(this.rows, names, types) : [],
      hasGroups,
      zeroVarianceGroups: zeroVar.size,
      trusted: this.source.trusted,
      host: this.source.host,
      complete: this.complete,
    };
    if (this.source.rewardPlacement) init.rewardPlacement = this.source.rewardPlacement;
    const shortcuts = this.source.shortcutSummary?.();
    if (shortcuts) init.shortcuts = shortcuts;
    const grouping = this.source.grouping?.();
    if (grouping) init.grouping = grouping;
    return init;
  }
}

/** A group's header from its members' totals, with the trainer's statistics (grpo.ts): sample std, 0 for one member. */
export function derivedHeader(groupId: string, totals: number[]): GroupHeader {
  const n = totals.length;
  const mean = n ? totals.reduce((a, b) => a + b, 0) / n : 0;
  const std = n > 1 ? sampleStd(totals, mean) : 0;
  return { groupId, size: n, shown: 0, mean, std, zeroVariance: n > 1 && totals.every((t) => t === totals[0]) };
}

const KNOWN_ORDER = ['format', 'accuracy', 'context', 'logic'];

/** The HumanOmniV2 rewards first in their usual order, then recorded and other rewards by name. */
export function orderRewardNames(names: string[]): string[] {
  const rank = (n: string) => {
    const i = KNOWN_ORDER.indexOf(n);
    return i >= 0 ? i : KNOWN_ORDER.length;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Equal for two queries that give the same rows in the same order (defaults filled in, the search text normalised). */
export function queryKey(q: RowQuery): string {
  return JSON.stringify([q.sort?.key ?? 'index', q.sort?.dir ?? 'asc', q.problemType ?? '', q.format ?? 'all', (q.text ?? '').trim().toLowerCase(), !!q.groupByPrompt, q.shortcut ?? '']);
}

/** The row test for RowQuery.shortcut; undefined keeps every row. */
function shortcutFilter(spec: string | undefined): ((r: RowSummary) => boolean) | undefined {
  if (!spec || spec === 'all') return undefined;
  if (spec === 'analysed') return (r) => r.shortcut !== undefined;
  if (spec === 'any-ignored') return (r) => r.shortcut?.audio === 'ignored' || r.shortcut?.visual === 'ignored';
  const [modality, verdict] = spec.split(':');
  if ((modality === 'audio' || modality === 'visual') && verdict) return (r) => r.shortcut?.[modality] === verdict;
  return () => false;
}

type Extract = (r: RowSummary) => number | string | undefined;

function extractor(key: SortKey): Extract {
  if (key === 'index') return (r) => r.index;
  if (key === 'problemType') return (r) => r.problemType;
  if (key === 'group') return (r) => r.groupId;
  if (key === 'advantage') return (r) => r.advantage;
  const name = key.slice('reward:'.length);
  return (r) => {
    const v = r.rewards[name];
    // A failed or missing reward has no value: it must not sort among the real zeros.
    return v && v.status === 'ok' && v.value !== null && Number.isFinite(v.value) ? v.value : undefined;
  };
}

/** Compares strings as the table shows them: by locale, numbers inside by value ("g2" before "g10"). */
const COLLATOR = new Intl.Collator(undefined, { numeric: true });

/**
 * Sort rows by a key; rows without a value go last in either direction, ties by index. Fast on
 * 100k rows: each distinct key is ranked once (strings by the collator, numbers by value), and
 * the rows are ordered by one number, rank × n + the row's place by index, with the typed
 * array's own numeric sort — no comparator call per pair of rows.
 */
export function sortRows(rows: RowSummary[], sort: { key: SortKey; dir: 'asc' | 'desc' }): RowSummary[] {
  const n = rows.length;
  // The default order, on rows that arrive in it (every load): nothing to sort.
  if (sort.key === 'index') {
    let inOrder = true;
    for (let i = 1; i < n && inOrder; i++) if (rows[i]!.index < rows[i - 1]!.index) inOrder = false;
    if (inOrder) return sort.dir === 'asc' ? rows.slice() : rows.slice().reverse();
  }
  const get = extractor(sort.key);
  const raw: (string | number | undefined)[] = new Array(n);
  const nums = new Set<number>();
  const strs = new Set<string>();
  for (let i = 0; i < n; i++) {
    const k = get(rows[i]!);
    raw[i] = k;
    if (typeof k === 'number') nums.add(k);
    else if (typeof k === 'string') strs.add(k);
  }
  // Numbers before strings when a key mixes them; each distinct value gets its rank (numbers by
  // binary search in the sorted distinct values, strings through a map).
  const sortedNums = Float64Array.from(nums).sort();
  const strRank = new Map<string, number>();
  let r = sortedNums.length;
  let prev: string | undefined;
  // Strings the collator calls equal ("a9", "a09") share a rank: their rows then go by index.
  for (const v of [...strs].sort(COLLATOR.compare)) {
    if (prev !== undefined && COLLATOR.compare(prev, v) !== 0) r++;
    strRank.set(v, r);
    prev = v;
  }
  const distinct = strs.size ? r + 1 : r;
  const numRank = (x: number) => {
    let lo = 0;
    let hi = sortedNums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sortedNums[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Each row's place among the rows by index (ties go by index); rows usually come in index order.
  let inOrder = true;
  for (let i = 1; i < n && inOrder; i++) if (rows[i]!.index < rows[i - 1]!.index) inOrder = false;
  let place: (i: number) => number = (i) => i;
  if (!inOrder) {
    const byIndex = Float64Array.from(rows, (x) => x.index).sort();
    const at = new Map<number, number>();
    for (let i = 0; i < n; i++) at.set(byIndex[i]!, i);
    const places = Uint32Array.from(rows, (x) => at.get(x.index)!);
    place = (i) => places[i]!;
  }
  const composite = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = raw[i];
    // Missing values go last in either direction.
    const kr0 = k === undefined ? -1 : typeof k === 'number' ? numRank(k) : strRank.get(k)!;
    const kr = kr0 < 0 ? distinct : sort.dir === 'desc' ? distinct - 1 - kr0 : kr0;
    composite[i] = kr * n + place(i);
  }
  composite.sort();
  const byPlace: RowSummary[] = new Array(n);
  for (let i = 0; i < n; i++) byPlace[place(i)] = rows[i]!;
  const out: RowSummary[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = byPlace[composite[i]! % n]!;
  return out;
}

/** One histogram per (numeric reward, problem type); non-numbers are counted by status. */
export function histograms(rows: RowSummary[], rewardNames: string[], problemTypes: string[]): RewardHistogram[] {
  const out: RewardHistogram[] = [];
  for (const reward of rewardNames) {
    const byType = new Map<string, { values: number[]; missing: RewardHistogram['missing'] }>();
    for (const t of problemTypes) byType.set(t, { values: [], missing: {} });
    let lo = 0;
    let hi = 1;
    let any = false;
    for (const r of rows) {
      const v = r.rewards[reward];
      if (!v) continue;
      const bucket = byType.get(r.problemType ?? NO_PROBLEM_TYPE)!;
      if (v.status === 'ok' && v.value !== null && Number.isFinite(v.value)) {
        bucket.values.push(v.value);
        if (v.value < lo) lo = v.value;
        if (v.value > hi) hi = v.value;
        any = true;
      } else {
        bucket.missing[v.status] = (bucket.missing[v.status] ?? 0) + 1;
        any = true;
      }
    }
    if (!any) continue;
    // One shared range per reward so small multiples line up.
    const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / HISTOGRAM_BINS);
    for (const [problemType, { values, missing }] of byType) {
      if (values.length === 0 && Object.keys(missing).length === 0) continue;
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      let sum = 0;
      for (const v of values) {
        sum += v;
        const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor(((v - lo) / (hi - lo)) * HISTOGRAM_BINS));
        counts[bin]!++;
      }
      out.push({
        reward,
        problemType,
        edges,
        counts,
        missing,
        mean: values.length ? sum / values.length : null,
        n: values.length,
      });
    }
  }
  return out;
}
