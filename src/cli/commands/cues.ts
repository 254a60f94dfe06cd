// `omnitrace cues <clip-or-folder…>`: the cue inventory (speech, sounds, on-screen text, scene
// changes) of every clip of a dataset, several clips at a time, cached in the same folder the
// shortcut analysis reads, so a later `shortcuts` run over those clips starts warm. One line per
// clip (path order) to --out or stdout; progress and a summary on stderr.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { buildCueInventory } from '../../cues/inventory';
import { locateMediaTools, type MediaTools } from '../../media/ffmpeg';
import { analyseClipFolder, listClipFiles, type ClipCueLine } from '../../services/cues/clipFolder';
import { LAYOUT } from '../../core/workspaceLayout';
import { errorText } from '../../core/errors';
import { CancelledError, InputError, PartialFailureError } from '../errors';
import { int } from '../judgeOptions';
import { setInterruptHandler } from '../interrupt';
import { guardOutputs } from '../options';

interface CuesCliOptions {
  out?: string;
  jobs: number;
  cacheDir: string;
  fps?: number;
  progressMs: number;
}

const fpsArg = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 30)) throw new InvalidArgumentError('frames per second in (0, 30]');
  return n;
};

const LISTED_FAILURES = 10;

function summaryText(lines: ClipCueLine[], total: number, seconds: number, jobs: number): string {
  const count = (s: ClipCueLine['status']) => lines.filter((l) => l.status === s).length;
  const partial = lines.filter((l) => l.audioError || l.visualError);
  const out = [
    `cues: ${lines.length} of ${total} clips in ${seconds.toFixed(1)} s with ${jobs} job${jobs === 1 ? '' : 's'}: ${count('analysed')} analysed, ${count('cached')} from the cache, ${count('failed')} failed`,
  ];
  const failed = lines.filter((l) => l.status === 'failed');
  const oneLine = (s: string | undefined) => (s ?? '').replace(/\s*\n\s*/g, ' | ');
  for (const l of failed.slice(0, LISTED_FAILURES)) out.push(`  failed: ${l.clip}: ${oneLine(l.error)}`);
  if (failed.length > LISTED_FAILURES) out.push(`  … and ${failed.length - LISTED_FAILURES} more failed`);
  for (const l of partial.slice(0, LISTED_FAILURES))
    out.push(`  part failed: ${l.clip}: ${[l.audioError && `audio: ${oneLine(l.audioError)}`, l.visualError && `visual: ${oneLine(l.visualError)}`].filter(Boolean).join('; ')}`);
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('cues')
    .description(
      'cue inventory of every clip in the given files and folders (speech, other sounds, on-screen text, scene changes), several clips at a time, cached where `shortcuts` reads it; one JSON line per clip',
    )
    .argument('<clip-or-folder...>', 'clips, or folders searched for video, audio and image files (.omnitrace, .git and node_modules are skipped)')
    .option('--out <file.jsonl>', 'write the clip lines here, atomically (default: stdout)')
    .option('--jobs <n>', 'clips analysed at once (0: one per core)', int(0, 256), 0)
    .option('--cache-dir <dir>', 'cue inventory cache', LAYOUT.cues)
    .option('--fps <n>', 'frames per second sampled for on-screen text and motion (default 1)', fpsArg)
    .addOption(new Option('--progress-ms <ms>', 'progress line interval on stderr').argParser(int(0, 3_600_000)).default(2000).hideHelp())
    .action(async (inputs: string[], v: CuesCliOptions) => {
      if (v.out) guardOutputs(inputs, [['--out', v.out]]);
      let tools: MediaTools;
      try {
        tools = locateMediaTools();
      } catch (e) {
        throw new InputError(errorText(e));
      }
      const { clips, problems } = await listClipFiles(inputs);
      for (const p of problems) process.stderr.write(`omnitrace: cannot read ${p}\n`);
      if (clips.length === 0) throw new InputError(`no clips found in ${inputs.join(', ')}`);
      const jobs = Math.min(v.jobs || availableParallelism(), clips.length);
      const controller = new AbortController();
      setInterruptHandler(() => {
        process.stderr.write('\nomnitrace: interrupted: stopping the clips in progress and writing the ones done (Ctrl-C again to quit at once)\n');
        controller.abort();
      });
      const t0 = performance.now();
      let last = Date.now();
      let result;
      try {
        result = await analyseClipFolder({
          clips,
          ...(v.out ? { out: v.out } : {}),
          jobs,
          tools,
          cacheDir: resolve(v.cacheDir),
          ...(v.fps !== undefined ? { fps: v.fps } : {}),
          signal: controller.signal,
          build: buildCueInventory,
          onLine: v.out ? undefined : (l) => process.stdout.write(JSON.stringify(l) + '\n'),
          onProgress: (p) => {
            const now = Date.now();
            if (v.progressMs === 0 || now - last < v.progressMs) return;
            last = now;
            const running = p.running.length ? `; now: ${p.running.map((c) => c.split('/').pop()).join(', ')}` : '';
            process.stderr.write(`cues: ${p.done}/${p.total} clips (${p.cached} from the cache, ${p.failed} failed)${running}\n`);
          },
        });
      } finally {
        setInterruptHandler(undefined);
      }
      process.stderr.write(summaryText(result.lines, clips.length, (performance.now() - t0) / 1000, jobs));
      if (v.out) process.stdout.write(resolve(v.out) + '\n');
      if (result.cancelled) throw new CancelledError(`cancelled: ${result.lines.length} of ${clips.length} clips written`);
      const failed = result.lines.filter((l) => l.status === 'failed').length;
      if (failed === clips.length) throw new InputError(`no clip could be analysed (${failed} failed)`);
      if (failed > 0) throw new PartialFailureError(`${failed} of ${clips.length} clips could not be analysed; the others are written`);
    });
}
