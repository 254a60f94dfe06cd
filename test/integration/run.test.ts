import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeChatServer, type FakeChatServer, type RecordedRequest } from '../helpers/fakeChatServer';
import { startFakeVllm, inspectUserParts, tokens, type FakeVllm } from '../helpers/fakeVllmServer';
import { buildUserText } from '../../src/core/run/prompt';
import { NO_AUDIO_LINE } from '../../src/core/run/defaultPrompts';
import { CheckpointClient, CheckpointCallError } from '../../src/models/checkpointClient';
import { readRollouts } from '../../src/core/readers/index';
import { scoreRecord } from '../../src/core/score';
import { NO_REFERENCE_CONTEXT_CLI } from '../../src/cli/commands/run';
import type { RolloutRecord } from '../../src/core/types';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
let dir: string;
let vllm: FakeVllm;
/** A real chat server playing the judge; each test sets what it answers. */
let judge: FakeChatServer;
const clip = (n: string) => join(dir, n);

function ff(args: string[]) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'omnitrace-runcli-'));
  const speech = join(dir, 'speech.wav');
  const e = spawnSync('espeak-ng', ['-w', speech, 'the door is open'], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  // 3 s, 160x90, with speech padded to the length of the video.
  ff(['-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=10:d=3', '-i', speech, '-af', 'apad', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip('av.mp4')]);
  ff(['-f', 'lavfi', '-i', 'color=c=blue:s=160x90:r=10:d=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip('silent.mp4')]);
  ff(['-f', 'lavfi', '-i', 'testsrc2=s=160x90', '-frames:v', '1', clip('still.png')]);
  writeFileSync(clip('broken.mp4'), 'this is not a video');
  vllm = await startFakeVllm();
  judge = await startFakeChatServer(() => ({ reply: '4' }));
});

after(async () => {
  await vllm?.close();
  await judge?.close();
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** tsx by its own path: a workspace folder elsewhere cannot resolve the package. */
const TSX = pathToFileURL(require.resolve('tsx')).href;

/** Runs the CLI from source, asynchronously (the fake server lives in this process). */
function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; onStderr?: (soFar: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', join(ROOT, 'scripts', 'register-text.cjs'), '--import', TSX, MAIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const server = () => ['--model-base-url', vllm.baseURL, '--model', 'omni-ckpt'];
/** A workspace folder of its own, so judge caches of different tests never meet. */
const workspace = (name: string) => {
  const w = join(dir, `ws-${name}`);
  mkdirSync(w, { recursive: true });
  return w;
};
const Q = ['--question', 'Who is speaking?', '--options', 'A. a man', '--options', 'B. a woman', '--problem-type', 'multiple choice'];
const GOOD = '<context>a voice says the door is open</context><think>the voice is low</think><answer>A</answer>';
const BAD = '<context>a voice</context><think>hmm</think><answer>B</answer>';

async function savedRun(runsDir: string): Promise<{ file: string; records: RolloutRecord[]; raw: Record<string, any>[] }> {
  const files = readdirSync(runsDir).filter((f) => f.endsWith('.rollouts.jsonl'));
  assert.equal(files.length, 1, `one saved run in ${runsDir}: ${files}`);
  const file = join(runsDir, files[0]!);
  const records: RolloutRecord[] = [];
  for await (const it of readRollouts(file)) if (it.kind === 'record') records.push(it.record);
  const raw = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  return { file, records, raw };
}

test('a trimmed clip with audio, n = 3: video + 16 kHz WAV + text sent, samples saved, read back and scored', async () => {
  vllm.requests.length = 0;
  vllm.script({ replies: [GOOD, BAD, GOOD] });
  const runsDir = join(dir, 'runs-av');
  const out = join(dir, 'av.scores.jsonl');
  const r = await cli([
    'run',
    clip('av.mp4'),
    ...Q,
    '--answer',
    'A',
    '--start',
    '0.5',
    '--end',
    '00:02.000',
    ...server(),
    '--n',
    '3',
    '--temperature',
    '1',
    '--top-k',
    '20',
    '--seed',
    '3',
    '--max-tokens',
    '256',
    '--runs-dir',
    runsDir,
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(vllm.requests.length, 1);
  const body = vllm.requests[0]!.body;
  assert.equal(vllm.requests[0]!.url, '/v1/chat/completions');
  assert.equal(body.n, 3);
  assert.equal(body.top_k, 20);
  assert.equal(body.stream, true);
  assert.equal('mm_processor_kwargs' in body, false);
  const parts = await inspectUserParts(body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  const [video, audio, text] = parts;
  assert.equal(video!.mime, 'video/mp4');
  assert.equal(video!.info!.video!.codec, 'h264');
  assert.ok(Math.abs(video!.info!.duration - 1.5) <= 0.2, `video lasts ${video!.info!.duration}`);
  assert.equal(audio!.mime, 'audio/wav');
  assert.deepEqual([audio!.info!.audio!.sampleRate, audio!.info!.audio!.channels, audio!.info!.audio!.codec], [16000, 1, 'pcm_s16le']);
  assert.ok(Math.abs(audio!.info!.duration - 1.5) <= 0.2, `audio lasts ${audio!.info!.duration}`);
  assert.equal(text!.text, buildUserText({ problem: 'Who is speaking?', options: ['A. a man', 'B. a woman'], problemType: 'multiple choice' }, 'video-audio'));
  // The first sample streamed to stderr as it arrived.
  assert.ok(r.stderr.includes(GOOD), r.stderr);
  // Score lines: one per sample, segments and rule rewards, one group.
  const lines = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.rewards.accuracy.value),
    [1, 0, 1],
  );
  assert.deepEqual(
    lines.map((l) => l.rewards.format.value),
    [1, 1, 1],
  );
  assert.deepEqual(
    lines[1].segments.map((s: { kind: string }) => s.kind),
    ['context', 'think', 'answer'],
  );
  assert.equal(new Set(lines.map((l) => l.group.id)).size, 1);
  assert.equal(lines[0].group.size, 3);
  // The saved run reads back with the readers and scores the same way.
  const { records, raw } = await savedRun(runsDir);
  assert.deepEqual(
    records.map((x) => x.completion),
    [GOOD, BAD, GOOD],
  );
  assert.deepEqual(
    records.map((x) => scoreRecord(x).rewards.accuracy!.value),
    [1, 0, 1],
  );
  assert.equal(records[0]!.clip!.start, 0.5);
  assert.equal(records[0]!.clip!.end, 2);
  assert.equal(raw[0].finish_reason, 'stop');
  assert.equal(raw[0].usage.promptTokens, 1234);
  assert.equal(raw[0].usage.completionTokens, 2 * tokens(GOOD).length + tokens(BAD).length);
  assert.equal(typeof raw[0].latency_ms.total, 'number');
  assert.equal(raw[0].request.media_parts.length, 2);
  assert.equal(raw[0].request.media_parts[1].bytes, audio!.bytes!.length);
  assert.equal(raw[0].cancelled, false);
});

test('a clip without audio: no audio part, the no-audio line, use_audio_in_video not sent', async () => {
  vllm.requests.length = 0;
  vllm.script({ replies: [GOOD] });
  const runsDir = join(dir, 'runs-silent');
  const r = await cli(['run', clip('silent.mp4'), ...Q, ...server(), '--use-audio-in-video', '--runs-dir', runsDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /use_audio_in_video not sent: the clip has no audio/);
  const body = vllm.requests[0]!.body;
  assert.equal('mm_processor_kwargs' in body, false);
  const parts = await inspectUserParts(body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.equal(parts[0]!.info!.audio, undefined);
  assert.ok(Math.abs(parts[0]!.info!.duration - 2) <= 0.2);
  assert.ok(parts[1]!.text!.startsWith(NO_AUDIO_LINE + '\n'));
  assert.equal(JSON.parse(r.stdout.trim().split('\n')[0]!).rewards.format.value, 1, 'score lines go to stdout without --out');
});

test('an image is sent as image_url; --media frames samples JPEG frames', async () => {
  vllm.requests.length = 0;
  vllm.script({ replies: [GOOD] });
  let r = await cli(['run', clip('still.png'), '--question', 'What is shown?', '--problem-type', 'free-form', ...server(), '--runs-dir', join(dir, 'runs-img')]);
  assert.equal(r.code, 0, r.stderr);
  let parts = await inspectUserParts(vllm.requests[0]!.body);
  assert.deepEqual(
    parts.map((p) => [p.type, p.mime]),
    [
      ['image_url', 'image/png'],
      ['text', undefined],
    ],
  );
  assert.equal(parts[0]!.info!.isImage, true);
  r = await cli(['run', clip('av.mp4'), ...Q, ...server(), '--media', 'frames', '--frames', '4', '--runs-dir', join(dir, 'runs-frames')]);
  assert.equal(r.code, 0, r.stderr);
  parts = await inspectUserParts(vllm.requests[1]!.body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['image_url', 'image_url', 'image_url', 'image_url', 'audio_url', 'text'],
  );
  assert.equal(parts[0]!.mime, 'image/jpeg');
  assert.equal(parts[0]!.info!.video!.width, 160);
});

test('--dry-run prints the body with media abbreviated and calls nothing', async () => {
  vllm.requests.length = 0;
  const r = await cli(['run', clip('av.mp4'), ...Q, ...server(), '--dry-run', '--frames', '8', '--media-io-kwargs', '--runs-dir', join(dir, 'runs-dry')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(vllm.requests.length, 0);
  const body = JSON.parse(r.stdout);
  const [v, a] = body.messages[1].content;
  assert.match(v.video_url.url, /^data:video\/mp4;base64,<\d+ (KB|B), sha256 [0-9a-f]{12}…>$/);
  assert.match(a.audio_url.url, /^data:audio\/wav;base64,<\d+ KB, sha256 [0-9a-f]{12}…>$/);
  assert.deepEqual(body.media_io_kwargs, { video: { num_frames: 8 } });
  assert.ok(r.stdout.length < 5000);
});

test('server errors: 404 model, 400 media rejected, 400 unknown field — readable, with hints, exit 1, key never shown', async () => {
  const secret = 'sk-very-secret-123';
  const cases = [
    { status: 404, message: 'The model `omni-ckpt` does not exist.', expect: [/has no model 'omni-ckpt'/, /thinker-only/, /server replied: .*does not exist/] },
    { status: 400, message: 'At most 0 video(s) may be provided in one request.', expect: [/rejected the media/, /--media frames/] },
    { status: 400, message: 'media_io_kwargs: Extra inputs are not permitted', expect: [/rejected a request field/, /drop --frames/], extra: ['--frames', '8', '--media-io-kwargs'] },
  ];
  for (const c of cases) {
    vllm.script((req) => ({ status: c.status, message: `${c.message} (auth was ${req.headers.authorization})` }));
    const r = await cli(['run', clip('silent.mp4'), ...Q, ...server(), '--model-api-key-env', 'MY_CKPT_KEY', '--runs-dir', join(dir, 'runs-err'), ...(c.extra ?? [])], {
      env: { MY_CKPT_KEY: secret },
    });
    assert.equal(r.code, 1, r.stderr);
    for (const re of c.expect) assert.match(r.stderr, re);
    assert.equal(r.stderr.includes(secret), false, 'the key is redacted');
    assert.match(r.stderr, /Bearer \*\*\*/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(vllm.requests.at(-1)!.headers.authorization, `Bearer ${secret}`);
});

test('usage errors and unreadable clips', async () => {
  let r = await cli(['run', clip('av.mp4'), ...server()]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--question is required/);
  r = await cli(['run', clip('av.mp4'), ...Q, ...server(), '--start', '1:75']);
  assert.equal(r.code, 2);
  r = await cli(['run', clip('broken.mp4'), ...Q, ...server(), '--dry-run']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read .*broken\.mp4: .*Invalid data/s);
  r = await cli(['run', clip('av.mp4'), ...Q, ...server(), '--dry-run'], { env: { OMNITRACE_FFPROBE: join(dir, 'no-such-ffprobe') } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ffprobe not found at .*no-such-ffprobe .*OMNITRACE_FFPROBE/);
  r = await cli(['run', clip('av.mp4'), ...Q, ...server(), '--start', '10', '--dry-run']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /starts at 10 s but .* lasts 3\.00 s/);
});

test('client: n choices interleaved are accumulated per index; cancelling mid-stream keeps the partial text', async () => {
  vllm.script({ replies: ['one two three', 'four five six'] });
  const client = new CheckpointClient({ baseURL: vllm.baseURL });
  const full = await client.stream({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 2 });
  assert.deepEqual(
    full.choices.map((c) => [c.index, c.text, c.finishReason]),
    [
      [0, 'one two three', 'stop'],
      [1, 'four five six', 'stop'],
    ],
  );
  assert.equal(full.cancelled, false);
  assert.ok(full.latency.firstTokenMs! <= full.latency.totalMs);
  let gone!: () => void;
  const clientGone = new Promise<void>((r) => (gone = r));
  vllm.script({ replies: ['alpha beta gamma delta epsilon'], holdAfter: 2, onClientGone: () => gone() });
  const ac = new AbortController();
  let seen = '';
  const partial = await client.stream(
    { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    {
      signal: ac.signal,
      onDelta: (_i, t) => {
        seen += t;
        if (seen === 'alpha beta ') ac.abort();
      },
    },
  );
  assert.equal(partial.cancelled, true);
  assert.equal(partial.choices[0]!.text, 'alpha beta ');
  assert.equal(partial.choices[0]!.finishReason, undefined);
  await clientGone;
  vllm.script({ status: 404, message: 'The model `m` does not exist.' });
  await assert.rejects(
    client.stream({ model: 'm', messages: [] }),
    (e: unknown) => e instanceof CheckpointCallError && e.kind === 'model-not-found' && e.status === 404 && /does not exist/.test(e.serverReply ?? ''),
  );
});

test('Ctrl-C during a run saves the partial sample marked cancelled and exits 130', async () => {
  vllm.script({ replies: ['<context>the room is dark and a door creaks open slowly</context>'], holdAfter: 3 });
  const runsDir = join(dir, 'runs-cancel');
  let sent = false;
  const judgeCalls = judge.requests.length;
  const r = await cli(['run', clip('silent.mp4'), ...Q, ...server(), '--runs-dir', runsDir, '--judge-base-url', judge.baseURL, '--judge-model', 'judge-m'], {
    onStderr: (soFar, child) => {
      if (!sent && soFar.includes('<context>the room is ')) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /cancelled: partial samples saved/);
  // A partial sample is not worth a judge call (as in the editor): none made, none saved.
  assert.match(r.stderr, /not judged: the run was cancelled/);
  assert.equal(judge.requests.length, judgeCalls);
  const { raw, records } = await savedRun(runsDir);
  assert.equal(raw[0].cancelled, true);
  assert.equal('judged' in raw[0], false);
  assert.equal(raw[0].finish_reason, null);
  assert.equal(records[0]!.completion, '<context>the room is ');
  assert.equal(scoreRecord(records[0]!).trace.context?.closed, false);
});

const judgeArgs = () => ['--judge-base-url', judge.baseURL, '--judge-model', 'judge-m'];
const scoreLines = (out: string) =>
  readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const prompt = (r: RecordedRequest) => r.body.messages?.map((m) => m.content).join('\n') ?? '';
/** A saved judged reward as a score line shows it (toScoreLine's short form: no provenance). */
const short = (r: { value: unknown; status: unknown; explanation: unknown; quirks?: string[]; trainerValue?: number }) => ({
  value: r.value,
  status: r.status,
  explanation: r.explanation,
  ...(r.quirks?.length ? { quirks: r.quirks } : {}),
  ...(r.trainerValue !== undefined ? { trainerValue: r.trainerValue } : {}),
});

test('--judge-base-url judges each finished sample and saves the judged rewards in the run, which reads back (and scores) with them', async () => {
  vllm.script({ replies: [GOOD, BAD] });
  judge.setHandler(() => ({ reply: '4' }));
  const calls = judge.requests.length;
  const runsDir = join(dir, 'judge', 'runs');
  const out = join(dir, 'judged.jsonl');
  const solution = '<context>a man says the door is open</context><think>low voice</think><answer>A</answer>';
  mkdirSync(join(dir, 'judge'), { recursive: true });
  const r = await cli(['run', clip('silent.mp4'), ...Q, '--solution', solution, ...server(), '--n', '2', '--runs-dir', runsDir, '--out', out, ...judgeArgs()], { cwd: join(dir, 'judge') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(judge.requests.length - calls, 4, 'context + logic per sample');
  assert.ok(readdirSync(join(dir, 'judge', '.omnitrace', 'cache', 'judge')).length > 0, 'the judge cache is the workspace’s, where `omnitrace judge` keeps it');

  // The saved run's records carry the judged rewards, with who judged and the provenance.
  const { raw, records } = await savedRun(runsDir);
  assert.equal(raw.length, 2);
  for (const rec of raw) {
    assert.equal(rec.judged.profile, 'run');
    assert.equal(rec.judged.model, 'judge-m');
    assert.deepEqual([rec.judged.rewards.context.status, rec.judged.rewards.context.value], ['ok', 0.8]);
    assert.deepEqual([rec.judged.rewards.logic.status, rec.judged.rewards.logic.value], ['ok', 0.8]);
    assert.equal(rec.judged.rewards.logic.provenance.model, 'judge-m');
    assert.match(rec.judged.rewards.context.provenance.prompt, /a man says the door is open/);
  }
  assert.match(raw[0].judged.rewards.logic.provenance.prompt, /the voice is low/);
  assert.match(raw[1].judged.rewards.logic.provenance.prompt, /hmm/);

  // Reopened (the readers + scoring, as the rollout view and `omnitrace score` do): judged rewards shown.
  for (const rec of records) {
    const s = scoreRecord(rec);
    assert.equal(s.rewards.context!.value, 0.8);
    assert.equal(s.rewards.logic!.value, 0.8);
    assert.equal((s.rewards.logic!.provenance as { source: string }).source, 'judge');
  }
  assert.deepEqual(
    records.map((x) => scoreRecord(x).rewards.accuracy!.value),
    [1, 0],
  );

  // --out holds the same judged rewards as the saved run (scored from it).
  const lines = scoreLines(out);
  assert.equal(lines.length, 2);
  lines.forEach((l, i) => {
    assert.deepEqual(l.rewards.context, short(raw[i].judged.rewards.context));
    assert.deepEqual(l.rewards.logic, short(raw[i].judged.rewards.logic));
  });
  assert.deepEqual(
    lines.map((l) => l.rewards.accuracy.value),
    [1, 0],
  );
  assert.match(r.stderr, /judged 2 samples/);
  assert.match(r.stderr, /judged rewards saved in .*\.rollouts\.jsonl \(field judged\)/);
});

test('without a reference context the context reward is not computed (no call, no zero); --reference-context is saved with the answer and judged against', async () => {
  const REF_CONTEXT = 'A deep voice says the door is open over a blue screen.';
  // Context scores 2 of 5 against the reference; logic 4 of 5.
  judge.setHandler((req) => ({ reply: prompt(req).includes(REF_CONTEXT) ? '2' : '4' }));

  vllm.script({ replies: [GOOD, BAD] });
  let calls = judge.requests.length;
  const runsNone = join(dir, 'judge-none', 'runs');
  const outNone = join(dir, 'judged-none.jsonl');
  let r = await cli(['run', clip('silent.mp4'), ...Q, '--answer', 'A', ...server(), '--n', '2', '--runs-dir', runsNone, '--out', outNone, ...judgeArgs()], { cwd: workspace('none') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(judge.requests.length - calls, 2, 'logic per sample; no context call');
  const none = await savedRun(runsNone);
  for (const rec of none.raw) {
    const { context, logic } = rec.judged.rewards;
    assert.deepEqual([context.status, context.value, context.trainerValue], ['not-computed', null, undefined]);
    assert.equal(context.explanation, NO_REFERENCE_CONTEXT_CLI);
    assert.equal(logic.value, 0.8);
  }
  for (const rec of none.records) assert.equal(scoreRecord(rec).rewards.context!.status, 'not-computed');
  for (const l of scoreLines(outNone)) assert.deepEqual([l.rewards.context.status, l.rewards.context.value], ['not-computed', null]);
  // The summary counts it under its own status and says why.
  assert.match(r.stderr, /not-computed/);
  assert.match(r.stderr, /context not-computed \(2 samples\): no reference context .*--reference-context/);

  vllm.script({ replies: [GOOD] });
  calls = judge.requests.length;
  const runsRef = join(dir, 'judge-ref', 'runs');
  const outRef = join(dir, 'judged-ref.jsonl');
  r = await cli(['run', clip('silent.mp4'), ...Q, '--answer', 'A', '--reference-context', REF_CONTEXT, ...server(), '--runs-dir', runsRef, '--out', outRef, ...judgeArgs()], { cwd: workspace('ref') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(judge.requests.length - calls, 2, 'context and logic');
  const ref = await savedRun(runsRef);
  assert.equal(ref.raw[0].solution, `<context>${REF_CONTEXT}</context><answer>A</answer>`);
  assert.equal(ref.raw[0].answer, 'A');
  const { context, logic } = ref.raw[0].judged.rewards;
  assert.deepEqual([context.status, context.value], ['ok', 0.4]);
  assert.match(context.provenance.prompt, /deep voice says the door is open/);
  assert.equal(logic.value, 0.8);
  const s = scoreRecord(ref.records[0]!);
  assert.equal(s.referenceTrace?.context?.text, REF_CONTEXT);
  assert.equal(s.rewards.context!.value, 0.4);
  assert.equal(s.rewards.accuracy!.value, 1, 'the reference answer still scores accuracy');
  assert.deepEqual(scoreLines(outRef)[0].rewards.context, short(context));

  // The flag follows the run form's rules.
  r = await cli(['run', clip('silent.mp4'), ...Q, '--reference-context', REF_CONTEXT, ...server(), '--dry-run']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--reference-context goes with --answer/);
  r = await cli(['run', clip('silent.mp4'), ...Q, '--answer', 'A', '--reference-context', REF_CONTEXT, '--solution', '<answer>A</answer>', ...server(), '--dry-run']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--reference-context and --solution/);
});

test('a failing judge call is saved and reported as a call-error, never as a 0', async () => {
  judge.setHandler(() => ({ status: 400 }));
  vllm.script({ replies: [GOOD] });
  const calls = judge.requests.length;
  const runsDir = join(dir, 'judge-fail', 'runs');
  const out = join(dir, 'judged-fail.jsonl');
  const r = await cli(['run', clip('silent.mp4'), ...Q, '--answer', 'A', '--reference-context', 'a voice', ...server(), '--runs-dir', runsDir, '--out', out, ...judgeArgs()], {
    cwd: workspace('failing'),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(judge.requests.length - calls, 2, 'a 400 is not retried');
  const { raw, records } = await savedRun(runsDir);
  for (const name of ['context', 'logic']) {
    const saved = raw[0].judged.rewards[name];
    // value null: no number stands for a failed call (trainerValue keeps the trainer's 0 apart).
    assert.deepEqual([saved.status, saved.value], ['call-error', null], name);
    assert.match(saved.explanation, /400/);
    const scored = scoreRecord(records[0]!).rewards[name]!;
    assert.deepEqual([scored.status, scored.value], ['call-error', null]);
    assert.deepEqual(scoreLines(out)[0].rewards[name], short(saved));
  }
  assert.equal(scoreLines(out)[0].rewards.accuracy.value, 1);
  assert.match(r.stderr, /call-error/);
  assert.match(r.stderr, /logic call-error \(1 sample\): .*400/);
});

test('run --items runs another checkpoint on the items of a rollout file, resumes, and compare pairs them by id', async () => {
  vllm.script({ replies: [GOOD, BAD] });
  const items = join(dir, 'items-a.rollouts.jsonl');
  const row = (id: string, video: string, completion: string) =>
    JSON.stringify({ id, checkpoint: 'ckpt-a', video, problem: 'Who is speaking?', options: ['A. a man', 'B. a woman'], problem_type: 'multiple choice', solution: '<answer>A</answer>', completion });
  writeFileSync(items, [row('i1', 'av.mp4', BAD), row('i2', 'silent.mp4', GOOD), row('i3', 'missing.mp4', GOOD)].join('\n') + '\n');
  const out = join(dir, 'items-b.rollouts.jsonl');
  const r = await cli(['run', '--items', items, ...server(), '--n', '2', '--concurrency', '2', '--runs-dir', join(dir, 'item-runs'), '--out', out]);
  assert.equal(r.code, 1, 'one item has no clip: reported, not fatal to the rest');
  assert.match(r.stderr, /3 items: 2 run now, 0 already in .*, 1 failed/);
  assert.match(r.stderr, /id:i3: Clip not found/);
  const lines = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 4, 'two samples for each of the two items with a clip');
  assert.deepEqual([...new Set(lines.map((l) => l.id))].sort(), ['i1', 'i2']);
  assert.ok(lines.every((l) => l.item_samples === 2 && l.group_id === l.item_key));
  // A rerun runs only what is missing.
  const before = vllm.requests.length;
  const again = await cli(['run', '--items', items, ...server(), '--n', '2', '--runs-dir', join(dir, 'item-runs'), '--out', out]);
  assert.match(again.stderr, /3 items: 0 run now, 2 already in/);
  assert.equal(vllm.requests.length - before, 0, 'no call for the items already done');
  // The comparison pairs the new run with the source by id, the two samples aggregated.
  const cmp = await cli(['compare', items, out, '--label', `a=${items}`, '--label', `b=${out}`, '--out', join(dir, 'items-compare.json')]);
  assert.equal(cmp.code, 0, cmp.stderr);
  const c = JSON.parse(readFileSync(join(dir, 'items-compare.json'), 'utf8'));
  assert.equal(c.pairs[0].matched, 2);
  assert.equal(c.pairs[0].onlyA, 1);
  assert.equal(c.items.find((i: { key: string }) => i.key === 'id:i1').byCheckpoint.b.samples, 2);
});
