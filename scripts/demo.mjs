// The README's first command ends here: score the bundled demo rollouts, find their shortcuts, write the shareable
// HTML report, package the extension, and — when VS Code's `code` command exists — install it
// and open the demo folder. Needs no server and no network.
import { spawnSync } from 'node:child_process';
import { mkdirSync, existsSync, statSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const demoDir = join(root, 'media', 'demo');
const rollouts = join(demoDir, 'demo.rollouts.jsonl');
const outDir = join(root, '.omnitrace', 'demo');
mkdirSync(outDir, { recursive: true });

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`\ndemo: \`${cmd} ${args.join(' ')}\` failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

const cli = join(root, 'dist', 'cli.js');
console.log('\n== Scoring the demo rollouts (format and accuracy, as the HumanOmniV2 trainer computes them)');
run(process.execPath, [cli, 'score', rollouts, '--out', join(outDir, 'scores.jsonl')]);

console.log('\n== Finding shortcuts (cue inventory of each clip with Silero VAD and PaddleOCR, claims checked against it; no model server, so no ablations)');
// Into the demo folder's own .omnitrace/, which is where the editor looks when that folder is opened.
const sidecar = spawnSync(process.execPath, [cli, 'shortcuts', rollouts, '--sidecar', demoDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (sidecar.status !== 0) {
  console.error(`\ndemo: omnitrace shortcuts failed with exit code ${sidecar.status}`);
  process.exit(sidecar.status ?? 1);
}
const shortcuts = sidecar.stdout.trim().split('\n').pop();

console.log('\n== Writing the HTML report');
const report = join(outDir, 'report.html');
run(process.execPath, [cli, 'report', rollouts, '--out', report, '--title', 'Omni Trace demo', '--shortcuts', shortcuts, '--cues-dir', join(demoDir, '.omnitrace', 'cues')]);

console.log('\n== Packaging the extension');
run(process.execPath, [join(root, 'scripts', 'package.mjs')]);
const vsix = join(root, 'dist', `omni-trace-${process.platform}-${process.arch}.vsix`);

const hasCode = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode && existsSync(vsix)) {
  console.log('\n== Installing into VS Code and opening the demo folder');
  run('code', ['--install-extension', vsix, '--force']);
  run('code', [demoDir, join(demoDir, 'demo.rollouts.jsonl')]);
}

// scripts/prereqs.mjs records what it could not install; the clip analysis needs ffmpeg.
const prereqFile = join(root, '.omnitrace', 'prereqs.json');
const missingMedia = existsSync(prereqFile) ? JSON.parse(readFileSync(prereqFile, 'utf8')).missing.filter((m) => m.name === 'ffmpeg' || m.name === 'ffprobe') : [];
const shortcutNote = missingMedia.length
  ? `\n             ran WITHOUT the clip analysis (no cue inventory, no cue timeline): ${missingMedia.map((m) => m.name).join(' and ')} missing; ${missingMedia[0].install}`
  : '';

console.log(`
Done.
  scores:    ${join(outDir, 'scores.jsonl')}
  shortcuts: ${shortcuts}${shortcutNote}
  report:    ${report}   (open it in any browser: file://${report})
  extension: ${existsSync(vsix) ? `${vsix} (${(statSync(vsix).size / 1e6).toFixed(1)} MB)` : 'not built'}
${hasCode ? '  VS Code:   opened the demo folder with Omni Trace installed' : '  VS Code:   `code` not found — install the VSIX with "Extensions: Install from VSIX…", then open media/demo/demo.rollouts.jsonl'}
`);
