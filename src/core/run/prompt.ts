// The user text of a HumanOmniV2-style request (pure): the audio / no-audio line, the question,
// " Options:\n" and one option per line, then what to put inside <answer> for the problem type.

import { AUDIO_LINE, DEFAULT_INSTRUCTIONS, DEFAULT_SYSTEM_PROMPT, NO_AUDIO_LINE } from './defaultPrompts';

export const PROBLEM_TYPES = Object.keys(DEFAULT_INSTRUCTIONS);

export interface PromptTexts {
  system: string;
  audioLine: string;
  noAudioLine: string;
  /** problem type → instruction; unknown types fall back to 'free-form'. */
  instructions: Record<string, string>;
}

export const DEFAULT_PROMPT_TEXTS: PromptTexts = {
  system: DEFAULT_SYSTEM_PROMPT,
  audioLine: AUDIO_LINE,
  noAudioLine: NO_AUDIO_LINE,
  instructions: DEFAULT_INSTRUCTIONS,
};

export interface QuestionInput {
  problem: string;
  options?: string[];
  problemType?: string;
}

/** 'video-audio' (the audio line), 'video' (the no-audio line), anything else (no media line). */
export type MediaKind = 'video-audio' | 'video' | 'image' | 'audio';

export function instructionFor(problemType: string | undefined, texts: PromptTexts = DEFAULT_PROMPT_TEXTS): string {
  const t = problemType ?? (Object.keys(texts.instructions).includes('free-form') ? 'free-form' : '');
  return texts.instructions[t] ?? texts.instructions['free-form'] ?? '';
}

/** The user text, exactly as sent. */
export function buildUserText(q: QuestionInput, media: MediaKind, texts: PromptTexts = DEFAULT_PROMPT_TEXTS): string {
  const lines: string[] = [];
  if (media === 'video-audio') lines.push(texts.audioLine);
  else if (media === 'video') lines.push(texts.noAudioLine);
  let question = q.problem;
  if (q.options?.length) question += ' Options:\n' + q.options.join('\n');
  lines.push(question);
  const instruction = instructionFor(q.problemType, texts);
  if (instruction) lines.push(instruction);
  return lines.join('\n');
}

/** Replaces defaults with the texts of the given overrides (already read from files). */
export function withOverrides(base: PromptTexts, o: { system?: string; instructions?: Record<string, string>; audioLine?: string; noAudioLine?: string }): PromptTexts {
  return {
    system: o.system !== undefined ? o.system.replace(/\s+$/, '') : base.system,
    audioLine: o.audioLine !== undefined ? o.audioLine.trim() : base.audioLine,
    noAudioLine: o.noAudioLine !== undefined ? o.noAudioLine.trim() : base.noAudioLine,
    instructions: { ...base.instructions, ...Object.fromEntries(Object.entries(o.instructions ?? {}).map(([k, v]) => [k, v.trim()])) },
  };
}

/** Answer options as typed in one line: "A. happy | B. sad" (or one per line); empty → none. */
export function parseOptionsText(text: string): string[] {
  return text
    .split(/\s*\|\s*|\r?\n/)
    .map((o) => o.trim())
    .filter(Boolean);
}
