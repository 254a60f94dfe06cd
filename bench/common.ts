// What the benchmarks share: the deterministic 100k-rollout file (generated once into
// bench/data/), running a child process while measuring its wall time and peak memory, medians.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { mulberry32 } from '../src/core/compare/stats';

export { mulberry32 };

export const ROOT = join(__dirname, '..');
export const DATA_DIR = join(ROOT, 'bench', 'data');
// BENCH_ROLLOUTS picks another size (1000000 for issue 17's 1.3 GB memory check); 100k by default.
export const PARAMS = { version: 4, records: Number(process.env.BENCH_ROLLOUTS ?? 100_000), groupSize: 8, seed: 20260101, malformedEvery: 1999 };
export const DATA = join(DATA_DIR, `rollouts-${PARAMS.records}.jsonl`);
const PARAMS_FILE = DATA + '.params.json';

const SEEN = [
  'a man in a grey coat',
  'two children',
  'a woman holding a cup',
  'a crowded street',
  'a kitchen counter',
  'a dog by the door',
  'a stage with red lights',
  'an office desk',
  'a rainy window',
  'a bus stop',
];
const HEARD = ['a car horn', 'soft piano music', 'laughter', 'a phone ringing', 'footsteps', 'rain on glass', 'a raised voice', 'applause', 'a kettle whistling', 'silence'];
const SAID = ['"we are late again"', '"that was wonderful"', '"please sit down"', '"I told you so"', '"where is it?"', '"not now"', '"thank you all"', '"look over there"'];
const REASON = [
  'This suggests',
  'Checking the audio again,',
  'Looking back at the frames,',
  'On reflection,',
  'Combining both cues,',
  'The tone of voice implies',
  'Reconsidering the options,',
  'The facial expression shows',
];
const FEEL = ['impatience', 'joy', 'surprise', 'irritation', 'relief', 'nervousness', 'boredom', 'gratitude'];
const TYPES: [string, number][] = [
  ['multiple choice', 0.5],
  ['numerical', 0.15],
  ['OCR', 0.1],
  ['judge', 0.1],
  ['emer_ov_mc', 0.05],
  ['regression', 0.05],
  ['free-form', 0.05],
];

function generate(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const rnd = mulberry32(PARAMS.seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const sentence = () => `${pick(REASON)} ${pick(SEEN)} reacts to ${pick(HEARD)} while someone says ${pick(SAID)}, which points to ${pick(FEEL)}.`;
  const paragraph = (min: number, max: number) => {
    let s = '';
    const target = min + Math.floor(rnd() * (max - min));
    while (s.length < target) s += (s ? ' ' : '') + sentence();
    return s;
  };
  const out = createWriteStream(DATA);
  let buffered: string[] = [];
  let bytes = 0;
  let group: { problem: string; type: string; options?: string[]; answer: string; solution: string; video: string } | undefined;
  for (let i = 0; i < PARAMS.records; i++) {
    if (i % PARAMS.groupSize === 0) {
      let r = rnd();
      let type = TYPES[0][0];
      for (const [t, p] of TYPES) {
        if ((r -= p) < 0) {
          type = t;
          break;
        }
      }
      const answer =
        type === 'multiple choice'
          ? pick(['A', 'B', 'C', 'D'])
          : type === 'numerical'
            ? String(1 + Math.floor(rnd() * 9))
            : type === 'regression'
              ? (rnd() * 10).toFixed(1)
              : type === 'judge'
                ? pick(['yes', 'no'])
                : type === 'emer_ov_mc'
                  ? pick(['A,C', 'B', 'A,B,D'])
                  : pick(FEEL);
      group = {
        problem: `Clip ${Math.floor(i / PARAMS.groupSize)}: what does ${pick(SEEN)} feel when ${pick(HEARD)} starts?`,
        type,
        options: type === 'multiple choice' ? ['A', 'B', 'C', 'D'].map((l) => `${l}. ${pick(FEEL)}`) : undefined,
        answer,
        solution: `<context>${paragraph(60, 120)}</context>\n<think>${paragraph(60, 120)}</think>\n<answer>${answer}</answer>`,
        video: `clips/clip_${String(Math.floor(i / PARAMS.groupSize)).padStart(6, '0')}.mp4`,
      };
    }
    const g = group!;
    const ans = rnd() < 0.6 ? g.answer : g.type === 'multiple choice' ? pick(['A', 'B', 'C', 'D']) : String(Math.floor(rnd() * 10));
    let completion = `<context>${paragraph(200, 350)}</context>\n<think>${paragraph(450, 800)}</think>\n<answer>${ans}</answer>`;
    const flaw = rnd();
    if (flaw < 0.04) completion = 'Let me think. ' + completion;
    else if (flaw < 0.07)
      completion = completion.slice(0, completion.length - 9); // cut before </answer>
    else if (flaw < 0.09) completion = completion.replace('<think>', '<Think>').replace('</think>', '</Think>');
    const row = {
      id: `r${i}`,
      group_id: `g${Math.floor(i / PARAMS.groupSize)}`,
      step: 100 + Math.floor(i / 4096),
      checkpoint: 'ckpt-bench',
      problem: g.problem,
      options: g.options,
      problem_type: g.type,
      solution: g.solution,
      answer: g.answer,
      video: g.video,
      completion,
      rewards: { format: completion.startsWith('<context>') ? 1 : 0, accuracy: ans === g.answer ? 1 : 0 },
    };
    let line = JSON.stringify(row);
    if (i > 0 && i % PARAMS.malformedEvery === 0) line = line.slice(0, Math.floor(line.length / 2)); // a torn write
    buffered.push(line);
    bytes += line.length;
    if (bytes > 1 << 22) {
      out.write(buffered.join('\n') + '\n');
      buffered = [];
      bytes = 0;
    }
  }
  out.end(buffered.join('\n') + '\n');
  return new Promise<void>((resolve, reject) => {
    out.on('finish', () => {
      writeFileSync(PARAMS_FILE, JSON.stringify({ ...PARAMS, bytes: statSync(DATA).size }));
      resolve();
    });
    out.on('error', reject);
  });
}

export async function ensureData(): Promise<void> {
  if (existsSync(DATA) && existsSync(PARAMS_FILE)) {
    const saved = JSON.parse(readFileSync(PARAMS_FILE, 'utf8'));
    const same = Object.entries(PARAMS).every(([k, v]) => saved[k] === v) && saved.bytes === statSync(DATA).size;
    if (same) return;
  }
  process.stderr.write(`generating ${DATA} …\n`);
  await generate();
}

export const HAVE_TIME = existsSync('/usr/bin/time');

/** Runs a child, returns wall time and peak RSS (kB from /usr/bin/time, else polled VmHWM). */
/** Runs `program args` (default: this Node) as a child; wall time and peak RSS. */
export function measure(args: string[], program: string = process.execPath): Promise<{ ms: number; peakRssMB: number; stdout: string }> {
  const timeOut = join(tmpdir(), `omnitrace-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const cmd = HAVE_TIME ? '/usr/bin/time' : program;
  const argv = HAVE_TIME ? ['-o', timeOut, '-f', '%M', program, ...args] : args;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hwmKB = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = HAVE_TIME
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (poll) clearInterval(poll);
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      if (HAVE_TIME) {
        hwmKB = Number(readFileSync(timeOut, 'utf8').trim().split('\n').pop());
        rmSync(timeOut, { force: true });
      }
      resolve({ ms: Math.round(ms), peakRssMB: Math.round((hwmKB / 1024) * 10) / 10, stdout });
    });
  });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** What every report carries beside its figures: the machine's cores and load (our cores are shared and noisy). */
export function machine(): { cores: number; loadAverage: number[] } {
  return { cores: availableParallelism(), loadAverage: loadavg().map((x) => Math.round(x * 100) / 100) };
}

/** Runs a benchmark's main: its report (JSON) goes to stdout, a failure to stderr with exit 1. */
export function runBench(main: () => Promise<unknown>): void {
  main().then(
    (report) => process.stdout.write(JSON.stringify({ ...(report as object), ...machine() }, null, 2) + '\n'),
    (e: unknown) => {
      process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
      process.exit(1);
    },
  );
}
