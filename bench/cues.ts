// `npm run bench:cues`: how fast cue extraction runs on the CPU, on a 60 s 1280×720 clip made on
// the machine (espeak-ng speech every 6 s, a burned-in subtitle that changes every 4 s, a title
// line throughout). Reports, as medians of three runs:
//   - VAD real-time factor (Silero seconds / audio seconds), against decoding the audio alone;
//   - OCR seconds per sampled frame at 1 fps, split into detection and recognition, against
//     decoding and scaling that frame alone;
// plus one end-to-end buildCueInventory (no cache), a folder of four clips with one job and with
// one job per core (`omnitrace cues`), and a check that the cues are right (speech
// lines found, subtitle lines read), so a fast but blind extractor does not look good. The
// machine's load is reported too: on shared cores the absolute numbers move a lot.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCueInventory, textOnScreen, CUE_DEFAULTS } from '../src/cues/inventory';
import { decodePcm16k, frameSize, rgbFrames, type RgbFrame } from '../src/cues/decode';
import { ocrFrame, OCR_PARAMS } from '../src/cues/ocr';
import { speechProbabilities, speechSegments, VAD_FRAME, VAD_SAMPLE_RATE } from '../src/cues/vad';
import { locateMediaTools, probe } from '../src/media/ffmpeg';
import { makeCueClip } from '../test/helpers/cueClip';
import { analyseClipFolder } from '../src/services/cues/clipFolder';
import { spawnSync } from 'node:child_process';

const ROOT = join(__dirname, '..');
const DATA_DIR = join(ROOT, 'bench', 'data');
const RUNS = 3;
const SECONDS = 60;
const SENTENCES = [
  'The train to the airport leaves at seven.',
  'I left my umbrella on the bus again.',
  'Could you pass me the salt, please?',
  'We are closing in ten minutes.',
  'That was the best concert of the year.',
  'Turn left at the second traffic light.',
  'My sister is coming to visit on Sunday.',
  'The meeting has been moved to Thursday.',
  'Please keep your tickets with you.',
  'It looks like it is going to rain.',
];
const SUBTITLES = Array.from({ length: SECONDS / 4 }, (_, i) => `Line ${i + 1}: ${['the red door', 'a quiet street', 'platform nine', 'fresh bread here', 'mind the gap'][i % 5]}`);
const PARAMS = { version: 1, seconds: SECONDS, size: '1280x720', speech: SENTENCES, subtitles: SUBTITLES };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

function clip(): { file: string; speech: { start: number; end: number }[] } {
  mkdirSync(DATA_DIR, { recursive: true });
  const file = join(DATA_DIR, 'cues-60s.mp4');
  const meta = file + '.params.json';
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    if (JSON.stringify(m.params) === JSON.stringify(PARAMS)) return { file, speech: m.speech };
  }
  process.stderr.write('making the 60 s bench clip…\n');
  const c = makeCueClip(DATA_DIR, {
    name: 'cues-60s.mp4',
    seconds: SECONDS,
    size: PARAMS.size,
    color: '0x203040',
    fps: 25,
    speech: SENTENCES.map((text, i) => ({ text, at: 0.5 + i * 6 })),
    screenText: [{ text: 'Evening news, channel 4', at: 'top', size: 30 }, ...SUBTITLES.map((text, i) => ({ text, from: i * 4, to: i * 4 + 3.9, at: 'bottom' as const, size: 36 }))],
  });
  writeFileSync(meta, JSON.stringify({ params: PARAMS, speech: c.speech }));
  return c;
}

async function main(): Promise<void> {
  const tools = locateMediaTools();
  const { file, speech: truth } = clip();
  const info = await probe(file, tools);
  const size = await frameSize(file, tools, info, CUE_DEFAULTS.maxSide);
  const range = { start: 0 };
  const fps = CUE_DEFAULTS.fps;

  // Model sessions are created once per process; measure that apart, then warm.
  let t = performance.now();
  await speechProbabilities(new Float32Array(VAD_FRAME));
  const vadLoad = (performance.now() - t) / 1000;
  t = performance.now();
  await ocrFrame({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(255) });
  const ocrLoad = (performance.now() - t) / 1000;

  const runs: { audioDecode: number; vad: number; audioSeconds: number; frameDecode: number; frames: number; det: number; rec: number }[] = [];
  let segments = speechSegments([], 0);
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    const samples = await decodePcm16k(file, tools, range);
    const audioDecode = (performance.now() - t) / 1000;
    t = performance.now();
    const probs = await speechProbabilities(samples);
    const vad = (performance.now() - t) / 1000;
    segments = speechSegments(probs, samples.length / VAD_SAMPLE_RATE);

    // Decoding alone (frames kept in memory: 60 × 960×540×3 ≈ 93 MB), then OCR on them.
    const frames: RgbFrame[] = [];
    t = performance.now();
    for await (const f of rgbFrames(file, tools, info, { range, fps, width: size.width, height: size.height })) frames.push(f);
    const frameDecode = (performance.now() - t) / 1000;
    const tm = { detSeconds: 0, recSeconds: 0 };
    for (const f of frames) await ocrFrame({ width: f.width, height: f.height, data: f.rgb }, tm);
    runs.push({ audioDecode, vad, audioSeconds: samples.length / VAD_SAMPLE_RATE, frameDecode, frames: frames.length, det: tm.detSeconds, rec: tm.recSeconds });
    process.stderr.write(
      `run ${i + 1}: audio decode ${r3(audioDecode)} s, VAD ${r3(vad)} s; ${frames.length} frames decoded in ${r3(frameDecode)} s, OCR det ${r3(tm.detSeconds)} s + rec ${r3(tm.recSeconds)} s\n`,
    );
  }

  t = performance.now();
  const inv = await buildCueInventory(file, { tools });
  const endToEnd = (performance.now() - t) / 1000;
  // Read, and at its own time: a look-alike line elsewhere in the clip does not count.
  const linesRead = SUBTITLES.filter((s, i) => {
    const track = textOnScreen(inv, s);
    return !!track && track.start < i * 4 + 3.9 && track.end > i * 4;
  }).length;
  const spoken = truth.filter((u) => segments.some((s) => s.start < u.end && s.end > u.start)).length;
  const falseSpeech = segments.filter((s) => !truth.some((u) => s.start < u.end + 0.3 && s.end > u.start - 0.3)).length;

  const m = (k: keyof (typeof runs)[number]) => median(runs.map((r) => r[k]));
  const audioSeconds = m('audioSeconds');
  const frames = m('frames');
  const ocrPerFrame = (m('det') + m('rec')) / frames;
  const decodePerFrame = m('frameDecode') / frames;
  const result = {
    clip: { seconds: SECONDS, size: PARAMS.size, fps: 25, speechLines: truth.length, subtitleLines: SUBTITLES.length },
    runs: RUNS,
    modelLoadSeconds: { vad: r3(vadLoad), ocr: r3(ocrLoad) },
    vad: {
      seconds: r3(m('vad')),
      audioSeconds: r3(audioSeconds),
      realTimeFactor: r4(m('vad') / audioSeconds),
      baselineAudioDecodeSeconds: r3(m('audioDecode')),
      ratioToAudioDecode: Math.round((m('vad') / m('audioDecode')) * 100) / 100,
    },
    ocr: {
      framesSampled: frames,
      sampleFps: fps,
      frameSize: `${size.width}x${size.height}`,
      detectionLimit: OCR_PARAMS.detLimit,
      secondsPerFrame: r3(ocrPerFrame),
      detectionSecondsPerFrame: r3(m('det') / frames),
      recognitionSecondsPerFrame: r3(m('rec') / frames),
      baselineFrameDecodeSecondsPerFrame: r3(decodePerFrame),
      ratioToFrameDecode: Math.round((ocrPerFrame / decodePerFrame) * 100) / 100,
      realTimeFactorAt1fps: r3((ocrPerFrame * frames) / SECONDS),
    },
    endToEnd: { seconds: r3(endToEnd), realTimeFactor: r3(endToEnd / SECONDS), stages: inv.timings, runs: 1 },
    quality: {
      speechLinesFound: `${spoken}/${truth.length}`,
      speechSegmentsOutsideSpeech: falseSpeech,
      subtitleLinesRead: `${linesRead}/${SUBTITLES.length}`,
    },
    folder: await folderFigures(file, tools),
    cores: availableParallelism(),
    cpu: cpus()[0]?.model,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

/**
 * A folder of clips (the 60 s clip cut into four 15 s clips, re-encoded once into bench/data):
 * `omnitrace cues` with one job against one job per core, no cache, alternating, medians. The
 * lines must be the same either way.
 */
async function folderFigures(file: string, tools: ReturnType<typeof locateMediaTools>) {
  const dir = join(DATA_DIR, 'cues-folder');
  mkdirSync(dir, { recursive: true });
  const clips = [0, 1, 2, 3].map((i) => join(dir, `part-${i}.mp4`));
  for (const [i, c] of clips.entries()) {
    if (existsSync(c)) continue;
    const r = spawnSync(tools.ffmpeg, ['-loglevel', 'error', '-y', '-ss', String(i * 15), '-t', '15', '-i', file, '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', c]);
    if (r.status !== 0) throw new Error(`cannot cut ${c}: ${r.stderr}`);
  }
  const jobsAll = availableParallelism();
  const one = async (jobs: number) => {
    const t = performance.now();
    const { lines } = await analyseClipFolder({ clips, jobs, tools, build: buildCueInventory });
    const seconds = (performance.now() - t) / 1000;
    if (lines.some((l) => l.status !== 'analysed')) throw new Error(`folder bench: ${JSON.stringify(lines)}`);
    return { seconds, digest: JSON.stringify(lines.map((l) => [l.speechSegments, l.textTracks, l.sceneChanges])) };
  };
  const serial: number[] = [];
  const parallel: number[] = [];
  let same = true;
  for (let i = 0; i < RUNS; i++) {
    const a = await one(1);
    const b = await one(jobsAll);
    serial.push(a.seconds);
    parallel.push(b.seconds);
    same &&= a.digest === b.digest;
    process.stderr.write(`folder run ${i + 1}: 1 job ${r3(a.seconds)} s, ${jobsAll} jobs ${r3(b.seconds)} s\n`);
  }
  return {
    clips: clips.length,
    clipSeconds: 15,
    oneJob: { seconds: r3(median(serial)), realTimeFactor: r3(median(serial) / 60) },
    allCores: { jobs: jobsAll, seconds: r3(median(parallel)), realTimeFactor: r3(median(parallel) / 60) },
    speedup: Math.round((median(serial) / median(parallel)) * 100) / 100,
    sameLines: same,
  };
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? (e.stack ?? e.message) : e) + '\n');
  process.exitCode = 1;
});
