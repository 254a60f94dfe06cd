// Differential test: our TypeScript rewards, float() and round() against Python itself. A few
// thousand seeded inputs go through test/fixtures/reference_rewards.py in ONE python3 process;
// every value must match bit for bit.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { accuracyReward, formatReward } from '../../src/core/rewards/index';
import { pyFloat, pyRound } from '../../src/core/pyfloat';

const SCRIPT = fileURLToPath(new URL('../fixtures/reference_rewards.py', import.meta.url));

/** mulberry32: small, seeded, reproducible. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
const r = rng(20250621);

const WS = ['', '', ' ', '\n', '\t', '  ', '\x1c', '\x1f', '\x85', '\xa0', '\u3000', '\u2028', '\ufeff', '\x0b'];
const LETTERS = ['A', 'B', 'C', 'D', 'E', 'a', 'b', '(B)', 'B.', 'AB'];
const NUMBERS = [
  '3',
  '3.0',
  '3.14',
  '3.141',
  '2.675',
  '2.67',
  '0.125',
  '0.13',
  '0.375',
  '1,000',
  '1000',
  '1,5',
  '1.5',
  '15',
  '1_0',
  '10',
  '1__0',
  '_1',
  '1_',
  'inf',
  '-Infinity',
  'INF',
  'nan',
  '1e5',
  '100000',
  '.5',
  '5.',
  '+2',
  '2',
  '0x10',
  '0',
  '-0',
  '0.0',
  '1e400',
  '-5',
  '5',
  '4',
  '7.5',
  '\u0661\u0662',
  '12',
  '\uff11.\uff15',
  '1e-3',
  '0.001',
  'abc',
  '',
  '12.005',
  '12.015',
];
const WORDS = ['yes', 'Yes', 'YES', 'no', 'No', 'know', 'eyes', 'not', 'maybe', "I don't know", 'the', 'cat', 'sat', 'The', 'cat.', 'Nope', 'noon'];
const JOIN = [',', ', ', ' ,', ' ', '', '\x1c', '\x85', '\ufeff', ',,'];
const TYPES = ['multiple choice', 'numerical', 'OCR', 'regression', 'emer_ov_mc', 'judge', 'emer_ov', 'counting'];

function piecesFor(type: string): readonly string[] {
  const roll = r.next();
  if (roll < 0.15) return r.pick([LETTERS, NUMBERS, WORDS]);
  if (type === 'multiple choice' || type === 'emer_ov_mc') return LETTERS;
  if (type === 'numerical' || type === 'regression') return NUMBERS;
  return WORDS;
}

function answerFor(type: string): string {
  const pieces = piecesFor(type);
  const n = r.int(4) + (r.next() < 0.7 ? 1 : 0);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(r.pick(pieces));
  let s = '';
  parts.forEach((p, i) => (s += (i ? r.pick(JOIN) : '') + p));
  return r.pick(WS) + s + r.pick(WS);
}

function completionFor(answer: string): string {
  const ws = () => r.pick(WS);
  const ctx = r.pick(['', 'two people talk', 'a <answer>X</answer> inside context', 'line one\nline two']);
  const think = r.pick(['', 'hmm', 'so the answer is clear', 'maybe </think> twice']);
  const shape = r.int(10);
  const body = `<context>${ctx}</context>${ws()}<think>${think}</think>${ws()}`;
  switch (shape) {
    case 0:
      return ws() + body + `<answer>${answer}</answer>`;
    case 1:
      return body + answer; // no answer tag
    case 2:
      return body + `<answer>${answer}`; // truncated
    case 3:
      return body.replace('<context>', '<Context>').replace('</context>', '</Context>') + `<answer>${answer}</answer>`;
    case 4:
      return body + `<answer>${answer}</answer> and <answer>Z</answer>`;
    case 5:
      return `<think>${think}</think><answer>${answer}</answer>`;
    default:
      return body + `<answer>${ws()}${answer}${ws()}</answer>${r.pick(['', '\n', ' trailing words'])}`;
  }
}

function solutionFor(answer: string): string {
  return r.next() < 0.1 ? answer : `<context>ref ctx</context><think>ref</think><answer>${answer}</answer>`;
}

const FLOAT_BITS = [
  '0',
  '1',
  '2',
  '5',
  '9',
  '_',
  '.',
  'e',
  'E',
  '+',
  '-',
  ' ',
  'inf',
  'nan',
  'infinity',
  'In',
  '\x1c',
  '\x85',
  '\u3000',
  '\ufeff',
  '\u0661',
  '\uff11',
  '\u{1D7CF}',
  ',',
  'x',
  '0x',
  '\t',
];

function floatString(): string {
  if (r.next() < 0.3) {
    const d = () => String(r.int(1000));
    return r.pick(WS) + r.pick(['', '+', '-']) + r.pick([d(), `${d()}.${d()}`, `.${d()}`, `${d()}.`, `${d()}e${r.pick(['', '-', '+'])}${r.int(400)}`, `${r.int(9) + 1}_${d()}`]) + r.pick(WS);
  }
  const n = r.int(7);
  let s = '';
  for (let i = 0; i < n; i++) s += r.pick(FLOAT_BITS);
  return s;
}

function toBits(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return [...new Uint8Array(v.buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function randomDouble(): number {
  const kind = r.int(6);
  if (kind === 0) return (r.int(200001) - 100000) / 1000; // many ties at 2 decimals
  if (kind === 1) return (r.int(2001) - 1000) / 8; // exact binary ties
  if (kind === 2) return (r.next() - 0.5) * 10 ** (r.int(40) - 20);
  if (kind === 3) {
    const v = new DataView(new ArrayBuffer(8));
    v.setUint32(0, Math.floor(r.next() * 2 ** 32));
    v.setUint32(4, Math.floor(r.next() * 2 ** 32));
    const x = v.getFloat64(0);
    return Number.isFinite(x) ? x : 1.5;
  }
  if (kind === 4) return r.pick([0.125, 0.375, 2.675, 1.005, 0.5, 1.5, 2.5, -0.5, -2.675, 5e-324, 1.7976931348623157e308, Infinity, -Infinity, NaN, -0]);
  return r.int(1000) + r.pick([0.005, 0.015, 0.025, 0.045, 0.995]);
}

// Python's JSON reader would take these as text, but line iteration is safest with ASCII only.
const asciiJson = (o: unknown) => JSON.stringify(o).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));

interface Case {
  req: Record<string, unknown>;
  ours: () => { value?: string; error?: boolean };
}

const cases: Case[] = [];
for (let i = 0; i < 3000; i++) {
  const type = r.pick(TYPES);
  const completion = completionFor(answerFor(type));
  const solution = solutionFor(answerFor(type));
  const variant = type === 'regression' && r.next() < 0.4 ? 'eval' : 'trainer';
  cases.push({
    req: { op: 'accuracy', completion, solution, problemType: type, variant },
    ours: () => ({ value: toBits(accuracyReward(completion, solution, type, { regressionVariant: variant }).value!) }),
  });
  if (i % 3 === 0) cases.push({ req: { op: 'format', completion }, ours: () => ({ value: toBits(formatReward(completion).value!) }) });
}
for (let i = 0; i < 2500; i++) {
  const s = floatString();
  cases.push({
    req: { op: 'float', s },
    ours: () => {
      const v = pyFloat(s);
      return v === undefined ? { error: true } : { value: toBits(v) };
    },
  });
}
for (let i = 0; i < 2500; i++) {
  const x = randomDouble();
  const n = r.next() < 0.6 ? 2 : r.next() < 0.95 ? r.int(13) - 6 : r.pick([-400, -308, -309, 323, 324, 400]);
  cases.push({
    req: { op: 'round', x: toBits(Number.isNaN(x) ? NaN : x).replace('nan', '7ff8000000000000'), n },
    ours: () => {
      try {
        return { value: toBits(pyRound(x, n)) };
      } catch {
        return { error: true };
      }
    },
  });
}

let replies: { value?: string; error?: string }[] = [];

before(() => {
  const input = cases.map((c) => asciiJson(c.req)).join('\n') + '\n';
  const run = spawnSync('python3', [SCRIPT], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8', PYTHONUTF8: '1' },
  });
  if (run.error) throw run.error;
  assert.equal(run.status, 0, `python3 failed: ${run.stderr}`);
  replies = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
});

function compare(op: string) {
  const mismatches: string[] = [];
  let checked = 0;
  cases.forEach((c, i) => {
    if (c.req.op !== op) return;
    checked++;
    const py = replies[i]!;
    const ours = c.ours();
    const same = py.error !== undefined ? ours.error === true : ours.value === py.value;
    if (!same && mismatches.length < 10) {
      mismatches.push(`${JSON.stringify(c.req)}\n    python: ${JSON.stringify(py)}  ours: ${JSON.stringify(ours)}`);
    }
  });
  return { checked, mismatches };
}

test('python answered every case', () => {
  assert.equal(replies.length, cases.length);
});

for (const op of ['accuracy', 'format', 'float', 'round']) {
  test(`${op}: identical to Python`, () => {
    const { checked, mismatches } = compare(op);
    assert.ok(checked > 500, `only ${checked} ${op} cases`);
    assert.deepEqual(mismatches, []);
  });
}

test('the generated cases exercise both outcomes', () => {
  // Guards against a generator that only produces failures (which would agree trivially).
  const values = (op: string) => new Set(cases.map((c, i) => (c.req.op === op ? (replies[i]!.value ?? 'error') : undefined)).filter(Boolean));
  assert.ok(values('format').size >= 2);
  assert.ok(values('accuracy').size >= 8, `accuracy values: ${[...values('accuracy')].length}`);
  assert.ok(values('float').has('error') && values('float').size > 100);
});
