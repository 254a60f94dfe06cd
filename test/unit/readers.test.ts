import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFormat, readAll, readRolloutAt, readRollouts, ReadError, READER_NOTES_KEY, FORMATS, FORMAT_NAMES } from '../../src/core/readers/index';
import { readBytes } from '../../src/core/readers/lines';
import type { RolloutRecord } from '../../src/core/types';

const FX = join(__dirname, '..', 'fixtures');
const fx = (p: string) => join(FX, p);

function hashTree(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(p, out);
    else out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
  }
  return out;
}

test('detectFormat recognises every fixture layout', async () => {
  const cases: [string, string][] = [
    ['humanomni/eval_results.json', 'humanomni-eval'],
    ['humanomni/train.json', 'humanomni-train'],
    ['verl', 'verl'],
    ['verl/2.jsonl', 'verl'],
    ['trl', 'trl'],
    ['trl/completions', 'trl'],
    ['trl/completions/completions_00010.parquet', 'trl'],
    ['rollouts/sample.rollouts.jsonl', 'jsonl'],
    ['jsonl/malformed.jsonl', 'jsonl'],
    ['json/broken.json', 'json'],
  ];
  for (const [p, want] of cases) {
    const got = await detectFormat(fx(p));
    assert.equal(got.format, want, `${p}: ${got.reason}`);
    assert.ok(got.reason.length > 5);
  }
  await assert.rejects(detectFormat(fx('nope.jsonl')), (e: unknown) => e instanceof ReadError && /nope\.jsonl: no such file/.test(e.message));
  assert.deepEqual(Object.keys(FORMATS).sort(), [...FORMAT_NAMES].sort());
  assert.match(FORMATS['humanomni-train'].description, /no completion/);
});

test('HumanOmniV2 evaluation results map result rows, nested raw fields and the recorded reward', async () => {
  const file = fx('humanomni/eval_results.json');
  const { records, problems } = await readAll(file);
  assert.equal(records.length, 2);
  const [a, b] = records;
  assert.equal(a.id, 'ev-1');
  assert.equal(a.question.problem, 'Why does the man laugh?');
  assert.deepEqual(a.question.options, ['A. a joke', 'B. he fell']);
  assert.equal(a.question.problemType, 'multiple choice');
  assert.equal(a.reference.solution, '<answer>A</answer>');
  assert.equal(a.reference.answer, 'A');
  assert.deepEqual(a.clip, { path: 'intent/clip_001.mp4', dataType: 'video' });
  assert.match(a.completion, /^<context>A man listens/);
  assert.deepEqual(a.recorded, { reward: 1 });
  assert.equal(a.extras?.prediction, 'A');
  assert.ok(Array.isArray(a.prompt));
  assert.equal(b.clip?.path, 'intent/clip_002.mp4', 'path is used when there is no video field');
  // The third result is a string: reported with its position, the others still load.
  assert.equal(problems.length, 1);
  assert.equal(problems[0].recordIndex, 2);
  assert.match(problems[0].message, /not an object/);
  // Line numbers point at each result's opening brace / value in the file.
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines[a.source.line! - 1].trim(), '{');
  assert.equal(lines[b.source.line! - 1].trim(), '{');
  assert.match(lines[problems[0].line! - 1], /"not a result row"/);
  // Random access by record index.
  const again = await readRolloutAt(b.source, { index: b.index });
  assert.equal(again.kind, 'record');
  assert.deepEqual(again.kind === 'record' && again.record, b);
});

test('training data scores the reference solution as the completion and says so', async () => {
  const { records, problems } = await readAll(fx('humanomni/train.json'));
  assert.equal(problems.length, 0);
  assert.equal(records.length, 3);
  for (const r of records) {
    assert.equal(r.completion, r.reference.solution);
    assert.match(String((r.extras?.[READER_NOTES_KEY] as string[])[0]), /no completion/);
  }
  assert.equal(records[1].clip?.path, 'train/crowd.wav');
  assert.equal(records[1].question.problemType, 'regression');
  assert.deepEqual(records[1].question.options, []);
});

test('verl directories read step files in order, wrap bare gts and keep reward extras', async () => {
  const { records, problems } = await readAll(fx('verl'));
  assert.equal(problems.length, 0);
  assert.equal(records.length, 5);
  assert.deepEqual(
    records.map((r) => r.index),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(
    records.map((r) => r.step),
    [1, 1, 1, 2, 2],
  );
  assert.match(records[3].source.file, /2\.jsonl$/);
  const [first, , third] = records;
  assert.equal(first.reference.solution, '<answer>A</answer>');
  assert.equal(first.reference.answer, 'A');
  assert.match((first.extras?.[READER_NOTES_KEY] as string[]).join(' '), /wrapped as <answer>/);
  assert.deepEqual(first.recorded, { score: 2, acc: 1 });
  assert.equal(first.extras?.pred, 'A');
  // The user turn, split as HumanOmniV2 lays a multiple-choice question out: problem, " Options:", one line each.
  assert.equal(first.question.problem, 'What colour is the car that honks?');
  assert.deepEqual(first.question.options, ['A. red', 'B. blue']);
  assert.equal(typeof first.prompt, 'string');
  // A full solution trace in gts is kept as it is.
  assert.match(third.reference.solution!, /^<context>A kitchen timer/);
  assert.equal(third.reference.answer, undefined);
  assert.equal(third.id, 'req-7');
});

test('TRL completions parquet: chat-list or string completions, reward columns and advantage', async () => {
  const { records, problems } = await readAll(fx('trl'));
  assert.equal(problems.length, 0);
  assert.equal(records.length, 4);
  assert.deepEqual(
    records.map((r) => r.source.recordIndex),
    [0, 1, 2, 3],
  );
  assert.equal(records[0].completion, '<context>A bell rings, then a dog barks.</context>\n<think>The bell is heard before the dog.</think>\n<answer>A</answer>');
  assert.match(records[3].completion, /^<context>Knocking at a door/, 'assistant text taken from a message list');
  assert.deepEqual(records[1].recorded, { format_reward: 0, accuracy_reward: 0 });
  assert.equal(records[1].recordedAdvantage, -0.5);
  assert.equal(records[0].step, 10);
  assert.equal(records[2].question.problem, 'How many knocks are there?');
  assert.equal(records[2].question.problemType, 'numerical');
  const again = await readRolloutAt(records[2].source, { index: 2 });
  assert.deepEqual(again.kind === 'record' && again.record, records[2]);
});

test('our rollouts JSONL maps every documented field', async () => {
  const { records, problems } = await readAll(fx('rollouts/sample.rollouts.jsonl'));
  assert.equal(problems.length, 0);
  assert.equal(records.length, 9);
  const r1 = records[0];
  assert.equal(r1.id, 'r1');
  assert.equal(r1.groupId, 'g1');
  assert.equal(r1.step, 10);
  assert.equal(r1.checkpoint, 'ckpt-10');
  assert.deepEqual(r1.clip, { path: 'clips/bus_stop.mp4', start: 2, end: 9.5, dataType: 'video' });
  assert.equal(r1.question.options?.length, 4);
  assert.deepEqual(r1.recorded, { format: 1, accuracy: 1 });
  assert.equal(records[4].clip?.dataType, 'audio');
  assert.equal(records[6].clip?.dataType, 'image');
  assert.equal(records[6].groupId, undefined);
});

test('malformed lines are reported with their line numbers and everything else loads', async () => {
  const file = fx('jsonl/malformed.jsonl');
  const { records, problems } = await readAll(file);
  assert.deepEqual(
    records.map((r) => r.id),
    ['m1', 'm2', 'm5'],
  );
  assert.deepEqual(
    records.map((r) => r.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    records.map((r) => r.source.line),
    [1, 2, 8],
  );
  assert.deepEqual(
    problems.map((p) => p.line),
    [4, 5, 6, 9],
  );
  for (const p of problems) assert.equal(p.file, file);
  assert.match(problems[0].message, /invalid JSON/);
  assert.match(problems[1].message, /array, not an object/);
  assert.match(problems[2].message, /no completion field/);
  assert.match(problems[3].message, /cut off/);
});

test('byte offsets survive a BOM, CRLF and multi-byte UTF-8, and re-read the exact record', async () => {
  const file = fx('jsonl/malformed.jsonl');
  const raw = readFileSync(file);
  const { records } = await readAll(file);
  assert.equal(records[0].source.byteOffset, 3, 'after the BOM');
  for (const r of records) {
    const { byteOffset, byteLength } = r.source;
    assert.equal(raw.indexOf(`{"id": "${r.id}"`), byteOffset, `${r.id} starts where the reader says`);
    assert.equal(raw[byteOffset! + byteLength!], 13, 'length stops before the CR of CRLF');
    const bytes = await readBytes(file, byteOffset!, byteLength!);
    assert.equal(JSON.parse(bytes.toString('utf8')).id, r.id);
    const again = await readRolloutAt(r.source, { index: r.index });
    assert.equal(again.kind, 'record');
    assert.deepEqual(again.kind === 'record' && again.record, r);
  }
  assert.match(records[1].completion, /東京行き 🚆/);
});

test('a tiny read buffer gives the same records (lines split across reads, buffer growth)', async () => {
  for (const p of ['jsonl/malformed.jsonl', 'rollouts/sample.rollouts.jsonl', 'verl']) {
    const big = await readAll(fx(p));
    const small = await readAll(fx(p), { bufferSize: 64 });
    assert.deepEqual(small, big, p);
  }
});

test('field mapping overrides take dotted paths with negative list indices', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-readers-'));
  const file = join(dir, 'chat.jsonl');
  const row = (id: string, answer: string) => ({
    meta: { key: id, kind: 'multiple choice', ref: { text: answer } },
    messages: [
      { role: 'user', content: 'Which?' },
      { role: 'assistant', content: `<context>c</context><think>t</think><answer>${answer}</answer>` },
    ],
  });
  writeFileSync(file, [row('x1', 'A'), row('x2', 'B')].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const items: RolloutRecord[] = [];
  for await (const it of readRollouts(file, {
    format: 'jsonl',
    map: { completion: 'messages.-1.content', problem: 'messages.0.content', id: 'meta.key', problemType: 'meta.kind', solution: 'meta.ref.text' },
  })) {
    assert.equal(it.kind, 'record');
    if (it.kind === 'record') items.push(it.record);
  }
  assert.deepEqual(
    items.map((r) => r.id),
    ['x1', 'x2'],
  );
  assert.equal(items[1].completion, '<context>c</context><think>t</think><answer>B</answer>');
  assert.equal(items[1].question.problem, 'Which?');
  assert.equal(items[1].question.problemType, 'multiple choice');
  assert.equal(items[1].reference.solution, '<answer>B</answer>');
  // Without the override the message list is still found and its assistant text used.
  const auto = await readAll(file);
  assert.equal(auto.records[0].completion, items[0].completion);
  // A mapping to a field that is absent makes each row a problem, not a silent empty record.
  const missing = await readAll(file, { map: { completion: 'meta.nothing' } });
  assert.equal(missing.records.length, 0);
  assert.deepEqual(
    missing.problems.map((p) => p.line),
    [1, 2],
  );
  await assert.rejects(readAll(file, { map: { completoin: 'x' } }), /unknown mapping field 'completoin'/);
});

test('a row of a JSON list that does not parse is one problem with its position; the other rows load', async () => {
  const file = fx('json/broken.json');
  const { records, problems } = await readAll(file);
  assert.equal(records.length, 1);
  assert.equal(records[0].completion, 'b');
  assert.equal(problems.length, 1);
  assert.equal(problems[0].file, file);
  assert.equal(problems[0].line, 3);
  // The comma missing after "c": the next quote, on line 3 at column 19 of the file, is unexpected.
  assert.match(problems[0].message, /row #1: invalid JSON at line 3, column 19/);
});

test('reading never modifies the input files', async () => {
  const before = hashTree(FX);
  for (const p of ['humanomni/eval_results.json', 'humanomni/train.json', 'verl', 'trl', 'rollouts/sample.rollouts.jsonl', 'jsonl/malformed.jsonl', 'json/broken.json']) {
    await readAll(fx(p));
  }
  const { records } = await readAll(fx('jsonl/malformed.jsonl'));
  await readRolloutAt(records[2].source);
  assert.deepEqual(hashTree(FX), before);
});
