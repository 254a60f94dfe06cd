// The cue inventory of every clip in a folder (a dataset's media), for `omnitrace cues`: clips
// found by extension, inventories built several at a time (ffmpeg decodes in its own process
// while the models run here, so two jobs keep two cores busy), cached per content as the
// shortcut analysis does, and one line per clip written atomically in path order.
//
// A clip that cannot be probed or analysed gets a line with its error; a part that failed
// (audio, visual) is named on the line; the rest of the folder goes on.

import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { openAtomic } from '../../core/atomicFile';
import { errorText } from '../../core/errors';
import { mediaKindOf } from '../../core/mediaPaths';
import { runOrdered } from '../../core/orderedPool';
import type { CueInventory } from '../../core/shortcuts/types';
import type { MediaTools } from '../../media/ffmpeg';

/** Folders never searched for clips: our own sidecars and tool folders. */
const SKIPPED_DIRS = new Set(['.omnitrace', '.git', 'node_modules']);

/** One clip's line in `omnitrace cues` output. */
export interface ClipCueLine {
  clip: string;
  /** 'analysed' now, 'cached' (read back from the cache folder) or 'failed' (see error). */
  status: 'analysed' | 'cached' | 'failed';
  /** Wall seconds spent on this clip. */
  seconds: number;
  error?: string;
  sha256?: string;
  duration?: number;
  hasAudio?: boolean;
  hasVideo?: boolean;
  speechSegments?: number;
  speechSeconds?: number;
  soundSegments?: number;
  textTracks?: number;
  /** On-screen lines, first seen first (at most 5). */
  firstText?: string[];
  sceneChanges?: number;
  isStatic?: boolean;
  audioError?: string;
  visualError?: string;
}

export interface ClipFolderProgress {
  total: number;
  done: number;
  failed: number;
  cached: number;
  /** Clips being analysed now. */
  running: string[];
}

export interface ClipFolderOptions {
  clips: string[];
  /** Written atomically when given; onLine sees every line either way. */
  out?: string;
  jobs: number;
  tools: MediaTools;
  cacheDir?: string;
  fps?: number;
  signal?: AbortSignal;
  build(clip: string, o: { tools: MediaTools; cacheDir?: string; fps?: number; signal?: AbortSignal; onStage?: (s: string) => void }): Promise<CueInventory>;
  onProgress?: (p: ClipFolderProgress) => void;
  onLine?: (line: ClipCueLine) => void;
}

/** Media files under each input (a file is taken as given), sorted; unreadable folders are named. */
export async function listClipFiles(inputs: string[]): Promise<{ clips: string[]; problems: string[] }> {
  const clips = new Set<string>();
  const problems: string[] = [];
  const isClip = (p: string) => mediaKindOf(p) !== undefined && extname(p).toLowerCase() !== '.svg';
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      problems.push(`${dir}: ${errorText(e)}`);
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await walk(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && isClip(e.name)) clips.add(p);
    }
  };
  for (const input of inputs) {
    const p = resolve(input);
    const s = await stat(p).catch((e: unknown) => errorText(e));
    if (typeof s === 'string') problems.push(`${input}: ${s}`);
    else if (s.isDirectory()) await walk(p);
    else clips.add(p);
  }
  return { clips: [...clips].sort(), problems };
}

function lineOf(clip: string, inv: CueInventory, cached: boolean, seconds: number): ClipCueLine {
  const line: ClipCueLine = {
    clip,
    status: cached ? 'cached' : 'analysed',
    seconds,
    sha256: inv.clip.sha256,
    duration: inv.clip.duration,
    hasAudio: inv.clip.hasAudio,
    hasVideo: inv.clip.hasVideo,
  };
  if (inv.audio.present) {
    line.speechSegments = inv.audio.speech.length;
    line.speechSeconds = inv.audio.speechSeconds;
    line.soundSegments = inv.audio.sounds.length;
  }
  if (inv.visual.present) {
    line.textTracks = inv.visual.textTracks.length;
    line.firstText = inv.visual.textTracks.slice(0, 5).map((t) => t.text);
    line.sceneChanges = inv.visual.sceneChanges.length;
    line.isStatic = inv.visual.isStatic;
  }
  if (inv.audio.error) line.audioError = inv.audio.error;
  if (inv.visual.error) line.visualError = inv.visual.error;
  return line;
}

export interface ClipFolderResult {
  lines: ClipCueLine[];
  cancelled: boolean;
}

export async function analyseClipFolder(o: ClipFolderOptions): Promise<ClipFolderResult> {
  const sink = o.out ? await openAtomic(resolve(o.out)) : undefined;
  const lines: ClipCueLine[] = [];
  const progress: ClipFolderProgress = { total: o.clips.length, done: 0, failed: 0, cached: 0, running: [] };
  const report = () => o.onProgress?.({ ...progress, running: [...progress.running] });
  try {
    const { cancelled } = await runOrdered(
      o.clips,
      async (clip) => {
        const t0 = performance.now();
        let cached = false;
        const seconds = () => Math.round(performance.now() - t0) / 1000;
        try {
          const inv = await o.build(clip, {
            tools: o.tools,
            ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
            ...(o.fps !== undefined ? { fps: o.fps } : {}),
            ...(o.signal ? { signal: o.signal } : {}),
            onStage: (s) => {
              if (s === 'from cache') cached = true;
            },
          });
          return lineOf(clip, inv, cached, seconds());
        } catch (e) {
          return { clip, status: 'failed', seconds: seconds(), error: errorText(e) } satisfies ClipCueLine;
        }
      },
      async (line) => {
        // A clip stopped by the interrupt is not a failure of the clip: it is left out.
        if (line.status === 'failed' && o.signal?.aborted) return;
        lines.push(line);
        progress.done++;
        if (line.status === 'failed') progress.failed++;
        if (line.status === 'cached') progress.cached++;
        await sink?.fh.write(JSON.stringify(line) + '\n');
        o.onLine?.(line);
        report();
      },
      {
        jobs: o.jobs,
        ...(o.signal ? { signal: o.signal } : {}),
        onRunning: (running) => {
          progress.running = running.map((i) => o.clips[i]!);
          report();
        },
      },
    );
    await sink?.commit();
    return { lines, cancelled: cancelled || lines.length < o.clips.length };
  } catch (e) {
    await sink?.abort();
    throw e;
  }
}
