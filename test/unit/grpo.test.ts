import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, computeGroups, fnv1a64, groupKeyFor, partialRewardSpans, STD_EPSILON } from '../../src/core/grpo';
import type { RolloutRecord } from '../../src/core/types';

const close = (a: number | null | undefined, b: number, eps = 1e-12) => assert.ok(typeof a === 'number' && Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

describe('computeGroups', () => {
  const items = [
    { key: 'p1', total: 1 },
    { key: 'p2', total: 2 },
    { key: 'p1', total: 2 },
    { key: 'p1', total: 0 },
    { key: 'p2', total: 2 },
    { key: 'p1', total: 1 },
  ];

  test('mean, sample std (n − 1) and unscaled advantage per key', () => {
    const { perItem, groups } = computeGroups(items, { scaleRewards: false });
    assert.equal(groups.length, 2);
    assert.deepEqual(groups[0]!.members, [0, 2, 3, 5]);
    const g = perItem[2]!;
    assert.equal(g.id, 'p1');
    assert.equal(g.size, 4);
    assert.equal(g.mean, 1);
    close(g.std, Math.sqrt(2 / 3)); // population std would be sqrt(1/2)
    assert.equal(g.total, 2);
    assert.equal(g.advantage, 1);
    assert.equal(perItem[3]!.advantage, -1);
    assert.equal(g.zeroVariance, false);
    assert.equal(g.scaleRewards, false);
  });

  test('scaled advantage divides by std + 1e-4', () => {
    const { perItem } = computeGroups(items, { scaleRewards: true });
    close(perItem[2]!.advantage, 1 / (Math.sqrt(2 / 3) + STD_EPSILON));
    close(perItem[3]!.advantage, -1 / (Math.sqrt(2 / 3) + 1e-4));
    assert.equal(perItem[0]!.advantage, 0);
  });

  test('zero variance: equal totals give no signal', () => {
    const { perItem, groups } = computeGroups(items, { scaleRewards: true });
    const g = perItem[1]!;
    assert.equal(g.id, 'p2');
    assert.equal(g.zeroVariance, true);
    assert.equal(g.std, 0);
    assert.equal(g.advantage, 0);
    assert.equal(groups[1]!.zeroVariance, true);
  });

  test('null totals: advantage null, statistics over the others, with a note', () => {
    const { perItem, groups } = computeGroups(
      [
        { key: 'k', total: 1 },
        { key: 'k', total: null },
        { key: 'k', total: 0 },
      ],
      { scaleRewards: false },
    );
    assert.equal(perItem[1]!.advantage, null);
    assert.equal(perItem[1]!.total, null);
    assert.equal(perItem[0]!.mean, 0.5);
    close(perItem[0]!.std, Math.sqrt(0.5));
    assert.equal(perItem[0]!.advantage, 0.5);
    assert.equal(perItem[0]!.excluded, 1);
    assert.equal(perItem[0]!.size, 3);
    assert.match(perItem[0]!.note!, /1 of 3 members have no total/);
    assert.equal(groups[0]!.counted, 2);
  });

  test('a group with no totals gets no statistics, and says so', () => {
    const { perItem, groups } = computeGroups(
      [
        { key: 'k', total: null },
        { key: 'k', total: null },
      ],
      { scaleRewards: false },
    );
    assert.equal(perItem[0], undefined);
    assert.equal(groups[0]!.mean, undefined);
    assert.match(groups[0]!.note!, /no member/);
  });

  test("a single total: advantage 0 unscaled, none when scaled (torch's std is NaN)", () => {
    const un = computeGroups([{ key: 'solo', total: 0.7 }], { scaleRewards: false }).perItem[0]!;
    assert.equal(un.advantage, 0);
    assert.equal(un.std, 0);
    assert.match(un.note!, /single total/);
    const sc = computeGroups([{ key: 'solo', total: 0.7 }], { scaleRewards: true }).perItem[0]!;
    assert.equal(sc.advantage, null);
    assert.match(sc.note!, /NaN/);
  });
});

describe('group keys', () => {
  const base = (over: Partial<RolloutRecord>): RolloutRecord => ({
    index: 0,
    source: { file: 'roll.jsonl', line: 1 },
    question: {},
    reference: {},
    completion: '',
    ...over,
  });

  test('FNV-1a 64 matches known vectors and a BigInt reference', () => {
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('foobar'), '85944171f73967e8');
    const reference = (s: string) => {
      let h = 0xcbf29ce484222325n;
      for (const b of new TextEncoder().encode(s)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
      return h.toString(16).padStart(16, '0');
    };
    for (const s of ['hello', 'Ünïcödé 文字 🎬', '<context>x</context>'.repeat(50), '\u0000\uffff']) assert.equal(fnv1a64(s), reference(s));
  });

  test('explicit groupId wins', () => {
    assert.equal(groupKeyFor(base({ groupId: 'g7', prompt: 'x' })), 'id:g7');
  });

  test('same prompt (any key order) and step → same key; another step or prompt → another', () => {
    const p1 = [
      {
        role: 'user',
        content: [
          { type: 'video', video: 'a.mp4' },
          { type: 'text', text: 'Why?' },
        ],
      },
    ];
    const p1Reordered = [
      {
        content: [
          { video: 'a.mp4', type: 'video' },
          { text: 'Why?', type: 'text' },
        ],
        role: 'user',
      },
    ];
    const k = groupKeyFor(base({ prompt: p1, step: 3 }));
    assert.match(k, /^p:[0-9a-f]{16}$/);
    assert.equal(groupKeyFor(base({ prompt: p1Reordered, step: 3, index: 9 })), k);
    assert.notEqual(groupKeyFor(base({ prompt: p1, step: 4 })), k);
    assert.notEqual(groupKeyFor(base({ prompt: [{ role: 'user', content: 'Why not?' }], step: 3 })), k);
    assert.equal(canonicalJson({ b: 1, a: [undefined, { d: 2, c: undefined }] }), '{"a":[null,{"d":2}],"b":1}');
  });

  test('without a prompt: question text + clip path; with nothing, a key of its own', () => {
    const q = groupKeyFor(base({ question: { problem: 'Is she upset?' }, clip: { path: 'c1.mp4' }, step: 1 }));
    assert.equal(groupKeyFor(base({ index: 5, question: { problem: 'Is she upset?' }, clip: { path: 'c1.mp4' }, step: 1 })), q);
    assert.notEqual(groupKeyFor(base({ question: { problem: 'Is she upset?' }, clip: { path: 'c2.mp4' }, step: 1 })), q);
    // Keyed by where the record sits (its line), so worker threads and one thread agree.
    const a = groupKeyFor(base({ index: 1, source: { file: 'roll.jsonl', line: 2 } }));
    const b = groupKeyFor(base({ index: 2, source: { file: 'roll.jsonl', line: 3 } }));
    assert.notEqual(a, b);
    assert.equal(a, 'solo:roll.jsonl:2');
    assert.equal(groupKeyFor(base({ index: 4, source: { file: 'rows.json', recordIndex: 4 } })), 'solo:rows.json#4');
  });
});

describe('partialRewardSpans', () => {
  const text = 'pre <context>seen</context>\n<think>reason</think>\n<answer>B</answer>';
  const ctxClose = text.indexOf('</context>');
  const thinkClose = text.indexOf('</think>');

  test('published: the total advantage again on [0, </context>) and [0, </think>)', () => {
    const s = partialRewardSpans(text, { total: 0.5, context: 0.2, logic: -0.1 });
    assert.deepEqual(
      s.published.map((p) => [p.reward, p.start, p.end, p.added]),
      [
        ['context', 0, ctxClose, 0.5],
        ['logic', 0, thinkClose, 0.5],
      ],
    );
    assert.deepEqual(
      s.publishedRanges.map((r) => [r.start, r.end, r.advantage]),
      [
        [0, ctxClose, 1.5],
        [ctxClose, thinkClose, 1],
        [thinkClose, text.length, 0.5],
      ],
    );
    assert.ok(s.notes.some((n) => /total reward's advantage/.test(n)));
  });

  test("intended: each judge's own advantage on its section's content", () => {
    const s = partialRewardSpans(text, { total: 0.5, context: 0.2, logic: -0.1 });
    const c = s.intended.find((x) => x.reward === 'context')!;
    assert.equal(text.slice(c.start, c.end), 'seen');
    assert.equal(c.added, 0.2);
    const l = s.intended.find((x) => x.reward === 'logic')!;
    assert.equal(text.slice(l.start, l.end), 'reason');
    const inThink = s.intendedRanges.find((r) => r.start === l.start)!;
    close(inThink.advantage, 0.4);
  });

  test('unknown judge advantages stay unknown; missing or empty sections give no span', () => {
    const s = partialRewardSpans(text, { total: 0.5 });
    assert.equal(s.intended[0]!.added, null);
    assert.equal(s.intendedRanges.find((r) => r.start === s.intended[0]!.start)!.advantage, null);
    const noCtx = partialRewardSpans('<think>x</think><answer>A</answer>', { total: 1 });
    assert.deepEqual(
      noCtx.published.map((p) => p.reward),
      ['logic'],
    );
    assert.ok(noCtx.notes.some((n) => /no <context>/.test(n)));
    const empty = partialRewardSpans('<context></context><think>x</think>', { total: 1 });
    assert.ok(empty.notes.some((n) => /empty <context>/.test(n)));
    const stage3 = partialRewardSpans(text, { total: 1 }, []);
    assert.deepEqual(stage3.published, []);
    assert.deepEqual(stage3.publishedRanges, [{ start: 0, end: text.length, advantage: 1 }]);
  });
});

test('a group header derived in the view model uses the same sample std as the advantages', async () => {
  const { derivedHeader } = await import('../../src/core/viewModel');
  // totals 2, 1, 1, 2: mean 1.5, squared deviations sum 1, sample variance 1/3 (statistics.stdev).
  const h = derivedHeader('g', [2, 1, 1, 2]);
  assert.equal(h.mean, 1.5);
  assert.ok(Math.abs(h.std - 0.5773502691896257) < 1e-15, String(h.std));
  assert.equal(derivedHeader('one', [3]).std, 0);
});
