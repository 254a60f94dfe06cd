// The linear format matcher and answer extraction (pycompat.ts) against the trainer's regexes
// they replace on the hot path: same verdict, same match end, same gaps, same answer, on
// generated trace-like strings (Python-only whitespace, U+FEFF, repeated, partial and
// wrong-case tags).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ANSWER_RE, FORMAT_RE, PY_WS, extractAnswer, matchFormat, pyStrip } from '../../src/core/pycompat';

const GAPS_RE = new RegExp(`^<context>[\\s\\S]*?</context>([${PY_WS}]*)<think>[\\s\\S]*?</think>([${PY_WS}]*)<answer>[\\s\\S]*?</answer>`);

const TAGS = ['<context>', '</context>', '<think>', '</think>', '<answer>', '</answer>'];
const tag = fc.constantFrom(...TAGS);
const partialTag = fc.constantFrom(...TAGS).chain((t) => fc.nat({ max: t.length - 1 }).map((n) => t.slice(0, n)));
const wrongCase = fc.constantFrom(...TAGS).map((t) => t.toUpperCase());
const spaceChar = fc.constantFrom(' ', '\n', '\t', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x1f', '\x85', '\xa0', '\u2003', '\u2028', '\u3000', '\ufeff');
const ws = fc.array(spaceChar, { minLength: 1, maxLength: 3 }).map((a) => a.join(''));
const word = fc.constantFrom('a', 'B', 'yes', '42', '<', '>', '/', '</', 'x y', '"', '\\', 'é', '→');
const piece = fc.oneof({ weight: 6, arbitrary: tag }, { weight: 4, arbitrary: ws }, { weight: 4, arbitrary: word }, { weight: 1, arbitrary: partialTag }, { weight: 1, arbitrary: wrongCase });
const soup = fc.array(piece, { maxLength: 20 }).map((p) => p.join(''));
/** Mostly well-formed traces with damage, so both verdicts and every stage are reached. */
const near = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: ws }, { weight: 1, arbitrary: word }),
    ...['context', 'think', 'answer'].map((k) =>
      fc
        .tuple(
          fc.oneof({ weight: 8, arbitrary: fc.constant(`<${k}>`) }, { weight: 1, arbitrary: piece }),
          fc.array(piece, { maxLength: 4 }).map((p) => p.join('')),
          fc.oneof({ weight: 8, arbitrary: fc.constant(`</${k}>`) }, { weight: 1, arbitrary: piece }),
          fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 4, arbitrary: ws }, { weight: 1, arbitrary: word }),
        )
        .map((p) => p.join('')),
    ),
    fc.array(piece, { maxLength: 4 }).map((p) => p.join('')),
  )
  .map((p) => p.join(''));
const traceLike = fc.oneof({ weight: 3, arbitrary: near }, { weight: 2, arbitrary: soup });

function checkFormat(text: string): boolean {
  const m = FORMAT_RE.exec(text);
  const g = GAPS_RE.exec(text);
  const fast = matchFormat(text);
  assert.equal(fast !== undefined, m !== null, `verdict for ${JSON.stringify(text)}`);
  if (!m || !fast || !g) return false;
  assert.equal(fast.end, m[0].length, `match end for ${JSON.stringify(text)}`);
  assert.equal(g[0].length, m[0].length);
  assert.equal(text.slice(fast.gap1Start, fast.gap1End), g[1], `first gap for ${JSON.stringify(text)}`);
  assert.equal(text.slice(fast.gap2Start, fast.gap2End), g[2], `second gap for ${JSON.stringify(text)}`);
  return true;
}

function checkAnswer(text: string): void {
  const m = ANSWER_RE.exec(text);
  const fast = extractAnswer(text);
  assert.equal(fast.found, m !== null, `found for ${JSON.stringify(text)}`);
  if (!m) return assert.deepEqual(fast, { answer: '', found: false, start: -1, end: -1 });
  const [start, end] = m.indices![1]!;
  assert.deepEqual(fast, { answer: pyStrip(m[1]!), found: true, start, end }, `answer for ${JSON.stringify(text)}`);
}

describe('linear format matcher = FORMAT_RE', () => {
  test('examples', () => {
    for (const text of [
      '<context>a</context>\n<think>b</think>\n<answer>c</answer>',
      '<context></context><think></think><answer></answer>',
      '<context>a</context>x</context> <think>b</think><answer>c</answer> tail',
      '<context>a</context><think>b</think>x</think>\x1c\x85<answer>c</answer>',
      '<context>a</context>\ufeff<think>b</think><answer>c</answer>',
      ' <context>a</context><think>b</think><answer>c</answer>',
      '<context>a</context><think>b</think><answer>c</answer',
      '<context></context></context><think><think></think></think><answer></answer></answer>',
    ]) {
      checkFormat(text);
      checkAnswer(text);
    }
  });

  test('agrees on generated trace-like strings, match end and gaps included', () => {
    let matched = 0;
    fc.assert(
      fc.property(traceLike, (text) => {
        if (checkFormat(text)) matched++;
        checkAnswer(text);
      }),
      { numRuns: 5000 },
    );
    assert.ok(matched > 250, `only ${matched} of 5000 generated strings match: the generator misses the ok path`);
  });
});
