// Clips with known cues, made on the machine from Debian's tools: espeak-ng says the speech,
// ffmpeg's lavfi draws the picture (a colour, burned-in text with DejaVu Sans, colour cuts) and
// makes tones. Returns where the speech really is (espeak's WAV lengths), so tests and the
// constructed shortcut suite can check cue times against ground truth.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

export interface ScreenText {
  text: string;
  /** Seconds; default: the whole clip. */
  from?: number;
  to?: number;
  /** Font size in pixels (default 48). */
  size?: number;
  /** 'center' (default) or 'bottom' (a subtitle line). */
  at?: 'center' | 'bottom' | 'top';
  color?: string;
}

export interface Speech {
  text: string;
  /** Start in seconds (default 0). */
  at?: number;
  /** espeak-ng words per minute (default 150). */
  speed?: number;
  voice?: string;
}

export interface CueClipSpec {
  seconds: number;
  name?: string;
  /** Frame size (default 640x360). */
  size?: string;
  /** Background colour (default black). */
  color?: string;
  /** Colour cuts: from `at` seconds on, the background is `color`. */
  cuts?: { at: number; color: string }[];
  screenText?: string | ScreenText[];
  speech?: string | Speech[];
  /** Sine tones; lavfi's sine has amplitude 1/8, scaled by `volume` (default 0.5). */
  tones?: { freq: number; from: number; to: number; volume?: number }[];
  /** Default: an audio stream when there is speech or a tone; `true` forces a (silent) one. */
  audio?: boolean;
  /** false: audio only, written as WAV. */
  video?: boolean;
  fps?: number;
}

export interface CueClip {
  file: string;
  /** Where each spoken line actually is, in seconds. */
  speech: { text: string; start: number; end: number }[];
}

function run(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${bin} ${args.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

function wavSeconds(file: string): number {
  return Number(run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).trim());
}

const q = (s: string | number) => String(s);

export function makeCueClip(dir: string, spec: CueClipSpec): CueClip {
  const tmp = mkdtempSync(path.join(tmpdir(), 'omnitrace-cueclip-'));
  try {
    const seconds = spec.seconds;
    const video = spec.video !== false;
    const file = path.join(dir, spec.name ?? (video ? 'cues.mp4' : 'cues.wav'));
    const speech = typeof spec.speech === 'string' ? [{ text: spec.speech }] : (spec.speech ?? []);
    const texts = typeof spec.screenText === 'string' ? [{ text: spec.screenText }] : (spec.screenText ?? []);
    const tones = spec.tones ?? [];
    const withAudio = spec.audio ?? (speech.length > 0 || tones.length > 0);
    const inputs: string[] = [];
    const filters: string[] = [];
    let n = 0;
    const spoken: CueClip['speech'] = [];

    if (video) {
      const fps = spec.fps ?? 10;
      inputs.push('-f', 'lavfi', '-i', `color=c=${spec.color ?? 'black'}:s=${spec.size ?? '640x360'}:r=${fps}:d=${seconds}`);
      const vf: string[] = [];
      for (const c of spec.cuts ?? []) vf.push(`drawbox=x=0:y=0:w=iw:h=ih:color=${c.color}:t=fill:enable='gte(t,${q(c.at)})'`);
      texts.forEach((t, i) => {
        // A text file: no escaping of quotes, colons or commas inside the filter string.
        const tf = path.join(tmp, `text-${i}.txt`);
        writeFileSync(tf, t.text);
        const y = t.at === 'bottom' ? 'h-text_h-20' : t.at === 'top' ? '20' : '(h-text_h)/2';
        const enable = t.from !== undefined || t.to !== undefined ? `:enable='between(t,${q(t.from ?? 0)},${q(t.to ?? seconds)})'` : '';
        vf.push(`drawtext=fontfile=${FONT}:textfile=${tf}:fontcolor=${t.color ?? 'white'}:fontsize=${t.size ?? 48}:x=(w-text_w)/2:y=${y}${enable}`);
      });
      filters.push(`[${n}:v]${vf.length ? vf.join(',') : 'null'}[v]`);
      n++;
    }
    if (withAudio) {
      inputs.push('-f', 'lavfi', '-i', `anullsrc=r=16000:cl=mono:d=${seconds}`);
      const parts = [`[${n}:a]`];
      n++;
      speech.forEach((s, i) => {
        const wav = path.join(tmp, `speech-${i}.wav`);
        run('espeak-ng', ['-v', s.voice ?? 'en-us', '-s', String(s.speed ?? 150), '-w', wav, s.text]);
        const at = s.at ?? 0;
        spoken.push({ text: s.text, start: at, end: at + wavSeconds(wav) });
        inputs.push('-i', wav);
        filters.push(`[${n}:a]aresample=16000,adelay=${Math.round(at * 1000)}:all=1[s${i}]`);
        parts.push(`[s${i}]`);
        n++;
      });
      tones.forEach((t, i) => {
        inputs.push('-f', 'lavfi', '-i', `sine=f=${t.freq}:d=${t.to - t.from}:r=16000`);
        filters.push(`[${n}:a]volume=${t.volume ?? 0.5},adelay=${Math.round(t.from * 1000)}:all=1[t${i}]`);
        parts.push(`[t${i}]`);
        n++;
      });
      filters.push(`${parts.join('')}amix=inputs=${parts.length}:normalize=0:duration=first[a]`);
    }
    const maps = [...(video ? ['-map', '[v]'] : []), ...(withAudio ? ['-map', '[a]'] : [])];
    const codecs = video ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...(withAudio ? ['-c:a', 'aac', '-b:a', '64k'] : [])] : ['-c:a', 'pcm_s16le'];
    run('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...inputs, '-filter_complex', filters.join(';'), ...maps, '-t', String(seconds), ...codecs, file]);
    return { file, speech: spoken };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
