// The summary the views get with every init stays small: the reliance scatter keeps only points
// it can plot (both modalities measured), at most MAX_RELIANCE_POINTS of them, and says how many
// it left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RELIANCE_POINTS, summariseShortcuts } from '../../src/core/shortcuts/summary';
import { formatShortcutSummary } from '../../src/cli/commands/shortcuts';
import type { AblationResult, ModalityVerdict, ShortcutLine, ShortcutModality } from '../../src/core/shortcuts/types';

function ablation(kind: AblationResult['kind'], changed: boolean[]): AblationResult {
  return { kind, method: 'sampled', samples: changed.map((c) => ({ answer: c ? 'B' : 'A', completion: '', same: !c })), changeRate: changed.filter(Boolean).length / changed.length };
}

function verdict(modality: ShortcutModality, ab: AblationResult | undefined): ModalityVerdict {
  return {
    modality,
    verdict: ab ? 'grounded' : 'undetermined',
    available: true,
    needed: { value: 'unknown', from: 'none', detail: '' },
    used: ab ? { value: true, from: 'ablation-sampled', detail: '', ablation: ab } : { value: 'unknown', from: 'none', detail: '' },
    claimed: { value: true, sentences: [], findings: [] },
    confidence: 'low',
    reason: '',
  };
}

function line(index: number, measured: boolean): ShortcutLine {
  const a = measured ? ablation('no-audio', [true, true, false]) : undefined;
  const v = measured ? ablation('no-video', [false, false, false]) : undefined;
  return {
    index,
    source: { file: 'x.jsonl', line: index + 1 },
    accuracy: 1,
    shortcut: {
      version: 1,
      audio: verdict('audio', a),
      visual: verdict('visual', v),
      blindAnswerable: 'unknown',
      sent: { audio: true, visual: true, from: 'unknown', evidence: [] },
      findings: [],
      sentences: [],
      ablations: [a, v].filter((x): x is AblationResult => !!x),
    },
  };
}

test('reliance keeps only measured points and caps them, counting what it left out', () => {
  const lines = [line(0, false), ...Array.from({ length: MAX_RELIANCE_POINTS + 7 }, (_, i) => line(i + 1, true))];
  const s = summariseShortcuts(lines);
  assert.equal(s.rollouts, MAX_RELIANCE_POINTS + 8);
  assert.equal(s.reliance.length, MAX_RELIANCE_POINTS);
  assert.equal(s.relianceOmitted, 7);
  assert.ok(s.reliance.every((p) => p.audio !== null && p.visual !== null));
  assert.deepEqual(s.reliance[0], { index: 1, audio: 2 / 3, visual: 0, correct: true });
});

test('the CLI summary says when clips had no cue inventory, and why, before the verdicts', () => {
  const s = summariseShortcuts([line(0, false)]);
  const text = formatShortcutSummary(s, [], { problems: [], cancelled: false }, false, { audio: 0, visual: 0 }, new Map([['cannot analyse the clip: ffmpeg not found on the PATH', 1]]));
  const lines = text.split('\n');
  assert.equal(lines[1], 'no cue inventory for 1 rollout: cannot analyse the clip: ffmpeg not found on the PATH');
  assert.ok(lines.indexOf('verdicts per modality:') > 1);
});
