// `omnitrace shortcuts` end to end: the built CLI on a small part of the constructed suite
// (bench/shortcutSuite.ts) — real clips (espeak-ng, ffmpeg), real cue extraction (VAD, OCR),
// ablations against the scripted vLLM on 127.0.0.1 — asserting the verdicts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cliProcess';
import { startFakeChatServer } from '../helpers/fakeChatServer';
import { buildClips, CASES, rolloutRow, startScriptedServer, TRUTH, type ScriptedServer } from '../../bench/shortcutSuite';

const ROOT = join(__dirname, '..', '..');
let server: ScriptedServer;
let work: string;
let input: string;

const PICK = ['speech-code', 'text-code', 'speech-not-sent'];

before(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  work = mkdtempSync(join(tmpdir(), 'omnitrace-cli-shortcuts-'));
  const clips = buildClips(work, ['speech', 'text']);
  server = await startScriptedServer();
  input = join(work, 'in.rollouts.jsonl');
  const rows = CASES.filter((c) => PICK.includes(c.id)).map((c) => rolloutRow(c.notSent ? 'listener' : 'reader', c, clips[c.clip]));
  // A rollout whose clip is missing: it still gets a line, with the reason.
  rows.push({ ...rows[0]!, id: 'missing-clip', video: join(work, 'nope.mp4') });
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n' + '{not json\n');
});
after(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, work);

const readLines = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const byId = (lines: any[]) => Object.fromEntries(lines.map((l) => [l.id, l]));

test('with ablations against the scripted model: the verdicts of the suite, with high confidence', async () => {
  const out = join(work, 'with.jsonl');
  // The scripted reader model answers every ablation; the not-sent rollout skips ablations.
  const r = await cli([
    'shortcuts',
    input,
    '--model-base-url',
    server.baseURL,
    '--model',
    'reader',
    '--samples',
    '3',
    '--no-logprobs',
    '--out',
    out,
    '--cache-dir',
    join(work, 'cues'),
    '--runs-dir',
    join(work, 'runs'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = byId(readLines(out));
  const speech = lines['speech-code/reader'].shortcut;
  assert.deepEqual([speech.audio.verdict, speech.audio.confidence], [TRUTH['speech-code']!.reader!.audio, 'high']);
  assert.equal(speech.visual.verdict, TRUTH['speech-code']!.reader!.visual);
  assert.equal(speech.audio.used.from, 'ablation-sampled');
  assert.equal(speech.audio.used.ablation.samples.length, 3);
  assert.equal(speech.blindAnswerable, true);
  const text = lines['text-code/reader'].shortcut;
  assert.deepEqual([text.audio.verdict, text.visual.verdict], [TRUTH['text-code']!.reader!.audio, TRUTH['text-code']!.reader!.visual]);
  assert.ok(text.sentences.some((s: any) => s.checks.some((c: any) => c.kind === 'confirmed' && c.modality === 'visual')));
  const notSent = lines['speech-not-sent/listener'].shortcut;
  assert.equal(notSent.audio.verdict, 'not-sent');
  assert.match(notSent.findings[0], /^Audio not sent/);
  assert.match(notSent.ablationNote, /never sent the audio/);
  const missing = lines['missing-clip'].shortcut;
  assert.match(missing.inventoryError, /Clip not found/);
  assert.match(r.stderr, /verdicts per modality/);
  assert.match(r.stderr, /skipped 1 unreadable record/);
  assert.match(r.stderr, /in\.rollouts\.jsonl:5/);
});

test('without a model URL: no ablations, every verdict says so and is not high confidence', async () => {
  const out = join(work, 'without.jsonl');
  const r = await cli(['shortcuts', input, '--out', out, '--cache-dir', join(work, 'cues')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /ablations not run/);
  assert.match(r.stderr, /possible shortcuts, not measured .*: audio 2, visual 0/); // speech-code and its missing-clip copy
  const lines = byId(readLines(out));
  const speech = lines['speech-code/reader'].shortcut;
  assert.deepEqual([speech.audio.verdict, speech.audio.confidence], ['undetermined', 'low']);
  assert.match(speech.audio.reason, /^possible shortcut, not measured/);
  for (const l of Object.values(lines)) {
    for (const m of ['audio', 'visual']) {
      const v = (l as any).shortcut[m];
      if (v.verdict === 'not-applicable' || v.verdict === 'not-sent') continue;
      assert.notEqual(v.confidence, 'high', `${(l as any).id} ${m}`);
      assert.match(v.used.detail, /ablation signal unavailable/);
    }
  }
});

test('usage errors: --model without --model-base-url, unknown ablation', async () => {
  const out = join(work, 'x.jsonl');
  const a = await cli(['shortcuts', input, '--model', 'reader', '--out', out]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /go together/);
  const b = await cli(['shortcuts', input, '--ablations', 'audio,smell', '--out', out]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /unknown 'smell'/);
});

test('--judge-base-url: a judge places the sentences the rules cannot, once per trace, cached', async () => {
  const judge = await startFakeChatServer(() => ({ reply: '{"1": ["heard"], "2": ["inferred"]}' }));
  try {
    const out = join(work, 'judged.jsonl');
    const first = JSON.parse(readFileSync(input, 'utf8').split('\n')[0]!);
    const judgedInput = join(work, 'judged-in.jsonl');
    writeFileSync(
      judgedInput,
      JSON.stringify({ ...first, id: 'judged', completion: '<context>A plain grey frame. It rises and then stops.</context><think>Seven fits best.</think><answer>7</answer>' }) + '\n',
    );
    const args = ['shortcuts', judgedInput, '--out', out, '--cache-dir', join(work, 'cues'), '--judge-base-url', judge.baseURL, '--judge-model', 'j', '--judge-cache-dir', join(work, 'judge-cache')];
    const r = await cli(args);
    assert.equal(r.code, 0, r.stderr);
    const lines = byId(readLines(out));
    // "It rises and then stops." and "Seven fits best." have no rule tag: one call with both.
    const judged = Object.values(lines).flatMap((l: any) => l.shortcut.sentences.filter((s: any) => s.source === 'judge'));
    assert.deepEqual(
      judged.map((s: any) => [s.text, s.kinds]),
      [
        ['It rises and then stops.', ['heard']],
        ['Seven fits best.', ['inferred']],
      ],
    );
    assert.equal(lines['judged'].shortcut.audio.claimed.value, true);
    const calls = judge.requests.length;
    assert.equal(calls, 1);
    const again = await cli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(judge.requests.length, calls, 'the second run is served from the cache');
  } finally {
    await judge.close();
  }
});

test('--judge-base-url: without labels or a reference context, the judge says which cues the question needs, once per question, cached', async () => {
  const judge = await startFakeChatServer((req) => {
    const prompt = req.body.messages?.[0]?.content ?? '';
    // The same endpoint serves the claim pass; answer each pass in its own format.
    return { reply: prompt.includes('Reference answer:') ? '{"needed": "audio", "reason": "The answer is the number the man speaks."}' : '{}' };
  });
  try {
    const out = join(work, 'needed.jsonl');
    const first = JSON.parse(readFileSync(input, 'utf8').split('\n')[0]!);
    const neededInput = join(work, 'needed-in.jsonl');
    // Two rollouts of one question (a GRPO group), with a bare reference answer: no context to read.
    const row = (id: string) => JSON.stringify({ ...first, id, solution: '<answer>7</answer>' });
    writeFileSync(neededInput, [row('n1'), row('n2')].join('\n') + '\n');
    const args = [
      'shortcuts',
      neededInput,
      '--out',
      out,
      '--cache-dir',
      join(work, 'cues'),
      '--judge-base-url',
      judge.baseURL,
      '--judge-model',
      'j',
      '--judge-cache-dir',
      join(work, 'judge-cache-needed'),
    ];
    const r = await cli(args);
    assert.equal(r.code, 0, r.stderr);
    const lines = byId(readLines(out));
    for (const id of ['n1', 'n2']) {
      assert.deepEqual([lines[id].shortcut.audio.needed.from, lines[id].shortcut.audio.needed.value, lines[id].shortcut.visual.needed.value], ['judge', true, false]);
      assert.match(lines[id].shortcut.audio.needed.detail, /the number the man speaks/);
    }
    const neededCalls = () => judge.requests.filter((q) => q.body.messages?.[0]?.content.includes('Reference answer:'));
    assert.equal(neededCalls().length, 1);
    assert.ok(!neededCalls()[0]!.body.messages![0]!.content.includes(first.completion.slice(0, 40)), 'the completion is never sent');
    const calls = judge.requests.length;
    const again = await cli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(judge.requests.length, calls, 'the second run is served from the cache');
  } finally {
    await judge.close();
  }
});
