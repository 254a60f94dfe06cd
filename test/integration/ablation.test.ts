// Ablations against a real HTTP server on 127.0.0.1 (the fake vLLM) with real ffmpeg: what each
// ablated request carries (decoded and probed), the all-media noise baseline of the sampled
// kinds, change rates of a model that uses the audio vs one that ignores it, log-probability scoring of the forced continuation and its fallback, a failed
// ablation among good ones, saved runs read back by the rollout reader, and cancellation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestClip } from '../helpers/testClip';
import { claimsAudioModel, ignoresAudioModel, inspectUserParts, omniCompletion, requestModalities, scriptedModel, startFakeVllm, usesAudioModel, type FakeVllm } from '../helpers/fakeVllmServer';
import { locateMediaTools } from '../../src/media/ffmpeg';
import { AUDIO_LINE, NO_AUDIO_LINE } from '../../src/core/run/defaultPrompts';
import { buildUserText } from '../../src/core/run/prompt';
import { AblationCancelledError, answerOf, runAblations, type RunAblationsOptions } from '../../src/services/shortcuts/ablation';
import { readRollouts } from '../../src/core/readers/index';
import type { RolloutRecord } from '../../src/core/types';
import type { AblationKind } from '../../src/core/shortcuts/types';

let dir: string;
let clip: string;
let silent: string;
let vllm: FakeVllm;
const tools = locateMediaTools();
const KINDS: AblationKind[] = ['no-audio', 'no-video', 'text-only'];
const QUESTION = { problem: 'Which number is said?', options: ['A. one', 'B. two'], problemType: 'multiple choice' };
const ORIGINAL = omniCompletion('a voice says the number', 'I rely on what I hear', 'B');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'omnitrace-ablation-'));
  clip = makeTestClip(dir, 2);
  silent = join(dir, 'silent.mp4');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'color=c=blue:s=160x90:r=10:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', silent], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  vllm = await startFakeVllm();
});

after(async () => {
  await vllm?.close();
  rmSync(dir, { recursive: true, force: true });
});

function opts(over: Partial<RunAblationsOptions> = {}): RunAblationsOptions {
  return {
    rollout: { id: 'roll-7', completion: ORIGINAL, answer: answerOf(ORIGINAL), reference: 'B', question: QUESTION },
    clip,
    profile: { baseURL: vllm.baseURL, model: 'omni-ckpt', temperature: 0.8, topK: 20, maxTokens: 256 },
    tools,
    kinds: KINDS,
    samples: 3,
    runsDir: join(dir, 'runs', String(Math.random()).slice(2)),
    useLogprobs: 'never',
    ...over,
  };
}

/**
 * Clears the request log and scripts the audio-using model with request number `held` (1-based)
 * held open after `holdAfter` chunks, and the returned signal aborted 30 ms after it arrives;
 * `clientGone` resolves once the server sees the client leave that request.
 */
function cancelAtRequest(held: number, holdAfter: number): { signal: AbortSignal; clientGone: Promise<void> } {
  vllm.requests.length = 0;
  const ac = new AbortController();
  let gone!: () => void;
  const clientGone = new Promise<void>((r) => (gone = r));
  const model = scriptedModel(usesAudioModel());
  vllm.script((req) => {
    if (vllm.requests.length !== held) return model(req);
    setTimeout(() => ac.abort(), 30);
    return { ...model(req), holdAfter, onClientGone: () => gone() };
  });
  return { signal: ac.signal, clientGone };
}

async function readBack(file: string): Promise<RolloutRecord[]> {
  const out: RolloutRecord[] = [];
  for await (const it of readRollouts(file)) {
    assert.equal(it.kind, 'record', JSON.stringify(it));
    if (it.kind === 'record') out.push(it.record);
  }
  return out;
}

test('each ablation sends exactly its parts: no audio part + the no-audio line; audio alone; text alone', async () => {
  vllm.requests.length = 0;
  vllm.script(scriptedModel(usesAudioModel()));
  const results = await runAblations(opts({ range: { start: 0.5, end: 1.75 } }));
  assert.equal(vllm.requests.length, 4, 'the all-media baseline, then one sampling call per ablation');
  const [baseline, noAudio, noVideo, textOnly] = await Promise.all(vllm.requests.map((r) => inspectUserParts(r.body)));
  // The baseline: every medium of the clip (the same bytes the no-audio variant reuses).
  assert.deepEqual(
    baseline!.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  assert.ok(baseline![0]!.bytes!.equals(noAudio![0]!.bytes!));
  assert.equal(baseline![2]!.text, buildUserText(QUESTION, 'video-audio'));
  for (const r of vllm.requests) {
    assert.equal(r.body.n, 3, 'n = samples');
    assert.equal(r.body.temperature, 0.8, "the run's settings");
    assert.equal(r.body.top_k, 20);
    assert.equal(r.body.stream, true);
  }
  // no-audio: the video only, without a sound track, and the checkpoint's no-audio instruction.
  assert.deepEqual(
    noAudio!.map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.equal(noAudio![0]!.info!.audio, undefined);
  assert.ok(Math.abs(noAudio![0]!.info!.duration - 1.25) <= 0.2, `video lasts ${noAudio![0]!.info!.duration}`);
  assert.equal(noAudio![1]!.text, buildUserText(QUESTION, 'video'));
  assert.ok(noAudio![1]!.text!.startsWith(NO_AUDIO_LINE + '\n'));
  // no-video: the 16 kHz WAV alone, no media line.
  assert.deepEqual(
    noVideo!.map((p) => p.type),
    ['audio_url', 'text'],
  );
  assert.deepEqual([noVideo![0]!.info!.audio!.sampleRate, noVideo![0]!.info!.audio!.channels], [16000, 1]);
  assert.equal(noVideo![0]!.info!.video, undefined);
  assert.ok(Math.abs(noVideo![0]!.info!.duration - 1.25) <= 0.2);
  assert.ok(!noVideo![1]!.text!.includes(AUDIO_LINE) && !noVideo![1]!.text!.includes(NO_AUDIO_LINE));
  // text-only: no media at all.
  assert.deepEqual(
    textOnly!.map((p) => p.type),
    ['text'],
  );
  assert.equal(textOnly![0]!.text, buildUserText(QUESTION, 'image'));
  assert.equal(vllm.requests[2]!.body.messages[0].role, 'system');

  // A model that uses the audio: its answer flips without it, and only then.
  assert.deepEqual(
    results.map((r) => [r.kind, r.method, r.changeRate]),
    [
      ['no-audio', 'sampled', 1],
      ['no-video', 'sampled', 0],
      ['text-only', 'sampled', 1],
    ],
  );
  assert.deepEqual(
    results[0]!.samples.map((s) => [s.answer, s.same, s.correct]),
    [
      ['A', false, false],
      ['A', false, false],
      ['A', false, false],
    ],
  );
  assert.deepEqual(
    results[1]!.samples.map((s) => s.correct),
    [true, true, true],
  );
  assert.match(results[0]!.note ?? '', /useLogprobs 'never'/);

  // One baseline for the rollout, on every sampled result: with all media the answer stays B.
  const b = results[0]!.baseline!;
  assert.ok(results.every((r) => r.baseline === b));
  assert.equal(b.changeRate, 0);
  assert.deepEqual(
    b.samples.map((s) => [s.answer, s.same, s.correct]),
    [
      ['B', true, true],
      ['B', true, true],
      ['B', true, true],
    ],
  );
  // Saved like the ablation runs, as kind 'full', and readable as a run.
  assert.match(b.runFile!, /[\\/]ablations[\\/][^\\/]+-full\.rollouts\.jsonl$/);
  const recs = await readBack(b.runFile!);
  assert.equal(recs.length, 3);
  assert.deepEqual(
    recs.map((x) => x.completion),
    b.samples.map((s) => s.completion),
  );
  const abl = recs[0]!.extras!.ablation as Record<string, any>;
  assert.deepEqual([abl.kind, abl.method, abl.rollout_id, abl.answer, abl.same], ['full', 'sampled', 'roll-7', 'B', true]);
  assert.match(abl.variant, /all media/);
});

test('the baseline measures the noise: a model that departs from its answer 1 time in 3 with every medium; a failed baseline is said, not hidden', async () => {
  // Sampling noise: the third sample of every request answers A, whatever the media.
  const quiet = ignoresAudioModel('B');
  vllm.script(scriptedModel({ ...quiet, reply: (m, r) => [quiet.reply(m, r) as string, quiet.reply(m, r) as string, omniCompletion('a voice', 'a guess', 'A')] }));
  vllm.requests.length = 0;
  const results = await runAblations(opts({ kinds: ['no-audio'] }));
  assert.equal(vllm.requests.length, 2);
  assert.equal(results[0]!.changeRate, 1 / 3);
  assert.equal(results[0]!.baseline!.changeRate, 1 / 3, 'as often as the ablation: the noise, not the audio');

  // The baseline request fails: the ablations still run, each saying why there is no baseline.
  vllm.script(scriptedModel({ ...ignoresAudioModel('B'), error: (m) => (m.audio && m.video ? { status: 500, message: 'CUDA out of memory' } : undefined) }));
  vllm.requests.length = 0;
  const failed = await runAblations(opts({ kinds: ['no-audio', 'text-only'] }));
  assert.equal(vllm.requests.length, 3, 'the baseline is tried once, not per kind');
  assert.deepEqual(
    failed.map((r) => [r.method, r.baseline]),
    [
      ['sampled', undefined],
      ['sampled', undefined],
    ],
  );
  for (const r of failed) assert.match(r.baselineError!, /the all-media baseline failed: HTTP 500: CUDA out of memory/);
});

test('change rates: a model that ignores the audio (or only claims it) never changes its answer', async () => {
  for (const model of [ignoresAudioModel('B'), claimsAudioModel('B')]) {
    vllm.script(scriptedModel(model));
    const results = await runAblations(opts());
    assert.deepEqual(
      results.map((r) => [r.kind, r.method, r.changeRate]),
      KINDS.map((k) => [k, 'sampled', 0]),
    );
  }
});

test('log-probability scoring: the original answer forced under all media and each ablation; delta against the scripted values; runs saved and readable', async () => {
  for (const endOfTurn of [false, true]) {
    vllm.requests.length = 0;
    vllm.script(scriptedModel({ ...usesAudioModel(), endOfTurn }));
    const progress: string[] = [];
    const o = opts({ useLogprobs: 'auto', onProgress: (k, d, t) => progress.push(`${k} ${d}/${t}`) });
    const results = await runAblations(o);
    assert.equal(vllm.requests.length, 4, 'the full-media score, then one per ablation; no sampling, so no baseline');
    for (const r of vllm.requests) {
      const b = r.body;
      assert.equal(b.stream, undefined);
      assert.equal(b.stream_options, undefined);
      assert.deepEqual([b.add_generation_prompt, b.continue_final_message, b.prompt_logprobs, b.max_tokens, b.temperature], [false, true, 0, 1, 0]);
      assert.deepEqual(b.messages.at(-1), { role: 'assistant', content: ORIGINAL });
    }
    assert.deepEqual(
      vllm.requests.map((r) => requestModalities(r.body).parts),
      [['video_url', 'audio_url', 'text'], ['video_url', 'text'], ['audio_url', 'text'], ['text']],
    );
    // The clip was encoded once: the no-audio request sends the very bytes of the full one.
    const full = await inspectUserParts(vllm.requests[0]!.body);
    const noAudio = await inspectUserParts(vllm.requests[1]!.body);
    assert.ok(full[0]!.bytes!.equals(noAudio[0]!.bytes!));
    // usesAudioModel: answer token 'B' at -0.1 with audio, -2.5 without.
    assert.deepEqual(
      results.map((r) => r.method),
      ['logprob', 'logprob', 'logprob'],
    );
    assert.ok(results.every((r) => r.baseline === undefined && r.baselineError === undefined));
    const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
    const [na, nv, to] = results.map((r) => r.logprob!);
    assert.ok(near(na!.full, -0.1) && near(na!.ablated, -2.5) && near(na!.delta, -2.4), JSON.stringify(na));
    assert.equal(na!.tokens, 1);
    assert.ok(near(nv!.delta, 0), 'the audio is still there without the video');
    assert.ok(near(to!.delta, -2.4));
    assert.deepEqual(progress, ['no-audio 0/1', 'no-audio 1/1', 'no-video 0/1', 'no-video 1/1', 'text-only 0/1', 'text-only 1/1']);
    // Saved and readable like any run.
    const recs = await readBack(results[0]!.runFile!);
    assert.equal(recs.length, 1);
    assert.equal(recs[0]!.completion, ORIGINAL);
    const abl = recs[0]!.extras!.ablation as Record<string, any>;
    assert.equal(abl.kind, 'no-audio');
    assert.equal(abl.rollout_id, 'roll-7');
    assert.equal(abl.method, 'logprob');
    assert.ok(near(abl.logprob.delta, -2.4));
    assert.deepEqual(abl.answer_tokens, ['B']);
    assert.match(results[0]!.runFile!, /[\\/]ablations[\\/][^\\/]+-no-audio\.rollouts\.jsonl$/);
  }
});

test('fallback to sampling when the server rejects prompt_logprobs (400 extra_forbidden) or ignores it, with the note', async () => {
  vllm.requests.length = 0;
  vllm.script(scriptedModel({ ...usesAudioModel(), promptLogprobs: 'reject' }));
  let results = await runAblations(opts({ useLogprobs: 'auto' }));
  assert.equal(vllm.requests.length, 5, 'tried once, then the all-media baseline, then sampled per ablation');
  assert.equal(vllm.requests[0]!.body.prompt_logprobs, 0);
  assert.deepEqual(requestModalities(vllm.requests[1]!.body).parts, ['video_url', 'audio_url', 'text']);
  assert.equal(vllm.requests[1]!.body.n, 3);
  assert.ok(results.every((r) => r.baseline && r.baseline.changeRate === 0));
  assert.ok(vllm.requests.slice(1).every((r) => r.body.prompt_logprobs === undefined && r.body.stream === true));
  assert.deepEqual(
    results.map((r) => [r.method, r.changeRate]),
    [
      ['sampled', 1],
      ['sampled', 0],
      ['sampled', 1],
    ],
  );
  for (const r of results) assert.match(r.note ?? '', /rejected the scoring fields: .*prompt_logprobs.*; sampled instead/);

  vllm.script(scriptedModel({ ...usesAudioModel(), promptLogprobs: 'ignore' }));
  results = await runAblations(opts({ useLogprobs: 'auto', kinds: ['no-audio'] }));
  assert.equal(results[0]!.method, 'sampled');
  assert.match(results[0]!.note ?? '', /without prompt_logprobs/);

  // 'always' does not sample: it fails, saying why.
  vllm.script(scriptedModel({ ...usesAudioModel(), promptLogprobs: 'reject' }));
  results = await runAblations(opts({ useLogprobs: 'always', kinds: ['no-audio'] }));
  assert.equal(results[0]!.method, 'failed');
  assert.match(results[0]!.error ?? '', /rejected the scoring fields/);
});

test('a server error on one ablation marks it failed with the readable message; the others run; saved runs read back', async () => {
  vllm.script(
    scriptedModel({
      ...usesAudioModel(),
      error: (m) => (!m.audio && !m.video && !m.image ? { status: 500, message: 'CUDA out of memory while encoding the prompt' } : undefined),
    }),
  );
  const results = await runAblations(opts());
  assert.deepEqual(
    results.map((r) => r.method),
    ['sampled', 'sampled', 'failed'],
  );
  assert.match(results[2]!.error!, /HTTP 500: CUDA out of memory/);
  assert.equal(results[2]!.changeRate, undefined, 'never a silent zero');
  assert.equal(results[2]!.runFile, undefined);
  for (const r of results.slice(0, 2)) {
    const recs = await readBack(r.runFile!);
    assert.equal(recs.length, 3);
    assert.deepEqual(
      recs.map((x) => (x.extras!.ablation as { kind: string }).kind),
      [r.kind, r.kind, r.kind],
    );
    assert.deepEqual(
      recs.map((x) => x.completion),
      r.samples.map((s) => s.completion),
    );
    assert.equal(recs[0]!.groupId !== undefined, true);
    assert.equal((recs[0]!.extras!.ablation as { rollout_id: string }).rollout_id, 'roll-7');
  }
});

test('a clip without audio: no-audio is not applicable (nothing sent); no-video leaves text only; black frames on request', async () => {
  vllm.requests.length = 0;
  vllm.script(scriptedModel(ignoresAudioModel('B')));
  const results = await runAblations(opts({ clip: silent, kinds: ['no-audio', 'no-video'] }));
  assert.equal(results[0]!.method, 'failed');
  assert.match(results[0]!.error!, /not applicable: the clip has no audio stream/);
  assert.equal(vllm.requests.length, 2, 'the baseline (the clip as it is), then no-video');
  assert.deepEqual(
    vllm.requests.map((r) => requestModalities(r.body).parts),
    [['video_url', 'text'], ['text']],
  );

  // An image: no audio to remove; no-video = no image.
  const png = join(dir, 'still.png');
  assert.equal(spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=160x90', '-frames:v', '1', png]).status, 0);
  vllm.requests.length = 0;
  const img = await runAblations(opts({ clip: png, kinds: ['no-audio', 'no-video'] }));
  assert.match(img[0]!.error!, /not applicable: the clip is an image/);
  assert.equal(img[1]!.method, 'sampled');
  assert.deepEqual(
    vllm.requests.map((r) => requestModalities(r.body).parts),
    [['image_url', 'text'], ['text']],
  );

  // Black frames: a video part of the same duration whose pixels are black, plus the audio.
  vllm.requests.length = 0;
  const r2 = await runAblations(opts({ kinds: ['no-video'], blackFrames: true }));
  assert.equal(r2[0]!.method, 'sampled');
  const parts = await inspectUserParts(vllm.requests[1]!.body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  assert.ok(Math.abs(parts[0]!.info!.duration - 2) <= 0.2, `black video lasts ${parts[0]!.info!.duration}`);
  assert.equal(parts[0]!.info!.audio, undefined);
  const f = join(dir, 'black.mp4');
  writeFileSync(f, parts[0]!.bytes!);
  const px = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-i', f, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
  assert.equal(px.status, 0);
  assert.ok(Math.max(...px.stdout) <= 20, 'black pixels');
  assert.ok(parts[2]!.text!.startsWith(AUDIO_LINE), 'still a video with its sound');
});

test('cancelling stops the running ablation and starts no other; finished ones are kept on the error', async () => {
  // The baseline, no-audio, then no-video is held and cancelled.
  const { signal, clientGone } = cancelAtRequest(3, 1);
  await assert.rejects(runAblations(opts({ signal })), (e: unknown) => {
    assert.ok(e instanceof AblationCancelledError);
    assert.deepEqual(
      e.partial.map((r) => [r.kind, r.method]),
      [['no-audio', 'sampled']],
    );
    return true;
  });
  await clientGone;
  assert.equal(vllm.requests.length, 3, 'text-only never sent');
  // Cancelled during the baseline: nothing finished, nothing more sent.
  const inBaseline = cancelAtRequest(1, 1);
  await assert.rejects(runAblations(opts({ signal: inBaseline.signal })), (e: unknown) => e instanceof AblationCancelledError && e.partial.length === 0);
  await inBaseline.clientGone;
  assert.equal(vllm.requests.length, 1);
  // Already aborted: nothing is prepared or sent.
  await assert.rejects(runAblations(opts({ signal: AbortSignal.abort() })), AblationCancelledError);
  assert.equal(vllm.requests.length, 1);
});

test('the sound inside the MP4 (use_audio_in_video) is removed by stream copy; sampled frames lose their audio part', async () => {
  vllm.requests.length = 0;
  vllm.script(scriptedModel(usesAudioModel()));
  const profile = { baseURL: vllm.baseURL, model: 'omni-ckpt', useAudioInVideo: true };
  const results = await runAblations(opts({ profile, kinds: ['no-audio', 'no-video'], blackFrames: true }));
  assert.deepEqual(
    results.map((r) => r.method),
    ['sampled', 'sampled'],
  );
  const [baseline, noAudio, noVideo] = await Promise.all(vllm.requests.map((r) => inspectUserParts(r.body)));
  // The baseline: the MP4 with its sound inside, as the run sent it.
  assert.deepEqual(
    baseline!.map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.equal(baseline![0]!.info!.audio!.codec, 'aac');
  assert.deepEqual(vllm.requests[0]!.body.mm_processor_kwargs, { use_audio_in_video: true });
  assert.deepEqual(
    noAudio!.map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.equal(noAudio![0]!.info!.audio, undefined, 'the track is gone from the MP4');
  assert.equal('mm_processor_kwargs' in vllm.requests[1]!.body, false);
  assert.ok(noAudio![1]!.text!.startsWith(NO_AUDIO_LINE));
  assert.equal(results[0]!.changeRate, 1, 'the scripted model hears nothing without it');
  // Black frames carrying the sound themselves, as use_audio_in_video expects.
  assert.deepEqual(
    noVideo!.map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.equal(noVideo![0]!.info!.audio!.codec, 'aac');
  assert.deepEqual(vllm.requests[2]!.body.mm_processor_kwargs, { use_audio_in_video: true });
  assert.equal(results[1]!.changeRate, 0);

  vllm.requests.length = 0;
  await runAblations(opts({ profile: { baseURL: vllm.baseURL, model: 'omni-ckpt', mediaTransport: 'frames', frames: { count: 3 } }, kinds: ['no-audio'] }));
  assert.deepEqual(
    vllm.requests.map((r) => requestModalities(r.body).parts),
    [
      ['image_url', 'image_url', 'image_url', 'audio_url', 'text'],
      ['image_url', 'image_url', 'image_url', 'text'],
    ],
  );
});

test('cancelling during log-probability scoring rejects at once and sends nothing more', async () => {
  const { signal, clientGone } = cancelAtRequest(2, 0);
  await assert.rejects(runAblations(opts({ useLogprobs: 'auto', signal })), (e: unknown) => e instanceof AblationCancelledError && e.partial.length === 0);
  await clientGone;
  assert.equal(vllm.requests.length, 2, 'the full-media score, then the held no-audio score; nothing after');
});
