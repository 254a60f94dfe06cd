// "Analyse the Clips in a Folder" through the built extension with a fake `vscode`: real ffmpeg,
// Silero VAD and PaddleOCR on the demo clips. Every clip under the folder gets a line (a broken
// one with its error), inventories land in the cache "Find Shortcuts" reads, progress goes to the
// work item, the clips are never written to, and Restricted Mode runs nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakeVscode, FakeUri } from '../helpers/fakeVscode';
import { readJsonLines } from '../helpers/jsonLines';

let dir: string;
let clips: string;
const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-clipfolder-editor-'));
  clips = path.join(dir, 'dataset', 'clips');
  fs.mkdirSync(path.join(clips, 'more'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'media', 'demo', 'slide-count.mp4'), path.join(clips, 'slide-count.mp4'));
  fs.copyFileSync(path.join(repoRoot, 'media', 'demo', 'phone-call.mp4'), path.join(clips, 'more', 'phone-call.mp4'));
  fs.writeFileSync(path.join(clips, 'broken.mp4'), 'not a video');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the command analyses every clip under the folder with progress; lines in .omnitrace/cues/folders, inventories in the cache', async () => {
  const before = Object.fromEntries(['slide-count.mp4', 'more/phone-call.mp4', 'broken.mp4'].map((f) => [f, sha(path.join(clips, f))]));
  const fake = createFakeVscode({ trusted: true, workspaceFolders: [dir] });
  activateBuilt(extensionSnapshot(), repoRoot, fake);
  await fake.state.commands.get('omnitrace.analyseClips')!.fn(FakeUri.file(clips));
  assert.deepEqual(
    fake.state.messages.filter((m) => m.level === 'error'),
    [],
  );
  const done = fake.state.messages.find((m) => /analysed 3 of 3 clips in clips/.test(m.text));
  assert.ok(done, JSON.stringify(fake.state.messages));
  assert.equal(done.level, 'warn', 'a failed clip makes it a warning');
  assert.match(done.text, /1 failed/);
  const progress = fake.state.progress.find((p) => /analysing the clips in clips/.test(p.title));
  assert.ok(progress && progress.reports.length >= 3, JSON.stringify(fake.state.progress));
  const folderLines = path.join(dir, '.omnitrace', 'cues', 'folders');
  const [file] = fs.readdirSync(folderLines);
  assert.match(file!, /^clips\.[0-9a-f]{8}\.clips\.jsonl$/);
  const lines = readJsonLines(path.join(folderLines, file!));
  assert.deepEqual(
    lines.map((l) => [path.relative(clips, l.clip), l.status]),
    [
      ['broken.mp4', 'failed'],
      ['more/phone-call.mp4', 'analysed'],
      ['slide-count.mp4', 'analysed'],
    ],
  );
  // The slide's text is read; the inventories are where "Find Shortcuts" looks for them.
  assert.match(lines[2].firstText.join(' '), /42/);
  const cached = fs.readdirSync(path.join(dir, '.omnitrace', 'cues')).filter((f) => f.endsWith('.json'));
  for (const l of lines.slice(1))
    assert.ok(
      cached.some((f) => f.startsWith(l.sha256)),
      `${l.clip} cached: ${cached.join(', ')}`,
    );
  assert.deepEqual(Object.fromEntries(Object.keys(before).map((f) => [f, sha(path.join(clips, f))])), before, 'the clips are unchanged');
});

test('Restricted Mode: nothing runs, and the user is told why', async () => {
  const fake = createFakeVscode({ trusted: false, workspaceFolders: [dir] });
  activateBuilt(extensionSnapshot(), repoRoot, fake);
  const untouched = path.join(dir, 'untrusted-clips');
  fs.mkdirSync(untouched);
  fs.copyFileSync(path.join(repoRoot, 'media', 'demo', 'slide-count.mp4'), path.join(untouched, 'a.mp4'));
  const folders = path.join(dir, '.omnitrace', 'cues', 'folders');
  const count = () => (fs.existsSync(folders) ? fs.readdirSync(folders).length : 0);
  const n = count();
  await fake.state.commands.get('omnitrace.analyseClips')!.fn(FakeUri.file(untouched));
  assert.equal(count(), n, 'no list written');
  assert.equal(fake.state.progress.length, 0);
  assert.ok(fake.state.messages.some((m) => m.level === 'warn' && /Restricted Mode/.test(m.text)));
});
