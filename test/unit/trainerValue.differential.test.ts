// The judge value the HumanOmniV2 trainer stored, reproduced exactly: every reply here is also
// given to python3's ast.literal_eval(reply) / 5.0 (0 when that raises), as the trainer does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { trainerJudgeValue } from '../../src/core/judge/trainerValue';

const PY = String.raw`
import ast, json, sys
out = []
for r in json.load(sys.stdin):
    try:
        v = ast.literal_eval(r) / 5.0
        out.append(["complex", None] if isinstance(v, complex) else ["ok", v if v == v and abs(v) != float("inf") else repr(v)])
    except Exception:
        out.append(["raises", 0])
print(json.dumps(out))
`;

function python(replies: string[]): ['ok' | 'complex' | 'raises', number | string | null][] {
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(replies), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function check(replies: string[]): void {
  const expected = python(replies);
  replies.forEach((reply, i) => {
    const [kind, value] = expected[i]!;
    const ours = trainerJudgeValue(reply);
    const label = JSON.stringify(reply);
    if (kind === 'complex') assert.equal(ours.kind, 'complex', label);
    else if (kind === 'raises') assert.equal(ours.stored, 0, `${label}: python raises; we ${ours.kind} ${ours.stored}`);
    else if (typeof value === 'string') assert.equal(String(ours.stored), value === 'inf' ? 'Infinity' : value === '-inf' ? '-Infinity' : 'NaN', label);
    else {
      assert.ok(ours.kind === 'number' || ours.kind === 'bool', `${label}: python gives ${value}; we say ${ours.kind}`);
      assert.equal(ours.stored, value, label);
    }
  });
}

const HAND = [
  '3',
  '7',
  '4.5',
  ' 4',
  '\t4',
  '4 ',
  '4\n',
  '\n4',
  '4\n\n',
  'True',
  'False',
  'None',
  '(4)',
  '( 4 )',
  '(\n4\n)',
  '((2))',
  '-4',
  '+4',
  '- 4',
  '-(4)',
  '(-4)',
  '--4',
  '-+4',
  '+-4',
  '-True',
  '4 # sure',
  '4 #',
  '# 4',
  '0x4',
  '0X1F',
  '0o17',
  '0b101',
  '0b2',
  '1_000',
  '1__0',
  '1_',
  '_1',
  '07',
  '00',
  '0_0',
  '07.5',
  '07e1',
  '4.',
  '.5',
  '1e3',
  '1E-2',
  '1e',
  '1e999',
  '-1e999',
  '4j',
  '1+2j',
  '1-2j',
  '2j+1',
  '1+2',
  '4/5',
  '4, 5',
  '[4]',
  "'4'",
  '"4"',
  '{"score": 4}',
  'Score: 5',
  '5 points',
  'The score is 4',
  '４',
  '4abc',
  '4if 1 else 2',
  '',
  ' ',
  '\\\n4',
  '4\\\n',
  '4\r\n',
  '\r\n4',
  '4 4',
  '( 4',
  '4 )',
  '4;',
  '1' + '0'.repeat(400),
  '9'.repeat(30),
  '0.1',
  '2.5e-324',
  '1.7976931348623157e308',
  '5.000000000000001',
  '3\u00a0',
  '\u00a04',
  '4\f',
];

test('known replies: the stored value is exactly what python3 computes', () => check(HAND));

test('generated replies: numbers, signs, parentheses, blanks, comments and junk agree with python3', () => {
  const piece = fc.constantFrom('4', '3.5', '0x1f', '1_0', '07', '0', '.5', '5.', '1e2', 'True', 'False', 'None', 'j', '(', ')', '-', '+', ' ', '\t', '\n', '#x', '_', ',', 'e', "'", 'a');
  const replies = fc.sample(
    fc.array(piece, { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
    { numRuns: 3000, seed: 42 },
  );
  check(replies);
});
