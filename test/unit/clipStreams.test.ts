// Run records say which streams the clip has (from ffprobe); the readers carry that onto the
// record so the view can flag a trace that cites no audio although the clip has some.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRowMapper } from '../../src/core/readers/mapping';
import { rolloutModalities } from '../../src/core/modality';
import { parseTrace } from '../../src/core/trace';
import type { RolloutRecord } from '../../src/core/types';

test('has_audio / has_video reach the record, and a trace citing no audio is flagged', () => {
  const completion = '<context>A man in a grey coat frowns at the camera.</context><think>He looks annoyed.</think><answer>B</answer>';
  const rec = createRowMapper('jsonl').map({ video: 'clip.mp4', has_audio: true, has_video: true, completion }, 0, { file: 'run.rollouts.jsonl', line: 1 }) as RolloutRecord;
  assert.equal(typeof rec, 'object');
  assert.deepEqual([rec.clip?.hasAudio, rec.clip?.hasVideo], [true, true]);
  const m = rolloutModalities(parseTrace(rec.completion), rec.clip ?? {});
  assert.match(JSON.stringify(m), /cites no audio/);
  const silent = createRowMapper('jsonl').map({ video: 'clip.mp4', has_audio: false, completion }, 0, { file: 'x', line: 1 }) as RolloutRecord;
  assert.doesNotMatch(JSON.stringify(rolloutModalities(parseTrace(silent.completion), silent.clip ?? {})), /cites no audio/);
});
