import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyReward, applyMarkovGating, computeRuleRewards, formatReward, meanRelativeAccuracy, PARTIAL_REWARDS, totalReward } from '../../src/core/rewards/index';
import { pyFloat, pyRound, PyOverflowError } from '../../src/core/pyfloat';
import type { ParsedTrace, RewardResult } from '../../src/core/types';

/** A well-formed completion whose answer is `a`. */
const trace = (a: string) => `<context>a clip of two people</context>\n<think>they argue</think>\n<answer>${a}</answer>`;
const sol = (a: string) => `<context>ref</context><think>ref</think><answer>${a}</answer>`;
const acc = (answer: string, reference: string, type: string | undefined, opts?: { regressionVariant?: 'trainer' | 'eval' }) => accuracyReward(trace(answer), sol(reference), type, opts);
const hasQuirk = (r: RewardResult, re: RegExp) => (r.quirks ?? []).some((q) => re.test(q));

describe('pyFloat', () => {
  test('accepts what Python float() accepts', () => {
    const ok: [string, number][] = [
      ['1_000', 1000],
      [' 1e5 ', 1e5],
      ['.5', 0.5],
      ['5.', 5],
      ['+3', 3],
      ['-Infinity', -Infinity],
      ['INF', Infinity],
      ['1e5_0', 1e50],
      ['\u0661\u0662', 12], // Arabic-Indic digits
      ['\uff11.\uff15', 1.5], // full-width
      ['\x851\x85', 1], // U+0085 is whitespace to float()
      ['1e400', Infinity],
    ];
    for (const [s, v] of ok) assert.equal(pyFloat(s), v, JSON.stringify(s));
    assert.ok(Number.isNaN(pyFloat('nAn')!));
    assert.ok(Number.isNaN(pyFloat('-nan')!));
  });
  test('rejects what Python float() rejects', () => {
    for (const s of ['1,000', '0x10', '', ' ', '1__0', '_1', '1_', '1_.5', '1._5', '1e_5', 'in_f', 'e5', '1e', '.', '\ufeff1', '1\x1c', '- 1', '1 _0', 'infinit']) {
      assert.equal(pyFloat(s), undefined, JSON.stringify(s));
    }
  });
});

describe('pyRound', () => {
  test('ties go to even on the exact binary value', () => {
    assert.equal(pyRound(0.125, 2), 0.12);
    assert.equal(pyRound(0.375, 2), 0.38);
    assert.equal(pyRound(2.675, 2), 2.67); // 2.675 is stored below the tie
    assert.equal(pyRound(2.5, 0), 2);
    assert.equal(pyRound(3.5, 0), 4);
    assert.equal(pyRound(1234.5, -1), 1230);
    assert.ok(Object.is(pyRound(-0.001, 2), -0));
  });
  test('special values and extreme ndigits behave like CPython', () => {
    assert.equal(pyRound(Infinity, 2), Infinity);
    assert.ok(Number.isNaN(pyRound(NaN, 2)));
    assert.equal(pyRound(5e-324, 400), 5e-324);
    assert.ok(Object.is(pyRound(-12, -400), -0));
    assert.throws(() => pyRound(1.7976931348623157e308, -308), PyOverflowError);
  });
});

describe('format reward', () => {
  test('1 for the trainer format, 0 otherwise', () => {
    const ok = formatReward(trace('B'));
    assert.equal(ok.value, 1);
    assert.equal(ok.trainerValue, 1);
    assert.equal(ok.explanation, "matches the trainer's format regex");
    const bad = formatReward('<think>x</think><answer>B</answer>');
    assert.equal(bad.value, 0);
    assert.match(bad.explanation, /does not match/);
  });
  test('text after </answer> passes, with a quirk note', () => {
    const r = formatReward(trace('B') + '\nand then I kept talking');
    assert.equal(r.value, 1);
    assert.ok(hasQuirk(r, /text after <\/answer> is allowed/));
  });
  test('leading whitespace (or a byte-order mark) fails', () => {
    const r = formatReward('\n' + trace('B'));
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /leading whitespace/));
    const bom = formatReward('\ufeff' + trace('B'));
    assert.equal(bom.value, 0);
    assert.ok(hasQuirk(bom, /leading U\+FEFF/));
    // Only whitespace after </answer>: nothing to remark on.
    assert.equal(formatReward(trace('B') + '\n\x1c').quirks, undefined);
  });
  test('Python-only whitespace between sections passes, U+FEFF fails', () => {
    const py = formatReward('<context>a</context>\x1c<think>b</think>\x85<answer>c</answer>');
    assert.equal(py.value, 1);
    assert.ok(hasQuirk(py, /U\+001C.*U\+0085.*Python/));
    const bom = formatReward('<context>a</context>\ufeff<think>b</think><answer>c</answer>');
    assert.equal(bom.value, 0);
    assert.ok(hasQuirk(bom, /U\+FEFF.*not whitespace/));
  });
  test('tags are case-sensitive', () => {
    const r = formatReward('<Context>a</Context><think>b</think><answer>c</answer>');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /case-sensitive/));
  });
  test("a parsed trace supplies the first breaking diagnostic's message", () => {
    const text = 'oops <context>a</context><think>b</think><answer>c</answer>';
    const parsed: ParsedTrace = {
      segments: [],
      outside: [],
      formatOk: false,
      diagnostics: [
        { code: 'note', message: 'informational', severity: 'info', start: 0, end: 0, breaksFormat: false },
        { code: 'leading-text', message: "text before <context>: 'oops'", severity: 'error', start: 0, end: 4, breaksFormat: true },
        { code: 'later', message: 'second problem', severity: 'error', start: 9, end: 9, breaksFormat: true },
      ],
    };
    const r = formatReward(text, parsed);
    assert.equal(r.value, 0);
    assert.equal(r.explanation, "text before <context>: 'oops'");
  });
});

describe('accuracy: multiple choice', () => {
  test('exact match after trimming', () => {
    const r = acc('  B ', 'B', 'multiple choice');
    assert.equal(r.value, 1);
    assert.equal(r.status, 'ok');
    assert.equal(r.trainerValue, 1);
    assert.deepEqual(r.provenance, {
      rule: 'multiple choice',
      completionAnswer: 'B',
      referenceAnswer: 'B',
      completionAnswerFound: true,
      referenceAnswerFound: true,
    });
  });
  test('case-sensitive: b vs B is 0, with a quirk', () => {
    const r = acc('b', 'B', 'multiple choice');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /case-sensitive comparison: 'b' ≠ 'B'/));
  });
  test('an answer naming the option with more text is 0, with a quirk', () => {
    const r = acc('B. The man is angry', 'B', 'multiple choice');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /names option B/));
  });
  test("missing <answer> in the completion compares '' and says what it scored", () => {
    const r = accuracyReward('<context>x</context><think>y</think>B', sol('B'), 'multiple choice');
    assert.equal(r.value, 0);
    assert.equal(r.provenance?.completionAnswerFound, false);
    assert.ok(hasQuirk(r, /no <answer>.*compared '' and it scored 0/));
  });
  test('a solution without <answer> is compared as "" (no fallback to the raw solution)', () => {
    const r = accuracyReward(trace('B'), 'B', 'multiple choice');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /does not fall back to the raw solution/));
    // Both missing: '' == '' scores 1 in the trainer.
    const both = accuracyReward('no tags at all', 'B', 'multiple choice');
    assert.equal(both.value, 1);
    assert.ok(hasQuirk(both, /scored 1/));
  });
});

describe('accuracy: numerical', () => {
  test('decimal-mark asymmetry: 3.0 vs 3 is 0 without parsing', () => {
    const r = acc('3.0', '3', 'numerical');
    assert.equal(r.value, 0);
    assert.equal(r.explanation, "3.0 vs 3: exactly one contains '.', the trainer returns 0 without parsing");
    assert.ok(hasQuirk(r, /decimal-mark asymmetry/));
    const comma = acc('1,000', '1000', 'numerical');
    assert.equal(comma.value, 0);
    assert.match(comma.explanation, /exactly one contains ','/);
  });
  test('commas are dropped: 1,5 reads as 15', () => {
    const r = acc('1,5', '1.5', 'numerical');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /'1,5' is read as 15/));
    assert.equal(acc('1,000.5', '1000.5', 'numerical').value, 1);
  });
  test('rounded to 2 decimals, ties to even on the binary value', () => {
    const r = acc('3.141', '3.14', 'numerical');
    assert.equal(r.value, 1);
    assert.match(r.explanation, /round\(3\.141, 2\) = 3\.14 equals/);
    assert.ok(hasQuirk(r, /both round to 3\.14/));
    const tie = acc('0.125', '0.13', 'numerical');
    assert.equal(tie.value, 0);
    assert.ok(hasQuirk(tie, /round\(0\.125, 2\) is 0\.12/));
    assert.equal(acc('2.675', '2.67', 'numerical').value, 1);
  });
  test("float() failure: 'abc' recorded as 0 with that said", () => {
    const r = acc('abc', '3', 'numerical');
    assert.equal(r.value, 0);
    assert.equal(r.trainerValue, 0);
    assert.equal(r.status, 'ok');
    assert.equal(r.explanation, "'abc' is not a number: the trainer's float() raised and it recorded 0");
    assert.ok(hasQuirk(r, /'abc' is not a number: the trainer's float\(\) raised and it recorded 0/));
  });
  test('Python float syntax: 1_000 and inf parse', () => {
    assert.equal(acc('1_000', '1000', 'numerical').value, 1);
    assert.equal(acc('inf', 'Infinity', 'numerical').value, 1);
    assert.equal(acc('nan', 'nan', 'numerical').value, 0); // nan != nan
  });
  test('missing answer: "" has no mark and float("") fails → 0', () => {
    const r = accuracyReward('nothing', sol('7'), 'numerical');
    assert.equal(r.value, 0);
    assert.match(r.explanation, /'' is not a number/);
  });
});

describe('accuracy: OCR', () => {
  test('1 − WER over whitespace words', () => {
    const r = acc('the cat sat down', 'the cat sat here', 'OCR');
    assert.equal(r.value, 0.75);
    assert.equal(r.explanation, 'WER 1/4 words → 0.75');
  });
  test('clipped at 0, exact case and punctuation', () => {
    const r = acc('a b c d e', 'a', 'OCR');
    assert.equal(r.value, 0);
    assert.match(r.explanation, /WER 4\/1 words → 0/);
    const p = acc('The cat.', 'the cat', 'OCR');
    assert.equal(p.value, 0);
    assert.ok(hasQuirk(p, /case and punctuation/));
  });
  test('empty reference divides by 1', () => {
    const r = acc('one', '', 'OCR');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /max\(1, 0\)/));
    assert.equal(acc('', '', 'OCR').value, 1);
  });
});

describe('accuracy: regression', () => {
  test('trainer: 1 − relative error', () => {
    const r = acc('4', '5', 'regression');
    assert.equal(r.value, 1 - (1 + 1e-9) / (5 + 1e-9));
    assert.match(r.explanation, /= 0\.20 → 0\.80/);
    assert.equal(r.provenance?.regressionVariant, 'trainer');
  });
  test('trainer: reference 0 scores 0 even when exact; NaN scores 1', () => {
    const zero = acc('0', '0', 'regression');
    assert.equal(zero.value, 0);
    assert.ok(hasQuirk(zero, /reference 0/));
    const nan = acc('nan', '5', 'regression');
    assert.equal(nan.value, 1);
    assert.ok(hasQuirk(nan, /max\(0\.0, nan\)/));
    const exact = acc('5', '5', 'regression');
    assert.ok(exact.value! < 1 && exact.value! > 0.999999999);
    assert.ok(hasQuirk(exact, /just under 1/));
  });
  test('trainer: unparseable is 0 with the float() sentence', () => {
    const r = acc('about five', '5', 'regression');
    assert.equal(r.value, 0);
    assert.match(r.explanation, /'about five' is not a number: the trainer's float\(\) raised and it recorded 0/);
    const ref = acc('5', 'n/a', 'regression');
    assert.match(ref.explanation, /the reference 'n\/a' is not a number/);
  });
  test('eval variant: mean relative accuracy over 10 float32 thresholds', () => {
    const r = acc('4', '5', 'regression', { regressionVariant: 'eval' });
    // relative error 0.2 beats 1 − θ for θ = 0.50 … 0.75 (6 thresholds).
    assert.equal(r.value, Math.fround(0.6));
    assert.match(r.explanation, /6 of 10 thresholds/);
    assert.equal(meanRelativeAccuracy(5, 5).value, 1);
    assert.equal(meanRelativeAccuracy(100, 5).value, 0);
    assert.equal(r.provenance?.regressionVariant, 'eval');
  });
});

describe('accuracy: emer_ov_mc', () => {
  test('F1 over comma parts', () => {
    const r = acc('B,C', 'B', 'emer_ov_mc');
    assert.equal(r.value, 2 / 3);
    assert.equal(r.explanation, 'F1 of {B,C} vs {B}: precision 0.50, recall 1.00 → 0.67');
  });
  test('repeated letters lower precision', () => {
    const r = acc('B,B', 'B', 'emer_ov_mc');
    assert.equal(r.value, 2 / 3);
    assert.ok(hasQuirk(r, /repeated letter 'B'/));
  });
  test('parts are not trimmed: " B" ≠ "B"', () => {
    const r = acc('A, B', 'A,B', 'emer_ov_mc');
    assert.equal(r.value, 0.5);
    assert.ok(hasQuirk(r, /not trimmed: ' B' ≠ 'B'/));
  });
  test('case-sensitive letters', () => {
    const r = acc('a,B', 'A,B', 'emer_ov_mc');
    assert.equal(r.value, 0.5);
    assert.ok(hasQuirk(r, /'a' ≠ 'A'/));
  });
  test('no overlap is 0; both empty is 1', () => {
    assert.equal(acc('C', 'A,B', 'emer_ov_mc').value, 0);
    assert.equal(accuracyReward('none', 'none', 'emer_ov_mc').value, 1);
  });
});

describe('accuracy: judge', () => {
  test("'no' inside 'know' counts", () => {
    const r = acc("I don't know", 'No', 'judge');
    assert.equal(r.value, 1);
    assert.equal(r.explanation, "'I don't know' contains 'no' (inside 'know'), reference contains 'no' → 1");
    assert.ok(hasQuirk(r, /substrings/));
  });
  test("'yes' inside 'eyes' counts; plain yes/no has no quirk", () => {
    const r = acc('Her eyes say it', 'Yes', 'judge');
    assert.equal(r.value, 1);
    assert.ok(hasQuirk(r, /inside 'eyes'/));
    const plain = acc('YES', 'yes', 'judge');
    assert.equal(plain.value, 1);
    assert.equal(plain.quirks, undefined);
  });
  test('no common word is 0', () => {
    const r = acc('Yes', 'No', 'judge');
    assert.equal(r.value, 0);
    assert.match(r.explanation, /no common word → 0/);
    assert.equal(acc('Maybe', 'Yes', 'judge').value, 0);
  });
});

describe('accuracy: free-form, emer_ov, unknown, missing type', () => {
  test('free-form needs the judge: not computed, never 0', () => {
    const r = acc('a long answer', 'another', 'free-form');
    assert.equal(r.value, null);
    assert.equal(r.status, 'not-computed');
    assert.equal(r.trainerValue, undefined);
    assert.equal(r.explanation, 'needs the LLM judge (free-form accuracy is judged 0–5 ÷ 5)');
  });
  test('unknown types: the trainer returns 0', () => {
    const r = acc('x', 'x', 'counting');
    assert.equal(r.value, 0);
    assert.equal(r.trainerValue, 0);
    assert.ok(hasQuirk(r, /unknown problem type 'counting': the trainer returns 0/));
  });
  test('emer_ov records 0 (undefined helper in the trainer)', () => {
    const r = acc('happy', 'happy', 'emer_ov');
    assert.equal(r.value, 0);
    assert.ok(hasQuirk(r, /emer_ov_gpt/));
  });
  test('no problem type is an error, not a zero', () => {
    const r = acc('B', 'B', undefined);
    assert.equal(r.value, null);
    assert.equal(r.status, 'error');
  });
});

describe('totals and gating', () => {
  test('computeRuleRewards gives format and accuracy', () => {
    const r = computeRuleRewards(trace('B'), sol('B'), 'multiple choice');
    assert.deepEqual(Object.keys(r).sort(), ['accuracy', 'format']);
    assert.equal(r.format!.value, 1);
    assert.equal(r.accuracy!.value, 1);
    const ev = computeRuleRewards(trace('4'), sol('5'), 'regression', { regressionVariant: 'eval' });
    assert.equal(ev.accuracy!.value, Math.fround(0.6));
  });
  test('total = weighted non-partial sum; partial rewards excluded', () => {
    assert.deepEqual(PARTIAL_REWARDS, ['context', 'logic']);
    const rewards: Record<string, RewardResult> = {
      format: { value: 1, status: 'ok', explanation: '' },
      accuracy: { value: 0.5, status: 'ok', explanation: '' },
      context: { value: 0.8, status: 'ok', explanation: '' },
      logic: { value: 0.6, status: 'ok', explanation: '' },
    };
    const t = totalReward(rewards);
    assert.equal(t.total, 1.5);
    assert.deepEqual(t.missing, []);
    assert.equal(totalReward(rewards, { accuracy: 2 }).total, 2);
  });
  test('a missing value makes the total null and is named; the trainer view uses trainerValue', () => {
    const rewards: Record<string, RewardResult> = {
      format: { value: 1, status: 'ok', explanation: '' },
      accuracy: { value: null, status: 'call-error', explanation: 'judge down', trainerValue: 0 },
    };
    const t = totalReward(rewards);
    assert.equal(t.total, null);
    assert.deepEqual(t.missing, ['accuracy']);
    assert.equal(t.trainerTotal, 1);
    const ff = totalReward(computeRuleRewards(trace('x'), sol('y'), 'free-form'));
    assert.equal(ff.total, null);
    assert.equal(ff.trainerTotal, null);
    assert.deepEqual(ff.trainerMissing, ['accuracy']);
  });
  test('markov gating: context ≤ 0.4 zeroes accuracy and logic; logic ≤ 0.4 zeroes accuracy', () => {
    const mk = (c: number | null, l: number | null): Record<string, RewardResult> => ({
      format: { value: 1, status: 'ok', explanation: '' },
      accuracy: { value: 1, status: 'ok', explanation: 'right', trainerValue: 1 },
      context: { value: c, status: c === null ? 'call-error' : 'ok', explanation: '', trainerValue: c ?? 0 },
      logic: { value: l, status: 'ok', explanation: '', trainerValue: l ?? 0 },
    });
    const a = applyMarkovGating(mk(0.4, 0.8));
    assert.equal(a.rewards.accuracy!.value, 0);
    assert.equal(a.rewards.logic!.value, 0);
    assert.deepEqual(a.gated.sort(), ['accuracy', 'logic']);
    const b = applyMarkovGating(mk(0.6, 0.2));
    assert.equal(b.rewards.accuracy!.value, 0);
    assert.equal(b.rewards.logic!.value, 0.2);
    assert.equal(b.rewards.context!.value, 0.6);
    const none = applyMarkovGating(mk(0.6, 0.6));
    assert.equal(none.rewards.accuracy!.value, 1);
    assert.deepEqual(none.gated, []);
    // The gate reads values before zeroing: context zeroes logic, but logic's own gate used 0.8.
    assert.equal(a.rewards.accuracy!.trainerValue, 0);
  });
  test("markov gating with the script's default column order swaps the judges", () => {
    const r: Record<string, RewardResult> = {
      accuracy: { value: 1, status: 'ok', explanation: '' },
      context: { value: 0.8, status: 'ok', explanation: '' },
      logic: { value: 0.2, status: 'ok', explanation: '' },
    };
    const d = applyMarkovGating(r, { columnOrder: 'default' });
    assert.equal(d.rewards.context!.value, 0);
    assert.equal(d.rewards.accuracy!.value, 0);
    assert.equal(r.context!.value, 0.8, 'input not modified');
  });
  test('markov gating with a failed judge: undetermined for us, gated for the trainer', () => {
    const r: Record<string, RewardResult> = {
      accuracy: { value: 1, status: 'ok', explanation: '', trainerValue: 1 },
      context: { value: null, status: 'call-error', explanation: '', trainerValue: 0 },
      logic: { value: 0.8, status: 'ok', explanation: '' },
    };
    const g = applyMarkovGating(r);
    assert.equal(g.rewards.accuracy!.value, 1);
    assert.equal(g.rewards.accuracy!.trainerValue, 0);
    assert.ok(g.notes.some((n) => /undetermined/.test(n)));
  });
});
