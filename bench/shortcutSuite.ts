// The constructed shortcut suite (issue 6): clips made on the machine whose answer is only in the
// speech, only on screen, in both, or in neither (plus a clip with an irrelevant logo and one with
// no audio stream), questions with reference traces saying which cue the answer rests on, and
// scripted "models" served by a fake vLLM on 127.0.0.1 that answer from whatever media parts a
// request carries: one that listens and says so, one that reads the screen and ignores the
// audio, one that claims speech it does not use, one that uses the audio without citing it, one
// that uses it without citing it and mishears it (wrong, uncited: it looks like a shortcut unless
// the ablation is measured), and one that answers blind. Each (case, model) pair carries its intended verdict per modality,
// worked out by hand from the definitions in src/core/shortcuts/verdict.ts.
//
// Used by bench/shortcuts.ts (the whole suite, precision/recall) and
// test/integration/shortcuts.test.ts (a small part, through the CLI).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from '../test/helpers/localServer';
import { makeCueClip } from '../test/helpers/cueClip';
import type { Verdict } from '../src/core/shortcuts/types';

// ---------------------------------------------------------------------------------------------
// Clips

export type ClipId = 'speech' | 'text' | 'both' | 'neither' | 'logo' | 'mute';

export interface ClipFacts {
  /** The spoken line. */
  speech?: { text: string };
  /** The on-screen text. */
  screen?: { text: string };
  audioStream: boolean;
}

export const CLIPS: Record<ClipId, ClipFacts> = {
  speech: { speech: { text: 'The code is seven.' }, audioStream: true },
  text: { screen: { text: 'CODE 4' }, audioStream: true },
  both: { speech: { text: 'The code is nine.' }, screen: { text: 'CODE 9' }, audioStream: true },
  neither: { speech: { text: 'Good morning everyone.' }, screen: { text: 'WELCOME' }, audioStream: true },
  logo: { speech: { text: 'Hello, my name is Maria.' }, screen: { text: 'NEWS 24' }, audioStream: true },
  mute: { screen: { text: 'CODE 6' }, audioStream: false },
};

/** Builds the clips into `dir` (3 s each, 640x360; espeak-ng speech, drawtext text). */
export function buildClips(dir: string, only?: ClipId[]): Record<ClipId, string> {
  const out = {} as Record<ClipId, string>;
  for (const [id, f] of Object.entries(CLIPS) as [ClipId, ClipFacts][]) {
    if (only && !only.includes(id)) continue;
    out[id] = makeCueClip(dir, {
      seconds: 3,
      name: `${id}.mp4`,
      color: '0x505560',
      ...(f.screen ? { screenText: [{ text: f.screen.text, size: 56 }] } : {}),
      ...(f.speech ? { speech: [{ text: f.speech.text, at: 0.3 }] } : {}),
      // The text clip has sound but no speech: a soft hum, so "audio present, nothing said".
      ...(id === 'text' ? { tones: [{ freq: 120, from: 0, to: 3, volume: 0.15 }] } : {}),
      audio: f.audioStream,
    }).file;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Questions

export interface SuiteCase {
  id: string;
  clip: ClipId;
  problem: string;
  options?: string[];
  problemType: string;
  answer: string;
  /** What every model says when it has no cue to go on; the question's prior. */
  guess: string;
  /** The answer is known without the clip (a blind-answerable question): every model falls back to it. */
  prior?: string;
  /** What a model that listens to the speech answers (none: the speech does not answer it). */
  heard?: string;
  /** What a model that reads the on-screen text answers. */
  seen?: string;
  solution: string;
  /** The rollout was made by a run that never sent the audio (its saved request has no audio part). */
  notSent?: boolean;
}

const sol = (context: string, think: string, answer: string) => `<context>${context}</context><think>${think}</think><answer>${answer}</answer>`;

export const CASES: SuiteCase[] = [
  {
    id: 'speech-code',
    heard: '7',
    clip: 'speech',
    problem: 'What code number does the man give?',
    problemType: 'numerical',
    answer: '7',
    guess: '3',
    solution: sol('A plain grey frame. A man says: "The code is seven."', 'The man says the code is seven, so the number is 7.', '7'),
  },
  {
    id: 'text-code',
    seen: '4',
    clip: 'text',
    problem: 'What code number is displayed?',
    problemType: 'numerical',
    answer: '4',
    guess: '3',
    solution: sol('A grey slide shows the text "CODE 4". A low hum is heard.', 'The slide reads CODE 4, so the number is 4.', '4'),
  },
  {
    id: 'both-code',
    heard: '9',
    seen: '9',
    clip: 'both',
    problem: 'Which code number is given in the clip?',
    problemType: 'numerical',
    answer: '9',
    guess: '3',
    solution: sol('A slide shows the text "CODE 9" while a man says: "The code is nine."', 'The slide text and the spoken words both give nine.', '9'),
  },
  {
    id: 'neither-sum',
    clip: 'neither',
    problem: 'What is two plus three?',
    problemType: 'numerical',
    answer: '5',
    guess: '5',
    prior: '5',
    solution: sol('A man greets the audience under a WELCOME banner.', 'Two plus three is five; nothing in the clip changes that.', '5'),
  },
  {
    id: 'logo-name',
    heard: 'A',
    clip: 'logo',
    problem: 'What is the name of the speaker?',
    options: ['A. Maria', 'B. Anna', 'C. Sofia', 'D. Elena'],
    problemType: 'multiple choice',
    answer: 'A',
    guess: 'B',
    solution: sol('A news studio with a NEWS 24 logo. A woman says: "Hello, my name is Maria."', 'She says her name is Maria, which is option A.', 'A'),
  },
  {
    id: 'logo-lucky',
    heard: 'Yes',
    clip: 'logo',
    problem: 'Does the speaker introduce herself by name?',
    problemType: 'judge',
    answer: 'Yes',
    guess: 'Yes',
    prior: 'Yes',
    solution: sol('A woman says: "Hello, my name is Maria."', 'She says her name, so she does introduce herself: Yes.', 'Yes'),
  },
  {
    id: 'mute-code',
    seen: '6',
    clip: 'mute',
    problem: 'What code number appears?',
    problemType: 'numerical',
    answer: '6',
    guess: '3',
    solution: sol('A silent grey slide shows the text "CODE 6".', 'The slide text reads CODE 6, so the number is 6.', '6'),
  },
  {
    id: 'speech-not-sent',
    heard: '7',
    clip: 'speech',
    problem: 'Which code number does the man say?',
    problemType: 'numerical',
    answer: '7',
    guess: '3',
    notSent: true,
    solution: sol('A plain grey frame. A man says: "The code is seven."', 'The man says the code is seven, so the number is 7.', '7'),
  },
];

// ---------------------------------------------------------------------------------------------
// Scripted models: what each answers and writes, given the media a request carries.

export type ModelId = 'listener' | 'reader' | 'pretender' | 'silent-user' | 'mishearer' | 'guesser';
export const MODELS: ModelId[] = ['listener', 'reader', 'pretender', 'silent-user', 'mishearer', 'guesser'];

/** A wrong answer of the same kind, never the question's guess (what a model that mishears says). */
export function misheard(a: string): string {
  if (/^\d+$/.test(a)) return String(Number(a) + 1);
  if (/^[A-D]$/.test(a)) return 'D';
  return a === 'Yes' ? 'No' : 'Yes';
}

export interface Media {
  audio: boolean;
  video: boolean;
}

const trace = (context: string, think: string, answer: string) => `<context>${context}</context>\n<think>${think}</think>\n<answer>${answer}</answer>`;

/** The completion a scripted model writes for a case with the given media. */
export function behave(model: ModelId, c: SuiteCase, media: Media): string {
  const f = CLIPS[c.clip];
  const fallback = c.prior ?? c.guess;
  const speech = media.audio && f.audioStream ? f.speech : undefined;
  const screen = media.video ? f.screen : undefined;
  switch (model) {
    case 'listener': {
      if (speech && c.heard) return trace(`A man's voice is heard. He says: "${speech.text}"`, `He said it out loud, so the answer is ${c.heard}.`, c.heard);
      if (speech) return trace(`A voice says: "${speech.text}"`, `That greeting does not answer it; the answer is ${fallback}.`, fallback);
      if (media.audio && f.audioStream) return trace('A steady low tone is heard, but nobody speaks.', `Without any words to go on, I guess ${fallback}.`, fallback);
      return trace('Nothing can be heard at all.', `Without any words to go on, I guess ${fallback}.`, fallback);
    }
    case 'reader': {
      if (screen && c.seen) return trace(`The text on the slide reads "${screen.text}".`, `The written text gives ${c.seen}.`, c.seen);
      if (screen) return trace(`The text on the slide reads "${screen.text}".`, `The written text does not answer it; the answer is ${fallback}.`, fallback);
      return trace('A plain grey frame with nothing written on it.', `Nothing in the frame helps, so I guess ${fallback}.`, fallback);
    }
    case 'pretender': {
      // Cites speech with confidence and answers its guess whatever it was given.
      const claim = c.options
        ? `She says her name is ${c.options.find((o) => o.startsWith(fallback))?.slice(3) ?? fallback}.`
        : c.problemType === 'judge'
          ? 'She says hello to everyone.'
          : `The man says the number ${fallback} clearly.`;
      return trace(claim, `The spoken words settle it: ${fallback}.`, fallback);
    }
    case 'silent-user': {
      const v = (speech && c.heard) || fallback;
      return trace('A plain grey frame.', `The answer is ${v}.`, v);
    }
    case 'mishearer': {
      // Uses the audio but mishears it, and never says where the answer came from.
      const v = speech && c.heard ? misheard(c.heard) : fallback;
      return trace('A plain grey frame.', `The answer is ${v}.`, v);
    }
    case 'guesser':
      return trace('I will answer from the question alone.', `The most probable answer is ${fallback}.`, fallback);
  }
}

// ---------------------------------------------------------------------------------------------
// Intended verdicts, per (case, model), worked out from the definitions (see the header).

export type Truth = { audio: Verdict; visual: Verdict };

export const TRUTH: Record<string, Partial<Record<ModelId, Truth>>> = {
  'speech-code': {
    listener: { audio: 'grounded', visual: 'unused' },
    reader: { audio: 'ignored', visual: 'decorative' },
    pretender: { audio: 'decorative', visual: 'unused' },
    'silent-user': { audio: 'unspoken', visual: 'decorative' },
    mishearer: { audio: 'unspoken', visual: 'decorative' },
    guesser: { audio: 'ignored', visual: 'unused' },
  },
  'text-code': {
    listener: { audio: 'decorative', visual: 'ignored' },
    reader: { audio: 'unused', visual: 'grounded' },
    pretender: { audio: 'decorative', visual: 'ignored' },
    'silent-user': { audio: 'unused', visual: 'decorative' },
    mishearer: { audio: 'unused', visual: 'decorative' },
    guesser: { audio: 'unused', visual: 'ignored' },
  },
  'both-code': {
    // The number is both spoken and shown: a model that uses one of them does not need the other.
    listener: { audio: 'grounded', visual: 'unused' },
    reader: { audio: 'unused', visual: 'grounded' },
    pretender: { audio: 'decorative', visual: 'ignored' },
    'silent-user': { audio: 'unspoken', visual: 'decorative' },
    mishearer: { audio: 'unspoken', visual: 'decorative' },
    guesser: { audio: 'ignored', visual: 'ignored' },
  },
  'neither-sum': {
    listener: { audio: 'decorative', visual: 'unused' },
    reader: { audio: 'unused', visual: 'decorative' },
    pretender: { audio: 'decorative', visual: 'unused' },
    'silent-user': { audio: 'unused', visual: 'decorative' },
    mishearer: { audio: 'unused', visual: 'decorative' },
    guesser: { audio: 'unused', visual: 'unused' },
  },
  'logo-name': {
    // The logo is on screen but the question is about the speaker's words: the text is not needed.
    listener: { audio: 'grounded', visual: 'unused' },
    reader: { audio: 'ignored', visual: 'decorative' },
    pretender: { audio: 'decorative', visual: 'unused' },
    'silent-user': { audio: 'unspoken', visual: 'decorative' },
    mishearer: { audio: 'unspoken', visual: 'decorative' },
    guesser: { audio: 'ignored', visual: 'unused' },
  },
  'logo-lucky': {
    // Blind-answerable: right without the clip. Skipping the speech the reference rests on is still
    // a shortcut (right for the wrong reasons); citing it changes nothing in the answer.
    listener: { audio: 'decorative', visual: 'unused' },
    reader: { audio: 'ignored', visual: 'decorative' },
    mishearer: { audio: 'unspoken', visual: 'decorative' },
    guesser: { audio: 'ignored', visual: 'unused' },
  },
  'mute-code': {
    listener: { audio: 'not-applicable', visual: 'ignored' },
    reader: { audio: 'not-applicable', visual: 'grounded' },
    pretender: { audio: 'not-applicable', visual: 'ignored' },
    'silent-user': { audio: 'not-applicable', visual: 'decorative' },
    mishearer: { audio: 'not-applicable', visual: 'decorative' },
    guesser: { audio: 'not-applicable', visual: 'ignored' },
  },
  'speech-not-sent': {
    // The run never sent the audio: reported first, whatever else holds. The listener then
    // guessed, citing no picture: the visual was neither used nor needed.
    listener: { audio: 'not-sent', visual: 'unused' },
  },
};

/** A suite's rollout row, as a run file holds it (both suites write theirs through this). */
export function suiteRow(
  model: string,
  c: { id: string; problem: string; options?: string[]; problemType: string; solution: string },
  clip: { key: 'video' | 'audio'; path: string },
  completion: string,
): Record<string, unknown> {
  return {
    id: `${c.id}/${model}`,
    checkpoint: model,
    problem: c.problem,
    ...(c.options ? { options: c.options } : {}),
    problem_type: c.problemType,
    solution: c.solution,
    [clip.key]: clip.path,
    completion,
  };
}

/** The rollout a model produced for a case (with all media, or without audio for a not-sent case). */
export function rolloutRow(model: ModelId, c: SuiteCase, clipPath: string): Record<string, unknown> {
  const f = CLIPS[c.clip];
  const sentAudio = f.audioStream && !c.notSent;
  const row = suiteRow(model, c, { key: 'video', path: clipPath }, behave(model, c, { audio: sentAudio, video: true }));
  if (c.notSent) {
    row.request = {
      user_text: `This video comes without sound; there is no audio to take into account.\n${c.problem}`,
      media_parts: [{ type: 'video_url', mime: 'video/mp4', bytes: 1, sha256: '0' }],
    };
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// The scripted server: vLLM's chat completions, streamed samples and prompt_logprobs scoring.

/** What the scripted server needs of a suite: its questions and how its models behave. */
export interface ScriptedSuite {
  name: string;
  cases: { id: string; problem: string }[];
  models: readonly string[];
  behave(model: string, c: { id: string }, media: Media): string;
}

/** The original constructed suite (issue 6). */
export const SUITE_ONE: ScriptedSuite = {
  name: 'constructed',
  cases: CASES,
  models: MODELS,
  behave: (model, c, media) => behave(model as ModelId, c as SuiteCase, media),
};

export interface ScriptedServer {
  baseURL: string;
  /** The same models with sampling noise: the third sample of each request gives another answer. */
  noisyBaseURL: string;
  requests: number;
  close(): Promise<void>;
}

interface ChatBody {
  model: string;
  n?: number;
  stream?: boolean;
  prompt_logprobs?: number;
  messages: { role: string; content: string | { type: string; text?: string }[] }[];
}

function mediaOf(body: ChatBody): Media {
  const user = body.messages.find((m) => m.role === 'user');
  const parts = Array.isArray(user?.content) ? user!.content : [];
  return { audio: parts.some((p) => p.type === 'audio_url' || p.type === 'input_audio'), video: parts.some((p) => p.type === 'video_url' || p.type === 'image_url') };
}

function caseOf(suite: ScriptedSuite, body: ChatBody): ScriptedSuite['cases'][number] | undefined {
  const user = body.messages.find((m) => m.role === 'user');
  const text = typeof user?.content === 'string' ? user.content : (user?.content ?? []).map((p) => p.text ?? '').join('\n');
  // Longest problem first: no problem text is a prefix of another's line.
  return [...suite.cases].sort((a, b) => b.problem.length - a.problem.length).find((c) => text.includes(c.problem));
}

const answerOf = (s: string) => /<answer>\s*([\s\S]*?)\s*<\/answer>/.exec(s)?.[1] ?? null;

/** Word-ish tokens, with <answer>/</answer> tags apart so the answer stands alone. */
function tokensOf(text: string): string[] {
  return text.match(/<\/?answer>|<\/?context>|<\/?think>|[^\s<]+\s*|\s+|</g) ?? [];
}

/**
 * Scores the forced completion like vLLM's prompt_logprobs: one null, a token for the prompt,
 * then the completion's tokens. The answer tokens are likely (−0.05) when the scripted model
 * would give that answer with these media, unlikely (−4.0) otherwise.
 */
function promptLogprobs(completion: string, wouldAnswer: string | null): unknown[] {
  const forced = answerOf(completion);
  const ok = forced !== null && forced === wouldAnswer;
  const toks = tokensOf(completion);
  const out: unknown[] = [null, { '1': { logprob: -1, rank: 1, decoded_token: '<|im_start|>assistant\n' } }];
  let inAnswer = false;
  toks.forEach((t, i) => {
    if (t === '</answer>') inAnswer = false;
    const lp = inAnswer ? (ok ? -0.05 : -4.0) : -0.3;
    out.push({ [String(100 + i)]: { logprob: lp, rank: 1, decoded_token: t } });
    if (t === '<answer>') inAnswer = true;
  });
  return out;
}

/** A different answer of the same kind (the noise of a sampled model). */
function otherAnswer(a: string): string {
  if (/^\d+$/.test(a)) return String(Number(a) + 1);
  if (/^[A-D]$/.test(a)) return 'ABCD'[('ABCD'.indexOf(a) + 1) % 4]!;
  if (a === 'Yes') return 'No';
  if (a === 'No') return 'Yes';
  return `${a}?`;
}

export async function startScriptedServer(suite: ScriptedSuite = SUITE_ONE): Promise<ScriptedServer> {
  const state = { requests: 0 };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    state.requests++;
    let body: ChatBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', message: 'bad JSON', type: 'BadRequestError', code: 400 }));
      return;
    }
    const c = caseOf(suite, body);
    const model = body.model;
    if (!c || !suite.models.includes(model)) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'error', message: `unknown case or model ${body.model}`, type: 'BadRequestError', code: 400 }));
      return;
    }
    const media = mediaOf(body);
    const reply = suite.behave(model, c, media);
    if (body.prompt_logprobs !== undefined) {
      const last = body.messages[body.messages.length - 1]!;
      const forced = typeof last.content === 'string' ? last.content : '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'cmpl-score',
          object: 'chat.completion',
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'length' }],
          prompt_logprobs: promptLogprobs(forced, answerOf(reply)),
          usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
        }),
      );
      return;
    }
    const n = Math.max(1, Number(body.n ?? 1));
    // Under /noisy/: sampling noise, as at temperature 1 — the third sample of every sampled
    // request answers something else, whatever the media.
    const noisy = (req.url ?? '').startsWith('/noisy/');
    const replyFor = (i: number) => (noisy && i === 2 ? reply.replace(/<answer>([\s\S]*?)<\/answer>/, (_m, a: string) => `<answer>${otherAnswer(a)}</answer>`) : reply);
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'cmpl',
          object: 'chat.completion',
          model: body.model,
          choices: Array.from({ length: n }, (_, i) => ({ index: i, message: { role: 'assistant', content: replyFor(i) }, finish_reason: 'stop' })),
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
    for (let i = 0; i < n; i++)
      send({ id: 'cmpl', object: 'chat.completion.chunk', model: body.model, choices: [{ index: i, delta: { role: 'assistant', content: replyFor(i) }, finish_reason: null }] });
    for (let i = 0; i < n; i++) send({ id: 'cmpl', object: 'chat.completion.chunk', model: body.model, choices: [{ index: i, delta: {}, finish_reason: 'stop' }] });
    res.end('data: [DONE]\n\n');
  });
  const local = await listenLocal(server);
  const port = local.port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    noisyBaseURL: `http://127.0.0.1:${port}/noisy/v1`,
    get requests() {
      return state.requests;
    },
    close: () => local.close(),
  };
}
