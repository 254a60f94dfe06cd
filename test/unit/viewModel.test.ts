import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RolloutViewModel, summarise, shorten, sortRows, NO_PROBLEM_TYPE, type RolloutSource } from '../../src/core/viewModel';
import type { RowSummary, TableRow, RowQuery } from '../../src/protocol/messages';
import type { ScoredRollout, RewardResult, GroupStats } from '../../src/core/types';

function reward(value: number | null, status: RewardResult['status'] = 'ok'): RewardResult {
  return { value, status, explanation: 'test' };
}

function scoredOf(
  i: number,
  opts: Partial<{
    completion: string;
    problemType: string;
    formatOk: boolean;
    code: string;
    accuracy: RewardResult;
    group: GroupStats;
    problem: string;
  }> = {},
): ScoredRollout {
  const completion = opts.completion ?? `<context>c${i}</context><think>t${i}</think><answer>A${i}</answer>`;
  const formatOk = opts.formatOk ?? true;
  const scored: ScoredRollout = {
    record: {
      index: i,
      id: `id-${i}`,
      source: { file: 'f.jsonl', line: i + 1 },
      question: { problem: opts.problem ?? `question number ${i}`, problemType: opts.problemType ?? 'multiple choice' },
      reference: {},
      completion,
    },
    trace: {
      segments: [],
      outside: [],
      diagnostics: formatOk
        ? []
        : [
            { code: 'minor', message: 'not a breaker', severity: 'warning', start: 0, end: 1, breaksFormat: false },
            { code: opts.code ?? 'leading-text', message: 'breaks it', severity: 'error', start: 0, end: 2, breaksFormat: true },
          ],
      formatOk,
    },
    rewards: { format: reward(formatOk ? 1 : 0), accuracy: opts.accuracy ?? reward(i % 2) },
  };
  if (opts.group) scored.group = opts.group;
  return scored;
}

function sourceOf(all: ScoredRollout[], extra: Partial<RolloutSource> = {}): RolloutSource {
  return {
    title: 'T',
    fileName: 'f.jsonl',
    format: 'jsonl',
    host: 'report',
    trusted: false,
    getDetail: async (i) => all.find((s) => s.record.index === i)!,
    getMedia: () => ({ status: 'missing', reason: 'no clip' }),
    ...extra,
  };
}

function modelOf(all: ScoredRollout[], extra: Partial<RolloutSource> = {}): RolloutViewModel {
  return new RolloutViewModel(sourceOf(all, extra), all.map(summarise));
}

const indices = (rows: TableRow[]) => rows.map((r) => (r.kind === 'rollout' ? r.row.index : `g:${r.group.groupId}`));

async function all(vm: RolloutViewModel, query: RowQuery) {
  return vm.getRows({ query, offset: 0, limit: 1_000_000 });
}

test('summarise takes the first format-breaking diagnostic and the trainer-extracted answer', () => {
  const s = scoredOf(3, { formatOk: false, code: 'text-between', completion: 'x<answer>  B, C \n</answer><answer>Z</answer>' });
  const row = summarise(s);
  assert.equal(row.formatOk, false);
  assert.equal(row.formatReason, 'text-between');
  assert.equal(row.answer, 'B, C');
  assert.equal(row.line, 4);
  assert.deepEqual(row.rewards.format, { value: 0, status: 'ok' });
});

test('summarise carries group statistics and shortens long questions', () => {
  const group: GroupStats = { id: 'g1', size: 8, mean: 0.5, std: 0.25, total: 1, advantage: 0.5, zeroVariance: false, scaleRewards: false };
  const row = summarise(scoredOf(0, { group, problem: 'word '.repeat(100) }));
  assert.equal(row.groupId, 'g1');
  assert.equal(row.groupSize, 8);
  assert.equal(row.advantage, 0.5);
  assert.ok(row.question.length <= 160 && row.question.endsWith('…'));
});

test('filters by problem type, format state, failure code and text', async () => {
  const data = [
    scoredOf(0, { problemType: 'numerical' }),
    scoredOf(1, { formatOk: false, code: 'leading-text' }),
    scoredOf(2, { formatOk: false, code: 'missing-close', problem: 'What does the SPEAKER feel?' }),
    scoredOf(3, { problemType: 'numerical' }),
  ];
  const vm = modelOf(data);
  assert.deepEqual(indices((await all(vm, { problemType: 'numerical' })).rows), [0, 3]);
  assert.deepEqual(indices((await all(vm, { format: 'failing' })).rows), [1, 2]);
  assert.deepEqual(indices((await all(vm, { format: 'passing' })).rows), [0, 3]);
  assert.deepEqual(indices((await all(vm, { format: 'missing-close' })).rows), [2]);
  assert.deepEqual(indices((await all(vm, { text: 'speaker' })).rows), [2]);
  assert.deepEqual(indices((await all(vm, { text: 'a3' })).rows), [3], 'answer text is searched');
  assert.equal((await all(vm, { text: 'nothing like this' })).total, 0);
});

test('text search uses the source provider when there is one, once per text', async () => {
  const data = [0, 1, 2, 3, 4].map((i) => scoredOf(i));
  let calls = 0;
  const vm = modelOf(data, {
    search: async (text) => {
      calls++;
      assert.equal(text, 'deep words');
      return new Set([1, 4]);
    },
  });
  assert.deepEqual(indices((await vm.getRows({ query: { text: 'Deep Words' }, offset: 0, limit: 1 })).rows), [1]);
  assert.deepEqual(indices((await vm.getRows({ query: { text: 'deep words ' }, offset: 1, limit: 1 })).rows), [4]);
  assert.equal(calls, 1);
});

test('reward sort puts failed and not-computed values last in both directions, never among zeros', async () => {
  const data = [
    scoredOf(0, { accuracy: reward(0) }),
    scoredOf(1, { accuracy: reward(null, 'not-computed') }),
    scoredOf(2, { accuracy: reward(0.5) }),
    scoredOf(3, { accuracy: reward(null, 'error') }),
    scoredOf(4, { accuracy: reward(1) }),
  ];
  const vm = modelOf(data);
  const asc = indices((await all(vm, { sort: { key: 'reward:accuracy', dir: 'asc' } })).rows);
  const desc = indices((await all(vm, { sort: { key: 'reward:accuracy', dir: 'desc' } })).rows);
  assert.deepEqual(asc, [0, 2, 4, 1, 3]);
  assert.deepEqual(desc, [4, 2, 0, 1, 3]);
  const byIndexDesc = indices((await all(vm, { sort: { key: 'index', dir: 'desc' } })).rows);
  assert.deepEqual(byIndexDesc, [4, 3, 2, 1, 0]);
});

test('group by prompt emits a header per group with its statistics, members following', async () => {
  const g = (id: string, total: number, zero: boolean): GroupStats => ({
    id,
    size: 2,
    mean: zero ? 1 : 0.5,
    std: zero ? 0 : 0.5,
    total,
    advantage: total - (zero ? 1 : 0.5),
    zeroVariance: zero,
    scaleRewards: false,
  });
  const data = [scoredOf(0, { group: g('a', 1, false) }), scoredOf(1, { group: g('b', 1, true) }), scoredOf(2, { group: g('a', 0, false) }), scoredOf(3, { group: g('b', 1, true) }), scoredOf(4)];
  const vm = modelOf(data);
  const page = await all(vm, { groupByPrompt: true });
  assert.deepEqual(indices(page.rows), ['g:a', 0, 2, 'g:b', 1, 3, 4]);
  const headerB = page.rows[3]!;
  assert.equal(headerB.kind, 'group');
  if (headerB.kind === 'group') {
    assert.equal(headerB.group.zeroVariance, true);
    assert.equal(headerB.group.size, 2);
    assert.equal(headerB.group.shown, 2);
  }
  const filtered = await all(vm, { groupByPrompt: true, text: 'number 2' });
  assert.deepEqual(indices(filtered.rows), ['g:a', 2]);
  assert.equal(filtered.rows[0]!.kind === 'group' && filtered.rows[0]!.group.shown, 1);
  const init = await vm.getInit();
  assert.equal(init.hasGroups, true);
  assert.equal(init.zeroVarianceGroups, 1);
});

test('paging returns the requested slice and clamps at the end', async () => {
  const vm = modelOf(Array.from({ length: 25 }, (_, i) => scoredOf(i)));
  const p = await vm.getRows({ query: {}, offset: 20, limit: 10 });
  assert.equal(p.total, 25);
  assert.deepEqual(indices(p.rows), [20, 21, 22, 23, 24]);
  const beyond = await vm.getRows({ query: {}, offset: 99, limit: 10 });
  assert.equal(beyond.rows.length, 0);
});

test('init lists reasons, types and histograms that count missing values by status, not as zeros', async () => {
  const data = [
    scoredOf(0, { accuracy: reward(1) }),
    scoredOf(1, { accuracy: reward(0) }),
    scoredOf(2, { accuracy: reward(null, 'not-computed') }),
    scoredOf(3, { accuracy: reward(null, 'call-error'), formatOk: false, code: 'leading-text' }),
    scoredOf(4, { accuracy: reward(0.25), problemType: undefined as unknown as string }),
  ];
  delete data[4]!.record.question.problemType;
  const init = await modelOf(data).getInit();
  assert.deepEqual(init.rewardNames, ['format', 'accuracy']);
  assert.deepEqual(init.problemTypes, ['multiple choice', NO_PROBLEM_TYPE]);
  assert.deepEqual(init.formatReasons, { 'leading-text': 1 });
  const h = init.histograms.find((x) => x.reward === 'accuracy' && x.problemType === 'multiple choice')!;
  assert.equal(h.n, 2);
  assert.equal(
    h.counts.reduce((a, b) => a + b, 0),
    2,
  );
  assert.equal(h.counts[0], 1, 'the one real zero is in the first bin');
  assert.deepEqual(h.missing, { 'not-computed': 1, 'call-error': 1 });
  assert.equal(h.mean, 0.5);
  assert.equal(h.edges.length, h.counts.length + 1);
});

test('while the file is still read, init carries no histograms (every refresh would chart the rows again); once read, it does', async () => {
  const vm = modelOf([scoredOf(0, { accuracy: reward(1) }), scoredOf(1, { accuracy: reward(0) })]);
  vm.setComplete(false);
  const reading = await vm.getInit();
  assert.equal(reading.complete, false);
  assert.deepEqual(reading.histograms, []);
  assert.deepEqual(reading.rewardNames, ['format', 'accuracy'], 'the rest of init is there');
  vm.setComplete(true);
  const read = await vm.getInit();
  assert.ok(read.histograms.some((h) => h.reward === 'accuracy' && h.n === 2));
});

test('rows added while loading appear after invalidate', async () => {
  const data = [scoredOf(0), scoredOf(1)];
  const vm = modelOf(data);
  vm.setComplete(false);
  assert.equal((await vm.getRows({ query: {}, offset: 0, limit: 10 })).total, 2);
  assert.equal((await vm.getInit()).complete, false);
  data.push(scoredOf(2, { problemType: 'OCR' }));
  vm.add(summarise(data[2]!));
  vm.setComplete(true);
  vm.invalidate();
  assert.equal((await vm.getRows({ query: {}, offset: 0, limit: 10 })).total, 3);
  const init = await vm.getInit();
  assert.equal(init.total, 3);
  assert.ok(init.problemTypes.includes('OCR'));
});

test('getRollout returns the detail and turns a media failure into a stated reason', async () => {
  const data = [scoredOf(0)];
  const vm = modelOf(data, {
    getMedia: () => {
      throw new Error('disk on fire');
    },
  });
  const d = await vm.getRollout({ index: 0 });
  assert.equal(d.scored.record.id, 'id-0');
  assert.equal(d.media.status, 'missing');
  assert.match(d.media.status === 'missing' ? d.media.reason : '', /disk on fire/);
  await assert.rejects(vm.getRollout({ index: 42 }), /no rollout/);
});

test('100,000 rows: first sorted query in well under a second or two, pages after that are cheap', async () => {
  const rows: RowSummary[] = [];
  for (let i = 0; i < 100_000; i++) {
    rows.push({
      index: i,
      formatOk: i % 7 !== 0,
      formatReason: i % 7 === 0 ? 'leading-text' : undefined,
      problemType: ['multiple choice', 'numerical', 'OCR'][i % 3],
      rewards: { format: { value: i % 7 ? 1 : 0, status: 'ok' }, accuracy: i % 11 ? { value: ((i * 7919) % 100) / 100, status: 'ok' } : { value: null, status: 'not-computed' } },
      groupId: `g${Math.floor(i / 8)}`,
      groupSize: 8,
      groupMean: 0.5,
      groupStd: 0.1,
      total: 1,
      advantage: 0.5,
      question: `question ${i}`,
      answer: `A${i}`,
    } as RowSummary);
  }
  const vm = new RolloutViewModel(sourceOf([]), rows);
  const t0 = performance.now();
  await vm.getInit();
  const query: RowQuery = { sort: { key: 'reward:accuracy', dir: 'desc' }, groupByPrompt: true };
  const first = await vm.getRows({ query, offset: 0, limit: 100 });
  const t1 = performance.now();
  assert.ok(first.total > 100_000, 'group headers are rows too');
  for (let off = 0; off < 20_000; off += 100) await vm.getRows({ query, offset: off, limit: 100 });
  const t2 = performance.now();
  assert.ok(t1 - t0 < 3000, `first query took ${t1 - t0} ms`);
  assert.ok(t2 - t1 < 300, `200 cached pages took ${t2 - t1} ms`);
});

test('matched counts rollouts only, not group header rows', async () => {
  const g: GroupStats = { id: 'a', size: 2, mean: 1, std: 0, total: 1, advantage: 0, zeroVariance: true, scaleRewards: false };
  const vm = modelOf([scoredOf(0, { group: g }), scoredOf(1, { group: g }), scoredOf(2)]);
  const page = await vm.getRows({ query: { groupByPrompt: true }, offset: 0, limit: 10 });
  assert.equal(page.total, 4);
  assert.equal(page.matched, 3);
  assert.equal(await vm.positionOf({ groupByPrompt: true }, 1), 2);
  assert.equal(await vm.positionOf({ text: 'number 0' }, 1), -1);
});

test('a shortcut analysis comes with the detail; its probed streams decide the "cites no audio" badge, and a failing source is said', async () => {
  const completion = '<context>A man in a grey suit looks at the wall.</context><think>He seems bored.</think><answer>B</answer>';
  const parsed = (await import('../../src/core/trace')).parseTrace(completion);
  const s = { ...scoredOf(0, { completion }), trace: parsed };
  const cues = { audio: { present: true }, visual: { present: true } } as unknown as import('../../src/core/shortcuts/types').CueInventory;
  const vm = modelOf([s], { getShortcut: async () => ({ cues }) });
  const d = await vm.getRollout({ index: 0 });
  assert.equal(d.cues, cues);
  assert.deepEqual(
    d.modality!.badges.map((b) => b.code),
    ['cites-no-audio'],
  );
  // Without the inventory the streams are unknown: no badge, only a note.
  const plain = await modelOf([s]).getRollout({ index: 0 });
  assert.deepEqual(plain.modality!.badges, []);
  const failing = await modelOf([s], {
    getShortcut: async () => {
      throw new Error('disk gone');
    },
  }).getRollout({ index: 0 });
  assert.match(failing.shortcutError ?? '', /disk gone/);
});

test('sortRows equals the plain comparator sort on any rows: numbers, strings with numbers inside, missing values last, ties by index, both directions', async () => {
  const { sortRows } = await import('../../src/core/viewModel');
  const fc = (await import('fast-check')).default;
  const collator = new Intl.Collator(undefined, { numeric: true });
  // The definition: rows without a value go last in either direction; ties by index.
  const reference = (rows: RowSummary[], key: (r: RowSummary) => string | number | undefined, dir: 'asc' | 'desc') =>
    [...rows].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka === undefined || kb === undefined) return ka === undefined && kb === undefined ? a.index - b.index : ka === undefined ? 1 : -1;
      const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : collator.compare(String(ka), String(kb));
      return c !== 0 ? (dir === 'desc' ? -c : c) : a.index - b.index;
    });
  const row = (index: number, group: string | undefined, acc: number | undefined): RowSummary =>
    ({
      index,
      formatOk: true,
      diagnostics: [],
      problemType: 'multiple choice',
      ...(group !== undefined ? { groupId: group } : {}),
      rewards: acc === undefined ? {} : { accuracy: { value: acc, status: 'ok' } },
    }) as unknown as RowSummary;
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.nat(10_000), { maxLength: 60 }),
      fc.array(fc.option(fc.constantFrom('g1', 'g2', 'g10', 'G2', 'b', 'a10', 'a9', 'a09'), { nil: undefined }), { minLength: 60, maxLength: 60 }),
      fc.array(fc.option(fc.constantFrom(0, 1, 0.5, -0.25, 0.1 + 0.2), { nil: undefined }), { minLength: 60, maxLength: 60 }),
      fc.constantFrom('asc' as const, 'desc' as const),
      (indices, groups, accs, dir) => {
        const rows = indices.map((ix, i) => row(ix, groups[i], accs[i]));
        const ids = (xs: RowSummary[]) => xs.map((r) => r.index);
        assert.deepEqual(ids(sortRows(rows, { key: 'group', dir })), ids(reference(rows, (r) => r.groupId, dir)));
        assert.deepEqual(ids(sortRows(rows, { key: 'reward:accuracy', dir })), ids(reference(rows, (r) => r.rewards.accuracy?.value ?? undefined, dir)));
        assert.deepEqual(ids(sortRows(rows, { key: 'index', dir })), ids(reference(rows, (r) => r.index, dir)));
      },
    ),
    { numRuns: 500 },
  );
});

test('shorten reads only the head of a long text and gives what collapsing all of it gives', () => {
  const naive = (text: string, max: number) => {
    const oneLine = text.replace(/\s+/g, ' ').trim();
    return oneLine.length > max ? oneLine.slice(0, max - 1) + '…' : oneLine;
  };
  const piece = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(' ', '\n', '\t'.repeat(50), ' '.repeat(700)));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 2, max: 200 }), (parts, max) => {
      const text = parts.join('');
      assert.equal(shorten(text, max), naive(text, max));
    }),
    { numRuns: 500 },
  );
});

test('sorting by index: rows already in order come back as they are (or reversed), others are sorted', () => {
  const rows = [0, 1, 2, 3].map((index) => ({ index }) as RowSummary);
  assert.deepEqual(
    sortRows(rows, { key: 'index', dir: 'asc' }).map((r) => r.index),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    sortRows(rows, { key: 'index', dir: 'desc' }).map((r) => r.index),
    [3, 2, 1, 0],
  );
  const shuffled = [2, 0, 3, 1].map((index) => ({ index }) as RowSummary);
  assert.deepEqual(
    sortRows(shuffled, { key: 'index', dir: 'asc' }).map((r) => r.index),
    [0, 1, 2, 3],
  );
  assert.notEqual(sortRows(rows, { key: 'index', dir: 'asc' }), rows, 'a copy: callers may reorder it');
});
