// Default prompt texts for running a checkpoint, in our own words: src/core/run/prompts/*.md is the one
// source, which users start from, built into the bundles as text (esbuild's text loader;
// scripts/register-text.cjs under tsx). Each file holds one text and a final newline.

import audioLineMd from './prompts/audio-line.md';
import instructionEmerMd from './prompts/instruction.emer_ov_mc.md';
import instructionFreeFormMd from './prompts/instruction.free-form.md';
import instructionJudgeMd from './prompts/instruction.judge.md';
import instructionMultipleChoiceMd from './prompts/instruction.multiple-choice.md';
import instructionNumericalMd from './prompts/instruction.numerical.md';
import instructionOcrMd from './prompts/instruction.OCR.md';
import instructionRegressionMd from './prompts/instruction.regression.md';
import noAudioLineMd from './prompts/no-audio-line.md';
import systemMd from './prompts/system.md';

/** A prompt file's text without its final newline. */
const text = (file: string): string => file.replace(/\r?\n$/, '');

export const DEFAULT_SYSTEM_PROMPT = text(systemMd);

export const AUDIO_LINE = text(audioLineMd);
export const NO_AUDIO_LINE = text(noAudioLineMd);

/** What to put inside <answer>, by HumanOmniV2 problem type. */
export const DEFAULT_INSTRUCTIONS: Record<string, string> = {
  'multiple choice': text(instructionMultipleChoiceMd),
  emer_ov_mc: text(instructionEmerMd),
  numerical: text(instructionNumericalMd),
  regression: text(instructionRegressionMd),
  judge: text(instructionJudgeMd),
  OCR: text(instructionOcrMd),
  'free-form': text(instructionFreeFormMd),
};

/** prompts/<name>.md → its text (the copies users start from). */
export function defaultPromptFiles(): Record<string, string> {
  const files: Record<string, string> = { 'system.md': DEFAULT_SYSTEM_PROMPT + '\n', 'audio-line.md': AUDIO_LINE + '\n', 'no-audio-line.md': NO_AUDIO_LINE + '\n' };
  for (const [type, t] of Object.entries(DEFAULT_INSTRUCTIONS)) files[`instruction.${type.replace(/[^A-Za-z0-9_-]+/g, '-')}.md`] = t + '\n';
  return files;
}
