import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { expandMediaRoot, mediaCandidates, mediaKindOf, resolveMediaPath } from '../../src/core/mediaPaths';

const existsIn = (files: string[]) => async (p: string) => files.includes(path.normalize(p));

test('kind comes from the extension, data_type only when the extension is unknown', () => {
  assert.equal(mediaKindOf('a/b/clip.MP4'), 'video');
  assert.equal(mediaKindOf('x.wav', 'video'), 'audio');
  assert.equal(mediaKindOf('frame.jpeg'), 'image');
  assert.equal(mediaKindOf('clip.bin', 'video'), 'video');
  assert.equal(mediaKindOf('clip.bin'), undefined);
});

test('mediaRoot expands ${workspaceFolder}, named folders, ~ and relative paths', () => {
  const env = {
    workspaceFolders: [
      { name: 'proj', path: '/w/proj' },
      { name: 'data', path: '/mnt/data' },
    ],
    userHome: '/home/u',
  };
  assert.deepEqual(expandMediaRoot('${workspaceFolder}/videos', env), { path: '/w/proj/videos' });
  assert.deepEqual(expandMediaRoot('${workspaceFolder:data}/clips', env), { path: '/mnt/data/clips' });
  assert.deepEqual(expandMediaRoot('~/datasets', env), { path: '/home/u/datasets' });
  assert.deepEqual(expandMediaRoot('media', env), { path: '/w/proj/media' });
  assert.deepEqual(expandMediaRoot('  ', env), {});
  const none = expandMediaRoot('${workspaceFolder}/v', { workspaceFolders: [] });
  assert.equal(none.path, undefined);
  assert.match(none.problem ?? '', /no workspace folder is open/);
  assert.match(expandMediaRoot('${workspaceFolder:nope}', env).problem ?? '', /"nope"/);
});

test('relative clip: rollout folder first, then the media root', () => {
  const c = mediaCandidates('videos/a.mp4', { rolloutFile: '/runs/r1/out.jsonl', mediaRoots: ['/data'] });
  assert.deepEqual(c, ['/runs/r1/videos/a.mp4', '/data/videos/a.mp4']);
});

test('absolute cluster path falls back to its tail under the media root, longest first', () => {
  const c = mediaCandidates('/mnt/cluster/ds/videos/a.mp4', { rolloutFile: '/runs/x.jsonl', mediaRoots: ['/data'] });
  assert.equal(c[0], '/mnt/cluster/ds/videos/a.mp4');
  assert.deepEqual(c.slice(1), ['/data/cluster/ds/videos/a.mp4', '/data/ds/videos/a.mp4', '/data/videos/a.mp4', '/data/a.mp4']);
});

test('resolves to the first existing candidate', async () => {
  const r = await resolveMediaPath('videos/a.mp4', { rolloutFile: '/runs/out.jsonl', mediaRoots: ['/data'] }, existsIn(['/data/videos/a.mp4', '/other/videos/a.mp4']));
  assert.equal(r.status, 'found');
  assert.equal(r.status === 'found' && r.path, '/data/videos/a.mp4');
  assert.equal(r.status === 'found' && r.kind, 'video');
});

test('file:// URIs are local paths', async () => {
  const r = await resolveMediaPath('file:///clips/a%20b.wav', { rolloutFile: '/r.jsonl', mediaRoots: [] }, existsIn(['/clips/a b.wav']));
  assert.equal(r.status, 'found');
  assert.equal(r.status === 'found' && r.kind, 'audio');
});

test('missing clip names every place tried and suggests the setting', async () => {
  const r = await resolveMediaPath('videos/a.mp4', { rolloutFile: '/runs/out.jsonl', mediaRoots: [] }, existsIn([]));
  assert.equal(r.status, 'missing');
  assert.deepEqual(r.tried, ['/runs/videos/a.mp4']);
  assert.match(r.status === 'missing' ? r.reason : '', /Tried: \/runs\/videos\/a\.mp4/);
  assert.match(r.status === 'missing' ? r.reason : '', /omnitrace\.mediaRoot/);
});

test('a broken media root setting is reported with the miss', async () => {
  const r = await resolveMediaPath('v.mp4', { rolloutFile: '/r/o.jsonl', mediaRoots: [], rootProblem: 'omnitrace.mediaRoot uses ${workspaceFolder} but no workspace folder is open' }, existsIn([]));
  assert.match(r.status === 'missing' ? r.reason : '', /no workspace folder is open/);
});

test('no clip, remote URLs and unknown types are reported, never probed', async () => {
  let probes = 0;
  const exists = async () => {
    probes++;
    return true;
  };
  const s = { rolloutFile: '/r/o.jsonl', mediaRoots: ['/d'] };
  assert.match(((await resolveMediaPath(undefined, s, exists)) as { reason: string }).reason, /does not name a clip/);
  assert.match(((await resolveMediaPath('https://x.org/a.mp4', s, exists)) as { reason: string }).reason, /remote URL/);
  assert.match(((await resolveMediaPath('clip.xyz', s, exists)) as { reason: string }).reason, /Cannot tell/);
  assert.equal(probes, 0);
});
