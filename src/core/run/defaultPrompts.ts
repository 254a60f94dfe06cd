// Default prompt texts for running a checkpoint, in our own words. This file is the one source:
// media/prompts/*.md are byte-identical copies users can start from (test/unit/runPrompt.test.ts
// checks them; run it with OMNITRACE_WRITE_PROMPTS=1 to regenerate the copies).

export const DEFAULT_SYSTEM_PROMPT = `You are given a video (its frames and, when present, its soundtrack), an image or an audio recording, together with a question about it.
First write, between <context> and </context>, what you perceive that matters for the question: the people, what they do and say, their tone, the sounds, any text shown and the setting.
Then reason step by step between <think> and </think>. While reasoning, go back to the media to confirm or correct what you noted, and say so when you change your mind.
Finally give only the answer between <answer> and </answer>.
Your reply must have the shape <context>...</context><think>...</think><answer>...</answer>.`;

export const AUDIO_LINE = 'The sound of this video is provided together with it.';
export const NO_AUDIO_LINE = 'This video comes without sound; there is no audio to take into account.';

/** What to put inside <answer>, by HumanOmniV2 problem type. */
export const DEFAULT_INSTRUCTIONS: Record<string, string> = {
  'multiple choice': 'Inside <answer></answer> write only the letter of the option you choose (for example B).',
  emer_ov_mc: 'Inside <answer></answer> write the letter of every option that applies, separated by commas (for example A,C).',
  numerical: 'Inside <answer></answer> write only the number (for example 3 or 2.5).',
  regression: 'Inside <answer></answer> write only the number (for example 3 or 2.5).',
  judge: 'Inside <answer></answer> write only Yes or No.',
  OCR: 'Inside <answer></answer> write the text exactly as it appears.',
  'free-form': 'Inside <answer></answer> write your answer in your own words.',
};

/** media/prompts/<name>.md → its text (the copies users start from). */
export function defaultPromptFiles(): Record<string, string> {
  const files: Record<string, string> = { 'system.md': DEFAULT_SYSTEM_PROMPT + '\n', 'audio-line.md': AUDIO_LINE + '\n', 'no-audio-line.md': NO_AUDIO_LINE + '\n' };
  for (const [type, text] of Object.entries(DEFAULT_INSTRUCTIONS)) files[`instruction.${type.replace(/[^A-Za-z0-9_-]+/g, '-')}.md`] = text + '\n';
  return files;
}
