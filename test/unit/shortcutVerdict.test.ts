// Shortcut analysis core (issue 6): claims, claim checks, what was sent, what is needed, the
// verdict table and the summary. Sentences written for these tests, negations and mixed claims
// included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimKindsOf, claimSentences, citedModalities, quotesOf } from '../../src/core/shortcuts/claims';
import { checkSentence, matchQuoteOnScreen } from '../../src/core/shortcuts/claimChecks';
import { modalitySent } from '../../src/core/shortcuts/sent';
import { datasetCueLabels, neededFor, neededFromReference } from '../../src/core/shortcuts/needed';
import { blindAnswerableFrom, decideVerdict, usedFromAblation, type VerdictInput } from '../../src/core/shortcuts/verdict';
import { analyseRollout } from '../../src/core/shortcuts/analyse';
import { summariseShortcuts, relianceOf, slimForSummary } from '../../src/core/shortcuts/summary';
import type { AblationResult, ClaimSentence, CueInventory, ShortcutLine } from '../../src/core/shortcuts/types';
import type { RolloutRecord } from '../../src/core/types';
import { NO_AUDIO_LINE } from '../../src/core/run/defaultPrompts';
import { inventoryKey as cuesInventoryKey, textOnScreen } from '../../src/cues/text';

function inventory(
  o: { audio?: boolean; speech?: [number, number][]; sounds?: [number, number][]; video?: boolean; text?: { text: string; start: number; end: number }[]; audioError?: string } = {},
): CueInventory {
  const speech = (o.speech ?? []).map(([start, end]) => ({ start, end, prob: 0.9 }));
  const sounds = (o.sounds ?? []).map(([start, end]) => ({ start, end, db: -20 }));
  return {
    version: 1,
    clip: { path: '/c.mp4', sha256: 'abc', duration: 4, hasAudio: o.audio ?? true, hasVideo: o.video ?? true },
    audio: {
      present: o.audio ?? true,
      speech,
      speechSeconds: speech.reduce((a, s) => a + s.end - s.start, 0),
      sounds,
      soundSeconds: sounds.reduce((a, s) => a + s.end - s.start, 0),
      silenceSeconds: 0,
      envelope: [],
      envelopeStep: 0.1,
      ...(o.audioError ? { error: o.audioError } : {}),
    },
    visual: {
      present: o.video ?? true,
      fps: 1,
      text: [],
      textTracks: (o.text ?? []).map((t) => ({ ...t, score: 0.95 })),
      motion: [],
      sceneChanges: [],
      isStatic: true,
    },
    models: { vad: 'v', ocrDetection: 'd', ocrRecognition: 'r' },
    timings: {},
    createdAt: '2026-01-01T00:00:00Z',
  };
}

function sentence(text: string): ClaimSentence {
  const { kinds, negated } = claimKindsOf(text);
  return { section: 'context', start: 0, end: text.length, text, kinds, negated, source: 'rules', checks: [] };
}

// ---------------------------------------------------------------------------------------------
// claims

test('claim kinds: seen / heard / said / read / inferred / none, with negation per kind', () => {
  assert.deepEqual(claimKindsOf('A woman in a red jacket smiles.').kinds, ['seen']);
  assert.deepEqual(claimKindsOf('Her voice trembles.').kinds, ['heard']);
  assert.deepEqual(claimKindsOf('He says the total is forty-two.').kinds, ['said']);
  assert.deepEqual(claimKindsOf('The subtitle reads "forty-two".').kinds, ['read']);
  assert.deepEqual(claimKindsOf('This suggests she is upset.').kinds, ['inferred']);
  assert.deepEqual(claimKindsOf('Therefore the answer is B.').kinds, ['inferred']);
  assert.deepEqual(claimKindsOf('So the correct option is C.').kinds, ['inferred']);
  assert.deepEqual(claimKindsOf('The answer is B.').kinds, ['none']);
  const neg = claimKindsOf('There is no sound at all.');
  assert.deepEqual(neg.kinds, ['heard']);
  assert.equal(neg.negated.heard, true);
  const mixed = claimKindsOf('No one speaks, but a man in a blue shirt waves his hands.');
  assert.deepEqual(mixed.kinds, ['seen', 'said']);
  assert.equal(mixed.negated.said, true);
  assert.equal(mixed.negated.seen, false);
  const both = claimKindsOf('She says "I am fine" while frowning.');
  assert.deepEqual(both.kinds, ['seen', 'said']);
});

test('claimSentences keeps completion offsets for Context and Think only', () => {
  const c = '<context>A man stands. He says "seven".</context><think>Likely seven.</think><answer>7</answer>';
  const s = claimSentences(c);
  assert.equal(s.length, 3);
  for (const x of s) assert.equal(c.slice(x.start, x.end), x.text);
  assert.deepEqual(
    s.map((x) => x.section),
    ['context', 'context', 'think'],
  );
  assert.deepEqual(
    s.map((x) => x.kinds),
    [['seen'], ['said'], ['inferred']],
  );
});

test('quotesOf finds double and single quoted spans', () => {
  assert.deepEqual(quotesOf('He says "forty two" and then ‘bye now’.'), ['forty two', 'bye now']);
  assert.deepEqual(quotesOf("She said 'Maria' twice; it's fine."), ['Maria']);
});

// ---------------------------------------------------------------------------------------------
// claim checks

test('a quote said to be heard that is on screen is read, not heard', () => {
  const inv = inventory({ speech: [[0.5, 2]], text: [{ text: 'FORTY TWO', start: 0, end: 4 }] });
  const s = sentence('The man says "forty two".');
  const checks = checkSentence(s, inv);
  const q = checks.find((c) => c.kind === 'quote-is-on-screen');
  assert.ok(q);
  assert.deepEqual(q.spans, [{ start: 0, end: 4 }]);
  const withChecks = { ...s, checks };
  assert.deepEqual([...citedModalities(withChecks)], ['visual']);
  // Not on screen: unverified, and it cites the audio.
  const c2 = checkSentence(sentence('The man says "seventeen".'), inv);
  assert.ok(c2.some((c) => c.kind === 'quote-unverified'));
  assert.ok(c2.some((c) => c.kind === 'confirmed' && c.modality === 'audio'));
  assert.ok(matchQuoteOnScreen(inv, 'forty-two'));
  assert.equal(matchQuoteOnScreen(inv, 'nineteen'), undefined);
});

test('audio claims on a clip without audio, or speech without speech, are hallucinated', () => {
  const noStream = inventory({ audio: false });
  assert.equal(checkSentence(sentence('A dog barks loudly.'), noStream)[0]!.kind, 'hallucinated-audio');
  const silent = inventory({ speech: [] });
  assert.ok(checkSentence(sentence('She says she is tired.'), silent).some((c) => c.kind === 'hallucinated-audio'));
  assert.ok(checkSentence(sentence('Her tone is calm.'), silent).some((c) => c.kind === 'hallucinated-audio'));
  // Sound but no speech: a tone claim is confirmed.
  const beeps = inventory({ sounds: [[1, 2]] });
  assert.equal(checkSentence(sentence('A loud beep sounds.'), beeps)[0]!.kind, 'confirmed');
  // A failed audio analysis gives no audio checks at all.
  assert.deepEqual(
    checkSentence(sentence('She says hello.'), inventory({ audioError: 'VAD failed' })).filter((c) => c.modality === 'audio'),
    [],
  );
});

test('denying audio when there is speech is a miss; denying music is not', () => {
  const inv = inventory({ speech: [[1, 3]] });
  const miss = checkSentence(sentence('The video is silent.'), inv);
  assert.equal(miss[0]!.kind, 'missed-audio');
  assert.deepEqual(miss[0]!.spans, [{ start: 1, end: 3 }]);
  assert.equal(checkSentence(sentence('No one speaks in the clip.'), inv)[0]!.kind, 'missed-audio');
  assert.deepEqual(checkSentence(sentence('There is no music.'), inv), []);
});

test('text claims: hallucinated without OCR text, missed when denied; visual without a video stream', () => {
  assert.equal(checkSentence(sentence('The caption shows a number.'), inventory())[0]!.kind, 'hallucinated-text');
  const withText = inventory({ text: [{ text: 'EXIT', start: 0, end: 2 }] });
  assert.equal(checkSentence(sentence('The caption shows a number.'), withText)[0]!.kind, 'confirmed');
  assert.equal(checkSentence(sentence('There is no text on screen.'), withText)[0]!.kind, 'missed-text');
  assert.equal(checkSentence(sentence('A woman smiles.'), inventory({ video: false }))[0]!.kind, 'hallucinated-visual');
});

// ---------------------------------------------------------------------------------------------
// sent

test('sent: from a saved run request', () => {
  const withAudio = modalitySent({ extras: { request: { user_text: 'q', media_parts: [{ type: 'video_url' }, { type: 'audio_url' }] } } });
  assert.deepEqual([withAudio.audio, withAudio.visual, withAudio.from], [true, true, 'run-request']);
  const noAudio = modalitySent({ extras: { request: { user_text: `${NO_AUDIO_LINE}\nq`, media_parts: [{ type: 'video_url' }] } } });
  assert.deepEqual([noAudio.audio, noAudio.visual], [false, true]);
  const inVideo = modalitySent({ extras: { request: { user_text: 'q', media_parts: [{ type: 'video_url' }], params: { mm_processor_kwargs: { use_audio_in_video: true } } } } });
  assert.equal(inVideo.audio, true);
});

test('sent: from logged prompts (placeholders, chat parts, the no-audio line), else unknown', () => {
  const tokens = modalitySent({ prompt: '<|im_start|>user\n<|vision_bos|><|VIDEO|><|vision_eos|><|audio_bos|><|AUDIO|><|audio_eos|>What?<|im_end|>' });
  assert.deepEqual([tokens.audio, tokens.visual, tokens.from], [true, true, 'logged-prompt']);
  const videoOnly = modalitySent({ prompt: '<|im_start|>user\n<|vision_bos|><|VIDEO|><|vision_eos|>What?<|im_end|>' });
  assert.deepEqual([videoOnly.audio, videoOnly.visual], [false, true]);
  const chat = modalitySent({
    prompt: [
      {
        role: 'user',
        content: [
          { type: 'video', video: 'a.mp4' },
          { type: 'audio', audio: 'a.mp4' },
          { type: 'text', text: 'q' },
        ],
      },
    ],
  });
  assert.deepEqual([chat.audio, chat.visual], [true, true]);
  const hov2 = modalitySent({
    prompt: [
      {
        role: 'user',
        content: [
          { type: 'video', video: 'a.mp4' },
          { type: 'text', text: "Here is the video, and there is no audio information, you don't need to process the audio.\nq" },
        ],
      },
    ],
  });
  assert.deepEqual([hov2.audio, hov2.visual], [false, true]);
  assert.deepEqual(modalitySent({ prompt: 'What colour is the car?' }).audio, 'unknown');
  assert.equal(modalitySent({}).from, 'unknown');
});

// ---------------------------------------------------------------------------------------------
// needed

test('needed from dataset labels, the reference context, or ablations; available is not needed', () => {
  assert.deepEqual(datasetCueLabels({ visual_clues: ['a red car'], audio_clues: [] }), { visual: ['a red car'], audio: [] });
  assert.deepEqual(datasetCueLabels({ raw: { clues: { audio: ['a doorbell'] } } }), { audio: ['a doorbell'] });
  const rec = (extras: Record<string, unknown> | undefined, solution?: string) => ({ extras, reference: { solution } });
  assert.equal(neededFor(rec({ audio_clues: ['he sighs'], visual_clues: [] }), 'audio').value, true);
  assert.equal(neededFor(rec({ audio_clues: ['he sighs'], visual_clues: [] }), 'visual').value, false);
  // The reference context puts the answer in the speaker's words, so not in the picture; a context that names no answer and is silent on the picture leaves it unknown (absence is no evidence).
  const sol = '<context>The man says the code is seven.</context><think>He said seven.</think><answer>7</answer>';
  assert.equal(neededFromReference(sol, 'audio')!.value, true);
  assert.equal(neededFromReference(sol, 'visual')!.value, false);
  assert.equal(neededFromReference('<context>The man says hello.</context><think>He said it.</think><answer>7</answer>', 'visual')!.value, 'unknown');
  assert.equal(neededFromReference('<answer>7</answer>', 'audio'), undefined);
  assert.equal(neededFor(rec(undefined, '<answer>7</answer>'), 'audio').value, 'unknown');
  // An ablation where the correct answer is lost establishes "needed", even over a reference that does not cite it.
  const ab: AblationResult = { kind: 'no-video', method: 'sampled', changeRate: 1, samples: [1, 2, 3].map(() => ({ answer: 'A', completion: '', same: false, correct: false })) };
  const n = neededFor(rec(undefined, sol), 'visual', { ablation: ab, originalCorrect: true });
  assert.deepEqual([n.value, n.from], [true, 'ablation']);
  // …but never "not needed" from an ablation, and nothing when the original was wrong.
  assert.equal(neededFor(rec(undefined, '<answer>7</answer>'), 'visual', { ablation: ab, originalCorrect: false }).value, 'unknown');
});

// ---------------------------------------------------------------------------------------------
// used and the verdict table

const sampled = (kind: AblationResult['kind'], same: boolean[]): AblationResult => ({
  kind,
  method: 'sampled',
  samples: same.map((s) => ({ answer: s ? 'A' : 'B', completion: '', same: s })),
  changeRate: same.filter((s) => !s).length / same.length,
});
const logprob = (kind: AblationResult['kind'], delta: number): AblationResult => ({ kind, method: 'logprob', samples: [], logprob: { full: -0.1, ablated: -0.1 + delta, delta, tokens: 1 } });

test('used from ablations: logprob thresholds and sampled change rates', () => {
  assert.equal(usedFromAblation(logprob('no-audio', -2.5), 'audio').value, true);
  assert.equal(usedFromAblation(logprob('no-audio', -1.0), 'audio').value, true);
  assert.equal(usedFromAblation(logprob('no-audio', -0.5), 'audio').value, 'unknown');
  assert.equal(usedFromAblation(logprob('no-audio', -0.1), 'audio').value, false);
  assert.equal(usedFromAblation(logprob('no-audio', 0.3), 'audio').value, false);
  assert.equal(usedFromAblation(sampled('no-audio', [false, false, true]), 'audio').value, true);
  assert.equal(usedFromAblation(sampled('no-audio', [true, true, true]), 'audio').value, false);
  assert.equal(usedFromAblation(sampled('no-audio', [true, true]), 'audio').value, 'unknown');
  assert.equal(usedFromAblation(sampled('no-audio', [true, true, false]), 'audio').value, 'unknown');
  assert.equal(usedFromAblation(undefined, 'audio').value, 'unknown');
  assert.equal(usedFromAblation({ kind: 'no-audio', method: 'failed', samples: [], error: 'HTTP 500' }, 'audio').detail, 'ablation failed: HTTP 500');
  assert.equal(blindAnswerableFrom([sampled('text-only', [true, true, true])]), true);
  assert.equal(blindAnswerableFrom([sampled('text-only', [false, false, false])]), false);
  assert.equal(blindAnswerableFrom([]), 'unknown');
});

/** A sampled ablation with its all-media baseline: `true` = the sample kept the original answer. */
const withBaseline = (ab: AblationResult, base: boolean[]): AblationResult => ({
  ...ab,
  baseline: { samples: base.map((s) => ({ answer: s ? 'A' : 'C', completion: '', same: s })), changeRate: base.filter((s) => !s).length / base.length },
});

test('used from sampled ablations against the all-media baseline: the difference of change rates, noisy baselines unmeasured', () => {
  const noise = [true, true, false]; // the model departs from its own answer 1 time in 3 with every medium
  // The same 1 in 3 without the audio: no more change than the noise → not used (the absolute rule said weak).
  assert.equal(usedFromAblation(sampled('no-audio', [true, true, false]), 'audio').value, 'unknown');
  const within = usedFromAblation(withBaseline(sampled('no-audio', [true, false, true]), noise), 'audio');
  assert.equal(within.value, false);
  assert.match(within.detail, /changed in 1 of 3 samples without the audio \(A, B, A\) vs 1 of 3 with all media \(A, A, C\): not used \(no more change than with every medium\)/);
  // 3 of 3 vs 1 of 3: 0.67 above the noise → used; 2 of 3 vs 1 of 3 (0.33) → weak.
  const used = usedFromAblation(withBaseline(sampled('no-audio', [false, false, false]), noise), 'audio');
  assert.equal(used.value, true);
  assert.match(used.detail, /: used \(67 points above the model's own noise\)/);
  const weak = usedFromAblation(withBaseline(sampled('no-audio', [false, false, true]), noise), 'audio');
  assert.equal(weak.value, 'unknown');
  assert.match(weak.detail, /weak \(less than 0\.5 above the baseline\)/);
  // k = 5: 4 of 5 vs 1 of 5 (0.6) → used; 1 of 5 vs 1 of 5 → not used; 0.4 → weak.
  const five = [true, true, false, true, true];
  assert.equal(usedFromAblation(withBaseline(sampled('no-video', [false, false, true, false, false]), five), 'visual').value, true);
  assert.equal(usedFromAblation(withBaseline(sampled('no-video', [true, true, false, true, true]), five), 'visual').value, false);
  assert.equal(usedFromAblation(withBaseline(sampled('no-video', [false, false, true, true, false]), five), 'visual').value, 'unknown');
  // A clean baseline is the absolute rule: 2 of 3 used, 0 of 3 not used.
  assert.equal(usedFromAblation(withBaseline(sampled('no-audio', [false, false, true]), [true, true, true]), 'audio').value, true);
  assert.equal(usedFromAblation(withBaseline(sampled('no-audio', [true, true, true]), [true, true, true]), 'audio').value, false);
  // A noisy baseline (≥ 0.5): unmeasured whatever the ablation did, and the detail says why.
  for (const ab of [
    [false, false, false],
    [true, true, true],
  ]) {
    const noisy = usedFromAblation(withBaseline(sampled('no-audio', ab), [false, true, false]), 'audio');
    assert.equal(noisy.value, 'unknown');
    assert.equal(noisy.from, 'ablation-sampled');
    assert.match(noisy.detail, /unmeasured — with every medium the model already departs from its original answer in 2 of 3 samples .*too noisy/);
  }
  // Too few baseline samples to call "not used".
  assert.equal(usedFromAblation(withBaseline(sampled('no-audio', [true, true, true]), [true, true]), 'audio').value, 'unknown');
  // No baseline (its request failed, or an older file): the absolute rule, saying so.
  const failed = usedFromAblation({ ...sampled('no-audio', [false, false, false]), baselineError: 'the all-media baseline failed: HTTP 500' }, 'audio');
  assert.equal(failed.value, true);
  assert.match(failed.detail, /no all-media baseline \(the all-media baseline failed: HTTP 500\), so sampling noise is not accounted for: used/);
  // Blind-answerable by the same rule; reliance is the change above the baseline.
  assert.equal(blindAnswerableFrom([withBaseline(sampled('text-only', [true, false, true]), noise)]), true);
  assert.equal(blindAnswerableFrom([withBaseline(sampled('text-only', [false, false, false]), [false, false, true])]), 'unknown');
  assert.ok(Math.abs(relianceOf(withBaseline(sampled('no-audio', [false, false, false]), noise))! - 2 / 3) < 1e-9);
  assert.equal(relianceOf(withBaseline(sampled('no-audio', [true, true, true]), noise)), 0);
});

test('verdict from a noisy model: ignored when the ablation changes no more than the baseline; undetermined when the baseline is too noisy', () => {
  const r = record({
    completion: '<context>A grey slide with a man in a blue shirt.</context><think>He looks calm; likely three.</think><answer>3</answer>',
    reference: { solution: '<context>The man says the number seven.</context><think>He said seven.</think><answer>7</answer>' },
  });
  const inv = inventory({ speech: [[0.5, 1.5]] });
  const noise = [true, true, false];
  const abl = (base: boolean[]) => ['no-audio', 'no-video', 'text-only'].map((k) => withBaseline(sampled(k as AblationResult['kind'], [true, false, true]), base));
  const a = analyseRollout(r, { inventory: inv, ablations: abl(noise) });
  assert.deepEqual([a.audio.verdict, a.audio.confidence], ['ignored', 'high']);
  assert.equal(a.blindAnswerable, true);
  const noisy = analyseRollout(r, { inventory: inv, ablations: abl([false, false, true]) });
  assert.deepEqual([noisy.audio.verdict, noisy.audio.confidence], ['undetermined', 'low']);
  assert.match(noisy.audio.reason, /^possible shortcut, not measured \(ablation inconclusive: .*too noisy/);
  assert.equal(noisy.blindAnswerable, 'unknown');
  // JSON round trip keeps the baseline (the sidecar and --out lines).
  assert.deepEqual(JSON.parse(JSON.stringify(a)).audio.used.ablation.baseline, a.audio.used.ablation!.baseline);
});

test("needed from sampled ablations: the correct answer lost beyond the baseline's own losses", () => {
  const rec = { extras: undefined, reference: { solution: '<answer>7</answer>' } };
  const s = (correct: boolean[]) => correct.map((c) => ({ answer: c ? '7' : '3', completion: '', same: c, correct: c }));
  const ab = (lost: boolean[], base?: boolean[]): AblationResult => ({
    kind: 'no-audio',
    method: 'sampled',
    samples: s(lost.map((l) => !l)),
    changeRate: lost.filter(Boolean).length / lost.length,
    ...(base ? { baseline: { samples: s(base.map((l) => !l)), changeRate: base.filter(Boolean).length / base.length } } : {}),
  });
  const needed = neededFor(rec, 'audio', { ablation: ab([true, true, true], [false, false, true]), originalCorrect: true });
  assert.deepEqual([needed.value, needed.from], [true, 'ablation']);
  assert.match(needed.detail, /lost in 3 of 3 samples \(with all media in 1 of 3\)/);
  // 2 of 3 lost is a majority, but only 0.33 above a baseline that loses 1 of 3: not established.
  assert.equal(neededFor(rec, 'audio', { ablation: ab([true, true, false], [false, false, true]), originalCorrect: true }).value, 'unknown');
  // Without a baseline, the majority rule as before.
  assert.equal(neededFor(rec, 'audio', { ablation: ab([true, true, false]), originalCorrect: true }).value, true);
  // A baseline that loses the correct answer in most samples cannot show what a medium adds.
  assert.equal(neededFor(rec, 'audio', { ablation: ab([true, true, true], [true, true, false]), originalCorrect: true }).value, 'unknown');
});

function vin(o: Partial<VerdictInput> & { cited?: boolean; usedV?: boolean | 'unknown'; neededV?: boolean | 'unknown' }): VerdictInput {
  return {
    modality: 'audio',
    available: o.available ?? true,
    sent: o.sent ?? 'unknown',
    needed: o.needed ?? { value: o.neededV ?? 'unknown', from: o.neededV === undefined || o.neededV === 'unknown' ? 'none' : 'reference-context', detail: '' },
    used: o.used ?? { value: o.usedV ?? 'unknown', from: o.usedV === undefined || o.usedV === 'unknown' ? 'none' : 'ablation-sampled', detail: 'x' },
    claimed: o.claimed ?? { value: !!o.cited, sentences: o.cited ? [0] : [], findings: [] },
    ...(o.correct !== undefined ? { correct: o.correct } : {}),
  };
}

test('verdict table with ablations', () => {
  const v = (o: Parameters<typeof vin>[0]) => decideVerdict(vin(o));
  assert.equal(v({ usedV: true, cited: true, neededV: true }).verdict, 'grounded');
  assert.equal(v({ usedV: true, cited: false, neededV: true }).verdict, 'unspoken');
  assert.equal(v({ usedV: false, cited: true, neededV: true }).verdict, 'decorative');
  assert.equal(v({ usedV: false, cited: false, neededV: true }).verdict, 'ignored');
  assert.equal(v({ usedV: false, cited: false, neededV: false }).verdict, 'unused');
  assert.equal(v({ usedV: false, cited: false, neededV: 'unknown' }).verdict, 'unused');
  assert.equal(v({ usedV: false, cited: false, neededV: true }).confidence, 'high');
  assert.equal(v({ usedV: false, cited: false, neededV: 'unknown' }).confidence, 'medium');
  // Order: not-sent before anything, absent → not-applicable.
  assert.equal(v({ sent: false, usedV: false, neededV: true }).verdict, 'not-sent');
  assert.equal(v({ available: false, sent: false, neededV: true }).verdict, 'not-applicable');
});

test('verdict without ablations: low confidence, said in the reason; never ignored (only an ablation shows "not used")', () => {
  const v = (o: Parameters<typeof vin>[0]) => decideVerdict(vin(o));
  const ig = v({ cited: false, neededV: true, correct: false });
  assert.deepEqual([ig.verdict, ig.confidence], ['undetermined', 'low']);
  assert.match(ig.reason, /^possible shortcut, not measured/);
  assert.equal(v({ cited: false, neededV: true, correct: true }).verdict, 'undetermined');
  assert.equal(v({ cited: false, neededV: 'unknown', correct: false }).verdict, 'undetermined');
  assert.equal(v({ cited: false, neededV: false }).verdict, 'unused');
  // A right answer that cites the modality is not shown to use it: "cited, not measured", never 'grounded' without an ablation.
  const cited = v({ cited: true, correct: true });
  assert.deepEqual([cited.verdict, cited.confidence], ['undetermined', 'low']);
  assert.match(cited.reason, /^cited, not measured/);
  assert.equal(v({ cited: true, correct: false }).verdict, 'undetermined');
  assert.deepEqual([v({ cited: true, neededV: false, correct: true }).verdict, v({ cited: true, neededV: false }).confidence], ['decorative', 'low']);
  const hall = v({ claimed: { value: true, sentences: [0], findings: [{ kind: 'hallucinated-audio', modality: 'audio', message: 'no audio stream' }] } });
  assert.deepEqual([hall.verdict, hall.confidence], ['decorative', 'medium']);
});

test('words on screen in a sentence the tagger heard are read, not heard, even unquoted', () => {
  const inv = inventory({ speech: [], text: [{ text: 'SEVEN', start: 0, end: 3 }] });
  const s = { ...sentence('Large lettering shows SEVEN, spoken by no one.'), kinds: ['said' as const], negated: {} };
  const checks = checkSentence(s, inv);
  assert.ok(checks.some((c) => c.kind === 'quote-is-on-screen' && /SEVEN/.test(c.message)));
  assert.deepEqual([...citedModalities({ ...s, checks })], ['visual']);
  // A word that merely contains the on-screen text is no match.
  assert.ok(!checkSentence({ ...sentence('He says sevenfold.'), kinds: ['said'], negated: {} }, inv).some((c) => c.kind === 'quote-is-on-screen'));
});

// ---------------------------------------------------------------------------------------------
// analyseRollout

function record(o: Partial<RolloutRecord> & { completion: string }): RolloutRecord {
  return { index: 0, source: { file: 'f.jsonl', line: 1 }, question: { problem: 'What number?', problemType: 'numerical' }, reference: {}, ...o };
}

test('analyseRollout: a model that ignores the speech the question needs', () => {
  const r = record({
    completion: '<context>A grey slide with a man in a blue shirt.</context><think>He looks calm; likely three.</think><answer>3</answer>',
    reference: { solution: '<context>The man says the number seven.</context><think>He said seven.</think><answer>7</answer>' },
    extras: { request: { user_text: 'q', media_parts: [{ type: 'video_url' }, { type: 'audio_url' }] } },
  });
  const inv = inventory({ speech: [[0.5, 1.5]] });
  const noAb = analyseRollout(r, { inventory: inv, ablationNote: 'no --model-base-url given' });
  assert.deepEqual([noAb.audio.verdict, noAb.audio.confidence], ['undetermined', 'low']);
  assert.match(noAb.audio.reason, /possible shortcut/);
  assert.match(noAb.audio.used.detail, /no --model-base-url/);
  // The reference puts the answer in the speech only: the picture is not needed.
  assert.equal(noAb.visual.needed.value, false);
  assert.equal(noAb.inventoryKey, 'abc-0-4');
  assert.equal(noAb.inventoryKey, cuesInventoryKey(inv));
  const withAb = analyseRollout(r, { inventory: inv, ablations: [sampled('no-audio', [true, true, true]), sampled('no-video', [true, true, true]), sampled('text-only', [true, true, true])] });
  assert.deepEqual([withAb.audio.verdict, withAb.audio.confidence], ['ignored', 'high']);
  assert.equal(withAb.visual.verdict, 'decorative');
  assert.equal(withAb.blindAnswerable, true);
});

test('analyseRollout: audio never sent is reported first', () => {
  const r = record({
    completion: '<context>A man talks.</context><think>So 7.</think><answer>7</answer>',
    prompt: '<|im_start|>user\n<|vision_bos|><|VIDEO|><|vision_eos|>What number?<|im_end|>',
    clip: { path: 'a.mp4', hasAudio: true, hasVideo: true },
  });
  const a = analyseRollout(r);
  assert.equal(a.audio.verdict, 'not-sent');
  assert.equal(a.findings.length, 1);
  assert.match(a.findings[0]!, /^Audio not sent/);
});

test('analyseRollout: no audio stream → not applicable, with the hallucination noted', () => {
  const r = record({ completion: '<context>A bell rings twice.</context><think>Two.</think><answer>2</answer>' });
  const a = analyseRollout(r, { inventory: inventory({ audio: false }) });
  assert.equal(a.audio.verdict, 'not-applicable');
  assert.match(a.audio.reason, /hallucinated/);
});

// ---------------------------------------------------------------------------------------------
// summary

test('summary: rates per modality, problem type and checkpoint; right for the wrong reasons; reliance', () => {
  const ig = analyseRollout(
    record({
      completion: '<context>A man in a blue shirt.</context><think>Three.</think><answer>3</answer>',
      reference: { solution: '<context>The man says seven.</context><answer>7</answer>' },
    }),
    { inventory: inventory({ speech: [[0, 1]] }), ablations: [sampled('no-audio', [true, true, true]), logprob('no-video', -2.5)] },
  );
  const lines: ShortcutLine[] = [
    { index: 0, source: { file: 'f', line: 1 }, problemType: 'numerical', checkpoint: 'a', accuracy: 1, shortcut: ig },
    { index: 1, source: { file: 'f', line: 2 }, problemType: 'numerical', checkpoint: 'b', accuracy: 0, shortcut: ig },
    { index: 2, source: { file: 'f', line: 3 }, error: 'clip not found' },
  ];
  const s = summariseShortcuts(lines);
  assert.equal(s.rollouts, 3);
  assert.equal(s.failed, 1);
  assert.equal(s.perModality.audio.byVerdict.ignored, 2);
  assert.equal(s.perModality.audio.shortcutRate, 1);
  assert.equal(s.perCheckpoint.a!.audio.total, 1);
  assert.equal(s.perProblemType.numerical!.audio.total, 2);
  assert.deepEqual(s.rightForWrongReasons, { count: 1, of: 1, indices: [0] });
  assert.deepEqual(s.reliance[0], { index: 0, audio: 0, visual: 0.5, correct: true, problemType: 'numerical', checkpoint: 'a' });
  assert.equal(relianceOf(logprob('no-audio', 1)), 0);
  // The slim lines analyseShortcutsFile keeps in memory summarise the same.
  assert.deepEqual(summariseShortcuts(lines.map(slimForSummary)), s);
  assert.equal(relianceOf(undefined), null);
});

test('needed: a cue the reference needs is redundant when the other modality carries the answer', () => {
  const sol = '<context>A slide shows "CODE 9" and a man says nine.</context><think>The slide text and the spoken words both give nine.</think><answer>9</answer>';
  const rec = { extras: undefined, reference: { solution: sol } };
  const kept: AblationResult = { kind: 'no-audio', method: 'sampled', changeRate: 0, samples: [1, 2, 3].map(() => ({ answer: '9', completion: '', same: true, correct: true })) };
  const lost: AblationResult = { kind: 'text-only', method: 'sampled', changeRate: 1, samples: [1, 2, 3].map(() => ({ answer: '3', completion: '', same: false, correct: false })) };
  const blind: AblationResult = { ...lost, changeRate: 0, samples: kept.samples };
  const n = neededFor(rec, 'audio', { ablation: kept, textOnly: lost, originalCorrect: true });
  assert.deepEqual([n.value, n.from], [false, 'ablation']);
  assert.match(n.detail, /other modality carries it/);
  // Blind-answerable (right with text only too): still needed — right for the wrong reasons.
  assert.equal(neededFor(rec, 'audio', { ablation: kept, textOnly: blind, originalCorrect: true }).value, true);
  // Log-probability form of the same rule.
  assert.equal(neededFor(rec, 'audio', { ablation: logprob('no-audio', -0.05), textOnly: logprob('text-only', -3), originalCorrect: true }).value, false);
});

test("claim checks with the cue module's textOnScreen (OCR slips, dropped spaces)", () => {
  const inv = inventory({ speech: [[0, 1]], text: [{ text: 'OPEN24HOURS', start: 1, end: 3 }] });
  const checks = checkSentence(sentence('The clerk says "open 24 hours".'), inv, textOnScreen);
  assert.ok(checks.some((c) => c.kind === 'quote-is-on-screen'));
});

test('claim judge: places only the sentences the rules left as none, one cached call per trace; failures keep the rules', async () => {
  const { judgeUnplacedClaims, parseClaimReply, claimPrompt } = await import('../../src/core/shortcuts/claimJudge');
  const { JudgeCache } = await import('../../src/core/judge/cache');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  assert.deepEqual(parseClaimReply('Sure: {"1": ["heard", "no-said"], "2": "none", "3": ["bogus"]}', 3), [
    { kinds: ['heard', 'said'], negated: { heard: false, said: true } },
    { kinds: ['none'], negated: {} },
    undefined,
  ]);
  assert.equal(parseClaimReply('no json here', 1), undefined);
  const sentences = claimSentences('<context>A man stands. It rises and falls slowly.</context><think>Therefore B.</think><answer>B</answer>');
  assert.deepEqual(
    sentences.map((s) => s.kinds),
    [['seen'], ['none'], ['inferred']],
  );
  const prompts: string[] = [];
  const backend = {
    complete: async (req: { messages: { content: string }[] }) => {
      prompts.push(req.messages[0]!.content);
      return { text: '{"1": ["heard"]}' };
    },
  };
  const cache = new JudgeCache(mkdtempSync(join(tmpdir(), 'omnitrace-claimjudge-')));
  const a = await judgeUnplacedClaims(sentences, { backend, model: 'j', cache });
  assert.equal(a.calls, 1);
  assert.equal(prompts[0], claimPrompt(['It rises and falls slowly.']));
  assert.deepEqual([a.sentences[1]!.kinds, a.sentences[1]!.source], [['heard'], 'judge']);
  assert.equal(a.sentences[0]!.source, 'rules');
  const b = await judgeUnplacedClaims(sentences, { backend, model: 'j', cache });
  assert.deepEqual([b.calls, b.cached, prompts.length], [0, 1, 1]);
  const failing = { complete: async () => Promise.reject(new Error('HTTP 500')) };
  const c = await judgeUnplacedClaims(sentences, { backend: failing, model: 'other' });
  assert.match(c.note!, /HTTP 500/);
  assert.deepEqual(c.sentences, sentences);
  (await import('node:fs')).rmSync(cache.dir, { recursive: true, force: true });
});

test('CLI helpers: --ablations names map to kinds; the summary lists rates, failures with file:line and possible shortcuts', async () => {
  const { parseAblationList, formatShortcutSummary } = await import('../../src/cli/commands/shortcuts');
  assert.deepEqual(parseAblationList('audio, video,text,audio'), ['no-audio', 'no-video', 'text-only']);
  assert.deepEqual(parseAblationList('no-audio'), ['no-audio']);
  assert.throws(() => parseAblationList('smell'), /unknown 'smell'/);
  const failed: ShortcutLine = { index: 1, source: { file: 'runs.jsonl', line: 7 }, error: 'boom' };
  const s = summariseShortcuts([failed]);
  const text = formatShortcutSummary(s, [failed], { problems: [], cancelled: false }, false, { audio: 2, visual: 0 });
  assert.match(text, /analysed 1 rollout, 1 failed/);
  assert.match(text, /runs\.jsonl:7: boom/);
  assert.match(text, /possible shortcuts, not measured .*audio 2, visual 0 — run with --model-base-url/);
});

// ---------------------------------------------------------------------------------------------
// the judge classification of "needed" (neededJudge.ts)

test('needed judge: strict reply parsing; the prompt holds the question and reference, never the completion', async () => {
  const { parseNeededReply, neededPrompt } = await import('../../src/core/shortcuts/neededJudge');
  assert.deepEqual(parseNeededReply('Here: {"needed": "Audio", "reason": "The answer is  the spoken number."}'), { needed: 'audio', reason: 'The answer is the spoken number.' });
  assert.deepEqual(parseNeededReply('{"needed": "neither"}'), { needed: 'neither', reason: '' });
  assert.deepEqual(parseNeededReply('{"needed": "unsure", "reason": "no clue"}'), { needed: 'unsure', reason: 'no clue' });
  // Anything else is unreadable, never guessed: an unknown class, no `needed`, prose, broken JSON, a list.
  for (const bad of ['{"needed": "sound"}', '{"reason": "audio"}', 'NEEDED: audio', '{"needed": "audio",}', '["audio"]', '{"needed": ["audio"]}']) assert.equal(parseNeededReply(bad), undefined, bad);
  const p = neededPrompt({ problem: 'What code does the man say? {{options}} $&', options: ['A. 7', 'B. 4'], problemType: 'multiple choice', referenceAnswer: 'A' });
  assert.ok(p.includes('Question: What code does the man say? {{options}} $&'), 'the question is inserted as written, not expanded');
  assert.ok(p.includes('- A. 7\n- B. 4') && p.includes('Problem type: multiple choice') && p.includes('Reference answer: A'));
  assert.ok(p.includes('Reference description of the clip: (none)'));
});

test('needed judge: one call per distinct question, a cache hit on re-run, failures and unreadable replies noted', async () => {
  const { judgeNeeded, neededPrompt } = await import('../../src/core/shortcuts/neededJudge');
  const { JudgeCache } = await import('../../src/core/judge/cache');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const prompts: string[] = [];
  const backend = {
    complete: async (req: { messages: { content: string }[] }) => {
      prompts.push(req.messages[0]!.content);
      return { text: req.messages[0]!.content.includes('Question: What code does the man say?') ? '{"needed": "audio", "reason": "the spoken code"}' : '{"needed": "visual", "reason": "the slide"}' };
    },
  };
  const cache = new JudgeCache(mkdtempSync(join(tmpdir(), 'omnitrace-neededjudge-')));
  try {
    const say = { problem: 'What code does the man say?', referenceAnswer: '7' };
    const slide = { problem: 'What code is on the slide?', referenceAnswer: '4' };
    // A GRPO group of 8 rollouts of one question, and one other question: two calls.
    const memo = new Map();
    const group = await Promise.all([...Array(8)].map(() => judgeNeeded(say, { backend, model: 'j', cache }, { memo })));
    const other = await judgeNeeded(slide, { backend, model: 'j', cache }, { memo });
    assert.equal(prompts.length, 2);
    assert.deepEqual(prompts, [neededPrompt(say), neededPrompt(slide)]);
    assert.deepEqual(
      group.map((r) => r.judgement?.needed),
      Array(8).fill('audio'),
    );
    assert.equal(
      group.reduce((a, r) => a + r.calls, 0),
      1,
    );
    assert.equal(other.judgement?.needed, 'visual');
    // A re-run (a new memo): served from the disk cache, no call.
    const again = await judgeNeeded(say, { backend, model: 'j', cache }, { memo: new Map() });
    assert.deepEqual([again.calls, again.cached, again.judgement?.needed, prompts.length], [0, 1, 'audio', 2]);
    // Another model is another key.
    await judgeNeeded(say, { backend, model: 'k', cache });
    assert.equal(prompts.length, 3);
    const failing = { complete: async () => Promise.reject(new Error('HTTP 500')) };
    const f = await judgeNeeded(say, { backend: failing, model: 'other' });
    assert.equal(f.judgement, undefined);
    assert.match(f.note!, /needed judge call failed: HTTP 500/);
    const rambling = { complete: async () => ({ text: 'Probably the audio, I think.' }) };
    const u = await judgeNeeded(say, { backend: rambling, model: 'other' });
    assert.equal(u.judgement, undefined);
    assert.match(u.note!, /needed judge reply unreadable \("Probably the audio/);
  } finally {
    rmSync(cache.dir, { recursive: true, force: true });
  }
});

test('needed: the order of sources is labels → reference context → judge → ablation; unsure or no judgement is unknown', () => {
  const rec = (extras: Record<string, unknown> | undefined, solution?: string) => ({ extras, reference: { solution } });
  const bare = rec(undefined, '<answer>7</answer>');
  const audio = { needed: 'audio' as const, reason: 'the spoken code' };
  // The judge decides only where labels and the reference context are missing.
  const j = neededFor(bare, 'audio', { judged: audio });
  assert.deepEqual([j.value, j.from], [true, 'judge']);
  assert.match(j.detail, /resting on audio cues only: the spoken code/);
  assert.deepEqual([neededFor(bare, 'visual', { judged: audio }).value, neededFor(bare, 'visual', { judged: audio }).from], [false, 'judge']);
  assert.equal(neededFor(bare, 'visual', { judged: { needed: 'both', reason: '' } }).value, true);
  assert.equal(neededFor(bare, 'audio', { judged: { needed: 'neither', reason: '' } }).value, false);
  const labelled = neededFor(rec({ visual_clues: ['the slide'], audio_clues: [] }, '<answer>7</answer>'), 'audio', { judged: audio });
  assert.deepEqual([labelled.value, labelled.from], [false, 'dataset-labels']);
  const sol = '<context>A slide shows CODE 4.</context><think>The slide reads 4.</think><answer>4</answer>';
  // The reference context places the answer on the slide only: it decides both, over the judge.
  const ref = neededFor(rec(undefined, sol), 'visual', { judged: audio });
  assert.deepEqual([ref.value, ref.from], [true, 'reference-context']);
  assert.deepEqual([neededFor(rec(undefined, sol), 'audio', { judged: audio }).value, neededFor(rec(undefined, sol), 'audio', { judged: audio }).from], [false, 'reference-context']);
  // A context that names no answer and never mentions sound: for the audio the judge decides.
  const vague = '<context>A slide is shown.</context><think>So 4.</think><answer>4</answer>';
  assert.deepEqual([neededFor(rec(undefined, vague), 'audio', { judged: audio }).from, neededFor(rec(undefined, vague), 'audio').value], ['judge', 'unknown']);
  const silent = '<context>A slide shows CODE 4. No sound can be heard.</context><think>So 4.</think><answer>4</answer>';
  assert.deepEqual([neededFor(rec(undefined, silent), 'audio', { judged: audio }).value, neededFor(rec(undefined, silent), 'audio').from], [false, 'reference-context']);
  // An ablation losing the correct answer still beats a judge's "not needed" (the measurement beats the description).
  const lost: AblationResult = { kind: 'no-video', method: 'sampled', changeRate: 1, samples: [1, 2, 3].map(() => ({ answer: 'A', completion: '', same: false, correct: false })) };
  const ab = neededFor(bare, 'visual', { judged: audio, ablation: lost, originalCorrect: true });
  assert.deepEqual([ab.value, ab.from], [true, 'ablation']);
  assert.match(ab.detail, /although the judge classifies/);
  // 'unsure', a failure or no judge: unknown, with the reason in the detail; ablations still apply.
  const unsure = neededFor(bare, 'audio', { judged: { needed: 'unsure', reason: '' } });
  assert.deepEqual([unsure.value, unsure.from], ['unknown', 'none']);
  assert.match(unsure.detail, /the judge is unsure/);
  assert.match(neededFor(bare, 'audio', { judgeNote: 'needed judge call failed: HTTP 500' }).detail, /\(needed judge call failed: HTTP 500\)/);
  assert.equal(neededFor(bare, 'visual', { judged: { needed: 'unsure', reason: '' }, ablation: lost, originalCorrect: true }).from, 'ablation');
  // Without ablations a judge-established need gives the same verdicts as a reference context.
  const v = decideVerdict({
    modality: 'audio',
    available: true,
    sent: true,
    needed: j,
    used: { value: false, from: 'ablation-sampled', detail: '' },
    claimed: { value: false, sentences: [], findings: [] },
    correct: true,
  });
  assert.deepEqual([v.verdict, v.confidence], ['ignored', 'high']);
});

test('analyseShortcutsFile: the needed judge is asked once per distinct question without labels or reference context; failures noted', async () => {
  const { analyseShortcutsFile } = await import('../../src/services/shortcuts/analyseFile');
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-neededfile-'));
  try {
    const row = (id: string, problem: string, solution: string) => ({
      id,
      problem,
      problem_type: 'numerical',
      solution,
      video: 'missing.mp4',
      completion: '<context>A grey frame.</context><think>So 7.</think><answer>7</answer>',
    });
    const rows = [
      ...[...Array(8)].map((_, i) => row(`g${i}`, 'What code does the man say?', '<answer>7</answer>')),
      row('other', 'What code is on the slide?', '<answer>4</answer>'),
      // The reference context decides: no call.
      row('ctx', 'What code does the woman say?', '<context>Nothing is visible. A woman says: "The code is seven."</context><answer>7</answer>'),
    ];
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const prompts: string[] = [];
    const backend = {
      complete: async (req: { messages: { content: string }[] }) => {
        const p = req.messages[0]!.content;
        prompts.push(p);
        if (p.includes('Question: What code is on the slide?')) throw new Error('HTTP 503');
        return { text: '{"needed": "audio", "reason": "the spoken code"}' };
      },
    };
    const none = () => Promise.reject(new Error('not used'));
    const deps = {
      buildInventory: none,
      runAblations: none,
      locateTools: () => {
        throw new Error('no ffmpeg');
      },
    };
    const out = join(dir, 'out.jsonl');
    await analyseShortcutsFile({ file: input, out, cacheDir: join(dir, 'cues'), claimJudge: { backend, model: 'j' }, deps });
    assert.equal(prompts.length, 2, 'one call per distinct question, none for the question with a reference context');
    assert.ok(
      prompts.every((p) => !p.includes('A grey frame')),
      'the completion is never sent',
    );
    const lines = Object.fromEntries(
      readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((l) => [l.id, l]),
    );
    for (let i = 0; i < 8; i++)
      assert.deepEqual([lines[`g${i}`].shortcut.audio.needed.from, lines[`g${i}`].shortcut.audio.needed.value, lines[`g${i}`].shortcut.visual.needed.value], ['judge', true, false]);
    assert.deepEqual([lines.other.shortcut.audio.needed.value, lines.other.shortcut.audio.needed.from], ['unknown', 'none']);
    assert.match(lines.other.shortcut.neededNote, /HTTP 503/);
    assert.equal(lines.ctx.shortcut.audio.needed.from, 'reference-context');
    // `neededJudge: false` turns the pass off while the claim judge stays.
    prompts.length = 0;
    await analyseShortcutsFile({ file: input, out, cacheDir: join(dir, 'cues'), claimJudge: { backend, model: 'j' }, neededJudge: false, deps });
    assert.ok(prompts.every((p) => !p.includes('Reference answer:')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
