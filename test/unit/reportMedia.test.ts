import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportMedia, relativeMediaSrc } from '../../src/cli/commands/report';
import type { ScoredRollout } from '../../src/core/types';

function withClip(index: number, rolloutFile: string, path?: string, dataType?: string): ScoredRollout {
  return {
    record: { index, source: { file: rolloutFile, line: index + 1 }, question: {}, reference: {}, completion: '', clip: path ? { path, dataType } : undefined },
    trace: { segments: [], outside: [], diagnostics: [], formatOk: false },
    rewards: {},
  };
}

test('report media: found clips get a path relative to the report; missing ones say where we looked and how to fix it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'omnitrace-media-'));
  try {
    mkdirSync(join(root, 'data', 'clips'), { recursive: true });
    mkdirSync(join(root, 'runs'), { recursive: true });
    mkdirSync(join(root, 'out'), { recursive: true });
    writeFileSync(join(root, 'data', 'clips', 'a b#1.mp4'), 'not really a video');
    writeFileSync(join(root, 'runs', 'beside.wav'), 'not really audio');
    const file = join(root, 'runs', 'r.jsonl');
    const media = await reportMedia(
      [withClip(0, file, 'clips/a b#1.mp4'), withClip(1, file, 'beside.wav'), withClip(2, file, 'clips/nowhere.mp4'), withClip(3, file), withClip(4, file, '/cluster/home/u/data/clips/a b#1.mp4')],
      join(root, 'out'),
      join(root, 'data'),
      join(root, 'runs'),
    );
    // Shown relative to the media root it was found under: never an absolute local path.
    assert.deepEqual(media[0], { status: 'ok', kind: 'video', src: '../data/clips/a%20b%231.mp4', path: 'clips/a b#1.mp4' });
    assert.equal(media[1]!.status === 'ok' && media[1]!.kind, 'audio');
    assert.equal(media[1]!.status === 'ok' && media[1]!.src, '../runs/beside.wav');
    assert.equal(media[2]!.status, 'missing');
    assert.match(media[2]!.status === 'missing' ? media[2]!.reason : '', /clips\/nowhere\.mp4/);
    assert.equal(media[3]!.status, 'missing');
    assert.equal(media[4]!.status === 'ok' && media[4]!.src, '../data/clips/a%20b%231.mp4', 'a cluster path is found under the media root');

    const none = await reportMedia([withClip(0, file, 'clips/nowhere.mp4')], join(root, 'out'), undefined, join(root, 'runs'));
    assert.match(none[0]!.status === 'missing' ? none[0]!.reason : '', /--media-root/);
    for (const m of [...media, ...none]) {
      assert.ok(!JSON.stringify(m).includes(root), `no local path in ${JSON.stringify(m)}`);
    }

    // A clip that exists but lies outside the input's folder and the media root is left out.
    writeFileSync(join(root, 'elsewhere.mp4'), 'x');
    const outside = await reportMedia([withClip(0, file, join(root, 'elsewhere.mp4')), withClip(1, file, '../elsewhere.mp4')], join(root, 'out'), join(root, 'data'), join(root, 'runs'));
    for (const m of outside) {
      assert.equal(m.status, 'missing');
      assert.match(m.status === 'missing' ? m.reason : '', /not included in this report/);
      assert.ok(!JSON.stringify(m).includes(root));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('relative media src percent-encodes each segment but keeps the separators', () => {
  assert.equal(relativeMediaSrc('/r/out', '/r/media/x y/z?.png'), '../media/x%20y/z%3F.png');
});
