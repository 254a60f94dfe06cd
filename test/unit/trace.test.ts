import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTrace, explainFormat, sectionText, summariseFormat, firstFormatFailure, quoteSnippet, DIAGNOSTIC_CODES } from '../../src/core/trace';
import { FORMAT_RE, PY_WS, extractAnswer, matchesHumanOmniFormat, pyIsSpace } from '../../src/core/pycompat';
import type { ParsedTrace, TraceDiagnostic } from '../../src/core/types';

/** The trainer's answer pattern, to learn where its match starts. */
const ANSWER_MATCH = new RegExp(`<answer>[${PY_WS}]*([\\s\\S]*?)[${PY_WS}]*</answer>`);

const OK = '<context>A woman speaks softly.</context>\n<think>Her tone is calm.</think>\n<answer>B</answer>';

function only(trace: ParsedTrace, code: string): TraceDiagnostic {
  const found = trace.diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(trace.diagnostics)}`);
  return found[0]!;
}

function breakers(trace: ParsedTrace): TraceDiagnostic[] {
  return trace.diagnostics.filter((d) => d.breaksFormat);
}

/** Invariants that must hold for every input; used by examples and properties alike. */
function checkInvariants(text: string): ParsedTrace {
  const t = parseTrace(text);
  const regexOk = matchesHumanOmniFormat(text);
  assert.equal(t.formatOk, regexOk, 'formatOk must equal the trainer regex');
  assert.equal(t.formatOk, !t.diagnostics.some((d) => d.breaksFormat), 'breaking diagnostics iff format fails');
  assert.ok(!t.diagnostics.some((d) => d.code === 'format-unexplained'), 'the walk must locate every failure');

  const ex = explainFormat(text);
  assert.equal(ex.ok, regexOk);
  assert.equal(ex.breaks.length === 0, regexOk);
  if (regexOk) assert.equal(ex.matchEnd, FORMAT_RE.exec(text)![0].length, 'walk ends where the regex match ends');

  let prevEnd = 0;
  const seen = { context: 0, think: 0, answer: 0 };
  for (const seg of t.segments) {
    assert.equal(text.slice(seg.start, seg.end), seg.text);
    assert.ok(text.slice(seg.outerStart, seg.outerEnd).startsWith(seg.openTag));
    assert.equal(seg.openTag.toLowerCase(), `<${seg.kind}>`);
    assert.equal(seg.start, seg.outerStart + seg.openTag.length);
    assert.ok(seg.outerStart >= prevEnd, 'segments are ordered and do not overlap');
    assert.ok(seg.start <= seg.end && seg.end <= seg.outerEnd && seg.outerEnd <= text.length);
    if (seg.closed) assert.equal(text.slice(seg.end, seg.outerEnd).toLowerCase(), `</${seg.kind}>`);
    else assert.equal(seg.end, seg.outerEnd);
    assert.equal(seg.occurrence, seen[seg.kind]++);
    prevEnd = seg.outerEnd;
  }
  for (const kind of ['context', 'think', 'answer'] as const) {
    assert.equal(
      t[kind],
      t.segments.find((s) => s.kind === kind),
    );
    assert.equal(sectionText(t, kind), t[kind]?.text);
  }
  // Only the last section can be open: an unclosed one ends where the next begins.
  for (let i = 0; i < t.segments.length - 1; i++) {
    if (!t.segments[i]!.closed) assert.equal(t.segments[i]!.outerEnd, t.segments[i + 1]!.outerStart);
  }

  let outsidePrev = 0;
  for (const o of t.outside) {
    assert.equal(text.slice(o.start, o.end), o.text);
    assert.ok(o.text.length > 0 && !pyIsSpace(o.text[0]!) && !pyIsSpace(o.text[o.text.length - 1]!));
    assert.ok(o.start >= outsidePrev);
    outsidePrev = o.end;
    for (const seg of t.segments) assert.ok(o.end <= seg.outerStart || o.start >= seg.outerEnd, 'outside is outside');
  }

  let lastStart = 0;
  for (const d of t.diagnostics) {
    assert.ok(0 <= d.start && d.start <= d.end && d.end <= text.length, `offsets in range: ${JSON.stringify(d)}`);
    assert.ok(d.start >= lastStart, 'sorted by start');
    lastStart = d.start;
    assert.ok(d.code in DIAGNOSTIC_CODES, `known code ${d.code}`);
    if (d.breaksFormat) assert.equal(d.severity, 'error');
    assert.ok(d.message.length > 0 && d.message.length < 200);
  }
  assert.equal(summariseFormat(t), t.formatOk ? 'format ok' : firstFormatFailure(t)!.message);

  // The answer-extraction warning appears exactly when the trainer reads another <answer>.
  const extracted = ANSWER_MATCH.exec(text);
  const warned = t.diagnostics.some((d) => d.code === 'answer-extraction');
  assert.equal(extracted !== null, extractAnswer(text).found);
  if (extracted) {
    assert.equal(warned, t.answer?.outerStart !== extracted.index);
  } else {
    assert.equal(warned, t.answer?.closed === true);
  }
  return t;
}

describe('parseTrace: well-formed traces', () => {
  test('splits the three sections with offsets', () => {
    const t = checkInvariants(OK);
    assert.equal(t.formatOk, true);
    assert.deepEqual(
      t.segments.map((s) => [s.kind, s.text, s.closed]),
      [
        ['context', 'A woman speaks softly.', true],
        ['think', 'Her tone is calm.', true],
        ['answer', 'B', true],
      ],
    );
    assert.equal(t.answer!.outerStart, OK.indexOf('<answer>'));
    assert.equal(t.answer!.outerEnd, OK.length);
    assert.deepEqual(t.outside, []);
    assert.deepEqual(t.diagnostics, []);
    assert.equal(summariseFormat(t), 'format ok');
    assert.equal(firstFormatFailure(t), undefined);
  });

  test('Python-only whitespace between sections passes; JavaScript-only whitespace does not', () => {
    const py = checkInvariants('<context>a</context>\x1c\x85<think>b</think>\u3000<answer>c</answer>');
    assert.equal(py.formatOk, true);
    assert.deepEqual(py.outside, []);
    const bom = '<context>a</context>\ufeff<think>b</think><answer>c</answer>';
    const t = checkInvariants(bom);
    assert.equal(t.formatOk, false);
    const d = only(t, 'text-between');
    assert.equal(bom.slice(d.start, d.end), '\ufeff');
    assert.ok(d.breaksFormat);
    assert.match(d.message, /\\ufeff/);
  });

  test('whitespace verdicts agree with Python for every UTF-16 code unit', () => {
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      const text = `<context>a</context>${ch}<think>b</think><answer>c</answer>`;
      const t = parseTrace(text);
      if (t.formatOk !== pyIsSpace(ch)) assert.fail(`U+${c.toString(16)}: formatOk ${t.formatOk}`);
      if (t.outside.length !== (t.formatOk ? 0 : 1)) assert.fail(`U+${c.toString(16)}: outside ${t.outside.length}`);
    }
  });
});

describe('parseTrace: each diagnostic code', () => {
  test('leading-whitespace names what the whitespace is', () => {
    const text = '\n' + OK;
    const t = checkInvariants(text);
    const d = only(t, 'leading-whitespace');
    assert.equal(text.slice(d.start, d.end), '\n');
    assert.equal(d.message, 'leading whitespace (1 newline) before `<context>`');
    assert.ok(d.breaksFormat);
    assert.equal(summariseFormat(t), d.message);

    const mixed = '  \n\x1c' + OK;
    const m = only(checkInvariants(mixed), 'leading-whitespace');
    assert.equal(m.end, 4);
    assert.match(m.message, /1 newline, 2 spaces, 1 other whitespace character/);
  });

  test('leading-text counts and quotes the characters', () => {
    const text = 'Hi' + OK;
    const d = only(checkInvariants(text), 'leading-text');
    assert.equal(text.slice(d.start, d.end), 'Hi');
    assert.equal(d.message, '2 characters before `<context>`: "Hi"');
    assert.ok(d.breaksFormat);
  });

  test('a byte-order mark is text to Python, not whitespace', () => {
    const text = '\ufeff' + OK;
    const d = only(checkInvariants(text), 'leading-text');
    assert.equal(d.end, 1);
    assert.match(d.message, /^1 character before `<context>`: "\\ufeff"$/);
  });

  test('leading text with no context at all is reported but the missing tag is the reason', () => {
    const text = 'Sure! <think>x</think><answer>y</answer>';
    const t = checkInvariants(text);
    const miss = only(t, 'missing-open');
    assert.deepEqual([miss.start, miss.end, miss.breaksFormat], [0, 0, true]);
    assert.equal(miss.message, '`<context>` missing');
    const lead = only(t, 'leading-text');
    assert.equal(text.slice(lead.start, lead.end), 'Sure!');
    assert.equal(lead.breaksFormat, false);
  });

  test('missing-open after a closed section points just after it', () => {
    const text = '<context>a</context> <answer>b</answer>';
    const d = only(checkInvariants(text), 'missing-open');
    assert.equal(d.start, '<context>a</context>'.length);
    assert.equal(d.message, '`<think>` missing after `</context>`');
  });

  test('missing-close before the next section, and at the end of the text', () => {
    const text = '<context>a\n<think>b</think><answer>c</answer>';
    const t = checkInvariants(text);
    const d = only(t, 'missing-close');
    assert.equal(d.start, text.indexOf('<think>'));
    assert.equal(d.message, '`</context>` missing before `<think>`');
    assert.equal(t.context!.closed, false);
    assert.equal(t.context!.text, 'a\n');
    assert.equal(t.think!.text, 'b');
    assert.equal(only(t, 'unclosed').breaksFormat, false);

    const cut = '<context>a</context><think>b</think><answer>C and';
    const t2 = checkInvariants(cut);
    const d2 = only(t2, 'missing-close');
    assert.deepEqual([d2.start, d2.end], [cut.length, cut.length]);
    assert.equal(d2.message, '`</answer>` missing');
    assert.equal(t2.answer!.closed, false);
    assert.equal(t2.answer!.text, 'C and');
  });

  test('text-between quotes the blocking text', () => {
    const text = '<context>a</context>\nOkay so\n<think>b</think><answer>c</answer>';
    const d = only(checkInvariants(text), 'text-between');
    assert.equal(text.slice(d.start, d.end), '\nOkay so\n');
    assert.equal(d.message, 'text between `</context>` and `<think>`: "Okay so"');
    assert.ok(d.breaksFormat);
  });

  test('long quotes are cut to about 30 characters', () => {
    const junk = 'word '.repeat(20);
    const text = `<context>a</context>${junk}<think>b</think><answer>c</answer>`;
    const d = only(checkInvariants(text), 'text-between');
    const quoted = d.message.slice(d.message.indexOf('"'));
    assert.ok(quoted.length <= 34, quoted);
    assert.ok(quoted.endsWith('…"'));
    assert.equal(quoteSnippet('a\nb"'), '"a\\nb\\""');
  });

  test('out-of-order: think before context, answer before think', () => {
    const text = '<think>b</think><context>a</context><answer>c</answer>';
    const d = only(checkInvariants(text), 'out-of-order');
    assert.equal(text.slice(d.start, d.end), '<think>');
    assert.equal(d.message, 'sections out of order: `<think>` before `<context>`');
    assert.ok(d.breaksFormat);

    const text2 = '<context>a</context><answer>c</answer><think>b</think>';
    const d2 = only(checkInvariants(text2), 'out-of-order');
    assert.equal(text2.slice(d2.start, d2.end), '<answer>');
    assert.equal(d2.message, 'sections out of order: `<answer>` before `<think>`');
  });

  test('wrong-case tags are recognised, recorded and blamed', () => {
    const text = '<context>a</context><think>b</think><Answer>c</ANSWER>';
    const t = checkInvariants(text);
    assert.equal(t.answer!.openTag, '<Answer>');
    assert.equal(t.answer!.text, 'c');
    assert.equal(t.answer!.closed, true);
    const wrong = t.diagnostics.filter((d) => d.code === 'wrong-case');
    assert.deepEqual(
      wrong.map((d) => text.slice(d.start, d.end)),
      ['<Answer>', '</ANSWER>'],
    );
    assert.ok(wrong.every((d) => d.breaksFormat));
    assert.equal(wrong[0]!.message, "`<Answer>` has the wrong case; the trainer's check is case-sensitive");
  });

  test('wrong case after a passing trace is only a warning', () => {
    const text = OK + '\n<ANSWER>C</ANSWER>';
    const t = checkInvariants(text);
    assert.equal(t.formatOk, true);
    const wrong = t.diagnostics.filter((d) => d.code === 'wrong-case');
    assert.equal(wrong.length, 2);
    assert.ok(wrong.every((d) => !d.breaksFormat && d.severity === 'warning'));
    assert.equal(only(t, 'repeated-section').start, text.indexOf('<ANSWER>'));
  });

  test('leading whitespace and a wrong-case opening tag are both reasons', () => {
    const text = ' <Context>a</context><think>b</think><answer>c</answer>';
    const t = checkInvariants(text);
    assert.deepEqual(
      breakers(t).map((d) => d.code),
      ['leading-whitespace', 'wrong-case'],
    );
  });

  test('nested-tag: an opening tag inside a section that closes later', () => {
    const text = '<context>The caption reads <think> loudly</context><think>b</think><answer>c</answer>';
    const t = checkInvariants(text);
    assert.equal(t.formatOk, true);
    assert.equal(t.context!.text, 'The caption reads <think> loudly');
    const d = only(t, 'nested-tag');
    assert.equal(text.slice(d.start, d.end), '<think>');
    assert.equal(d.message, '`<think>` inside `<context>`');
    assert.equal(d.breaksFormat, false);
    assert.equal(t.segments.length, 3);
  });

  test('a nested section inside context leaves think missing after it', () => {
    const text = '<context>a<think>x</think>b</context><answer>c</answer>';
    const t = checkInvariants(text);
    assert.equal(t.context!.text, 'a<think>x</think>b');
    assert.equal(t.think, undefined);
    assert.equal(only(t, 'nested-tag').breaksFormat, false);
    assert.equal(t.diagnostics.filter((d) => d.code === 'stray-close').length, 0, 'nested close is not stray');
    const miss = only(t, 'missing-open');
    assert.equal(miss.start, text.indexOf('</context>') + '</context>'.length);
  });

  test('repeated-section keeps every occurrence and points the fields at the first', () => {
    const text = OK + '<answer>C</answer>';
    const t = checkInvariants(text);
    assert.deepEqual(
      t.segments.map((s) => [s.kind, s.occurrence]),
      [
        ['context', 0],
        ['think', 0],
        ['answer', 0],
        ['answer', 1],
      ],
    );
    assert.equal(t.answer!.text, 'B');
    const d = only(t, 'repeated-section');
    assert.equal(text.slice(d.start, d.end), '<answer>');
    assert.equal(d.start, OK.length);
    assert.match(d.message, /2nd/);
  });

  test('empty-section flags whitespace-only content', () => {
    const text = '<context>a</context><think> \n</think><answer>c</answer>';
    const t = checkInvariants(text);
    assert.equal(t.formatOk, true);
    const d = only(t, 'empty-section');
    assert.equal(text.slice(d.start, d.end), '<think> \n</think>');
    assert.equal(d.breaksFormat, false);
  });

  test('trailing-text is allowed by the trainer and reported as info', () => {
    const text = OK + '\nI hope this helps.';
    const t = checkInvariants(text);
    assert.equal(t.formatOk, true);
    const d = only(t, 'trailing-text');
    assert.equal(text.slice(d.start, d.end), 'I hope this helps.');
    assert.equal(d.severity, 'info');
    assert.equal(d.breaksFormat, false);
    assert.deepEqual(
      t.outside.map((o) => o.text),
      ['I hope this helps.'],
    );
  });

  test('stray-close outside any section', () => {
    const text = '</think>' + OK;
    const t = checkInvariants(text);
    const d = only(t, 'stray-close');
    assert.deepEqual([d.start, d.end], [0, 8]);
    assert.equal(d.breaksFormat, false);
    assert.equal(only(t, 'leading-text').breaksFormat, true);
  });

  test('backtracking: .*? runs over an early </context> and the check passes', () => {
    const text = '<context>a</context>x</context><think>b</think><answer>c</answer>';
    assert.equal(matchesHumanOmniFormat(text), true);
    const t = checkInvariants(text);
    assert.equal(t.context!.text, 'a');
    const stray = only(t, 'stray-close');
    assert.equal(stray.start, text.indexOf('</context>', 12));
    const between = only(t, 'text-between');
    assert.equal(between.severity, 'info');
    assert.match(between.message, /reads it as part of `<context>`/);
    assert.deepEqual(explainFormat(text).ranges[0], [9, stray.start]);
  });

  test('backtracking: blame the text on the path that gets furthest', () => {
    const text = '<context>a</context>x</context>y<think>b</think><answer>c</answer>';
    const t = checkInvariants(text);
    const d = breakers(t);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.code, 'text-between');
    assert.equal(text.slice(d[0]!.start, d[0]!.end), 'y');
    // Removing exactly the blamed text makes the trainer accept it.
    assert.equal(matchesHumanOmniFormat(text.slice(0, d[0]!.start) + text.slice(d[0]!.end)), true);
  });

  test('backtracking on think: a later </think> can still lead to <answer>', () => {
    const text = '<context>a</context><think>b</think> hmm </think><answer>c</answer>';
    const t = checkInvariants(text);
    assert.equal(t.formatOk, true);
    assert.equal(t.think!.text, 'b');
    assert.deepEqual(explainFormat(text).ranges[1], [27, text.lastIndexOf('</think>')]);
  });

  test('unclosed: a stream still in progress', () => {
    const text = '<context>a</context><think>Let me listen agai';
    const t = checkInvariants(text);
    assert.equal(t.think!.closed, false);
    assert.equal(t.think!.end, text.length);
    assert.equal(t.think!.outerEnd, text.length);
    const d = only(t, 'unclosed');
    assert.equal(text.slice(d.start, d.end), '<think>');
    assert.equal(d.breaksFormat, false);
    assert.equal(only(t, 'missing-close').message, '`</think>` missing');
  });

  test('an unclosed section just opened is not called empty', () => {
    const t = checkInvariants('<context>a</context><think>');
    assert.equal(t.think!.text, '');
    assert.equal(t.diagnostics.filter((d) => d.code === 'empty-section').length, 0);
  });

  test('partial-tag at the very end is kept out of the section', () => {
    const text = '<context>a</context><think>b</thi';
    const t = checkInvariants(text);
    const d = only(t, 'partial-tag');
    assert.equal(text.slice(d.start, d.end), '</thi');
    assert.equal(d.severity, 'info');
    assert.equal(t.think!.text, 'b');
    assert.equal(t.think!.end, d.start);
    assert.deepEqual(t.outside, []);
    assert.match(only(t, 'missing-close').message, /partial tag "<\/thi"/);
    // A complete tag at the end is not partial, nor is a name that is not a tag.
    assert.equal(parseTrace(OK).diagnostics.length, 0);
    assert.equal(
      parseTrace(OK + ' <b').diagnostics.some((x) => x.code === 'partial-tag'),
      false,
    );
    assert.equal(only(checkInvariants('<context>x<'), 'partial-tag').start, 10);
  });

  test('malformed-tag: spaces inside or self-closing are flagged, never used as boundaries', () => {
    for (const bad of ['< think >', '<think >', '</ think>', '<think/>']) {
      const text = `<context>a</context>${bad}b</think><answer>c</answer>`;
      const t = checkInvariants(text);
      assert.equal(t.formatOk, false);
      const d = only(t, 'malformed-tag');
      assert.equal(text.slice(d.start, d.end), bad);
      assert.equal(t.think, undefined, `${bad} must not open a section`);
    }
    const text = '<context>a</context>< think >b</think><answer>c</answer>';
    const d = only(checkInvariants(text), 'malformed-tag');
    assert.ok(d.breaksFormat);
    assert.equal(d.message, '`< think >` looks like a malformed tag; the check needs `<think>`');

    const ok = checkInvariants(OK + ' < answer >');
    assert.equal(ok.formatOk, true);
    assert.equal(only(ok, 'malformed-tag').breaksFormat, false);
  });

  test('a wrong-case closing tag is the reason when no exact one follows', () => {
    const text = '<context>a</context><think>b</Think><answer>c</answer>';
    const t = checkInvariants(text);
    assert.equal(t.think!.closed, true);
    const d = breakers(t);
    assert.equal(d.length, 1);
    assert.equal(text.slice(d[0]!.start, d[0]!.end), '</Think>');
  });

  test('answer-extraction: an answer drafted inside <think> is what the trainer reads', () => {
    const text = '<context>a</context><think>maybe <answer>A</answer>, no</think><answer>B</answer>';
    const t = checkInvariants(text);
    assert.equal(t.formatOk, true);
    assert.equal(t.answer!.text, 'B');
    assert.equal(extractAnswer(text).answer, 'A');
    const d = only(t, 'answer-extraction');
    assert.equal(d.start, text.indexOf('<answer>'));
    assert.equal(text.slice(d.start, d.end), '<answer>');
    assert.equal(d.breaksFormat, false);
    assert.equal(only(t, 'nested-tag').start, d.start);
  });

  test('answer-extraction: a wrong-case answer section gives the trainer nothing', () => {
    const text = '<context>a</context><think>b</think><Answer>C</Answer>';
    const t = checkInvariants(text);
    const d = only(t, 'answer-extraction');
    assert.equal(text.slice(d.start, d.end), '<Answer>');
    assert.match(d.message, /reads ""/);
    assert.equal(
      checkInvariants(OK).diagnostics.some((x) => x.code === 'answer-extraction'),
      false,
    );
  });

  test('plain text with no tags', () => {
    const t = checkInvariants('The answer is B.');
    assert.deepEqual(t.segments, []);
    assert.equal(summariseFormat(t), '`<context>` missing');
    assert.deepEqual(
      t.outside.map((o) => o.text),
      ['The answer is B.'],
    );
    assert.equal(only(t, 'leading-text').severity, 'warning');
    const empty = checkInvariants('');
    assert.equal(empty.formatOk, false);
  });

  test('every code is documented', () => {
    for (const [code, text] of Object.entries(DIAGNOSTIC_CODES)) {
      assert.match(code, /^[a-z]+(-[a-z]+)*$/);
      assert.ok(text.length > 10);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const TAGS = ['<context>', '</context>', '<think>', '</think>', '<answer>', '</answer>'];
const WS = [' ', '\n', '\t', '\r\n', '\x1c', '\x1f', '\x85', '\ufeff', '\u3000', '\xa0', '\x0b', '\u200b'];
const WORDS = ['the', 'Okay so', 'A', 'B.', 'she sounds upset', '<', '>', '</', '<b>', 'x<y', 'Answer:', '思考'];

const exactTag = fc.constantFrom(...TAGS);
const casedTag = fc.mixedCase(exactTag);
const malformedTag = fc.constantFrom(...TAGS).chain((t) => fc.constantFrom(t.replace('<', '< '), t.replace('>', ' >'), t.replace('>', '/>'), t.replace('/', '/ '), t.replace('<', '<\n')));
const partialTag = exactTag.chain((t) => fc.integer({ min: 1, max: t.length - 1 }).map((n) => t.slice(0, n)));
const ws = fc.constantFrom(...WS);
const pyWs = fc.constantFrom(...WS.filter((w) => [...w].every(pyIsSpace)));
const word = fc.constantFrom(...WORDS);

const fragment = fc.oneof(
  { weight: 6, arbitrary: exactTag },
  { weight: 2, arbitrary: casedTag },
  { weight: 1, arbitrary: malformedTag },
  { weight: 1, arbitrary: partialTag },
  { weight: 4, arbitrary: ws },
  { weight: 4, arbitrary: word },
);
const soup = fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join(''));

/** Near-valid traces: the right skeleton with realistic damage. */
const content = fc
  .array(fc.oneof({ weight: 5, arbitrary: word }, { weight: 3, arbitrary: ws }, { weight: 1, arbitrary: fragment }), {
    maxLength: 5,
  })
  .map((p) => p.join(''));
const gap = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 4, arbitrary: ws }, { weight: 1, arbitrary: word });
const openFor = (k: string) => fc.oneof({ weight: 8, arbitrary: fc.constant(`<${k}>`) }, { weight: 1, arbitrary: fc.mixedCase(fc.constant(`<${k}>`)) });
const closeFor = (k: string) => fc.oneof({ weight: 8, arbitrary: fc.constant(`</${k}>`) }, { weight: 1, arbitrary: fc.mixedCase(fc.constant(`</${k}>`)) }, { weight: 1, arbitrary: fc.constant('') });
const section = fc.constantFrom('context', 'think', 'answer').chain((k) => fc.tuple(openFor(k), content, closeFor(k)).map((p) => p.join('')));
const damagedTriple = fc
  .tuple(
    fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: ws }, { weight: 1, arbitrary: word }),
    ...(['context', 'think', 'answer'] as const).map((k) => fc.tuple(openFor(k), content, closeFor(k), gap).map((p) => p.join(''))),
  )
  .map((parts) => parts.join(''));
const shuffled = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: ws }, { weight: 1, arbitrary: word }),
    fc.array(fc.tuple(section, gap), { minLength: 0, maxLength: 5 }),
    fc.boolean(),
  )
  .map(([lead, parts, ordered]) => {
    if (ordered) {
      // Mostly the canonical order, so many cases pass or nearly pass.
      const order = ['context', 'think', 'answer'];
      parts.sort((a, b) => order.indexOf(kindOfSection(a[0])) - order.indexOf(kindOfSection(b[0])));
    }
    return lead + parts.map(([s, g]) => s + g).join('');
  });
const skeleton = fc.oneof(damagedTriple, shuffled);
function kindOfSection(s: string): string {
  return s.slice(1, s.indexOf('>')).toLowerCase();
}
const validTrace = fc
  .tuple(content, content, content, fc.array(pyWs, { maxLength: 2 }), fc.array(pyWs, { maxLength: 2 }), fc.oneof(fc.constant(''), content))
  .map(([c, t, a, g1, g2, tail]) => `<context>${c}</context>${g1.join('')}<think>${t}</think>${g2.join('')}<answer>${a}</answer>${tail}`);

// TRACE_PROP_RUNS raises the run count for a one-off deeper search; the suite stays fast.
const RUNS = Number(process.env.TRACE_PROP_RUNS ?? 2000);

describe('parseTrace: properties', () => {
  test('fragment soup: invariants hold', () => {
    fc.assert(
      fc.property(soup, (text) => {
        checkInvariants(text);
      }),
      { numRuns: RUNS },
    );
  });

  test('near-valid skeletons: invariants hold', () => {
    fc.assert(
      fc.property(skeleton, (text) => {
        checkInvariants(text);
      }),
      { numRuns: RUNS },
    );
  });

  test('the skeleton generator reaches both verdicts', () => {
    const samples = fc.sample(skeleton, { numRuns: 500, seed: 7 });
    const passing = samples.filter(matchesHumanOmniFormat).length;
    assert.ok(passing > 25 && passing < 475, `passing ${passing}/500`);
  });

  test('valid traces pass whatever their content, and every prefix of one parses sensibly', () => {
    fc.assert(
      fc.property(validTrace, fc.nat(), (text, cutSeed) => {
        const full = checkInvariants(text);
        assert.equal(full.formatOk, true);
        const cut = cutSeed % (text.length + 1);
        const t = checkInvariants(text.slice(0, cut));
        const partial = t.diagnostics.find((d) => d.code === 'partial-tag');
        if (partial) for (const s of t.segments) assert.ok(s.outerEnd <= partial.start);
      }),
      { numRuns: RUNS },
    );
  });

  test('deleting a blamed leading or between text lets that stage pass', () => {
    fc.assert(
      fc.property(skeleton, (text) => {
        const t = parseTrace(text);
        const first = firstFormatFailure(t);
        if (!first || (first.code !== 'leading-text' && first.code !== 'leading-whitespace')) return;
        const fixed = text.slice(first.end);
        assert.ok(fixed.toLowerCase().startsWith('<context>') || /^<\s*context/i.test(fixed), JSON.stringify(fixed));
      }),
      { numRuns: RUNS },
    );
  });
});
