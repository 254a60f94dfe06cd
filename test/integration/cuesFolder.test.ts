// `omnitrace cues <folder>` on real clips made on the machine, with the real models: every clip
// found (our own .omnitrace folder skipped), two at a time, one line per clip in path order, a
// broken clip named with its error while the rest are written, and a second run served from the
// cache the shortcut analysis reads. The clips are never written to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cliProcess';
import { makeCueClip } from '../helpers/cueClip';
import { readJsonLines } from '../helpers/jsonLines';

const ROOT = join(__dirname, '..', '..');
let work: string;
let clips: string;

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

before(() => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  work = mkdtempSync(join(tmpdir(), 'omnitrace-cues-folder-'));
  clips = join(work, 'clips');
  mkdirSync(join(clips, 'day2'), { recursive: true });
  makeCueClip(clips, { name: 'a-sign.mp4', seconds: 4, screenText: 'PLATFORM NINE', audio: true });
  makeCueClip(join(clips, 'day2'), { name: 'b-voice.mp4', seconds: 5, speech: [{ text: 'The last train leaves at midnight.', at: 1 }] });
  makeCueClip(clips, { name: 'c-mute.mp4', seconds: 3, screenText: 'NO SOUND', audio: false });
  writeFileSync(join(clips, 'broken.mp4'), 'this is not a video');
  // A clip reached through a symlink is analysed like any other.
  symlinkSync(join(clips, 'a-sign.mp4'), join(clips, 'day2', 'link-to-sign.mp4'));
  // Our own sidecars are never taken for clips, and other files are not clips.
  mkdirSync(join(clips, '.omnitrace'));
  copyFileSync(join(clips, 'a-sign.mp4'), join(clips, '.omnitrace', 'copy.mp4'));
  writeFileSync(join(clips, 'notes.txt'), 'not a clip');
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, work);

test('cues over a folder: every clip once, in path order, two at a time; a broken clip is named and the rest kept; a rerun is served from the cache', async () => {
  const before = Object.fromEntries(
    readdirSync(clips)
      .filter((f) => f.endsWith('.mp4'))
      .map((f) => [f, sha(join(clips, f))]),
  );
  const out = join(work, 'cues.jsonl');
  const r = await cli(['cues', clips, '--out', out, '--jobs', '2', '--progress-ms', '0']);
  assert.equal(r.code, 3, `one clip failed: exit 3\n${r.stderr}`);
  assert.equal(r.stdout.trim(), out);
  const lines = readJsonLines(out);
  assert.deepEqual(
    lines.map((l) => l.clip),
    ['a-sign.mp4', 'broken.mp4', 'c-mute.mp4', 'day2/b-voice.mp4', 'day2/link-to-sign.mp4'].map((f) => join(clips, f)),
  );
  const by = Object.fromEntries(lines.map((l) => [l.clip.slice(clips.length + 1), l]));
  assert.equal(by['broken.mp4'].status, 'failed');
  assert.match(by['broken.mp4'].error, /broken\.mp4/);
  assert.match(r.stderr, /failed: .*broken\.mp4/);
  // The symlinked copy is served from the cache if its twin finished first, else analysed again.
  const m = /cues: 5 of 5 clips in [\d.]+ s with 2 jobs: (\d) analysed, (\d) from the cache, 1 failed\n/.exec(r.stderr);
  assert.ok(m && Number(m[1]) + Number(m[2]) === 4, r.stderr);
  assert.equal(lines.filter((l) => l.status === 'cached').length, Number(m[2]));
  // OCR may drop the space between words; the words are what count.
  assert.equal(by['a-sign.mp4'].firstText.length, 1);
  assert.match(by['a-sign.mp4'].firstText[0], /^PLATFORM ?NINE$/);
  assert.equal(by['a-sign.mp4'].hasAudio, true);
  assert.equal(by['a-sign.mp4'].speechSegments, 0);
  assert.ok(by['day2/b-voice.mp4'].speechSegments >= 1, JSON.stringify(by['day2/b-voice.mp4']));
  assert.equal(by['c-mute.mp4'].hasAudio, false);
  assert.equal(by['c-mute.mp4'].speechSegments, undefined, 'no audio stream: no speech figure, not zero');
  assert.match(by['c-mute.mp4'].firstText.join(' '), /^NO ?SOUND$/);
  // The symlink is the same content: the same inventory.
  assert.equal(by['day2/link-to-sign.mp4'].sha256, by['a-sign.mp4'].sha256);
  // The cache sits where `shortcuts` looks by default (.omnitrace/cues of the current folder).
  const cached = readdirSync(join(work, '.omnitrace', 'cues'));
  assert.ok(
    cached.some((f) => f.startsWith(by['a-sign.mp4'].sha256)),
    cached.join(', '),
  );

  // Second run, to stdout: everything that worked comes from the cache.
  const again = await cli(['cues', clips, '--progress-ms', '0']);
  assert.equal(again.code, 3, again.stderr);
  const second = again.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    second.map((l) => l.status),
    ['cached', 'failed', 'cached', 'cached', 'cached'],
  );
  assert.deepEqual(
    second.map((l) => l.firstText),
    lines.map((l) => l.firstText),
  );

  const after = Object.fromEntries(
    readdirSync(clips)
      .filter((f) => f.endsWith('.mp4'))
      .map((f) => [f, sha(join(clips, f))]),
  );
  assert.deepEqual(after, before, 'the clips are unchanged');
});

test('cues: a folder without clips and a clip that does not exist are clear errors', async () => {
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const r = await cli(['cues', empty]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no clips found in .*empty/);
  const missing = await cli(['cues', join(work, 'nope.mp4'), '--progress-ms', '0']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.mp4/);
});
