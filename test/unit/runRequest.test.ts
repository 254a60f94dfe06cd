import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTime, ffmpegTime } from '../../src/core/time';
import { buildUserText, DEFAULT_PROMPT_TEXTS, withOverrides } from '../../src/core/run/prompt';
import { defaultPromptFiles, AUDIO_LINE, NO_AUDIO_LINE } from '../../src/core/run/defaultPrompts';
import { buildChatRequest, dryRunView, sha256Hex, type CheckpointProfile, type PreparedMedia } from '../../src/core/run/request';
import { classifyServerError } from '../../src/models/checkpointClient';
import { runFilePath, runRecords, writeRunFile } from '../../src/core/run/runRecords';
import { readRollouts } from '../../src/core/readers/index';
import { scoreRecord } from '../../src/core/score';
import type { RolloutRecord } from '../../src/core/types';

const MEDIA = join(__dirname, '..', '..', 'src', 'core', 'run', 'prompts');

test('times: seconds, mm:ss(.ms), hh:mm:ss; ffmpeg seek times keep a leading zero', () => {
  assert.equal(parseTime('12.5'), 12.5);
  assert.equal(parseTime('01:02.5'), 62.5);
  assert.equal(parseTime('1:00:03'), 3603);
  assert.equal(parseTime('.5'), 0.5);
  for (const bad of ['', 'abc', '1:75', '-3', '1:2:3:4']) assert.throws(() => parseTime(bad), /not a time/);
  assert.equal(ffmpegTime(0.375), '0.375');
  assert.equal(ffmpegTime(2), '2');
  assert.equal(ffmpegTime(62.5), '62.5');
});

test('the default prompts are src/core/run/prompts/*.md, each one text and a final newline', () => {
  const files = defaultPromptFiles();
  assert.deepEqual(readdirSync(MEDIA).sort(), Object.keys(files).sort());
  for (const [n, t] of Object.entries(files)) assert.equal(readFileSync(join(MEDIA, n), 'utf8'), t, n);
});

test('user text: audio line, question, " Options:\\n" + one per line, per-type instruction', () => {
  const t = buildUserText({ problem: 'How does she feel?', options: ['A. happy', 'B. sad'], problemType: 'multiple choice' }, 'video-audio');
  assert.equal(t, `${AUDIO_LINE}\nHow does she feel? Options:\nA. happy\nB. sad\n${DEFAULT_PROMPT_TEXTS.instructions['multiple choice']}`);
  const silent = buildUserText({ problem: 'How many cars?', problemType: 'numerical' }, 'video');
  assert.ok(silent.startsWith(NO_AUDIO_LINE + '\nHow many cars?\n'));
  assert.match(silent, /number/);
  assert.match(buildUserText({ problem: 'q', problemType: 'emer_ov_mc' }, 'video'), /separated by commas/);
  assert.match(buildUserText({ problem: 'q', problemType: 'judge' }, 'video'), /Yes or No/);
  const img = buildUserText({ problem: 'What is written?', problemType: 'OCR' }, 'image');
  assert.ok(img.startsWith('What is written?\n'), 'no audio line for an image');
  const o = withOverrides(DEFAULT_PROMPT_TEXTS, { system: 'SYS\n', instructions: { judge: ' answer yes/no \n' } });
  assert.equal(o.system, 'SYS');
  assert.ok(buildUserText({ problem: 'q', problemType: 'judge' }, 'image', o).endsWith('\nanswer yes/no'));
  assert.equal(o.instructions['numerical'], DEFAULT_PROMPT_TEXTS.instructions['numerical']);
});

const mp4 = { bytes: Buffer.from('fake-mp4-bytes'), mime: 'video/mp4' };
const wav = { bytes: Buffer.from('fake-wav-bytes'), mime: 'audio/wav' };
const base: CheckpointProfile = { baseURL: 'http://x/v1', model: 'ckpt', temperature: 1, topP: 0.9, topK: 50, maxTokens: 1024, seed: 7, n: 4 };
const q = { problem: 'Who speaks?', options: ['A. man', 'B. woman'], problemType: 'multiple choice' };
type Part = { type: string; [k: string]: any };
const userParts = (body: Record<string, unknown>) => (body.messages as { role: string; content: unknown }[]).find((m) => m.role === 'user')!.content as Part[];

test('vLLM default: video_url + audio_url (16 kHz WAV) + text; sampling fields; stream with usage', () => {
  const media: PreparedMedia = { kind: 'video', hasAudio: true, video: mp4, audio: wav };
  const r = buildChatRequest(base, media, q);
  const parts = userParts(r.body);
  assert.deepEqual(
    parts.map((p) => p.type),
    ['video_url', 'audio_url', 'text'],
  );
  assert.equal(parts[0]!.video_url.url, `data:video/mp4;base64,${mp4.bytes.toString('base64')}`);
  assert.equal(parts[1]!.audio_url.url, `data:audio/wav;base64,${wav.bytes.toString('base64')}`);
  assert.ok(parts[2]!.text.startsWith(AUDIO_LINE));
  assert.equal((r.body.messages as { role: string; content: string }[])[0]!.content, DEFAULT_PROMPT_TEXTS.system);
  const { messages: _m, ...params } = r.body;
  assert.deepEqual(params, { model: 'ckpt', temperature: 1, top_p: 0.9, top_k: 50, max_tokens: 1024, seed: 7, n: 4, stream: true, stream_options: { include_usage: true } });
  assert.deepEqual(
    r.mediaParts.map((m) => [m.type, m.sha256]),
    [
      ['video_url', sha256Hex(mp4.bytes)],
      ['audio_url', sha256Hex(wav.bytes)],
    ],
  );
});

test('no audio: no audio part, the no-audio line, and use_audio_in_video is not sent even when asked', () => {
  const r = buildChatRequest({ ...base, useAudioInVideo: true }, { kind: 'video', hasAudio: false, video: mp4 }, q);
  assert.deepEqual(
    userParts(r.body).map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.ok(userParts(r.body)[1]!.text.startsWith(NO_AUDIO_LINE));
  assert.equal('mm_processor_kwargs' in r.body, false);
  assert.match(r.notes.join('\n'), /no audio stream/);
});

test('use_audio_in_video opted in with audio: one video part and mm_processor_kwargs; media_io_kwargs only when enabled', () => {
  const media: PreparedMedia = { kind: 'video', hasAudio: true, video: mp4, audio: wav };
  const r = buildChatRequest({ ...base, useAudioInVideo: true, frames: { count: 16, sendMediaIoKwargs: true } }, media, q);
  assert.deepEqual(
    userParts(r.body).map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.deepEqual(r.body.mm_processor_kwargs, { use_audio_in_video: true });
  assert.deepEqual(r.body.media_io_kwargs, { video: { num_frames: 16 } });
  const off = buildChatRequest({ ...base, frames: { count: 16, sendMediaIoKwargs: false } }, media, q);
  assert.equal('media_io_kwargs' in off.body, false);
  assert.equal('mm_processor_kwargs' in off.body, false);
});

test('DashScope: stream, one video_url carrying its audio; images → image_url; frames → several image_url', () => {
  const media: PreparedMedia = { kind: 'video', hasAudio: true, video: mp4, audio: wav };
  const d = buildChatRequest({ ...base, serverKind: 'dashscope' }, media, q);
  assert.equal(d.body.stream, true);
  assert.deepEqual(
    userParts(d.body).map((p) => p.type),
    ['video_url', 'text'],
  );
  assert.equal('top_k' in d.body, false);
  const img = buildChatRequest(base, { kind: 'image', hasAudio: false, image: { bytes: Buffer.from('png'), mime: 'image/png' } }, q);
  assert.deepEqual(
    userParts(img.body).map((p) => p.type),
    ['image_url', 'text'],
  );
  assert.match(userParts(img.body)[0]!.image_url.url, /^data:image\/png;base64,/);
  const frames = [1, 2, 3].map((i) => ({ bytes: Buffer.from(`f${i}`), mime: 'image/jpeg' }));
  const fr = buildChatRequest({ ...base, mediaTransport: 'frames' }, { kind: 'video', hasAudio: true, frames, audio: wav }, q);
  assert.deepEqual(
    userParts(fr.body).map((p) => p.type),
    ['image_url', 'image_url', 'image_url', 'audio_url', 'text'],
  );
  const fu = buildChatRequest({ ...base, mediaTransport: 'file-url' }, { kind: 'video', hasAudio: false, video: { ...mp4, file: '/data/my clip.mp4' } }, q);
  assert.equal(userParts(fu.body)[0]!.video_url.url, 'file:///data/my%20clip.mp4');
});

test('dryRunView abbreviates every data: URL with its size and sha256, and leaves the rest', () => {
  const big = Buffer.alloc(42 * 1024, 7);
  const r = buildChatRequest(base, { kind: 'video', hasAudio: false, video: { bytes: big, mime: 'video/mp4' } }, q);
  const v = dryRunView(r.body) as Record<string, any>;
  const url = v.messages[1].content[0].video_url.url as string;
  assert.equal(url, `data:video/mp4;base64,<42 KB, sha256 ${sha256Hex(big).slice(0, 12)}…>`);
  assert.equal(v.messages[1].content[1].text, userParts(r.body)[1]!.text);
  assert.ok(JSON.stringify(v).length < 4000);
});

test('server errors become readable kinds with hints', () => {
  const nf = classifyServerError(404, JSON.stringify({ object: 'error', message: 'The model `HumanOmniV2` does not exist.', code: 404 }), { model: 'HumanOmniV2' });
  assert.equal(nf.kind, 'model-not-found');
  assert.match(nf.message, /does not exist/);
  assert.match(nf.hints.join('\n'), /thinker-only.*issues 2 and 6/s);
  const uf = classifyServerError(400, '{"object":"error","message":"1 validation error: media_io_kwargs Extra inputs are not permitted"}', { model: 'm', media_io_kwargs: {} });
  assert.equal(uf.kind, 'unknown-field');
  assert.match(uf.hints.join('\n'), /drop --frames/);
  const mr = classifyServerError(400, '{"error":{"message":"video input is not supported by this model"}}', { model: 'm', mm_processor_kwargs: {} });
  assert.equal(mr.kind, 'media-rejected');
  assert.match(mr.hints.join('\n'), /use_audio_in_video/);
  assert.equal(classifyServerError(400, "This model's maximum context length is 32768 tokens", {}).kind, 'context-too-long');
  assert.equal(classifyServerError(500, 'boom', {}).kind, 'http');
});

test('a saved run reads back through the readers and scores (format, accuracy, group)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-run-'));
  const media: PreparedMedia = { kind: 'video', hasAudio: true, video: mp4, audio: wav };
  const profile = { ...base, n: 2, apiKeyEnv: 'MY_KEY' };
  const built = buildChatRequest(profile, media, q);
  const at = new Date('2026-01-02T03:04:05.678Z');
  const recs = runRecords({
    runId: 'run1',
    profile,
    request: built,
    clip: { path: '/clips/a.mp4', kind: 'video', hasAudio: true, start: 1, end: 2.5 },
    question: { ...q, answer: 'B' },
    startedAt: at,
    finishedAt: at,
    outcome: {
      choices: [
        { index: 0, text: '<context>c</context><think>t</think><answer>B</answer>', finishReason: 'stop' },
        { index: 1, text: '<context>c</context><think>t</think><answer>A</answer>', finishReason: 'length' },
      ],
      usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
      latency: { firstTokenMs: 5, totalMs: 9 },
      cancelled: false,
    },
  });
  const file = runFilePath(dir, 'org/HumanOmniV2 7B', at);
  assert.equal(file, join(dir, '20260102T030405.678Z-HumanOmniV2_7B.rollouts.jsonl'));
  await writeRunFile(file, recs);
  const read: RolloutRecord[] = [];
  for await (const it of readRollouts(file)) if (it.kind === 'record') read.push(it.record);
  assert.equal(read.length, 2);
  assert.equal(read[0]!.groupId, 'run1');
  assert.equal(read[0]!.checkpoint, 'ckpt');
  assert.equal(read[0]!.clip?.path, '/clips/a.mp4');
  assert.equal(read[0]!.clip?.start, 1);
  assert.equal(read[0]!.clip?.end, 2.5);
  assert.deepEqual(read[0]!.question.options, q.options);
  assert.equal(read[0]!.question.problemType, 'multiple choice');
  assert.deepEqual(
    read.map((r) => scoreRecord(r).rewards.accuracy!.value),
    [1, 0],
  );
  assert.deepEqual(
    read.map((r) => scoreRecord(r).rewards.format!.value),
    [1, 1],
  );
  const raw = JSON.parse(readFileSync(file, 'utf8').split('\n')[1]!);
  assert.equal(raw.finish_reason, 'length');
  assert.deepEqual(
    raw.request.media_parts.map((m: { sha256: string }) => m.sha256),
    [sha256Hex(mp4.bytes), sha256Hex(wav.bytes)],
  );
  assert.equal(raw.request.user_text, built.userText);
  assert.equal(raw.profile.apiKeyEnv, 'MY_KEY');
  assert.equal(JSON.stringify(raw).includes('base64'), false, 'media bytes are not stored, only their hashes');
});
