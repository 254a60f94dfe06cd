// Was the model given each modality? A clip with sound whose audio never reached the
// model cannot be "ignored" by it: that is a pipeline fault, reported before any verdict. Pure.
//
// Read from, in order:
// 1. The saved request of an `omnitrace run` record (extras.request, see src/core/run/runRecords.ts):
//    media_parts lists what was sent; an audio_url part, or a video part with
//    mm_processor_kwargs.use_audio_in_video, means audio was sent; a video_url/image_url part
//    means the picture was sent; the no-audio line in user_text confirms audio was withheld.
// 2. The logged prompt of a training or eval dump (record.prompt): a chat-message list with media
//    content parts (type audio/audio_url/input_audio; video/video_url/image/image_url), or a
//    rendered string with Qwen2.5-Omni's placeholders (<|AUDIO|>, <|audio_bos|>, <|VIDEO|>,
//    <|vision_bos|>, <|IMAGE|>…). Once any media placeholder or part is there, a modality without
//    one was not sent. HumanOmniV2's no-audio line ("there is no audio information, you don't
//    need to process the audio") and ours also say the audio was not sent.
// Otherwise 'unknown': never guessed.

import { NO_AUDIO_LINE } from '../run/defaultPrompts';
import type { RolloutRecord } from '../types';
import type { ModalitySent } from './types';

const AUDIO_TOKEN_RE = /<\|(?:AUDIO|audio_bos|audio_eos|audio_pad|audio_start|audio_end)\|>/;
const VISUAL_TOKEN_RE = /<\|(?:VIDEO|IMAGE|vision_bos|vision_eos|video_pad|image_pad|vision_start|vision_end|vision_pad)\|>/;
const AUDIO_PART_TYPES = new Set(['audio', 'audio_url', 'input_audio']);
const VISUAL_PART_TYPES = new Set(['video', 'video_url', 'image', 'image_url']);

/** The no-audio instruction: HumanOmniV2's wording (matched loosely) or our default line. */
export function isNoAudioLine(text: string): boolean {
  if (text.includes(NO_AUDIO_LINE)) return true;
  return /there is no audio information|(?:don['’]t|do not|no) need to process the audio|comes without sound|there is no audio to take into account/i.test(text);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromRunRequest(req: Record<string, unknown>): ModalitySent | undefined {
  const parts = Array.isArray(req.media_parts) ? (req.media_parts as unknown[]).filter(isObj) : undefined;
  if (!parts) return undefined;
  const types = parts.map((p) => String(p.type ?? ''));
  const evidence: string[] = [`saved request media parts: ${types.length ? types.join(', ') : 'none'}`];
  const params = isObj(req.params) ? req.params : {};
  const mm = isObj(params.mm_processor_kwargs) ? params.mm_processor_kwargs : {};
  const audioInVideo = mm.use_audio_in_video === true && types.includes('video_url');
  if (audioInVideo) evidence.push('mm_processor_kwargs.use_audio_in_video: the video part carries its audio');
  const userText = typeof req.user_text === 'string' ? req.user_text : '';
  const noAudio = isNoAudioLine(userText);
  if (noAudio) evidence.push('the user text has the no-audio line');
  const audio = types.includes('audio_url') || audioInVideo;
  return { audio: audio && !noAudio ? true : false, visual: types.includes('video_url') || types.includes('image_url'), from: 'run-request', evidence };
}

/** Texts and part types of a chat-message list; undefined when it is not one. */
function chatParts(prompt: unknown): { texts: string[]; types: string[] } | undefined {
  const msgs = Array.isArray(prompt) ? prompt : isObj(prompt) && Array.isArray(prompt.messages) ? prompt.messages : undefined;
  if (!msgs || !msgs.some((m) => isObj(m) && 'role' in m)) return undefined;
  const texts: string[] = [];
  const types: string[] = [];
  for (const m of msgs) {
    if (!isObj(m)) continue;
    const c = m.content;
    if (typeof c === 'string') texts.push(c);
    else if (Array.isArray(c)) {
      for (const p of c) {
        if (typeof p === 'string') texts.push(p);
        else if (isObj(p)) {
          const t = String(p.type ?? '');
          types.push(t);
          if (typeof p.text === 'string') texts.push(p.text);
        }
      }
    }
  }
  return { texts, types };
}

function fromLoggedPrompt(prompt: unknown): ModalitySent | undefined {
  const chat = chatParts(prompt);
  const texts = chat ? chat.texts : typeof prompt === 'string' ? [prompt] : [];
  if (!chat && texts.length === 0) return undefined;
  const types = chat?.types ?? [];
  const joined = texts.join('\n');
  const evidence: string[] = [];
  const audioPart = types.find((t) => AUDIO_PART_TYPES.has(t));
  const visualPart = types.find((t) => VISUAL_PART_TYPES.has(t));
  const audioTok = AUDIO_TOKEN_RE.exec(joined)?.[0];
  const visualTok = VISUAL_TOKEN_RE.exec(joined)?.[0];
  if (audioPart) evidence.push(`logged prompt has a content part of type ${audioPart}`);
  if (visualPart) evidence.push(`logged prompt has a content part of type ${visualPart}`);
  if (audioTok) evidence.push(`logged prompt has the placeholder ${audioTok}`);
  if (visualTok) evidence.push(`logged prompt has the placeholder ${visualTok}`);
  const noAudio = isNoAudioLine(joined);
  if (noAudio) evidence.push('logged prompt has the no-audio line');
  const anyMedia = !!(audioPart || visualPart || audioTok || visualTok);
  if (!anyMedia && !noAudio) return undefined;
  const audio: boolean | 'unknown' = (audioPart || audioTok) && !noAudio ? true : anyMedia || noAudio ? false : 'unknown';
  const visual: boolean | 'unknown' = visualPart || visualTok ? true : anyMedia ? false : 'unknown';
  if (anyMedia && !(audioPart || audioTok)) evidence.push('no audio part or placeholder');
  if (anyMedia && !(visualPart || visualTok)) evidence.push('no video/image part or placeholder');
  return { audio, visual, from: 'logged-prompt', evidence };
}

export function modalitySent(record: Pick<RolloutRecord, 'extras' | 'prompt'>): ModalitySent {
  const req = record.extras?.request;
  if (isObj(req)) {
    const r = fromRunRequest(req);
    if (r) return r;
  }
  if (record.prompt !== undefined) {
    const r = fromLoggedPrompt(record.prompt);
    if (r) return r;
  }
  return { audio: 'unknown', visual: 'unknown', from: 'unknown', evidence: ['no saved request or logged prompt with media markers'] };
}
