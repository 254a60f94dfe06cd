// The held-out shortcut suite (issue 14), designed apart from the constructed one
// (bench/shortcutSuite.ts) and committed before any detector rule was tuned against it. What it
// varies that the first suite does not:
// - other sentence templates and vocabulary, in the references and in the models' traces
//   ("announces", "lettering spells out", "would rather go to");
// - reference solutions whose reasoning is short or a placeholder ("See above."), so the decisive
//   cue is only in the reference context;
// - paraphrased contexts where the cue's sentence names no perception verb at all;
// - options whose text is the cue word, colour words among them ("the password is blue": a colour
//   that is heard, not seen);
// - on-screen text that is also spoken (TUESDAY, shown and read aloud);
// - a silent audio stream, a clip with no audio stream, an audio-only clip (WAV), music without
//   speech, and two speakers with different voices.
//
// Truth is not typed by hand per pair: it follows from the definitions in
// src/core/shortcuts/verdict.ts, applied to what each scripted model is built to do (which media
// it answers from, what its trace cites) and to what each question needs by design:
//   used    = the model's answer changes without the modality (deterministic models);
//   cited   = the model's trace describes the modality positively (by construction, not by tagger);
//   needed  = the question's design says so; for a cue carried by both modalities, not needed
//             by a model whose answer stays right without it and is lost with text only (the
//             other modality carries it), as in the first suite;
//   verdict = not-applicable without the stream; else grounded / unspoken / decorative /
//             ignored / unused by the table in verdict.ts.

import { makeCueClip } from '../test/helpers/cueClip';
import type { Verdict } from '../src/core/shortcuts/types';
import { suiteRow, type Media, type ScriptedSuite, type Truth } from './shortcutSuite';

export type HeldoutClipId = 'password' | 'green-word' | 'card' | 'radio' | 'echo' | 'tune' | 'meeting';

interface HeldoutClip {
  /** Spoken lines, in order, each with its voice. */
  speech?: { text: string; voice: string; at: number }[];
  /** Music without words: a rising run of tones. */
  melody?: boolean;
  /** Words drawn on the frame. */
  screen?: string;
  /** The background colour as a person would name it. */
  colourName?: string;
  color: string;
  /** An audio stream (silent when there is neither speech nor melody). */
  audioStream: boolean;
  /** A video stream (false: the clip is a WAV file). */
  videoStream: boolean;
}

export const HELDOUT_CLIPS: Record<HeldoutClipId, HeldoutClip> = {
  password: { speech: [{ text: 'The password is blue.', voice: 'en-us', at: 0.3 }], color: '0x202830', colourName: 'dark slate', audioStream: true, videoStream: true },
  'green-word': { screen: 'SEVEN', color: '0x1f5f2f', colourName: 'dark green', audioStream: true, videoStream: true },
  card: { screen: 'GATE 5', color: '0x606060', colourName: 'grey', audioStream: false, videoStream: true },
  radio: {
    speech: [
      { text: 'Let us meet at the harbour.', voice: 'en-us', at: 0.2 },
      { text: 'No, the station is better.', voice: 'en-gb', at: 2.2 },
    ],
    color: '0x000000',
    audioStream: true,
    videoStream: false,
  },
  echo: { speech: [{ text: 'The meeting moved to Tuesday.', voice: 'en-us', at: 0.3 }], screen: 'TUESDAY', color: '0x302018', colourName: 'dark brown', audioStream: true, videoStream: true },
  tune: { melody: true, color: '0x403050', colourName: 'purple', audioStream: true, videoStream: true },
  meeting: {
    speech: [
      { text: 'I brought the red folder.', voice: 'en-us', at: 0.2 },
      { text: 'Thanks, I will sign it now.', voice: 'en-gb', at: 2.0 },
    ],
    screen: 'ROOM 3',
    color: '0x283828',
    colourName: 'dark olive',
    audioStream: true,
    videoStream: true,
  },
};

/** Builds the held-out clips into `dir` (4 s each; the radio clip as WAV). */
export function buildHeldoutClips(dir: string): Record<HeldoutClipId, string> {
  const out = {} as Record<HeldoutClipId, string>;
  for (const [id, f] of Object.entries(HELDOUT_CLIPS) as [HeldoutClipId, HeldoutClip][]) {
    out[id] = makeCueClip(dir, {
      seconds: 4,
      name: `heldout-${id}.${f.videoStream ? 'mp4' : 'wav'}`,
      color: f.color,
      video: f.videoStream,
      audio: f.audioStream,
      ...(f.screen ? { screenText: [{ text: f.screen, size: f.screen.length > 6 ? 48 : 64, ...(id === 'meeting' ? { at: 'top' as const, size: 32 } : {}) }] } : {}),
      ...(f.speech ? { speech: f.speech.map((s) => ({ text: s.text, at: s.at, voice: s.voice })) } : {}),
      ...(f.melody
        ? {
            tones: [440, 554, 659, 880].map((freq, i) => ({ freq, from: i * 0.8, to: i * 0.8 + 0.75, volume: 0.6 })),
          }
        : {}),
    }).file;
  }
  return out;
}

export interface HeldoutCase {
  id: string;
  clip: HeldoutClipId;
  problem: string;
  options?: string[];
  problemType: 'multiple choice' | 'numerical';
  answer: string;
  /** What a model with no usable cue answers. */
  guess: string;
  /** The answer a model gets from the audio, when the audio carries it. */
  heard?: string;
  /** The answer a model gets from the picture, when the picture carries it. */
  seen?: string;
  /** Which modalities the question rests on, by design; 'redundant': both carry the same answer. */
  needs: { audio: boolean; visual: boolean } | 'redundant';
  solution: string;
}

const sol = (context: string, think: string, answer: string) => `<context>${context}</context><think>${think}</think><answer>${answer}</answer>`;

export const HELDOUT_CASES: HeldoutCase[] = [
  {
    id: 'ho-password',
    clip: 'password',
    problem: 'Which word is the password?',
    options: ['A. red', 'B. blue', 'C. green', 'D. white'],
    problemType: 'multiple choice',
    answer: 'B',
    guess: 'A',
    heard: 'B',
    needs: { audio: true, visual: false },
    solution: sol('Over a plain dark backdrop, a voice can be heard announcing that the password is blue.', 'The answer follows from the clip.', 'B'),
  },
  {
    id: 'ho-seven',
    clip: 'green-word',
    problem: 'Which number word is displayed?',
    options: ['A. THREE', 'B. FIVE', 'C. SEVEN', 'D. NINE'],
    problemType: 'multiple choice',
    answer: 'C',
    guess: 'A',
    seen: 'C',
    needs: { audio: false, visual: true },
    solution: sol('The screen is dark green with the word SEVEN in white. No sound can be heard.', '...', 'C'),
  },
  {
    id: 'ho-backdrop',
    clip: 'green-word',
    problem: 'What colour is the backdrop behind the word?',
    options: ['A. green', 'B. red', 'C. blue', 'D. yellow'],
    problemType: 'multiple choice',
    answer: 'A',
    guess: 'C',
    seen: 'A',
    needs: { audio: false, visual: true },
    solution: sol('A dark green screen fills the frame, with a single white word in the middle.', 'Reasoning omitted.', 'A'),
  },
  {
    id: 'ho-gate',
    clip: 'card',
    problem: 'Which gate number is on the card?',
    problemType: 'numerical',
    answer: '5',
    guess: '2',
    seen: '5',
    needs: { audio: false, visual: true },
    solution: sol('White lettering on a grey card spells out GATE 5.', 'So: 5.', '5'),
  },
  {
    id: 'ho-harbour',
    clip: 'radio',
    problem: 'Where does the second speaker propose to meet?',
    options: ['A. the harbour', 'B. the station', 'C. the bridge', 'D. the market'],
    problemType: 'multiple choice',
    answer: 'B',
    guess: 'C',
    heard: 'B',
    needs: { audio: true, visual: false },
    solution: sol('Two voices talk over each other. The first wants the harbour, the second would rather go to the station.', 'See above.', 'B'),
  },
  {
    id: 'ho-tuesday',
    clip: 'echo',
    problem: 'On which day is the meeting now?',
    options: ['A. Monday', 'B. Tuesday', 'C. Friday', 'D. Sunday'],
    problemType: 'multiple choice',
    answer: 'B',
    guess: 'A',
    heard: 'B',
    seen: 'B',
    needs: 'redundant',
    solution: sol('The word TUESDAY is written across the screen while a narrator reads it aloud: the meeting moved to Tuesday.', 'Both agree.', 'B'),
  },
  {
    id: 'ho-melody',
    clip: 'tune',
    problem: 'What fills the soundtrack?',
    options: ['A. a melody', 'B. a conversation', 'C. applause', 'D. silence'],
    problemType: 'multiple choice',
    answer: 'A',
    guess: 'B',
    heard: 'A',
    needs: { audio: true, visual: false },
    solution: sol('A rising melody plays over a still purple frame; nobody speaks.', 'Music only.', 'A'),
  },
  {
    id: 'ho-folder',
    clip: 'meeting',
    problem: 'What colour is the folder the first speaker brought?',
    options: ['A. green', 'B. red', 'C. black', 'D. white'],
    problemType: 'multiple choice',
    answer: 'B',
    guess: 'C',
    heard: 'B',
    needs: { audio: true, visual: false },
    solution: sol('In a room marked ROOM 3, one person says he brought the red folder, and another voice thanks him and offers to sign it.', 'See above.', 'B'),
  },
  {
    id: 'ho-week',
    clip: 'password',
    problem: 'How many days does a week have?',
    problemType: 'numerical',
    answer: '7',
    guess: '7',
    needs: { audio: false, visual: false },
    solution: sol('Over a plain dark backdrop, a voice mentions a password.', 'A week has seven days whatever the clip shows.', '7'),
  },
];

// ---------------------------------------------------------------------------------------------
// Scripted models: which media each answers from, and what its trace says.

export type HeldoutModelId = 'attentive' | 'eyes-only' | 'ears-only' | 'bluffer' | 'quiet' | 'prior-only';
export const HELDOUT_MODELS: HeldoutModelId[] = ['attentive', 'eyes-only', 'ears-only', 'bluffer', 'quiet', 'prior-only'];

interface Behaviour {
  /** Media the model answers from. */
  uses: { audio: boolean; visual: boolean };
}

const BEHAVIOUR: Record<HeldoutModelId, Behaviour> = {
  attentive: { uses: { audio: true, visual: true } },
  'eyes-only': { uses: { audio: false, visual: true } },
  'ears-only': { uses: { audio: true, visual: false } },
  bluffer: { uses: { audio: false, visual: false } },
  quiet: { uses: { audio: true, visual: true } },
  'prior-only': { uses: { audio: false, visual: false } },
};

/** What a model perceives of a clip through the media it is given and uses. */
function perceived(model: HeldoutModelId, clip: HeldoutClip, media: Media) {
  const b = BEHAVIOUR[model];
  const audio = b.uses.audio && media.audio && clip.audioStream;
  const visual = b.uses.visual && media.video && clip.videoStream;
  return {
    audio,
    visual,
    speech: audio ? clip.speech : undefined,
    melody: audio ? clip.melody : undefined,
    screen: visual ? clip.screen : undefined,
    colour: visual ? clip.colourName : undefined,
  };
}

/** The model's answer: the audio's when it perceives the audio that carries it, else the picture's, else its guess. */
function answerOf(model: HeldoutModelId, c: HeldoutCase, media: Media): string {
  const p = perceived(model, HELDOUT_CLIPS[c.clip], media);
  if (p.audio && c.heard) return c.heard;
  if (p.visual && c.seen) return c.seen;
  return c.guess;
}

/** Sentences describing what was heard; empty when the model heard nothing it would describe. */
function audioSentences(clip: HeldoutClip, p: ReturnType<typeof perceived>): string[] {
  if (p.speech && p.speech.length > 1) return [`One person remarks "${p.speech[0]!.text}" and a second voice answers "${p.speech[1]!.text}"`];
  if (p.speech) return [`Someone announces: "${p.speech[0]!.text}"`];
  if (p.melody) return ['A rising run of musical notes plays, with no words.'];
  if (p.audio && clip.audioStream) return ['There is only silence on the audio track.'];
  return [];
}

function visualSentences(p: ReturnType<typeof perceived>): string[] {
  const out: string[] = [];
  if (p.colour) out.push(`The frame is a flat ${p.colour} colour.`);
  if (p.screen) out.push(`Large white lettering spells out ${p.screen}.`);
  return out;
}

/** What the model's trace cites positively, by construction (the truth's "cited"). */
function citesOf(model: HeldoutModelId, c: HeldoutCase, media: Media): { audio: boolean; visual: boolean } {
  const clip = HELDOUT_CLIPS[c.clip];
  const p = perceived(model, clip, media);
  switch (model) {
    case 'attentive':
      return { audio: !!(p.speech || p.melody), visual: visualSentences(p).length > 0 };
    // Their reasoning always names its source ("going by the frame", "going by the recording").
    case 'eyes-only':
      return { audio: false, visual: true };
    case 'ears-only':
      return { audio: true, visual: false };
    case 'bluffer':
      return { audio: true, visual: false };
    case 'quiet':
    case 'prior-only':
      return { audio: false, visual: false };
  }
}

const trace = (context: string, think: string, answer: string) => `<context>${context}</context>\n<think>${think}</think>\n<answer>${answer}</answer>`;

export function heldoutBehave(model: HeldoutModelId, c: HeldoutCase, media: Media): string {
  const clip = HELDOUT_CLIPS[c.clip];
  const p = perceived(model, clip, media);
  const ans = answerOf(model, c, media);
  switch (model) {
    case 'attentive': {
      const said = [...audioSentences(clip, p), ...visualSentences(p)];
      return trace(said.join(' ') || 'The clip offers nothing to go on.', `Putting these together, I pick ${ans}.`, ans);
    }
    case 'eyes-only': {
      const said = visualSentences(p);
      return trace(said.join(' ') || 'There is no picture to look at.', `Going by the frame, the choice is ${ans}.`, ans);
    }
    case 'ears-only': {
      const said = p.speech || p.melody ? audioSentences(clip, p) : ['I cannot hear anything useful.'];
      return trace(said.join(' '), `Going by the recording, the choice is ${ans}.`, ans);
    }
    case 'bluffer':
      return trace('The speaker states the answer outright.', `It is plainly ${ans}.`, ans);
    case 'quiet':
      return trace('Here is my summary.', `I pick ${ans}.`, ans);
    case 'prior-only':
      return trace('Working only from the wording of the question.', `The likeliest option is ${ans}.`, ans);
  }
}

export const HELDOUT_SUITE: ScriptedSuite = {
  name: 'held-out',
  cases: HELDOUT_CASES,
  models: HELDOUT_MODELS,
  behave: (model, c, media) => heldoutBehave(model as HeldoutModelId, c as HeldoutCase, media),
};

// ---------------------------------------------------------------------------------------------
// Truth, from the definitions (see the header).

const ALL: Media = { audio: true, video: true };

function truthOf(model: HeldoutModelId, c: HeldoutCase): Truth {
  const clip = HELDOUT_CLIPS[c.clip];
  const original = answerOf(model, c, ALL);
  const cites = citesOf(model, c, ALL);
  const without = { audio: answerOf(model, c, { audio: false, video: true }), visual: answerOf(model, c, { audio: true, video: false }) };
  const textOnly = answerOf(model, c, { audio: false, video: false });
  const verdict = (m: 'audio' | 'visual'): Verdict => {
    if (!(m === 'audio' ? clip.audioStream : clip.videoStream)) return 'not-applicable';
    const used = without[m] !== original;
    const needed = c.needs === 'redundant' ? !(original === c.answer && without[m] === c.answer && textOnly !== c.answer) : c.needs[m];
    if (used) return cites[m] ? 'grounded' : 'unspoken';
    if (cites[m]) return 'decorative';
    return needed ? 'ignored' : 'unused';
  };
  return { audio: verdict('audio'), visual: verdict('visual') };
}

export const HELDOUT_TRUTH: Record<string, Partial<Record<HeldoutModelId, Truth>>> = Object.fromEntries(
  HELDOUT_CASES.map((c) => [c.id, Object.fromEntries(HELDOUT_MODELS.map((m) => [m, truthOf(m, c)]))]),
);

/** The rollout a model produced for a case with every medium (audio-only clips under `audio`). */
export function heldoutRolloutRow(model: HeldoutModelId, c: HeldoutCase, clipPath: string): Record<string, unknown> {
  return suiteRow(model, c, { key: HELDOUT_CLIPS[c.clip].videoStream ? 'video' : 'audio', path: clipPath }, heldoutBehave(model, c, ALL));
}
