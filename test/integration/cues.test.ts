// Cue extraction on real clips made on the machine (espeak-ng speech, ffmpeg-drawn text, tones,
// colour cuts), with the real models (Silero VAD, PaddleOCR v4) in onnxruntime-node.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildCueInventory, inventoryKey, textOnScreen } from '../../src/cues/inventory';
import { buildTextTracks } from '../../src/cues/text';
import { speechSegments } from '../../src/cues/vad';
import { locateMediaTools, type MediaTools } from '../../src/media/ffmpeg';
import type { CueInventory } from '../../src/core/shortcuts/types';
import { FONT, makeCueClip, type CueClip } from '../helpers/cueClip';

let dir: string;
let tools: MediaTools;
let slide: CueClip; // static slide "OPEN 24 HOURS", silence, then speech, then silence
let toneCut: CueClip; // a tone, no speech; red → blue cut at 3.5 s
let mute: CueClip; // video without an audio stream
let slideInv: CueInventory;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'omnitrace-cues-'));
  tools = locateMediaTools();
  slide = makeCueClip(dir, {
    name: 'slide.mp4',
    seconds: 8,
    screenText: 'OPEN 24 HOURS',
    speech: [{ text: 'Please close the door behind you when you leave the shop.', at: 2.5 }],
  });
  toneCut = makeCueClip(dir, { name: 'tone.mp4', seconds: 6, color: 'red', cuts: [{ at: 3.5, color: 'blue' }], tones: [{ freq: 440, from: 1.5, to: 4.5, volume: 0.3 }] });
  mute = makeCueClip(dir, { name: 'mute.mp4', seconds: 3, screenText: 'NO SOUND HERE', audio: false });
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('audio cues', () => {
  before(async () => {
    slideInv = await buildCueInventory(slide.file, { tools });
  });

  test('speech is found where espeak speaks and not in the silence around it', () => {
    const a = slideInv.audio;
    assert.equal(a.present, true);
    assert.equal(a.error, undefined);
    const truth = slide.speech[0]!;
    assert.ok(a.speech.length >= 1, JSON.stringify(a.speech));
    const first = a.speech[0]!;
    const last = a.speech[a.speech.length - 1]!;
    // espeak's WAV ends with ~0.3 s of its own silence, so the true end is a little earlier.
    assert.ok(Math.abs(first.start - truth.start) < 0.4, `speech starts at ${first.start}, espeak at ${truth.start}`);
    assert.ok(last.end <= truth.end + 0.4 && last.end >= truth.end - 1, `speech ends at ${last.end}, espeak WAV at ${truth.end}`);
    for (const s of a.speech) assert.ok(s.start >= truth.start - 0.4 && s.end <= truth.end + 0.4, `speech outside the spoken part: ${JSON.stringify(s)}`);
    assert.ok(a.speechSeconds > 0.6 * (truth.end - truth.start), `speechSeconds ${a.speechSeconds}`);
    assert.ok(first.prob >= 0.5 && first.prob <= 1);
    // Silence elsewhere: nothing counted as sound, the rest is silence.
    assert.deepEqual(a.sounds, []);
    assert.ok(Math.abs(a.speechSeconds + a.soundSeconds + a.silenceSeconds - 8) < 0.2);
    assert.equal(a.envelopeStep, 0.05);
    assert.ok(Math.abs(a.envelope.length - 8 / 0.05) <= 2, `envelope of ${a.envelope.length}`);
  });

  test('a sine tone gives a sound segment and no speech', async () => {
    const inv = await buildCueInventory(toneCut.file, { tools });
    const a = inv.audio;
    assert.equal(a.error, undefined);
    assert.ok(a.speechSeconds < 0.3, `speech in a pure tone: ${JSON.stringify(a.speech)}`);
    assert.equal(a.sounds.length, 1, JSON.stringify(a.sounds));
    const s = a.sounds[0]!;
    assert.ok(Math.abs(s.start - 1.5) < 0.15 && Math.abs(s.end - 4.5) < 0.15, JSON.stringify(s));
    // lavfi's sine has amplitude 1/8; at volume 0.3 its RMS is 0.125·0.3/√2 ≈ −31.5 dBFS.
    assert.ok(Math.abs(s.db - 20 * Math.log10((0.125 * 0.3) / Math.SQRT2)) < 1.5, `db ${s.db}`);
    assert.ok(Math.abs(a.silenceSeconds - 3) < 0.3, `silence ${a.silenceSeconds}`);
    // The same clip has a colour cut at 3.5 s: a scene change there, and it is not static.
    const v = inv.visual;
    assert.equal(v.sceneChanges.length, 1, JSON.stringify(v));
    assert.ok(Math.abs(v.sceneChanges[0]! - 3.5) <= 1, `scene change at ${v.sceneChanges[0]}`);
    assert.equal(v.isStatic, false);
    assert.equal(v.motion.length, v.text.length - 1);
  });

  test('a clip without an audio stream has audio.present false, not an error', async () => {
    const inv = await buildCueInventory(mute.file, { tools });
    assert.equal(inv.clip.hasAudio, false);
    assert.deepEqual({ present: inv.audio.present, error: inv.audio.error, speech: inv.audio.speech }, { present: false, error: undefined, speech: [] });
    assert.equal(inv.visual.present, true);
    assert.ok(textOnScreen(inv, 'no sound here'));
  });

  test('an audio-only file has visual.present false', async () => {
    const wav = makeCueClip(dir, { name: 'speech.wav', seconds: 4, video: false, speech: [{ text: 'Hello there, how are you?', at: 0.5 }] });
    const inv = await buildCueInventory(wav.file, { tools });
    assert.equal(inv.visual.present, false);
    assert.equal(inv.visual.error, undefined);
    assert.ok(inv.audio.speech.length >= 1);
  });
});

describe('visual cues', () => {
  test('OCR reads "OPEN 24 HOURS" drawn on the frame', () => {
    const v = slideInv.visual;
    assert.equal(v.error, undefined);
    assert.equal(v.fps, 1);
    assert.equal(v.text.length, 8);
    const track = textOnScreen(slideInv, 'OPEN 24 HOURS');
    assert.ok(track, `not read: ${JSON.stringify(v.textTracks)}`);
    assert.ok(track.start <= 0.01 && track.end >= 7.9, JSON.stringify(track));
    assert.ok(track.score >= 0.8);
    // Words, not only the joined string: each is on screen.
    for (const w of ['open', '24', 'hours']) assert.ok(textOnScreen(slideInv, w), w);
    assert.equal(textOnScreen(slideInv, 'closed on sundays'), undefined);
    assert.equal(textOnScreen(slideInv, 'open 42 days'), undefined);
    const box = v.text[0]!.boxes[0]!.box;
    assert.ok(box[0] > 0.1 && box[2] < 0.9 && box[1] > 0.35 && box[3] < 0.65, `box ${box}`);
  });

  test('a static slide is static, with no scene change', () => {
    assert.equal(slideInv.visual.isStatic, true);
    assert.deepEqual(slideInv.visual.sceneChanges, []);
    assert.ok(
      slideInv.visual.motion.every((m) => m < 0.01),
      JSON.stringify(slideInv.visual.motion),
    );
  });

  test('text that changes gives one track per line, with its times', async () => {
    const c = makeCueClip(dir, {
      name: 'subs.mp4',
      seconds: 6,
      screenText: [
        { text: 'Kitchen, morning', at: 'top', size: 28 },
        { text: 'Where are my keys?', from: 0, to: 2.5, at: 'bottom', size: 32 },
        { text: 'On the table.', from: 3.5, to: 6, at: 'bottom', size: 32 },
      ],
    });
    const inv = await buildCueInventory(c.file, { tools });
    const keys = textOnScreen(inv, 'where are my keys');
    const table = textOnScreen(inv, 'on the table');
    const title = textOnScreen(inv, 'kitchen morning');
    assert.ok(keys && table && title, JSON.stringify(inv.visual.textTracks));
    assert.deepEqual([keys.start, keys.end], [0, 3]);
    assert.deepEqual([table.start, table.end], [4, 6]);
    assert.deepEqual([title.start, title.end], [0, 6]);
  });

  test('an image is one frame', async () => {
    const png = path.join(dir, 'sign.png');
    const r = spawnSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-nostdin',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'color=c=black:s=400x200',
        '-vf',
        `drawtext=fontfile=${FONT}:text=EXIT ONLY:fontcolor=white:fontsize=40:x=(w-text_w)/2:y=(h-text_h)/2`,
        '-frames:v',
        '1',
        png,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const inv = await buildCueInventory(png, { tools });
    assert.equal(inv.audio.present, false);
    assert.equal(inv.visual.present, true);
    assert.equal(inv.visual.text.length, 1);
    assert.equal(inv.visual.isStatic, true);
    assert.ok(textOnScreen(inv, 'exit only'), JSON.stringify(inv.visual.text));
  });
});

describe('inventory', () => {
  test('is cached by content hash and reused on a second call', async () => {
    const cacheDir = path.join(dir, 'cache');
    const t0 = performance.now();
    const first = await buildCueInventory(slide.file, { tools, cacheDir });
    const t1 = performance.now();
    const file = path.join(cacheDir, `${inventoryKey(first)}.json`);
    assert.ok(existsSync(file), `no cache file ${file}`);
    assert.match(path.basename(file), /^[0-9a-f]{64}-0-8(\.\d+)?\.json$/);
    const stages: string[] = [];
    const second = await buildCueInventory(slide.file, { tools, cacheDir, onStage: (s) => stages.push(s) });
    const t2 = performance.now();
    assert.ok(stages.includes('from cache'), stages.join(', '));
    assert.deepEqual(second, first);
    assert.ok(t2 - t1 < (t1 - t0) / 2, `second call ${(t2 - t1).toFixed(0)} ms vs first ${(t1 - t0).toFixed(0)} ms`);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), first);
  });

  test('a range is analysed on its own, with times relative to its start, and cached apart', async () => {
    const cacheDir = path.join(dir, 'cache');
    const inv = await buildCueInventory(slide.file, { tools, cacheDir, range: { start: 2, end: 6 } });
    assert.deepEqual(inv.range, { start: 2, end: 6 });
    assert.equal(inv.visual.text.length, 4);
    const truth = slide.speech[0]!;
    assert.ok(inv.audio.speech.length >= 1);
    assert.ok(Math.abs(inv.audio.speech[0]!.start - (truth.start - 2)) < 0.4, JSON.stringify(inv.audio.speech));
    assert.ok(existsSync(path.join(cacheDir, `${inv.clip.sha256}-2-6.json`)));
  });

  test('a corrupt file is a clear error naming the file', async () => {
    const bad = path.join(dir, 'broken clip.mp4');
    writeFileSync(bad, Buffer.from('this is not a video file at all, just text'.repeat(50)));
    await assert.rejects(buildCueInventory(bad, { tools }), (e: Error) => {
      assert.ok(e.message.includes(bad), e.message);
      assert.match(e.message, /cannot read/);
      return true;
    });
  });

  test('a cancelled build rejects with AbortError', async () => {
    const ac = new AbortController();
    const p = buildCueInventory(toneCut.file, { tools, signal: ac.signal, onStage: (s) => s.startsWith('visual') && ac.abort() });
    await assert.rejects(p, { name: 'AbortError' });
  });
});

describe('pure helpers', () => {
  test('textOnScreen tolerates OCR slips, missing spaces and punctuation', () => {
    const inv = {
      clip: { path: 'x', sha256: 'x', duration: 10, hasAudio: false, hasVideo: true },
      visual: {
        present: true,
        fps: 1,
        text: [
          {
            t: 0,
            boxes: [
              { box: [0, 0, 1, 0.1] as [number, number, number, number], text: 'Sorry, I can’t', score: 0.9 },
              { box: [0, 0.2, 1, 0.3] as [number, number, number, number], text: 'make it tonight.', score: 0.9 },
            ],
          },
        ],
        textTracks: [{ start: 2, end: 5, text: 'OPEN24H0URS', score: 0.95 }],
        motion: [],
        sceneChanges: [],
        isStatic: true,
      },
    };
    assert.deepEqual(textOnScreen(inv, '"Open 24 hours!"'), { start: 2, end: 5, text: 'OPEN24H0URS', score: 0.95 });
    assert.equal(textOnScreen(inv, 'open 25 days'), undefined);
    // Numbers must be exact even where one slip would be tolerated.
    assert.equal(textOnScreen(inv, 'open 25 hours'), undefined);
    assert.equal(textOnScreen(inv, 'open 2 hours'), undefined);
    // …but a digit OCR read as its look-alike letter still counts ("1l" is 11).
    const inv2 = { ...inv, visual: { ...inv.visual, text: [], textTracks: [{ start: 40, end: 44, text: 'Line 1l: the red door', score: 0.97 }] } };
    assert.ok(textOnScreen(inv2, 'Line 11: the red door'));
    assert.equal(textOnScreen(inv2, 'Line 1: the red door'), undefined);
    assert.equal(textOnScreen(inv, '…'), undefined);
    // Two lines of one frame read together.
    assert.ok(textOnScreen(inv, "I can't make it tonight"));
    // Short quotes must match exactly.
    assert.equal(textOnScreen(inv, '25'), undefined);
  });

  test('text tracks merge consecutive frames and split on gaps', () => {
    const b = (text: string) => ({ box: [0, 0, 1, 1] as [number, number, number, number], text, score: 0.9 });
    const tracks = buildTextTracks(
      [
        { t: 0, boxes: [b('Hello world')] },
        { t: 1, boxes: [b('Hello w0rld')] },
        { t: 2, boxes: [] },
        { t: 3, boxes: [b('Hello world')] },
      ],
      1,
      3.5,
    );
    assert.deepEqual(
      tracks.map((t) => [t.start, t.end, t.text]),
      [
        [0, 2, 'Hello world'],
        [3, 3.5, 'Hello world'],
      ],
    );
  });

  test('VAD hysteresis: merges short gaps, drops blips, pads', () => {
    const f = 0.096;
    const probs = [0, 0, 0.9, 0.9, 0.9, 0.4, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1];
    const segs = speechSegments(probs, probs.length * f);
    // 0.4 stays inside (≥ end threshold); the lone 0.8 at frame 14 is shorter than 0.25 s.
    assert.equal(segs.length, 1, JSON.stringify(segs));
    assert.ok(Math.abs(segs[0]!.start - (2 * f - 0.1)) < 1e-3 && Math.abs(segs[0]!.end - (8 * f + 0.1)) < 1e-3, JSON.stringify(segs));
  });
});
